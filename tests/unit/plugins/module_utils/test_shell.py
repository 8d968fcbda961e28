"""Every shell script of the project passes shellcheck: the ones in scripts/ and the helper
that netns_chain installs on each host (as rendered)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import subprocess

import pytest

from ansible_collections.netns.systemd.plugins.module_utils import _paths
from ansible_collections.netns.systemd.plugins.module_utils._shell import HELPER_SCRIPT

# The collection's root, wherever the tests run from (ansible-test runs them in a copy).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(_paths.__file__))))
SCRIPTS = sorted(glob.glob(os.path.join(ROOT, 'scripts', '*.sh')))


def test_the_project_has_shell_scripts():
    assert len(SCRIPTS) >= 5, SCRIPTS


def test_the_units_shell_helper_passes_shellcheck():
    proc = subprocess.run(['shellcheck', '-s', 'sh', '-'], input=HELPER_SCRIPT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize('script', SCRIPTS, ids=[os.path.basename(path) for path in SCRIPTS])
def test_the_project_scripts_pass_shellcheck(script):
    proc = subprocess.run(['shellcheck', '-x', script], capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout
