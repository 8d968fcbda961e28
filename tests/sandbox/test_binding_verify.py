"""netns_unit's verify against real processes in a real namespace."""

import os
import subprocess
import sys
import time

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._binding import parse_bindings, render_binding, run_argv, verify_binding
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._netns import converge_netns


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


def test_netns_engine_run_gives_a_command_the_settings_of_a_bound_service():
    """netns-engine run: systemd-run with every [Service] line of a bound service's drop-in
    (molecule's default scenario runs it under systemd and reads what the command sees)."""
    with pytest.raises(InvalidInput, match=r'netns blue does not exist: systemctl start netns_name@blue.service'):
        run_argv('blue', ['true'], tty=False)
    converge_netns(['blue'], 'present', check_mode=False)
    with pytest.raises(InvalidInput, match='give the command'):
        run_argv('blue', [], tty=False)
    with pytest.raises(InvalidInput, match="contains '/'"):
        run_argv('../blue', ['true'], tty=False)
    argv = run_argv('blue', ['getent', 'hosts', 'example.org'], tty=False)
    assert argv[0] == 'systemd-run' and '--pipe' in argv and '--wait' in argv
    assert argv[argv.index('--'):] == ['--', 'getent', 'hosts', 'example.org']
    dropin = render_binding('web.service', 'blue', True).split('[Service]\n')[1]
    service_lines = [line for line in dropin.splitlines() if line and not line.startswith('#')]
    assert len(service_lines) == 5 and 'InaccessiblePaths=-/run/nscd -/run/systemd/resolve' in service_lines
    assert [arg[len('--property='):] for arg in argv if arg.startswith('--property=')] == service_lines
    assert '--pty' in run_argv('blue', ['sh'], tty=True)
