# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: reading N namespaces, netns_info against an ``ip`` loop.

Run it only through the sandbox (it deletes every namespace and host link but lo there):

    scripts/sandbox.sh /var/cache/netns-systemd/venv/bin/python benchmarks/bench_info.py --count 200

It builds bench_links.py's lab (namespace ``bench<i>``, a veth with a /30 to the host each),
then times, best of ``--repeat`` rounds:

  (a) the baseline: ``ip -all netns exec ip -j addr`` (one ``ip`` process per namespace);
  (b) the same with links and routes: ``ip -all netns exec sh -c 'ip -j -d addr; ip -j route'``;
  (c) gather_info in this process: links (with addresses), routes and processes of every
      namespace, with pyroute2 already imported;
  (d) the netns_info module as Ansible runs it: a new Python process, its imports, the
      JSON out (gather links, routes, pids).

It checks that (c) found every namespace with its address, and prints each time and its ratio
to (a), measured in the same run.
"""

from __future__ import print_function

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_links  # noqa: E402  (its sandbox guard, lab and clean-up)


def best(seconds_of, repeat):
    return min(seconds_of() for _round in range(repeat))


def timed(argv):
    def once():
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start
    return once


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args(argv)
    problem = bench_links.sandbox_problem()
    if problem:
        sys.stderr.write('bench_info: refusing to run: %s (use scripts/sandbox.sh)\n' % problem)
        return 2
    top = bench_links.make_collection_importable()
    work = tempfile.mkdtemp(prefix='netns-bench-info-')
    try:
        bench_links.wipe()
        host_file, inside = bench_links.write_batches(args.count, work)
        bench_links.run_iproute2(host_file, inside)
        bench_links.settle()
        from ansible_collections.netns.systemd.plugins.module_utils._info import gather_info
        from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles

        def run(argv_):
            proc = subprocess.run(argv_, capture_output=True, text=True, check=False)
            return proc.returncode, proc.stdout, proc.stderr

        def in_process():
            start = time.perf_counter()
            with NamespaceHandles() as handles:
                found = gather_info(handles, run, None, what=('links', 'routes', 'pids'))
            elapsed = time.perf_counter() - start
            got = sorted(found['namespaces'])
            if len(got) != args.count:
                raise bench_links.BenchError('gather_info found %d namespaces, not %d' % (len(got), args.count))
            for i in (0, args.count - 1):
                name = bench_links.netns_name(i)
                want = bench_links.addresses(i)[1]
                if want not in [a for l in found['namespaces'][name]['links'] for a in l['addresses']]:
                    raise bench_links.BenchError('%s lacks %s' % (name, want))
            return elapsed

        args_file = os.path.join(work, 'args.json')
        with open(args_file, 'w') as f:
            json.dump({'ANSIBLE_MODULE_ARGS': {'gather': ['links', 'routes', 'pids']}}, f)
        env = dict(os.environ, PYTHONPATH=top)

        def module():
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, '-m', 'ansible_collections.netns.systemd.plugins.modules.netns_info', args_file],
                                  env=env, capture_output=True, text=True, check=True)
            elapsed = time.perf_counter() - start
            if len(json.loads(proc.stdout)['namespaces']) != args.count:
                raise bench_links.BenchError('the module did not report every namespace')
            return elapsed

        results = [
            ('(a) ip -all netns exec ip -j addr', best(timed(['ip', '-all', 'netns', 'exec', 'ip', '-j', 'addr']), args.repeat)),
            ('(b) ip -all netns exec: addr -d and route',
             best(timed(['ip', '-all', 'netns', 'exec', 'sh', '-c', 'ip -j -d addr; ip -j route']), args.repeat)),
            ('(c) gather_info (links, routes, pids), in process', best(in_process, args.repeat)),
        ]
        # The module needs ansible-core; Debian's python3 here has only pyroute2.
        if importlib.util.find_spec('ansible') is not None:
            results.append(('(d) netns_info module, a new process', best(module, args.repeat)))
        else:
            print('(d) skipped: this Python has no ansible-core')
        baseline = results[0][1]
        print('N = %d namespaces, best of %d' % (args.count, args.repeat))
        for label, seconds in results:
            print('  %-52s %7.3f s  %5.2f x (a)' % (label, seconds, seconds / baseline))
        return 0
    except bench_links.BenchError as exc:
        sys.stderr.write('bench_info: %s\n' % exc)
        return 1
    finally:
        bench_links.wipe()
        bench_links.remove_collection_dir(top)
        subprocess.run(['rm', '-rf', work], check=False)


if __name__ == '__main__':
    sys.exit(main())
