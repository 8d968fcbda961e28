"""How the chain came up, and that a unit restarted later does its own work (testinfra).

Run by the default scenario (the playbook started netns-boot.service with the units) and the
reboot scenario (a fresh boot: multi-user.target started it). Either way it brought every
namespace and its veths up at once, and the workers of the creator and veth units were
skipped. Named to run after test_default.py: it restarts units.
"""

import json

NAMESPACES = ('blue', 'green', 'red')
WORKERS = ('netns_name-up@blue', 'netns_name-up@red', 'netns_name-up@green', 'netns-veth-up@blue')


def show(host, unit, prop):
    return host.check_output('systemctl show -p %s --value %s.service' % (prop, unit))


def marks(host):
    return sorted(host.check_output('ls /run/netns-systemd/booted 2>/dev/null || true').split())


def test_the_boot_batch_did_the_work_and_the_workers_were_skipped(host):
    assert show(host, 'netns-boot', 'UnitFileState') == 'enabled'
    # Active until shutdown: it runs once a boot, however often multi-user.target is started.
    assert show(host, 'netns-boot', 'ActiveState') == 'active'
    assert show(host, 'netns-boot', 'Result') == 'success'
    assert marks(host) == list(NAMESPACES)
    for worker in WORKERS:
        assert show(host, worker, 'ConditionResult') == 'no', worker
    assert 'left to its units' not in host.check_output('journalctl -b -u netns-boot.service --no-pager')
    # The units not in the batch ran their own lines.
    for unit in ('netns_name@blue', 'netns-veth@blue', 'netns-macvlan@green', 'netns-tag@green'):
        assert show(host, unit, 'ActiveState') == 'active', unit


def test_a_restarted_namespace_is_rebuilt_by_its_units(host):
    old = host.check_output('stat -L -c %i /run/netns/red')
    # systemctl waits for the job of the unit it names, not for those a restart pulls along:
    # the start of blue's veth unit merges with its pending restart and waits for it.
    host.check_output('systemctl restart netns_name@red.service && systemctl start netns-veth@blue.service')
    # A new namespace, no mark left for it, and the veth from blue (bound to red) made again.
    assert host.check_output('stat -L -c %i /run/netns/red') != old
    assert 'red' not in marks(host)
    assert show(host, 'netns_name-up@red', 'ConditionResult') == 'yes'
    assert show(host, 'netns-veth@blue', 'ActiveState') == 'active'
    addrs = json.loads(host.check_output('ip -j -n red addr show dev veth-r'))[0]['addr_info']
    assert '10.1.0.3' in [a['local'] for a in addrs]
    host.run_expect([0], 'ip netns exec red ping -c1 -W2 10.1.0.2')
