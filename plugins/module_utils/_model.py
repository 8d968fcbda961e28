# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Links of namespaces as the user declares them: the parameter model (LinkSpec, End, Route)
of each built-in kind (LINK_KINDS: a veth pair, a macvlan on a host link, a host interface
moved in, a vxlan, a WireGuard interface), built from module parameters and validated whole
before anything is read or changed. Custom types (shell phases) and bridge ports are not
LinkSpecs: _host and _hostnet hold them. No netlink here: the role's planning and the unit
renderers use it too. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import ipaddress
import re
import socket

from ansible_collections.netns.systemd.plugins.module_utils._names import (
    InvalidInput,
    check_ifname,
    check_netns_name,
    describe_end,
)

# The kinds of link the model knows (those of _kinds.table among them). A ``move`` is a host
# interface (a NIC, a tap) moved into a namespace, its ``parent`` the name it has on the host.
LINK_KINDS = ('veth', 'macvlan', 'move', 'vxlan', 'wireguard')
MTU_MIN = 68
MTU_MAX = 65535
_MAC_RE = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
# How a WireGuard interface is made: the kernel's link type where it exists, else wireguard-go
# (auto); or one of them only.
WIREGUARD_IMPLEMENTATIONS = ('auto', 'kernel', 'userspace')
_HOSTNAME_RE = re.compile(r'^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$')


def kind_file(kind):
    """The kind of _kinds.table named ``kind``, or None for the kinds still branched on here."""
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
    """One link of a built-in ``kind`` (see LINK_KINDS): a veth pair (``end`` and ``peer``), a
    macvlan (``end`` on host link ``parent``, in ``mode``), a host interface ``parent`` moved in
    as ``end``, a vxlan (``end`` on underlay ``parent``; vxlan_spec adds its VNI, port and
    remotes or group) or a WireGuard interface (``end``; wireguard_spec adds its keys and peers)."""

    def __init__(self, kind, end, peer=None, parent=None, mode=None, state='present', recreate=False, create_netns=False, force=False):
        self.kind = kind
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
        if self.kind == 'veth':
            return 'veth %s <-> %s' % (self.end.label, self.peer.label)
        kind = kind_file(self.kind)
        if kind is not None:
            return kind.label(self)
        if self.kind == 'wireguard':
            return 'wireguard %s' % self.end.label
        raise InvalidInput('link type %r has no label' % self.kind)


# ---------------------------------------------------------------- parsing and validation

def parse_address(value, where):
    if not isinstance(value, str) or '/' not in value:
        raise InvalidInput('%s: address %r needs a prefix length, for example 10.1.0.2/24 or fd00::2/64' % (where, value))
    try:
        return ipaddress.ip_interface(value)
    except ValueError as exc:
        raise InvalidInput('%s: address %r is not an IPv4 or IPv6 address with a prefix length: %s' % (where, value, exc))


def _parse_unique(parse, values, where):
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
    return _parse_unique(parse_address, values, where)


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
    return _parse_unique(parse_route, values, where)


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


def end_from(item, where, prefix=''):
    name_key = 'peer' if prefix else 'name'
    return End(
        netns=_netns_or_host(item.get(prefix + 'netns'), where),
        ifname=ifname_of(item.get(name_key), where, 'interface name'),
        addresses=parse_addresses(item.get(prefix + 'addresses'), where),
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


def veth_spec(item, where, defaults=None):
    """A veth LinkSpec from module-style options (name, peer, netns, peer_netns, ...)."""
    if not item.get('name'):
        raise InvalidInput('%s: name is required' % where)
    if not item.get('peer'):
        raise InvalidInput('%s: peer is required for veth %r' % (where, item.get('name')))
    spec = LinkSpec('veth', end_from(item, where), peer=end_from(item, where, prefix='peer_'), **common_options(item, defaults or {}))
    if spec.end.key == spec.peer.key:
        raise InvalidInput('%s: both ends of the veth are %s' % (where, spec.end.label))
    return spec


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


class WgPeer:
    """One peer of a WireGuard interface: its ``public_key``, ``preshared_key`` (a secret, or
    None), ``endpoint`` ('HOST:PORT', '[V6]:PORT' or None), ``allowed_ips`` (networks) and
    ``keepalive`` (seconds, 0 for off)."""

    __slots__ = ('public_key', 'preshared_key', 'endpoint', 'allowed_ips', 'keepalive')

    def __init__(self, public_key, preshared_key=None, endpoint=None, allowed_ips=(), keepalive=0):
        self.public_key = public_key
        self.preshared_key = preshared_key
        self.endpoint = endpoint
        self.allowed_ips = allowed_ips
        self.keepalive = keepalive

    @property
    def endpoint_is_name(self):
        """Whether the endpoint is a host name, which is looked up when the interface is set."""
        if self.endpoint is None:
            return False
        host = self.endpoint.rsplit(':', 1)[0].strip('[]')
        try:
            ipaddress.ip_address(host)
            return False
        except ValueError:
            return True


def parse_wg_key(value, where, what):
    """A WireGuard key (32 bytes in base64, as wg genkey and wg pubkey print them). The message
    never holds the value: a private key must not reach an error either."""
    text = value.strip() if isinstance(value, str) else None
    try:
        raw = base64.b64decode(text or '', validate=True) if text and len(text) == 44 else b''
    except (binascii.Error, ValueError):
        raw = b''
    if len(raw) != 32:
        raise InvalidInput('%s: %s is not a WireGuard key (44 characters of base64, as wg genkey or wg pubkey print)' % (where, what))
    return text


def _is_ipv4(text):
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def parse_endpoint(value, where):
    """'HOST:PORT' with HOST an IPv4 address, a bracketed IPv6 address or a host name."""
    text = str(value).strip()
    host, sep, port = text.rpartition(':')
    if not sep or not port.isdigit():
        raise InvalidInput('%s: endpoint %r needs a port, for example 192.0.2.1:51820, [2001:db8::1]:51820 or vpn.example.com:51820'
                           % (where, value))
    parse_port(int(port), where, 'endpoint port')
    if host.startswith('[') and host.endswith(']'):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidInput('%s: endpoint %r: %s is not an IPv6 address' % (where, value, host[1:-1]))
    elif ':' in host:
        raise InvalidInput('%s: endpoint %r: write an IPv6 address in brackets, [2001:db8::1]:51820' % (where, value))
    elif not _HOSTNAME_RE.match(host) or re.match(r'^[0-9.]+$', host) and not _is_ipv4(host):
        raise InvalidInput('%s: endpoint %r: %r is neither an IPv4 address nor a host name' % (where, value, host))
    return '%s:%s' % (host, int(port))


def parse_allowed_ip(value, where):
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError as exc:
        raise InvalidInput('%s: allowed IP %r is not a network such as 10.8.0.0/24 or 0.0.0.0/0: %s' % (where, value, exc))
    try:
        ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        raise InvalidInput('%s: allowed IP %r has host bits set: write %s' % (where, value, network))
    return network


def wireguard_secrets(namespaces):
    """The private and preshared keys in a raw list of namespaces (as netns_chain takes it), for
    a module that takes such a list without its spec to mask them."""
    for item in namespaces or ():
        for link in (item.get('links') or ()) if isinstance(item, dict) else ():
            if isinstance(link, dict):
                for value in [link.get('private_key')] + [peer.get('preshared_key') for peer in link.get('peers') or () if isinstance(peer, dict)]:
                    if isinstance(value, str) and value:
                        yield value


def wireguard_spec(item, where, defaults=None):
    """A LinkSpec of a WireGuard interface in namespace ``netns``, made on the host (its UDP
    socket stays there) and moved in: ``private_key``, ``listen_port``, ``fwmark`` and ``peers``;
    with ``route_allowed_ips``, a route through it to each allowed IP of its peers."""
    if not item.get('name'):
        raise InvalidInput('%s: name is required' % where)
    if not item.get('private_key'):
        raise InvalidInput('%s: private_key is required (wg genkey makes one)' % where)
    private_key = parse_wg_key(item['private_key'], where, 'private_key')
    listen_port = item.get('listen_port')
    if listen_port is not None:
        parse_port(listen_port, where, 'listen_port')
    fwmark = parse_number(item['fwmark'], where, 'fwmark', 0, (1 << 32) - 1) if item.get('fwmark') is not None else None
    implementation = item.get('implementation') or 'auto'
    if implementation not in WIREGUARD_IMPLEMENTATIONS:
        raise InvalidInput('%s: implementation %r is not one of %s' % (where, implementation, ', '.join(WIREGUARD_IMPLEMENTATIONS)))
    peers, owners = [], {}
    for index, value in enumerate(item.get('peers') or ()):
        peer_where = '%s.peers[%d]' % (where, index)
        if not isinstance(value, dict) or not value.get('public_key'):
            raise InvalidInput('%s: public_key is required' % peer_where)
        public_key = parse_wg_key(value['public_key'], peer_where, 'public_key')
        if any(peer.public_key == public_key for peer in peers):
            raise InvalidInput('%s: peer %s is listed twice' % (peer_where, public_key))
        preshared = parse_wg_key(value['preshared_key'], peer_where, 'preshared_key') if value.get('preshared_key') else None
        endpoint = parse_endpoint(value['endpoint'], peer_where) if value.get('endpoint') else None
        allowed = _parse_unique(parse_allowed_ip, value.get('allowed_ips') or (), peer_where)
        for network in allowed:
            if network in owners:
                raise InvalidInput('%s: allowed IP %s is given to peer %s too; WireGuard routes it to one peer only'
                                   % (peer_where, network, owners[network]))
            owners[network] = public_key
        keepalive = value.get('persistent_keepalive')
        keepalive = 0 if keepalive is None else parse_number(keepalive, peer_where, 'persistent_keepalive', 0, 65535)
        peers.append(WgPeer(public_key, preshared, endpoint, allowed, keepalive))
    end = end_from(item, where)
    if item.get('route_allowed_ips'):
        wanted = [Route(network) for network in sorted(owners, key=lambda n: (n.version, str(n)))]
        end.routes = tuple(list(end.routes or ()) + [route for route in wanted if route not in (end.routes or ())])
    spec = LinkSpec('wireguard', end, **common_options(item, defaults or {}))
    spec.private_key, spec.listen_port, spec.fwmark = private_key, listen_port, fwmark
    spec.peers, spec.implementation = tuple(peers), implementation
    return spec


_SPEC_BUILDERS = {'veth': veth_spec}


def specs_from_params(kind, params, item_keys):
    """Every LinkSpec a module call asks for: its ``links`` list, or its top-level options.

    ``item_keys`` are the per-link option names; they may not be mixed with ``links``.
    """
    defaults = {key: params.get(key) for key in ('state', 'recreate', 'create_netns')}
    build = _SPEC_BUILDERS[kind] if kind in _SPEC_BUILDERS else kind_file(kind).parse
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
        elif spec.kind == 'wireguard':
            # Made on the host under its own name (and wireguard-go's socket is named by it).
            keys.append(((None, spec.end.ifname), describe_end(None, spec.end.ifname) + ' (where %s is made)' % spec.end.label))
        for key, label in keys:
            if key in owners:
                raise InvalidInput('%s is named twice: in %s and in %s' % (label, owners[key].label, spec.label))
            owners[key] = spec
