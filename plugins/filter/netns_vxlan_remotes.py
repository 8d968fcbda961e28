# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: netns_vxlan_remotes
short_description: Fill in the remotes of a host's vxlan links from the other hosts of the play
version_added: 0.1.0
description:
  - Takes a host's namespaces (the C(netns_namespaces) of the C(netns) role) and gives them back with the C(remotes) of
    every vxlan link that has neither C(remotes) nor C(group) filled in. The remotes are the other hosts of the play
    that declare a vxlan with the same C(vni), each by the IPv4 address of that host's own C(underlay) interface, as
    its gathered facts say.
  - The C(netns) role applies it, so that one play sets up an overlay across a fleet. The hosts' facts must be gathered
    (C(gather_facts) or M(ansible.builtin.setup)); a peer without them is an error naming it.
  - It sees the other hosts' namespaces through O(hostvars) only, so their C(netns_namespaces) must be in group_vars or
    host_vars (the inventory's, or files next to the playbook). A play's C(vars) and C(vars_files) and a role's
    defaults are not in other hosts' C(hostvars); declared there, no other host is found, the remotes stay empty, and
    M(netns.systemd.netns_chain) fails saying that the vxlan needs remotes.
positional: hostvars, hosts, me
options:
  _input:
    description: The namespaces of this host.
    type: list
    elements: dict
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The hosts of the play (C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
  me:
    description: This host (C(inventory_hostname)).
    type: str
    required: true
author:
  - netns.systemd developers (@netns-systemd)
'''

EXAMPLES = r'''
- name: The namespaces, with the remotes of their vxlans filled in
  netns.systemd.netns_chain:
    namespaces: "{{ netns_namespaces | netns.systemd.netns_vxlan_remotes(hostvars, ansible_play_hosts, inventory_hostname) }}"
'''

RETURN = r'''
_value:
  description: The namespaces, each vxlan link with its C(remotes).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError


def _vxlans(namespaces):
    for item in namespaces or ():
        if isinstance(item, dict) and item.get('state', 'present') != 'absent':
            for link in item.get('links') or ():
                if isinstance(link, dict) and link.get('type') == 'vxlan':
                    yield link


def _address(hostvars, host, underlay):
    facts = hostvars[host].get('ansible_facts') or {}
    interface = facts.get(str(underlay).replace('-', '_')) or {}
    address = (interface.get('ipv4') or {}).get('address')
    if not address:
        raise AnsibleFilterError('netns_vxlan_remotes: no IPv4 address of %s on host %s in its facts: gather facts on every '
                                 'host of the overlay, or give remotes' % (underlay, host))
    return address


def netns_vxlan_remotes(namespaces, hostvars, hosts, me):
    result = []
    for item in namespaces or ():
        # A namespace that goes away needs no remotes (netns_chain reads no link of it).
        if (not isinstance(item, dict) or item.get('state', 'present') == 'absent'
                or not any(isinstance(link, dict) and link.get('type') == 'vxlan' for link in item.get('links') or ())):
            result.append(item)
            continue
        links = []
        for link in item.get('links') or ():
            if isinstance(link, dict) and link.get('type') == 'vxlan' and not link.get('remotes') and not link.get('group'):
                peers = [host for host in hosts if host != me
                         and any(other.get('vni') == link.get('vni') for other in _vxlans(hostvars[host].get('netns_namespaces')))]
                link = dict(link, remotes=[_address(hostvars, host, link.get('underlay')) for host in peers])
            links.append(link)
        result.append(dict(item, links=links))
    return result


class FilterModule:
    def filters(self):
        return {'netns_vxlan_remotes': netns_vxlan_remotes}
