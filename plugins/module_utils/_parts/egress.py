# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Egress, a part of the host side: outbound access through the host for the prefixes of a
namespace's veths to the host, or of a bridge and its ports. IPv4 prefixes are masqueraded.
IPv6 prefixes leave only when ``ipv6`` says how: ``masquerade`` (translated to the host's
address, as IPv4) or ``routed`` (forwarded as they are, for a prefix the upstream router routes
to the host). Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import (
    NFT_FAMILY, HostPart, host_veths, interfaces, networks, nft_set, own_addresses)

KEYS = ('interface', 'ipv6')
IPV6_MODES = ('masquerade', 'routed')


def parse_egress(where, value):
    """The ``egress`` option: None or false for none, true or {} for any interface, or a
    dictionary with ``interface`` and ``ipv6``; InvalidInput naming the option for anything else."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput('%s: egress must be true (any interface) or a dictionary such as {interface: eth0}, not %r' % (where, value))
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        raise InvalidInput('%s: egress has unknown keys %s; its keys are %s' % (where, ', '.join(unknown), ', '.join(KEYS)))
    interface = value.get('interface')
    if interface is not None and not isinstance(interface, str):
        raise InvalidInput('%s: egress interface %r is not an interface name' % (where, interface))
    ipv6 = value.get('ipv6')
    if ipv6 not in (None,) + IPV6_MODES:
        raise InvalidInput('%s: egress ipv6 %r is not %s (omit it to keep IPv6 in)' % (where, ipv6, ' or '.join(IPV6_MODES)))
    return {'interface': interface, 'ipv6': ipv6}


class Egress:
    """Outbound access for ``prefixes`` (IPv4 and IPv6 networks) of ``owner`` (words for
    messages), leaving through ``interface`` (None: any interface but towards those prefixes);
    its IPv6 prefixes masqueraded or routed as ``ipv6`` says."""

    def __init__(self, owner, netns, interface, prefixes, ipv6):
        self.owner = owner
        # The namespace it is for; None for a bridge's.
        self.netns = netns
        self.interface = interface
        self.prefixes = prefixes
        self.ipv6 = ipv6


class EgressPart(HostPart):
    name = 'egress'
    chains = (('postrouting', 'nat', 'postrouting', 'srcnat'),)

    def parse(self, present, bridges, known):
        found = []
        for name, (where, bridge) in sorted(bridges.items()):
            options = parse_egress(where, bridge.item.get('egress'))
            if options is not None and bridge.ports:
                addresses = list(bridge.addresses) + [a for port in bridge.ports for a in port[2].addresses or ()]
                found.append(self._egress(where + '.egress', 'bridge %s' % name, None, name, options, addresses, known))
        for entry in present:
            where = 'netns %s' % entry.name
            options = parse_egress(where, entry.model.get('egress'))
            if options is None:
                continue
            bridged = set(port[0] for port in entry.bridge_ports)
            others = [spec.peer.ifname for spec in host_veths(entry) if spec.peer.ifname not in bridged]
            found.append(self._egress(where + ': egress', where, entry.name, others[0] if len(others) == 1 else None, options,
                                      own_addresses(entry), known))
        return found

    @staticmethod
    def _egress(where, owner, netns, own_link, options, addresses, known):
        interface = options.get('interface')
        if interface is not None:
            interface = interfaces(where, [interface], known)[0]
            if interface == own_link:
                raise InvalidInput('%s: the egress interface %r is the way into %s itself' % (where, interface, owner))
        ipv6 = options.get('ipv6')
        prefixes = sorted(set(networks(addresses, 4)))
        if ipv6:
            six = sorted(set(networks(addresses, 6)))
            if not six:
                raise InvalidInput('%s: egress ipv6 is %s, but %s has no IPv6 address on a veth to the host (or to a bridge)'
                                   % (where, ipv6, owner))
            prefixes += six
        if not prefixes:
            raise InvalidInput('%s: %s has no IPv4 address on a veth to the host (or to a bridge) to give outbound access to '
                               '(for IPv6 addresses, set egress ipv6)' % (where, owner))
        return Egress(owner, netns, interface, prefixes, ipv6)

    def rules(self, items):
        rules = []
        for egress in sorted(items, key=lambda e: e.owner):
            for version in (4, 6):
                prefixes = [p for p in egress.prefixes if p.version == version]
                if not prefixes or (version == 6 and egress.ipv6 != 'masquerade'):
                    continue
                family, sources = NFT_FAMILY[version], nft_set(str(p) for p in prefixes)
                if egress.interface:
                    rule = 'oifname "%s" %s saddr %s masquerade' % (egress.interface, family, sources)
                else:
                    rule = '%s saddr %s %s daddr != %s masquerade' % (family, sources, family, sources)
                rules.append(('postrouting', '%s comment "%s"' % (rule, egress.owner)))
        return rules

    def families(self, items):
        return set(p.version for egress in items for p in egress.prefixes)

    @staticmethod
    def _ipv4(items):
        return [egress for egress in items if any(p.version == 4 for p in egress.prefixes)]

    def inbound(self, items):
        return None if self.unbound(items) else set(egress.interface for egress in self._ipv4(items))

    def unbound(self, items):
        return ['the egress of %s (no interface)' % egress.owner for egress in self._ipv4(items) if egress.interface is None]


PART = EgressPart()
