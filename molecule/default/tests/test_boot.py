"""How the chain came up at boot (testinfra).

Run by the default scenario (the playbook started netns-boot.service with the units) and the
reboot scenario (a fresh boot: multi-user.target started it). Either way it brought every
namespace and its veths up at once, and the workers of the creator and veth units were
skipped. Read-only, like every verifier test of these scenarios: what changes the host is in
the hostile scenario.
"""

NAMESPACES = ('blue', 'green', 'hub', 'red', 'vpn', 'wan', 'yellow')
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


def test_sysctls_are_set_inside_the_namespace_only(host):
    # The boot batch (the engine) applied red's sysctls: values no new namespace has by default.
    assert host.check_output('ip netns exec red sysctl -n net.core.somaxconn') == '1234'
    assert host.check_output('ip netns exec red sysctl -n net.ipv4.ip_local_port_range').split() == ['20000', '29999']
    assert host.check_output('sysctl -n net.core.somaxconn') != '1234'
    assert host.check_output('ip netns exec blue sysctl -n net.core.somaxconn') != '1234'
    # From the model, the same the playbook's converger reads: no file of their own any more
    # (red's veth joins a bridge: the bridge unit's file is all that is left there).
    assert host.check_output('ls /etc/netns-systemd/ns/red').split() == ['bridge']
