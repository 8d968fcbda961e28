"""The engine for real in the sandbox: its files, as netns_chain installs them, run by this
Python as a program of their own (in CI once with the venv's Python and pyroute2, once with
Debian's python3 and python3-pyroute2), read the model files and say what the playbook's
converger would do: the same lines, since it is the same code."""

import os
import subprocess
import sys

import kernel
from ansible_collections.netns.systemd.plugins.module_utils._converge import converge_links
from ansible_collections.netns.systemd.plugins.module_utils._engine import ENTRY, engine_files, model_text, plan_namespace
from ansible_collections.netns.systemd.plugins.module_utils._host import live_specs, parse_entries

LAB = [
    {'name': 'blue', 'links': [{'addresses': ['10.9.0.2/24'], 'peer_addresses': ['10.9.0.1/24'],
                                'routes': [{'dst': 'default', 'gateway': '10.9.0.1'}]},
                               {'name': 'veth-b', 'peer': 'veth-r', 'peer_netns': 'red', 'addresses': ['10.1.0.2/24']}]},
    {'name': 'red', 'links': [{'addresses': ['10.9.1.2/24'], 'peer_addresses': ['10.9.1.1/24']}]},
]


def install(tmp_path):
    """The engine's files and the models, as netns_chain writes them; the entry's path."""
    digest, files = engine_files()
    here = tmp_path / 'engine' / digest
    for path, text in files.items():
        (here / path).parent.mkdir(parents=True, exist_ok=True)
        (here / path).write_text(text)
    models = tmp_path / 'model'
    models.mkdir()
    for item in LAB:
        (models / ('%s.json' % item['name'])).write_text(model_text(item))
    return str(here / ENTRY), str(models)


def engine(entry, models, *args):
    # Run from another directory, with no PYTHONPATH: the engine finds its code beside itself.
    env = dict((k, v) for k, v in os.environ.items() if k != 'PYTHONPATH')
    return subprocess.run([sys.executable, entry, '--models', models] + list(args), capture_output=True, text=True,
                          check=False, cwd='/', env=env)


def test_the_engine_runs_from_its_own_files_and_plans_what_the_converger_plans(tmp_path):
    entry, models = install(tmp_path)
    kernel.ip(None, 'netns', 'add', 'blue')
    entries = parse_entries(LAB)
    expected = plan_namespace(entries, 'blue')[0] + plan_namespace(entries, 'red')[0]
    proc = engine(entry, models, 'plan', 'blue', 'red')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected
    # blue's veth to the host and red's veth from blue; red is its units' to make.
    assert '+ veth blue:ve-blue1 <-> host:ve-blue0' in expected and '+ route default via 10.9.0.1 on blue:ve-blue1' in expected
    assert '+ netns red (its units make it and all below: systemctl start netns_name@red)' in expected
    # Once the converger has done it, the engine has nothing to say about blue.
    kernel.ip(None, 'netns', 'add', 'red')
    converge_links([s for specs in live_specs(entries).values() for s in specs], check_mode=False)
    proc = engine(entry, models, 'plan', 'blue')
    assert (proc.returncode, proc.stdout) == (0, 'netns blue: nothing to do\n'), proc.stderr
    # Drift made by hand is what it reports.
    kernel.ip('blue', 'addr', 'add', '10.9.0.9/24', 'dev', 've-blue1')
    assert engine(entry, models, 'plan', 'blue').stdout == '- address 10.9.0.9/24 on blue:ve-blue1\n'


def test_it_says_what_it_cannot_do_and_how_it_is_used(tmp_path):
    entry, models = install(tmp_path)
    missing = engine(entry, models, 'plan', 'green')
    assert missing.returncode == 1 and 'netns green has no model here' in missing.stderr
    usage = engine(entry, models)
    assert usage.returncode == 2 and 'netns-engine plan NAME' in usage.stdout
    assert engine(entry, models, 'version').stdout.strip() == engine_files()[0]


def test_a_name_no_playbook_declared_is_made_bare_and_its_unit_stop_removes_it(tmp_path):
    """systemctl start netns_name@adhoc, as the seeds' users do: the creator's worker runs
    "up adhoc" with no model, and ExecStop's ip netns delete removes the name."""
    entry, models = install(tmp_path)
    proc = engine(entry, models, 'up', 'adhoc')
    assert proc.returncode == 0, proc.stderr
    assert '+ netns adhoc' in proc.stderr.splitlines()
    links = kernel.ip_json('adhoc', 'link', 'show')
    assert [link['ifname'] for link in links] == ['lo'] and 'UP' in links[0]['flags']
    assert open('/etc/netns/adhoc/resolv.conf').read() == ''
    assert 'hosts:          files dns' in open('/etc/netns/adhoc/nsswitch.conf').read().splitlines()
    # Again: the same namespace, nothing to say; a bad name is refused before anything is made.
    inode = os.stat('/run/netns/adhoc').st_ino
    again = engine(entry, models, 'up', 'adhoc')
    assert (again.returncode, again.stderr, os.stat('/run/netns/adhoc').st_ino) == (0, '', inode)
    bad = engine(entry, models, 'up', 'a/b')
    assert bad.returncode == 1 and "contains '/'" in bad.stderr and not os.path.lexists('/run/netns/a')
    # The unit's ExecStop.
    kernel.ip(None, 'netns', 'delete', 'adhoc')
    assert 'adhoc' not in kernel.netns_names()
