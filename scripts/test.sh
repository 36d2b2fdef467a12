#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages), builds every product,
# checks formatting, and runs every test. Safe to run again; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and the tests need: netlink for the announcer, keepalived and
# tshark for its interop tests, fuse3 for mfsmount, zlib for chunk CRCs, MooseFS
# 3.0.117's master, chunkserver and client for the interop tests of our chunkserver and master (mfsmount on our master too),
# its mfscli, run against our master's client port, and libmfsio (with gcc) for a C program
# run against MooseFS's master and ours; systemd for systemd-analyze (the units are verified
# with it; systemd need not be running); and the programs the mfsmount workloads run (fio,
# sqlite3, rsync, git; tar and setpriv are in every Debian); strace counts a chunkserver's fsyncs.
packages=(iproute2 procps systemd libnl-3-dev libnl-route-3-dev libfuse3-dev fuse3 keepalived tshark python3 zlib1g-dev moosefs-master moosefs-chunkserver moosefs-client
    moosefs-cli libmfsio-dev gcc fio sqlite3 rsync git tar util-linux strace)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "test.sh: not root: install ${missing[*]} by hand" >&2
        exit 1
    fi
fi
command -v swift >/dev/null || { echo "test.sh: swift is not on PATH (Swift 6.3 expected)" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== build"
if ! swift build >"$log" 2>&1; then
    grep -E 'error|warning' "$log" || cat "$log"
    echo "test.sh: build failed" >&2
    exit 1
fi

echo "== format check"
bash scripts/format.sh --check

# Two passes: every suite but the network-namespace ones, in parallel; then those alone, as
# their failover timings must not share the two cores with the fuzz and load tests.
total=0
failed=0
skipped=0
status=0
# Swift Testing prints a skipped test as `➜ Test NAME skipped: "reason"` (or `skipped.` without
# a reason); a skipped suite adds one such line per test in it. Skipped tests count in the run's
# total, so they are taken out of the passed ones.
skip_pattern='^[^[:space:]]+ Test .+ skipped(\.|: ".*")$'
run_pass() {
    local name="$1" pass_status summary count pass_skipped
    shift
    echo "== tests: $name"
    set +e
    swift test "$@" >"$log" 2>&1
    pass_status=$?
    set -e
    # Each failure with the lines Swift Testing prints under it ("↳": the expectation's
    # message, such as a workload's own output), so a failure in CI can be read from its log.
    awk '/^✘|error:|Fatal error/ { shown = 1; under = 0; print; next }
        shown && /^(↳|  )/ && under < 40 { under++; print; next }
        { shown = 0 }' "$log" | head -n 400 || true
    # Swift Testing's summary (XCTest's "Executed 0 tests" is left out: every test here is a
    # Swift Testing test); "━" starts it when a test recorded a known issue (`withKnownIssue`:
    # a gap written down as a test, shown here, not a failure).
    summary=$(grep -E '^(✔|✘|━) Test run with [0-9]+ tests?( |$)' "$log" | tail -n 1 || true)
    grep -E '^━ Test .* recorded a known issue' "$log" | sed 's/^/  known: /' || true
    if [ -z "$summary" ]; then
        tail -n 20 "$log"
        echo "test.sh: no test summary found ($name)" >&2
        status=1
        return
    fi
    echo "$summary"
    grep -E "$skip_pattern" "$log" | sed 's/^/  /' || true
    pass_skipped=$(grep -cE "$skip_pattern" "$log" || true)
    echo "skipped in this pass: $pass_skipped"
    count=$(echo "$summary" | sed -E 's/.*Test run with ([0-9]+) tests?( .*|$)/\1/')
    total=$((total + count))
    skipped=$((skipped + pass_skipped))
    failed=$((failed + $(grep -cE '^✘ Test .* failed after' "$log" || true)))
    [ "$pass_status" = 0 ] || status="$pass_status"
}
# Three suites run alone, after the rest: the announcer's namespace tests (their timing must not
# share the 2 cores with fuzz and load tests), the sync-replication kill runs (40 clusters of
# three processes each, which would starve the timing-sensitive tests of the first pass) and the
# failover tests (whole clusters in network namespaces: hosts killed silently, a partition
# healed, flock and POSIX locks of two mfsmounts through a failover (LockFailoverTests.swift);
# MFS_FAILOVER_RUNS kills, default 10).
run_pass "all but the namespace, kill-run, failover and MooseFS interop tests" --skip NamespaceTests --skip SyncReplicationTests \
    --skip MFSFailoverTests --skip MFSChunkserverInteropTests --skip MFSDataPathTests --skip MFSDataInteropTests \
    --skip MFSMountInteropTests --skip MFSMountWorkloadTests --skip SilentMasterClientTests --skip ProbeConnectTests --skip MFSChunkserverTests \
    --skip ChunkserverPortTests --skip MFSOperationsTests --skip MooseAdminToolTests --skip MooseRefusalTests
# The units (systemd-analyze verify), scripts/install.sh into staging directories and
# config/ha-example: they wait on scripts with blocking calls, so apart from the async tests.
run_pass "operations: units, install.sh, config samples" --filter MFSOperationsTests
run_pass "sync-replication kill runs (alone)" --filter SyncReplicationTests
run_pass "namespace tests (alone)" --filter NamespaceTests
run_pass "failover tests in network namespaces (alone)" --filter MFSFailoverTests
# The client's probe of a silent connection, and its connect timeout: in the first pass its
# probe tasks wait behind a thousand other tests' blocking work on the test process's two
# cooperative threads (a 250 ms connect timeout was measured as 10 s there).
run_pass "client probe of a silent master (alone)" --filter SilentMasterClientTests --filter ProbeConnectTests
# Real chunkserver and master processes driven by blocking test peers: apart, so their blocking
# waits do not hold the first pass's cooperative threads from its async tests.
run_pass "chunkserver processes and the master's chunkserver port" --filter MFSChunkserverTests --filter ChunkserverPortTests
# MooseFS's mfscli against a master process, and MooseFS's refusals (read-only export,
# minversion) over blocking test connections: apart, for the same reason.
run_pass "mfscli and MooseFS's refusals on our client port" --filter MooseAdminToolTests --filter MooseRefusalTests
# The data path end to end on loopback (a master, three chunkservers, mfs put/get of up to
# 200 MiB at goals 1-3, kills, damage, a full disk): disk-heavy, so alone.
run_pass "data path end to end (alone)" --filter MFSDataPathTests
# Debian's mfsmaster and mfsmount with three of our chunkservers, in network namespaces.
run_pass "chunkserver interop with MooseFS 3.0 in network namespaces (alone)" --filter MFSChunkserverInteropTests
# Debian's mfschunkserver under our master with our mfs put/get, and chunk files handed from
# one implementation's chunkserver to the other's, in network namespaces.
run_pass "data path interop with MooseFS 3.0's chunkserver in network namespaces (alone)" --filter MFSDataInteropTests
# Debian's mfsmount 3.0.117 on our master (MooseFS's client dialect) and our chunkservers; a
# libmfsio program against MooseFS's master and ours (MFSIOInteropTests, the same target).
run_pass "mfsmount on our master in network namespaces (alone)" --filter MFSMountInteropTests
# tar, git, sqlite3, rsync, fio, POSIX errors, an unlinked open file and two mounts, through
# mfsmount on our master, each compared with a local directory: one lab for all (about a minute).
run_pass "programs through mfsmount on our master, compared with a local directory (alone)" --filter MFSMountWorkloadTests
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
# As root every precondition of every test can be met (test.sh installs the packages), so a
# skipped test there is a test that did not run: a failure, not a pass.
if [ "$(id -u)" = 0 ] && [ "$skipped" -gt 0 ]; then
    echo "test.sh: $skipped tests skipped while running as root, where every test must run (reasons above)" >&2
    [ "$status" != 0 ] || status=1
fi
exit "$status"
