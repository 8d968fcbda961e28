# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the collection's files live on a managed host, and the header they carry.
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

UNIT_DIR = '/etc/systemd/system'
# Each namespace's resolv.conf (and whatever else ip netns exec binds over /etc).
NETNS_ETC_DIR = '/etc/netns'
BOOT_DIR = '/etc/netns-systemd'
# The bridges each namespace's veths join (NAME/bridge: "HOST_END BRIDGE" lines, which its
# bridge unit reads), and the names the boot batch brings up (enabled, with veths only to
# enabled namespaces).
NS_DIR = BOOT_DIR + '/ns'
BOOT_LIST = BOOT_DIR + '/boot.list'
# The commands of custom types, one root-only file per phase of each link (they may hold
# secrets: the units name the files, never the commands).
PHASES_DIR = BOOT_DIR + '/phases'
# The host side: host/bridges (the bridges namespaces join, made or adopted), host/nftables
# (the owned table of NAT rules), host/forward (IPv4 forwarding is needed); the engine's
# host and ports NAME apply them.
HOST_DIR = BOOT_DIR + '/host'
# The configuration of each WireGuard interface (NAME/IF.conf, wg setconf format, with its
# keys): root-only files in root-only directories, named by the units, never copied into them.
WIREGUARD_DIR = BOOT_DIR + '/wireguard'
RUN_DIR = '/run/netns-systemd'
# A namespace the boot batch brought up (with its veth links) gets a file here; a stop of
# its creator or veth unit removes it.
BOOT_MARKS = RUN_DIR + '/booted'
# The inode of each namespace as its creator (or the batch) made it: netns_chain compares it
# with /run/netns/NAME to see a namespace deleted or replaced by hand.
NETNS_RECORDS = RUN_DIR + '/netns'
DROPIN_NAME = 'netns-systemd.conf'
HEADER = '# Managed by netns.systemd: changes here are overwritten by the next playbook run.\n'
# The items netns_chain was given, one root-only JSON file per present namespace (NAME.json):
# what the engine reads.
MODEL_DIR = BOOT_DIR + '/model'
# The engine (the collection's core, run by the host's python3): ENGINE_DIR/HASH/, one
# directory per version, named by the hash of its content; ENGINE_LAUNCHER runs the current one.
ENGINE_DIR = BOOT_DIR + '/engine'
ENGINE_LAUNCHER = BOOT_DIR + '/netns-engine'
