# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of the link kinds, each in a file of its own (_kinds/NAME.py): adding a kind
is its file, a line here and its tests. Nothing outside _kinds branches on a kind. Private to
the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._kinds import macvlan, move, veth, vxlan, wireguard

_TABLE = (
    veth.KIND,
    macvlan.KIND,
    move.KIND,
    vxlan.KIND,
    wireguard.KIND,
)
KINDS = dict((kind.name, kind) for kind in _TABLE)
# The type of a link that names none.
DEFAULT_KIND = veth.KIND.name
# Their names, in that order: the built-in link types.
LINK_KINDS = tuple(kind.name for kind in _TABLE)
# Those the boot run makes for every namespace at once (Kind.booted).
BOOTED_KINDS = tuple(kind.name for kind in _TABLE if kind.booted)
