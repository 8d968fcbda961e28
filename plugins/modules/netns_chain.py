#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: netns_chain
short_description: Make network namespaces, their links and DNS come back at boot through systemd units
version_added: 0.1.0
description:
  - Installs the systemd unit chain for every namespace of a host in one call.
    C(netns_name@NAME.service) creates the namespace (or adopts one that exists, and replaces an empty name file
    left by a crash) and brings C(lo) up.
    C(netns-TYPE@NAME.service) adds the links of one type, bound to and ordered after the creator, and after the
    creator of the peer namespace of a namespace-to-namespace veth. The types are C(veth), C(macvlan), C(move)
    (a host interface moved in), C(vxlan), C(wireguard), custom types (named by the user, their links made by shell
    phases), and C(bridge), whose unit joins the host ends of the namespace's veths to their host bridges (see O(bridges)).
  - Only the creator is enabled. Its drop-in pulls in the link units of the namespace (and the veth units of
    other namespaces that end in it), so starting the namespace, or a service bound to it, brings up all of its
    links. The creator and the veth and custom units are ordered before C(network-pre.target); the macvlan, move,
    vxlan, wireguard and bridge units are not, since they may wait for the host (a parent link, a device, an underlay,
    an adopted bridge, a host name to look up), and nothing else on the host waits with them. C(netns-ready@NAME.target)
    is reached once every link unit of the namespace is up; a service bound by M(netns.systemd.netns_unit) starts after it.
  - It also installs the collection's core on the host as the engine, in C(/etc/netns-systemd/engine/HASH/) (named by
    the hash of its content; an older one is removed), with a model file per namespace in
    C(/etc/netns-systemd/model/NAME.json) (the item given here; mode 0600, since it may hold keys). On the host,
    C(/etc/netns-systemd/netns-engine plan NAME) says what a run of this module would change now in the namespace.
  - The templates are static. The units run the engine on the model files, with this module's own code. The
    creator's work is C(netns-engine up NAME) in C(netns_name-up@NAME.service), pulled in with C(Requires=), and it
    makes the veths that lead only to the host, so the veth unit requires it too; a veth unit whose veths lead to
    other namespaces requires its own worker C(netns-veth-up@NAME.service), which runs C(netns-engine links NAME)
    after their creators; the macvlan, move and vxlan units run
    C(netns-engine start NAME KIND). The wireguard and custom units carry their own lines in a drop-in (a custom
    type's phases are root-only files that it names; the WireGuard lines run C(netns-engine wireguard NS IF HOW)),
    the bridge unit runs C(netns-engine ports NAME) on C(/etc/netns-systemd/ns/NAME/bridge), and C(netns-host.service)
    runs C(netns-engine host). C(systemctl cat) shows what each unit runs.
  - The worker of a veth makes its pair when neither end exists and keeps it when both ends are that pair; an
    interface of that name that is anything else (a host uplink, a bridge, a veth with another peer) makes the
    worker fail without touching it, and with it the units that require it (for a veth to the host, the creator
    too, since the namespace is not up as declared). Stopping a veth unit deletes the end inside the namespace only.
  - Installs and enables C(netns-boot.service), and starts it with the units when it is not active (it stays
    active until shutdown, so it runs once a boot). It brings up every namespace listed in
    C(/etc/netns-systemd/boot.list) (enabled, with veths only to enabled namespaces) with its veth links,
    in one process (C(netns-engine boot)), through a netlink socket per namespace. It marks each namespace it
    finished in C(/run/netns-systemd/booted/), and the workers of marked namespaces are skipped, so their
    units start without a process. Whatever it did not finish is left to the units. Stopping the creator
    or the veth unit removes the mark, so a later start does the work again.
  - Writes C(/etc/netns/NAME/resolv.conf) when O(namespaces[].dns) is given (without it the creator unit makes the file empty when it is missing)
    by truncating and rewriting the same file, so services
    joined to the namespace (which see it as C(/etc/resolv.conf)) get the change without a restart.
  - Nothing is written, created or removed through a symbolic link, neither by the module nor by the units. A link
    where a file or directory of the collection should be (a unit file, a drop-in directory, C(/etc/netns/NAME),
    its C(resolv.conf)) is an error that names it, before anything changes; a linked C(resolv.conf) of a namespace
    without O(namespaces[].dns) is left alone, with a warning. A C(resolv.conf) with other hard links is refused too.
  - Reloads systemd once when a unit file changed, then enables and starts the units, and converges
    the live links (addresses, MTU, MAC, routes) the way the link modules do.
  - A namespace whose creator is active but whose name was deleted by hand, or replaced by another namespace
    of the same name, gets its creator restarted. The restart reaches its link units and the services bound to
    it, which all end up in the new namespace.
  - One namespace that fails does not stop the others. The run goes on with the rest, then fails naming each
    unit that did not start, with the last lines its commands wrote to the journal, and each namespace whose
    links could not be converged; it reports C(changed) when anything was changed on the way.
  - C(state=absent) stops and disables the units (their stop commands remove the links and the name),
    removes the drop-ins, the namespace and phase files, C(/etc/netns/NAME) and the name if it is still there. The
    templates and C(netns-boot.service) go when nothing on the host uses them any more.
  - The whole list is validated before anything changes, duplicate namespaces or interfaces, interface
    names over 15 bytes (including the defaults) or reserved (C(lo), C(all), C(default), names with C(%)),
    missing macvlan parents, peers in namespaces that are not in the list, and every interface that exists
    already, which must be the link its item describes.
author:
  - netns.systemd developers (@netns-systemd)
extends_documentation_fragment:
  - netns.systemd.netns
requirements:
  - systemd as the init system of the managed host
  - pyroute2 >= 0.7.2 on the managed host, for the module and for the host's C(/usr/bin/python3), which runs the
    engine the units call
  - C(ip) (iproute2) on the managed host, which the units run
  - C(nft) (nftables) on the managed host, for O(namespaces[].nftables), O(namespaces[].egress), O(namespaces[].ports)
    and a bridge's O(bridges[].egress)
  - C(wg) (wireguard-tools) and C(nsenter) (util-linux) on the managed host for a C(wireguard) link, and C(wireguard-go) where the kernel has no
    WireGuard (or with O(namespaces[].links[].implementation=userspace))
options:
  namespaces:
    description: Every namespace of the host this module manages.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The namespace name. It is used as it is as the unit instance, so it may hold letters, digits,
            C(_), C(.), C(:) and C(-) (not first).
        type: str
        required: true
      state:
        description: C(present) installs and starts the chain; C(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
      enabled:
        description:
          - Start the namespace and its links at boot.
          - An enabled namespace whose veths lead only to enabled namespaces is brought up by the boot batch of
            C(netns-boot.service); the others by their own units.
        type: bool
        default: true
      dns:
        description:
          - The resolver of the namespace, written to C(/etc/netns/NAME/resolv.conf).
          - Without it the namespace's creator unit makes the file empty when it starts and the file is missing
            (lookups inside the namespace fail rather than leak to the host's resolver); otherwise the file is left
            as it is, for a VPN client's up script to fill in.
          - With or without it, every present namespace gets C(/etc/netns/NAME/nsswitch.conf), the host's with host names
            looked up from files and DNS only, so that C(ip netns exec NAME ...) never asks the host's systemd-resolved
            (nss-resolve) or another NSS module of the host.
          - C(ip netns exec) cannot hide a running nscd, which glibc asks before it reads nsswitch.conf. Run commands
            with C(/etc/netns-systemd/netns-engine run NAME -- COMMAND) instead, which gives them what a service bound
            by M(netns.systemd.netns_unit) gets (the namespace's resolver files, the nscd and systemd-resolved sockets
            out of reach).
          - A dictionary of the keys below; anything else is refused with a message naming it.
        type: raw
        suboptions:
          nameservers:
            description: Nameserver addresses, IPv4 or IPv6.
            type: list
            elements: str
          search:
            description: Search domains.
            type: list
            elements: str
          options:
            description: Resolver options, such as C(edns0) or C(timeout:2).
            type: list
            elements: str
          content:
            description: The whole file, instead of O(namespaces[].dns.nameservers), O(namespaces[].dns.search) and O(namespaces[].dns.options).
            type: str
      sysctl:
        description:
          - "Sysctls of the namespace, such as C(net.ipv4.ip_forward: 1) or C(net.ipv6.conf.all.disable_ipv6: 1).
            A value is a number, a boolean (C(1) or C(0)), a word, or a list of them (C(net.ipv4.ip_local_port_range:
            [20000, 29999]))."
          - Only C(net.*) keys, the ones that belong to a network namespace, are accepted (any other key set from
            inside a namespace changes the whole host). Keys of one interface (C(net.ipv4.conf.IF.*)) are refused
            but for C(all), C(default) and C(lo), since the units apply the sysctls when the namespace is made, before
            its links, which take the C(default) values.
          - The creator unit (or the boot batch) sets them inside the namespace, from the model file, each time it
            makes the namespace; each run compares the live values
            and sets those that differ (drift is a change). A key removed from this map keeps its value until the
            namespace is made again.
          - A key this kernel does not have is an error before anything changes, unless
            O(namespaces[].sysctl_ignore_missing) is set.
        type: dict
      sysctl_ignore_missing:
        description: Skip the keys of O(namespaces[].sysctl) that this kernel does not have, instead of failing.
        type: bool
        default: false
      nftables:
        description:
          - The nftables ruleset of the namespace, as C(nft -f) reads it (to take it from a file on the controller,
            use C(lookup('file', 'PATH'))). An empty ruleset leaves the namespace with no rules; without this option
            the namespace's rules are left alone.
          - Checked with C(nft -c) before anything changes. Loaded inside the namespace in one transaction, after a
            C(flush ruleset) line, by the creator unit (or the boot batch) each time it makes the namespace.
          - Each run compares C(nft list ruleset) inside the namespace with the same listing of the ruleset loaded
            into a new, empty namespace, and loads the ruleset again where they differ (drift is a change; with
            C(--diff) both listings are shown).
          - Needs C(nft) (nftables) on the host.
        type: str
      egress:
        description:
          - "Outbound access through the host for the prefixes of the namespace's veths to the host (their inside
            addresses' networks, bridge ports included): forwarding on, and a C(masquerade) rule in the table
            C(inet netns_systemd), which the collection owns (see O(bridges)). Give C(egress: true) (or C(egress: {})) for
            any interface, a dictionary with O(namespaces[].egress.interface) for one; C(false) or omitted, none."
          - The namespace needs a default route through the host (O(namespaces[].links[].routes)) for its packets to leave,
            one per IP version.
          - IPv4 prefixes are masqueraded. IPv6 prefixes leave only with O(namespaces[].egress.ipv6).
        type: raw
        suboptions:
          interface:
            description:
              - The host interface the packets leave through (the uplink). It must exist on the host, or be a bridge or
                the host end of a veth of this list, and must not be the way into the namespace itself.
              - Omitted, packets are translated whatever interface they leave through, except those sent to the
                namespace's own prefixes.
            type: str
          ipv6:
            description:
              - How the namespace's IPv6 prefixes leave. Omitted, they do not, and IPv6 forwarding is not turned on for them.
              - C(masquerade) translates them to the host's address on the way out, as IPv4 is. Use it for a prefix of
                your own (a ULA such as C(fd00::/8)) that nothing upstream routes back to the host.
              - C(routed) forwards them as they are, with no translation. Use it for a global prefix that the upstream
                router routes to this host (a delegated prefix, or a static route); otherwise answers never come back.
              - Either turns on IPv6 forwarding (C(net.ipv6.conf.all.forwarding)). The kernel then drops the default
                route that a host interface learned from router advertisements with C(accept_ra=1), and ignores new
                ones. So when a host interface has such a route, the run fails before any change, naming the interface
                and C(net.ipv6.conf.IFACE.accept_ra = 2), which the host's network configuration must set (so that it holds
                after a reboot). Interfaces whose advertisements a daemon handles (systemd-networkd, NetworkManager) are
                not affected.
            type: str
            choices: [masquerade, routed]
      ports:
        description:
          - Port forwards from the host to this namespace (DNAT in the table C(inet netns_systemd)), for packets
            that reach the host from outside and for the host's own connections to its addresses.
          - Connections to C(127.0.0.1) (or C(localhost)) on the host are not forwarded. That would need
            C(net.ipv4.conf.*.route_localnet=1), which lets packets with loopback addresses onto the wire and has
            been the way to reach services bound to localhost from the network; the host reaches a forward through
            any of its other addresses.
          - A port of the host forwarded twice (same protocol and port, on addresses or interfaces that are not
            disjoint) is an error before any change.
          - Turns forwarding on for the IP version of each forward (IPv6 as O(namespaces[].egress.ipv6) says). A
            host firewall that drops forwarded packets (a C(forward) chain with C(policy drop), or Docker's) must accept
            them; the collection changes no table but its own.
          - A forward goes to one address, IPv4 or IPv6. To reach a service over both, give two forwards of the same
            port, one with each address.
        type: list
        elements: dict
        suboptions:
          host_port:
            description: The port on the host.
            type: int
            required: true
          port:
            description: The port in the namespace. Defaults to O(namespaces[].ports[].host_port).
            type: int
          protocol:
            description: C(tcp) or C(udp).
            type: str
            choices: [tcp, udp]
            default: tcp
          address:
            description:
              - The address in the namespace to forward to, IPv4 or IPv6, one of its addresses on a veth to the host or
                to a bridge. Defaults to the first IPv4 one of them, or the first IPv6 one when it has no IPv4 address.
            type: str
          interfaces:
            description: Forward only packets that come in through these host interfaces. Defaults to any.
            type: list
            elements: str
          host_addresses:
            description:
              - Forward only packets sent to these addresses of the host, of the same IP version as
                O(namespaces[].ports[].address).
              - Defaults to every local address of that version but loopback (C(127.0.0.0/8), C(::1)).
            type: list
            elements: str
          sources:
            description:
              - The prefixes (such as C(192.0.2.0/24), or C(2001:db8::/32)) whose packets the forward takes, of the same
                IP version as O(namespaces[].ports[].address). Packets from anywhere else to that port of the host are
                dropped, so that to them the port looks like nothing at all (a timeout, not a refusal).
              - Omitted, any source. An empty list is refused, since it would let no one in.
              - The host's own connections to its addresses are forwarded whatever their source.
            type: list
            elements: str
      reachable_from:
        description:
          - The prefixes (IPv4 or IPv6) that may open connections to the namespace through the host, routed to its
            addresses on its veths to the host or its bridge ports, for example the LAN that may use the services of a
            VPN namespace. New connections from anywhere else are dropped (a rule in a C(forward) chain of C(table inet
            netns_systemd)); answers to the namespace's own connections are not concerned.
          - An empty list lets no one in; omitted, the host does not narrow who reaches the namespace.
          - Port forwards (O(namespaces[].ports)) are not narrowed by it; their own O(namespaces[].ports[].sources) are.
          - Namespaces on the same bridge reach each other directly, not through the host, and the host itself
            reaches the namespace directly; neither is narrowed.
          - It turns no forwarding on by itself.
        type: list
        elements: str
      links:
        description: The links of the namespace.
        type: list
        elements: dict
        suboptions:
          type:
            description:
              - C(veth), C(macvlan), C(move), C(vxlan), C(wireguard), or the name of a custom type (1 to 32 lowercase
                letters, digits, C(_)), whose unit C(netns-TYPE@NAME.service) runs the commands given in the four phase
                options.
              - There is no C(bridge) type. A bridge port is a C(veth) with O(namespaces[].links[].bridge), whose host end
                joins a bridge of O(bridges).
              - C(move) takes an interface of the host (O(namespaces[].links[].device), a NIC, a tap) into the
                namespace as O(namespaces[].links[].name), with its addresses and routes. C(netns-move@NAME.service) runs
                the engine, which moves it in when the unit starts (waiting up to 30 seconds for it to appear, not before
                C(network-pre.target)) and gives it back to the host under its own name when the unit stops, since the
                kernel gives back only physical devices when a namespace goes. It comes back as it was found, up if it
                was, with its addresses (link-local ones aside), recorded under C(/run/netns-systemd/moved/) when it was
                moved in; the host's routes through it other than those of its addresses' prefixes are not put back, and
                what cannot be put back (no record, an address refused) is said in the journal. A device moved back by
                hand is moved in again by this module, with the same code. A device that is neither on the host nor in
                the namespace is an error before any change, and so is one that is up and carries the host's default
                route, unless O(namespaces[].links[].force).
              - C(wireguard) is a WireGuard interface made on the host, so that its UDP socket stays there, set from a
                root-only file, then moved into the namespace, whose traffic then has no way out but the tunnel (with
                O(namespaces[].links[].route_allowed_ips) and a peer allowing C(0.0.0.0/0), the default route is the
                tunnel). It is the kernel's C(wireguard) link type where the kernel has it, else C(wireguard-go)
                (see O(namespaces[].links[].implementation)); C(wg) (wireguard-tools) is needed either way. A missing
                C(wg), a missing C(wireguard-go) where it is needed, or C(implementation=kernel) on a kernel without
                WireGuard is an error before any change.
                C(netns-wireguard@NAME.service) makes it (not before C(network-pre.target); after
                C(network-online.target) when an endpoint is a host name, which is looked up then) and deletes it
                when it stops. The keys are written only to C(/etc/netns-systemd/wireguard/NAME/IF.conf) (mode 0600, in
                directories of mode 0700), which the unit names; they never reach a unit, C(systemctl show), the journal or
                Ansible's output (the options are C(no_log), and the diff shows the file's size only).
              - Each run compares the interface with C(wg show IF dump) inside the namespace (private key, listen port,
                fwmark, peers with their preshared keys, allowed IPs and keepalive) and applies differences with
                C(wg syncconf), so peers change live without the interface going down. Endpoints are set again only when
                the file changes, since WireGuard follows a peer that roams. The interface name must be free on the host
                too, and an interface of that name in the namespace must be a WireGuard one.
              - C(vxlan) is made from the host straight into the namespace, so its UDP socket stays on the host, on
                O(namespaces[].links[].underlay), and the namespace has no way out but the overlay. It floods to
                O(namespaces[].links[].remotes) (all-zero FDB entries, compared and repaired on each run) or to a multicast
                O(namespaces[].links[].group). C(netns-vxlan@NAME.service) waits up to 30 seconds for the underlay,
                then runs the engine (C(/etc/netns-systemd/netns-engine start NAME vxlan)), which makes it as this
                module does.
            type: str
            default: veth
          name:
            description:
              - The interface inside the namespace. Defaults to C(ve-NAME1) for a veth,
                C(mv-NAME) for a macvlan, C(vx-NAME) for a vxlan, C(wg-NAME) for a wireguard (a name that must be free on
                the host too), and the device's own name for a move; NAME is the namespace's name.
              - So a veth to the host given no names is C(ve-NAME1) inside and C(ve-NAME0) on the host (for namespace
                C(vpn), C(ve-vpn1) and C(ve-vpn0)). A second veth in the same namespace needs names of its own.
            type: str
          peer:
            description:
              - For a veth, the other end. Defaults to C(ve-NAME0), NAME being the namespace's name.
              - For a veth to the host, that is its host end (the gateway's side); for a bridge port, the host end that
                joins the bridge.
            type: str
          peer_netns:
            description: For a veth, the namespace of the other end, which must be in O(namespaces). Omit it for the host.
            type: str
          bridge:
            description:
              - For a veth to the host, the bridge of O(bridges) its host end joins (the host end then has no addresses
                or routes of its own; O(namespaces[].links[].addresses) are the namespace's on the bridge's segment).
              - Joined by C(netns-bridge@NAME.service), which makes the bridge when it is missing (or waits for an
                adopted one) and is not ordered before C(network-pre.target), since an adopted bridge may come later.
            type: str
          vni:
            description: For a vxlan, its VNI (1 to 16777215, required); an existing vxlan with another VNI is an error.
            type: int
          underlay:
            description: For a vxlan, the host interface its packets go out of (required).
            type: str
          port:
            description: For a vxlan, the UDP destination port. Defaults to C(4789).
            type: int
          remotes:
            description:
              - For a vxlan, the underlay addresses of the other hosts of the overlay.
              - The C(netns) role fills them in when they are left out (and there is no O(namespaces[].links[].group))
                with the other hosts of the play with a vxlan of the same VNI, by the address of their underlay interface in
                their facts (see the C(netns.systemd.netns_vxlan_remotes) filter). It finds those hosts through
                C(hostvars), so only when C(netns_namespaces) is in group_vars or host_vars, not in a play's C(vars).
            type: list
            elements: str
          group:
            description: For a vxlan, a multicast group to flood to instead of O(namespaces[].links[].remotes).
            type: str
          private_key:
            description:
              - For a wireguard, its private key (required), as C(wg genkey) prints it. Keep it in Ansible Vault.
            type: str
          listen_port:
            description:
              - For a wireguard, the UDP port it listens on, on the host.
              - Omitted, WireGuard picks one, and picks another each time the interface is set again from its file (when
                its peers or keys change). Give it when a peer must know where to send.
            type: int
          fwmark:
            description: For a wireguard, the firewall mark of its UDP packets on the host (C(0) for none).
            type: int
          implementation:
            description:
              - For a wireguard, C(kernel) (the kernel's C(wireguard) link type), C(userspace) (C(wireguard-go), whose daemon
                lives in the unit), or C(auto), the kernel's where it has it and C(wireguard-go) where not.
              - Defaults to C(auto).
            type: str
            choices: [auto, kernel, userspace]
          route_allowed_ips:
            description:
              - For a wireguard, add a route through it inside the namespace to each allowed IP of its peers (with
                O(namespaces[].links[].routes), if any), so that a peer with C(0.0.0.0/0) makes the tunnel the default
                route. The routes are then managed like O(namespaces[].links[].routes).
            type: bool
            default: false
          peers:
            description: For a wireguard, its peers.
            type: list
            elements: dict
            suboptions:
              public_key:
                description: The peer's public key (C(wg pubkey)).
                type: str
                required: true
              preshared_key:
                description: A preshared key shared with the peer (C(wg genpsk)), a secret like the private key.
                type: str
              endpoint:
                description:
                  - Where the peer is, C(HOST:PORT), with an IPv4 address, an IPv6 address in brackets or a host name.
                    Omitted, the peer is reached once it has sent a packet.
                type: str
              allowed_ips:
                description:
                  - The networks the peer may send from and is sent to, such as C(10.8.0.2/32) or C(0.0.0.0/0).
                    A network may belong to one peer only.
                type: list
                elements: str
              persistent_keepalive:
                description: Seconds between keepalive packets (through NAT); C(0) or omitted for none.
                type: int
          device:
            description: For a move, the host interface to move in (required).
            type: str
          force:
            description: For a move, take the interface even when it is up and carries the host's default route.
            type: bool
            default: false
          parent:
            description: For a macvlan, the host link it sits on (required).
            type: str
          mode:
            description: For a macvlan, the mode. Defaults to C(bridge).
            type: str
            choices: [private, vepa, bridge, passthru, source]
          addresses:
            description:
              - Addresses of O(namespaces[].links[].name), as in M(netns.systemd.netns_veth).
              - For a C(macvlan) or a C(move) link, C(dhcp) instead, and the address comes from a DHCP server on the link's
                LAN. Its unit then runs busybox's DHCP client (C(udhcpc)) inside the namespace, in the unit's cgroup; each
                lease sets the address and a default route through the lease's router (C(proto dhcp)), and, unless the
                namespace has O(namespaces[].dns), writes the lease's DNS servers and domain to
                C(/etc/netns/NAME/resolv.conf) (never the host's). The lease's address and route are not drift.
              - C(dhcp6) (or the list C([dhcp, dhcp6]) for both) for an IPv6 address from a DHCPv6 server on the LAN, taken
                by busybox's C(udhcpc6), as a /128 (the LAN's prefix and default route come from its router's advertisements,
                which the kernel takes inside the namespace), and its DNS servers and search domains as for C(dhcp). With
                both, the resolver is the IPv4 lease's. C(udhcpc6) is in Debian 13's busybox and not in Debian 12's, where
                C(dhcp6) is refused before any change.
              - Without C(dhcp6), the kernel's SLAAC inside the namespace takes an IPv6 address and a default route from a
                router advertising on the LAN, and they are not drift either.
            type: list
            elements: str
          peer_addresses:
            description: Addresses of the veth peer.
            type: list
            elements: str
          mac:
            description: MAC address of O(namespaces[].links[].name).
            type: str
          peer_mac:
            description: MAC address of the veth peer.
            type: str
          mtu:
            description: MTU (both ends of a veth).
            type: int
          routes:
            description: Static routes through O(namespaces[].links[].name).
            type: list
            elements: dict
            suboptions:
              dst:
                description: Destination network or C(default).
                type: str
                required: true
              gateway:
                description: Next hop.
                type: str
          peer_routes:
            description: Static routes through the veth peer.
            type: list
            elements: dict
            suboptions:
              dst:
                description: Destination network or C(default).
                type: str
                required: true
              gateway:
                description: Next hop.
                type: str
          up_outside:
            description:
              - Custom type, a shell command (C(sh -e)) run on the host when the unit starts, before O(namespaces[].links[].up_inside).
                C($1) is the namespace name.
              - The links of one custom type share one unit C(netns-TYPE@NAME.service) and start in the order given,
                each outside then inside; they are ordered after the namespace's units of built-in types (C(veth),
                C(macvlan), C(move), C(vxlan), C(wireguard), and C(bridge) for bridge ports).
              - The four phases are stored in root-only files (mode 0600) under C(/etc/netns-systemd/phases/NAME/), and the
                unit names only those files, so a phase may carry a secret (a key). They are C(no_log). A changed phase of a
                running unit is applied on that run (the unit is stopped with the old down phases, then started with the new).
            type: str
          up_inside:
            description: Custom type, a shell command run inside the namespace when the unit starts, after O(namespaces[].links[].up_outside).
            type: str
          down_inside:
            description:
              - Custom type, a shell command run inside the namespace when the unit stops (first), links in reverse order.
              - The down phases also run after a start that failed half-way (they are C(ExecStopPost=)), so they must
                tolerate what is only partly made; their failures are ignored.
            type: str
          down_outside:
            description: Custom type, a shell command run on the host when the unit stops (after O(namespaces[].links[].down_inside)).
            type: str
  bridges:
    description:
      - Host bridges that namespaces join through veth ports (O(namespaces[].links[].bridge)), so that they share one
        L2 segment with each other and with the host. A bridge no present namespace uses is not made, and one that
        was made is removed.
      - The host side (bridges, O(namespaces[].egress), O(namespaces[].ports)) is the whole host's. A call that
        gives O(bridges), or names a namespace that has or had a bridge port, egress or port forwards, sets all of
        it, so it must give every such namespace; a call about other namespaces alone leaves it as it is.
      - The NAT rules of egress and port forwards live in C(table inet netns_systemd), written whole to
        C(/etc/netns-systemd/host/nftables) and replaced in one transaction by C(netns-host.service), which also
        turns IPv4 forwarding on; it runs at boot after C(nftables.service) (whose ruleset usually starts with
        C(flush ruleset)), and again when that service restarts. No other table is read, changed or flushed.
        Each run compares the live table, forwarding, bridges and ports with these files and applies them again
        where they differ.
      - When nothing needs them any more, the table is deleted and forwarding is put back to the value it had
        before C(netns-host.service) first set it in this boot (forwarding that was on stays on).
      - IPv4 forwarding is turned on interface by interface (C(net.ipv4.conf.IF.forwarding)) when every egress
        names its O(namespaces[].egress.interface) (or O(bridges[].egress.interface)) and every IPv4 port forward its
        O(namespaces[].ports[].interfaces), on the bridges, the host ends of veths that join none and those
        interfaces, so the host's global switch (C(net.ipv4.ip_forward)) stays as the host has it. Docker sets its
        FORWARD policy to drop only when it turns that switch on itself, so this keeps Docker's protection across a
        reboot. The units set it on each link they make. An egress or an IPv4 forward on any interface needs the
        global switch, which is then turned on as before. IPv6 has only the global switch here
        (C(net.ipv6.conf.all.forwarding); a per-interface C(force_forwarding) exists only from Linux 6.17).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The bridge's interface name on the host.
        type: str
        required: true
      adopt:
        description:
          - Use a bridge that something else makes (systemd-networkd, ifupdown) as it is; its ports wait for it
            up to 30 seconds. An adopted bridge's addresses are its owner's, and it is never removed.
          - Without it, the collection makes the bridge, sets O(bridges[].addresses), and removes the bridge when
            the last namespace that uses it goes. A link of that name that it did not make is an error.
        type: bool
        default: false
      addresses:
        description: Addresses of a bridge the collection makes (the gateway of its namespaces).
        type: list
        elements: str
      egress:
        description:
          - Outbound access through the host for the bridge's prefixes (those of its addresses and of its ports'
            namespaces), as O(namespaces[].egress), C(true) or a dictionary.
        type: raw
        suboptions:
          interface:
            description:
              - The host interface the packets leave through (the uplink), as O(namespaces[].egress.interface); not the
                bridge itself.
              - Omitted, packets are translated whatever interface they leave through, except those sent to the
                bridge's own prefixes.
            type: str
          ipv6:
            description: How the bridge's IPv6 prefixes leave, as O(namespaces[].egress.ipv6); omitted, they do not.
            type: str
            choices: [masquerade, routed]
  host_firewall:
    description:
      - What to do, before any change, when the host's own firewall would drop the forwarded traffic of the
        collection's links (the bridges, and the host ends of veths that join none). Every nftables base chain at
        the forward hook votes on a forwarded packet, and an accept in C(table inet netns_systemd) cannot override
        a drop elsewhere, so such a host looks converged while egress, port forwards and (with C(br_netfilter))
        traffic across a bridge time out.
      - It is read once, with C(nft -j list ruleset), only when the call sets the host side and something is
        forwarded (egress, port forwards, or a bridge while C(net.bridge.bridge-nf-call-iptables) is 1). It finds
        Docker (chain C(DOCKER-USER), named even while its FORWARD policy is accept, since forwarding turned on
        before C(docker.service) starts keeps Docker from setting it to drop), ufw, firewalld (table
        C(inet firewalld)), and any other chain at the forward hook with policy drop. A firewall that already
        accepts the traffic of every such link (an C(iifname) and an C(oifname) accept for it, or for firewalld the
        link in zone C(trusted)) is not reported.
      - The message names the firewall, the links and the commands that let them through in that firewall's own
        place (C(iptables -I DOCKER-USER -i LINK -j ACCEPT) and C(-o LINK), C(ufw route allow in on LINK) and
        C(out on LINK), C(firewall-cmd --permanent --zone=trusted --add-interface=LINK), or the accepts to add to a
        user's chain). The collection changes none of them.
      - Where Docker runs, an egress without O(namespaces[].egress.interface) or an IPv4 port forward without
        O(namespaces[].ports[].interfaces) is reported too, whatever C(DOCKER-USER) accepts. It needs the global
        C(net.ipv4.ip_forward), which, turned on at boot before C(docker.service) starts, keeps Docker from setting
        its FORWARD policy to drop; with every interface named, forwarding is turned on interface by interface
        instead (see O(bridges)).
      - V(refuse) fails the run before any change with that message; V(warn) goes on and returns it as a warning.
      - Rules for Docker and ufw must be kept across reboots where those tools keep theirs (a unit ordered after
        C(docker.service), ufw's own rules files).
    type: str
    choices: [refuse, warn]
    default: refuse
  start:
    description: Start units that are not running (namespaces and links come up now, not only at the next boot).
    type: bool
    default: true
  converge:
    description:
      - After starting the units, converge the live links of every built-in type exactly (veth pairs, macvlans, moved
        interfaces, vxlans and WireGuard interfaces; addresses and static routes that are not listed are removed, MTU
        and MAC fixed), as the link modules do, the FDB of vxlans, the peers of WireGuard interfaces (a WireGuard interface
        deleted by hand is made again by restarting its unit), the sysctls (O(namespaces[].sysctl)) and nftables
        rulesets (O(namespaces[].nftables)) of the namespaces, and the host side (see O(bridges)). Needs O(start=true).
      - A namespace that did not exist before the run is made whole by its units from the files just written; it is
        not read again until the next run. Check mode leaves the same namespaces out, so that it lists what the real
        run lists.
      - The links of custom types are left to their phases.
    type: bool
    default: true
seealso:
  - module: netns.systemd.netns_veth
  - module: netns.systemd.netns_macvlan
  - module: netns.systemd.netns_unit
  - module: netns.systemd.netns_info
  - plugin: netns.systemd.nsenter
    plugin_type: connection
'''

EXAMPLES = r'''
- name: A VPN namespace with a veth to the host, DNS, and the two-namespace lab, all at boot
  netns.systemd.netns_chain:
    namespaces:
      - name: vpn
        links:
          - type: veth                  # no names: ve-vpn1 in vpn, ve-vpn0 on the host
            addresses: [10.20.0.2/30]
            peer_addresses: [10.20.0.1/30]
            routes: [{dst: default, gateway: 10.20.0.1}]
        dns:
          nameservers: [10.20.0.1]
      - name: blue
        links:
          - {name: veth-b, addresses: [10.1.0.2/24], peer: veth-r, peer_netns: red, peer_addresses: [10.1.0.3/24]}
      - name: red

- name: A namespace whose only way out is a WireGuard tunnel (its socket stays on the host)
  netns.systemd.netns_chain:
    namespaces:
      - name: vpn
        links:
          - type: wireguard
            name: wg0
            private_key: "{{ vault_wg_private_key }}"
            addresses: [10.8.0.2/32]
            route_allowed_ips: true
            peers:
              - public_key: Vnz1JmpNqbpjHxkS4ElGBjwiL8w4rbFtIcv1mH01Cl0=
                endpoint: vpn.example.com:51820
                allowed_ips: [0.0.0.0/0]
                persistent_keepalive: 25

- name: A custom link type with the four phases
  netns.systemd.netns_chain:
    namespaces:
      - name: lab
        links:
          - type: dummyish
            up_outside: ip link add tmp-$1 type veth peer name in0 netns $1
            up_inside: ip link set in0 up
            down_outside: ip link del tmp-$1
'''

RETURN = r'''
units:
  description: The units of each namespace, the creator first.
  returned: always
  type: dict
  sample: {blue: [netns_name@blue.service, netns-veth@blue.service]}
changes:
  description: What changed (in check mode, what would change), one line each.
  returned: always
  type: list
  elements: str
  sample: ["~ /etc/systemd/system/netns_name@.service", "~ /etc/netns-systemd/model/blue.json", "+ enable netns_name@blue.service",
           "+ start netns_name@blue.service", "~ restart netns_name@red.service: the namespace was deleted by hand"]
'''

from ansible_collections.netns.systemd.plugins.module_utils._kinds.macvlan import MODES as MACVLAN_MODES
from ansible_collections.netns.systemd.plugins.module_utils._module import ROUTES, finish, new_module, run_safely
from ansible_collections.netns.systemd.plugins.module_utils._playbook import ChainRun
from ansible_collections.netns.systemd.plugins.module_utils._systemd import systemctl_runner

# A phase may carry a secret (a key): never logged, never in a unit (see the docs).
_PHASE = dict(type='str', no_log=True)
_LINK = dict(
    type=dict(type='str', default='veth'), name=dict(type='str'), peer=dict(type='str'), peer_netns=dict(type='str'),
    parent=dict(type='str'), mode=dict(type='str', choices=list(MACVLAN_MODES)),
    addresses=dict(type='list', elements='str'), peer_addresses=dict(type='list', elements='str'),
    mac=dict(type='str'), peer_mac=dict(type='str'), mtu=dict(type='int'), routes=ROUTES, peer_routes=ROUTES,
    up_outside=_PHASE, up_inside=_PHASE, down_inside=_PHASE, down_outside=_PHASE, bridge=dict(type='str'),
    device=dict(type='str'), force=dict(type='bool', default=False),
    vni=dict(type='int'), underlay=dict(type='str'), port=dict(type='int'), remotes=dict(type='list', elements='str'), group=dict(type='str'),
    private_key=dict(type='str', no_log=True), listen_port=dict(type='int'), fwmark=dict(type='int'),
    implementation=dict(type='str', choices=['auto', 'kernel', 'userspace']), route_allowed_ips=dict(type='bool', default=False),
    peers=dict(type='list', elements='dict', options=dict(
        public_key=dict(type='str', required=True, no_log=False), preshared_key=dict(type='str', no_log=True), endpoint=dict(type='str'),
        allowed_ips=dict(type='list', elements='str'), persistent_keepalive=dict(type='int'),
    )),
)
_FORWARD = dict(
    host_port=dict(type='int', required=True), port=dict(type='int'), protocol=dict(type='str', choices=['tcp', 'udp'], default='tcp'),
    address=dict(type='str'), interfaces=dict(type='list', elements='str'), host_addresses=dict(type='list', elements='str'),
    sources=dict(type='list', elements='str'),
)
_EGRESS = dict(interface=dict(type='str'), ipv6=dict(type='str', choices=['masquerade', 'routed']))
_DNS = dict(nameservers=dict(type='list', elements='str'), search=dict(type='list', elements='str'),
            options=dict(type='list', elements='str'), content=dict(type='str'))
ARGUMENT_SPEC = dict(
    namespaces=dict(type='list', elements='dict', required=True, options=dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        enabled=dict(type='bool', default=True),
        # raw: ansible-core fails with a message naming nothing when a dict option with
        # options gets true; the module checks these itself (_host, _hostnet).
        dns=dict(type='raw', options=_DNS),
        sysctl=dict(type='dict'),
        sysctl_ignore_missing=dict(type='bool', default=False),
        nftables=dict(type='str'),
        egress=dict(type='raw', options=_EGRESS),
        ports=dict(type='list', elements='dict', options=_FORWARD),
        reachable_from=dict(type='list', elements='str'),
        links=dict(type='list', elements='dict', options=_LINK),
    )),
    bridges=dict(type='list', elements='dict', default=[], options=dict(
        name=dict(type='str', required=True),
        adopt=dict(type='bool', default=False),
        addresses=dict(type='list', elements='str'),
        egress=dict(type='raw', options=_EGRESS),
    )),
    host_firewall=dict(type='str', default='refuse', choices=['refuse', 'warn']),
    start=dict(type='bool', default=True),
    converge=dict(type='bool', default=True),
)


def main():
    module = new_module(ARGUMENT_SPEC)
    chain = ChainRun(module.params, module.run_command, module.get_bin_path, systemctl_runner(module), module.check_mode)
    finish(module, run_safely(module, chain.run))


if __name__ == '__main__':
    main()
