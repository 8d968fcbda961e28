"""The modules as Ansible runs them: arguments in, JSON out, fail_json on bad input."""

import json
import os
import subprocess
import sys

import pytest

import kernel

pytest.importorskip('ansible', reason='module tests need ansible-core (the Debian pyroute2 run has only the core)')


def run_module(collections_dir, name, args, check_mode=False, diff=False, extra_env=None, python=None):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    path = os.path.join(collections_dir, 'args.json')
    with open(path, 'w') as f:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, f)
    env = dict(os.environ, PYTHONPATH=collections_dir, **(extra_env or {}))
    proc = subprocess.run([python or sys.executable, '-m', 'ansible_collections.netns.systemd.plugins.modules.' + name, path],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def test_netns_module_creates_reports_ids_and_is_idempotent(collections_dir):
    result = run_module(collections_dir, 'netns', {'name': ['blue', 'red']}, diff=True)
    assert result['changed'] is True
    assert result['diff'] == {'prepared': '+ netns blue\n+ netns red'}
    assert [n['id'] for n in result['namespaces']] == [os.stat('/run/netns/' + n).st_ino for n in ('blue', 'red')]
    again = run_module(collections_dir, 'netns', {'name': ['blue', 'red']})
    assert again['changed'] is False


def test_netns_module_check_mode_changes_nothing(collections_dir):
    before = kernel.state()
    result = run_module(collections_dir, 'netns', {'name': 'blue'}, check_mode=True)
    assert result['changed'] is True and result['changes'] == ['+ netns blue']
    assert kernel.state() == before


def test_netns_module_refuses_a_hostile_name(collections_dir):
    result = run_module(collections_dir, 'netns', {'name': ['ok', '../../etc']})
    assert result['failed'] is True
    assert result['msg'] == "netns name '../../etc' contains '/' (nothing was changed)"
    assert kernel.netns_names() == []


def test_veth_module_builds_the_lab_with_diff_and_returns_interfaces(collections_dir):
    run_module(collections_dir, 'netns', {'name': ['blue', 'red']})
    args = {'name': 'veth-b', 'netns': 'blue', 'addresses': ['10.1.0.2/24'],
            'peer': 'veth-r', 'peer_netns': 'red', 'peer_addresses': ['10.1.0.3/24']}
    planned = run_module(collections_dir, 'netns_veth', args, check_mode=True, diff=True)
    assert kernel.link('blue', 'veth-b') is None
    result = run_module(collections_dir, 'netns_veth', args, diff=True)
    assert result['diff']['prepared'] == planned['diff']['prepared'] == (
        '+ veth blue:veth-b <-> red:veth-r\n+ address 10.1.0.2/24 on blue:veth-b\n+ address 10.1.0.3/24 on red:veth-r')
    ends = result['links'][0]['interfaces']
    assert ends[0]['index'] == kernel.link('blue', 'veth-b')['ifindex']
    assert ends[1]['mac'] == kernel.link('red', 'veth-r')['address']
    assert run_module(collections_dir, 'netns_veth', args)['changed'] is False


def test_veth_module_links_list_with_item_defaults(collections_dir):
    result = run_module(collections_dir, 'netns_veth', {
        'links': [{'name': 'vh1', 'peer': 'vn1', 'peer_netns': 't1'},
                  {'name': 'vh2', 'peer': 'vn2', 'peer_netns': 't2', 'create_netns': False}],
        'create_netns': True})
    assert result['failed'] is True
    assert "netns 't2'" in result['msg'] and 'nothing was changed' in result['msg']
    assert kernel.netns_names() == [] and kernel.link(None, 'vh1') is None


@pytest.mark.parametrize('args, message', [
    ({'name': 'vethvethvethveth', 'peer': 'p', 'peer_netns': 'x'}, "is 16 bytes long; the kernel limit is 15"),
    ({'name': 'a', 'peer': 'b', 'mtu': 'big'}, "argument 'mtu' is of type"),
    ({'name': 'a'}, 'parameters are required together: name, peer'),
    ({'links': [{'name': 'a', 'peer': 'b'}], 'name': 'a', 'peer': 'b'}, 'parameters are mutually exclusive: links|name'),
    ({'links': [{'name': 'a'}]}, 'missing required arguments: peer found in links'),
])
def test_veth_module_bad_arguments_fail_clearly(collections_dir, args, message):
    before = kernel.state()
    result = run_module(collections_dir, 'netns_veth', args)
    assert result['failed'] is True
    assert message in result['msg']
    assert kernel.state() == before


def test_macvlan_module_missing_parent_is_a_clear_error(collections_dir):
    run_module(collections_dir, 'netns', {'name': 'blue'})
    result = run_module(collections_dir, 'netns_macvlan', {'name': 'mv0', 'netns': 'blue', 'parent': 'eth9'})
    assert result['failed'] is True
    assert result['msg'] == ("macvlan blue:mv0 on host:eth9 (mode bridge): parent 'eth9' does not exist on the host "
                             "(nothing was changed)")
    assert kernel.link('blue', 'mv0') is None


def test_macvlan_module_creates_in_the_namespace(collections_dir):
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    result = run_module(collections_dir, 'netns_macvlan', {'name': 'mv0', 'netns': 'blue', 'parent': 'br0',
                                                           'addresses': ['192.0.2.9/24'], 'create_netns': True})
    assert result['changed'] is True
    assert kernel.addresses('blue', 'mv0') == {'192.0.2.9/24'}
    assert result['links'][0]['interfaces'][0]['up'] is True


_WITHOUT_PYROUTE2 = '''
import runpy, sys
class Block:  # makes "import pyroute2" fail as it does on a host without the package
    def find_spec(self, name, path=None, target=None):
        if name == 'pyroute2' or name.startswith('pyroute2.'):
            raise ImportError('No module named ' + repr(name))
sys.meta_path.insert(0, Block())
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name='__main__')
'''


def test_missing_pyroute2_gives_the_install_hint(collections_dir):
    # A host without pyroute2 cannot be had inside this venv, so an import hook refuses it.
    path = os.path.join(collections_dir, 'args.json')
    with open(path, 'w') as f:
        json.dump({'ANSIBLE_MODULE_ARGS': {'name': 'a', 'peer': 'b'}}, f)
    proc = subprocess.run([sys.executable, '-c', _WITHOUT_PYROUTE2, 'ansible_collections.netns.systemd.plugins.modules.netns_veth', path],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=collections_dir), check=False)
    result = json.loads(proc.stdout)
    assert result['failed'] is True
    assert 'Failed to import the required Python library (pyroute2)' in result['msg']
    assert kernel.link(None, 'a') is None


@pytest.mark.parametrize('name, needs', [('netns', False), ('netns_unit', False), ('netns_chain', True), ('netns_veth', True)])
def test_only_the_modules_that_talk_netlink_import_pyroute2(collections_dir, name, needs):
    # A third of a second saved per task, and netns_unit works on a host without pyroute2.
    code = ('import sys; import ansible_collections.netns.systemd.plugins.modules.%s; '
            'print(any(m == "pyroute2" or m.startswith("pyroute2.") for m in sys.modules))' % name)
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=collections_dir),
                          check=True)
    assert proc.stdout.strip() == str(needs)


def test_macvlan_module_refuses_dhcp_which_needs_the_unit_s_client(collections_dir):
    kernel.ip(None, 'link', 'add', 'br-lan', 'type', 'bridge')
    result = run_module(collections_dir, 'netns_macvlan', {'name': 'mv0', 'netns': 'blue', 'parent': 'br-lan', 'addresses': ['dhcp6'],
                                                           'create_netns': True})
    assert result['failed'] is True
    assert 'addresses: dhcp and dhcp6 run a DHCP client in the link\'s unit' in result['msg'] and 'nothing was changed' in result['msg']
    assert kernel.netns_names() == []
