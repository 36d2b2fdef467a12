#!/usr/bin/env bash
# Master metadata benchmark: ops/s and latency of our mfsmaster (CHANGELOG_SAVE_MODE 0 and 2)
# beside the MooseFS 3.0 master (Debian moosefs-master), 1, 8 and 64 concurrent clients, phases
# mkdir, create, stat, readdir, rename, unlink. Ours is driven by MasterBenchmarks, MooseFS's by
# Benchmarks/mfsio-driver (libmfsio); both take the same arguments and print the same JSON lines.
#
#   sudo scripts/bench-master.sh [--json] [--ops N] [--quick] [--only swift|moosefs]
#
#   --ops N    ops per phase, shared by the clients (default 60000; --quick: 6000)
#   --json     print a JSON array of all rows instead of the table
#   --only     run one side only (then the vs-moosefs column and the targets stay empty)
#
# Needs root: MooseFS 3.0's master refuses 127.x addresses, so it runs, with its driver, in a
# network namespace of its own whose loopback also carries a 169.254.x.1 address (nothing is
# added outside the namespace). Ours listens on 127.0.0.1. Every process is stopped by PID and
# the namespace and temp dirs are removed on exit, even on failure.
# Both masters run in CHANGELOG_SAVE_MODE 0 and 2 and each of our rows is compared with
# MooseFS's row of the same mode: mode 0 (background writes) must match it, mode 2 (fsync
# before the reply: MooseFS fsyncs each line, we group-commit) must double it for the changes
# (mkdir, create, rename, unlink) and match it for stat and readdir, which write nothing.
# Environment: MFSIO_API=inode|path (default inode, see Benchmarks/mfsio-driver/driver.c);
# MFS_DRIVER=blocking|library (default blocking: a thread and a blocking socket per client,
# as the C driver; library: through MFSClient);
# SWIFT_BIN_DIR=DIR takes mfsmaster and MasterBenchmarks from DIR instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."

clients_list="1 8 64"
ops=60000
json=0
only=""
mfsio_api="${MFSIO_API:-inode}"
swift_driver="${MFS_DRIVER:-blocking}"

usage() { echo "usage: $0 [--json] [--ops N] [--quick] [--only swift|moosefs]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --ops) [ $# -ge 2 ] || usage; ops="$2"; shift ;;
        --quick) ops=6000 ;;
        --only) [ $# -ge 2 ] || usage; only="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
case "$only" in "" | swift | moosefs) ;; *) usage ;; esac
[ "$(id -u)" = 0 ] || { echo "bench-master: needs root (apt-get, network namespace)" >&2; exit 1; }

log() { echo "bench-master: $*" >&2; }

# ---------------------------------------------------------------- cleanup

prefix="mb$$"                               # unique per run: namespace and temp dir names
work=$(mktemp -d "/tmp/$prefix.XXXXXX")
netns=""                                    # set once the namespace exists
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
    local pid="$1" children i child comm
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        forget_pid "$pid"
        return 0
    fi
    children=$(ps -o pid=,comm= --ppid "$pid" 2>/dev/null | awk '{print $1 ":" $2}' || true)
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
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
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    if [ -n "$netns" ]; then ip netns del "$netns" 2>/dev/null || true; fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

# Append the JSON lines of a driver's output ($2) to $results, each prefixed with the system
# name ($1) and a tab; a run that printed none is an error.
collect() {
    local lines
    lines=$(grep -E '^[[:space:]]*\{' "$2" || true)
    if [ -z "$lines" ]; then
        log "$1: the driver printed no JSON lines"
        cat "$2" >&2
        return 1
    fi
    printf '%s\n' "$lines" | sed "s/^[[:space:]]*/$1\t/" >>"$results"
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

build_swift() {
    if [ -n "${SWIFT_BIN_DIR:-}" ]; then
        swift_bin="$SWIFT_BIN_DIR"
        log "using mfsmaster and MasterBenchmarks from $swift_bin (no build)"
        return
    fi
    log "building mfsmaster and MasterBenchmarks (release)"
    if ! flock /tmp/mfs-build.lock bash -c \
        'swift build -c release --product mfsmaster && swift build -c release --product MasterBenchmarks' >&2; then
        log "build failed (no MasterBenchmarks product yet? --only moosefs runs the MooseFS half alone)"
        return 1
    fi
    swift_bin=$(swift build -c release --show-bin-path)
}

build_driver() {
    driver="$work/mfsio-driver"
    gcc -O2 -Wall -std=gnu11 -o "$driver" Benchmarks/mfsio-driver/driver.c -lmfsio -lpthread
}

# A TCP port nothing on this host listens on.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
}

# Wait until `$@` succeeds (up to 60 s) while process $1 lives.
wait_until() {
    local pid="$1" i
    shift
    for i in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null || return 1
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------- our master

# run_swift MODE: start .build/release/mfsmaster with CHANGELOG_SAVE_MODE=MODE on 127.0.0.1,
# run MasterBenchmarks at each client count, stop it. JSON lines go to $results.
run_swift() {
    local mode="$1" dir="$work/swift-mode$1" port status_port pid clients
    mkdir -p "$dir/data"
    port=$(free_port)
    status_port=$(free_port)
    while [ "$status_port" = "$port" ]; do status_port=$(free_port); done
    echo '*  /  rw,alldirs,maproot=0' >"$dir/mfsexports.cfg"
    cat >"$dir/mfsmaster.cfg" <<EOF
DATA_PATH = $dir/data
CHANGELOG_SAVE_MODE = $mode
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = $port
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = $status_port
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = 0
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = 0
SYNC_REPLICAS = 0    # a lone master: no peer to wait for
EXPORTS_FILENAME = $dir/mfsexports.cfg
EOF
    log "swift-mfs mode $mode: starting mfsmaster on 127.0.0.1:$port"
    "$swift_bin/mfsmaster" -c "$dir/mfsmaster.cfg" >"$dir/master.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_until "$pid" curl -sf "http://127.0.0.1:$status_port/status" \
        || ! wait_until "$pid" tcp_open 127.0.0.1 "$port"; then
        log "swift-mfs mode $mode: mfsmaster did not come up"
        cat "$dir/master.log" >&2
        return 1
    fi
    for clients in $clients_list; do
        log "swift-mfs mode $mode: $clients clients, $ops ops per phase"
        run_logged "$dir/run.out" "$dir/run.err" "$swift_bin/MasterBenchmarks" \
            --master "127.0.0.1:$port" --clients "$clients" --ops-per-phase "$ops" --driver "$swift_driver" --json
        collect "swift-mfs mode $mode" "$dir/run.out"
    done
    stop_pid "$pid"
}

# ---------------------------------------------------------------- MooseFS

# run_moosefs MODE: a network namespace whose loopback carries 169.254.N.1, the MooseFS master
# listening there with CHANGELOG_SAVE_MODE=MODE, the driver at each client count in the same
# namespace; then stop and remove.
run_moosefs() {
    local mode="$1" dir="$work/moosefs-mode$1" addr pid clients
    addr="169.254.$(($$ % 250 + 1)).1"
    mkdir -p "$dir/data"
    netns="$prefix"
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    ip -n "$netns" addr add "$addr/32" dev lo

    cp /var/lib/mfs/metadata.mfs.empty "$dir/data/metadata.mfs"
    echo '*  /  rw,alldirs,maproot=0' >"$dir/mfsexports.cfg"
    : >"$dir/mfstopology.cfg"
    # NICE_LEVEL 0: the package's default (-19) would favour it over ours (nice 0).
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
    log "moosefs mode $mode: starting mfsmaster in namespace $netns on $addr:9421"
    ip netns exec "$netns" mfsmaster -f -c "$dir/mfsmaster.cfg" start >"$dir/master.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_until "$pid" ip netns exec "$netns" bash -c "exec 3<>/dev/tcp/$addr/9421"; then
        log "moosefs mode $mode: mfsmaster did not come up"
        cat "$dir/master.log" >&2
        return 1
    fi
    for clients in $clients_list; do
        log "moosefs mode $mode: $clients clients, $ops ops per phase (libmfsio, --api $mfsio_api)"
        run_logged "$dir/run.out" "$dir/run.err" ip netns exec "$netns" "$driver" \
            --master "$addr:9421" --clients "$clients" --ops-per-phase "$ops" --json --api "$mfsio_api"
        collect "moosefs 3.0 mode $mode" "$dir/run.out"
    done
    stop_pid "$pid"
    ip netns del "$netns"
    netns=""
}

# ---------------------------------------------------------------- report

# Reads "system<TAB>{json}" lines; prints the table (or a JSON array with --json) with ours
# divided by MooseFS for the same clients and op, and the reach targets: at 8 and 64 clients
# mode 0 >= 1x MooseFS and mode 2 >= 2x on every row, and mode 0 p99 < 5 ms at 64 clients.
report() {
    awk -F '\t' -v json="$json" -v api="$mfsio_api" -v driver="$swift_driver" -v ops="$ops" '
    function field(s, key,    m) {
        if (match(s, "\"" key "\"[ \t]*:[ \t]*")) {
            s = substr(s, RSTART + RLENGTH)
            if (match(s, /^"[^"]*"/)) return substr(s, 2, RLENGTH - 2)
            match(s, /^[-0-9.eE+]+/)
            return substr(s, RSTART, RLENGTH)
        }
        return ""
    }
    {
        n++
        sys[n] = $1; op[n] = field($2, "op"); cl[n] = field($2, "clients") + 0
        rate[n] = field($2, "opsPerSecond") + 0; p50[n] = field($2, "p50ms") + 0; p99[n] = field($2, "p99ms") + 0
        mode[n] = substr($1, length($1))
        if ($1 ~ /^moosefs/) theirs[cl[n] SUBSEP op[n] SUBSEP mode[n]] = rate[n]
        if (!(cl[n] in seen_cl)) { seen_cl[cl[n]] = 1; cls[++ncl] = cl[n] }
        if (!(op[n] in seen_op)) { seen_op[op[n]] = 1; ops_[++nop] = op[n] }
        if (!($1 in seen_sys)) { seen_sys[$1] = 1; syss[++nsys] = $1 }
        row[cl[n] SUBSEP op[n] SUBSEP $1] = n
    }
    END {
        ok = 0; miss = 0
        if (json) printf "["
        else {
            printf "%-20s %7s %-8s %11s %9s %9s %10s  %s\n", "system", "clients", "op", "ops/s", "p50 ms", "p99 ms", "vs moosefs", "target"
        }
        # rows grouped by clients, then op, then system, so that the systems stand together
        shown = 0
        for (a = 1; a <= ncl; a++) for (b = 1; b <= nop; b++) for (c = 1; c <= nsys; c++) {
            if (!((cls[a] SUBSEP ops_[b] SUBSEP syss[c]) in row)) continue
            i = row[cls[a], ops_[b], syss[c]]
            shown++
            key = cl[i] SUBSEP op[i] SUBSEP mode[i]
            vs = ""; target = ""
            if (sys[i] !~ /^moosefs/ && (key in theirs) && theirs[key] > 0) {
                vs = sprintf("%.2f", rate[i] / theirs[key])
                if (cl[i] == 8 || cl[i] == 64) {
                    # 2x where the changelog is in the path (group commit against an fsync per
                    # line); stat and readdir write nothing in either mode, so 1x there.
                    need = (sys[i] ~ /mode 2$/ && op[i] != "stat" && op[i] != "readdir") ? 2 : 1
                    verdict = (rate[i] >= need * theirs[key]) ? "ok" : "MISS"
                    target = ">=" need "x " verdict
                    if (verdict == "ok") ok++; else miss++
                    if (sys[i] ~ /mode 0$/ && cl[i] == 64) {
                        v2 = (p99[i] < 5) ? "ok" : "MISS"
                        target = target ", p99<5ms " v2
                        if (v2 == "ok") ok++; else miss++
                    }
                }
            }
            if (json) {
                printf "%s\n  {\"system\":\"%s\",\"clients\":%d,\"op\":\"%s\",\"opsPerSecond\":%.0f,\"p50ms\":%.4f,\"p99ms\":%.4f,\"vsMoosefs\":%s,\"target\":%s}", \
                    (shown > 1 ? "," : ""), sys[i], cl[i], op[i], rate[i], p50[i], p99[i], \
                    (vs == "" ? "null" : vs), (target == "" ? "null" : "\"" target "\"")
            } else {
                printf "%-20s %7d %-8s %11.0f %9.3f %9.3f %10s  %s\n", sys[i], cl[i], op[i], rate[i], p50[i], p99[i], (vs == "" ? "-" : vs), target
            }
        }
        if (json) { printf "\n]\n"; exit }
        printf "\n%d ops per phase shared by the clients; ops/s = ops / wall time of the phase.\n", ops
        printf "ours driven by MasterBenchmarks --driver %s; MooseFS 3.0 master with NICE_LEVEL 0, driven through libmfsio (--api %s: %s).\n", driver, api, \
            (api == "inode" ? "one master request per op, parent inode known" : "public path calls, one lookup per path component first")
        printf "create = mknod of a regular file (no open/close); readdir = one full listing of 16 files.\n"
        if (ok + miss > 0) printf "reach targets (8 and 64 clients, against MooseFS in the same mode: mode 0 >= 1x; mode 2 >= 2x for changes, >= 1x for stat and readdir; mode 0 p99 < 5 ms at 64): %d ok, %d MISS\n", ok, miss
    }' "$results"
}

# ---------------------------------------------------------------- main

results="$work/results.tsv"
: >"$results"
install_missing
if [ "$only" != moosefs ]; then
    build_swift
    for mode in 0 2; do run_swift "$mode"; done
fi
if [ "$only" != swift ]; then
    build_driver
    for mode in 0 2; do run_moosefs "$mode"; done
fi
report
