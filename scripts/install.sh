#!/usr/bin/env bash
# Installs swift-mfs on this host (docs/OPERATIONS.md): the release binaries, the announcer's
# hook scripts, the systemd units, the sample configurations (as *.sample: an operator's
# configuration is never written) and the documentation.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--from DIR] [--dry-run]
#
#   --prefix DIR   where the files go on the host (default /usr/local): DIR/sbin (daemons,
#                  mfsmetarestore), DIR/bin (mfscli, mfs), DIR/lib/mfs (mfs-promote,
#                  mfs-demote), DIR/share/doc/swift-mfs. /usr (and /) are refused: Debian's
#                  MooseFS packages own /usr/sbin/mfsmaster, /usr/bin/mfscli and more.
#   --destdir DIR  stage the tree under DIR (for packaging or tests): no user is created and
#                  systemd is not told.
#   --from DIR     take the binaries from DIR (default .build/release, built when missing)
#   --dry-run      print every action and change nothing
#
# Always, whatever the prefix: the units go to /etc/systemd/system (their paths rewritten for
# the prefix) and the samples to /etc/mfs. Safe to run again: a file already as it should be
# is left alone ("unchanged"). Nothing is enabled or started. Exit status: 0 done; 1 refused
# or failed (the reason on stderr); 2 usage.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
me=${0##*/}
usage="usage: $me [--prefix DIR] [--destdir DIR] [--from DIR] [--dry-run]"
prefix=/usr/local
destdir=""
from=""
dry=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix | --destdir | --from)
            [ $# -ge 2 ] || { echo "$me: $1 needs a directory" >&2; echo "$usage" >&2; exit 2; }
            case "$1" in
                --prefix) prefix=$2 ;;
                --destdir) destdir=$2 ;;
                --from) from=$2 ;;
            esac
            shift 2
            ;;
        --dry-run) dry=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "$me: unknown argument $1" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
die() { echo "$me: $*" >&2; exit 1; }

# --- where things go ---------------------------------------------------------------------
case "$prefix" in
    /*) ;;
    *) die "--prefix must be an absolute path, not '$prefix'" ;;
esac
# Debian's moosefs-master, -chunkserver, -client and -cli own /usr/sbin/mfsmaster,
# mfsmetarestore, mfschunkserver, /usr/bin/mfscli, mfsmount...; on a merged-/usr system /sbin
# and /bin are the same directories. A prefix whose bin or sbin is one of them is refused.
for sub in sbin bin; do
    real=$(realpath -m "$prefix/$sub")
    case "$real" in
        /usr/sbin | /usr/bin | /sbin | /bin)
            die "--prefix $prefix is refused: $prefix/$sub is $real, where Debian's MooseFS packages (moosefs-master, moosefs-chunkserver, moosefs-client, moosefs-cli) keep binaries of the same names (mfsmaster, mfsmetarestore, mfschunkserver, mfscli). Use the default /usr/local, or /opt/swift-mfs."
            ;;
    esac
done
prefix=${prefix%/}
if [ -n "$destdir" ]; then
    case "$destdir" in
        /*) ;;
        *) destdir="$(pwd)/$destdir" ;;
    esac
    destdir=${destdir%/}
fi
sbin_daemons=(mfsmaster mfsmetalogger mfschunkserver mfsannouncer mfsmetarestore)
bin_tools=(mfscli mfs)
hooks=(mfs-promote mfs-demote)
units=(mfsmaster mfsmetalogger mfschunkserver mfsannouncer)
samples=(mfsmaster.cfg mfsexports.cfg mfsmetalogger.cfg mfschunkserver.cfg mfshdd.cfg mfsannouncer.cfg)
docs=(OPERATIONS MASTER METALOGGER CHUNKSERVER ANNOUNCER FAILOVER REPLICATION RESTORE)
unit_dir=/etc/systemd/system
config_dir=/etc/mfs
doc_dir=$prefix/share/doc/swift-mfs

if [ -z "$destdir" ] && [ "$dry" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "installing on this host needs root (or stage with --destdir DIR, or look with --dry-run)"
fi

# --- the binaries --------------------------------------------------------------------------
default_from="$repo/.build/release"
[ -n "$from" ] || from=$default_from
missing=()
for name in "${sbin_daemons[@]}" "${bin_tools[@]}"; do
    [ -x "$from/$name" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
    build="swift build -c release (in $repo)"
    [ "$from" = "$default_from" ] || die "$from lacks ${missing[*]}: build them ($build) or name another --from"
    command -v swift >/dev/null || die "$from lacks ${missing[*]} and swift is not on PATH: install Swift 6.3, then run $build"
    if [ "$dry" = 1 ]; then
        echo "would build: ${missing[*]}: $build"
    else
        echo "build: ${missing[*]}: $build"
        for name in "${missing[@]}"; do
            (cd "$repo" && swift build -c release --product "$name") || die "the build failed; run $build and look at its errors"
        done
    fi
fi

# --- actions -------------------------------------------------------------------------------
changed=0
units_changed=0
# The Debian package that owns a path on this host, if any (dpkg only knows the real root).
owner() {
    [ -z "$destdir" ] && command -v dpkg-query >/dev/null || return 0
    dpkg-query -S "$1" 2>/dev/null | sed -n '1s/:.*//p' || true
}

# directory PATH MODE
declare -A announced=()
directory() {
    local target="$destdir$1"
    [ -d "$target" ] && return 0
    if [ "$dry" = 1 ]; then
        [ -n "${announced[$target]:-}" ] || echo "would create directory $target"
        announced[$target]=1
        return 0
    fi
    install -d -m "$2" "$target"
    echo "create directory $target"
}

# put SOURCE PATH MODE: installs SOURCE as PATH unless PATH already has its bytes and mode.
put() {
    local source=$1 target="$destdir$2" mode=$3 package
    if [ -f "$target" ] && cmp -s "$source" "$target" && [ "$(stat -c %a "$target")" = "${mode#0}" ]; then
        echo "unchanged $target"
        return 0
    fi
    package=$(owner "$2")
    [ -z "$package" ] || die "$2 belongs to the Debian package $package: not overwritten (use another --prefix)"
    changed=1
    case "$2" in "$unit_dir"/*) units_changed=1 ;; esac
    if [ "$dry" = 1 ]; then
        echo "would install $source -> $target (mode $mode)"
        return 0
    fi
    install -D -m "$mode" "$source" "$target"
    echo "install $source -> $target (mode $mode)"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for dir in "$prefix/sbin" "$prefix/bin" "$prefix/lib/mfs" "$doc_dir" "$doc_dir/ha-example" "$unit_dir" "$config_dir"; do
    directory "$dir" 755
done
for name in "${sbin_daemons[@]}"; do put "$from/$name" "$prefix/sbin/$name" 755; done
for name in "${bin_tools[@]}"; do put "$from/$name" "$prefix/bin/$name" 755; done
for name in "${hooks[@]}"; do put "$repo/scripts/$name" "$prefix/lib/mfs/$name" 755; done
# The units name /usr/local (the default prefix); another prefix is written into them.
for name in "${units[@]}"; do
    sed "s#/usr/local/#$prefix/#g" "$repo/systemd/$name.service" >"$work/$name.service"
    put "$work/$name.service" "$unit_dir/$name.service" 644
done
# Samples only: /etc/mfs/NAME itself is the operator's and is never written.
for name in "${samples[@]}"; do
    sed "s#/usr/local/#$prefix/#g" "$repo/config/$name.sample" >"$work/$name.sample"
    put "$work/$name.sample" "$config_dir/$name.sample" 644
done
for name in "${docs[@]}"; do put "$repo/docs/$name.md" "$doc_dir/$name.md" 644; done
while IFS= read -r file; do
    relative=${file#"$repo/config/ha-example/"}
    [ "$(dirname "$relative")" = . ] || directory "$doc_dir/ha-example/$(dirname "$relative")" 755
    sed "s#/usr/local/#$prefix/#g" "$file" >"$work/sample"
    put "$work/sample" "$doc_dir/ha-example/$relative" 644
done < <(find "$repo/config/ha-example" -type f | sort)

# --- the host: user mfs, systemd ----------------------------------------------------------
if [ -n "$destdir" ]; then
    echo "staged under $destdir: no user created, systemd not told"
else
    if ! getent passwd mfs >/dev/null; then
        add=(useradd --system --user-group --no-create-home --home-dir /var/lib/mfs --shell /usr/sbin/nologin mfs)
        if [ "$dry" = 1 ]; then echo "would create the user mfs: ${add[*]}"; else "${add[@]}" && echo "create the user mfs"; fi
    fi
    if [ "$units_changed" = 1 ] && [ -d /run/systemd/system ]; then
        if [ "$dry" = 1 ]; then echo "would run systemctl daemon-reload"; else systemctl daemon-reload && echo "systemctl daemon-reload"; fi
    fi
fi
if [ "$dry" = 1 ]; then
    echo "dry run: nothing changed"
elif [ "$changed" = 0 ]; then
    echo "everything was already installed"
fi
echo "next: the configuration of each host in $config_dir (from the samples or $doc_dir/ha-example), then systemctl enable --now the daemons it runs (docs/OPERATIONS.md)"
