"""Unit rendering, quoting and planning, on files under a temporary directory: no root, no
kernel (the kernel tests of the same code are in tests/sandbox/test_units.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._chain import apply_chain, plan_chain
from ansible_collections.netns.systemd.plugins.module_utils._files import rewrite_in_place, write_atomically, write_in_directory
from ansible_collections.netns.systemd.plugins.module_utils._host import booted_specs, parse_entries, render_resolv_conf
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import HostNet
from ansible_collections.netns.systemd.plugins.module_utils._managers import MANAGERS, Manager
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_MARKS, ENGINE_LAUNCHER
from ansible_collections.netns.systemd.plugins.module_utils._resolver import nsswitch_text
from ansible_collections.netns.systemd.plugins.module_utils._systemd import enabled_units, parse_unit_state, unit_states
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    BOOT_UNIT_TEXT,
    CREATOR_TEMPLATE,
    CREATOR_WORKER_TEMPLATE,
    KIND_TEMPLATE,
    LINK_TEMPLATE,
    VETH_TEMPLATE,
    VETH_WORKER_TEMPLATE,
    quote_arg,
    render_link_dropins,
)
from exec_lines import systemd_unquote


def private_dirs(tmp_path):
    """The collection's own directories, under tmp_path: nothing of the machine is read."""
    return dict(boot_dir=str(tmp_path / 'boot'), marks_dir=str(tmp_path / 'run' / 'booted'), managers=())


def test_templates_bind_links_to_the_creator_and_order_before_the_network():
    for template in (LINK_TEMPLATE, VETH_TEMPLATE, KIND_TEMPLATE):
        assert 'BindsTo=netns_name@%i.service' in template and 'After=netns_name@%i.service' in template
        # Pulled in by the creator's drop-in, never enabled on their own.
        assert '[Install]' not in template
    for template in (CREATOR_TEMPLATE, LINK_TEMPLATE, VETH_TEMPLATE, BOOT_UNIT_TEXT):
        assert 'Before=network-pre.target shutdown.target' in template and 'Conflicts=shutdown.target' in template
    # A macvlan unit may wait for its parent: nothing else of the host waits with it.
    assert 'network-pre' not in KIND_TEMPLATE and 'Conflicts=shutdown.target' in KIND_TEMPLATE
    for template in (CREATOR_TEMPLATE, CREATOR_WORKER_TEMPLATE, LINK_TEMPLATE, KIND_TEMPLATE, VETH_TEMPLATE, VETH_WORKER_TEMPLATE,
                     BOOT_UNIT_TEXT):
        assert '%I' not in template and 'DefaultDependencies=no' in template
    assert 'PrivateNetwork' not in CREATOR_TEMPLATE
    assert 'ExecStart=%s up %%i' % ENGINE_LAUNCHER in CREATOR_WORKER_TEMPLATE
    assert 'ExecStop=-ip netns delete %i' in CREATOR_TEMPLATE
    # Nothing of a namespace runs after its creator failed.
    assert 'Requires=netns_name@%i.service' in VETH_WORKER_TEMPLATE


def test_units_start_without_a_process_when_the_boot_batch_marked_their_namespace():
    # The creator and the veth unit start nothing themselves: a worker does, unless the batch
    # left its mark, and a stop removes the mark so that a later start does the work. The
    # creator's is in its template; which one the veth unit requires is in its drop-in.
    assert 'Requires=netns_name-up@%i.service\nAfter=netns_name-up@%i.service' in CREATOR_TEMPLATE
    assert 'Requires' not in VETH_TEMPLATE
    for unit in (CREATOR_TEMPLATE, VETH_TEMPLATE):
        assert 'ExecStart' not in unit
        assert 'ExecStopPost=-rm -f %s/%%i' % BOOT_MARKS in unit
    for worker in (CREATOR_WORKER_TEMPLATE, VETH_WORKER_TEMPLATE):
        assert 'ConditionPathExists=!%s/%%i' % BOOT_MARKS in worker and 'netns-boot.service' in worker
        assert 'RemainAfterExit' not in worker     # inactive again after each run: every start pulls it
    assert 'After=netns_name@%i.service' in VETH_WORKER_TEMPLATE
    assert 'ExecStart=%s boot' % ENGINE_LAUNCHER in BOOT_UNIT_TEXT
    assert 'RemainAfterExit=yes\nRuntimeDirectory=netns-systemd/booted netns-systemd/netns\nRuntimeDirectoryPreserve=yes' in BOOT_UNIT_TEXT


def test_namespace_to_namespace_veth_orders_after_the_peer_creator():
    lab = [{'name': 'blue', 'links': [{'type': 'veth', 'name': 'veth-b', 'peer': 'veth-r', 'peer_netns': 'red',
                                       'addresses': ['10.1.0.2/24'], 'peer_addresses': ['10.1.0.3/24']}]}, {'name': 'red'}]
    dropins = render_link_dropins('blue', 'veth', parse_entries(lab)[0].links['veth'])
    unit = dropins['netns-veth@blue.service']
    assert 'BindsTo=netns_name@red.service\nAfter=netns_name@red.service' in unit
    # Its own worker makes the pair: the creator's worker makes only the links to the host.
    assert 'Requires=netns-veth-up@blue.service\nAfter=netns-veth-up@blue.service' in unit
    assert 'netns_name-up@' not in unit
    worker = dropins['netns-veth-up@blue.service']
    assert '[Unit]\nAfter=netns_name@red.service\n' in worker and 'BindsTo' not in worker
    assert 'ExecStart' not in worker and 'ExecStop' not in worker
    assert 'ExecStart=%s links %%i' % ENGINE_LAUNCHER in VETH_WORKER_TEMPLATE


def test_veths_to_the_host_are_made_by_the_creators_worker():
    # One worker a namespace fewer at boot: the veth unit requires the creator's worker, which
    # makes the pairs that lead only to the host (netns-engine up NAME); it has none of its own.
    lab = [{'name': 'blue', 'links': [{'type': 'veth', 'addresses': ['10.1.0.2/24']}, {'type': 'veth', 'name': 'v1', 'peer': 'v2'}]}]
    entry = parse_entries(lab)[0]
    dropins = render_link_dropins('blue', 'veth', entry.links['veth'])
    assert sorted(dropins) == ['netns-veth@blue.service']
    unit = dropins['netns-veth@blue.service']
    assert '[Unit]\nRequires=netns_name-up@blue.service\nAfter=netns_name-up@blue.service\n' in unit
    assert 'veth-up' not in unit and 'BindsTo' not in unit
    # Both pairs are its own: the creator's worker makes them.
    assert [spec.end.ifname for spec in booted_specs(entry, own=True)] == ['ve-blue1', 'v1']
    other = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}, {'type': 'veth', 'name': 'x0', 'peer': 'x1', 'peer_netns': 'red'}]},
                           {'name': 'red'}])[0]
    assert [spec.end.ifname for spec in booted_specs(other, own=True)] == ['ve-blue1']
    assert len(booted_specs(other)) == 2


@pytest.mark.parametrize('value', ['plain', 'a b', 'say "hi"', '$HOME', '%i', 'back\\slash', "it's", 'a;rm -rf /', ''])
def test_quoted_arguments_reach_the_command_unchanged(value):
    assert systemd_unquote('ExecStart=echo %s' % quote_arg(value)) == ['echo', value]


@pytest.mark.parametrize('host, message', [
    ([{'name': 'a b'}], 'cannot name a systemd unit instance'),
    ([{'name': '-x'}], 'cannot name a systemd unit instance'),
    ([{'name': 'a/b'}], "contains '/'"),
    ([{'name': 'blue'}, {'name': 'blue'}], "netns 'blue' is listed twice"),
    ([{'name': 'verylongname', 'links': [{'type': 'veth'}]}], "'ve-verylongname1' is 16 bytes long"),
    ([{'name': 'blue', 'links': [{'type': 'macvlan', 'parent': 'eth9'}]}], "macvlan parent 'eth9' does not exist"),
    ([{'name': 'blue', 'links': [{'type': 'veth', 'peer_netns': 'nowhere'}]}], "netns 'nowhere' is not in the list"),
    ([{'name': 'blue', 'links': [{'type': 'veth'}, {'type': 'veth'}]}], 'blue:ve-blue1 is named twice'),
    ([{'name': 'blue', 'links': [{'type': 'Bad-Type', 'up_outside': 'true'}]}],
     r"link type 'Bad-Type' is neither a built-in type \(veth, macvlan, move, vxlan, wireguard\) nor a custom type name"),
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


def test_resolv_conf_without_dns_is_left_to_the_creator_then_to_others(tmp_path):
    etc_dir, unit_dir = str(tmp_path), str(tmp_path / 'units')
    path = os.path.join(etc_dir, 'vpn', 'resolv.conf')
    nsswitch = os.path.join(etc_dir, 'vpn', 'nsswitch.conf')
    # The creator's work makes it empty (tests/sandbox/test_units.py); the module does not.
    plan = plan_chain(parse_entries([{'name': 'vpn'}]), {}, unit_dir=unit_dir, etc_dir=etc_dir, **private_dirs(tmp_path))
    assert set(plan.resolv_files) == {nsswitch} and not any('resolv.conf' in line for line in plan.lines)
    rewrite_in_place(path, 'nameserver 10.8.0.1\n')
    rewrite_in_place(nsswitch, plan.resolv_files[nsswitch])
    assert plan_chain(parse_entries([{'name': 'vpn'}]), {}, unit_dir=unit_dir, etc_dir=etc_dir, **private_dirs(tmp_path)).resolv_files == {}
    with_dns = plan_chain(parse_entries([{'name': 'vpn', 'dns': {'nameservers': ['10.0.0.1']}}]), {}, unit_dir=unit_dir, etc_dir=etc_dir,
                          **private_dirs(tmp_path))
    assert with_dns.resolv_files[path].endswith('nameserver 10.0.0.1\n') and '~ %s' % path in with_dns.lines


def test_every_namespace_resolves_host_names_from_files_and_dns_only():
    host = ('# /etc/nsswitch.conf\n\npasswd:         files systemd sss\ngroup:          files systemd\n'
            'hosts:          files mdns4_minimal [NOTFOUND=return] resolve [!UNAVAIL=return] dns myhostname\n'
            '  hosts: resolve\nnetworks:       files\n')
    text = nsswitch_text(host)
    databases = [line.split(':')[0] for line in text.splitlines() if line and not line.startswith('#')]
    assert databases == ['hosts', 'passwd', 'group', 'networks']
    assert [line.split() for line in text.splitlines() if line.startswith('hosts')] == [['hosts:', 'files', 'dns']]
    assert 'passwd:         files systemd sss' in text.splitlines()
    # A host without the file: only the hosts line (glibc's defaults for the rest).
    assert [line for line in nsswitch_text(None).splitlines() if not line.startswith('#')] == ['hosts:          files dns']


def test_the_namespace_directory_gets_nsswitch_conf_and_absent_removes_it(tmp_path):
    etc_dir = str(tmp_path)
    plan = plan_chain(parse_entries([{'name': 'vpn'}]), {}, unit_dir=str(tmp_path / 'units'), etc_dir=etc_dir, **private_dirs(tmp_path))
    apply_chain(plan, lambda *args: None)
    nsswitch = os.path.join(etc_dir, 'vpn', 'nsswitch.conf')
    assert 'hosts:          files dns' in open(nsswitch).read().splitlines()
    gone = plan_chain(parse_entries([{'name': 'vpn', 'state': 'absent'}]), {}, unit_dir=str(tmp_path / 'units'), etc_dir=etc_dir,
                      **private_dirs(tmp_path))
    apply_chain(gone, lambda *args: None)
    assert not os.path.lexists(os.path.join(etc_dir, 'vpn'))


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


def test_many_small_files_are_written_through_no_link(tmp_path):
    marks = tmp_path / 'run' / 'booted'
    write_in_directory(str(marks), {'a': '', 'b': '12\n'}, mode=0o600)
    assert sorted(os.listdir(str(marks))) == ['a', 'b'] and (marks / 'b').read_text() == '12\n'
    assert oct(os.stat(str(marks / 'b')).st_mode & 0o777) == oct(0o600)
    # A link planted as a file is replaced, not followed; one planted as the new file is refused.
    victim = tmp_path / 'victim'
    victim.write_text('mine\n')
    os.unlink(str(marks / 'a'))
    os.symlink(str(victim), str(marks / 'a'))
    os.symlink(str(victim), str(marks / '.netns-systemd.c'))
    with pytest.raises(OSError):
        write_in_directory(str(marks), {'a': '', 'c': ''})
    assert victim.read_text() == 'mine\n' and not os.path.islink(str(marks / 'a'))
    # A link on the way to the directory is refused before anything is written.
    os.symlink(str(marks), str(tmp_path / 'elsewhere'))
    with pytest.raises(InvalidInput, match='is a symbolic link'):
        write_in_directory(str(tmp_path / 'elsewhere'), {'d': ''})
    assert not os.path.exists(str(marks / 'd'))


def test_unit_state_is_read_from_systemctl_show():
    out = ('Id=netns_name@blue.service\nActiveState=active\nUnitFileState=enabled\n\n'
           'Id=netns-veth@blue.service\nActiveState=inactive\nUnitFileState=disabled\n')
    assert parse_unit_state(out) == {'netns_name@blue.service': (True, True), 'netns-veth@blue.service': (False, False)}


def test_many_units_are_read_with_one_list_units_call_and_the_wants_links(tmp_path):
    wants = tmp_path / 'multi-user.target.wants'
    wants.mkdir()
    os.symlink('/etc/systemd/system/netns_name@.service', str(wants / 'netns_name@blue.service'))
    (wants / 'netns_name@red.service').write_text('a copy, not a link: not what enable makes')
    os.symlink('/nowhere', str(tmp_path / 'elsewhere.wants'))   # a linked folder is not read
    calls = []

    def systemctl(*args):
        calls.append(args)
        return ('netns_name@blue.service    loaded active   exited Network namespace blue\n'
                'netns-veth@blue.service    loaded failed   failed veth links of network namespace blue\n'
                'netns_name@red.service     loaded activating start Network namespace red\n')
    units = ['netns_name@blue.service', 'netns-veth@blue.service', 'netns_name@red.service', 'netns_name@gone.service', 'netns-boot.service']
    assert unit_states(units, systemctl, str(tmp_path)) == {
        'netns_name@blue.service': (True, True), 'netns-veth@blue.service': (False, False),
        'netns_name@red.service': (True, False), 'netns_name@gone.service': (False, False), 'netns-boot.service': (False, False)}
    assert calls == [('list-units', '--all', '--plain', '--no-legend', '--full', '--', 'netns-boot.service', 'netns-veth@*', 'netns_name@*')]
    assert enabled_units(str(tmp_path / 'missing')) == set()


def test_plan_shows_each_file_before_and_after_but_never_a_phase(tmp_path):
    unit_dir = str(tmp_path / 'units')
    first = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'addresses': ['10.0.0.2/24']},
                                                      {'type': 'key', 'up_outside': 'echo s3cr3t-one'}]}])
    plan = plan_chain(first, {}, unit_dir=unit_dir, etc_dir=str(tmp_path / 'etc'), **private_dirs(tmp_path))
    model = os.path.join(str(tmp_path / 'boot'), 'model', 'blue.json')
    assert '+ %s' % model in plan.lines
    made = [d for d in plan.file_diffs if d['after_header'] == model][0]
    # The model may hold a secret (a key, a phase): its size is shown, never its text.
    assert made['before_header'] == model + ' (absent)' and made['before'] == '' and 'root-only file of' in made['after']
    write = dict(plan.unit_files, **plan.boot_files)
    write.update(plan.private_files)
    for path, content in write.items():
        write_atomically(path, content)
    changed = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'addresses': ['10.0.0.3/24']},
                                                        {'type': 'key', 'up_outside': 'echo s3cr3t-two'}]}])
    plan = plan_chain(changed, {}, unit_dir=unit_dir, etc_dir=str(tmp_path / 'etc'), **private_dirs(tmp_path))
    assert '~ %s' % model in plan.lines
    edit = [d for d in plan.file_diffs if d['after_header'] == model][0]
    assert 'root-only file of' in edit['before'] and 'root-only file of' in edit['after']
    assert 's3cr3t' not in repr(plan.file_diffs) + repr(plan.lines)
    assert any('root-only file of' in d['after'] for d in plan.file_diffs)


def test_a_veth_worker_has_a_drop_in_only_to_wait_for_another_namespace(tmp_path):
    unit_dir, etc_dir = str(tmp_path / 'units'), str(tmp_path / 'etc')
    worker = os.path.join(unit_dir, 'netns-veth-up@blue.service.d', 'netns-systemd.conf')
    between = parse_entries([{'name': 'red'}, {'name': 'blue', 'links': [{'type': 'veth', 'peer_netns': 'red'}]}])
    plan = plan_chain(between, {}, unit_dir=unit_dir, etc_dir=etc_dir, **private_dirs(tmp_path))
    assert 'After=netns_name@red.service' in plan.unit_files[worker]
    for path, content in plan.unit_files.items():
        write_atomically(path, content)
    to_host = parse_entries([{'name': 'red'}, {'name': 'blue', 'links': [{'type': 'veth'}]}])
    plan = plan_chain(to_host, {}, unit_dir=unit_dir, etc_dir=etc_dir, **private_dirs(tmp_path))
    assert worker in plan.remove_paths and '- %s' % worker in plan.lines
    assert not any('netns-veth-up@blue' in path for path in plan.unit_files)


def stand_in_managers(tmp_path, installed=True):
    """systemd-networkd and NetworkManager as _managers has them, with their directories under
    tmp_path, installed (their program exists) or not."""
    program = tmp_path / 'program'
    program.write_text('')
    return tuple(Manager(m.name, m.unit, (str(program) if installed else str(tmp_path / 'missing'),), str(tmp_path) + m.directory,
                         m.pattern, m.render) for m in MANAGERS)


def test_network_managers_are_told_to_leave_exactly_our_host_ends_and_bridges_alone(tmp_path):
    managers = stand_in_managers(tmp_path)
    networkd, nm = (m.directory for m in managers)
    dirs = private_dirs(tmp_path)
    dirs['managers'] = managers
    items = [{'name': 'blue', 'links': [{'addresses': ['10.0.0.2/24'], 'bridge': 'br-ns'}, {'name': 'v*', 'peer': 'x?[1]'}]},
             {'name': 'red', 'links': [{'name': 'veth-r', 'peer': 'veth-b', 'peer_netns': 'blue'}]}]
    entries = parse_entries(items)
    host = HostNet.parse(entries, [{'name': 'br-ns'}], known_links=set())
    state = {'systemd-networkd.service': (True, True), 'NetworkManager.service': (False, False)}
    plan = plan_chain(entries, state, unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), host=host, **dirs)
    blue = plan.boot_files[os.path.join(networkd, '05-netns-systemd-ns-blue.network')]
    # Exact names: a glob character of a name is matched literally, nspawn's own ve-* left to networkd.
    assert '[Match]\nName=ve-blue0 x[?][[]1[]]\n\n[Link]\nUnmanaged=yes\n' in blue
    assert plan.boot_files[os.path.join(nm, '90-netns-systemd-ns-blue.conf')].endswith(
        '[keyfile]\nunmanaged-devices+=interface-name:=ve-blue0;interface-name:=x?[1]\n')
    assert 'Name=br-ns\n' in plan.boot_files[os.path.join(networkd, '05-netns-systemd-bridges.network')]
    # red has no link on the host: no file for it.
    assert not any('ns-red' in path for path in plan.boot_files)
    # Only the running manager is reloaded, after the files are written; never restarted.
    assert plan.reload == ['systemd-networkd.service'] and '~ reload systemd-networkd.service: it leaves the links of netns.systemd alone' in plan.lines
    calls = []
    apply_chain(plan, lambda *args: calls.append(args))
    assert calls.index(('reload', 'systemd-networkd.service')) < calls.index(('daemon-reload',))
    again = plan_chain(entries, state, unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), host=host, **dirs)
    assert not any(path.startswith((networkd, nm)) for path in again.boot_files) and again.reload == []
    # A namespace that goes, or whose veths to the host go, takes its files with it; another's stay.
    gone = plan_chain(parse_entries([dict(items[0], state='absent'), items[1]]), state, unit_dir=str(tmp_path / 'units'),
                      etc_dir=str(tmp_path / 'etc'), **dirs)
    assert sorted(p for p in gone.remove_paths if p.startswith((networkd, nm))) == sorted([
        os.path.join(networkd, '05-netns-systemd-ns-blue.network'), os.path.join(nm, '90-netns-systemd-ns-blue.conf')])
    # A file of the same name that is not ours is left alone.
    foreign = os.path.join(networkd, '05-netns-systemd-ns-blue.network')
    write_atomically(foreign, '[Match]\nName=ve-blue0\n')
    gone = plan_chain(parse_entries([dict(items[0], state='absent')]), state, unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), **dirs)
    assert foreign not in gone.remove_paths


def test_a_manager_that_is_not_installed_gets_no_file(tmp_path):
    managers = stand_in_managers(tmp_path, installed=False)
    entries = parse_entries([{'name': 'blue', 'links': [{'addresses': ['10.0.0.2/24']}]}])
    dirs = private_dirs(tmp_path)
    dirs['managers'] = managers
    plan = plan_chain(entries, {}, unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'), **dirs)
    assert not any(path.startswith(managers[0].directory) or path.startswith(managers[1].directory) for path in plan.boot_files)
    assert plan.reload == []
