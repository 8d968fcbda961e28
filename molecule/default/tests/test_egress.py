"""Bridges, egress, port forwards and a namespace's own nftables ruleset, for real (testinfra).

Run by the default scenario and, after a fresh boot, by the reboot scenario. wan stands for
the internet, behind the host's uplink up0 (100.64.0.1), and has no route back to the
namespaces' prefixes: only NAT lets their packets come back. Read-only.
"""

import json
import time


def link(host, ifname, netns=None):
    return json.loads(host.check_output('ip -j -d %slink show dev %s' % ('-n %s ' % netns if netns else '', ifname)))[0]


def test_the_host_side_is_up_at_boot_and_after_the_user_firewall(host):
    for prop, value in (('UnitFileState', 'enabled'), ('ActiveState', 'active'), ('Result', 'success')):
        assert host.check_output('systemctl show -p %s --value netns-host.service' % prop) == value
    assert host.check_output('cat /proc/sys/net/ipv4/ip_forward') == '1'
    assert host.check_output('cat /proc/sys/net/ipv6/conf/all/forwarding') == '1'
    tables = host.check_output('nft list tables').splitlines()
    # The user's table (loaded by nftables.service, "flush ruleset" first) and ours, after it.
    assert sorted(tables) == ['table inet mine', 'table inet netns_systemd']
    assert "the user's own rule" in host.check_output('nft list table inet mine')
    ours = host.check_output('nft list table inet netns_systemd')
    assert 'oifname "up0" ip saddr 10.10.1.0/24 masquerade' in ours
    assert 'oifname "up0" ip saddr 10.30.0.0/24 masquerade' in ours
    assert 'tcp dport 8088 dnat ip to 10.10.1.2:8080' in ours
    assert 'oifname "up0" ip6 saddr fd10:1::/64 masquerade' in ours
    assert 'tcp dport 8088 dnat ip6 to [fd10:1::2]:8080' in ours


def settled(host, *namespaces):
    """Wait until no IPv6 address on the host or in ``namespaces`` is still in duplicate address
    detection (tentative): until then it can neither send nor be answered."""
    deadline = time.monotonic() + 30
    for netns in (None,) + namespaces:
        while host.check_output('ip %s-6 addr show tentative' % ('-n %s ' % netns if netns else '')):
            assert time.monotonic() < deadline, 'IPv6 addresses still tentative in %s' % (netns or 'the host')
            time.sleep(0.1)


def test_ipv6_leaves_through_masquerade_and_a_forward_answers_over_ipv6(host):
    settled(host, 'blue', 'wan')
    assert host.run('ip -n wan -6 route show fd10:1::/64').stdout.strip() == ''
    host.run_expect([1, 2], 'ip netns exec wan ping -c1 -W1 fd10:1::2')
    host.run_expect([0], 'ip netns exec blue ping -c1 -W2 2001:db8:64::2')
    assert 'hello from inside a namespace' in host.check_output('ip netns exec wan busybox wget -q -O - http://[2001:db8:64::1]:8088/')
    assert 'hello from inside a namespace' in host.check_output('busybox wget -q -O - http://[2001:db8:64::1]:8088/')


def test_the_uplink_that_learns_its_ipv6_default_route_from_advertisements_keeps_it(host):
    # up6's router advertised itself (tasks/ipv6_router.yml); the host forwards IPv6 and still has the route.
    assert host.check_output('cat /proc/sys/net/ipv6/conf/up6/accept_ra') == '2'
    assert 'via fe80:' in host.check_output('ip -6 route show default proto ra dev up6')


def test_namespaces_reach_the_outside_only_through_nat(host):
    assert host.run('ip -n wan route show 10.10.1.0/24').stdout.strip() == ''
    # ping exits 2 when there is no route at all.
    host.run_expect([1, 2], 'ip netns exec wan ping -c1 -W1 10.10.1.2')
    for netns in ('blue', 'red', 'yellow'):
        host.run_expect([0], 'ip netns exec %s ping -c1 -W2 100.64.0.2' % netns)


def test_a_port_forward_answers_from_outside_and_from_the_host(host):
    assert 'hello from inside a namespace' in host.check_output('ip netns exec wan busybox wget -q -O - http://100.64.0.1:8088/')
    assert 'hello from inside a namespace' in host.check_output('busybox wget -q -O - http://100.64.0.1:8088/')


def test_two_namespaces_share_a_bridge_made_by_the_collection(host):
    bridge = link(host, 'br-ns')
    assert bridge['linkinfo']['info_kind'] == 'bridge' and 'UP' in bridge['flags']
    assert host.check_output('ip -4 -br addr show dev br-ns').split()[2:] == ['10.30.0.1/24']
    for netns in ('red', 'yellow'):
        assert link(host, 've-%s0' % netns)['master'] == 'br-ns'
        assert host.check_output('systemctl is-active netns-bridge@%s.service' % netns) == 'active'
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.30.0.3')
    host.run_expect([0], 'ping -c1 -W2 10.30.0.2')


# A TCP connection to argv 1:2 (from the source address argv 3, when given): open, dropped or refused.
CONNECT = ("python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(3)\n"
           "if len(sys.argv) > 3:\n s.bind((sys.argv[3], 0))\n"
           "try:\n s.connect((sys.argv[1], int(sys.argv[2]))); print(\"open\")\n"
           "except socket.timeout:\n print(\"dropped\")\n"
           "except ConnectionRefusedError:\n print(\"refused\")' %s %d")


def test_a_namespace_has_its_own_ruleset_and_a_dropped_port_really_drops(host):
    # Nothing listens in yellow: a port is refused at once, but 9090, which yellow's ruleset drops.
    assert host.check_output(CONNECT % ('10.30.0.3', 9091)) == 'refused'
    assert host.check_output(CONNECT % ('10.30.0.3', 9090)) == 'dropped'
    assert host.check_output(CONNECT % ('10.30.0.2', 9090)) == 'refused'
    assert "yellow's own rule" in host.check_output('ip netns exec yellow nft list ruleset')
    assert 'yellow' not in host.check_output('nft list ruleset')
    assert host.check_output('ip netns exec red nft list ruleset') == ''


def test_a_host_interface_was_moved_in_under_another_name(host):
    mac = host.check_output('cat /root/nic0.mac')
    lan0 = link(host, 'lan0', 'yellow')
    assert lan0['address'] == mac and 'UP' in lan0['flags']
    assert host.check_output('ip -4 -br -n yellow addr show dev lan0').split()[2:] == ['198.18.0.2/24']
    assert host.run('ip link show dev nic0').rc != 0
    assert host.check_output('systemctl is-active netns-move@yellow.service') == 'active'


def test_only_the_sources_a_forward_or_a_namespace_names_get_in(host):
    def knock(address, port, source):
        return host.check_output('ip netns exec wan ' + CONNECT % (address, port) + ' ' + source)
    # A forward with sources: wan's first address is forwarded, its second gets no answer.
    assert knock('100.64.0.1', 8089, '100.64.0.2') == 'open'
    assert knock('100.64.0.1', 8089, '100.64.0.3') == 'dropped'
    # red listens on nothing: the allowed source is refused by red itself, the other is dropped on the way.
    assert knock('10.30.0.2', 9999, '100.64.0.2') == 'refused'
    assert knock('10.30.0.2', 9999, '100.64.0.3') == 'dropped'
    # yellow, on the same bridge, names no one: both reach it.
    assert knock('10.30.0.3', 9999, '100.64.0.3') == 'refused'
    ours = host.check_output('nft list table inet netns_systemd')
    assert 'ip daddr 10.30.0.2 ct state new' in ours and 'ip saddr != 100.64.0.2 drop comment "netns red"' in ours
