"""Service bindings: the drop-in, its validation, and the namespace check."""

import os
import subprocess
import sys
import time

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._binding import (
    apply_bindings,
    normalize_service,
    parse_bindings,
    plan_bindings,
    render_binding,
    verify_binding,
)
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._netns import converge_netns


def test_drop_in_joins_the_namespace_binds_to_its_creator_and_isolates_dns():
    text = render_binding('web.service', 'blue', True, ['netns-veth@blue.service'])
    lines = text.splitlines()
    assert 'NetworkNamespacePath=/run/netns/blue' in lines
    assert 'BindsTo=netns_name@blue.service' in lines
    assert 'After=netns_name@blue.service' in lines and 'After=netns-veth@blue.service' in lines
    assert 'BindReadOnlyPaths=/etc/netns/blue/resolv.conf:/etc/resolv.conf' in lines
    assert 'BindReadOnlyPaths=-/etc/netns/blue/hosts:/etc/hosts' in lines
    assert 'InaccessiblePaths=-/run/nscd -/run/systemd/resolve' in lines


def test_without_dns_isolation_only_the_namespace_is_joined():
    text = render_binding('web.service', 'blue', False)
    assert 'resolv.conf' not in text and 'InaccessiblePaths' not in text
    assert 'NetworkNamespacePath=/run/netns/blue' in text


@pytest.mark.parametrize('name, expected', [('nginx', 'nginx.service'), ('app@t1', 'app@t1.service'),
                                            ('openvpn-client@work.service', 'openvpn-client@work.service')])
def test_service_names_are_normalized(name, expected):
    assert normalize_service(name) == expected


@pytest.mark.parametrize('name, message', [
    ('web.socket', 'is not a service'),
    ('app@.service', 'is a template'),
    ('../../etc/passwd', 'is not a systemd unit name'),
    ('a b', 'is not a systemd unit name'),
    ('', 'is not a systemd unit name'),
])
def test_bad_service_names_are_refused(name, message):
    with pytest.raises(InvalidInput, match=message):
        parse_bindings([{'service': name, 'netns': 'blue'}])


def test_bindings_are_validated_whole():
    with pytest.raises(InvalidInput, match='web.service is bound twice'):
        parse_bindings([{'service': 'web', 'netns': 'a'}, {'service': 'web.service', 'netns': 'b'}])
    with pytest.raises(InvalidInput, match='netns is required'):
        parse_bindings([{'service': 'web'}])
    with pytest.raises(InvalidInput, match='cannot name a systemd unit instance'):
        parse_bindings([{'service': 'web', 'netns': 'a b'}])


def test_plan_writes_changed_drop_ins_and_removes_unbound_ones(tmp_path):
    unit_dir = str(tmp_path)
    bindings = parse_bindings([{'service': 'web', 'netns': 'blue'}])
    changes = plan_bindings(bindings, unit_dir)
    assert [(c[0].service, c[2] is not None, c[3]) for c in changes] == [('web.service', True, None)]
    apply_bindings(changes)
    assert plan_bindings(bindings, unit_dir) == []
    assert plan_bindings(parse_bindings([{'service': 'web', 'netns': 'red'}]), unit_dir)[0][3] is not None
    gone = plan_bindings(parse_bindings([{'service': 'web', 'state': 'absent'}]), unit_dir)
    apply_bindings(gone)
    assert os.listdir(unit_dir) == []


def test_verify_compares_the_process_namespace_with_the_named_one():
    converge_netns(['blue'], 'present', check_mode=False)
    binding = parse_bindings([{'service': 'web', 'netns': 'blue'}])[0]
    inside = subprocess.Popen(['ip', 'netns', 'exec', 'blue', 'sleep', '30'])
    outside = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if os.stat('/proc/%d/ns/net' % inside.pid).st_ino == os.stat('/run/netns/blue').st_ino:
                break
            time.sleep(0.02)
        assert verify_binding(binding, lambda: inside.pid) == os.stat('/run/netns/blue').st_ino
        assert verify_binding(binding, lambda: 0) is None
        # A service restarted a moment ago: its main process joins the namespace a little later.
        answers = iter([outside.pid, outside.pid, inside.pid])
        assert verify_binding(binding, lambda: next(answers)) == os.stat('/run/netns/blue').st_ino
        with pytest.raises(NetnsError, match=r"web.service \(pid %d\) runs in network namespace \d+, not in 'blue'" % outside.pid):
            verify_binding(binding, lambda: outside.pid, settle_seconds=0.2)
    finally:
        inside.kill()
        outside.kill()
        inside.wait()
        outside.wait()
