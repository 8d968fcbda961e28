# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One call of netns_chain, in the order it runs: the namespaces and the host validated whole,
the files and units planned, then either check mode's preview or the real run (files written,
units started, then the live links, sysctls, rulesets, kinds and host compared and set), each
step a function of its own. The module itself only builds the call. Private to the
collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netns.systemd.plugins.module_utils._chain import StartFailed, apply_chain, plan_chain, units_of
from ansible_collections.netns.systemd.plugins.module_utils._converge import LinkPlan, converge_each, converge_kinds_live
from ansible_collections.netns.systemd.plugins.module_utils._host import check_kinds, live_specs, parse_entries
from ansible_collections.netns.systemd.plugins.module_utils._hostnet import HostNet, host_before, host_drift, host_leftovers, made_bridges, manages_host
from ansible_collections.netns.systemd.plugins.module_utils._names import FailedAfterChanges, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._netns import remove_netns
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id
from ansible_collections.netns.systemd.plugins.module_utils._paths import HOST_DIR, UNIT_DIR
from ansible_collections.netns.systemd.plugins.module_utils._parts.table import inside_parts
from ansible_collections.netns.systemd.plugins.module_utils._systemd import explain_start_failures, unit_states
from ansible_collections.netns.systemd.plugins.module_utils._parts import bridge_ports
from ansible_collections.netns.systemd.plugins.module_utils._units import HOST_UNIT, link_unit

# netns_chain has no recreate: what is in the way is the user's to move.
_CONFLICT_HINT = 'its unit would take it over: rename the link, or remove what is in the way'


class ChainRun:
    """netns_chain's work for ``params`` (its options). ``run(argv)`` runs a command and gives
    (rc, stdout, stderr); ``which(name)`` finds one; ``systemctl(*args)`` runs systemctl and
    raises NetnsError when it fails."""

    def __init__(self, params, run, which, systemctl, check_mode):
        self.params = params
        self.run_command = run
        self.which = which
        self.systemctl = systemctl
        self.check_mode = check_mode
        # Whether the live links, sysctls, rulesets and host are compared and set.
        self.live = params['converge'] and params['start']

    def run(self):
        """The module's result; InvalidInput before any change for anything it cannot do."""
        entries, host, before = self.validated()
        with inside_parts(entries, self.run_command) as inside:
            inside.check()
            return self.planned(entries, host, before, inside)

    def validated(self):
        """(entries, host side or None when the call leaves it alone, host files before)."""
        entries = parse_entries(self.params['namespaces'])
        before = host_before(HOST_DIR)
        host = HostNet.parse(entries, self.params['bridges'], made_before=made_bridges(before.get('bridges')))
        if manages_host(host, before, [e.name for e in entries], self.params['bridges']):
            host.check(self.run_command, self.params.get('host_firewall') or 'refuse')
        else:
            host = None
        check_kinds(entries, self.run_command, self.which)
        return entries, host, before

    def planned(self, entries, host, before, inside):
        """Plan the files and units, and check every interface that exists against the links
        before anything is written (namespaces being repaired are left out: what is left of
        them goes with the old namespace); in check mode that check is the live plan."""
        state = unit_states(units_of(entries), self.systemctl, UNIT_DIR)
        plan = plan_chain(entries, state, start=self.params['start'], host=host)
        plan.warnings.extend(host.warnings if host is not None else ())
        precheck = live_specs(entries, plan.repair)
        live_plan = LinkPlan([s for name in sorted(precheck) for s in precheck[name]], check_mode=True, conflict_hint=_CONFLICT_HINT,
                             unit_starter=self.start_unit) if precheck else None
        try:
            # Made by their units in this run: nothing of them is read again, in check mode or not.
            fresh = set(e.name for e in entries if e.state == 'present' and netns_id(e.name) is None)
            run = self.previewed if self.check_mode else self.applied
            return run(entries, host, before, plan, live_plan, inside, fresh)
        finally:
            if live_plan is not None:
                live_plan.close()

    def start_unit(self, spec):
        """A link only its unit makes (a WireGuard interface) deleted by hand while the unit is active."""
        self.systemctl('restart', link_unit(spec.kind, spec.end.netns))

    def converge_inside(self, entries, inside, check_mode, lines, file_diffs, changed_files):
        """The sysctls, rulesets and what the kinds set live (vxlan FDBs, WireGuard peers) of the
        namespaces that exist, compared and (but in check mode) set: lines and diffs added to
        ``lines`` and ``file_diffs``; the errors returned, one line each. ``changed_files``: the
        private files this run writes."""
        inside_lines, inside_diffs, inside_errors = inside.converge(check_mode, only=set(e.name for e in entries))
        kind_lines, kind_errors = converge_kinds_live(entries, check_mode, run=self.run_command, changed_files=changed_files)
        lines.extend(inside_lines + kind_lines)
        file_diffs.extend(inside_diffs)
        return [error for found in (inside_errors, kind_errors) for _name, error in sorted(found.items())]

    def converge_host(self, host, before, check_mode, lines, file_diffs, warnings, starting=()):
        """What no longer is on the host removed, then (when live) the host compared with its
        files and applied again where it differs; nothing when the call leaves the host side
        alone. ``starting``: the units check mode takes as started, which do their part."""
        if host is None:
            return
        gone, kept = host_leftovers(host, before, self.run_command, check_mode)
        lines.extend(gone)
        warnings.extend(kept)
        if self.live:
            by_units = set(name for name in host.users if link_unit(bridge_ports.PART.name, name) in starting)
            drift, diffs = host_drift(host, self.run_command, check_mode, HOST_UNIT in starting, by_units)
            lines.extend(drift)
            file_diffs.extend(diffs)

    @staticmethod
    def _result(entries, plan, lines):
        return {'diff_lines': lines, 'warnings': plan.warnings, 'file_diffs': plan.file_diffs, 'changed': bool(lines),
                'units': dict((e.name, e.units) for e in entries if e.state == 'present')}

    def previewed(self, entries, host, before, plan, live_plan, inside, fresh):
        """Check mode: the lines a real run prints. What the units do for namespaces they make
        or remake is said by the files and the starts, not again link by link."""
        lines = list(plan.lines)
        skipped = fresh | set(plan.repair)
        if self.live and live_plan:
            lines.extend(live_plan.lines_outside(skipped))
        if self.live:
            self.converge_inside([e for e in entries if e.name not in skipped], inside, True, lines, plan.file_diffs,
                                 set(plan.private_files))
        self.converge_host(host, before, True, lines, plan.file_diffs, plan.warnings, set(plan.start + plan.restart + plan.settle))
        return self._result(entries, plan, lines)

    def applied(self, entries, host, before, plan, live_plan, inside, fresh):
        """The real run: the plan applied, a name left by hand removed, then the live state."""
        lines = list(plan.lines)
        problems = []
        try:
            apply_chain(plan, self.systemctl)
        except StartFailed as exc:
            problems = explain_start_failures(plan.start + plan.restart + plan.settle, self.run_command) or [str(exc)]
        except NetnsError as exc:
            raise FailedAfterChanges(str(exc), lines)
        # The creator's stop removes the name; one made by hand or by a module may remain.
        leftover = [e.name for e in entries if e.state == 'absent' and netns_id(e.name) is not None]
        if leftover:
            lines.extend('- netns %s' % name for name in leftover)
            remove_netns(leftover)
        made = fresh if not problems else set()
        if self.live:
            untouched = not (plan.stop or plan.start or plan.restart or plan.settle or plan.repair or leftover)
            problems.extend(self.converge_links(entries, live_plan if untouched else None, made, lines))
            kept = [e for e in entries if e.name not in made]
            problems.extend(self.converge_inside(kept, inside, False, lines, plan.file_diffs, set(plan.private_files)))
        try:
            self.converge_host(host, before, False, lines, plan.file_diffs, plan.warnings)
        except NetnsError as exc:
            problems.append('host: %s' % exc)
        if problems:
            raise FailedAfterChanges('; '.join(problems), lines)
        return self._result(entries, plan, lines)

    def converge_links(self, entries, live_plan, made, lines):
        """The live links of the namespaces not ``made`` by their units in this run (those were
        made whole by the same code, through the engine): ``live_plan``, the check made before,
        applied when nothing was started or stopped; else read again, each namespace on its
        own. Lines added to ``lines``; the errors returned, one line each."""
        if live_plan is not None and not live_plan.assumed:
            try:
                live_plan.apply()
                lines.extend(live_plan.lines)
                return []
            except NetnsError:
                pass
        live_lines, errors = converge_each(live_specs(entries, made), self.start_unit)
        lines.extend(live_lines)
        return ['netns %s: %s' % (name, error) for name, error in sorted(errors.items())]
