"""WireGuard for real in the sandbox, with the kernel's link type where it exists and
wireguard-go always: the sandbox is host A, namespace hostb is host B across an underlay veth,
with its own wireguard-go. Namespace vpn of host A gets a WireGuard interface whose socket stays
on host A: its only way out is the tunnel, and with the tunnel down it reaches nothing. Peers
change live (same interface), one deleted by hand is made again by its unit, and no key is on
a command line, in a unit or in a file others can read."""

import os
import stat
import subprocess
import time

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._host import check_kinds, live_specs, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._kinds.wireguard import conf_path, converge_wireguard
from test_units import link_dropins, run_exec_lines

UNIT = 'netns-wireguard@vpn.service'


def genkey():
    private = subprocess.check_output(['wg', 'genkey'], text=True).strip()
    return private, subprocess.check_output(['wg', 'pubkey'], input=private, text=True).strip()


def kernel_has_wireguard():
    probe = kernel.ip(None, 'link', 'add', 'wgprobe', 'type', 'wireguard', check=False)
    kernel.ip(None, 'link', 'del', 'wgprobe', check=False)
    return probe.returncode == 0


def daemons(ifname):
    """The wireguard-go processes of ``ifname`` in this sandbox (containers elsewhere on the
    machine may run one of that name too)."""
    here = os.stat('/proc/self/ns/net').st_ino
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                argv = f.read().split(b'\0')
            if argv[:2] == [b'wireguard-go', ifname.encode()] and os.stat('/proc/%s/ns/net' % pid).st_ino == here:
                found.append(int(pid))
        except (IOError, OSError):
            pass  # gone meanwhile
    return found


def wait_for(what, test, seconds=10):
    deadline = time.monotonic() + seconds
    while not test():
        if time.monotonic() > deadline:
            raise AssertionError('waited %d s for %s' % (seconds, what))
        time.sleep(0.05)


@pytest.fixture(params=['userspace', 'kernel'])
def implementation(request):
    if not subprocess.run(['sh', '-c', 'command -v wg && command -v wireguard-go'], capture_output=True, check=False).returncode == 0:
        pytest.skip('wg (wireguard-tools) or wireguard-go is not installed')
    if request.param == 'kernel' and not kernel_has_wireguard():
        pytest.skip("this kernel has no WireGuard link type (ip link add type wireguard: Unknown device type); "
                    "wireguard-go covers it here")
    return request.param


@pytest.fixture
def hosts(implementation):
    """Host B: namespace hostb at 10.99.0.2 on the underlay, with wireguard-go's wgb (10.8.0.1)
    listening on 51820 there; its socket and its daemon live in hostb. Yields the keys."""
    a_private, a_public = genkey()
    b_private, b_public = genkey()
    kernel.ip(None, 'netns', 'add', 'hostb')
    kernel.ip(None, 'netns', 'add', 'vpn')
    kernel.veth_to('hostb', 'ul0', 'ul1', '10.99.0.1/24', '10.99.0.2/24')
    env = dict(os.environ, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD='1')
    subprocess.run(['ip', 'netns', 'exec', 'hostb', 'wireguard-go', 'wgb'], env=env, capture_output=True, check=True)
    subprocess.run(['ip', 'netns', 'exec', 'hostb', 'wg', 'set', 'wgb', 'private-key', '/dev/stdin', 'listen-port', '51820',
                    'peer', a_public, 'allowed-ips', '10.8.0.2/32'], input=b_private, text=True, check=True)
    kernel.ip('hostb', 'addr', 'add', '10.8.0.1/24', 'dev', 'wgb')
    kernel.ip('hostb', 'link', 'set', 'wgb', 'up')
    yield {'a_private': a_private, 'a_public': a_public, 'b_public': b_public, 'implementation': implementation}
    # Host B's daemon goes with its interface.
    kernel.ip('hostb', 'link', 'del', 'wgb', check=False)


def vpn(keys, peers=None):
    """Namespace vpn with wg0 (10.8.0.2), whose default route is the tunnel to host B."""
    link = {'type': 'wireguard', 'name': 'wg0', 'private_key': keys['a_private'], 'implementation': keys['implementation'],
            'addresses': ['10.8.0.2/24'], 'route_allowed_ips': True, 'mtu': 1380,
            'peers': peers or [{'public_key': keys['b_public'], 'endpoint': '10.99.0.2:51820', 'allowed_ips': ['0.0.0.0/0']}]}
    return parse_entries([{'name': 'vpn', 'links': [link]}])


def reaches(netns, address, seconds=15):
    """Whether ``address`` answers within ``seconds`` (the first packet waits for a handshake,
    which a loaded machine may delay)."""
    deadline = time.monotonic() + seconds
    while not kernel.pings(netns, address, 1):
        if time.monotonic() > deadline:
            return False
    return True


def start(entries):
    return run_exec_lines(link_dropins(entries[0], 'wireguard')[UNIT])


def test_the_tunnel_is_the_only_way_out(hosts):
    entries = vpn(hosts)
    start(entries)
    wg0 = kernel.link('vpn', 'wg0')
    assert wg0['linkinfo']['info_kind'] == ('tun' if hosts['implementation'] == 'userspace' else 'wireguard')
    assert sorted(l['ifname'] for l in kernel.ip_json('vpn', 'link', 'show')) == ['lo', 'wg0']
    assert kernel.static_routes('vpn', 'wg0') == {('default', None)} and wg0['mtu'] == 1380
    assert reaches('vpn', '10.8.0.1')
    # Host B's underlay address is reached too, but through the tunnel: host B sees it come in on wgb.
    before = kernel.ip_json('hostb', '-s', 'link', 'show', 'dev', 'wgb')[0]['stats64']['rx']['packets']
    assert reaches('vpn', '10.99.0.2')
    assert kernel.ip_json('hostb', '-s', 'link', 'show', 'dev', 'wgb')[0]['stats64']['rx']['packets'] > before
    # The tunnel down at host B: nothing is reached, not even the underlay host A routes to.
    kernel.ip('hostb', 'link', 'set', 'wgb', 'down')
    assert not kernel.pings('vpn', '10.8.0.1', 1)
    assert not kernel.pings('vpn', '10.99.0.1', 1) and not kernel.pings('vpn', '10.99.0.2', 1)
    kernel.ip('hostb', 'link', 'set', 'wgb', 'up')
    # Started again, the interface is kept; stopped, it is gone, and so is wireguard-go.
    index = wg0['ifindex']
    if hosts['implementation'] == 'userspace':
        assert len(daemons('wg0')) == 1
    start(entries)
    assert kernel.link('vpn', 'wg0')['ifindex'] == index
    run_exec_lines(link_dropins(entries[0], 'wireguard')[UNIT], key='ExecStop')
    assert kernel.link('vpn', 'wg0') is None
    wait_for('wireguard-go of wg0 to exit', lambda: not os.path.exists('/run/wireguard/wg0.sock') and not daemons('wg0'))


def test_no_key_on_a_command_line_in_a_unit_or_in_a_file_others_read(hosts):
    entries = vpn(hosts)
    dropins = link_dropins(entries[0], 'wireguard')
    run_exec_lines(dropins[UNIT])
    path = conf_path('vpn', 'wg0')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert hosts['a_private'] not in ''.join(dropins.values())
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    assert hosts['a_private'].encode() not in f.read()
            except (IOError, OSError):
                pass
    if hosts['implementation'] == 'userspace':
        # wireguard-go's socket answers root only.
        assert stat.S_IMODE(os.stat('/run/wireguard/wg0.sock').st_mode) & 0o077 == 0


def test_peers_change_live_and_a_deleted_interface_comes_back_through_its_unit(hosts):
    entries = vpn(hosts)
    start(entries)
    index = kernel.link('vpn', 'wg0')['ifindex']
    assert converge_wireguard(entries, kernel.run, check_mode=False) == ([], {})
    other_public = genkey()[1]
    changed = vpn(hosts, peers=[{'public_key': hosts['b_public'], 'endpoint': '10.99.0.2:51820', 'allowed_ips': ['0.0.0.0/0'],
                                 'persistent_keepalive': 15},
                                {'public_key': other_public, 'allowed_ips': ['10.77.0.0/16']}])
    link_dropins(changed[0], 'wireguard')  # the new file, as the module writes it before it syncs
    expected = ['+ wireguard vpn:wg0: peer %s...' % other_public[:10],
                '~ wireguard vpn:wg0: peer %s...: keepalive 15 (was 0)' % hosts['b_public'][:10]]
    lines, errors = converge_wireguard(changed, kernel.run, check_mode=True)
    assert sorted(lines) == sorted(expected) and errors == {}
    assert other_public not in subprocess.check_output(['ip', 'netns', 'exec', 'vpn', 'wg', 'show', 'wg0', 'dump'], text=True)
    lines, errors = converge_wireguard(changed, kernel.run, check_mode=False)
    assert sorted(lines) == sorted(expected) and errors == {}
    dump = subprocess.check_output(['ip', 'netns', 'exec', 'vpn', 'wg', 'show', 'wg0', 'dump'], text=True)
    assert other_public in dump and '\t15\n' in dump
    assert kernel.link('vpn', 'wg0')['ifindex'] == index and reaches('vpn', '10.8.0.1')
    assert converge_wireguard(changed, kernel.run, check_mode=False) == ([], {})
    # Deleted by hand: the converger has the unit make it again (here, its lines run).
    kernel.ip('vpn', 'link', 'del', 'wg0')
    result = converge_links(live_specs(changed)['vpn'], check_mode=False, unit_starter=lambda spec: start(changed))
    assert result['diff_lines'] == ['+ wireguard vpn:wg0 (by its unit)']
    assert reaches('vpn', '10.8.0.1')
    assert converge_links(live_specs(changed)['vpn'], check_mode=False)['changed'] is False
    with pytest.raises(NetnsError, match='made by its systemd unit'):
        kernel.ip('vpn', 'link', 'del', 'wg0')
        converge_links(live_specs(changed)['vpn'], check_mode=False)


def test_drift_made_by_hand_is_put_back_and_a_preshared_key_removed(hosts):
    entries = vpn(hosts)
    start(entries)
    psk = subprocess.check_output(['wg', 'genpsk'], text=True).strip()
    subprocess.run(['ip', 'netns', 'exec', 'vpn', 'wg', 'set', 'wg0', 'fwmark', '7', 'peer', hosts['b_public'], 'preshared-key', '/dev/stdin',
                    'persistent-keepalive', '9'], input=psk, text=True, check=True)
    lines, errors = converge_wireguard(entries, kernel.run, check_mode=False)
    assert errors == {} and lines == ['~ wireguard vpn:wg0: fwmark 0 (was 7)',
                                      '~ wireguard vpn:wg0: peer %s...: preshared key; keepalive 0 (was 9)' % hosts['b_public'][:10]]
    assert converge_wireguard(entries, kernel.run, check_mode=False) == ([], {})
    assert psk not in repr(lines)


def test_a_name_taken_on_the_host_or_in_the_namespace_is_refused(hosts):
    entries = vpn(hosts)
    kernel.ip(None, 'link', 'add', 'wg0', 'type', 'bridge')
    with pytest.raises(InvalidInput, match='host:wg0 exists, and the WireGuard interface is made on the host first'):
        converge_links(live_specs(entries)['vpn'], check_mode=True)
    said = ''
    with pytest.raises(AssertionError) as failed:
        said = start(entries)
    assert 'wg0 exists on the host' in str(failed.value) and said == ''
    assert kernel.link(None, 'wg0')['linkinfo']['info_kind'] == 'bridge'
    kernel.ip(None, 'link', 'del', 'wg0')
    kernel.ip('vpn', 'link', 'add', 'wg0', 'type', 'bridge')
    with pytest.raises(InvalidInput, match='vpn:wg0 exists as a bridge, not a WireGuard interface'):
        converge_links(live_specs(entries)['vpn'], check_mode=True)


def test_missing_tools_and_a_missing_kernel_type_are_refused_before_any_change(hosts):
    entries = vpn(hosts)
    before = kernel.state()
    installed = {'wg': '/usr/bin/wg', 'wireguard-go': '/usr/bin/wireguard-go'}
    check_kinds(entries, kernel.run, installed.get)
    with pytest.raises(InvalidInput, match=r'wireguard vpn:wg0: wg \(wireguard-tools\) is not installed'):
        check_kinds(entries, kernel.run, {}.get)
    if hosts['implementation'] == 'userspace':
        with pytest.raises(InvalidInput, match='wireguard-go is not installed on the host, and is needed for implementation userspace'):
            check_kinds(entries, kernel.run, {'wg': '/usr/bin/wg'}.get)
    if not kernel_has_wireguard():
        link = {'type': 'wireguard', 'name': 'wg0', 'private_key': hosts['a_private'], 'implementation': 'kernel'}
        kernel_only = parse_entries([{'name': 'vpn', 'links': [link]}])
        with pytest.raises(InvalidInput, match='implementation kernel, but this kernel has no WireGuard link type'):
            check_kinds(kernel_only, kernel.run, installed.get)
        auto = parse_entries([{'name': 'vpn', 'links': [{'type': 'wireguard', 'name': 'wg0', 'private_key': hosts['a_private']}]}])
        with pytest.raises(InvalidInput, match='needed since this kernel has no WireGuard link type'):
            check_kinds(auto, kernel.run, {'wg': '/usr/bin/wg'}.get)
    # The probe's namespace is gone with it: nothing was made.
    assert kernel.state() == before
