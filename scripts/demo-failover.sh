#!/usr/bin/env bash
# The failover demo (DESIGN §7, issue "fail over by killing the active host"): a whole cluster in
# network namespaces on this machine, a client writing through MooseFS's own mfsmount, the
# active master's host killed silently, the time until writes succeed again, the old host back
# as a follower, and every acknowledged file checked byte for byte.
#
#   sudo scripts/demo-failover.sh [--kills N] [--standby hot|cold] [--seconds S] [--advert MS] [--with-chunkserver]
#   sudo scripts/demo-failover.sh --partition SECONDS [--seconds S]
#
# --kills N     kill the active host N times (default 1), alternating hosts: each time the old
#               host comes back (a new namespace, the same address and disk) and rejoins as a
#               follower by itself before the next kill
# --standby     hot (default): mb runs a follower mfsmaster; cold: mb runs an mfsmetalogger and
#               its announcer's promote hook starts the master (MFS_COLD_STANDBY=1) at the first
#               kill; a host that comes back is a master host again (its mfsmaster unit)
# --seconds S   seconds of writes before each kill (default 4)
# --partition SECONDS  no kill: the active master's host is cut from the three chunkservers (not
#               from its follower, the metalogger or the client) for SECONDS, then healed. No
#               failover may happen (one active master, the same epoch, throughout), and nothing
#               acknowledged may be lost; writes may fail while no chunkserver is reachable.
# --advert MS   the announcers' advertisement interval (default 100 ms; keepalived's default is 1 s)
# --with-chunkserver  a chunkserver host (cs1, cs2, cs3 in turn) dies silently with each master
#               host and comes back (same disk) once writes go on, or after 15 s when a write
#               waits for it (its chunk may be there: CSNOTPRESENT, retried): every file
#               written before stays readable, from the other copies or from it once back
#
# Hosts (one network namespace each, on a bridge with no uplink, 169.254.77.0/24 only):
#   ma, mb   mfsmaster + mfsannouncer (ma starts active, priority 200; mb a hot standby, 100)
#   ml       mfsmetalogger, following both masters by their own addresses (a voter)
#   cs1-cs3  mfschunkserver, registering with the virtual IP 169.254.77.100
#   cl       two writers through the virtual IP: MooseFS's mfsmount (Debian moosefs-client)
#            with a loop creating files of 256 KiB and fsyncing each (dd conv=fsync: exit 0 is
#            an acknowledged file), and our MFSClient (mfsprobe: 64 KiB files one after another
#            on one session, each acknowledged once every replica has its bytes)
# Every daemon starts with the binary and flags of its systemd unit's ExecStart (systemd/*.service),
# `-c` pointing at that host's own configuration in the demo's directory.
#
# Environment: LAB_KEEP=1 keeps the demo's directory (configurations, data, logs) also on success;
# MFS_BIN=DIR takes the binaries from DIR instead of building them (release);
# MFS_DEMO_FLAGS adds flags to every daemon's command (e.g. -d for debug logs); MFS_DEMO_CAPTURE=1
# records the client's traffic on 9421 with tshark into cl.pcap in the demo's directory.
# Everything it makes (namespaces, processes, the mount, the directory) is removed on exit, also
# on Ctrl-C; the logs are kept on failure and their place is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=1
standby=hot
writes_before_kill=4
advert=100
with_chunkserver=0
partition=0
usage() {
    echo "usage: $0 [--kills N] [--standby hot|cold] [--seconds S] [--advert MS] [--with-chunkserver] | --partition SECONDS [--seconds S]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || usage; kills=$2; shift ;;
        --standby) [ $# -ge 2 ] && { [ "$2" = hot ] || [ "$2" = cold ]; } || usage; standby=$2; shift ;;
        --seconds) [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || usage; writes_before_kill=$2; shift ;;
        --advert) [ $# -ge 2 ] && [ "$2" -ge 10 ] 2>/dev/null || usage; advert=$2; shift ;;
        --with-chunkserver) with_chunkserver=1 ;;
        --partition) [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || usage; partition=$2; shift ;;
        *) usage ;;
    esac
    shift
done

say() { echo "$*"; }
fail() { echo "demo-failover: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, mfsmount)"
command -v ip >/dev/null || fail "needs iproute2 (ip netns)"
[ -x /usr/bin/mfsmount ] || fail "needs MooseFS's mfsmount: apt-get install moosefs-client fuse3"
[ -e /dev/fuse ] || fail "needs /dev/fuse"

if [ -n "${MFS_BIN:-}" ]; then
    bin=$MFS_BIN
else
    say "== building (release): mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfscli mfsmetarestore mfsprobe"
    for product in mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfscli mfsmetarestore mfsprobe; do
        flock /tmp/swift-mfs-build.lock swift build -c release --product "$product" >/dev/null
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

# Each daemon starts as systemd would: its unit's ExecStart (unit_command, scripts/lib/unit-command.sh)
# with the binary taken from $bin, niced as the unit says, and `-c` given the host's own
# configuration file.
# shellcheck source=lib/unit-command.sh
. scripts/lib/unit-command.sh

# start HOST DAEMON: the daemon's unit command in HOST's namespace, logging to HOST-DAEMON.log.
start() {
    local h=$1 daemon=$2
    unit_command --nice "$daemon" "$bin" "$work/$h/$daemon.cfg" || fail "cannot read the ExecStart of systemd/$daemon.service"
    in_ns "$h" setsid bash -c "exec $command_line ${MFS_DEMO_FLAGS:-}" >>"$work/$h-$daemon.log" 2>&1 </dev/null &
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
other_of() { if [ "$1" = ma ]; then echo mb; else echo ma; fi; }
master_cfg() {
    local h=$1 role=$2
    mkdir -p "$work/$h/data"
    cat >"$work/$h/mfsmaster.cfg" <<EOF
DATA_PATH = $work/$h/data
EXPORTS_FILENAME = $work/mfsexports.cfg
MASTER_ROLE = $role
MASTER_HOST = ${addr[$(other_of "$h")]}:9419
SYNC_REPLICAS = 1
SYNC_DEGRADE = 0
REPLICATIONS_DELAY_INIT = 0
EOF
}
# announcer_cfg HOST PRIORITY hot|cold: a cold host tracks no master (it has none running) and
# its promote hook starts one from the metalogger's files.
announcer_cfg() {
    local h=$1 priority=$2 kind=$3 env="MFS_STATUS=127.0.0.1:9428 MFS_BIN=$bin" track=""
    if [ "$kind" = cold ]; then
        env="$env MFS_COLD_STANDBY=1 MFS_DATA_PATH=$work/$h/data MFS_MASTER_START='sh $work/$h/start-master.sh'"
        unit_command --nice mfsmaster "$bin" "$work/$h/mfsmaster.cfg" || fail "cannot read the ExecStart of systemd/mfsmaster.service"
        printf 'setsid %s >>%s 2>&1 </dev/null &\n' "$command_line" "$work/$h-mfsmaster.log" >"$work/$h/start-master.sh"
    else
        track=$(printf 'TRACK_MASTER = http://127.0.0.1:9428/status\nTRACK_MASTER_INTERVAL_MS = 100')
    fi
    cat >"$work/$h/mfsannouncer.cfg" <<EOF
INTERFACE = eth0
VRID = 77
PRIORITY = $priority
PREEMPT = 0
ADVERT_INTERVAL_MS = $advert
VIRTUAL_IPS = $vip/32
GARP_COUNT = 3
GARP_INTERVAL_MS = 50
STATUS_FILE = $work/$h-announcer.status
PROMOTE_HOOK = $env bash $scripts/mfs-promote
DEMOTE_HOOK = $env bash $scripts/mfs-demote
HOOK_TIMEOUT = 30
$track
EOF
}
master_cfg ma active
master_cfg mb follower
announcer_cfg ma 200 hot
announcer_cfg mb 100 "$standby"
metalogger_cfg() {
    mkdir -p "$work/$1/data"
    printf 'DATA_PATH = %s\nMASTER_HOST = %s:9419,%s:9419\n' "$work/$1/data" "${addr[ma]}" "${addr[mb]}" >"$work/$1/mfsmetalogger.cfg"
}
metalogger_cfg ml
[ "$standby" = cold ] && metalogger_cfg mb
for h in cs1 cs2 cs3; do
    mkdir -p "$work/$h/data" "$work/$h/chunks"
    echo "$work/$h/chunks" >"$work/$h/mfshdd.cfg"
    printf 'DATA_PATH = %s\nHDD_CONF_FILENAME = %s\nHDD_LEAVE_SPACE_DEFAULT = 0\nMASTER_HOST = %s\nWORKING_USER = root\n' \
        "$work/$h/data" "$work/$h/mfshdd.cfg" "$vip" >"$work/$h/mfschunkserver.cfg"
done

# ------------------------------------------------------------------------------ the cluster
say "== the cluster in network namespaces ($prefix-*): masters ma, mb ($standby standby); metalogger ml; chunkservers cs1-3; client cl"
start ma mfsmaster
is_active() { [ "$(role_of "$1")" = active ]; }
wait_for 30 "ma's master is active" is_active ma
if [ "$standby" = hot ]; then start mb mfsmaster; else start mb mfsmetalogger; fi
start ml mfsmetalogger
# in_step HOST N: HOST's master is active with N peers, each in step.
in_step() { [ "$(status_json "$1" | grep -c '"inStep" : true')" -ge "$2" ]; }
wait_for 60 "ma's peers are in step" in_step ma 2
start ma mfsannouncer
holds_vip() { ip -n "$(ns "$1")" -4 -o addr show dev eth0 2>/dev/null | grep -q " $vip/"; }
wait_for 10 "ma holds the virtual IP" holds_vip ma
start mb mfsannouncer
for h in cs1 cs2 cs3; do start "$h" mfschunkserver; done
registered() { [ "$(in_ns "$1" "$bin/mfscli" -H 127.0.0.1:9428 2>/dev/null | grep -c '^chunkserver .* registered')" -ge 3 ]; }
wait_for 30 "three chunkservers registered" registered ma
in_ns ma "$bin/mfscli" -H 127.0.0.1:9428 | grep -E '^(role|epoch|peer|chunkserver)' | sed 's/^/   /'

# ------------------------------------------------------------------------------ the writers
say "== on cl: mfsmount through the virtual IP $vip (dd of 256 KiB files, conv=fsync) and MFSClient (mfsprobe: 64 KiB files on every replica)"
mkdir -p "$mnt" "$work/src"
: >"$work/acknowledged"
: >"$work/failed"
# `ip netns exec` gives each command a mount namespace of its own: the mount, the writes and the
# unmount happen in one shell on cl. Each line of `acknowledged`: NAME BEGAN ENDED (ns).
cat >"$work/writer-mount.sh" <<EOF
mfsmount "$mnt" -H "$vip" -o mfscachemode=DIRECT,mfsioretries=60 >>"$work/cl-mfsmount.log" 2>&1 || exit 1
mkdir -p "$mnt/w"
touch "$work/mounted"
i=0
while [ ! -e "$work/stop" ]; do
    i=\$((i + 1))
    head -c 262144 /dev/urandom >"$work/src/m\$i"
    began=\$(date +%s%N)
    if dd if="$work/src/m\$i" of="$mnt/w/m\$i" bs=65536 conv=fsync status=none 2>"$work/err.m"; then
        echo "m\$i \$began \$(date +%s%N)" >>"$work/acknowledged"
    else
        echo "m\$i \$began \$(date +%s%N) \$(tr '\n' ' ' <"$work/err.m")" >>"$work/failed"
    fi
done
umount "$mnt"
EOF
if [ -n "${MFS_DEMO_CAPTURE:-}" ]; then
    in_ns cl tshark -q -i eth0 -f "tcp port 9421" -w "$work/cl.pcap" >/dev/null 2>&1 &
    pids+=($!)
    sleep 1
fi
in_ns cl bash "$work/writer-mount.sh" &
mount_writer=$!
wait_for 30 "mfsmount on cl (see $work/cl-mfsmount.log)" test -e "$work/mounted"
# MFSClient: mfsprobe writes 64 KiB files one after another on one session (create, open,
# write through the chunkservers, release); each `ok` line is an acknowledged file.
ip netns exec "$(ns cl)" "$bin/mfsprobe" -H "$vip:9421" --prefix c --bytes 65536 --keep "$work/src" --retry-seconds 60 \
    >"$work/client.log" 2>"$work/cl-mfsprobe.log" &
client_writer=$!

# ------------------------------------------------------------------------- the host deaths
# kill_host HOST: DESIGN §9's silent death: its cable down, SIGKILL to everything on it, its
# namespace deleted. Sets `killed` (wall clock, ns) and `monotonic` (CLOCK_MONOTONIC, ns): when.
declare -A link=([ma]="$prefix-ma" [mb]="$prefix-mb" [cs1]="$prefix-cs1" [cs2]="$prefix-cs2" [cs3]="$prefix-cs3")
kill_host() {
    local h=$1 pid
    read -r killed monotonic < <(python3 -c 'import time; print(time.time_ns(), time.monotonic_ns())')
    ip -n "$prefix-br" link set "${link[$h]}" down
    for pid in $(ip netns pids "$(ns "$h")"); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$(ns "$h")"
}
# first_after KILLED: the end time of the first write through the mount begun after KILLED.
first_after() { awk -v k="$1" '$2 > k { print $3; exit }' "$work/acknowledged"; }
# first_in_epoch EPOCH: the monotonic time of the first MFSClient write acknowledged in EPOCH or later.
first_in_epoch() { awk -v e="$1" '$2 == "ok" && $4 >= e { print $1; exit }' "$work/client.log"; }
epoch_of() { status_json "$1" | sed -n 's/^  "epoch" : \([0-9]*\).*/\1/p'; }
follows() { [ "$(role_of "$1")" = follower ] && in_step "$2" 2; }

# cut_chunkservers add|del: the active master ma and cs1-cs3 lose each other (blackhole routes
# both ways, the virtual IP included): packets are dropped, nothing is refused.
cut_chunkservers() {
    local h
    for h in cs1 cs2 cs3; do
        ip -n "$(ns ma)" route "$1" blackhole "${addr[$h]}/32"
        ip -n "$(ns "$h")" route "$1" blackhole "${addr[ma]}/32"
        ip -n "$(ns "$h")" route "$1" blackhole "$vip/32"
    done
}

# bring_back_chunkserver: the chunkserver host killed this round comes back (same disk) and
# registers with the new active master.
bring_back_chunkserver() {
    say "   $chunkserver's host comes back (same disk): it registers its chunks with the new active master"
    link[$chunkserver]="$prefix-$chunkserver-$round"
    add_host "$chunkserver" "${link[$chunkserver]}"
    start "$chunkserver" mfschunkserver
    wait_for 30 "three chunkservers registered with $standby_host" registered "$standby_host"
}

active=ma
times=()
if [ "$partition" -gt 0 ]; then
    kills=0
    sleep "$writes_before_kill"
    epoch=$(epoch_of ma)
    say "== the active master's host ma is cut from the chunkservers for $partition s (not from mb, ml or the client)"
    cut_chunkservers add
    roles=""
    deadline=$((SECONDS + partition))
    while [ "$SECONDS" -lt "$deadline" ]; do
        roles="$roles $(role_of ma)/$(role_of mb)"
        sleep 0.2
    done
    cut_chunkservers del
    say "   healed: ma $(role_of ma) (epoch $(epoch_of ma)), mb $(role_of mb); roles seen during the cut (ma/mb):$(echo "$roles" | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
    echo "$roles" | tr ' ' '\n' | grep -q "active/active" && fail "two active masters during the partition"
    [ "$(epoch_of ma)" = "$epoch" ] && is_active ma || fail "the partition from the chunkservers moved the active role"
    wait_for 30 "three chunkservers registered with ma again" registered ma
    sleep "$writes_before_kill"
fi
for round in $(seq 1 "$kills"); do
    sleep "$writes_before_kill"
    standby_host=$(other_of "$active")
    say "== kill $round of $kills: the active host $active dies silently (cable down, SIGKILL to everything on it, namespace deleted)"
    epoch=$(epoch_of "$active")
    kill_host "$active"
    if [ "$with_chunkserver" = 1 ]; then
        chunkserver=cs$(((round - 1) % 3 + 1))
        say "   and the chunkserver host $chunkserver with it"
        master_killed=$killed master_monotonic=$monotonic
        kill_host "$chunkserver"
        killed=$master_killed monotonic=$master_monotonic
    fi
    deadline=$((SECONDS + 60))
    chunkserver_back=$((SECONDS + 15))
    until [ -n "$(first_after "$killed")" ] && [ -n "$(first_in_epoch $((epoch + 1)))" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { show_logs; fail "no write through both clients within 60 s of kill $round"; }
        if [ "$with_chunkserver" = 1 ] && [ "$chunkserver_back" -gt 0 ] && [ "$SECONDS" -ge "$chunkserver_back" ]; then
            # A write whose chunk may be on the dead chunkserver waits for it (CSNOTPRESENT,
            # which mfsmount retries): a chunk that had a copy there, or one whose create the
            # old master may have sent there. An operator brings the host back (or removes it
            # with mfscli remove-chunkserver); here it comes back after 15 s.
            say "   writes wait for $chunkserver (a chunk that may be there): its host is brought back after 15 s"
            bring_back_chunkserver
            chunkserver_back=0
        fi
        sleep 0.05
    done
    mount_ms=$((($(first_after "$killed") - killed) / 1000000))
    client_ms=$((($(first_in_epoch $((epoch + 1))) - monotonic) / 1000000))
    times+=("$mount_ms")
    say "   kill -> first write acknowledged: mfsmount $mount_ms ms (begun after the kill: create + 256 KiB + fsync), MFSClient $client_ms ms (by the new master: create + 64 KiB on every replica)"
    say "   active now: $standby_host ($(role_of "$standby_host"), epoch $(epoch_of "$standby_host")); the virtual IP there: $(holds_vip "$standby_host" && echo yes || echo no)"
    if [ "$with_chunkserver" = 1 ] && [ "$chunkserver_back" -gt 0 ]; then
        bring_back_chunkserver
    fi
    say "   $active's host comes back (new namespace, same address and disk): mfsmaster and mfsannouncer as their units start them"
    link[$active]="$prefix-$active$round"
    add_host "$active" "${link[$active]}"
    master_cfg "$active" active
    announcer_cfg "$active" "$([ "$active" = ma ] && echo 200 || echo 100)" hot
    start "$active" mfsmaster
    wait_for 60 "$active rejoins as a follower of $standby_host" follows "$active" "$standby_host"
    start "$active" mfsannouncer
    say "   $active: $(role_of "$active"), $standby_host: $(role_of "$standby_host"), both peers of $standby_host in step"
    active=$standby_host
done

# The mount's writer ends its file, unmounts and exits; mfsprobe is stopped mid-file (that
# file is not acknowledged, and not counted).
touch "$work/stop"
wait "$mount_writer" 2>/dev/null || true
kill -TERM "$client_writer" 2>/dev/null || true
wait "$client_writer" 2>/dev/null || true
# The MFSClient writer's files in the same lists: acknowledged at the root, failures with reasons.
awk '$2 == "ok" { print $3, "-", $1 }' "$work/client.log" | sed 's#^#/#' >>"$work/acknowledged"
awk '$2 == "failed"' "$work/client.log" >>"$work/failed"
acked=$(wc -l <"$work/acknowledged")
failed=$(wc -l <"$work/failed")
say "== the writers stopped: $acked files acknowledged ($(grep -c '^m' "$work/acknowledged") through mfsmount, $(grep -c '^/c' "$work/acknowledged") through MFSClient), $failed writes failed"
[ "$failed" -eq 0 ] || sed 's/^/   failed: /' "$work/failed" | head -5

say "== check: every acknowledged file, byte for byte, through a fresh mount"
cat >"$work/verify.sh" <<EOF
mfsmount "$mnt" -H "$vip" -o mfscachemode=DIRECT >>"$work/cl-mfsmount.log" 2>&1 || exit 1
while read -r name _; do
    case "\$name" in
        /*) cmp -s "$work/src\$name" "$mnt\$name" || echo "\$name" ;;
        *) cmp -s "$work/src/\$name" "$mnt/w/\$name" || echo "\$name" ;;
    esac
done <"$work/acknowledged" >"$work/bad"
umount "$mnt"
EOF
in_ns cl bash "$work/verify.sh" || fail "mfsmount failed (see $work/cl-mfsmount.log)"
bad=$(wc -l <"$work/bad")
[ "$bad" -eq 0 ] || sed 's/^/   DIFFERENT or missing: /' "$work/bad" | head -5 >&2
say "   acknowledged $acked, identical $((acked - bad)), lost or wrong $bad"
in_ns "$active" "$bin/mfscli" -H 127.0.0.1:9428 | grep -E '^(role|epoch|peer|chunkserver|chunks)' | sed 's/^/   /'
if [ "$kills" -gt 0 ]; then
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    say "   kill -> first write through mfsmount over $kills kill(s): median $(echo "$sorted" | sed -n "$(((kills + 1) / 2))p") ms, max $(echo "$sorted" | tail -1) ms"
fi
[ "$bad" -eq 0 ] || fail "acknowledged files lost or wrong; logs in $work"
[ "$failed" -eq 0 ] || [ "$partition" -gt 0 ] || fail "the clients saw errors; logs in $work"
# The logs outlive the demo's directory (removed on exit).
logs=$(mktemp -d /tmp/mfs-demo-failover-logs.XXXXXX)
cp "$work"/*.log "$logs"/
say "   every daemon's log: $logs"
if [ "$partition" -gt 0 ]; then
    say "== done: one active master throughout, no acknowledged file lost ($failed writes refused during the cut)"
else
    say "== done: no acknowledged file lost, no client error"
fi
