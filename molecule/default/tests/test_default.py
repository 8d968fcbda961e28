"""The converged lab, read back inside each container (testinfra, real systemd)."""

import json
import time


def ip_json(host, *args):
    return json.loads(host.check_output('ip -j ' + ' '.join(args)) or '[]')


def global_addresses(entry):
    """The addresses of one link of ``ip -j addr``, link-local ones left out."""
    return {'%s/%s' % (a['local'], a['prefixlen']) for a in entry['addr_info'] if not a['local'].startswith('fe80')}


def addresses(host, netns, ifname):
    return {address for entry in ip_json(host, '-n', netns, 'addr', 'show', 'dev', ifname) for address in global_addresses(entry)}


def test_every_unit_of_the_chain_is_active_and_the_creators_enabled(host):
    for unit in ('netns_name@blue', 'netns-veth@blue', 'netns_name@red', 'netns_name@green',
                 'netns-macvlan@green', 'netns-tag@green', 'netns-ready@blue.target', 'netns-ready@green.target'):
        assert host.run('systemctl is-active %s' % unit).stdout.strip() == 'active', unit
    for netns in ('blue', 'red', 'green'):
        assert host.service('netns_name@%s' % netns).is_enabled, netns
    # Link units are pulled in by their creator, not enabled on their own.
    wants = host.check_output('systemctl show -p Wants --value netns_name@green.service').split()
    assert 'netns-macvlan@green.service' in wants and 'netns-tag@green.service' in wants
    assert 'netns-veth@blue.service' in host.check_output('systemctl show -p Wants --value netns_name@red.service').split()
    # The target a bound service starts after comes after every link unit that ends in its
    # namespace, blue's veth to red included in red's.
    before = host.check_output('systemctl show -p After --value netns-ready@red.target').split()
    assert 'netns-veth@red.service' in before and 'netns-veth@blue.service' in before and 'netns-bridge@red.service' in before
    assert 'netns-ready@blue.target' in host.check_output('systemctl show -p After --value web.service').split()


def test_namespaces_and_links_are_there(host):
    assert sorted(host.check_output('ip netns list | cut -d" " -f1').split()) == ['blue', 'green', 'hub', 'red', 'vpn', 'wan', 'yellow']
    assert addresses(host, 'blue', 've-blue1') == {'10.10.1.2/24', 'fd10:1::2/64'}
    assert addresses(host, 'blue', 'veth-b') == {'10.1.0.2/24'}
    assert addresses(host, 'red', 'veth-r') == {'10.1.0.3/24'}
    assert ip_json(host, '-n', 'red', 'link', 'show', 'veth-r')[0]['mtu'] == 1400
    macvlan = ip_json(host, '-d', '-n', 'green', 'link', 'show', 'mv-green')[0]
    assert macvlan['linkinfo']['info_kind'] == 'macvlan' and macvlan['address'] == '02:00:00:00:0a:10'
    # Both links of the custom type tag, in one unit.
    assert {'198.51.100.1/32', '198.51.100.2/32'} <= addresses(host, 'green', 'lo')
    routes = ip_json(host, '-n', 'blue', 'route', 'show', 'default')
    assert routes[0]['gateway'] == '10.10.1.1' and routes[0]['protocol'] == 'static'


def test_namespaces_reach_each_other_and_the_host(host):
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.1.0.2')
    host.run_expect([0], 'ping -c1 -W2 10.10.1.2')


def test_service_runs_unprivileged_inside_blue_and_is_reachable_across_the_veth(host):
    pid = host.check_output('systemctl show -p MainPID --value web.service')
    assert pid != '0'
    assert host.check_output('stat -L -c %%i /proc/%s/ns/net' % pid) == host.check_output('stat -L -c %i /run/netns/blue')
    assert host.check_output('ps -o user= -p %s' % pid) == 'nobody'
    assert 'hello from inside a namespace' in host.check_output('busybox wget -q -O - http://10.10.1.2:8080/')
    # Not on the host's loopback (busybox wget -T segfaults on Debian 12: no timeout needed for a refusal).
    refused = host.run('busybox wget -q -O - http://127.0.0.1:8080/')
    assert refused.rc == 1 and 'Connection refused' in refused.stderr


def test_service_resolves_through_the_namespace_resolv_conf(host):
    pid = host.check_output('systemctl show -p MainPID --value web.service')
    seen = host.check_output('nsenter -t %s -m cat /etc/resolv.conf' % pid)
    assert 'nameserver 10.10.1.1' in seen and 'search lab.example' in seen
    assert seen == host.check_output('cat /etc/netns/blue/resolv.conf')
    # The host resolver daemons' sockets are out of reach.
    assert host.run('nsenter -t %s -m ls /run/systemd/resolve/' % pid).stdout.strip() == ''


def test_ip_netns_exec_resolves_host_names_from_files_and_dns_only(host):
    # The host's nsswitch.conf with its hosts line replaced: no nss-resolve, no mdns.
    seen = host.check_output('ip netns exec blue cat /etc/nsswitch.conf')
    assert [line.split() for line in seen.splitlines() if line.startswith('hosts:')] == [['hosts:', 'files', 'dns']]
    assert [line for line in seen.splitlines() if line.startswith('passwd:')] == \
        [line for line in host.file('/etc/nsswitch.conf').content_string.splitlines() if line.startswith('passwd:')]


def test_netns_engine_run_gives_a_command_what_a_bound_service_gets(host):
    # A stand-in for nscd's socket directory: ip netns exec shows it, the command must not see it.
    host.check_output('mkdir -p /run/nscd && touch /run/nscd/socket')
    try:
        assert host.run('ip netns exec blue test -e /run/nscd/socket').rc == 0
        run = '/etc/netns-systemd/netns-engine run blue -- '
        assert host.check_output(run + 'stat -L -c %i /proc/self/ns/net') == host.check_output('stat -L -c %i /run/netns/blue')
        assert host.check_output(run + 'cat /etc/resolv.conf') == host.check_output('cat /etc/netns/blue/resolv.conf')
        assert 'hosts:          files dns' in host.check_output(run + 'cat /etc/nsswitch.conf').splitlines()
        hidden = host.run(run + 'test -e /run/nscd/socket')
        assert hidden.rc == 1, hidden.stderr
        assert host.run(run + 'ls /run/systemd/resolve/').stdout.strip() == ''
        # Its exit status is the command's; a namespace that does not exist is refused.
        assert host.run(run + 'sh -c "exit 7"').rc == 7
        missing = host.run('/etc/netns-systemd/netns-engine run nowhere -- true')
        assert missing.rc == 1 and 'netns nowhere does not exist: systemctl start netns_name@nowhere.service' in missing.stderr
    finally:
        host.check_output('rm -rf /run/nscd')


def test_a_namespace_no_playbook_declared_is_made_and_removed_by_its_unit(host):
    host.check_output('systemctl start netns_name@adhoc.service')
    try:
        assert host.file('/run/netns/adhoc').exists
        links = ip_json(host, '-n', 'adhoc', 'link', 'show')
        assert [link['ifname'] for link in links] == ['lo'] and 'UP' in links[0]['flags']
        assert host.file('/etc/netns/adhoc/resolv.conf').content_string == ''
    finally:
        host.check_output('systemctl stop netns_name@adhoc.service')
    assert not host.file('/run/netns/adhoc').exists
    assert 'adhoc' not in host.check_output('ip netns list')


def test_resolv_conf_rewritten_in_place_is_seen_by_the_running_service(host):
    pid = host.check_output('systemctl show -p MainPID --value web.service')
    original = host.check_output('cat /etc/netns/blue/resolv.conf')
    inode = host.check_output('stat -c %i /etc/netns/blue/resolv.conf')
    # A shell ">" truncates and rewrites the same file, as the role does.
    host.check_output("printf 'nameserver 10.10.1.99\\n' > /etc/netns/blue/resolv.conf")
    try:
        assert host.check_output('stat -c %i /etc/netns/blue/resolv.conf') == inode
        assert host.check_output('nsenter -t %s -m cat /etc/resolv.conf' % pid) == 'nameserver 10.10.1.99'
    finally:
        host.check_output("printf '%%s\\n' \"$(cat)\" > /etc/netns/blue/resolv.conf <<'END'\n%s\nEND" % original)


def test_units_show_what_they_do(host):
    shown = host.check_output('systemctl cat netns-veth@blue.service')
    assert 'ExecStop=-ip -n blue link del veth-b' in shown
    # Blue's veth to red: its own worker makes it, after red's creator.
    assert 'BindsTo=netns_name@red.service' in shown and 'Requires=netns-veth-up@blue.service' in shown
    # The worker runs the engine on the namespace's model, as the boot batch does for all.
    worker = host.check_output('systemctl cat netns-veth-up@blue.service')
    assert 'ExecStart=/etc/netns-systemd/netns-engine links %i' in worker
    # Red's veth leads only to the host: the creator's worker makes it, and red has no veth worker.
    red = host.check_output('systemctl cat netns-veth@red.service')
    assert 'Requires=netns_name-up@red.service' in red and 'Requires=netns-veth-up' not in red
    assert 'netns-veth-up@red.service' not in host.check_output('systemctl list-units --all --no-legend "netns-veth-up@*"')
    creator = host.check_output('systemctl cat netns_name-up@blue.service')
    assert 'ExecStart=/etc/netns-systemd/netns-engine up %i' in creator and 'netns.sh' not in creator
    assert 'ExecStart=/etc/netns-systemd/netns-engine boot' in host.check_output('systemctl cat netns-boot.service')
    model = json.loads(host.check_output('cat /etc/netns-systemd/model/blue.json'))
    veths = [(link.get('name'), link.get('peer'), link.get('peer_netns')) for link in model['links'] if link.get('type', 'veth') == 'veth']
    assert ('veth-b', 'veth-r', 'red') in veths
    assert not host.file('/etc/netns-systemd/ns/blue').exists
    assert host.check_output('cat /etc/netns-systemd/boot.list').split() == ['blue', 'green', 'hub', 'red', 'vpn', 'wan', 'yellow']


def red_bridge_port(host):
    """(ifindex, name, addresses, default gateway) of red's link with 10.30.0.2, its port on br-ns."""
    for entry in ip_json(host, '-n', 'red', 'addr', 'show'):
        found = global_addresses(entry)
        if '10.30.0.2/24' in found:
            gateway = [route.get('gateway') for route in ip_json(host, '-n', 'red', 'route', 'show', 'default')]
            return entry['ifindex'], entry['ifname'], found, gateway
    return None


def test_the_veth_unit_alone_makes_veths_to_the_host_again(host):
    # Red's veth leads only to the host, so its unit has no worker of its own: it requires the
    # creator's (netns-engine up red). Restarted alone, it removes the veth and makes it again,
    # with its address, route and host end in br-ns, in the same namespace.
    inode = host.check_output('stat -L -c %i /run/netns/red')
    before = red_bridge_port(host)
    assert before is not None
    host.check_output('systemctl restart netns-veth@red.service')
    after = red_bridge_port(host)
    assert after is not None and after[0] != before[0], (before, after)
    assert after[1:] == before[1:] == (before[1], {'10.30.0.2/24'}, ['10.30.0.1'])
    assert host.check_output('stat -L -c %i /run/netns/red') == inode
    outside = [entry for entry in ip_json(host, '-d', 'link', 'show', 'master', 'br-ns') if entry.get('link_netnsid') is not None]
    assert len(outside) == 2, outside        # red's and yellow's host ends
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.30.0.1')


SECRET = 'lab-secret-4f0d2c9b'      # molecule/_shared/vars/lab.yml: lab_secret


def test_a_secret_in_a_phase_is_nowhere_a_local_user_or_the_journal_can_see_it(host):
    as_nobody = 'runuser -u nobody -- '
    phase = '/etc/netns-systemd/phases/green/key.0.up_outside'
    shown = host.check_output(as_nobody + 'systemctl show netns-key@green.service')
    assert phase in shown and SECRET not in shown
    assert SECRET not in host.check_output(as_nobody + 'systemctl cat netns-key@green.service')
    # grep exits 2 as some files are closed to nobody; what it can read has no secret...
    found = host.run(as_nobody + 'grep -rsl %s /etc /run /var/log /tmp' % SECRET)
    assert found.rc in (1, 2) and found.stdout == '', found.stdout
    # ...and it does read: the public drop-in that names the phase file is found.
    named = host.run(as_nobody + 'grep -rsl key.0.up_outside /etc/systemd/system')
    assert named.stdout.split() == ['/etc/systemd/system/netns-key@green.service.d/netns-systemd.conf']
    # Ansible logs each module's arguments to the journal: the phase is masked there.
    assert host.run('journalctl -b --no-pager | grep -c %s' % SECRET).stdout.strip() == '0'
    assert host.check_output('stat -c %%a:%%U %s' % phase) == '600:root'
    assert host.check_output('stat -c %a /etc/netns-systemd/phases /etc/netns-systemd/phases/green') == '700\n700'
    assert SECRET in host.check_output('cat %s' % phase)


WG_CONF = '/etc/netns-systemd/wireguard/vpn/wg-vpn.conf'


def test_a_vpn_namespace_has_no_way_out_but_its_wireguard_tunnel(host):
    # Its only interface is the tunnel, its default route goes into it, and its socket stays on the host.
    links = sorted(link['ifname'] for link in json.loads(host.check_output('ip -n vpn -j link show')))
    assert links == ['lo', 'wg-vpn'], links
    assert host.check_output('ip -n vpn route show default').startswith('default dev wg-vpn')
    assert host.run('ip link show wg-vpn').rc != 0
    host.run_expect([0], 'ip netns exec vpn ping -c1 -W2 10.44.0.1')
    dump = host.check_output('ip netns exec vpn wg show wg-vpn dump').splitlines()
    assert dump[0].split('\t')[2] == '51801' and len(dump) == 2
    # The host itself is not reachable from vpn: 10.10.1.1 is blue's veth on the host.
    host.run_expect([1], 'ip netns exec vpn ping -c1 -W1 10.10.1.1')


def test_no_wireguard_key_is_where_a_local_user_or_the_journal_can_see_it(host):
    private = [line.split(' = ')[1] for line in host.check_output('cat %s' % WG_CONF).splitlines() if line.startswith(('PrivateKey', 'PresharedKey'))]
    assert len(private) == 2
    assert host.check_output('stat -c %%a:%%U %s' % WG_CONF) == '600:root'
    assert host.check_output('stat -c %a /etc/netns-systemd/wireguard /etc/netns-systemd/wireguard/vpn') == '700\n700'
    as_nobody = 'runuser -u nobody -- '
    shown = host.check_output(as_nobody + 'systemctl show netns-wireguard@vpn.service') + host.check_output(
        as_nobody + 'systemctl cat netns-wireguard@vpn.service')
    assert 'wireguard vpn wg-vpn' in shown
    # nobody cannot ask the interface either (wireguard-go's socket is root's).
    assert host.run(as_nobody + 'wg show wg-vpn private-key').rc != 0
    # The command lines of every process (read with ps, whose own has no key; the grep below has).
    processes = host.check_output(as_nobody + 'ps -eo args')
    for key in private:
        assert key not in shown and key not in processes
        found = host.run(as_nobody + 'grep -rsl -- %s /etc /run /var/log /tmp' % key)
        assert found.rc in (1, 2) and found.stdout == '', found.stdout
        assert host.run('journalctl -b --no-pager | grep -c -- %s' % key).stdout.strip() == '0'


def test_the_engine_on_the_host_says_there_is_nothing_to_do(host):
    # netns_chain installed the engine and the models; it runs with the host's python3.
    names = ['blue', 'red', 'green', 'yellow', 'wan', 'vpn', 'hub']
    out = host.check_output('/etc/netns-systemd/netns-engine plan %s' % ' '.join(names))
    assert out.splitlines() == ['netns %s: nothing to do' % name for name in names]
    # The models hold WireGuard keys: root only.
    assert host.file('/etc/netns-systemd/model').mode == 0o700 and host.file('/etc/netns-systemd/model/vpn.json').mode == 0o600


def test_the_collections_units_are_hardened_where_it_costs_nothing(host):
    # systemd-analyze security rates a unit from 0 (safe) to 10; without the settings the
    # creator's worker and the link units were rated 9.5 (UNSAFE). Custom types run the
    # user's shell and are left as they are.
    for unit in ('netns_name-up@blue.service', 'netns-veth@blue.service', 'netns-macvlan@green.service',
                 'netns-boot.service', 'netns-host.service'):
        out = host.check_output('systemd-analyze security --no-pager %s' % unit)
        rating = float(out.strip().splitlines()[-1].split(':')[-1].split()[0])
        assert rating <= 5.0, (unit, out.splitlines()[-1])
    assert 'NoNewPrivileges=yes' not in host.check_output('systemctl cat netns-tag@green.service')


def test_where_busybox_has_udhcpc6_the_macvlan_takes_a_dhcpv6_address_too(host):
    if 'udhcpc6' not in host.check_output('busybox --list').split():
        # Debian 12's busybox: the lab asks for DHCPv4 alone there, and hostile's side effect
        # checks that dhcp6 is refused before any change.
        assert host.system_info.codename == 'bookworm'
        assert 'dhcp6' not in host.check_output('systemctl cat netns-macvlan@green.service')
        return
    deadline = time.monotonic() + 60
    while not [a for a in addresses(host, 'green', 'dhcp0') if a.startswith('fd77::')]:
        assert time.monotonic() < deadline, 'green:dhcp0 got no address from the DHCPv6 server'
        time.sleep(0.2)
    (leased,) = [a for a in addresses(host, 'green', 'dhcp0') if a.startswith('fd77::')]
    assert leased.endswith('/128')
    # The client runs inside green, in the macvlan unit's cgroup, beside the IPv4 one.
    pid = host.check_output('pgrep -f "[u]dhcpc6 .*-i dhcp0"').split()[0]
    assert host.check_output('stat -L -c %%i /proc/%s/ns/net' % pid) == host.check_output('stat -L -c %i /run/netns/green')
    assert '/bin/busybox udhcpc6' in host.check_output('systemctl status --no-pager netns-macvlan@green.service')
    # The resolver is the IPv4 lease's (both leases on one link); the host's is untouched.
    assert 'fd77::53' not in host.file('/etc/netns/green/resolv.conf').content_string
    assert 'fd77::53' not in host.file('/etc/resolv.conf').content_string
    # The router's advertisements give the route to the LAN's prefix: the server answers.
    deadline = time.monotonic() + 30
    while host.run('ip netns exec green ping -6 -c 1 -W 1 fd77::1').rc != 0:
        assert time.monotonic() < deadline, 'fd77::1 does not answer green over DHCPv6'


def test_a_macvlan_takes_its_address_route_and_resolver_from_the_lan_s_dhcp_server(host):
    # The lease may still be on its way just after a boot: wait for it.
    deadline = time.monotonic() + 60
    while not [a for a in addresses(host, 'green', 'dhcp0') if a.startswith('192.168.77.')]:
        assert time.monotonic() < deadline, 'green:dhcp0 got no address from the DHCP server'
        time.sleep(0.2)
    leased = [a for a in addresses(host, 'green', 'dhcp0') if a.startswith('192.168.77.')]
    assert len(leased) == 1 and leased[0].endswith('/24')
    routes = ip_json(host, '-n', 'green', 'route', 'show', 'default')
    assert [(r['gateway'], r['dev'], r['protocol']) for r in routes] == [('192.168.77.1', 'dhcp0', 'dhcp')]
    resolver = host.file('/etc/netns/green/resolv.conf').content_string
    assert 'nameserver 192.168.77.53\n' in resolver and 'search lab.example\n' in resolver
    assert '192.168.77.53' not in host.file('/etc/resolv.conf').content_string
    # The client runs inside green, in the macvlan unit's cgroup.
    assert '/bin/busybox udhcpc' in host.check_output('systemctl status --no-pager netns-macvlan@green.service')
    pid = host.check_output('pgrep -f "[u]dhcpc .*-i dhcp0"').split()[0]
    assert host.check_output('stat -L -c %%i /proc/%s/ns/net' % pid) == host.check_output('stat -L -c %i /run/netns/green')
