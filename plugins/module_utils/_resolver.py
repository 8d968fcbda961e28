# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A namespace's resolver files in /etc/netns/NAME/, which ``ip netns exec`` binds over /etc
and a bound service reads:

  resolv.conf     its DNS servers (the dns option, a VPN client, a DHCP lease), or empty, so
                  that lookups inside fail rather than reach the host's resolver
  nsswitch.conf   the host's, with host lookups from files and DNS only: glibc then never
                  asks systemd-resolved (nss-resolve) or another NSS module of the host

What no file can hide is nscd's socket: glibc asks a running nscd before it reads
nsswitch.conf. ``netns-engine run`` (and a bound service) hides that socket too.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.netns.systemd.plugins.module_utils._files import link_in_path, make_dirs, write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._paths import HEADER, NETNS_ETC_DIR

HOST_NSSWITCH = '/etc/nsswitch.conf'
NSSWITCH_HOSTS = 'hosts:          files dns'
# The files of /etc/netns/NAME/ that ip netns exec binds over /etc.
RESOLV_CONF, NSSWITCH_CONF = 'resolv.conf', 'nsswitch.conf'


def host_nsswitch(path=HOST_NSSWITCH):
    """The text of the host's nsswitch.conf (a file the host owns: read as it is), or None."""
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def nsswitch_text(host_text):
    """The nsswitch.conf of a namespace: the databases of ``host_text`` (the host's file, None
    when it has none) as the host has them, but hosts from files and DNS only."""
    kept = [line.rstrip() for line in (host_text or '').splitlines()
            if line.strip() and not line.lstrip().startswith('#') and line.split(':')[0].strip() != 'hosts']
    return HEADER + ('# Host names from /etc/hosts and this namespace\'s resolv.conf only, never from the host\'s\n'
                     '# resolver (systemd-resolved, mdns...); the other databases as the host has them.\n') \
        + '\n'.join([NSSWITCH_HOSTS] + kept) + '\n'


def resolver_files(netns, etc_dir, host_text):
    """{path: text} of the files every namespace has, from the host's nsswitch.conf
    (``host_text``); the dns option adds resolv.conf's text."""
    return {os.path.join(etc_dir, netns, NSSWITCH_CONF): nsswitch_text(host_text)}


def make_resolver(name, etc_dir=NETNS_ETC_DIR):
    """/etc/netns/NAME/resolv.conf made empty and nsswitch.conf written when missing, so that
    lookups inside fail rather than reach the host's resolver; a link on the way is left alone,
    and said: [lines]."""
    lines = []
    # The host's nsswitch.conf is read only when a file is missing (the boot batch calls this
    # for every namespace).
    wanted = [(os.path.join(etc_dir, name, RESOLV_CONF), lambda: '', 'empty ')]
    wanted += [(os.path.join(etc_dir, name, NSSWITCH_CONF), lambda: nsswitch_text(host_nsswitch()), '')]
    for path, text, how in wanted:
        link = link_in_path(path)
        if link is not None:
            lines.append('! %s is a symbolic link: not making %s through it' % (link, path))
            continue
        if os.path.lexists(path):
            continue
        make_dirs(os.path.dirname(path))
        write_atomically(path, text())
        lines.append('+ %s%s' % (how, path))
    return lines
