# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Every module of the collection: check mode, diff and platform, documented one way.
    DOCUMENTATION = r'''
options: {}
requirements:
  - Linux, run as root (C(become=true)); network namespaces need C(CAP_SYS_ADMIN) and C(CAP_NET_ADMIN)
attributes:
  check_mode:
    support: full
    description: Reads the kernel, reports exactly what would change, and changes nothing.
  diff_mode:
    support: full
    description: The diff lists each change in words, such as C(+ address 10.1.0.2/24 on blue:veth-b).
  platform:
    support: full
    platforms: linux
    description: Linux only.
notes:
  - Namespaces are the ones C(ip netns) knows, bind mounts in C(/run/netns). Creation and removal take
    the same C(flock) on C(/run/netns) as iproute2, so this module and C(ip netns add) never race.
  - No process is forked per namespace. The module enters each namespace with C(setns) to open its netlink socket.
'''

    # netns_info, which changes nothing: used instead of DOCUMENTATION, without what that says
    # of changes (check mode, diffs, the lock taken to create and remove).
    INFO = r'''
options: {}
requirements:
  - Linux, run as root (C(become=true)); entering a network namespace needs C(CAP_SYS_ADMIN)
attributes:
  check_mode:
    support: full
    description: The module only reads, so check mode returns what a normal run returns.
  diff_mode:
    support: none
    description: The module only reads; it returns no diff.
  platform:
    support: full
    platforms: linux
    description: Linux only.
notes:
  - Namespaces are the ones C(ip netns) knows, bind mounts in C(/run/netns).
  - No process is forked per namespace. The module enters each namespace with C(setns) to open its netlink socket.
'''

    # Options shared by the link modules (netns_veth, netns_macvlan).
    LINK = r'''
requirements:
  - pyroute2 >= 0.7.2 on the managed host (Debian and Ubuntu C(python3-pyroute2), or C(pip install pyroute2))
notes:
  - In check mode a namespace that does not exist yet is taken to be made by an earlier task, such as
    M(netns.systemd.netns) in the same play, which made nothing in check mode. The module warns and plans
    against an empty namespace. Outside check mode a missing namespace is an error unless O(create_netns=true).
options:
  netns:
    description:
      - The namespace the interface C(name) lives in. Omit it for the host (the namespace Ansible runs in).
    type: str
  addresses:
    description:
      - The exact set of IPv4 and IPv6 addresses, with prefix length, of interface C(name).
      - Addresses not in the list are removed, except IPv6 link-local ones the kernel adds by itself.
      - Omit it to leave addresses alone; an empty list removes them all.
    type: list
    elements: str
  mac:
    description:
      - The MAC address of interface C(name), six hex octets separated by colons. Must be unicast.
      - Omit it to keep the one the kernel chose.
    type: str
  mtu:
    description:
      - The MTU, 68 to 65535. For a veth, both ends get it. Omit it to leave the MTU alone.
    type: int
  routes:
    description:
      - The exact set of static routes (C(proto static), main table) through interface C(name).
      - Static routes through the interface that are not listed are removed; routes of other protocols,
        such as the kernel's routes to connected networks, are left alone. Omit it to leave routes alone.
    type: list
    elements: dict
    suboptions:
      dst:
        description: The destination network (C(10.2.0.0/16), C(fd00:2::/64)) or C(default).
        type: str
        required: true
      gateway:
        description: The next hop. Omit it for a route straight out of the interface.
        type: str
  state:
    description:
      - C(present) creates the link if it is missing and converges its settings; C(absent) removes it.
      - With O(links), the value for items that do not set their own.
    type: str
    choices: [present, absent]
    default: present
  recreate:
    description:
      - When an interface with one of the names exists but is not the wanted link (another kind, another
        peer, parent or mode), delete it and create the wanted link. Without it, that is an error and
        nothing is changed.
      - With O(links), the value for items that do not set their own.
    type: bool
    default: false
  create_netns:
    description:
      - Create a namespace named by the link that does not exist yet. Without it, a missing namespace is
        an error and nothing is changed.
      - With O(links), the value for items that do not set their own.
    type: bool
    default: false
'''
