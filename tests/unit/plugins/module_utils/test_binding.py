"""Service bindings: the drop-in and its validation (pure: no root, no kernel)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._binding import (
    apply_bindings,
    normalize_service,
    parse_bindings,
    plan_bindings,
    render_binding,
)
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput


def test_drop_in_joins_the_namespace_binds_to_its_creator_and_isolates_dns():
    text = render_binding('web.service', 'blue', True)
    lines = text.splitlines()
    assert 'NetworkNamespacePath=/run/netns/blue' in lines
    assert 'BindsTo=netns_name@blue.service' in lines
    # After its links through the namespace's target, whatever links the chain has (or has yet).
    assert 'After=netns_name@blue.service' in lines and 'After=netns-ready@blue.target' in lines
    assert 'Wants=netns-ready@blue.target' in lines
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
