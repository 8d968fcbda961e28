# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link kind ``wireguard``, whole: a WireGuard interface made on the host (its UDP socket stays
there) and moved into a namespace, whose traffic then has no way out but the tunnel. Its
options and their validation (keys, peers, endpoints, allowed IPs), the tools it needs on the
host, the root-only configuration file it is set from (``wg setconf`` format: the keys live
there and nowhere else), what its unit runs, and the live comparison with ``wg show IF dump``
inside the namespace, whose differences are applied with ``wg syncconf`` (peers change
without the interface going down). Registered in _kinds.table.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import ipaddress
import os
import re
import subprocess

from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import Kind
from ansible_collections.netns.systemd.plugins.module_utils._model import (
    LinkSpec,
    Route,
    common_options,
    end_from,
    parse_number,
    parse_port,
    parse_unique,
)
from ansible_collections.netns.systemd.plugins.module_utils._files import is_regular_file
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, check_ifname, check_netns_name, describe_end
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import NETNS_RUN_DIR, netns_id, scratch_netns
from ansible_collections.netns.systemd.plugins.module_utils._paths import WIREGUARD_DIR
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import kind_of

# How a WireGuard interface is made: the kernel's link type where it exists, else wireguard-go
# (auto); or one of them only.
IMPLEMENTATIONS = ('auto', 'kernel', 'userspace')
_HOSTNAME_RE = re.compile(r'^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$')
# A host name as an endpoint is looked up when the interface is set: after the network is online.
NETWORK_ONLINE = 'network-online.target'
KIND_NAME = 'wireguard'


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
    if implementation not in IMPLEMENTATIONS:
        raise InvalidInput('%s: implementation %r is not one of %s' % (where, implementation, ', '.join(IMPLEMENTATIONS)))
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
        allowed = parse_unique(parse_allowed_ip, value.get('allowed_ips') or (), peer_where)
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
    spec = LinkSpec(KIND_NAME, end, **common_options(item, defaults or {}))
    spec.private_key, spec.listen_port, spec.fwmark = private_key, listen_port, fwmark
    spec.peers, spec.implementation = tuple(peers), implementation
    return spec


def kernel_has_wireguard(run):
    """Whether this kernel makes WireGuard links, tried in a new, empty namespace that goes
    away with the probe: (True, '') or (False, what ip said)."""
    with scratch_netns():
        rc, out, err = run(['ip', 'link', 'add', 'wgprobe', 'type', 'wireguard'])
    return rc == 0, (err or out).strip()


def check_tools(specs, run, which):
    """InvalidInput before any change when a WireGuard link of ``specs`` (those of the present
    namespaces) cannot be made on this host: no ``wg``, the kernel's link type asked for and
    missing, or wireguard-go needed and missing. ``which(name)``: the path of a command, or None."""
    if not specs:
        return
    if not which('wg'):
        raise InvalidInput('%s: wg (wireguard-tools) is not installed on the host; install it first' % specs[0].label)
    kernel, said = kernel_has_wireguard(run)
    for spec in specs:
        if spec.implementation == 'kernel' and not kernel:
            raise InvalidInput('%s: implementation kernel, but this kernel has no WireGuard link type (%s); use implementation '
                               'userspace or auto, with wireguard-go' % (spec.label, said or 'ip link add type wireguard failed'))
        if spec.implementation == 'userspace' or (spec.implementation == 'auto' and not kernel):
            if not which('wireguard-go'):
                raise InvalidInput('%s: wireguard-go is not installed on the host, and is needed %s; install it first'
                                   % (spec.label, 'for implementation userspace' if spec.implementation == 'userspace'
                                      else 'since this kernel has no WireGuard link type'))


def conf_path(netns, ifname, wireguard_dir=WIREGUARD_DIR):
    return os.path.join(wireguard_dir, netns, '%s.conf' % ifname)


def render_conf(spec):
    """The ``wg setconf`` file of a wireguard LinkSpec (it holds the private key: root-only)."""
    lines = ['[Interface]', 'PrivateKey = %s' % spec.private_key]
    if spec.listen_port is not None:
        lines.append('ListenPort = %d' % spec.listen_port)
    # Written when off too: wg setconf leaves out what a file leaves out.
    lines.append('FwMark = %s' % (spec.fwmark or 'off'))
    for peer in spec.peers:
        lines += ['', '[Peer]', 'PublicKey = %s' % peer.public_key]
        if peer.preshared_key:
            lines.append('PresharedKey = %s' % peer.preshared_key)
        if peer.endpoint:
            lines.append('Endpoint = %s' % peer.endpoint)
        if peer.allowed_ips:
            lines.append('AllowedIPs = %s' % ', '.join(str(network) for network in peer.allowed_ips))
        lines.append('PersistentKeepalive = %s' % (peer.keepalive or 'off'))
    return '\n'.join(lines) + '\n'


def parse_dump(text):
    """``wg show IF dump`` as {'private_key', 'listen_port', 'fwmark', 'peers': {public key:
    {'preshared_key', 'endpoint', 'allowed_ips' (set of networks), 'keepalive'}}}; None when
    it is not a dump."""
    rows = [line.split('\t') for line in (text or '').splitlines() if line.strip()]
    if not rows or len(rows[0]) != 4:
        return None
    private_key, _public, port, fwmark = rows[0]
    live = {'private_key': None if private_key == '(none)' else private_key, 'listen_port': int(port),
            'fwmark': 0 if fwmark == 'off' else int(fwmark, 0), 'peers': {}}
    for row in rows[1:]:
        if len(row) != 8:
            return None
        public, preshared, endpoint, allowed, _handshake, _rx, _tx, keepalive = row
        live['peers'][public] = {
            'preshared_key': None if preshared == '(none)' else preshared,
            'endpoint': None if endpoint == '(none)' else endpoint,
            'allowed_ips': set(ipaddress.ip_network(n) for n in allowed.split(',') if n and n != '(none)'),
            'keepalive': 0 if keepalive == 'off' else int(keepalive),
        }
    return live


def _short(key):
    """A public key as messages show it (the start is enough to tell peers apart)."""
    return key[:10] + '...'


def differences(spec, live):
    """What differs between a wireguard LinkSpec and its live state (parse_dump), one line
    each; no line holds a private or preshared key. Endpoints are not compared (WireGuard
    follows a peer that roams): a changed endpoint is applied when the file changes."""
    label = spec.end.label
    lines = []
    if live['private_key'] != spec.private_key:
        lines.append('~ wireguard %s: private key' % label)
    if spec.listen_port is not None and live['listen_port'] != spec.listen_port:
        lines.append('~ wireguard %s: listen port %d (was %d)' % (label, spec.listen_port, live['listen_port']))
    if (spec.fwmark or 0) != live['fwmark']:
        lines.append('~ wireguard %s: fwmark %d (was %d)' % (label, spec.fwmark or 0, live['fwmark']))
    wanted = dict((peer.public_key, peer) for peer in spec.peers)
    for key in sorted(set(live['peers']) - set(wanted)):
        lines.append('- wireguard %s: peer %s' % (label, _short(key)))
    for key, peer in sorted(wanted.items()):
        have = live['peers'].get(key)
        if have is None:
            lines.append('+ wireguard %s: peer %s' % (label, _short(key)))
            continue
        changed = []
        if have['preshared_key'] != peer.preshared_key:
            changed.append('preshared key')
        if have['allowed_ips'] != set(peer.allowed_ips):
            changed.append('allowed IPs %s (were %s)' % (', '.join(str(n) for n in peer.allowed_ips) or 'none',
                                                         ', '.join(sorted(str(n) for n in have['allowed_ips'])) or 'none'))
        if have['keepalive'] != peer.keepalive:
            changed.append('keepalive %d (was %d)' % (peer.keepalive, have['keepalive']))
        if changed:
            lines.append('~ wireguard %s: peer %s: %s' % (label, _short(key), '; '.join(changed)))
    return lines


def _wireguard_go(ifname):
    """wireguard-go makes the interface and its socket, then leaves its daemon running (in the
    unit's cgroup: it exits when the interface is deleted). Its output goes to the journal."""
    env = dict(os.environ, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD='1')
    try:
        return subprocess.call(['wireguard-go', ifname], env=env, stdin=subprocess.DEVNULL) == 0
    except OSError:
        return False


def make_in_unit(netns, ifname, implementation, run, wireguard_dir=WIREGUARD_DIR):
    """What netns-wireguard@NETNS does for one interface: made on the host, so that its UDP
    socket stays there, set from its root-only file (the keys never appear on a command line),
    then moved into the namespace; one that is there already is kept (netns_chain compares it
    and syncs it live). [lines]; NetnsError when it cannot be made (nothing is left on the host)."""
    # Imported here: the modules that only render units never load pyroute2.
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles, NetlinkError
    conf = conf_path(netns, ifname, wireguard_dir)
    with NamespaceHandles() as handles:
        if handles.rtnl(netns).link_lookup(ifname=ifname):
            return []
        if not is_regular_file(conf):
            raise NetnsError('%s is missing: run the playbook again' % conf)
        host = handles.rtnl(None)
        if host.link_lookup(ifname=ifname):
            raise NetnsError('%s exists on the host, where WireGuard interface %s of %s is made: not taking it' % (ifname, ifname, netns))
        made = False
        if implementation in ('kernel', 'auto'):
            try:
                host.link('add', ifname=ifname, kind='wireguard')
                made = True
            except NetlinkError as exc:
                if implementation == 'kernel':
                    raise NetnsError('WireGuard interface %s cannot be made by the kernel: %s' % (ifname, exc))
        if not made and not _wireguard_go(ifname):
            raise NetnsError('wireguard-go could not make %s' % ifname)
        try:
            rc, out, err = run(['wg', 'setconf', ifname, conf])
            if rc != 0:
                raise NetnsError('wg setconf %s: %s' % (ifname, (err or out).strip()))
            host.link('set', index=host.link_lookup(ifname=ifname)[0], net_ns_fd=handles.fd(netns))
        except (NetnsError, NetlinkError, OSError) as exc:
            try:
                host.link('del', index=host.link_lookup(ifname=ifname)[0])
            except (NetlinkError, IndexError):
                pass
            raise NetnsError('WireGuard interface %s of %s: %s' % (ifname, netns, exc))
    return ['+ wireguard %s in %s (%s)' % (ifname, netns, 'kernel' if made else 'wireguard-go')]


def _wg(run, netns, *args):
    # nsenter enters only the network namespace: a kernel interface is reached by netlink there,
    # a wireguard-go one by its socket in /run/wireguard, which is the host's.
    return run(['nsenter', '--net=%s' % os.path.join(NETNS_RUN_DIR, netns), 'wg'] + list(args))


def converge_wireguard(entries, run, check_mode, changed_files=(), wireguard_dir=WIREGUARD_DIR):
    """([lines], {netns: error}) for the wireguard interfaces of present namespaces that exist:
    each compared with its spec (``differences``), and set again from its file with ``wg
    syncconf`` where it differs or where its file is in ``changed_files`` (an endpoint); nothing
    changes in ``check_mode``. An interface that does not exist is its unit's (and the link
    converger's) to make."""
    lines, errors = [], {}
    for entry in entries:
        if entry.state != 'present' or netns_id(entry.name) is None:
            continue
        for spec in entry.links.get(KIND_NAME, ()):
            device = spec.end.ifname
            rc, out, err = _wg(run, entry.name, 'show', device, 'dump')
            if rc != 0:
                continue
            live = parse_dump(out)
            if live is None:
                errors[entry.name] = 'netns %s: %s is not a WireGuard interface (wg show gave no dump)' % (entry.name, device)
                continue
            path = conf_path(entry.name, device, wireguard_dir)
            found = differences(spec, live)
            if not found and path not in changed_files:
                continue
            lines.extend(found or ['~ wireguard %s: set again from %s' % (spec.end.label, path)])
            if check_mode:
                continue
            commands = [('syncconf', device, path)]
            # A file cannot say "no preshared key": one the peer has no more is cleared.
            commands += [('set', device, 'peer', peer.public_key, 'preshared-key', '/dev/null') for peer in spec.peers
                         if peer.preshared_key is None and live['peers'].get(peer.public_key, {}).get('preshared_key')]
            for command in commands:
                rc, out, err = _wg(run, entry.name, *command)
                if rc != 0:
                    errors[entry.name] = 'netns %s: wg %s %s: %s' % (entry.name, command[0], device, (err or out).strip())
                    break
    return lines, errors


class Wireguard(Kind):
    name = KIND_NAME
    # Made by its unit (wireguard-go lives in the unit's cgroup): a missing one is made again
    # by starting the unit, not by the converger.
    by_unit = True
    # Root-only files under BOOT_DIR/wireguard/NAME/, which its unit names.
    private_dir = os.path.basename(WIREGUARD_DIR)

    def default_name(self, netns, item):
        return 'wg-%s' % netns

    def parse(self, item, where, defaults=None):
        return wireguard_spec(item, where, defaults)

    def label(self, spec):
        return 'wireguard %s' % spec.end.label

    def host_names(self, spec):
        """Made on the host under its own name (and wireguard-go's socket is named by it)."""
        return [((None, spec.end.ifname), describe_end(None, spec.end.ifname) + ' (where %s is made)' % spec.end.label)]

    def check_host(self, specs, run, which):
        """InvalidInput before any change when these cannot be made here (check_tools)."""
        check_tools(specs, run, which)

    def private_files(self, netns, specs, directory):
        """{path: text} of the root-only files its interfaces are set from."""
        return dict((conf_path(netns, spec.end.ifname, directory), render_conf(spec)) for spec in specs)

    def unit_lines(self, netns, specs):
        """Made on the host (its socket stays there), set from its root-only file and moved in
        by the engine (make_in_unit), then its addresses and routes; deleting it stops a wireguard-go daemon
        too. Only names reach the unit: never a key. (start lines, stop groups, wants)."""
        # Imported here: _units imports the table of kinds.
        from ansible_collections.netns.systemd.plugins.module_utils import _units
        start, stops = [], []
        for spec in specs:
            end = spec.end
            argv = [_units.ENGINE_LAUNCHER, 'wireguard', end.netns, end.ifname, spec.implementation]
            start.append(_units.exec_line('ExecStart', argv))
            start += _units.end_up_lines(end)
            stops.append([_units.exec_line('ExecStop', _units.ip_argv(end.netns, 'link', 'del', end.ifname), ignore_failure=True)])
        wants = [NETWORK_ONLINE] if any(peer.endpoint_is_name for spec in specs for peer in spec.peers) else []
        return start, stops, wants

    def engine_commands(self):
        return {'wireguard': self._engine_wireguard}

    def _engine_wireguard(self, args, run):
        """netns-engine wireguard NS IF HOW (HOW: kernel, userspace or auto)."""
        if len(args) != 3 or args[2] not in IMPLEMENTATIONS:
            raise InvalidInput('usage: netns-engine wireguard NS IF kernel|userspace|auto')
        check_netns_name(args[0])
        check_ifname(args[1])
        return make_in_unit(args[0], args[1], args[2], run)

    def conflict(self, converger, spec, here):
        if here is None:
            if converger.snapshot(None).links.get(spec.end.ifname) is not None:
                raise InvalidInput('%s: %s exists, and the WireGuard interface is made on the host first (so that its '
                                   'socket stays there): rename the link, or remove what is in the way'
                                   % (spec.label, describe_end(None, spec.end.ifname)))
            return None, []
        if kind_of(here) in ('wireguard', 'tun'):
            return None, []
        return '%s exists as a %s, not a WireGuard interface' % (spec.end.label, kind_of(here) or 'device'), [(spec.end, here)]

    def create(self, converger, spec):
        raise InvalidInput('%s is made by its unit' % spec.label)

    def converge_live(self, entries, handles, check_mode, run=None, changed_files=()):
        """Its peers, keys and settings against ``wg show dump`` (needs ``run``)."""
        if run is None:
            return [], {}
        return converge_wireguard(entries, run, check_mode, changed_files)


KIND = Wireguard()
