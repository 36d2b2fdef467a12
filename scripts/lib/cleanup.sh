# Sourced by scripts that run daemons in a scratch directory (bench-dump.sh, bench-replication.sh).
#
# stop_pids PID...: SIGTERM to each (one already gone is skipped), then waits for each.
# remove_on_exit DIR STOP: on exit, also after SIGINT, SIGTERM or SIGPIPE (status 130, 143 or 141), runs the
#   command STOP (the script's own: it stops what it started), removes DIR and exits with the
#   script's status.

stop_pids() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

remove_on_exit() {
    cleanup_dir="$1"
    cleanup_stop="$2"
    trap cleanup_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Output piped into a reader that quit (`| head`): without this the first write after
    # would kill the script outright, leaving its namespaces and daemons behind.
    trap 'exit 141' PIPE
}

cleanup_on_exit() {
    local status=$?
    set +e # a failing step must not end the cleanup early
    "$cleanup_stop"
    rm -rf "$cleanup_dir"
    exit "$status"
}
