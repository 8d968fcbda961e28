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
# The shell side of the units (the creator's work, a veth pair made or found, a macvlan
# parent waited for, the boot batch), one file that systemctl cat's Documentation= names.
HELPER = BOOT_DIR + '/netns.sh'
# The commands of custom types, one root-only file per phase of each link (they may hold
# secrets: the units name the files, never the commands).
PHASES_DIR = BOOT_DIR + '/phases'
RUN_DIR = '/run/netns-systemd'
# A namespace the boot batch brought up (with its veth links) gets a file here; a stop of
# its creator or veth unit removes it.
BOOT_MARKS = RUN_DIR + '/booted'
# The inode of each namespace as its creator (or the batch) made it: netns_chain compares it
# with /run/netns/NAME to see a namespace deleted or replaced by hand.
NETNS_RECORDS = RUN_DIR + '/netns'
# Kinds whose work the boot batch does; their units start through a worker it can skip.
BATCHED_KINDS = ('veth',)
DROPIN_NAME = 'netns-systemd.conf'
BUILTIN_KINDS = ('veth', 'macvlan')
# How long a macvlan unit waits for its parent link to appear (a NIC named late, a bridge
# made by another unit).
PARENT_WAIT_SECONDS = 30
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


def phase_path(netns, kind, index, phase, phases_dir=PHASES_DIR):
    return '%s/%s/%s.%d.%s' % (phases_dir, netns, kind, index, phase)


# Stopped at shutdown, and up before anything that sets up the network (a macvlan unit
# is not: it may wait for its parent, and nothing else of the host should wait with it).
_STOPPED_AT_SHUTDOWN = '''\
DefaultDependencies=no
Conflicts=shutdown.target
'''
_EARLY = _STOPPED_AT_SHUTDOWN + '''\
Wants=network-pre.target
Before=network-pre.target shutdown.target
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
''' % (what, HELPER, requires, after, BOOT_MARKS)


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
''' + _UNMARK + '''
[Install]
WantedBy=multi-user.target
'''

# One process: the name (a name file left by a crash is replaced), lo up, resolv.conf made
# empty if missing (never through a link), and the namespace's inode recorded.
CREATOR_WORKER_TEMPLATE = HEADER + _worker('Create or adopt network namespace %i', 'systemd-remount-fs.service') + '''\
ExecStart=/bin/sh %s up %%i
''' % HELPER


def _link_template(early):
    return HEADER + '''\
# The %j links of the network namespace named by the instance. What they are is in the
# drop-in (systemctl cat shows it); they go away with the namespace. The creator's drop-in
# pulls this unit in.
[Unit]
Description=%j links of network namespace %i
BindsTo=netns_name@%i.service
After=netns_name@%i.service
''' + early + '''
[Service]
Type=oneshot
RemainAfterExit=yes
'''


LINK_TEMPLATE = _link_template(_EARLY)
MACVLAN_TEMPLATE = _link_template(_STOPPED_AT_SHUTDOWN)

VETH_TEMPLATE = HEADER + '''\
# The veth links of the network namespace named by the instance: netns-veth-up@ (systemctl
# cat shows its drop-in) makes them, the drop-in here removes them; they go away with the
# namespace. The creator's drop-in pulls this unit in.
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
''' + _UNMARK

# Requires= the creator: nothing of a namespace runs after its creator failed.
VETH_WORKER_TEMPLATE = HEADER + _worker('Create the veth links of network namespace %i', 'netns_name@%i.service',
                                        'Requires=netns_name@%i.service\n')

BOOT_UNIT_TEXT = HEADER + '''\
# Every enabled namespace of this host and its veth links, brought up at once at boot
# (see the script). It marks each namespace it brought up whole, and the units of those
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
ExecStart=/bin/sh %s boot

[Install]
WantedBy=multi-user.target
''' % (HELPER, HELPER)

HELPER_SCRIPT = '''#!/bin/sh
''' + HEADER + '''\
# The shell side of the netns.systemd units, one command a call:
#   up NAME                 make or adopt namespace NAME, lo up, its resolv.conf (netns_name-up@NAME)
#   veth NS1 IF1 NS2 IF2    the veth pair IF1 in NS1 <-> IF2 in NS2 ("" is the host): made when
#                           neither end exists, kept when they are that pair, refused otherwise
#   wait-link IF SECONDS    wait for the host link IF, the parent of a macvlan
#   boot                    every enabled namespace and its veths at once (netns-boot.service)
# Nothing here writes through a symbolic link.
set -u
RUN=/run/netns
ETC=/etc/netns
STATE=''' + RUN_DIR + '''

say() { echo "netns-systemd: $*" >&2; }

# Names mounted in /run/netns, " a b c ": a name file that is not mounted was left by a crash.
mounted_names() {
    names=" "
    while read -r _ _ _ _ point _; do
        case $point in "$RUN"/*) names="$names${point#"$RUN"/} " ;; esac
    done < /proc/self/mountinfo
    echo "$names"
}

# An empty file at /run/netns/NAME that is no namespace (a process killed while making it).
replace_stale() {
    case $2 in *" $1 "*) return 0 ;; esac
    [ -e "$RUN/$1" ] || [ -L "$RUN/$1" ] || return 0
    say "$RUN/$1 is not a namespace (left by a crash?): replacing it"
    rm -f "$RUN/$1"
}

# /etc/netns/NAME/resolv.conf made empty when missing (lookups inside fail rather than go to
# the host's resolver); a link on the way is left alone, and said.
resolver() {
    for path in "$ETC" "$ETC/$1" "$ETC/$1/resolv.conf"; do
        if [ -L "$path" ]; then
            say "$path is a symbolic link: not making $ETC/$1/resolv.conf through it"
            return 0
        fi
    done
    [ -d "$ETC/$1" ] || mkdir -p "$ETC/$1" || return 1
    [ -e "$ETC/$1/resolv.conf" ] || : > "$ETC/$1/resolv.conf"
}

# NAME INODE: what netns_chain compares with /run/netns/NAME later.
record() {
    [ -d "$STATE/netns" ] || mkdir -p "$STATE/netns" || return 1
    [ -L "$STATE/netns/$1" ] || echo "$2" > "$STATE/netns/$1"
}

up() {
    replace_stale "$1" "$(mounted_names)" || return 1
    [ -e "$RUN/$1" ] || ip netns add "$1" || [ -e "$RUN/$1" ] || return 1
    ip -n "$1" link set lo up || return 1
    resolver "$1" || return 1
    record "$1" "$(stat -L -c %i "$RUN/$1")"
}

# "ip -o -d link" line of IF in NS, empty when there is none.
link_line() {
    if [ -n "$1" ]; then ip -n "$1" -o -d link show dev "$2" 2>/dev/null; else ip -o -d link show dev "$2" 2>/dev/null; fi
}

# LINE OTHER_LINE OTHER_NAME: LINE is a veth whose peer is the link of OTHER_LINE.
paired() {
    [ -n "$1" ] && [ -n "$2" ] || return 1
    case $1 in *" veth "*) ;; *) return 1 ;; esac
    case $1 in *"@if${2%%:*}:"* | *"@$3:"*) return 0 ;; esac
    return 1
}

veth() {
    tries=0
    while :; do
        one=$(link_line "$1" "$2") two=$(link_line "$3" "$4")
        if [ -z "$one" ] && [ -z "$two" ]; then
            if [ -n "$1" ]; then
                ip -n "$1" link add "$2" type veth peer name "$4" ${3:+netns "$3"}
            else
                ip link add "$2" type veth peer name "$4" ${3:+netns "$3"}
            fi
            return
        fi
        if paired "$one" "$two" "$4" && paired "$two" "$one" "$2"; then
            return 0
        fi
        # A veth whose peer is in another namespace may be going away with that namespace
        # (its last process just left): wait a little for that before refusing.
        tries=$((tries + 1))
        case "$one $two" in *" veth "*) ;; *) tries=300 ;; esac
        case "$one $two" in *"@if"*) ;; *) tries=300 ;; esac
        if [ $tries -ge 300 ]; then
            say "refusing to touch ${one:+$2 in ${1:-the host}}${one:+${two:+ and }}${two:+$4 in ${3:-the host}}:" \
                "not a veth pair of $2 (${1:-host}) and $4 (${3:-host})"
            return 1
        fi
        sleep 0.1
    done
}

wait_link() {
    tries=0
    until ip link show dev "$1" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -gt $(($2 * 10)) ]; then
            say "macvlan parent $1 did not appear on the host within $2 s"
            return 1
        fi
        sleep 0.1
    done
}

# Each directory in boot/ is an enabled namespace whose links all lead to enabled namespaces:
# "outside" has its ip lines for the host, "in-NAME" the ones to run inside namespace NAME.
# The host side of every namespace goes through one "ip -batch", then each namespace's inside
# through one more. A namespace whose lines all worked is marked, and the start work of its
# units is skipped; anything else is left to those units, which redo it (every line is
# idempotent).
boot() {
    cd ''' + BOOT_DIR + '''/boot 2>/dev/null || return 0
    set --
    for dir in */; do
        [ -d "$dir" ] && set -- "$@" "${dir%/}"
    done
    [ $# -gt 0 ] || return 0
    mounted=$(mounted_names)
    {
        for ns; do
            case $mounted in *" $ns "*) continue ;; esac
            replace_stale "$ns" "$mounted"
            echo "netns add $ns"
        done
        cat ./*/outside 2>/dev/null
    } | ip -batch - || {
        say "the host side failed; every namespace is left to its units"
        return 0
    }
    for ns; do
        ok=1
        for file in "$ns"/in-*; do
            [ -f "$file" ] || continue
            ip -n "${file##*/in-}" -batch "$file" || ok=0
        done
        resolver "$ns" || ok=0
        if [ $ok = 1 ]; then
            [ -L "$STATE/booted/$ns" ] || : > "$STATE/booted/$ns"
        else
            say "$ns is left to its units"
        fi
    done
    [ -d "$STATE/netns" ] || mkdir -p "$STATE/netns"
    # One process for every inode; only the names of boot/, which are plain, are read.
    # shellcheck disable=SC2012
    ls -1iL "$RUN" | while read -r inode name; do
        if [ -d "$name" ]; then record "$name" "$inode"; fi
    done
}

command=${1:-}
[ $# -eq 0 ] || shift
case $command in
    up) up "$1" ;;
    veth) veth "$1" "$2" "$3" "$4" ;;
    wait-link) wait_link "$1" "$2" ;;
    boot) boot ;;
    *) say "usage: $0 up NAME | veth NS1 IF1 NS2 IF2 | wait-link IF SECONDS | boot"; exit 2 ;;
esac
'''


def link_template_text(kind):
    return {'veth': VETH_TEMPLATE, 'macvlan': MACVLAN_TEMPLATE}.get(kind, LINK_TEMPLATE)


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
    if end.netns is not None and peer.netns is None:
        # The host cannot be named from inside a namespace: create from the host side.
        end, peer = peer, end
    # Made when neither end exists, kept when both are this pair, refused when a name is
    # taken by anything else (a host interface is never taken over).
    lines = [exec_line('ExecStart', ['/bin/sh', HELPER, 'veth', end.netns or '', end.ifname, peer.netns or '', peer.ifname])]
    lines += _end_up_lines(end) + _end_up_lines(peer)
    # Deleting the end inside the namespace deletes the pair, and cannot touch a host link.
    inside = spec.end if spec.end.netns is not None else spec.peer
    stop = [exec_line('ExecStop', _ip(inside.netns, 'link', 'del', inside.ifname), ignore_failure=True)]
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


def macvlan_lines(spec):
    end = spec.end
    lines = [exec_line('ExecStartPre', ['/bin/sh', HELPER, 'wait-link', spec.parent, str(PARENT_WAIT_SECONDS)])]
    create = _ip(None, 'link', 'add', 'link', spec.parent, 'name', end.ifname, *(_into(end) + ['type', 'macvlan', 'mode', spec.mode]))
    # Made straight inside the namespace, so "-": one that exists there already is this one
    # (netns_chain checks its kind, parent and mode before it writes anything).
    lines.append(exec_line('ExecStart', create, ignore_failure=True))
    lines += _end_up_lines(end)
    stop = [exec_line('ExecStop', _ip(end.netns, 'link', 'del', end.ifname), ignore_failure=True)]
    return lines, stop


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


def render_dropin(start, stop_groups, other_netns=(), order_only=False, after=()):
    lines = [HEADER.rstrip('\n')]
    if other_netns or after:
        lines.append('[Unit]')
        for other in other_netns:
            if not order_only:
                lines.append('BindsTo=%s' % creator_unit(other))
            lines.append('After=%s' % creator_unit(other))
        lines.extend('After=%s' % unit for unit in after)
        lines.append('')
    lines.append('[Service]')
    lines.extend(start)
    # Links are undone in the reverse order they were made.
    for group in reversed(stop_groups):
        lines.extend(group)
    return '\n'.join(lines) + '\n'


def render_creator_dropin(link_units):
    """The creator's drop-in: starting a namespace (by hand, or through a service bound to
    it) brings up all of its links, the units of its own and those of veths from other
    namespaces that end in it."""
    return '\n'.join([HEADER.rstrip('\n'), '[Unit]'] + ['Wants=%s' % unit for unit in link_units]) + '\n'


def render_link_dropins(netns, kind, specs=(), custom=None, builtin_units=(), phases_dir=PHASES_DIR):
    """{unit: drop-in} for the links of one kind in ``netns``, in order: the drop-in of
    ``netns-KIND@NETNS.service``, and for a kind the boot batch does, the one of its worker,
    which gets the start lines. ``custom`` is the list of phase dicts of a custom kind,
    ordered after the namespace's ``builtin_units`` (a bridge port needs its veth)."""
    start, stop_groups, others = [], [], []
    if custom is not None:
        start, stop = custom_lines(netns, kind, custom, phases_dir)
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
        return {unit: render_dropin(start, stop_groups, others, after=builtin_units if custom is not None else ())}
    return {unit: render_dropin([], stop_groups, others), worker_unit(unit): render_dropin(start, [], others, order_only=True)}
