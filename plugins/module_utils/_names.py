# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name rules for network namespaces and interfaces, and the error types of the core.

Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

NETNS_NAME_MAX_BYTES = 255
IFNAME_MAX_BYTES = 15
# Names an interface cannot take: every namespace has its own lo, and an interface named all
# or default would collide with the sysctl directories net.ipv4.conf.all and .default.
RESERVED_IFNAMES = ('lo', 'all', 'default')


class NetnsError(Exception):
    """A failure the user can act on; the message says what and why."""


class InvalidInput(NetnsError):
    """User input rejected before anything was changed."""


class FailedAfterChanges(NetnsError):
    """A failure after some changes were made: ``lines`` says what changed."""

    def __init__(self, message, lines):
        NetnsError.__init__(self, message)
        self.lines = lines


def _utf8_len(value):
    return len(value.encode('utf-8', 'surrogateescape'))


def check_netns_name(name):
    """Raise InvalidInput unless ``name`` is a namespace name iproute2 accepts."""
    if not isinstance(name, str):
        raise InvalidInput('netns name %r is not a string' % (name,))
    if name == '':
        raise InvalidInput('netns name is empty')
    if name in ('.', '..'):
        raise InvalidInput("netns name %r is not allowed (it names a directory)" % name)
    if '/' in name:
        raise InvalidInput("netns name %r contains '/'" % name)
    if '\0' in name:
        raise InvalidInput('netns name %r contains a NUL byte' % name)
    if _utf8_len(name) > NETNS_NAME_MAX_BYTES:
        raise InvalidInput('netns name %r is %d bytes long; the limit is %d'
                           % (name, _utf8_len(name), NETNS_NAME_MAX_BYTES))
    return name


def check_ifname(name, what='interface name'):
    """Raise InvalidInput unless ``name`` is an interface name the kernel accepts."""
    if not isinstance(name, str):
        raise InvalidInput('%s %r is not a string' % (what, name))
    if name == '':
        raise InvalidInput('%s is empty' % what)
    if name in ('.', '..'):
        raise InvalidInput('%s %r is not allowed' % (what, name))
    if name in RESERVED_IFNAMES:
        raise InvalidInput('%s %r is reserved: every namespace has its own lo, and all and default name sysctl directories'
                           % (what, name))
    # '%' is a template to the kernel: "ve%d" would become the first free ve0, ve1, ...
    for char, label in (('/', "'/'"), ('\0', 'a NUL byte'), (':', "':'"), ('%', "'%' (the kernel reads it as a number template)")):
        if char in name:
            raise InvalidInput('%s %r contains %s' % (what, name, label))
    if any(c.isspace() for c in name):
        raise InvalidInput('%s %r contains whitespace' % (what, name))
    if _utf8_len(name) > IFNAME_MAX_BYTES:
        raise InvalidInput('%s %r is %d bytes long; the kernel limit is %d'
                           % (what, name, _utf8_len(name), IFNAME_MAX_BYTES))
    return name


def describe_end(netns, ifname):
    """How an interface is named in messages and diffs: ``blue:veth-b`` or ``host:veth-h``."""
    return '%s:%s' % (netns if netns is not None else 'host', ifname)
