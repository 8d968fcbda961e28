"""The role's remotes of a vxlan: the other hosts of the play with the same VNI, by the address
of their underlay in their facts (the overlay itself is tested in the fleet scenario)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip('ansible', reason='the filter needs ansible-core')

from ansible.errors import AnsibleFilterError  # noqa: E402

from ansible_collections.netns.systemd.plugins.filter.netns_vxlan_remotes import netns_vxlan_remotes  # noqa: E402


def host(address, vni, underlay='eth0'):
    return {'ansible_facts': {underlay.replace('-', '_'): {'ipv4': {'address': address}}} if address else {},
            'netns_namespaces': [{'name': 't', 'links': [{'type': 'vxlan', 'vni': vni, 'underlay': underlay}]}] if vni else []}


def test_remotes_are_the_other_hosts_with_the_same_vni():
    hostvars = {'a': host('10.88.0.2', 42), 'b': host('10.88.0.3', 42), 'c': host('10.88.0.4', 7), 'd': host('10.88.0.5', None)}
    mine = [{'name': 't', 'links': [{'type': 'veth'}, {'type': 'vxlan', 'vni': 42, 'underlay': 'eth0'}]}, {'name': 'plain'}]
    filled = netns_vxlan_remotes(mine, hostvars, ['a', 'b', 'c', 'd'], 'a')
    assert filled[0]['links'][1]['remotes'] == ['10.88.0.3'] and filled[0]['links'][0] == {'type': 'veth'} and filled[1] == {'name': 'plain'}
    # Given remotes or a group are kept as they are.
    kept = [{'name': 't', 'links': [{'type': 'vxlan', 'vni': 42, 'underlay': 'eth0', 'group': '239.1.1.1'}]}]
    assert netns_vxlan_remotes(kept, hostvars, ['a', 'b'], 'a') == kept


def test_a_peer_without_facts_is_an_error_naming_it():
    hostvars = {'a': host('10.88.0.2', 42), 'b': host(None, 42)}
    with pytest.raises(AnsibleFilterError, match='no IPv4 address of eth0 on host b in its facts'):
        netns_vxlan_remotes([{'name': 't', 'links': [{'type': 'vxlan', 'vni': 42, 'underlay': 'eth0'}]}], hostvars, ['a', 'b'], 'a')


def test_a_namespace_that_goes_away_gets_no_remotes():
    # Every host removes the overlay: no peer is left, and none needs its facts.
    hostvars = {'a': host('10.88.0.2', 42), 'b': host(None, 42)}
    gone = [{'name': 't', 'state': 'absent', 'links': [{'type': 'vxlan', 'vni': 42, 'underlay': 'eth0'}]}]
    assert netns_vxlan_remotes(gone, hostvars, ['a', 'b'], 'a') == gone
