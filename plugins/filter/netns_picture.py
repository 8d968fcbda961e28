# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: netns_picture
short_description: A picture of a host's network namespaces, from netns_info's result
version_added: 0.1.0
description:
  - Draws what M(netns.systemd.netns_info) returned for one host. Each namespace is a box holding its links (with their
    addresses) and the services running in it; the host is a box too, with the bridges and the host ends of links.
    veth pairs are edges between their ends, a bridge port is an edge to its bridge, and a macvlan is a dashed edge
    to its parent.
  - To stay readable with many namespaces, namespaces of the same shape (the same kinds of links to the same places,
    and nothing between them) are folded into one box that names them and counts them, once a shape has
    O(fold) namespaces or more.
  - A namespace made by hand (C(managed) false in the result, as the collection has no units or files for it) or with a
    problem (named as C(netns NAME) by a line of the result's C(problems)) is never folded; it gets a box of its own.
  - C(mermaid) and C(dot) give text (Mermaid for README files and wikis, Graphviz DOT); C(svg) and C(png) run
    Graphviz's C(dot) on the controller and give the image (PNG base64-encoded, for M(ansible.builtin.copy)'s
    C(content) with C(b64decode)). Without C(dot) on the controller they fail, saying so.
positional: format
options:
  _input:
    description: The registered result of M(netns.systemd.netns_info) (links are needed; pids or services add the services).
    type: dict
    required: true
  format:
    description: What to give.
    type: str
    choices: [mermaid, dot, svg, png]
    default: mermaid
  fold:
    description: How many namespaces of one shape are folded into one box. C(0) folds nothing.
    type: int
    default: 4
author:
  - netns.systemd developers (@netns-systemd)
'''

EXAMPLES = r'''
- name: Read the host
  netns.systemd.netns_info:
  register: info

- name: Show it as Mermaid
  ansible.builtin.debug:
    msg: "{{ info | netns.systemd.netns_picture('mermaid') }}"

- name: Save an SVG on the controller (needs graphviz there)
  ansible.builtin.copy:
    content: "{{ info | netns.systemd.netns_picture('svg') }}"
    dest: "pictures/{{ inventory_hostname }}.svg"
    mode: "0644"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: The picture, as Mermaid or DOT text, SVG text, or base64-encoded PNG.
  type: str
'''

import base64
import re
import shutil
import subprocess

from ansible.errors import AnsibleFilterError

FORMATS = ('mermaid', 'dot', 'svg', 'png')
HOST = 'host'
# Units of the collection itself: not services of the user.
_OWN_UNIT = re.compile(r'^netns[-_].*@.*\.service$|^netns-(boot|host)\.service$')


def _addresses(link):
    return [a for a in link.get('addresses') or () if not a.startswith('fe80:')]


def _services(item):
    found = [s['service'] for s in item.get('services') or () if s.get('inside')]
    for process in item.get('pids') or ():
        unit = process.get('unit')
        if unit and unit.endswith('.service') and not _OWN_UNIT.match(unit) and unit not in found:
            found.append(unit)
    return sorted(found)


def _links(item):
    return [link for link in item.get('links') or () if link.get('ifname') != 'lo']


class Graph:
    """Boxes (namespaces, the host, folded groups) with nodes (links, services) and edges
    between nodes; rendered as Mermaid or DOT."""

    def __init__(self):
        self.boxes = []        # (box id, title, [(node id, lines, shape)])
        self.edges = []        # (node id, node id, label, dashed)
        self._ids = {}

    def node_id(self, *parts):
        key = parts
        if key not in self._ids:
            self._ids[key] = 'n%d_%s' % (len(self._ids), re.sub(r'[^A-Za-z0-9_]', '_', '_'.join(str(p) for p in parts if p))[:40])
        return self._ids[key]


def _shape(item):
    """What a namespace looks like, without its names and addresses: None when it has a link
    to another namespace (those are always drawn)."""
    shape = []
    for link in _links(item):
        if link.get('kind') == 'veth' and link.get('peer_netns') is not None:
            return None
        shape.append((link.get('kind'), link.get('parent'), link.get('peer_netns') is None and link.get('kind') == 'veth'))
    return tuple(sorted(shape)) + (tuple(_services(item)),)


def _troubled(info):
    """The namespaces that a line of netns_info's problems names (``netns NAME``, followed by
    ':', ',', a space or the end), the longest name where several fit."""
    names = list(info['namespaces'])
    found = set()
    for line in info.get('problems') or ():
        line = str(line)
        for match in re.finditer(r'(?:^|\s)netns ', line):
            rest = line[match.end():]
            fits = [name for name in names if rest.startswith(name) and rest[len(name):len(name) + 1] in ('', ':', ',', ' ')]
            if fits:
                found.add(max(fits, key=len))
    return found


def _host_master(info, ifname):
    for link in (info.get('host') or {}).get('links') or ():
        if link.get('ifname') == ifname:
            return link.get('master')
    return None


def build(info, fold=4):
    if not isinstance(info, dict) or not isinstance(info.get('namespaces'), dict):
        raise AnsibleFilterError('netns_picture takes the registered result of netns.systemd.netns_info')
    namespaces = info['namespaces']
    graph = Graph()
    shapes = {}
    troubled = _troubled(info)
    for name, item in sorted(namespaces.items()):
        if item.get('managed') is False or name in troubled:
            # Made by hand, or with a problem: drawn alone, never folded with others.
            continue
        shape = _shape(item)
        if shape is not None:
            shapes.setdefault(shape, []).append(name)
    folded = dict((name, names) for names in shapes.values() if fold and len(names) >= fold for name in names)
    host_nodes = {}

    def host_node(ifname, lines=None):
        if ifname not in host_nodes:
            host_nodes[ifname] = (graph.node_id(HOST, ifname), lines or [ifname], 'box')
        return host_nodes[ifname][0]

    host_links = dict((link['ifname'], link) for link in (info.get('host') or {}).get('links') or ())
    drawn_pairs = set()
    for name, item in sorted(namespaces.items()):
        group = folded.get(name)
        if group and group[0] != name:
            continue
        title = name if not group else '%d namespaces: %s' % (len(group), _names(group))
        nodes = []
        for link in _links(item):
            node = graph.node_id(name, link['ifname'])
            lines = [link['ifname'] + (' … (%s)' if group else ' (%s)') % link.get('kind')] + ([] if group else _addresses(link))
            nodes.append((node, lines, 'box'))
            label = '×%d' % len(group) if group else ''
            if link.get('kind') == 'veth' and link.get('peer') is None:
                continue  # its peer was not found (peer_netns null means the host only with peer_on_host)
            if link.get('kind') == 'veth':
                pair = tuple(sorted([(name, link['ifname']), (link.get('peer_netns') or HOST, link.get('peer'))]))
                if pair in drawn_pairs:
                    continue
                drawn_pairs.add(pair)
                if link.get('peer_netns') is None:
                    peer = link['peer']
                    master = _host_master(info, peer)
                    end = host_node(peer, [peer + ' …'] if group else [peer] + _addresses(host_links.get(peer, {})))
                    graph.edges.append((node, end, label, False))
                    if master:
                        graph.edges.append((end, host_node(master, [master + ' (bridge)'] + _addresses(host_links.get(master, {}))), '', False))
                else:
                    graph.edges.append((node, graph.node_id(link['peer_netns'], link.get('peer')), label, False))
            elif link.get('parent'):
                parent = link['parent']
                graph.edges.append((node, host_node(parent, [parent] + _addresses(host_links.get(parent, {}))), label or link.get('mode') or '', True))
        for service in _services(item):
            nodes.append((graph.node_id(name, 'svc', service), [service], 'service'))
        graph.boxes.append((graph.node_id('box', name), title, nodes))
    graph.boxes.insert(0, (graph.node_id('box', HOST), HOST, [host_nodes[k] for k in sorted(host_nodes)]))
    return graph


def _names(names, shown=6):
    return ', '.join(names) if len(names) <= shown else '%s, … %s' % (', '.join(names[:shown - 1]), names[-1])


def _mermaid_text(lines):
    return '<br/>'.join(line.replace('"', '#quot;') for line in lines)


def mermaid(graph):
    out = ['flowchart LR']
    for box, title, nodes in graph.boxes:
        out.append('  subgraph %s["%s"]' % (box, _mermaid_text([title])))
        for node, lines, shape in nodes:
            out.append('    %s%s' % (node, ('(["%s"])' if shape == 'service' else '["%s"]') % _mermaid_text(lines)))
        out.append('  end')
    for one, two, label, dashed in graph.edges:
        arrow = '-.-' if dashed else '---'
        out.append('  %s %s%s %s' % (one, arrow, '|%s|' % _mermaid_text([label]) if label else '', two))
    return '\n'.join(out) + '\n'


def _dot_text(lines):
    return '\\n'.join(line.replace('\\', '\\\\').replace('"', '\\"') for line in lines)


def dot(graph):
    out = ['graph netns {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    for box, title, nodes in graph.boxes:
        out.append('  subgraph cluster_%s {' % box)
        out.append('    label="%s"; style=rounded;' % _dot_text([title]))
        for node, lines, shape in nodes:
            out.append('    %s [label="%s"%s];' % (node, _dot_text(lines), ', shape=ellipse' if shape == 'service' else ''))
        out.append('  }')
    for one, two, label, dashed in graph.edges:
        attrs = ([('label="%s"' % _dot_text([label]))] if label else []) + (['style=dashed'] if dashed else [])
        out.append('  %s -- %s%s;' % (one, two, ' [%s]' % ', '.join(attrs) if attrs else ''))
    return '\n'.join(out) + '\n}\n'


def netns_picture(info, format='mermaid', fold=4):
    if format not in FORMATS:
        raise AnsibleFilterError('netns_picture: format %r is not one of %s' % (format, ', '.join(FORMATS)))
    graph = build(info, fold)
    if format == 'mermaid':
        return mermaid(graph)
    text = dot(graph)
    if format == 'dot':
        return text
    binary = shutil.which('dot')
    if binary is None:
        raise AnsibleFilterError('netns_picture: format %s needs Graphviz (dot) on the controller; use dot or mermaid, '
                                 'or install graphviz' % format)
    proc = subprocess.run([binary, '-T' + format], input=text.encode('utf-8'), capture_output=True, check=False)
    if proc.returncode != 0:
        raise AnsibleFilterError('netns_picture: dot failed: %s' % proc.stderr.decode('utf-8', 'replace').strip())
    return proc.stdout.decode('utf-8') if format == 'svg' else base64.b64encode(proc.stdout).decode('ascii')


class FilterModule:
    def filters(self):
        return {'netns_picture': netns_picture}
