"""A role's meta/argument_specs.yml and its module's argument spec say the same thing: the
same options, types, choices, defaults, required and no_log, at every depth. The role's own
options are its module's with the role's prefix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.netns.systemd.plugins.module_utils import _paths

pytest.importorskip('ansible', reason='the modules need ansible-core (the Debian pyroute2 run has only the core)')
yaml = pytest.importorskip('yaml', reason='reading the role specs needs PyYAML')

# The collection's root, wherever the tests run from (ansible-test runs them in a copy).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(_paths.__file__))))
KEYS = ('type', 'elements', 'choices', 'default', 'required', 'no_log')


def normalized(options):
    """{name: {key: value}} of an argument spec, with what is implicit made explicit."""
    found = {}
    for name, option in options.items():
        entry = dict((key, option.get(key)) for key in KEYS)
        entry['type'] = entry['type'] or 'str'
        entry['required'] = bool(entry['required'])
        entry['no_log'] = bool(entry['no_log'])
        if option.get('options'):
            entry['options'] = normalized(option['options'])
        found[name] = entry
    return found


def role_spec(role):
    with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as f:
        return normalized(yaml.safe_load(f)['argument_specs']['main']['options'])


def test_the_netns_role_takes_the_options_of_netns_chain():
    from ansible_collections.netns.systemd.plugins.modules.netns_chain import ARGUMENT_SPEC
    module = normalized(ARGUMENT_SPEC)
    role = role_spec('netns')
    assert sorted(role) == ['netns_' + name for name in sorted(module)]
    # The role gives its list a default of []; in the module it is required.
    assert role['netns_namespaces']['options'] == module['namespaces']['options']
    # The WireGuard secrets are never shown (the role's spec is the same, so there too).
    link = module['namespaces']['options']['links']['options']
    assert link['private_key']['no_log'] and link['peers']['options']['preshared_key']['no_log']
    assert not link['peers']['options']['public_key']['no_log']
    for name in ('start', 'converge'):
        assert role['netns_' + name] == module[name], name


def test_the_netns_service_role_takes_the_options_of_netns_unit():
    from ansible_collections.netns.systemd.plugins.modules.netns_unit import ARGUMENT_SPEC
    module = normalized(ARGUMENT_SPEC)
    role = role_spec('netns_service')
    # The role takes the list form only.
    assert sorted(role) == ['netns_service_bindings', 'netns_service_restart', 'netns_service_verify']
    assert role['netns_service_bindings']['options'] == module['bindings']['options']
    for name in ('restart', 'verify'):
        assert role['netns_service_' + name] == module[name], name


def test_role_defaults_are_the_argument_spec_defaults():
    for role in ('netns', 'netns_service'):
        with open(os.path.join(ROOT, 'roles', role, 'defaults', 'main.yml')) as f:
            defaults = yaml.safe_load(f)
        assert defaults == dict((name, option['default']) for name, option in role_spec(role).items()), role


def test_phases_are_no_log_in_the_module():
    from ansible_collections.netns.systemd.plugins.modules.netns_chain import ARGUMENT_SPEC
    link = ARGUMENT_SPEC['namespaces']['options']['links']['options']
    for phase in ('up_outside', 'up_inside', 'down_inside', 'down_outside'):
        assert link[phase].get('no_log') is True, phase
