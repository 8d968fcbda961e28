# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link kind ``veth``, whole: a pair of virtual interfaces, one end in the namespace and the
other on the host or in another namespace. Its options and their defaults (ve-NAME1 inside,
ve-NAME0 outside), a host end that joins a bridge, what is in the way of a pair, how a pair is
made, and its unit: the one kind the boot run (netns-engine boot) makes for every namespace
at once, whose unit therefore starts through a worker that run can skip. For the netns_veth
module, the playbook's converger and the engine alike. Registered in _kinds.table. Private to
the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._kinds.base import Kind
from ansible_collections.netns.systemd.plugins.module_utils._model import LinkSpec, common_options, end_from
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import kind_of

# What a veth whose host end joins a bridge cannot have: the bridge has the host side's addresses.
_NOT_WITH_BRIDGE = ('peer_netns', 'peer_addresses', 'peer_routes')


def veth_spec(item, where, defaults=None):
    """A veth LinkSpec from module-style options (name, peer, netns, peer_netns, ...)."""
    if not item.get('name'):
        raise InvalidInput('%s: name is required' % where)
    if not item.get('peer'):
        raise InvalidInput('%s: peer is required for veth %r' % (where, item.get('name')))
    spec = LinkSpec('veth', end_from(item, where), peer=end_from(item, where, prefix='peer_'), **common_options(item, defaults or {}))
    if spec.end.key == spec.peer.key:
        raise InvalidInput('%s: both ends of the veth are %s' % (where, spec.end.label))
    return spec


class Veth(Kind):
    name = 'veth'
    # The boot run makes the pairs of every namespace at once, and its unit's work is done by a
    # worker (netns-veth-up@NAME) it can skip: see _units.VETH_TEMPLATE.
    booted = True

    def default_names(self, netns, item):
        """ve-NAME1 inside, ve-NAME0 outside (on the host)."""
        return {'name': 've-%s1' % netns, 'peer': 've-%s0' % netns}

    def parse(self, item, where, defaults=None):
        return veth_spec(item, where, defaults)

    def label(self, spec):
        return 'veth %s <-> %s' % (spec.end.label, spec.peer.label)

    def bridge_port(self, item, spec, where):
        """The host end that joins bridge ``item['bridge']``: its peer, which must be on the host
        and have no addresses or routes of its own."""
        clash = [key for key in _NOT_WITH_BRIDGE if item.get(key)]
        if clash:
            raise InvalidInput('%s: a veth that joins bridge %r has its host end in the bridge: %s cannot be given '
                               '(give the bridge its addresses)' % (where, item['bridge'], ', '.join(clash)))
        return spec.peer.ifname

    def going_away(self, msg):
        """A veth whose peer is in another namespace goes away with that namespace (its last
        process just left)."""
        return kind_of(msg) == 'veth' and msg.get_attr('IFLA_LINK_NETNSID') is not None

    def pair_back(self, spaces, host_ids, paired):
        """A host end names its peer's namespace by an id the host gave it: that pair is exact.
        Between two namespaces only the interface indexes are known (the id is the namespace's
        own): the peer is the unpaired veth of another namespace whose index is this one's link
        and whose link is this one's index (indexes repeat across namespaces, so the host's
        pairs are made first)."""
        made = set()

        def pair(netns, link, other_netns, other):
            link['peer'], link['peer_netns'], link['peer_on_host'] = other['ifname'], other_netns, other_netns is None
            other['peer'], other['peer_netns'], other['peer_on_host'] = link['ifname'], netns, netns is None
            made.update([id(link), id(other)])

        def free(link):
            return link['kind'] == 'veth' and id(link) not in paired and id(link) not in made

        def mutual(link, other):
            return free(other) and other['ifindex'] == link['_link'] and other['_link'] == link['ifindex'] and other is not link

        for link in spaces.get(None, ()):
            if free(link):
                other_netns = host_ids.get(link['_nsid']) if link['_other_netns'] else None
                for other in spaces.get(other_netns, ()) if (other_netns is not None or not link['_other_netns']) else ():
                    if mutual(link, other):
                        pair(None, link, other_netns, other)
                        break
        for netns, links in sorted(spaces.items(), key=lambda item: item[0] or ''):
            if netns is None:
                continue
            for link in links:
                if free(link):
                    places = [(other_netns, spaces[other_netns]) for other_netns in sorted(n for n in spaces if n not in (None, netns))]
                    if not link['_other_netns']:
                        places = [(netns, links)]
                    for other_netns, others in places:
                        found = [other for other in others if mutual(link, other)]
                        if found:
                            pair(netns, link, other_netns, found[0])
                            break
        return made

    def describe(self, spec):
        return {'peer': spec.peer.ifname, 'peer_netns': spec.peer.netns}

    def conflict(self, converger, spec, here):
        """None when the pair exists as wanted or not at all; else what is in the way: both ends,
        but one when they are a pair (deleting one end of a veth deletes the other)."""
        there = converger.lookup(spec.peer)
        paired = here is not None and there is not None and kind_of(here) == kind_of(there) == 'veth' and here.get_attr('IFLA_LINK') == there['index']
        in_the_way = [(spec.end, here)] + ([] if paired else [(spec.peer, there)])
        if here is None and there is None:
            return None, in_the_way
        end, peer = spec.end, spec.peer
        if here is not None and kind_of(here) != 'veth':
            return '%s exists as a %s, not a veth' % (end.label, kind_of(here) or 'device'), in_the_way
        if here is None:
            return '%s already exists (a %s)' % (peer.label, kind_of(there) or 'device'), in_the_way
        if (there is None or kind_of(there) != 'veth' or here.get_attr('IFLA_LINK') != there['index']
                or there.get_attr('IFLA_LINK') != here['index'] or not converger.nsid_matches(here, end.netns, peer.netns)):
            return '%s is a veth whose peer is not %s' % (end.label, peer.label), in_the_way
        return None, in_the_way

    def create(self, converger, spec):
        """The step that makes the pair: from the end's namespace, its peer sent to its own."""
        end, peer = spec.end, spec.peer

        def create():
            peer_fd = converger.handles.fd(peer.netns) if peer.netns != end.netns else None
            converger.handles.light(end.netns).add_veth(end.ifname, peer.ifname, peer_fd)
            converger.created_links.append(end)
            converger.created_keys.update((end.key, peer.key))
        return [e.key for e in spec.ends], create

    def unit_lines(self, netns, specs):
        """A worker makes the pairs (the creator's, netns-engine up NAME, when they lead only
        to the host; else the unit's own, netns-engine links NAME: _units.render_link_dropins);
        the unit's drop-in deletes each end inside a namespace, which deletes the pair and
        cannot touch a host link. (start lines, stop groups, wants)."""
        # Imported here: _units imports the table of kinds.
        from ansible_collections.netns.systemd.plugins.module_utils import _units
        stops = []
        for spec in specs:
            inside = spec.end if spec.end.netns is not None else spec.peer
            stops.append([_units.exec_line('ExecStop', _units.ip_argv(inside.netns, 'link', 'del', inside.ifname), ignore_failure=True)])
        return [], stops, []

    def unit_templates(self):
        from ansible_collections.netns.systemd.plugins.module_utils import _units
        return _units.VETH_TEMPLATE, _units.VETH_WORKER_TEMPLATE


KIND = Veth()
