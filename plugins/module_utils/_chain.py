# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit chain of a whole host (the entries of _host), planned and applied.

Render every file, compare with the disk, write only what
differs (units atomically, resolv.conf in place, never through a link), reload systemd
once, then stop, disable, enable, start and restart units in one systemctl call each.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

from ansible_collections.netns.systemd.plugins.module_utils._files import (
    check_no_link,
    check_removable,
    file_diff,
    is_regular_file,
    link_in_path,
    make_link,
    read_file,
    remove_path,
    rewrite_in_place,
    write_atomically,
)
from ansible_collections.netns.systemd.plugins.module_utils._engine import ENTRY, MANIFEST, engine_files, launcher_text, model_text
from ansible_collections.netns.systemd.plugins.module_utils._host import boot_eligible, creator_wants, unit_templates
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id
from ansible_collections.netns.systemd.plugins.module_utils._paths import (
    BOOT_DIR,
    BOOT_LIST,
    BOOT_MARKS,
    DROPIN_NAME,
    ENGINE_DIR,
    ENGINE_LAUNCHER,
    HEADER,
    HOST_DIR,
    NETNS_ETC_DIR,
    MODEL_DIR,
    NETNS_RECORDS,
    NS_DIR,
    PHASES_DIR,
    UNIT_DIR,
)
from ansible_collections.netns.systemd.plugins.module_utils._managers import BRIDGES_OWNER, MANAGERS, managers_of, netns_owner, unmanaged_files
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import host_veths
from ansible_collections.netns.systemd.plugins.module_utils._resolver import RESOLV_CONF, host_nsswitch, resolver_files
from ansible_collections.netns.systemd.plugins.module_utils._systemd import enabled_units
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    BOOT_UNIT,
    BOOT_UNIT_TEXT,
    CREATOR_TEMPLATE,
    CREATOR_WORKER_TEMPLATE,
    HOST_UNIT,
    HOST_UNIT_TEXT,
    READY_TEMPLATE,
    READY_TEMPLATE_TEXT,
    creator_unit,
    dropin_path,
    enable_link,
    link_unit,
    phase_files,
    render_creator_dropin,
    worker_template_text,
    worker_unit,
)


class StartFailed(NetnsError):
    """systemctl start or restart failed for some of the units; the others were started."""


class ChainPlan:
    """What a run changes, in the order apply_chain does it.

    ``unit_files`` and ``boot_files``: {path: content}, written atomically with mode 0644
    (unit files then need a daemon-reload); ``private_files``: the same with mode 0600 in
    directories of mode 0700 (custom phases and WireGuard files, which hold secrets); ``resolv_files``:
    rewritten in place; ``remove_paths``: removed after the stops; ``stop``, ``disable``,
    ``start``, ``restart``: units, one systemctl call each; ``enable``: units enabled by
    making the links of ``enable_links`` ({link: target}), the links ``systemctl enable``
    makes (which took 0.73 s for 201 units, against milliseconds for the links); ``repair``: names of
    namespaces whose creator is restarted because the namespace was deleted or replaced by
    hand; ``settle``: their link units, started after the restart so that the run waits for
    them (systemctl waits for the jobs of the units it names, not for those a restart pulls
    along); ``reload``: the running network managers whose files changed (_managers);
    ``lines``: each change in words; ``file_diffs``: each file written or removed as
    ansible's diff shows it (before and after; the content of private files is not shown);
    ``warnings``: what was left alone, and why."""

    def __init__(self):
        self.unit_files = {}
        self.boot_files = {}
        # The engine's code (written 0644, said in one line) and the modes of files not 0644.
        self.code_files = {}
        self.modes = {}
        self.private_files = {}
        self.resolv_files = {}
        self.remove_paths = []
        self.stop, self.disable, self.enable, self.start, self.restart = [], [], [], [], []
        self.enable_links = {}
        self.repair = []
        self.settle = []
        self.reload = []
        self.lines = []
        self.file_diffs = []
        self.warnings = []


def netns_damage(netns, records_dir=NETNS_RECORDS):
    """Why namespace ``netns``, whose creator is active, needs its chain restarted: deleted
    by hand, or replaced by another namespace of the same name; None when it is fine."""
    inode = netns_id(netns)
    if inode is None:
        return 'the namespace was deleted by hand'
    record = read_file(os.path.join(records_dir, netns)) if os.path.isdir(records_dir) else None
    if record and record.strip().isdigit() and int(record) != inode:
        return 'the namespace was replaced by another one (inode %d, made as %s)' % (inode, record.strip())
    return None


def plan_chain(entries, unit_state, unit_dir=UNIT_DIR, etc_dir=NETNS_ETC_DIR, start=True, boot_dir=BOOT_DIR, marks_dir=BOOT_MARKS,
               host=None, managers=MANAGERS):
    """Compare what the entries (and ``host``, their HostNet) need with the disk and
    ``unit_state`` ({unit: (active, enabled)}); ``host`` None leaves the host side as it is.
    The directories are parameters for the tests;
    the module uses the defaults. Reads only: a link where a file of ours should be raises
    InvalidInput before anything changes."""
    plan = ChainPlan()
    unmanaged = set()
    if host is not None:
        _plan_host(plan, host.files(), unit_state, unit_dir, boot_dir, start)
        made = sorted(name for name, bridge in host.bridges.items() if not bridge.adopt)
        unmanaged |= _plan_unmanaged(plan, BRIDGES_OWNER, 'bridges of the network namespaces', made, managers)
    phases_dir = os.path.join(boot_dir, os.path.basename(PHASES_DIR))
    model_dir = os.path.join(boot_dir, os.path.basename(MODEL_DIR))
    run_dir = os.path.dirname(marks_dir)
    present = [e for e in entries if e.state == 'present']
    templates = {}
    if present:
        templates = {creator_unit(''): CREATOR_TEMPLATE, worker_unit(creator_unit('')): CREATOR_WORKER_TEMPLATE, BOOT_UNIT: BOOT_UNIT_TEXT,
                     READY_TEMPLATE: READY_TEMPLATE_TEXT}
        _plan_engine(plan, boot_dir)
        # What 0.1.0 pre-releases wrote there: the batch files and scripts, replaced by the engine.
        for old in ('boot', 'boot.sh', 'netns.sh'):
            if os.path.lexists(os.path.join(boot_dir, old)):
                _plan_removal(plan, os.path.join(boot_dir, old))
        active, enabled = unit_state.get(BOOT_UNIT, (False, False))
        if not enabled:
            _plan_enable(plan, BOOT_UNIT, unit_dir)
        if start and not active:
            # Started with the units, as at boot: one batch for the namespaces it may do.
            plan.start.append(BOOT_UNIT)
            plan.lines.append('+ start %s' % BOOT_UNIT)
    for kind in sorted(set(kind for e in present for kind in e.kinds)):
        templates.update(unit_templates(kind))
    for unit, content in sorted(templates.items()):
        _plan_file(plan, os.path.join(unit_dir, unit), content)

    eligible = boot_eligible(entries)
    boot_list = os.path.join(boot_dir, os.path.basename(BOOT_LIST))
    # Namespaces this call does not name keep their place in the list.
    named = set(entry.name for entry in entries)
    listed = sorted(set(line for line in (read_file(boot_list) or '').split() if line not in named) | eligible)
    if listed:
        _plan_file(plan, boot_list, ''.join('%s\n' % name for name in listed), plan.boot_files)
    elif os.path.lexists(boot_list):
        _plan_removal(plan, boot_list)
    wants = creator_wants(entries)
    nsswitch = host_nsswitch()
    index = dropin_index(unit_dir)
    for entry in entries:
        existing_dropins = managed_dropins(entry.name, unit_dir, index)
        # The bridges its veths' host ends join, for its bridge unit.
        ns_dir = os.path.join(boot_dir, os.path.basename(NS_DIR), entry.name)
        declared = entry.files() if entry.state == 'present' else {}
        _plan_tree(plan, ns_dir, dict((os.path.join(ns_dir, name), text) for name, text in declared.items()), plan.boot_files)
        phases = {}
        if entry.state == 'present':
            for kind, links in entry.custom.items():
                phases.update(phase_files(entry.name, kind, links, phases_dir))
        changed_phases = _plan_tree(plan, os.path.join(phases_dir, entry.name), phases, plan.private_files)
        for kind in sorted(name for name in KINDS if KINDS[name].private_dir):
            directory = os.path.join(boot_dir, KINDS[kind].private_dir)
            _plan_tree(plan, os.path.join(directory, entry.name), entry.private_files(kind, directory) if entry.state == 'present' else {},
                       plan.private_files)
        # The item as given, which the engine reads (root-only: it may hold keys).
        model = os.path.join(model_dir, entry.name + '.json')
        if entry.state == 'present':
            _plan_file(plan, model, model_text(entry.model), plan.private_files)
        elif os.path.lexists(model):
            _plan_removal(plan, model, private=True)
        creator_dropin = dropin_path(creator_unit(entry.name), unit_dir)
        if entry.state == 'absent':
            for unit in [link_unit(kind, entry.name) for kind in sorted(existing_dropins)] + [creator_unit(entry.name)]:
                _plan_retirement(plan, unit, unit_state)
            for kind in sorted(existing_dropins):
                _plan_dropins_removal(plan, link_unit(kind, entry.name), unit_dir)
            for path in (creator_dropin, os.path.join(etc_dir, entry.name)):
                if os.path.lexists(path):
                    _plan_removal(plan, path)
            unmanaged |= _plan_unmanaged(plan, netns_owner(entry.name), None, [], managers)
            continue
        for kind in sorted(set(existing_dropins) - set(entry.kinds)):
            _plan_retirement(plan, link_unit(kind, entry.name), unit_state)
            _plan_dropins_removal(plan, link_unit(kind, entry.name), unit_dir)
        for kind in entry.kinds:
            changed = False
            dropins = entry.dropins(kind, phases_dir)
            for unit, content in dropins.items():
                changed = _plan_file(plan, dropin_path(unit, unit_dir), content) or changed
            # A worker's drop-in that only ordered it after namespaces it no longer leads to.
            unit = link_unit(kind, entry.name)
            worker = worker_unit(unit)
            if worker_template_text(kind) is not None and worker not in dropins and os.path.lexists(dropin_path(worker, unit_dir)):
                _plan_removal(plan, dropin_path(worker, unit_dir))
            prefix = os.path.join(phases_dir, entry.name, kind + '.')
            changed = changed or any(path.startswith(prefix) for path in changed_phases)
            if kind in entry.custom and changed and start and unit_state.get(unit, (False, False))[0]:
                # Stopped before the files change (the old down phases run), started after.
                plan.stop.append(unit)
                plan.start.append(unit)
                plan.lines.append('~ restart %s: its phases changed' % unit)
        if wants.get(entry.name):
            _plan_file(plan, creator_dropin, render_creator_dropin(entry.name, wants[entry.name]))
        elif os.path.lexists(creator_dropin):
            _plan_removal(plan, creator_dropin)
        _plan_resolv_conf(plan, entry, etc_dir, nsswitch)
        unmanaged |= _plan_unmanaged(plan, netns_owner(entry.name), 'host ends of the veths of network namespace %s' % entry.name,
                                     sorted(spec.peer.ifname for spec in host_veths(entry)), managers)
        for unit in entry.units:
            active, enabled = unit_state.get(unit, (False, False))
            # Only the creator is enabled: its drop-in pulls in its link units.
            enable = entry.enabled and unit == creator_unit(entry.name)
            if enable and not enabled:
                _plan_enable(plan, unit, unit_dir)
            elif not enable and enabled:
                plan.disable.append(unit)
                plan.lines.append('- disable %s' % unit)
            if start and not active and unit not in plan.start:
                plan.start.append(unit)
                plan.lines.append('+ start %s' % unit)
        creator_active = unit_state.get(creator_unit(entry.name), (False, False))[0]
        damage = netns_damage(entry.name, os.path.join(run_dir, os.path.basename(NETNS_RECORDS))) if start and creator_active else None
        if damage:
            # A restart propagates to the link units and the services bound to the namespace:
            # all of them end up in the new one.
            plan.repair.append(entry.name)
            plan.restart.append(creator_unit(entry.name))
            plan.settle.extend(unit for unit in wants.get(entry.name, ()) if unit not in plan.settle)
            plan.lines.append('~ restart %s: %s' % (creator_unit(entry.name), damage))
    _plan_unused_templates(plan, templates, unit_state, unit_dir, (boot_dir, run_dir))
    # A running manager reads its changed files before the units make the links.
    plan.reload = [unit for unit in managers_of(unmanaged, managers=managers) if unit_state.get(unit, (False, False))[0]]
    plan.lines.extend('~ reload %s: it leaves the links of netns.systemd alone' % unit for unit in plan.reload)
    return plan


def _plan_unmanaged(plan, owner, what, links, managers):
    """``owner``'s file for each network manager (_managers) names ``links``; with none, a
    file of ours is removed. The paths that change."""
    changed = set()
    for path, text in sorted(unmanaged_files(owner, what, links, managers=managers).items()):
        if text is not None:
            if _plan_file(plan, path, text, plan.boot_files):
                changed.add(path)
        elif is_regular_file(path) and (read_file(path) or '').startswith(HEADER):
            _plan_removal(plan, path)
            changed.add(path)
    return changed


def _plan_host(plan, files, unit_state, unit_dir, boot_dir, start):
    """host/ holds ``files``; netns-host.service applies them, started (or restarted when
    they changed) while anything needs forwarding or NAT, and retired after."""
    host_dir = os.path.join(boot_dir, os.path.basename(HOST_DIR))
    changed = _plan_tree(plan, host_dir, dict((os.path.join(host_dir, name), text) for name, text in files.items()), plan.boot_files)
    unit_path = os.path.join(unit_dir, HOST_UNIT)
    active, enabled = unit_state.get(HOST_UNIT, (False, False))
    if not ('forward' in files or 'nftables' in files):
        if is_regular_file(unit_path) and read_file(unit_path).startswith(HEADER):
            _plan_retirement(plan, HOST_UNIT, unit_state)
            _plan_removal(plan, unit_path)
        return
    _plan_file(plan, unit_path, HOST_UNIT_TEXT)
    if not enabled:
        _plan_enable(plan, HOST_UNIT, unit_dir)
    if start and not active:
        plan.start.append(HOST_UNIT)
        plan.lines.append('+ start %s' % HOST_UNIT)
    elif start and changed - set(os.path.join(host_dir, name) for name in ('bridges', 'users')):
        plan.restart.append(HOST_UNIT)
        plan.lines.append('~ restart %s: its files changed' % HOST_UNIT)


def _plan_engine(plan, boot_dir):
    """The engine of this version in engine/HASH/ (its code files said in one line, not shown
    in the diff), the launcher that runs it, and no other version."""
    engine_dir = os.path.join(boot_dir, os.path.basename(ENGINE_DIR))
    digest, files = engine_files()
    here = os.path.join(engine_dir, digest)
    missing = dict((os.path.join(here, path), text) for path, text in files.items() if read_file(os.path.join(here, path)) != text)
    if missing:
        plan.code_files.update(missing)
        plan.lines.append('%s engine %s (%d files)' % ('+' if len(missing) == len(files) else '~', here, len(missing)))
        plan.file_diffs.append(file_diff(here, None if len(missing) == len(files) else '(engine %s)\n' % digest,
                                         '(engine %s: %d files of the collection\'s module_utils)\n' % (digest, len(files))))
    if os.path.isdir(engine_dir) and not os.path.islink(engine_dir):
        for name in sorted(os.listdir(engine_dir)):
            other = os.path.join(engine_dir, name)
            manifest = os.path.join(other, MANIFEST)
            if name != digest and is_regular_file(manifest) and (read_file(manifest) or '').startswith(HEADER):
                _plan_removal(plan, other)
    launcher = os.path.join(boot_dir, os.path.basename(ENGINE_LAUNCHER))
    if _plan_file(plan, launcher, launcher_text(os.path.join(ENGINE_DIR, digest, ENTRY)), plan.boot_files):
        plan.modes[launcher] = 0o755


def _plan_resolv_conf(plan, entry, etc_dir, host_nsswitch):
    path = os.path.join(etc_dir, entry.name, RESOLV_CONF)
    link = link_in_path(path)
    if link is not None:
        if entry.resolv_conf is not None:
            check_no_link(path)
        plan.warnings.append('%s is a symbolic link: %s is left as it is (give it no dns, or replace the link)' % (link, path))
        return
    if entry.resolv_conf is not None:
        _plan_file(plan, path, entry.resolv_conf, plan.resolv_files)
    # Without dns, the creator's work (or the boot batch) makes it empty when it is missing:
    # no lookups inside, none leaking to the host's resolver, until a VPN client fills it.
    # Every namespace's nsswitch.conf keeps ip netns exec off the host's NSS resolver modules.
    for other, text in sorted(resolver_files(entry.name, etc_dir, host_nsswitch).items()):
        _plan_file(plan, other, text, plan.resolv_files)


def _plan_tree(plan, directory, files, where):
    """Make ``directory`` hold exactly ``files`` ({path: content}), written through ``where``;
    none: remove it. Returns the paths that change."""
    changed = set()
    private = where is plan.private_files
    if not files:
        if os.path.lexists(directory):
            _plan_removal(plan, directory, private)
            changed.add(directory)
        return changed
    for path, content in sorted(files.items()):
        if _plan_file(plan, path, content, where):
            changed.add(path)
    if os.path.isdir(directory) and not os.path.islink(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if path not in files:
                _plan_removal(plan, path, private)
                changed.add(path)
    return changed


def _plan_dropins_removal(plan, unit, unit_dir):
    """Remove a link unit's drop-in, and its worker's when it has one."""
    for path in (dropin_path(unit, unit_dir), dropin_path(worker_unit(unit), unit_dir)):
        if os.path.lexists(path):
            _plan_removal(plan, path)


def _plan_unused_templates(plan, needed, unit_state, unit_dir, boot_dirs):
    """Remove the templates this collection installed that nothing on the host uses any more."""
    removed = set(plan.remove_paths)
    creator_users = None
    for path in sorted(glob.glob(os.path.join(unit_dir, 'netns*@.service'))) + [os.path.join(unit_dir, name) for name in (BOOT_UNIT, READY_TEMPLATE)]:
        template = os.path.basename(path)
        if template in needed or not (is_regular_file(path) and read_file(path).startswith(HEADER)):
            continue
        prefix = template[:template.rindex('.')]
        if template in (creator_unit(''), worker_unit(creator_unit('')), BOOT_UNIT, READY_TEMPLATE):
            # A creator still enabled for a namespace this call did not name keeps them.
            if creator_users is None:
                creator_users = [unit for unit in enabled_units(unit_dir)
                                 if unit.startswith(creator_unit('')[:-len('.service')]) and unit not in plan.disable]
            users = creator_users
        else:
            users = [p for p in glob.glob(os.path.join(unit_dir, prefix + '*.service.d', DROPIN_NAME)) if p not in removed]
        if not users:
            if template == BOOT_UNIT:
                # No namespace left at boot: its script and batch files, and its marks.
                _plan_retirement(plan, BOOT_UNIT, unit_state)
                for directory in boot_dirs:
                    if os.path.lexists(directory):
                        _plan_removal(plan, directory)
            _plan_removal(plan, path)


def _plan_enable(plan, unit, unit_dir):
    link, target = enable_link(unit, unit_dir)
    check_no_link(os.path.dirname(link))
    if os.path.lexists(link) and not os.path.islink(link):
        raise InvalidInput('%s is not a link: refusing to replace it to enable %s' % (link, unit))
    plan.enable.append(unit)
    plan.enable_links[link] = target
    plan.lines.append('+ enable %s' % unit)


def _plan_retirement(plan, unit, unit_state):
    """Stop ``unit`` if it runs and disable it if it is enabled."""
    active, enabled = unit_state.get(unit, (False, False))
    if active:
        plan.stop.append(unit)
        plan.lines.append('- stop %s' % unit)
    if enabled:
        plan.disable.append(unit)
        plan.lines.append('- disable %s' % unit)


def _plan_file(plan, path, content, where=None):
    """Plan ``path`` to hold ``content``; whether it changes."""
    current = read_file(path)
    if current == content:
        return False
    where = plan.unit_files if where is None else where
    where[path] = content
    plan.lines.append('%s %s' % ('+' if current is None else '~', path))
    if where is plan.private_files:
        # A custom phase may hold a secret: its size, never its text.
        current, content = _hidden(current), _hidden(content)
    plan.file_diffs.append(file_diff(path, current, content))
    return True


def _hidden(text):
    return None if text is None else '(root-only file of %d bytes, not shown)\n' % len(text.encode('utf-8'))


def _plan_removal(plan, path, private=False):
    plan.remove_paths.append(check_removable(path))
    plan.lines.append('- %s' % path)
    if os.path.isdir(path) and not os.path.islink(path):
        before = '(directory %s and all in it)\n' % path
    elif is_regular_file(path):
        before = read_file(path)
        before = _hidden(before) if private else before
    else:
        before = '(%s)\n' % path
    plan.file_diffs.append(file_diff(path, before, None))


def managed_dropins(netns, unit_dir, index=None):
    """{kind: drop-in path} of the link units this collection wrote for ``netns``; ``index``
    is what dropin_index() read (many namespaces: the unit directory is listed once)."""
    return (dropin_index(unit_dir) if index is None else index).get(netns, {})


def dropin_index(unit_dir):
    """{netns: {kind: drop-in path}} of every link unit with a drop-in of ours, from one
    listing of the unit directory."""
    found = {}
    try:
        names = os.listdir(unit_dir)
    except OSError:
        return found
    for name in names:
        if not (name.startswith('netns-') and name.endswith('.service.d') and '@' in name):
            continue
        unit = name[:-len('.d')]
        kind, netns = unit[len('netns-'):unit.index('@')], unit[unit.index('@') + 1:-len('.service')]
        path = os.path.join(unit_dir, name, DROPIN_NAME)
        # Not a worker (netns-veth-up@): kinds have no '-'.
        if '-' not in kind and netns and os.path.lexists(path):
            found.setdefault(netns, {})[kind] = path
    return found


def units_of(entries, unit_dir=UNIT_DIR):
    """Every unit whose state the plan needs: each entry's units and managed leftovers."""
    units = [BOOT_UNIT, HOST_UNIT] + [manager.unit for manager in MANAGERS]
    index = dropin_index(unit_dir)
    for entry in entries:
        units.append(creator_unit(entry.name))
        kinds = set(entry.kinds) | set(managed_dropins(entry.name, unit_dir, index))
        units.extend(link_unit(kind, entry.name) for kind in sorted(kinds))
    return units


def apply_chain(plan, systemctl):
    """Carry out ``plan``; ``systemctl(*args)`` runs systemctl and raises NetnsError on failure.
    The units to start are all started even when some fail: the error is raised after the
    restarts, and names them."""
    if plan.stop:
        systemctl('stop', *plan.stop)
    if plan.disable:
        systemctl('disable', *plan.disable)
    for path in plan.remove_paths:
        remove_path(path)
    for path, content in sorted(plan.unit_files.items()) + sorted(plan.boot_files.items()) + sorted(plan.code_files.items()):
        write_atomically(path, content, mode=plan.modes.get(path, 0o644))
    for path, content in sorted(plan.private_files.items()):
        write_atomically(path, content, mode=0o600, dir_mode=0o700)
    for path, content in sorted(plan.resolv_files.items()):
        rewrite_in_place(path, content)
    for link, target in sorted(plan.enable_links.items()):
        make_link(link, target)
    for unit in plan.reload:
        systemctl('reload', unit)
    if plan.unit_files or plan.enable_links or any(p.endswith((DROPIN_NAME, '.service', '.target')) for p in plan.remove_paths):
        systemctl('daemon-reload')
    failed = None
    for verb, units in (('start', plan.start), ('restart', plan.restart), ('start', plan.settle)):
        if units:
            try:
                systemctl(verb, *units)
            except NetnsError as exc:
                failed = failed or StartFailed(str(exc))
    if failed is not None:
        raise failed
