# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host side of a host's namespaces: bridges they join through veth ports, outbound
access (egress), port forwards, and the IP forwarding these need.

Everything is validated for the whole host before any change (HostNet.parse), then rendered
into files the units read (host/bridges, host/nftables, host/forward and each namespace's
ns/NAME/bridge). The same functions apply them for the units (the engine's host, ports and
unports commands) and for netns_chain, which compares the live host with them on each run
(host_drift) and removes what is no longer wanted (host_leftovers). The NAT rules live in one table the collection owns,
``table inet netns_systemd``, replaced whole in one transaction; no other table is read,
changed or flushed. What goes into that table, and which IP families the host forwards, is
asked of the parts of _parts.table (egress, port forwards, reachable_from); nothing here
branches on one.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import ipaddress
import os
import shutil
import socket
import tempfile
import time

from ansible_collections.netns.systemd.plugins.module_utils._files import file_diff, is_regular_file, read_file, write_atomically, write_in_directory
from ansible_collections.netns.systemd.plugins.module_utils._firewalls import blockers, has_docker, read_ruleset
from ansible_collections.netns.systemd.plugins.module_utils._model import parse_addresses
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, check_ifname
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import host_veths, networks
from ansible_collections.netns.systemd.plugins.module_utils._parts.table import HOST_PARTS
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import scratch_netns
from ansible_collections.netns.systemd.plugins.module_utils._paths import HOST_DIR, RUN_DIR

TABLE = 'inet netns_systemd'
# The forwarding switch of each IP version: (sysctl key, its file, and where its value before
# the collection first set it this boot is kept, to be put back when nothing needs it any more).
FORWARDING = {
    4: ('net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward', RUN_DIR + '/forward-before'),
    6: ('net.ipv6.conf.all.forwarding', '/proc/sys/net/ipv6/conf/all/forwarding', RUN_DIR + '/forward6-before'),
}
# IPv4 forwarding of one interface, and where its value before the collection first set it this
# boot is kept (a file per interface), to be put back when it is no longer needed.
INTERFACE_FORWARDING = 'net.ipv4.conf.%s.forwarding'
IPV4_CONF_DIR = '/proc/sys/net/ipv4/conf'
INTERFACE_RECORDS = RUN_DIR + '/forwarding'
# Routes learned from router advertisements (rtm_protocol), in the main table.
RTPROT_RA = 9
RT_TABLE_MAIN = 254
# What a bridge is to the units: made (and removed) by the collection, or adopted from its owner.
MADE, ADOPTED = 'made', 'adopted'
# How long an adopted bridge (made by networkd or ifupdown) is waited for.
ADOPTED_WAIT_SECONDS = 30


class Bridge:
    def __init__(self, name, adopt, addresses, item):
        self.name = name
        self.adopt = adopt
        self.addresses = addresses
        # The item as given, whose options the parts read (a bridge's egress).
        self.item = item
        # (netns, host end, inside End) of each veth port.
        self.ports = []


def _check_overlaps(segments):
    """InvalidInput when a prefix of one host segment (a bridge, or a veth to the host) lies
    in or over a prefix of another: routes to them would be ambiguous. ``segments``: [(owner,
    [ip_network])]. Prefixes nest or are disjoint, so each is looked up with its supernets."""
    owners = {}
    for owner, networks in segments:
        for network in networks:
            owners.setdefault((network.version, int(network.network_address), network.prefixlen), (owner, network))
    for owner, networks in segments:
        for network in networks:
            bits = network.max_prefixlen
            value = int(network.network_address)
            for length in range(network.prefixlen, -1, -1):
                key = (network.version, value & (((1 << length) - 1) << (bits - length)), length)
                other = owners.get(key)
                if other is not None and other[0] != owner:
                    raise InvalidInput('prefix %s of %s overlaps %s of %s: give each bridge and each veth to the host '
                                       'prefixes of its own' % (network, owner, other[1], other[0]))


class HostNet:
    """The host side of the entries: the bridges in use, and the items of each part."""

    def __init__(self):
        self.bridges = {}
        # {part name: [item]}, for each part of HOST_PARTS.
        self.items = dict((part.name, []) for part in HOST_PARTS)
        # The present namespaces with a bridge port, egress or port forwards.
        self.users = []
        # The host ends of the veths and the bridges: the collection's own links.
        self.own_links = set()

    @property
    def egress(self):
        return self.items['egress']

    @property
    def forwards(self):
        return self.items['forwards']

    @property
    def families(self):
        """The IP versions the host forwards: something leaves or enters the namespaces through it."""
        return set(version for part in HOST_PARTS for version in part.families(self.items[part.name]))

    @property
    def forwarding(self):
        return bool(self.families)

    @property
    def forward_interfaces(self):
        """The host interfaces IPv4 forwarding is turned on for, one by one: the bridges, the
        host ends of veths that join none, and those the parts name (an egress interface, a
        forwarded port's interfaces), so that the global switch stays as the host has it (Docker
        sets its FORWARD policy to drop only when it turns that switch on itself). None when a
        part takes packets from any interface: then the global switch is turned on."""
        named = set()
        for part in HOST_PARTS:
            found = part.inbound(self.items[part.name])
            if found is None:
                return None
            named |= found
        return sorted(set(self.routed_links) | named)

    @property
    def routed_links(self):
        """The collection's host links that packets are routed through: the bridges and the host
        ends of veths that join none (a bridge port's packets are the bridge's)."""
        ports = set(ifname for bridge in self.bridges.values() for _netns, ifname, _end in bridge.ports)
        return sorted(self.own_links - ports)

    @classmethod
    def parse(cls, entries, bridges, known_links=None, sys_class_net='/sys/class/net', made_before=()):
        """Validate ``bridges`` (the module's option) with the bridge ports, egress and port
        forwards of ``entries``, for the whole host; InvalidInput before any change.
        ``made_before``: names of bridges this collection made (host/bridges), which may exist."""
        host = cls()
        declared = {}
        if known_links is None:
            known_links = set(os.listdir(sys_class_net)) if os.path.isdir(sys_class_net) else set()
        for index, item in enumerate(bridges or ()):
            name = item.get('name')
            where = 'bridges[%d]%s' % (index, ' (%s)' % name if name else '')
            try:
                check_ifname(name, 'bridge name')
            except InvalidInput as exc:
                raise InvalidInput('%s: %s' % (where, exc))
            if name in declared:
                raise InvalidInput('%s: bridge %r is listed twice' % (where, name))
            adopt = bool(item.get('adopt'))
            if adopt and item.get('addresses'):
                raise InvalidInput('%s: an adopted bridge keeps the addresses its owner gives it: remove addresses, '
                                   'or let netns.systemd make the bridge (adopt: false)' % where)
            addresses = parse_addresses(item.get('addresses') or [], where)
            declared[name] = (where, Bridge(name, adopt, addresses, item))
        present = [e for e in entries if e.state == 'present']
        host_ends = set(spec.peer.ifname for e in present for spec in host_veths(e))
        for entry in present:
            for ifname, bridge, spec in entry.bridge_ports:
                if bridge not in declared:
                    raise InvalidInput('netns %s: veth %s: bridge %r is not in bridges' % (entry.name, ifname, bridge))
                declared[bridge][1].ports.append((entry.name, ifname, spec.end))
        host.bridges = dict((name, bridge) for name, (_where, bridge) in declared.items() if bridge.ports)
        known = known_links | host_ends | set(host.bridges)
        for name, (where, bridge) in sorted(declared.items()):
            if name not in host.bridges:
                continue
            exists = name in known_links
            if bridge.adopt and not exists:
                raise InvalidInput('%s: bridge %r is to be adopted but does not exist on the host' % (where, name))
            if not bridge.adopt and exists and name not in made_before:
                raise InvalidInput('%s: %r exists on the host and was not made by netns.systemd: set adopt: true to use '
                                   'it as it is' % (where, name))
            if name in host_ends:
                raise InvalidInput('%s: %r is also the host end of a veth' % (where, name))
        segments = []
        for entry in present:
            for spec in host_veths(entry):
                if not any(port[0] == spec.peer.ifname for port in entry.bridge_ports):
                    segments.append(('veth %s of netns %s' % (spec.peer.ifname, entry.name),
                                     networks(spec.end.addresses) + networks(spec.peer.addresses)))
        for name, bridge in sorted(host.bridges.items()):
            segments.append(('bridge %s' % name, networks(bridge.addresses) + [n for port in bridge.ports for n in networks(port[2].addresses)]))
        _check_overlaps(segments)
        host.own_links = host_ends | set(host.bridges)
        users = set(e.name for e in present if e.bridge_ports)
        for part in HOST_PARTS:
            host.items[part.name] = part.parse(present, declared, known)
            users.update(part.users(host.items[part.name]))
        host.users = sorted(users)
        return host

    # ------------------------------------------------------------ files the units run

    def bridge_lines(self):
        """host/bridges: ``NAME made ADDRESS...`` or ``NAME adopted``, a line each."""
        lines = []
        for name, bridge in sorted(self.bridges.items()):
            words = [name, ADOPTED if bridge.adopt else MADE] + [str(a) for a in bridge.addresses]
            lines.append(' '.join(words) + '\n')
        return ''.join(lines)

    def table(self):
        """The owned table, replaced whole by ``nft -f``: created when missing, deleted, made
        again, in one transaction. None when no rule is needed."""
        declared, rules = [], {}
        for part in HOST_PARTS:
            declared.extend(chain for chain in part.chains if chain not in declared)
            for chain, rule in part.rules(self.items[part.name]):
                rules.setdefault(chain, []).append(rule)
        chains = ['\tchain %s {\n\t\ttype %s hook %s priority %s; policy accept;\n%s\t}\n'
                  % (name, kind, hook, priority, ''.join('\t\t%s\n' % rule for rule in rules[name]))
                  for name, kind, hook, priority in declared if rules.get(name)]
        if not chains:
            return None
        return 'table %s\ndelete table %s\ntable %s {\n%s}\n' % (TABLE, TABLE, TABLE, '\n'.join(chains))

    def check(self, run, host_firewall='refuse', bridge_nf_dir='/proc/sys/net/bridge'):
        """Before any change: InvalidInput when IPv6 forwarding would cost the host its default
        route (ra_takers), when nft is missing or refuses the owned table, which is loaded
        into a new, empty namespace, or (``host_firewall`` refuse) when the host's own firewall
        would drop the forwarded traffic (check_firewall; with warn, said in ``warnings``).
        Keeps the table's listing for host_drift."""
        self.warnings = []
        blocked = self.check_firewall(run, bridge_nf_dir)
        if blocked and host_firewall == 'refuse':
            raise InvalidInput('%s. Set host_firewall: warn to go on regardless' % '. Also, '.join(blocked))
        self.warnings.extend(blocked)
        takers = ra_takers(self.own_links) if 6 in self.families else []
        if takers:
            raise InvalidInput(
                'IPv6 forwarding (egress ipv6, or a port forward to an IPv6 address) would take the host\'s default route '
                'away: %s learns it from router advertisements with accept_ra = 1, and the kernel drops such routes and '
                'ignores advertisements once forwarding is on. Set %s where the host\'s network is configured (a file in '
                '/etc/sysctl.d/, or accept_ra 2 in /etc/network/interfaces), so that it holds after a reboot, and run '
                'again; nothing was changed' % (', '.join(takers), ', '.join('net.ipv6.conf.%s.accept_ra = 2' % name for name in takers)))
        table = self.table()
        if table is None:
            return
        try:
            self.table_listing = table_listing_of(table, run)
        except NetnsError as exc:
            raise InvalidInput('the NAT rules of egress and port forwards cannot be loaded (install nftables; this kernel '
                               'needs nf_tables with NAT): %s' % exc)

    table_listing = None
    warnings = ()

    def forwarded_versions(self, bridge_nf_dir='/proc/sys/net/bridge'):
        """The IP versions of the traffic the host forwards for the namespaces: those of the
        parts, and, while br_netfilter hands bridged packets to iptables, those of the bridges."""
        versions = set(self.families)
        if self.bridges:
            for version, name in ((4, 'bridge-nf-call-iptables'), (6, 'bridge-nf-call-ip6tables')):
                if (read_file(os.path.join(bridge_nf_dir, name)) or '').strip() == '1':
                    versions.add(version)
        return versions

    def check_firewall(self, run, bridge_nf_dir='/proc/sys/net/bridge', also=()):
        """A message for each firewall of the host that would drop the forwarded traffic of the
        collection's links (_firewalls); none where nothing is forwarded or nft cannot read.
        ``also``: IP versions forwarded besides those of the parts (host/forward's)."""
        versions = self.forwarded_versions(bridge_nf_dir) | set(also)
        if not versions:
            return []
        try:
            ruleset = read_ruleset(run)
        except NetnsError:
            return []
        messages = [blocker.message() for blocker in blockers(ruleset, self.routed_links, versions)]
        unbound = [what for part in HOST_PARTS for what in part.unbound(self.items[part.name])]
        if unbound and has_docker(ruleset):
            # Accepts in DOCKER-USER do not help here: the global switch, turned on at boot
            # before docker.service starts, keeps Docker from setting its FORWARD policy to drop.
            messages.append('Docker runs on this host, and %s take IPv4 packets from any interface, which needs the global '
                            'net.ipv4.ip_forward; turned on at boot before docker.service starts, it keeps Docker from setting '
                            'its FORWARD policy to drop: give each egress its interface and each IPv4 port forward its '
                            'interfaces, and forwarding is turned on interface by interface instead' % ', '.join(unbound))
        return messages

    def ports_of(self, netns):
        """[(host end, bridge)] of the veth ports of ``netns``."""
        return [(ifname, name) for name, bridge in sorted(self.bridges.items()) for other, ifname, _end in bridge.ports if other == netns]

    def bridge_settings(self):
        """{bridge: (adopted, [address])}, as host/bridges has them."""
        return dict((name, (bridge.adopt, [str(a) for a in bridge.addresses])) for name, bridge in self.bridges.items())

    def files(self):
        """{name: text} of the files in host/ (``users``: the namespaces they are for)."""
        files = {}
        if self.users:
            files['users'] = ''.join('%s\n' % name for name in self.users)
        if self.bridges:
            files['bridges'] = self.bridge_lines()
        table = self.table()
        if table is not None:
            files['nftables'] = table
        if self.forwarding:
            keys = [FORWARDING[version][0] for version in sorted(self.families)]
            if 4 in self.families and self.forward_interfaces is not None:
                keys = [INTERFACE_FORWARDING % name for name in self.forward_interfaces] + keys[1:]
            files['forward'] = ''.join('%s = 1\n' % key for key in keys)
        return files


def host_before(host_dir):
    """What host_leftovers compares with: {name: text} of the files in ``host_dir`` now, and
    under the name of each forwarding record (``forward-before``, ``forward6-before``) the
    earlier value it holds (None: none)."""
    names = os.listdir(host_dir) if os.path.isdir(host_dir) and not os.path.islink(host_dir) else ()
    before = dict((name, read_file(os.path.join(host_dir, name))) for name in names)
    for record in (forwarding[2] for forwarding in FORWARDING.values()):
        before[os.path.basename(record)] = read_file(record) if not os.path.islink(record) else None
    before[os.path.basename(INTERFACE_RECORDS)] = interface_records()
    return before


def installed_firewall_problems(entries, run, host_dir=HOST_DIR):
    """check_firewall for the host side as installed (netns_info's health report): the declared
    ``entries`` with the bridges and the forwarding of the files in ``host_dir``; none when they
    do not make a host side (what is missing is reported elsewhere)."""
    files = read_host_files(host_dir)
    bridges = [{'name': name, 'adopt': adopted, 'addresses': addresses}
               for name, (adopted, addresses) in sorted(bridge_settings_of(files.get('bridges')).items())]
    try:
        host = HostNet.parse(entries, bridges, made_before=made_bridges(files.get('bridges')))
    except InvalidInput:
        return []
    return host.check_firewall(run, also=forwarded_families(files.get('forward')))


def forwarded_interfaces(text):
    """The interfaces host/forward turns IPv4 forwarding on for one by one."""
    prefix, suffix = INTERFACE_FORWARDING.split('%s')
    keys = [line.split('=')[0].strip() for line in (text or '').splitlines()]
    return [key[len(prefix):-len(suffix)] for key in keys if key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix + suffix)]


def interface_records(records_dir=INTERFACE_RECORDS):
    """{interface: its forwarding before the collection set it} of the records kept this boot."""
    if not os.path.isdir(records_dir) or os.path.islink(records_dir):
        return {}
    return dict((name, (read_file(os.path.join(records_dir, name)) or '').strip()) for name in os.listdir(records_dir)
                if is_regular_file(os.path.join(records_dir, name)))


def forward_on_interfaces(files, conf_dir=IPV4_CONF_DIR, records_dir=INTERFACE_RECORDS):
    """IPv4 forwarding on for each interface of host/forward that exists now (its value before
    kept once a boot, for host_leftovers to put back); one made later gets it from the unit
    that makes it (the engine runs this after up, links, ports and boot). [lines]"""
    lines = []
    for name in forwarded_interfaces(files.get('forward')):
        path = os.path.join(conf_dir, name, 'forwarding')
        if not os.path.exists(path):
            continue
        now = (read_file(path) or '0').strip()
        if now == '1':
            continue
        if not os.path.lexists(os.path.join(records_dir, name)):
            write_in_directory(records_dir, {name: now + '\n'})
        with open(path, 'w') as f:
            f.write('1\n')
        lines.append('~ sysctl %s = 1 (was %s)' % (INTERFACE_FORWARDING % name, now))
    return lines


def forwarded_families(text):
    """The IP versions host/forward turns forwarding on for."""
    keys = set(line.split('=')[0].strip() for line in (text or '').splitlines())
    return set(version for version, (key, _path, _record) in FORWARDING.items() if key in keys)


def ra_takers(own_links, conf_dir='/proc/sys/net/ipv6/conf'):
    """The host interfaces, other than ``own_links`` (the collection's), whose IPv6 default
    route came from a router advertisement and that take advertisements only while the host
    does not forward (accept_ra 1): IPv6 forwarding would drop that route. Sorted names."""
    # Imported here: the modules that only render units never load pyroute2.
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
    with NamespaceHandles() as handles:
        rtnl = handles.rtnl(None)
        names = dict((msg['index'], msg.get_attr('IFLA_IFNAME')) for msg in rtnl.get_links())
        routes = rtnl.get_routes(family=socket.AF_INET6, table=RT_TABLE_MAIN)
    takers = set()
    for msg in routes:
        name = names.get(msg.get_attr('RTA_OIF'))
        if msg['proto'] != RTPROT_RA or msg['dst_len'] != 0 or name is None or name in own_links:
            continue
        if (read_file(os.path.join(conf_dir, name, 'accept_ra')) or '').strip() == '1':
            takers.add(name)
    return sorted(takers)


def manages_host(host, before, named, bridges):
    """Whether a call manages the host side: it gives bridges, or names a namespace that has
    (or had, by host/users) a bridge port, egress or port forwards. A call about other
    namespaces alone leaves the host side as it is."""
    return bool(bridges or host.users or set((before.get('users') or '').split()) & set(named))


def made_bridges(text):
    """The bridges host/bridges says the collection made."""
    return set(line.split()[0] for line in (text or '').splitlines() if len(line.split()) > 1 and line.split()[1] == MADE)


# ---------------------------------------------------------------- the live host

def _checked(run, argv, what):
    try:
        rc, out, err = run(argv)
    except OSError as exc:
        raise NetnsError('%s cannot run (%s)' % (argv[0], exc))
    if rc != 0:
        raise NetnsError('%s: %s' % (what, (err or out).strip() or 'exit %d' % rc))
    return out


def host_links():
    """{ifname: {'up', 'kind', 'master', 'addresses'}} of the host's links, read through netlink
    (a dump of links and one of addresses; link-local addresses left out)."""
    # Imported here: the modules that only render units never load pyroute2.
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
    from ansible_collections.netns.systemd.plugins.module_utils._snapshot import IFF_UP, Snapshot, kind_of
    with NamespaceHandles() as handles:
        snap = Snapshot(handles.rtnl(None))
        names = dict((msg['index'], name) for name, msg in snap.links.items())
        return dict((name, {'up': bool(msg['flags'] & IFF_UP), 'kind': kind_of(msg), 'master': names.get(msg.get_attr('IFLA_MASTER')),
                            'addresses': set(str(a) for a in snap.addresses(msg['index']) if not a.ip.is_link_local)})
                    for name, msg in snap.links.items())


def _table_listing(run):
    rc, out, _err = run(['nft', 'list', 'table'] + TABLE.split())
    return out if rc == 0 else ''


def table_listing_of(text, run):
    """How nft lists the owned table once ``text`` is loaded: loaded into a new, empty
    namespace (nft prints a table in its own words). NetnsError when nft refuses it."""
    directory = tempfile.mkdtemp(prefix='netns-systemd-host.')
    try:
        path = os.path.join(directory, 'nftables')
        with open(path, 'w') as f:
            f.write(text)
        with scratch_netns():
            _checked(run, ['nft', '-f', path], 'the table %s does not load' % TABLE)
            return _table_listing(run)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def host_drift(host, run, check_mode, host_by_unit=False, ports_by_unit=()):
    """Compare the live host with ``host``'s files (written already, but in check mode) and,
    unless ``check_mode``, apply them again as the units do where they differ: ([lines],
    [file diffs]). NetnsError when a command fails. In check mode, ``host_by_unit``: the
    host unit is taken as started (forwarding and the table are its work); ``ports_by_unit``:
    the namespaces whose bridge unit is taken as started (their bridges and ports are its work)."""
    lines, diffs, again = [], [], []
    files = host.files()
    for version in sorted(forwarded_families(files.get('forward')) if not host_by_unit else ()):
        key, path, _record = FORWARDING[version]
        forwarding = (read_file(path) or '?').strip()
        if forwarding != '1':
            lines.append('~ sysctl %s = 1 on the host (was %s)' % (key, forwarding))
            again = ['host']
    for name in forwarded_interfaces(files.get('forward')) if not host_by_unit else ():
        # One that does not exist yet gets it from the unit that makes it.
        forwarding = (read_file(os.path.join(IPV4_CONF_DIR, name, 'forwarding')) or '1').strip()
        if forwarding != '1':
            lines.append('~ sysctl %s = 1 on the host (was %s)' % (INTERFACE_FORWARDING % name, forwarding))
            again = ['host']
    if 'nftables' in files and not host_by_unit:
        live = _table_listing(run)
        wanted = host.table_listing if host.table_listing is not None else table_listing_of(files['nftables'], run)
        if live.strip() != wanted.strip():
            lines.append('~ nftables table %s' % TABLE)
            diffs.append(file_diff('nft list table %s' % TABLE, live or None, wanted))
            again = ['host']
    if host.bridges:
        links = host_links()
        for name, bridge in sorted(host.bridges.items()):
            link = links.get(name)
            made_by_unit = any(netns in ports_by_unit for netns, _ifname, _end in bridge.ports)
            if not bridge.adopt:
                have = link['addresses'] if link is not None else set()
                want = set(str(a) for a in bridge.addresses)
                if not made_by_unit and (link is None or not link['up'] or want - have):
                    lines.append('%s bridge %s, up, with %s' % ('+' if link is None else '~', name, ', '.join(sorted(want)) or 'no address'))
                    again.append('bridge %s' % name)
                for extra in sorted(have - want):
                    lines.append('- address %s of bridge %s' % (extra, name))
                    if not check_mode:
                        _checked(run, ['ip', 'addr', 'del', extra, 'dev', name], 'bridge %s' % name)
            for netns, ifname, _end in bridge.ports:
                port = links.get(ifname)
                if port is not None and port['master'] != name and netns not in ports_by_unit:
                    lines.append('~ %s joins bridge %s (netns %s)' % (ifname, name, netns))
                    again.append('ports %s' % netns)
    if not check_mode and again:
        from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
        with NamespaceHandles() as handles:
            for command in sorted(set(again)):
                what, _sep, name = command.partition(' ')
                if what == 'host':
                    apply_host(files, run)
                elif what == 'bridge':
                    bridge = host.bridges[name]
                    make_bridge(handles.rtnl(None), name, bridge.adopt, [str(a) for a in bridge.addresses])
                else:
                    join_ports(handles.rtnl(None), host.ports_of(name), host.bridge_settings())
    return lines, diffs


def host_leftovers(host, before, run, check_mode):
    """Undo what ``before`` (the files host/ had when the run began, and under the name of each
    forwarding record what it held then: the run may remove /run/netns-systemd) asked for and
    ``host`` no longer does: the owned table deleted, the forwarding of each IP version put back as
    it was before the collection set it, bridges the collection made removed (one with other ports
    is kept, and said). ([lines], [warnings]); nothing changes in ``check_mode``."""
    lines, warnings = [], []
    files = host.files()
    if 'nftables' in before and 'nftables' not in files and _table_listing(run):
        lines.append('- nftables table %s' % TABLE)
        if not check_mode:
            _checked(run, ['nft', 'delete', 'table'] + TABLE.split(), 'nft delete table')
    wanted = forwarded_families(files.get('forward'))
    for version, (key, path, record) in sorted(FORWARDING.items()):
        earlier = before.get(os.path.basename(record))
        if version in wanted or earlier is None:
            continue
        if earlier.strip() == '0' and (read_file(path) or '').strip() != '0':
            lines.append('- sysctl %s = 0 (as it was before netns.systemd set it)' % key)
            if not check_mode:
                with open(path, 'w') as f:
                    f.write('0\n')
        if not check_mode and os.path.isfile(record) and not os.path.islink(record):
            os.unlink(record)
    wanted_interfaces = set(forwarded_interfaces(files.get('forward')))
    for name, earlier in sorted((before.get(os.path.basename(INTERFACE_RECORDS)) or {}).items()):
        if name in wanted_interfaces:
            continue
        path = os.path.join(IPV4_CONF_DIR, name, 'forwarding')
        if earlier == '0' and (read_file(path) or '0').strip() != '0':
            lines.append('- sysctl %s = 0 (as it was before netns.systemd set it)' % (INTERFACE_FORWARDING % name))
            if not check_mode:
                with open(path, 'w') as f:
                    f.write('0\n')
        record = os.path.join(INTERFACE_RECORDS, name)
        if not check_mode and is_regular_file(record):
            os.unlink(record)
    gone = made_bridges(before.get('bridges')) - set(name for name, bridge in host.bridges.items() if not bridge.adopt)
    if gone:
        links = host_links()
        for name in sorted(gone):
            link = links.get(name)
            if link is None or link['kind'] != 'bridge':
                continue
            ports = sorted(other for other, data in links.items() if data['master'] == name)
            if ports:
                warnings.append('bridge %s, made by netns.systemd, is kept: %s joined it' % (name, ', '.join(ports)))
                continue
            lines.append('- bridge %s' % name)
            if not check_mode:
                _checked(run, ['ip', 'link', 'del', name], 'removing bridge %s' % name)
    return lines, warnings


# ---------------------------------------------------------------- what the units do

def wait_for_host_links(needed, seconds, sys_class_net='/sys/class/net'):
    """Wait until the host has each link of ``needed`` ([(what, name)]: a NIC named late, a
    bridge made by another unit); NetnsError naming those still missing after ``seconds``."""
    deadline = time.time() + seconds
    while True:
        missing = [(what, name) for what, name in needed if not os.path.exists(os.path.join(sys_class_net, name))]
        if not missing:
            return
        if time.time() >= deadline:
            raise NetnsError('; '.join('%s %s did not appear on the host within %d s' % (what, name, seconds) for what, name in missing))
        time.sleep(0.1)


def read_host_files(host_dir):
    """{name: text} of the files in ``host_dir`` (none through a link)."""
    names = os.listdir(host_dir) if os.path.isdir(host_dir) and not os.path.islink(host_dir) else ()
    return dict((name, read_file(os.path.join(host_dir, name))) for name in names if is_regular_file(os.path.join(host_dir, name)))


def bridge_settings_of(text):
    """{bridge: (adopted, [address])} of host/bridges."""
    found = {}
    for line in (text or '').splitlines():
        words = line.split()
        if len(words) >= 2:
            found[words[0]] = (words[1] != MADE, words[2:])
    return found


def apply_host(files, run):
    """What netns-host.service does, from the files of host/: forwarding on for each IP version
    of host/forward, or for IPv4 on each interface it names (its value before that kept once a
    boot, for host_leftovers to put back), and
    the owned table loaded whole in one transaction (no other table is touched)."""
    for version in sorted(forwarded_families(files.get('forward'))):
        _key, path, record = FORWARDING[version]
        now = read_file(path) or '0\n'
        if not os.path.lexists(record):
            write_atomically(record, now)
        # Written only when off: every write of 1 to IPv6's makes the kernel drop the default
        # routes learned from advertisements on interfaces with accept_ra 1.
        if now.strip() != '1':
            with open(path, 'w') as f:
                f.write('1\n')
    forward_on_interfaces(files)
    if files.get('nftables'):
        directory = tempfile.mkdtemp(prefix='netns-systemd-host.')
        try:
            path = os.path.join(directory, 'nftables')
            with open(path, 'w') as f:
                f.write(files['nftables'])
            _checked(run, ['nft', '-f', path], 'the table %s does not load' % TABLE)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _index(rtnl, ifname):
    found = rtnl.link_lookup(ifname=ifname)
    return found[0] if found else None


def make_bridge(rtnl, name, adopted, addresses, seconds=ADOPTED_WAIT_SECONDS):
    """A bridge of host/bridges on the host (``rtnl``): made when missing (two namespaces may
    race to make it), up, its addresses set; or, adopted, waited for and left as its owner made it."""
    if adopted:
        wait_for_host_links([('adopted bridge', name)], seconds)
        return
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NetlinkError
    if _index(rtnl, name) is None:
        try:
            rtnl.link('add', ifname=name, kind='bridge')
        except NetlinkError as exc:
            if exc.code != errno.EEXIST:
                raise NetnsError('bridge %s cannot be made: %s' % (name, exc))
    index = _index(rtnl, name)
    rtnl.link('set', index=index, state='up')
    for address in addresses:
        network = ipaddress.ip_interface(address)
        rtnl.addr('replace', index=index, address=str(network.ip), prefixlen=network.network.prefixlen)


def join_ports(rtnl, ports, bridges):
    """Each host end of ``ports`` ([(host end, bridge)]) joins its bridge (made or waited for,
    from ``bridges``: {bridge: (adopted, [address])}), up."""
    for ifname, name in ports:
        if name not in bridges:
            raise NetnsError('bridge %s is not in host/bridges: run the playbook again' % name)
        make_bridge(rtnl, name, *bridges[name])
        index = _index(rtnl, ifname)
        if index is None:
            raise NetnsError('%s, the host end that joins bridge %s, does not exist' % (ifname, name))
        rtnl.link('set', index=index, master=_index(rtnl, name), state='up')


def leave_ports(rtnl, ports):
    """Each host end of ``ports`` leaves its bridge (one already gone is left alone)."""
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NetlinkError
    for ifname, _name in ports:
        index = _index(rtnl, ifname)
        if index is not None:
            try:
                rtnl.link('set', index=index, master=0)
            except NetlinkError:
                pass
