"""What a Snapshot keeps of a link, and the light netlink socket's message trimming."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import struct

import pytest

from ansible_collections.netns.systemd.plugins.module_utils import _rtnl
from ansible_collections.netns.systemd.plugins.module_utils._snapshot import LINK_ATTRS

pyroute2 = pytest.importorskip('pyroute2')
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg  # noqa: E402  pylint: disable=wrong-import-position

MODULE_UTILS = os.path.join(os.path.dirname(os.path.abspath(__file__)), *(['..'] * 4 + ['plugins', 'module_utils']))
# Reads links it dumps itself, with every attribute.
OWN_DUMPS = ('_info.py',)


def test_link_attrs_are_the_kernel_numbers():
    names = [entry[0] for entry in ifinfmsg.nla_map]
    for name, number in LINK_ATTRS.items():
        assert names[number] == name


def test_every_link_attribute_the_code_reads_is_kept():
    top_level = set(entry[0] for entry in ifinfmsg.nla_map)
    read = set()
    for top, _dirs, files in os.walk(MODULE_UTILS):
        for name in files:
            if name.endswith('.py') and name not in OWN_DUMPS:
                with open(os.path.join(top, name)) as handle:
                    read.update(re.findall(r"get_attr\('(IFLA_[A-Z0-9_]+)'", handle.read()))
    assert read, 'no get_attr found: wrong directory?'
    assert sorted(name for name in read & top_level if name not in LINK_ATTRS) == []


def test_only_keeps_the_attributes_asked_for_and_fixes_the_length():
    msg = ifinfmsg()
    msg['index'] = 7
    msg['flags'] = 1
    msg['attrs'] = [('IFLA_IFNAME', 've0'), ('IFLA_TXQLEN', 1000), ('IFLA_MTU', 1400),
                    ('IFLA_LINKINFO', {'attrs': [('IFLA_INFO_KIND', 'veth')]}), ('IFLA_GROUP', 0)]
    msg.encode()
    data = b'\0' * 8 + bytes(msg.data)  # not at the start of the buffer, as in a dump
    length = struct.unpack_from('I', data, 8)[0]
    kept = frozenset([LINK_ATTRS['IFLA_IFNAME'], LINK_ATTRS['IFLA_MTU'], LINK_ATTRS['IFLA_LINKINFO']])
    trimmed = _rtnl._only(data, 8, length, 16, kept)
    assert struct.unpack_from('I', trimmed)[0] == len(trimmed) < length
    got = ifinfmsg(trimmed)
    got.decode()
    assert (got['index'], got['flags']) == (7, 1)
    assert [name for name, _value in got['attrs']] == ['IFLA_IFNAME', 'IFLA_MTU', 'IFLA_LINKINFO']
    assert got.get_attr('IFLA_MTU') == 1400
    assert got.get_attr('IFLA_LINKINFO').get_attr('IFLA_INFO_KIND') == 'veth'
    assert got.get_attr('IFLA_TXQLEN') is None


def test_attribute_padding():
    assert _rtnl._attr(3, b've0\0') == struct.pack('HH', 8, 3) + b've0\0'
    assert _rtnl._attr(3, b'v\0') == struct.pack('HH', 6, 3) + b'v\0\0\0'
