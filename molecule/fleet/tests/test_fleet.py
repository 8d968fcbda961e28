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
