#!/usr/bin/env bash
# The main demo, as root on a Debian machine. First act, short: the metadata core (a seeded
# workload, its changelog, mfsmetarestore replaying it byte for byte, a damaged changelog refused
# loudly) and a real mfsmaster on loopback killed with SIGKILL mid-stream and restarted (refused
# without -a, then -a), every acknowledged file still there; then the data path: three
# chunkservers, a 200 MiB file at goal 2 written and read back, read again with one chunkserver
# killed. Last, the point of the project (scripts/demo-failover.sh): a whole HA cluster in network
# namespaces (two master hosts with announcers, a metalogger, three chunkservers, a client with
# MooseFS's mfsmount and our MFSClient writing fsynced files), the active master's host killed
# silently, the time until writes succeed again, the old host back as a follower, and every
# acknowledged file compared byte for byte.
#
#   sudo scripts/demo.sh [CHANGES [SEED]]
#
# Environment: MFS_BIN=DIR takes the binaries from DIR instead of building them (release), as
# demo-failover.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${1:-50000}
seed=${2:-1}

command -v swift >/dev/null || { echo "demo.sh: swift is not on PATH (Swift 6.3 expected)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run it as root (network namespaces, mfsmount)" >&2; exit 1; }
# shellcheck source=lib/apt-install.sh
. scripts/lib/apt-install.sh
apt_install demo.sh iproute2 procps python3 libnl-3-dev libnl-route-3-dev fuse3 libfuse3-dev zlib1g-dev moosefs-client
if [ -n "${MFS_BIN:-}" ]; then
    bin=$(realpath "$MFS_BIN")
else
    echo "== building (release): mfsworkload, mfsmetarestore, mfsmaster, mfsmetalogger, mfschunkserver, mfsannouncer, mfs, mfscli, mfsprobe"
    for product in mfsworkload mfsmetarestore mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfs mfscli mfsprobe; do
        flock /tmp/swift-mfs-build.lock swift build -c release --product "$product" >/dev/null
    done
    bin=$(swift build -c release --show-bin-path)
fi

dir=$(mktemp -d /tmp/mfs-demo.XXXXXX)
master_pid=""
writer_pid=""
extra_pids=""
cleanup() {
    set +e # a failing step must not end the cleanup early
    for pid in $writer_pid $master_pid $extra_pids; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Output piped into a reader that quit (`| head`): exit through the cleanup, not killed outright.
trap 'exit 141' PIPE

echo "== a seeded workload: $changes metadata changes (seed $seed)"
"$bin/mfsworkload" "$dir" "$changes" "$seed"
echo "   changelog: $(wc -l <"$dir/changelog.0.mfs") lines, $(du -h "$dir/changelog.0.mfs" | cut -f1)"
head -n 6 "$dir/changelog.0.mfs" | sed 's/^/   | /'
echo "   | ..."

echo "== mfsmetarestore replays the changelog onto the starting metadata"
"$bin/mfsmetarestore" -m "$dir/metadata.start.mfs" -o "$dir/metadata.restored.mfs" "$dir/changelog.0.mfs"

echo "== compare: live namespace dump vs replayed namespace dump"
if cmp -s "$dir/metadata.live.mfs" "$dir/metadata.restored.mfs"; then
    echo "   identical, byte for byte ($(stat -c %s "$dir/metadata.live.mfs") bytes)"
else
    echo "   DIFFERENT: replay does not reproduce the live namespace" >&2
    exit 1
fi

echo "== a damaged changelog is refused, naming the file and line (exit 1, nothing written)"
sed '1000d' "$dir/changelog.0.mfs" >"$dir/gap.mfs"
set +e
"$bin/mfsmetarestore" -m "$dir/metadata.start.mfs" -o "$dir/never.mfs" "$dir/gap.mfs"
status=$?
set -e
echo "   exit status $status; output written: $([ -e "$dir/never.mfs" ] && echo yes || echo no)"
[ "$status" -eq 1 ] && [ ! -e "$dir/never.mfs" ]

# ---------------------------------------------------------------- the master
m="$dir/master"
# shellcheck source=lib/loopback-master.sh
. scripts/lib/loopback-master.sh
write_master_config "$m" 2

echo "== mfsmaster on 127.0.0.1 (CHANGELOG_SAVE_MODE 2: a reply waits for the fsync)"
start_master "$bin" "$m" || { cat "$m/master.log" >&2; exit 1; }
mfs() { "$bin/mfs" -H "127.0.0.1:$port" "$@"; }
mfs mkdir /demo
echo "== a client creates files (one mfs call each; each exit 0 is an acknowledged create)"
(
    i=0
    while :; do
        i=$((i + 1))
        if mfs touch "/demo/f$i" 2>/dev/null; then echo "f$i" >>"$m/acknowledged"; else exit 0; fi
    done
) &
writer_pid=$!
sleep 3
echo "== SIGKILL the master mid-stream (no dump, no goodbye)"
kill -KILL "$master_pid"
{ wait "$master_pid"; } 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=""
echo "   acknowledged creates: $(wc -l <"$m/acknowledged")"
echo "== restart without -a: refused, naming the versions and the command"
if start_master "$bin" "$m"; then echo "   started without -a: unexpected" >&2; exit 1; fi
wait "$master_pid" 2>/dev/null || true
sed 's/^/   | /' "$m/master.log" | grep -i "mfsmaster:" | tail -1
echo "== restart with -a: newer changelogs replayed first"
began=$(date +%s%N)
start_master "$bin" "$m" -a || { cat "$m/master.log" >&2; exit 1; }
echo "   serving again after $((($(date +%s%N) - began) / 1000000)) ms"
grep "restored from changelogs" "$m/master.log" | sed 's/^/   | /'
echo "== check: every acknowledged file is in the restarted master's namespace"
mfs ls /demo | sort >"$m/present"
sort "$m/acknowledged" >"$m/acknowledged.sorted"
lost=$(comm -23 "$m/acknowledged.sorted" "$m/present" | wc -l)
echo "   acknowledged $(wc -l <"$m/acknowledged.sorted"), present $(wc -l <"$m/present"), lost $lost"
[ "$lost" -eq 0 ]
kill -TERM "$master_pid"
wait "$master_pid" 2>/dev/null || true
master_pid=""

# ------------------------------------------------------------------------------ the data path
echo
echo "== the data path: a master and three chunkservers (mfschunkserver) on loopback"
d="$dir/datapath"
write_master_config "$d" 2 0
echo "REPLICATIONS_DELAY_INIT = 0" >>"$d/mfsmaster.cfg"
start_master "$bin" "$d" || { cat "$d/master.log" >&2; exit 1; }
d_pid=$master_pid; d_port=$port; d_status=$status_port
extra_pids="$d_pid"
cs_port=$(listening_port "$d/master.log" "chunkserver port listening")
cs_pids=()
for i in 1 2 3; do
    mkdir -p "$d/cs$i/chunks"
    echo "$d/cs$i/chunks" >"$d/cs$i/mfshdd.cfg"
    printf 'DATA_PATH = %s\nHDD_CONF_FILENAME = %s\nMASTER_HOST = 127.0.0.1\nMASTER_PORT = %s\nCSSERV_LISTEN_HOST = 127.0.0.1\nCSSERV_LISTEN_PORT = 0\nHDD_LEAVE_SPACE_DEFAULT = 0\n' \
        "$d/cs$i" "$d/cs$i/mfshdd.cfg" "$cs_port" >"$d/cs$i/mfschunkserver.cfg"
    unit_command mfschunkserver "$bin" "$d/cs$i/mfschunkserver.cfg"
    "${command[@]}" >"$d/cs$i/chunkserver.log" 2>&1 &
    cs_pids+=($!)
    extra_pids="$extra_pids $!"
done
for _ in $(seq 1 100); do
    [ "$("$bin/mfscli" -H "127.0.0.1:$d_status" | grep -c "^chunkserver .* registered")" -ge 3 ] && break
    sleep 0.1
done
"$bin/mfscli" -H "127.0.0.1:$d_status" | grep -E "^chunkserver" | sed 's/^/   /'
dmfs() { "$bin/mfs" -H "127.0.0.1:$d_port" "$@"; }
head -c $((200 << 20)) /dev/urandom >"$dir/file.bin"
echo "== mfs put: 200 MiB at goal 2 (acknowledged once both copies of every chunk are fsynced)"
began=$(date +%s%N)
dmfs put -q -g 2 "$dir/file.bin" /file.bin
echo "   put in $((($(date +%s%N) - began) / 1000000)) ms"
echo "== mfs get, compared byte for byte"
dmfs get -q /file.bin "$dir/back.bin"
cmp "$dir/file.bin" "$dir/back.bin" && echo "   identical"
"$bin/mfscli" -H "127.0.0.1:$d_status" | grep -E "^chunks|^chunkserver" | sed 's/^/   /'
echo "== one chunkserver killed (SIGKILL): the file still reads back from the other copies"
{ kill -KILL "${cs_pids[0]}" && wait "${cs_pids[0]}"; } 2>/dev/null || true
rm -f "$dir/back.bin"
dmfs get -q /file.bin "$dir/back.bin"
cmp "$dir/file.bin" "$dir/back.bin" && echo "   identical"
kill -TERM "$d_pid" "${cs_pids[@]}" 2>/dev/null || true
wait "$d_pid" "${cs_pids[@]}" 2>/dev/null || true
extra_pids=""

echo
MFS_BIN="$bin" bash scripts/demo-failover.sh
