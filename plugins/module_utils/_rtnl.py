# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netlink sockets in many namespaces without a fork per namespace.

pyroute2's ``IPRoute(netns=...)`` forks a helper per socket and creates the namespace
if it is missing. Instead the thread enters the namespace with setns, opens a plain
``IPRoute()`` (a netlink socket stays bound to the namespace it was opened in) and
comes back. Works with pyroute2 0.7.x and 0.9.x. Private to the collection: not an API.

What the link converger does most (reading a namespace's links, addresses and routes,
making a veth, setting a link up, adding an address) goes through ``LightRtnl`` instead:
a plain netlink socket, these few requests encoded here (byte for byte what IPRoute
sends), and the answers decoded by pyroute2's own message classes. pyroute2 0.9 runs an
asyncio loop per IPRoute, which costs more than the kernel's work for small requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

__all__ = ['HAS_PYROUTE2', 'PYROUTE2_IMPORT_ERROR', 'LightRtnl', 'NamespaceHandles', 'NetlinkError']

import contextlib
import errno
import os
import resource
import socket
import struct
import traceback

from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import entered, link_brief, netns_id, netns_path, open_own_netns

try:
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    from pyroute2.netlink.rtnl.rtmsg import rtmsg
except ImportError:
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()

    class NetlinkError(Exception):
        """Stand-in so that except clauses work when pyroute2 is missing."""

        code = None
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None


NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
RTM_GETROUTE = 26
RTM_NEWNSID = 88
RTM_GETNSID = 90
IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
VETH_INFO_PEER = 1
IFLA_NET_NS_FD = 28
IFA_ADDRESS = 1
IFA_LOCAL = 2
NETNSA_NSID = 1
NETNSA_FD = 3
IFF_UP = 0x1
_NLMSGHDR = struct.Struct('IHHII')
_IFINFOMSG = struct.Struct('BxHiII')
_IFADDRMSG = struct.Struct('BBBBI')
_RTMSG = struct.Struct('BBBBBBBBI')
_DUMP_RETRIES = 5


def _attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack('HH', length, kind) + payload + b'\0' * (-length % 4)


def _name(text):
    return text.encode() + b'\0'


def _only(data, offset, length, head, kinds):
    """The message at ``offset`` with only the top-level attributes of ``kinds`` (after
    ``head`` bytes of fixed header)."""
    start = offset + _NLMSGHDR.size + head
    end = offset + length
    msg = bytearray(data[offset:start])
    while start + 4 <= end:
        size, kind = struct.unpack_from('HH', data, start)
        if size < 4:
            break
        step = (size + 3) & ~3
        if (kind & 0x3fff) in kinds:
            msg += data[start:start + step]
        start += step
    struct.pack_into('I', msg, 0, len(msg))
    return bytes(msg)


def _attrs_of(data, start, end):
    """{type: payload} of the attributes between ``start`` and ``end``."""
    found = {}
    while start + 4 <= end:
        length, kind = struct.unpack_from('HH', data, start)
        if length < 4:
            break
        found[kind & 0x3fff] = data[start + 4:start + length]
        start += (length + 3) & ~3
    return found


class LightRtnl:
    """A NETLINK_ROUTE socket for the converger's most frequent requests.

    Dumps return pyroute2 messages (``get_links``, ``get_addr``, ``get_routes`` as IPRoute
    has them, without its filters); requests raise pyroute2's NetlinkError as IPRoute does.
    ``buf``: a bytearray to receive into, shared by the sockets of one NamespaceHandles."""

    def __init__(self, buf):
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        try:
            self._sock.bind((0, 0))
        except BaseException:
            self._sock.close()
            raise
        self._buf = buf
        self._seq = 0

    def close(self):
        self._sock.close()

    def _send(self, kind, flags, body):
        self._seq += 1
        self._sock.send(_NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind, flags, self._seq, 0) + body)
        return self._seq

    def _receive(self):
        size, _anc, flags, _addr = self._sock.recvmsg_into([self._buf])
        if flags & socket.MSG_TRUNC:
            raise OSError(errno.EMSGSIZE, 'netlink message larger than %d bytes' % len(self._buf))
        return bytes(self._buf[:size])

    def _messages(self, seq):
        """(type, flags, data, offset, length) of each message that answers ``seq``, until the
        answer ends (NLMSG_DONE or an acknowledgement); an error answer raises NetlinkError."""
        while True:
            data = self._receive()
            offset = 0
            while offset + _NLMSGHDR.size <= len(data):
                length, kind, flags, got_seq, _pid = _NLMSGHDR.unpack_from(data, offset)
                if length < _NLMSGHDR.size:
                    break
                if got_seq == seq:
                    if kind == NLMSG_ERROR:
                        code = -struct.unpack_from('i', data, offset + _NLMSGHDR.size)[0]
                        if code:
                            raise NetlinkError(code)
                        return
                    if kind == NLMSG_DONE:
                        # A dump that failed half way says so here.
                        code = -struct.unpack_from('i', data, offset + _NLMSGHDR.size)[0] if length >= _NLMSGHDR.size + 4 else 0
                        if code > 0:
                            raise NetlinkError(code)
                        yield kind, flags, data, offset, length
                        return
                    yield kind, flags, data, offset, length
                offset += (length + 3) & ~3

    def request(self, kind, flags, body):
        """Send one request and wait for its acknowledgement."""
        for _found in self._messages(self._send(kind, NLM_F_REQUEST | NLM_F_ACK | flags, body)):
            pass

    def _dump(self, kind, body, msg_class, only=None):
        for _attempt in range(_DUMP_RETRIES):
            found, interrupted = [], False
            for got, flags, data, offset, length in self._messages(self._send(kind, NLM_F_REQUEST | NLM_F_DUMP, body)):
                interrupted = interrupted or bool(flags & NLM_F_DUMP_INTR)
                if got != NLMSG_DONE:
                    msg = msg_class(data[offset:offset + length] if only is None else _only(data, offset, length, len(body), only))
                    msg.decode()
                    found.append(msg)
            if not interrupted:
                return found
        raise OSError(errno.EINTR, 'netlink dump interrupted %d times in a row' % _DUMP_RETRIES)

    # -- reading

    def get_links(self, only=None):
        """Every link; ``only``: keep just these attribute types (numbers) of each, which
        makes decoding several times cheaper (a link has about 40, statistics and all)."""
        return self._dump(RTM_GETLINK, _IFINFOMSG.pack(0, 0, 0, 0, 0), ifinfmsg, only)

    def get_addr(self):
        return self._dump(RTM_GETADDR, _IFADDRMSG.pack(0, 0, 0, 0, 0), ifaddrmsg)

    def get_routes(self, family, table):
        """Routes of ``family``; the kernel may send those of other tables too (as to IPRoute)."""
        return self._dump(RTM_GETROUTE, _RTMSG.pack(family, 0, 0, 0, table, 0, 0, 0, 0), rtmsg)

    def get_netnsid(self, fd):
        """The nsid this namespace gives the one behind ``fd`` (as IPRoute's ``nsid``), or None."""
        nsid = None
        for kind, _flags, data, offset, length in self._messages(
                self._send(RTM_GETNSID, NLM_F_REQUEST, struct.pack('Bxxx', 0) + _attr(NETNSA_FD, struct.pack('I', fd)))):
            if kind == RTM_NEWNSID:
                value = _attrs_of(data, offset + _NLMSGHDR.size + 4, offset + length).get(NETNSA_NSID)
                nsid = struct.unpack('I', value[:4])[0] if value is not None else None
                break
        return nsid

    # -- changing

    def add_veth(self, ifname, peer, peer_fd=None):
        """Create veth ``ifname`` with its ``peer`` (in the namespace behind ``peer_fd``, or
        this one)."""
        peer_request = _IFINFOMSG.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _name(peer))
        if peer_fd is not None:
            peer_request += _attr(IFLA_NET_NS_FD, struct.pack('I', peer_fd))
        info = _attr(IFLA_INFO_KIND, _name('veth')) + _attr(IFLA_INFO_DATA, _attr(VETH_INFO_PEER, peer_request))
        body = _IFINFOMSG.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _name(ifname)) + _attr(IFLA_LINKINFO, info)
        self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, body)

    def set_link(self, index, mtu=None, address=None, state=None):
        """Set ``mtu``, MAC ``address`` and ``state`` 'up' of link ``index`` in one request."""
        if state not in (None, 'up'):
            raise ValueError('state %r' % state)
        up = IFF_UP if state == 'up' else 0
        body = _IFINFOMSG.pack(0, 0, index, up, up)
        if mtu is not None:
            body += _attr(IFLA_MTU, struct.pack('I', mtu))
        if address is not None:
            body += _attr(IFLA_ADDRESS, bytes(bytearray(int(part, 16) for part in address.split(':'))))
        self.request(RTM_NEWLINK, 0, body)

    def addr(self, command, index, address, prefixlen):
        """Add or delete (``command``) ``address``/``prefixlen`` on link ``index``."""
        family = socket.AF_INET6 if ':' in address else socket.AF_INET
        packed = socket.inet_pton(family, address)
        body = _IFADDRMSG.pack(family, prefixlen, 0, 0, index) + _attr(IFA_ADDRESS, packed)
        if family == socket.AF_INET:
            body += _attr(IFA_LOCAL, packed)
        if command == 'add':
            self.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)
        elif command == 'del':
            self.request(RTM_DELADDR, 0, body)
        else:
            raise ValueError('command %r' % command)


class NamespaceHandles:
    """Namespace fds and netlink sockets, opened once per namespace and closed together.

    ``None`` stands for the namespace the module runs in (the host).
    """

    def __init__(self):
        # A namespace costs a few descriptors (its fd, a netlink socket and what pyroute2 adds):
        # hundreds of namespaces in one call would hit the usual soft limit of 1024.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self._own = open_own_netns()
        self._fds = {None: self._own}
        self._sockets = {}
        self._light = {}
        self._buf = None

    def fd(self, netns):
        if netns not in self._fds:
            if netns_id(netns) is None:
                raise NetnsError('netns %r does not exist' % netns)
            self._fds[netns] = os.open(netns_path(netns), os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
        return self._fds[netns]

    def rtnl(self, netns):
        """The IPRoute socket bound to ``netns``."""
        if netns not in self._sockets:
            if netns is None:
                self._sockets[None] = IPRoute()
            else:
                with self.inside(netns):
                    self._sockets[netns] = IPRoute()
        return self._sockets[netns]

    def light(self, netns):
        """The LightRtnl socket bound to ``netns``."""
        if netns not in self._light:
            if self._buf is None:
                self._buf = bytearray(1 << 20)
            with self.inside(netns):
                self._light[netns] = LightRtnl(self._buf)
        return self._light[netns]

    @contextlib.contextmanager
    def inside(self, netns):
        """Run the body in ``netns`` (this thread only), then come back."""
        if netns is None:
            yield
            return
        with entered(self.fd(netns), self._own):
            yield

    def link_brief(self, netns, ifname):
        """(index, mac, mtu, up) of ``ifname`` in ``netns``, read with ioctls."""
        with self.inside(netns):
            return link_brief(ifname)

    def link_index(self, netns, ifname):
        """The index of ``ifname`` in ``netns`` (OSError if there is none)."""
        with self.inside(netns):
            return socket.if_nametoindex(ifname)

    def forget(self, netns):
        """Drop the handles of a namespace that is being removed."""
        for sockets in (self._sockets, self._light):
            sock = sockets.pop(netns, None)
            if sock is not None:
                sock.close()
        if netns is not None and netns in self._fds:
            os.close(self._fds.pop(netns))

    def close(self):
        for sock in list(self._sockets.values()) + list(self._light.values()):
            sock.close()
        self._sockets = {}
        self._light = {}
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
