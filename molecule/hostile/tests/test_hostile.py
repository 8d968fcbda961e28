"""After the damage of side_effect.yml and the runs that repaired it: the lab is whole again
(testinfra, real systemd)."""

import json


def test_every_namespace_is_back_with_its_links_and_the_service_inside_blue(host):
    assert sorted(host.check_output('ip netns list | cut -d" " -f1').split()) == ['blue', 'green', 'hub', 'red', 'vpn', 'wan', 'yellow']
    pid = host.check_output('systemctl show -p MainPID --value web.service')
    assert host.check_output('stat -L -c %%i /proc/%s/ns/net' % pid) == host.check_output('stat -L -c %i /run/netns/blue')
    assert 'hello from inside a namespace' in host.check_output('busybox wget -q -O - http://10.10.1.2:8080/')
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.1.0.2')
    macvlan = json.loads(host.check_output('ip -j -n green addr show dev mv-green'))[0]
    assert [a['local'] for a in macvlan['addr_info'] if a['family'] == 'inet'] == ['192.0.2.10']


def test_nothing_of_the_refused_runs_is_left(host):
    assert host.run('ls /etc/systemd/system/netns-veth@evil.service.d').rc != 0
    assert host.run('ls -d /run/netns/evil /run/netns/broken /etc/netns/evil').rc != 0
    assert host.check_output('cat /root/bystander') == 'precious'
    assert host.run('ip link show hb-broken').rc != 0
    assert json.loads(host.check_output('ip -j addr show dev uplink0'))[0]['addr_info'][0]['local'] == '203.0.113.1'


def marks(host):
    return sorted(host.check_output('ls /run/netns-systemd/booted 2>/dev/null || true').split())


def show(host, unit, prop):
    return host.check_output('systemctl show -p %s --value %s.service' % (prop, unit))


def test_a_restarted_namespace_is_rebuilt_by_its_units(host):
    # A mark in the old namespace (an inode number may be given again to the new one, once the
    # old one is freed: it tells nothing).
    host.check_output('ip -n red addr add 127.0.0.9/8 dev lo')
    # systemctl waits for the job of the unit it names, not for those a restart pulls along:
    # the start of blue's veth unit merges with its pending restart and waits for it.
    host.check_output('systemctl restart netns_name@red.service && systemctl start netns-veth@blue.service')
    # A new namespace, no mark left for it, and the veth from blue (bound to red) made again.
    assert '127.0.0.9' not in host.check_output('ip -n red addr show dev lo')
    assert 'red' not in marks(host)
    assert show(host, 'netns_name-up@red', 'ConditionResult') == 'yes'
    assert show(host, 'netns-veth@blue', 'ActiveState') == 'active'
    addrs = json.loads(host.check_output('ip -j -n red addr show dev veth-r'))[0]['addr_info']
    assert '10.1.0.3' in [a['local'] for a in addrs]
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.1.0.2')
