# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The FDB of the vxlans of a host's namespaces: an all-zero entry towards each remote host
(the vxlan floods there), compared with ``bridge -j fdb show`` on each run; missing entries
are added and others towards other hosts removed. The units add the same entries with
netns.sh fdb when they start. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id

ALL_ZERO = '00:00:00:00:00:00'


def _bridge(run, netns, *args):
    rc, out, err = run(['bridge', '-n', netns] + list(args))
    return rc, out, err


def converge_fdb(entries, run, check_mode):
    """([lines], {netns: error}) for the vxlans of the present entries whose namespace and
    device exist; nothing changes in ``check_mode``."""
    lines, errors = [], {}
    for entry in entries:
        if entry.state != 'present' or netns_id(entry.name) is None:
            continue
        for spec in entry.links.get('vxlan', ()):
            if spec.group is not None:
                continue
            device = spec.end.ifname
            rc, out, err = _bridge(run, entry.name, '-j', 'fdb', 'show', 'dev', device)
            if rc != 0:
                continue  # no such device (yet): its unit makes it with its entries
            have = set(item.get('dst') for item in json.loads(out or '[]') if item.get('mac') == ALL_ZERO and item.get('dst'))
            want = set(str(remote) for remote in spec.remotes)
            for verb, sign, targets in (('append', '+', sorted(want - have)), ('del', '-', sorted(have - want))):
                for target in targets:
                    lines.append('%s fdb %s:%s dst %s' % (sign, entry.name, device, target))
                    if check_mode:
                        continue
                    rc, out, err = _bridge(run, entry.name, 'fdb', verb, ALL_ZERO, 'dev', device, 'dst', target)
                    if rc != 0:
                        errors[entry.name] = 'netns %s: fdb %s %s: %s' % (entry.name, verb, target, (err or out).strip())
    return lines, errors
