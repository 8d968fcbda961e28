"""Each host of the fleet has its own namespaces, and only those."""

EXPECTED = {
    'fleet-1': {'tenant1': ('ve-tenant11', '10.31.0.2/30')},
    'fleet-2': {'tenant2': ('ve-tenant21', '10.32.0.2/30'), 'tenant3': ('ve-tenant31', '10.33.0.2/30')},
    'fleet-3': {'lan1': ('mv-lan1', '192.0.2.31/24')},
}


def test_each_host_has_its_own_namespaces(host):
    expected = EXPECTED[host.check_output('hostname')]
    assert sorted(host.check_output('ip netns list | cut -d" " -f1').split()) == sorted(expected)
    for netns, (ifname, address) in expected.items():
        assert address in host.check_output('ip -n %s -br addr show dev %s' % (netns, ifname))
        assert host.service('netns_name@%s' % netns).is_enabled


def test_per_host_dns(host):
    if host.check_output('hostname') == 'fleet-2':
        assert 'nameserver 10.33.0.1' in host.check_output('cat /etc/netns/tenant3/resolv.conf')
        assert 'nameserver' not in host.check_output('grep -v "^#" /etc/netns/tenant2/resolv.conf || true')


def test_namespaces_on_two_hosts_share_a_vxlan_segment(host):
    name = host.check_output('hostname')
    if name not in ('fleet-1', 'fleet-2'):
        return
    netns, other = ('tenant1', '172.16.42.2') if name == 'fleet-1' else ('tenant2', '172.16.42.1')
    # The remote the role filled in: the other host's eth0, and only that one.
    fdb = host.check_output('bridge -n %s fdb show dev vx0' % netns)
    assert fdb.count('00:00:00:00:00:00 dst ') == 1, fdb
    vx0 = host.check_output('ip -n %s -d -o link show dev vx0' % netns)
    assert 'vxlan id 42' in vx0
    host.run_expect([0], 'ip netns exec %s ping -c1 -W2 %s' % (netns, other))
