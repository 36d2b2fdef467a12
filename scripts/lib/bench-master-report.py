# The report of scripts/bench-master.sh:
#
#   python3 bench-master-report.py RESULTS JSON RUNS OPS OPS_MODE2 API
#
# RESULTS holds "system<TAB>mode<TAB>round<TAB>{driver's JSON line}" lines, system one of ours,
# moosefs (both through libmfsio) and native (ours through MasterBenchmarks). Prints the table
# (median ops/s of the rounds with min-max, median p99) with ours / MooseFS in the same mode and
# the reach targets at 8 and 64 clients, or with JSON=1 one JSON object.
import json
import statistics
import sys

path, as_json = sys.argv[1], sys.argv[2] == "1"
runs, ops, ops2, api = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
CHANGES = ("mkdir", "create", "rename", "unlink")

samples = {}  # (system, mode, clients, op) -> [driver rows]
order = []  # (clients, op) in the order first seen
for line in open(path):
    system, mode, _round, text = line.rstrip("\n").split("\t", 3)
    row = json.loads(text)
    key = (row["clients"], row["op"])
    if key not in order:
        order.append(key)
    samples.setdefault((system, int(mode), *key), []).append(row)


def summary(system, mode, clients, op):
    rows = samples.get((system, mode, clients, op))
    if not rows:
        return None
    rates = [r["opsPerSecond"] for r in rows]
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates), "runs": rates,
            "p50ms": statistics.median(r["p50ms"] for r in rows), "p99ms": statistics.median(r["p99ms"] for r in rows)}


table, ok, miss = [], 0, 0
for clients, op in order:
    r = {"clients": clients, "op": op}
    for system in ("ours", "moosefs"):
        for mode in (0, 2):
            r[f"{system}{mode}"] = summary(system, mode, clients, op)
    targets = []
    for mode in (0, 2):
        a, m = r[f"ours{mode}"], r[f"moosefs{mode}"]
        ratio = round(a["median"] / m["median"], 3) if a and m and m["median"] else None
        r[f"ours{mode}OfMooseFS{mode}"] = ratio
        if ratio is None or clients not in (8, 64):
            continue
        need = 2 if mode == 2 and op in CHANGES else 1
        met = ratio >= need
        targets.append({"target": f"mode {mode} >= {need}x MooseFS", "met": met})
    if clients == 64 and r["ours0"] and targets:
        targets.append({"target": "mode 0 p99 < 5 ms", "met": r["ours0"]["p99ms"] < 5})
    for t in targets:
        ok, miss = ok + t["met"], miss + (not t["met"])
    r["targets"] = targets
    table.append(r)

native = []
for clients, op in order:
    n = {"clients": clients, "op": op, "mode0": summary("native", 0, clients, op), "mode2": summary("native", 2, clients, op)}
    if n["mode0"] or n["mode2"]:
        native.append(n)

if as_json:
    print(json.dumps({"runs": runs, "opsPerPhase": {"mode0": ops, "mode2": ops2}, "api": api, "rows": table,
                      "targets": {"ok": ok, "miss": miss}, "native": native}))
    sys.exit(0)


def cell(s):
    return f"{s['median']:.0f} ({s['min']:.0f}-{s['max']:.0f})" if s else "-"


def ratio(x):
    return f"{x:.2f}" if x is not None else "-"


def p99(s):
    return f"{s['p99ms']:.2f}" if s else "-"


print(f"{runs} run(s), {ops} ops per phase in mode 0 and {ops2} in mode 2, shared by the clients; ops/s: median (min-max) of the runs; p99: median of the runs")
print("both masters driven by Benchmarks/mfsio-driver through libmfsio (one process, its threads sharing one master connection),"
      f" --api {api}")
print(f"{'':<16}{'CHANGELOG_SAVE_MODE 0':^48}{'CHANGELOG_SAVE_MODE 2':^48}{'p99 ms, mode 0':^16}")
print(f"{'clients':>7} {'op':<8}{'ours':>20}{'MooseFS':>21}{'ours/M':>7}{'ours':>20}{'MooseFS':>21}{'ours/M':>7}"
      f"{'ours':>8}{'MooseFS':>8}  target")
for r in table:
    t = ", ".join(f"{x['target'].replace(' MooseFS', '')} {'ok' if x['met'] else 'MISS'}" for x in r["targets"])
    print(f"{r['clients']:>7} {r['op']:<8}{cell(r['ours0']):>20}{cell(r['moosefs0']):>21}{ratio(r['ours0OfMooseFS0']):>7}"
          f"{cell(r['ours2']):>20}{cell(r['moosefs2']):>21}{ratio(r['ours2OfMooseFS2']):>7}{p99(r['ours0']):>8}{p99(r['moosefs0']):>8}  {t}")
print("create = mknod of a regular file (no open/close); readdir = one full listing of 16 files; stat = lookup by name.")
if ok + miss:
    print(f"reach (8 and 64 clients, against MooseFS in the same mode: mode 0 >= 1x; mode 2 >= 2x for changes, >= 1x for"
          f" stat and readdir; mode 0 p99 < 5 ms at 64): {ok} ok, {miss} MISS")
if native:
    print("\nnative (NOT comparable with the rows above): ours driven by MasterBenchmarks, our own protocol, a socket per client")
    print(f"{'clients':>7} {'op':<8}{'mode 0 ops/s':>22}{'mode 2 ops/s':>22}{'p99 ms 0':>10}{'p99 ms 2':>10}")
    for n in native:
        print(f"{n['clients']:>7} {n['op']:<8}{cell(n['mode0']):>22}{cell(n['mode2']):>22}{p99(n['mode0']):>10}{p99(n['mode2']):>10}")
