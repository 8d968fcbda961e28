"""A vxlan between hosts, for real in the sandbox: the sandbox is host A, namespace hostb is
host B on the far side of an underlay veth. A namespace of host A gets a vxlan whose socket
stays on host A (the namespace itself has no underlay) and reaches host B's vxlan; the FDB is
compared and repaired; a VNI that differs is refused."""

import subprocess

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_kinds_live, converge_links
from ansible_collections.netns.systemd.plugins.module_utils._host import live_specs, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from test_units import install_models, run_exec_lines

OVERLAY = {'name': 'ova', 'links': [{'type': 'vxlan', 'name': 'vx0', 'vni': 42, 'underlay': 'ul0', 'remotes': ['10.99.0.2'],
                                     'addresses': ['172.16.0.1/24']}]}


@pytest.fixture
def hosts():
    """Host B (namespace hostb) with its own vxlan, VNI 42, towards host A at 10.99.0.1."""
    kernel.ip(None, 'netns', 'add', 'hostb')
    kernel.ip(None, 'netns', 'add', 'ova')
    kernel.veth_to('hostb', 'ul0', 'ul1', '10.99.0.1/24', '10.99.0.2/24')
    kernel.ip('hostb', 'link', 'add', 'vxb', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'ul1', 'remote', '10.99.0.1')
    kernel.ip('hostb', 'addr', 'add', '172.16.0.2/24', 'dev', 'vxb')
    kernel.ip('hostb', 'link', 'set', 'vxb', 'up')


def test_its_unit_makes_a_vxlan_whose_socket_stays_on_the_host(hosts):
    # The unit runs the engine (the host's python3), which reads the namespace's model.
    install_models([OVERLAY])
    entry = parse_entries([OVERLAY])[0]
    run_exec_lines(entry.dropins('vxlan')['netns-vxlan@ova.service'])
    link = kernel.link('ova', 'vx0')
    assert link['linkinfo']['info_kind'] == 'vxlan' and link['linkinfo']['info_data']['id'] == 42
    # ova has no way to the underlay but the vxlan's socket on the host.
    assert sorted(l['ifname'] for l in kernel.ip_json('ova', 'link', 'show')) == ['lo', 'vx0']
    assert kernel.pings('ova', '172.16.0.2')
    # Started again: the same entries, nothing fails.
    run_exec_lines(entry.dropins('vxlan')['netns-vxlan@ova.service'])
    fdb = subprocess.check_output(['bridge', '-n', 'ova', 'fdb', 'show', 'dev', 'vx0'], text=True)
    assert fdb.count('00:00:00:00:00:00 dst 10.99.0.2') == 1
    run_exec_lines(entry.dropins('vxlan')['netns-vxlan@ova.service'], key='ExecStop')
    assert kernel.link('ova', 'vx0') is None


def test_the_converger_and_the_fdb_run_live(hosts):
    entries = parse_entries([OVERLAY])
    result = converge_links(live_specs(entries)['ova'], check_mode=False)
    assert result['diff_lines'][0] == '+ vxlan ova:vx0 (vni 42 on host:ul0)'
    assert converge_kinds_live(entries, check_mode=True) == (['+ fdb ova:vx0 dst 10.99.0.2'], {})
    assert not kernel.pings('ova', '172.16.0.2')
    assert converge_kinds_live(entries, check_mode=False) == (['+ fdb ova:vx0 dst 10.99.0.2'], {})
    assert kernel.pings('ova', '172.16.0.2')
    assert converge_kinds_live(entries, check_mode=False) == ([], {})
    subprocess.run(['bridge', '-n', 'ova', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.99.0.9'], check=True)
    assert converge_kinds_live(entries, check_mode=False) == (['- fdb ova:vx0 dst 10.99.0.9'], {})
    assert converge_links(live_specs(entries)['ova'], check_mode=False)['changed'] is False
    other = parse_entries([dict(OVERLAY, links=[dict(OVERLAY['links'][0], vni=43)])])
    with pytest.raises(InvalidInput, match='ova:vx0 is a vxlan with VNI 42, not 43'):
        converge_links(live_specs(other)['ova'], check_mode=True)


@pytest.mark.parametrize('link, message', [
    ({'vni': 0}, r'vni 0 is not a number from 1 to 16777215'),
    ({'underlay': None}, r'underlay .* is required'),
    ({'remotes': []}, r'needs remotes .* or a multicast group, or put netns_namespaces in group_vars or host_vars'),
    ({'remotes': ['10.0.0.300']}, r"remote '10.0.0.300' is not an IPv4 or IPv6 address"),
    ({'group': '10.0.0.1'}, r"group '10.0.0.1' is not a multicast address"),
    ({'group': '239.1.1.1'}, r'give remotes or a group, not both'),
    ({'underlay': 'eth9'}, r"vxlan underlay 'eth9' does not exist on the host"),
])
def test_bad_vxlan_input_is_refused(hosts, link, message):
    with pytest.raises(InvalidInput, match=message):
        parse_entries([dict(OVERLAY, links=[dict(OVERLAY['links'][0], **link)])])
