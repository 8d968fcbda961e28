"""A namespace's nftables ruleset for real: checked before any change, loaded inside the
namespace only, compared on each run, enforced, and loaded by the creator's work from the
same file."""

import socket
import subprocess
import time

import pytest

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput
from ansible_collections.netns.systemd.plugins.module_utils._nftables import Rulesets
from test_units import engine, install_models

RULESET = '''
table inet filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 8080 drop
    }
}
'''


def ruleset(netns=None):
    return kernel.run((['ip', 'netns', 'exec', netns] if netns else []) + ['nft', 'list', 'ruleset'])[1]


def test_it_is_loaded_inside_compared_and_repaired_and_the_host_keeps_its_own():
    host_before = ruleset()
    kernel.ip(None, 'netns', 'add', 'blue')
    entries = parse_entries([{'name': 'blue', 'nftables': RULESET}, {'name': 'notyet', 'nftables': RULESET}])
    with Rulesets(entries, kernel.run) as rulesets:
        rulesets.check()
        lines, diffs, errors = rulesets.converge(check_mode=True)
        assert (lines, errors) == (['~ nftables blue'], {}) and 'dport 8080 drop' in diffs[0]['after']
        assert 'table' not in ruleset('blue')
        assert rulesets.converge(check_mode=False)[0] == ['~ nftables blue']
        assert 'tcp dport 8080 drop' in ruleset('blue')
        assert rulesets.converge(check_mode=False) == ([], [], {})
        # Drift made by hand is a change; loading again replaces the whole ruleset.
        subprocess.run(['ip', 'netns', 'exec', 'blue', 'nft', 'add', 'table', 'ip', 'stray'], check=True)
        assert rulesets.converge(check_mode=False)[0] == ['~ nftables blue']
        assert 'stray' not in ruleset('blue') and 'tcp dport 8080 drop' in ruleset('blue')
    assert ruleset() == host_before
    # An empty ruleset leaves no rules.
    with Rulesets(parse_entries([{'name': 'blue', 'nftables': ''}]), kernel.run) as rulesets:
        assert rulesets.converge(check_mode=False)[0] == ['~ nftables blue']
    assert ruleset('blue').strip() == ''


def test_a_ruleset_nft_does_not_take_is_refused_before_any_change():
    kernel.ip(None, 'netns', 'add', 'blue')
    subprocess.run(['ip', 'netns', 'exec', 'blue', 'nft', 'add', 'table', 'ip', 'kept'], check=True)
    with Rulesets(parse_entries([{'name': 'blue', 'nftables': 'table inet t { chain c { tcp dport 80 frobnicate; } }'}]), kernel.run) as rulesets:
        with pytest.raises(InvalidInput, match='(?s)netns blue: the nftables ruleset does not load .*ruleset:2:.*frobnicate'):
            rulesets.check()
    assert 'table ip kept' in ruleset('blue')


def _connects(address, port, timeout):
    try:
        socket.create_connection((address, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def test_a_dropped_port_really_drops():
    kernel.ip(None, 'netns', 'add', 'blue')
    kernel.veth_to('blue', 'nf0', 'nf1', '10.77.0.1/30', '10.77.0.2/30')
    kernel.ip('blue', 'link', 'set', 'lo', 'up')
    with Rulesets(parse_entries([{'name': 'blue', 'nftables': RULESET}]), kernel.run) as rulesets:
        rulesets.converge(check_mode=False)
    server = subprocess.Popen(['ip', 'netns', 'exec', 'blue', 'python3', '-c', '''
import socket, select
socks = []
for port in (8080, 8081):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", port)); s.listen(8); socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        s.accept()[0].close()
'''])
    try:
        deadline = time.monotonic() + 30
        while not _connects('10.77.0.2', 8081, 2):     # the listener is up: both ports are bound
            assert time.monotonic() < deadline and server.poll() is None
        assert not _connects('10.77.0.2', 8080, 1)
    finally:
        server.kill()
        server.wait()


def test_the_creator_loads_the_file_as_it_makes_the_namespace():
    entry = parse_entries([{'name': 'blue', 'nftables': RULESET}])[0]
    install_models([entry.model])
    proc = engine('up', 'blue')
    assert proc.returncode == 0, proc.stderr
    assert 'tcp dport 8080 drop' in ruleset('blue')
