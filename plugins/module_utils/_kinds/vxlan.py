# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link kind ``vxlan``, whole: a vxlan made from the host straight into a namespace, so that
its UDP socket stays on the host's underlay and the namespace has no way out but the overlay.
Its options and their validation, what it needs of the host (its underlay, waited for by its
unit), how it is planned and made, and its FDB (an all-zero entry towards each remote host, so
that it floods there) read back through netlink and converged, by the playbook and by its unit
alike (the engine runs this file on the host). Registered in _kinds.table.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import Kind
from ansible_collections.netns.systemd.plugins.module_utils._model import LinkSpec, common_options, end_from, ifname_of, parse_number, parse_port
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, describe_end
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import kind_of

PORT = 4789
VNI_MAX = (1 << 24) - 1
ALL_ZERO = '00:00:00:00:00:00'


class Vxlan(Kind):
    name = 'vxlan'
    # Its unit waits for the underlay: it is not ordered before network-pre.target (_units.KIND_TEMPLATE).

    def default_name(self, netns, item):
        return 'vx-%s' % netns

    def parse(self, item, where, defaults=None):
        """A LinkSpec of a vxlan in namespace ``netns`` on host interface ``underlay``: VNI
        ``vni``, destination ``port``, and the underlay addresses of the other hosts
        (``remotes``, static FDB entries) or a multicast ``group``."""
        if not item.get('name'):
            raise InvalidInput('%s: name is required' % where)
        vni = parse_number(item.get('vni'), where, 'vni', 1, VNI_MAX)
        if not item.get('underlay'):
            raise InvalidInput('%s: underlay (the host interface that carries the vxlan) is required' % where)
        port = parse_port(item.get('port') if item.get('port') is not None else PORT, where)
        remotes, group = [], None
        for value in item.get('remotes') or ():
            try:
                remote = ipaddress.ip_address(value)
            except ValueError:
                raise InvalidInput('%s: remote %r is not an IPv4 or IPv6 address' % (where, value))
            if remote not in remotes:
                remotes.append(remote)
        if item.get('group'):
            try:
                group = ipaddress.ip_address(item['group'])
            except ValueError:
                group = None
            if group is None or not group.is_multicast:
                raise InvalidInput('%s: group %r is not a multicast address' % (where, item['group']))
            if remotes:
                raise InvalidInput('%s: give remotes or a group, not both' % where)
        elif not remotes:
            raise InvalidInput('%s: a vxlan needs remotes (the underlay addresses of the other hosts) or a multicast group, or put '
                               'netns_namespaces in group_vars or host_vars so that the role can compute them' % where)
        spec = LinkSpec(self.name, end_from(item, where), parent=ifname_of(item['underlay'], where, 'underlay'),
                        **common_options(item, defaults or {}))
        spec.vni, spec.port, spec.remotes, spec.group = vni, port, tuple(remotes), group
        return spec

    def label(self, spec):
        return 'vxlan %s (vni %d on %s)' % (spec.end.label, spec.vni, describe_end(None, spec.parent))

    def host_links(self, spec):
        """[(what, name)] of the host interfaces it needs (checked before any change, waited for by its unit)."""
        return [('underlay', spec.parent)]

    # -- planned by the converger (_converge), for the playbook and for the unit

    def conflict(self, converger, spec, here):
        """(what is in the way or None, [(end, msg)] that would be removed to recreate it)."""
        if converger.snapshot(None).links.get(spec.parent) is None:
            raise InvalidInput('%s: underlay %r does not exist on the host' % (spec.label, spec.parent))
        if here is None:
            return None, []
        if kind_of(here) != 'vxlan':
            return '%s exists as a %s, not a vxlan' % (spec.end.label, kind_of(here) or 'device'), [(spec.end, here)]
        data = here.get_attr('IFLA_LINKINFO').get_attr('IFLA_INFO_DATA')
        vni = data.get_attr('IFLA_VXLAN_ID') if data is not None else None
        if vni != spec.vni:
            return '%s is a vxlan with VNI %s, not %d' % (spec.end.label, vni, spec.vni), [(spec.end, here)]
        return None, []

    def create(self, converger, spec):
        """The step that makes it: from the host, so that its socket stays in the host's namespace."""
        end = spec.end

        def create():
            request = {'ifname': end.ifname, 'kind': 'vxlan', 'vxlan_id': spec.vni, 'vxlan_port': spec.port,
                       'vxlan_link': converger.index(None, spec.parent), 'net_ns_fd': converger.handles.fd(end.netns)}
            if spec.group is not None:
                request['vxlan_group' if spec.group.version == 4 else 'vxlan_group6'] = str(spec.group)
            converger.handles.rtnl(None).link('add', **request)
            converger.created_links.append(end)
            converger.created_keys.add(end.key)
        return [end.key], create

    # -- its FDB, read back through netlink

    def converge_live(self, entries, handles, check_mode, run=None, changed_files=()):
        """([lines], {netns: error}) for the FDB of the vxlans of the present entries whose
        namespace and device exist: missing entries towards remotes added, others removed;
        nothing changes in ``check_mode``."""
        # Imported here: pyroute2 is loaded only where netlink is used.
        from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NetlinkError
        lines, errors = [], {}
        for entry in entries:
            if entry.state != 'present' or netns_id(entry.name) is None:
                continue
            for spec in entry.links.get(self.name, ()):
                if spec.group is not None:
                    continue
                rtnl = handles.rtnl(entry.name)
                found = rtnl.link_lookup(ifname=spec.end.ifname)
                if not found:
                    continue  # not there (yet): its unit makes it with its entries
                index = found[0]
                have = set(msg.get_attr('NDA_DST') for msg in rtnl.fdb('dump')
                           if msg['ifindex'] == index and msg.get_attr('NDA_LLADDR') == ALL_ZERO and msg.get_attr('NDA_DST'))
                want = set(str(remote) for remote in spec.remotes)
                for verb, sign, targets in (('append', '+', sorted(want - have)), ('del', '-', sorted(have - want))):
                    for target in targets:
                        lines.append('%s fdb %s:%s dst %s' % (sign, entry.name, spec.end.ifname, target))
                        if check_mode:
                            continue
                        try:
                            rtnl.fdb(verb, ifindex=index, lladdr=ALL_ZERO, dst=target)
                        except NetlinkError as exc:
                            errors[entry.name] = 'netns %s: fdb %s %s: %s' % (entry.name, verb, target, exc)
        return lines, errors


KIND = Vxlan()
