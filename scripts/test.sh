#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages), builds every product,
# checks formatting, and runs every test. Safe to run again; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and the tests need: netlink for the announcer, keepalived and
# tshark for its interop tests. Later phases add libfuse3-dev and fuse3.
packages=(iproute2 procps libnl-3-dev libnl-route-3-dev keepalived tshark python3)
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

echo "== tests"
set +e
swift test >"$log" 2>&1
status=$?
set -e
grep -E '^✘|error:|Fatal error' "$log" | head -n 200 || true
# Swift Testing's summary, then one plain closing line (XCTest's "Executed 0 tests" is left
# out: every test here is a Swift Testing test).
summary=$(grep -E '^(✔|✘) Test run with [0-9]+ tests' "$log" | tail -n 1 || true)
if [ -z "$summary" ]; then
    tail -n 20 "$log"
    echo "test.sh: no test summary found" >&2
    exit 1
fi
echo "$summary"
total=$(echo "$summary" | sed -E 's/.*Test run with ([0-9]+) tests.*/\1/')
failed=$(grep -cE '^✘ Test .* failed after' "$log" || true)
echo "tests: $((total - failed)) passed, $failed failed"
exit "$status"
