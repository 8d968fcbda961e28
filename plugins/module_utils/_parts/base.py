# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every part of the host side answers (egress, port forwards: _parts.table), what a part of
a namespace with a unit of its own answers (NetnsPart: the bridge ports), and what the parts
share. A part reads its options from the whole declaration, checks them before any
change (parse), gives the rules it needs in the table the collection owns (rules) and the IP
families the host must forward for it (families). The bridges and the files, units and drift of
the host side stay in _hostnet, which asks the parts and never branches on one. Private to the
collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_ifname

# How nft names an address family in a match, and the loopback prefix a forward never takes.
NFT_FAMILY = {4: 'ip', 6: 'ip6'}
LOOPBACK = {4: '127.0.0.0/8', 6: '::1'}


class HostPart:
    """A part of the host side. ``name``: its key in HostNet.items; ``chains``: the chains of the
    owned table its rules go to, (name, type, hook, priority) each (a chain two parts name is
    the same chain, declared alike)."""
    name = None
    chains = ()

    def parse(self, present, bridges, known):
        """Its items, from the options of ``present`` (the present namespaces: their ``model``,
        the item as given) and of ``bridges`` ({bridge: (where, Bridge)}, every declared one; those
        without ports are not in use), checked; InvalidInput before any change. ``known``: the
        names a host interface option may take."""
        raise NotImplementedError

    def users(self, items):
        """The namespaces its items are for (the host side is theirs too: _hostnet.manages_host)."""
        return set(item.netns for item in items if item.netns is not None)

    def rules(self, items):
        """[(chain of CHAINS, rule)] of its items, in a stable order."""
        raise NotImplementedError

    def families(self, items):
        """The IP versions (4, 6) the host forwards for its items."""
        raise NotImplementedError

    def inbound(self, items):
        """The host interfaces, besides the collection's own links, on which IPv4 packets of its
        items come in to be forwarded (answers from an egress interface, a forwarded port's
        interfaces); None when that can be any interface (unbound), which takes the global switch."""
        return set()

    def unbound(self, items):
        """Its IPv4 items that take packets from any interface, in words (none: [])."""
        return []


class NetnsPart:
    """A part of a namespace with a unit of its own, netns-NAME@NETNS.service (the bridge ports:
    _parts.table.NETNS_PARTS), beside the units of its link kinds. ``name``: the unit's, which
    no link type may take; ``as_link_type``: why, when a link gives it as its type."""
    name = None
    as_link_type = None

    def wanted(self, entry):
        """Whether the present namespace ``entry`` (_host.NamespaceEntry) has this part."""
        raise NotImplementedError

    def files(self, entry):
        """{name: text} of its files in ns/NETNS/."""
        raise NotImplementedError

    def dropins(self, entry):
        """{unit: drop-in} of its unit for ``entry``."""
        raise NotImplementedError

    def template_text(self):
        """The text of its template, netns-NAME@.service."""
        raise NotImplementedError

    def engine_commands(self):
        """{command: function(names, run) -> [lines]} the engine runs for its unit."""
        return {}


class InsidePart:
    """A part set inside a namespace (_parts.table.INSIDE_PARTS: sysctl, nftables): its option
    read from the namespace's item into the entry (parse), then a session over many namespaces
    that checks them all before any change and compares and sets them in those that exist."""
    name = None

    def parse(self, entry, item, where):
        """Set on ``entry`` (_host.NamespaceEntry) what it holds of this part, from ``item``; InvalidInput."""
        raise NotImplementedError

    def session(self, entries, run):
        """An object with check() (InvalidInput before any change), converge(check_mode, fresh,
        only) -> ([lines], [file diffs], {netns: error}) and close(); ``fresh``: namespaces made
        just now; ``only``: the names of the namespaces to converge (None: all of ``entries``)."""
        raise NotImplementedError


class Inside:
    """The sessions of ``parts`` (InsidePart) for ``entries``, as one: a context manager."""

    def __init__(self, parts, entries, run):
        self._sessions = []
        try:
            for part in parts:
                self._sessions.append(part.session(entries, run))
        except Exception:
            self.close()
            raise

    def close(self):
        for session in self._sessions:
            session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def check(self):
        for session in self._sessions:
            session.check()

    def converge(self, check_mode, fresh=(), only=None):
        """Each part compared and (but in ``check_mode``) set, in order, in the namespaces named
        in ``only`` (None: all): ([lines], [file diffs], {netns: error}, the errors of several
        parts joined)."""
        lines, diffs, errors = [], [], {}
        for session in self._sessions:
            found, changed, failed = session.converge(check_mode, fresh, only)
            lines.extend(found)
            diffs.extend(changed)
            for name, error in failed.items():
                errors[name] = '%s; %s' % (errors[name], error) if name in errors else error
        return lines, diffs, errors


def networks(addresses, version=None):
    return [a.network for a in addresses or () if version is None or a.version == version]


def host_veths(entry):
    """The links of a present namespace with their other end on the host (veths)."""
    return [spec for kind in sorted(entry.links) for spec in entry.links[kind] if spec.peer is not None and spec.peer.netns is None]


def own_addresses(entry):
    """The addresses of ``entry`` on its veths to the host (bridge ports included), in order."""
    return [a for spec in host_veths(entry) for a in spec.end.addresses or ()]


def parse_ip(where, what, value, version=None):
    """``value`` as an IP address (of ``version`` when given); InvalidInput naming the option."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidInput('%s: %s %r is not an IPv4 or IPv6 address' % (where, what, value))
    if version is not None and address.version != version:
        raise InvalidInput('%s: %s %s is IPv%d, and this forward is IPv%d: give one forward per family'
                           % (where, what, address, address.version, version))
    return address


def parse_prefixes(where, what, values, version=None):
    """The prefixes of ``values`` (a list of networks such as 10.0.0.0/8 or 2001:db8::/32, or
    addresses, taken as /32 and /128), without repeats, all of ``version`` when given; InvalidInput
    naming ``what`` otherwise."""
    if not isinstance(values, (list, tuple)):
        raise InvalidInput('%s: %s must be a list of prefixes, not %r' % (where, what, values))
    found = []
    for value in values:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except (TypeError, ValueError) as exc:
            raise InvalidInput('%s: %s %r is not a prefix such as 192.0.2.0/24 or 2001:db8::/32: %s' % (where, what, value, exc))
        if version is not None and network.version != version:
            raise InvalidInput('%s: %s %s is IPv%d, and this forward is IPv%d: give one forward per family'
                               % (where, what, network, network.version, version))
        if network not in found:
            found.append(network)
    return tuple(found)


def interfaces(where, values, known):
    """The host interfaces of ``values``, each checked and known, without repeats."""
    names = []
    for value in values or ():
        try:
            check_ifname(value)
        except InvalidInput as exc:
            raise InvalidInput('%s: %s' % (where, exc))
        if value not in known:
            raise InvalidInput('%s: interface %r does not exist on the host and is not a bridge or a host end of a veth of '
                               'this list' % (where, value))
        if value not in names:
            names.append(value)
    return tuple(names)


def nft_set(words):
    """One word, or an anonymous set of them."""
    words = list(words)
    return words[0] if len(words) == 1 else '{ %s }' % ', '.join(words)
