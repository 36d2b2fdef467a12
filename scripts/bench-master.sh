#!/usr/bin/env bash
# Master metadata benchmark (issue 13): our mfsmaster beside MooseFS 3.0's (Debian moosefs-master),
# both driven by the same C program, Benchmarks/mfsio-driver, through MooseFS's own client library
# libmfsio (our master speaks MooseFS 3.0's client dialect on 9421). Phases mkdir, create, stat,
# readdir, rename, unlink at 1, 8 and 64 concurrent clients, both masters in
# CHANGELOG_SAVE_MODE 0 and 2, ours with SYNC_REPLICAS = 0 (a lone master: MooseFS has no replicas).
#
#   sudo scripts/bench-master.sh [--json] [--ops N] [--ops-mode2 N] [--quick] [--runs N]
#                                [--sides "ours moosefs"] [--native]
#
#   --ops N     ops per phase in mode 0, shared by the clients (default 60000; --quick: 6000 and
#               1 run)
#   --ops-mode2 N  ops per phase in mode 2 (default a fifth of --ops: MooseFS fsyncs every change
#               there, a few hundred a second on this machine's disk)
#   --runs N    rounds (default 3); the table gives the median of the runs and their spread
#   --json      print one JSON object (rows, targets) instead of the tables
#   --sides     run one side only ("ours" or "moosefs": the comparison and the targets stay empty)
#   --native    also drive ours with MasterBenchmarks (Swift, our own protocol, a socket per
#               client) after the libmfsio rows: a separate table, never compared with MooseFS
#   --listing   instead of the phases: one directory of 10,000 files listed 300 times in a row
#               by Benchmarks/mfsio-driver/listing.c (fs_readdir without, then with, attributes),
#               each side a fresh master in mode 0 per round; ms per listing, median (min-max)
#
# Like for like: each master runs alone in a network namespace of this run, listening on
# 169.254.N.1:9421 (MooseFS's master refuses 127.x), with the driver in the same namespace, the
# same arguments for both, and the same connection pattern: ONE driver process per client count
# whose N threads share libmfsio's single master connection (one mfs_init: one session, requests
# multiplexed by message id, as mfsmount's threads share theirs); each thread has one request in
# flight at a time. The masters run at nice 0 (MooseFS with NICE_LEVEL 0: its default, -19,
# would favour it). Nothing is added outside the namespace.
#
# How it samples: RUNS rounds; in each round, for mode 0 then mode 2, each side gets a fresh
# master (empty metadata), the driver runs at 1, 8 and 64 clients (a new process and session
# each), then the master is stopped; which side goes first alternates between rounds, so a drift
# of the machine hits both alike. A rate is ops / wall time of the phase (from the barrier that
# starts it until the last thread is done); latencies are per call inside the driver. The table
# gives the median ops/s of the runs with their spread (min-max), and the median of the runs'
# p99s.
#
# Reach (docs/MASTER.md): at 8 and 64 clients, against MooseFS in the same mode, mode 0 at least
# 1x MooseFS's ops/s on every op; mode 2 at least 2x for the changes (mkdir, create, rename,
# unlink: our group commit against its fsync per change) and 1x for stat and readdir (they write
# nothing); p99 under 5 ms at 64 clients in mode 0.
#
# Every process is stopped by PID, the namespace and temp dir removed on exit, even on failure.
# Environment: SWIFT_BIN_DIR=DIR takes mfsmaster (and MasterBenchmarks for --native) from DIR
# instead of building them (release); they are copied into the run's directory first.
# MFSIO_API=inode|path (default inode, see Benchmarks/mfsio-driver/driver.c).
# OURS_EXTRA_CONFIG="KEY = VALUE" adds lines to our master's configuration (an A/B of one of
# its settings, e.g. OURS_EXTRA_CONFIG="CHANGELOG_PREALLOCATE = 0" --sides ours).
set -euo pipefail
cd "$(dirname "$0")/.."

clients_list="1 8 64"
ops=60000
ops2=""
runs=3
json=0
sides="ours moosefs"
native=0
listing=0
mfsio_api="${MFSIO_API:-inode}"

usage() { echo "usage: $0 [--json] [--ops N] [--ops-mode2 N] [--quick] [--runs N] [--sides \"ours moosefs\"] [--native] [--listing]" >&2; exit 2; }
bad() { echo "$0: $1" >&2; usage; }
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --ops) [ $# -ge 2 ] || usage; ops="$2"; shift ;;
        --ops-mode2) [ $# -ge 2 ] || usage; ops2="$2"; shift ;;
        --quick) ops=6000; runs=1 ;;
        --runs) [ $# -ge 2 ] || usage; runs="$2"; shift ;;
        --sides) [ $# -ge 2 ] || usage; sides="$2"; shift ;;
        --native) native=1 ;;
        --listing) listing=1 ;;
        *) usage ;;
    esac
    shift
done
[[ "$ops" =~ ^[1-9][0-9]*$ ]] && [ "$ops" -ge 64 ] || bad "--ops $ops: not a whole number of at least 64 (one per client)"
ops2=${ops2:-$((ops / 5))}
[[ "$ops2" =~ ^[1-9][0-9]*$ ]] && [ "$ops2" -ge 64 ] || bad "--ops-mode2 $ops2: not a whole number of at least 64 (one per client)"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || bad "--runs $runs: not a whole number of at least 1"
[ -n "${sides// /}" ] || bad "--sides: empty"
for side in $sides; do [[ "$side" =~ ^(ours|moosefs)$ ]] || bad "--sides: $side is neither ours nor moosefs"; done
[[ "$mfsio_api" =~ ^(inode|path)$ ]] || bad "MFSIO_API=$mfsio_api: neither inode nor path"
[ "$native" = 0 ] || [[ " $sides " == *" ours "* ]] || bad "--native drives our master: --sides must include ours"
[ "$(id -u)" = 0 ] || { echo "bench-master: needs root (apt-get, network namespace)" >&2; exit 1; }

log() { echo "bench-master: $*" >&2; }

# ---------------------------------------------------------------- cleanup

prefix="mb$$"                               # unique per run: namespace and temp dir names
work=$(mktemp -d "/tmp/$prefix.XXXXXX")
netns="$prefix"
addr="169.254.$(($$ % 250 + 1)).1"
pids=()                                     # every process we start, by PID

# Forget a PID once its process is gone, so that the cleanup never signals a reused PID.
forget_pid() {
    local keep=() p
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

# Stop one process we started: SIGTERM, up to 10 s, then SIGKILL. Children it leaves behind
# (the MooseFS master forks a changelog writer) are killed by PID if still the same program.
stop_pid() {
    local pid="$1" children child comm
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        forget_pid "$pid"
        return 0
    fi
    children=$(ps -o pid=,comm= --ppid "$pid" 2>/dev/null | awk '{print $1 ":" $2}' || true)
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "PID $pid did not stop on SIGTERM, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    for child in $children; do
        comm=$(ps -o comm= -p "${child%%:*}" 2>/dev/null || true)
        if [ -n "$comm" ] && [ "$comm" = "${child#*:}" ]; then kill -KILL "${child%%:*}" 2>/dev/null || true; fi
    done
}

cleanup() {
    local status=$? pid
    set +e # a failing step must not end the cleanup before the namespaces are gone
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    # Anything still in the run's own namespace was started by this script.
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$netns" 2>/dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Output piped into a reader that quit (`| head`): without this the first write after
# would kill the script outright, leaving its namespaces and daemons behind.
trap 'exit 141' PIPE

# Run a command in the background, remember its PID for the cleanup, and wait for it; its
# stdout goes to $1, its stderr to $2, shown if it fails.
run_logged() {
    local out="$1" err="$2" pid status=0
    shift 2
    "$@" >"$out" 2>"$err" &
    pid=$!
    pids+=("$pid")
    wait "$pid" || status=$?
    forget_pid "$pid"
    if [ "$status" != 0 ]; then
        log "failed ($status): $*"
        cat "$err" >&2
        return "$status"
    fi
}

# collect SYSTEM MODE ROUND FILE: appends the JSON lines of a driver's output to $results as
# "system<TAB>mode<TAB>round<TAB>{json}"; a run that printed none is an error.
collect() {
    local lines
    lines=$(grep -E '^[[:space:]]*\{' "$4" || true)
    if [ -z "$lines" ]; then
        log "$1 mode $2: the driver printed no JSON lines"
        cat "$4" >&2
        return 1
    fi
    printf '%s\n' "$lines" | sed "s/^[[:space:]]*/$1\t$2\t$3\t/" >>"$results"
}

# ---------------------------------------------------------------- setup

install_missing() {
    local missing=() pkg
    for pkg in moosefs-master libmfsio-dev gcc iproute2 curl; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} = 0 ] && return 0
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# Our binaries, copied into the run's directory (a rebuild during the run cannot change them).
swift_binaries() {
    local products=(mfsmaster) src product
    [ "$native" = 1 ] && products+=(MasterBenchmarks)
    if [ -n "${SWIFT_BIN_DIR:-}" ]; then
        src=$(realpath "$SWIFT_BIN_DIR")
    else
        for product in "${products[@]}"; do
            log "building $product (release)"
            flock /tmp/swift-mfs-build.lock swift build -c release --product "$product" >&2
        done
        src=$(swift build -c release --show-bin-path)
    fi
    mkdir -p "$work/bin"
    for product in "${products[@]}"; do
        [ -x "$src/$product" ] || { log "no $src/$product (swift build -c release --product $product)"; exit 1; }
        cp "$src/$product" "$work/bin/"
    done
}

build_driver() {
    driver="$work/mfsio-driver"
    gcc -O2 -Wall -std=gnu11 -o "$driver" Benchmarks/mfsio-driver/driver.c -lmfsio -lpthread
    gcc -O2 -Wall -std=gnu11 -o "$work/listing" Benchmarks/mfsio-driver/listing.c -lmfsio -lpthread
}

# --listing: per round, each side's fresh master in mode 0 lists one directory of 10,000 files
# 300 times (without, then with, attributes); a table of ms per listing.
run_listings() {
    local round side dir lines
    : >"$work/listings.tsv"
    for round in $(seq 1 "$runs"); do
        order=$sides
        [ $((round % 2)) = 1 ] || order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
        for side in $order; do
            dir="$work/$side-listing"
            log "round $round: $side, listing 10,000 files 300 times"
            start_master "$side" 0 "$dir"
            run_logged "$dir/run.out" "$dir/run.err" ip netns exec "$netns" "$work/listing" "$addr" 10000 300
            lines=$(grep -E '^\{' "$dir/run.out" || true)
            [ -n "$lines" ] || { log "$side: the listing program printed nothing"; cat "$dir/run.out" >&2; return 1; }
            printf '%s\n' "$lines" | sed "s/^/$side\t/" >>"$work/listings.tsv"
            stop_pid "$master_pid"
            rm -rf "$dir"
        done
    done
    python3 - "$work/listings.tsv" "$runs" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, text = line.rstrip("\n").split("\t", 1)
    d = json.loads(text)
    rows.setdefault((d["listing"], side), []).append(d["msPerListing"])
print(f"{sys.argv[2]} round(s); one directory of 10,000 files, 300 listings a round; ms per listing, median (min-max)")
for kind in ("names", "attributes"):
    cells = []
    for side in ("ours", "moosefs"):
        v = rows.get((kind, side))
        cells.append(f"{side}: {statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})" if v else f"{side}: -")
    print(f"{kind:<11} " + "   ".join(cells))
PY
}

# The namespace both masters run in, in turn: loopback up, carrying $addr as well.
make_namespace() {
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    ip -n "$netns" addr add "$addr/32" dev lo
}
in_ns() { ip netns exec "$netns" "$@"; }

# Wait until `$@` succeeds (up to 60 s) while process $1 lives.
wait_until() {
    local pid="$1"
    shift
    for _ in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null || return 1
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
listens() { in_ns bash -c "exec 3<>/dev/tcp/$addr/9421" 2>/dev/null; }
ours_active() { in_ns curl -sf http://127.0.0.1:9428/status | grep -Eq '"role" *: *"active"'; }

# ---------------------------------------------------------------- the masters

# start_master SIDE MODE DIR: a fresh master of SIDE (ours|moosefs) with CHANGELOG_SAVE_MODE
# MODE and its data in DIR, on $addr:9421 in the namespace; sets master_pid once it answers.
start_master() {
    local side="$1" mode="$2" dir="$3"
    rm -rf "$dir"
    mkdir -p "$dir/data"
    echo '*  /  rw,alldirs,maproot=0' >"$dir/mfsexports.cfg"
    if [ "$side" = moosefs ]; then
        cp /var/lib/mfs/metadata.mfs.empty "$dir/data/metadata.mfs"
        : >"$dir/mfstopology.cfg"
        cat >"$dir/mfsmaster.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DATA_PATH = $dir/data
EXPORTS_FILENAME = $dir/mfsexports.cfg
TOPOLOGY_FILENAME = $dir/mfstopology.cfg
CHANGELOG_SAVE_MODE = $mode
MATOML_LISTEN_HOST = $addr
MATOCS_LISTEN_HOST = $addr
MATOCL_LISTEN_HOST = $addr
MATOCL_LISTEN_PORT = 9421
EOF
        ip netns exec "$netns" mfsmaster -f -c "$dir/mfsmaster.cfg" start >"$dir/master.log" 2>&1 &
    else
        cat >"$dir/mfsmaster.cfg" <<EOF
DATA_PATH = $dir/data
EXPORTS_FILENAME = $dir/mfsexports.cfg
CHANGELOG_SAVE_MODE = $mode
MATOCL_LISTEN_HOST = $addr
MATOCL_LISTEN_PORT = 9421
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = 9428
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = 0
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = 0
SYNC_REPLICAS = 0
${OURS_EXTRA_CONFIG:-}
EOF
        ip netns exec "$netns" "$work/bin/mfsmaster" -c "$dir/mfsmaster.cfg" >"$dir/master.log" 2>&1 &
    fi
    master_pid=$! # `ip netns exec` execs the master: this is its PID
    pids+=("$master_pid")
    if ! wait_until "$master_pid" listens || { [ "$side" = ours ] && ! wait_until "$master_pid" ours_active; }; then
        log "$side mode $mode: mfsmaster did not come up"
        cat "$dir/master.log" >&2
        return 1
    fi
}

# run_side SIDE MODE: a fresh master, the driver at each client count, the master stopped.
run_side() {
    local side="$1" mode="$2" dir="$work/$1-mode$2" clients n=$ops
    [ "$2" = 2 ] && n=$ops2
    log "round $round: $side mode $mode"
    start_master "$side" "$mode" "$dir"
    for clients in $clients_list; do
        log "  $clients clients, $n ops per phase (libmfsio, --api $mfsio_api)"
        run_logged "$dir/run.out" "$dir/run.err" ip netns exec "$netns" "$driver" \
            --master "$addr:9421" --clients "$clients" --ops-per-phase "$n" --json --api "$mfsio_api"
        collect "$side" "$mode" "$round" "$dir/run.out"
    done
    if [ "$native" = 1 ] && [ "$side" = ours ]; then
        for clients in $clients_list; do
            log "  native: MasterBenchmarks, $clients clients (a socket each, our protocol)"
            run_logged "$dir/run.out" "$dir/run.err" ip netns exec "$netns" "$work/bin/MasterBenchmarks" \
                --master "$addr:9421" --clients "$clients" --ops-per-phase "$n" --driver blocking --json
            collect native "$mode" "$round" "$dir/run.out"
        done
    fi
    stop_pid "$master_pid"
    rm -rf "$dir"
}

# ---------------------------------------------------------------- main

results="$work/results.tsv"
: >"$results"
install_missing
[[ " $sides " == *" ours "* ]] && swift_binaries
build_driver
make_namespace
if [ "$listing" = 1 ]; then
    run_listings
    exit 0
fi
for round in $(seq 1 "$runs"); do
    order=$sides
    [ $((round % 2)) = 1 ] || order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
    for mode in 0 2; do
        for side in $order; do run_side "$side" "$mode"; done
    done
done

python3 scripts/lib/bench-master-report.py "$results" "$json" "$runs" "$ops" "$ops2" "$mfsio_api"
