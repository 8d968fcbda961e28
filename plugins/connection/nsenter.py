# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: nsenter
short_description: Run tasks inside a named network namespace of the managed host
version_added: 0.1.0
description:
  - Reaches the managed host through another connection (O(base_connection), C(ssh) by default) and runs every
    command of a task inside the network namespace O(netns) with C(nsenter --net=/run/netns/NAME). Any module then
    runs there (M(ansible.builtin.uri), M(ansible.builtin.wait_for), M(ansible.builtin.command), M(ansible.builtin.template));
    it sees the namespace's links, addresses, routes and ports, and the host's files, users and processes
    (only the network namespace changes).
  - Files are copied by the base connection, outside the namespace (the file system is the same).
  - Before the first command it checks that C(/run/netns/NAME) exists on the host. When it does not, the task fails,
    naming the namespace and the host, with nothing run. That is a task failure, which a C(rescue) section and
    C(ignore_errors) catch, not an unreachable host. A base connection that fails (or cannot run C(test -e) at all)
    makes the host unreachable, as it would without this plugin.
  - nsenter fails rather than run anything when it cannot enter the namespace, so a task never runs in the host's
    namespace instead.
  - Entering a namespace needs root (C(CAP_SYS_ADMIN)). The login user of the base connection must be root, or
    O(nsenter_command) must gain it (C(sudo -n nsenter)); C(become) alone does not help, since the become command
    runs inside nsenter. Pipelining is not used.
author:
  - netns.systemd developers (@netns-systemd)
options:
  netns:
    description: The name of the network namespace on the managed host, as in C(/run/netns).
    type: str
    required: true
    vars:
      - name: ansible_netns_name
  base_connection:
    description:
      - The connection that reaches the managed host, such as C(ssh), C(local) or C(containers.podman.podman). Its own
        variables (C(ansible_host), C(ansible_user), ...) apply as usual.
    type: str
    default: ssh
    vars:
      - name: ansible_netns_base_connection
  nsenter_command:
    description: The command that enters the namespace on the host, before its arguments, such as C(sudo -n nsenter).
    type: str
    default: nsenter
    vars:
      - name: ansible_netns_nsenter
'''

EXAMPLES = r'''
# In the inventory: a host that stands for namespace blue of web1.
# [web1_blue]
# web1-blue ansible_host=web1.example.com ansible_connection=netns.systemd.nsenter ansible_netns_name=blue

- name: Check a service from inside its namespace
  hosts: web1
  tasks:
    - name: The port is open inside blue
      ansible.builtin.wait_for:
        host: 127.0.0.1
        port: 8080
        timeout: 30
      vars:
        ansible_connection: netns.systemd.nsenter
        ansible_netns_name: blue

    - name: It answers there
      ansible.builtin.uri:
        url: http://127.0.0.1:8080/
      vars:
        ansible_connection: netns.systemd.nsenter
        ansible_netns_name: blue
        ansible_netns_base_connection: ssh
'''

import shlex

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.connection import ConnectionBase
from ansible.plugins.loader import connection_loader
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_netns_name

NETNS_RUN_DIR = '/run/netns'


class Connection(ConnectionBase):
    """The base connection, with each command run through nsenter."""

    transport = 'netns.systemd.nsenter'
    has_pipelining = False

    def __init__(self, play_context, *args, **kwargs):
        super(Connection, self).__init__(play_context, *args, **kwargs)
        self._base_args = (args, kwargs)
        # The base connection, under the name the task executor gives its variables to
        # (it sets the options of an ``ssh_type_conn`` as a connection's).
        self.ssh_type_conn = None
        self._base_name = None
        self._checked = False

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super(Connection, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        name = self.get_option('base_connection')
        if name in ('netns.systemd.nsenter', 'nsenter'):
            raise AnsibleError('netns.systemd.nsenter cannot be its own base connection')
        if self.ssh_type_conn is None or name != self._base_name:
            args, kwargs = self._base_args
            base = connection_loader.get(name, self._play_context, *args, **kwargs)
            if base is None:
                raise AnsibleError('base connection %r of netns.systemd.nsenter was not found' % name)
            if self.become is not None:
                base.set_become_plugin(self.become)
            self.ssh_type_conn, self._base_name = base, name

    def set_become_plugin(self, plugin):
        super(Connection, self).set_become_plugin(plugin)
        if self.ssh_type_conn is not None:
            self.ssh_type_conn.set_become_plugin(plugin)

    def _netns_path(self):
        name = self.get_option('netns')
        try:
            check_netns_name(name)
        except InvalidInput as exc:
            raise AnsibleError('netns.systemd.nsenter: %s' % exc)
        return '%s/%s' % (NETNS_RUN_DIR, name)

    def _connect(self):
        if not self._connected:
            self.ssh_type_conn._connect()
            self._connected = True
        if not self._checked:
            path = self._netns_path()
            rc, _out, err = self.ssh_type_conn.exec_command('test -e %s' % shlex.quote(path), sudoable=False)
            if rc == 1:
                # AnsibleError fails the task (rescue and ignore_errors catch it); an
                # AnsibleConnectionFailure would make the host unreachable for the rest of the play.
                raise AnsibleError('network namespace %r does not exist on %s (no %s): nothing was run'
                                   % (self.get_option('netns'), self._play_context.remote_addr, path))
            if rc != 0:
                raise AnsibleConnectionFailure('netns.systemd.nsenter could not look for %s on %s (test -e exited %d): %s'
                                               % (path, self._play_context.remote_addr, rc, to_text(err).strip()))
            self._checked = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self._connect()
        wrapped = '%s --net=%s -- /bin/sh -c %s' % (self.get_option('nsenter_command'), shlex.quote(self._netns_path()), shlex.quote(cmd))
        self._display.vvv('NSENTER %s: %s' % (self.get_option('netns'), cmd), host=self._play_context.remote_addr)
        return self.ssh_type_conn.exec_command(wrapped, in_data=in_data, sudoable=sudoable)

    def put_file(self, in_path, out_path):
        self._connect()
        return self.ssh_type_conn.put_file(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        self._connect()
        return self.ssh_type_conn.fetch_file(in_path, out_path)

    def reset(self):
        if self.ssh_type_conn is not None:
            self.ssh_type_conn.reset()

    def close(self):
        if self.ssh_type_conn is not None:
            self.ssh_type_conn.close()
        self._connected = False
