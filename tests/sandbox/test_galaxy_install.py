"""The collection builds and installs offline, and ansible-doc reads every module from the install."""

import glob
import os
import subprocess
import sys

import pytest

pytest.importorskip('ansible', reason='needs ansible-core')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def test_build_install_and_read_the_docs(tmp_path):
    subprocess.run([tool('ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(tmp_path)],
                   check=True, capture_output=True)
    tarball = glob.glob(str(tmp_path / 'netns-systemd-*.tar.gz'))
    assert len(tarball) == 1
    target = tmp_path / 'collections'
    subprocess.run([tool('ansible-galaxy'), 'collection', 'install', '--offline', '--force', '-p', str(target), tarball[0]],
                   check=True, capture_output=True)
    installed = target / 'ansible_collections' / 'netns' / 'systemd'
    assert (installed / 'MANIFEST.json').exists()
    assert not (installed / 'tests' / 'output').exists() and not (installed / 'scripts').exists()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(target))
    docs = subprocess.run([tool('ansible-doc'), '-t', 'module'] + ['netns.systemd.' + m for m in MODULES],
                          check=True, capture_output=True, text=True, env=env).stdout
    for module in MODULES:
        assert 'netns.systemd.%s' % module in docs
    roles = subprocess.run([tool('ansible-doc'), '-t', 'role', 'netns.systemd.netns', 'netns.systemd.netns_service'],
                           check=True, capture_output=True, text=True, env=env).stdout
    assert 'netns_namespaces' in roles and 'netns_service_bindings' in roles
