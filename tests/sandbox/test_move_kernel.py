"""An interface moved into a namespace, for real: a veth end stands in for a NIC (this kernel has
no dummy links). Its unit (the engine) moves it in under another name and sets it up, and gives
it back to the host under its own name, up and with its addresses if it had them; the
playbook's converger does the same with the same code, and repairs drift; a missing interface
and one that carries the host's default route are refused before any change."""

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._converge import LinkPlan, converge_links
from ansible_collections.netns.systemd.plugins.module_utils._host import live_specs, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from test_units import install_models, run_exec_lines

LAN = {'name': 'lan', 'links': [{'type': 'move', 'device': 'nic0', 'name': 'eth1', 'addresses': ['192.0.2.50/24'],
                                 'routes': [{'dst': 'default', 'gateway': '192.0.2.1'}]}]}


@pytest.fixture
def nic():
    """nic0 on the host, a veth end standing in for a NIC (its peer nic0p stays on the host)."""
    kernel.ip(None, 'link', 'add', 'nic0', 'type', 'veth', 'peer', 'name', 'nic0p')
    kernel.ip(None, 'netns', 'add', 'lan')
    install_models([LAN])
    return kernel.link(None, 'nic0')['address']


def names(netns):
    return sorted(link['ifname'] for link in kernel.ip_json(netns, 'link', 'show'))


def dropin():
    return parse_entries([LAN])[0].dropins('move')['netns-move@lan.service']


def test_its_unit_moves_it_in_and_gives_it_back_under_its_own_name(nic):
    assert parse_entries([LAN])[0].kinds == ['move']
    run_exec_lines(dropin())
    assert names('lan') == ['eth1', 'lo'] and 'nic0' not in names(None)
    assert kernel.link('lan', 'eth1')['address'] == nic
    assert kernel.addresses('lan', 'eth1') == set(['192.0.2.50/24'])
    assert kernel.static_routes('lan', 'eth1')
    # Started again (a restart of the unit): nothing to do, nothing fails.
    run_exec_lines(dropin())
    run_exec_lines(dropin(), key='ExecStop')
    assert names('lan') == ['lo'] and 'nic0' in names(None)
    assert kernel.link(None, 'nic0')['address'] == nic and kernel.link(None, 'nic0')['link'] == 'nic0p'
    # Stopped again: nothing is left to give back.
    run_exec_lines(dropin(), key='ExecStop')


def test_it_is_given_back_as_it_was_found_up_and_with_its_addresses(nic):
    kernel.ip(None, 'addr', 'add', '198.51.100.1/24', 'dev', 'nic0')
    kernel.ip(None, 'addr', 'add', '2001:db8:5::1/64', 'dev', 'nic0')
    kernel.ip(None, 'link', 'set', 'nic0', 'up')
    run_exec_lines(dropin())
    assert kernel.addresses('lan', 'eth1') == set(['192.0.2.50/24'])
    run_exec_lines(dropin(), key='ExecStop')
    assert 'UP' in kernel.link(None, 'nic0')['flags']
    assert kernel.addresses(None, 'nic0') == set(['198.51.100.1/24', '2001:db8:5::1/64'])
    # Down and bare on the host: it comes back down and bare.
    kernel.ip(None, 'addr', 'flush', 'dev', 'nic0')
    kernel.ip(None, 'link', 'set', 'nic0', 'down')
    run_exec_lines(dropin())
    run_exec_lines(dropin(), key='ExecStop')
    assert 'UP' not in kernel.link(None, 'nic0')['flags'] and kernel.addresses(None, 'nic0') == set()


def test_without_a_record_it_comes_back_bare_and_the_journal_says_so(nic):
    kernel.ip(None, 'link', 'set', 'nic0', 'netns', 'lan')
    kernel.ip('lan', 'link', 'set', 'nic0', 'name', 'eth1')
    said = run_exec_lines(dropin(), key='ExecStop')
    assert 'nic0' in names(None) and 'there is no record of how it was' in said


def test_the_converger_moves_it_live_with_the_units_code_and_repairs_drift(nic):
    kernel.ip(None, 'addr', 'add', '198.51.100.1/24', 'dev', 'nic0')
    specs = live_specs(parse_entries([LAN]))['lan']
    plan = LinkPlan(specs, check_mode=True)
    assert plan.lines[0] == '+ interface host:nic0 moved in as lan:eth1'
    plan.close()
    assert 'nic0' in names(None)
    result = converge_links(specs, check_mode=False)
    assert result['changed'] and names('lan') == ['eth1', 'lo']
    assert kernel.addresses('lan', 'eth1') == set(['192.0.2.50/24'])
    assert converge_links(specs, check_mode=False)['changed'] is False
    kernel.ip('lan', 'addr', 'add', '198.51.100.7/24', 'dev', 'eth1')
    assert converge_links(specs, check_mode=False)['diff_lines'] == ['- address 198.51.100.7/24 on lan:eth1']
    # Moved by the converger, given back by the unit: the same record, the same code.
    run_exec_lines(dropin(), key='ExecStop')
    assert kernel.addresses(None, 'nic0') == set(['198.51.100.1/24'])


def test_a_missing_interface_or_the_host_uplink_is_refused(nic):
    missing = parse_entries([{'name': 'lan', 'links': [{'type': 'move', 'device': 'nic9'}]}])
    with pytest.raises(InvalidInput, match='interface host:nic9 moved in as lan:nic9: host:nic9 is neither on the host nor in netns lan'):
        converge_links(live_specs(missing)['lan'], check_mode=True)
    kernel.ip(None, 'link', 'set', 'nic0', 'up')
    kernel.ip(None, 'route', 'add', 'default', 'dev', 'nic0')
    with pytest.raises(InvalidInput, match="host:nic0 is up and carries the host's default route.*force: true"):
        converge_links(live_specs(parse_entries([LAN]))['lan'], check_mode=False)
    assert 'nic0' in names(None)
    forced = dict(LAN, links=[dict(LAN['links'][0], force=True)])
    assert converge_links(live_specs(parse_entries([forced]))['lan'], check_mode=False)['changed']
    assert names('lan') == ['eth1', 'lo']
    with pytest.raises(InvalidInput, match='host:nic0 is named twice'):
        parse_entries([LAN, {'name': 'other', 'links': [{'type': 'move', 'device': 'nic0'}]}])
