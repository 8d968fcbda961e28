"""After the damage of side_effect.yml and the runs that repaired it: the lab is whole again
(testinfra, real systemd)."""

import json


def test_every_namespace_is_back_with_its_links_and_the_service_inside_blue(host):
    assert sorted(host.check_output('ip netns list | cut -d" " -f1').split()) == ['blue', 'green', 'red']
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
