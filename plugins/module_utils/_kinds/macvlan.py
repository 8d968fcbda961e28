# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link kind ``macvlan``, whole: a macvlan on a host link (its parent), made from the host
straight into a namespace. Its options and their validation, the parent it needs (checked
before any change, waited for by its unit), and how it is planned and made, for the
netns_macvlan module, the playbook's converger and its unit (the engine) alike. Registered in
_kinds.table. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import Kind
from ansible_collections.netns.systemd.plugins.module_utils._model import LinkSpec, common_options, end_from, ifname_of, dhcp_versions
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, describe_end
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import kind_of

MODES = ('private', 'vepa', 'bridge', 'passthru', 'source')
# IFLA_MACVLAN_MODE as the kernel numbers the modes.
_MODE_BITS = {'private': 1, 'vepa': 2, 'bridge': 4, 'passthru': 8, 'source': 16}


def macvlan_mode_of(msg):
    """The mode of macvlan link message ``msg``, by name (or as the kernel gave it)."""
    info = msg.get_attr('IFLA_LINKINFO')
    data = info.get_attr('IFLA_INFO_DATA') if info is not None else None
    mode = data.get_attr('IFLA_MACVLAN_MODE') if data is not None else None
    if isinstance(mode, int):
        for name, bits in _MODE_BITS.items():
            if bits == mode:
                return name
    return mode


class Macvlan(Kind):
    name = 'macvlan'
    # Its unit waits for the parent (a NIC named late, a bridge made by another unit): it is
    # not ordered before network-pre.target (_units.KIND_TEMPLATE), and nothing else of the host waits with it.

    def default_name(self, netns, item):
        return 'mv-%s' % netns

    def parse(self, item, where, defaults=None):
        """A macvlan LinkSpec from module-style options (name, netns, parent, mode, ...)."""
        if not item.get('name'):
            raise InvalidInput('%s: name is required' % where)
        if not item.get('parent'):
            raise InvalidInput('%s: parent (the host link the macvlan sits on) is required for macvlan %r' % (where, item.get('name')))
        mode = item.get('mode') or 'bridge'
        if mode not in MODES:
            raise InvalidInput('%s: mode %r is not one of %s' % (where, mode, ', '.join(MODES)))
        return LinkSpec(self.name, end_from(item, where, dhcp=True), parent=ifname_of(item['parent'], where, 'parent'), mode=mode,
                        dhcp=dhcp_versions(item.get('addresses')), **common_options(item, defaults or {}))

    def label(self, spec):
        return 'macvlan %s on %s (mode %s)' % (spec.end.label, describe_end(None, spec.parent), spec.mode)

    def read_back(self, msg):
        return {'mode': macvlan_mode_of(msg)}

    def host_links(self, spec):
        """[(what, name)] of the host interfaces it needs."""
        return [('parent', spec.parent)]

    def conflict(self, converger, spec, here):
        """(what is in the way or None, [(end, msg)] that would be removed to recreate it)."""
        parent = converger.snapshot(None).links.get(spec.parent)
        if parent is None:
            raise InvalidInput('%s: parent %r does not exist on the host' % (spec.label, spec.parent))
        if here is None:
            return None, []
        end, found = spec.end, kind_of(here)
        if found != 'macvlan':
            why = '%s exists as a %s, not a macvlan' % (end.label, found or 'device')
        elif here.get_attr('IFLA_LINK') != parent['index'] or not converger.nsid_matches(here, end.netns, None):
            why = '%s is a macvlan on another parent than %s' % (end.label, spec.parent)
        elif macvlan_mode_of(here) != spec.mode:
            why = '%s is a macvlan in mode %s, not %s' % (end.label, macvlan_mode_of(here), spec.mode)
        else:
            return None, []
        return why, [(end, here)]

    def create(self, converger, spec):
        """The step that makes it: on its parent, from the host, straight into its namespace."""
        end = spec.end

        def create():
            request = {'ifname': end.ifname, 'kind': 'macvlan', 'link': converger.index(None, spec.parent), 'macvlan_mode': spec.mode}
            if end.netns is not None:
                request['net_ns_fd'] = converger.handles.fd(end.netns)
            converger.handles.rtnl(None).link('add', **request)
            converger.created_links.append(end)
            converger.created_keys.add(end.key)
        return [end.key], create


KIND = Macvlan()
