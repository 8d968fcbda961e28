#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns
short_description: Create, adopt or remove named network namespaces
version_added: 0.1.0
description:
  - Makes named network namespaces (the ones C(ip netns list) shows) exist or not.
  - A namespace that already exists, made by hand, by C(ip netns add) or left by a crash, is adopted as it
    is, and C(changed) stays false.
  - A new namespace comes with its loopback interface up.
  - A name file in C(/run/netns) that is not a namespace (left by a process killed half-way) is repaired.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns
options:
  name:
    description:
      - A namespace name, or a list of them, all handled in one call.
      - Names follow the rules of iproute2, not empty, not C(.) or C(..), no C(/), at most 255 bytes.
    type: list
    elements: str
    required: true
    aliases: [names]
  state:
    description:
      - C(present) creates missing namespaces and adopts existing ones.
      - C(absent) removes the names. The namespace itself goes away with the last process or interface
        that holds it, as with C(ip netns delete); veth peers of its interfaces on the host go with it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: netns.systemd.netns_veth
  - module: netns.systemd.netns_macvlan
'''

EXAMPLES = r'''
- name: Two namespaces for the lab
  netns.systemd.netns:
    name: [blue, red]

- name: Remove them
  netns.systemd.netns:
    name: [blue, red]
    state: absent
'''

RETURN = r'''
namespaces:
  description: Every namespace named in O(name), in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The namespace name.
      type: str
      sample: blue
    id:
      description:
        - The inode of the namespace, the same number C(ls -i /run/netns/NAME) and C(lsns) show.
        - Null for a namespace that does not exist (or, in check mode, would be created).
      type: int
      sample: 4026532247
    action:
      description: What this run did to it, C(create), C(remove) or C(none).
      type: str
      sample: create
changes:
  description: The changes made (in check mode, that would be made), one line each.
  returned: always
  type: list
  elements: str
  sample: ["+ netns blue"]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netns.systemd.plugins.module_utils._module import finish, run_safely
from ansible_collections.netns.systemd.plugins.module_utils._netns import converge_netns


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='list', elements='str', required=True, aliases=['names']),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    result = run_safely(module, lambda: converge_netns(module.params['name'], module.params['state'], module.check_mode))
    finish(module, result)


if __name__ == '__main__':
    main()
