"""The two-namespace lab through real ansible-playbook, connection local, in the sandbox."""

import os
import re
import subprocess
import sys

import pytest

import kernel

pytest.importorskip('ansible', reason='needs ansible-core')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def playbook(collections_dir, *args):
    inventory = os.path.join(collections_dir, 'inventory.ini')
    with open(inventory, 'w') as f:
        f.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir, ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCAL_TEMP=os.path.join(collections_dir, 'tmp'))
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    proc = subprocess.run([ansible_playbook, '-i', inventory, os.path.join(ROOT, 'examples', 'lab.yml')] + list(args),
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recap = re.search(r'localhost\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)', proc.stdout)
    assert recap, proc.stdout
    return proc.stdout, int(recap.group(2))


def test_lab_check_mode_then_build_ping_and_rerun_unchanged(collections_dir):
    before = kernel.state()
    out, changed = playbook(collections_dir, '--check', '--diff', '-e', 'lab_ping=false')
    assert changed == 2
    assert '+ veth blue:veth-b <-> red:veth-r' in out
    assert kernel.state() == before

    out, changed = playbook(collections_dir, '--diff')
    assert changed == 2
    assert '+ netns blue' in out and '+ address 10.1.0.3/24 on red:veth-r' in out
    assert '1 packets transmitted, 1 received' in out
    assert kernel.addresses('blue', 'veth-b') == {'10.1.0.2/24'}
    assert kernel.addresses('red', 'veth-r') == {'10.1.0.3/24'}

    out, changed = playbook(collections_dir)
    assert changed == 0
    assert '1 packets transmitted, 1 received' in out
