# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link kind ``move``, whole: a host interface (a NIC, a tap) moved into a namespace under a
name of its choice, and given back to the host under its own name as it was found (up if it
was, with its addresses). Its options and their validation, the checks before it is taken (it
must be there, and not be the host's uplink without ``force``), the record of how it was, and
the move both ways, for the playbook's converger and its unit (the engine) alike. Registered in
_kinds.table. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket

from ansible_collections.netns.systemd.plugins.module_utils._files import read_file, remove_path, write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import Kind
from ansible_collections.netns.systemd.plugins.module_utils._model import LinkSpec, common_options, end_from, ifname_of, dhcp_versions
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, describe_end
from ansible_collections.netns.systemd.plugins.module_utils._paths import RUN_DIR
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import IFF_UP, RT_TABLE_MAIN, address_of

# How each moved interface was on the host: moved/NS/NAME.json, root-only, until it is given back.
MOVED_DIR = RUN_DIR + '/moved'
# Address scopes kept: universe and site (link-local ones the kernel makes again).
_SCOPES = (0, 200)


def record_path(netns, ifname, moved_dir=MOVED_DIR):
    return os.path.join(moved_dir, netns, '%s.json' % ifname)


def default_route_indexes(rtnl):
    """The indexes of the links that carry a default route (IPv4 or IPv6) of the main table."""
    found = set()
    for family in (socket.AF_INET, socket.AF_INET6):
        for msg in rtnl.get_routes(family=family, table=RT_TABLE_MAIN):
            if msg['dst_len'] == 0 and msg.get_attr('RTA_OIF') is not None:
                found.add(msg.get_attr('RTA_OIF'))
    return found


class Move(Kind):
    name = 'move'
    # Its unit waits for the device (a NIC named late): not before network-pre.target (_units.KIND_TEMPLATE).
    moved_dir = MOVED_DIR

    def default_name(self, netns, item):
        return item.get('device')  # the device's own name

    def parse(self, item, where, defaults=None):
        """A LinkSpec of host interface ``device`` moved into namespace ``netns`` as ``name``
        (the same name when omitted)."""
        if not item.get('device'):
            raise InvalidInput('%s: device (the host interface to move in) is required' % where)
        device = ifname_of(item['device'], where, 'device')
        end = end_from(dict(item, name=item.get('name') or device), where, dhcp=True)
        return LinkSpec(self.name, end, parent=device, force=bool(item.get('force')), dhcp=dhcp_versions(item.get('addresses')),
                        **common_options(item, defaults or {}))

    def label(self, spec):
        return 'interface %s moved in as %s' % (describe_end(None, spec.parent), spec.end.label)

    def host_names(self, spec):
        """The host's names it takes: its device is one of them."""
        return [((None, spec.parent), describe_end(None, spec.parent))]

    def host_links(self, spec):
        """[(what, name)] checked before any change: none, since once moved the device is not on the host."""
        return []

    def waits_for(self, spec, handles):
        """[(what, name)] its unit waits for: the device, unless it is in the namespace already."""
        return [] if handles.rtnl(spec.end.netns).link_lookup(ifname=spec.end.ifname) else [('device', spec.parent)]

    # -- planned by the converger

    def conflict(self, converger, spec, here):
        """Whatever has the name inside is the interface moved in before (its host name is
        gone); one not there yet must be on the host, and not the host's way out."""
        if here is None:
            device = converger.snapshot(None).links.get(spec.parent)
            if device is None:
                raise InvalidInput('%s: %s is neither on the host nor in netns %s'
                                   % (spec.label, describe_end(None, spec.parent), spec.end.netns))
            if not spec.force and device['flags'] & IFF_UP and device['index'] in default_route_indexes(converger.handles.rtnl(None)):
                raise InvalidInput('%s: %s is up and carries the host\'s default route; moving it would cut the host off '
                                   '(set force: true to move it anyway)' % (spec.label, describe_end(None, spec.parent)))
        return None, []

    def create(self, converger, spec):
        """The step that records how the device is, then moves it in and renames it."""
        end = spec.end

        def create():
            rtnl = converger.handles.rtnl(None)
            index = converger.index(None, spec.parent)
            link = rtnl.link('get', index=index)[0]
            kept = {'up': bool(link['flags'] & IFF_UP),
                    'addresses': sorted(str(address_of(msg)) for msg in rtnl.get_addr(index=index) if msg['scope'] in _SCOPES)}
            write_atomically(record_path(end.netns, end.ifname, self.moved_dir), json.dumps(kept, sort_keys=True) + '\n',
                             mode=0o600, dir_mode=0o700)
            rtnl.link('set', index=index, state='down')
            rtnl.link('set', index=index, net_ns_fd=converger.handles.fd(end.netns))
            if end.ifname != spec.parent:
                inside = converger.handles.rtnl(end.netns)
                inside.link('set', index=inside.link_lookup(ifname=spec.parent)[0], ifname=end.ifname)
            converger.created_keys.add(end.key)
        return [end.key, (None, spec.parent)], create

    def remove(self, converger, spec, here):
        """The step that gives the device back to the host under its own name, as it was found
        (what cannot be put back is said: NetnsError); its record goes."""
        end = spec.end

        def give_back():
            # Imported here: pyroute2 is loaded only where netlink is used.
            from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NetlinkError
            inside = converger.handles.rtnl(end.netns)
            inside.link('set', index=here['index'], state='down')
            if end.ifname != spec.parent:
                inside.link('set', index=here['index'], ifname=spec.parent)
            inside.link('set', index=here['index'], net_ns_fd=converger.handles.fd(None))
            path = record_path(end.netns, end.ifname, self.moved_dir)
            text = read_file(path)
            if text is None:
                raise NetnsError('%s is back on the host, down and without addresses: there is no record of how it was'
                                 % describe_end(None, spec.parent))
            kept = json.loads(text)
            rtnl = converger.handles.rtnl(None)
            index = rtnl.link_lookup(ifname=spec.parent)[0]
            failed = []
            for address in kept.get('addresses', ()):
                host, prefix = address.split('/')
                try:
                    rtnl.addr('replace', index=index, address=host, prefixlen=int(prefix))
                except NetlinkError as exc:
                    failed.append('%s (%s)' % (address, exc))
            if kept.get('up'):
                rtnl.link('set', index=index, state='up')
            remove_path(path)
            if failed:
                raise NetnsError('%s is back on the host without its addresses %s' % (describe_end(None, spec.parent), ', '.join(failed)))
        return give_back


KIND = Move()
