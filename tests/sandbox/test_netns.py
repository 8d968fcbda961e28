"""Named namespaces through the core, read back with iproute2."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._netns import converge_netns
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import list_netns, netns_id


def test_create_then_rerun_is_unchanged():
    first = converge_netns(['blue', 'red'], 'present', check_mode=False)
    assert first['changed'] is True
    assert first['diff_lines'] == ['+ netns blue', '+ netns red']
    assert kernel.netns_names() == ['blue', 'red']
    ids = {n['name']: n['id'] for n in first['namespaces']}
    assert ids['blue'] == os.stat('/run/netns/blue').st_ino
    assert ids['blue'] != ids['red']
    second = converge_netns(['blue', 'red'], 'present', check_mode=False)
    assert second['changed'] is False and second['diff_lines'] == []
    assert {n['name']: n['id'] for n in second['namespaces']} == ids


def test_new_namespace_has_loopback_up_and_nothing_else():
    converge_netns('blue', 'present', check_mode=False)
    links = kernel.ip_json('blue', 'link', 'show')
    assert [entry['ifname'] for entry in links] == ['lo']
    assert 'UP' in links[0]['flags']
    assert kernel.ip('blue', 'route', 'get', '127.0.0.1').returncode == 0


def test_namespace_made_by_iproute2_is_adopted_unchanged():
    kernel.ip(None, 'netns', 'add', 'handmade')
    inode = os.stat('/run/netns/handmade').st_ino
    result = converge_netns(['handmade'], 'present', check_mode=False)
    assert result['changed'] is False
    assert result['namespaces'] == [{'name': 'handmade', 'id': inode, 'action': 'none'}]
    assert kernel.netns_mounts('handmade') == 1


def test_check_mode_creates_nothing_and_reports_exactly():
    kernel.ip(None, 'netns', 'add', 'blue')
    before = kernel.state()
    result = converge_netns(['blue', 'red'], 'present', check_mode=True)
    assert result['changed'] is True
    assert result['diff_lines'] == ['+ netns red']
    assert kernel.state() == before
    result = converge_netns(['blue', 'gone'], 'absent', check_mode=True)
    assert result['diff_lines'] == ['- netns blue']
    assert kernel.state() == before


def test_absent_removes_the_name_and_reports_what_it_removed():
    created = converge_netns(['blue', 'red'], 'present', check_mode=False)
    blue_id = created['namespaces'][0]['id']
    result = converge_netns(['blue', 'never'], 'absent', check_mode=False)
    assert result['changed'] is True
    assert result['namespaces'][0] == {'name': 'blue', 'id': blue_id, 'action': 'remove'}
    assert result['namespaces'][1] == {'name': 'never', 'id': None, 'action': 'none'}
    assert kernel.netns_names() == ['red']
    assert kernel.netns_mounts('blue') == 0
    assert converge_netns(['blue'], 'absent', check_mode=False)['changed'] is False


def test_absent_removes_veth_peers_on_the_host_with_the_namespace():
    converge_netns(['blue'], 'present', check_mode=False)
    kernel.ip(None, 'link', 'add', 'vh', 'type', 'veth', 'peer', 'name', 'vb', 'netns', 'blue')
    converge_netns(['blue'], 'absent', check_mode=False)
    deadline = time.monotonic() + 5
    while kernel.link(None, 'vh') is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kernel.link(None, 'vh') is None


@pytest.mark.parametrize('names, message', [
    (['ok', 'a/b'], "contains '/'"),
    (['ok', '..'], 'names a directory'),
    (['ok', ''], 'is empty'),
    (['ok', 'n' * 256], 'the limit is 255'),
    ([], 'no netns name given'),
])
def test_bad_name_in_a_list_changes_nothing(names, message):
    with pytest.raises(InvalidInput, match=message):
        converge_netns(names, 'present', check_mode=False)
    assert kernel.netns_names() == []


def test_stale_name_file_left_by_a_crash_is_repaired():
    open('/run/netns/stale', 'w').close()
    assert netns_id('stale') is None
    assert list_netns() == []
    result = converge_netns(['stale'], 'present', check_mode=False)
    assert result['changed'] is True
    assert netns_id('stale') is not None
    assert kernel.ip('stale', 'link', 'show', 'lo').returncode == 0


def test_stale_name_file_is_removed_by_absent():
    open('/run/netns/stale', 'w').close()
    result = converge_netns(['stale'], 'absent', check_mode=False)
    assert result['changed'] is True
    assert not os.path.lexists('/run/netns/stale')


_CREATE_MANY = textwrap.dedent('''
    import sys
    sys.path[:0] = %r
    from ansible_collections.netns.systemd.plugins.module_utils._netns import converge_netns
    names = sys.argv[1:]
    print(converge_netns(names, 'present', check_mode=False)['changed'], flush=True)
''')


def test_processes_racing_to_create_the_same_namespaces_make_each_once(collections_dir):
    code = _CREATE_MANY % ([collections_dir],)
    names = ['race%d' % i for i in range(20)]
    racers = [subprocess.Popen([sys.executable, '-c', code] + names, stdout=subprocess.PIPE, text=True) for _racer in range(4)]
    racers.append(subprocess.Popen(['ip', '-batch', '-'], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    racers[-1].communicate(''.join('netns add %s\n' % n for n in names))
    outputs = [r.communicate()[0] for r in racers[:-1]]
    assert all(r.returncode == 0 for r in racers[:-1]), outputs
    assert kernel.netns_names() == sorted(names)
    for name in names:
        assert kernel.netns_mounts(name) == 1, name
        assert netns_id(name) is not None


def test_run_killed_half_way_then_rerun_converges(collections_dir):
    code = _CREATE_MANY % ([collections_dir],)
    names = ['k%03d' % i for i in range(300)]
    victim = subprocess.Popen([sys.executable, '-c', code] + names, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while len(os.listdir('/run/netns')) < 20 and time.monotonic() < deadline:
        time.sleep(0.002)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    made = len(os.listdir('/run/netns'))
    assert 0 < made < len(names), 'the kill should land half-way (made %d)' % made
    result = converge_netns(names, 'present', check_mode=False)
    assert result['changed'] is True
    assert list_netns() == sorted(names)
    assert all(kernel.netns_mounts(n) == 1 for n in names)
    assert converge_netns(names, 'present', check_mode=False)['changed'] is False
