"""Bridges, egress and port forwards for real, in the sandbox: the files the module renders,
run by the engine as the units run it; packets from a namespace reach an "outside"
namespace that has no route back to it, and a forwarded port answers from there and from
the host; the live host is compared with the files, repaired, and cleaned up on absent,
while a table of the user's survives."""

import os
import subprocess
import sys
import time

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._files import write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import (
    FORWARDING, TABLE, HostNet, host_before, host_drift, host_leftovers, installed_firewall_problems)
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._paths import HOST_DIR, NS_DIR
from test_units import engine, install_models

pytestmark = pytest.mark.skipif(not os.path.exists('/usr/sbin/nft') and not os.path.exists('/sbin/nft'), reason='nft is not installed')

# "wan" stands for the internet: behind the host's uplink up0, with no route to 10.0.0.0/8.
NAMESPACES = [
    {'name': 'wan', 'links': [{'name': 'eth0', 'peer': 'up0', 'addresses': ['203.0.113.2/24'], 'peer_addresses': ['203.0.113.1/24']}]},
    {'name': 'app', 'links': [{'addresses': ['10.20.0.2/30'], 'peer_addresses': ['10.20.0.1/30'],
                               'routes': [{'dst': 'default', 'gateway': '10.20.0.1'}]}],
     'egress': {'interface': 'up0'}, 'ports': [{'host_port': 8080, 'port': 8000}]},
    {'name': 'a', 'links': [{'bridge': 'br-ns', 'addresses': ['10.30.0.2/24'], 'routes': [{'dst': 'default', 'gateway': '10.30.0.1'}]}]},
    {'name': 'b', 'links': [{'bridge': 'br-ns', 'addresses': ['10.30.0.3/24'], 'routes': [{'dst': 'default', 'gateway': '10.30.0.1'}]}]},
]
BRIDGES = [{'name': 'br-ns', 'addresses': ['10.30.0.1/24'], 'egress': {'interface': 'up0'}}]


def sh(*args):
    proc = engine(*args)
    assert proc.returncode == 0, proc.stderr


def build(namespaces=None, bridges=None):
    """Every file of the namespaces and the host written, and run as the units run them."""
    entries = parse_entries(NAMESPACES if namespaces is None else namespaces)
    install_models([entry.model for entry in entries])
    host = HostNet.parse(entries, BRIDGES if bridges is None else bridges)
    for entry in entries:
        for name, text in entry.files().items():
            write_atomically(os.path.join(NS_DIR, entry.name, name), text)
    for name, text in host.files().items():
        write_atomically(os.path.join(HOST_DIR, name), text)
    for entry in entries:
        assert engine('up', entry.name).returncode == 0
    for entry in entries:
        assert engine('links', entry.name).returncode == 0
        sh('ports', entry.name)
    return entries, host


def remove(names):
    """What the units' stops do: each veth's end inside deleted (the pair goes at once), then the name."""
    for name in names:
        for link in kernel.ip_json(name, 'link', 'show'):
            if link['ifname'] != 'lo':
                kernel.ip(name, 'link', 'del', link['ifname'], check=False)
        kernel.ip(None, 'netns', 'delete', name)


def serve(netns, address, port, peer=False):
    """A TCP server inside ``netns`` that answers each connection with the namespace's name (or,
    with ``peer``, the address the connection came from)."""
    code = ('import socket,sys\ns=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)\n'
            's.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
            's.bind((sys.argv[1],int(sys.argv[2])));s.listen(8)\n'
            'while True:\n c,a=s.accept();c.sendall((a[0] if sys.argv[4]=="peer" else sys.argv[3]).encode());c.close()\n')
    proc = subprocess.Popen(['ip', 'netns', 'exec', netns, sys.executable, '-c', code, address, str(port), netns, 'peer' if peer else 'name'])
    deadline = time.monotonic() + 30
    while not ask(None if peer else netns, address, port):
        assert proc.poll() is None and time.monotonic() < deadline, 'the server in %s did not start' % netns
        time.sleep(0.05)
    return proc


def ask(netns, address, port):
    """What the server at address:port says, asked from ``netns`` (None: the host); '' when nothing answers."""
    code = ('import socket,sys\ntry:\n c=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=3);print(c.recv(64).decode())\n'
            'except OSError:\n pass\n')
    argv = (['ip', 'netns', 'exec', netns] if netns else []) + [sys.executable, '-c', code, address, str(port)]
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()


def test_outbound_nat_port_forward_and_a_shared_bridge():
    with open('/proc/sys/net/ipv4/ip_forward', 'w') as f:
        f.write('0\n')
    subprocess.run(['nft', 'add', 'table', 'ip', 'mine'], check=True)
    entries, host = build()
    # Before the host side is applied: no forwarding, no NAT, nothing reaches the outside.
    assert not kernel.pings('app', '203.0.113.2')
    # On a shared segment, the bridge's namespaces reach each other and the host.
    assert kernel.pings('a', '10.30.0.3') and kernel.pings('b', '10.30.0.1')
    assert kernel.link(None, 've-a0').get('master') == 'br-ns'
    lines, _diffs = host_drift(host, kernel.run, check_mode=True)
    assert '~ sysctl net.ipv4.ip_forward = 1 on the host (was 0)' in lines and '~ nftables table %s' % TABLE in lines
    sh('host')
    assert host_drift(host, kernel.run, check_mode=True) == ([], [])
    with open(FORWARDING[4][2]) as f:
        assert f.read().strip() == '0'
    # Outbound through NAT: wan has no route to 10.20.0.0/30 or 10.30.0.0/24.
    assert kernel.pings('app', '203.0.113.2') and kernel.pings('a', '203.0.113.2') and kernel.pings('b', '203.0.113.2')
    assert not kernel.pings('wan', '10.20.0.2')
    server = serve('app', '10.20.0.2', 8000)
    try:
        # The forwarded port answers from the outside, and from the host itself.
        assert ask('wan', '203.0.113.1', 8080) == 'app'
        assert ask(None, '203.0.113.1', 8080) == 'app'
        # Not from 127.0.0.1: that would need route_localnet (see the docs).
        assert ask(None, '127.0.0.1', 8080) == ''
    finally:
        server.kill()
        server.wait()
    assert 'table ip mine' in kernel.run(['nft', 'list', 'tables'])[1]

    # Drift: the table deleted by hand, a port taken out of the bridge, an address added.
    subprocess.run(['nft', 'delete', 'table'] + TABLE.split(), check=True)
    kernel.ip(None, 'link', 'set', 've-b0', 'nomaster')
    kernel.ip(None, 'addr', 'add', '10.99.0.1/24', 'dev', 'br-ns')
    lines, diffs = host_drift(host, kernel.run, check_mode=True)
    assert sorted(lines) == ['- address 10.99.0.1/24 of bridge br-ns', '~ nftables table %s' % TABLE, '~ ve-b0 joins bridge br-ns (netns b)']
    assert not diffs[0]['before'] and 'masquerade' in diffs[0]['after']
    assert host_drift(host, kernel.run, check_mode=False)[0] == lines
    assert host_drift(host, kernel.run, check_mode=True) == ([], [])
    assert kernel.pings('b', '203.0.113.2')

    # Absent: nothing of it stays but the user's table; forwarding is put back to 0.
    before = host_before(HOST_DIR)
    remove(entry.name for entry in entries)
    empty = HostNet.parse([], [])
    lines, warnings = host_leftovers(empty, before, kernel.run, check_mode=True)
    assert lines == ['- nftables table %s' % TABLE, '- sysctl net.ipv4.ip_forward = 0 (as it was before netns.systemd set it)',
                     '- bridge br-ns'] and warnings == []
    assert host_leftovers(empty, before, kernel.run, check_mode=False) == (lines, [])
    assert 'br-ns' not in [link['ifname'] for link in kernel.ip_json(None, 'link', 'show')]
    assert kernel.run(['nft', 'list', 'tables'])[1].split() == ['table', 'ip', 'mine']
    with open('/proc/sys/net/ipv4/ip_forward') as f:
        assert f.read().strip() == '0'
    assert host_leftovers(empty, before, kernel.run, check_mode=False) == ([], [])


def test_forwarding_that_was_on_stays_on():
    with open('/proc/sys/net/ipv4/ip_forward', 'w') as f:
        f.write('1\n')
    _entries, host = build(NAMESPACES[:2], [])
    sh('host')
    before = host_before(HOST_DIR)
    lines, _warnings = host_leftovers(HostNet.parse([], []), before, kernel.run, check_mode=False)
    assert lines == ['- nftables table %s' % TABLE]
    with open('/proc/sys/net/ipv4/ip_forward') as f:
        assert f.read().strip() == '1'


def test_a_made_bridge_with_a_port_of_someone_else_is_kept():
    _entries, host = build(NAMESPACES[2:3], [{'name': 'br-ns', 'addresses': ['10.30.0.1/24']}])
    before = {'bridges': host.bridge_lines()}
    remove(['a'])
    kernel.ip(None, 'link', 'add', 'theirs0', 'type', 'veth', 'peer', 'name', 'theirs1')
    kernel.ip(None, 'link', 'set', 'theirs0', 'master', 'br-ns')
    assert host_leftovers(HostNet.parse([], []), before, kernel.run, check_mode=False) == (
        [], ['bridge br-ns, made by netns.systemd, is kept: theirs0 joined it'])


def test_an_adopted_bridge_is_used_as_it_is_and_never_removed():
    kernel.ip(None, 'link', 'add', 'br-lan', 'up', 'type', 'bridge')
    kernel.ip(None, 'addr', 'add', '10.40.0.1/24', 'dev', 'br-lan')
    namespaces = [{'name': 'a', 'links': [{'bridge': 'br-lan', 'addresses': ['10.40.0.2/24']}], 'egress': {}}]
    _entries, host = build(namespaces, [{'name': 'br-lan', 'adopt': True}])
    sh('host')
    assert kernel.link(None, 've-a0').get('master') == 'br-lan'
    assert kernel.pings('a', '10.40.0.1')
    before = host_before(HOST_DIR)
    assert before['bridges'] == 'br-lan adopted\n' and before['forward-before'] is not None
    remove(['a'])
    host_leftovers(HostNet.parse([], []), before, kernel.run, check_mode=False)
    assert kernel.addresses(None, 'br-lan') == set(['10.40.0.1/24'])
    assert kernel.link(None, 'br-lan') is not None


def test_the_table_is_loaded_into_a_scratch_namespace_first_and_nft_missing_is_a_clear_error():
    _entries, host = build(NAMESPACES[:2], [])
    host.check(kernel.run)
    assert 'dnat ip to 10.20.0.2:8000' in host.table_listing
    # Nothing of it reached the sandbox's own ruleset.
    assert kernel.run(['nft', 'list', 'ruleset'])[1].strip() == ''

    def no_nft(argv):
        raise OSError(2, 'No such file or directory: %r' % argv[0])
    with pytest.raises(InvalidInput, match='cannot be loaded \\(install nftables'):
        HostNet.parse(parse_entries(NAMESPACES[:2]), []).check(no_nft)


NAMESPACES6 = [
    {'name': 'app6', 'links': [{'addresses': ['fd20::2/64'], 'peer_addresses': ['fd20::1/64'], 'routes': [{'dst': 'default', 'gateway': 'fd20::1'}]}],
     'egress': {'interface': 'up6', 'ipv6': 'masquerade'}, 'ports': [{'host_port': 8080, 'port': 8000}]},
]
RA_ROUTE = ['ip', '-6', 'route', 'show', 'default', 'proto', 'ra', 'dev', 'up6']


def sysctl_file(path, value=None):
    if value is not None:
        with open(path, 'w') as f:
            f.write('%s\n' % value)
    with open(path) as f:
        return f.read().strip()


def test_ipv6_masquerade_and_forward_and_the_uplink_keeps_its_default_route_from_advertisements():
    # wan6 stands for the IPv6 internet and is the router of the host's uplink up6, which is not
    # the collection's: IPv6 only, and no route back to app6's fd20::/64, so only masquerade
    # lets answers come back.
    kernel.ip(None, 'netns', 'add', 'wan6')
    kernel.veth_to('wan6', 'up6', 'eth0', '2001:db8:6::1/64', '2001:db8:6::2/64')
    _entries, host = build(NAMESPACES6, [])
    for netns, ifname in ((None, 'up6'), ('wan6', 'eth0'), (None, 've-app60'), ('app6', 've-app61')):
        kernel.settled_ipv6(netns, ifname)
    # The uplink learns its default route from wan6's advertisement, as a host does from its router.
    kernel.advertise_router('wan6', 'eth0', prefix='2001:db8:6::')
    deadline = time.monotonic() + 10
    while not kernel.run(RA_ROUTE)[1].strip():
        assert time.monotonic() < deadline, 'up6 learned no default route from the advertisement'
        time.sleep(0.05)
    # IPv6 forwarding would drop that route: refused before any change, naming the interface and the fix.
    with pytest.raises(InvalidInput, match=r'up6 learns it from router advertisements with accept_ra = 1.*'
                                           r'Set net.ipv6.conf.up6.accept_ra = 2 where .*nothing was changed'):
        host.check(kernel.run)
    assert sysctl_file('/proc/sys/net/ipv6/conf/all/forwarding') == '0'
    # With accept_ra 2, as the message says, IPv6 forwarding comes on (and IPv4's does not) and the route stays.
    sysctl_file('/proc/sys/net/ipv6/conf/up6/accept_ra', 2)
    host.check(kernel.run)
    lines, _diffs = host_drift(host, kernel.run, check_mode=True)
    assert sorted(lines) == ['~ nftables table %s' % TABLE, '~ sysctl net.ipv6.conf.all.forwarding = 1 on the host (was 0)']
    sh('host')
    assert sysctl_file('/proc/sys/net/ipv6/conf/all/forwarding') == '1' and sysctl_file('/proc/sys/net/ipv4/ip_forward') == '0'
    assert kernel.run(RA_ROUTE)[1].strip()
    assert host_drift(host, kernel.run, check_mode=True) == ([], [])
    # Out through masquerade: wan6 has no route to fd20::/64.
    assert kernel.pings('app6', '2001:db8:6::2')
    assert not kernel.pings('wan6', 'fd20::2')
    server = serve('app6', 'fd20::2', 8000)
    try:
        # The forward answers over IPv6, from the outside and from the host; not on ::1.
        assert ask('wan6', '2001:db8:6::1', 8080) == 'app6'
        assert ask(None, '2001:db8:6::1', 8080) == 'app6'
        assert ask(None, '::1', 8080) == ''
    finally:
        server.kill()
        server.wait()

    # app6 goes: IPv6 forwarding is put back to 0, and the uplink keeps its route.
    before = host_before(HOST_DIR)
    assert before['forward6-before'].strip() == '0' and before['forward-before'] is None
    remove(['app6'])
    empty = HostNet.parse([], [])
    lines, warnings = host_leftovers(empty, before, kernel.run, check_mode=True)
    assert lines == ['- nftables table %s' % TABLE, '- sysctl net.ipv6.conf.all.forwarding = 0 (as it was before netns.systemd set it)']
    assert host_leftovers(empty, before, kernel.run, check_mode=False) == (lines, warnings)
    assert sysctl_file('/proc/sys/net/ipv6/conf/all/forwarding') == '0' and kernel.run(RA_ROUTE)[1].strip()


def test_routed_ipv6_egress_leaves_with_the_namespace_s_own_address():
    # Upstream routes fd20::/64 to the host (2001:db8:6::1), as a router given a prefix does.
    kernel.ip(None, 'netns', 'add', 'wan6')
    kernel.veth_to('wan6', 'up6', 'eth0', '2001:db8:6::1/64', '2001:db8:6::2/64')
    kernel.ip('wan6', '-6', 'route', 'add', 'fd20::/64', 'via', '2001:db8:6::1')
    namespaces = [dict(NAMESPACES6[0], egress={'interface': 'up6', 'ipv6': 'routed'}, ports=[])]
    _entries, host = build(namespaces, [])
    for netns, ifname in ((None, 'up6'), ('wan6', 'eth0'), (None, 've-app60'), ('app6', 've-app61')):
        kernel.settled_ipv6(netns, ifname)
    host.check(kernel.run)
    # No rule at all: routed needs only forwarding, so no table is made.
    assert host.files()['forward'] == 'net.ipv6.conf.all.forwarding = 1\n' and 'nftables' not in host.files()
    assert not kernel.pings('app6', '2001:db8:6::2')
    sh('host')
    assert kernel.pings('app6', '2001:db8:6::2')
    server = serve('wan6', '2001:db8:6::2', 9000, peer=True)
    try:
        assert ask('app6', '2001:db8:6::2', 9000) == 'fd20::2'
    finally:
        server.kill()
        server.wait()


def knock(netns, address, port, source):
    """What a TCP connection from ``source`` in ``netns`` to address:port meets: 'open NAME' (the
    server's answer), 'refused', or 'dropped' (no answer at all within 3 s)."""
    code = ('import socket,sys\ns=socket.socket();s.settimeout(3);s.bind((sys.argv[3],0))\n'
            'try:\n s.connect((sys.argv[1],int(sys.argv[2])));print("open "+s.recv(64).decode())\n'
            'except socket.timeout:\n print("dropped")\n'
            'except ConnectionRefusedError:\n print("refused")\n')
    argv = ['ip', 'netns', 'exec', netns, sys.executable, '-c', code, address, str(port), source]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def test_sources_and_reachable_from_let_in_only_who_they_name():
    # 203.0.113.2 is allowed by both lists, 203.0.113.200 by neither; wan routes app's prefix to
    # the host, as a LAN whose router knows the namespace does.
    app = {'name': 'app', 'links': NAMESPACES[1]['links'], 'reachable_from': ['203.0.113.0/25'],
           'ports': [{'host_port': 8080, 'port': 8000, 'sources': ['203.0.113.2/32']}, {'host_port': 8081, 'port': 8000}]}
    _entries, host = build([NAMESPACES[0], app], [])
    kernel.ip('wan', 'addr', 'add', '203.0.113.200/24', 'dev', 'eth0')
    kernel.ip('wan', 'route', 'add', '10.20.0.0/30', 'via', '203.0.113.1')
    sh('host')
    server = serve('app', '10.20.0.2', 8000)
    try:
        # A forward with sources: the allowed source gets in, another gets no answer at all.
        assert knock('wan', '203.0.113.1', 8080, '203.0.113.2') == 'open app'
        assert knock('wan', '203.0.113.1', 8080, '203.0.113.200') == 'dropped'
        # reachable_from: routed straight to the namespace, the same.
        assert knock('wan', '10.20.0.2', 8000, '203.0.113.2') == 'open app'
        assert knock('wan', '10.20.0.2', 8000, '203.0.113.200') == 'dropped'
        # A forward without sources is the forward's own business, whatever reachable_from says.
        assert knock('wan', '203.0.113.1', 8081, '203.0.113.200') == 'open app'
    finally:
        server.kill()
        server.wait()
    # The namespace's own connections out are answered (only new connections in are narrowed).
    outside = serve('wan', '203.0.113.200', 9000)
    try:
        assert knock('app', '203.0.113.200', 9000, '10.20.0.2') == 'open wan'
    finally:
        outside.kill()
        outside.wait()
    assert host_drift(host, kernel.run, check_mode=True) == ([], [])


# The lab with its port forward on up0 too: every IPv4 part names its interface.
ON_UP0 = [dict(item, ports=[{'host_port': 8080, 'port': 8000, 'interfaces': ['up0']}]) if item['name'] == 'app' else item
          for item in NAMESPACES]


def forward_answers_from_wan():
    """Whether app's server answers on the host's port 8080, asked from wan."""
    server = serve('app', '10.20.0.2', 8000)
    try:
        return ask('wan', '203.0.113.1', 8080) == 'app'
    finally:
        server.kill()
        server.wait()


def let_through(message):
    """Run the commands a firewall message names (those after its last ': '), as a user would."""
    for command in message.rsplit(': ', 1)[1].split('; '):
        subprocess.run(command.split(), check=True)


def test_a_host_firewall_that_drops_forwarded_traffic_is_named_with_its_fix_before_any_change():
    """What Docker, ufw or a user's chain set in the host's forward hook (stand-ins made with
    iptables-nft and nft, by the chain names those tools use) drops egress and port forwards
    whatever table inet netns_systemd accepts: the check names the firewall and the exact
    commands, and once they are run the traffic flows and the check is quiet."""
    entries, host = build(ON_UP0)
    sh('host')
    assert kernel.pings('app', '203.0.113.2') and kernel.pings('a', '203.0.113.2')
    host.check(kernel.run)
    assert host.warnings == []
    # Docker: its FORWARD policy and its DOCKER-USER chain. The namespaces' traffic dies.
    for argv in (['-P', 'FORWARD', 'DROP'], ['-N', 'DOCKER-USER'], ['-I', 'FORWARD', '-j', 'DOCKER-USER']):
        subprocess.run(['iptables'] + argv, check=True)
    assert not kernel.pings('app', '203.0.113.2')
    with pytest.raises(InvalidInput) as refused:
        host.check(kernel.run)
    message = str(refused.value)
    assert "Docker's rules (chain DOCKER-USER of table ip filter" in message
    assert 'drops the forwarded traffic of br-ns, up0, ve-app0: iptables -I DOCKER-USER -i br-ns -j ACCEPT; ' in message
    assert message.endswith('-o ve-app0 -j ACCEPT. Set host_firewall: warn to go on regardless')
    host.check(kernel.run, 'warn')
    assert len(host.warnings) == 1 and host.warnings[0] in message
    # netns_info's health report says the same of the host as installed (its files in host/).
    assert installed_firewall_problems(entries, kernel.run) == host.warnings
    let_through(host.warnings[0])
    host.check(kernel.run)
    assert host.warnings == [] and installed_firewall_problems(entries, kernel.run) == []
    assert kernel.pings('app', '203.0.113.2') and kernel.pings('a', '203.0.113.2') and kernel.pings('b', '10.30.0.1')
    assert forward_answers_from_wan()
    # Docker's policy is still drop: the collection changed nothing of it.
    assert '-P FORWARD DROP' in kernel.run(['iptables', '-S', 'FORWARD'])[1]
    # A forward on any interface needs the global switch, which at boot would keep Docker from
    # setting that policy: refused too, whatever DOCKER-USER accepts.
    unbound = HostNet.parse(parse_entries(NAMESPACES), BRIDGES, made_before={'br-ns'})
    with pytest.raises(InvalidInput, match=r'Docker runs on this host, and the forward of tcp port 8080 \(IPv4\) of netns app \(no '
                                           r'interfaces\) take IPv4 packets from any interface, which needs the global net.ipv4.ip_forward'):
        unbound.check(kernel.run)

    # A user's own chain at the forward hook with policy drop, in a table of theirs.
    subprocess.run(['nft', 'add table inet theirs; add chain inet theirs gate { type filter hook forward priority 10; policy drop; }'], check=True)
    assert not kernel.pings('app', '203.0.113.2')
    with pytest.raises(InvalidInput, match=r"the nftables chain gate of table inet theirs \(hook forward, policy drop\) drops the forwarded "
                                           r"traffic of br-ns, up0, ve-app0: add 'iifname \{ br-ns, up0, ve-app0 \} accept' and 'oifname \{ br-ns, "
                                           r"up0, ve-app0 \} accept' to chain gate of table inet theirs"):
        host.check(kernel.run)
    for way in ('iifname', 'oifname'):
        subprocess.run(['nft', 'add rule inet theirs gate %s { br-ns, up0, ve-app0 } accept' % way], check=True)
    host.check(kernel.run)
    assert kernel.pings('app', '203.0.113.2')

    # ufw: its chains (ufw-*) and FORWARD policy drop; the fix is its own route rules.
    subprocess.run(['nft', 'delete table inet theirs'], check=True)
    for argv in (['-F', 'FORWARD'], ['-F', 'DOCKER-USER'], ['-X', 'DOCKER-USER']):
        subprocess.run(['iptables'] + argv, check=True)
    for argv in (['-N', 'ufw-user-forward'], ['-A', 'FORWARD', '-j', 'ufw-user-forward']):
        subprocess.run(['iptables'] + argv, check=True)
    with pytest.raises(InvalidInput, match=r'ufw \(its FORWARD policy, table ip filter\) drops the forwarded traffic of br-ns, up0, ve-app0: '
                                           r'ufw route allow in on br-ns; ufw route allow out on br-ns; ufw route allow in on up0'):
        host.check(kernel.run)


def test_nothing_forwarded_means_the_host_firewall_is_not_read():
    entries = parse_entries([{'name': 'solo', 'links': [{'addresses': ['10.40.0.2/30'], 'peer_addresses': ['10.40.0.1/30']}]}])
    host = HostNet.parse(entries, [])
    subprocess.run(['iptables', '-P', 'FORWARD', 'DROP'], check=True)
    host.check(kernel.run)
    assert host.warnings == []


def forwarding(name):
    with open('/proc/sys/net/ipv4/conf/%s/forwarding' % name) as f:
        return f.read().strip()


def test_forwarding_is_turned_on_only_on_the_interfaces_that_need_it_when_each_part_names_its_interface():
    """Egress and a port forward that name their interface: IPv4 forwarding on the bridge, the
    veth host ends and that interface, the global switch left off (Docker would set its FORWARD
    policy to drop when it turns it on itself); a host end made again gets it from its unit; the
    uplink's value before is put back on absent."""
    with open('/proc/sys/net/ipv4/ip_forward', 'w') as f:
        f.write('0\n')
    entries, host = build(ON_UP0)
    assert host.forward_interfaces == ['br-ns', 'up0', 've-app0']
    assert host.files()['forward'] == ''.join('net.ipv4.conf.%s.forwarding = 1\n' % name for name in ('br-ns', 'up0', 've-app0'))
    # Made by their units before netns-host.service ran: the units set it already.
    assert [forwarding(name) for name in ('br-ns', 'up0', 've-app0')] == ['1', '1', '1']
    sh('host')
    with open('/proc/sys/net/ipv4/ip_forward') as f:
        assert f.read().strip() == '0'
    assert forwarding('ve-a0') == '0' and forwarding('lo') == '0'
    assert kernel.pings('app', '203.0.113.2') and kernel.pings('a', '203.0.113.2') and kernel.pings('b', '10.30.0.2')
    assert forward_answers_from_wan()
    assert host_drift(host, kernel.run, check_mode=True) == ([], [])
    # Turned off by hand: said and set again.
    with open('/proc/sys/net/ipv4/conf/br-ns/forwarding', 'w') as f:
        f.write('0\n')
    assert host_drift(host, kernel.run, check_mode=False)[0] == ['~ sysctl net.ipv4.conf.br-ns.forwarding = 1 on the host (was 0)']
    assert forwarding('br-ns') == '1' and kernel.pings('a', '203.0.113.2')
    # app's veth made again by its unit (the creator's worker): born with forwarding off, set by the engine.
    kernel.ip('app', 'link', 'del', 've-app1')
    sh('up', 'app')
    assert forwarding('ve-app0') == '1' and kernel.pings('app', '203.0.113.2')

    # Absent: every namespace and bridge gone, and up0, which stands for a host's own uplink here,
    # kept by hand: its forwarding goes back to 0, the records go, the global switch untouched.
    before = host_before(HOST_DIR)
    assert before['forwarding'] == {'br-ns': '0', 'up0': '0', 've-app0': '0'}
    remove(entry.name for entry in entries if entry.name != 'wan')
    empty = HostNet.parse([], [])
    lines, _warnings = host_leftovers(empty, before, kernel.run, check_mode=False)
    assert '- sysctl net.ipv4.conf.up0.forwarding = 0 (as it was before netns.systemd set it)' in lines
    assert forwarding('up0') == '0' and not os.listdir('/run/netns-systemd/forwarding')
    with open('/proc/sys/net/ipv4/ip_forward') as f:
        assert f.read().strip() == '0'
