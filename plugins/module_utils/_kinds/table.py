# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of the link kinds that live in a file of their own (_kinds/NAME.py): adding a
kind is its file, a line here and its tests. The kinds not in it yet are still branched on
in _model, _host, _converge and _units (issue 19 moves them here one by one).
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._kinds import macvlan, move, vxlan, wireguard

KINDS = dict((kind.name, kind) for kind in (
    macvlan.KIND,
    move.KIND,
    vxlan.KIND,
    wireguard.KIND,
))
