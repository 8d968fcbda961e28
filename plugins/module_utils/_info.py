# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host has: its named namespaces with their links, addresses, routes, processes,
units and bound services, the unnamed namespaces processes hold, and what differs from a
declared list (health). Read-only. Every namespace is read through one netlink socket opened
inside it (setns, no fork), with the converger's Snapshot (one dump each of links, addresses and
routes); processes come from one pass over /proc. Private to the
collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import socket

from ansible_collections.netns.systemd.plugins.module_utils._chain import dropin_index
from ansible_collections.netns.systemd.plugins.module_utils._files import read_file
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS, LINK_KINDS
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import NETNS_RUN_DIR, list_netns, netns_id
from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._paths import DROPIN_NAME, MODEL_DIR, UNIT_DIR
from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NetlinkError
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import IFF_UP, Snapshot, address_of, kind_of
from ansible_collections.netns.systemd.plugins.module_utils._systemd import parse_systemctl_show
from ansible_collections.netns.systemd.plugins.module_utils._units import creator_unit, link_unit

GATHER = ('links', 'routes', 'pids', 'units', 'services')
RT_TABLE_MAIN = 254
RTN_UNICAST = 1
_PROTOCOLS = {2: 'kernel', 3: 'boot', 4: 'static', 16: 'dhcp', 9: 'ra'}
_BINDING_PREFIX = 'NetworkNamespacePath=%s/' % NETNS_RUN_DIR


def _mac(value):
    return value if value and value != '00:00:00:00:00:00' else None


def read_links(snap):
    """[link dict] of one namespace (addresses filled in), and {ifindex: name}, from its Snapshot."""
    links, names = [], {}
    for name, msg in snap.links.items():
        names[msg['index']] = name
        kind = kind_of(msg)
        link = {
            'ifname': name,
            'ifindex': msg['index'],
            'kind': kind or ('loopback' if name == 'lo' else 'device'),
            'state': msg.get_attr('IFLA_OPERSTATE') or 'UNKNOWN',
            'up': bool(msg['flags'] & IFF_UP),
            'mtu': msg.get_attr('IFLA_MTU'),
            'mac': _mac(msg.get_attr('IFLA_ADDRESS')),
            'addresses': [],
            # Filled in once every namespace is read: the far end of a veth, a macvlan's
            # parent, a bridge port's bridge.
            # peer_netns None is the host only with peer_on_host; a peer not found has peer None.
            'peer': None, 'peer_netns': None, 'peer_on_host': False, 'parent': None, 'mode': None, 'master': None,
            '_link': msg.get_attr('IFLA_LINK'), '_nsid': msg.get_attr('IFLA_LINK_NETNSID'),
            '_other_netns': msg.get_attr('IFLA_LINK_NETNSID') is not None,
            '_master': msg.get_attr('IFLA_MASTER'),
        }
        if KINDS.get(kind) is not None:
            link.update(KINDS[kind].read_back(msg))
        links.append(link)
    by_index = dict((link['ifindex'], link) for link in links)
    for msg in snap.address_messages():
        link = by_index.get(msg['index'])
        if link is not None:
            link['addresses'].append(str(address_of(msg)))
    for link in links:
        if link['_master'] in names:
            link['master'] = names[link['_master']]
    return links, names


def read_routes(snap, names):
    """The unicast routes of the main table, IPv4 then IPv6, from the Snapshot's one dump of both."""
    routes = []
    for msg in snap.route_messages():
        family = msg['family']
        if msg['type'] != RTN_UNICAST or msg.get_attr('RTA_TABLE', msg['table']) != RT_TABLE_MAIN:
            continue
        zero = '0.0.0.0' if family == socket.AF_INET else '::'
        dst = ipaddress.ip_network('%s/%d' % (msg.get_attr('RTA_DST') or zero, msg['dst_len']), strict=False)
        routes.append({
            'dst': 'default' if msg['dst_len'] == 0 else str(dst),
            'gateway': msg.get_attr('RTA_GATEWAY'),
            'dev': names.get(msg.get_attr('RTA_OIF')),
            'protocol': _PROTOCOLS.get(msg['proto'], str(msg['proto'])),
            'family': 'inet' if family == socket.AF_INET else 'inet6',
        })
    routes.sort(key=lambda route: route['family'] != 'inet')
    return routes


# Kernel link types whose IFLA_LINK is the link they sit on (their parent).
ON_A_PARENT = ('macvlan', 'macvtap', 'ipvlan', 'vlan')


def pair_links(spaces, host_ids=None):
    """Fill in what links between namespaces each kind reads back (Kind.pair_back: the far end
    of a veth), and the parent of a link that sits on one (a macvlan's): ``spaces`` is {netns
    or None (the host): [link dict]}, ``host_ids`` {nsid: name} as the host numbers namespaces."""
    host_ids = host_ids or {}
    paired = set()
    for name in LINK_KINDS:
        paired.update(KINDS[name].pair_back(spaces, host_ids, paired))
    for netns, links in spaces.items():
        if netns is None:
            continue
        for link in links:
            if id(link) not in paired and link['kind'] in ON_A_PARENT and link['_link']:
                parents = spaces.get(None, ()) if link['_other_netns'] else links
                parent = [other for other in parents if other['ifindex'] == link['_link']]
                link['parent'] = parent[0]['ifname'] if parent else None
    for links in spaces.values():
        for link in links:
            for key in ('_link', '_other_netns', '_master', '_nsid'):
                link.pop(key, None)


def process_netns():
    """{inode: [pid]} of every process, from one pass over /proc (a process that ends on the
    way is skipped)."""
    found = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                inode = os.stat('/proc/%s/ns/net' % entry).st_ino
            except OSError:
                continue
            found.setdefault(inode, []).append(int(entry))
    for pids in found.values():
        pids.sort()
    return found


def describe_pid(pid):
    """{pid, command, unit}: the command's name and the systemd unit whose cgroup holds it."""
    command = (read_file('/proc/%d/comm' % pid) or '').strip() or None
    unit = None
    for line in (read_file('/proc/%d/cgroup' % pid) or '').splitlines():
        path = line.split(':', 2)[-1]
        for part in reversed(path.split('/')):
            if part.endswith(('.service', '.scope')):
                unit = part
                break
        if unit:
            break
    return {'pid': pid, 'command': command, 'unit': unit}


def identify(pid, named, host_inode):
    """Where process ``pid`` is: {pid, inode, netns} (netns: a name, 'host', or None for an
    unnamed namespace); None when there is no such process."""
    try:
        inode = os.stat('/proc/%d/ns/net' % pid).st_ino
    except OSError:
        return None
    names = [name for name, value in named.items() if value == inode]
    return {'pid': pid, 'inode': inode, 'netns': names[0] if names else ('host' if inode == host_inode else None)}


def bound_services(unit_dir=UNIT_DIR):
    """{service: netns} of the services netns_unit bound (their drop-in names the namespace)."""
    found = {}
    try:
        entries = os.listdir(unit_dir)
    except OSError:
        return found
    for entry in entries:
        if entry.endswith('.service.d') and not entry.startswith('netns'):
            for line in (read_file(os.path.join(unit_dir, entry, DROPIN_NAME)) or '').splitlines():
                if line.startswith(_BINDING_PREFIX):
                    found[entry[:-len('.d')]] = line[len(_BINDING_PREFIX):]
    return found


def collection_units(names, unit_dir=UNIT_DIR, model_dir=MODEL_DIR):
    """{netns: [unit]} of the namespaces the collection manages (a creator's drop-in or its
    model file): the creator, then its link units."""
    index = dropin_index(unit_dir)
    found = {}
    for name in names:
        kinds = sorted(index.get(name, {}))
        if kinds or os.path.lexists(os.path.join(model_dir, name + '.json')) or os.path.lexists(os.path.join(unit_dir, creator_unit(name) + '.d')):
            found[name] = [creator_unit(name)] + [link_unit(kind, name) for kind in kinds]
    return found


# What RTM_GETNSID answers for a namespace the host has given no id (-1, read unsigned).
_NSID_NOT_ASSIGNED = (-1, 0xffffffff)


def netns_ids(handles, names):
    """{name: nsid} of the ids the host has given the namespaces of ``names`` (None: none), as
    ``ip netns list`` shows them, asked through the host's netlink socket (none is assigned)."""
    ids = {}
    for name in names:
        try:
            answer = handles.rtnl(None).get_netnsid(fd=handles.fd(name))
        except (NetlinkError, NetnsError, OSError):
            # Gone since it was listed: no id.
            answer = None
        nsid = answer.get('nsid') if isinstance(answer, dict) else answer
        ids[name] = None if nsid is None or nsid in _NSID_NOT_ASSIGNED else nsid
    return ids


def gather_info(handles, run, unit_states, names=None, what=GATHER, pid=None, unit_dir=UNIT_DIR, model_dir=MODEL_DIR, declared_services=None):
    """The host's namespaces (those of ``names``, or all) with what ``what`` asks for, the
    unnamed namespaces processes hold, the host's links, and where ``pid`` is.
    ``unit_states(units)`` gives {unit: (active, enabled)}; ``run(argv)`` runs a command;
    ``declared_services``: {service: netns} of the bindings declared, read with the services
    whatever their drop-ins say."""
    named = dict((name, netns_id(name)) for name in list_netns())
    named = dict((name, inode) for name, inode in named.items() if inode is not None)
    chosen = sorted(name for name in named if names is None or name in names)
    host_inode = os.stat('/proc/self/ns/net').st_ino
    ids = netns_ids(handles, sorted(named))
    result = {'namespaces': {}, 'unnamed': [], 'host': {}}
    # Whether the collection manages a namespace is read from its files, whatever is gathered.
    managed = collection_units(chosen, unit_dir, model_dir)
    for name in chosen:
        result['namespaces'][name] = {'name': name, 'inode': named[name], 'nsid': ids.get(name), 'managed': name in managed}
    if 'links' in what or 'routes' in what:
        host = Snapshot(handles.rtnl(None))
        host_links, host_names = read_links(host)
        spaces = {None: host_links}
        for name in chosen:
            snap = Snapshot(handles.rtnl(name))
            links, by_index = read_links(snap)
            spaces[name] = links
            info = result['namespaces'][name]
            if 'links' in what:
                info['links'] = links
            if 'routes' in what:
                info['routes'] = read_routes(snap, by_index)
        pair_links(spaces, dict((nsid, name) for name, nsid in ids.items() if nsid is not None))
        result['host']['links'] = host_links
        if 'routes' in what:
            result['host']['routes'] = read_routes(host, host_names)
    holders = process_netns() if ('pids' in what or pid is not None) else {}
    if 'pids' in what:
        for name in chosen:
            result['namespaces'][name]['pids'] = [describe_pid(p) for p in holders.get(named[name], ())]
        known = set(named.values()) | set([host_inode])
        result['unnamed'] = [{'inode': inode, 'pids': [describe_pid(p) for p in pids]}
                             for inode, pids in sorted(holders.items()) if inode not in known]
    if 'units' in what:
        states = unit_states([unit for units in managed.values() for unit in units]) if managed else {}
        for name, units in managed.items():
            result['namespaces'][name]['units'] = [{'unit': unit, 'active': states.get(unit, (False, False))[0],
                                                    'enabled': states.get(unit, (False, False))[1]} for unit in units]
    if 'services' in what or declared_services:
        dropins = bound_services(unit_dir)
        # (service, netns): each binding a drop-in makes, and each one declared.
        bound = set((service, netns) for service, netns in dropins.items())
        bound.update((declared_services or {}).items())
        bound = sorted((service, netns) for service, netns in bound if netns in chosen)
        pids = main_pids(run, sorted(set(service for service, _netns in bound)))
        for name in chosen:
            result['namespaces'][name]['services'] = []
        for service, netns in bound:
            main = pids.get(service) or 0
            place = identify(main, named, host_inode) if main else None
            result['namespaces'][netns]['services'].append({
                'service': service, 'main_pid': main or None, 'running': bool(place),
                'inside': bool(place) and place['inode'] == named[netns],
                'runs_in': place['netns'] if place else None,
                'dropin': dropins.get(service) == netns,
            })
    if pid is not None:
        result['identify'] = identify(pid, named, host_inode)
    return result


def main_pids(run, services):
    """{service: MainPID} from one ``systemctl show``."""
    if not services:
        return {}
    rc, out, _err = run(['systemctl', 'show', '-p', 'Id,MainPID', '--'] + list(services))
    shown = parse_systemctl_show(out) if rc == 0 else {}
    return dict((unit, int(fields['MainPID'])) for unit, fields in shown.items() if fields.get('MainPID', '').isdigit())


def health(info, entries=None, bindings=None):
    """One line per problem: services outside their namespace, units of the collection that
    are not active and, with the declared ``entries``, namespaces and links declared but
    missing, or there but not declared; with the declared ``bindings`` (_binding.Binding),
    each bound service that lacks its drop-in or is not running, and each unbound one that
    still has it."""
    problems = []
    namespaces = info['namespaces']
    declared = dict((b.service, b.netns) for b in bindings or () if b.state == 'present')
    for binding in bindings or ():
        item = namespaces.get(binding.netns) if binding.netns else None
        found = [s for s in (item or {}).get('services', ()) if s['service'] == binding.service]
        if binding.state != 'present':
            for name, other in sorted(namespaces.items()):
                if any(s['service'] == binding.service and s.get('dropin') for s in other.get('services', ())):
                    problems.append('service %s is declared unbound but a drop-in binds it to netns %s' % (binding.service, name))
        elif item is None:
            problems.append('service %s is bound to netns %s, which does not exist' % (binding.service, binding.netns))
        elif found and not found[0].get('dropin'):
            problems.append('service %s is bound to netns %s but has no drop-in joining it there (reverted or removed by '
                            'hand? run the netns_service role again)' % (binding.service, binding.netns))
        elif found and not found[0]['running']:
            problems.append('service %s is bound to netns %s but is not running' % (binding.service, binding.netns))
    for name, item in sorted(namespaces.items()):
        for service in item.get('services', ()):
            if declared and declared.get(service['service'], name) != name:
                continue  # a drop-in elsewhere than declared: said above
            if service['running'] and not service['inside']:
                problems.append('service %s is bound to netns %s but runs in %s' % (
                    service['service'], name, 'the host' if service['runs_in'] == 'host' else
                    ('netns %s' % service['runs_in'] if service['runs_in'] else 'an unnamed namespace')))
        for unit in item.get('units', ()):
            if not unit['active']:
                problems.append('netns %s: unit %s is not active' % (name, unit['unit']))
    if entries is None:
        return problems
    declared = dict((entry.name, entry) for entry in entries)
    expected = {}
    custom = set()
    for entry in entries:
        if entry.state != 'present':
            continue
        expected.setdefault(entry.name, set())
        if entry.custom:
            custom.add(entry.name)
        for specs in entry.links.values():
            for spec in specs:
                for end in spec.ends:
                    if end.netns is not None:
                        expected.setdefault(end.netns, set()).add(end.ifname)
    for name, entry in sorted(declared.items()):
        if entry.state == 'present' and name not in namespaces:
            problems.append('netns %s is declared but missing' % name)
        elif entry.state == 'absent' and name in namespaces:
            problems.append('netns %s is declared absent but exists' % name)
    for name, item in sorted(namespaces.items()):
        if name not in declared:
            problems.append('netns %s exists but is not declared' % name)
            continue
        if 'links' not in item or name not in expected:
            continue
        have = set(link['ifname'] for link in item['links'])
        for ifname in sorted(expected[name] - have):
            problems.append('netns %s: link %s is declared but missing' % (name, ifname))
        if name not in custom:
            for ifname in sorted(have - expected[name] - set(['lo'])):
                problems.append('netns %s: link %s exists but is not declared' % (name, ifname))
    return problems
