# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A namespace's bridge ports: the host ends of its veths that join a bridge of the host
(``bridge: NAME`` on a veth). Its unit is netns-bridge@NAME.service, which runs ``netns-engine
ports NAME`` from ns/NAME/bridge (made or adopted bridge waited for, then each host end joins
it) and ``unports`` when it stops. The bridges themselves are the host's (_hostnet): their
declaration, their file host/bridges and their drift. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.netns.systemd.plugins.module_utils._files import read_file
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, check_netns_name
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import NetnsPart
from ansible_collections.netns.systemd.plugins.module_utils._paths import ENGINE_LAUNCHER, HOST_DIR, NS_DIR
from ansible_collections.netns.systemd.plugins.module_utils._units import HARDENING, HEADER, STOPPED_AT_SHUTDOWN, link_unit, render_dropin

# Not before network-pre.target: an adopted bridge (made by networkd or ifupdown) may come later.
TEMPLATE = HEADER + '''\
# The veths of the network namespace named by the instance whose host ends join a bridge
# (made when missing, or adopted and waited for): %s/NAME/bridge, NAME being the instance.
[Unit]
Description=Bridge ports of network namespace %%i
Documentation=file://%s
BindsTo=netns_name@%%i.service netns-veth@%%i.service
After=netns_name@%%i.service netns-veth@%%i.service netns-host.service
Before=netns-ready@%%i.target
''' % (NS_DIR, ENGINE_LAUNCHER) + STOPPED_AT_SHUTDOWN + '''
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%s ports %%i
ExecStop=-%s unports %%i
''' % (ENGINE_LAUNCHER, ENGINE_LAUNCHER) + HARDENING


def ports_of(text):
    """[(host end, bridge)] of ns/NAME/bridge."""
    return [tuple(line.split()[:2]) for line in (text or '').splitlines() if len(line.split()) >= 2]


class BridgePorts(NetnsPart):
    name = 'bridge'
    as_link_type = ('link type bridge is not a type of its own: list the bridge in bridges, and give a veth '
                    'bridge: NAME so that its host end joins it')

    def wanted(self, entry):
        return bool(entry.bridge_ports)

    def files(self, entry):
        """ns/NAME/bridge: ``HOST_END BRIDGE``, a line per veth port."""
        return {self.name: ''.join('%s %s\n' % (ifname, bridge) for ifname, bridge, _spec in entry.bridge_ports)}

    def dropins(self, entry):
        note = '# Its work: %s/%s/%s (netns-engine ports %s).' % (NS_DIR, entry.name, self.name, entry.name)
        return {link_unit(self.name, entry.name): render_dropin([], [], note=note)}

    def template_text(self):
        return TEMPLATE

    def engine_commands(self):
        return {'ports': lambda names, run: self.run(names, True), 'unports': lambda names, run: self.run(names, False)}

    def run(self, names, join, ns_dir=NS_DIR, host_dir=HOST_DIR):
        """What netns-bridge@NETNS does: the host ends of its veths join their bridges (made, or
        adopted and waited for), or leave them; [lines] (none)."""
        # Imported here: _hostnet imports the table of parts.
        from ansible_collections.netns.systemd.plugins.module_utils import _hostnet
        from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
        if len(names) != 1:
            raise InvalidInput('netns-engine ports and unports take one namespace name, not %d' % len(names))
        ports = ports_of(read_file(os.path.join(ns_dir, check_netns_name(names[0]), self.name)))
        with NamespaceHandles() as handles:
            if join:
                _hostnet.join_ports(handles.rtnl(None), ports, _hostnet.bridge_settings_of(read_file(os.path.join(host_dir, 'bridges'))))
            else:
                _hostnet.leave_ports(handles.rtnl(None), ports)
        return []


PART = BridgePorts()
