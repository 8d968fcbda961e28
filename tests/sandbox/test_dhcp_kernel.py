"""Addresses by DHCP, for real: a DHCP server (dnsmasq, IPv4 and DHCPv6 with router
advertisements) in a namespace of its own on a LAN (a bridge of the sandbox), a namespace whose
macvlan on that LAN says ``addresses: dhcp`` or ``dhcp6``. Its unit's own lines are run as
systemd runs them: the engine makes the macvlan, then starts the DHCP client inside the
namespace, whose lease sets the address, the default route and the namespace's resolv.conf, and
nothing of the host's.

DHCPv6 needs busybox's udhcpc6, which Debian 12's busybox lacks: on such a machine the tests of
dhcp6 run Debian 13's static busybox (setup.sh copies it out of the trixie image), mounted over
/bin/busybox in the sandbox's own mount namespace only; without it they skip, saying so."""

import os
import shutil
import signal
import subprocess
import time

from ansible_collections.netns.systemd.plugins.module_utils._parts.dhcp import BUSYBOX

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from test_units import engine, install_models
from ansible_collections.netns.systemd.plugins.module_utils._paths import ENGINE_LAUNCHER
from exec_lines import systemd_unquote

pytestmark = pytest.mark.skipif(not shutil.which('dnsmasq') or not os.path.exists('/bin/busybox'),
                                reason='dnsmasq (the test DHCP server) or busybox (the DHCP client) is not installed')

CLIENT = {'name': 'cli', 'links': [{'type': 'macvlan', 'parent': 'br-lan', 'addresses': 'dhcp'}]}


def dhcp_server(tmp_path, ipv6=False):
    """br-lan, and dnsmasq serving 192.168.77.50-99 on it from namespace lan (192.168.77.1),
    with a router and a DNS server and domain to hand out; with ``ipv6``, DHCPv6 too
    (fd77::50-99, a DNS server and a search domain) and router advertisements of fd77::/64."""
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
    if ipv6:
        kernel.ip('lan', 'addr', 'add', 'fd77::1/64', 'dev', 'eth0')
        kernel.settled_ipv6('lan', 'eth0')
        argv += ['--dhcp-range=fd77::50,fd77::99,64,1h', '--dhcp-option=option6:dns-server,[fd77::53]',
                 '--dhcp-option=option6:domain-search,lab6.example', '--enable-ra']
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(str(tmp_path / 'dnsmasq.log'), 'w'))


# Debian 13's static busybox, with udhcpc6 (scripts/setup.sh).
BUSYBOX_WITH_UDHCPC6 = os.path.join(os.environ.get('NETNS_CACHE', '/var/cache/netns-systemd'), 'busybox-udhcpc6')


def _applets(path):
    try:
        return subprocess.run([path, '--list'], capture_output=True, text=True, check=False).stdout.split()
    except OSError:
        return []


@pytest.fixture
def udhcpc6():
    """A /bin/busybox with udhcpc6: the machine's, or Debian 13's mounted over it in the sandbox."""
    if 'udhcpc6' in _applets(BUSYBOX):
        yield BUSYBOX
        return
    if 'udhcpc6' not in _applets(BUSYBOX_WITH_UDHCPC6):
        pytest.skip('%s has no udhcpc6 (Debian 12\'s busybox) and %s, Debian 13\'s, is missing: run scripts/setup.sh'
                    % (BUSYBOX, BUSYBOX_WITH_UDHCPC6))
    assert kernel.in_sandbox()
    subprocess.run(['mount', '--bind', BUSYBOX_WITH_UDHCPC6, BUSYBOX], check=True)
    try:
        yield BUSYBOX
    finally:
        subprocess.run(['umount', BUSYBOX], check=True)


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
                if (b'udhcpc' in words or b'udhcpc6' in words) and os.stat('/proc/%s/ns/net' % pid).st_ino == inode:
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
    with pytest.raises(Exception, match=r'addresses: dhcp and dhcp6 are for a link of its own on a LAN with a DHCP server'):
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


def run_unit_starts(entry, tmp_path):
    """The start lines of the macvlan unit of ``entry``, run in order as systemd runs them; its
    ExecStartPost= lines."""
    dropin = entry.dropins('macvlan')['netns-macvlan@cli.service']
    starts = [line for line in dropin.splitlines() if line.startswith(('ExecStart=', 'ExecStartPost='))]
    assert engine('up', 'cli').returncode == 0
    with open(str(tmp_path / 'unit.log'), 'w') as log:
        for line in starts:
            assert subprocess.run(systemd_unquote(line), stdout=subprocess.DEVNULL, stderr=log, timeout=120, check=False).returncode == 0
    return [line for line in starts if line.startswith('ExecStartPost=')]


def resolver_of(netns):
    try:
        with open('/etc/netns/%s/resolv.conf' % netns) as f:
            return f.read()
    except OSError:
        return ''


def leased6():
    return [a for a in kernel.addresses('cli', 'mv-cli') if a.startswith('fd77::')]


def stop_clients(server):
    for pid in clients():
        os.kill(pid, signal.SIGTERM)
    wait_for('the DHCP clients to end', lambda: not clients())
    server.terminate()
    server.wait()


def test_dhcpv6_gives_an_address_and_dns_and_the_router_s_advertisements_the_route(tmp_path, udhcpc6):
    server = dhcp_server(tmp_path, ipv6=True)
    with open('/etc/resolv.conf') as f:
        host_resolver = f.read()
    item = dict(CLIENT, links=[dict(CLIENT['links'][0], addresses='dhcp6')])
    try:
        install_models([item])
        posts = run_unit_starts(parse_entries([item])[0], tmp_path)
        assert posts == ['ExecStartPost=/etc/netns-systemd/netns-engine dhcp6 cli mv-cli lease-dns']
        wait_for('an address from the DHCPv6 lease', leased6)
        (address,) = leased6()
        assert address.endswith('/128') and 0x50 <= int(address.split('/')[0].split(':')[-1], 16) <= 0x99
        # No IPv4 client: this link asked for DHCPv6 only.
        assert not [a for a in kernel.addresses('cli', 'mv-cli') if '.' in a]
        wait_for('a default route from the advertisement', lambda: kernel.ip_json('cli', '-6', 'route', 'show', 'default'))
        assert [r['protocol'] for r in kernel.ip_json('cli', '-6', 'route', 'show', 'default')] == ['ra']
        wait_for('the resolver of the lease', lambda: 'fd77::53' in resolver_of('cli'))
        with open('/etc/netns/cli/resolv.conf') as f:
            resolver = f.read()
        assert 'nameserver fd77::53\n' in resolver and 'search lab6.example\n' in resolver
        with open('/etc/resolv.conf') as f:
            assert f.read() == host_resolver
        kernel.settled_ipv6('cli', 'mv-cli')
        assert kernel.pings('cli', 'fd77::1')
        plan = engine('plan', 'cli')
        assert plan.returncode == 0 and plan.stdout.strip() == 'netns cli: nothing to do', plan.stdout + plan.stderr
        # Lost by hand, and renewed: the client asked again (SIGUSR1) sets it back.
        kernel.ip('cli', 'addr', 'del', address, 'dev', 'mv-cli')
        assert not leased6()
        for pid in clients():
            os.kill(pid, signal.SIGUSR1)
        wait_for('the DHCPv6 address back after a renewal', leased6)
    finally:
        stop_clients(server)


def test_both_leases_on_one_link_and_the_resolver_is_the_ipv4_one_s(tmp_path, udhcpc6):
    server = dhcp_server(tmp_path, ipv6=True)
    item = dict(CLIENT, links=[dict(CLIENT['links'][0], addresses=['dhcp', 'dhcp6'])])
    try:
        install_models([item])
        posts = run_unit_starts(parse_entries([item])[0], tmp_path)
        assert [line.split()[1:] for line in posts] == [['dhcp', 'cli', 'mv-cli', 'lease-dns'], ['dhcp6', 'cli', 'mv-cli', 'keep-dns']]
        wait_for('both leases', lambda: leased() and leased6())
        assert [(r['gateway'], r['protocol']) for r in kernel.ip_json('cli', 'route', 'show', 'default')] == [('192.168.77.1', 'dhcp')]
        with open('/etc/netns/cli/resolv.conf') as f:
            resolver = f.read()
        assert 'nameserver 192.168.77.53\n' in resolver and 'fd77::53' not in resolver
        assert len(clients()) == 2
        plan = engine('plan', 'cli')
        assert plan.returncode == 0 and plan.stdout.strip() == 'netns cli: nothing to do', plan.stdout + plan.stderr
        # The IPv4 lease's end (deconfig) takes the IPv4 address only; the DHCPv6 one stays.
        done = subprocess.run(['ip', 'netns', 'exec', 'cli', ENGINE_LAUNCHER, 'deconfig'], capture_output=True, text=True, check=False,
                              env=dict(os.environ, NETNS_SYSTEMD_LEASE_NETNS='cli', NETNS_SYSTEMD_LEASE_DNS='lease-dns', interface='mv-cli'))
        assert done.returncode == 0, done.stderr
        assert not leased() and leased6()
    finally:
        stop_clients(server)
