# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses by DHCP, a part of a namespace's links: ``addresses: dhcp`` (IPv4), ``dhcp6``
(DHCPv6) or both, on a link of a kind that is a link of its own on a LAN (a macvlan, a moved
interface). Its unit runs the engine's ``dhcp`` or ``dhcp6 NETNS IFNAME``, which enters the
namespace and runs busybox's DHCP client there (``udhcpc``, ``udhcpc6``), in the unit's cgroup.
Each lease event comes back to the engine (``bound``, ``renew``, ``deconfig``..., as the
client's script): the address (and for IPv4 the default route, ``proto dhcp``) is set through
netlink, and the lease's DNS servers and domain go to /etc/netns/NAME/resolv.conf, never to the
host's, unless the namespace has ``dns`` of its own. DHCPv6 has no routes: the default route
of an IPv6 LAN comes from its router's advertisements, which the kernel takes in the namespace.

Why busybox: its clients run in the foreground of a unit or fork once they have a lease, and
hand every lease to a program of our choosing, so the lease is applied by this code, the same
on every host, and nothing of the client touches the host's files (dhclient's AppArmor profile
lets it run only its own script; dhcpcd keeps its pid files and sockets in /run/dhcpcd by
interface name, which two namespaces may share). Debian 12 and 13 both have ``udhcpc`` in
``busybox``; ``udhcpc6`` is in Debian 13's (1.37) and not in Debian 12's (1.35), so ``dhcp6`` is
refused there before any change (check_host). Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
import os
import re
import stat

from ansible_collections.netns.systemd.plugins.module_utils._files import rewrite_in_place
from ansible_collections.netns.systemd.plugins.module_utils._model import DHCP_WORDS
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, check_ifname, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._paths import ENGINE_LAUNCHER, NETNS_ETC_DIR

BUSYBOX = '/bin/busybox'
# What the client's script is told, in its environment: which namespace, and whether the
# namespace's resolv.conf is the lease's to write.
LEASE_NETNS = 'NETNS_SYSTEMD_LEASE_NETNS'
LEASE_DNS = 'NETNS_SYSTEMD_LEASE_DNS'
# Set for udhcpc6's events: their environment names the address ``ipv6``, not ``ip``.
LEASE_VERSION = 'NETNS_SYSTEMD_LEASE_VERSION'
LEASE_ACTIONS = ('deconfig', 'bound', 'renew', 'leasefail', 'nak')
RTPROT_DHCP = 16
# Per IP version: the engine's command that runs the client, and busybox's applet.
CLIENTS = {4: ('dhcp', 'udhcpc'), 6: ('dhcp6', 'udhcpc6')}
AF_INET, AF_INET6 = 2, 10
# A search domain from a lease: letters, digits, '-', '_' and dots, at most 253 characters.
_DOMAIN_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$')
RT_SCOPE_UNIVERSE = 0
# What the unit needs beyond the hardening of every unit: a packet socket, and port 68.
UNIT_LINES = ('RestrictAddressFamilies=AF_PACKET', 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE')


def unit_lines(netns, specs, own_dns):
    """The start lines of a kind unit's drop-in for the links of ``specs`` that take their
    addresses by DHCP (``own_dns``: the namespace has ``dns``, which the lease leaves alone; a
    link with both leases takes its resolver from the IPv4 one)."""
    lines = []
    for spec in specs:
        for version in getattr(spec, 'dhcp', ()):
            keep = own_dns or (version == 6 and 4 in spec.dhcp)
            lines.append('ExecStartPost=%s %s %s %s %s' % (ENGINE_LAUNCHER, CLIENTS[version][0], netns, spec.end.ifname,
                                                           'keep-dns' if keep else 'lease-dns'))
    return list(UNIT_LINES) + lines if lines else []


def check_host(specs, run):
    """InvalidInput before any change when busybox here lacks the client a link of ``specs`` needs."""
    versions = sorted(set(version for spec in specs for version in getattr(spec, 'dhcp', ())))
    if not versions:
        return
    try:
        rc, out, _err = run([BUSYBOX, '--list'])
    except OSError:
        rc, out = 1, ''
    if rc != 0:
        raise InvalidInput('addresses: dhcp and dhcp6 need busybox (%s), which is not installed: install it; nothing was '
                           'changed' % BUSYBOX)
    missing = [version for version in versions if CLIENTS[version][1] not in out.split()]
    if missing:
        hint = (' (Debian 12\'s busybox 1.35 is built without udhcpc6, Debian 13\'s has it): take the IPv6 address from the '
                'router\'s advertisements (SLAAC) on this host, or give it') if 6 in missing else ''
        raise InvalidInput('addresses: %s needs busybox\'s %s, which %s on this host does not have%s; nothing was changed'
                           % (' and '.join(word for word, version in sorted(DHCP_WORDS.items()) if version in missing),
                              ' and '.join(CLIENTS[version][1] for version in missing), BUSYBOX, hint))


def client(version, args, run=None):
    """``dhcp|dhcp6 NETNS IFNAME keep-dns|lease-dns``: busybox's DHCP client of ``version`` on
    IFNAME inside NETNS, which forks once it has a lease (or after its first tries, and keeps
    trying); this process becomes the client."""
    command, applet = CLIENTS[version]
    if len(args) != 3 or args[2] not in ('keep-dns', 'lease-dns'):
        raise NetnsError('usage: netns-engine %s NETNS IFNAME keep-dns|lease-dns' % command)
    netns, ifname = check_netns_name(args[0]), check_ifname(args[1])
    # Imported here: the modules that only render units never load what enters namespaces.
    from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_path, setns_net
    fd = os.open(netns_path(netns), os.O_RDONLY | os.O_CLOEXEC)
    setns_net(fd)
    os.close(fd)
    env = dict(os.environ, **{LEASE_NETNS: netns, LEASE_DNS: args[2], LEASE_VERSION: str(version)})
    os.execve(BUSYBOX, [BUSYBOX, applet, '-b', '-t', '4', '-T', '2', '-A', '10', '-i', ifname, '-s', ENGINE_LAUNCHER], env)


def resolv_conf(servers, search, netns):
    lines = ['# Resolver of network namespace %s, from its DHCP lease (netns.systemd).' % netns]
    lines.extend('nameserver %s' % server for server in servers)
    if search:
        lines.append('search %s' % ' '.join(search))
    return '\n'.join(lines) + '\n'


def lease(action, env=None, etc_dir=NETNS_ETC_DIR):
    """What a lease event does, inside the namespace the client runs in: [lines]."""
    env = os.environ if env is None else env
    netns = env.get(LEASE_NETNS)
    if not netns:
        raise NetnsError('%s is a lease event of the DHCP client (netns-engine dhcp), which says which namespace' % action)
    netns, ifname = check_netns_name(netns), check_ifname(env.get('interface'))
    if action not in ('deconfig', 'bound', 'renew'):
        return ['netns %s: %s: DHCP %s' % (netns, ifname, action)]
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError
    apply = _apply6 if env.get(LEASE_VERSION) == '6' else _apply
    try:
        with IPRoute() as ipr:
            return apply(ipr, action, env, netns, ifname, etc_dir)
    except NetlinkError as exc:
        raise NetnsError('netns %s: %s: the %s lease cannot be set: %s' % (netns, ifname, action, exc))


def _index(ipr, netns, ifname):
    found = ipr.link_lookup(ifname=ifname)
    if not found:
        raise NetnsError('netns %s: %s does not exist' % (netns, ifname))
    ipr.link('set', index=found[0], state='up')
    return found[0]


def _apply(ipr, action, env, netns, ifname, etc_dir):
    """An IPv4 lease: its address (the only IPv4 address of the link), its router, its resolver."""
    index = _index(ipr, netns, ifname)
    have = [(msg.get_attr('IFA_ADDRESS'), msg['prefixlen']) for msg in ipr.get_addr(family=AF_INET, index=index)]
    if action == 'deconfig':
        for address, length in have:
            ipr.addr('del', index=index, address=address, prefixlen=length)
        return ['netns %s: %s: no lease, no IPv4 address' % (netns, ifname)]
    address = ipaddress.ip_interface('%s/%s' % (env['ip'], env.get('mask') or env.get('subnet') or 32))
    for other, length in have:
        if (other, length) != (str(address.ip), address.network.prefixlen):
            ipr.addr('del', index=index, address=other, prefixlen=length)
    ipr.addr('replace', index=index, address=str(address.ip), prefixlen=address.network.prefixlen)
    lines = ['netns %s: %s: %s %s from the DHCP lease' % (netns, ifname, action, address)]
    routers = (env.get('router') or '').split()
    if routers:
        router = ipaddress.ip_address(routers[0])
        if router not in address.network:
            # A router outside the leased prefix (a /32 lease): reached on the link itself.
            ipr.route('replace', dst='%s/32' % router, oif=index, scope=253, proto=RTPROT_DHCP)
        ipr.route('replace', dst='0.0.0.0/0', gateway=str(router), oif=index, proto=RTPROT_DHCP)
        lines.append('netns %s: default route via %s' % (netns, router))
    domain = (env.get('domain') or '').split()
    return lines + _resolver(env, netns, (env.get('dns') or '').split(), domain[:1], etc_dir)


def _apply6(ipr, action, env, netns, ifname, etc_dir):
    """A DHCPv6 lease: its address, a /128 (the LAN's prefix and default route come from the
    router's advertisements), replacing the /128 of an earlier lease; its resolver. Addresses
    of other lengths (link-local, SLAAC) are the kernel's and left alone."""
    index = _index(ipr, netns, ifname)
    have = [msg.get_attr('IFA_ADDRESS') for msg in ipr.get_addr(family=AF_INET6, index=index)
            if msg['prefixlen'] == 128 and msg['scope'] == RT_SCOPE_UNIVERSE]
    if action == 'deconfig':
        for address in have:
            ipr.addr('del', index=index, address=address, prefixlen=128)
        return ['netns %s: %s: no DHCPv6 lease, no address from one' % (netns, ifname)]
    lines = []
    if env.get('ipv6'):
        address = ipaddress.ip_address(env['ipv6'])
        for other in have:
            if ipaddress.ip_address(other) != address:
                ipr.addr('del', index=index, address=other, prefixlen=128)
        ipr.addr('replace', index=index, address=str(address), prefixlen=128)
        lines.append('netns %s: %s: %s %s/128 from the DHCPv6 lease' % (netns, ifname, action, address))
    return lines + _resolver(env, netns, (env.get('dns') or '').split(), (env.get('search') or '').split(), etc_dir)


def _resolver(env, netns, servers, search, etc_dir):
    """The lease's resolver written to the namespace's resolv.conf, when it is the lease's to write.
    What the server sent is checked first: the servers must be addresses, and a search domain
    is kept only when it is a plain name (no other word or line can reach the file)."""
    if env.get(LEASE_DNS) != 'lease-dns' or not servers:
        return []
    servers = [str(ipaddress.ip_address(server)) for server in servers]
    search = [word for word in search if _DOMAIN_RE.match(word)]
    path = os.path.join(etc_dir, netns, 'resolv.conf')
    rewrite_in_place(path, resolv_conf(servers, search, netns))
    return ['netns %s: %s: nameservers %s' % (netns, path, ' '.join(servers))]


def engine_commands():
    """{command: function(args, run) -> [lines]} of the engine: the client, and its lease events."""
    commands = dict((command, functools.partial(client, version)) for version, (command, _applet) in CLIENTS.items())
    commands.update((action, functools.partial(_event, action)) for action in LEASE_ACTIONS)
    return commands


def _event(action, args, run=None):
    """A lease event, as the client calls its script: ``netns-engine ACTION``. Once the client
    has forked into the background its script's output goes to /dev/null, so what it says then
    goes to syslog (the journal, under the unit whose cgroup it runs in)."""
    quiet = _stderr_is_null()
    try:
        lines = lease(action)
    except (InvalidInput, NetnsError, OSError, ValueError) as exc:
        if quiet:
            _syslog(True, ['netns-engine: %s' % exc])
        raise
    if quiet:
        _syslog(False, lines)
    return lines


def _stderr_is_null():
    try:
        mine, null = os.fstat(2), os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(mine.st_mode) and mine.st_rdev == null.st_rdev


def _syslog(error, lines):
    import syslog
    syslog.openlog('netns-engine', syslog.LOG_PID, syslog.LOG_DAEMON)
    for line in lines:
        syslog.syslog(syslog.LOG_ERR if error else syslog.LOG_INFO, line)
    syslog.closelog()
