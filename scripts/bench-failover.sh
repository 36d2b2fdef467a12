#!/usr/bin/env bash
# Failover figures (DESIGN §10): kill of the active host → first successful client write through
# the virtual IP, and acknowledged changes lost per kill.
#
# How it samples: each run builds a fresh cluster in network namespaces (DESIGN §9, addresses in
# 169.254.0.0/16 only): host A runs the active mfsmaster and mfsannouncer (priority 200), host B
# a hot standby (mfsmaster follower + mfsannouncer, priority 100, TRACK_MASTER) or a cold one
# (mfsmetalogger + mfsannouncer whose promote hook restores and starts a master,
# MFS_COLD_STANDBY=1), host M a metalogger following both masters, host C a client (mfsprobe,
# MFSClient) that creates one file every 10 ms through the virtual IP, each create a call of its
# own (pipelined), each answer logged with its CLOCK_MONOTONIC time. SYNC_REPLICAS = 1,
# SYNC_DEGRADE = 0, the hooks scripts/mfs-promote and scripts/mfs-demote. Once C's creates are
# acknowledged, A dies silently at a random moment (0-999 ms later): its veth down, SIGKILL to
# every process in its namespace, the namespace deleted. The figure is the time from the cable
# going down to the first create acknowledged by B's master (epoch + 1); then 20 more creates,
# and every acknowledged create must be in B's metadata (POST /dump). Median and max over
# --runs kills per row; rows: hot and cold standby at 1 s and 100 ms advertisements.
#
#   sudo scripts/bench-failover.sh [--json] [--runs N] [--intervals MS,MS] [--standby hot,cold] [--large]
#   sudo scripts/bench-failover.sh --cluster [--json] [--runs N] [--intervals MS,MS] [--standby hot,cold]
#
# --cluster: the whole cluster instead (chunkservers, MooseFS's mfsmount and MFSClient writing
# fsynced files; scripts/lib/bench-failover-cluster.sh says how it samples).
#
# Environment: SWIFT_BIN_DIR=DIR takes the binaries from DIR instead of building them (release);
# MFS_BUILD_LOCK (default /tmp/swift-mfs-build.lock) serializes the build with others. Every
# namespace, process and directory a run makes is removed when it ends, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
usage() { echo "usage: $0 [--cluster] [--json] [--runs N] [--intervals MS,MS] [--standby hot,cold] [--large]" >&2; exit 2; }
large=0
cluster=0
json=0
runs=10
intervals=1000,100
standbys=hot,cold
while [ $# -gt 0 ]; do
    case "$1" in
        --json) args+=(--json); json=1 ;;
        --runs | --intervals | --standby)
            [ $# -ge 2 ] || usage
            args+=("$1" "$2")
            case "$1" in --runs) runs=$2 ;; --intervals) intervals=$2 ;; --standby) standbys=$2 ;; esac
            shift
            ;;
        --cluster) cluster=1 ;;
        --large) large=1 ;;
        *) usage ;;
    esac
    shift
done

log() { echo "bench-failover: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces)"; exit 1; }
command -v ip >/dev/null || { log "needs iproute2 (ip netns)"; exit 1; }

if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    bin="$SWIFT_BIN_DIR"
else
    products="mfsmaster mfsmetalogger mfsannouncer mfscli mfsmetarestore mfsprobe mfsworkload mfschunkserver FailoverBenchmarks"
    log "building $products (release)"
    # shellcheck disable=SC2016
    flock "${MFS_BUILD_LOCK:-/tmp/swift-mfs-build.lock}" bash -c \
        'for p in '"$products"'; do swift build -c release --product "$p" || exit 1; done' >&2
    bin=$(swift build -c release --show-bin-path)
fi
for binary in mfsmaster mfsmetalogger mfsannouncer mfscli mfsmetarestore mfsprobe mfsworkload mfschunkserver FailoverBenchmarks; do
    [ -x "$bin/$binary" ] || { log "$bin/$binary is missing"; exit 1; }
done

if [ "$cluster" = 1 ]; then
    [ "$large" = 0 ] || usage
    # shellcheck source=lib/bench-failover-cluster.sh
    . scripts/lib/bench-failover-cluster.sh
    run_cluster_bench
    exit $?
fi

if [ "$large" = 1 ]; then
    # --large: every cluster starts from 1 M inodes, and the metaloggers hold a snapshot of
    # them plus 100,000 changes after it (what a cold standby restores).
    preload=$(mktemp -d /tmp/bench-failover-preload.XXXXXX)
    trap 'rm -rf "$preload"' EXIT
    log "preloading: 1,000,000 inodes, then 100,000 changes (mfsworkload --snapshot-inodes)"
    "$bin/mfsworkload" --snapshot-inodes 1000000 "$preload" 100000 7 >&2
    args+=(--preload "$preload")
fi
"$bin/FailoverBenchmarks" --bin "$bin" --scripts "$PWD/scripts" "${args[@]}"
