"""netns_info for real, in the sandbox: what it says of each namespace matches ``ip -j``
link for link and address for address, processes are found in named and unnamed
namespaces, and the health lines name what differs from a declared list."""

import json
import os
import subprocess
import time

import pytest

import kernel
from test_modules import run_module

pytest.importorskip('ansible', reason='module tests need ansible-core (the Debian pyroute2 run has only the core)')

NO_SYSTEMD = ['links', 'routes', 'pids']


def ip_links(netns):
    """{ifname: (kind, mtu, mac, sorted addresses)} as ``ip -j -d addr`` shows them."""
    found = {}
    for link in kernel.ip_json(netns, '-d', 'addr', 'show'):
        kind = (link.get('linkinfo') or {}).get('info_kind') or ('loopback' if link['ifname'] == 'lo' else 'device')
        mac = link.get('address') if link.get('address') != '00:00:00:00:00:00' else None
        found[link['ifname']] = (kind, link['mtu'], mac, sorted('%s/%s' % (a['local'], a['prefixlen']) for a in link.get('addr_info', ())))
    return found


def info_links(links):
    return dict((link['ifname'], (link['kind'], link['mtu'], link['mac'], sorted(link['addresses']))) for link in links)


@pytest.fixture
def lab():
    for name in ('blue', 'red', 'green'):
        kernel.ip(None, 'netns', 'add', name)
    # Indexes that repeat across namespaces, on purpose: blue's veth-b <-> red's veth-r have
    # the indexes of the host's ve-blue0 <-> blue's ve-blue1 (50 and 40). They are made first:
    # a device made before could have taken one of them (the kernel hands indexes out in turn).
    kernel.ip(None, 'link', 'add', 've-blue0', 'index', '50', 'type', 'veth', 'peer', 'name', 've-blue1', 'index', '40', 'netns', 'blue')
    kernel.ip(None, 'addr', 'add', '10.10.1.1/24', 'dev', 've-blue0')
    kernel.ip(None, 'link', 'set', 've-blue0', 'up')
    kernel.ip('blue', 'addr', 'add', '10.10.1.2/24', 'dev', 've-blue1')
    kernel.ip('blue', 'link', 'set', 've-blue1', 'up')
    kernel.ip('blue', 'route', 'add', 'default', 'via', '10.10.1.1')
    kernel.ip('blue', 'link', 'add', 'veth-b', 'index', '50', 'type', 'veth', 'peer', 'name', 'veth-r', 'index', '40', 'netns', 'red')
    kernel.ip('red', 'addr', 'add', '10.1.0.3/24', 'dev', 'veth-r')
    kernel.ip(None, 'link', 'add', 'br0', 'up', 'type', 'bridge')
    kernel.ip(None, 'link', 'add', 'link', 'br0', 'name', 'mv0', 'netns', 'green', 'type', 'macvlan', 'mode', 'private')
    kernel.ip(None, 'link', 'add', 've-x0', 'master', 'br0', 'type', 'veth', 'peer', 'name', 've-x1')
    holders = [subprocess.Popen(['ip', 'netns', 'exec', 'blue', 'sleep', '300']),
               subprocess.Popen(['unshare', '--net', 'sleep', '300'])]
    # Each process is in its namespace once its inode there is not the sandbox's own.
    own = os.stat('/proc/self/ns/net').st_ino
    deadline = time.monotonic() + 30
    for proc in holders:
        while os.stat('/proc/%d/ns/net' % proc.pid).st_ino == own:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    yield holders
    for proc in holders:
        proc.kill()
        proc.wait()


def test_what_it_says_matches_ip(collections_dir, lab):
    inside, unnamed = lab
    result = run_module(collections_dir, 'netns_info', {'gather': NO_SYSTEMD, 'pid': inside.pid}, check_mode=True)
    assert result['changed'] is False and sorted(result['namespaces']) == ['blue', 'green', 'red']
    ids = dict((item['name'], item.get('id')) for item in json.loads(subprocess.check_output(['ip', '-j', 'netns', 'list'])))
    for name, item in result['namespaces'].items():
        assert item['inode'] == os.stat('/run/netns/' + name).st_ino and item['nsid'] == ids[name]
        assert info_links(item['links']) == ip_links(name), name
    assert info_links(result['host']['links']) == ip_links(None)
    links = dict((l['ifname'], l) for item in result['namespaces'].values() for l in item['links'])
    host = dict((l['ifname'], l) for l in result['host']['links'])
    assert (links['ve-blue1']['peer'], links['ve-blue1']['peer_netns'], links['ve-blue1']['peer_on_host']) == ('ve-blue0', None, True)
    assert (host['ve-blue0']['peer'], host['ve-blue0']['peer_netns'], host['ve-blue0']['peer_on_host']) == ('ve-blue1', 'blue', False)
    assert links['veth-b']['peer_on_host'] is False
    assert (links['veth-b']['peer'], links['veth-b']['peer_netns']) == ('veth-r', 'red')
    # red's veth-r has the index of blue's ve-blue1 and links to the index of the host's
    # ve-blue0, which must not be taken for its peer.
    assert (links['veth-r']['ifindex'], host['ve-blue0']['ifindex']) == (links['ve-blue1']['ifindex'], links['veth-b']['ifindex']) == (40, 50)
    assert (links['veth-r']['peer'], links['veth-r']['peer_netns']) == ('veth-b', 'blue')
    assert (links['mv0']['parent'], links['mv0']['mode']) == ('br0', 'private')
    assert host['ve-x0']['master'] == 'br0' and (host['ve-x0']['peer'], host['ve-x0']['peer_netns']) == ('ve-x1', None)
    assert {'dst': 'default', 'gateway': '10.10.1.1', 'dev': 've-blue1', 'protocol': 'boot', 'family': 'inet'} in result['namespaces']['blue']['routes']
    # The processes: one inside blue, one holding a namespace with no name.
    assert [p['pid'] for p in result['namespaces']['blue']['pids']] == [inside.pid]
    assert result['namespaces']['blue']['pids'][0]['command'] == 'sleep'
    assert result['identify'] == {'pid': inside.pid, 'inode': result['namespaces']['blue']['inode'], 'netns': 'blue'}
    held = [u for u in result['unnamed'] if unnamed.pid in [p['pid'] for p in u['pids']]]
    assert held and held[0]['inode'] == os.stat('/proc/%d/ns/net' % unnamed.pid).st_ino
    bare = run_module(collections_dir, 'netns_info', {'gather': [], 'pid': unnamed.pid})
    assert bare['identify']['netns'] is None
    # managed is read whatever is gathered: none of these has the collection's files here.
    assert [item['managed'] for item in bare['namespaces'].values()] == [False, False, False]
    assert run_module(collections_dir, 'netns_info', {'gather': [], 'pid': os.getpid()})['identify']['netns'] == 'host'
    # The picture names every namespace and link.
    from ansible_collections.netns.systemd.plugins.filter.netns_picture import netns_picture
    for text in (netns_picture(result, 'mermaid'), netns_picture(result, 'dot')):
        for name, item in result['namespaces'].items():
            assert '"%s"' % name in text and all(l['ifname'] in text for l in item['links'] if l['ifname'] != 'lo'), name
        assert 've-blue0' in text and 'br0' in text
    # A filter reads only the namespaces named.
    assert sorted(run_module(collections_dir, 'netns_info', {'names': ['red'], 'gather': ['links']})['namespaces']) == ['red']


def test_health_names_what_differs_from_the_declared_list(collections_dir, lab):
    declared = [
        {'name': 'blue', 'links': [{'addresses': ['10.10.1.2/24'], 'peer_addresses': ['10.10.1.1/24']},
                                   {'name': 'veth-b', 'peer': 'veth-r', 'peer_netns': 'red'}]},
        {'name': 'red'},
        {'name': 'gone', 'links': [{'type': 'veth'}]},
    ]
    kernel.ip('red', 'link', 'add', 'tmp0', 'type', 'veth', 'peer', 'name', 'tmp1')
    result = run_module(collections_dir, 'netns_info', {'gather': NO_SYSTEMD, 'declared': declared})
    assert result['problems'] == ['netns gone is declared but missing', 'netns green exists but is not declared',
                                  'netns red: link tmp0 exists but is not declared', 'netns red: link tmp1 exists but is not declared']
    # A declared list with WireGuard keys: they are masked in the result (its invocation too).
    secret = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='
    peer = 'ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA='
    vpn = {'name': 'vpn', 'links': [{'type': 'wireguard', 'private_key': secret, 'peers': [{'public_key': peer, 'preshared_key': secret}]}]}
    masked = run_module(collections_dir, 'netns_info', {'gather': NO_SYSTEMD, 'declared': declared + [vpn]})
    assert 'netns vpn is declared but missing' in masked['problems']
    assert masked['invocation']['module_args']['declared'][3]['links'][0]['private_key'] != secret
    assert secret not in json.dumps(masked)
    bad = run_module(collections_dir, 'netns_info', {'declared': [{'name': '../x'}]})
    assert bad['failed'] and "contains '/'" in bad['msg']
