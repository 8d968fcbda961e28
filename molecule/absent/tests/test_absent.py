"""After state absent nothing of the lab is left (testinfra, real systemd)."""

import json


def test_no_names_and_no_mounts(host):
    assert host.check_output('ip netns list') == ''
    assert host.check_output('ls -A /run/netns 2>/dev/null || true') == ''
    assert host.check_output("grep -c ' /run/netns/' /proc/self/mountinfo || true") == '0'


def test_no_units_drop_ins_or_etc_netns(host):
    assert host.check_output('ls -d /etc/systemd/system/netns* /etc/systemd/system/*.wants/netns* '
                             '/etc/systemd/system/web.service.d 2>/dev/null || true') == ''
    # The boot batch, its script and its marks.
    assert host.check_output('ls -d /etc/netns-systemd /run/netns-systemd 2>/dev/null || true') == ''
    assert host.check_output('ls -A /etc/netns') == ''
    listed = host.check_output("systemctl list-units --all --plain --no-legend 'netns*' | grep -v not-found || true")
    assert listed == ''


def test_no_links_left_on_the_host(host):
    names = {link['ifname'] for link in json.loads(host.check_output('ip -j link show'))}
    # The stand-in NIC moved into yellow is back, under its own name.
    assert names == {'lo', 'eth0', 'br-lan', 'nic0', 'nic0p', 'up6', 'lan-dhcp'}, names
    assert json.loads(host.check_output('ip -j link show dev nic0'))[0]['address'] == host.check_output('cat /root/nic0.mac')


def test_the_service_runs_on_the_host_again(host):
    pid = host.check_output('systemctl show -p MainPID --value web.service')
    assert pid != '0'
    assert host.check_output('stat -L -c %%i /proc/%s/ns/net' % pid) == host.check_output('stat -L -c %i /proc/1/ns/net')
    assert 'hello from inside a namespace' in host.check_output('busybox wget -q -O - http://127.0.0.1:8080/')


def test_no_rule_bridge_or_forwarding_change_is_left_and_the_user_firewall_is_whole(host):
    assert host.check_output('nft list tables').splitlines() == ['table inet mine']
    assert "the user's own rule" in host.check_output('nft list table inet mine')
    assert host.run('ip link show br-ns').rc != 0
    assert host.check_output('cat /proc/sys/net/ipv4/ip_forward') == host.check_output('cat /root/ip_forward.before')
    assert host.check_output('cat /proc/sys/net/ipv6/conf/all/forwarding') == host.check_output('cat /root/ip6_forward.before')
    # The uplink that takes its IPv6 default route from advertisements kept it throughout.
    assert host.check_output('ip -6 route show default proto ra dev up6')
    assert host.run('systemctl cat netns-host.service').rc != 0


def test_no_wireguard_daemon_socket_or_key_file_is_left(host):
    # wireguard-go (this kernel has no WireGuard) went with its interface; its keys with their files.
    assert host.run('pgrep -x wireguard-go').rc == 1
    assert host.check_output('ls -A /run/wireguard 2>/dev/null || true') == ''


def test_no_dhcp_client_is_left(host):
    # green's DHCP client lived in its macvlan unit's cgroup, and went with it. ([u]: the pattern
    # does not match the shell that runs pgrep.)
    assert host.run('pgrep -f "[u]dhcpc .*-i dhcp0"').rc == 1
    # Nor its DHCPv6 client (trixie).
    assert host.run('pgrep -f "[u]dhcpc6 .*-i dhcp0"').rc == 1
