#!/usr/bin/env bash
# Dump latency: requests answered while the master dumps a namespace of >= 1 M inodes.
# Fills a fresh master (CHANGELOG_SAVE_MODE 2, loopback) with FILES files from 8 clients, keeps
# them busy with stats and mkdirs, asks for a dump (POST /dump on the status port) and prints
# p50/p99/max latency of the requests during the dump beside the others. Reach (issue 3):
# p99 during the dump under 20 ms.
#
#   scripts/bench-dump.sh [--json] [--fill FILES]     (default 1000000)
#
# Environment: SWIFT_BIN_DIR=DIR takes mfsmaster and MasterBenchmarks from DIR instead of
# building them. The master is stopped by PID and its directory removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

fill=1000000
json=()
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=(--json) ;;
        --fill) [ $# -ge 2 ] || { echo "usage: $0 [--json] [--fill FILES]" >&2; exit 2; }; fill="$2"; shift ;;
        *) echo "usage: $0 [--json] [--fill FILES]" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "bench-dump: $*" >&2; }

# shellcheck source=lib/cleanup.sh
. scripts/lib/cleanup.sh
work=$(mktemp -d /tmp/bench-dump.XXXXXX)
master_pid=""
stop_master() { if [ -n "$master_pid" ]; then stop_pids "$master_pid"; fi; }
remove_on_exit "$work" stop_master

if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    bin="$SWIFT_BIN_DIR"
else
    log "building mfsmaster and MasterBenchmarks (release)"
    flock /tmp/swift-mfs-build.lock bash -c \
        'swift build -c release --product mfsmaster && swift build -c release --product MasterBenchmarks' >&2
    bin=$(swift build -c release --show-bin-path)
fi

# shellcheck source=lib/loopback-master.sh
. scripts/lib/loopback-master.sh
write_master_config "$work" 2
start_master "$bin" "$work" || { log "mfsmaster did not listen"; cat "$work/master.log" >&2; exit 1; }
log "filling with $fill files over 8 clients, then a dump under load"
"$bin/MasterBenchmarks" --master "127.0.0.1:$port" --status "127.0.0.1:$status_port" --dump-latency --clients 8 \
    --fill "$fill" "${json[@]}"
