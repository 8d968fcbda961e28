"""Sysctls of a namespace for real: set by the module inside the namespace only, compared on
each run, applied by the creator's work and by the boot batch (the engine) from the model."""

import os
import subprocess

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._files import write_atomically
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_LIST, BOOT_MARKS
from ansible_collections.netns.systemd.plugins.module_utils._sysctl import check_sysctl_keys, converge_sysctls
from test_units import engine, install_models

# Values no new namespace has by default.
SETTINGS = {'net.core.somaxconn': 1234, 'net.ipv4.ip_local_port_range': [20000, 29999]}


def sysctl(netns, key):
    cmd = (['ip', 'netns', 'exec', netns] if netns else []) + ['sysctl', '-n', key]
    return ' '.join(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split())


def helper(*args):
    return engine(*args)


def write_files(entry):
    """The model the engine reads, as netns_chain writes it."""
    install_models([entry.model])


def test_the_module_sets_them_inside_reports_drift_and_leaves_the_host_alone():
    host_before = sysctl(None, 'net.core.somaxconn'), sysctl(None, 'net.ipv4.ip_local_port_range')
    kernel.ip(None, 'netns', 'add', 'blue')
    entries = parse_entries([{'name': 'blue', 'sysctl': SETTINGS}, {'name': 'gone', 'sysctl': SETTINGS}])
    before = sysctl('blue', 'net.core.somaxconn')
    lines, errors = converge_sysctls(entries, check_mode=True)
    assert errors == {} and lines == ['~ sysctl blue net.core.somaxconn = 1234 (was %s)' % before,
                                      '~ sysctl blue net.ipv4.ip_local_port_range = 20000 29999 (was 32768 60999)']
    assert sysctl('blue', 'net.core.somaxconn') == before
    assert converge_sysctls(entries, check_mode=False) == (lines, {})
    assert sysctl('blue', 'net.core.somaxconn') == '1234' and sysctl('blue', 'net.ipv4.ip_local_port_range') == '20000 29999'
    assert converge_sysctls(entries, check_mode=False) == ([], {})
    # Drift made by hand is a change, and is repaired.
    subprocess.run(['ip', 'netns', 'exec', 'blue', 'sysctl', '-qw', 'net.core.somaxconn=99'], check=True)
    assert converge_sysctls(entries, check_mode=False)[0] == ['~ sysctl blue net.core.somaxconn = 1234 (was 99)']
    assert (sysctl(None, 'net.core.somaxconn'), sysctl(None, 'net.ipv4.ip_local_port_range')) == host_before


def test_a_key_this_kernel_lacks_is_refused_before_any_change_unless_skipped():
    missing = {'net.ipv4.no_such_key': 1, 'net.core.somaxconn': 1234}
    with pytest.raises(InvalidInput, match='netns fresh: this kernel has no sysctl net.ipv4.no_such_key .*sysctl_ignore_missing'):
        check_sysctl_keys(parse_entries([{'name': 'fresh', 'sysctl': missing}]))     # read on the host: not made yet
    kernel.ip(None, 'netns', 'add', 'blue')
    with pytest.raises(InvalidInput, match='netns blue: this kernel has no sysctl net.ipv4.no_such_key'):
        check_sysctl_keys(parse_entries([{'name': 'blue', 'sysctl': missing}]))
    skipped = parse_entries([{'name': 'blue', 'sysctl': missing, 'sysctl_ignore_missing': True}])
    check_sysctl_keys(skipped)
    assert converge_sysctls(skipped, check_mode=False)[1] == {}
    assert sysctl('blue', 'net.core.somaxconn') == '1234'


def test_the_creator_applies_the_file_and_fails_on_a_missing_key_unless_told_to_skip_it():
    entry = parse_entries([{'name': 'blue', 'sysctl': SETTINGS}])[0]
    write_files(entry)
    proc = helper('up', 'blue')
    assert proc.returncode == 0, proc.stderr
    assert sysctl('blue', 'net.core.somaxconn') == '1234' and sysctl('blue', 'net.ipv4.ip_local_port_range') == '20000 29999'
    kernel.ip(None, 'netns', 'delete', 'blue')
    write_files(parse_entries([{'name': 'blue', 'sysctl': dict(SETTINGS, **{'net.ipv4.no_such_key': 1})}], sys_class_net=None)[0])
    proc = helper('up', 'blue')
    assert proc.returncode != 0 and 'no_such_key' in proc.stderr
    kernel.ip(None, 'netns', 'delete', 'blue')
    write_files(parse_entries([{'name': 'blue', 'sysctl': dict(SETTINGS, **{'net.ipv4.no_such_key': 1}),
                                'sysctl_ignore_missing': True}])[0])
    proc = helper('up', 'blue')
    assert proc.returncode == 0, proc.stderr
    assert sysctl('blue', 'net.core.somaxconn') == '1234'


def test_the_boot_batch_applies_them_and_marks_the_namespace():
    # red's default for new interfaces is set before its veth is made, as its units do it.
    red = {'net.core.somaxconn': 777, 'net.ipv6.conf.default.hop_limit': 33}
    entries = parse_entries([{'name': 'blue', 'sysctl': SETTINGS}, {'name': 'red', 'sysctl': red, 'links': [{'type': 'veth'}]}])
    for entry in entries:
        write_files(entry)
    write_atomically(BOOT_LIST, 'blue\nred\n')
    os.makedirs(BOOT_MARKS)
    proc = helper('boot')
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(BOOT_MARKS)) == ['blue', 'red']
    assert sysctl('blue', 'net.ipv4.ip_local_port_range') == '20000 29999' and sysctl('red', 'net.core.somaxconn') == '777'
    assert sysctl('red', 'net.ipv6.conf.ve-red1.hop_limit') == '33'
    assert kernel.link('red', 'lo')['operstate'] in ('UNKNOWN', 'UP')


def test_the_inside_parts_converge_only_the_namespaces_they_are_asked_for():
    from ansible_collections.netns.systemd.plugins.module_utils._parts.table import inside_parts
    kernel.ip(None, 'netns', 'add', 'blue')
    kernel.ip(None, 'netns', 'add', 'red')
    ruleset = 'table inet t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n'
    entries = parse_entries([{'name': name, 'sysctl': {'net.core.somaxconn': 1234}, 'nftables': ruleset} for name in ('blue', 'red')])
    with inside_parts(entries, kernel.run) as inside:
        inside.check()
        # As the playbook asks for those its units did not just make: red is left as it is.
        lines, diffs, errors = inside.converge(False, only=set(['blue']))
        assert errors == {} and len(diffs) == 1
        assert [line.split(' = ')[0] for line in lines] == ['~ sysctl blue net.core.somaxconn', '~ nftables blue']
        assert sysctl('blue', 'net.core.somaxconn') == '1234' and sysctl('red', 'net.core.somaxconn') != '1234'
        assert 'table inet t' not in kernel.run(['ip', 'netns', 'exec', 'red', 'nft', 'list', 'ruleset'])[1]
        lines, _diffs, errors = inside.converge(False)
        assert errors == {} and [line.split(' = ')[0] for line in lines] == ['~ sysctl red net.core.somaxconn', '~ nftables red']
