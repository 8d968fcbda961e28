"""Sysctl keys and values as the user gives them, the units' file, and the comparison with a
tree laid out like /proc/sys (the kernel tests are in tests/sandbox/test_sysctl_kernel.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._sysctl import (
    parse_sysctl,
    read_sysctl,
    sysctl_changes,
    sysctl_path,
)


def test_values_are_written_as_sysctl_reads_them_back():
    assert parse_sysctl('x', {'net.ipv4.ip_forward': True, 'net.ipv6.conf.all.disable_ipv6': 1,
                              'net.ipv4.ip_local_port_range': [20000, 29999], 'net.ipv4.tcp_congestion_control': ' reno ',
                              'net.ipv4.ping_group_range': '0\t2147483647'}) == {
        'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv4.ip_local_port_range': '20000 29999',
        'net.ipv4.tcp_congestion_control': 'reno', 'net.ipv4.ping_group_range': '0 2147483647'}
    assert parse_sysctl('x', None) == {}


@pytest.mark.parametrize('key, value, message', [
    ('kernel.hostname', 'x', "sysctl key 'kernel.hostname' is not a net.\\* key: other keys are not per namespace"),
    ('net.ipv4..x', 1, 'is not a net'),
    ('net.ipv4.conf.eth0.forwarding', 1, 'names interface eth0, .* use net.ipv4.conf.default.forwarding'),
    ('net.ipv6.neigh.ve-a1.proxy_delay', 1, 'use net.ipv6.neigh.default.proxy_delay'),
    ('net.ipv4.ip_forward', '1; reboot', 'is not a value sysctl takes'),
    ('net.ipv4.ip_forward', '1\nkernel.x = 1', 'is not a value sysctl takes'),
    ('net.ipv4.ip_forward', '', 'is not a value sysctl takes'),
    ('net.ipv4.ip_forward', {'a': 1}, 'is not a number, a word or a list'),
    ('net/ipv4/ip_forward', 1, 'is not a net'),
])
def test_keys_of_the_host_or_of_one_interface_and_odd_values_are_refused(key, value, message):
    with pytest.raises(InvalidInput, match='namespaces\\[0\\] \\(blue\\): .*' + message):
        parse_entries([{'name': 'blue', 'sysctl': {key: value}}])


def test_all_default_and_lo_are_not_interfaces_of_their_own():
    parsed = parse_sysctl('x', {'net.ipv4.conf.all.forwarding': 1, 'net.ipv4.conf.default.rp_filter': 2,
                                'net.ipv6.conf.lo.disable_ipv6': 0})
    assert sorted(parsed) == ['net.ipv4.conf.all.forwarding', 'net.ipv4.conf.default.rp_filter', 'net.ipv6.conf.lo.disable_ipv6']


def test_changes_and_missing_keys_are_read_from_the_tree(tmp_path):
    root = str(tmp_path)
    os.makedirs(os.path.dirname(sysctl_path('net.ipv4.ip_forward', root)))
    with open(sysctl_path('net.ipv4.ip_forward', root), 'w') as f:
        f.write('0\n')
    with open(sysctl_path('net.ipv4.ip_local_port_range', root), 'w') as f:
        f.write('32768\t60999\n')
    wanted = {'net.ipv4.ip_forward': '1', 'net.ipv4.ip_local_port_range': '32768 60999', 'net.ipv4.nope': '1'}
    assert sysctl_changes(wanted, read=lambda key: read_sysctl(key, root)) == (
        [('net.ipv4.ip_forward', '0', '1')], ['net.ipv4.nope'])
