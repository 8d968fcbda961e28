"""The netns.systemd.nsenter connection for real: ansible-playbook runs wait_for and uri inside
a namespace where a server listens on its own 127.0.0.1, which the host does not have; a
namespace that does not exist is a clear error that fails the task (rescue catches it; the
host is not unreachable) and runs nothing."""

import os
import subprocess
import sys

import pytest

import kernel

pytest.importorskip('ansible', reason='needs ansible-core')

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = ('import http.server\n'
          'class H(http.server.BaseHTTPRequestHandler):\n'
          '    def do_GET(self):\n'
          '        self.send_response(200); self.end_headers(); self.wfile.write(b"inside blue")\n'
          '    def log_message(self, *a):\n'
          '        pass\n'
          'http.server.HTTPServer(("127.0.0.1", 8080), H).serve_forever()\n')


def test_modules_run_inside_the_namespace_and_never_on_the_host(collections_dir):
    kernel.ip(None, 'netns', 'add', 'blue')
    kernel.ip('blue', 'link', 'set', 'lo', 'up')
    server = subprocess.Popen(['ip', 'netns', 'exec', 'blue', sys.executable, '-c', SERVER])
    marker = '/tmp/netns-nsenter-ran-on-the-host'
    try:
        inventory = os.path.join(collections_dir, 'nsenter.ini')
        with open(inventory, 'w') as f:
            f.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
                   ANSIBLE_LOCAL_TEMP=os.path.join(collections_dir, 'tmp'))
        ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        proc = subprocess.run([ansible_playbook, '-i', inventory, os.path.join(HERE, 'playbooks', 'nsenter.yml')],
                              capture_output=True, text=True, env=env, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert 'failed=0' in proc.stdout and 'unreachable=0' in proc.stdout and 'rescued=1' in proc.stdout
        assert not os.path.exists(marker)
    finally:
        server.kill()
        server.wait()
