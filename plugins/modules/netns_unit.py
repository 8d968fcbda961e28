#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns_unit
short_description: Run existing systemd services inside a named network namespace
version_added: 0.1.0
description:
  - Binds a service to namespace O(netns) with a drop-in,
    C(/etc/systemd/system/SERVICE.d/netns-systemd.conf). It sets C(NetworkNamespacePath=/run/netns/NAME),
    C(BindsTo=) and C(After=) the namespace's creator unit C(netns_name@NAME.service) (and C(After=) its
    link units), so the service starts once the namespace and its links exist and stops with them.
  - With O(dns_isolation), the service sees the namespace's C(/etc/netns/NAME/resolv.conf) (and C(hosts),
    C(nsswitch.conf) where they exist) at C(/etc/*), and the host's C(nscd) and C(systemd-resolved) sockets
    are made inaccessible to it, so its name lookups cannot leak out of the namespace.
  - The drop-in is rendered, compared with the file on disk and written atomically only when it differs.
    systemd is reloaded once per call however many bindings changed.
  - Services running as an unprivileged C(User=) work unchanged, systemd joins the namespace before it
    drops privileges.
  - O(bindings) handles a list of services in one call.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns
requirements:
  - systemd as the init system of the managed host
options:
  service:
    description:
      - The service to bind, such as C(nginx) or C(nginx.service), or an instance of a template such as
        C(openvpn-client@work.service). Required unless O(bindings) is given.
    type: str
  netns:
    description: The namespace to run it in. Required with O(state=present).
    type: str
  dns_isolation:
    description: Give the service the namespace's resolver and cut it off from the host's resolver daemons.
    type: bool
    default: true
  state:
    description: C(present) binds the service, C(absent) removes the drop-in (the service runs on the host again after a restart).
    type: str
    choices: [present, absent]
    default: present
  bindings:
    description:
      - Several services in one call, each a dictionary of O(service), O(netns), O(dns_isolation) and O(state).
        Mutually exclusive with O(service).
    type: list
    elements: dict
    suboptions:
      service:
        description: As O(service).
        type: str
        required: true
      netns:
        description: As O(netns).
        type: str
      dns_isolation:
        description: As O(dns_isolation).
        type: bool
        default: true
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
        default: present
  restart:
    description:
      - Restart (C(systemctl try-restart)) each running service whose binding changed, so it moves into (or out
        of) the namespace now. A service that is not running is not started.
      - The same default as the role's C(netns_service_restart). Set it to V(false) to only write drop-ins and move
        services at their next restart.
    type: bool
    default: true
  verify:
    description:
      - For every bound service that is running, compare the network namespace of its main process with
        C(/run/netns/NAME), and fail if they differ. systemd runs a service in the host namespace, silently,
        when it cannot join.
      - Checked after O(restart). In check mode, services whose binding would change are not checked.
      - The same default as the role's C(netns_service_verify). With O(restart=false), a running service whose binding
        changed is still outside its namespace until it restarts, so set O(verify=false) too.
    type: bool
    default: true
seealso:
  - module: netns.systemd.netns_chain
  - module: netns.systemd.netns_veth
'''

EXAMPLES = r'''
- name: Run the VPN client inside namespace vpn, restart it if that is new, and check it is there
  netns.systemd.netns_unit:
    service: openvpn-client@work
    netns: vpn
    restart: true
    verify: true

- name: Several tenants' daemons at once
  netns.systemd.netns_unit:
    bindings:
      - {service: app@tenant1, netns: tenant1}
      - {service: app@tenant2, netns: tenant2}
      - {service: legacy, state: absent}
    restart: true
'''

RETURN = r'''
bindings:
  description: Each service asked for, in order.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The unit name.
      type: str
      sample: nginx.service
    netns:
      description: The namespace, or null when unbound.
      type: str
      sample: blue
    state:
      description: C(present) or C(absent).
      type: str
    changed:
      description: Whether its drop-in changed.
      type: bool
    restarted:
      description: Whether it was restarted.
      type: bool
    verified_netns_id:
      description: With O(verify), the namespace inode its main process was found in; null when not running or not checked.
      type: int
      sample: 4026532247
changes:
  description: What changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample: ["+ bind nginx.service to netns blue"]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netns.systemd.plugins.module_utils._binding import (
    apply_bindings,
    parse_bindings,
    plan_bindings,
    verify_binding,
)
from ansible_collections.netns.systemd.plugins.module_utils._files import file_diff
from ansible_collections.netns.systemd.plugins.module_utils._module import finish, run_safely
from ansible_collections.netns.systemd.plugins.module_utils._systemd import parse_systemctl_show, parse_unit_state, systemctl_runner

ARGUMENT_SPEC = dict(
    service=dict(type='str'),
    netns=dict(type='str'),
    dns_isolation=dict(type='bool', default=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    bindings=dict(type='list', elements='dict', options=dict(
        service=dict(type='str', required=True),
        netns=dict(type='str'),
        dns_isolation=dict(type='bool', default=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )),
    restart=dict(type='bool', default=True),
    verify=dict(type='bool', default=True),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           mutually_exclusive=[('bindings', 'service'), ('bindings', 'netns')],
                           required_one_of=[('bindings', 'service')])
    params = module.params

    systemctl = systemctl_runner(module)

    def run():
        items = params['bindings'] if params['bindings'] is not None else [
            dict((key, params[key]) for key in ('service', 'netns', 'dns_isolation', 'state'))]
        bindings = parse_bindings(items)
        changes = plan_bindings(bindings)
        changed = set(binding.service for binding, _path, _new, _old in changes)
        lines = []
        for binding, _path, new, old in changes:
            if new is None:
                lines.append('- unbind %s' % binding.service)
            else:
                lines.append('%s bind %s to netns %s' % ('+' if old is None else '~', binding.service, binding.netns))
        restarted = set()
        state = parse_unit_state(systemctl('show', '--property=Id,ActiveState,UnitFileState', *[b.service for b in bindings]))
        if changes and not module.check_mode:
            apply_bindings(changes)
            systemctl('daemon-reload')
        if params['restart']:
            restarted = set(s for s in changed if state.get(s, (False, False))[0])
            if restarted:
                lines.extend('~ restart %s' % s for s in sorted(restarted))
                if not module.check_mode:
                    systemctl('try-restart', *sorted(restarted))
        verified = {}
        if params['verify']:
            to_check = [b for b in bindings if b.state == 'present' and not (module.check_mode and b.service in changed)]
            for binding in to_check:
                def main_pid(service=binding.service):
                    return int(parse_systemctl_show(systemctl('show', '--property=Id,MainPID', service)).get(service, {}).get('MainPID') or 0)
                verified[binding.service] = verify_binding(binding, main_pid)
        return {
            'changed': bool(lines), 'diff_lines': lines, 'file_diffs': [file_diff(path, old, new) for _binding, path, new, old in changes],
            'bindings': [{'service': b.service, 'netns': b.netns if b.state == 'present' else None, 'state': b.state,
                          'changed': b.service in changed, 'restarted': b.service in restarted,
                          'verified_netns_id': verified.get(b.service)} for b in bindings],
        }

    finish(module, run_safely(module, run))


if __name__ == '__main__':
    main()
