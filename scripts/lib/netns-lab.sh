# Sourced by the capture scripts: a lab of network namespaces (DESIGN §9).
#
# make_lab: namespaces $prefix-br (a bridge with no uplink) and $prefix-HOST for each HOST in
# the array `hosts`, each with a veth pair onto the bridge and the address ${addr[HOST]}/24.
# stop_ns NS: SIGTERM then SIGKILL to every process in that namespace (all started by us).

make_lab() {
    local h
    ip netns add "$prefix-br"
    ip -n "$prefix-br" link add br0 type bridge
    ip -n "$prefix-br" link set br0 up
    unfilter_bridge "$prefix-br"
    for h in "${hosts[@]}"; do add_host "$h"; done
}

# unfilter_bridge NS: the bridges in namespace NS stop passing their frames through iptables.
# Where the br_netfilter module is loaded (Docker loads it), every frame between two lab hosts
# also goes through the netfilter hooks, which halved what a TCP stream between two namespaces
# carries on the benchmark machine (iperf3: 1.3 GB/s with the hooks, 2.3 GB/s without,
# docs/BENCHMARKS-DATA.md): a lab bridge stands for a switch, which filters nothing. The setting
# is per namespace (Linux 5.3 and later), so the host's own bridges keep theirs; without the
# module there is nothing to turn off.
unfilter_bridge() {
    local key
    for key in iptables ip6tables arptables; do
        [ -e "/proc/sys/net/bridge/bridge-nf-call-$key" ] || continue
        ip netns exec "$1" sysctl -qw "net.bridge.bridge-nf-call-$key=0" 2>/dev/null || true
    done
}

# add_host HOST [LINK]: the namespace $prefix-HOST with a veth onto the bridge (named LINK there,
# default $prefix-HOST) and ${addr[HOST]}/24: make_lab's step for each host, and a killed host
# coming back (under a new LINK: the old one lives on while the dead namespace's orphaned TCP
# sockets hold it).
add_host() {
    local h="$1" link="${2:-$prefix-$1}" mac
    # The MAC follows from the address, so a host that comes back is the same host to its
    # neighbours' ARP caches (as a rebooted machine is), not a stranger behind a stale entry.
    mac=$(printf '02:00:%02x:%02x:%02x:%02x' ${addr[$h]//./ })
    ip netns add "$prefix-$h"
    ip -n "$prefix-$h" link set lo up
    ip link add "$link" type veth peer name eth0 netns "$prefix-$h" address "$mac"
    ip link set "$link" netns "$prefix-br"
    ip -n "$prefix-br" link set "$link" master br0 up
    ip -n "$prefix-$h" addr add "${addr[$h]}/24" dev eth0
    ip -n "$prefix-$h" link set eth0 up
}

stop_ns() {
    local ns="$1" pid
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
}

# lab_cleanup (the EXIT trap, installed by lab_traps): unmounts each path in the array
# `lab_mounts`, stops every process in the host namespaces (last host first) and the PIDs in
# `pids` (tshark), deletes the namespaces, and removes $work unless the script failed or
# LAB_KEEP=1.
lab_cleanup() {
    local status=$? pid h i
    set +e
    for h in "${lab_mounts[@]}"; do umount -l "$h" 2>/dev/null; done
    for ((i = ${#hosts[@]} - 1; i >= 0; i--)); do stop_ns "$prefix-${hosts[$i]}"; done
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    stop_ns "$prefix-br"
    for h in "${hosts[@]}" br; do ip netns del "$prefix-$h" 2>/dev/null; done
    if [ "$status" = 0 ] && [ "${LAB_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "$(basename "$0"): left $work for inspection" >&2; fi
    exit "$status"
}

lab_traps() {
    trap lab_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Output piped into a reader that quit (`| head`): without this the first write after
    # would kill the script outright, leaving its namespaces and daemons behind.
    trap 'exit 141' PIPE
}
