#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns_veth
short_description: Manage veth pairs between network namespaces and the host
version_added: 0.1.0
description:
  - Makes a veth pair exist, with one end O(name) in O(netns) and the other end O(peer) in O(peer_netns),
    either of them the host when its namespace is omitted. Both ends are created in their namespaces
    directly and are brought up.
  - Converges the MTU, MAC addresses, the exact set of addresses and of static routes of each end.
  - O(links) handles a whole list of pairs in one call. Every item is validated, and every namespace
    and existing interface is checked, before the first change is made.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns
  - netns.systemd.netns.link
options:
  name:
    description:
      - The interface name of this end, at most 15 bytes, no C(/), C(:), C(%) or whitespace, not C(lo), C(all) or C(default).
      - Required unless O(links) is given.
    type: str
  peer:
    description: The interface name of the other end. Required with O(name).
    type: str
  peer_netns:
    description: The namespace of the other end. Omit it for the host.
    type: str
  peer_addresses:
    description: The exact set of addresses of the other end, as O(addresses) for this one.
    type: list
    elements: str
  peer_mac:
    description: The MAC address of the other end, as O(mac) for this one.
    type: str
  peer_routes:
    description: The exact set of static routes through the other end, as O(routes) for this one.
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
  links:
    description:
      - Several veth pairs in one call, each a dictionary of the options above. Mutually exclusive with
        the top-level O(name), O(peer) and the other per-pair options.
      - O(state), O(recreate) and O(create_netns) at the top level are the defaults for items that do not set them.
    type: list
    elements: dict
    suboptions:
      name:
        description: As O(name).
        type: str
        required: true
      peer:
        description: As O(peer).
        type: str
        required: true
      netns:
        description: As O(netns).
        type: str
      peer_netns:
        description: As O(peer_netns).
        type: str
      addresses:
        description: As O(addresses).
        type: list
        elements: str
      peer_addresses:
        description: As O(peer_addresses).
        type: list
        elements: str
      mac:
        description: As O(mac).
        type: str
      peer_mac:
        description: As O(peer_mac).
        type: str
      mtu:
        description: As O(mtu).
        type: int
      routes:
        description: As O(routes).
        type: list
        elements: dict
        suboptions:
          dst:
            description: As O(routes[].dst).
            type: str
            required: true
          gateway:
            description: As O(routes[].gateway).
            type: str
      peer_routes:
        description: As O(peer_routes).
        type: list
        elements: dict
        suboptions:
          dst:
            description: As O(peer_routes[].dst).
            type: str
            required: true
          gateway:
            description: As O(peer_routes[].gateway).
            type: str
      state:
        description: As O(state); defaults to the top-level value.
        type: str
        choices: [present, absent]
      recreate:
        description: As O(recreate); defaults to the top-level value.
        type: bool
      create_netns:
        description: As O(create_netns); defaults to the top-level value.
        type: bool
seealso:
  - module: netns.systemd.netns
  - module: netns.systemd.netns_macvlan
'''

EXAMPLES = r'''
- name: Join namespaces blue and red with a veth (the two-namespace lab)
  netns.systemd.netns_veth:
    name: veth-b
    netns: blue
    addresses: [10.1.0.2/24]
    peer: veth-r
    peer_netns: red
    peer_addresses: [10.1.0.3/24]

- name: A namespace reaching the world through the host
  netns.systemd.netns_veth:
    name: ve-vpn1
    netns: vpn
    addresses: [10.20.0.2/30]
    routes:
      - dst: default
        gateway: 10.20.0.1
    peer: ve-vpn0
    peer_addresses: [10.20.0.1/30]
    mtu: 1400
    create_netns: true

- name: A whole host in one task
  netns.systemd.netns_veth:
    links:
      - {name: vt1, netns: tenant1, addresses: [10.30.1.2/24], peer: vh1, peer_addresses: [10.30.1.1/24]}
      - {name: vt2, netns: tenant2, addresses: [10.30.2.2/24], peer: vh2, peer_addresses: [10.30.2.1/24]}
    create_netns: true

- name: Remove a pair (both ends go)
  netns.systemd.netns_veth:
    name: veth-b
    netns: blue
    peer: veth-r
    peer_netns: red
    state: absent
'''

RETURN = r'''
links:
  description: Every pair asked for, in order, as it is after the run (in check mode, as it would be).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Always C(veth).
      type: str
    name:
      description: The interface name of the first end.
      type: str
    netns:
      description: Its namespace, null for the host.
      type: str
    peer:
      description: The interface name of the other end.
      type: str
    peer_netns:
      description: Its namespace, null for the host.
      type: str
    state:
      description: C(present) or C(absent).
      type: str
    interfaces:
      description: The two ends (none when absent), each with C(netns), C(name), C(index), C(mac), C(mtu), C(up) and C(addresses).
      type: list
      elements: dict
  sample:
    - kind: veth
      name: veth-b
      netns: blue
      peer: veth-r
      peer_netns: red
      state: present
      interfaces:
        - {netns: blue, name: veth-b, index: 2, mac: "02:00:00:00:00:0b", mtu: 1500, up: true, addresses: [10.1.0.2/24]}
        - {netns: red, name: veth-r, index: 2, mac: "a6:35:f8:f5:ea:b2", mtu: 1500, up: true, addresses: [10.1.0.3/24]}
changes:
  description: The changes made (in check mode, that would be made), one line each.
  returned: always
  type: list
  elements: str
  sample: ["+ veth blue:veth-b <-> red:veth-r", "+ address 10.1.0.2/24 on blue:veth-b"]
'''

from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._model import specs_from_params
from ansible_collections.netns.systemd.plugins.module_utils._module import VETH_ITEM, finish, link_argument_spec, new_module, run_safely


def main():
    module = new_module(
        link_argument_spec(VETH_ITEM, required_in_item=('name', 'peer')),
        mutually_exclusive=[('links', key) for key in VETH_ITEM],
        required_one_of=[('links', 'name')],
        required_together=[('name', 'peer')],
    )
    result = run_safely(module, lambda: converge_links(specs_from_params('veth', module.params, VETH_ITEM), module.check_mode))
    finish(module, result)


if __name__ == '__main__':
    main()
