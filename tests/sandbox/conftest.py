"""The kernel tests: each starts and ends with no named namespace and only lo, in the
private network namespace of scripts/sandbox.sh. They refuse to run anywhere else, and are
marked ``kernel``."""

import os

import pytest

import kernel

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_configure(config):
    config.addinivalue_line('markers', 'kernel: needs root and the network sandbox of scripts/sandbox.sh')
    if not kernel.in_sandbox():
        raise pytest.UsageError("the tests in tests/sandbox run through scripts/sandbox.sh (a private network namespace), "
                                "never in the machine's own network namespace")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.kernel)


@pytest.fixture(autouse=True)
def clean_network():
    kernel.wipe()
    yield
    kernel.wipe()
