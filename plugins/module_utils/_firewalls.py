# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's own firewall, seen from the collection's forwarded traffic.

Every nftables base chain at the forward hook votes on a forwarded packet, and a drop in any
of them is final: an accept in the collection's ``table inet netns_systemd`` cannot override
Docker's FORWARD policy, ufw's, firewalld's reject or a user's ``policy drop`` chain. So,
before any change, the host's ruleset is read once (``nft -j list ruleset``, where iptables-nft,
Docker, ufw and firewalld all keep their rules) and each firewall that would drop the traffic
of the collection's links is named, with the exact commands that let it through in that
firewall's own place. Docker is named even while its FORWARD policy is accept: a host that
turns forwarding on before docker.service starts has silently lost that policy.

Read only: nothing here changes the host's firewall. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.netns.systemd.plugins.module_utils._names import NetnsError

OWN_TABLE = 'netns_systemd'
# The families whose forward hook sees IPv4 (and IPv6) packets.
FAMILIES = {4: ('ip', 'inet'), 6: ('ip6', 'inet')}


class Blocker:
    """A firewall that drops the forwarded traffic of ``links`` (the collection's links it
    does not let through): ``tool`` (docker, ufw, firewalld, nftables), where it lives
    (``family``, ``table``, ``chain``) and ``fix``, the commands that let them through."""

    def __init__(self, tool, family, table, chain, links):
        self.tool = tool
        self.family = family
        # Every family whose table of that name drops them the same way (ufw's ip and ip6 filter).
        self.families = [family]
        self.table = table
        self.chain = chain
        self.links = links

    @property
    def fix(self):
        links = self.links
        if self.tool == 'docker':
            command = 'ip6tables' if self.family == 'ip6' else 'iptables'
            return '; '.join('%s -I DOCKER-USER -%s %s -j ACCEPT' % (command, way, link) for link in links for way in 'io')
        if self.tool == 'ufw':
            return '; '.join('ufw route allow %s on %s' % (way, link) for link in links for way in ('in', 'out'))
        if self.tool == 'firewalld':
            return '; '.join(['firewall-cmd --permanent --zone=trusted --add-interface=%s' % link for link in links] + ['firewall-cmd --reload'])
        return "add 'iifname { %s } accept' and 'oifname { %s } accept' to chain %s of table %s %s" % (
            ', '.join(links), ', '.join(links), self.chain, self.family, self.table)

    def message(self):
        what = {
            'docker': "Docker's rules (chain DOCKER-USER of table %s filter; Docker sets the FORWARD policy to drop, and loses that "
                      "protection when forwarding is on before docker.service starts)" % self.family,
            'ufw': "ufw (its FORWARD policy, table %s)" % ' and '.join('%s filter' % family for family in self.families),
            'firewalld': 'firewalld (its default zone rejects forwarded traffic, table inet firewalld)',
        }.get(self.tool, 'the nftables chain %s of table %s %s (hook forward, policy drop)' % (self.chain, self.family, self.table))
        return '%s drops the forwarded traffic of %s: %s' % (what, ', '.join(self.links), self.fix)


def _matches(expr, key, link):
    """Whether ``expr`` matches packets whose ``key`` is ``link``: ``iifname "br0"`` or ``iifname { "br0", ... }``."""
    match = expr.get('match') or {}
    if match.get('op') not in ('==', 'in') or (match.get('left') or {}).get('meta', {}).get('key') != key:
        return False
    right = match.get('right')
    return right == link or (isinstance(right, dict) and link in (right.get('set') or ()))


def _lets_through(rules, key, link):
    """Whether a rule of ``rules`` accepts packets whose ``key`` (iifname, oifname) is ``link``,
    or (firewalld) sends them to the trusted zone's chains."""
    for rule in rules:
        exprs = rule.get('expr') or ()
        if not any(_matches(expr, key, link) for expr in exprs):
            continue
        for expr in exprs:
            if 'accept' in expr:
                return True
            target = (expr.get('goto') or expr.get('jump') or {}).get('target') or ''
            if target.endswith('_trusted'):
                return True
    return False


def blockers(ruleset, links, versions):
    """[Blocker] of the host's ``ruleset`` (``nft -j list ruleset``, parsed) for the forwarded
    traffic of ``links`` (the collection's bridges and veth host ends) in IP ``versions``."""
    families = set(family for version in versions for family in FAMILIES[version])
    chains, rules = {}, {}
    for item in ruleset.get('nftables', ()):
        for kind, store in (('chain', chains), ('rule', rules)):
            if kind in item:
                found = item[kind]
                store.setdefault((found.get('family'), found.get('table')), []).append(found)
    found = []
    for (family, table), table_chains in sorted(chains.items()):
        if family not in families or table == OWN_TABLE:
            continue
        names = set(chain.get('name') for chain in table_chains)
        drops = [chain.get('name') for chain in table_chains if chain.get('hook') == 'forward' and chain.get('policy') == 'drop']
        if table == 'firewalld':
            tool, chain = 'firewalld', 'filter_FORWARD'
        elif table == 'filter' and 'DOCKER-USER' in names:
            tool, chain = 'docker', 'DOCKER-USER'
        elif table == 'filter' and any(name.startswith('ufw') for name in names) and drops:
            tool, chain = 'ufw', drops[0]
        elif drops:
            tool, chain = 'nftables', drops[0]
        else:
            continue
        table_rules = rules.get((family, table), ())
        if tool == 'firewalld':
            missing = [link for link in links if not _lets_through(table_rules, 'iifname', link)]
        else:
            missing = [link for link in links if not (_lets_through(table_rules, 'iifname', link) and _lets_through(table_rules, 'oifname', link))]
        if not missing:
            continue
        blocker = Blocker(tool, family, table, chain, missing)
        same = [other for other in found if (other.tool, other.links, other.fix) == (tool, missing, blocker.fix)]
        if same:
            same[0].families.append(family)
        else:
            found.append(blocker)
    return found


def has_docker(ruleset):
    """Whether Docker's chains are in the host's ``ruleset`` (it runs, or ran this boot)."""
    return any(item['chain'].get('table') == 'filter' and item['chain'].get('name') in ('DOCKER-USER', 'DOCKER')
               for item in ruleset.get('nftables', ()) if 'chain' in item)


def read_ruleset(run):
    """The host's ruleset as ``nft -j list ruleset`` gives it; NetnsError when nft cannot read it."""
    try:
        rc, out, err = run(['nft', '-j', 'list', 'ruleset'])
    except OSError as exc:
        raise NetnsError('nft cannot run (%s)' % exc)
    if rc != 0:
        raise NetnsError('nft -j list ruleset: %s' % ((err or out).strip() or 'exit %d' % rc))
    try:
        return json.loads(out or '{}')
    except ValueError as exc:
        raise NetnsError('nft -j list ruleset printed no JSON: %s' % exc)
