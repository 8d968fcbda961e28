"""The host side as the user gives it, validated for the whole host before any change, and the
files the units run (the packets themselves are in tests/sandbox/test_egress_kernel.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import HostNet, made_bridges
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput

HOST_LINKS = set(['lo', 'eth0'])


def app(**extra):
    item = {'name': 'app', 'links': [{'addresses': ['10.20.0.2/30'], 'peer_addresses': ['10.20.0.1/30'],
                                      'routes': [{'dst': 'default', 'gateway': '10.20.0.1'}]}]}
    item.update(extra)
    return item


def port(netns, address, bridge='br-ns'):
    return {'name': netns, 'links': [{'bridge': bridge, 'addresses': [address]}]}


def parse(namespaces, bridges=(), known=None, made_before=()):
    return HostNet.parse(parse_entries(namespaces), list(bridges), known_links=HOST_LINKS if known is None else set(known),
                         made_before=made_before)


def test_the_table_and_files_of_a_host():
    forwards = [{'host_port': 8080, 'port': 80}, {'host_port': 53, 'protocol': 'udp', 'interfaces': ['eth0'], 'host_addresses': ['192.0.2.1']}]
    host = parse([app(egress={'interface': 'eth0'}, ports=forwards), port('a', '10.30.0.2/24'), port('b', '10.30.0.3/24')],
                 [{'name': 'br-ns', 'addresses': ['10.30.0.1/24'], 'egress': {}}, {'name': 'unused'}])
    files = host.files()
    assert sorted(files) == ['bridges', 'forward', 'nftables', 'users']
    assert files['bridges'] == 'br-ns made 10.30.0.1/24\n'
    assert files['forward'] == 'net.ipv4.ip_forward = 1\n'
    table = files['nftables']
    # Created when missing, deleted, made again: one transaction that touches no other table.
    assert table.startswith('table inet netns_systemd\ndelete table inet netns_systemd\ntable inet netns_systemd {\n')
    assert 'flush' not in table
    for rule in ('ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.20.0.2:80',
                 'iifname "eth0" ip daddr 192.0.2.1 udp dport 53 dnat ip to 10.20.0.2:53',
                 'oifname "eth0" ip saddr 10.20.0.0/30 masquerade comment "netns app"',
                 'ip saddr 10.30.0.0/24 ip daddr != 10.30.0.0/24 masquerade comment "bridge br-ns"'):
        assert '\t\t%s\n' % rule in table
    assert 'priority dstnat' in table and 'hook output priority -100' in table and 'priority srcnat' in table
    entries = parse_entries([port('a', '10.30.0.2/24')])
    assert entries[0].files()['bridge'] == 've-a0 br-ns\n'
    assert entries[0].kinds == ['bridge', 'veth']
    assert made_bridges(files['bridges']) == set(['br-ns']) and made_bridges('br-lan adopted\n') == set()


def dual(**extra):
    """app with an IPv6 prefix beside its IPv4 one, on the same veth."""
    item = {'name': 'app', 'links': [{'addresses': ['10.20.0.2/30', 'fd20::2/64'], 'peer_addresses': ['10.20.0.1/30', 'fd20::1/64'],
                                      'routes': [{'dst': 'default', 'gateway': '10.20.0.1'}, {'dst': 'default', 'gateway': 'fd20::1'}]}]}
    item.update(extra)
    return item


def test_ipv6_egress_and_forwards_go_in_the_same_table():
    forwards = [{'host_port': 8080, 'port': 80}, {'host_port': 8080, 'port': 80, 'address': 'fd20::2'},
                {'host_port': 53, 'protocol': 'udp', 'address': 'fd20::2', 'host_addresses': ['2001:db8::1', '2001:db8::1']}]
    host = parse([dual(egress={'interface': 'eth0', 'ipv6': 'masquerade'}, ports=forwards)])
    assert host.families == set([4, 6])
    files = host.files()
    assert files['forward'] == 'net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n'
    table = files['nftables']
    for rule in ('ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.20.0.2:80',
                 'ip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat ip6 to [fd20::2]:80',
                 'ip6 daddr 2001:db8::1 udp dport 53 dnat ip6 to [fd20::2]:53',
                 'oifname "eth0" ip saddr 10.20.0.0/30 masquerade comment "netns app"',
                 'oifname "eth0" ip6 saddr fd20::/64 masquerade comment "netns app"'):
        assert '\t\t%s\n' % rule in table
    # Routed: forwarded as they are, no translation; any interface: not towards the prefixes themselves.
    routed = parse([dual(egress={'ipv6': 'routed'})])
    assert routed.families == set([4, 6]) and 'ip6' not in routed.files()['nftables']
    masq = parse([dual(egress={'ipv6': 'masquerade'})]).files()['nftables']
    assert 'ip6 saddr fd20::/64 ip6 daddr != fd20::/64 masquerade comment "netns app"' in masq
    # IPv6 addresses without egress ipv6 stay in: IPv4 only, as before.
    assert parse([dual(egress={})]).families == set([4])
    # Only IPv6: no IPv4 forwarding is turned on for it.
    only6 = parse([{'name': 'six', 'links': [{'addresses': ['fd30::2/64'], 'peer_addresses': ['fd30::1/64']}],
                    'egress': {'ipv6': 'masquerade'}, 'ports': [{'host_port': 22}]}])
    assert only6.files()['forward'] == 'net.ipv6.conf.all.forwarding = 1\n'
    assert 'dnat ip6 to [fd30::2]:22' in only6.files()['nftables'] and 'ip daddr' not in only6.files()['nftables']


@pytest.mark.parametrize('namespaces, message', [
    ([app(egress={'ipv6': 'masquerade'})], r'netns app: egress: egress ipv6 is masquerade, but netns app has no IPv6 address on a veth'),
    ([app(egress={'ipv6': 'nat66'})], r"egress ipv6 'nat66' is not masquerade or routed \(omit it to keep IPv6 in\)"),
    ([dual(ports=[{'host_port': 80, 'address': 'fd20::2', 'host_addresses': ['192.0.2.1']}])],
     r'host address 192.0.2.1 is IPv4, and this forward is IPv6: give one forward per family'),
    ([dual(ports=[{'host_port': 80, 'address': 'fd20::9'}])], r'fd20::9 is not an address of netns app'),
    ([dual(ports=[{'host_port': 80, 'address': 'fd20::2'}, {'host_port': 80, 'address': 'fd20::2', 'port': 81}])],
     r'tcp port 80 \(IPv6\) is forwarded twice'),
])
def test_bad_ipv6_host_input_is_refused_naming_where(namespaces, message):
    with pytest.raises(InvalidInput, match=message):
        parse(namespaces)


def test_sources_narrow_a_forward_and_reachable_from_a_namespace():
    forwards = [{'host_port': 8080, 'port': 80, 'sources': ['192.0.2.0/24', '198.51.100.7/32', '192.0.2.0/24']},
                {'host_port': 8080, 'port': 80, 'address': 'fd20::2', 'sources': ['2001:db8::/32']}]
    host = parse([dual(ports=forwards, reachable_from=['192.0.2.0/24', '2001:db8:1::/48'])])
    assert host.users == ['app']
    table = host.files()['nftables']
    for rule in (
            # Others are dropped before the translation, so the port looks like nothing to them.
            'ip daddr != 127.0.0.0/8 fib daddr type local ip saddr != { 192.0.2.0/24, 198.51.100.7/32 } tcp dport 8080 drop',
            'ip6 daddr != ::1 fib daddr type local ip6 saddr != 2001:db8::/32 tcp dport 8080 drop',
            'ip saddr { 192.0.2.0/24, 198.51.100.7/32 } ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.20.0.2:80',
            # The host's own connections are not narrowed.
            'ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.20.0.2:80',
            'ip daddr 10.20.0.2 ct state new ct status & dnat == 0 ip saddr != 192.0.2.0/24 drop comment "netns app"',
            'ip6 daddr fd20::2 ct state new ct status & dnat == 0 ip6 saddr != 2001:db8:1::/48 drop comment "netns app"'):
        assert '\t\t%s\n' % rule in table
    assert 'type filter hook prerouting priority -110' in table and 'type filter hook forward priority 0' in table
    # reachable_from turns no forwarding on by itself; an empty list lets nothing in.
    alone = parse([app(reachable_from=[])])
    assert alone.families == set() and 'forward' not in alone.files()
    assert '\t\tip daddr 10.20.0.2 ct state new ct status & dnat == 0 drop comment "netns app"\n' in alone.files()['nftables']


@pytest.mark.parametrize('namespaces, message', [
    ([app(ports=[{'host_port': 80, 'sources': ['fd00::/8']}])], r'ports\[0\]: source fd00::/8 is IPv6, and this forward is IPv4'),
    ([app(ports=[{'host_port': 80, 'sources': ['10.0.0.1/8']}])], r"source '10.0.0.1/8' is not a prefix .*has host bits set"),
    ([app(ports=[{'host_port': 80, 'sources': []}])], r'sources is empty, which would let no one in: omit it to allow any source'),
    ([app(ports=[{'host_port': 80, 'sources': '10.0.0.0/8'}])], r"source must be a list of prefixes, not '10.0.0.0/8'"),
    ([app(reachable_from=['lan'])], r"netns app: reachable_from: prefix 'lan' is not a prefix"),
    ([{'name': 'x', 'reachable_from': ['10.0.0.0/8']}], r'netns x has no address on a veth to the host .* to be reached at'),
    ([app(ports=3)], r'netns app: ports must be a list of dictionaries with host_port, not 3'),
])
def test_bad_allow_lists_are_refused_naming_where(namespaces, message):
    with pytest.raises(InvalidInput, match=message):
        parse(namespaces)


def test_nothing_on_the_host_without_egress_ports_or_bridges():
    assert parse([app()]).files() == {}
    # Bridges alone need no forwarding and no table.
    assert sorted(parse([port('a', '10.30.0.2/24')], [{'name': 'br-ns'}]).files()) == ['bridges', 'users']


@pytest.mark.parametrize('namespaces, bridges, message', [
    ([app(), {'name': 'other', 'links': [{'addresses': ['10.20.0.5/16']}]}], [],
     r'prefix 10.20.0.0/30 of veth ve-app0 of netns app overlaps 10.20.0.0/16 of veth ve-other0 of netns other'),
    ([app(), port('a', '10.20.0.9/24')], [{'name': 'br-ns'}], r'overlaps .* of bridge br-ns'),
    ([app(egress={'interface': 'eth9'})], [], r"netns app: egress: interface 'eth9' does not exist on the host"),
    ([app(egress={'interface': 've-app0'})], [], r"the egress interface 've-app0' is the way into netns app itself"),
    ([{'name': 'app', 'links': [{'addresses': ['fd00::2/64']}], 'egress': {}}], [], r'has no IPv4 address .* \(for IPv6 addresses, set egress ipv6\)'),
    ([app(ports=[{'host_port': 80}]), {'name': 'web', 'links': [{'addresses': ['10.21.0.2/30']}], 'ports': [{'host_port': 80}]}], [],
     r'netns web: ports\[0\]: tcp port 80 \(IPv4\) is forwarded twice, to netns app and to netns web'),
    ([app(ports=[{'host_port': 80, 'address': '10.20.0.3'}])], [], r'10.20.0.3 is not an address of netns app'),
    ([app(ports=[{'host_port': 80, 'host_addresses': ['fd00::1']}])], [],
     r'host address fd00::1 is IPv6, and this forward is IPv4: give one forward per family'),
    ([app(ports=[{'host_port': 70000}])], [], r'host_port 70000 is not a port number'),
    ([app(ports=[{'host_port': 80, 'protocol': 'sctp'}])], [], r"protocol 'sctp' is not tcp or udp"),
    ([{'name': 'x', 'ports': [{'host_port': 80}]}], [], r'netns x has no address on a veth to the host'),
    ([port('a', '10.30.0.2/24', 'br-x')], [], r"netns a: veth ve-a0: bridge 'br-x' is not in bridges"),
    ([port('a', '10.30.0.2/24', 'br-lan')], [{'name': 'br-lan', 'adopt': True}], r"'br-lan' is to be adopted but does not exist"),
    ([port('a', '10.30.0.2/24', 'eth0')], [{'name': 'eth0'}], r"'eth0' exists on the host and was not made by netns.systemd: set adopt"),
    ([port('a', '10.30.0.2/24', 'br-lan')], [{'name': 'br-lan', 'adopt': True, 'addresses': ['10.30.0.1/24']}],
     r'an adopted bridge keeps the addresses its owner gives it'),
    ([port('a', '10.30.0.2/24')], [{'name': 'br-ns'}, {'name': 'br-ns'}], r"bridge 'br-ns' is listed twice"),
    ([port('a', '10.30.0.2/24', 'br-ns/x')], [{'name': 'br-ns/x'}], r'bridges\[0\]'),
    ([port('a', '10.30.0.2/24')], [{'name': 'br-ns', 'egress': {'interface': 'br-ns'}}], r"is the way into bridge br-ns itself"),
])
def test_bad_host_input_is_refused_naming_where(namespaces, bridges, message):
    with pytest.raises(InvalidInput, match=message):
        parse(namespaces, bridges)


@pytest.mark.parametrize('link, message', [
    ({'bridge': 'br-ns', 'peer_addresses': ['10.30.0.1/24']}, r'a veth that joins bridge .* peer_addresses cannot be given'),
    ({'bridge': 'br-ns', 'peer_netns': 'b'}, r'peer_netns cannot be given'),
    ({'type': 'macvlan', 'parent': 'eth0', 'bridge': 'br-ns'}, r'bridge is for a veth'),
    ({'type': 'bridge', 'up_inside': 'true'}, r'link type bridge is not a type of its own'),
])
def test_a_bridge_port_is_a_veth_with_its_host_end_in_the_bridge(link, message):
    with pytest.raises(InvalidInput, match=message):
        parse_entries([{'name': 'a', 'links': [link]}, {'name': 'b'}], sys_class_net='/nonexistent')


def test_what_may_share_a_port_or_a_prefix():
    # The same port on disjoint host addresses, or from disjoint interfaces.
    parse([app(ports=[{'host_port': 80, 'host_addresses': ['192.0.2.1']}]),
           {'name': 'web', 'links': [{'addresses': ['10.21.0.2/30']}],
            'ports': [{'host_port': 80, 'host_addresses': ['192.0.2.2']}, {'host_port': 80, 'protocol': 'udp'}]}])
    parse([app(ports=[{'host_port': 80, 'interfaces': ['eth0']}]),
           {'name': 'web', 'links': [{'addresses': ['10.21.0.2/30']}], 'ports': [{'host_port': 80, 'interfaces': ['br-ns']}]},
           port('a', '10.30.0.2/24')], [{'name': 'br-ns'}])
    # Namespaces of one bridge share its prefix; a bridge made before may exist; an absent
    # namespace's host side is gone.
    host = parse([port('a', '10.30.0.2/24'), port('b', '10.30.0.3/24')], [{'name': 'br-ns', 'addresses': ['10.30.0.1/24']}],
                 known=HOST_LINKS | set(['br-ns']), made_before=set(['br-ns']))
    assert sorted(host.bridges) == ['br-ns']
    assert parse([app(state='absent', egress={}, ports=[{'host_port': 80}])]).files() == {}


def test_the_host_unit_is_installed_restarted_on_change_and_retired(tmp_path):
    from ansible_collections.netns.systemd.plugins.module_utils._chain import plan_chain
    from ansible_collections.netns.systemd.plugins.module_utils._files import write_atomically
    from ansible_collections.netns.systemd.plugins.module_utils._parts.bridge_ports import TEMPLATE as BRIDGE_TEMPLATE
    from ansible_collections.netns.systemd.plugins.module_utils._units import HOST_UNIT, HOST_UNIT_TEXT
    dirs = dict(unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), boot_dir=str(tmp_path / 'boot'),
                marks_dir=str(tmp_path / 'run' / 'booted'))
    unit = str(tmp_path / 'units' / HOST_UNIT)

    def plan(namespaces, bridges, state):
        entries = parse_entries(namespaces)
        return plan_chain(entries, state, host=HostNet.parse(entries, bridges, known_links=HOST_LINKS), **dirs)

    def write(made):
        for path, content in list(made.unit_files.items()) + list(made.boot_files.items()):
            write_atomically(path, content)

    first = plan([app(egress={}), port('a', '10.30.0.2/24')], [{'name': 'br-ns'}], {})
    assert first.unit_files[unit] == HOST_UNIT_TEXT and HOST_UNIT in first.enable and HOST_UNIT in first.start
    assert first.boot_files[str(tmp_path / 'boot' / 'host' / 'forward')] == 'net.ipv4.ip_forward = 1\n'
    assert first.unit_files[str(tmp_path / 'units' / 'netns-bridge@.service')] == BRIDGE_TEMPLATE
    assert '# Its work: ' in first.unit_files[str(tmp_path / 'units' / 'netns-bridge@a.service.d' / 'netns-systemd.conf')]
    write(first)
    running = {HOST_UNIT: (True, True)}
    assert HOST_UNIT not in plan([app(egress={}), port('a', '10.30.0.2/24')], [{'name': 'br-ns'}], running).restart
    # A changed rule restarts the unit, which loads the table again; a bridge alone does not.
    changed = plan([app(egress={'interface': 'eth0'}), port('a', '10.30.0.2/24')], [{'name': 'br-ns'}], running)
    assert HOST_UNIT in changed.restart and '~ restart %s: its files changed' % HOST_UNIT in changed.lines
    write(changed)
    # Nothing needs forwarding or NAT any more: the unit is stopped, disabled and removed.
    gone = plan([app()], [], running)
    assert gone.stop == [HOST_UNIT] and gone.disable == [HOST_UNIT] and unit in gone.remove_paths
    assert str(tmp_path / 'boot' / 'host') in gone.remove_paths


def test_a_call_about_other_namespaces_leaves_the_host_side_alone():
    from ansible_collections.netns.systemd.plugins.module_utils._hostnet import manages_host
    users = parse([app(egress={}), {'name': 'plain'}])
    assert users.users == ['app'] and users.files()['users'] == 'app\n'
    plain = parse([{'name': 'plain'}])
    assert not manages_host(plain, {'users': 'app\n'}, ['plain'], [])
    # The last user named (here absent), or bridges given: the call sets the host side.
    assert manages_host(parse([{'name': 'app', 'state': 'absent'}]), {'users': 'app\n'}, ['app'], [])
    assert manages_host(plain, {}, ['plain'], [{'name': 'br-ns'}])
    assert manages_host(users, {}, ['app', 'plain'], [])


@pytest.mark.parametrize('value, interface', [(True, None), ({}, None), ({'interface': 'eth0'}, 'eth0')])
def test_egress_true_is_any_interface(value, interface):
    host = parse([app(egress=value)])
    assert [(e.owner, e.interface) for e in host.egress] == [('netns app', interface)]
    assert parse([app(egress=False)]).egress == []


@pytest.mark.parametrize('where, value, message', [
    ('egress', 'eth0', r"netns app: egress must be true \(any interface\) or a dictionary such as \{interface: eth0\}, not 'eth0'"),
    ('egress', 1, r'egress must be true .* not 1'),
    ('egress', {'iface': 'eth0'}, 'egress has unknown keys iface; its keys are interface, ipv6'),
    ('dns', True, r'namespaces\[0\] \(app\): dns must be a dictionary with nameservers, search, options or content, not True'),
    ('dns', {'nameserver': ['10.0.0.1']}, 'dns has unknown keys nameserver'),
    ('dns', {'search': 3}, 'dns search must be a list of strings, not 3'),
])
def test_a_scalar_for_a_dictionary_option_is_refused_naming_it(where, value, message):
    with pytest.raises(InvalidInput, match=message):
        parse([app(**{where: value})])


def test_a_bridge_egress_of_true_is_any_interface():
    host = parse([port('a', '10.40.0.2/24')], [{'name': 'br-ns', 'addresses': ['10.40.0.1/24'], 'egress': True}])
    assert [(e.owner, e.interface) for e in host.egress] == [('bridge br-ns', None)]
    with pytest.raises(InvalidInput, match=r'bridges\[0\] \(br-ns\): egress must be true'):
        parse([port('a', '10.40.0.2/24')], [{'name': 'br-ns', 'addresses': ['10.40.0.1/24'], 'egress': 'yes'}])


def test_a_namespace_that_goes_away_needs_nothing_only_its_creation_needs():
    # The vxlan recipe with remotes computed by the role, set absent on every host: no remotes.
    # A WireGuard link without its key, a move whose device is gone, a bridge that no longer is.
    gone = {'name': 'gone', 'state': 'absent', 'egress': {'interface': 'nic-gone'}, 'links': [
        {'type': 'vxlan', 'vni': 42, 'underlay': 'eth9'},
        {'type': 'wireguard', 'peers': [{'public_key': 'x'}]},
        {'type': 'move', 'device': 'nic-gone'},
        {'bridge': 'br-gone', 'addresses': ['10.40.0.2/24']},
    ]}
    entries = parse_entries([gone, app()])
    assert [(e.name, e.state, e.kinds) for e in entries] == [('gone', 'absent', []), ('app', 'present', ['veth'])]
    assert parse([gone, app()]).egress == []


def test_bridge_ports_are_a_part_with_a_unit_of_their_own():
    from ansible_collections.netns.systemd.plugins.module_utils._host import unit_templates
    from ansible_collections.netns.systemd.plugins.module_utils._parts.table import NETNS_PARTS
    # Its unit's name is no link type's.
    with pytest.raises(InvalidInput, match='link type bridge is not a type of its own'):
        parse_entries([{'name': 'a', 'links': [{'type': 'bridge', 'up_outside': 'true'}]}])
    # A custom type's unit is ordered after the namespace's link units and its bridge ports.
    item = port('a', '10.30.0.2/24')
    item['links'].append({'type': 'tap', 'up_inside': 'ip tuntap add t0 mode tap'})
    entry = parse_entries([item])[0]
    assert entry.kinds == ['bridge', 'tap', 'veth'] and entry.parts == set(['bridge'])
    custom = entry.dropins('tap')['netns-tap@a.service']
    assert 'After=netns-veth@a.service\nAfter=netns-bridge@a.service\n' in custom
    assert list(entry.dropins('bridge')) == ['netns-bridge@a.service']
    templates = unit_templates('bridge')
    assert list(templates) == ['netns-bridge@.service'] and 'ExecStart=/etc/netns-systemd/netns-engine ports %i' in templates['netns-bridge@.service']
    assert sorted(unit_templates('veth')) == ['netns-veth-up@.service', 'netns-veth@.service']
    # A namespace without a bridge port has no such unit, file or part.
    alone = parse_entries([app()])[0]
    assert alone.parts == set() and alone.files() == {} and not NETNS_PARTS['bridge'].wanted(alone)
