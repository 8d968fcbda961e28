"""Make the work tree importable as ansible_collections.netns.systemd, and give tests a
clean network sandbox.

The tests must run inside scripts/sandbox.sh (a private network and mount namespace);
they refuse to run in the machine's own network namespace.
"""

import os
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_DIR = tempfile.mkdtemp(prefix='netns-collections-')
os.makedirs(os.path.join(COLLECTIONS_DIR, 'ansible_collections', 'netns'))
os.symlink(ROOT, os.path.join(COLLECTIONS_DIR, 'ansible_collections', 'netns', 'systemd'))
sys.path.insert(0, COLLECTIONS_DIR)


def _in_sandbox():
    # The machine's own namespace has more than lo, or is PID 1's; the sandbox is neither.
    try:
        return os.stat('/proc/1/ns/net').st_ino != os.stat('/proc/self/ns/net').st_ino
    except PermissionError:
        return False


def pytest_configure(config):
    if not _in_sandbox():
        raise pytest.UsageError('run the tests through scripts/sandbox.sh (a private network namespace), '
                                'never in the machine\'s own network namespace')


def _ip_json(*args):
    import json
    out = subprocess.run(['ip', '-j'] + list(args), check=True, capture_output=True, text=True).stdout
    return json.loads(out or '[]')


@pytest.fixture(autouse=True)
def clean_network():
    """Every test starts and ends with no named namespace and only lo in the sandbox."""
    _wipe()
    yield
    _wipe()


def _wipe():
    for name in os.listdir('/run/netns'):
        subprocess.run(['ip', 'netns', 'delete', name], capture_output=True)
        path = os.path.join('/run/netns', name)
        if os.path.lexists(path):
            os.unlink(path)
    for link in _ip_json('link', 'show'):
        if link['ifname'] != 'lo':
            subprocess.run(['ip', 'link', 'delete', link['ifname']], capture_output=True)
