# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Binding systemd services to a named namespace with a drop-in.

Render, compare with the disk, write atomically only on a difference; one daemon-reload
for all; restart and verify what changed. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.netns.systemd.plugins.module_utils._files import read_file, remove_path, write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import NETNS_RUN_DIR, netns_id
from ansible_collections.netns.systemd.plugins.module_utils._paths import DROPIN_NAME, HEADER, UNIT_DIR
from ansible_collections.netns.systemd.plugins.module_utils._units import check_unit_instance, creator_unit, ready_unit

_SERVICE_RE = re.compile(r'^[A-Za-z0-9:_.\\@-]+$')
# Sockets through which a process reaches the host's resolver without using the network.
HOST_RESOLVER_PATHS = ('/run/nscd', '/run/systemd/resolve')


def normalize_service(name):
    if not isinstance(name, str) or not name or not _SERVICE_RE.match(name):
        raise InvalidInput('service name %r is not a systemd unit name' % (name,))
    if '.' not in name:
        name += '.service'
    if not name.endswith('.service'):
        raise InvalidInput('%r is not a service: only .service units run processes that can join a namespace' % name)
    if name.endswith('@.service'):
        raise InvalidInput('%r is a template: bind an instance such as %s' % (name, name.replace('@.', '@NAME.')))
    return name


def binding_path(service, unit_dir=UNIT_DIR):
    return os.path.join(unit_dir, service + '.d', DROPIN_NAME)


def isolation_properties(netns, dns_isolation):
    """The [Service] settings that run a process in ``netns``, as (comment, key, value): with
    ``dns_isolation``, the namespace's resolver files over the host's and the host's resolver
    daemons out of reach. A bound service's drop-in and netns-engine run both use them."""
    properties = [(None, 'NetworkNamespacePath', '%s/%s' % (NETNS_RUN_DIR, netns))]
    if dns_isolation:
        etc = '/etc/netns/%s' % netns
        properties += [
            ('The namespace resolver at /etc/resolv.conf (required: never fall back to the host one),\n'
             'its hosts and nsswitch.conf where they exist, and no way to the host resolver daemons.',
             'BindReadOnlyPaths', '%s/resolv.conf:/etc/resolv.conf' % etc),
            (None, 'BindReadOnlyPaths', '-%s/hosts:/etc/hosts' % etc),
            (None, 'BindReadOnlyPaths', '-%s/nsswitch.conf:/etc/nsswitch.conf' % etc),
            (None, 'InaccessiblePaths', ' '.join('-' + p for p in HOST_RESOLVER_PATHS)),
        ]
    return properties


def render_binding(service, netns, dns_isolation):
    # After the namespace's links: its target is ordered after each of them (netns_chain's
    # units), so the drop-in does not depend on which links there are (check mode shows
    # what a real run writes, before the chain exists).
    lines = [HEADER.rstrip('\n'), '# %s runs in network namespace %s.' % (service, netns), '[Unit]',
             'BindsTo=%s' % creator_unit(netns), 'Wants=%s' % ready_unit(netns)]
    lines += ['After=%s' % unit for unit in (creator_unit(netns), ready_unit(netns))]
    lines += ['', '[Service]']
    for comment, key, value in isolation_properties(netns, dns_isolation):
        lines += ['# ' + line for line in comment.splitlines()] if comment else []
        lines.append('%s=%s' % (key, value))
    return '\n'.join(lines) + '\n'


def run_argv(netns, command, tty):
    """The systemd-run command line that runs ``command`` ([argv]) in ``netns`` as a bound
    service runs (isolation_properties, its DNS isolation included), attached to the caller's
    terminal (``tty``) or pipes, and waits for its exit status."""
    if not command:
        raise InvalidInput('netns-engine run %s: give the command to run in it' % netns)
    if netns_id(check_netns_name(netns)) is None:
        raise InvalidInput('netns %s does not exist: systemctl start %s' % (netns, creator_unit(netns)))
    argv = ['systemd-run', '--quiet', '--collect', '--same-dir', '--pty' if tty else '--pipe', '--wait',
            '--unit=netns-run-%d' % os.getpid(), '--description=%s in network namespace %s' % (command[0], netns)]
    argv += ['--property=%s=%s' % (key, value) for _comment, key, value in isolation_properties(netns, True)]
    return argv + ['--'] + list(command)


class Binding:
    def __init__(self, service, netns, dns_isolation=True, state='present'):
        self.service = normalize_service(service)
        self.netns = check_unit_instance(check_netns_name(netns)) if state == 'present' or netns else netns
        self.dns_isolation = dns_isolation
        self.state = state


def parse_bindings(items):
    bindings, seen = [], set()
    for index, item in enumerate(items):
        where = 'bindings[%d]' % index
        state = item.get('state') or 'present'
        if state == 'present' and not item.get('netns'):
            raise InvalidInput('%s: netns is required to bind %r' % (where, item.get('service')))
        try:
            binding = Binding(item.get('service'), item.get('netns'), item.get('dns_isolation', True) is not False, state)
        except InvalidInput as exc:
            raise InvalidInput('%s: %s' % (where, exc))
        if binding.service in seen:
            raise InvalidInput('%s: %s is bound twice' % (where, binding.service))
        seen.add(binding.service)
        bindings.append(binding)
    return bindings


def plan_bindings(bindings, unit_dir=UNIT_DIR):
    """[(binding, path, content or None for removal, old content)] for each binding that differs."""
    changes = []
    for binding in bindings:
        path = binding_path(binding.service, unit_dir)
        old = read_file(path)
        if binding.state == 'present':
            new = render_binding(binding.service, binding.netns, binding.dns_isolation)
            if old != new:
                changes.append((binding, path, new, old))
        elif old is not None:
            changes.append((binding, path, None, old))
    return changes


def apply_bindings(changes):
    for _binding, path, new, _old in changes:
        if new is None:
            remove_path(path)
        else:
            write_atomically(path, new)


def verify_binding(binding, main_pid, settle_seconds=15.0):
    """Fail unless the running service's main process is in the namespace it is bound to.

    systemd runs a service in the host namespace, silently, when it cannot join.
    ``main_pid()`` gives the current main PID (0: not running). A service that was just
    (re)started may still be joining (a simple service counts as started at fork), so a
    mismatch is looked at again for ``settle_seconds`` before it is an error.
    Returns the namespace inode found, or None when the service is not running."""
    want = netns_id(binding.netns)
    if want is None:
        raise NetnsError('%s is bound to netns %r, which does not exist' % (binding.service, binding.netns))
    deadline = time.monotonic() + settle_seconds
    while True:
        pid = main_pid()
        if not pid:
            return None
        error = None
        try:
            got = os.stat('/proc/%d/ns/net' % pid).st_ino
        except OSError as exc:
            got, error = None, exc
        if got == want:
            return got
        if time.monotonic() >= deadline:
            if got is None:
                raise NetnsError('cannot read the network namespace of %s (pid %d): %s' % (binding.service, pid, error))
            raise NetnsError('%s (pid %d) runs in network namespace %d, not in %r (%d)'
                             % (binding.service, pid, got, binding.netns, want))
        time.sleep(0.05)
