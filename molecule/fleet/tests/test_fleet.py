"""Each host of the fleet has its own namespaces, and only those."""

import testinfra

EXPECTED = {
    'fleet-1': {'tenant1': ('ve-tenant11', '10.31.0.2/30'), 'vpn': ('wg0', '10.45.0.1/24')},
    'fleet-2': {'tenant2': ('ve-tenant21', '10.32.0.2/30'), 'tenant3': ('ve-tenant31', '10.33.0.2/30'), 'vpn': ('wg0', '10.45.0.2/24')},
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


# A page fetched from inside vpn (busybox wget crashes in a namespace whose resolv.conf is empty).
GET = ('ip netns exec vpn python3 -c "import sys, http.client; c = http.client.HTTPConnection(sys.argv[1], 8080, timeout=5); '
       'c.request(\'GET\', \'/\'); print(c.getresponse().read().decode())" %s')


def test_a_service_across_hosts_is_reached_only_through_the_wireguard_tunnel(host):
    if host.check_output('hostname') != 'fleet-1':
        return
    far = testinfra.get_host('podman://fleet-2')
    # vpn's only interface is the tunnel, whose socket stays on the host's eth0.
    assert sorted(host.check_output("ip -n vpn -o link show | awk -F': ' '{print $2}'").split()) == ['lo', 'wg0']
    assert host.check_output('ip -n vpn route show default').startswith('default dev wg0')
    # fleet-2's web service runs in its vpn namespace, reached across the tunnel.
    assert 'hello from inside a namespace' in host.check_output(GET % '10.45.0.2')
    handshake = host.check_output('ip netns exec vpn wg show wg0 latest-handshakes').split()
    assert len(handshake) == 2 and int(handshake[1]) > 0
    # The tunnel down at fleet-2: nothing is reached, not the service, not fleet-2's own
    # address, not the container network's gateway (no leak around the tunnel).
    far.check_output('ip -n vpn link set wg0 down')
    try:
        for target in ('10.45.0.2', '10.88.200.12', '10.88.0.1', '10.88.200.13'):
            assert host.run('ip netns exec vpn ping -c1 -W1 %s' % target).rc != 0, target
        assert host.run(GET % '10.88.200.12').rc != 0
    finally:
        far.check_output('ip -n vpn link set wg0 up')
    host.run_expect([0], 'ip netns exec vpn ping -c1 -W5 10.45.0.2')
