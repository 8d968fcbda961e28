# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's namespaces as the user declares them (NamespaceEntry), validated whole, and what
follows from the list alone: which namespaces the boot batch does, what each creator pulls
in, and which links the converger checks. Reads nothing of the kernel but the names of the
host's links (a macvlan parent must exist). Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import no_bridge_port
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import BOOTED_KINDS, DEFAULT_KIND, KINDS, LINK_KINDS
from ansible_collections.netns.systemd.plugins.module_utils._model import check_unique_ends
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._parts import dhcp
from ansible_collections.netns.systemd.plugins.module_utils._parts.table import INSIDE_PARTS, NETNS_PARTS
from ansible_collections.netns.systemd.plugins.module_utils._paths import PHASES_DIR
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    CUSTOM_PHASES,
    check_custom_kind,
    check_unit_instance,
    creator_unit,
    leads_out,
    link_template,
    link_template_text,
    link_unit,
    render_link_dropins,
    worker_template_text,
    worker_unit,
)


class NamespaceEntry:
    """One namespace of the host as the user wants it.

    ``links``: {kind: [LinkSpec]} of the kinds of _kinds.table; ``custom``: {kind: [{phase: command}]}
    for custom types, one dict per link in the order given; ``resolv_conf``: the file's text,
    or None to leave it to others; ``sysctl``: {key: value} set inside the namespace (missing
    keys skipped when ``sysctl_ignore_missing``); ``nftables``: the ruleset loaded inside, or None
    to leave the namespace's rules alone."""

    def __init__(self, name, state, enabled, links, resolv_conf):
        self.name = name
        self.state = state
        self.enabled = enabled
        self.links = links
        self.custom = {}
        self.resolv_conf = resolv_conf
        self.sysctl = {}
        self.sysctl_ignore_missing = False
        self.nftables = None
        # (host end, bridge, LinkSpec) of each veth whose host end joins a bridge.
        self.bridge_ports = []
        # The item it was parsed from (present namespaces): written as its model file. The
        # parts of the host side (egress, ports...) read their options from it (_parts).
        self.model = None

    @property
    def kinds(self):
        """The names of its link units (netns-KIND@NAME): its link types and its parts (_parts.table.NETNS_PARTS)."""
        return sorted(set(self.links) | set(self.custom) | self.parts)

    @property
    def parts(self):
        return set(name for name, part in NETNS_PARTS.items() if part.wanted(self))

    @property
    def units(self):
        return [creator_unit(self.name)] + [link_unit(kind, self.name) for kind in self.kinds]

    def files(self):
        """{name: text} of the files in ns/NAME/ that the units of its parts read."""
        files = {}
        for name in sorted(self.parts):
            files.update(NETNS_PARTS[name].files(self))
        return files

    def private_files(self, kind, directory):
        """{path: text} of the root-only files of its links of ``kind`` (a kind of _kinds.table)
        in ``directory`` (that kind's, below BOOT_DIR)."""
        return KINDS[kind].private_files(self.name, self.links.get(kind, ()), directory)

    def dropins(self, kind, phases_dir=PHASES_DIR):
        """{unit: drop-in} of the links of one kind, or of a part's unit; a custom kind is ordered
        after the built-in links and the parts of the namespace (a bridge port needs its veth)."""
        if kind in NETNS_PARTS:
            return NETNS_PARTS[kind].dropins(self)
        kinds = set(self.kinds)
        builtin_units = [link_unit(k, self.name) for k in LINK_KINDS + tuple(sorted(NETNS_PARTS)) if k in kinds]
        return render_link_dropins(self.name, kind, self.links.get(kind, ()), self.custom.get(kind), builtin_units, phases_dir,
                                   own_dns=self.resolv_conf is not None)


def unit_templates(kind):
    """{template: text} of the units of ``kind`` (a name of NamespaceEntry.kinds): netns-KIND@.service,
    and for a kind the boot run makes, its worker's."""
    if kind in NETNS_PARTS:
        return {link_template(kind): NETNS_PARTS[kind].template_text()}
    templates = {link_template(kind): link_template_text(kind)}
    worker = worker_template_text(kind)
    if worker is not None:
        templates[worker_unit(link_template(kind))] = worker
    return templates


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


_DNS_KEYS = ('nameservers', 'search', 'options', 'content')


def _check_dns(dns, where):
    """The ``dns`` option as a dictionary (None when not given); InvalidInput naming it for
    anything else."""
    if dns is None:
        return None
    if not isinstance(dns, dict):
        raise InvalidInput('%s: dns must be a dictionary with nameservers, search, options or content, not %r' % (where, dns))
    unknown = sorted(str(key) for key in dns if key not in _DNS_KEYS)
    if unknown:
        raise InvalidInput('%s: dns has unknown keys %s; use %s' % (where, ', '.join(unknown), ', '.join(_DNS_KEYS)))
    dns = dict(dns)
    for key in ('nameservers', 'search', 'options'):
        value = dns.get(key)
        if isinstance(value, str):
            dns[key] = [value]
        elif value is not None and not (isinstance(value, list) and all(isinstance(word, str) for word in value)):
            raise InvalidInput('%s: dns %s must be a list of strings, not %r' % (where, key, value))
    if dns.get('content') is not None and not isinstance(dns['content'], str):
        raise InvalidInput('%s: dns content must be the text of resolv.conf, not %r' % (where, dns['content']))
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
    return dns


def parse_entries(namespaces, sys_class_net='/sys/class/net', others=()):
    """Every NamespaceEntry of the host, validated whole before anything is touched
    (``sys_class_net`` None: macvlan parents are not looked for; ``others``: names of
    namespaces not in ``namespaces`` that links may lead to)."""
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
        dns = _check_dns(item.get('dns'), where)
        entry = NamespaceEntry(name, item.get('state') or 'present', item.get('enabled', True) is not False, {},
                               render_resolv_conf(dns, name))
        if entry.state == 'absent':
            # What goes away needs nothing that only its creation needs (a vxlan's remotes,
            # a WireGuard key, a device to move): its units and files are found on the host.
            entries.append(entry)
            continue
        # As given: the engine's model of it.
        entry.model = item
        for part in INSIDE_PARTS:
            part.parse(entry, item, where)
        for link_index, link in enumerate(item.get('links') or ()):
            link_where = '%s.links[%d]' % (where, link_index)
            kind = link.get('type') or DEFAULT_KIND
            if kind in KINDS:
                found = KINDS[kind]
                options = dict(link, netns=name)
                options.update((key, value) for key, value in found.default_names(name, link).items() if not link.get(key))
                spec = found.parse(options, '%s (%s %s)' % (link_where, kind, options['name']), {'state': 'present'})
                if link.get('bridge') is not None:
                    entry.bridge_ports.append((found.bridge_port(link, spec, link_where), link['bridge'], spec))
                for what, host_link in found.host_links(spec):
                    if sys_class_net and not os.path.exists(os.path.join(sys_class_net, host_link)):
                        raise InvalidInput("%s: %s %s %r does not exist on the host" % (link_where, kind, what, host_link))
            else:
                if link.get('bridge') is not None:
                    raise no_bridge_port(link_where, kind)
                check_custom_kind(kind, dict((name, part.as_link_type) for name, part in NETNS_PARTS.items()))
                commands = dict((phase, link.get(phase)) for phase in CUSTOM_PHASES if link.get(phase))
                if not (commands.get('up_outside') or commands.get('up_inside')):
                    raise InvalidInput('%s: custom type %r needs up_outside or up_inside' % (link_where, kind))
                entry.custom.setdefault(kind, []).append(commands)
                continue
            entry.links.setdefault(kind, []).append(spec)
            specs.append(spec)
        entries.append(entry)
    check_unique_ends(specs)
    for spec in specs:
        for end in spec.ends:
            if end.netns is not None and end.netns not in seen and end.netns not in others:
                raise InvalidInput('%s: netns %r is not in the list of namespaces of this host' % (spec.label, end.netns))
    return entries


def check_kinds(entries, run, which):
    """InvalidInput before any change when the links of a kind of _kinds.table in the present
    ``entries`` cannot be made on this host (a tool missing), or their DHCP client is missing."""
    for name in sorted(KINDS):
        specs = [spec for entry in entries if entry.state == 'present' for spec in entry.links.get(name, ())]
        if specs:
            KINDS[name].check_host(specs, run, which)
    dhcp.check_host([spec for entry in entries if entry.state == 'present' for specs in entry.links.values() for spec in specs], run)


def booted_specs(entry, own=False):
    """The links of ``entry`` of the kinds the boot run makes (_kinds.table.BOOTED_KINDS); with
    ``own``, only those whose ends are all in ``entry``'s namespace or on the host, which its
    creator's worker makes (_units.leads_out)."""
    specs = [spec for kind in BOOTED_KINDS for spec in entry.links.get(kind, ())]
    return [spec for spec in specs if not leads_out(entry.name, [spec])] if own else specs


def boot_eligible(entries):
    """Names whose creator and link work the boot run does: enabled namespaces whose links of
    the booted kinds lead only to enabled namespaces of the list (a disabled one comes up
    later, by its unit)."""
    enabled = set(e.name for e in entries if e.state == 'present' and e.enabled)
    return set(e.name for e in entries if e.name in enabled
               and all(end.netns in enabled or end.netns is None for spec in booted_specs(e) for end in spec.ends))


def creator_wants(entries):
    """{netns: [link units]}: what starting a namespace brings up, its own link units and the
    link units of other namespaces with an end in it (a veth between two)."""
    wants = {}
    for entry in entries:
        if entry.state != 'present':
            continue
        wants.setdefault(entry.name, []).extend(link_unit(kind, entry.name) for kind in entry.kinds)
        for kind in sorted(entry.links):
            for spec in entry.links[kind]:
                for end in spec.ends:
                    unit = link_unit(kind, entry.name)
                    if end.netns not in (None, entry.name) and unit not in wants.setdefault(end.netns, []):
                        wants[end.netns].append(unit)
    return wants


def live_specs(entries, skip=()):
    """{netns: [LinkSpec]} of the links (every kind of _kinds.table) of each present namespace, but for
    those touching a namespace in ``skip``."""
    found = {}
    for entry in entries:
        if entry.state == 'present':
            specs = [spec for kind in sorted(entry.links) for spec in entry.links[kind]
                     if not any(end.netns in skip for end in spec.ends)]
            if specs:
                found[entry.name] = specs
    return found
