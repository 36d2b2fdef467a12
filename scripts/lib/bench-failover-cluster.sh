# Sourced by scripts/bench-failover.sh for --cluster: the whole cluster's failover figures
# (issue "fail over by killing the active host"), through scripts/demo-failover.sh.
#
# How it samples: each row runs demo-failover.sh, which builds the cluster in network namespaces
# (two master hosts with announcers, a metalogger, three chunkservers, a client host), writes
# fsynced files through MooseFS's mfsmount (dd of 256 KiB, conv=fsync, one after another) and
# through MFSClient (mfsprobe: create + 64 KiB on every replica, one after another), and kills
# the active host silently (veth down, SIGKILL, namespace deleted). Per kill it reports kill ->
# the first mfsmount write begun after the kill that is acknowledged, and kill -> the first
# MFSClient write acknowledged by the new master. Hot rows: one cluster, --runs kills
# alternating hosts (each old host rejoins as a follower before the next kill). Cold rows:
# --runs clusters of one kill each (the standby is a metalogger whose hook starts the master).
# Every acknowledged file is compared byte for byte at the end of each cluster; "lost" counts
# acknowledged files missing or wrong.
#
# Needs: bin (the binaries), runs, intervals (comma list), standbys (comma list), json (0/1).

cluster_rows=()
cluster_json=()

# stats FILE: "median max" of the numbers in FILE (one per line).
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit } print v[int((NR + 1) / 2)], v[NR] }'; }

run_cluster_row() {
    local standby=$1 interval=$2 out lost=0 runs_done=0 i status
    local mount_times client_times
    mount_times=$(mktemp)
    client_times=$(mktemp)
    out=$(mktemp)
    if [ "$standby" = hot ]; then
        set -- 1
    else
        set -- $(seq 1 "$runs")
    fi
    for i in "$@"; do
        local kills=$runs
        [ "$standby" = cold ] && kills=1
        status=0
        MFS_BIN="$bin" bash scripts/demo-failover.sh --kills "$kills" --standby "$standby" --advert "$interval" --seconds 2 >"$out" 2>&1 ||
            status=$?
        if [ "$status" != 0 ]; then
            echo "bench-failover: demo-failover.sh failed ($standby, ${interval} ms advertisements):" >&2
            tail -n 30 "$out" >&2
            rm -f "$out" "$mount_times" "$client_times"
            return 1
        fi
        sed -n 's/.*kill -> first write acknowledged: mfsmount \([0-9]*\) ms.*/\1/p' "$out" >>"$mount_times"
        sed -n 's/.*MFSClient \([0-9]*\) ms (by the new master.*/\1/p' "$out" >>"$client_times"
        lost=$((lost + $(sed -n 's/.*lost or wrong \([0-9]*\).*/\1/p' "$out" | tail -1)))
        runs_done=$((runs_done + kills))
    done
    read -r cm cx < <(stats "$client_times")
    read -r mm mx < <(stats "$mount_times")
    cluster_rows+=("$(printf '| %-4s | %6s ms | %5s | %12s | %9s | %12s | %9s | %4s |' "$standby" "$interval" "$runs_done" "$cm ms" "$cx ms" "$mm ms" "$mx ms" "$lost")")
    cluster_json+=("{\"standby\":\"$standby\",\"advertMilliseconds\":$interval,\"kills\":$runs_done,\"mfsclient\":{\"medianMilliseconds\":$cm,\"maxMilliseconds\":$cx},\"mfsmount\":{\"medianMilliseconds\":$mm,\"maxMilliseconds\":$mx},\"lost\":$lost}")
    rm -f "$out" "$mount_times" "$client_times"
}

run_cluster_bench() {
    local standby interval
    for standby in ${standbys//,/ }; do
        for interval in ${intervals//,/ }; do
            echo "bench-failover: cluster, $standby standby, ${interval} ms advertisements, $runs kills" >&2
            run_cluster_row "$standby" "$interval" || return 1
        done
    done
    if [ "$json" = 1 ]; then
        (IFS=,; echo "[${cluster_json[*]}]")
    else
        echo "| standby | adverts | kills | MFSClient median | max | mfsmount median | max | lost |"
        echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
        printf '%s\n' "${cluster_rows[@]}"
    fi
}
