"""Send one IPv6 router advertisement from an interface to all nodes on its link, as radvd
would: this router as a default router for LIFETIME seconds, with an on-link, autonomous /64
PREFIX. Made by hand (ICMPv6 type 134; the kernel fills in the checksum), for the tests of an
uplink that learns its default route from advertisements.

    python3 advertise_router.py IFNAME PREFIX [LIFETIME]

Used by the sandbox tests (tests/kernel.py) and by the molecule lab's IPv6 router.
"""

import socket
import struct
import sys


def advertisement(prefix, lifetime):
    option = struct.pack('!BBBBIII16s', 3, 4, 64, 0xc0, 86400, 14400, 0, socket.inet_pton(socket.AF_INET6, prefix))
    return struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, lifetime, 0, 0) + option


def main():
    ifname, prefix = sys.argv[1], sys.argv[2]
    lifetime = int(sys.argv[3]) if len(sys.argv) > 3 else 1800
    index = socket.if_nametoindex(ifname)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    sock.sendto(advertisement(prefix, lifetime), ('ff02::1', 0, 0, index))


if __name__ == '__main__':
    main()
