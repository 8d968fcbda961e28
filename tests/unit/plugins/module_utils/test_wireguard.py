"""WireGuard links without a kernel: options validated (no message ever holds a key), the
root-only file and the unit rendered from them (no key in a unit), and the comparison of a
spec with ``wg show dump`` (the kernel test is tests/sandbox/test_wireguard_kernel.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import stat

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._chain import apply_chain, plan_chain
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._kinds.wireguard import differences, parse_dump, render_conf, wireguard_spec


def key(n):
    """A well-formed key, different for each n (these tests need no real curve)."""
    return base64.b64encode(bytes([n]) * 32).decode()


PRIVATE, PEER, PSK = key(1), key(2), key(3)


def link(**extra):
    item = {'name': 'wg0', 'netns': 'vpn', 'private_key': PRIVATE, 'addresses': ['10.8.0.2/24'],
            'peers': [{'public_key': PEER, 'preshared_key': PSK, 'endpoint': '192.0.2.1:51820',
                       'allowed_ips': ['0.0.0.0/0', '::/0'], 'persistent_keepalive': 25}]}
    item.update(extra)
    return item


def test_conf_holds_the_keys_and_the_peers():
    spec = wireguard_spec(link(listen_port=51821, fwmark=7), 'links[0]')
    assert render_conf(spec) == (
        '[Interface]\nPrivateKey = %s\nListenPort = 51821\nFwMark = 7\n\n'
        '[Peer]\nPublicKey = %s\nPresharedKey = %s\nEndpoint = 192.0.2.1:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n'
        'PersistentKeepalive = 25\n' % (PRIVATE, PEER, PSK))


def test_what_is_off_is_written_off_since_a_file_that_leaves_it_out_leaves_it_as_it_is():
    spec = wireguard_spec(link(peers=[{'public_key': PEER}]), 'links[0]')
    assert render_conf(spec) == '[Interface]\nPrivateKey = %s\nFwMark = off\n\n[Peer]\nPublicKey = %s\nPersistentKeepalive = off\n' % (PRIVATE, PEER)


def test_allowed_ips_and_endpoints_are_taken_as_wg_writes_them():
    spec = wireguard_spec(link(peers=[{'public_key': PEER, 'endpoint': '[2001:DB8::1]:51820', 'allowed_ips': ['FD00::/64', '10.8.0.7']},
                                      {'public_key': key(4), 'endpoint': 'vpn.example.com:1'}]), 'links[0]')
    assert [str(n) for n in spec.peers[0].allowed_ips] == ['fd00::/64', '10.8.0.7/32']
    assert [peer.endpoint_is_name for peer in spec.peers] == [False, True]


def test_route_allowed_ips_makes_routes_through_the_tunnel_besides_the_given_ones():
    spec = wireguard_spec(link(route_allowed_ips=True, routes=[{'dst': '172.16.0.0/12'}]), 'links[0]')
    assert [route.text() for route in spec.end.routes] == ['172.16.0.0/12', 'default', 'default']
    assert sorted(route.dst.version for route in spec.end.routes) == [4, 4, 6]
    assert wireguard_spec(link(), 'links[0]').end.routes is None


@pytest.mark.parametrize('change, message', [
    ({'private_key': 'not-a-key'}, 'private_key is not a WireGuard key'),
    ({'private_key': key(1)[:-2] + '=='}, 'private_key is not a WireGuard key'),
    ({'private_key': None}, 'private_key is required'),
    ({'listen_port': 70000}, 'listen_port 70000 is not a port number'),
    ({'fwmark': -1}, 'fwmark -1 is not a number'),
    ({'implementation': 'fast'}, "implementation 'fast' is not one of auto, kernel, userspace"),
    ({'peers': [{'public_key': PEER, 'endpoint': '192.0.2.1'}]}, 'needs a port'),
    ({'peers': [{'public_key': PEER, 'endpoint': '2001:db8::1:51820'}]}, 'IPv6 address in brackets'),
    ({'peers': [{'public_key': PEER, 'endpoint': 'bad_host:1'}]}, 'neither an IPv4 address nor a host name'),
    ({'peers': [{'public_key': PEER, 'allowed_ips': ['10.8.0.1/24']}]}, 'has host bits set: write 10.8.0.0/24'),
    ({'peers': [{'public_key': PEER, 'allowed_ips': ['fd00::1/64']}]}, 'has host bits set: write fd00::/64'),
    ({'peers': [{'public_key': PEER, 'allowed_ips': ['10.8.0/24']}]}, 'is not a network'),
    ({'peers': [{'public_key': PEER, 'endpoint': '999.1.1.1:51820'}]}, 'neither an IPv4 address nor a host name'),
    ({'peers': [{'public_key': PEER}, {'public_key': PEER}]}, 'is listed twice'),
    ({'peers': [{'public_key': PEER, 'allowed_ips': ['10.0.0.0/8']}, {'public_key': key(4), 'allowed_ips': ['10.0.0.0/8']}]},
     'allowed IP 10.0.0.0/8 is given to peer'),
    ({'peers': [{'public_key': PEER, 'persistent_keepalive': 70000}]}, 'persistent_keepalive 70000'),
    ({'peers': [{'public_key': PEER, 'preshared_key': 'short'}]}, 'preshared_key is not a WireGuard key'),
])
def test_bad_options_are_refused_without_showing_a_key(change, message):
    with pytest.raises(InvalidInput) as caught:
        wireguard_spec(link(**change), 'links[0]')
    assert message in str(caught.value)
    for secret in (PRIVATE, PSK, 'not-a-key', 'short'):
        assert secret not in str(caught.value)


def test_the_interface_name_is_one_of_the_hosts_names_too():
    with pytest.raises(InvalidInput, match='host:wg0 .*named twice'):
        parse_entries([{'name': 'a', 'links': [dict(link(), type='wireguard')]}, {'name': 'b', 'links': [dict(link(), type='wireguard')]}],
                      sys_class_net=None)


def dump(private=PRIVATE, port=51821, peers=None):
    rows = ['%s\t%s\t%d\toff' % (private, key(9), port)]
    for row in peers if peers is not None else [(PEER, PSK, '192.0.2.1:51820', '0.0.0.0/0,::/0', 25)]:
        rows.append('%s\t%s\t%s\t%s\t0\t0\t0\t%s' % (row[0], row[1] or '(none)', row[2] or '(none)', row[3] or '(none)', row[4] or 'off'))
    return '\n'.join(rows) + '\n'


def test_a_dump_that_matches_has_no_differences_and_a_roaming_endpoint_is_not_one():
    spec = wireguard_spec(link(listen_port=51821), 'links[0]')
    assert differences(spec, parse_dump(dump())) == []
    roamed = dump(peers=[(PEER, PSK, '198.51.100.7:40000', '::/0,0.0.0.0/0', 25)])
    assert differences(spec, parse_dump(roamed)) == []


def test_differences_name_what_changed_and_no_secret():
    spec = wireguard_spec(link(listen_port=51821), 'links[0]')
    live = parse_dump(dump(private=key(7), port=1, peers=[(PEER, None, None, '10.0.0.0/8', 0), (key(5), None, None, '', 0)]))
    lines = differences(spec, live)
    assert lines == ['~ wireguard vpn:wg0: private key', '~ wireguard vpn:wg0: listen port 51821 (was 1)',
                     '- wireguard vpn:wg0: peer %s...' % key(5)[:10],
                     '~ wireguard vpn:wg0: peer %s...: preshared key; allowed IPs 0.0.0.0/0, ::/0 (were 10.0.0.0/8); keepalive 25 (was 0)'
                     % PEER[:10]]
    text = '\n'.join(lines)
    assert PRIVATE not in text and key(7) not in text and PSK not in text
    assert parse_dump('interface: wg0\n') is None


def test_the_conf_is_root_only_and_no_unit_names_a_key(tmp_path):
    named = link(peers=[{'public_key': PEER, 'endpoint': 'vpn.example.com:51820', 'allowed_ips': ['0.0.0.0/0']}])
    entries = parse_entries([{'name': 'vpn', 'links': [dict(named, type='wireguard')]}], sys_class_net=None)
    dirs = dict(unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), boot_dir=str(tmp_path / 'boot'),
                marks_dir=str(tmp_path / 'run' / 'booted'))
    plan = plan_chain(entries, {}, start=False, **dirs)
    conf = str(tmp_path / 'boot' / 'wireguard' / 'vpn' / 'wg0.conf')
    model = str(tmp_path / 'boot' / 'model' / 'vpn.json')
    assert sorted(plan.private_files) == [model, conf]
    shown = repr(plan.file_diffs) + repr(plan.lines)
    assert PRIVATE not in shown and 'root-only file of' in shown
    apply_chain(plan, lambda *args: None)
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(conf)).st_mode) == 0o700
    assert PRIVATE in open(conf).read()
    # The engine's model holds the key too: root-only, like the conf.
    assert stat.S_IMODE(os.stat(model).st_mode) == 0o600 and stat.S_IMODE(os.stat(os.path.dirname(model)).st_mode) == 0o700
    dropin = open(str(tmp_path / 'units' / 'netns-wireguard@vpn.service.d' / 'netns-systemd.conf')).read()
    assert 'wireguard vpn wg0 auto' in dropin and PRIVATE not in dropin and PEER not in dropin
    # A host name is looked up when the interface is set: after the network is online.
    assert 'Wants=network-online.target' in dropin and 'After=network-online.target' in dropin
    # Absent: the file goes with the namespace.
    gone = plan_chain(parse_entries([{'name': 'vpn', 'state': 'absent'}], sys_class_net=None), {}, start=False, **dirs)
    apply_chain(gone, lambda *args: None)
    assert not os.path.exists(os.path.dirname(conf)) and not os.path.exists(model)
