#!/usr/bin/env bash
# Data throughput (issue 12): sequential write and read of one 1 GiB file through `mfs put` and
# `mfs get` (release build), at goal 1 and goal 2, under OUR master, with
#   - our chunkservers (`mfschunkserver`, with their default WRITE_ACK_AFTER_FSYNC = 1: every write
#     fsynced before it is acknowledged, stricter than MooseFS's setting below),
#   - MooseFS 3.0.117's chunkservers (Debian's moosefs-chunkserver, HDD_FSYNC_BEFORE_CLOSE = 1,
#     NICE_LEVEL = 0: its default, -19, would run them ahead of the client; ours run at nice 0),
#   - and `dd` to the same disk beside them (write: conv=fdatasync; read: caches dropped).
# Like for like: the same driver (`mfs`), the same source file, two chunkservers registered for
# every row of both sides (goal 1 puts each chunk on one of them, goal 2 on both), every
# chunkserver's data directory on the same disk as dd's file, the page cache dropped (sync, then
# `echo 3 > /proc/sys/vm/drop_caches`) before every read, and the copies of the previous file
# deleted by the master before the next row starts. After the drop the `mfs` program's own file
# is read back into the cache before the clock starts, as dd's stays there (a program that is
# running keeps its pages): loading the 30 MB client from the disk took 60 ms, 8 % of a read.
# The lab's bridge passes frames without iptables (`unfilter_bridge`): with br_netfilter's hooks
# a TCP stream between two namespaces carried 1.3 GB/s here, less than the disk reads.
#
#   sudo scripts/bench-data.sh [--json] [--runs N] [--size MIB] [--sides "ours moosefs"]
#
# (default 3 runs of 1024 MiB, both sides; `--sides ours` is for quick before/after figures of a
# change, and leaves the MooseFS columns empty.)
#
# How it samples: RUNS rounds; each round does dd write, dd read, then one side's rows (goal 1
# write, goal 1 read, goal 2 write, goal 2 read), then the other side's; which side goes first
# alternates between rounds, so a drift of the disk over the run hits both alike. A figure is
# bytes / wall time of the whole command (connects, master requests and the final fsyncs
# included), in MB/s (10^6 bytes a second, as dd reports). The table gives the median of the
# runs and their spread (min-max).
#
# Reach (issue 12): goal 1 at >= 70 % of dd, write and read; our chunkservers at least as fast as
# MooseFS's on every row.
#
# Hosts are network namespaces (MooseFS's chunkservers refuse 127.x): a bridge with no uplink,
# addresses in 169.254.0.0/16 only, names unique to the run (DESIGN §9). Every process started
# is stopped by PID; namespaces, files and the source file are removed on exit, even on failure.
#
# Environment: SWIFT_BIN_DIR=DIR takes mfsmaster, mfschunkserver and mfs from DIR instead of
# building them (release). MOOSEFS_CHUNKSERVER=PATH (default /usr/sbin/mfschunkserver).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
size_mib=1024
json=0
sides="ours moosefs"
usage() { echo "usage: $0 [--json] [--runs N] [--size MIB] [--sides \"ours moosefs\"]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --runs) [ $# -ge 2 ] || usage; runs="$2"; shift ;;
        --size) [ $# -ge 2 ] || usage; size_mib="$2"; shift ;;
        --sides) [ $# -ge 2 ] || usage; sides="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || usage
for side in $sides; do [[ "$side" =~ ^(ours|moosefs)$ ]] || usage; done

log() { echo "bench-data: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces, drop_caches)"; exit 1; }
moosefs_chunkserver="${MOOSEFS_CHUNKSERVER:-/usr/sbin/mfschunkserver}"
[ -x "$moosefs_chunkserver" ] || { log "no $moosefs_chunkserver: apt-get install moosefs-chunkserver"; exit 1; }

if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    bin=$(realpath "$SWIFT_BIN_DIR")
else
    log "building mfsmaster, mfschunkserver and mfs (release)"
    for product in mfsmaster mfschunkserver mfs; do
        flock /tmp/swift-mfs-build.lock swift build -c release --product "$product" >&2
    done
    bin=$(swift build -c release --show-bin-path)
fi

# The lab: a switch namespace with a bridge, and one namespace per host on it.
# shellcheck source=lib/netns-lab.sh
source scripts/lib/netns-lab.sh # unfilter_bridge
prefix="mfsd$$"
work=$(mktemp -d "/tmp/$prefix.XXXX")
source_file="/dev/shm/$prefix.source"
pids=()
declare -A address=()
hosts=(m cl c1 c2 d1 d2)

stop_pids() { # PID...: SIGTERM, then SIGKILL to those still there after 10 s
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
cleanup() {
    local status=$?
    set +e # a failing step must not end the cleanup before the namespaces are gone
    stop_pids "${pids[@]}"
    # Anything still in the run's own namespaces was started by this script (a client
    # interrupted mid-command, say).
    for h in "${hosts[@]}"; do
        for pid in $(ip netns pids "$prefix-$h" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for h in "${hosts[@]}" sw; do ip netns del "$prefix-$h" 2>/dev/null || true; done
    rm -rf "$work" "$source_file"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Output piped into a reader that quit (`| head`): without this the first write after
# would kill the script outright, leaving its namespaces and daemons behind.
trap 'exit 141' PIPE

ip netns add "$prefix-sw"
ip -n "$prefix-sw" link add br0 type bridge
ip -n "$prefix-sw" link set br0 up
unfilter_bridge "$prefix-sw"
i=10
for h in "${hosts[@]}"; do
    address[$h]="169.254.0.$i"
    ip netns add "$prefix-$h"
    ip -n "$prefix-sw" link add "p$h" type veth peer name eth0 netns "$prefix-$h"
    ip -n "$prefix-sw" link set "p$h" master br0 up
    ip -n "$prefix-$h" addr add "${address[$h]}/16" dev eth0
    ip -n "$prefix-$h" link set eth0 up
    ip -n "$prefix-$h" link set lo up
    i=$((i + 1))
done
# For commands waited for; a daemon is started with `ip netns exec` itself, which execs it, so
# `$!` is the daemon's PID.
in_ns() { local h="$1"; shift; ip netns exec "$prefix-$h" "$@"; }

# Our master, on the master host (a lone master: SYNC_REPLICAS 0).
mkdir -p "$work/master/data"
echo '*  /  rw,alldirs,maproot=0' >"$work/master/mfsexports.cfg"
cat >"$work/master/mfsmaster.cfg" <<CFG
DATA_PATH = $work/master/data
EXPORTS_FILENAME = $work/master/mfsexports.cfg
MATOCL_LISTEN_HOST = *
MATOCS_LISTEN_HOST = *
MATOML_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = 9428
SYNC_REPLICAS = 0
WRITE_HOLD_TIME = 0
CFG
ip netns exec "$prefix-m" "$bin/mfsmaster" -c "$work/master/mfsmaster.cfg" >"$work/master.log" 2>&1 &
pids+=($!)
master_pid=$!

# status EXPRESSION: evaluates a Python expression over the master's /status (`s`) in the
# master's namespace; prints it, or nothing while the master does not answer.
status() {
    in_ns m python3 - "$1" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:9428/status", timeout=2))
print(eval(sys.argv[1]))
PY
}
wait_until() { # SECONDS COMMAND...: polls COMMAND every 0.2 s
    local tries=$(($1 * 5)); shift
    for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.2; done
    return 1
}
master_up() { [ "$(status 's["role"]')" = active ] && kill -0 "$master_pid"; }
wait_until 60 master_up || { log "our master did not start"; cat "$work/master.log" >&2; exit 1; }

# chunkservers_registered N: exactly N chunkservers registered and none with copies left.
chunkservers_registered() {
    [ "$(status "sum(1 for c in s.get('chunkserverList') or [] if c['state'] == 'registered' and c['totalBytes'] > 0)")" = "$1" ] \
        && [ "$(status "sum(c['chunks'] for c in s.get('chunkserverList') or [] if c['state'] == 'registered')")" = 0 ]
}

declare -A side_pids=()
start_side() { # ours|moosefs
    local side=$1 h data
    local names=(c1 c2)
    [ "$side" = moosefs ] && names=(d1 d2)
    side_pids[$side]=""
    for h in "${names[@]}"; do
        data="$work/$h"
        mkdir -p "$data/meta" "$data/chunks"
        echo "$data/chunks" >"$data/mfshdd.cfg"
        if [ "$side" = ours ]; then
            cat >"$data/mfschunkserver.cfg" <<CFG
DATA_PATH = $data/meta
HDD_CONF_FILENAME = $data/mfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 0
HDD_TEST_SPEED = 0
MASTER_HOST = ${address[m]}
CSSERV_LISTEN_HOST = ${address[$h]}
CFG
            ip netns exec "$prefix-$h" "$bin/mfschunkserver" -c "$data/mfschunkserver.cfg" >>"$work/$h.log" 2>&1 &
        else
            cat >"$data/mfschunkserver.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DATA_PATH = $data/meta
HDD_CONF_FILENAME = $data/mfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 0
HDD_TEST_SPEED = 0
HDD_FSYNC_BEFORE_CLOSE = 1
MASTER_HOST = ${address[m]}
MASTER_PORT = 9420
CSSERV_LISTEN_HOST = ${address[$h]}
CFG
            ip netns exec "$prefix-$h" "$moosefs_chunkserver" -f -c "$data/mfschunkserver.cfg" start >>"$work/$h.log" 2>&1 &
        fi
        pids+=($!)
        side_pids[$side]+=" $!"
    done
    wait_until 60 chunkservers_registered 2 || {
        log "$side: the chunkservers did not register"
        tail -n 20 "$work/master.log" "$work/${names[0]}.log" >&2
        exit 1
    }
}
stop_side() {
    # shellcheck disable=SC2086
    stop_pids ${side_pids[$1]}
    wait_until 30 chunkservers_registered 0 || { log "$1: the master still lists its chunkservers"; exit 1; }
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# The caches dropped, then the client's program read back (see the top of this file).
drop_caches_but_client() { drop_caches; cat "$bin/mfs" >/dev/null; }
now() { date +%s.%N; }
bytes=$((size_mib * 1048576))
results="$work/results.tsv"
: >"$results"
record() { # side row START END
    python3 -c "import sys; print('\t'.join([sys.argv[1], sys.argv[2], str(round($bytes / (float(sys.argv[4]) - float(sys.argv[3])) / 1e6, 1))]))" \
        "$1" "$2" "$3" "$4" >>"$results"
}
mfs() { in_ns cl env MFS_MASTER="${address[m]}:9421" "$bin/mfs" "$@"; }

log "source: $size_mib MiB of random bytes in $source_file (tmpfs: never read from the disk)"
head -c "$bytes" /dev/urandom >"$source_file"
mfs mkdir -p /bench

run_dd() {
    local file="$work/dd.file" start end
    start=$(now)
    dd if="$source_file" of="$file" bs=1M conv=fdatasync status=none
    end=$(now)
    record dd write "$start" "$end"
    drop_caches
    start=$(now)
    dd if="$file" of=/dev/null bs=1M status=none
    end=$(now)
    record dd read "$start" "$end"
    rm -f "$file"
    sync
}
run_side() { # ours|moosefs
    local side=$1 goal start end
    start_side "$side"
    for goal in 1 2; do
        start=$(now)
        mfs put -q -g "$goal" "$source_file" /bench/file
        end=$(now)
        record "$side" "goal $goal write" "$start" "$end"
        drop_caches_but_client
        start=$(now)
        mfs get -q /bench/file - >/dev/null
        end=$(now)
        record "$side" "goal $goal read" "$start" "$end"
        if [ "$round" = 1 ]; then # checked once, untimed
            mfs get -q /bench/file - | cmp -s - "$source_file" || { log "$side: goal $goal: read back differs"; exit 1; }
        fi
        mfs rm /bench/file
        wait_until 120 chunkservers_registered 2 || { log "$side: the copies were not deleted"; exit 1; }
        sync
    done
    stop_side "$side"
}

for round in $(seq 1 "$runs"); do
    log "round $round of $runs"
    run_dd
    order=$sides
    [ $((round % 2)) = 1 ] || order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
    for side in $order; do run_side "$side"; done
done

python3 - "$json" "$results" "$runs" "$size_mib" <<'PY'
import json, statistics, sys
as_json, path, runs, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
figures = {}
for line in open(path):
    side, row, mbs = line.rstrip("\n").split("\t")
    figures.setdefault((side, row), []).append(float(mbs))
def summary(side, row):
    values = figures.get((side, row), [])
    return {"median": round(statistics.median(values), 1), "min": min(values), "max": max(values), "runs": values} if values else None
rows = []
for goal in (1, 2):
    for op in ("write", "read"):
        row = f"goal {goal} {op}"
        ours, moosefs, dd = summary("ours", row), summary("moosefs", row), summary("dd", op)
        share = lambda a, b: round(a["median"] / b["median"], 3) if a and b else None
        rows.append({"row": row, "ours": ours, "moosefs": moosefs, "dd": dd, "oursOfDd": share(ours, dd), "oursOfMooseFS": share(ours, moosefs)})
reach = {"goal1AtLeast70PercentOfDd": all((r["oursOfDd"] or 0) >= 0.7 for r in rows if r["row"].startswith("goal 1")),
         "atLeastMooseFSOnEveryRow": all((r["oursOfMooseFS"] or 0) >= 1 for r in rows)}
if as_json == "1":
    print(json.dumps({"sizeMiB": size, "runs": runs, "unit": "MB/s (10^6 B/s)", "rows": rows, "reach": reach}))
    sys.exit(0)
def cell(s): return f"{s['median']:7.1f} ({s['min']:.0f}-{s['max']:.0f})" if s else "-"
def percent(x): return f"{x * 100:.0f}%" if x is not None else "-"
print(f"{size} MiB file, {runs} runs per row, MB/s (10^6 B/s): median (min-max); two chunkservers on each side")
print(f"{'row':<14} {'ours':>19} {'MooseFS 3.0.117':>19} {'dd':>19} {'ours/dd':>8} {'ours/MooseFS':>13}")
for r in rows:
    print(f"{r['row']:<14} {cell(r['ours']):>19} {cell(r['moosefs']):>19} {cell(r['dd']):>19} {percent(r['oursOfDd']):>8} {percent(r['oursOfMooseFS']):>13}")
print(f"reach: goal 1 >= 70 % of dd: {'yes' if reach['goal1AtLeast70PercentOfDd'] else 'NO'}; "
      f"at least MooseFS's chunkservers on every row: {'yes' if reach['atLeastMooseFSOnEveryRow'] else 'NO'}")
PY
