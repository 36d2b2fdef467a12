# Sourced by the top-level scripts: apt_install WHO PACKAGE... installs the Debian packages that
# are missing (as root, after `apt-get update`), or says which to install and fails when not root.
apt_install() {
    local who=$1 p
    shift
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    echo "$who: installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "$who: not root: install ${missing[*]} by hand" >&2
        return 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
