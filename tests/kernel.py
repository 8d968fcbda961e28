"""Reading the kernel for the tests through iproute2, independently of the code under test."""

import json
import os
import shutil
import subprocess
import sys
import time

ADVERTISE_ROUTER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'molecule', '_shared', 'files',
                                'advertise_router.py')


def in_sandbox():
    """Whether this runs in a network namespace that scripts/sandbox.sh made."""
    outer = os.environ.get('NETNS_SANDBOX_OUTER')
    return bool(outer) and str(os.stat('/proc/self/ns/net').st_ino) != outer


def ip(netns, *args, check=True):
    cmd = ['ip'] + (['-n', netns] if netns else []) + list(args)
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError('%s failed (%d): %s' % (' '.join(cmd), proc.returncode, proc.stderr.strip()))
    return proc


def run(argv):
    """(rc, stdout, stderr) of a command, as AnsibleModule.run_command gives them."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def pings(netns, address, seconds=2):
    """Whether ``address`` answers one ping from ``netns`` within ``seconds``."""
    return subprocess.run(['ip', 'netns', 'exec', netns, 'ping', '-c', '1', '-W', str(seconds), address],
                          capture_output=True, check=False).returncode == 0


def veth_to(netns, outside, inside, outside_address, inside_address):
    """A veth from the host (``outside``) into ``netns`` (``inside``), both ends addressed and up."""
    ip(None, 'link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', netns)
    ip(None, 'addr', 'add', outside_address, 'dev', outside)
    ip(None, 'link', 'set', outside, 'up')
    ip(netns, 'addr', 'add', inside_address, 'dev', inside)
    ip(netns, 'link', 'set', inside, 'up')


def settled_ipv6(netns, ifname, seconds=10):
    """Wait until ``ifname`` in ``netns`` (None: here) has a link-local address and no address
    still in duplicate address detection (tentative), so that it can send and be answered."""
    deadline = time.monotonic() + seconds
    while True:
        infos = [a for link in ip_json(netns, '-6', 'addr', 'show', 'dev', ifname) for a in link.get('addr_info', ())]
        if any(a['local'].startswith('fe80:') for a in infos) and not any(a.get('tentative') for a in infos):
            return
        if time.monotonic() >= deadline:
            raise AssertionError('%s in %s: IPv6 addresses not settled: %s' % (ifname, netns, infos))
        time.sleep(0.05)


def advertise_router(netns, ifname, prefix='2001:db8:ffff::', lifetime=1800):
    """Send one IPv6 router advertisement from ``ifname`` in ``netns`` to all nodes on its link
    (molecule/_shared/files/advertise_router.py, which the molecule lab's router runs too)."""
    subprocess.run(['ip', 'netns', 'exec', netns, sys.executable, ADVERTISE_ROUTER, ifname, prefix, str(lifetime)], check=True)


def ip_json(netns, *args):
    return json.loads(ip(netns, '-j', *args).stdout or '[]')


def netns_names():
    return sorted(os.listdir('/run/netns'))


def link(netns, name):
    """The link ``name`` in ``netns`` as ``ip -j -d link`` shows it, or None."""
    result = ip(netns, '-j', '-d', 'link', 'show', 'dev', name, check=False)
    return json.loads(result.stdout)[0] if result.returncode == 0 else None


def addresses(netns, name, keep_link_local=False):
    found = set()
    for entry in ip_json(netns, 'addr', 'show', 'dev', name):
        for a in entry.get('addr_info', []):
            if keep_link_local or not (a['family'] == 'inet6' and a['local'].startswith('fe80:')):
                found.add('%s/%s' % (a['local'], a['prefixlen']))
    return found


def static_routes(netns, name):
    found = set()
    for family in ('-4', '-6'):
        for r in ip_json(netns, family, 'route', 'show', 'dev', name, 'proto', 'static'):
            found.add((r['dst'], r.get('gateway')))
    return found


def _steady_flags(flags):
    # Carrier bits follow the other end asynchronously; the rest is what a module sets.
    return sorted(f for f in flags if f not in ('LOWER_UP', 'NO-CARRIER', 'M-DOWN'))


def _steady_info(linkinfo):
    # A bridge's info has running timers; what the modules set (macvlan mode) stays.
    return None if linkinfo.get('info_kind') == 'bridge' else linkinfo.get('info_data')


def _not_link_local(prefix):
    return not prefix.startswith(('fe80', 'ff00'))


def state():
    """Everything a test could change, in a form that does not move by itself: names in
    /run/netns, and each namespace's links, addresses and routes (host included).
    IPv6 link-local addresses and routes are left out: the kernel adds them on its own time."""
    snapshot = {'names': netns_names()}
    for netns in [None] + snapshot['names']:
        links = [(e['ifname'], e.get('linkinfo', {}).get('info_kind'), _steady_info(e.get('linkinfo', {})),
                  e['mtu'], e.get('address'), _steady_flags(e['flags']), e.get('link_netnsid'), e.get('link_index'))
                 for e in ip_json(netns, '-d', 'link', 'show')]
        addrs = sorted((e['ifname'], a['local'], a['prefixlen'])
                       for e in ip_json(netns, 'addr', 'show') for a in e.get('addr_info', []) if _not_link_local(a['local']))
        routes = sorted(json.dumps(r, sort_keys=True) for family in ('-4', '-6')
                        for r in ip_json(netns, family, 'route', 'show', 'table', 'all') if _not_link_local(r['dst']))
        snapshot[netns or '(host)'] = {'links': links, 'addresses': addrs, 'routes': routes}
    return snapshot


def netns_mounts(name):
    """How many mounts /run/netns/NAME has in this mount namespace."""
    path = '/run/netns/' + name
    with open('/proc/self/mountinfo') as f:
        return sum(1 for line in f if line.split()[4] == path)


def wipe():
    """Delete every name, link and file a test may have made. Only ever in a sandbox: in the
    machine's own namespace this would take its links down."""
    if not in_sandbox():
        raise RuntimeError("kernel.wipe() refuses to run outside scripts/sandbox.sh: it would delete the machine's own links")
    for name in netns_names():
        ip(None, 'netns', 'delete', name, check=False)
        path = os.path.join('/run/netns', name)
        if os.path.lexists(path):
            os.unlink(path)
    # A deleted namespace takes the host ends of its veths with it a little later (the kernel
    # cleans namespaces up in the background): wait until they are gone, so that the next test
    # finds only lo (and its fixed indexes free).
    deadline = time.time() + 30
    while True:
        links = [entry['ifname'] for entry in ip_json(None, 'link', 'show') if entry['ifname'] != 'lo']
        if not links or time.time() > deadline:
            break
        for name in links:
            ip(None, 'link', 'delete', name, check=False)
        time.sleep(0.05)
    # The sandbox's own ruleset and forwarding (host egress and port forward tests).
    if shutil.which('nft'):
        subprocess.run(['nft', 'flush', 'ruleset'], check=False)
    for path in ('/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding'):
        with open(path, 'w') as f:
            f.write('0\n')
    # The sandbox's own tmpfs /etc/netns and the collection's directories (in_sandbox()
    # guards every caller).
    # The network managers' directories are the sandbox's tmpfs where they exist: the
    # collection's files there, and nothing else, go.
    for directory in ('/etc/systemd/network', '/etc/NetworkManager/conf.d'):
        if os.path.ismount(directory):
            for name in os.listdir(directory):
                if name.startswith(('05-netns-systemd-', '90-netns-systemd-')):
                    os.unlink(os.path.join(directory, name))
    for directory in ('/etc/netns', '/etc/netns-systemd', '/run/netns-systemd'):
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
