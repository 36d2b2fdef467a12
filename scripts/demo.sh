#!/usr/bin/env bash
# The main demo. Until the failover issue lands it shows the metadata core at work: a seeded
# workload of metadata changes, its changelog, mfsmetarestore replaying that changelog onto the
# starting metadata, the replayed namespace compared byte for byte with the live one, and a
# damaged changelog refused loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${1:-200000}
seed=${2:-1}

echo "== building (release)"
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)

dir=$(mktemp -d /tmp/mfs-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT

echo "== a seeded workload: $changes metadata changes (seed $seed)"
"$bin/mfsworkload" "$dir" "$changes" "$seed"
echo "   changelog: $(wc -l <"$dir/changelog.0.mfs") lines, $(du -h "$dir/changelog.0.mfs" | cut -f1)"
head -n 6 "$dir/changelog.0.mfs" | sed 's/^/   | /'
echo "   | ..."

echo "== mfsmetarestore replays the changelog onto the starting metadata"
"$bin/mfsmetarestore" -m "$dir/metadata.start.mfs" -o "$dir/metadata.restored.mfs" "$dir/changelog.0.mfs"

echo "== compare: live namespace dump vs replayed namespace dump"
if cmp -s "$dir/metadata.live.mfs" "$dir/metadata.restored.mfs"; then
    echo "   identical, byte for byte ($(stat -c %s "$dir/metadata.live.mfs") bytes)"
else
    echo "   DIFFERENT: replay does not reproduce the live namespace" >&2
    exit 1
fi

echo "== a damaged changelog is refused, naming the file and line (exit 1, nothing written)"
sed '1000d' "$dir/changelog.0.mfs" >"$dir/gap.mfs"
set +e
"$bin/mfsmetarestore" -m "$dir/metadata.start.mfs" -o "$dir/never.mfs" "$dir/gap.mfs"
status=$?
set -e
echo "   exit status $status; output written: $([ -e "$dir/never.mfs" ] && echo yes || echo no)"
[ "$status" -eq 1 ] && [ ! -e "$dir/never.mfs" ]
echo "== done"
