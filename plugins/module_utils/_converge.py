# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netlink converger: desired links (LinkSpec) against what each namespace has.

converge_links() reads each namespace once, plans the changes as steps (diff lines bound
to the action that makes them), and applies them only outside check mode, rolling back the
links and namespaces it created if a step fails. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
from ansible_collections.netns.systemd.plugins.module_utils._model import check_unique_ends
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._netns import create_missing_netns, remove_netns
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id
from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles, NetlinkError
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import (
    IFF_UP,
    RT_TABLE_MAIN,
    RTPROT_STATIC,
    Snapshot,
    is_unmanaged_link_local,
    kind_of,
)


class _Step:
    __slots__ = ('lines', 'action', 'what', 'netns')

    def __init__(self, lines, action, what=None):
        self.lines = lines
        self.action = action
        self.what = what or lines[0]
        # The namespaces of the link the step is for (set by _Converger.plan).
        self.netns = frozenset()


# What the link modules tell the user to do about an interface in the way.
RECREATE_HINT = 'set recreate: true to replace it'


class _Converger:
    """Desired links against the kernel, for one call of converge_links().

    ``specs``: the LinkSpecs, validated; ``handles``: netlink sockets and fds per namespace;
    ``snapshots``: {netns: Snapshot}, each namespace read once; ``netns_to_create``: names
    to make first (create_netns); ``netns_assumed``: names check mode takes as made by an
    earlier task (read as empty); ``warnings``: for the module to show; ``removals``,
    ``creations``, ``settings``: the planned _Steps, applied in that order; ``indexes``:
    {(netns, ifname): ifindex} once known; ``created_links`` and ``created_netns``: what
    apply() made, for roll_back(); ``stale``: ends whose snapshot entry no longer holds (made
    or changed by a step); ``created_keys``: ends that did not exist before this call;
    ``conflict_hint``: what an error about an interface in the way tells the user to do."""

    def __init__(self, specs, handles, check_mode, conflict_hint=RECREATE_HINT, unit_starter=None, fresh=()):
        self.specs = specs
        # Starts the unit that makes a link of a kind only a unit can make (a WireGuard
        # interface, whose wireguard-go daemon lives in the unit): None where there is none.
        self.unit_starter = unit_starter
        self.handles = handles
        self.check_mode = check_mode
        self.conflict_hint = conflict_hint
        self.snapshots = {}
        self.netns_to_create = []
        self.netns_assumed = []
        # Namespaces made just now by the caller, with nothing in them but lo: not read.
        self.fresh = list(fresh)
        self.warnings = []
        self.removals = []
        self.creations = []
        self.settings = []
        self.indexes = {}
        self.created_links = []
        self.created_netns = []
        self.stale = set()
        self.created_keys = set()

    # -- reading

    def snapshot(self, netns):
        if netns not in self.snapshots:
            exists = netns is None or netns not in self.netns_to_create + self.netns_assumed + self.fresh
            self.snapshots[netns] = Snapshot(self.handles.light(netns) if exists else None)
        return self.snapshots[netns]

    def lookup(self, end):
        return self.snapshot(end.netns).links.get(end.ifname)

    def nsid_matches(self, msg, own_netns, other_netns):
        """Whether ``msg``'s IFLA_LINK points into ``other_netns`` as seen from ``own_netns``."""
        got = msg.get_attr('IFLA_LINK_NETNSID')
        if own_netns == other_netns:
            return got is None
        want = self.handles.light(own_netns).get_netnsid(self.handles.fd(other_netns))
        return got is not None and got == want

    # -- planning

    def plan(self):
        errors = []
        for spec in self.specs:
            for end in spec.ends:
                if end.netns is None or end.netns in self.netns_to_create + self.netns_assumed or netns_id(end.netns) is not None:
                    continue
                if spec.state == 'present' and spec.create_netns:
                    self.netns_to_create.append(end.netns)
                elif spec.state == 'present' and self.check_mode:
                    # In check mode an earlier task (netns.systemd.netns) that would have made it made nothing.
                    self.netns_assumed.append(end.netns)
                elif spec.state == 'present':
                    errors.append('netns %r (used by %s) does not exist: create it first (netns.systemd.netns) '
                                  'or set create_netns: true' % (end.netns, spec.label))
        if errors:
            raise InvalidInput('; '.join(errors))
        if self.netns_assumed:
            # One warning for them all: a fresh host may lack hundreds.
            names = self.netns_assumed
            shown = ', '.join(repr(name) for name in names)
            self.warnings.append('%s %s not exist; check mode assumes an earlier task creates %s'
                                 % (('netns ' if len(names) == 1 else '%d namespaces: ' % len(names)) + shown,
                                    'does' if len(names) == 1 else 'do', 'it' if len(names) == 1 else 'them'))
        for spec in self.specs:
            marks = [(steps, len(steps)) for steps in (self.removals, self.creations, self.settings)]
            try:
                if spec.state == 'absent':
                    self.plan_absent(spec)
                else:
                    self.plan_present(spec)
            except InvalidInput as exc:
                errors.append(str(exc))
            touched = frozenset(end.netns for end in spec.ends)
            for steps, mark in marks:
                for step in steps[mark:]:
                    step.netns = touched
        if errors:
            raise InvalidInput('; '.join(errors))

    def plan_absent(self, spec):
        end = spec.end
        if end.netns is not None and (netns_id(end.netns) is None):
            return
        here = self.lookup(end)
        if here is None:
            return
        found = KINDS.get(spec.kind)
        action = found.remove(self, spec, here) if found is not None else None
        if action is not None:
            # Not deleted: given back (a moved interface).
            self.removals.append(_Step(['- %s' % spec.label], action))
            return
        if kind_of(here) != spec.kind:
            raise InvalidInput('%s: %s exists as a %s, not a %s; not removing it'
                               % (spec.label, end.label, kind_of(here) or 'device', spec.kind))
        self.plan_removal(spec.label, end, here)

    def plan_removal(self, what, end, msg):
        rtnl_netns, index = end.netns, msg['index']

        def remove():
            try:
                self.handles.rtnl(rtnl_netns).link('del', index=index)
            except NetlinkError as exc:
                if exc.code != errno.ENODEV:
                    raise
        self.removals.append(_Step(['- %s' % what], remove))

    def plan_present(self, spec):
        here = self.lookup(spec.end)
        if spec.kind not in KINDS:
            raise InvalidInput('%s: link type %r is not one the converger makes' % (spec.label, spec.kind))
        conflict, in_the_way = KINDS[spec.kind].conflict(self, spec, here)
        if here is None and KINDS[spec.kind].by_unit:
            self.plan_by_unit(spec)
            return
        if conflict is not None:
            if not spec.recreate:
                raise InvalidInput('%s: %s; %s' % (spec.label, conflict, self.conflict_hint))
            for end, msg in in_the_way:
                if msg is not None:
                    self.plan_removal('%s (in the way: %s)' % (end.label, conflict), end, msg)
            here = None
        if here is None:
            self.plan_creation(spec)
        for end in spec.ends:
            self.plan_end(end, None if here is None else self.lookup(end))

    def plan_by_unit(self, spec):
        """A link only its unit makes (Kind.by_unit), set up there with its addresses and
        routes: the step starts the unit again."""
        end = spec.end

        def create():
            if self.unit_starter is None:
                raise NetnsError('%s is made by its systemd unit (netns_chain), not here' % spec.label)
            self.unit_starter(spec)
        self.stale.add(end.key)
        self.creations.append(_Step(['+ %s (by its unit)' % spec.label], create))

    def plan_creation(self, spec):
        stale, create = KINDS[spec.kind].create(self, spec)
        self.stale.update(stale)
        self.creations.append(_Step(['+ %s' % spec.label], create))

    def plan_end(self, end, msg):
        """Plan MTU, MAC, up, addresses and routes of one end (``msg`` None: a new link)."""
        label = end.label
        snap = self.snapshot(end.netns)
        link_changes, lines = {}, []
        if end.mtu is not None and (msg is None or msg.get_attr('IFLA_MTU') != end.mtu):
            link_changes['mtu'] = end.mtu
            lines.append('~ mtu %d%s on %s' % (end.mtu, '' if msg is None else ' (was %s)' % msg.get_attr('IFLA_MTU'), label))
        if end.mac is not None and (msg is None or msg.get_attr('IFLA_ADDRESS') != end.mac):
            link_changes['address'] = end.mac
            lines.append('~ mac %s%s on %s' % (end.mac, '' if msg is None else ' (was %s)' % msg.get_attr('IFLA_ADDRESS'), label))
        if msg is None or not msg['flags'] & IFF_UP:
            link_changes['state'] = 'up'
            if msg is not None:
                lines.append('~ up %s (was down)' % label)
        if link_changes:
            self.settings.append(_Step(lines, self.action(end, 'link', 'set', **link_changes), what='setting up %s' % label))
        index = msg['index'] if msg is not None else None
        addresses_removed = False
        if end.addresses is not None:
            have = snap.addresses(index) if index is not None else set()
            for address in sorted(have, key=str):
                if address not in end.addresses and not is_unmanaged_link_local(address, end.addresses):
                    addresses_removed = True
                    self.settings.append(_Step(['- address %s on %s' % (address, label)],
                                               self.action(end, 'addr', 'del', address=str(address.ip), prefixlen=address.network.prefixlen)))
            for address in end.addresses:
                if address not in have:
                    self.settings.append(_Step(['+ address %s on %s' % (address, label)],
                                               self.action(end, 'addr', 'add', address=str(address.ip), prefixlen=address.network.prefixlen)))
        if end.routes is not None:
            have = snap.routes(index) if index is not None else set()
            for route in sorted(have):
                if route not in end.routes:
                    self.settings.append(_Step(['- route %s on %s' % (route.text(), label)], self.route_action(end, 'del', route)))
            for route in end.routes:
                if route not in have:
                    self.settings.append(_Step(['+ route %s on %s' % (route.text(), label)], self.route_action(end, 'replace', route)))
                elif addresses_removed:
                    # Removing an address flushes the routes through it: put them back, silently.
                    self.settings.append(_Step([], self.route_action(end, 'replace', route),
                                               what='restoring route %s on %s' % (route.text(), label)))

    def action(self, end, method, command, **request):
        def run():
            try:
                light = self.handles.light(end.netns)
                if method == 'link':
                    light.set_link(self.index(end.netns, end.ifname), **request)
                else:
                    light.addr(command, self.index(end.netns, end.ifname), **request)
            except NetlinkError as exc:
                # Removing a primary address takes its secondaries with it.
                if not (command == 'del' and exc.code == errno.EADDRNOTAVAIL):
                    raise
        self.stale.add(end.key)
        return run

    def route_action(self, end, command, route):
        request = {'family': route.family, 'dst_len': route.dst.prefixlen, 'proto': RTPROT_STATIC, 'table': RT_TABLE_MAIN}
        if route.dst.prefixlen:
            request['dst'] = str(route.dst.network_address)
        if route.gateway is not None:
            request['gateway'] = str(route.gateway)

        def run():
            try:
                self.handles.rtnl(end.netns).route(command, oif=self.index(end.netns, end.ifname), **request)
            except NetlinkError as exc:
                # Removing an address flushes the routes through it.
                if not (command == 'del' and exc.code == errno.ESRCH):
                    raise
        return run

    def index(self, netns, ifname):
        key = (netns, ifname)
        if key not in self.indexes:
            msg = None if key in self.created_keys else self.snapshot(netns).links.get(ifname)
            self.indexes[key] = msg['index'] if msg is not None else self.handles.link_index(netns, ifname)
        return self.indexes[key]

    # -- applying

    @property
    def steps(self):
        return self.removals + self.creations + self.settings

    def apply(self):
        current = None
        try:
            if self.netns_to_create:
                current = '+ netns %s' % ', '.join(self.netns_to_create)
                self.created_netns = create_missing_netns(self.netns_to_create)
            for step in self.steps:
                current = step.what
                step.action()
        except (NetlinkError, OSError, NetnsError) as exc:
            rolled_back = self.roll_back()
            raise NetnsError('%s failed: %s%s' % (current, exc, rolled_back))

    def roll_back(self):
        undone = []
        for end in reversed(self.created_links):
            try:
                rtnl = self.handles.rtnl(end.netns)
                rtnl.link('del', index=rtnl.link('get', ifname=end.ifname)[0]['index'])
                undone.append(end.label)
            except (NetlinkError, OSError, NetnsError):
                pass
        for name in self.created_netns:
            self.handles.forget(name)
        if self.created_netns:
            remove_netns(self.created_netns)
            undone.extend('netns %s' % name for name in self.created_netns)
        if len(undone) > 12:
            undone = undone[:12] + ['and %d more' % (len(undone) - 12)]
        return '; rolled back what this run created: %s' % ', '.join(undone) if undone else ''

    # -- results

    def diff_lines(self, skip=()):
        """What the steps do, in words; those of links that touch a namespace of ``skip`` left out."""
        lines = ['+ netns %s' % name for name in self.netns_to_create if name not in skip]
        for step in self.steps:
            if not step.netns & set(skip):
                lines.extend(step.lines)
        return lines

    def describe(self, spec):
        info = {'kind': spec.kind, 'name': spec.end.ifname, 'netns': spec.end.netns, 'state': spec.state}
        info.update(KINDS[spec.kind].describe(spec))
        info['interfaces'] = [] if spec.state == 'absent' else [self.describe_end(end) for end in spec.ends]
        return info

    def describe_end(self, end):
        info = {'netns': end.netns, 'name': end.ifname, 'index': None, 'mac': end.mac, 'mtu': end.mtu, 'up': True,
                'addresses': [str(a) for a in end.addresses or ()]}
        if self.check_mode and end.key in self.stale:
            return info
        msg = None if end.key in self.stale else self.lookup(end)
        if msg is not None:
            info.update(index=msg['index'], mac=msg.get_attr('IFLA_ADDRESS'), mtu=msg.get_attr('IFLA_MTU'),
                        up=bool(msg['flags'] & IFF_UP))
        elif not self.check_mode:
            info['index'], info['mac'], info['mtu'], info['up'] = self.handles.link_brief(end.netns, end.ifname)
        if end.addresses is None and info['index'] is not None:
            info['addresses'] = sorted(str(a) for a in self.snapshot(end.netns).addresses(info['index']))
        return info


class LinkPlan:
    """The links planned against the kernel, with the netlink sockets still open, so that the
    plan can be applied later without reading every namespace again. ``lines``: what would
    change; ``assumed``: namespaces taken as made by an earlier task (check mode).
    Close it (or use it as a context manager)."""

    def __init__(self, specs, check_mode, conflict_hint=RECREATE_HINT, unit_starter=None, fresh=()):
        check_unique_ends(specs)
        self.specs = specs
        self.check_mode = check_mode
        self._handles = NamespaceHandles()
        try:
            self._converger = _Converger(specs, self._handles, check_mode, conflict_hint, unit_starter, fresh)
            self._converger.plan()
        except BaseException:
            self._handles.close()
            raise
        self.lines = self._converger.diff_lines()
        self.assumed = list(self._converger.netns_assumed)

    def lines_outside(self, names):
        """``lines`` but those of links that touch a namespace of ``names`` (which units make)."""
        return self._converger.diff_lines(skip=names)

    def apply(self):
        if self.lines:
            self._converger.apply()

    def result(self):
        return {'changed': bool(self.lines), 'diff_lines': self.lines, 'warnings': self._converger.warnings,
                'links': [self._converger.describe(spec) for spec in self.specs]}

    def close(self):
        self._handles.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def converge_links(specs, check_mode, unit_starter=None):
    """Converge ``specs`` (a list of LinkSpec); return changed, diff_lines and links."""
    with LinkPlan(specs, check_mode, unit_starter=unit_starter) as plan:
        if not check_mode:
            plan.apply()
        return plan.result()


def converge_each(specs_by_netns, unit_starter=None):
    """Converge every namespace's links; one that fails does not stop the others.
    Returns (diff lines, {netns: error})."""
    everything = [spec for name in sorted(specs_by_netns) for spec in specs_by_netns[name]]
    try:
        return converge_links(everything, False, unit_starter)['diff_lines'], {}
    except NetnsError:
        pass
    lines, errors = [], {}
    for name in sorted(specs_by_netns):
        try:
            lines.extend(converge_links(specs_by_netns[name], False, unit_starter)['diff_lines'])
        except NetnsError as exc:
            errors[name] = str(exc)
    return lines, errors


def converge_kinds_live(entries, check_mode, kinds=None, run=None, changed_files=()):
    """What the kinds of _kinds.table compare and set on links that exist (a vxlan's FDB, a
    WireGuard interface's peers) for the present ``entries``, through one netlink socket per
    namespace: ([lines], {netns: error}); ``kinds``: only these; ``run(argv)``: runs a command;
    ``changed_files``: the private files this run writes."""
    lines, errors = [], {}
    with NamespaceHandles() as handles:
        for name in sorted(KINDS):
            if kinds is None or name in kinds:
                found, failed = KINDS[name].converge_live(entries, handles, check_mode, run=run, changed_files=changed_files)
                lines.extend(found)
                for netns, error in failed.items():
                    errors[netns] = '%s; %s' % (errors[netns], error) if netns in errors else error
    return lines, errors
