# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's network managers told, each in its own configuration directory, to leave the
collection's host-side links alone: the host ends of a namespace's veths (one file per
namespace) and the bridges it made (one file). Without this, systemd-networkd's stock
80-container-ve.network claims ve-* links (systemd-nspawn's prefix, and our default host
ends), adds its own addresses and a DHCP server, and detaches bridge ports when it restarts.

A file is written only for a manager installed on the host, by exact link names (never a
pattern: nspawn's own ve-* links stay networkd's), and removed when its links go. A running
manager is reloaded (never restarted: a restart of networkd detaches bridge ports) when one
of its files changed. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.netns.systemd.plugins.module_utils._paths import HEADER

_WHY = '# The %s: made and set by netns.systemd, so left alone by %s.\n'


def _glob_literal(name):
    """``name`` as a glob that matches only itself (networkd's Name= takes globs)."""
    return ''.join('[%s]' % char if char in '*?[]' else char for char in name)


def _networkd_text(what, links):
    return (HEADER + _WHY % (what, 'systemd-networkd') + '[Match]\nName=%s\n\n[Link]\nUnmanaged=yes\n'
            % ' '.join(_glob_literal(name) for name in links))


def _networkmanager_text(what, links):
    # "+=" adds to the host's own unmanaged-devices; "interface-name:=" matches the name exactly.
    return (HEADER + _WHY % (what, 'NetworkManager') + '[keyfile]\nunmanaged-devices+=%s\n'
            % ';'.join('interface-name:=%s' % name for name in links))


class Manager:
    """A network manager: its ``unit``, the ``programs`` that tell it is installed, the
    ``directory`` it reads and the ``pattern`` of our file names there (%s: the owner)."""

    def __init__(self, name, unit, programs, directory, pattern, render):
        self.name = name
        self.unit = unit
        self.programs = programs
        self.directory = directory
        self.pattern = pattern
        self.render = render

    def installed(self):
        return any(os.path.exists(program) for program in self.programs)

    def path(self, owner, root=''):
        return root + os.path.join(self.directory, self.pattern % owner)


MANAGERS = (
    Manager('systemd-networkd', 'systemd-networkd.service', ('/lib/systemd/systemd-networkd', '/usr/lib/systemd/systemd-networkd'),
            '/etc/systemd/network', '05-netns-systemd-%s.network', _networkd_text),
    Manager('NetworkManager', 'NetworkManager.service', ('/usr/sbin/NetworkManager',),
            '/etc/NetworkManager/conf.d', '90-netns-systemd-%s.conf', _networkmanager_text),
)


def netns_owner(netns):
    return 'ns-%s' % netns


BRIDGES_OWNER = 'bridges'


def unmanaged_files(owner, what, links, root='', managers=MANAGERS):
    """{path: text, or None where the file is to go} of ``owner``'s file for each manager:
    ``links`` (sorted names; none: every file goes) for the managers installed; ``what``:
    what the links are, in words; ``root``: a directory the paths are below (tests)."""
    files = {}
    for manager in managers:
        wanted = links and manager.installed()
        files[manager.path(owner, root)] = manager.render(what, sorted(links)) if wanted else None
    return files


def managers_of(paths, root='', managers=MANAGERS):
    """The units of the managers whose files are among ``paths``."""
    return [manager.unit for manager in managers if any(os.path.dirname(path) == root + manager.directory for path in paths)]
