"""The lived-in host's upstream DNS server, for the tests: it answers every A query with
192.0.2.99 and appends each name asked to a log, so that a test can tell which lookups
reached the host's upstream. Usage: upstream_dns.py ADDRESS LOG"""

import socket
import struct
import sys


def qname(packet):
    labels, offset = [], 12
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1:offset + 1 + length].decode('ascii', 'replace'))
        offset += 1 + length
    return '.'.join(labels), offset + 5


def answer(packet):
    name, end = qname(packet)
    question = packet[12:end]
    qtype = struct.unpack('!H', packet[end - 4:end - 2])[0]
    header = packet[:2] + struct.pack('!HHHHH', 0x8180, 1, 1 if qtype == 1 else 0, 0, 0)
    record = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 60, 4) + socket.inet_aton('192.0.2.99') if qtype == 1 else b''
    return name, header + question + record


def main(address, log):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    while True:
        packet, peer = sock.recvfrom(512)
        try:
            name, reply = answer(packet)
        except (IndexError, struct.error):
            continue
        with open(log, 'a') as f:
            f.write(name + '\n')
        sock.sendto(reply, peer)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
