# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the units of a namespace do when they start, run by the engine from the model:

  start_netns    the creator's work: the namespace made or adopted, lo up, its resolv.conf
                 and nsswitch.conf made when missing (_resolver), its sysctls and nftables ruleset, the links of the
                 booted kinds that lead only to the host (start_links), its inode recorded
  start_links    the links of a booted kind (_kinds.table.BOOTED_KINDS: veth) made or found
                 (never taken over), their ends set: those of start_netns, or all of them for
                 the worker of a veth unit whose links lead to other namespaces
  boot           both, for every namespace of the boot list at once, in this one process

Each is made of the functions the playbook's converger runs (create_netns, LinkPlan,
the inside parts of _parts.table): there is no second implementation. Private to the collection:
not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.netns.systemd.plugins.module_utils._converge import LinkPlan
from ansible_collections.netns.systemd.plugins.module_utils._host import booted_specs
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
from ansible_collections.netns.systemd.plugins.module_utils._files import is_regular_file, link_in_path, read_file, write_in_directory
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import create_netns, loopback_up, netns_id, netns_path, run_dir_lock
from ansible_collections.netns.systemd.plugins.module_utils._parts.table import inside_parts
from ansible_collections.netns.systemd.plugins.module_utils._resolver import make_resolver
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_LIST, BOOT_MARKS, NETNS_ETC_DIR, NETNS_RECORDS
from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import Snapshot

# How long such a unit waits for a link in the way that may be going away with another
# namespace (Kind.going_away: a veth whose peer is there) before refusing.
GONE_SECONDS = 30


def record_inodes(names, records_dir=NETNS_RECORDS):
    """Keep the inode of each namespace of ``names`` as made now, for netns_chain to compare later."""
    if link_in_path(records_dir) is not None:
        return
    inodes = dict((name, netns_id(name)) for name in names)
    write_in_directory(records_dir, dict((name, '%d\n' % inode) for name, inode in inodes.items() if inode is not None))


def _inside(entries, run, fresh=()):
    """The sysctls and rulesets of ``entries`` (namespaces that exist): ([lines], {netns: error})."""
    with inside_parts(entries, run) as inside:
        lines, _diffs, errors = inside.converge(False, fresh=fresh)
    return lines, errors


def _stale(name):
    """What to say of a name file in /run/netns that is no namespace (left by a crash), which
    create_netns replaces: [line]."""
    if netns_id(name) is None and os.path.lexists(netns_path(name)):
        return ['! %s is not a namespace (left by a crash?): replacing it' % netns_path(name)]
    return []


def start_netns(entry, run, etc_dir=NETNS_ETC_DIR, records_dir=NETNS_RECORDS):
    """The creator's work for ``entry``: [lines]; NetnsError (or InvalidInput, for a link in
    the way) when some of it failed."""
    with run_dir_lock():
        lines = _stale(entry.name)
        _inode, created = create_netns(entry.name)
    lines += ['+ netns %s' % entry.name] if created else []
    if not created:
        with NamespaceHandles() as handles:
            with handles.inside(entry.name):
                loopback_up()
    lines.extend(make_resolver(entry.name, etc_dir))
    found, errors = _inside([entry], run, fresh=[entry.name] if created else [])
    lines.extend(found)
    if errors:
        raise NetnsError('; '.join(errors[name] for name in sorted(errors)))
    # As at boot: the links after the sysctls, so that they take the namespace's defaults.
    lines.extend(start_links(entry, own=True))
    record_inodes([entry.name], records_dir)
    return lines


def _going_away(specs):
    """Whether an end of ``specs`` exists as a link that may be going away with another
    namespace (Kind.going_away: a veth whose peer is there)."""
    with NamespaceHandles() as handles:
        for spec in specs:
            for end in spec.ends:
                if end.netns is not None and netns_id(end.netns) is None:
                    continue
                msg = Snapshot(handles.rtnl(end.netns)).links.get(end.ifname)
                if msg is not None and KINDS[spec.kind].going_away(msg):
                    return True
    return False


def start_links(entry, own=False, seconds=GONE_SECONDS):
    """The links of the booted kinds of ``entry`` (with ``own``, only those that lead only to
    the host: _host.booted_specs): each pair made when neither end exists, kept when they are
    that pair, refused otherwise (after waiting for one that may be going away); its ends set
    as declared: [lines]."""
    specs = booted_specs(entry, own)
    if not specs:
        return []
    deadline = time.time() + seconds
    while True:
        try:
            with LinkPlan(specs, check_mode=False, conflict_hint='remove it, or rename the link') as plan:
                plan.apply()
                return list(plan.lines)
        except InvalidInput:
            if time.time() >= deadline or not _going_away(specs):
                raise
        time.sleep(0.1)


def boot_names(boot_list=BOOT_LIST):
    """The names of the boot list: enabled namespaces whose veths lead only to enabled ones."""
    return (read_file(boot_list) or '').split() if is_regular_file(boot_list) else []


def _links_of_each(entries, fresh):
    """The links of the booted kinds of every entry in one plan; when that fails, of each entry
    on its own (one in the way does not hold up the others): {netns: error}. Namespaces of
    ``fresh``, made just now, are not read."""
    groups = [[entry] for entry in entries]
    for attempt in ([entries], groups):
        errors = {}
        for group in attempt:
            specs = [spec for entry in group for spec in booted_specs(entry)]
            if not specs:
                continue
            try:
                with LinkPlan(specs, check_mode=False, conflict_hint='remove it, or rename the link', fresh=fresh) as plan:
                    plan.apply()
            except (InvalidInput, NetnsError, OSError) as exc:
                errors.update((entry.name, 'links: %s' % exc) for entry in group)
            # What a failed plan made is rolled back: read again on the next try.
            fresh = ()
        if not errors or len(entries) == 1:
            return errors
    return errors


def boot(entries, run, etc_dir=NETNS_ETC_DIR, records_dir=NETNS_RECORDS, marks_dir=BOOT_MARKS):
    """Every namespace of ``entries`` and its veths brought up at once: the namespaces made
    (or adopted), the sysctls and ruleset of each, then all their pairs in one plan. A namespace whose
    work all succeeded is marked, and its units start without doing it again; anything else is
    left to those units, which redo it. Returns ([marked], [messages])."""
    names = [entry.name for entry in entries]
    messages = []
    with run_dir_lock():
        for name in names:
            messages.extend(_stale(name))
        made = set(name for name in names if create_netns(name)[1])
    adopted = [name for name in names if name not in made]
    if adopted:
        with NamespaceHandles() as handles:
            for name in adopted:
                with handles.inside(name):
                    loopback_up()
    # As the units do it: the sysctls and ruleset first (a link made later takes the
    # namespace's default values), then the veths.
    _lines, errors = _inside(entries, run, fresh=made)
    errors.update(_links_of_each([entry for entry in entries if entry.name not in errors], made))
    done = []
    for entry in entries:
        if entry.name in errors:
            messages.append('%s is left to its units: %s' % (entry.name, errors[entry.name]))
            continue
        try:
            messages.extend(line for line in make_resolver(entry.name, etc_dir) if line.startswith('!'))
        except (InvalidInput, OSError) as exc:
            messages.append('%s is left to its units: %s' % (entry.name, exc))
            continue
        done.append(entry.name)
    try:
        record_inodes(done, records_dir)
        write_in_directory(marks_dir, dict((name, '') for name in done))
    except (InvalidInput, OSError) as exc:
        messages.append('every namespace is left to its units: %s' % exc)
        return [], messages
    return done, messages
