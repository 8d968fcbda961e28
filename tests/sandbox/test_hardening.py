"""A damaged or hostile host: links where files should be, interfaces that are not ours,
namespaces deleted or replaced by hand, stale names, custom types that fail half-way and
secrets. Real files, real netlink and the real engine, in the sandbox."""

import os
import stat
import subprocess

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._chain import apply_chain, netns_damage, plan_chain
from ansible_collections.netns.systemd.plugins.module_utils._files import read_file, rewrite_in_place, write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_each
from ansible_collections.netns.systemd.plugins.module_utils._host import live_specs, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import wait_for_host_links
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_MARKS, NETNS_RECORDS, PHASES_DIR
from ansible_collections.netns.systemd.plugins.module_utils._units import phase_path
from test_units import link_dropins, run_boot_batch, run_creator, run_exec_lines

SECRET = 'wg-private-key-5e3cr3t'


def dirs(tmp_path):
    return dict(unit_dir=str(tmp_path / 'units'), etc_dir='/etc/netns')


def bystander(tmp_path):
    """A file outside everything the collection owns, standing in for /etc/shadow."""
    path = tmp_path / 'shadow'
    path.write_text('root:$y$j9T$not-a-resolver:19000:0:99999:7:::\n')
    return path


# ---------------------------------------------------------------- 1. links

def test_a_linked_resolv_conf_is_refused_and_its_target_kept_byte_for_byte(tmp_path):
    target = bystander(tmp_path)
    before = target.read_bytes()
    os.makedirs('/etc/netns/blue')
    os.symlink(str(target), '/etc/netns/blue/resolv.conf')
    entries = parse_entries([{'name': 'blue', 'dns': {'nameservers': ['10.0.0.1']}}])
    with pytest.raises(InvalidInput, match='/etc/netns/blue/resolv.conf is a symbolic link: refusing to write'):
        plan_chain(entries, {}, **dirs(tmp_path))
    # Even when called directly, the writer refuses.
    with pytest.raises(InvalidInput, match='symbolic link'):
        rewrite_in_place('/etc/netns/blue/resolv.conf', 'nameserver 10.0.0.1\n')
    assert target.read_bytes() == before
    # Without dns there is nothing to write: the link is left alone, with a warning.
    plan = plan_chain(parse_entries([{'name': 'blue'}]), {}, **dirs(tmp_path))
    assert plan.resolv_files == {} and 'is left as it is' in plan.warnings[0]


def test_a_linked_namespace_directory_is_not_followed(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    os.symlink(str(elsewhere), '/etc/netns/blue')
    with pytest.raises(InvalidInput, match='/etc/netns/blue is a symbolic link on the way to /etc/netns/blue/resolv.conf'):
        plan_chain(parse_entries([{'name': 'blue', 'dns': {'nameservers': ['10.0.0.1']}}]), {}, **dirs(tmp_path))
    assert os.listdir(str(elsewhere)) == []


def test_a_hard_link_to_another_file_is_not_rewritten(tmp_path):
    target = bystander(tmp_path)
    before = target.read_bytes()
    os.makedirs(str(tmp_path / 'netns' / 'blue'))
    os.link(str(target), str(tmp_path / 'netns' / 'blue' / 'resolv.conf'))
    with pytest.raises(InvalidInput, match='hard link'):
        rewrite_in_place(str(tmp_path / 'netns' / 'blue' / 'resolv.conf'), 'nameserver 10.0.0.1\n')
    assert target.read_bytes() == before


def test_linked_unit_files_and_drop_in_directories_are_refused(tmp_path):
    target = bystander(tmp_path)
    units = tmp_path / 'units'
    units.mkdir()
    os.symlink(str(tmp_path), str(units / 'netns-veth@blue.service.d'))
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}]}])
    with pytest.raises(InvalidInput, match='netns-veth@blue.service.d is a symbolic link'):
        plan_chain(entries, {}, **dirs(tmp_path))
    os.unlink(str(units / 'netns-veth@blue.service.d'))
    os.symlink(str(target), str(units / 'netns_name@.service'))
    with pytest.raises(InvalidInput, match=r'netns_name@\.service is a symbolic link'):
        plan_chain(entries, {}, **dirs(tmp_path))
    with pytest.raises(InvalidInput, match='symbolic link'):
        write_atomically(str(units / 'netns_name@.service'), 'x')
    assert 'not-a-resolver' in target.read_text()


def test_the_units_and_the_boot_batch_create_nothing_through_a_link(tmp_path):
    target = tmp_path / 'created-through-the-link'
    for name in ('blue', 'red'):
        os.makedirs('/etc/netns/%s' % name)
        os.symlink(str(target), '/etc/netns/%s/resolv.conf' % name)
    said = run_creator('blue')
    assert 'is a symbolic link: not making /etc/netns/blue/resolv.conf through it' in said
    marked, messages = run_boot_batch(parse_entries([{'name': 'red'}]), tmp_path)
    assert marked == ['red'] and 'is a symbolic link' in messages
    assert not os.path.lexists(str(target))
    # The namespaces came up all the same.
    assert kernel.netns_names() == ['blue', 'red']


# ---------------------------------------------------------------- 2. interfaces that are not ours

def uplink():
    """A host interface named like a default veth end, itself a veth with a peer of its own."""
    kernel.ip(None, 'link', 'add', 've-blue0', 'type', 'veth', 'peer', 'name', 'uplink-peer')
    kernel.ip(None, 'addr', 'add', '192.0.2.1/24', 'dev', 've-blue0')


def test_a_unit_refuses_a_host_interface_it_did_not_make_and_changes_nothing(tmp_path):
    uplink()
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'peer_addresses': ['10.9.0.1/24']}]}])
    run_creator('blue')
    before = kernel.state()
    # A veth to the host is made by the creator's worker, which the veth unit requires.
    worker = link_dropins(entries[0], 'veth')['netns_name-up@blue.service']
    with pytest.raises(AssertionError, match='host:ve-blue0 already exists \\(a veth\\); remove it, or rename the link'):
        run_exec_lines(worker)
    assert kernel.state() == before
    # A bridge of that name is refused the same way.
    kernel.ip(None, 'link', 'del', 've-blue0')
    kernel.ip(None, 'link', 'add', 've-blue0', 'type', 'bridge')
    before = kernel.state()
    with pytest.raises(AssertionError, match='host:ve-blue0 already exists \\(a bridge\\)'):
        run_exec_lines(worker)
    assert kernel.state() == before


def test_the_boot_batch_leaves_a_taken_name_to_the_units(tmp_path):
    uplink()
    marked, messages = run_boot_batch(parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}]}]), tmp_path)
    assert marked == [] and 'blue is left to its units: links: ' in messages and 'host:ve-blue0 already exists' in messages
    assert kernel.addresses(None, 've-blue0') == {'192.0.2.1/24'}


def test_the_live_check_refuses_a_host_interface_before_anything_is_written():
    uplink()
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'peer': 've-blue0'}]}])
    from ansible_collections.netns.systemd.plugins.module_utils._converge import LinkPlan, converge_links
    with pytest.raises(InvalidInput, match='host:ve-blue0 already exists'):
        converge_links(live_specs(entries)['blue'], check_mode=True)
    # netns_chain's own advice instead of the link modules' recreate.
    with pytest.raises(InvalidInput, match='already exists .*; rename the link$'):
        LinkPlan(live_specs(entries)['blue'], check_mode=True, conflict_hint='rename the link')


def test_stop_lines_delete_only_the_end_inside_the_namespace():
    uplink()
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}]}])
    kernel.ip(None, 'netns', 'add', 'blue')
    run_exec_lines(link_dropins(entries[0], 'veth')['netns-veth@blue.service'], key='ExecStop')
    assert kernel.link(None, 've-blue0') is not None
    assert 'ExecStop=-ip -n blue link del ve-blue1' in link_dropins(entries[0], 'veth')['netns-veth@blue.service']


@pytest.mark.parametrize('name', ['lo', 'all', 'default', 've%d'])
def test_reserved_interface_names_are_refused_before_anything(name, tmp_path):
    with pytest.raises(InvalidInput, match=repr(name)):
        parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'name': name}]}])
    with pytest.raises(InvalidInput, match=repr(name)):
        parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'peer': name}]}])
    assert kernel.netns_names() == [] and os.listdir('/etc/netns') == []


# ---------------------------------------------------------------- 3. and 4. namespaces deleted, replaced or stale

def test_a_namespace_deleted_or_replaced_by_hand_is_seen():
    run_creator('d1')
    records = os.path.join(os.path.dirname(BOOT_MARKS), os.path.basename(NETNS_RECORDS))
    assert netns_damage('d1', records) is None
    # Held open, the old namespace lives on: the kernel cannot give its inode to the new one.
    held = os.open('/run/netns/d1', os.O_RDONLY)
    try:
        kernel.ip(None, 'netns', 'delete', 'd1')
        assert netns_damage('d1', records) == 'the namespace was deleted by hand'
        kernel.ip(None, 'netns', 'add', 'd1')
        assert 'the namespace was replaced by another one' in netns_damage('d1', records)
    finally:
        os.close(held)
    # The creator's work again records the new one.
    run_creator('d1')
    assert netns_damage('d1', records) is None


def test_a_damaged_namespace_is_planned_for_restart_and_left_out_of_the_live_check(tmp_path):
    entries = parse_entries([{'name': 'd1', 'links': [{'type': 'veth'}]}, {'name': 'd2'}])
    running = {'netns_name@d1.service': (True, True), 'netns_name@d2.service': (True, True)}
    run_creator('d2')
    plan = plan_chain(entries, running, **dirs(tmp_path))
    assert plan.repair == ['d1'] and plan.restart == ['netns_name@d1.service']
    assert '~ restart netns_name@d1.service: the namespace was deleted by hand' in plan.lines
    assert live_specs(entries, plan.repair) == {}
    # Not starting anything: nothing to repair either.
    assert plan_chain(entries, running, start=False, **dirs(tmp_path)).restart == []


def test_one_namespace_that_cannot_converge_does_not_stop_the_others():
    kernel.ip(None, 'netns', 'add', 'ok1')
    entries = parse_entries([{'name': 'gone', 'links': [{'type': 'veth', 'addresses': ['10.7.0.2/30']}]},
                             {'name': 'ok1', 'links': [{'type': 'veth', 'addresses': ['10.8.0.2/30']}]}])
    lines, errors = converge_each(live_specs(entries))
    assert list(errors) == ['gone'] and "netns 'gone'" in errors['gone']
    assert '+ address 10.8.0.2/30 on ok1:ve-ok11' in lines
    assert kernel.addresses('ok1', 've-ok11') == {'10.8.0.2/30'}


def test_a_stale_name_file_is_adopted_by_the_units_and_the_boot_batch(tmp_path):
    for name in ('stale1', 'stale2'):
        open('/run/netns/%s' % name, 'w').close()
    said = run_creator('stale1')
    assert 'is not a namespace' in said and kernel.netns_mounts('stale1') == 1
    assert 'UP' in kernel.link('stale1', 'lo')['flags']
    marked, messages = run_boot_batch(parse_entries([{'name': 'stale2', 'links': [{'type': 'veth'}]}]), tmp_path)
    assert marked == ['stale2'] and 'left to its units' not in messages
    assert kernel.netns_mounts('stale2') == 1 and kernel.link('stale2', 've-stale21') is not None


# ---------------------------------------------------------------- 6. custom types

TUNNELS = [{'name': 'lab', 'links': [
    {'type': 'veth'},
    {'type': 'tun2', 'up_outside': 'ip link add t1-$1 type veth peer name t1 netns "$1"', 'up_inside': 'ip link set t1 up',
     'down_outside': 'ip link del t1-$1'},
    {'type': 'tun2', 'up_outside': 'ip link add t2-$1 type veth peer name t2 netns "$1"', 'up_inside': 'ip link set t2 up',
     'down_outside': 'ip link del t2-$1'},
]}]


def test_several_links_of_one_custom_type_share_its_unit_after_the_built_in_links():
    entry = parse_entries(TUNNELS)[0]
    assert len(entry.custom['tun2']) == 2
    dropin = link_dropins(entry, 'tun2')['netns-tun2@lab.service']
    assert 'After=netns-veth@lab.service' in dropin
    run_creator('lab')
    run_exec_lines(dropin)
    assert 'UP' in kernel.link('lab', 't1')['flags'] and 'UP' in kernel.link('lab', 't2')['flags']
    run_exec_lines(dropin, key='ExecStopPost')
    assert kernel.link(None, 't1-lab') is None and kernel.link(None, 't2-lab') is None


def test_a_start_that_fails_half_way_is_cleaned_up_by_the_down_phases():
    entry = parse_entries([{'name': 'lab', 'links': [
        {'type': 'half', 'up_outside': 'ip link add h-$1 type veth peer name h0 netns "$1"',
         'up_inside': 'ip link set h0 up && ip link add x type nosuchkind', 'down_outside': 'ip link del h-$1'}]}])[0]
    dropin = link_dropins(entry, 'half')['netns-half@lab.service']
    run_creator('lab')
    with pytest.raises(AssertionError, match='nosuchkind|Unknown device type|not supported'):
        run_exec_lines(dropin)
    assert kernel.link(None, 'h-lab') is not None
    run_exec_lines(dropin, key='ExecStopPost')     # systemd runs these after a failed start too
    assert kernel.link(None, 'h-lab') is None


def test_a_changed_phase_of_a_running_unit_is_applied_by_a_restart(tmp_path):
    d = dirs(tmp_path)
    entries = parse_entries([{'name': 'lab', 'links': [{'type': 'sysctl', 'up_inside': 'sysctl -qw net.ipv4.ip_forward=1'}]}])
    plan = plan_chain(entries, {}, **d)
    apply_chain(plan, lambda *args: '')
    running = {'netns_name@lab.service': (True, True), 'netns-sysctl@lab.service': (True, False), 'netns-boot.service': (True, True)}
    kernel.ip(None, 'netns', 'add', 'lab')
    assert plan_chain(entries, running, **d).lines == []
    changed = parse_entries([{'name': 'lab', 'links': [{'type': 'sysctl', 'up_inside': 'sysctl -qw net.ipv4.ip_forward=0'}]}])
    plan = plan_chain(changed, running, **d)
    assert plan.stop == ['netns-sysctl@lab.service'] and plan.start == ['netns-sysctl@lab.service']
    assert '~ restart netns-sysctl@lab.service: its phases changed' in plan.lines
    # The stop comes before the files change, so the old down phases run.
    calls = []
    apply_chain(plan, lambda *args: calls.append((args, read_file(phase_path('lab', 'sysctl', 0, 'up_inside')))) or '')
    assert calls[0] == (('stop', 'netns-sysctl@lab.service'), 'sysctl -qw net.ipv4.ip_forward=1')
    assert calls[-1] == (('start', 'netns-sysctl@lab.service'), 'sysctl -qw net.ipv4.ip_forward=0')


# ---------------------------------------------------------------- 7. secrets

def test_a_secret_in_a_phase_stays_in_a_root_only_file(tmp_path):
    d = dirs(tmp_path)
    entries = parse_entries([{'name': 'vpn', 'links': [{'type': 'wgkey', 'up_outside': 'echo %s > /dev/null' % SECRET}]}])
    plan = plan_chain(entries, {}, **d)
    assert not any(SECRET in line for line in plan.lines)
    apply_chain(plan, lambda *args: '')
    phase = phase_path('vpn', 'wgkey', 0, 'up_outside')
    assert stat.S_IMODE(os.stat(phase).st_mode) == 0o600
    for directory in (PHASES_DIR, os.path.dirname(phase)):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    # Every file the run wrote that others may read holds no secret.
    readable = []
    for root in (d['unit_dir'], '/etc/netns-systemd', '/etc/netns'):
        for base, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(base, name)
                if os.stat(path).st_mode & 0o004:
                    readable.append(path)
                    assert SECRET not in open(path).read(), path
    assert any(path.endswith('netns-wgkey@vpn.service.d/netns-systemd.conf') for path in readable)
    # An unprivileged user reads none of it.
    looked = subprocess.run(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'cat', phase],
                            capture_output=True, text=True, check=False)
    assert looked.returncode != 0 and SECRET not in looked.stdout


# ---------------------------------------------------------------- 8. a macvlan parent that never comes

def test_a_missing_macvlan_parent_is_named_with_the_time_waited():
    # What the engine's macvlan unit waits for (its 30 s made 1 here).
    with pytest.raises(NetnsError, match='macvlan parent nic-late0 did not appear on the host within 1 s'):
        wait_for_host_links([('macvlan parent', 'nic-late0')], seconds=1)
    kernel.ip(None, 'link', 'add', 'nic-late0', 'type', 'bridge')
    wait_for_host_links([('macvlan parent', 'nic-late0')], seconds=1)
