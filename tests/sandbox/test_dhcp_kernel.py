"""Addresses by DHCP, for real: a DHCP server (dnsmasq) in a namespace of its own on a LAN
(a bridge of the sandbox), a namespace whose macvlan on that LAN says ``addresses: dhcp``. Its
unit's own lines are run as systemd runs them: the engine makes the macvlan, then starts the
DHCP client inside the namespace, whose lease sets the address, the default route and the
namespace's resolv.conf, and nothing of the host's."""

import os
import shutil
import signal
import subprocess
import time

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from test_units import engine, install_models
from exec_lines import systemd_unquote

pytestmark = pytest.mark.skipif(not shutil.which('dnsmasq') or not os.path.exists('/bin/busybox'),
                                reason='dnsmasq (the test DHCP server) or busybox (the DHCP client) is not installed')

CLIENT = {'name': 'cli', 'links': [{'type': 'macvlan', 'parent': 'br-lan', 'addresses': 'dhcp'}]}


def dhcp_server(tmp_path):
    """br-lan, and dnsmasq serving 192.168.77.50-99 on it from namespace lan (192.168.77.1),
    with a router and a DNS server and domain to hand out."""
    kernel.ip(None, 'link', 'add', 'br-lan', 'type', 'bridge')
    kernel.ip(None, 'link', 'set', 'br-lan', 'up')
    kernel.ip(None, 'netns', 'add', 'lan')
    kernel.veth_to('lan', 've-lan0', 'eth0', '192.168.77.254/24', '192.168.77.1/24')
    kernel.ip(None, 'addr', 'flush', 'dev', 've-lan0')
    kernel.ip(None, 'link', 'set', 've-lan0', 'master', 'br-lan')
    argv = ['ip', 'netns', 'exec', 'lan', 'dnsmasq', '--no-daemon', '--port=0', '--interface=eth0', '--bind-interfaces',
            '--dhcp-range=192.168.77.50,192.168.77.99,12h', '--dhcp-option=option:router,192.168.77.1',
            '--dhcp-option=option:dns-server,192.168.77.53', '--dhcp-option=option:domain-name,lab.example',
            '--no-resolv', '--no-hosts', '--dhcp-leasefile=%s' % (tmp_path / 'leases'), '--pid-file=']
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(str(tmp_path / 'dnsmasq.log'), 'w'))


def clients(netns='cli'):
    """The pids of the DHCP clients running in namespace ``netns`` (the sandbox shares the
    machine's processes: a client elsewhere is never touched)."""
    try:
        inode = os.stat('/run/netns/%s' % netns).st_ino
    except OSError:
        return []
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    words = f.read().split(b'\0')
                if b'udhcpc' in words and os.stat('/proc/%s/ns/net' % pid).st_ino == inode:
                    found.append(int(pid))
            except OSError:
                continue
    return found


def wait_for(what, test, seconds=30):
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, 'waited %d s for %s' % (seconds, what)
        time.sleep(0.1)


def leased():
    return [a for a in kernel.addresses('cli', 'mv-cli') if a.startswith('192.168.77.')]


def test_a_macvlan_takes_its_address_route_and_dns_from_the_lease(tmp_path):
    server = dhcp_server(tmp_path)
    with open('/etc/resolv.conf') as f:
        host_resolver = f.read()
    try:
        entries = parse_entries([CLIENT])
        install_models([CLIENT])
        dropin = entries[0].dropins('macvlan')['netns-macvlan@cli.service']
        assert 'RestrictAddressFamilies=AF_PACKET' in dropin and 'CAP_NET_RAW' in dropin
        starts = [line for line in dropin.splitlines() if line.startswith(('ExecStart=', 'ExecStartPost='))]
        assert starts[-1] == 'ExecStartPost=/etc/netns-systemd/netns-engine dhcp cli mv-cli lease-dns'
        assert engine('up', 'cli').returncode == 0
        # The unit's lines in order: the macvlan, then the client, which forks once it has a lease.
        with open(str(tmp_path / 'unit.log'), 'w') as log:
            for line in starts:
                assert subprocess.run(systemd_unquote(line), stdout=subprocess.DEVNULL, stderr=log, timeout=120, check=False).returncode == 0
        wait_for('an address from the lease', leased)
        routes = kernel.ip_json('cli', 'route', 'show', 'default')
        assert [(r['gateway'], r['protocol']) for r in routes] == [('192.168.77.1', 'dhcp')]
        with open('/etc/netns/cli/resolv.conf') as f:
            resolver = f.read()
        assert 'nameserver 192.168.77.53\n' in resolver and 'search lab.example\n' in resolver
        with open('/etc/resolv.conf') as f:
            assert f.read() == host_resolver
        assert kernel.pings('cli', '192.168.77.1')
        # The lease's address and route are not drift: the plan has nothing to do.
        plan = engine('plan', 'cli')
        assert plan.returncode == 0 and plan.stdout.strip() == 'netns cli: nothing to do', plan.stdout + plan.stderr
        # Lost by hand, and renewed: the client asked for it again (SIGUSR1) gets it back.
        address = leased()[0]
        kernel.ip('cli', 'addr', 'del', address, 'dev', 'mv-cli')
        assert not leased()
        renewing = clients()
        assert renewing
        for pid in renewing:
            os.kill(pid, signal.SIGUSR1)
        wait_for('the address back after a renewal', leased)
    finally:
        for pid in clients():
            os.kill(pid, signal.SIGTERM)
        wait_for('the DHCP client to end', lambda: not clients())
        server.terminate()
        server.wait()


def test_dhcp_is_refused_where_no_lease_can_come_and_a_namespace_s_own_dns_is_kept():
    with pytest.raises(Exception, match=r'addresses: dhcp is for a link of its own on a LAN with a DHCP server'):
        parse_entries([{'name': 'x', 'links': [{'type': 'veth', 'addresses': 'dhcp'}]}])
    kernel.ip(None, 'link', 'add', 'br-lan', 'type', 'bridge')
    own = parse_entries([dict(CLIENT, dns={'nameservers': ['10.0.0.1']})])[0].dropins('macvlan')['netns-macvlan@cli.service']
    assert 'ExecStartPost=/etc/netns-systemd/netns-engine dhcp cli mv-cli keep-dns' in own


def test_slaac_on_a_dhcp_link_is_the_kernel_s_and_not_drift(tmp_path):
    # The LAN's router advertises 2001:db8:77::/64: the macvlan in cli configures an address and a
    # default route from it by itself (the namespace's accept_ra and autoconf are the kernel's
    # defaults), and nothing of the collection takes them away.
    server = dhcp_server(tmp_path)
    try:
        install_models([CLIENT])
        assert engine('up', 'cli').returncode == 0
        assert engine('start', 'cli', 'macvlan').returncode == 0
        kernel.settled_ipv6('cli', 'mv-cli')
        kernel.settled_ipv6('lan', 'eth0')
        kernel.advertise_router('lan', 'eth0', prefix='2001:db8:77::')
        wait_for('an address from the advertised prefix',
                 lambda: [a for a in kernel.addresses('cli', 'mv-cli') if a.startswith('2001:db8:77:')])
        wait_for('a default route from the advertisement', lambda: kernel.ip_json('cli', '-6', 'route', 'show', 'default'))
        plan = engine('plan', 'cli')
        assert plan.returncode == 0 and plan.stdout.strip() == 'netns cli: nothing to do', plan.stdout + plan.stderr
    finally:
        server.terminate()
        server.wait()
