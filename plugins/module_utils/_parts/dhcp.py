# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses by DHCP, a part of a namespace's links: ``addresses: dhcp`` on a link of a kind
that is a link of its own on a LAN (a macvlan, a moved interface). Its unit runs the engine's
``dhcp NETNS IFNAME``, which enters the namespace and runs busybox's DHCP client there, in the
unit's cgroup. Each lease event comes back to the engine (``bound``, ``renew``, ``deconfig``...,
as the client's script): the address and the default route (``proto dhcp``) are set through
netlink, and the lease's DNS servers and domain go to /etc/netns/NAME/resolv.conf, never to the
host's, unless the namespace has ``dns`` of its own.

Why busybox's udhcpc: Debian 12 and 13 both ship it in ``busybox`` (no DHCP client package is
in both), it runs in the foreground of a unit or forks once it has a lease, and it hands every
lease to a program of our choosing, so the lease is applied by this code, the same on every
host, and nothing of the client touches the host's resolver. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
import os
import stat

from ansible_collections.netns.systemd.plugins.module_utils._files import rewrite_in_place
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, check_ifname, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._paths import ENGINE_LAUNCHER, NETNS_ETC_DIR

BUSYBOX = '/bin/busybox'
# What the client's script is told, in its environment: which namespace, and whether the
# namespace's resolv.conf is the lease's to write.
LEASE_NETNS = 'NETNS_SYSTEMD_LEASE_NETNS'
LEASE_DNS = 'NETNS_SYSTEMD_LEASE_DNS'
LEASE_ACTIONS = ('deconfig', 'bound', 'renew', 'leasefail', 'nak')
RTPROT_DHCP = 16
# What the unit needs beyond the hardening of every unit: a packet socket, and port 68.
UNIT_LINES = ('RestrictAddressFamilies=AF_PACKET', 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE')


def unit_lines(netns, specs, own_dns):
    """The start lines of a kind unit's drop-in for the links of ``specs`` that take their
    addresses by DHCP (``own_dns``: the namespace has ``dns``, which the lease leaves alone)."""
    lines = ['ExecStartPost=%s dhcp %s %s %s' % (ENGINE_LAUNCHER, netns, spec.end.ifname, 'keep-dns' if own_dns else 'lease-dns')
             for spec in specs if getattr(spec, 'dhcp', False)]
    return list(UNIT_LINES) + lines if lines else []


def client(args, run=None):
    """``dhcp NETNS IFNAME keep-dns|lease-dns``: busybox's DHCP client on IFNAME inside NETNS,
    which forks once it has a lease (or after its first tries, and keeps trying); this process
    becomes the client."""
    if len(args) != 3 or args[2] not in ('keep-dns', 'lease-dns'):
        raise NetnsError('usage: netns-engine dhcp NETNS IFNAME keep-dns|lease-dns')
    netns, ifname = check_netns_name(args[0]), check_ifname(args[1])
    # Imported here: the modules that only render units never load what enters namespaces.
    from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_path, setns_net
    fd = os.open(netns_path(netns), os.O_RDONLY | os.O_CLOEXEC)
    setns_net(fd)
    os.close(fd)
    env = dict(os.environ, **{LEASE_NETNS: netns, LEASE_DNS: args[2]})
    os.execve(BUSYBOX, [BUSYBOX, 'udhcpc', '-b', '-t', '4', '-T', '2', '-A', '10', '-i', ifname, '-s', ENGINE_LAUNCHER], env)


def resolv_conf(servers, domain, netns):
    lines = ['# Resolver of network namespace %s, from its DHCP lease (netns.systemd).' % netns]
    lines.extend('nameserver %s' % server for server in servers)
    if domain:
        lines.append('search %s' % domain)
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
    try:
        with IPRoute() as ipr:
            return _apply(ipr, action, env, netns, ifname, etc_dir)
    except NetlinkError as exc:
        raise NetnsError('netns %s: %s: the %s lease cannot be set: %s' % (netns, ifname, action, exc))


def _apply(ipr, action, env, netns, ifname, etc_dir):
    found = ipr.link_lookup(ifname=ifname)
    if not found:
        raise NetnsError('netns %s: %s does not exist' % (netns, ifname))
    index = found[0]
    ipr.link('set', index=index, state='up')
    have = [(msg.get_attr('IFA_ADDRESS'), msg['prefixlen']) for msg in ipr.get_addr(family=2, index=index)]
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
    servers = (env.get('dns') or '').split()
    if env.get(LEASE_DNS) == 'lease-dns' and servers:
        path = os.path.join(etc_dir, netns, 'resolv.conf')
        domain = (env.get('domain') or '').split()
        rewrite_in_place(path, resolv_conf(servers, domain[0] if domain else None, netns))
        lines.append('netns %s: %s: nameservers %s' % (netns, path, ' '.join(servers)))
    return lines


def engine_commands():
    """{command: function(args, run) -> [lines]} of the engine: the client, and its lease events."""
    commands = {'dhcp': client}
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
