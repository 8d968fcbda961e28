"""Addresses by DHCP as the user gives them: which IP versions a link takes by DHCP, the lines
its unit gets, and the check of the host's client (the leases themselves, on real links, are in
tests/sandbox/test_dhcp_kernel.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._parts import dhcp


def parse(*items):
    # The parents are not looked for on this machine.
    return parse_entries(list(items), sys_class_net=None)


def macvlan(addresses, **extra):
    item = {'name': 'cli', 'links': [{'type': 'macvlan', 'parent': 'br-lan', 'addresses': addresses}]}
    item.update(extra)
    return item


@pytest.mark.parametrize('addresses, versions', [
    ('dhcp', (4,)), (['dhcp'], (4,)), ('dhcp6', (6,)), (['dhcp6', 'dhcp'], (4, 6)), (['10.0.0.2/24'], ()),
])
def test_the_ip_versions_a_link_takes_by_dhcp(addresses, versions):
    spec = parse(macvlan(addresses))[0].links['macvlan'][0]
    assert spec.dhcp == versions
    # Addresses from a lease are not the model's: none of them is drift.
    assert (spec.end.addresses is None) == bool(versions)


@pytest.mark.parametrize('addresses, message', [
    (['dhcp', '10.0.0.2/24'], r'addresses is dhcp, dhcp6, or the list \[dhcp, dhcp6\], or a list of addresses'),
    (['dhcp6', 'dhcp6'], 'no word twice'),
])
def test_dhcp_words_are_not_mixed_with_addresses(addresses, message):
    with pytest.raises(InvalidInput, match=message):
        parse(macvlan(addresses))
    with pytest.raises(InvalidInput, match='are for a link of its own on a LAN with a DHCP server'):
        parse_entries([{'name': 'x', 'links': [{'addresses': 'dhcp6'}]}])


def test_the_unit_runs_a_client_per_ip_version_and_one_lease_writes_the_resolver():
    def starts(item):
        dropin = parse(item)[0].dropins('macvlan')['netns-macvlan@cli.service']
        return [line for line in dropin.splitlines() if line.startswith('ExecStartPost=')]
    assert starts(macvlan('dhcp6')) == ['ExecStartPost=/etc/netns-systemd/netns-engine dhcp6 cli mv-cli lease-dns']
    # With both, the resolver is the IPv4 lease's; with dns of its own, no lease's.
    assert starts(macvlan(['dhcp', 'dhcp6'])) == ['ExecStartPost=/etc/netns-systemd/netns-engine dhcp cli mv-cli lease-dns',
                                                  'ExecStartPost=/etc/netns-systemd/netns-engine dhcp6 cli mv-cli keep-dns']
    assert [line.split()[-1] for line in starts(macvlan(['dhcp', 'dhcp6'], dns={'nameservers': ['10.0.0.1']}))] == ['keep-dns'] * 2
    assert starts(macvlan(['10.0.0.2/24'])) == []


def _run(argv):
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_the_host_s_busybox_is_asked_for_the_clients_before_any_change():
    try:
        applets = set(_run([dhcp.BUSYBOX, '--list'])[1].split())
    except OSError:
        applets = set()
    specs = parse(macvlan(['dhcp', 'dhcp6']))[0].links['macvlan']
    if 'udhcpc' in applets and 'udhcpc6' in applets:
        dhcp.check_host(specs, _run)
    elif 'udhcpc' in applets:
        # Debian 12's busybox (1.35) has udhcpc and no udhcpc6.
        dhcp.check_host(parse(macvlan('dhcp'))[0].links['macvlan'], _run)
        with pytest.raises(InvalidInput, match="addresses: dhcp6 needs busybox's udhcpc6, which /bin/busybox on this host does not"):
            dhcp.check_host(specs, _run)
    else:
        with pytest.raises(InvalidInput, match='need busybox'):
            dhcp.check_host(specs, _run)
    # Links without DHCP ask nothing of the host.
    dhcp.check_host(parse(macvlan(['10.0.0.2/24']))[0].links['macvlan'], lambda argv: pytest.fail('asked %r' % argv))


def test_a_lease_s_resolver_takes_addresses_and_plain_names_only(tmp_path):
    env = {dhcp.LEASE_DNS: 'lease-dns'}
    lines = dhcp._resolver(env, 'cli', ['fd77:0000:0000:0000:0000:0000:0000:0053', '192.0.2.53'],
                           ['lab.example', 'evil\nnameserver', '#x', 'ok-2.example'], str(tmp_path))
    assert lines == ['netns cli: %s/cli/resolv.conf: nameservers fd77::53 192.0.2.53' % tmp_path]
    assert (tmp_path / 'cli' / 'resolv.conf').read_text() == (
        '# Resolver of network namespace cli, from its DHCP lease (netns.systemd).\n'
        'nameserver fd77::53\nnameserver 192.0.2.53\nsearch lab.example ok-2.example\n')
    with pytest.raises(ValueError):
        dhcp._resolver(env, 'cli', ['not-an-address'], [], str(tmp_path))
    # Not the lease's to write (the namespace has dns of its own, or the other lease writes it).
    assert dhcp._resolver({dhcp.LEASE_DNS: 'keep-dns'}, 'cli', ['192.0.2.53'], [], str(tmp_path / 'other')) == []
    assert not (tmp_path / 'other').exists()
