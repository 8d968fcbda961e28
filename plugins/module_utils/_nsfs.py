# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named network namespaces as iproute2 keeps them: nsfs bind mounts in /run/netns.

Creation, adoption and deletion happen in this process, without a fork, under the
same flock on /run/netns that iproute2 takes. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import socket
import struct
import time

from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError, check_netns_name

NETNS_RUN_DIR = '/run/netns'
THREAD_NETNS = '/proc/thread-self/ns/net'

CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_SHARED = 0x100000
MNT_DETACH = 0x2
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCGIFMTU = 0x8921
SIOCGIFHWADDR = 0x8927
IFF_UP = 0x1
_IFREQ = struct.Struct('16s24s')

# How long a name file that is not (yet) a namespace is given to become one: iproute2
# creates the file and bind-mounts it a moment later; a file still empty after this was
# left by a crash and is repaired.
_HALF_MADE_GRACE_SECONDS = 0.2

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6', use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
        _libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        _libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
        _libc.unshare.argtypes = [ctypes.c_int]
    return _libc


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, '%s: %s' % (what, os.strerror(err)))


def setns_net(fd):
    """Move the calling thread into the network namespace behind ``fd``."""
    _check(_c().setns(fd, CLONE_NEWNET), 'setns')


def _unshare_net():
    _check(_c().unshare(CLONE_NEWNET), 'unshare(CLONE_NEWNET)')


def _mount(source, target, flags, fstype='none'):
    _check(_c().mount(source.encode(), target.encode(), fstype.encode(), flags, None),
           'mount %s on %s' % (source or '(flags)', target))


def open_own_netns():
    """An fd on the calling thread's network namespace, to come back to after setns."""
    return os.open(THREAD_NETNS, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))


@contextlib.contextmanager
def entered(fd, own):
    """Run the body in the namespace behind ``fd`` (this thread only, and the processes it
    starts), then go back to the one behind ``own``."""
    setns_net(fd)
    try:
        yield
    finally:
        setns_net(own)


@contextlib.contextmanager
def inside(netns):
    """Run the body in namespace ``netns`` (this thread only, and the processes it starts),
    then come back."""
    fd = os.open(netns_path(netns), os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
    try:
        own = open_own_netns()
        try:
            with entered(fd, own):
                yield
        finally:
            os.close(own)
    finally:
        os.close(fd)


@contextlib.contextmanager
def scratch_netns():
    """Run the body in a new, empty namespace of its own (this thread only, and the processes
    it starts); the namespace is gone when the body ends."""
    own = open_own_netns()
    try:
        _unshare_net()
        try:
            yield
        finally:
            setns_net(own)
    finally:
        os.close(own)


def netns_path(name):
    return os.path.join(NETNS_RUN_DIR, check_netns_name(name))


def _nsfs_dev():
    return os.stat(THREAD_NETNS).st_dev


def netns_id(name):
    """The inode of namespace ``name``, or None if there is no such named namespace."""
    try:
        st = os.stat(netns_path(name))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    return st.st_ino if st.st_dev == _nsfs_dev() else None


def list_netns():
    """Names of the namespaces in /run/netns, sorted."""
    try:
        entries = os.listdir(NETNS_RUN_DIR)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise
    return sorted(n for n in entries if netns_id(n) is not None)


def _ensure_run_dir_shared():
    # Like iproute2: /run/netns is a shared mount so that names made later propagate
    # into mount namespaces cloned from this one (services with private mounts).
    # run_dir_lock() made the directory.
    try:
        _mount('', NETNS_RUN_DIR, MS_SHARED | MS_REC)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        _mount(NETNS_RUN_DIR, NETNS_RUN_DIR, MS_BIND | MS_REC)
        _mount('', NETNS_RUN_DIR, MS_SHARED | MS_REC)


@contextlib.contextmanager
def run_dir_lock():
    """Hold the flock on /run/netns that iproute2 (>= 5.10) takes."""
    try:
        os.mkdir(NETNS_RUN_DIR, 0o755)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
    fd = os.open(NETNS_RUN_DIR, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_CLOEXEC', 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ifreq(sock, request, ifname):
    return fcntl.ioctl(sock.fileno(), request, _IFREQ.pack(ifname.encode(), b''))[16:]


def loopback_up():
    """Bring up ``lo`` in the calling thread's namespace."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        flags = struct.unpack_from('H', _ifreq(sock, SIOCGIFFLAGS, 'lo'))[0]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, _IFREQ.pack(b'lo', struct.pack('H', flags | IFF_UP)))
    finally:
        sock.close()


def link_brief(ifname):
    """(index, mac, mtu, up) of interface ``ifname`` in the calling thread's namespace.

    A few ioctls: much cheaper than a netlink request and decode per interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        index = socket.if_nametoindex(ifname)
        hwaddr = _ifreq(sock, SIOCGIFHWADDR, ifname)[2:8]
        mtu = struct.unpack_from('i', _ifreq(sock, SIOCGIFMTU, ifname))[0]
        flags = struct.unpack_from('H', _ifreq(sock, SIOCGIFFLAGS, ifname))[0]
    finally:
        sock.close()
    return index, ':'.join('%02x' % b for b in bytearray(hwaddr)), mtu, bool(flags & IFF_UP)


def _wait_until_netns(name, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ino = netns_id(name)
        if ino is not None:
            return ino
        time.sleep(0.01)
    return netns_id(name)


def create_netns(name):
    """Create namespace ``name`` with ``lo`` up, or adopt it if it exists.

    Returns ``(inode, created)``. The caller holds run_dir_lock(). A failure leaves no
    name file behind.
    """
    path = netns_path(name)
    ino = netns_id(name)
    if ino is not None:
        return ino, False
    _ensure_run_dir_shared()
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetnsError('cannot create %s: %s' % (path, exc.strerror))
        ino = _wait_until_netns(name, _HALF_MADE_GRACE_SECONDS)
        if ino is not None:
            return ino, False
    try:
        with scratch_netns():
            loopback_up()
            _mount(THREAD_NETNS, path, MS_BIND)
    except OSError as exc:
        _remove_name_file(path)
        raise NetnsError('cannot create netns %r: %s' % (name, exc))
    return netns_id(name), True


def _remove_name_file(path):
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


def delete_netns(name):
    """Remove the name of namespace ``name``.

    Returns its inode, 0 for a name file that was not a namespace (left by a crash),
    or None when there was no such name.

    The namespace itself goes away with its last process or open reference, as with
    ``ip netns delete``. The caller holds run_dir_lock().
    """
    path = netns_path(name)
    if not os.path.lexists(path):
        return None
    ino = netns_id(name) or 0
    ret = _c().umount2(path.encode(), MNT_DETACH)
    if ret != 0 and ctypes.get_errno() != errno.EINVAL:
        err = ctypes.get_errno()
        raise NetnsError('cannot unmount %s: %s' % (path, os.strerror(err)))
    _remove_name_file(path)
    return ino
