# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit chain of a whole host: namespaces with their links and DNS, as systemd units.

Validate the host's whole list, render every file, compare with the disk, write only what
differs (units atomically, resolv.conf in place), reload systemd once, then stop, disable,
enable and start units in one systemctl call each. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import glob
import ipaddress
import os
import shutil
import tempfile

from ansible_collections.netns.systemd.plugins.module_utils._links import check_unique_ends, macvlan_spec, veth_spec
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    BATCHED_KINDS,
    BOOT_DIR,
    BOOT_MARKS,
    BOOT_SCRIPT,
    BOOT_UNIT,
    BOOT_UNIT_TEXT,
    CREATOR_TEMPLATE,
    CREATOR_WORKER_TEMPLATE,
    DROPIN_NAME,
    HEADER,
    UNIT_DIR,
    VETH_WORKER_TEMPLATE,
    boot_batches,
    check_custom_kind,
    check_unit_instance,
    creator_unit,
    dropin_path,
    link_template,
    link_template_text,
    link_unit,
    parse_systemctl_show,
    render_link_dropins,
    worker_unit,
)

NETNS_ETC_DIR = '/etc/netns'
CUSTOM_PHASES = ('up_outside', 'up_inside', 'down_inside', 'down_outside')


# ---------------------------------------------------------------- the model

class NamespaceEntry:
    """One namespace of the host as the user wants it."""

    def __init__(self, name, state, enabled, links, resolv_conf):
        self.name = name
        self.state = state
        self.enabled = enabled
        self.links = links          # {kind: [LinkSpec]} for veth/macvlan
        self.custom = {}            # {kind: {phase: command}}
        self.resolv_conf = resolv_conf

    @property
    def kinds(self):
        return sorted(set(self.links) | set(self.custom))

    @property
    def units(self):
        return [creator_unit(self.name)] + [link_unit(kind, self.name) for kind in self.kinds]


def default_ifnames(netns):
    """The seed convention: ve-NAME0 outside (host), ve-NAME1 inside."""
    return 've-%s1' % netns, 've-%s0' % netns


def render_resolv_conf(dns, netns):
    """The resolv.conf of ``netns``, or None to leave the file to others (a VPN client's up script)."""
    if not dns:
        return None
    if dns.get('content') is not None:
        content = dns['content']
        return content if content.endswith('\n') or not content else content + '\n'
    lines = ['# Resolver of network namespace %s, managed by netns.systemd.' % netns]
    for server in dns.get('nameservers') or ():
        lines.append('nameserver %s' % server)
    if dns.get('search'):
        lines.append('search %s' % ' '.join(dns['search']))
    if dns.get('options'):
        lines.append('options %s' % ' '.join(dns['options']))
    return '\n'.join(lines) + '\n'


def _check_dns(dns, where):
    if not dns:
        return
    if dns.get('content') is not None and any(dns.get(k) for k in ('nameservers', 'search', 'options')):
        raise InvalidInput('%s: dns.content cannot be combined with nameservers, search or options' % where)
    for server in dns.get('nameservers') or ():
        try:
            ipaddress.ip_address(server)
        except ValueError:
            raise InvalidInput('%s: dns nameserver %r is not an IPv4 or IPv6 address' % (where, server))
    for word in list(dns.get('search') or ()) + list(dns.get('options') or ()):
        if not word or any(c.isspace() for c in word):
            raise InvalidInput('%s: dns search/options entry %r is empty or contains whitespace' % (where, word))


def parse_entries(namespaces, sys_class_net='/sys/class/net'):
    """Every NamespaceEntry of the host, validated whole before anything is touched."""
    entries, seen, specs = [], set(), []
    for index, item in enumerate(namespaces):
        name = item.get('name')
        where = 'namespaces[%d]%s' % (index, ' (%s)' % name if name else '')
        try:
            check_netns_name(name)
            check_unit_instance(name)
        except InvalidInput as exc:
            raise InvalidInput('%s: %s' % (where, exc))
        if name in seen:
            raise InvalidInput('%s: netns %r is listed twice' % (where, name))
        seen.add(name)
        _check_dns(item.get('dns'), where)
        entry = NamespaceEntry(name, item.get('state') or 'present', item.get('enabled', True) is not False, {},
                               render_resolv_conf(item.get('dns'), name))
        for link_index, link in enumerate(item.get('links') or ()):
            link_where = '%s.links[%d]' % (where, link_index)
            kind = link.get('type') or 'veth'
            if kind == 'veth':
                inside, outside = default_ifnames(name)
                options = dict(link, netns=name, name=link.get('name') or inside, peer=link.get('peer') or outside)
                spec = veth_spec(options, '%s (veth %s)' % (link_where, options['name']), {'state': 'present'})
            elif kind == 'macvlan':
                options = dict(link, netns=name, name=link.get('name') or 'mv-%s' % name)
                spec = macvlan_spec(options, '%s (macvlan %s)' % (link_where, options['name']), {'state': 'present'})
                if entry.state == 'present' and not os.path.exists(os.path.join(sys_class_net, spec.parent)):
                    raise InvalidInput("%s: macvlan parent %r does not exist on the host" % (link_where, spec.parent))
            else:
                check_custom_kind(kind)
                commands = dict((phase, link.get(phase)) for phase in CUSTOM_PHASES if link.get(phase))
                if not (commands.get('up_outside') or commands.get('up_inside')):
                    raise InvalidInput('%s: custom type %r needs up_outside or up_inside' % (link_where, kind))
                if kind in entry.custom:
                    raise InvalidInput('%s: custom type %r is listed twice for netns %r' % (link_where, kind, name))
                entry.custom[kind] = commands
                continue
            entry.links.setdefault(kind, []).append(spec)
            specs.append(spec)
        entries.append(entry)
    check_unique_ends(specs)
    for spec in specs:
        for end in spec.ends:
            if end.netns is not None and end.netns not in seen:
                raise InvalidInput('%s: netns %r is not in the list of namespaces of this host' % (spec.label, end.netns))
    return entries


# ---------------------------------------------------------------- files

def remove_dropin(path):
    """Remove a file, and its directory when that is a drop-in directory left empty."""
    os.unlink(path)
    parent = os.path.dirname(path)
    if parent.endswith('.service.d') and not os.listdir(parent):
        os.rmdir(parent)


def read_file(path):
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def write_atomically(path, content, mode=0o644):
    """Write to a temporary file beside ``path``, then rename it into place."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.netns-systemd.')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(content)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def rewrite_in_place(path, content):
    """Truncate and rewrite ``path`` keeping its inode: bind mounts of it (services joined to
    the namespace see it as /etc/resolv.conf) show the new content at once."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, content.encode('utf-8'))
    finally:
        os.close(fd)


class ChainPlan:
    """Files to write or remove and units to stop, disable, enable and start."""

    def __init__(self):
        self.unit_files = {}        # path -> content (atomically)
        self.boot_files = {}        # path -> content (atomically; no daemon-reload needed)
        self.resolv_files = {}      # path -> content (in place)
        self.remove_paths = []      # files and directories to remove after stopping
        self.stop, self.disable, self.enable, self.start = [], [], [], []
        self.lines = []


def boot_eligible(entries):
    """Names whose creator and veth work the boot batch does: enabled namespaces whose veths
    lead only to enabled namespaces of the list (a disabled one comes up later, by its unit)."""
    enabled = set(e.name for e in entries if e.state == 'present' and e.enabled)
    return set(e.name for e in entries if e.name in enabled
               and all(end.netns in enabled or end.netns is None for spec in e.links.get('veth', ()) for end in spec.ends))


def plan_chain(entries, unit_state, unit_dir=UNIT_DIR, etc_dir=NETNS_ETC_DIR, start=True, boot_dir=BOOT_DIR, marks_dir=BOOT_MARKS):
    """Compare what the entries need with the disk and ``unit_state`` ({unit: (active, enabled)}).
    The directories are parameters for the tests; the module uses the defaults."""
    plan = ChainPlan()
    kinds_used = set()
    for entry in entries:
        if entry.state == 'present':
            kinds_used.update(entry.kinds)
    templates = {}
    if any(e.state == 'present' for e in entries):
        templates = {creator_unit(''): CREATOR_TEMPLATE, worker_unit(creator_unit('')): CREATOR_WORKER_TEMPLATE, BOOT_UNIT: BOOT_UNIT_TEXT}
        _plan_file(plan, os.path.join(boot_dir, 'boot.sh'), BOOT_SCRIPT, plan.boot_files)
        active, enabled = unit_state.get(BOOT_UNIT, (False, False))
        if not enabled:
            plan.enable.append(BOOT_UNIT)
            plan.lines.append('+ enable %s' % BOOT_UNIT)
        if start and not active:
            # Started with the units, as at boot: one batch for the namespaces it may do.
            plan.start.append(BOOT_UNIT)
            plan.lines.append('+ start %s' % BOOT_UNIT)
    for kind in sorted(kinds_used):
        templates[link_template(kind)] = link_template_text(kind)
        if kind in BATCHED_KINDS:
            templates[worker_unit(link_template(kind))] = VETH_WORKER_TEMPLATE
    for unit, content in sorted(templates.items()):
        _plan_file(plan, os.path.join(unit_dir, unit), content)

    eligible = boot_eligible(entries)
    for entry in entries:
        existing_dropins = managed_dropins(entry.name, unit_dir)
        batch_dir = os.path.join(boot_dir, 'boot', entry.name)
        batches = boot_batches(entry.name, entry.links.get('veth', ())) if entry.name in eligible else {}
        _plan_tree(plan, batch_dir, dict((os.path.join(batch_dir, name), text) for name, text in batches.items()))
        if entry.state == 'absent':
            for unit in [link_unit(kind, entry.name) for kind in sorted(existing_dropins)] + [creator_unit(entry.name)]:
                _plan_retirement(plan, unit, unit_state)
            for kind in sorted(existing_dropins):
                _plan_dropins_removal(plan, link_unit(kind, entry.name), unit_dir)
            netns_dir = os.path.join(etc_dir, entry.name)
            if os.path.lexists(netns_dir):
                plan.remove_paths.append(netns_dir)
                plan.lines.append('- %s' % netns_dir)
            continue
        for kind in sorted(set(existing_dropins) - set(entry.kinds)):
            _plan_retirement(plan, link_unit(kind, entry.name), unit_state)
            _plan_dropins_removal(plan, link_unit(kind, entry.name), unit_dir)
        for kind in entry.kinds:
            dropins = render_link_dropins(entry.name, kind, entry.links.get(kind, ()), entry.custom.get(kind))
            for unit, content in dropins.items():
                _plan_file(plan, dropin_path(unit, unit_dir), content)
        resolv = os.path.join(etc_dir, entry.name, 'resolv.conf')
        current = read_file(resolv)
        if entry.resolv_conf is not None and current != entry.resolv_conf:
            plan.resolv_files[resolv] = entry.resolv_conf
            plan.lines.append('~ %s' % resolv)
        elif entry.resolv_conf is None and current is None:
            # Empty: no lookups inside, none leaking to the host's resolver, until a VPN client fills it.
            plan.resolv_files[resolv] = ''
            plan.lines.append('+ %s' % resolv)
        for unit in entry.units:
            active, enabled = unit_state.get(unit, (False, False))
            if entry.enabled and not enabled:
                plan.enable.append(unit)
                plan.lines.append('+ enable %s' % unit)
            elif not entry.enabled and enabled:
                plan.disable.append(unit)
                plan.lines.append('- disable %s' % unit)
            if start and not active:
                plan.start.append(unit)
                plan.lines.append('+ start %s' % unit)
    _plan_unused_templates(plan, templates, unit_state, unit_dir, (boot_dir, os.path.dirname(marks_dir)))
    return plan


def _plan_tree(plan, directory, files):
    """Make ``directory`` hold exactly ``files`` ({path: content}); none: remove it."""
    if not files:
        if os.path.lexists(directory):
            _plan_removal(plan, directory)
        return
    for path, content in sorted(files.items()):
        _plan_file(plan, path, content, plan.boot_files)
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if path not in files:
                _plan_removal(plan, path)


def _plan_dropins_removal(plan, unit, unit_dir):
    """Remove a link unit's drop-in, and its worker's when it has one."""
    for path in (dropin_path(unit, unit_dir), dropin_path(worker_unit(unit), unit_dir)):
        if os.path.lexists(path):
            _plan_removal(plan, path)


def _plan_unused_templates(plan, needed, unit_state, unit_dir, boot_dirs):
    """Remove the templates this collection installed that nothing on the host uses any more."""
    removed = set(plan.remove_paths)
    creator_users = None
    for path in sorted(glob.glob(os.path.join(unit_dir, 'netns*@.service'))) + [os.path.join(unit_dir, BOOT_UNIT)]:
        template = os.path.basename(path)
        if template in needed or not (read_file(path) or '').startswith(HEADER):
            continue
        prefix = template[:-len('.service')]
        if template in (creator_unit(''), worker_unit(creator_unit('')), BOOT_UNIT):
            # A creator still enabled for a namespace this call did not name keeps them.
            if creator_users is None:
                creator_users = [p for p in glob.glob(os.path.join(unit_dir, '*.wants', creator_unit('*')))
                                 if os.path.basename(p) not in plan.disable]
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
    if read_file(path) != content:
        (plan.unit_files if where is None else where)[path] = content
        plan.lines.append('~ %s' % path)


def _plan_removal(plan, path):
    plan.remove_paths.append(path)
    plan.lines.append('- %s' % path)


def managed_dropins(netns, unit_dir):
    """{kind: drop-in path} of the link units this collection wrote for ``netns``."""
    found = {}
    pattern = os.path.join(unit_dir, 'netns-*@%s.service.d' % glob.escape(netns), DROPIN_NAME)
    for path in glob.glob(pattern):
        unit = os.path.basename(os.path.dirname(path))[:-len('.d')]
        kind = unit[len('netns-'):unit.index('@')]
        if '-' not in kind:     # not a worker (netns-veth-up@): kinds have no '-'
            found[kind] = path
    return found


def units_of(entries, unit_dir=UNIT_DIR):
    """Every unit whose state the plan needs: each entry's units and managed leftovers."""
    units = [BOOT_UNIT]
    for entry in entries:
        units.append(creator_unit(entry.name))
        kinds = set(entry.kinds) | set(managed_dropins(entry.name, unit_dir))
        units.extend(link_unit(kind, entry.name) for kind in sorted(kinds))
    return units


def parse_unit_state(show_output):
    """{unit: (active, enabled)} from ``systemctl show -p Id,ActiveState,UnitFileState U...``."""
    return dict((unit, (fields.get('ActiveState') in ('active', 'activating', 'reloading'),
                        fields.get('UnitFileState') in ('enabled', 'enabled-runtime', 'linked', 'alias')))
                for unit, fields in parse_systemctl_show(show_output).items())


def apply_chain(plan, systemctl):
    """Carry out ``plan``; ``systemctl(*args)`` runs systemctl and raises NetnsError on failure."""
    if plan.stop:
        systemctl('stop', *plan.stop)
    if plan.disable:
        systemctl('disable', *plan.disable)
    for path in plan.remove_paths:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            remove_dropin(path)
    for path, content in sorted(plan.unit_files.items()) + sorted(plan.boot_files.items()):
        write_atomically(path, content)
    for path, content in sorted(plan.resolv_files.items()):
        rewrite_in_place(path, content)
    if plan.unit_files or any(p.endswith((DROPIN_NAME, '.service')) for p in plan.remove_paths):
        systemctl('daemon-reload')
    if plan.enable:
        systemctl('enable', *plan.enable)
    if plan.start:
        systemctl('start', *plan.start)
