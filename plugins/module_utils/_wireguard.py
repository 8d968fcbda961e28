# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WireGuard interfaces of the namespaces: the root-only configuration file each one is set
from (``wg setconf`` format: the keys live there and nowhere else), and the live comparison
with ``wg show IF dump`` inside the namespace, whose differences are applied with ``wg
syncconf`` (peers change without the interface going down). Private to the collection: not
an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import NETNS_RUN_DIR, netns_id, scratch_netns
from ansible_collections.netns.systemd.plugins.module_utils._paths import WIREGUARD_DIR


def kernel_has_wireguard(run):
    """Whether this kernel makes WireGuard links, tried in a new, empty namespace that goes
    away with the probe: (True, '') or (False, what ip said)."""
    with scratch_netns():
        rc, out, err = run(['ip', 'link', 'add', 'wgprobe', 'type', 'wireguard'])
    return rc == 0, (err or out).strip()


def check_tools(entries, run, which):
    """InvalidInput before any change when a WireGuard link of a present namespace cannot be
    made on this host: no ``wg``, the kernel's link type asked for and missing, or wireguard-go
    needed and missing. ``which(name)``: the path of a command, or None."""
    specs = [spec for entry in entries if entry.state == 'present' for spec in entry.links.get('wireguard', ())]
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
        for spec in entry.links.get('wireguard', ()):
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
