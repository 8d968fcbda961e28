"""The file the units load with nft -f (the kernel tests are in tests/sandbox/test_nftables_kernel.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._nftables import render_nftables_file


def test_the_file_replaces_the_whole_ruleset_in_one_load():
    assert render_nftables_file('\ntable inet t {\n}\n\n') == 'flush ruleset\ntable inet t {\n}\n'
    # Empty: no rules at all.
    assert render_nftables_file('') == 'flush ruleset\n' and render_nftables_file('\n \n') == 'flush ruleset\n'


def test_only_namespaces_with_a_ruleset_get_one_loaded():
    entries = parse_entries([{'name': 'blue', 'nftables': 'table inet t {\n}'}, {'name': 'red'}, {'name': 'green', 'nftables': ''}])
    assert [e.nftables for e in entries] == ['table inet t {\n}', None, '']


@pytest.mark.parametrize('ruleset', [{'table': 'x'}, 'table inet t {\0}'])
def test_a_ruleset_must_be_text(ruleset):
    with pytest.raises(InvalidInput, match='namespaces\\[0\\] \\(blue\\): nftables must be the text of a ruleset'):
        parse_entries([{'name': 'blue', 'nftables': ruleset}])
