#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns_macvlan
short_description: Manage macvlan interfaces of network namespaces
version_added: 0.1.0
description:
  - Makes a macvlan interface O(name) exist in namespace O(netns), sitting on the host link O(parent).
    It is created in the namespace directly and brought up.
  - Converges the MTU, the MAC address, the exact set of addresses and of static routes.
  - A missing O(parent) is an error and nothing is created.
  - O(links) handles a whole list of macvlans in one call. Every item is validated, and every namespace,
    parent and existing interface is checked, before the first change is made.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns
  - netns.systemd.netns.link
options:
  name:
    description:
      - The interface name inside the namespace, at most 15 bytes, no C(/), C(:), C(%) or whitespace, not C(lo), C(all) or C(default).
      - Required unless O(links) is given.
    type: str
  parent:
    description: The host link the macvlan sits on, such as C(eth0). Required with O(name).
    type: str
  mode:
    description:
      - The macvlan mode. Changing the mode of an existing macvlan needs O(recreate=true).
      - Defaults to C(bridge).
    type: str
    choices: [private, vepa, bridge, passthru, source]
  links:
    description:
      - Several macvlans in one call, each a dictionary of the options above. Mutually exclusive with
        the top-level O(name), O(parent) and the other per-link options.
      - O(state), O(recreate) and O(create_netns) at the top level are the defaults for items that do not set them.
    type: list
    elements: dict
    suboptions:
      name:
        description: As O(name).
        type: str
        required: true
      parent:
        description: As O(parent).
        type: str
        required: true
      netns:
        description: As O(netns).
        type: str
      mode:
        description: As O(mode).
        type: str
        choices: [private, vepa, bridge, passthru, source]
      addresses:
        description: As O(addresses).
        type: list
        elements: str
      mac:
        description: As O(mac).
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
  - module: netns.systemd.netns_veth
'''

EXAMPLES = r'''
- name: Put namespace tenant1 on the LAN of eth0
  netns.systemd.netns_macvlan:
    name: mv0
    netns: tenant1
    parent: eth0
    addresses: [192.0.2.50/24]
    routes:
      - dst: default
        gateway: 192.0.2.1

- name: Several tenants in one task
  netns.systemd.netns_macvlan:
    links:
      - {name: mv0, netns: tenant1, parent: eth0, addresses: [192.0.2.51/24]}
      - {name: mv0, netns: tenant2, parent: eth0, addresses: [192.0.2.52/24], mode: private}
    create_netns: true
'''

RETURN = r'''
links:
  description: Every macvlan asked for, in order, as it is after the run (in check mode, as it would be).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Always C(macvlan).
      type: str
    name:
      description: The interface name.
      type: str
    netns:
      description: Its namespace, null for the host.
      type: str
    parent:
      description: The host link it sits on.
      type: str
    mode:
      description: The macvlan mode.
      type: str
    state:
      description: C(present) or C(absent).
      type: str
    interfaces:
      description: The interface (none when absent), with C(netns), C(name), C(index), C(mac), C(mtu), C(up) and C(addresses).
      type: list
      elements: dict
  sample:
    - kind: macvlan
      name: mv0
      netns: tenant1
      parent: eth0
      mode: bridge
      state: present
      interfaces:
        - {netns: tenant1, name: mv0, index: 2, mac: "5a:1c:30:44:9e:01", mtu: 1500, up: true, addresses: [192.0.2.50/24]}
changes:
  description: The changes made (in check mode, that would be made), one line each.
  returned: always
  type: list
  elements: str
  sample: ["+ macvlan tenant1:mv0 on host:eth0 (mode bridge)", "+ address 192.0.2.50/24 on tenant1:mv0"]
'''

from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._model import specs_from_params
from ansible_collections.netns.systemd.plugins.module_utils._module import MACVLAN_ITEM, finish, link_argument_spec, new_module, run_safely


def main():
    module = new_module(
        link_argument_spec(MACVLAN_ITEM, required_in_item=('name', 'parent')),
        mutually_exclusive=[('links', key) for key in MACVLAN_ITEM],
        required_one_of=[('links', 'name')],
        required_together=[('name', 'parent')],
    )
    result = run_safely(module, lambda: converge_links(specs_from_params('macvlan', module.params, MACVLAN_ITEM), module.check_mode))
    finish(module, result)


if __name__ == '__main__':
    main()
