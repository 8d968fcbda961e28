"""The unit chain run for real: what systemd runs at start and stop, and what the boot batch
runs, build the same kernel state as the modules (the pure tests of the same code are in
tests/unit/plugins/module_utils/test_rendering.py)."""

import os
import shutil
import subprocess

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._chain import plan_chain
from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._engine import ENTRY, engine_files, launcher_text, model_text
from ansible_collections.netns.systemd.plugins.module_utils._files import rewrite_in_place, write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._host import boot_eligible, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_DIR, BOOT_MARKS, ENGINE_DIR, ENGINE_LAUNCHER, MODEL_DIR, NS_DIR
from ansible_collections.netns.systemd.plugins.module_utils._units import (
    CREATOR_WORKER_TEMPLATE,
    VETH_WORKER_TEMPLATE,
    phase_files as unit_phase_files,
)
from exec_lines import systemd_unquote


def install_helper():
    """The engine where the units run it (the sandbox's own /etc/netns-systemd), as
    netns_chain installs it."""
    digest, files = engine_files()
    for path, text in files.items():
        target = os.path.join(ENGINE_DIR, digest, path)
        if not os.path.exists(target):
            write_atomically(target, text)
    write_atomically(ENGINE_LAUNCHER, launcher_text(os.path.join(ENGINE_DIR, digest, ENTRY)), mode=0o755)


def engine(*args):
    """Run the installed engine as the units run it; the finished process."""
    install_helper()
    return subprocess.run([ENGINE_LAUNCHER] + list(args), capture_output=True, text=True, check=False)


def install_models(items):
    """The model files of ``items`` (namespaces as netns_chain takes them), which the engine reads."""
    for item in items:
        write_atomically(os.path.join(MODEL_DIR, '%s.json' % item['name']), model_text(item), mode=0o600, dir_mode=0o700)


def run_exec_lines(unit_text, key='ExecStart'):
    """Run the Exec lines of a unit in order, honouring the '-' prefix, as systemd would;
    the stderr of the commands."""
    install_helper()
    said = ''
    for line in unit_text.splitlines():
        if not line.startswith(key + '='):
            continue
        argv = systemd_unquote(line)
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        said += proc.stderr
        if proc.returncode != 0 and not line[len(key) + 1:].startswith('-'):
            raise AssertionError('%s failed: %s' % (line, proc.stderr))
    return said


def run_creator(netns, item=None):
    """What netns_name-up@NETNS runs, on the model of ``item`` (a bare namespace when none is
    given and it has no model yet)."""
    if item is not None or not os.path.exists(os.path.join(MODEL_DIR, '%s.json' % netns)):
        install_models([item or {'name': netns}])
    return run_exec_lines(CREATOR_WORKER_TEMPLATE.replace('%i', netns))


def link_dropins(entry, kind):
    """{unit: what systemd runs for it} for the links of one kind, with the files they read
    written where the units read them (phase files, WireGuard files, the namespace's model)."""
    private = {}
    for name in KINDS:
        if KINDS[name].private_dir:
            private.update(entry.private_files(name, os.path.join(BOOT_DIR, KINDS[name].private_dir)))
    for path, content in phase_files(entry) + sorted(private.items()):
        write_atomically(path, content, mode=0o600, dir_mode=0o700)
    install_models([entry.model])
    dropins = entry.dropins(kind)
    # The worker a veth unit requires (the creator's, or its own when its veths lead to other
    # namespaces), with its template's lines.
    templates = {'netns_name-up@': CREATOR_WORKER_TEMPLATE, 'netns-veth-up@': VETH_WORKER_TEMPLATE}
    for line in dropins.get('netns-veth@%s.service' % entry.name, '').splitlines():
        worker = line[len('Requires='):]
        if line.startswith('Requires=') and worker.split('@')[0] + '@' in templates:
            dropins[worker] = templates[worker.split('@')[0] + '@'].replace('%i', entry.name) + dropins.get(worker, '')
    return dropins


def phase_files(entry):
    found = {}
    for kind, links in entry.custom.items():
        found.update(unit_phase_files(entry.name, kind, links))
    return sorted(found.items())


def dropin_text(entry, kind):
    """Every line of the drop-ins of one kind (the unit's and its worker's)."""
    return ''.join(link_dropins(entry, kind).values())


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
    # The models netns_chain writes, which the engine reads for the units of the kinds' table.
    install_models([entry.model for entry in entries if entry.model is not None])
    if key == 'ExecStart':
        for entry in entries:
            run_creator(entry.name)
    for entry in entries:
        for kind in entry.kinds:
            run_exec_lines(dropin_text(entry, kind), key=key)


def run_boot_batch(entries, tmp_path):
    """What netns-boot.service does at boot: the engine's boot, on the boot list and model
    files netns_chain plans (in the sandbox's own /etc/netns-systemd; unit files under
    tmp_path). Returns the names it marked as done, and what it said."""
    for path in (BOOT_MARKS, NS_DIR, MODEL_DIR):
        if os.path.isdir(path):
            shutil.rmtree(path)
    os.makedirs(BOOT_MARKS)     # RuntimeDirectory= of netns-boot.service
    plan = plan_chain(entries, {}, unit_dir=str(tmp_path / 'units'), etc_dir=str(tmp_path / 'etc'))
    for path, content in plan.boot_files.items():
        write_atomically(path, content, mode=plan.modes.get(path, 0o644))
    for path, content in plan.private_files.items():
        write_atomically(path, content, mode=0o600, dir_mode=0o700)
    proc = engine('boot')
    assert proc.returncode == 0, proc.stderr
    return sorted(os.listdir(BOOT_MARKS)), proc.stderr


def boot_with_batch(entries, tmp_path):
    """Boot as systemd does it: the batch, then every unit whose worker is not skipped."""
    marked, messages = run_boot_batch(entries, tmp_path)
    install_models([entry.model for entry in entries if entry.model is not None])
    for entry in entries:
        if entry.name not in marked:
            run_creator(entry.name)
    for entry in entries:
        for kind in entry.kinds:
            for unit, text in link_dropins(entry, kind).items():
                if not (entry.name in marked and '-up@' in unit):
                    run_exec_lines(text)
    return marked, messages


def _kernel_links():
    """Links, addresses and routes of the host and each namespace, without indexes and MACs
    (random where the model sets none; the ones it sets are checked on their own)."""
    state = kernel.state()
    for key, value in state.items():
        if key != 'names':
            # By name: the batch makes all veths before the macvlan units run, the units go kind by kind.
            value['links'] = sorted((link[:4] + link[5:6] for link in value['links']), key=lambda link: link[0])
    return state


def build_with_modules(specs):
    kernel.wipe()
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    for spec in specs:
        spec.create_netns = True
    converge_links(specs, check_mode=False)
    return _kernel_links()


def assert_same_state(built, expected):
    for place in expected:
        if place != 'names':
            for part in ('links', 'addresses', 'routes'):
                assert built[place][part] == expected[place][part], (place, part)
    assert built == expected


def test_boot_units_build_the_same_kernel_state_as_the_modules():
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    entries = parse_entries(HOST)
    boot(entries)
    booted = _kernel_links()
    # The playbook: the core converges the same model into the same (already built) state...
    specs = [spec for entry in entries for kind in sorted(entry.links) for spec in entry.links[kind]]
    assert converge_links(specs, check_mode=False)['diff_lines'] == []
    # ...and builds it from nothing the same way.
    converged = build_with_modules(specs)
    assert kernel.netns_names() == ['blue', 'red']
    assert_same_state(converged, booted)
    assert kernel.link('blue', 've-blue1')['mtu'] == 1500
    assert kernel.link(None, 've-blue0')['address'] == '02:00:00:00:02:01'
    assert kernel.link('blue', 'veth-b')['address'] == '02:00:00:00:01:02'


def test_boot_batch_builds_the_same_kernel_state_as_the_units(tmp_path):
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    entries = parse_entries(HOST)
    marked, messages = boot_with_batch(entries, tmp_path)
    assert marked == ['blue', 'red'] and messages == '2 of 2 namespaces up\n'
    batched = _kernel_links()
    assert open('/etc/netns/blue/resolv.conf').read() == ''
    specs = [spec for entry in entries for kind in sorted(entry.links) for spec in entry.links[kind]]
    assert converge_links(specs, check_mode=False)['diff_lines'] == []
    kernel.wipe()
    kernel.ip(None, 'link', 'add', 'br0', 'type', 'bridge')
    boot(entries)
    assert_same_state(_kernel_links(), batched)
    assert kernel.link('blue', 'veth-b')['address'] == '02:00:00:00:01:02'


def test_boot_batch_adopts_existing_names_and_runs_again(tmp_path):
    kernel.ip(None, 'netns', 'add', 'red')
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'addresses': ['10.2.0.2/30']}]}, {'name': 'red'}])
    marked, _messages = run_boot_batch(entries, tmp_path / 'first')
    assert marked == ['blue', 'red']
    assert 'UP' in kernel.link('red', 'lo')['flags']
    assert kernel.addresses('blue', 've-blue1') == {'10.2.0.2/30'}
    # A second run finds the links there as the model has them: it changes nothing and marks
    # both again; the units, run anyway, change nothing either.
    before = _kernel_links()
    marked, messages = run_boot_batch(entries, tmp_path / 'second')
    assert marked == ['blue', 'red'] and messages == '2 of 2 namespaces up\n'
    assert _kernel_links() == before
    boot(entries)
    assert _kernel_links() == before


def test_boot_batch_leaves_what_it_cannot_finish_to_the_units(tmp_path):
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth', 'addresses': ['10.2.0.2/30']}]},
                             {'name': 'red', 'links': [{'type': 'veth', 'name': 'r0', 'peer': 'r1', 'addresses': ['fd00:9::2/64']}]}])
    kernel.ip(None, 'netns', 'add', 'red')
    # An address red's link cannot take: IPv6 is off inside red, so red's inside batch fails.
    kernel.ip('red', 'link', 'set', 'lo', 'up')
    subprocess.run(['ip', 'netns', 'exec', 'red', 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
                    'net.ipv6.conf.default.disable_ipv6=1'], check=True)
    marked, messages = run_boot_batch(entries, tmp_path)
    assert marked == ['blue'] and 'red is left to its units' in messages
    assert kernel.addresses('blue', 've-blue1') == {'10.2.0.2/30'}
    # Namespaces that are not enabled, or that reach one that is not, are not batched.
    lab = parse_entries([{'name': 'a', 'links': [{'type': 'veth', 'peer_netns': 'b', 'name': 'x0', 'peer': 'x1'}]},
                         {'name': 'b', 'enabled': False}, {'name': 'c'}, {'name': 'd', 'state': 'absent'}])
    assert boot_eligible(lab) == {'c'}


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


def test_custom_type_phases_run_in_order_on_each_side():
    entries = parse_entries([{'name': 'lab', 'links': [{
        'type': 'marker',
        'up_outside': 'ip link add out-$1 type veth peer name in0 netns "$1"',
        'up_inside': 'ip link set in0 up && ip addr add 10.5.0.2/24 dev in0',
        'down_inside': 'ip addr flush dev in0',
        'down_outside': 'ip link del out-$1'}]}])
    dropin = dropin_text(entries[0], 'marker')
    starts = [line for line in dropin.splitlines() if line.startswith('ExecStart')]
    stops = [line for line in dropin.splitlines() if line.startswith('ExecStop')]
    assert 'up_outside' in starts[0] and 'up_inside' in starts[1]
    assert 'down_inside' in stops[0] and 'down_outside' in stops[1]
    run_creator('lab')
    run_exec_lines(dropin)
    assert kernel.addresses('lab', 'in0') == {'10.5.0.2/24'}
    assert kernel.link(None, 'out-lab') is not None
    # Down phases run after the stop, and after a start that failed too (ExecStopPost=).
    run_exec_lines(dropin, key='ExecStopPost')
    assert kernel.link(None, 'out-lab') is None


def test_plan_writes_only_what_differs_and_starts_what_is_not_running(tmp_path):
    unit_dir, etc_dir, boot_dir = str(tmp_path / 'units'), str(tmp_path / 'etc'), str(tmp_path / 'boot')
    dirs = dict(unit_dir=unit_dir, etc_dir=etc_dir, boot_dir=boot_dir, marks_dir=str(tmp_path / 'run' / 'booted'), managers=())
    entries = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}], 'dns': {'nameservers': ['10.0.0.1']}}])
    plan = plan_chain(entries, {}, **dirs)
    assert sorted(os.path.relpath(p, unit_dir) for p in plan.unit_files) == [
        'netns-boot.service', 'netns-ready@.target', 'netns-veth-up@.service', 'netns-veth@.service',
        'netns-veth@blue.service.d/netns-systemd.conf',
        'netns_name-up@.service', 'netns_name@.service', 'netns_name@blue.service.d/netns-systemd.conf']
    # The creator pulls in its links: only it is enabled.
    assert 'Wants=netns-veth@blue.service' in plan.unit_files[os.path.join(unit_dir, 'netns_name@blue.service.d', 'netns-systemd.conf')]
    assert sorted(os.path.relpath(p, boot_dir) for p in plan.boot_files) == [
        'boot.list', 'netns-engine']
    # The engine, in a directory named by its content, and the model it reads, root-only.
    digest = engine_files()[0]
    assert set(os.path.relpath(p, boot_dir).split(os.sep)[:2][1] for p in plan.code_files) == set([digest])
    assert list(plan.private_files) == [os.path.join(boot_dir, 'model', 'blue.json')]
    assert '+ engine %s (%d files)' % (os.path.join(boot_dir, 'engine', digest), len(engine_files()[1])) in plan.lines
    assert plan.enable == ['netns-boot.service', 'netns_name@blue.service']
    # Enabled as systemctl enable would: a link in multi-user.target.wants to the unit file.
    wants = os.path.join(unit_dir, 'multi-user.target.wants')
    assert plan.enable_links == {os.path.join(wants, 'netns-boot.service'): os.path.join(unit_dir, 'netns-boot.service'),
                                 os.path.join(wants, 'netns_name@blue.service'): os.path.join(unit_dir, 'netns_name@.service')}
    assert plan.start == ['netns-boot.service', 'netns_name@blue.service', 'netns-veth@blue.service']
    for path, content in list(plan.unit_files.items()) + list(plan.boot_files.items()) + list(plan.code_files.items()):
        write_atomically(path, content)
    for path, content in plan.private_files.items():
        write_atomically(path, content, mode=0o600, dir_mode=0o700)
    for path, content in plan.resolv_files.items():
        rewrite_in_place(path, content)
    os.makedirs(str(tmp_path / 'run' / 'booted'))     # netns-boot.service ran
    kernel.ip(None, 'netns', 'add', 'blue')             # and the creator made the namespace
    running = {'netns_name@blue.service': (True, True), 'netns-veth@blue.service': (True, False), 'netns-boot.service': (True, True)}
    again = plan_chain(entries, running, **dirs)
    assert again.lines == []
    # Not enabled at boot: the batch files go, the units stay.
    disabled = plan_chain(parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}], 'enabled': False,
                                          'dns': {'nameservers': ['10.0.0.1']}}]), running, **dirs)
    assert disabled.remove_paths == [os.path.join(boot_dir, 'boot.list')] and not disabled.unit_files
    gone = plan_chain(parse_entries([{'name': 'blue', 'state': 'absent'}]), running, **dirs)
    assert gone.stop == ['netns-veth@blue.service', 'netns_name@blue.service', 'netns-boot.service']
    assert gone.disable == ['netns_name@blue.service', 'netns-boot.service']
    # The templates, the boot unit and script go too once nothing on the host uses them.
    assert gone.remove_paths == [os.path.join(boot_dir, 'boot.list'),
                                 os.path.join(boot_dir, 'model', 'blue.json'),
                                 os.path.join(unit_dir, 'netns-veth@blue.service.d', 'netns-systemd.conf'),
                                 os.path.join(unit_dir, 'netns_name@blue.service.d', 'netns-systemd.conf'),
                                 os.path.join(etc_dir, 'blue')] + [
        os.path.join(unit_dir, name) for name in ('netns-veth-up@.service', 'netns-veth@.service', 'netns_name-up@.service',
                                                  'netns_name@.service')] + [
        boot_dir, str(tmp_path / 'run'), os.path.join(unit_dir, 'netns-boot.service'), os.path.join(unit_dir, 'netns-ready@.target')]
    # A namespace this call does not name still enabled: the creator templates and the boot unit stay.
    os.makedirs(os.path.join(unit_dir, 'multi-user.target.wants'))
    os.symlink('../netns_name@.service', os.path.join(unit_dir, 'multi-user.target.wants', 'netns_name@other.service'))
    kept = plan_chain(parse_entries([{'name': 'blue', 'state': 'absent'}]), running, **dirs)
    for name in ('netns_name@.service', 'netns_name-up@.service', 'netns-boot.service', 'netns-ready@.target'):
        assert os.path.join(unit_dir, name) not in kept.remove_paths
