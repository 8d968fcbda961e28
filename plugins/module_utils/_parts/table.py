# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of the parts, each in a file of its own (_parts/NAME.py): those of the host side,
and those of a namespace with a unit of their own. Adding a part is its file, a line here and
its tests. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._parts import bridge_ports, egress, forwards, reach

HOST_PARTS = (
    egress.PART,
    forwards.PART,
    reach.PART,
)

NETNS_PARTS = dict((part.name, part) for part in (
    bridge_ports.PART,
))
