#!/usr/bin/env bash
# Replication figures (issue 4): on loopback, an active master (CHANGELOG_SAVE_MODE 2) with a
# follower master and a metalogger; 64 clients create files as fast as the master answers
# (MasterBenchmarks, one request at a time per client). Once each with SYNC_REPLICAS 0, 1 and 2:
# - creates/s (and mkdirs/s), and the share of the asynchronous (SYNC_REPLICAS 0) rate;
# - each peer's lag: milliseconds from a change's append on the master to the peer's
#   acknowledgement (p50/p99 over its last 4,096 acknowledgements, from /status), and versions
#   behind (p50/p99 of /status samples taken every 20 ms during the run).
# Reach: p99 lag <= 10 ms; SYNC_REPLICAS 1 keeps >= 50 % of the asynchronous rate.
#
#   scripts/bench-replication.sh [--json] [--ops N] [--clients N]     (default 60000 ops, 64 clients)
#
# Environment: SWIFT_BIN_DIR=DIR takes mfsmaster, mfsmetalogger and MasterBenchmarks from DIR
# instead of building them (release). Every process is stopped by PID, directories removed.
set -euo pipefail
cd "$(dirname "$0")/.."

ops=60000
clients=64
json=0
usage() { echo "usage: $0 [--json] [--ops N] [--clients N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --ops) [ $# -ge 2 ] || usage; ops="$2"; shift ;;
        --clients) [ $# -ge 2 ] || usage; clients="$2"; shift ;;
        *) usage ;;
    esac
    shift
done

log() { echo "bench-replication: $*" >&2; }

# shellcheck source=lib/cleanup.sh
. scripts/lib/cleanup.sh
work=$(mktemp -d /tmp/bench-replication.XXXXXX)
pids=()
stop_all() {
    stop_pids "${pids[@]}"
    pids=()
}
remove_on_exit "$work" stop_all

if [ -n "${SWIFT_BIN_DIR:-}" ]; then
    bin="$SWIFT_BIN_DIR"
else
    log "building mfsmaster, mfsmetalogger and MasterBenchmarks (release)"
    flock /tmp/swift-mfs-build.lock bash -c 'swift build -c release --product mfsmaster && swift build -c release --product mfsmetalogger \
        && swift build -c release --product MasterBenchmarks' >&2
    bin=$(swift build -c release --show-bin-path)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# master_config DIR PEER_PORT CLIENT_PORT STATUS_PORT SYNC_REPLICAS [EXTRA LINES]
master_config() {
    mkdir -p "$1/data"
    echo '127.0.0.1  /  rw,alldirs,maproot=0' >"$1/mfsexports.cfg"
    cat >"$1/mfsmaster.cfg" <<CFG
DATA_PATH = $1/data
EXPORTS_FILENAME = $1/mfsexports.cfg
CHANGELOG_SAVE_MODE = 2
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = $3
STATUS_LISTEN_HOST = 127.0.0.1
STATUS_LISTEN_PORT = $4
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = $2
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = 0
SYNC_REPLICAS = $5
SYNC_TIMEOUT = 10s
${6:-}
CFG
}

wait_for() { # FILE TEXT PID
    for _ in $(seq 1 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

results="$work/results.jsonl"
: >"$results"
for k in 0 1 2; do
    run="$work/k$k"
    mkdir -p "$run"
    a_peer=$(free_port); a_client=$(free_port); a_status=$(free_port)
    f_peer=$(free_port); f_client=$(free_port); f_status=$(free_port)
    master_config "$run/active" "$a_peer" "$a_client" "$a_status" "$k"
    master_config "$run/follower" "$f_peer" "$f_client" "$f_status" 0 "MASTER_ROLE = follower
MASTER_HOST = 127.0.0.1:$a_peer"
    mkdir -p "$run/metalogger/data"
    printf 'DATA_PATH = %s\nMASTER_HOST = 127.0.0.1:%s\n' "$run/metalogger/data" "$a_peer" >"$run/metalogger/mfsmetalogger.cfg"

    "$bin/mfsmaster" -c "$run/active/mfsmaster.cfg" >"$run/active.log" 2>&1 &
    pids+=($!)
    wait_for "$run/active.log" "status server listening" "${pids[-1]}" || { log "the active master did not start"; cat "$run/active.log" >&2; exit 1; }
    "$bin/mfsmaster" -c "$run/follower/mfsmaster.cfg" >"$run/follower.log" 2>&1 &
    pids+=($!)
    wait_for "$run/follower.log" "status server listening" "${pids[-1]}" || { log "the follower did not start"; cat "$run/follower.log" >&2; exit 1; }
    "$bin/mfsmetalogger" -c "$run/metalogger/mfsmetalogger.cfg" >"$run/metalogger.log" 2>&1 &
    pids+=($!)
    python3 - "$a_status" <<'PY' || { log "the peers did not follow"; cat "$run"/*.log >&2; exit 1; }
import json, sys, time, urllib.request
for _ in range(300):
    try:
        s = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/status", timeout=2))
        if len(s["peers"]) == 2 and all(p["lag"] == 0 for p in s["peers"]):
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
    log "SYNC_REPLICAS $k: $clients clients, $ops creates"
    rm -f "$run/stop"
    python3 - "$a_status" "$run/stop" "$run/samples.json" <<'PY' &
import json, sys, time, os, urllib.request
port, stop, out = sys.argv[1:]
samples = {}
while not os.path.exists(stop):
    try:
        s = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2))
        for p in s["peers"]:
            samples.setdefault(p["role"], []).append(p["lag"])
    except Exception:
        pass
    time.sleep(0.02)
s = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2))
json.dump({"samples": samples, "peers": s["peers"]}, open(out, "w"))
PY
    poller=$!
    "$bin/MasterBenchmarks" --master "127.0.0.1:$a_client" --clients "$clients" --ops-per-phase "$ops" --json >"$run/phases.jsonl"
    touch "$run/stop"
    wait "$poller"
    python3 - "$k" "$run/phases.jsonl" "$run/samples.json" >>"$results" <<'PY'
import json, sys
k, phases, samples = sys.argv[1:]
rows = {r["op"]: r for r in map(json.loads, open(phases))}
data = json.load(open(samples))
def pct(values, q):
    if not values: return 0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(q * len(values) + 0.999999) - 1))]
out = {"syncReplicas": int(k), "createsPerSecond": rows["create"]["opsPerSecond"], "mkdirsPerSecond": rows["mkdir"]["opsPerSecond"],
       "createP99ms": rows["create"]["p99ms"], "peers": {}}
for p in data["peers"]:
    lags = data["samples"].get(p["role"], [])
    out["peers"][p["role"]] = {"lagP50ms": p.get("lagP50Milliseconds"), "lagP99ms": p.get("lagP99Milliseconds"),
                               "lagP50versions": pct(lags, 0.5), "lagP99versions": pct(lags, 0.99)}
print(json.dumps(out))
PY
    stop_all
done

python3 - "$json" "$results" <<'PY'
import json, sys
as_json, path = sys.argv[1:]
rows = [json.loads(line) for line in open(path)]
base = next(r["createsPerSecond"] for r in rows if r["syncReplicas"] == 0) or 1
for r in rows:
    r["shareOfAsync"] = round(r["createsPerSecond"] / base, 3)
worst = max((p["lagP99ms"] or 0) for r in rows for p in r["peers"].values())
reach = {"p99LagAtMost10ms": worst <= 10, "sync1KeepsHalfOfAsync": next(r["shareOfAsync"] for r in rows if r["syncReplicas"] == 1) >= 0.5}
if as_json == "1":
    print(json.dumps({"runs": rows, "reach": reach}))
    sys.exit(0)
print(f"{'SYNC_REPLICAS':>13} {'creates/s':>10} {'of async':>9} {'create p99':>11}  {'peer':<10} {'lag p50 ms':>10} {'lag p99 ms':>10} {'p50 vers':>9} {'p99 vers':>9}")
for r in rows:
    first = True
    for role, p in sorted(r["peers"].items()):
        head = f"{r['syncReplicas']:>13} {r['createsPerSecond']:>10} {r['shareOfAsync']*100:>8.0f}% {r['createP99ms']:>9.3f}ms" if first else " " * 47
        print(f"{head}  {role:<10} {p['lagP50ms'] if p['lagP50ms'] is not None else '-':>10} {p['lagP99ms'] if p['lagP99ms'] is not None else '-':>10} {p['lagP50versions']:>9} {p['lagP99versions']:>9}")
        first = False
print(f"reach: p99 lag <= 10 ms: {'yes' if reach['p99LagAtMost10ms'] else 'NO'} (worst {worst} ms); "
      f"SYNC_REPLICAS 1 keeps >= 50 % of the asynchronous rate: {'yes' if reach['sync1KeepsHalfOfAsync'] else 'NO'}")
PY
