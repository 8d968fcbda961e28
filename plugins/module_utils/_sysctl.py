# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sysctls of one namespace: which keys a user may set, the file the units apply with
sysctl(8), and checking and setting them from a module, inside the namespace (setns of
one thread: /proc/sys/net shows the namespace of the thread that opens it).

Only ``net.*`` keys belong to a network namespace: any other key written from inside one
changes the whole host, so it is refused. Keys of one interface (``net.ipv4.conf.IF.*``) are
refused too, but for ``all``, ``default`` and ``lo``: the units apply the file when the
namespace is made, before its links exist; links made later take the ``default`` values.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import inside, netns_id
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import InsidePart

_KEY_RE = re.compile(r'^net(\.[A-Za-z0-9_-]+)+$')
_WORD_RE = re.compile(r'^[A-Za-z0-9_.:,/+-]+$')
_PER_DEVICE_RE = re.compile(r'^net\.(ipv4|ipv6)\.(conf|neigh)\.([^.]+)\.')
_NOT_A_DEVICE = ('all', 'default', 'lo')
PROC_SYS = '/proc/sys'


def sysctl_path(key, root=PROC_SYS):
    return os.path.join(root, *key.split('.'))


def _value(where, key, value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        words = [str(part) for part in value]
    elif isinstance(value, str):
        words = value.split()
    else:
        raise InvalidInput('%s: sysctl %s: %r is not a number, a word or a list of them' % (where, key, value))
    if not words or not all(_WORD_RE.match(word) for word in words):
        raise InvalidInput('%s: sysctl %s: %r is not a value sysctl takes (words of letters, digits and _.:,/+-, '
                           'separated by blanks)' % (where, key, value))
    return ' '.join(words)


def parse_sysctl(where, settings):
    """{key: value as a string with single blanks} from the user's map, or InvalidInput
    whose message starts with ``where``."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise InvalidInput('%s: sysctl must be a map of keys to values, not %r' % (where, settings))
    parsed = {}
    for key in sorted(settings):
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise InvalidInput('%s: sysctl key %r is not a net.* key: other keys are not per namespace (writing one '
                               'from inside a namespace changes the whole host)' % (where, key))
        device = _PER_DEVICE_RE.match(key)
        if device and device.group(3) not in _NOT_A_DEVICE:
            raise InvalidInput('%s: sysctl %s names interface %s, which does not exist yet when the units apply the '
                               'sysctls (as the namespace is made): use net.%s.%s.default.%s, which links made later take'
                               % (where, key, device.group(3), device.group(1), device.group(2), key[device.end():]))
        parsed[key] = _value(where, key, settings[key])
    return parsed


def read_sysctl(key, root=PROC_SYS):
    """The value of ``key`` in the namespace this thread is in, blanks made single; None when
    this kernel has no such key."""
    try:
        with open(sysctl_path(key, root)) as f:
            return ' '.join(f.read().split())
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def write_sysctl(key, value, root=PROC_SYS):
    with open(sysctl_path(key, root), 'w') as f:
        f.write(value + '\n')


def sysctl_changes(settings, read=read_sysctl):
    """([(key, now, wanted)], [missing keys]) of the namespace this thread is in."""
    changes, missing = [], []
    for key in sorted(settings):
        now = read(key)
        if now is None:
            missing.append(key)
        elif now != settings[key]:
            changes.append((key, now, settings[key]))
    return changes, missing


def _missing(netns, keys):
    return ('netns %s: this kernel has no sysctl %s (no %s): remove it, or set sysctl_ignore_missing to skip it'
            % (netns, ', '.join(keys), sysctl_path(keys[0])))


def check_sysctl_keys(entries):
    """Raise InvalidInput for a key this kernel lacks, before anything changes: read inside
    the namespace, or for one not made yet in the module's own namespace (the same kernel).
    Entries with ``sysctl_ignore_missing`` are not checked."""
    for entry in entries:
        if entry.state != 'present' or not entry.sysctl or entry.sysctl_ignore_missing:
            continue
        if netns_id(entry.name) is not None:
            with inside(entry.name):
                missing = sysctl_changes(entry.sysctl)[1]
        else:
            missing = sysctl_changes(entry.sysctl)[1]
        if missing:
            raise InvalidInput(_missing(entry.name, missing))


def converge_sysctls(entries, check_mode):
    """Compare the sysctls of every present namespace that exists with the entries, and set
    those that differ unless ``check_mode``: ([lines], {netns: error})."""
    lines, errors = [], {}
    for entry in entries:
        if entry.state != 'present' or not entry.sysctl or netns_id(entry.name) is None:
            continue
        try:
            with inside(entry.name):
                changes, missing = sysctl_changes(entry.sysctl)
                if missing and not entry.sysctl_ignore_missing:
                    errors[entry.name] = _missing(entry.name, missing)
                    continue
                for key, now, wanted in changes:
                    if not check_mode:
                        try:
                            write_sysctl(key, wanted)
                        except (IOError, OSError) as exc:
                            raise NetnsError('sysctl %s = %s: %s' % (key, wanted, exc.strerror or exc))
                    lines.append('~ sysctl %s %s = %s (was %s)' % (entry.name, key, wanted, now))
        except (NetnsError, IOError, OSError) as exc:
            errors[entry.name] = 'netns %s: %s' % (entry.name, exc)
    return lines, errors


class _Session:
    def __init__(self, entries):
        self._entries = entries

    def check(self):
        check_sysctl_keys(self._entries)

    def converge(self, check_mode, fresh=(), only=None):
        lines, errors = converge_sysctls([e for e in self._entries if only is None or e.name in only], check_mode)
        return lines, [], errors

    def close(self):
        pass


class SysctlPart(InsidePart):
    """A namespace's ``sysctl`` (and ``sysctl_ignore_missing``), an inside part (_parts.table)."""
    name = 'sysctl'

    def parse(self, entry, item, where):
        entry.sysctl = parse_sysctl(where, item.get('sysctl'))
        entry.sysctl_ignore_missing = bool(item.get('sysctl_ignore_missing'))

    def session(self, entries, run):
        return _Session(entries)


PART = SysctlPart()
