# Sourced by scripts that run an mfsmaster on loopback (demo.sh, bench-dump.sh).
#
# write_master_config DIR MODE [SYNC_REPLICAS]: DIR/mfsmaster.cfg and DIR/mfsexports.cfg for a
#   master with its data in DIR/data, CHANGELOG_SAVE_MODE MODE, its ports on 127.0.0.1 picked by
#   the kernel, and SYNC_REPLICAS (default 0: a lone master, which with the product's default of
#   1 would acknowledge no change until a peer follows it).
# start_master BIN DIR [ARGS...]: starts BIN/mfsmaster -c DIR/mfsmaster.cfg ARGS in the
#   background, its output in DIR/master.log (new each start), and waits until it listens.
#   Sets master_pid, port (client), status_port and peer_port; returns 1 if it stopped or did
#   not listen. The command is the ExecStart of systemd/mfsmaster.service (unit_command).
# unit_command DAEMON BIN CONFIG: from scripts/lib/unit-command.sh (sourced here).

# shellcheck source=unit-command.sh
. "$(dirname "${BASH_SOURCE[0]}")/unit-command.sh"

write_master_config() {
    local dir="$1" mode="$2" replicas="${3:-0}"
    mkdir -p "$dir/data"
    echo '127.0.0.1  /  rw,alldirs,maproot=0' >"$dir/mfsexports.cfg"
    cat >"$dir/mfsmaster.cfg" <<CFG
DATA_PATH = $dir/data
EXPORTS_FILENAME = $dir/mfsexports.cfg
CHANGELOG_SAVE_MODE = $mode
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = 0
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = 0
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = 0
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = 0
SYNC_REPLICAS = $replicas
CFG
}

# The port of the log line saying `$2`, from log file $1.
listening_port() {
    grep "$2" "$1" | grep -o 'address=127.0.0.1:[0-9]*' | cut -d: -f2 || true
}

start_master() {
    local bin="$1" dir="$2"
    shift 2
    : >"$dir/master.log"
    unit_command mfsmaster "$bin" "$dir/mfsmaster.cfg" || return 1
    "${command[@]}" "$@" >>"$dir/master.log" 2>&1 &
    master_pid=$!
    port=""
    status_port=""
    for _ in $(seq 1 300); do
        port=$(listening_port "$dir/master.log" "client port listening")
        status_port=$(listening_port "$dir/master.log" "status server listening")
        peer_port=$(listening_port "$dir/master.log" "peer port listening")
        [ -n "$port" ] && [ -n "$status_port" ] && [ -n "$peer_port" ] && return 0
        kill -0 "$master_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
