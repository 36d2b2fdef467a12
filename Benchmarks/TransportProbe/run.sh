#!/usr/bin/env bash
# The transport's share of a request (docs/BENCHMARKS-METADATA.md): SwiftNIO against a plain
# poll loop, both in Swift, on loopback, with the same C client (one connection, one 48-byte
# request in flight, a 100-byte reply). Per request: the round trip, and the server's user and
# system CPU time from /proc/PID/stat. ROUNDS rounds (default 3), the two servers alternating;
# each figure is one round of REQUESTS requests (default 200000).
#
#   Benchmarks/TransportProbe/run.sh [ROUNDS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
requests=${2:-200000}
port=29511
swift build -c release >/dev/null 2>&1 || swift build -c release
bin="$(swift build -c release --show-bin-path)/tprobe"
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -o "$work/client" client.c
printf '%-6s %-5s %10s %12s %12s\n' round server "rtt µs" "user µs" "system µs"
for round in $(seq 1 "$rounds"); do
    for mode in nio poll; do
        "$bin" "$mode" "$port" &
        server=$!
        for _ in $(seq 1 50); do "$work/client" "$port" "$server" 1 >/dev/null 2>&1 && break; sleep 0.1; done
        "$work/client" "$port" "$server" "$requests" | awk -v r="$round" -v m="$mode" \
            '{ printf "%-6s %-5s %10s %12s %12s\n", r, m, $4, $8, $11 }'
        kill "$server"
        wait "$server" 2>/dev/null || true
        server=""
    done
done
