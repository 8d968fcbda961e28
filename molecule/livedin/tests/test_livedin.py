"""A lived-in host after the collection's run (testinfra, real systemd, real Docker, ufw,
firewalld and networkd in the containers): the first run was refused with the firewall's name
and fix, and once the fix was in, traffic flows and the firewall's own protection holds."""

import json
import time

REFUSED = {
    'docker': "Docker's rules (chain DOCKER-USER of table ip filter",
    'ufw': 'ufw (its FORWARD policy, table ip filter and ip6 filter)',
    'firewalld': 'firewalld (its default zone rejects forwarded traffic, table inet firewalld)',
}


def firewall(host):
    return host.backend.get_hostname().split('-')[1]


def test_the_first_run_was_refused_naming_the_firewall_and_the_links(host):
    said = host.file('/root/refusal.txt').content_string
    assert REFUSED[firewall(host)] in said, said
    assert 'drops the forwarded traffic of br-ns, up0, ve-solo0: ' in said
    assert said.strip().endswith('. Set host_firewall: warn to go on regardless (nothing was changed)')
    # One firewall, named once, even where it drops both IP versions of bridged traffic.
    assert said.count('drops the forwarded traffic') == 1


def test_egress_the_port_forward_and_the_bridge_work_once_the_named_commands_ran(host):
    for netns in ('tenant-a', 'tenant-b', 'solo'):
        host.run_expect([0], 'ip netns exec %s ping -c1 -W2 100.64.0.2' % netns)
    host.run_expect([0], 'ip netns exec tenant-a ping -c1 -W2 10.30.0.3')
    answer = host.check_output('ip netns exec wan busybox wget -q -O - http://100.64.0.1:8088/')
    assert 'hello from inside a namespace' in answer
    # wan has no route back to the namespaces: only the host's NAT answers them.
    assert host.run('ip netns exec wan ping -c1 -W1 10.30.0.2').rc != 0


def test_forwarding_is_on_only_for_the_interfaces_that_need_it(host):
    # Egress and the port forward name up0: no global switch in the collection's file.
    assert host.file('/etc/netns-systemd/host/forward').content_string == ''.join(
        'net.ipv4.conf.%s.forwarding = 1\n' % name for name in ('br-ns', 'up0', 've-solo0'))
    for name in ('br-ns', 'up0', 've-solo0'):
        assert host.file('/proc/sys/net/ipv4/conf/%s/forwarding' % name).content_string.strip() == '1'


def test_the_firewall_keeps_its_own_protection_across_a_reboot(host):
    # Verified after side_effect.yml restarted the host: Docker started on a host that did not
    # forward (the collection turned on only its interfaces), so it set its policy to drop again.
    tool = firewall(host)
    if tool in ('docker', 'ufw'):
        assert '-P FORWARD DROP' in host.check_output('iptables -S FORWARD').splitlines()
    if tool == 'ufw':
        assert 'Status: active' in host.check_output('ufw status')
    if tool == 'firewalld':
        assert host.check_output('firewall-cmd --state') == 'running'
        assert host.check_output('firewall-cmd --get-default-zone') == 'public'
        assert host.run('nft list table inet firewalld').rc == 0


def wait_for(what, seconds=30):
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.2)


def test_networkd_leaves_the_collections_links_alone_across_its_restart(host):
    if firewall(host) != 'ufw':
        return
    assert host.service('systemd-networkd').is_running
    assert host.file('/etc/systemd/network/05-netns-systemd-bridges.network').contains('Unmanaged=yes')
    assert host.file('/etc/systemd/network/05-netns-systemd-ns-solo.network').contains('Name=ve-solo0')

    def unmanaged():
        # networkctl list: IDX LINK TYPE OPERATIONAL SETUP.
        setup = dict((line.split()[1], line.split()[-1]) for line in host.check_output('networkctl list --no-legend --no-pager').splitlines())
        return all(setup.get(name) == 'unmanaged' for name in ('br-ns', 've-tenant-a0', 've-tenant-b0', 've-solo0', 'up0'))

    def addresses(name):
        return {'%s/%s' % (a['local'], a['prefixlen']) for entry in json.loads(host.check_output('ip -j addr show dev %s' % name))
                for a in entry['addr_info'] if not a['local'].startswith('fe80')}

    wait_for(unmanaged)
    assert addresses('br-ns') == {'10.30.0.1/24'} and addresses('ve-solo0') == {'10.20.0.1/30'}
    host.check_output('systemctl restart systemd-networkd')
    wait_for(lambda: host.service('systemd-networkd').is_running and unmanaged())
    assert addresses('br-ns') == {'10.30.0.1/24'} and addresses('ve-solo0') == {'10.20.0.1/30'}
    for port in ('ve-tenant-a0', 've-tenant-b0'):
        assert json.loads(host.check_output('ip -j link show dev %s' % port))[0].get('master') == 'br-ns'
    host.run_expect([0], 'ip netns exec tenant-a ping -c1 -W2 100.64.0.2')


def upstream_log(host):
    log = host.file('/run/lab-upstream.log')
    return log.content_string.split() if log.exists else []


def test_lookups_inside_never_reach_the_hosts_upstream_through_its_resolver(host):
    """firewalld hosts resolve through systemd-resolved (nss-resolve), ufw hosts through nscd,
    both asking the upstream DNS server, which logs every name. ip netns exec reads the
    namespace's nsswitch.conf (hosts: files dns), so nss-resolve is never asked; it cannot hide
    nscd's socket, which glibc asks first (the dns docs say so); netns-engine run hides both."""
    tool = firewall(host)
    if tool == 'docker':
        return
    # The way out the namespaces must not take is there: the host's own lookup goes upstream.
    host.run('getent hosts host-probe.example')
    wait_for(lambda: 'host-probe.example' in upstream_log(host))
    inside = host.run('ip netns exec solo getent hosts exec-probe.example')
    run = host.run('/etc/netns-systemd/netns-engine run solo -- getent hosts run-probe.example')
    # Neither found an answer inside (solo's resolver is empty, and nothing serves its loopback).
    assert run.rc != 0 and '192.0.2.99' not in run.stdout
    # Anything that reached the upstream is logged by the time a later lookup is: ask once more.
    host.run('getent hosts last-probe.example')
    wait_for(lambda: 'last-probe.example' in upstream_log(host))
    asked = upstream_log(host)
    assert 'run-probe.example' not in asked
    if tool == 'ufw':
        assert 'exec-probe.example' in asked and '192.0.2.99' in inside.stdout
    else:
        assert 'exec-probe.example' not in asked and inside.rc != 0


def test_networkmanager_leaves_the_collections_links_alone(host):
    """The docker hosts run NetworkManager with udevd, and the user's own unmanaged-devices for
    eth0: the collection's file adds its links to that list (unmanaged-devices+=)."""
    if firewall(host) != 'docker':
        return
    assert host.file('/etc/NetworkManager/conf.d/90-netns-systemd-ns-solo.conf').contains('interface-name:=ve-solo0')

    def states():
        return dict(line.rsplit(':', 1) for line in host.check_output('nmcli -t -f DEVICE,STATE device').splitlines() if ':' in line)

    wait_for(lambda: all(states().get(name) == 'unmanaged' for name in ('eth0', 'br-ns', 'up0', 've-solo0', 've-tenant-a0')))
