#!/usr/bin/env bash
# Formats every Swift file with the checked-in .swift-format (use --check to only lint).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.swift' 2>/dev/null; git ls-files --others --exclude-standard '*.swift' 2>/dev/null)
if [ "${1:-}" = "--check" ]; then
    # shellcheck disable=SC2086
    swift format lint --strict --configuration .swift-format $files
else
    # shellcheck disable=SC2086
    swift format format -i --configuration .swift-format $files
fi
