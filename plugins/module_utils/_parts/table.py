# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of the parts, each in a file of its own (_parts/NAME.py, and the sysctls and
rulesets, _sysctl.py and _nftables.py): those of the host side, those of a namespace with a unit
of their own, and those set inside a namespace. Adding a part is its file, a line here and
its tests. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils import _nftables, _sysctl
from ansible_collections.netns.systemd.plugins.module_utils._parts import bridge_ports, egress, forwards, reach
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import Inside

HOST_PARTS = (
    egress.PART,
    forwards.PART,
    reach.PART,
)

NETNS_PARTS = dict((part.name, part) for part in (
    bridge_ports.PART,
))

# Set inside a namespace, in this order (the sysctls before the ruleset, as the creator does).
INSIDE_PARTS = (
    _sysctl.PART,
    _nftables.PART,
)


def inside_parts(entries, run):
    """The sessions of INSIDE_PARTS for ``entries``: check() before any change, converge()."""
    return Inside(INSIDE_PARTS, entries, run)
