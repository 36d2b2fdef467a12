#!/usr/bin/env bash
# Captures real MooseFS 3.0.117 traffic on the client port (9421: mfsmount ⇄ mfsmaster) and
# writes one hex fixture per kind of frame, for Tests/MooseClientWireTests/Fixtures (the golden
# bytes of MooseClientWire). A sibling of scripts/capture-moosefs.sh (9420/9422); not part of
# the test run; re-run it to refresh the fixtures:
#
#   sudo scripts/capture-moosefs-client.sh [OUTDIR]   (default: Tests/MooseClientWireTests/Fixtures)
#
# Needs root, Debian's moosefs-master, moosefs-chunkserver, moosefs-client and tshark
# (installed with apt-get if missing), python3 and /dev/fuse.
#
# The lab (DESIGN §9): network namespaces PREFIX-{br,m,cl} with a unique PREFIX, one veth pair
# per host onto a bridge in PREFIX-br with no uplink, addresses 169.254.94.1 (master and one
# chunkserver) and .4 (client); MooseFS refuses 127.x, hence the namespaces. tshark listens on
# the bridge for port 9421 only (a filter with 9422 drops packets under bulk writes). The
# export needs the password `secret`. The workload, through mfsmount: a wrong password (refused),
# then the mount (GETRANDOM, NEWSESSION with the MD5 passcode), ls -la, stat, df, mkdir, small
# files, a two-chunk file read back from a second mount (READ_CHUNK), O_APPEND, mv, ln -s,
# readlink, ln, mkfifo, chmod, chown, touch -d, truncate, xattrs, flock, lockf, the storage
# class and trash time tools, mfsdirinfo/mfsfileinfo, rm, rmdir, umount (CLOSESESSION).
# Every process started is stopped by PID (everything in our namespaces is ours), the mounts are
# released and the namespaces deleted on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Tests/MooseClientWireTests/Fixtures}"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
for bin in mfsmaster mfschunkserver mfsmount tshark; do
    command -v "$bin" >/dev/null || { apt-get update -q && apt-get install -y -q moosefs-master moosefs-chunkserver moosefs-client tshark; break; }
done

prefix="mcc$$"
net="169.254.94"
work=$(mktemp -d /tmp/mooseclient-capture.XXXXXX)
hosts=(m cl)
declare -A addr=([m]=$net.1 [cl]=$net.4)
pids=()

log() { echo "capture: $*" >&2; }
# shellcheck source=lib/netns-lab.sh
source scripts/lib/netns-lab.sh

lab_mounts=("$work/mnt" "$work/mnt2")
lab_traps

# ---------------------------------------------------------------- lab
make_lab

ip netns exec "$prefix-br" tshark -q -i br0 -f "tcp port 9421" -w "$work/capture.pcapng" 2>"$work/tshark.log" &
pids+=($!)
sleep 2

# ---------------------------------------------------------------- master and chunkserver
mkdir -p "$work/m" "$work/cs/hdd" "$work/mnt" "$work/mnt2"
cp /var/lib/mfs/metadata.mfs.empty "$work/m/metadata.mfs"
echo "$net.0/24 / rw,alldirs,admin,maproot=0:0,password=secret" >"$work/mfsexports.cfg"
cat >"$work/mfsmaster.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $work/m
EXPORTS_FILENAME = $work/mfsexports.cfg
MATOML_LISTEN_HOST = ${addr[m]}
MATOCS_LISTEN_HOST = ${addr[m]}
MATOCL_LISTEN_HOST = ${addr[m]}
CFG
echo "$work/cs/hdd" >"$work/cs/mfshdd.cfg"
cat >"$work/cs/mfschunkserver.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $work/cs
HDD_CONF_FILENAME = $work/cs/mfshdd.cfg
MASTER_HOST = ${addr[m]}
HDD_LEAVE_SPACE_DEFAULT = 16MiB
CFG
ip netns exec "$prefix-m" mfsmaster -f -c "$work/mfsmaster.cfg" start >>"$work/master.log" 2>&1 &
for _ in $(seq 100); do
    ip netns exec "$prefix-m" bash -c "exec 3<>/dev/tcp/${addr[m]}/9421" 2>/dev/null && break
    sleep 0.1
done
ip netns exec "$prefix-m" mfschunkserver -f -c "$work/cs/mfschunkserver.cfg" start >>"$work/cs.log" 2>&1 &
sleep 5

# ---------------------------------------------------------------- the workload
m=${addr[m]}
ip netns exec "$prefix-cl" bash -c "
    set -x
    mfsmount '$work/mnt' -H $m -o mfspassword=wrong >>'$work/mount.log' 2>&1 && umount '$work/mnt'
    mfsmount '$work/mnt' -H $m -o mfspassword=secret >>'$work/mount.log' 2>&1 || exit 1
    cd '$work/mnt'
    ls -la . >/dev/null; stat . >/dev/null; df . >/dev/null
    mkdir d; echo hello > d/f; cat d/f >/dev/null
    head -c 67108865 /dev/zero > d/big
    mfsmount '$work/mnt2' -H $m -o mfspassword=secret >>'$work/mount.log' 2>&1 && cat '$work/mnt2/d/big' >/dev/null && umount '$work/mnt2'
    python3 -c 'import os; fd = os.open(\"d/f\", os.O_WRONLY | os.O_APPEND); os.write(fd, b\"more\"); os.fsync(fd); os.close(fd)'
    mv d/f d/g; ln -s target d/s; readlink d/s; ln d/g d/h; mkfifo d/q
    chmod 600 d/g; chown 1000:1000 d/g; touch -d 2020-01-01 d/g; truncate -s 3 d/g
    python3 -c 'import os; os.setxattr(\"d/g\", \"user.test\", b\"v\"); os.listxattr(\"d/g\"); os.removexattr(\"d/g\", \"user.test\")'
    flock d/g -c true
    python3 -c 'import fcntl, os; fd = os.open(\"d/g\", os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX, 10); fcntl.lockf(fd, fcntl.LOCK_UN, 10); os.close(fd)'
    mfsgetsclass d/g; mfssetsclass 2 d/g; mfsgettrashtime d/g; mfssettrashtime 0 d/g
    mfsdirinfo d; mfsfileinfo d/big; mfscheckfile d/big
    rm d/g d/h d/s d/q d/big; rmdir d; mkdir e; rmdir e; ls d 2>/dev/null || true
    cd /
    umount '$work/mnt'
" >"$work/workload.log" 2>&1 || { log "workload failed: $(tail -20 "$work/workload.log")"; exit 1; }
sleep 2

# ---------------------------------------------------------------- frames
kill -INT "${pids[0]}"; wait "${pids[0]}" || true
pids=()
tshark -r "$work/capture.pcapng" -Y "tcp.len > 0" -T fields -e tcp.stream -e frame.time_relative \
    -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.payload >"$work/segments.tsv"
mkdir -p "$out"
listing="${MOOSECLIENT_FRAME_LIST:-/tmp/mooseclient-frames.txt}"
python3 scripts/lib/moosefs-client-frames.py "$work/segments.tsv" "$out" "$listing"
log "fixtures written to $out ($(ls "$out" | grep -c '\.hex$') files); every frame is listed in $listing"
