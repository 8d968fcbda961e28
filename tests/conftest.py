"""Make the work tree importable as ansible_collections.netns.systemd (ansible-test units
does this its own way), and put the tests' helpers on the path.

tests/unit holds pure tests (names, quoting, rendering, planning): they need neither root
nor a network sandbox, and ansible-test units runs them. tests/sandbox holds the kernel
tests: real netlink, namespaces and systemd lines, run only inside scripts/sandbox.sh.
"""

import os
import shutil
import sys
import tempfile

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
COLLECTIONS_DIR = tempfile.mkdtemp(prefix='netns-collections-')
os.makedirs(os.path.join(COLLECTIONS_DIR, 'ansible_collections', 'netns'))
os.symlink(ROOT, os.path.join(COLLECTIONS_DIR, 'ansible_collections', 'netns', 'systemd'))
sys.path[:0] = [COLLECTIONS_DIR, TESTS]


def pytest_unconfigure(config):
    shutil.rmtree(COLLECTIONS_DIR, ignore_errors=True)


@pytest.fixture
def collections_dir():
    """A directory to use as ANSIBLE_COLLECTIONS_PATH: it holds this work tree as netns.systemd."""
    return COLLECTIONS_DIR
