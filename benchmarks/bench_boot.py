"""Boot benchmark: N namespaces, each with a veth to the host and an address per end,
started at once from one target in a systemd container, timed until all are active.

Two unit sets are timed in the same container, one after the other:
  baseline  hand-written-style units: a creator with PrivateNetwork= and "ip netns attach",
            and a veth unit running one ip command per ExecStart line, addresses from an
            EnvironmentFile per instance;
  ours      the units netns.systemd installs (netns_chain through ansible-playbook).
It prints ms per namespace for each and the ratio ours / baseline.

Run as root on the machine (it starts and removes a podman container of its own):
  /var/cache/netns-systemd/venv/bin/python benchmarks/bench_boot.py --count 200
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _box import Box

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTAINER = 'netns-bench-boot'
BOX = Box(CONTAINER)
box = BOX.run

BASE_CREATOR = '''[Unit]
Description=baseline namespace %i
[Service]
Type=oneshot
RemainAfterExit=yes
PrivateNetwork=yes
PrivateMounts=no
ExecStart=/bin/sh -c 'ip netns attach %i $$$$'
ExecStart=ip link set lo up
ExecStop=ip netns delete %i
'''

BASE_VETH = '''[Unit]
Description=baseline veth of %i
BindsTo=base_name@%i.service
After=base_name@%i.service
[Service]
Type=oneshot
RemainAfterExit=yes
EnvironmentFile=/etc/bench/%i.env
ExecStart=ip link add ve-%i0 type veth peer name ve-%i1 netns %i
ExecStart=ip addr add ${OUTSIDE} dev ve-%i0
ExecStart=ip link set ve-%i0 up
ExecStart=ip -n %i addr add ${INSIDE} dev ve-%i1
ExecStart=ip -n %i link set ve-%i1 up
ExecStop=ip link del ve-%i0
'''


def addresses(i):
    return '10.%d.%d.1/30' % (100 + i // 64, (i % 64) * 4), '10.%d.%d.2/30' % (100 + i // 64, (i % 64) * 4)


def write_target(target, units):
    """A target that wants every unit and is ordered after each, so that "systemctl start"
    returns once all are active (a target adds that order by itself only for units with
    default dependencies, which ours do not have)."""
    lines = ['[Unit]', 'Description=benchmark %s' % target]
    lines += ['Wants=%s' % unit for unit in units] + ['After=%s' % unit for unit in units]
    box('cat > /etc/systemd/system/%s' % target, stdin='\n'.join(lines) + '\n')


def install_baseline(names):
    env = ''.join("printf 'OUTSIDE=%s\\nINSIDE=%s\\n' > /etc/bench/%s.env\n" % (addresses(i) + (n,)) for i, n in enumerate(names))
    box('mkdir -p /etc/bench\n'
        'cat > /etc/systemd/system/base_name@.service <<"END"\n%sEND\n'
        'cat > /etc/systemd/system/base-veth@.service <<"END"\n%sEND\n%s'
        % (BASE_CREATOR, BASE_VETH, env))
    write_target('bench-base.target', ['base-veth@%s.service' % n for n in names])


def install_ours(names, work):
    namespaces = [{'name': n, 'enabled': True, 'links': [{'type': 'veth', 'peer_addresses': [addresses(i)[0]],
                                                          'addresses': [addresses(i)[1]]}]} for i, n in enumerate(names)]
    playbook = os.path.join(work, 'install.yml')
    with open(playbook, 'w') as f:
        json.dump([{'hosts': 'all', 'gather_facts': False, 'tasks': [{'netns.systemd.netns_chain': {
            'namespaces': namespaces, 'start': False, 'converge': False}}]}], f)
    with open(os.path.join(work, 'inventory'), 'w') as f:
        f.write('%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n' % CONTAINER)
    os.makedirs(os.path.join(work, 'ansible_collections', 'netns'))
    os.symlink(ROOT, os.path.join(work, 'ansible_collections', 'netns', 'systemd'))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=work, ANSIBLE_LOCAL_TEMP=os.path.join(work, 'tmp'))
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, 'ansible-playbook'), '-i', os.path.join(work, 'inventory'), playbook],
                   check=True, capture_output=True, env=env)
    # At boot multi-user.target pulls netns-boot.service (enabled by netns_chain) in with the
    # units; the target does the same here.
    write_target('bench-ours.target', ['netns-boot.service'] + ['netns-veth@%s.service' % n for n in names])


def timed_start(target, units, names):
    """Start ``target``, return seconds until it (and so every unit it wants) is active, and
    how many namespaces the boot batch marked as done."""
    box('cat > /tmp/units', stdin='\n'.join(units) + '\n')
    out = box('t0=$(date +%%s%%N); systemctl start %s; t1=$(date +%%s%%N); echo $(( (t1 - t0) / 1000 ))\n'
              'ls /run/netns | wc -l\n'
              # is-active answers a line per unit (list-units with a pattern came back empty at N=1000).
              'xargs -a /tmp/units systemctl is-active | grep -c "^active$" || true\n'
              'ls /run/netns-systemd/booted 2>/dev/null | wc -l\n' % target)
    micros, found, active, marked = (int(x) for x in out.split())
    if active != len(units) or found != len(names):
        raise SystemExit('%s: %d of %d units active, %d names in /run/netns' % (target, active, len(units), found))
    # Every namespace has both its addresses, whichever way it came up.
    check = ''.join('ip -n %s -br addr show dev ve-%s1 | grep -qwF %s && ip -br addr show dev ve-%s0 | grep -qwF %s || echo %s\n'
                    % (n, n, addresses(i)[1], n, addresses(i)[0], n) for i, n in enumerate(names))
    wrong = box('sh', stdin=check).split()   # on stdin: too long for an argument at N=1000
    if wrong:
        raise SystemExit('%s: %d namespaces without their addresses, e.g. %s' % (target, len(wrong), wrong[0]))
    return micros / 1e6, marked


def stop_all(target, units_globs):
    box('systemctl stop %s %s\n'
        'for i in $(seq 100); do [ -z "$(ls /run/netns)" ] && break; sleep 0.1; done\n'
        '[ -z "$(ls /run/netns)" ]\n' % (target, ' '.join('"%s"' % g for g in units_globs)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=2, help='rounds; the best of each is kept (default 2)')
    parser.add_argument('--image', default='localhost/netns-bookworm:latest')
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root: it starts a privileged container')
    base_names = ['b%d' % i for i in range(args.count)]
    our_names = ['o%d' % i for i in range(args.count)]
    BOX.boot(args.image)
    work = tempfile.mkdtemp(prefix='netns-bench-boot-')
    try:
        install_baseline(base_names)
        install_ours(our_names, work)
        box('systemctl daemon-reload')
        results = {'baseline': [], 'ours': []}
        marked = []
        for _round in range(args.repeat):
            results['baseline'].append(timed_start('bench-base.target', ['base-veth@%s.service' % n for n in base_names], base_names)[0])
            stop_all('bench-base.target', ['base-veth@*', 'base_name@*'])
            seconds, count = timed_start('bench-ours.target', ['netns-veth@%s.service' % n for n in our_names], our_names)
            results['ours'].append(seconds)
            marked.append(count)
            stop_all('bench-ours.target', ['netns-veth@*', 'netns_name@*', 'netns-boot.service'])
        systemd = box('systemctl --version | head -n 1').strip()
    finally:
        BOX.remove()
        subprocess.run(['rm', '-rf', work], check=False)
    base, ours = min(results['baseline']), min(results['ours'])
    print('%s in %s, N = %d namespaces (a veth to the host and an address per end), best of %d'
          % (systemd, args.image, args.count, args.repeat))
    print('%-52s %10s %12s' % ('started from one target, until all active', 'total s', 'ms/netns'))
    print('%-52s %10.2f %12.2f' % ('baseline: hand-written-style units (1 ip per line)', base, base * 1000 / args.count))
    print('%-52s %10.2f %12.2f' % ('ours: netns-boot + netns_name@ + netns-veth@', ours, ours * 1000 / args.count))
    print('namespaces the boot batch finished (their units started no process), per round: %s of %d'
          % (marked, args.count))
    print('rounds s: baseline=%s ours=%s' % (['%.2f' % x for x in results['baseline']], ['%.2f' % x for x in results['ours']]))
    print('ratio ours / baseline = %.2f (aim: 0.15 or less at N = 200; ours in 3.0 s or less at N = 1000)' % (ours / base))


if __name__ == '__main__':
    main()
