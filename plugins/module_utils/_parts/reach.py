# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reachable from, a part of the host side: the prefixes that may open connections to a
namespace through the host (forwarded to its addresses on its veths to the host, bridge ports
included). New connections from anywhere else are dropped; answers to the namespace's own
connections, and port forwards (which their own ``sources`` narrow), are not concerned.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import NFT_FAMILY, HostPart, nft_set, own_addresses, parse_prefixes


class Reach:
    """New connections through the host to ``addresses`` (of namespace ``netns``) only from
    ``allowed`` (prefixes of either IP version; none: from nowhere)."""

    def __init__(self, netns, addresses, allowed):
        self.netns = netns
        self.addresses = addresses
        self.allowed = allowed


class ReachPart(HostPart):
    name = 'reach'
    chains = (('reach', 'filter', 'forward', '0'),)

    def parse(self, present, bridges, known):
        found = []
        for entry in present:
            value = entry.model.get('reachable_from')
            if value is None:
                continue
            where = 'netns %s: reachable_from' % entry.name
            allowed = parse_prefixes(where, 'prefix', value)
            addresses = sorted(set(a.ip for a in own_addresses(entry)), key=lambda ip: (ip.version, ip))
            if not addresses:
                raise InvalidInput('%s: netns %s has no address on a veth to the host (or to a bridge) to be reached at'
                                   % (where, entry.name))
            found.append(Reach(entry.name, addresses, allowed))
        return found

    def rules(self, items):
        rules = []
        for reach in sorted(items, key=lambda r: r.netns):
            for version in (4, 6):
                addresses = [ip for ip in reach.addresses if ip.version == version]
                if not addresses:
                    continue
                family = NFT_FAMILY[version]
                allowed = [p for p in reach.allowed if p.version == version]
                match = '%s saddr != %s ' % (family, nft_set(str(p) for p in allowed)) if allowed else ''
                rules.append(('reach', '%s daddr %s ct state new ct status & dnat == 0 %sdrop comment "netns %s"'
                              % (family, nft_set(str(ip) for ip in addresses), match, reach.netns)))
        return rules

    def families(self, items):
        # It only narrows what forwarding lets through: it turns nothing on.
        return set()


PART = ReachPart()
