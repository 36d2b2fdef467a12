#!/usr/bin/env bash
# The failover demo (DESIGN §7, issue "fail over by killing the active host"): a whole cluster in
# network namespaces on this machine, a client writing through MooseFS's own mfsmount, the
# active master's host killed silently, the time until writes succeed again, the old host back
# as a follower, and every acknowledged file checked byte for byte.
#
#   sudo scripts/demo-failover.sh [SECONDS_OF_WRITES_BEFORE_THE_KILL]
#
# Hosts (one network namespace each, on a bridge with no uplink, 169.254.77.0/24 only):
#   ma, mb   mfsmaster + mfsannouncer (ma starts active, priority 200; mb a hot standby, 100)
#   ml       mfsmetalogger, following both masters by their own addresses (a voter)
#   cs1-cs3  mfschunkserver, registering with the virtual IP 169.254.77.100
#   cl       MooseFS's mfsmount (Debian moosefs-client) on the virtual IP; a writer that creates
#            files of 256 KiB and fsyncs each (dd conv=fsync): exit 0 = acknowledged
# Every daemon starts with the binary and flags of its systemd unit's ExecStart (systemd/*.service),
# `-c` pointing at that host's own configuration in the demo's directory.
#
# Environment: MFS_BIN=DIR takes the binaries from DIR instead of building them (release);
# MFS_DEMO_FLAGS adds flags to every daemon's command (e.g. -d for debug logs); MFS_DEMO_CAPTURE=1
# records the client's traffic on 9421 with tshark into cl.pcap in the demo's directory.
# Everything it makes (namespaces, processes, the mount, the directory) is removed on exit, also
# on Ctrl-C; the logs are kept on failure and their place is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
writes_before_kill=${1:-4}

say() { echo "$*"; }
fail() { echo "demo-failover: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, mfsmount)"
command -v ip >/dev/null || fail "needs iproute2 (ip netns)"
[ -x /usr/bin/mfsmount ] || fail "needs MooseFS's mfsmount: apt-get install moosefs-client fuse3"
[ -e /dev/fuse ] || fail "needs /dev/fuse"

if [ -n "${MFS_BIN:-}" ]; then
    bin=$MFS_BIN
else
    say "== building (release): mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfscli"
    for product in mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfscli; do
        swift build -c release --product "$product" >/dev/null
    done
    bin=$(swift build -c release --show-bin-path)
fi
scripts=$PWD/scripts

prefix=mfsd$((RANDOM % 10000))
hosts=(ma mb ml cs1 cs2 cs3 cl)
declare -A addr=([ma]=169.254.77.1 [mb]=169.254.77.2 [ml]=169.254.77.3 [cs1]=169.254.77.11 [cs2]=169.254.77.12
    [cs3]=169.254.77.13 [cl]=169.254.77.20)
vip=169.254.77.100
work=$(mktemp -d /tmp/mfs-demo-failover.XXXXXX)
mnt=$work/mnt
lab_mounts=()
pids=()
# shellcheck source=lib/netns-lab.sh
. scripts/lib/netns-lab.sh
lab_traps
make_lab

ns() { echo "$prefix-$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
now_ns() { date +%s%N; }

# The command line of a unit's ExecStart with the binary taken from $bin and `-c` given the host's
# own configuration file (so the demo starts each daemon as systemd would).
unit_command() {
    local unit=$1 cfg=$2 line exe rest
    line=$(sed -n 's/^ExecStart=//p' "systemd/$unit.service")
    [ -n "$line" ] || fail "systemd/$unit.service has no ExecStart"
    exe=${line%% *}
    rest=${line#"$exe"}
    # shellcheck disable=SC2001
    rest=$(echo "$rest" | sed "s#-c [^ ]*#-c $cfg#")
    echo "$bin/$(basename "$exe")$rest"
}

# start HOST DAEMON: the daemon's unit command in HOST's namespace, logging to HOST-DAEMON.log.
start() {
    local h=$1 daemon=$2 cmd
    cmd="$(unit_command "$daemon" "$work/$h/$daemon.cfg") ${MFS_DEMO_FLAGS:-}"
    # shellcheck disable=SC2086
    in_ns "$h" setsid $cmd >>"$work/$h-$daemon.log" 2>&1 </dev/null &
}

status_json() { in_ns "$1" "$bin/mfscli" -H 127.0.0.1:9428 --json --timeout 1 2>/dev/null; }
role_of() { status_json "$1" | sed -n 's/^  "role" : "\([a-z]*\)".*/\1/p'; }
wait_for() {
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || { show_logs; fail "timed out: $what"; }
        sleep 0.1
    done
}
show_logs() {
    local f
    for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
}

# ------------------------------------------------------------------ configuration, host by host
echo "*  /  rw,alldirs,maproot=0" >"$work/mfsexports.cfg"
master_cfg() {
    local h=$1 other=$2 role=$3
    mkdir -p "$work/$h/data"
    cat >"$work/$h/mfsmaster.cfg" <<EOF
DATA_PATH = $work/$h/data
EXPORTS_FILENAME = $work/mfsexports.cfg
MASTER_ROLE = $role
MASTER_HOST = ${addr[$other]}:9419
SYNC_REPLICAS = 1
SYNC_DEGRADE = 0
REPLICATIONS_DELAY_INIT = 0
EOF
}
announcer_cfg() {
    local h=$1 priority=$2 env="MFS_STATUS=127.0.0.1:9428 MFS_BIN=$bin"
    cat >"$work/$h/mfsannouncer.cfg" <<EOF
INTERFACE = eth0
VRID = 77
PRIORITY = $priority
PREEMPT = 0
ADVERT_INTERVAL_MS = 100
VIRTUAL_IPS = $vip/32
GARP_COUNT = 3
GARP_INTERVAL_MS = 50
STATUS_FILE = $work/$h-announcer.status
TRACK_MASTER = http://127.0.0.1:9428/status
TRACK_MASTER_INTERVAL_MS = 100
PROMOTE_HOOK = $env bash $scripts/mfs-promote
DEMOTE_HOOK = $env bash $scripts/mfs-demote
HOOK_TIMEOUT = 30
EOF
}
master_cfg ma mb active
master_cfg mb ma follower
announcer_cfg ma 200
announcer_cfg mb 100
mkdir -p "$work/ml/data"
printf 'DATA_PATH = %s\nMASTER_HOST = %s:9419,%s:9419\n' "$work/ml/data" "${addr[ma]}" "${addr[mb]}" >"$work/ml/mfsmetalogger.cfg"
for h in cs1 cs2 cs3; do
    mkdir -p "$work/$h/data" "$work/$h/chunks"
    echo "$work/$h/chunks" >"$work/$h/mfshdd.cfg"
    printf 'DATA_PATH = %s\nHDD_CONF_FILENAME = %s\nHDD_LEAVE_SPACE_DEFAULT = 0\nMASTER_HOST = %s\nWORKING_USER = root\n' \
        "$work/$h/data" "$work/$h/mfshdd.cfg" "$vip" >"$work/$h/mfschunkserver.cfg"
done

# ------------------------------------------------------------------------------ the cluster
say "== the cluster in network namespaces ($prefix-*): masters ma, mb; metalogger ml; chunkservers cs1-3; client cl"
start ma mfsmaster
is_active() { [ "$(role_of "$1")" = active ]; }
wait_for 30 "ma's master is active" is_active ma
start mb mfsmaster
start ml mfsmetalogger
in_peers() { [ "$(status_json ma | grep -c '"inStep" : true')" -ge 2 ]; }
wait_for 60 "ma's follower and metalogger are in step" in_peers
start ma mfsannouncer
holds_vip() { ip -n "$(ns "$1")" -4 -o addr show dev eth0 2>/dev/null | grep -q " $vip/"; }
wait_for 10 "ma holds the virtual IP" holds_vip ma
start mb mfsannouncer
for h in cs1 cs2 cs3; do start "$h" mfschunkserver; done
registered() { [ "$(in_ns ma "$bin/mfscli" -H 127.0.0.1:9428 2>/dev/null | grep -c '^chunkserver .* registered')" -ge 3 ]; }
wait_for 30 "three chunkservers registered" registered
in_ns ma "$bin/mfscli" -H 127.0.0.1:9428 | grep -E '^(role|epoch|peer|chunkserver)' | sed 's/^/   /'

say "== mfsmount on cl through the virtual IP $vip; a writer creates and fsyncs 256 KiB files"
mkdir -p "$mnt" "$work/src"
# `ip netns exec` gives each command a mount namespace of its own: the mount, the writes and the
# unmount happen in one shell on cl.
cat >"$work/writer.sh" <<EOF
mfsmount "$mnt" -H "$vip" -o mfscachemode=DIRECT,mfsioretries=60 >>"$work/cl-mfsmount.log" 2>&1 || exit 1
mkdir -p "$mnt/w"
touch "$work/mounted"
i=0
while [ ! -e "$work/stop" ]; do
    i=\$((i + 1))
    head -c 262144 /dev/urandom >"$work/src/f\$i"
    began=\$(date +%s%N)
    if dd if="$work/src/f\$i" of="$mnt/w/f\$i" bs=65536 conv=fsync status=none 2>"$work/err"; then
        echo "f\$i \$began \$(date +%s%N)" >>"$work/acknowledged"
    else
        echo "f\$i \$began \$(date +%s%N) \$(tr '\n' ' ' <"$work/err")" >>"$work/failed"
    fi
done
umount "$mnt"
EOF
: >"$work/acknowledged"
: >"$work/failed"
if [ -n "${MFS_DEMO_CAPTURE:-}" ]; then
    in_ns cl tshark -q -i eth0 -f "tcp port 9421" -w "$work/cl.pcap" >/dev/null 2>&1 &
    pids+=($!)
    sleep 1
fi
in_ns cl bash "$work/writer.sh" &
writer=$!
pids+=("$writer")
wait_for 30 "mfsmount on cl (see $work/cl-mfsmount.log)" test -e "$work/mounted"
sleep "$writes_before_kill"
before=$(wc -l <"$work/acknowledged")
say "   $before files acknowledged so far"

# ------------------------------------------------------------------------- the host dies
say "== killing the active host ma silently: its cable down, SIGKILL to everything on it, its namespace deleted"
killed=$(now_ns)
ip -n "$prefix-br" link set "$prefix-ma" down
for pid in $(ip netns pids "$(ns ma)"); do kill -KILL "$pid" 2>/dev/null || true; done
ip netns del "$(ns ma)"
first=""
deadline=$((SECONDS + 60))
while [ -z "$first" ]; do
    first=$(awk -v k="$killed" '$2 > k { print $3; exit }' "$work/acknowledged")
    [ -n "$first" ] && break
    [ "$SECONDS" -lt "$deadline" ] || { show_logs; fail "no write succeeded within 60 s of the kill"; }
    sleep 0.05
done
say "   kill -> first write (create + 256 KiB + fsync) begun after the kill and acknowledged: $(((first - killed) / 1000000)) ms"
say "   active now: mb ($(role_of mb)), epoch $(status_json mb | sed -n 's/^  "epoch" : \([0-9]*\).*/\1/p'); the virtual IP on mb: $(holds_vip mb && echo yes || echo no)"
sleep 2

# ------------------------------------------------------------------------ the old host back
say "== ma's host comes back (new namespace, same address): mfsmaster and mfsannouncer as their units start them"
add_host ma "$prefix-ma2"
start ma mfsmaster
follows() { [ "$(role_of ma)" = follower ] && status_json mb | grep -q '"role" : "follower"'; }
wait_for 60 "ma rejoins as a follower of mb" follows
start ma mfsannouncer
say "   ma: $(role_of ma), mb: $(role_of mb)"
sleep 1

touch "$work/stop"
wait "$writer" 2>/dev/null || true
pids=()
acked=$(wc -l <"$work/acknowledged")
failed=$(wc -l <"$work/failed")
say "== the writer stopped: $acked files acknowledged, $failed writes failed"
[ "$failed" -eq 0 ] || { sed 's/^/   failed: /' "$work/failed" | head -5; }

say "== check: every acknowledged file, byte for byte, through a fresh mount"
cat >"$work/verify.sh" <<EOF
mfsmount "$mnt" -H "$vip" -o mfscachemode=DIRECT >>"$work/cl-mfsmount.log" 2>&1 || exit 1
while read -r name _; do
    cmp -s "$work/src/\$name" "$mnt/w/\$name" || echo "\$name"
done <"$work/acknowledged" >"$work/bad"
umount "$mnt"
EOF
in_ns cl bash "$work/verify.sh" || fail "mfsmount failed (see $work/cl-mfsmount.log)"
bad=$(wc -l <"$work/bad")
[ "$bad" -eq 0 ] || sed 's/^/   DIFFERENT or missing: /' "$work/bad" | head -5 >&2
say "   acknowledged $acked, identical $((acked - bad)), lost or wrong $bad"
in_ns mb "$bin/mfscli" -H 127.0.0.1:9428 | grep -E '^(role|epoch|peer|chunkserver|chunks)' | sed 's/^/   /'
[ "$bad" -eq 0 ] || fail "acknowledged files lost or wrong; logs in $work"
[ "$failed" -eq 0 ] || fail "the client saw errors; logs in $work"
say "== done"
