"""The health lines of netns_info, from a result as gather_info makes it (the result itself is
read for real in tests/sandbox/test_info_kernel.py and in the hostile molecule scenario)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._host import parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._info import health


def test_one_line_per_problem():
    info = {'namespaces': {
        'blue': {'links': [{'ifname': 'lo'}, {'ifname': 've-blue1'}],
                 'units': [{'unit': 'netns_name@blue.service', 'active': True}, {'unit': 'netns-veth@blue.service', 'active': False}],
                 'services': [{'service': 'web.service', 'running': True, 'inside': False, 'runs_in': 'host'},
                              {'service': 'db.service', 'running': True, 'inside': False, 'runs_in': None},
                              {'service': 'idle.service', 'running': False, 'inside': False, 'runs_in': None},
                              {'service': 'ok.service', 'running': True, 'inside': True, 'runs_in': 'blue'}]},
        'tag': {'links': [{'ifname': 'lo'}, {'ifname': 'anything0'}]},
        'old': {'links': [{'ifname': 'lo'}]},
    }}
    assert health(info) == ['service web.service is bound to netns blue but runs in the host',
                            'service db.service is bound to netns blue but runs in an unnamed namespace',
                            'netns blue: unit netns-veth@blue.service is not active']
    declared = parse_entries([{'name': 'blue', 'links': [{'type': 'veth'}, {'name': 'veth-b', 'peer': 'veth-r', 'peer_netns': 'red'}]},
                              {'name': 'red'}, {'name': 'old', 'state': 'absent'},
                              {'name': 'tag', 'links': [{'type': 'custom', 'up_inside': 'true'}]}], sys_class_net=None)
    assert health(info, declared)[3:] == ['netns old is declared absent but exists', 'netns red is declared but missing',
                                          'netns blue: link veth-b is declared but missing']


def test_declared_bindings_are_checked_whatever_the_drop_ins_say():
    from ansible_collections.netns.systemd.plugins.module_utils._binding import parse_bindings
    service = {'running': True, 'inside': True, 'runs_in': 'blue', 'dropin': True}
    info = {'namespaces': {'blue': {'services': [
        # systemctl revert: no drop-in, running on the host; found only through the declared list.
        dict(service, service='web.service', inside=False, runs_in='host', dropin=False),
        dict(service, service='db.service', running=False, runs_in=None),
        dict(service, service='ok.service'),
        dict(service, service='old.service'),
    ]}}}
    bindings = parse_bindings([{'service': 'web', 'netns': 'blue'}, {'service': 'db', 'netns': 'blue'},
                               {'service': 'ok', 'netns': 'blue'}, {'service': 'old', 'state': 'absent'},
                               {'service': 'lost', 'netns': 'gone'}])
    assert health(info, None, bindings) == [
        'service web.service is bound to netns blue but has no drop-in joining it there (reverted or removed by hand? '
        'run the netns_service role again)',
        'service db.service is bound to netns blue but is not running',
        'service old.service is declared unbound but a drop-in binds it to netns blue',
        'service lost.service is bound to netns gone, which does not exist',
        'service web.service is bound to netns blue but runs in the host',
    ]
    # Without the declared list, only what the drop-ins say is known.
    assert health(info) == ['service web.service is bound to netns blue but runs in the host']
