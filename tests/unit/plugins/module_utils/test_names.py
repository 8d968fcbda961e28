"""Name rules: what iproute2 and the kernel accept, and the messages for what they refuse."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._names import (
    InvalidInput,
    check_ifname,
    check_netns_name,
    describe_end,
)


@pytest.mark.parametrize('name', ['blue', 'a', 'vpn-1', 'ns.with.dots', 'x' * 255, 'ünï'])
def test_good_netns_names_pass(name):
    assert check_netns_name(name) == name


@pytest.mark.parametrize('name, message', [
    ('', 'is empty'),
    ('.', 'names a directory'),
    ('..', 'names a directory'),
    ('a/b', "contains '/'"),
    ('../etc', "contains '/'"),
    ('a\0b', 'NUL'),
    ('x' * 256, '256 bytes long; the limit is 255'),
    ('é' * 128, '256 bytes long'),
    (None, 'is not a string'),
])
def test_bad_netns_names_are_refused_with_the_reason(name, message):
    with pytest.raises(InvalidInput, match=message.replace('(', r'\(').replace('.', r'\.')) as info:
        check_netns_name(name)
    if name:
        assert repr(name)[:20] in str(info.value) or 'bytes long' in str(info.value)


@pytest.mark.parametrize('name', ['eth0', 'veth-b', 'x' * 15, 've-blue0'])
def test_good_interface_names_pass(name):
    assert check_ifname(name) == name


@pytest.mark.parametrize('name, message', [
    ('x' * 16, '16 bytes long; the kernel limit is 15'),
    ('ab' + 'é' * 7, '16 bytes long'),
    ('', 'is empty'),
    ('.', 'not allowed'),
    ('..', 'not allowed'),
    ('a/b', "contains '/'"),
    ('a:b', "contains ':'"),
    ('a b', 'whitespace'),
    ('a\tb', 'whitespace'),
    ('a\nb', 'whitespace'),
    ('a\0b', 'NUL'),
])
def test_bad_interface_names_are_refused_with_the_reason(name, message):
    with pytest.raises(InvalidInput, match=message):
        check_ifname(name)


def test_describe_end_names_the_host_when_there_is_no_netns():
    assert describe_end(None, 'eth0') == 'host:eth0'
    assert describe_end('blue', 'veth-b') == 'blue:veth-b'
