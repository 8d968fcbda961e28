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
with one ``ip -batch`` on the host and one per namespace. So that the units then start
without a process of their own, the creator and the veth unit do their work in a worker
(``netns_name-up@`` and ``netns-veth-up@``, pulled in with Requires=) that is skipped when
the boot batch has marked the namespace as done; a stop removes the mark, so any later start
does the work itself. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput

UNIT_DIR = '/etc/systemd/system'
BOOT_DIR = '/etc/netns-systemd'
BOOT_UNIT = 'netns-boot.service'
# A namespace the boot batch brought up (with its veth links) gets a file here; a stop of
# its creator or veth unit removes it.
BOOT_MARKS = '/run/netns-systemd/booted'
# Kinds whose work the boot batch does; their units start through a worker it can skip.
BATCHED_KINDS = ('veth',)
DROPIN_NAME = 'netns-systemd.conf'
BUILTIN_KINDS = ('veth', 'macvlan')
# A namespace name is used raw as the unit instance and read back with %i (never %I, which
# turns '-' into '/'), so it must be made of characters a unit name keeps as they are.
_INSTANCE_RE = re.compile(r'^[A-Za-z0-9_.:][A-Za-z0-9_.:-]*$')
_CUSTOM_KIND_RE = re.compile(r'^[a-z0-9_]{1,32}$')
HEADER = '# Managed by netns.systemd: changes here are overwritten by the next playbook run.\n'


def check_unit_instance(netns):
    if not _INSTANCE_RE.match(netns):
        raise InvalidInput("netns name %r cannot name a systemd unit instance: use letters, digits and '_', '.', ':', '-' "
                           "(not first)" % netns)
    return netns


def check_custom_kind(kind):
    if kind in BUILTIN_KINDS or not _CUSTOM_KIND_RE.match(kind or ''):
        raise InvalidInput('link type %r is not veth, macvlan, or a custom type name of lowercase letters, digits and _' % (kind,))
    return kind


def creator_unit(netns):
    return 'netns_name@%s.service' % netns


def link_unit(kind, netns):
    return 'netns-%s@%s.service' % (kind, netns)


def link_template(kind):
    return 'netns-%s@.service' % kind


def worker_unit(unit):
    """``netns_name-up@blue.service`` for ``netns_name@blue.service``: where its start work runs."""
    prefix, instance = unit.split('@', 1)
    return '%s-up@%s' % (prefix, instance)


def dropin_path(unit, unit_dir=UNIT_DIR):
    return '%s/%s.d/%s' % (unit_dir, unit, DROPIN_NAME)


# Up before anything that sets up the network; stopped at shutdown.
_EARLY = '''\
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
Conflicts=shutdown.target
'''


def _worker(what, after):
    """The start of a unit whose work the boot batch may have done: the worker runs it
    unless the namespace has the batch's mark."""
    return '''\
[Unit]
Description=%s
DefaultDependencies=no
After=%s netns-boot.service
ConditionPathExists=!%s/%%i

[Service]
Type=oneshot
''' % (what, after, BOOT_MARKS)


_UNMARK = 'ExecStopPost=-rm -f %s/%%i\n' % BOOT_MARKS

CREATOR_TEMPLATE = HEADER + '''\
# The network namespace named by the instance: "systemctl start netns_name@blue" makes
# /run/netns/blue, or adopts a namespace that already has that name. The work is done by
# netns_name-up@blue.service (or, at boot, by netns-boot.service for all namespaces at once).
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
''' + _UNMARK + '''
[Install]
WantedBy=multi-user.target
'''

CREATOR_WORKER_TEMPLATE = HEADER + _worker('Create or adopt network namespace %i', 'systemd-remount-fs.service') + '''\
ConfigurationDirectory=netns/%i
# "ip netns add" fails when the name exists (adopted: the "-" ignores it); the next line
# fails when the name is not a namespace.
ExecStart=-ip netns add %i
ExecStart=ip -n %i link set lo up
# The namespace's resolver, made empty if missing (no lookups, none leaking to the host's
# resolver) until the role or a VPN client fills it; joined services see it as /etc/resolv.conf.
ExecStart=touch /etc/netns/%i/resolv.conf
'''

LINK_TEMPLATE = HEADER + '''\
# The %j links of the network namespace named by the instance. What they are is in the
# drop-in (systemctl cat shows it); they go away with the namespace.
[Unit]
Description=%j links of network namespace %i
BindsTo=netns_name@%i.service
After=netns_name@%i.service
''' + _EARLY + '''
[Service]
Type=oneshot
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
'''

VETH_TEMPLATE = HEADER + '''\
# The veth links of the network namespace named by the instance: netns-veth-up@ (systemctl
# cat shows its drop-in) makes them, the drop-in here removes them; they go away with the
# namespace.
[Unit]
Description=veth links of network namespace %i
BindsTo=netns_name@%i.service
After=netns_name@%i.service
Requires=netns-veth-up@%i.service
After=netns-veth-up@%i.service
''' + _EARLY + '''
[Service]
Type=oneshot
RemainAfterExit=yes
''' + _UNMARK + '''
[Install]
WantedBy=multi-user.target
'''

VETH_WORKER_TEMPLATE = HEADER + _worker('Create the veth links of network namespace %i', 'netns_name@%i.service')

BOOT_UNIT_TEXT = HEADER + '''\
# Every enabled namespace of this host and its veth links, brought up at once at boot
# (see the script). It marks each namespace it brought up whole, and the units of those
# then start without a process of their own; the units do the rest. It stays active until
# shutdown, so that it runs once a boot (netns_chain starts it too, the first time).
[Unit]
Description=Network namespaces and veth links of this host, at once
Documentation=file://%s/boot.sh
DefaultDependencies=no
After=systemd-remount-fs.service
Before=network-pre.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
RuntimeDirectory=netns-systemd/booted
RuntimeDirectoryPreserve=yes
ExecStart=/bin/sh %s/boot.sh

[Install]
WantedBy=multi-user.target
''' % (BOOT_DIR, BOOT_DIR)

BOOT_SCRIPT = '''#!/bin/sh
''' + HEADER + '''\
# Run by netns-boot.service. Each directory in boot/ is an enabled namespace whose links
# all lead to enabled namespaces: "outside" has its ip lines for the host, "in-NAME" the
# ones to run inside namespace NAME. The host side of every namespace goes through one
# "ip -batch", then each namespace's inside through one more. A namespace whose lines all
# worked is marked in ''' + BOOT_MARKS + ''', and the start work of its units is
# skipped; anything else is left to those units, which redo it (every line is idempotent).
cd ''' + BOOT_DIR + '''/boot 2>/dev/null || exit 0
set --
for dir in */; do
    [ -d "$dir" ] && set -- "$@" "${dir%/}"
done
[ $# -gt 0 ] || exit 0
{
    for ns; do
        [ -e "/run/netns/$ns" ] || echo "netns add $ns"
    done
    cat ./*/outside 2>/dev/null
} | ip -batch - || {
    echo "netns-boot: the host side failed; every namespace is left to its units" >&2
    exit 0
}
for ns; do
    ok=1
    for file in "$ns"/in-*; do
        [ -f "$file" ] || continue
        ip -n "${file##*/in-}" -batch "$file" || ok=0
    done
    if [ -d "/etc/netns/$ns" ]; then : >> "/etc/netns/$ns/resolv.conf" || ok=0; else ok=0; fi
    if [ $ok = 1 ]; then
        : > "''' + BOOT_MARKS + '''/$ns"
    else
        echo "netns-boot: $ns is left to its units" >&2
    fi
done
'''


def link_template_text(kind):
    return VETH_TEMPLATE if kind in BATCHED_KINDS else LINK_TEMPLATE


def parse_systemctl_show(output):
    """{Id: {property: value}} from ``systemctl show --property=Id,... UNIT...`` (blocks per unit)."""
    units = {}
    for block in output.strip().split('\n\n'):
        fields = dict(line.split('=', 1) for line in block.splitlines() if '=' in line)
        if fields.get('Id'):
            units[fields['Id']] = fields
    return units


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

def _ip(netns, *args):
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


def _end_up_lines(end):
    return [exec_line('ExecStart', _ip(end.netns, *args)) for args in _end_settings(end)]


def veth_lines(spec):
    end, peer = spec.end, spec.peer
    # Created from the namespace of its first end with the peer sent straight to its own;
    # "-": a pair that exists already (made by the module) is kept.
    peer_ns = ['netns', peer.netns] if peer.netns != end.netns and peer.netns else []
    if end.netns is not None and peer.netns is None:
        # The host cannot be named from inside a namespace: create from the host side.
        end, peer = peer, end
        peer_ns = ['netns', peer.netns]
    lines = [exec_line('ExecStart', _ip(end.netns, 'link', 'add', end.ifname, 'type', 'veth', 'peer', 'name', peer.ifname, *peer_ns),
                       ignore_failure=True)]
    lines += _end_up_lines(end) + _end_up_lines(peer)
    stop = [exec_line('ExecStop', _ip(end.netns, 'link', 'del', end.ifname), ignore_failure=True)]
    return lines, stop


_BATCH_WORD = re.compile(r'^[A-Za-z0-9_.:/@+=,-]+$')


def _batch_line(args):
    # Batch lines are split on blanks with no quoting: every word must be plain (names and
    # addresses are validated long before; this only guards the renderer).
    for word in args:
        if not _BATCH_WORD.match(word):
            raise InvalidInput('%r cannot be written to an ip batch file' % (word,))
    return ' '.join(args) + '\n'


def _into(end):
    return ['netns', end.netns] if end.netns else []


def boot_batches(netns, veth_specs):
    """The boot batch of ``netns`` and its veths: {'outside': host lines, 'in-NAME': lines
    to run inside namespace NAME}. Every pair is made from the host, each end sent straight
    to its namespace; then each end is set up where it lives."""
    files = {'in-%s' % netns: _batch_line(['link', 'set', 'lo', 'up'])}
    outside = []
    for spec in veth_specs:
        end, peer = spec.end, spec.peer
        outside.append(_batch_line(['link', 'add', end.ifname] + _into(end) + ['type', 'veth', 'peer', 'name', peer.ifname] + _into(peer)))
        for one in (end, peer):
            lines = [_batch_line(args) for args in _end_settings(one)]
            if one.netns is None:
                outside.extend(lines)
            else:
                key = 'in-%s' % one.netns
                files[key] = files.get(key, '') + ''.join(lines)
    if outside:
        files['outside'] = ''.join(outside)
    return files


# At boot the parent may appear after this unit starts (a NIC named late, a bridge made by
# another unit): wait for it, up to 30 s.
_WAIT_FOR_LINK = 'n=0; until ip link show dev "$1" >/dev/null 2>&1; do n=$((n+1)); [ $n -lt 300 ] || exit 1; sleep 0.1; done'


def macvlan_lines(spec):
    end = spec.end
    lines = [exec_line('ExecStartPre', ['sh', '-c', _WAIT_FOR_LINK, 'wait-for-parent', spec.parent])]
    create = _ip(None, 'link', 'add', 'link', spec.parent, 'name', end.ifname, *(_into(end) + ['type', 'macvlan', 'mode', spec.mode]))
    lines.append(exec_line('ExecStart', create, ignore_failure=True))
    lines += _end_up_lines(end)
    stop = [exec_line('ExecStop', _ip(end.netns, 'link', 'del', end.ifname), ignore_failure=True)]
    return lines, stop


_PHASES = (('up_outside', 'ExecStart', False), ('up_inside', 'ExecStart', True),
           ('down_inside', 'ExecStop', True), ('down_outside', 'ExecStop', False))


def custom_lines(netns, commands):
    """The four phases of a custom type: shell commands, given the namespace name as $1;
    the *_inside ones run inside the namespace (ip netns exec)."""
    start, stop = [], []
    for phase, key, inside in _PHASES:
        command = commands.get(phase)
        if not command:
            continue
        argv = (['ip', 'netns', 'exec', netns] if inside else []) + ['sh', '-ec', command, 'netns-' + phase, netns]
        (start if key == 'ExecStart' else stop).append(exec_line(key, argv, ignore_failure=key == 'ExecStop'))
    return start, stop


def render_dropin(start, stop_groups, other_netns=(), order_only=False):
    lines = [HEADER.rstrip('\n')]
    if other_netns:
        lines.append('[Unit]')
        for other in other_netns:
            if not order_only:
                lines.append('BindsTo=%s' % creator_unit(other))
            lines.append('After=%s' % creator_unit(other))
        lines.append('')
    lines.append('[Service]')
    lines.extend(start)
    # Links are undone in the reverse order they were made.
    for group in reversed(stop_groups):
        lines.extend(group)
    return '\n'.join(lines) + '\n'


def render_link_dropins(netns, kind, specs=(), commands=None):
    """{unit: drop-in} for the links of one kind in ``netns``, in order: the drop-in of
    ``netns-KIND@NETNS.service``, and for a kind the boot batch does, the one of its worker,
    which gets the start lines."""
    start, stop_groups, others = [], [], []
    if commands is not None:
        start, stop = custom_lines(netns, commands)
        stop_groups.append(stop)
    for spec in specs:
        spec_start, spec_stop = veth_lines(spec) if kind == 'veth' else macvlan_lines(spec)
        start += spec_start
        stop_groups.append(spec_stop)
        for end in spec.ends:
            if end.netns not in (None, netns) and end.netns not in others:
                others.append(end.netns)
    unit = link_unit(kind, netns)
    if kind not in BATCHED_KINDS:
        return {unit: render_dropin(start, stop_groups, others)}
    return {unit: render_dropin([], stop_groups, others), worker_unit(unit): render_dropin(start, [], others, order_only=True)}
