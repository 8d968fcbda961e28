# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netlink sockets in many namespaces without a fork per namespace.

pyroute2's ``IPRoute(netns=...)`` forks a helper per socket and creates the namespace
if it is missing. Instead the thread enters the namespace with setns, opens a plain
``IPRoute()`` (a netlink socket stays bound to the namespace it was opened in) and
comes back. Works with pyroute2 0.7.x and 0.9.x. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

__all__ = ['HAS_PYROUTE2', 'PYROUTE2_IMPORT_ERROR', 'NamespaceHandles', 'NetlinkError']

import contextlib
import os
import resource
import traceback

from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import entered, link_brief, netns_id, netns_path, open_own_netns

try:
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError
except ImportError:
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()

    class NetlinkError(Exception):
        """Stand-in so that except clauses work when pyroute2 is missing."""

        code = None
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None


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

    def forget(self, netns):
        """Drop the handles of a namespace that is being removed."""
        sock = self._sockets.pop(netns, None)
        if sock is not None:
            sock.close()
        if netns is not None and netns in self._fds:
            os.close(self._fds.pop(netns))

    def close(self):
        for sock in self._sockets.values():
            sock.close()
        self._sockets = {}
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
