"""Role benchmark: the netns role on a fresh systemd container with 1 namespace, then with N,
each a veth to the host with an address per end; then each run again with nothing to change.

It prints the seconds of each ansible-playbook run and two ratios measured in the same run:
  fresh  = (role with N on a fresh host) / (role with 1 on a fresh host)
  re-run = (role with N again, changed=0) / (role with 1 again, changed=0)
(the aim: both at most 2). With --repeat K it does all of it K times, on fresh containers,
and keeps the best time of each run. With --profile it also runs the module itself under cProfile
inside the container on the re-run with N, and prints where its time goes.

Run as root on the machine (it starts and removes podman containers of its own):
  /var/cache/netns-systemd/venv/bin/python benchmarks/bench_role.py --count 200
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from _box import Box
from bench_boot import addresses

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTAINER = 'netns-bench-role'
BOX = Box(CONTAINER)
box = BOX.run
# (N, the profile_tasks lines of each run)
TASK_TIMES = []


def namespaces(count):
    found = []
    for i in range(count):
        outside, inside = addresses(i)
        found.append({'name': 'r%d' % i, 'links': [{'type': 'veth', 'addresses': [inside], 'peer_addresses': [outside]}]})
    return found


def storage_in_ram(work, image):
    """Point podman (here and in the connection plugin, through the environment) at a
    container storage in /dev/shm holding a copy of ``image``: file creation in the
    container then costs what the collection makes it cost, not what the machine's disk does
    (on this VM's overlayfs it varies from 0.2 to 1.5 ms a file from one minute to the next)."""
    conf = os.path.join(work, 'storage.conf')
    with open(conf, 'w') as f:
        f.write('[storage]\ndriver = "overlay"\ngraphroot = "/dev/shm/netns-bench-storage"\nrunroot = "/run/netns-bench-storage"\n')
    archive = os.path.join('/dev/shm', 'netns-bench-image.tar')
    subprocess.run(['podman', 'save', '-q', '-o', archive, image], check=True)
    os.environ['CONTAINERS_STORAGE_CONF'] = conf
    try:
        subprocess.run(['podman', 'load', '-q', '-i', archive], check=True, capture_output=True)
    finally:
        os.unlink(archive)


def drop_storage_in_ram():
    if os.environ.get('CONTAINERS_STORAGE_CONF'):
        subprocess.run(['podman', 'system', 'reset', '-f'], check=False, capture_output=True)
        subprocess.run(['rm', '-rf', '/dev/shm/netns-bench-storage', '/run/netns-bench-storage'], check=False)
        del os.environ['CONTAINERS_STORAGE_CONF']


def prepare(work):
    with open(os.path.join(work, 'inventory'), 'w') as f:
        f.write('%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n' % CONTAINER)
    os.makedirs(os.path.join(work, 'ansible_collections', 'netns'))
    os.symlink(ROOT, os.path.join(work, 'ansible_collections', 'netns', 'systemd'))


def run_role(work, count):
    """Seconds of one ansible-playbook run of the role, and the recap's changed count."""
    playbook = os.path.join(work, 'role-%d.yml' % count)
    with open(playbook, 'w') as f:
        json.dump([{'hosts': 'all', 'gather_facts': False, 'vars': {'netns_namespaces': namespaces(count)},
                    'roles': ['netns.systemd.netns']}], f)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=work, ANSIBLE_LOCAL_TEMP=os.path.join(work, 'tmp'),
               ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks')
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', os.path.join(work, 'inventory'),
                           playbook], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('ansible-playbook failed:\n%s' % proc.stdout[-3000:])
    changed = int(re.search(r'changed=(\d+)', proc.stdout).group(1))
    TASK_TIMES.append((count, [line for line in proc.stdout.splitlines() if re.search(r' -+ \d+\.\d+s$', line)]))
    return seconds, changed


def profile_module(count, limit):
    """The module run by hand inside the container under cProfile, on the converged host."""
    box('rm -rf /tmp/bench-collections && mkdir -p /tmp/bench-collections/ansible_collections/netns /tmp/bench-collections/ansible')
    subprocess.run(['podman', 'cp', ROOT, '%s:/tmp/bench-collections/ansible_collections/netns/systemd' % CONTAINER],
                   check=True, capture_output=True)
    # What AnsiballZ would bring along: ansible's module_utils (the container has no ansible).
    import ansible
    package = os.path.dirname(ansible.__file__)
    for part in ('release.py', 'module_utils'):
        subprocess.run(['podman', 'cp', os.path.join(package, part), '%s:/tmp/bench-collections/ansible/%s' % (CONTAINER, part)],
                       check=True, capture_output=True)
    box(': > /tmp/bench-collections/ansible/__init__.py')
    args = {'ANSIBLE_MODULE_ARGS': {'namespaces': namespaces(count)}}
    box('cat > /tmp/bench-args.json', stdin=json.dumps(args))
    return box('cd /tmp && PYTHONPATH=/tmp/bench-collections python3 -c "\n'
               'import cProfile, pstats, runpy, sys, io\n'
               'sys.argv = [\'netns_chain\', \'/tmp/bench-args.json\']\n'
               'profile = cProfile.Profile()\n'
               'try:\n'
               '    profile.runcall(runpy.run_module, \'ansible_collections.netns.systemd.plugins.modules.netns_chain\', run_name=\'__main__\')\n'
               'except SystemExit:\n'
               '    pass\n'
               'out = io.StringIO()\n'
               'pstats.Stats(profile, stream=out).sort_stats(\'cumulative\').print_stats(%d)\n'
               'sys.stderr.write(out.getvalue())\n'
               '" 2>&1 >/dev/null' % limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--image', default='localhost/netns-bookworm:latest')
    parser.add_argument('--ram', action='store_true', help='run the containers from a storage in /dev/shm (see storage_in_ram)')
    parser.add_argument('--repeat', type=int, default=1, help='rounds (each on fresh containers); the best time of each run is kept')
    parser.add_argument('--profile', type=int, default=0, metavar='LINES', help='print this many lines of the module profile')
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root: it starts privileged containers')
    work = tempfile.mkdtemp(prefix='netns-bench-role-')
    prepare(work)
    results = {}
    profile = ''
    try:
        if args.ram:
            storage_in_ram(work, args.image)
        for _round in range(args.repeat):
            for count in (1, args.count):
                BOX.boot(args.image)
                fresh, changed_fresh = run_role(work, count)
                again, changed_again = run_role(work, count)
                if changed_fresh == 0 or changed_again != 0:
                    raise SystemExit('N=%d: first run changed=%d, second run changed=%d (want >0, then 0)' % (count, changed_fresh, changed_again))
                best = results.get(count, (fresh, again))
                results[count] = (min(best[0], fresh), min(best[1], again))
                print('N=%d: fresh %.2f s, again %.2f s' % (count, fresh, again), file=sys.stderr)
        if args.profile:
            profile = profile_module(args.count, args.profile)
        systemd = box('systemctl --version | head -n 1').strip()
    finally:
        BOX.remove()
        drop_storage_in_ram()
        subprocess.run(['rm', '-rf', work], check=False)
    one, many = results[1], results[args.count]
    print('%s in %s%s; the netns role, one veth to the host with an address per end per namespace'
          % (systemd, args.image, ', container storage in /dev/shm' if args.ram else ''))
    print('%-34s %10s %10s' % ('ansible-playbook, seconds%s' % (', best of %d' % args.repeat if args.repeat > 1 else ''), 'N=1', 'N=%d' % args.count))
    print('%-34s %10.2f %10.2f' % ('fresh host', one[0], many[0]))
    print('%-34s %10.2f %10.2f' % ('again, nothing to change', one[1], many[1]))
    print('ratio fresh  N=%d / N=1 = %.2f (aim: 2 or less)' % (args.count, many[0] / one[0]))
    print('ratio re-run N=%d / N=1 = %.2f (aim: 1.3 or less)' % (args.count, many[1] / one[1]))
    print('\nper task (ansible.posix.profile_tasks), in the order of the runs:')
    for count, task_lines in TASK_TIMES:
        for line in task_lines:
            print('  N=%-4d %s' % (count, line.strip()))
    if profile:
        print('\nthe module alone, re-run with N=%d, under cProfile (cumulative):\n%s' % (args.count, profile))


if __name__ == '__main__':
    main()
