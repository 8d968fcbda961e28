# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: N namespaces with a veth to the host each, by iproute2 and by converge_links.

Run it only through the sandbox, which gives it a private network and mount namespace
with its own /run/netns (it deletes every namespace and every host link but lo there):

    scripts/sandbox.sh /tmp/venvtest/bin/python benchmarks/bench_links.py --count 200

Namespace ``bench<i>`` gets a veth ``bh<i>`` (host) <-> ``bn<i>`` (in the namespace) and
a /30 of its own: 10.0.0.0 + 4*i, .1 on the host end, .2 on the namespace end.

  (a) iproute2: one ``ip -batch`` on the host (netns add, link add ... peer ... netns,
      addr add, link set up for all N), then one ``ip -n bench<i> -batch`` per namespace
      (lo up, address, link up); wall clock including every process spawn.
  (b) converge_links(specs, check_mode=False), all N specs in one call, create_netns
      true; pyroute2 is imported (and one socket opened and closed) before the clock
      starts, the call's own sockets are opened inside the timed call.
  (c) the same call again with nothing to change (must report changed False).

The kernel state after (a) and after (b) is read back with ``ip -d -j [-n NS] addr`` and
compared: same links on the same names, same kind, up, same addresses (IPv6 link-local
ignored), each veth's peer the right interface. PASS when (b) <= 3 x (a) and (c) < (a).
"""

from __future__ import print_function

import argparse
import cProfile
import errno
import io
import ipaddress
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_DIR = '/run/netns'
NETNS_PREFIX = 'bench'
HOST_PREFIX = 'bh'
PEER_PREFIX = 'bn'
BASE_ADDRESS = int(ipaddress.IPv4Address('10.0.0.0'))
MAX_COUNT = (1 << 24) // 4  # every /30 inside 10.0.0.0/8
B_OVER_A_LIMIT = 3.0
C_OVER_A_LIMIT = 1.0
# Per-link option names of netns.systemd.netns_veth (_module.VETH_ITEM). Kept here so that
# the benchmark does not import ansible; specs_from_params only uses them to refuse
# per-link options mixed with ``links``.
VETH_ITEM_KEYS = ('name', 'peer', 'mtu', 'netns', 'addresses', 'mac', 'routes',
                  'peer_netns', 'peer_addresses', 'peer_mac', 'peer_routes')


def log(msg):
    sys.stderr.write('%s\n' % msg)
    sys.stderr.flush()


class BenchError(Exception):
    """The benchmark cannot go on (not in a sandbox, a command failed, state is wrong)."""


# ---------------------------------------------------------------- the collection, importable

def make_collection_importable():
    """A temp dir with ansible_collections/netns/systemd -> the work tree, on sys.path."""
    top = tempfile.mkdtemp(prefix='netns-bench-collections-')
    os.makedirs(os.path.join(top, 'ansible_collections', 'netns'))
    os.symlink(ROOT, os.path.join(top, 'ansible_collections', 'netns', 'systemd'))
    sys.path.insert(0, top)
    return top


def remove_collection_dir(top):
    link = os.path.join(top, 'ansible_collections', 'netns', 'systemd')
    if os.path.islink(link):
        os.unlink(link)  # never follow it into the work tree
    shutil.rmtree(top, ignore_errors=True)


# ---------------------------------------------------------------- the sandbox guard

def _netns_inode(pid):
    try:
        return os.stat('/proc/%s/ns/net' % pid).st_ino
    except OSError:
        return None  # gone, or not ours to look at (no CAP_SYS_PTRACE over it)


def _parent_pid(pid):
    try:
        with open('/proc/%s/status' % pid) as handle:
            for line in handle:
                if line.startswith('PPid:'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _top_mount(path):
    """The file system type of what is mounted last on ``path``, or None."""
    found = None
    with open('/proc/self/mountinfo') as handle:
        for line in handle:
            fields = line.split()
            if len(fields) < 10 or fields[4] != path:
                continue
            found = fields[fields.index('-') + 1]
    return found


def sandbox_problem():
    """None when this runs in a private network namespace with a private tmpfs /run/netns."""
    own = _netns_inode('self')
    if own is None:
        return 'cannot read /proc/self/ns/net'
    pid1 = _netns_inode(1)
    if pid1 is not None and pid1 == own:
        return ('this is the machine\'s own network namespace (/proc/1/ns/net has the same inode as '
                '/proc/self/ns/net)')
    if pid1 is None:
        # /proc/1/ns/net is not readable here (no CAP_SYS_PTRACE over PID 1). Then an
        # ancestor (the shell that started scripts/sandbox.sh) must be in another one.
        pid, ancestors = _parent_pid('self'), []
        while pid > 1:
            ancestors.append(_netns_inode(pid))
            pid = _parent_pid(pid)
        if not any(ino is not None and ino != own for ino in ancestors):
            return ('cannot tell this from the machine\'s own network namespace: /proc/1/ns/net is '
                    'not readable and no parent process is in another network namespace')
    if _top_mount(RUN_DIR) != 'tmpfs':
        return '%s is not a tmpfs of its own (scripts/sandbox.sh mounts one)' % RUN_DIR
    return None


# ---------------------------------------------------------------- iproute2 helpers

def run(argv, stdin_text=None):
    proc = subprocess.run(argv, input=stdin_text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise BenchError('%s failed (exit %d): %s' % (' '.join(argv), proc.returncode, proc.stderr.strip()))
    return proc.stdout


def ip_json(*args):
    return json.loads(run(['ip', '-d', '-j'] + list(args)) or '[]')


def ip_batch(lines, netns=None, force=False):
    argv = ['ip'] + (['-force'] if force else []) + (['-n', netns] if netns else []) + ['-batch', '-']
    proc = subprocess.run(argv, input='\n'.join(lines) + '\n', stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0 and not force:
        raise BenchError('%s failed: %s' % (' '.join(argv), proc.stderr.strip()))


def iproute2_version():
    try:
        return run(['ip', '-V']).strip()
    except (BenchError, OSError):
        return 'unknown'


# ---------------------------------------------------------------- names and addresses

def netns_name(i):
    return '%s%d' % (NETNS_PREFIX, i)


def host_ifname(i):
    return '%s%d' % (HOST_PREFIX, i)


def peer_ifname(i):
    return '%s%d' % (PEER_PREFIX, i)


def addresses(i):
    """(host end, namespace end) of the /30 of namespace i."""
    base = BASE_ADDRESS + 4 * i
    return ('%s/30' % ipaddress.IPv4Address(base + 1), '%s/30' % ipaddress.IPv4Address(base + 2))


# ---------------------------------------------------------------- clean slate

def host_links():
    return [link['ifname'] for link in ip_json('link', 'show')]


def _cpu_times():
    with open('/proc/stat') as handle:
        values = [int(v) for v in handle.readline().split()[1:8]]  # user .. softirq
    return sum(values), values[3] + values[4]


def cpu_busy(seconds):
    """The fraction of all CPUs busy over the next ``seconds``."""
    total, idle = _cpu_times()
    time.sleep(seconds)
    total2, idle2 = _cpu_times()
    return 1.0 - float(idle2 - idle) / max(1, total2 - total)


BASELINE_BUSY = [0.0]


def settle(timeout=20.0):
    """Wait until the CPUs are about as busy as before the benchmark started.

    Namespace teardown runs later in kernel workers; it should not run into the next
    measurement. The bar is the load measured at start (other work on the machine) + 10%.
    """
    limit = max(0.15, BASELINE_BUSY[0] + 0.10)
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if cpu_busy(0.2) < limit else 0
        if quiet >= 3:
            return True
    return False


def wipe(timeout=60.0):
    """Delete every namespace name in /run/netns and every host link but lo; wait for it."""
    links = [name for name in host_links() if name != 'lo']
    if links:
        ip_batch(['link delete dev %s' % name for name in links], force=True)
    names = os.listdir(RUN_DIR)
    if names:
        ip_batch(['netns delete %s' % name for name in names], force=True)
    for name in os.listdir(RUN_DIR):
        try:
            os.unlink(os.path.join(RUN_DIR, name))
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise BenchError('cannot remove %s/%s: %s' % (RUN_DIR, name, exc))
    deadline = time.monotonic() + timeout
    while True:
        left = [name for name in host_links() if name != 'lo']
        if not left and not os.listdir(RUN_DIR):
            break
        if time.monotonic() > deadline:
            raise BenchError('after %.0f s the host still has %s' % (timeout, ', '.join(left[:10]) or 'namespaces'))
        time.sleep(0.05)
    if not settle():
        log('  note: the CPUs did not go quiet after the wipe (load at start %.0f%%); timings may be noisy'
            % (BASELINE_BUSY[0] * 100))


# ---------------------------------------------------------------- (a) iproute2

def write_batches(count, directory):
    host = [('netns add %s' % netns_name(i)) for i in range(count)]
    for i in range(count):
        host_addr = addresses(i)[0]
        host.append('link add %s type veth peer name %s netns %s' % (host_ifname(i), peer_ifname(i), netns_name(i)))
        host.append('addr add %s dev %s' % (host_addr, host_ifname(i)))
        host.append('link set %s up' % host_ifname(i))
    host_file = os.path.join(directory, 'host.batch')
    with open(host_file, 'w') as handle:
        handle.write('\n'.join(host) + '\n')
    inside = []
    for i in range(count):
        path = os.path.join(directory, '%s.batch' % netns_name(i))
        with open(path, 'w') as handle:
            handle.write('link set lo up\naddr add %s dev %s\nlink set %s up\n'
                         % (addresses(i)[1], peer_ifname(i), peer_ifname(i)))
        inside.append((netns_name(i), path))
    return host_file, inside


def run_iproute2(host_file, inside):
    start = time.perf_counter()
    run(['ip', '-batch', host_file])
    for name, path in inside:
        run(['ip', '-n', name, '-batch', path])
    return time.perf_counter() - start


# ---------------------------------------------------------------- (b), (c) the collection

def build_specs(model_mod, count):
    params = {
        'links': [{'name': host_ifname(i), 'peer': peer_ifname(i), 'peer_netns': netns_name(i),
                   'addresses': [addresses(i)[0]], 'peer_addresses': [addresses(i)[1]]}
                  for i in range(count)],
        'state': 'present', 'recreate': False, 'create_netns': True,
    }
    for key in VETH_ITEM_KEYS:
        params.setdefault(key, None)
    return model_mod.specs_from_params('veth', params, VETH_ITEM_KEYS)


def run_core(converge_mod, specs, profiler=None):
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        result = converge_mod.converge_links(specs, check_mode=False)
    except Exception as exc:  # pylint: disable=broad-except
        text = str(exc)
        raise BenchError('converge_links raised %s: %s' % (type(exc).__name__, text if len(text) < 600 else text[:600] + ' ...'))
    finally:
        if profiler is not None:
            profiler.disable()
    return time.perf_counter() - start, result


# ---------------------------------------------------------------- reading the state back

def _view(item):
    flags = set(item.get('flags') or ())
    addrs = sorted('%s/%s' % (a['local'], a['prefixlen']) for a in item.get('addr_info') or ()
                   if not (a.get('family') == 'inet6' and a.get('scope') == 'link'))
    return {'ifindex': item['ifindex'], 'link_index': item.get('link_index'),
            'kind': (item.get('linkinfo') or {}).get('info_kind'),
            'up': 'UP' in flags, 'lower_up': 'LOWER_UP' in flags, 'addresses': addrs}


def sample_indexes(count, sample):
    if sample <= 0 or sample >= count:
        return list(range(count))
    if sample == 1:
        return [0]
    return sorted(set(int(round(k * (count - 1) / float(sample - 1))) for k in range(sample)))


def read_state(indexes):
    host = dict((item['ifname'], _view(item)) for item in ip_json('addr', 'show'))
    netns = {}
    for i in indexes:
        name = netns_name(i)
        netns[name] = dict((item['ifname'], _view(item)) for item in ip_json('-n', name, 'addr', 'show'))
    return {'names': sorted(os.listdir(RUN_DIR)), 'host': host, 'netns': netns}


def canonical(state):
    """The state without interface indexes: each veth's peer named as netns:ifname."""
    by_index_host = dict((v['ifindex'], name) for name, v in state['host'].items())
    out = {'names': state['names'], 'host': {}, 'netns': {}}
    for name, view in state['host'].items():
        peer = None
        if view['link_index'] is not None and name.startswith(HOST_PREFIX) and name[len(HOST_PREFIX):].isdigit():
            ns = NETNS_PREFIX + name[len(HOST_PREFIX):]
            if ns in state['netns']:
                inside = dict((v['ifindex'], n) for n, v in state['netns'][ns].items())
                peer = '%s:%s' % (ns, inside.get(view['link_index'], '?'))
        out['host'][name] = (view['kind'], view['up'], view['lower_up'], tuple(view['addresses']), peer)
    for ns, links in state['netns'].items():
        out['netns'][ns] = {}
        for name, view in links.items():
            peer = None
            if view['link_index'] is not None:
                peer = 'host:%s' % by_index_host.get(view['link_index'], '?')
            out['netns'][ns][name] = (view['kind'], view['up'], view['lower_up'], tuple(view['addresses']), peer)
    return out


def expected_problems(canon, count, indexes):
    """What is not as N namespaces with one addressed, up veth each to the host."""
    problems = []
    want_names = sorted(netns_name(i) for i in range(count))
    if canon['names'] != want_names:
        problems.append('%d namespaces in %s, want %d (bench0..bench%d)'
                        % (len(canon['names']), RUN_DIR, count, count - 1))
    want_host = set(host_ifname(i) for i in range(count)) | {'lo'}
    have_host = set(canon['host'])
    if have_host != want_host:
        problems.append('host links: %d, want %d (lo + %d veths); extra %s, missing %s'
                        % (len(have_host), len(want_host), count, sorted(have_host - want_host)[:5],
                           sorted(want_host - have_host)[:5]))
    veths = sum(1 for v in canon['host'].values() if v[0] == 'veth')
    if veths != count:
        problems.append('%d veths on the host, want %d' % (veths, count))
    sampled = set(indexes)
    for i in range(count):
        host_addr, peer_addr = addresses(i)
        got = canon['host'].get(host_ifname(i))
        if got is not None:
            kind, up, lower_up, addrs, peer = got
            want_peer = '%s:%s' % (netns_name(i), peer_ifname(i)) if i in sampled else None
            if (kind, up, lower_up, addrs, peer) != ('veth', True, True, (host_addr,), want_peer):
                problems.append('host:%s is %r' % (host_ifname(i), got))
        if i not in sampled:
            continue
        inside = canon['netns'].get(netns_name(i), {})
        if set(inside) != {'lo', peer_ifname(i)}:
            problems.append('%s has links %s, want lo and %s' % (netns_name(i), sorted(inside), peer_ifname(i)))
        lo = inside.get('lo')
        if lo is not None and (not lo[1] or '127.0.0.1/8' not in lo[3]):
            problems.append('%s:lo is %r, want up with 127.0.0.1/8' % (netns_name(i), lo))
        end = inside.get(peer_ifname(i))
        if end is not None and end != ('veth', True, True, (peer_addr,), 'host:%s' % host_ifname(i)):
            problems.append('%s:%s is %r' % (netns_name(i), peer_ifname(i), end))
    return problems


def differences(one, two):
    diffs = []
    if one['names'] != two['names']:
        diffs.append('namespace names differ')
    for name in sorted(set(one['host']) | set(two['host'])):
        if one['host'].get(name) != two['host'].get(name):
            diffs.append('host:%s %r vs %r' % (name, one['host'].get(name), two['host'].get(name)))
    for ns in sorted(set(one['netns']) | set(two['netns'])):
        a, b = one['netns'].get(ns, {}), two['netns'].get(ns, {})
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                diffs.append('%s:%s %r vs %r' % (ns, name, a.get(name), b.get(name)))
    return diffs


def verify(label, count, indexes):
    canon = canonical(read_state(indexes))
    problems = expected_problems(canon, count, indexes)
    if problems:
        raise BenchError('state after %s is wrong (%d problems): %s' % (label, len(problems), '; '.join(problems[:8])))
    return canon


# ---------------------------------------------------------------- profile

def print_profile(profiler, title, limit):
    for order in ('tottime', 'cumulative'):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(limit)
        log('\n==== profile of %s, by %s ====' % (title, order))
        log(out.getvalue())


def profile_round(model_mod, converge_mod, rtnl_mod, count, limit, out_prefix):
    """An extra, untimed round of (b) and (c) under cProfile; also counts the fds used."""
    peak = {'fds': 0}
    original_close = rtnl_mod.NamespaceHandles.close

    def counting_close(self):
        peak['fds'] = max(peak['fds'], len(os.listdir('/proc/self/fd')))
        return original_close(self)
    wipe()
    specs = build_specs(model_mod, count)
    before = len(os.listdir('/proc/self/fd'))
    rtnl_mod.NamespaceHandles.close = counting_close
    try:
        for label, want_changed in (('(b) converge_links create', True), ('(c) converge_links no change', False)):
            profiler = cProfile.Profile()
            seconds, result = run_core(converge_mod, specs, profiler)
            if result['changed'] != want_changed:
                raise BenchError('%s under the profiler: changed is %r' % (label, result['changed']))
            print_profile(profiler, '%s, N=%d (%.0f ms with the profiler on)' % (label, count, seconds * 1000), limit)
            if out_prefix:
                path = '%s-%s.prof' % (out_prefix, label[1])
                profiler.dump_stats(path)
                log('saved %s' % path)
    finally:
        rtnl_mod.NamespaceHandles.close = original_close
    log('open fds: %d before the call, %d at the peak inside converge_links (%.1f per namespace)'
        % (before, peak['fds'], float(peak['fds'] - before) / count))


# ---------------------------------------------------------------- report

def report_table(info):
    best, per, ratios = info['best_ms'], info['ms_per_netns'], info['ratios']
    rows = [
        ('(a) iproute2: ip -batch + %d x ip -n -batch' % info['count'], 'a'),
        ('(b) converge_links, creates all (1 call)', 'b'),
        ('(c) converge_links, nothing to change', 'c'),
    ]
    lines = [
        'pyroute2 %s | python %s (%s) | %s | kernel %s'
        % (info['pyroute2'], info['python'], info['executable'], info['iproute2'], info['kernel']),
        'N = %d namespaces, each a veth to the host and a /30; best of %d run%s'
        % (info['count'], info['repeat'], '' if info['repeat'] == 1 else 's'),
        '',
        '%-46s %11s %11s %8s' % ('step', 'total ms', 'ms/netns', 'x (a)'),
        '-' * 79,
    ]
    for title, key in rows:
        lines.append('%-46s %11.1f %11.3f %8.2f' % (title, best[key], per[key], best[key] / best['a']))
    lines.append('-' * 79)
    lines.append('runs ms: a=%s b=%s c=%s' % tuple(
        '[' + ', '.join('%.0f' % v for v in info['runs_ms'][k]) + ']' for k in ('a', 'b', 'c')))
    lines.append('spec build (specs_from_params, not in (b)): %.1f ms; pyroute2 warm-up (not in (b)): %.1f ms'
                 % (info['spec_build_ms'], info['warmup_ms']))
    lines.append('open-file limit (RLIMIT_NOFILE soft): %d; (b) holds 2 fds per namespace (its nsfs fd and a netlink socket)'
                 % info['nofile_soft'])
    lines.append('state after (a) == state after (b): %s (%d of %d namespaces read back, all host links)'
                 % ('yes' if info['equivalent'] else 'NO', info['verified_netns'], info['count']))
    lines.append('ratios: b/a = %.2f (limit %.1f), c/a = %.2f (limit < %.1f)'
                 % (ratios['b/a'], B_OVER_A_LIMIT, ratios['c/a'], C_OVER_A_LIMIT))
    for reason in info['fail_reasons']:
        lines.append('fail: %s' % reason)
    lines.append('PASS' if info['pass'] else 'FAIL')
    return '\n'.join(lines)


def pyroute2_version():
    try:
        from importlib.metadata import version
        return version('pyroute2')
    except Exception:  # pylint: disable=broad-except
        return 'unknown'


# ---------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--count', type=int, default=200, help='namespaces (default 200)')
    parser.add_argument('--repeat', type=int, default=1, help='rounds; the best of each step is kept (default 1)')
    parser.add_argument('--sample', type=int, default=0,
                        help='namespaces to read back and compare after (a) and (b); 0 = all (default)')
    parser.add_argument('--json', action='store_true', help='print one JSON object instead of the table')
    parser.add_argument('--profile', action='store_true',
                        help='after the timed rounds, run (b) and (c) once more under cProfile (stats to stderr)')
    parser.add_argument('--profile-limit', type=int, default=30, help='rows per profile listing (default 30)')
    parser.add_argument('--profile-out', metavar='PREFIX', help='also save PREFIX-b.prof and PREFIX-c.prof')
    args = parser.parse_args(argv)
    if not 1 <= args.count <= MAX_COUNT:
        parser.error('--count must be 1..%d' % MAX_COUNT)
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    return args


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    problem = sandbox_problem()
    if problem:
        log('bench_links.py: refusing to run: %s.\nRun it through the sandbox, for example:\n'
            '  scripts/sandbox.sh %s benchmarks/bench_links.py --count %d' % (problem, sys.executable, args.count))
        return 2
    stray = [name for name in host_links() if name != 'lo'] + os.listdir(RUN_DIR)
    if stray:
        log('bench_links.py: refusing to run: this sandbox is not fresh (%s); start a new scripts/sandbox.sh'
            % ', '.join(sorted(stray)[:10]))
        return 2
    signal.signal(signal.SIGTERM, _sigterm)
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if nofile != resource.RLIM_INFINITY and 2 * args.count + 64 > nofile:
        log('warning: converge_links keeps 2 fds per namespace open (a netlink socket and the nsfs fd); '
            'ulimit -n is %d, so --count %d may fail with EMFILE' % (nofile, args.count))
    BASELINE_BUSY[0] = cpu_busy(1.0)

    sys.dont_write_bytecode = True  # no __pycache__ in the work tree through the symlink
    collections_dir = make_collection_importable()
    work = tempfile.mkdtemp(prefix='netns-bench-')
    try:
        # Imported before any clock starts: pyroute2's import is not what is measured.
        from ansible_collections.netns.systemd.plugins.module_utils import _converge as converge_mod
        from ansible_collections.netns.systemd.plugins.module_utils import _model as model_mod
        from ansible_collections.netns.systemd.plugins.module_utils import _rtnl as rtnl_mod
        if not rtnl_mod.HAS_PYROUTE2:
            raise BenchError('pyroute2 is not importable by %s:\n%s' % (sys.executable, rtnl_mod.PYROUTE2_IMPORT_ERROR))
        # One host socket opened, used and closed, so that modules pyroute2 loads lazily
        # on first use are loaded too; every socket of (b) and (c) is opened in the call.
        start = time.perf_counter()
        warm = rtnl_mod.IPRoute()
        try:
            warm.get_links()
        finally:
            warm.close()
        warmup_ms = (time.perf_counter() - start) * 1000

        count = args.count
        indexes = sample_indexes(count, args.sample)
        host_file, inside = write_batches(count, work)
        start = time.perf_counter()
        specs = build_specs(model_mod, count)
        spec_build_ms = (time.perf_counter() - start) * 1000

        runs = {'a': [], 'b': [], 'c': []}
        equivalent = True
        diffs = []
        for round_no in range(args.repeat):
            log('round %d/%d, N=%d' % (round_no + 1, args.repeat, count))
            wipe()
            log('  (a) iproute2 ...')
            runs['a'].append(run_iproute2(host_file, inside))
            log('      %.0f ms; reading the state back' % (runs['a'][-1] * 1000))
            state_a = verify('(a) iproute2', count, indexes)
            wipe()
            log('  (b) converge_links, creating ...')
            seconds, result = run_core(converge_mod, specs)
            runs['b'].append(seconds)
            if result['changed'] is not True:
                raise BenchError('(b) converge_links reported changed=%r on an empty host' % result['changed'])
            log('      %.0f ms, %d change lines; reading the state back' % (seconds * 1000, len(result['diff_lines'])))
            state_b = verify('(b) converge_links', count, indexes)
            round_diffs = differences(state_a, state_b)
            if round_diffs:
                equivalent = False
                diffs.extend(round_diffs)
            log('  (c) converge_links, again ...')
            seconds, result = run_core(converge_mod, specs)
            runs['c'].append(seconds)
            log('      %.0f ms' % (seconds * 1000))
            if result['changed'] is not False or result['diff_lines']:
                raise BenchError('(c) converge_links on a converged host reported changed=%r: %s'
                                 % (result['changed'], '; '.join(result['diff_lines'][:5])))
            left = host_links()
            if len(left) != count + 1 or len(os.listdir(RUN_DIR)) != count:
                raise BenchError('after (c): %d host links and %d namespaces, want %d and %d'
                                 % (len(left), len(os.listdir(RUN_DIR)), count + 1, count))

        if args.profile:
            profile_round(model_mod, converge_mod, rtnl_mod, count, args.profile_limit, args.profile_out)

        best = dict((k, min(v) * 1000) for k, v in runs.items())
        ratios = {'b/a': best['b'] / best['a'], 'c/a': best['c'] / best['a']}
        fail_reasons = []
        if ratios['b/a'] > B_OVER_A_LIMIT:
            fail_reasons.append('(b) takes %.2f x (a), more than %.1f x' % (ratios['b/a'], B_OVER_A_LIMIT))
        if ratios['c/a'] >= C_OVER_A_LIMIT:
            fail_reasons.append('(c) takes %.2f x (a), not less than (a)' % ratios['c/a'])
        if not equivalent:
            fail_reasons.append('state after (b) differs from (a): %s' % '; '.join(diffs[:5]))
        info = {
            'pyroute2': pyroute2_version(),
            'python': platform.python_version(),
            'executable': sys.executable,
            'iproute2': iproute2_version(),
            'kernel': platform.release(),
            'count': count,
            'repeat': args.repeat,
            'runs_ms': dict((k, [s * 1000 for s in v]) for k, v in runs.items()),
            'best_ms': best,
            'ms_per_netns': dict((k, v / count) for k, v in best.items()),
            'ratios': ratios,
            'spec_build_ms': spec_build_ms,
            'warmup_ms': warmup_ms,
            'verified_netns': len(indexes),
            'nofile_soft': resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            'equivalent': equivalent,
            'fail_reasons': fail_reasons,
            'pass': not fail_reasons,
        }
        if args.json:
            print(json.dumps(info, indent=2, sort_keys=True))
        else:
            print(report_table(info))
        return 0 if info['pass'] else 1
    except BenchError as exc:
        log('bench_links.py: %s' % exc)
        print('FAIL' if not args.json else json.dumps({'pass': False, 'error': str(exc)}))
        return 1
    finally:
        try:
            wipe()
        except Exception as exc:  # pylint: disable=broad-except
            log('bench_links.py: cleanup failed: %s' % exc)
        shutil.rmtree(work, ignore_errors=True)
        remove_collection_dir(collections_dir)


if __name__ == '__main__':
    sys.exit(main())
