#!/usr/bin/env bash
# Captures real MooseFS 3.0.117 traffic on the chunkserver port (9420) and the data port (9422)
# and writes one hex fixture per kind of frame, for Tests/MooseWireTests/Fixtures (MooseWire's
# golden bytes). Not part of the test run; re-run it to refresh the fixtures:
#
#   sudo scripts/capture-moosefs.sh [OUTDIR]      (default: Tests/MooseWireTests/Fixtures)
#
# Needs root, Debian's moosefs-master, moosefs-chunkserver, moosefs-client and tshark
# (installed with apt-get if missing), python3 and /dev/fuse.
#
# The lab (DESIGN §9; docs/research/moosefs-3.0-chunkserver-protocol.md §9): network namespaces
# PREFIX-{br,m,c1,c2,cl} with a unique PREFIX, one veth pair per host onto a bridge in PREFIX-br
# with no uplink, addresses 169.254.93.1 (master), .2 (cs1, LABELS A,C, listen address set),
# .3 (cs2, listen `*`), .4 (client). MooseFS refuses 127.x, hence the namespaces. tshark listens
# on the bridge. Two phases:
#   1. master and chunkservers with AUTH_CODE: password challenge, a workload through mfsmount
#      (goal-2 write chain, read, truncate, snapshot + write (duplicate), snapshot + truncate
#      (duptrunc), cs2 restart then a rewrite (set version), goal 1 → 2 (replicate), goal 2 → 1
#      and rm with trash time 0 (delete)), probes of GET_VERSION / GET_CONFIG / MODULE_INFO, a
#      data block corrupted while cs1 is down (error occurred, chunk damaged), cs2's disk
#      marked for removal and reloaded (chunk new with bit 31, space in the td* fields);
#   2. master restarted without AUTH_CODE and cs1 alone: registration without password.
# Every process started is stopped by PID (everything left in our namespaces is ours), the
# mount is released and the namespaces deleted on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Tests/MooseWireTests/Fixtures}"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
for bin in mfsmaster mfschunkserver mfsmount tshark; do
    command -v "$bin" >/dev/null || { apt-get update -q && apt-get install -y -q moosefs-master moosefs-chunkserver moosefs-client tshark; break; }
done

prefix="mwc$$"
net="169.254.93"
work=$(mktemp -d /tmp/moosewire-capture.XXXXXX)
hosts=(m c1 c2 cl)
declare -A addr=([m]=$net.1 [c1]=$net.2 [c2]=$net.3 [cl]=$net.4)
pids=()

log() { echo "capture: $*" >&2; }
# shellcheck source=lib/netns-lab.sh
source scripts/lib/netns-lab.sh

lab_mounts=("$work/mnt")
lab_traps

# ---------------------------------------------------------------- lab
make_lab

ip netns exec "$prefix-br" tshark -q -i br0 -f "tcp" -w "$work/capture.pcapng" 2>"$work/tshark.log" &
pids+=($!)
sleep 2

# ---------------------------------------------------------------- configuration
# write_master_cfg AUTH: AUTH_CODE line only when AUTH is not empty.
write_master_cfg() {
    cat >"$work/mfsmaster.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $work/m
EXPORTS_FILENAME = $work/mfsexports.cfg
TOPOLOGY_FILENAME = $work/mfstopology.cfg
MATOML_LISTEN_HOST = ${addr[m]}
MATOCS_LISTEN_HOST = ${addr[m]}
MATOCL_LISTEN_HOST = ${addr[m]}
REPLICATIONS_DELAY_INIT = 0
CHUNKS_LOOP_MIN_TIME = 60
${1:+AUTH_CODE = $1}
EOF
}
# write_cs_cfg NAME LISTEN LABELS AUTH
write_cs_cfg() {
    mkdir -p "$work/$1/hdd"
    echo "$work/$1/hdd" >"$work/$1/mfshdd.cfg"
    cat >"$work/$1/mfschunkserver.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $work/$1
HDD_CONF_FILENAME = $work/$1/mfshdd.cfg
MASTER_HOST = ${addr[m]}
CSSERV_LISTEN_HOST = $2
HDD_LEAVE_SPACE_DEFAULT = 16MiB
${3:+LABELS = $3}
${4:+AUTH_CODE = $4}
EOF
}
mkdir -p "$work/m" "$work/mnt"
cp /var/lib/mfs/metadata.mfs.empty "$work/m/metadata.mfs"
echo "* / rw,alldirs,maproot=0" >"$work/mfsexports.cfg"
: >"$work/mfstopology.cfg"

start_master() {
    ip netns exec "$prefix-m" mfsmaster -f -c "$work/mfsmaster.cfg" start >>"$work/master.log" 2>&1 &
    for _ in $(seq 100); do
        ip netns exec "$prefix-m" bash -c "exec 3<>/dev/tcp/${addr[m]}/9420" 2>/dev/null && return 0
        sleep 0.1
    done
    log "mfsmaster did not come up"; return 1
}
start_cs() {  # NAME
    ip netns exec "$prefix-$1" mfschunkserver -f -c "$work/$1/mfschunkserver.cfg" start >>"$work/$1.log" 2>&1 &
}
# in_client SCRIPT: runs bash SCRIPT in the client namespace with the file system mounted at
# $work/mnt (mfsmount mounts inside that command's own mount namespace).
in_client() {
    ip netns exec "$prefix-cl" bash -c "
        set -e
        mfsmount -f '$work/mnt' -o mfsmaster=${addr[m]},mfscachemode=DIRECT >>'$work/mount.log' 2>&1 &
        mount_pid=\$!
        for _ in \$(seq 100); do mountpoint -q '$work/mnt' && break; sleep 0.1; done
        cd '$work/mnt'
        status=0
        ( $1 ) || status=\$?
        cd /
        umount '$work/mnt' || umount -l '$work/mnt'
        wait \$mount_pid || true
        exit \$status"
}

# ---------------------------------------------------------------- phase 1: with AUTH_CODE
log "phase 1: master and chunkservers with AUTH_CODE"
write_master_cfg secretpw
write_cs_cfg c1 "${addr[c1]}" "A,C" secretpw
write_cs_cfg c2 "*" "" secretpw
start_master
start_cs c1
start_cs c2
sleep 8   # both register (their first tick is at a random point of 5 s)

in_client '
    mfssettrashtime 0 . >/dev/null
    head -c 1000 /dev/urandom > small; mfssetgoal 2 small >/dev/null; sync
    head -c 70000 /dev/urandom > two-blocks; mfssetgoal 2 two-blocks >/dev/null; sync
    cat small two-blocks > /dev/null
    dd if=two-blocks of=/dev/null bs=70000 count=1 2>/dev/null
    truncate -s 500 small; sync
    mfsmakesnapshot small snap1 >/dev/null
    head -c 300 /dev/urandom | dd of=snap1 conv=notrunc 2>/dev/null; sync
    mfsmakesnapshot two-blocks snap2 >/dev/null
    truncate -s 100 snap2; sync
    head -c 800 /dev/urandom > single; mfssetgoal 1 single >/dev/null; sync
'
log "restarting cs2 (re-registration with chunks; the next write bumps the version)"
stop_ns "$prefix-c2"
sleep 1
start_cs c2
sleep 8
in_client '
    head -c 200 /dev/urandom | dd of=small conv=notrunc 2>/dev/null; sync
    mfssetgoal 2 single >/dev/null
    sleep 6
    mfssetgoal 1 two-blocks >/dev/null
    rm -f snap1
    sleep 6
'
# Probes (msgid where the message has one): GET_VERSION to the master's 9420 and cs1's 9422,
# GET_CONFIG and MODULE_INFO to cs1's 9422.
ip netns exec "$prefix-cl" python3 - "${addr[m]}" "${addr[c1]}" <<'EOF' || log "probes failed"
import socket, struct, sys, time
def ask(host, port, frames):
    s = socket.create_connection((host, port), timeout=3)
    for t, p in frames:
        s.sendall(struct.pack(">II", t, len(p)) + p)
        time.sleep(0.3)
    s.close()
ask(sys.argv[1], 9420, [(10, b"")])
ask(sys.argv[2], 9422, [(10, b""), (80, struct.pack(">IB", 7, 6) + b"LABELS"), (530, b"")])
EOF
log "waiting for the chunk loop's deletions"
sleep 70

# A data block flipped while cs1 is down: its start-up test reports ERROR_OCCURRED and
# CHUNK_DAMAGED, and the master deletes that copy (version 0) and replicates.
log "corrupting a chunk on cs1"
stop_ns "$prefix-c1"
victim=$(find "$work/c1/hdd" -name 'chunk_*.mfs' -size +8k | head -1)
if [ -n "$victim" ]; then
    python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(8200); b = f.read(1)[0]; f.seek(8200); f.write(bytes([b ^ 0xFF]))' "$victim"
fi
start_cs c1
sleep 12

# cs2's disk marked for removal (`*`) and reloaded: its chunks come again as CHUNK_NEW with
# bit 31 of the version set, its space moves to the td* fields. Then more time for the chunk
# loop to delete the removed files' chunks (DELETE with their version).
log "marking cs2's disk for removal"
echo "*$work/c2/hdd" >"$work/c2/mfshdd.cfg"
for pid in $(ip netns pids "$prefix-c2"); do kill -HUP "$pid"; done
sleep 120

# ---------------------------------------------------------------- phase 2: no AUTH_CODE
log "phase 2: master without AUTH_CODE, cs1 alone"
stop_ns "$prefix-c1"
stop_ns "$prefix-c2"
stop_ns "$prefix-m"
write_master_cfg ""
write_cs_cfg c1 "${addr[c1]}" "A,C" ""
start_master
start_cs c1
sleep 9
stop_ns "$prefix-c1"
stop_ns "$prefix-m"
sleep 1

# ---------------------------------------------------------------- frames
kill -INT "${pids[0]}"; wait "${pids[0]}" || true
pids=()
tshark -r "$work/capture.pcapng" -Y "tcp.len > 0" -T fields -e tcp.stream -e frame.time_relative \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.payload >"$work/segments.tsv"
mkdir -p "$out"
listing="${MOOSEWIRE_FRAME_LIST:-/tmp/moosewire-frames.txt}"
python3 scripts/lib/moosefs-frames.py "$work/segments.tsv" "$out" "$listing"
log "fixtures written to $out ($(ls "$out" | grep -c '\.hex$') files); every frame is listed in $listing"
