# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port forwards, a part of the host side: a port of the host forwarded (DNAT) to an address
of a namespace on its veth to the host, IPv4 or IPv6, for packets from outside and for the
host's own connections to its addresses. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._model import parse_port
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import (
    LOOPBACK, NFT_FAMILY, HostPart, interfaces, nft_set, own_addresses, parse_ip, parse_prefixes)

PROTOCOLS = ('tcp', 'udp')


class PortForward:
    def __init__(self, where, netns, protocol, host_port, address, port, interfaces, host_addresses, sources):
        self.where = where
        self.netns = netns
        self.protocol = protocol
        self.host_port = host_port
        self.address = address
        self.port = port
        self.interfaces = interfaces
        self.host_addresses = host_addresses
        # The prefixes allowed to use it from outside (None: any); others are dropped.
        self.sources = sources

    @property
    def what(self):
        return '%s port %d (IPv%d)' % (self.protocol, self.host_port, self.address.version)


def _clash(one, two):
    """Two forwards of one protocol and host port that would take the same packets."""
    if one.address.version != two.address.version:
        return False
    if one.host_addresses and two.host_addresses and not set(one.host_addresses) & set(two.host_addresses):
        return False
    if one.interfaces and two.interfaces and not set(one.interfaces) & set(two.interfaces):
        return False
    return True


def _target(netns, where, value, own):
    """The address a forward goes to: the one given, which must be the namespace's on a veth to
    the host, or its first such IPv4 address, else its first IPv6 one."""
    ips = [a.ip for a in own]
    if value is not None:
        address = parse_ip(where, 'address', value)
        if address not in ips:
            raise InvalidInput('%s: %s is not an address of netns %s on a veth to the host (or to a bridge)' % (where, address, netns))
        return address
    for version in (4, 6):
        for ip in ips:
            if ip.version == version:
                return ip
    raise InvalidInput('%s: netns %s has no address on a veth to the host (or to a bridge) to forward to' % (where, netns))


class ForwardsPart(HostPart):
    name = 'forwards'
    chains = (('prerouting', 'nat', 'prerouting', 'dstnat'), ('output', 'nat', 'output', '-100'),
              # Before the translation (dstnat is -100): what a forward's sources leave out.
              ('sources', 'filter', 'prerouting', '-110'))

    def parse(self, present, bridges, known):
        found, taken = [], {}
        for entry in present:
            own = own_addresses(entry)
            items = entry.model.get('ports') or ()
            if not isinstance(items, (list, tuple)) or not all(isinstance(item, dict) for item in items):
                raise InvalidInput('netns %s: ports must be a list of dictionaries with host_port, not %r' % (entry.name, items))
            for index, item in enumerate(items):
                forward = self._forward('netns %s: ports[%d]' % (entry.name, index), entry.name, item, own, known)
                for other in taken.get((forward.protocol, forward.host_port), ()):
                    if _clash(forward, other):
                        raise InvalidInput('%s: %s is forwarded twice, to netns %s and to netns %s' % (
                            forward.where, forward.what, other.netns, forward.netns))
                taken.setdefault((forward.protocol, forward.host_port), []).append(forward)
                found.append(forward)
        return found

    @staticmethod
    def _forward(where, netns, item, own, known):
        protocol = item.get('protocol') or 'tcp'
        if protocol not in PROTOCOLS:
            raise InvalidInput('%s: protocol %r is not tcp or udp' % (where, protocol))
        host_port = parse_port(item.get('host_port'), where, 'host_port')
        port = parse_port(item.get('port') if item.get('port') is not None else host_port, where)
        address = _target(netns, where, item.get('address'), own)
        host_addresses = []
        for value in item.get('host_addresses') or ():
            value = parse_ip(where, 'host address', value, address.version)
            if value not in host_addresses:
                host_addresses.append(value)
        sources = item.get('sources')
        if sources is not None:
            sources = parse_prefixes(where, 'source', sources, address.version)
            if not sources:
                raise InvalidInput('%s: sources is empty, which would let no one in: omit it to allow any source' % where)
        return PortForward(where, netns, protocol, host_port, address, port, interfaces(where, item.get('interfaces'), known),
                           tuple(host_addresses), sources)

    def rules(self, items):
        rules = []
        for forward in sorted(items, key=lambda f: (f.protocol, f.host_port, f.netns, f.address.version)):
            version = forward.address.version
            family = NFT_FAMILY[version]
            to = ('[%s]' if version == 6 else '%s') % forward.address
            target = '%s dport %d dnat %s to %s:%d' % (forward.protocol, forward.host_port, family, to, forward.port)
            if forward.host_addresses:
                to_host = '%s daddr %s' % (family, nft_set(str(a) for a in forward.host_addresses))
            else:
                # Loopback is never forwarded: for IPv4 that would need route_localnet (see the docs).
                to_host = '%s daddr != %s fib daddr type local' % (family, LOOPBACK[version])
            incoming = ('iifname %s ' % nft_set('"%s"' % i for i in forward.interfaces)) if forward.interfaces else ''
            if forward.sources:
                sources = nft_set(str(p) for p in forward.sources)
                # Dropped, not refused: to others the port looks like nothing at all.
                rules.append(('sources', '%s%s %s saddr != %s %s dport %d drop' % (
                    incoming, to_host, family, sources, forward.protocol, forward.host_port)))
                incoming = '%s%s saddr %s ' % (incoming, family, sources)
            rules.append(('prerouting', '%s%s %s' % (incoming, to_host, target)))
            # The host's own connections to its own addresses.
            rules.append(('output', '%s %s' % (to_host, target)))
        return rules

    def families(self, items):
        return set(forward.address.version for forward in items)

    def inbound(self, items):
        if self.unbound(items):
            return None
        return set(name for forward in items if forward.address.version == 4 for name in forward.interfaces)

    def unbound(self, items):
        return ['the forward of %s of netns %s (no interfaces)' % (forward.what, forward.netns)
                for forward in items if forward.address.version == 4 and not forward.interfaces]


PART = ForwardsPart()
