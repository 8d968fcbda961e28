"""A throwaway systemd container for the benchmarks: started, scripted, removed."""

import subprocess
import time


class Box:
    def __init__(self, name):
        self.name = name

    def run(self, script, stdin=None):
        """Run a shell script inside the container; its output."""
        return subprocess.run(['podman', 'exec', '-i', self.name, 'sh', '-ec', script], input=stdin,
                              check=True, capture_output=True, text=True).stdout

    def boot(self, image):
        """A fresh privileged container with systemd as PID 1, once it has booted."""
        self.remove()
        subprocess.run(['podman', 'run', '-d', '--name', self.name, '--privileged', '--systemd=always', image],
                       check=True, capture_output=True)
        for _attempt in range(60):
            state = subprocess.run(['podman', 'exec', self.name, 'systemctl', 'is-system-running', '--wait'],
                                   capture_output=True, text=True, check=False).stdout.strip()
            if state in ('running', 'degraded'):
                return
            time.sleep(1)
        raise SystemExit('the container did not boot')

    def remove(self):
        subprocess.run(['podman', 'rm', '-f', '-t', '5', self.name], capture_output=True, check=False)
