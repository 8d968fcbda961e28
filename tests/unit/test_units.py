"""Unit rendering: what systemd will run at boot, and that it builds what the modules build."""

import os
import shlex
import subprocess

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._chain import (
    parse_entries,
    parse_unit_state,
    plan_chain,
    render_resolv_conf,
    rewrite_in_place,
    write_atomically,
)
from ansible_collections.netns.systemd.plugins.module_utils._links import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    CREATOR_TEMPLATE,
    LINK_TEMPLATE,
    quote_arg,
    render_link_dropin,
)


def systemd_unquote(line):
    """Split an Exec line the way systemd does for the quoting quote_arg produces."""
    words = shlex.split(line.split('=', 1)[1].lstrip('-'), posix=True)
    return [w.replace('%%', '%').replace('$$', '$') for w in words]


def run_exec_lines(unit_text, key='ExecStart'):
    """Run the Exec lines of a unit in order, honouring the '-' prefix, as systemd would."""
    for line in unit_text.splitlines():
        if not line.startswith(key + '='):
            continue
        argv = systemd_unquote(line)
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0 and not line[len(key) + 1:].startswith('-'):
            raise AssertionError('%s failed: %s' % (line, proc.stderr))


def run_creator(netns):
    # The touch of /etc/netns/NAME/resolv.conf would reach the sandbox's tmpfs /etc/netns only
    # after ConfigurationDirectory= made the directory, which only systemd does.
    run_exec_lines(CREATOR_TEMPLATE.replace('%i', netns).replace('ExecStart=touch', '# '))


HOST = [
    {'name': 'blue', 'links': [
        {'type': 'veth', 'name': 'veth-b', 'peer': 'veth-r', 'peer_netns': 'red', 'addresses': ['10.1.0.2/24'],
         'peer_addresses': ['10.1.0.3/24'], 'mtu': 1400, 'mac': '02:00:00:00:01:02',
         'routes': [{'dst': '10.9.0.0/16', 'gateway': '10.1.0.3'}]},
        {'type': 'veth', 'addresses': ['10.2.0.2/30', 'fd00:2::2/64'], 'peer_addresses': ['10.2.0.1/30'],
         'routes': [{'dst': 'default', 'gateway': '10.2.0.1'}, {'dst': '::/0', 'gateway': 'fd00:2::1'}],
         'peer_mac': '02:00:00:00:02:01'},
        {'type': 'macvlan', 'name': 'mv0', 'parent': 'br0', 'mode': 'private', 'addresses': ['192.0.2.7/24']},
    ]},
    {'name': 'red'},
]


def boot(entries, key='ExecStart'):
    """What systemd does at boot (or, with ExecStop, at shutdown): creators first, then link units."""
    if key == 'ExecStart':
        for entry in entries:
            run_creator(entry.name)
    for entry in entries:
        for kind in entry.kinds:
            run_exec_lines(render_link_dropin(entry.name, kind, entry.links.get(kind, ()), entry.custom.get(kind)), key=key)


def _kernel_links():
    """Links, addresses and routes of the host and each namespace, without indexes and MACs
    (random where the model sets none; the ones it sets are checked on their own)."""
    state = kernel.state()
    for key, value in state.items():
        if key != 'names':
            value['links'] = [link[:4] + link[5:6] for link in value['links']]
    return state


def test_boot_units_build_the_same_kernel_state_as_the_modules():
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    entries = parse_entries(HOST)
    boot(entries)
    booted = _kernel_links()
    # The playbook: the core converges the same model into the same (already built) state...
    specs = [spec for entry in entries for kind in sorted(entry.links) for spec in entry.links[kind]]
    assert converge_links(specs, check_mode=False)['diff_lines'] == []
    # ...and builds it from nothing the same way.
    kernel.wipe()
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    for spec in specs:
        spec.create_netns = True
    converge_links(specs, check_mode=False)
    assert kernel.netns_names() == ['blue', 'red']
    converged = _kernel_links()
    for place in booted:
        if place != 'names':
            for part in ('links', 'addresses', 'routes'):
                assert converged[place][part] == booted[place][part], (place, part)
    assert converged == booted
    assert kernel.link('blue', 've-blue1')['mtu'] == 1500
    assert kernel.link(None, 've-blue0')['address'] == '02:00:00:00:02:01'
    assert kernel.link('blue', 'veth-b')['address'] == '02:00:00:00:01:02'


def test_link_units_are_idempotent_when_links_exist():
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    entries = parse_entries(HOST)
    boot(entries)
    boot(entries)  # the creators adopt, the links exist: starting again does not fail
    assert kernel.addresses('blue', 'veth-b') == {'10.1.0.2/24'}


def test_link_unit_stop_lines_remove_the_links():
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    entries = parse_entries(HOST)
    boot(entries)
    boot(entries, key='ExecStop')
    assert kernel.link(None, 've-blue0') is None
    assert kernel.link('red', 'veth-r') is None
    assert kernel.link('blue', 'mv0') is None


def test_templates_bind_links_to_the_creator_and_order_before_the_network():
    assert 'BindsTo=netns_name@%i.service' in LINK_TEMPLATE and 'After=netns_name@%i.service' in LINK_TEMPLATE
    for template in (CREATOR_TEMPLATE, LINK_TEMPLATE):
        assert 'Before=network-pre.target shutdown.target' in template
        assert '%I' not in template
    assert 'PrivateNetwork' not in CREATOR_TEMPLATE
    assert 'ExecStart=-ip netns add %i' in CREATOR_TEMPLATE
    assert 'ExecStop=-ip netns delete %i' in CREATOR_TEMPLATE


def test_namespace_to_namespace_veth_orders_after_the_peer_creator():
    lab = [{'name': 'blue', 'links': HOST[0]['links'][:1]}, {'name': 'red'}]
    dropin = render_link_dropin('blue', 'veth', parse_entries(lab)[0].links['veth'])
    assert 'BindsTo=netns_name@red.service\nAfter=netns_name@red.service' in dropin


@pytest.mark.parametrize('value', ['plain', 'a b', 'say "hi"', '$HOME', '%i', 'back\\slash', "it's", 'a;rm -rf /', ''])
def test_quoted_arguments_reach_the_command_unchanged(value):
    assert systemd_unquote('ExecStart=echo %s' % quote_arg(value)) == ['echo', value]


def test_custom_type_phases_run_in_order_on_each_side():
    entries = parse_entries([{'name': 'lab', 'links': [{
        'type': 'marker',
        'up_outside': 'ip link add out-$1 type veth peer name in0 netns "$1"',
        'up_inside': 'ip link set in0 up && ip addr add 10.5.0.2/24 dev in0',
        'down_inside': 'ip addr flush dev in0',
        'down_outside': 'ip link del out-$1'}]}])
    dropin = render_link_dropin('lab', 'marker', commands=entries[0].custom['marker'])
    starts = [line for line in dropin.splitlines() if line.startswith('ExecStart')]
    stops = [line for line in dropin.splitlines() if line.startswith('ExecStop')]
    assert 'up_outside' in starts[0] and 'up_inside' in starts[1]
    assert 'down_inside' in stops[0] and 'down_outside' in stops[1]
    run_creator('lab')
    run_exec_lines(dropin)
    assert kernel.addresses('lab', 'in0') == {'10.5.0.2/24'}
    assert kernel.link(None, 'out-lab') is not None
    run_exec_lines(dropin, key='ExecStop')
    assert kernel.link(None, 'out-lab') is None


@pytest.mark.parametrize('host, message', [
    ([{'name': 'a b'}], 'cannot name a systemd unit instance'),
    ([{'name': '-x'}], 'cannot name a systemd unit instance'),
    ([{'name': 'a/b'}], "contains '/'"),
    ([{'name': 'blue'}, {'name': 'blue'}], "netns 'blue' is listed twice"),
    ([{'name': 'verylongname', 'links': [{'type': 'veth'}]}], "'ve-verylongname1' is 16 bytes long"),
    ([{'name': 'blue', 'links': [{'type': 'macvlan', 'parent': 'eth9'}]}], "macvlan parent 'eth9' does not exist"),
    ([{'name': 'blue', 'links': [{'type': 'veth', 'peer_netns': 'nowhere'}]}], "netns 'nowhere' is not in the list"),
    ([{'name': 'blue', 'links': [{'type': 'veth'}, {'type': 'veth'}]}], 'blue:ve-blue1 is named twice'),
    ([{'name': 'blue', 'links': [{'type': 'Bad-Type', 'up_outside': 'true'}]}], "link type 'Bad-Type' is not veth"),
    ([{'name': 'blue', 'links': [{'type': 'custom1'}]}], 'needs up_outside or up_inside'),
    ([{'name': 'blue', 'dns': {'nameservers': ['not-an-ip']}}], "nameserver 'not-an-ip' is not an IPv4"),
    ([{'name': 'blue', 'dns': {'content': 'x', 'search': ['a']}}], 'cannot be combined'),
])
def test_bad_host_lists_are_refused_whole(host, message):
    with pytest.raises(InvalidInput, match=message):
        parse_entries(host)


def test_resolv_conf_renders_servers_search_options_or_content():
    assert render_resolv_conf({'nameservers': ['10.0.0.1', 'fd00::1'], 'search': ['lan'], 'options': ['edns0']}, 'x') == (
        '# Resolver of network namespace x, managed by netns.systemd.\nnameserver 10.0.0.1\nnameserver fd00::1\n'
        'search lan\noptions edns0\n')
    assert render_resolv_conf({'content': 'nameserver 1.1.1.1'}, 'x') == 'nameserver 1.1.1.1\n'
    assert render_resolv_conf(None, 'x') is None


def test_resolv_conf_without_dns_is_created_empty_then_left_to_others(tmp_path):
    etc_dir, unit_dir = str(tmp_path), str(tmp_path / 'units')
    path = os.path.join(etc_dir, 'vpn', 'resolv.conf')
    plan = plan_chain(parse_entries([{'name': 'vpn'}]), {}, unit_dir=unit_dir, etc_dir=etc_dir)
    assert plan.resolv_files == {path: ''} and '+ %s' % path in plan.lines
    rewrite_in_place(path, 'nameserver 10.8.0.1\n')
    assert plan_chain(parse_entries([{'name': 'vpn'}]), {}, unit_dir=unit_dir, etc_dir=etc_dir).resolv_files == {}


def test_resolv_conf_is_rewritten_in_place_and_units_atomically(tmp_path):
    path = str(tmp_path / 'netns' / 'blue' / 'resolv.conf')
    rewrite_in_place(path, 'nameserver 10.0.0.1\nsearch a-much-longer-line-than-later\n')
    inode = os.stat(path).st_ino
    rewrite_in_place(path, 'nameserver 10.0.0.2\n')
    assert os.stat(path).st_ino == inode
    assert open(path).read() == 'nameserver 10.0.0.2\n'
    unit = str(tmp_path / 'u.service')
    write_atomically(unit, 'one\n')
    first = os.stat(unit).st_ino
    write_atomically(unit, 'two\n')
    assert open(unit).read() == 'two\n' and os.stat(unit).st_ino != first
    assert sorted(os.listdir(str(tmp_path))) == ['netns', 'u.service']


def test_plan_writes_only_what_differs_and_starts_what_is_not_running(tmp_path):
    unit_dir, etc_dir = str(tmp_path / 'units'), str(tmp_path / 'etc')
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}], 'dns': {'nameservers': ['10.0.0.1']}}])
    plan = plan_chain(entries, {}, unit_dir=unit_dir, etc_dir=etc_dir)
    assert sorted(os.path.basename(p) for p in plan.unit_files) == ['netns-systemd.conf', 'netns-veth@.service', 'netns_name@.service']
    assert plan.enable == plan.start == ['netns_name@blue.service', 'netns-veth@blue.service']
    for path, content in plan.unit_files.items():
        write_atomically(path, content)
    for path, content in plan.resolv_files.items():
        rewrite_in_place(path, content)
    running = {'netns_name@blue.service': (True, True), 'netns-veth@blue.service': (True, True)}
    again = plan_chain(entries, running, unit_dir=unit_dir, etc_dir=etc_dir)
    assert again.lines == []
    gone = plan_chain(parse_entries([{'name': 'blue', 'state': 'absent'}]), running, unit_dir=unit_dir, etc_dir=etc_dir)
    assert gone.stop == ['netns-veth@blue.service', 'netns_name@blue.service']
    # The templates go too once nothing on the host uses them.
    assert gone.remove_paths == [os.path.join(unit_dir, 'netns-veth@blue.service.d', 'netns-systemd.conf'), os.path.join(etc_dir, 'blue'),
                                 os.path.join(unit_dir, 'netns-veth@.service'), os.path.join(unit_dir, 'netns_name@.service')]
    # A namespace this call does not name still enabled: the creator template stays.
    os.makedirs(os.path.join(unit_dir, 'multi-user.target.wants'))
    os.symlink('../netns_name@.service', os.path.join(unit_dir, 'multi-user.target.wants', 'netns_name@other.service'))
    kept = plan_chain(parse_entries([{'name': 'blue', 'state': 'absent'}]), running, unit_dir=unit_dir, etc_dir=etc_dir)
    assert os.path.join(unit_dir, 'netns_name@.service') not in kept.remove_paths


def test_unit_state_is_read_from_systemctl_show():
    out = ('Id=netns_name@blue.service\nActiveState=active\nUnitFileState=enabled\n\n'
           'Id=netns-veth@blue.service\nActiveState=inactive\nUnitFileState=disabled\n')
    assert parse_unit_state(out) == {'netns_name@blue.service': (True, True), 'netns-veth@blue.service': (False, False)}
