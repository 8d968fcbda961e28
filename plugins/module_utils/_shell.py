# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of the units that the engine does not run yet, one script installed at
HELPER: a bridge made or waited for, the ports of a namespace, the host's forwarding and NAT
table, a WireGuard interface made. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._paths import HEADER, HOST_DIR, NS_DIR, RUN_DIR, WIREGUARD_DIR

HELPER_SCRIPT = '''#!/bin/sh
''' + HEADER + '''\
# The shell side of the netns.systemd units (the rest is netns-engine), one command a call:
#   bridge BR               the bridge BR of host/bridges: made, up, its addresses set (or,
#                           adopted, waited for)
#   ports NAME              the host ends of NAME's veths join their bridges (netns-bridge@NAME)
#   unports NAME            ... and leave them
#   host                    IPv4 forwarding and the table inet netns_systemd (netns-host.service)
#   wireguard NS IF HOW     the WireGuard interface IF made on the host, set from its file,
#                           moved into NS; HOW: kernel, userspace or auto (netns-wireguard@NS)
# Nothing here writes through a symbolic link.
set -u
STATE=''' + RUN_DIR + '''

say() { echo "netns-systemd: $*" >&2; }

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

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
    bridge) make_bridge "$1" ;;
    ports) ports "$1" ;;
    unports) unports "$1" ;;
    host) host ;;
    wireguard) wireguard "$1" "$2" "$3" ;;
    *) say "usage: $0 bridge BR | ports NAME | unports NAME | host" \
           "| wireguard NS IF kernel|userspace|auto"; exit 2 ;;
esac
'''
