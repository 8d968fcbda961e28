# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files the collection reads, writes and removes, on a host it does not trust.

Nothing here follows a symbolic link: not the file itself, not a directory on its way.
A link where a file or directory of ours should be is refused with a message naming it,
before anything is changed, so a link planted at /etc/netns/NAME/resolv.conf cannot make
a run overwrite the file it points to. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import shutil
import stat
import tempfile

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput


def _components(path):
    """'/a/b/c' -> ['/a', '/a/b', '/a/b/c']."""
    parts = os.path.abspath(path).split('/')[1:]
    return ['/' + '/'.join(parts[:i + 1]) for i in range(len(parts))]


def link_in_path(path):
    """The first symbolic link on ``path`` (the path itself included), or None."""
    for component in _components(path):
        try:
            if stat.S_ISLNK(os.lstat(component).st_mode):
                return component
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise
    return None


def check_no_link(path, doing='write'):
    """Raise InvalidInput when ``path`` or a directory on its way is a symbolic link."""
    link = link_in_path(path)
    if link is not None:
        where = '' if link == path else ' on the way to %s' % path
        raise InvalidInput('%s is a symbolic link%s: refusing to %s through it (replace it with a real %s)'
                           % (link, where, doing, 'file' if link == path else 'directory'))
    return path


def read_file(path):
    """The text of ``path``, or None when it does not exist; a link is refused."""
    check_no_link(path, 'read')
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise
    with os.fdopen(fd) as f:
        return f.read()


def is_regular_file(path):
    """Whether ``path`` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def make_dirs(directory, mode=0o755):
    """Make ``directory`` and its missing parents with ``mode``, following no link."""
    check_no_link(directory, 'make a directory')
    for component in _components(directory):
        if os.path.isdir(component):
            continue
        try:
            os.mkdir(component, mode)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
            if not stat.S_ISDIR(os.lstat(component).st_mode):
                raise InvalidInput('%s is not a directory' % component)


def write_atomically(path, content, mode=0o644, dir_mode=0o755):
    """Write to a new file beside ``path`` (created with ``mode``, so a private file is never
    readable by others, not even for a moment), then rename it into place."""
    check_no_link(path)
    directory = os.path.dirname(path)
    make_dirs(directory, dir_mode)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.netns-systemd.')
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'w') as f:
            f.write(content)
        os.rename(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def write_in_directory(directory, files, mode=0o644, dir_mode=0o755):
    """Write the small files ``files`` ({name: text}) in ``directory`` (made when missing), each
    through a new file renamed into place. The directory is checked for links once and then held
    open, so no file is written through a link, at the cost of one check for all of them."""
    check_no_link(directory)
    make_dirs(directory, dir_mode)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for name in sorted(files):
            tmp = '.netns-systemd.%s' % name
            fd = os.open(tmp, flags, mode, dir_fd=dir_fd)
            try:
                os.fchmod(fd, mode)
                os.write(fd, files[name].encode('utf-8'))
            finally:
                os.close(fd)
            os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def make_link(path, target):
    """Make ``path`` a symbolic link to ``target`` (a link beside it, renamed into place), with
    no link on the way to it."""
    check_no_link(os.path.dirname(path), 'make %s' % path)
    make_dirs(os.path.dirname(path))
    tmp = os.path.join(os.path.dirname(path), '.netns-systemd.%s.tmp' % os.path.basename(path))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    try:
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def rewrite_in_place(path, content):
    """Truncate and rewrite ``path`` keeping its inode: bind mounts of it (services joined to
    the namespace see it as /etc/resolv.conf) show the new content at once. A link, or a
    file with other names (a hard link to a file elsewhere), is refused."""
    check_no_link(path)
    make_dirs(os.path.dirname(path))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0), 0o644)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise InvalidInput('%s is not a plain file with one name (a hard link or a device): refusing to rewrite it' % path)
        os.ftruncate(fd, 0)
        os.write(fd, content.encode('utf-8'))
    finally:
        os.close(fd)


def check_removable(path):
    """Refuse to remove ``path`` through a linked directory (the path itself may be a link:
    removing a link removes only the link)."""
    check_no_link(os.path.dirname(path), 'remove %s' % path)
    return path


def remove_path(path):
    """Remove a file, link or directory tree (links inside are removed, never followed), and
    the directory of a drop-in when it is left empty."""
    check_removable(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
    parent = os.path.dirname(path)
    if parent.endswith('.service.d') and os.path.isdir(parent) and not os.listdir(parent):
        os.rmdir(parent)


def file_diff(path, before, after):
    """One file's change as ansible's diff shows it; None is a file that is not there."""
    return {'before_header': path if before is not None else '%s (absent)' % path, 'before': before or '',
            'after_header': path if after is not None else '%s (absent)' % path, 'after': after or ''}
