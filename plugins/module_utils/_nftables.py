# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables ruleset of one namespace: the file the units load with ``nft -f`` (the
user's ruleset after ``flush ruleset``, so that loading it is one transaction that replaces
whatever was there), checked with ``nft -c`` before anything changes, and compared with
what the namespace has.

The comparison is between two listings of ``nft list ruleset``: the namespace's, and that of
a new, empty namespace into which the file was loaded (nft prints a ruleset in its own
words, not in the user's). Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

from ansible_collections.netns.systemd.plugins.module_utils._files import file_diff
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import inside, netns_id, scratch_netns
from ansible_collections.netns.systemd.plugins.module_utils._parts.base import InsidePart

FLUSH = 'flush ruleset\n'


def parse_nftables(where, ruleset):
    """The ruleset as given (None: not managed), or InvalidInput."""
    if ruleset is None:
        return None
    if not isinstance(ruleset, str) or '\0' in ruleset:
        raise InvalidInput('%s: nftables must be the text of a ruleset' % where)
    return ruleset


def render_nftables_file(ruleset):
    """What the units give to ``nft -f`` inside the namespace; an empty ruleset leaves none."""
    text = ruleset.strip('\n')
    return FLUSH + (text + '\n' if text.strip() else '')


class Rulesets:
    """The rulesets of many namespaces, each in a private temporary file for nft to read;
    ``run(argv)`` runs a command and returns (rc, stdout, stderr)."""

    def __init__(self, entries, run):
        self._run = run
        self._dir = None
        self.files = {}
        for entry in entries:
            if entry.state == 'present' and entry.nftables is not None:
                if self._dir is None:
                    self._dir = tempfile.mkdtemp(prefix='netns-systemd-nft.')
                path = os.path.join(self._dir, entry.name)
                with open(path, 'w') as f:
                    f.write(render_nftables_file(entry.nftables))
                self.files[entry.name] = path

    def close(self):
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _nft(self, *args):
        try:
            rc, out, err = self._run(['nft'] + list(args))
        except OSError as exc:
            raise NetnsError('nft cannot run (%s): install nftables' % exc)
        if rc != 0:
            raise NetnsError((err or out).strip() or 'nft %s failed (exit %d)' % (' '.join(args), rc))
        return out

    def check(self):
        """InvalidInput for the first ruleset nft does not take (``nft -c``), before any change."""
        for name in sorted(self.files):
            try:
                self._nft('-c', '-f', self.files[name])
            except NetnsError as exc:
                said = str(exc).replace(self.files[name], 'ruleset')
                raise InvalidInput('netns %s: the nftables ruleset does not load (line 1 is the flush ruleset before '
                                   'it): %s' % (name, said))

    def converge(self, check_mode, fresh=(), only=None):
        """Compare the ruleset of every namespace that exists (of those named in ``only``, when
        given) with its file, and load the file where they differ unless ``check_mode``:
        ([lines], [file diffs], {netns: error}). Namespaces of ``fresh`` (made just now, with no
        rules) get their file loaded without a comparison."""
        lines, diffs, errors = [], [], {}
        for name in sorted(self.files):
            if (only is not None and name not in only) or netns_id(name) is None:
                continue
            try:
                if name in fresh and not check_mode:
                    with inside(name):
                        self._nft('-f', self.files[name])
                    lines.append('~ nftables %s' % name)
                    continue
                with scratch_netns():
                    self._nft('-f', self.files[name])
                    wanted = self._nft('list', 'ruleset')
                with inside(name):
                    live = self._nft('list', 'ruleset')
                    if live.strip() == wanted.strip():
                        continue
                    if not check_mode:
                        self._nft('-f', self.files[name])
            except NetnsError as exc:
                errors[name] = 'netns %s: nftables: %s' % (name, exc)
                continue
            lines.append('~ nftables %s' % name)
            diffs.append(file_diff('nft list ruleset (%s)' % name, live, wanted))
        return lines, diffs, errors


class NftablesPart(InsidePart):
    """A namespace's ``nftables`` ruleset, an inside part (_parts.table); its session is Rulesets."""
    name = 'nftables'

    def parse(self, entry, item, where):
        entry.nftables = parse_nftables(where, item.get('nftables'))

    def session(self, entries, run):
        return Rulesets(entries, run)


PART = NftablesPart()
