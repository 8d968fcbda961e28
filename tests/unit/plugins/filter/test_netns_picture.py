"""The picture of a host: every namespace, link and service in it, veth pairs drawn once,
bridges and macvlan parents on the host, and 50 namespaces of one shape folded into one box,
but for those made by hand or with a problem.
(A picture of namespaces read for real is checked in tests/sandbox/test_info_kernel.py.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re
import shutil

import pytest

pytest.importorskip('ansible', reason='the filter needs ansible-core')

from ansible.errors import AnsibleFilterError  # noqa: E402

from ansible_collections.netns.systemd.plugins.filter.netns_picture import FilterModule, netns_picture  # noqa: E402


def link(ifname, kind='veth', addresses=(), peer=None, peer_netns=None, parent=None, master=None, mode=None):
    return {'ifname': ifname, 'kind': kind, 'addresses': list(addresses), 'peer': peer, 'peer_netns': peer_netns,
            'parent': parent, 'master': master, 'mode': mode}


def lab(tenants=0):
    namespaces = {
        'blue': {'links': [link('lo', 'loopback', ['127.0.0.1/8']), link('ve-blue1', addresses=['10.10.1.2/24', 'fe80::1/64'], peer='ve-blue0'),
                           link('veth-b', peer='veth-r', peer_netns='red')],
                 'services': [{'service': 'web.service', 'inside': True}],
                 'pids': [{'pid': 7, 'unit': 'web.service'}, {'pid': 8, 'unit': 'netns-tag@blue.service'}]},
        'red': {'links': [link('veth-r', addresses=['10.1.0.3/24'], peer='veth-b', peer_netns='blue'),
                          link('ve-red1', addresses=['10.30.0.2/24'], peer='ve-red0')]},
        'green': {'links': [link('mv-green', 'macvlan', ['192.0.2.10/24'], parent='br-lan', mode='bridge')]},
    }
    host = [link('ve-blue0', addresses=['10.10.1.1/24'], peer='ve-blue1', peer_netns='blue'),
            link('ve-red0', peer='ve-red1', peer_netns='red', master='br-ns'),
            link('br-ns', 'bridge', ['10.30.0.1/24']), link('br-lan', 'bridge')]
    for index in range(tenants):
        name = 'tenant%02d' % index
        namespaces[name] = {'links': [link('ve-%s1' % name, addresses=['10.40.%d.2/30' % index], peer='ve-%s0' % name)]}
        host.append(link('ve-%s0' % name, peer='ve-%s1' % name, peer_netns=name, addresses=['10.40.%d.1/30' % index]))
    return {'namespaces': namespaces, 'host': {'links': host}, 'unnamed': [], 'problems': []}


def test_every_namespace_link_address_and_service_is_drawn_and_each_pair_once():
    text = netns_picture(lab(), 'mermaid')
    assert text.startswith('flowchart LR\n')
    for word in ('"blue"', '"red"', '"green"', '"host"', 've-blue1 (veth)<br/>10.10.1.2/24', 'veth-b (veth)', 'veth-r (veth)<br/>10.1.0.3/24',
                 'mv-green (macvlan)<br/>192.0.2.10/24', 've-blue0<br/>10.10.1.1/24', 'br-ns (bridge)<br/>10.30.0.1/24', '(["web.service"])'):
        assert word in text, word
    # Link-local addresses, loopback and the collection's own units are left out.
    assert 'fe80' not in text and '"lo' not in text and 'netns-tag' not in text
    edges = [line for line in text.splitlines() if '---' in line or '-.-' in line]
    # blue-host, blue-red (once), red-host, the host end to its bridge, green's macvlan to its parent.
    assert len(edges) == 5
    assert len([e for e in edges if '-.-|bridge|' in e]) == 1
    dot = netns_picture(lab(), 'dot')
    assert dot.startswith('graph netns {') and dot.count('subgraph cluster_') == 4 and dot.count(' -- ') == 5
    assert 'style=dashed' in dot and 'label="ve-blue1 (veth)\\n10.10.1.2/24"' in dot


def test_fifty_namespaces_of_one_shape_fold_into_one_box():
    text = netns_picture(lab(tenants=50), 'mermaid')
    assert '50 namespaces: tenant00, tenant01, tenant02, tenant03, tenant04, … tenant49' in text
    assert '|×50|' in text
    assert text.count('subgraph ') == 5
    unfolded = netns_picture(lab(tenants=50), 'mermaid', fold=0)
    assert unfolded.count('subgraph ') == 54 and 'tenant37' in unfolded


def test_a_namespace_made_by_hand_or_with_a_problem_is_never_folded():
    info = lab(tenants=50)
    for name, item in info['namespaces'].items():
        item['managed'] = name != 'tenant07'
    info['problems'] = ['netns tenant12: unit netns-veth@tenant12.service is not active',
                        'service web.service is bound to netns blue but runs in netns tenant30',
                        # No namespace is named tenant1 or tenant4: tenant10 to tenant49 stay folded.
                        'netns tenant1 is declared but missing',
                        'service db.service is bound to netns tenant4, which does not exist']
    text = netns_picture(info, 'mermaid')
    assert '47 namespaces: tenant00, tenant01, tenant02, tenant03, tenant04, … tenant49' in text
    assert '|×47|' in text
    for name in ('tenant07', 'tenant12', 'tenant30'):
        assert re.search(r'subgraph n\d+_box_%s\["%s"\]' % (name, name), text), name
        assert 've-%s1 (veth)<br/>' % name in text, name
    # host, blue, red, green, the folded box and the three drawn alone.
    assert text.count('subgraph ') == 8
    # Every namespace made by hand: none folds.
    for item in info['namespaces'].values():
        item['managed'] = False
    assert netns_picture(info, 'mermaid').count('subgraph ') == 54


@pytest.mark.skipif(shutil.which('dot') is None, reason='Graphviz (dot) is not installed')
def test_svg_and_png_come_from_graphviz():
    svg = netns_picture(lab(), 'svg')
    assert svg.lstrip().startswith('<?xml') and '<svg' in svg and 've&#45;blue1 (veth)' in svg
    assert base64.b64decode(netns_picture(lab(), 'png')).startswith(b'\x89PNG')


def test_bad_input_and_formats_are_clear_errors():
    with pytest.raises(AnsibleFilterError, match='takes the registered result of netns.systemd.netns_info'):
        netns_picture({'msg': 'failed'})
    with pytest.raises(AnsibleFilterError, match="format 'jpeg' is not one of mermaid, dot, svg, png"):
        netns_picture(lab(), 'jpeg')
    assert FilterModule().filters()['netns_picture'] is netns_picture
    assert re.search(r'subgraph n\d+_box_host\["host"\]', netns_picture(lab()))


def test_a_veth_whose_peer_was_not_found_is_not_drawn_to_the_host():
    info = lab()
    # netns_info found no peer: peer and peer_netns are null, and peer_on_host is false.
    info['namespaces']['green']['links'].append(link('lost0'))
    text = netns_picture(info, 'mermaid')
    assert 'lost0 (veth)' in text and '"?"' not in text
    assert len([line for line in text.splitlines() if '---' in line or '-.-' in line]) == 5
