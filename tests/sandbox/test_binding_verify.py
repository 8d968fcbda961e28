"""netns_unit's verify against real processes in a real namespace."""

import os
import subprocess
import sys
import time

import pytest

from ansible_collections.netns.systemd.plugins.module_utils._binding import parse_bindings, verify_binding
from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError
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
