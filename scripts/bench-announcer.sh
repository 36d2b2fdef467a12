#!/usr/bin/env bash
# Failover benchmark for mfsannouncer (issue 5): from SIGKILL of the master host to the first
# successful TCP connect to the VIP from a third host, at several advertisement intervals,
# beside the RFC's Master_Down_Interval and beside keepalived in the same setup.
#
#   sudo scripts/bench-announcer.sh [--json] [--runs N] [--intervals "1000 100 30"]
#
# Needs root, iproute2, python3, a built mfsannouncer (swift build) and, for the comparison,
# keepalived. Hosts are network namespaces on a bridge with no uplink, addresses in
# 169.254.0.0/16 only (DESIGN §9); everything is removed on exit, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10
intervals="1000 100 30"
json=0
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --runs) runs="$2"; shift ;;
        --intervals) intervals="$2"; shift ;;
        *) echo "usage: $0 [--json] [--runs N] [--intervals \"1000 100 30\"]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "bench-announcer: needs root (network namespaces)" >&2; exit 1; }
binary=""
for candidate in .build/release/mfsannouncer .build/debug/mfsannouncer; do
    [ -x "$candidate" ] && { binary=$(realpath "$candidate"); break; }
done
[ -n "$binary" ] || { echo "bench-announcer: build first (swift build)" >&2; exit 1; }
implementations="mfsannouncer"
command -v keepalived >/dev/null && implementations="${BENCH_IMPLEMENTATIONS:-mfsannouncer keepalived}"

prefix="mfsb$$"
work=$(mktemp -d "/tmp/$prefix.XXXX")
vip=169.254.100.1
port=7000

teardown() {
    for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
        for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
cleanup() { teardown; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Output piped into a reader that quit (`| head`): exit through the cleanup, not killed outright.
trap 'exit 141' PIPE

make_lab() {
    ip netns add "$prefix-sw"
    ip -n "$prefix-sw" link add br0 type bridge && ip -n "$prefix-sw" link set br0 up
    local i=10
    for h in a b c; do
        ip netns add "$prefix-$h"
        ip -n "$prefix-sw" link add "p$h" type veth peer name eth0 netns "$prefix-$h"
        ip -n "$prefix-sw" link set "p$h" master br0 up
        ip -n "$prefix-$h" addr add "169.254.0.$i/16" dev eth0
        ip -n "$prefix-$h" link set eth0 up && ip -n "$prefix-$h" link set lo up
        i=$((i + 1))
    done
    ip netns exec "$prefix-c" sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_accept; echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_accept'
    for h in a b; do
        ip netns exec "$prefix-$h" python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $port)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(b'$h\n'); c.close()" >/dev/null 2>&1 &
    done
}

start_router() { # implementation host priority interval_ms
    local impl=$1 h=$2 priority=$3 ms=$4
    if [ "$impl" = mfsannouncer ]; then
        printf 'INTERFACE = eth0\nVRID = 51\nPRIORITY = %s\nADVERT_INTERVAL_MS = %s\nVIRTUAL_IPS = %s/32\nSTATUS_FILE = %s/%s.status\nGARP_INTERVAL_MS = 20\n' \
            "$priority" "$ms" "$vip" "$work" "$h" > "$work/$h.cfg"
        ip netns exec "$prefix-$h" "$binary" -c "$work/$h.cfg" >> "$work/$h.log" 2>&1 &
    else
        local seconds
        seconds=$(python3 -c "print($ms / 1000)")
        cat > "$work/$h.conf" <<EOK
global_defs {
    router_id $prefix-$h
    vrrp_version 3
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $priority
    advert_int $seconds
    virtual_ipaddress {
        $vip/32
    }
}
EOK
        # Stale pid files make keepalived refuse to start when a pid was recycled.
        rm -f "$work/$h.pid" "$work/$h-vrrp.pid" "$work/$h-checkers.pid"
        ip netns exec "$prefix-$h" keepalived --dont-fork --log-console --vrrp -f "$work/$h.conf" \
            -p "$work/$h.pid" -r "$work/$h-vrrp.pid" -c "$work/$h-checkers.pid" >> "$work/$h.log" 2>&1 &
    fi
}

# Prints the realtime (s) of the first connect answered by host $1, or "timeout".
probe_until() {
    ip netns exec "$prefix-c" python3 -c "
import socket, time
end = time.time() + 15
while time.time() < end:
    try:
        c = socket.create_connection(('$vip', $port), timeout=0.05); c.settimeout(0.05)
        if c.recv(8).strip() == b'$1':
            print('%.6f' % time.time()); raise SystemExit
        c.close()
    except OSError:
        pass
    time.sleep(0.002)
print('timeout')"
}

has_vip() { ip -n "$prefix-$1" -4 -o addr show dev eth0 | grep -q " $vip/"; }

# One run: fresh lab, A (200) master, B (100) backup; kill A; time to B's answer in ms.
one_run() { # implementation interval_ms
    teardown
    make_lab
    start_router "$1" a 200 "$2"
    start_router "$1" b 100 "$2"
    local deadline=$((SECONDS + 20))
    until has_vip a && ! has_vip b; do
        [ $SECONDS -lt $deadline ] || { echo "timeout(start)" >&2; tail -n 8 "$work/a.log" "$work/b.log" >&2; ip -n "$prefix-a" -4 -o addr >&2; ip -n "$prefix-b" -4 -o addr >&2; echo timeout; return; }
        sleep 0.02
    done
    [ "$(probe_until a)" != timeout ] || { echo "timeout(reach A)" >&2; echo timeout; return; }
    sleep "$(python3 -c "print(min(3 * $2 / 1000, 2))")"  # let B learn A's interval
    probe_until b > "$work/answer" &
    local prober=$!
    # The kill lands at a random phase of the advertisement cycle, as a real crash does;
    # otherwise the sleep above would pick one phase and bias the comparison.
    sleep "$(python3 -c "import random; print(0.1 + random.uniform(0, $2 / 1000))")"
    # The host vanishes from the LAN at once (cable first), then its processes die.
    local killed=$EPOCHREALTIME
    ip -n "$prefix-sw" link set pa down
    for pid in $(ip netns pids "$prefix-a"); do kill -9 "$pid"; done
    wait "$prober" || true
    local answered
    answered=$(cat "$work/answer")
    [ "$answered" != timeout ] || { echo "timeout(reach B)" >&2; tail -5 "$work/b.log" >&2; echo timeout; return; }
    python3 -c "print(round(($answered - $killed) * 1000, 1))"
}

results=()
for ms in $intervals; do
    mdi=$(python3 -c "print(round(3 * $ms + (256 - 100) * $ms / 256, 1))")
    for impl in $implementations; do
        samples=()
        for _ in $(seq "$runs"); do samples+=("$(one_run "$impl" "$ms")"); done
        stats=$(printf '%s\n' "${samples[@]}" | python3 -c "
import statistics, sys
values = [float(v) for v in sys.stdin.read().split() if v != 'timeout']
failed = $runs - len(values)
print(round(statistics.median(values), 1) if values else 'nan', max(values) if values else 'nan', failed)")
        read -r median max failed <<< "$stats"
        results+=("$ms $impl $mdi $median $max $failed")
    done
done

if [ "$json" = 1 ]; then
    printf '%s\n' "${results[@]}" | python3 -c "
import json, sys
rows = [l.split() for l in sys.stdin.read().splitlines()]
print(json.dumps([dict(interval_ms=int(r[0]), implementation=r[1], master_down_interval_ms=float(r[2]),
    median_ms=float(r[3]), max_ms=float(r[4]), failed_runs=int(r[5]), runs=$runs) for r in rows], indent=2))"
else
    printf 'failover: SIGKILL of the master host -> first TCP answer via the VIP from a third host (%s runs each)\n' "$runs"
    printf '%-9s %-13s %12s %11s %9s %7s\n' interval implementation "MDI(B) ms" "median ms" "max ms" failed
    for row in "${results[@]}"; do
        read -r ms impl mdi median max failed <<< "$row"
        printf '%-9s %-13s %12s %11s %9s %7s\n' "${ms}ms" "$impl" "$mdi" "$median" "$max" "$failed"
    done
fi
