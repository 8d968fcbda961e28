# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine: the collection's own core (these module_utils), installed on each managed host
by netns_chain and run there by the host's python3, with the namespaces' model files (the
items netns_chain was given, one root-only JSON file per namespace) as its input.

Its commands, for operators and for the units:
  plan NAME...       what the playbook's converger would do now for each namespace, in words
  up NAME            the creator's work, its veths to the host included
                     (netns_name-up@NAME.service): see _start.start_netns; a NAME
                     with no model is made bare (lo up, an empty resolver)
  links NAME         all its veths: the work of a veth unit whose veths lead to other
                     namespaces (netns-veth-up@NAME.service): see _start.start_links
  boot               every namespace of the boot list and its veths, at once, in this
                     process (netns-boot.service): see _start.boot
  host               forwarding and the owned NAT table (netns-host.service)
  ports NAME         the host ends of NAME's veths join their bridges (netns-bridge@NAME)
  unports NAME       ... and leave them
  KIND-COMMAND ...   what a kind's unit runs in its own lines (wireguard NS IF HOW)
  start NAME KIND    the links of a kind of _kinds.table in namespace NAME, made and set as
                     the playbook's converger makes them (netns-KIND@NAME.service)
  stop NAME KIND     ... and removed, each checked to be of that kind
  run NAME CMD...    CMD run in namespace NAME as a bound service runs (systemd-run with
                     the binding's properties): see _binding.run_argv
  version            the engine's content hash

The same functions serve the playbook's converger and the engine: there is one
implementation of each action. Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

from ansible_collections.netns.systemd.plugins.module_utils._parts import dhcp
from ansible_collections.netns.systemd.plugins.module_utils import _binding, _converge, _host, _hostnet, _start
from ansible_collections.netns.systemd.plugins.module_utils._files import read_file
from ansible_collections.netns.systemd.plugins.module_utils._kinds.table import KINDS
from ansible_collections.netns.systemd.plugins.module_utils._names import InvalidInput, NetnsError
from ansible_collections.netns.systemd.plugins.module_utils._nsfs import netns_id
from ansible_collections.netns.systemd.plugins.module_utils._parts.table import NETNS_PARTS, inside_parts
from ansible_collections.netns.systemd.plugins.module_utils._paths import BOOT_LIST, HEADER, HOST_DIR, MODEL_DIR
from ansible_collections.netns.systemd.plugins.module_utils._rtnl import NamespaceHandles
from ansible_collections.netns.systemd.plugins.module_utils._units import PARENT_WAIT_SECONDS

PACKAGE = 'ansible_collections.netns.systemd.plugins.module_utils'
# How a module_utils file names the others it imports.
_IMPORT_RE = re.compile(r'^\s*from ansible_collections\.netns\.systemd\.plugins\.module_utils(?:\.(_\w+(?:\.\w+)*))? import ([^\n(]+|\([^)]*\))',
                        re.M)
ENTRY = 'netns-engine.py'
MANIFEST = 'MANIFEST'
_ENTRY_TEXT = '''#!/usr/bin/python3
''' + HEADER + '''\
# The netns.systemd engine (its module_utils beside this file): "netns-engine.py plan NAME".
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ansible_collections.netns.systemd.plugins.module_utils._engine import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
'''


def _source(name):
    """The text of module_utils ``name`` as it was loaded (from a file, or from a module's payload)."""
    module = sys.modules.get('%s.%s' % (PACKAGE, name))
    if module is None:
        module = __import__('%s.%s' % (PACKAGE, name), fromlist=['_'])
    loader = getattr(module, '__loader__', None)
    if loader is not None and hasattr(loader, 'get_data'):
        data = loader.get_data(module.__file__)
    else:
        with open(module.__file__, 'rb') as f:
            data = f.read()
    return data.decode('utf-8')


def _is_module(name):
    try:
        __import__('%s.%s' % (PACKAGE, name), fromlist=['_'])
        return True
    except ImportError:
        return False


def _imported(text):
    """The module_utils names (dotted below module_utils: _kinds.vxlan) a source imports, at
    any depth (lazy imports count), with the packages they are in."""
    names = set()
    for module, what in _IMPORT_RE.findall(text):
        words = [word.strip() for word in what.strip('()').replace('\n', ' ').split(',') if word.strip()]
        if module:
            names.add(module)
            # "from ..._kinds import vxlan": vxlan is a module of the package.
            names.update('%s.%s' % (module, word) for word in words if _is_module('%s.%s' % (module, word)))
        else:
            names.update(word for word in words if word.startswith('_'))
    for name in list(names):
        parts = name.split('.')
        names.update('.'.join(parts[:depth]) for depth in range(1, len(parts)))
    return names


def engine_sources():
    """{name: text} of this module and every module_utils it imports, directly or not: the engine."""
    sources, todo = {}, ['_engine']
    while todo:
        name = todo.pop()
        if name not in sources:
            sources[name] = _source(name)
            todo.extend(sorted(_imported(sources[name]) - set(sources)))
    return sources


def engine_files():
    """(digest, {relative path: text}): the files of the engine, named by the hash of their content."""
    package_dir = PACKAGE.replace('.', '/')
    files = {ENTRY: _ENTRY_TEXT}
    parts = package_dir.split('/')
    # Regular packages, so that another ansible_collections on the host's path cannot shadow these.
    for depth in range(1, len(parts) + 1):
        files['/'.join(parts[:depth] + ['__init__.py'])] = ''
    for name, text in engine_sources().items():
        module = __import__('%s.%s' % (PACKAGE, name), fromlist=['_'])
        is_package = os.path.basename(module.__file__) == '__init__.py'
        files['%s/%s%s' % (package_dir, name.replace('.', '/'), '/__init__.py' if is_package else '.py')] = text
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode('utf-8') + b'\0' + files[path].encode('utf-8') + b'\0')
    digest = digest.hexdigest()[:16]
    files[MANIFEST] = HEADER + '# The netns.systemd engine %s: %d files.\n' % (digest, len(files))
    return digest, files


def launcher_text(engine_path):
    """The command operators run (netns-engine): the engine of this version, with the host's python3."""
    return '#!/bin/sh\n%s# What the netns.systemd units and playbook do, for operators: netns-engine plan NAME\n' \
        'exec /usr/bin/python3 %s "$@"\n' % (HEADER, engine_path)


def model_text(item):
    """The model file of one namespace: its item as netns_chain was given it."""
    return json.dumps(item, sort_keys=True, indent=1) + '\n'


def model_names(models_dir=MODEL_DIR):
    """The names of the namespaces that have a model file, in order."""
    return [os.path.basename(path)[:-len('.json')] for path in sorted(glob.glob(os.path.join(models_dir, '*.json')))]


def load_models(models_dir=MODEL_DIR, names=None):
    """The namespace items of every model file (or of those of ``names``), in name order."""
    items = []
    for name in model_names(models_dir) if names is None else names:
        text = read_file(os.path.join(models_dir, name + '.json'))
        if text is None:
            raise InvalidInput('netns %s has no model in %s: run the playbook again' % (name, models_dir))
        items.append(json.loads(text))
    return items


def load_entries(models_dir, names=None, sys_class_net=None):
    """The NamespaceEntries of the model files (all, or those of ``names``; links may lead to
    any namespace with a model)."""
    return _host.parse_entries(load_models(models_dir, names), sys_class_net=sys_class_net, others=set(model_names(models_dir)))


def _run(argv):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    except OSError as exc:
        return 127, '', str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def plan_namespace(entries, name, run=_run):
    """What the playbook's converger would do now for namespace ``name`` of ``entries``: its
    links (those of other namespaces that end in it too), sysctls, ruleset, FDB and WireGuard
    peers; ([lines], [errors]). Reads only."""
    entry = [_present(entries, name)]
    lines, errors = [], []
    if netns_id(name) is None:
        lines.append('+ netns %s (its units make it and all below: systemctl start netns_name@%s)' % (name, name))
    specs = [spec for found in _host.live_specs(entries).values() for spec in found if any(end.netns == name for end in spec.ends)]
    if specs:
        with _converge.LinkPlan(specs, check_mode=True, conflict_hint='its unit would take it over') as plan:
            lines.extend(plan.lines)
    with inside_parts(entry, run) as inside:
        inside.check()
        found, _diffs, failed = inside.converge(True)
    lines.extend(found)
    errors.extend(failed.values())
    found, failed = _converge.converge_kinds_live(entry, True, run=run)
    lines.extend(found)
    errors.extend(failed.values())
    return lines, errors


def _present(entries, name):
    entry = [e for e in entries if e.name == name]
    if not entry or entry[0].state != 'present':
        raise InvalidInput('netns %s has no model here: netns_chain writes one for each present namespace' % name)
    return entry[0]


def start_kind(entries, name, kind, seconds=PARENT_WAIT_SECONDS):
    """What netns-KIND@NAME.service does when it starts: the links of ``kind`` in ``name``
    made and set by the playbook's converger, then what the kind sets on them (a vxlan's
    FDB); [lines]."""
    entry = _present(entries, name)
    found = KINDS[kind]
    specs = entry.links.get(kind, [])
    with NamespaceHandles() as handles:
        needed = [('%s %s' % (kind, what), link) for spec in specs for what, link in found.waits_for(spec, handles)]
    _hostnet.wait_for_host_links(needed, seconds)
    with _converge.LinkPlan(specs, check_mode=False, conflict_hint='remove it, or rename the link') as plan:
        plan.apply()
        lines = list(plan.lines)
    found_lines, errors = _converge.converge_kinds_live([entry], False, kinds=[kind])
    if errors:
        raise NetnsError('; '.join(errors[key] for key in sorted(errors)))
    return lines + found_lines


def stop_kind(entries, name, kind):
    """What netns-KIND@NAME.service does when it stops: its links removed (only links of that
    kind: anything else with the name is left, and said); [lines]."""
    entry = [e for e in entries if e.name == name and e.state == 'present']
    if not entry or netns_id(name) is None:
        return []  # nothing declared, or no namespace: whatever was in it went with it
    specs = []
    for spec in entry[0].links.get(kind, []):
        spec = copy.copy(spec)
        spec.state = 'absent'
        specs.append(spec)
    with _converge.LinkPlan(specs, check_mode=False) as plan:
        plan.apply()
        return list(plan.lines)


def boot_all(models_dir, run=_run, boot_list=BOOT_LIST):
    """What netns-boot.service does: the namespaces of the boot list that have a model, at
    once; [messages]."""
    modelled = set(model_names(models_dir))
    names = [name for name in _start.boot_names(boot_list) if name in modelled]
    if not names:
        return []
    try:
        entries = load_entries(models_dir, names)
    except (InvalidInput, ValueError) as exc:
        return ['the models do not load (%s): every namespace is left to its units' % exc]
    marked, messages = _start.boot(entries, run)
    return messages + ['%d of %d namespaces up' % (len(marked), len(names))]


# The part commands that make host links (a bridge): IPv4 forwarding is set on them after.
NEW_HOST_LINKS = ('ports',)


def forward_on_new_links(host_dir=HOST_DIR):
    """IPv4 forwarding on the host links host/forward names one by one that exist now (a unit
    just made them: they are born with it off); [lines]."""
    return _hostnet.forward_on_interfaces(_hostnet.read_host_files(host_dir))


USAGE = '''usage: netns-engine plan NAME...    what would be done now for each namespace, in words
       netns-engine up NAME          namespace NAME made or adopted, and set up, with its veths to the host (netns_name-up@NAME);
                                     without a model, a bare namespace
       netns-engine links NAME       all its veths made or found, and set (netns-veth-up@NAME)
       netns-engine boot             every namespace of the boot list, at once (netns-boot.service)
       netns-engine host             forwarding and the NAT table of the host (netns-host.service)
       netns-engine ports NAME       NAME's veths join their bridges (netns-bridge@NAME); unports: leave them
       netns-engine wireguard NS IF HOW  a WireGuard interface made and moved in (netns-wireguard@NS)
       netns-engine start NAME KIND  the links of KIND in NAME made and set (netns-KIND@NAME)
       netns-engine stop NAME KIND   ... and removed
       netns-engine dhcp NAME IF DNS the DHCP client of interface IF in NAME (netns-KIND@NAME, addresses: dhcp)
       netns-engine dhcp6 NAME IF DNS  ... its DHCPv6 client (addresses: dhcp6)
       netns-engine run NAME [--] COMMAND...  COMMAND in NAME as a bound service runs, its DNS isolation
                                     included (through systemd-run; ip netns exec cannot hide nscd)
       netns-engine version          this engine's content hash
option: --models DIR                 read the model files there (default %s)
''' % MODEL_DIR


def main(argv, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    models_dir = MODEL_DIR
    if len(argv) >= 2 and argv[0] == '--models':
        models_dir, argv = argv[1], argv[2:]
    if not argv or argv[0] in ('-h', '--help'):
        out.write(USAGE)
        return 0 if argv else 2
    command, names = argv[0], argv[1:]
    try:
        if command == 'version':
            out.write(engine_files()[0] + '\n')
            return 0
        if command == 'boot' and not names:
            for line in boot_all(models_dir) + forward_on_new_links():
                err.write('%s\n' % line)
            return 0
        commands = dict((name, function) for source in list(KINDS.values()) + list(NETNS_PARTS.values()) + [dhcp]
                        for name, function in source.engine_commands().items())
        if command in commands:
            for line in list(commands[command](names, _run)) + (forward_on_new_links() if command in NEW_HOST_LINKS else []):
                err.write('%s\n' % line)
            return 0
        if command == 'host' and not names:
            _hostnet.apply_host(_hostnet.read_host_files(HOST_DIR), _run)
            return 0
        if command in ('up', 'links') and len(names) == 1:
            # A name no playbook declared (systemctl start netns_name@NAME): a bare namespace.
            adhoc = command == 'up' and names[0] not in model_names(models_dir)
            entries = _host.parse_entries([{'name': names[0]}], sys_class_net=None) if adhoc else load_entries(models_dir, names)
            entry = _present(entries, names[0])
            lines = _start.start_netns(entry, _run) if command == 'up' else _start.start_links(entry)
            for line in lines + forward_on_new_links():
                err.write('%s\n' % line)
            return 0
        if command in ('start', 'stop') and len(names) == 2 and names[1] in KINDS:
            # The units run before the host is complete (a parent named late): no host checks.
            # A stop after the model went (the namespace declared absent) has nothing to read.
            gone = command == 'stop' and names[0] not in model_names(models_dir)
            entries = [] if gone else load_entries(models_dir, names[:1])
            act = start_kind if command == 'start' else stop_kind
            for line in act(entries, names[0], names[1]):
                err.write('%s\n' % line)
            return 0
        if command == 'run' and names:
            command_argv = names[2:] if names[1:2] == ['--'] else names[1:]
            argv = _binding.run_argv(names[0], command_argv, sys.stdin.isatty())
            os.execvp(argv[0], argv)
        if command in ('plan', 'show') and names:
            entries = _host.parse_entries(load_models(models_dir))
            status = 0
            for name in names:
                lines, errors = plan_namespace(entries, name)
                for line in lines:
                    out.write('%s\n' % line)
                for error in errors:
                    err.write('netns %s: %s\n' % (name, error))
                    status = 1
                if not lines and not errors:
                    out.write('netns %s: nothing to do\n' % name)
            return status
    except (InvalidInput, NetnsError, OSError, ValueError) as exc:
        err.write('netns-engine: %s\n' % exc)
        return 1
    err.write(USAGE)
    return 2
