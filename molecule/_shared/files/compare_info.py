"""Compare what netns_info returned (JSON, first argument) with what ip -j says now, link for
link and address for address, in every named namespace and on the host; check that the
picture (second argument) names every namespace and link, and that the process of the
unit named third holds an unnamed namespace the result lists. Exits 1 naming each difference."""

import json
import os
import subprocess
import sys


def ip_links(netns):
    argv = ['ip', '-j', '-d'] + (['-n', netns] if netns else []) + ['addr', 'show']
    found = {}
    for link in json.loads(subprocess.check_output(argv) or '[]'):
        kind = (link.get('linkinfo') or {}).get('info_kind') or ('loopback' if link['ifname'] == 'lo' else 'device')
        mac = link.get('address') if link.get('address') != '00:00:00:00:00:00' else None
        found[link['ifname']] = [kind, link['mtu'], mac, sorted('%s/%s' % (a['local'], a['prefixlen']) for a in link.get('addr_info', ()))]
    return found


def info_links(links):
    return dict((link['ifname'], [link['kind'], link['mtu'], link['mac'], sorted(link['addresses'])]) for link in links)


def main(info_path, picture_path, holder_unit):
    with open(info_path) as f:
        info = json.load(f)
    with open(picture_path) as f:
        picture = f.read()
    problems = []
    names = sorted(os.listdir('/run/netns'))
    if sorted(info['namespaces']) != names:
        problems.append('namespaces: %s, ip netns: %s' % (sorted(info['namespaces']), names))
    for name in names:
        got, want = info_links(info['namespaces'].get(name, {}).get('links', [])), ip_links(name)
        if got != want:
            problems.append('netns %s: netns_info %s, ip %s' % (name, got, want))
        for ifname in want:
            if ifname != 'lo' and ifname not in picture:
                problems.append('the picture lacks %s of %s' % (ifname, name))
        if '"%s"' % name not in picture:
            problems.append('the picture lacks netns %s' % name)
    if info_links(info['host']['links']) != ip_links(None):
        problems.append('host: netns_info %s, ip %s' % (info_links(info['host']['links']), ip_links(None)))
    pid = int(subprocess.check_output(['systemctl', 'show', '-p', 'MainPID', '--value', holder_unit]).strip())
    inode = os.stat('/proc/%d/ns/net' % pid).st_ino
    held = [u for u in info['unnamed'] if u['inode'] == inode]
    if not held or pid not in [p['pid'] for p in held[0]['pids']]:
        problems.append('the namespace of %s (pid %d, inode %d) is not in unnamed: %s' % (holder_unit, pid, inode, info['unnamed']))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
