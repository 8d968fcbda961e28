# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel has in one namespace: its links, addresses and static routes, each read
with one dump at most, and what a link message says (its kind; what a kind adds is read in its
file of _kinds).
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import socket

from ansible_collections.netns.systemd.plugins.module_utils._model import Route

# The attributes of a link that a Snapshot keeps (the rest, statistics and per-family
# settings, cost most of the decoding): read no other from a snapshot's messages without
# adding it here (tests/unit/plugins/module_utils/test_snapshot.py checks the code for it).
LINK_ATTRS = {
    'IFLA_ADDRESS': 1,
    'IFLA_BROADCAST': 2,
    'IFLA_IFNAME': 3,
    'IFLA_MTU': 4,
    'IFLA_LINK': 5,
    'IFLA_MASTER': 10,
    'IFLA_OPERSTATE': 16,
    'IFLA_LINKINFO': 18,
    'IFLA_LINK_NETNSID': 37,
}
_LINK_ATTR_TYPES = frozenset(LINK_ATTRS.values())
RTPROT_STATIC = 4
RT_TABLE_MAIN = 254
IFF_UP = 0x1


def kind_of(msg):
    info = msg.get_attr('IFLA_LINKINFO')
    return info.get_attr('IFLA_INFO_KIND') if info is not None else None


def address_of(msg):
    local = msg.get_attr('IFA_LOCAL') if msg['family'] == socket.AF_INET else None
    return ipaddress.ip_interface('%s/%d' % (local or msg.get_attr('IFA_ADDRESS'), msg['prefixlen']))


class Snapshot:
    """One namespace's links, addresses and routes, each read with one dump at most (for the
    converger, the engine, the host side and netns_info alike); ``rtnl``: a LightRtnl or an
    IPRoute in the namespace, None for one that does not exist yet. A LightRtnl's links keep
    only the attributes of LINK_ATTRS."""

    def __init__(self, rtnl):
        self._rtnl = rtnl
        self.links = {}
        if rtnl is not None:
            # Imported here: modules that never talk netlink import this one without pyroute2.
            from ansible_collections.netns.systemd.plugins.module_utils._rtnl import LightRtnl
            for msg in rtnl.get_links(only=_LINK_ATTR_TYPES) if isinstance(rtnl, LightRtnl) else rtnl.get_links():
                self.links[msg.get_attr('IFLA_IFNAME')] = msg
        self._address_dump = None
        self._addresses = None
        self._route_dump = None
        self._routes = None

    def address_messages(self):
        """Every address of the namespace, in the kernel's order, from one dump."""
        if self._address_dump is None:
            self._address_dump = list(self._rtnl.get_addr()) if self._rtnl is not None else []
        return self._address_dump

    def addresses(self, index):
        if self._addresses is None:
            self._addresses = {}
            for msg in self.address_messages():
                self._addresses.setdefault(msg['index'], set()).add(address_of(msg))
        return self._addresses.get(index, set())

    def route_messages(self):
        """Every route of the namespace, IPv4 and IPv6, from one dump."""
        if self._route_dump is None:
            self._route_dump = [msg for msg in (self._rtnl.get_routes(family=socket.AF_UNSPEC, table=RT_TABLE_MAIN) if self._rtnl is not None else ())
                                if msg['family'] in (socket.AF_INET, socket.AF_INET6)]
        return self._route_dump

    def routes(self, index):
        """Static routes (proto static, main table) through link ``index``."""
        if self._routes is None:
            self._routes = {}
            for msg in self.route_messages():
                if msg['proto'] != RTPROT_STATIC or msg.get_attr('RTA_TABLE', msg['table']) != RT_TABLE_MAIN:
                    continue
                zero = '0.0.0.0' if msg['family'] == socket.AF_INET else '::'
                dst = ipaddress.ip_network('%s/%d' % (msg.get_attr('RTA_DST') or zero, msg['dst_len']))
                gateway = msg.get_attr('RTA_GATEWAY')
                route = Route(dst, ipaddress.ip_address(gateway) if gateway else None)
                self._routes.setdefault(msg.get_attr('RTA_OIF'), set()).add(route)
        return self._routes.get(index, set())


def is_unmanaged_link_local(address, wanted):
    return address.version == 6 and address.ip.is_link_local and address not in wanted
