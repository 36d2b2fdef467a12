# Sourced by the scripts that start a daemon as its systemd unit does (scripts/lib/loopback-master.sh,
# so demo.sh and bench-dump.sh; demo-failover.sh).
#
# unit_command [--nice] DAEMON BIN CONFIG: sets the array `command` to the ExecStart of
#   systemd/DAEMON.service with BIN's binary and CONFIG after -c (scripts/lib/unit-exec.sh;
#   --nice: `nice -n N` in front for a unit with Nice=N), and `command_line` to the same words
#   shell-quoted on one line (for `bash -c` or a script written out), so that each daemon starts
#   with the binary and flags of its unit. Returns 1, saying so, if the unit gives no command.

unit_command() {
    local lib nice=()
    if [ "${1:-}" = --nice ]; then nice=(--nice); shift; fi
    lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    mapfile -t command < <(bash "$lib/unit-exec.sh" --bin "$2" "${nice[@]}" "$lib/../../systemd/$1.service" "$3")
    [ ${#command[@]} -gt 0 ] || { echo "unit_command: no command for $1 (systemd/$1.service)" >&2; return 1; }
    command_line=$(printf '%q ' "${command[@]}")
}
