#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns_info
short_description: What network namespaces a host has, what is in them, and what differs from the declared ones
version_added: 0.1.0
description:
  - Reads every named network namespace of the host (C(/run/netns)), or those of O(names), and returns per namespace
    its name, inode and netns id; whether the collection manages it, with its units and their states; its links
    (kind, veth peer and its namespace, macvlan parent and mode, bridge, MTU, MAC, state, addresses); its routes;
    the processes inside, with their command and systemd unit (what C(ip netns pids) gives); and the services bound
    to it by M(netns.systemd.netns_unit), each checked to run inside it (the inode comparison of its O(netns.systemd.netns_unit#module:verify)).
  - Also returns the host's own links and routes, the unnamed namespaces that processes hold (containers, services
    with C(PrivateNetwork=)) with their processes, and, with O(pid), which namespace a process is in (C(ip netns identify)).
  - Each namespace is read through one netlink socket opened inside it (no process per namespace), and the processes
    from one pass over C(/proc). Measured with C(benchmarks/bench_info.py) on 200 namespaces, the module as Ansible
    runs it (links, routes and processes) took 2.2 times as long as C(ip -all netns exec ip -j addr), which reads
    addresses only, with pyroute2 0.9.7; its reading alone took 1.5 times as long with pyroute2 0.9.7 and 0.94 times
    with pyroute2 0.7.2. The same C(ip) loop reading links and routes took 1.95 times as long.
  - RV(problems) gives one line per problem found,
    so that a play over a fleet can fail or report on them.
  - Changes nothing; check mode returns the same.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns.info
requirements:
  - pyroute2 >= 0.7.2 on the managed host
  - systemd, for O(gather=units) and O(gather=services)
options:
  names:
    description: Only these namespaces (the others are not read). All of them when omitted.
    type: list
    elements: str
  gather:
    description:
      - What to read of each namespace. C(links) and C(routes) read netlink inside it; C(pids) reads C(/proc) once
        (and finds the unnamed namespaces); C(units) asks systemd about the collection's units once; C(services) reads
        the bindings of M(netns.systemd.netns_unit) and their main processes.
    type: list
    elements: str
    choices: [links, routes, pids, units, services]
    default: [links, routes, pids, units, services]
  pid:
    description: A process to find the namespace of (returned as RV(identify)).
    type: int
  declared:
    description:
      - The namespaces the host should have, as given to M(netns.systemd.netns_chain) (O(netns.systemd.netns_chain#module:namespaces)),
        or the C(netns_namespaces) of the C(netns) role. With it, RV(problems) also says what is declared but
        missing and what is there but not declared (stray namespaces, links left by hand), and names a firewall of
        the host (Docker, ufw, firewalld, a chain with policy drop at the forward hook) that drops the forwarded
        traffic of the collection's bridges and veths, with the commands that let it through, as
        M(netns.systemd.netns_chain)'s O(netns.systemd.netns_chain#module:host_firewall) check does (one
        C(nft -j list ruleset), only when the host forwards for the namespaces).
      - Validated as M(netns.systemd.netns_chain) validates it; a macvlan parent is not looked for.
      - It may hold WireGuard keys. This module logs nothing of its arguments, and masks the keys in its result.
    type: list
    elements: dict
  bindings:
    description:
      - The services the host should have bound to namespaces, as given to M(netns.systemd.netns_unit)
        (O(netns.systemd.netns_unit#module:bindings)), or the C(netns_service_bindings) of the C(netns_service) role.
      - With it, RV(problems) also says which declared binding has no drop-in joining its namespace (after
        C(systemctl revert) or a drop-in removed by hand, the service runs on the host and only this list tells),
        runs in another namespace, or is not running; and which binding declared absent still has its drop-in.
      - The services of these bindings are read whatever O(gather) says.
    type: list
    elements: dict
    suboptions:
      service:
        description: The service (C(nginx), C(nginx.service), C(openvpn-client@work.service)).
        type: str
        required: true
      netns:
        description: The namespace it is bound to; required when O(bindings[].state=present).
        type: str
      dns_isolation:
        description: Accepted so that the same list can be passed; not checked.
        type: bool
        default: true
      state:
        description: C(present) for a service that should be bound, C(absent) for one that should not.
        type: str
        choices: [present, absent]
        default: present
seealso:
  - module: netns.systemd.netns_chain
  - module: netns.systemd.netns_unit
  - plugin: netns.systemd.netns_picture
    plugin_type: filter
'''

EXAMPLES = r'''
- name: What the host has
  netns.systemd.netns_info:
  register: info

- name: Fail when a host differs from its declared namespaces, or a service runs outside its namespace
  netns.systemd.netns_info:
    declared: "{{ netns_namespaces }}"
    bindings: "{{ netns_service_bindings }}"
    gather: [links, units, services]
  register: health
  failed_when: health.problems | length > 0

- name: Which namespace is process 4242 in
  netns.systemd.netns_info:
    pid: 4242
    gather: []
  register: where

- name: A picture of the host (Mermaid)
  ansible.builtin.debug:
    msg: "{{ info | netns.systemd.netns_picture('mermaid') }}"
'''

RETURN = r'''
namespaces:
  description:
    - Each named namespace read, by name.
    - C(managed) (the collection has units or files for it) is read from those files, whatever O(gather) says.
    - A veth's C(peer_netns) is null both for a peer on the host (then C(peer_on_host) is true) and for a peer that
      was not found (then C(peer) is null too).
  returned: always
  type: dict
  sample:
    blue:
      name: blue
      inode: 4026532291
      nsid: 0
      managed: true
      units: [{unit: netns_name@blue.service, active: true, enabled: true}, {unit: netns-veth@blue.service, active: true, enabled: false}]
      links:
        - {ifname: ve-blue1, ifindex: 2, kind: veth, state: UP, up: true, mtu: 1500, mac: "5a:1c:0e:11:22:33",
           addresses: [10.10.1.2/24, "fe80::581c:eff:fe11:2233/64"], peer: ve-blue0, peer_netns: null, peer_on_host: true,
           parent: null, mode: null, master: null}
      routes: [{dst: default, gateway: 10.10.1.1, dev: ve-blue1, protocol: static, family: inet}]
      pids: [{pid: 812, command: busybox, unit: web.service}]
      services: [{service: web.service, main_pid: 812, running: true, inside: true, runs_in: blue, dropin: true}]
host:
  description: The host's own C(links) and C(routes), in the same form (when those are gathered).
  returned: always
  type: dict
unnamed:
  description: Namespaces that processes hold but that have no name in C(/run/netns), with their inode and processes (when C(pids) is gathered).
  returned: always
  type: list
  elements: dict
  sample: [{inode: 4026532500, pids: [{pid: 977, command: nginx, unit: nginx.service}]}]
identify:
  description: Where O(pid) is, with C(netns) a name, C(host), or null for an unnamed namespace; null when there is no such process.
  returned: when O(pid) is given
  type: dict
  sample: {pid: 4242, inode: 4026532291, netns: blue}
problems:
  description:
    - One line per problem. Always, a bound service that runs outside its namespace and a unit of the collection that
      is not active; with O(declared), a namespace or link declared but missing, one there but not declared, and a
      host firewall that drops the namespaces' forwarded traffic (a line that starts with C(host firewall)); with O(bindings), a declared
      binding without its drop-in or whose service is not running.
  returned: always
  type: list
  elements: str
  sample: ["service web.service is bound to netns blue but runs in the host", "netns stray exists but is not declared",
           "netns blue: link tmp0 exists but is not declared"]
'''

from ansible_collections.netns.systemd.plugins.module_utils._binding import parse_bindings
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import installed_firewall_problems
from ansible_collections.netns.systemd.plugins.module_utils._info import GATHER, gather_info, health
from ansible_collections.netns.systemd.plugins.module_utils._kinds.wireguard import wireguard_secrets
from ansible_collections.netns.systemd.plugins.module_utils._module import new_module, run_safely
from ansible_collections.netns.systemd.plugins.module_utils._paths import UNIT_DIR
from ansible_collections.netns.systemd.plugins.module_utils._systemd import systemctl_runner, unit_states

ARGUMENT_SPEC = dict(
    names=dict(type='list', elements='str'),
    gather=dict(type='list', elements='str', choices=list(GATHER), default=list(GATHER)),
    pid=dict(type='int'),
    declared=dict(type='list', elements='dict'),
    bindings=dict(type='list', elements='dict', options=dict(
        service=dict(type='str', required=True),
        netns=dict(type='str'),
        dns_isolation=dict(type='bool', default=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )),
)


def main():
    # declared may hold WireGuard keys, which its bare list type cannot mark no_log: nothing of
    # this call is logged, and the keys are masked in what it returns.
    module = new_module(ARGUMENT_SPEC, no_log=True)
    params = module.params
    module.no_log_values.update(wireguard_secrets(params['declared']))

    def run():
        from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
        entries = parse_entries(params['declared'], sys_class_net=None) if params['declared'] is not None else None
        bindings = parse_bindings(params['bindings']) if params['bindings'] is not None else None
        systemctl = systemctl_runner(module)
        with NamespaceHandles() as handles:
            info = gather_info(handles, module.run_command, lambda units: unit_states(units, systemctl, UNIT_DIR),
                               names=params['names'], what=params['gather'], pid=params['pid'],
                               declared_services=dict((b.service, b.netns) for b in bindings or () if b.state == 'present'))
        info['problems'] = health(info, entries, bindings)
        if entries is not None:
            info['problems'].extend('host firewall: %s' % message for message in installed_firewall_problems(entries, module.run_command))
        return info

    result = run_safely(module, run)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
