# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of the units, one script installed at HELPER: the creator's work, a veth
pair made or found, a macvlan parent waited for, and the boot batch. Private to the
collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_DIR, HEADER, RUN_DIR

HELPER_SCRIPT = '''#!/bin/sh
''' + HEADER + '''\
# The shell side of the netns.systemd units, one command a call:
#   up NAME                 make or adopt namespace NAME, lo up, its resolv.conf (netns_name-up@NAME)
#   veth NS1 IF1 NS2 IF2    the veth pair IF1 in NS1 <-> IF2 in NS2 ("" is the host): made when
#                           neither end exists, kept when they are that pair, refused otherwise
#   wait-link IF SECONDS    wait for the host link IF, the parent of a macvlan
#   boot                    every enabled namespace and its veths at once (netns-boot.service)
# Nothing here writes through a symbolic link.
set -u
RUN=/run/netns
ETC=/etc/netns
STATE=''' + RUN_DIR + '''

say() { echo "netns-systemd: $*" >&2; }

# Names mounted in /run/netns, " a b c ": a name file that is not mounted was left by a crash.
mounted_names() {
    names=" "
    while read -r _ _ _ _ point _; do
        case $point in "$RUN"/*) names="$names${point#"$RUN"/} " ;; esac
    done < /proc/self/mountinfo
    echo "$names"
}

# An empty file at /run/netns/NAME that is no namespace (a process killed while making it).
replace_stale() {
    case $2 in *" $1 "*) return 0 ;; esac
    [ -e "$RUN/$1" ] || [ -L "$RUN/$1" ] || return 0
    say "$RUN/$1 is not a namespace (left by a crash?): replacing it"
    rm -f "$RUN/$1"
}

# /etc/netns/NAME/resolv.conf made empty when missing (lookups inside fail rather than go to
# the host's resolver); a link on the way is left alone, and said.
resolver() {
    for path in "$ETC" "$ETC/$1" "$ETC/$1/resolv.conf"; do
        if [ -L "$path" ]; then
            say "$path is a symbolic link: not making $ETC/$1/resolv.conf through it"
            return 0
        fi
    done
    [ -d "$ETC/$1" ] || mkdir -p "$ETC/$1" || return 1
    [ -e "$ETC/$1/resolv.conf" ] || : > "$ETC/$1/resolv.conf"
}

# NAME INODE: what netns_chain compares with /run/netns/NAME later.
record() {
    [ -d "$STATE/netns" ] || mkdir -p "$STATE/netns" || return 1
    [ -L "$STATE/netns/$1" ] || echo "$2" > "$STATE/netns/$1"
}

up() {
    replace_stale "$1" "$(mounted_names)" || return 1
    [ -e "$RUN/$1" ] || ip netns add "$1" || [ -e "$RUN/$1" ] || return 1
    ip -n "$1" link set lo up || return 1
    resolver "$1" || return 1
    record "$1" "$(stat -L -c %i "$RUN/$1")"
}

# "ip -o -d link" line of IF in NS, empty when there is none.
link_line() {
    if [ -n "$1" ]; then ip -n "$1" -o -d link show dev "$2" 2>/dev/null; else ip -o -d link show dev "$2" 2>/dev/null; fi
}

# LINE OTHER_LINE OTHER_NAME: LINE is a veth whose peer is the link of OTHER_LINE.
paired() {
    [ -n "$1" ] && [ -n "$2" ] || return 1
    case $1 in *" veth "*) ;; *) return 1 ;; esac
    case $1 in *"@if${2%%:*}:"* | *"@$3:"*) return 0 ;; esac
    return 1
}

veth() {
    tries=0
    while :; do
        one=$(link_line "$1" "$2") two=$(link_line "$3" "$4")
        if [ -z "$one" ] && [ -z "$two" ]; then
            if [ -n "$1" ]; then
                ip -n "$1" link add "$2" type veth peer name "$4" ${3:+netns "$3"}
            else
                ip link add "$2" type veth peer name "$4" ${3:+netns "$3"}
            fi
            return
        fi
        if paired "$one" "$two" "$4" && paired "$two" "$one" "$2"; then
            return 0
        fi
        # A veth whose peer is in another namespace may be going away with that namespace
        # (its last process just left): wait a little for that before refusing.
        tries=$((tries + 1))
        case "$one $two" in *" veth "*) ;; *) tries=300 ;; esac
        case "$one $two" in *"@if"*) ;; *) tries=300 ;; esac
        if [ $tries -ge 300 ]; then
            say "refusing to touch ${one:+$2 in ${1:-the host}}${one:+${two:+ and }}${two:+$4 in ${3:-the host}}:" \
                "not a veth pair of $2 (${1:-host}) and $4 (${3:-host})"
            return 1
        fi
        sleep 0.1
    done
}

wait_link() {
    tries=0
    until ip link show dev "$1" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -gt $(($2 * 10)) ]; then
            say "macvlan parent $1 did not appear on the host within $2 s"
            return 1
        fi
        sleep 0.1
    done
}

# Each directory in boot/ is an enabled namespace whose links all lead to enabled namespaces:
# "outside" has its ip lines for the host, "in-NAME" the ones to run inside namespace NAME.
# The host side of every namespace goes through one "ip -batch", then each namespace's inside
# through one more. A namespace whose lines all worked is marked, and the start work of its
# units is skipped; anything else is left to those units, which redo it (every line is
# idempotent).
boot() {
    cd ''' + BOOT_DIR + '''/boot 2>/dev/null || return 0
    set --
    for dir in */; do
        [ -d "$dir" ] && set -- "$@" "${dir%/}"
    done
    [ $# -gt 0 ] || return 0
    mounted=$(mounted_names)
    {
        for ns; do
            case $mounted in *" $ns "*) continue ;; esac
            replace_stale "$ns" "$mounted"
            echo "netns add $ns"
        done
        cat ./*/outside 2>/dev/null
    } | ip -batch - || {
        say "the host side failed; every namespace is left to its units"
        return 0
    }
    for ns; do
        ok=1
        for file in "$ns"/in-*; do
            [ -f "$file" ] || continue
            ip -n "${file##*/in-}" -batch "$file" || ok=0
        done
        resolver "$ns" || ok=0
        if [ $ok = 1 ]; then
            [ -L "$STATE/booted/$ns" ] || : > "$STATE/booted/$ns"
        else
            say "$ns is left to its units"
        fi
    done
    [ -d "$STATE/netns" ] || mkdir -p "$STATE/netns"
    # One process for every inode; only the names of boot/, which are plain, are read.
    # shellcheck disable=SC2012
    ls -1iL "$RUN" | while read -r inode name; do
        if [ -d "$name" ]; then record "$name" "$inode"; fi
    done
}

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
    up) up "$1" ;;
    veth) veth "$1" "$2" "$3" "$4" ;;
    wait-link) wait_link "$1" "$2" ;;
    boot) boot ;;
    *) say "usage: $0 up NAME | veth NS1 IF1 NS2 IF2 | wait-link IF SECONDS | boot"; exit 2 ;;
esac
'''
