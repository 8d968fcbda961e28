# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Links of namespaces as the user declares them: the parameter model (LinkSpec, End, Route)
shared by the kinds of _kinds.table, whose files parse their own options with the helpers
here, validated whole before anything is read or changed. Custom types (shell phases) and bridge ports are not
LinkSpecs: _host and _hostnet hold them. No netlink here: the role's planning and the unit
renderers use it too. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import socket

from ansible_collections.netns.systemd.plugins.module_utils._names import (
    InvalidInput,
    check_ifname,
    check_netns_name,
    describe_end,
)

MTU_MIN = 68
MTU_MAX = 65535
_MAC_RE = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')


def kind_file(kind):
    """The kind of _kinds.table named ``kind``, or None."""
    # Imported here: the kind files import this module.
    from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
    return KINDS.get(kind)


class Route:
    """A static route through a link: ``dst`` (network) and an optional ``gateway``."""

    __slots__ = ('dst', 'gateway')

    def __init__(self, dst, gateway=None):
        self.dst = dst
        self.gateway = gateway

    def _key(self):
        return (self.dst.version, str(self.dst), str(self.gateway or ''))

    def __eq__(self, other):
        return isinstance(other, Route) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __lt__(self, other):
        return self._key() < other._key()

    @property
    def family(self):
        return socket.AF_INET if self.dst.version == 4 else socket.AF_INET6

    def text(self):
        dst = 'default' if self.dst.prefixlen == 0 else str(self.dst)
        return dst + (' via %s' % self.gateway if self.gateway is not None else '')


class End:
    """One interface of a link as the user wants it. ``None`` lists are left unmanaged."""

    __slots__ = ('netns', 'ifname', 'addresses', 'mac', 'mtu', 'routes')

    def __init__(self, netns, ifname, addresses=None, mac=None, mtu=None, routes=None):
        self.netns = netns
        self.ifname = ifname
        self.addresses = addresses
        self.mac = mac
        self.mtu = mtu
        self.routes = routes

    @property
    def key(self):
        return (self.netns, self.ifname)

    @property
    def label(self):
        return describe_end(self.netns, self.ifname)


class LinkSpec:
    """One link of a ``kind`` of _kinds.table: a veth pair (``end`` and ``peer``), a
    macvlan (``end`` on host link ``parent``, in ``mode``), a host interface ``parent`` moved in
    as ``end``, a vxlan (``end`` on underlay ``parent``; vxlan_spec adds its VNI, port and
    remotes or group) or a WireGuard interface (``end``; wireguard_spec adds its keys and peers)."""

    def __init__(self, kind, end, peer=None, parent=None, mode=None, state='present', recreate=False, create_netns=False, force=False,
                 dhcp=()):
        self.kind = kind
        # The IP versions (4, 6) whose addresses come from a DHCP lease (_parts.dhcp): then
        # ``end.addresses`` is unmanaged.
        self.dhcp = dhcp
        # A moved interface that carries the host's default route (and is up) is taken only with force.
        self.force = force
        self.end = end
        self.peer = peer
        self.parent = parent
        self.mode = mode
        self.state = state
        self.recreate = recreate
        self.create_netns = create_netns

    @property
    def ends(self):
        return (self.end, self.peer) if self.peer is not None else (self.end,)

    @property
    def label(self):
        kind = kind_file(self.kind)
        if kind is not None:
            return kind.label(self)
        raise InvalidInput('link type %r has no label' % self.kind)


# ---------------------------------------------------------------- parsing and validation

def parse_address(value, where):
    if not isinstance(value, str) or '/' not in value:
        raise InvalidInput('%s: address %r needs a prefix length, for example 10.1.0.2/24 or fd00::2/64' % (where, value))
    try:
        return ipaddress.ip_interface(value)
    except ValueError as exc:
        raise InvalidInput('%s: address %r is not an IPv4 or IPv6 address with a prefix length: %s' % (where, value, exc))


def parse_unique(parse, values, where):
    """``values`` parsed one by one, repeats dropped, order kept; None stays None (unmanaged)."""
    if values is None:
        return None
    parsed = []
    for value in values:
        item = parse(value, where)
        if item not in parsed:
            parsed.append(item)
    return tuple(parsed)


def parse_addresses(values, where):
    return parse_unique(parse_address, values, where)


def parse_mac(value, where):
    if value is None:
        return None
    mac = str(value).lower()
    if not _MAC_RE.match(mac):
        raise InvalidInput('%s: mac %r is not six hex octets separated by colons, for example 02:00:00:00:00:01' % (where, value))
    if int(mac[:2], 16) & 1:
        raise InvalidInput('%s: mac %r is a multicast address; an interface needs a unicast one' % (where, value))
    if mac == '00:00:00:00:00:00':
        raise InvalidInput('%s: mac %r is all zeros' % (where, value))
    return mac


def parse_mtu(value, where):
    if value is None:
        return None
    try:
        mtu = int(value)
    except (TypeError, ValueError):
        raise InvalidInput('%s: mtu %r is not a whole number' % (where, value))
    if not MTU_MIN <= mtu <= MTU_MAX:
        raise InvalidInput('%s: mtu %d is out of range %d..%d' % (where, mtu, MTU_MIN, MTU_MAX))
    return mtu


def parse_route(value, where):
    if not isinstance(value, dict) or 'dst' not in value:
        raise InvalidInput('%s: route %r needs a dst (a network such as 10.2.0.0/16, or default)' % (where, value))
    unknown = sorted(set(value) - {'dst', 'gateway'})
    if unknown:
        raise InvalidInput('%s: route %r has unknown keys %s; use dst and gateway' % (where, value, ', '.join(unknown)))
    gateway = None
    if value.get('gateway') not in (None, ''):
        try:
            gateway = ipaddress.ip_address(value['gateway'])
        except ValueError:
            raise InvalidInput('%s: route gateway %r is not an IPv4 or IPv6 address' % (where, value['gateway']))
    dst = value['dst']
    if dst == 'default':
        dst = ipaddress.ip_network('::/0' if gateway is not None and gateway.version == 6 else '0.0.0.0/0')
    else:
        try:
            dst = ipaddress.ip_network(dst, strict=True)
        except ValueError as exc:
            raise InvalidInput('%s: route dst %r is not a network (10.2.0.0/16) or default: %s' % (where, value['dst'], exc))
    if gateway is not None and gateway.version != dst.version:
        raise InvalidInput('%s: route %r mixes IPv%d and IPv%d' % (where, value, dst.version, gateway.version))
    return Route(dst, gateway)


def parse_routes(values, where):
    return parse_unique(parse_route, values, where)


def _netns_or_host(value, where):
    if value in (None, ''):
        return None
    try:
        return check_netns_name(value)
    except InvalidInput as exc:
        raise InvalidInput('%s: %s' % (where, exc))


def ifname_of(value, where, what):
    try:
        return check_ifname(value, what)
    except InvalidInput as exc:
        raise InvalidInput('%s: %s' % (where, exc))


# The words of an ``addresses`` option that ask a DHCP server, and the IP version of each.
DHCP_WORDS = {'dhcp': 4, 'dhcp6': 6}


def dhcp_versions(value, where='addresses'):
    """The IP versions an ``addresses`` option asks a DHCP server for, in order: ``dhcp`` (4),
    ``dhcp6`` (6), or a list of them (Ansible makes a string into a list); () for a list of
    addresses. InvalidInput when the words are mixed with addresses."""
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list):
        return ()
    found = [word for word in words if isinstance(word, str) and word in DHCP_WORDS]
    if not found:
        return ()
    if len(found) != len(words) or len(set(found)) != len(found):
        raise InvalidInput('%s: addresses is dhcp, dhcp6, or the list [dhcp, dhcp6], or a list of addresses; not both, '
                           'and no word twice: %r' % (where, value))
    return tuple(sorted(DHCP_WORDS[word] for word in found))


def end_from(item, where, prefix='', dhcp=False):
    """The End of ``item``; ``dhcp``: its addresses may come from DHCP (then unmanaged)."""
    name_key = 'peer' if prefix else 'name'
    addresses = item.get(prefix + 'addresses')
    if dhcp_versions(addresses, where):
        if not dhcp:
            raise InvalidInput('%s: addresses: dhcp and dhcp6 are for a link of its own on a LAN with a DHCP server (a macvlan '
                               'or a moved interface)' % where)
        addresses = None
    return End(
        netns=_netns_or_host(item.get(prefix + 'netns'), where),
        ifname=ifname_of(item.get(name_key), where, 'interface name'),
        addresses=parse_addresses(addresses, where),
        mac=parse_mac(item.get(prefix + 'mac'), where),
        mtu=parse_mtu(item.get('mtu'), where),
        routes=parse_routes(item.get(prefix + 'routes'), where),
    )


def common_options(item, defaults):
    def pick(key):
        value = item.get(key)
        return defaults.get(key) if value is None else value
    state = pick('state') or 'present'
    if state not in ('present', 'absent'):
        raise InvalidInput('state %r is not present or absent' % state)
    return {'state': state, 'recreate': bool(pick('recreate')), 'create_netns': bool(pick('create_netns'))}


def parse_number(value, where, what, low, high):
    """A whole number from ``low`` to ``high``, or InvalidInput whose message starts with ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput('%s: %s %r is not a number from %d to %d' % (where, what, value, low, high))
    return value


def parse_port(value, where, what='port'):
    """A TCP or UDP port number, or InvalidInput whose message starts with ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput('%s: %s %r is not a port number (1 to 65535)' % (where, what, value))
    return value


def specs_from_params(kind, params, item_keys):
    """Every LinkSpec a module call asks for: its ``links`` list, or its top-level options.

    ``item_keys`` are the per-link option names; they may not be mixed with ``links``.
    """
    defaults = {key: params.get(key) for key in ('state', 'recreate', 'create_netns')}
    build = kind_file(kind).parse
    if params.get('links') is not None:
        mixed = sorted(key for key in item_keys if params.get(key) is not None)
        if mixed:
            raise InvalidInput('links cannot be combined with %s: give those inside each item of links' % ', '.join(mixed))
        specs = []
        for index, item in enumerate(params['links']):
            label = 'links[%d]%s' % (index, ' (%s)' % item['name'] if isinstance(item, dict) and item.get('name') else '')
            if not isinstance(item, dict):
                raise InvalidInput('%s is not a dictionary' % label)
            specs.append(build(item, label, defaults))
    else:
        specs = [build(params, params.get('name') or kind, defaults)]
    for spec in specs:
        if spec.dhcp:
            raise InvalidInput('%s: addresses: dhcp and dhcp6 run a DHCP client in the link\'s unit, which this module does not '
                               'make: declare the link with netns_chain or the netns role' % spec.label)
    check_unique_ends(specs)
    return specs


def check_unique_ends(specs):
    owners = {}
    for spec in specs:
        keys = [(end.key, end.label) for end in spec.ends]
        kind = kind_file(spec.kind)
        if kind is not None:
            # A host interface it takes is one of the host's names too.
            keys.extend(kind.host_names(spec))
        for key, label in keys:
            if key in owners:
                raise InvalidInput('%s is named twice: in %s and in %s' % (label, owners[key].label, spec.label))
            owners[key] = spec
