# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of the units, one script installed at HELPER: the creator's work, a veth
pair made or found, a macvlan parent waited for, and the boot batch. Private to the
collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_LIST, HEADER, HOST_DIR, NS_DIR, RUN_DIR, WIREGUARD_DIR
from ansible_collections.netns.systemd.plugins.module_utils._sysctl import IGNORE_MISSING_LINE

HELPER_SCRIPT = '''#!/bin/sh
''' + HEADER + '''\
# The shell side of the netns.systemd units, one command a call:
#   up NAME                 make or adopt namespace NAME, lo up, its resolv.conf, sysctls and
#                           nftables ruleset (netns_name-up@NAME)
#   veth NS1 IF1 NS2 IF2    the veth pair IF1 in NS1 <-> IF2 in NS2 ("" is the host): made when
#                           neither end exists, kept when they are that pair, refused otherwise
#   links NAME              the veths of NAME, from its files in ns/NAME (netns-veth-up@NAME)
#   wait-link IF SECONDS    wait for the host link IF, the parent of a macvlan
#   boot                    every namespace of boot.list and its veths at once (netns-boot.service)
#   bridge BR               the bridge BR of host/bridges: made, up, its addresses set (or,
#                           adopted, waited for)
#   ports NAME              the host ends of NAME's veths join their bridges (netns-bridge@NAME)
#   unports NAME            ... and leave them
#   host                    IPv4 forwarding and the table inet netns_systemd (netns-host.service)
#   wireguard NS IF HOW     the WireGuard interface IF made on the host, set from its file,
#                           moved into NS; HOW: kernel, userspace or auto (netns-wireguard@NS)
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

# The sysctls of ns/NAME/sysctl, set inside NAME (sysctl -e when its first line says to skip
# keys this kernel lacks).
sysctls() {
    file=''' + NS_DIR + '''/$1/sysctl
    [ -f "$file" ] || return 0
    first=""
    read -r first < "$file" || :
    if [ "$first" = "''' + IGNORE_MISSING_LINE + '''" ]; then
        nsenter --net="$RUN/$1" sysctl -q -e -p "$file" > /dev/null
    else
        nsenter --net="$RUN/$1" sysctl -q -p "$file" > /dev/null
    fi
}

# The nftables ruleset of ns/NAME/nftables, loaded inside NAME in one transaction.
nftables() {
    file=''' + NS_DIR + '''/$1/nftables
    [ ! -f "$file" ] || nsenter --net="$RUN/$1" nft -f "$file"
}

up() {
    replace_stale "$1" "$(mounted_names)" || return 1
    [ -e "$RUN/$1" ] || ip netns add "$1" || [ -e "$RUN/$1" ] || return 1
    ip -n "$1" link set lo up || return 1
    resolver "$1" || return 1
    sysctls "$1" || return 1
    nftables "$1" || return 1
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
            say "${3:-macvlan parent} $1 did not appear on the host within $2 s"
            return 1
        fi
        sleep 0.1
    done
}

# The line of host/bridges for bridge BR: made when missing (two namespaces may race to
# make it), up, its addresses set; or, adopted, waited for and left as its owner made it.
make_bridge() {
    file=''' + HOST_DIR + '''/bridges
    if [ -f "$file" ]; then
        while read -r name how addresses; do
            [ "$name" = "$1" ] || continue
            if [ "$how" != made ]; then
                wait_link "$name" 30 "adopted bridge" < /dev/null
                return
            fi
            [ -e "/sys/class/net/$name" ] || ip link add "$name" type bridge || [ -e "/sys/class/net/$name" ] || return 1
            ip link set "$name" up || return 1
            for address in $addresses; do
                ip addr replace "$address" dev "$name" || return 1
            done
            return 0
        done < "$file"
    fi
    say "bridge $1 is not in $file: run the playbook again"
    return 1
}

# ns/NAME/bridge: "HOST_END BRIDGE" a line; each host end joins its bridge (or leaves it).
ports() {
    file=''' + NS_DIR + '''/$1/bridge
    [ -f "$file" ] || return 0
    while read -r port br; do
        make_bridge "$br" < /dev/null || return 1
        ip link set "$port" master "$br" up || return 1
    done < "$file"
}

unports() {
    file=''' + NS_DIR + '''/$1/bridge
    [ -f "$file" ] || return 0
    while read -r port _; do
        ip link set "$port" nomaster 2>/dev/null || :
    done < "$file"
}

# A WireGuard interface made on the host, so that its UDP socket stays there, set from its
# root-only file (the keys never appear on a command line), then moved into the namespace;
# one that is in the namespace already is kept (netns_chain compares it and syncs it live).
# wireguard-go stays in the unit's cgroup; it exits when the interface is deleted.
wireguard() {
    ip -n "$1" link show dev "$2" >/dev/null 2>&1 && return 0
    conf=''' + WIREGUARD_DIR + '''/$1/$2.conf
    if [ ! -f "$conf" ] || [ -L "$conf" ]; then
        say "$conf is missing: run the playbook again"
        return 1
    fi
    if ip link show dev "$2" >/dev/null 2>&1; then
        say "$2 exists on the host, where WireGuard interface $2 of $1 is made: not taking it"
        return 1
    fi
    case $3 in
        kernel) ip link add "$2" type wireguard || return 1 ;;
        userspace) wireguard_go "$2" || return 1 ;;
        *) ip link add "$2" type wireguard 2>/dev/null || wireguard_go "$2" || return 1 ;;
    esac
    if wg setconf "$2" "$conf" && ip link set dev "$2" netns "$1"; then
        return 0
    fi
    ip link del dev "$2" 2>/dev/null
    return 1
}

# wireguard-go makes the interface and its socket, then leaves its daemon running.
wireguard_go() {
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go "$1"
}

# host/forward: IPv4 forwarding on, its value before that kept once a boot (in /run) for
# netns_chain to put back when nothing needs it; host/nftables: the owned table, replaced
# whole in one transaction (no other table is touched).
host() {
    dir=''' + HOST_DIR + '''
    if [ -f "$dir/forward" ]; then
        [ -d "$STATE" ] || mkdir -p "$STATE" || return 1
        if [ ! -e "$STATE/forward-before" ] && [ ! -L "$STATE/forward-before" ]; then
            cat /proc/sys/net/ipv4/ip_forward > "$STATE/forward-before" || return 1
        fi
        echo 1 > /proc/sys/net/ipv4/ip_forward || return 1
    fi
    [ ! -f "$dir/nftables" ] || nft -f "$dir/nftables"
}

# What netns-veth-up@NAME does: the files of NAME in ns/ (the same the boot batch runs), for
# this namespace alone; each pair is made or found by veth, never taken over.
links() {
    dir=''' + NS_DIR + '''/$1
    if [ ! -d "$dir" ]; then
        say "$dir is missing: run the playbook again"
        return 1
    fi
    if [ -f "$dir/veth" ]; then
        while read -r ns1 if1 ns2 if2; do
            [ "$ns1" != - ] || ns1=""
            [ "$ns2" != - ] || ns2=""
            veth "$ns1" "$if1" "$ns2" "$if2" < /dev/null || return 1
        done < "$dir/veth"
    fi
    [ ! -f "$dir/outside" ] || ip -batch "$dir/outside" || return 1
    for file in "$dir"/in-*; do
        [ -f "$file" ] || continue
        ip -n "${file##*/in-}" -batch "$file" || return 1
    done
}

# The inside of each namespace given, from the files of the boot batch; a namespace whose
# lines all worked is marked, the others are left to their units.
inside() {
    for ns; do
        ok=1
        for file in "$ns"/in-*; do
            [ -f "$file" ] || continue
            nsenter --net="$RUN/${file##*/in-}" ip -batch "$file" || ok=0
        done
        resolver "$ns" || ok=0
        sysctls "$ns" || ok=0
        nftables "$ns" || ok=0
        if [ $ok = 1 ]; then
            [ -L "$STATE/booted/$ns" ] || : > "$STATE/booted/$ns"
        else
            say "$ns is left to its units"
        fi
    done
}

# boot.list names the enabled namespaces whose veths all lead to enabled namespaces. The
# host side of all of them (names, pairs, host ends) goes through one "ip -batch", then each
# namespace's inside through one more. A namespace whose lines all worked is marked, and the
# start work of its units is skipped; anything else is left to those units, which redo it
# (every line is idempotent).
boot() {
    cd ''' + NS_DIR + ''' 2>/dev/null || return 0
    set --
    if [ -f ''' + BOOT_LIST + ''' ]; then
        while read -r ns; do
            [ -d "$ns" ] && set -- "$@" "$ns"
        done < ''' + BOOT_LIST + '''
    fi
    [ $# -gt 0 ] || return 0
    mounted=$(mounted_names)
    outside=""
    {
        for ns; do
            case $mounted in *" $ns "*) continue ;; esac
            replace_stale "$ns" "$mounted"
            echo "netns add $ns"
        done
        for ns; do
            [ -f "$ns/outside" ] && outside="$outside $ns/outside"
            [ -f "$ns/veth" ] || continue
            while read -r ns1 if1 ns2 if2; do
                one="" two=""
                [ "$ns1" = - ] || one=" netns $ns1"
                [ "$ns2" = - ] || two=" netns $ns2"
                echo "link add $if1$one type veth peer name $if2$two"
            done < "$ns/veth"
        done
        # One process for the host ends of every namespace.
        # shellcheck disable=SC2086
        [ -z "$outside" ] || cat $outside
    } | ip -batch - || {
        say "the host side failed; every namespace is left to its units"
        return 0
    }
    # Each namespace's inside is one process, most of whose time is its own start: two
    # halves run at once. nsenter enters only the network namespace; "ip -n" would also copy
    # the mount table, one mount per name in /run/netns, which grows with the namespaces.
    half=$((($# + 1) / 2)) first="" second="" i=0
    for ns; do
        if [ $i -lt $half ]; then first="$first $ns"; else second="$second $ns"; fi
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    inside $first &
    # shellcheck disable=SC2086
    inside $second
    wait
    [ -d "$STATE/netns" ] || mkdir -p "$STATE/netns"
    listed=" $* "
    # One process for every inode; only listed names, which are plain, are recorded.
    # shellcheck disable=SC2012
    ls -1iL "$RUN" | while read -r inode name; do
        case $listed in *" $name "*) record "$name" "$inode" ;; esac
    done
}

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
    up) up "$1" ;;
    veth) veth "$1" "$2" "$3" "$4" ;;
    wait-link) wait_link "$1" "$2" ;;
    links) links "$1" ;;
    boot) boot ;;
    bridge) make_bridge "$1" ;;
    ports) ports "$1" ;;
    unports) unports "$1" ;;
    host) host ;;
    wireguard) wireguard "$1" "$2" "$3" ;;
    *) say "usage: $0 up NAME | veth NS1 IF1 NS2 IF2 | links NAME | wait-link IF SECONDS | boot | bridge BR | ports NAME" \
           "| unports NAME | host" \
           "| wireguard NS IF kernel|userspace|auto"; exit 2 ;;
esac
'''
