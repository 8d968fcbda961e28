"""Make the work tree importable as ansible_collections.netns.systemd, and give every
test a clean network sandbox.

The tests run inside scripts/sandbox.sh (a private network and mount namespace); they
refuse to run in the machine's own network namespace.
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

import kernel  # noqa: E402  (tests/kernel.py, importable once TESTS is on the path)


def pytest_configure(config):
    if not kernel.in_sandbox():
        raise pytest.UsageError("run the tests through scripts/sandbox.sh (a private network namespace), "
                                "never in the machine's own network namespace")


def pytest_unconfigure(config):
    shutil.rmtree(COLLECTIONS_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean_network():
    """Every test starts and ends with no named namespace and only lo in the sandbox."""
    kernel.wipe()
    yield
    kernel.wipe()


@pytest.fixture
def collections_dir():
    """A directory to use as ANSIBLE_COLLECTIONS_PATH: it holds this work tree as netns.systemd."""
    return COLLECTIONS_DIR
