# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd units for namespaces and their links, rendered from the same model the link
modules converge (LinkSpec), and the files they live in.

The chain: ``netns_name@NAME.service`` creates (or adopts) namespace NAME;
``netns-TYPE@NAME.service`` adds the links of one kind to it, bound to and ordered after
the creator (and after the creator of a peer namespace). The templates are static; what
differs per namespace is a drop-in of plain ``ip`` lines, readable with ``systemctl cat``.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput

UNIT_DIR = '/etc/systemd/system'
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


def dropin_path(unit, unit_dir=UNIT_DIR):
    return '%s/%s.d/%s' % (unit_dir, unit, DROPIN_NAME)


# Up before anything that sets up the network; stopped at shutdown.
_EARLY = '''\
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
Conflicts=shutdown.target
'''

CREATOR_TEMPLATE = HEADER + '''\
# The network namespace named by the instance: "systemctl start netns_name@blue" makes
# /run/netns/blue, or adopts a namespace that already has that name.
[Unit]
Description=Network namespace %i
Documentation=man:ip-netns(8)
''' + _EARLY + '''
[Service]
Type=oneshot
RemainAfterExit=yes
ConfigurationDirectory=netns/%i
# "ip netns add" fails when the name exists (adopted: the "-" ignores it); the next line
# fails when the name is not a namespace.
ExecStart=-ip netns add %i
ExecStart=ip -n %i link set lo up
# The namespace's resolver, made empty if missing (no lookups, none leaking to the host's
# resolver) until the role or a VPN client fills it; joined services see it as /etc/resolv.conf.
ExecStart=touch /etc/netns/%i/resolv.conf
ExecStop=-ip netns delete %i

[Install]
WantedBy=multi-user.target
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


def _end_up_lines(end):
    """Bring an end up with its MTU, MAC, addresses and routes, idempotently (replace)."""
    lines = []
    settings = []
    if end.mtu is not None:
        settings += ['mtu', str(end.mtu)]
    if end.mac is not None:
        settings += ['address', end.mac]
    lines.append(exec_line('ExecStart', _ip(end.netns, 'link', 'set', end.ifname, *(settings + ['up']))))
    for address in end.addresses or ():
        lines.append(exec_line('ExecStart', _ip(end.netns, 'addr', 'replace', str(address), 'dev', end.ifname)))
    for route in end.routes or ():
        via = ['via', str(route.gateway)] if route.gateway is not None else []
        dst = 'default' if route.dst.prefixlen == 0 else str(route.dst)
        family = ['-6'] if route.dst.version == 6 else []
        argv = _ip(end.netns, *(family + ['route', 'replace', dst] + via + ['dev', end.ifname, 'proto', 'static']))
        lines.append(exec_line('ExecStart', argv))
    return lines


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


# At boot the parent may appear after this unit starts (a NIC named late, a bridge made by
# another unit): wait for it, up to 30 s.
_WAIT_FOR_LINK = 'n=0; until ip link show dev "$1" >/dev/null 2>&1; do n=$((n+1)); [ $n -lt 300 ] || exit 1; sleep 0.1; done'


def macvlan_lines(spec):
    end = spec.end
    lines = [exec_line('ExecStartPre', ['sh', '-c', _WAIT_FOR_LINK, 'wait-for-parent', spec.parent])]
    into = ['netns', end.netns] if end.netns else []
    create = _ip(None, 'link', 'add', 'link', spec.parent, 'name', end.ifname, *(into + ['type', 'macvlan', 'mode', spec.mode]))
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


def render_dropin(start, stop_groups, other_netns=()):
    lines = [HEADER.rstrip('\n')]
    if other_netns:
        lines.append('[Unit]')
        for other in other_netns:
            lines.append('BindsTo=%s' % creator_unit(other))
            lines.append('After=%s' % creator_unit(other))
        lines.append('')
    lines.append('[Service]')
    lines.extend(start)
    # Links are undone in the reverse order they were made.
    for group in reversed(stop_groups):
        lines.extend(group)
    return '\n'.join(lines) + '\n'


def render_link_dropin(netns, kind, specs=(), commands=None):
    """The drop-in of ``netns-KIND@NETNS.service``: every link of that kind, in order."""
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
    return render_dropin(start, stop_groups, others)
