# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd units for namespaces and their links, rendered from the same model the link
modules converge (LinkSpec), and the files they live in.

The chain: ``netns_name@NAME.service`` stands for namespace NAME; ``netns-TYPE@NAME.service``
for the links of one kind in it, bound to and ordered after the creator (and after the
creator of a peer namespace). The templates are static; what differs per namespace is a
drop-in of plain ``ip`` lines, readable with ``systemctl cat``.

At boot, ``netns-boot.service`` brings up every enabled namespace and its veth links at once,
in one process (netns-engine boot). So that the units then start without a process of their
own, their work is in a worker pulled in with Requires= that is skipped when the boot run
has marked the namespace as done: ``netns_name-up@`` for the creator, which also makes the
veths that lead only to the host (so the veth unit requires it too), and ``netns-veth-up@``
for a veth unit whose links lead to other namespaces. A stop removes the mark, so any later
start does the work itself. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.netns.systemd.plugins.module_utils._parts import dhcp
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS, LINK_KINDS
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._paths import (
    BOOT_MARKS,
    DROPIN_NAME,
    ENGINE_LAUNCHER,
    HEADER,
    PHASES_DIR,
    UNIT_DIR,
)

BOOT_UNIT = 'netns-boot.service'
# The [Install] target of the creators and the boot unit: enabling one is a link to its unit
# file in INSTALL_TARGET.wants/ (see enable_link).
INSTALL_TARGET = 'multi-user.target'
# IPv4 forwarding and the owned table of NAT rules (egress, port forwards).
HOST_UNIT = 'netns-host.service'
# How long a macvlan unit waits for its parent link to appear (a NIC named late, a bridge
# made by another unit).
PARENT_WAIT_SECONDS = 30
# A namespace name is used raw as the unit instance and read back with %i (never %I, which
# turns '-' into '/'), so it must be made of characters a unit name keeps as they are.
_INSTANCE_RE = re.compile(r'^[A-Za-z0-9_.:][A-Za-z0-9_.:-]*$')
_CUSTOM_KIND_RE = re.compile(r'^[a-z0-9_]{1,32}$')


def check_unit_instance(netns):
    if not _INSTANCE_RE.match(netns):
        raise InvalidInput("netns name %r cannot name a systemd unit instance: use letters, digits and '_', '.', ':', '-' "
                           "(not first)" % netns)
    return netns


def check_custom_kind(kind, taken):
    """``kind``, a link type that is not built in, if it can name a custom type (and its unit).
    ``taken``: {unit name: why a link type cannot take it} of the parts with units of their own."""
    if kind in taken:
        raise InvalidInput(taken[kind])
    if kind in LINK_KINDS or not _CUSTOM_KIND_RE.match(kind or ''):
        raise InvalidInput('link type %r is neither a built-in type (%s) nor a custom type name (1 to 32 lowercase letters, '
                           'digits and _)' % (kind, ', '.join(LINK_KINDS)))
    return kind


def creator_unit(netns):
    return 'netns_name@%s.service' % netns


def link_unit(kind, netns):
    return 'netns-%s@%s.service' % (kind, netns)


def ready_unit(netns):
    """The target reached when ``netns`` and all of its links are up: a bound service starts after it."""
    return 'netns-ready@%s.target' % netns


READY_TEMPLATE = ready_unit('')


def link_template(kind):
    return 'netns-%s@.service' % kind


def worker_unit(unit):
    """``netns_name-up@blue.service`` for ``netns_name@blue.service``: where its start work runs."""
    prefix, instance = unit.split('@', 1)
    return '%s-up@%s' % (prefix, instance)


def enable_link(unit, unit_dir=UNIT_DIR):
    """(link, target): the link ``systemctl enable UNIT`` makes for a unit of ours (an
    instance's link points to its template)."""
    prefix, at, rest = unit.partition('@')
    target = '%s@%s' % (prefix, rest[rest.rindex('.'):]) if at else unit
    return '%s/%s.wants/%s' % (unit_dir, INSTALL_TARGET, unit), '%s/%s' % (unit_dir, target)


def dropin_path(unit, unit_dir=UNIT_DIR):
    return '%s/%s.d/%s' % (unit_dir, unit, DROPIN_NAME)


def phase_path(netns, kind, index, phase, phases_dir=PHASES_DIR):
    return '%s/%s/%s.%d.%s' % (phases_dir, netns, kind, index, phase)


# Stopped at shutdown, and up before anything that sets up the network (a macvlan unit
# is not: it may wait for its parent, and nothing else of the host should wait with it).
STOPPED_AT_SHUTDOWN = '''\
DefaultDependencies=no
Conflicts=shutdown.target
'''
_EARLY = STOPPED_AT_SHUTDOWN + '''\
Wants=network-pre.target
Before=network-pre.target shutdown.target
'''


# What the collection's own units may do, set where it costs nothing: no mount namespace (the
# bind mounts of ip netns must reach the host, which rules out ProtectSystem= and its kin), the
# two capabilities they use (network administration; setns and the mounts of ip netns), the
# socket families of netlink, ioctls and WireGuard, and namespaces of two kinds. Custom types
# run the user's shell and are left as they are.
HARDENING = '''\
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_ADMIN
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
RestrictNamespaces=net mnt
LockPersonality=yes
SystemCallArchitectures=native
RestrictRealtime=yes
RestrictSUIDSGID=yes
MemoryDenyWriteExecute=yes
ProtectHostname=yes
SystemCallFilter=~@clock @cpu-emulation @debug @module @obsolete @raw-io @reboot @swap
'''


def _worker(what, after, requires=''):
    """The start of a unit whose work the boot batch may have done: the worker runs it
    unless the namespace has the batch's mark."""
    return '''\
[Unit]
Description=%s
Documentation=file://%s
DefaultDependencies=no
%sAfter=%s netns-boot.service
ConditionPathExists=!%s/%%i

[Service]
Type=oneshot
''' % (what, ENGINE_LAUNCHER, requires, after, BOOT_MARKS) + HARDENING


_UNMARK = 'ExecStopPost=-rm -f %s/%%i\n' % BOOT_MARKS

CREATOR_TEMPLATE = HEADER + '''\
# The network namespace named by the instance: "systemctl start netns_name@blue" makes
# /run/netns/blue, or adopts a namespace that already has that name. The work is done by
# netns_name-up@blue.service (or, at boot, by netns-boot.service for all namespaces at once);
# the drop-in pulls in the namespace's link units.
[Unit]
Description=Network namespace %i
Documentation=man:ip-netns(8)
Requires=netns_name-up@%i.service
After=netns_name-up@%i.service
''' + _EARLY + '''
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStop=-ip netns delete %i
''' + HARDENING + '''\
''' + _UNMARK + '''
[Install]
WantedBy=''' + INSTALL_TARGET + '\n'

# The engine (_start.start_netns): the name made or adopted (a name file left by a crash is
# replaced), lo up, resolv.conf made empty if missing (never through a link), the sysctls and
# ruleset of the model, and the namespace's inode recorded.
CREATOR_WORKER_TEMPLATE = HEADER + _worker('Create or adopt network namespace %i', 'systemd-remount-fs.service') + '''\
ExecStart=%s up %%i
''' % ENGINE_LAUNCHER


def _link_template(early, hardening=''):
    return HEADER + '''\
# The %j links of the network namespace named by the instance. What they are is in the
# drop-in (systemctl cat shows it); they go away with the namespace. The creator's drop-in
# pulls this unit in.
[Unit]
Description=%j links of network namespace %i
BindsTo=netns_name@%i.service
After=netns_name@%i.service
Before=netns-ready@%i.target
''' + early + '''
[Service]
Type=oneshot
RemainAfterExit=yes
''' + hardening


# A custom type's unit runs the user's shell: left as it is.
LINK_TEMPLATE = _link_template(_EARLY)
# The unit of every kind of _kinds.table: hardened, and not before network-pre.target, since it
# may wait for the host (a parent, a device, an underlay, a host name to look up).
KIND_TEMPLATE = _link_template(STOPPED_AT_SHUTDOWN, HARDENING)

VETH_TEMPLATE = HEADER + '''\
# The veth links of the network namespace named by the instance. The worker its drop-in
# requires makes them: the creator's (netns_name-up@) when they lead only to the host, else
# netns-veth-up@, ordered after the other namespaces. The drop-in also removes them; they go
# away with the namespace. The creator's drop-in pulls this unit in.
[Unit]
Description=veth links of network namespace %i
BindsTo=netns_name@%i.service
After=netns_name@%i.service
Before=netns-ready@%i.target
''' + _EARLY + '''
[Service]
Type=oneshot
RemainAfterExit=yes
''' + HARDENING + _UNMARK

# Requires= the creator: nothing of a namespace runs after its creator failed.
VETH_WORKER_TEMPLATE = (HEADER + '# Its work: the veths of the model of NAME, the instance (netns-engine links NAME).\n'
                        + _worker('Create the veth links of network namespace %i', 'netns_name@%i.service', 'Requires=netns_name@%i.service\n')
                        + 'ExecStart=%s links %%i\n' % ENGINE_LAUNCHER)

BOOT_UNIT_TEXT = HEADER + '''\
# Every enabled namespace of this host and its veth links, brought up at once at boot by
# the engine, in one process (netns-engine boot). It marks each namespace it brought up whole, and the units of those
# then start without a process of their own; the units do the rest. It stays active until
# shutdown, so that it runs once a boot (netns_chain starts it too, the first time).
[Unit]
Description=Network namespaces and veth links of this host, at once
Documentation=file://%s
DefaultDependencies=no
After=systemd-remount-fs.service
Before=network-pre.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
RuntimeDirectory=netns-systemd/booted netns-systemd/netns
RuntimeDirectoryPreserve=yes
ExecStart=%s boot
%s
[Install]
WantedBy=%s
''' % (ENGINE_LAUNCHER, ENGINE_LAUNCHER, HARDENING, INSTALL_TARGET)


# Every link unit of a namespace is ordered before it (in the templates, and in the drop-ins
# of veths from other namespaces that end in it); it is restarted with the creator (BindsTo).
READY_TEMPLATE_TEXT = HEADER + '''\
# Reached when the network namespace named by the instance and all of its links are up. A
# service bound to the namespace (netns_unit) wants it and starts after it.
[Unit]
Description=Network namespace %i and its links
DefaultDependencies=no
BindsTo=netns_name@%i.service
After=netns_name@%i.service
Conflicts=shutdown.target
Before=shutdown.target
'''

# After nftables.service, whose ruleset starts with "flush ruleset"; restarted with it
# (PartOf), so that a reload of the user's firewall does not leave the namespaces without NAT.
HOST_UNIT_TEXT = HEADER + '''\
# The host side of the network namespaces: IPv4 forwarding when a namespace or bridge has
# egress or port forwards, and the NAT rules of table inet netns_systemd (netns-engine host).
[Unit]
Description=Forwarding and NAT of the network namespaces of this host
Documentation=file://%s
DefaultDependencies=no
After=systemd-remount-fs.service systemd-sysctl.service nftables.service
PartOf=nftables.service
Wants=network-pre.target
Before=network-pre.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%s host
%s
[Install]
WantedBy=%s
''' % (ENGINE_LAUNCHER, ENGINE_LAUNCHER, HARDENING, INSTALL_TARGET)


def link_template_text(kind):
    """The template of netns-KIND@.service for a link type: the kind's own (Kind.unit_templates),
    or a custom type's."""
    return KINDS[kind].unit_templates()[0] if kind in KINDS else LINK_TEMPLATE


def worker_template_text(kind):
    """The template of the worker of netns-KIND@.service (a kind the boot run makes), or None."""
    return KINDS[kind].unit_templates()[1] if kind in KINDS else None


# ---------------------------------------------------------------- quoting

def quote_arg(value):
    """One ExecStart argument, quoted for systemd: no word splitting, specifiers or variables."""
    text = str(value)
    if text and re.match(r'^[A-Za-z0-9_./:=,+@-]+$', text) and '%' not in text:
        return text
    escaped = text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\t', '\\t')
    return '"%s"' % escaped.replace('%', '%%').replace('$', '$$')


def exec_line(key, argv, ignore_failure=False):
    return '%s=%s%s' % (key, '-' if ignore_failure else '', ' '.join(quote_arg(a) for a in argv))


# ---------------------------------------------------------------- ip lines from the model

def ip_argv(netns, *args):
    return ['ip'] + (['-n', netns] if netns else []) + list(args)


def _end_settings(end):
    """``ip`` arguments (without ``ip -n NS``) that bring an end up with its MTU, MAC,
    addresses and routes, idempotently (replace)."""
    settings = []
    if end.mtu is not None:
        settings += ['mtu', str(end.mtu)]
    if end.mac is not None:
        settings += ['address', end.mac]
    yield ['link', 'set', end.ifname] + settings + ['up']
    for address in end.addresses or ():
        yield ['addr', 'replace', str(address), 'dev', end.ifname]
    for route in end.routes or ():
        via = ['via', str(route.gateway)] if route.gateway is not None else []
        # An explicit prefix (0.0.0.0/0, ::/0) names the family, in a batch line too.
        yield ['route', 'replace', str(route.dst)] + via + ['dev', end.ifname, 'proto', 'static']


def end_up_lines(end):
    return [exec_line('ExecStart', ip_argv(end.netns, *args)) for args in _end_settings(end)]


CUSTOM_PHASES = ('up_outside', 'up_inside', 'down_inside', 'down_outside')


def phase_files(netns, kind, links, phases_dir=PHASES_DIR):
    """{path: command} of the custom links of one kind in ``netns``: each phase of each
    link in a file of its own (root-only: a command may hold a secret)."""
    return dict((phase_path(netns, kind, index, phase, phases_dir), commands[phase])
                for index, commands in enumerate(links) for phase in CUSTOM_PHASES if commands.get(phase))


def custom_lines(netns, kind, links, phases_dir=PHASES_DIR):
    """The phases of the custom links of one kind: shell run with the namespace name as $1,
    the *_inside ones inside the namespace (ip netns exec). Links start in order, each
    outside then inside, and stop in reverse. The down phases run as ExecStopPost=, so they
    also clean up after a start that failed half-way."""
    start, stop = [], []
    for index, commands in enumerate(links):
        for phase in ('up_outside', 'up_inside'):
            if commands.get(phase):
                start.append(exec_line('ExecStart', _phase_argv(netns, kind, index, phase, phases_dir)))
    for index, commands in reversed(list(enumerate(links))):
        for phase in ('down_inside', 'down_outside'):
            if commands.get(phase):
                stop.append(exec_line('ExecStopPost', _phase_argv(netns, kind, index, phase, phases_dir), ignore_failure=True))
    return start, stop


def _phase_argv(netns, kind, index, phase, phases_dir):
    inside = ['ip', 'netns', 'exec', netns] if phase.endswith('_inside') else []
    return inside + ['/bin/sh', '-e', phase_path(netns, kind, index, phase, phases_dir), netns]


def leads_out(netns, specs):
    """The other namespaces an end of ``specs`` (links of ``netns``) is in, in order."""
    others = []
    for spec in specs:
        for end in spec.ends:
            if end.netns not in (None, netns) and end.netns not in others:
                others.append(end.netns)
    return others


def render_dropin(start, stop_groups, other_netns=(), order_only=False, after=(), note=None, wants=(), requires=()):
    lines = [HEADER.rstrip('\n')] + ([note] if note else [])
    if other_netns or after or wants or requires:
        lines.append('[Unit]')
        lines.extend('Wants=%s' % unit for unit in wants)
        for unit in requires:
            lines.extend(['Requires=%s' % unit, 'After=%s' % unit])
        for other in other_netns:
            if not order_only:
                lines.append('BindsTo=%s' % creator_unit(other))
            lines.append('After=%s' % creator_unit(other))
            if not order_only:
                # A service bound to the other namespace starts after this link too.
                lines.append('Before=%s' % ready_unit(other))
        lines.extend('After=%s' % unit for unit in after)
        lines.append('')
    if start or stop_groups:
        lines.append('[Service]')
    lines.extend(start)
    # Links are undone in the reverse order they were made.
    for group in reversed(stop_groups):
        lines.extend(group)
    return '\n'.join(lines) + '\n'


def render_creator_dropin(netns, link_units):
    """The creator's drop-in: starting a namespace (by hand, or through a service bound to
    it) brings up all of its links, the units of its own and those of veths from other
    namespaces that end in it, and its target, reached once they are up."""
    wants = list(link_units) + [ready_unit(netns)]
    return '\n'.join([HEADER.rstrip('\n'), '[Unit]'] + ['Wants=%s' % unit for unit in wants]) + '\n'


def render_link_dropins(netns, kind, specs=(), custom=None, builtin_units=(), phases_dir=PHASES_DIR, own_dns=False):
    """{unit: drop-in} for the links of one kind in ``netns``, in order: the drop-in of
    ``netns-KIND@NETNS.service``, and for a kind the boot run makes, the one of its worker
    when it must wait for other namespaces. ``custom`` is the list of phase dicts of a custom kind,
    ordered after the namespace's ``builtin_units`` (a bridge port needs its veth)."""
    start, stop_groups, wants = [], [], []
    if custom is not None:
        start, stop = custom_lines(netns, kind, custom, phases_dir)
        stop_groups.append(stop)
    if kind in KINDS and specs:
        lines = KINDS[kind].unit_lines(netns, specs)
        if lines is None:
            # The engine makes the kind's links from the namespace's model, as the playbook does.
            lines = ([exec_line('ExecStart', [ENGINE_LAUNCHER, 'start', netns, kind])],
                     [[exec_line('ExecStop', [ENGINE_LAUNCHER, 'stop', netns, kind], ignore_failure=True)]], [])
        start, stop_groups, wants = lines[0], stop_groups + lines[1], lines[2]
        # Links that take their addresses by DHCP: the client, once the links are made.
        start = start + dhcp.unit_lines(netns, specs, own_dns)
    others = leads_out(netns, specs)
    unit = link_unit(kind, netns)
    if worker_template_text(kind) is None:
        after = list(builtin_units if custom is not None else ()) + wants
        return {unit: render_dropin(start, stop_groups, others, after=after, wants=wants)}
    if not others:
        # Links only in the namespace and on the host: the creator's worker makes them
        # (netns-engine up NAME), and the unit requires it, so that starting the unit alone
        # makes them again. At boot that is one skipped worker a namespace fewer.
        return {unit: render_dropin([], stop_groups, requires=[worker_unit(creator_unit(netns))])}
    # Links that lead to other namespaces: its own worker (netns-engine links NAME, in its
    # template) makes them, ordered after the creators of those namespaces.
    worker = worker_unit(unit)
    return {unit: render_dropin([], stop_groups, others, requires=[worker]),
            worker: render_dropin([], [], others, order_only=True,
                                  note='# Its work: the %s links of the model (netns-engine links %s).' % (kind, netns))}
