#!/usr/bin/env bash
# Metadata and data through MooseFS's own client (issue 13): Debian's `mfsmount` 3.0.117 mounted
# on OUR master + OUR chunkserver, and in the same run on MooseFS 3.0.117's `mfsmaster` +
# `mfschunkserver` (Debian's moosefs-master / moosefs-chunkserver), the same mfsmount for both:
#   - create, stat, readdir and unlink of 10,000 empty files in one directory (one process),
#   - create of 10,000 files by 16 parallel creators (one directory each, 625 files apiece),
#   - sequential write (dd bs=1M conv=fsync) and read (page cache dropped first) of 1 GiB,
#   - extraction of a tar of this repository's Sources/ (small files), wall time,
#   - small random writes: fio randwrite of 4 KiB blocks over a 64 MiB file (one chunk), 16 MiB
#     in all, an fsync every 32 writes (issue 13's "small random writes"), writes/s.
#
#   sudo scripts/bench-mount.sh [--json] [--runs N] [--files N] [--size MIB]
#                               [--sides "ours2 moosefs2 ours0 moosefs0"]
#                               [--rows "meta write read tar randwrite"] [--trace DIR | --count DIR]
#                               [--ack-after-fsync]
#
# --rows: only these rows (meta: the five metadata rows; read needs write). --trace DIR: for
# the write, tar and randwrite rows, a full-packet capture of the run's bridge (tshark) and the
# chunkserver's syscalls counted by `perf stat` (fsync, fdatasync, pwrite, openat, ...), into
# DIR/ROUND-SIDE-ROW.{pcap,perf,trace}; the .trace file is scripts/lib/mount-trace.py's report
# of the capture (WRITE_CHUNK per chunk, SET_VERSION, WRITE_DATA in flight, status times).
# Traced rows are slowed by the capture: their timings are not figures, only their counts are.
# --count DIR: only the chunkserver's syscall counts (perf stat; no capture, little slowdown).
#
# Sides: our master or MooseFS's, each in CHANGELOG_SAVE_MODE 2 or 0 (both masters have the
# setting; like for like, each of ours is compared with MooseFS's in the same mode):
#   - ours, 2 (our default): the writer thread writes and fsyncs each batch of changes, the reply
#     waits for that fsync (group commit: changes arriving during an fsync share the next one);
#     0: the reply goes at once, the writer thread writes in the background, no fsync;
#   - MooseFS, 2: its main loop fprintf+fflush+fsync's every change to changelog.0.mfs before it
#     goes on (one fsync per change, everything else waits); 0 (its default): the change goes to
#     a background saver process, no fsync, the reply does not wait.
# Ours run with SYNC_REPLICAS = 0 (a lone master: MooseFS has no replicas). Both chunkservers
# acknowledge a write once it is written and fsync a chunk when it is closed, after the client
# has its answers: MooseFS's with HDD_FSYNC_BEFORE_CLOSE = 1 (traced: one fsync at a file's
# close, docs/BENCHMARKS-METADATA.md), ours with WRITE_ACK_AFTER_FSYNC = 0. --ack-after-fsync
# runs ours with its default instead (every acknowledgement waits for an fsync, which no setting
# of MooseFS 3.0.117 does): the data rows then compare different durability. Every daemon runs
# at nice 0: MooseFS's with NICE_LEVEL = 0 (its default, -19, runs its
# master and chunkserver ahead of mfsmount and the driver: over 10,000 stats its master was
# preempted after 14 % of the requests at -19 and after 55-60 % at 0); ours leave the priority
# to the service manager. Goal 1 (one chunkserver per side), trash time 0 on the test tree,
# mfsmount's defaults.
#
# How it samples: RUNS rounds; in each round every side gets a fresh cluster (master, one
# chunkserver, mfsmount, empty data directories) and runs every row once, in the order above;
# the order of the sides is reversed every other round, so a drift of the machine hits all alike.
# The page cache (and the kernel's dentries and inodes) is dropped before stat, readdir and the
# read. A rate is count / wall time of the whole step: ops/s for metadata rows (readdir: entries
# listed per second over 5 full listings), MB/s (10^6 B/s) for data; tar in seconds. The table
# gives the median of the runs and their spread (min-max).
# Untimed, around each metadata row and the tar: the changes written to the changelog and the changelog
# fsyncs per operation or entry extracted (ours: /status version and changelog.fsyncs; MooseFS in mode 2: lines of
# changelog.0.mfs, each fsynced; not for MooseFS in mode 0, whose background saver may lag);
# and around each metadata row, both masters' CPU time (user + system, every thread, from
# /proc/PID/stat in clock ticks of 10 ms) per operation, or per entry listed for readdir.
#
# Reach (issue 13): at least MooseFS on every row; twice MooseFS on creates with 16 parallel
# creators in CHANGELOG_SAVE_MODE 2.
#
# Hosts are network namespaces (MooseFS refuses 127.x), made by scripts/lib/netns-lab.sh: a
# bridge with no uplink, addresses in 169.254.0.0/16 only, names unique to the run (DESIGN §9).
# mfsmount's daemon sits in the client namespace, its mount point in ours. Each cluster is
# stopped by PID after its side; on exit the mount, everything left in the run's namespaces and
# the namespaces are removed, even on failure, and the run's directory too (after a failure its
# logs are kept and their place printed; LAB_KEEP=1 keeps them always).
#
# Environment: SWIFT_BIN_DIR=DIR takes mfsmaster and mfschunkserver from DIR instead of building
# them (release); they are copied into the run's directory first.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
files=10000
size_mib=1024
json=0
sides="ours2 moosefs2 ours0 moosefs0"
rows="meta write read tar randwrite"
trace=""
capture=0
ack_after_fsync=0
usage() {
    echo "usage: $0 [--json] [--runs N] [--files N] [--size MIB] [--sides \"ours2 moosefs2 ours0 moosefs0\"] [--rows \"meta write read tar randwrite\"] [--trace DIR | --count DIR] [--ack-after-fsync]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --runs) [ $# -ge 2 ] || usage; runs="$2"; shift ;;
        --files) [ $# -ge 2 ] || usage; files="$2"; shift ;;
        --size) [ $# -ge 2 ] || usage; size_mib="$2"; shift ;;
        --sides) [ $# -ge 2 ] || usage; sides="$2"; shift ;;
        --rows) [ $# -ge 2 ] || usage; rows="$2"; shift ;;
        --trace) [ $# -ge 2 ] || usage; trace="$2"; capture=1; shift ;;
        --count) [ $# -ge 2 ] || usage; trace="$2"; capture=0; shift ;;
        --ack-after-fsync) ack_after_fsync=1 ;;
        *) usage ;;
    esac
    shift
done
bad() { echo "$0: $1" >&2; usage; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || bad "--runs $runs: not a whole number of at least 1"
[[ "$files" =~ ^[1-9][0-9]*$ ]] && [ "$files" -ge 16 ] || bad "--files $files: not a whole number of at least 16 (one per creator)"
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || bad "--size $size_mib: not a whole number of MiB of at least 1"
[ -n "${sides// /}" ] || bad "--sides: empty"
for side in $sides; do [[ "$side" =~ ^(ours|moosefs)[02]$ ]] || bad "--sides: $side is none of ours2 moosefs2 ours0 moosefs0"; done
[ -n "${rows// /}" ] || bad "--rows: empty"
for row in $rows; do [[ "$row" =~ ^(meta|write|read|tar|randwrite)$ ]] || bad "--rows: $row is none of meta write read tar randwrite"; done
has_row() { [[ " $rows " == *" $1 "* ]]; }
if has_row read && ! has_row write; then bad "--rows: read needs write (it reads the file written)"; fi
if [ -n "$trace" ]; then
    mkdir -p "$trace" || bad "--trace $trace: cannot create the directory"
    trace=$(realpath "$trace")
fi

log() { echo "bench-mount: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces, mounts, drop_caches)"; exit 1; }
traced_tools=""
[ -z "$trace" ] || traced_tools="perf"
[ "$capture" = 0 ] || traced_tools="tshark perf"
for tool in mfsmount mfsmaster mfschunkserver mfscli nsenter fio $traced_tools; do
    command -v "$tool" >/dev/null || { log "no $tool: apt-get install moosefs-client moosefs-master moosefs-chunkserver moosefs-cli fio tshark linux-perf"; exit 1; }
done
[ -f /var/lib/mfs/metadata.mfs.empty ] || { log "no /var/lib/mfs/metadata.mfs.empty (moosefs-master)"; exit 1; }

prefix="mfsb$$"
work=$(mktemp -d "/tmp/$prefix.XXXX")
if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    src=$(realpath "$SWIFT_BIN_DIR")
else
    log "building mfsmaster and mfschunkserver (release)"
    for product in mfsmaster mfschunkserver; do
        flock /tmp/swift-mfs-build.lock swift build -c release --product "$product" >&2
    done
    src=$(swift build -c release --show-bin-path)
fi
mkdir -p "$work/bin"
cp "$src/mfsmaster" "$src/mfschunkserver" "$work/bin/" # a rebuild during the run cannot change them
bin="$work/bin"

pids=()       # the running cluster's processes (lab_cleanup signals what is left)
trace_pids=() # --trace/--count capture and perf processes
mnt="$work/mnt"
lab_mounts=("$mnt")
declare -A addr=([m]=169.254.0.10 [c]=169.254.0.11 [cl]=169.254.0.12)
hosts=(m c cl)
source_file="$work/source" # 1 GiB: removed even when the rest of $work is kept after a failure

stop_pids() { # PID...: SIGTERM, then SIGKILL to those still there after 10 s
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
# The lab (scripts/lib/netns-lab.sh): a bridge namespace with no uplink and a namespace per host;
# on exit lab_cleanup unmounts, stops everything in the namespaces and removes them.
# shellcheck source=lib/netns-lab.sh
. scripts/lib/netns-lab.sh
bench_cleanup() {
    local status=$?
    # Without this, `(exit "$status")` below ended a failed run right there (set -e holds in
    # the trap): its daemons, mount and namespaces were left behind.
    set +e
    stop_pids "${trace_pids[@]}"
    rm -rf "$source_file" "$work/bin" "$work/sources.tar" "$work/reference"
    (exit "$status")
    lab_cleanup
}
lab_traps
trap bench_cleanup EXIT
make_lab
in_ns() { local h="$1"; shift; ip netns exec "$prefix-$h" "$@"; }
wait_until() { # SECONDS COMMAND...: polls COMMAND every 0.2 s
    local tries=$(($1 * 5)); shift
    for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.2; done
    return 1
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
now() { date +%s.%N; }

# ---------------------------------------------------------------- one side's cluster
our_status() { # EXPRESSION over our master's /status (`s`), or nothing while it does not answer
    in_ns m python3 - "$1" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:9428/status", timeout=2))
print(eval(sys.argv[1]))
PY
}
our_ready() {
    [ "$(our_status 's["role"]')" = active ] \
        && [ "$(our_status "sum(1 for c in s.get('chunkserverList') or [] if c['state'] == 'registered' and c['totalBytes'] > 0)")" = 1 ]
}
moosefs_ready() { # the chunkserver is listed with its space
    in_ns m mfscli -H "${addr[m]}" -SCS -s '|' 2>/dev/null | grep -q "${addr[c]}"
}
mount_up() { mountpoint -q "$mnt"; }

cluster_pids=()
start_cluster() { # ours|moosefs, then the CHANGELOG_SAVE_MODE: ours2, moosefs0, …
    local side=$1 d="$work/$1"
    rm -rf "$d"
    mkdir -p "$d/m" "$d/c/meta" "$d/c/chunks" "$mnt"
    echo '*  /  rw,alldirs,maproot=0' >"$d/mfsexports.cfg"
    echo "$d/c/chunks" >"$d/c/mfshdd.cfg"
    cluster_pids=()
    if [ "${side%?}" = moosefs ]; then
        cp /var/lib/mfs/metadata.mfs.empty "$d/m/metadata.mfs"
        : >"$d/mfstopology.cfg"
        cat >"$d/mfsmaster.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DATA_PATH = $d/m
EXPORTS_FILENAME = $d/mfsexports.cfg
TOPOLOGY_FILENAME = $d/mfstopology.cfg
MATOML_LISTEN_HOST = ${addr[m]}
MATOCS_LISTEN_HOST = ${addr[m]}
MATOCL_LISTEN_HOST = ${addr[m]}
CHANGELOG_SAVE_MODE = ${side#moosefs}
CFG
        cat >"$d/c/mfschunkserver.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DATA_PATH = $d/c/meta
HDD_CONF_FILENAME = $d/c/mfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 0
HDD_TEST_SPEED = 0
HDD_FSYNC_BEFORE_CLOSE = 1
MASTER_HOST = ${addr[m]}
CSSERV_LISTEN_HOST = ${addr[c]}
CFG
        ip netns exec "$prefix-m" mfsmaster -f -c "$d/mfsmaster.cfg" start >"$d/master.log" 2>&1 &
        cluster_pids+=($!)
        ip netns exec "$prefix-c" mfschunkserver -f -c "$d/c/mfschunkserver.cfg" start >"$d/c.log" 2>&1 &
        cluster_pids+=($!)
        pids+=("${cluster_pids[@]}")
        wait_until 60 moosefs_ready || { log "$side: the chunkserver did not register"; tail -n 20 "$d/master.log" "$d/c.log" >&2; exit 1; }
    else
        cat >"$d/mfsmaster.cfg" <<CFG
DATA_PATH = $d/m
EXPORTS_FILENAME = $d/mfsexports.cfg
MATOCL_LISTEN_HOST = *
MATOCS_LISTEN_HOST = *
MATOML_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = 9428
SYNC_REPLICAS = 0
CHANGELOG_SAVE_MODE = ${side#ours}
CFG
        cat >"$d/c/mfschunkserver.cfg" <<CFG
DATA_PATH = $d/c/meta
HDD_CONF_FILENAME = $d/c/mfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 0
WRITE_ACK_AFTER_FSYNC = $ack_after_fsync
MASTER_HOST = ${addr[m]}
CSSERV_LISTEN_HOST = ${addr[c]}
CFG
        ip netns exec "$prefix-m" "$bin/mfsmaster" -c "$d/mfsmaster.cfg" >"$d/master.log" 2>&1 &
        cluster_pids+=($!)
        ip netns exec "$prefix-c" "$bin/mfschunkserver" -c "$d/c/mfschunkserver.cfg" >"$d/c.log" 2>&1 &
        cluster_pids+=($!)
        pids+=("${cluster_pids[@]}")
        wait_until 60 our_ready || { log "$side: master not active or the chunkserver did not register"; tail -n 20 "$d/master.log" "$d/c.log" >&2; exit 1; }
    fi
    # mfsmount's daemon in the client's namespace (-f: it stays our child), the mount point here.
    nsenter --net="/run/netns/$prefix-cl" mfsmount "$mnt" -f -H "${addr[m]}" >"$d/mount.log" 2>&1 &
    cluster_pids+=($!)
    pids+=($!)
    wait_until 30 mount_up || { log "$side: mfsmount did not mount"; cat "$d/mount.log" >&2; exit 1; }
    mkdir "$mnt/bench"
    # The tools talk to the master (the address in .masterinfo): from the client's namespace.
    in_ns cl mfssettrashtime 0 "$mnt/bench" >"$d/tools.log" 2>&1 && in_ns cl mfssetgoal 1 "$mnt/bench" >>"$d/tools.log" 2>&1 \
        || { log "$side: mfssettrashtime / mfssetgoal failed"; cat "$d/tools.log" >&2; exit 1; }
}
stop_cluster() { # side
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
    # mfsmount first, then the chunkserver, then the master (MooseFS's dumps its metadata).
    local pid
    for ((pid = ${#cluster_pids[@]} - 1; pid >= 0; pid--)); do stop_pids "${cluster_pids[$pid]}"; done
    pids=()
    rm -rf "${work:?}/$1"
}

# ---------------------------------------------------------------- the rows
cat >"$work/ops.py" <<'PY'
# ops.py OP ROOT FILES PROCS: OP (create, stat, readdir, unlink) over ROOT/p0 … ROOT/p{PROCS-1},
# FILES files in all; prints the wall seconds from the moment every worker is ready.
import os, sys, time
op, root, files, procs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
share = files // procs
def work(k):
    d = f"{root}/p{k}"
    if op == "create":
        for i in range(share): os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    elif op == "stat":
        for i in range(share): os.stat(f"{d}/f{i}")
    elif op == "unlink":
        for i in range(share): os.unlink(f"{d}/f{i}")
    elif op == "readdir":
        for _ in range(5):
            n = len(os.listdir(d))
            if n != share: sys.exit(f"readdir {d}: {n} entries, not {share}")
if op == "create":
    for k in range(procs): os.makedirs(f"{root}/p{k}", exist_ok=True)
go_r, go_w = os.pipe()
children = []
for k in range(procs):
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.read(go_r, 1)
        try: work(k)
        except OSError as e:
            print(f"{op} p{k}: {e}", file=sys.stderr); os._exit(1)
        os._exit(0)
    children.append(pid)
os.close(go_r)
time.sleep(0.2)
start = time.monotonic()
os.close(go_w)
failed = sum(1 for pid in children if os.waitpid(pid, 0)[1] != 0)
end = time.monotonic()
if failed: sys.exit(f"{op}: {failed} worker(s) failed")
print(f"{end - start:.6f}")
PY
results="$work/results.tsv"
: >"$results"
record() { echo -e "$1\t$2\t$3" >>"$results"; } # side row value
rate() { python3 -c "print(round(($1) / ($2), 1))"; } # NUMERATOR DENOMINATOR (numbers or sums of them)
# counters SIDE: "CHANGES FSYNCS" so far: our master's /status version and changelog fsyncs;
# MooseFS's lines in changelog.0.mfs (written before the reply in mode 2; mode 0's background
# saver may lag, so none there) and its fsyncs, one per change in mode 2.
counters() {
    case "$1" in
        ours*) our_status "str(s['version']) + ' ' + str(s['changelog']['fsyncs'])" ;;
        moosefs2) local n; n=$(wc -l <"$work/$1/m/changelog.0.mfs" 2>/dev/null || echo 0); echo "$n $n" ;;
        *) echo "- -" ;;
    esac
}
# The master's user and system CPU time so far, in clock ticks (/proc/PID/stat, every thread).
clock_ticks=$(getconf CLK_TCK)
master_cpu() { awk '{ print $14 + $15 }' "/proc/${cluster_pids[0]}/stat"; }
ops() { # side row OP ROOT PROCS [COUNT]: times ops.py, records COUNT / seconds (and, untimed,
    # the changelog's changes and fsyncs per operation, and the master's CPU per operation)
    local seconds count=${6:-$files} before after cpu_before cpu_after
    before=$(counters "$1")
    cpu_before=$(master_cpu)
    seconds=$(python3 "$work/ops.py" "$3" "$4" "$files" "$5") || { log "$1: $2 failed"; exit 1; }
    cpu_after=$(master_cpu)
    after=$(counters "$1")
    record "$1" "$2" "$(rate "$count" "$seconds")"
    record "$1" "$2 master us/op" "$(python3 -c "print(round(($cpu_after - $cpu_before) * 1e6 / $clock_ticks / $count, 1))")"
    [ "${before%% *}" = - ] && return 0
    local b=($before) a=($after)
    record "$1" "$2 changes/op" "$(python3 -c "print(round(($a - $b) / $count, 2))")"
    record "$1" "$2 fsyncs/op" "$(python3 -c "print(round((${a[1]} - ${b[1]}) / $count, 2))")"
}
bytes=$((size_mib * 1048576))
if has_row write; then head -c "$bytes" /dev/urandom >"$source_file"; fi
tar -cf "$work/sources.tar" Sources
tar_files=$(tar -tf "$work/sources.tar" | wc -l)
# What an extraction is compared with: the tar's own tree on the local disk, not ./Sources,
# which an edit during the run would change.
mkdir -p "$work/reference"
tar -xf "$work/sources.tar" -C "$work/reference"

# --trace/--count: a capture of the bridge and the chunkserver's syscall counts around one row.
trace_start() { # side row
    [ -n "$trace" ] || return 0
    local base="$trace/$round-$1-$2"
    trace_pids=()
    if [ "$capture" = 1 ]; then
        ip netns exec "$prefix-br" tshark -q -i br0 -B 256 -F pcap -w "$base.pcap" 2>"$base.tshark.log" &
        trace_pids+=($!)
        wait_until 10 grep -q "Capturing on" "$base.tshark.log" || { log "tshark did not start"; cat "$base.tshark.log" >&2; exit 1; }
    fi
    perf stat -x, -o "$base.perf" -p "${cluster_pids[1]}" -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync \
        -e syscalls:sys_enter_pwrite64,syscalls:sys_enter_pwritev,syscalls:sys_enter_write,syscalls:sys_enter_openat \
        -e syscalls:sys_enter_ftruncate,syscalls:sys_enter_fallocate,syscalls:sys_enter_renameat2 2>/dev/null &
    trace_pids+=($!)
    # The time the chunkserver spends in its disk calls (summary per syscall).
    perf trace -s -e fsync,fdatasync,pwrite64,openat,close,ftruncate -p "${cluster_pids[1]}" -o "$base.syscalls" >/dev/null 2>&1 &
    trace_pids+=($!)
    sleep 0.5
}
trace_stop() { # side row
    [ -n "$trace" ] || return 0
    local base="$trace/$round-$1-$2"
    sleep 0.5
    kill -INT "${trace_pids[@]}" 2>/dev/null || true
    for pid in "${trace_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    trace_pids=()
    [ "$capture" = 1 ] || return 0
    python3 scripts/lib/mount-trace.py "$base.pcap" "round $round, $1, $2" >"$base.trace" || log "$base.pcap: no report"
    rm -f "$base.pcap"
}

run_side() { # side
    local side=$1 start end
    log "round $round: $side"
    start_cluster "$side"
    local b="$mnt/bench"
    if has_row meta; then
        ops "$side" create create "$b/one" 1
        drop_caches
        ops "$side" stat stat "$b/one" 1
        drop_caches
        ops "$side" readdir readdir "$b/one" 1 $((files * 5))
        ops "$side" unlink unlink "$b/one" 1
        ops "$side" "create x16" create "$b/par" 16 $((files / 16 * 16))
        rm -rf "$b/par" "$b/one"
    fi
    if has_row write; then
        cat "$source_file" >/dev/null # in the page cache: the write row measures the mount
        trace_start "$side" write
        start=$(now)
        dd if="$source_file" of="$b/file" bs=1M conv=fsync status=none
        end=$(now)
        trace_stop "$side" write
        record "$side" write "$(rate "$bytes / 1e6" "$end - $start")"
    fi
    if has_row read; then
        drop_caches
        start=$(now)
        dd if="$b/file" of=/dev/null bs=1M status=none
        end=$(now)
        record "$side" read "$(rate "$bytes / 1e6" "$end - $start")"
        if [ "$round" = 1 ]; then # checked once, untimed
            cmp -s "$b/file" "$source_file" || { log "$side: the file read back differs"; exit 1; }
        fi
    fi
    rm -f "$b/file"
    if has_row tar; then
        mkdir "$b/tar"
        local before after
        before=$(counters "$side")
        trace_start "$side" tar
        start=$(now)
        tar -xf "$work/sources.tar" -C "$b/tar"
        end=$(now)
        trace_stop "$side" tar
        after=$(counters "$side")
        record "$side" tar "$(python3 -c "print(round($end - $start, 3))")"
        if [ "${before%% *}" != - ]; then # untimed: the changelog per entry extracted
            local cb=($before) ca=($after)
            record "$side" "tar changes/op" "$(python3 -c "print(round((${ca[0]} - ${cb[0]}) / $tar_files, 2))")"
            record "$side" "tar fsyncs/op" "$(python3 -c "print(round((${ca[1]} - ${cb[1]}) / $tar_files, 2))")"
        fi
        if [ "$round" = 1 ]; then
            diff -r "$work/reference/Sources" "$b/tar/Sources" >/dev/null || { log "$side: the extracted tree differs"; exit 1; }
        fi
    fi
    if has_row randwrite; then
        trace_start "$side" randwrite
        start=$(now)
        fio --name=randwrite --filename="$b/rand" --rw=randwrite --bs=4k --size=64M --io_size=16M --fsync=32 \
            --ioengine=psync --randrepeat=1 --output=/dev/null || { log "$side: fio randwrite failed"; exit 1; }
        end=$(now)
        trace_stop "$side" randwrite
        record "$side" randwrite "$(rate "16 * 1048576 / 4096" "$end - $start")"
        rm -f "$b/rand"
    fi
    stop_cluster "$side"
}

for round in $(seq 1 "$runs"); do
    order=$sides
    [ $((round % 2)) = 1 ] || order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
    for side in $order; do run_side "$side"; done
done

python3 - "$json" "$results" "$runs" "$files" "$size_mib" "$tar_files" "$ack_after_fsync" <<'PY'
import json, statistics, sys
as_json, path = sys.argv[1], sys.argv[2]
runs, files, size, tar_files, ack_after_fsync = (int(x) for x in sys.argv[3:8])
durability = ("ours: every write acknowledged after its fsync (WRITE_ACK_AFTER_FSYNC = 1); MooseFS: fsync at a chunk's close "
              "(HDD_FSYNC_BEFORE_CLOSE = 1): data rows NOT like for like" if ack_after_fsync else
              "both chunkservers acknowledge a write once written and fsync a chunk at its close "
              "(ours: WRITE_ACK_AFTER_FSYNC = 0; MooseFS: HDD_FSYNC_BEFORE_CLOSE = 1)")
figures = {}
for line in open(path):
    side, row, value = line.rstrip("\n").split("\t")
    figures.setdefault((side, row), []).append(float(value))
def summary(side, row):
    v = figures.get((side, row), [])
    return {"median": round(statistics.median(v), 3 if row == "tar" else 1), "min": min(v), "max": max(v), "runs": v} if v else None
units = {"create": "ops/s", "stat": "ops/s", "readdir": "entries/s", "unlink": "ops/s", "create x16": "ops/s",
         "write": "MB/s", "read": "MB/s", "tar": "s", "randwrite": "writes/s"}
sides = ("ours2", "moosefs2", "ours0", "moosefs0")
rows = []
for row, unit in units.items():
    r = {"row": row, "unit": unit}
    for side in sides:
        r[side] = summary(side, row)
    for mode in "20":
        a, m = r["ours" + mode], r["moosefs" + mode]
        # ours / MooseFS in the same mode as a speed ratio: for tar (seconds) the inverse
        r[f"ours{mode}OfMooseFS{mode}"] = (round(m["median"] / a["median"] if row == "tar" else a["median"] / m["median"], 3)
                                           if a and m and a["median"] and m["median"] else None)
    rows.append(r)
def every_row(key):
    values = [r[key] for r in rows if r[key] is not None]
    return all(x >= 1 for x in values) if values else None
x16 = next(r for r in rows if r["row"] == "create x16")["ours2OfMooseFS2"]
reach = {"atLeastMooseFSOnEveryRowMode2": every_row("ours2OfMooseFS2"),
         "atLeastMooseFSOnEveryRowMode0": every_row("ours0OfMooseFS0"),
         "createX16Mode2TwiceMooseFS": x16 >= 2 if x16 is not None else None}
# The changelog per operation, untimed (ours: /status; MooseFS in mode 2: changelog.0.mfs lines).
changelog = {}
for row in ("create", "stat", "readdir", "unlink", "create x16", "tar"):
    for side in ("ours2", "moosefs2", "ours0"):
        c, f = summary(side, row + " changes/op"), summary(side, row + " fsyncs/op")
        if c: changelog.setdefault(row, {})[side] = {"changesPerOp": c["median"], "fsyncsPerOp": f["median"]}
# The master's CPU (user + system, every thread) per operation of each metadata row, untimed.
master_cpu = {}
for row in ("create", "stat", "readdir", "unlink", "create x16"):
    for side in ("ours2", "moosefs2", "ours0", "moosefs0"):
        m = summary(side, row + " master us/op")
        if m: master_cpu.setdefault(row, {})[side] = m["median"]
if as_json == "1":
    print(json.dumps({"runs": runs, "files": files, "sizeMiB": size, "tarFiles": tar_files, "ackAfterFsync": bool(ack_after_fsync),
                      "durability": durability, "rows": rows, "reach": reach,
                      "changelog": changelog, "masterMicrosecondsPerOp": master_cpu}))
    sys.exit(0)
def cell(s, row):
    if not s: return "-"
    if row == "tar": return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"
    return f"{s['median']:.0f} ({s['min']:.0f}-{s['max']:.0f})"
def pct(x): return f"{x * 100:.0f}%" if x is not None else "-"
print(f"{runs} runs, median (min-max); {files} files, {size} MiB file, tar of {tar_files} entries; one chunkserver a side, goal 1")
print(f"durability: {durability}")
print(f"{'':<21} {'CHANGELOG_SAVE_MODE 2':^53} {'CHANGELOG_SAVE_MODE 0':^53}")
print(f"{'row':<11} {'unit':<9} {'ours':>21} {'MooseFS':>21} {'ours/M':>8} {'ours':>21} {'MooseFS':>21} {'ours/M':>8}")
for r in rows:
    print(f"{r['row']:<11} {r['unit']:<9} {cell(r['ours2'], r['row']):>21} {cell(r['moosefs2'], r['row']):>21} {pct(r['ours2OfMooseFS2']):>8} "
          f"{cell(r['ours0'], r['row']):>21} {cell(r['moosefs0'], r['row']):>21} {pct(r['ours0OfMooseFS0']):>8}")
def yn(x): return "-" if x is None else ("yes" if x else "NO")
print(f"reach: at least MooseFS (same mode) on every row: mode 2 {yn(reach['atLeastMooseFSOnEveryRowMode2'])}, "
      f"mode 0 {yn(reach['atLeastMooseFSOnEveryRowMode0'])}; creates x16 in mode 2 >= twice MooseFS: {yn(reach['createX16Mode2TwiceMooseFS'])}")
if changelog:
    print("changelog per operation (median): changes / fsyncs")
    print(f"{'row':<11} {'ours mode 2':>14} {'MooseFS mode 2':>15} {'ours mode 0':>14}")
    def c(d): return f"{d['changesPerOp']:.2f} / {d['fsyncsPerOp']:.2f}" if d else "-"
    for row, d in changelog.items():
        print(f"{row:<11} {c(d.get('ours2')):>14} {c(d.get('moosefs2')):>15} {c(d.get('ours0')):>14}")
if master_cpu:
    print("master CPU per operation (us, user + system, median; readdir: per entry listed)")
    print(f"{'row':<11} {'ours mode 2':>12} {'MooseFS 2':>10} {'ours mode 0':>12} {'MooseFS 0':>10}")
    def u(x): return f"{x:.1f}" if x is not None else "-"
    for row, d in master_cpu.items():
        print(f"{row:<11} {u(d.get('ours2')):>12} {u(d.get('moosefs2')):>10} {u(d.get('ours0')):>12} {u(d.get('moosefs0')):>10}")
PY
