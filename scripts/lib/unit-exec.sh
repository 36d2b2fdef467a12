#!/usr/bin/env bash
# Prints the command a systemd unit of this repository starts, one word per line, with the
# configuration file after `-c` replaced, so that the demo and the tests start each daemon
# with exactly the binary and flags of its unit's ExecStart (issue #14):
#
#   scripts/lib/unit-exec.sh [--bin DIR] [--nice] UNIT CONFIG
#
#   --bin DIR   the binary from DIR instead of the unit's directory (e.g. .build/debug)
#   --nice      start with `nice -n N` when the unit sets Nice=N (root may lower it)
#
# In bash: mapfile -t command < <(scripts/lib/unit-exec.sh --bin "$bin" systemd/mfsmaster.service "$cfg")
#
# Only what the units here use is understood: one ExecStart= in [Service], words split by blanks,
# an optional prefix of - @ : + ! on the binary. Quotes, a backslash at the end of a line, $ and
# % (variables, specifiers) are refused, naming the line: this script could not start the
# command as systemd would. Exit status: 0; 1 a unit it cannot read or follow; 2 usage.
set -euo pipefail

usage="usage: ${0##*/} [--bin DIR] [--nice] UNIT CONFIG"
bin=""
nice=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bin)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "${0##*/}: --bin needs a directory" >&2; echo "$usage" >&2; exit 2; }
            bin=${2%/}
            shift 2
            ;;
        --nice) nice=1; shift ;;
        -h | --help) echo "$usage"; exit 0 ;;
        -*) echo "${0##*/}: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
unit=$1
config=$2
[ -n "$config" ] || { echo "${0##*/}: CONFIG is empty" >&2; exit 2; }
fail() { echo "${0##*/}: $unit${1:+:$1}: $2" >&2; exit 1; }
[ -f "$unit" ] && [ -r "$unit" ] || fail "" "no such file (or not readable)"

section=""
exec_line=""
exec_number=0
nice_value=""
number=0
while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    # systemd's comments are whole lines starting with # or ;.
    case "$line" in
        "" | "#"* | ";"*) continue ;;
        "["*"]") section=$line; continue ;;
    esac
    [ "$section" = "[Service]" ] || continue
    [[ "$line" =~ ^[[:space:]]*([A-Za-z]+)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    case "$key" in
        ExecStart)
            [ -z "$exec_line" ] || fail "$number" "a second ExecStart= (the first is on line $exec_number): not followed"
            exec_line=$value
            exec_number=$number
            ;;
        Nice) nice_value=$value ;;
    esac
done <"$unit"

[ -n "$exec_line" ] || fail "" "no ExecStart= in [Service]"
case "$exec_line" in
    *\\) fail "$exec_number" "ExecStart= continues on the next line: not followed" ;;
    *[\"\'\$%\\]*) fail "$exec_number" "ExecStart= has quotes, a backslash, \$ or % (not followed): $exec_line" ;;
esac
read -ra words <<<"$exec_line"
[ ${#words[@]} -gt 0 ] || fail "$exec_number" "ExecStart= is empty"
binary=${words[0]}
while case "$binary" in [-@:+!]*) true ;; *) false ;; esac do binary=${binary:1}; done
case "$binary" in
    /*) ;;
    *) fail "$exec_number" "the binary '$binary' is not an absolute path" ;;
esac
[ -z "$bin" ] || binary="$bin/${binary##*/}"

arguments=("${words[@]:1}")
found=0
for i in "${!arguments[@]}"; do
    if [ "${arguments[$i]}" = "-c" ]; then
        [ $((i + 1)) -lt ${#arguments[@]} ] || fail "$exec_number" "-c is the last word: no configuration file follows it"
        arguments[i + 1]=$config
        found=$((found + 1))
    fi
done
[ "$found" = 1 ] || fail "$exec_number" "ExecStart= has $found '-c FILE' (one expected): $exec_line"

if [ "$nice" = 1 ] && [ -n "$nice_value" ]; then
    [[ "$nice_value" =~ ^-?[0-9]+$ ]] || fail "" "Nice=$nice_value is not a number"
    printf '%s\n' nice -n "$nice_value"
fi
printf '%s\n' "$binary" "${arguments[@]}"
