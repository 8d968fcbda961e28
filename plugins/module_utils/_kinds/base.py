# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every link kind of _kinds.table answers, and the answers most kinds give. A kind file
subclasses Kind and gives its own: its options (parse, default_names, label, bridge_port,
describe), what it needs of the host (host_links, waits_for, host_names), how the converger
plans, makes and removes it (conflict, create, remove), what it sets on a link that exists
(converge_live), and its unit (unit_templates, unit_lines, private_files, engine_commands).
Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput


def no_bridge_port(where, kind):
    """The error for ``bridge`` given to a link of ``kind`` (one of this table or a custom type)
    that has no host end to join it."""
    return InvalidInput('%s: bridge is for a veth (its host end joins the bridge), not for type %s' % (where, kind))


class Kind:
    name = None
    # Made only by its unit: a missing one is made again by starting the unit (the converger's
    # step says so), not by the converger.
    by_unit = False
    # The directory below BOOT_DIR of its root-only files (private_files), or None.
    private_dir = None
    # Made for every namespace at once by the boot run (netns-engine boot), its unit's work done
    # by a worker that run can skip.
    booted = False

    def default_name(self, netns, item):
        """The link's name when the item gives none."""
        raise NotImplementedError

    def default_names(self, netns, item):
        """{option: name} of the names an item of namespace ``netns`` gets when it gives none."""
        return {'name': self.default_name(netns, item)}

    def bridge_port(self, item, spec, where):
        """The host end of ``spec`` that joins bridge ``item['bridge']``; InvalidInput for a kind
        that has none."""
        raise no_bridge_port(where, self.name)

    def read_back(self, msg):
        """{key: value} netns_info reports of a kernel link of this kind beyond the common ones."""
        return {}

    def pair_back(self, spaces, host_ids, paired):
        """For netns_info: fill in the far ends of links of this kind between namespaces
        (``spaces``: {netns or None: [link dict]}; ``host_ids``: {nsid: name} as the host
        numbers them; ``paired``: ids of link dicts already paired); the ids it paired."""
        return set()

    def going_away(self, msg):
        """Whether ``msg``, a link in the way of one of this kind, may be going away with another
        namespace (its unit waits a little before refusing)."""
        return False

    def describe(self, spec):
        """What the module's result says of the link beyond its name, namespace and ends."""
        return {'parent': spec.parent, 'mode': spec.mode}

    def parse(self, item, where, defaults=None):
        """The LinkSpec of an item, or InvalidInput whose message starts with ``where``."""
        raise NotImplementedError

    def label(self, spec):
        """The link in words, as the change lines name it."""
        raise NotImplementedError

    def host_links(self, spec):
        """[(what, name)] of the host interfaces it needs, checked before any change."""
        return []

    def waits_for(self, spec, handles):
        """[(what, name)] of the host interfaces its unit waits for (``handles``: netlink sockets)."""
        return self.host_links(spec)

    def host_names(self, spec):
        """[((None, name), label)] of the host's interface names it takes, which no other link may name."""
        return []

    def conflict(self, converger, spec, here):
        """(what is in the way or None, [(end, msg)] that would be removed to recreate it);
        InvalidInput when it cannot be made at all. ``here``: the link message of its end, or None."""
        raise NotImplementedError

    def create(self, converger, spec):
        """([end keys whose snapshot entry no longer holds], the step that makes it)."""
        raise NotImplementedError

    def remove(self, converger, spec, here):
        """The step that takes it away, or None for the converger's: deleted once checked to be of this kind."""
        return None

    def check_host(self, specs, run, which):
        """InvalidInput before any change when the links of ``specs`` cannot be made on this
        host (a tool missing); ``run(argv)`` runs a command, ``which(name)`` finds one."""
        return None

    def private_files(self, netns, specs, directory):
        """{path: text} of the root-only files of the links of ``specs`` in ``directory``."""
        return {}

    def unit_templates(self):
        """(the template of its unit, netns-KIND@.service; that of its worker or None)."""
        # Imported here: _units imports the table of kinds.
        from ansible_collections.netns.systemd.plugins.module_utils._units import KIND_TEMPLATE
        return KIND_TEMPLATE, None

    def unit_lines(self, netns, specs):
        """(start lines, stop line groups, units wanted) of its unit's drop-in, or None for
        the engine's: netns-engine start and stop NAME KIND."""
        return None

    def engine_commands(self):
        """{command: function(args, run) -> [lines]} the engine runs for its unit's own lines."""
        return {}

    def converge_live(self, entries, handles, check_mode, run=None, changed_files=()):
        """([lines], {netns: error}) of what the kind compares and sets on its links that exist
        (``run``: runs a command; ``changed_files``: the private files this run writes)."""
        return [], {}
