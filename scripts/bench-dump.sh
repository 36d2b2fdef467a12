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

work=$(mktemp -d /tmp/bench-dump.XXXXXX)
pid=""
cleanup() {
    local status=$?
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    bin="$SWIFT_BIN_DIR"
else
    log "building mfsmaster and MasterBenchmarks (release)"
    flock /tmp/mfs-build.lock bash -c \
        'swift build -c release --product mfsmaster && swift build -c release --product MasterBenchmarks' >&2
    bin=$(swift build -c release --show-bin-path)
fi

mkdir -p "$work/data"
echo '127.0.0.1  /  rw,alldirs,maproot=0' >"$work/mfsexports.cfg"
cat >"$work/mfsmaster.cfg" <<CFG
DATA_PATH = $work/data
EXPORTS_FILENAME = $work/mfsexports.cfg
CHANGELOG_SAVE_MODE = 2
METADATA_SAVE_FREQ = 24
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = 0
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = 0
CFG
"$bin/mfsmaster" -c "$work/mfsmaster.cfg" >"$work/master.log" 2>&1 &
pid=$!
port=""
status=""
for _ in $(seq 1 300); do
    port=$(grep "client port listening" "$work/master.log" | grep -o 'address=127.0.0.1:[0-9]*' | cut -d: -f2 || true)
    status=$(grep "status server listening" "$work/master.log" | grep -o 'address=127.0.0.1:[0-9]*' | cut -d: -f2 || true)
    [ -n "$port" ] && [ -n "$status" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/master.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] && [ -n "$status" ] || { log "mfsmaster did not listen"; cat "$work/master.log" >&2; exit 1; }
log "filling with $fill files over 8 clients, then a dump under load"
"$bin/MasterBenchmarks" --master "127.0.0.1:$port" --status "127.0.0.1:$status" --dump-latency --clients 8 \
    --fill "$fill" "${json[@]}"
