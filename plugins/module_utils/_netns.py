# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge the set of named namespaces: desired vs actual, then changes.

Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import create_netns, delete_netns, netns_id, run_dir_lock


def normalize_netns_names(names):
    """Validate every name, drop repeats, keep the order given."""
    if isinstance(names, str):
        names = [names]
    seen = []
    for name in names:
        check_netns_name(name)
        if name not in seen:
            seen.append(name)
    if not seen:
        raise InvalidInput('no netns name given')
    return seen


def converge_netns(names, state, check_mode):
    """Make the namespaces in ``names`` exist (state present) or not (state absent).

    Returns a dict: ``changed``, ``diff_lines``, ``namespaces`` (name, id, and what
    happened to it: created, adopted/existing, removed, absent).
    """
    names = normalize_netns_names(names)
    lines = []
    namespaces = []
    with run_dir_lock():
        for name in names:
            ino = netns_id(name)
            if state == 'present':
                if ino is not None:
                    namespaces.append({'name': name, 'id': ino, 'action': 'none'})
                    continue
                if check_mode:
                    lines.append('+ netns %s' % name)
                    namespaces.append({'name': name, 'id': None, 'action': 'create'})
                    continue
                ino, created = create_netns(name)
                if created:
                    lines.append('+ netns %s' % name)
                namespaces.append({'name': name, 'id': ino, 'action': 'create' if created else 'none'})
            else:
                if check_mode:
                    if ino is not None:
                        lines.append('- netns %s' % name)
                        namespaces.append({'name': name, 'id': ino, 'action': 'remove'})
                    else:
                        namespaces.append({'name': name, 'id': None, 'action': 'none'})
                    continue
                removed = delete_netns(name)
                if removed is None:
                    namespaces.append({'name': name, 'id': None, 'action': 'none'})
                else:
                    lines.append('- netns %s' % name)
                    namespaces.append({'name': name, 'id': removed or None, 'action': 'remove'})
    return {'changed': bool(lines), 'diff_lines': lines, 'namespaces': namespaces}


def create_missing_netns(names):
    """Create (or adopt) every namespace in ``names``; return the ones this call created."""
    created = []
    with run_dir_lock():
        for name in names:
            if create_netns(name)[1]:
                created.append(name)
    return created


def remove_netns(names):
    """Remove the names in ``names`` (used to roll back what this run created)."""
    with run_dir_lock():
        for name in names:
            delete_netns(name)
