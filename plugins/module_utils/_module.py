# -*- coding: utf-8 -*-
# Copyright: (c) 2026, netns.systemd developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the link modules share: argument specs built from small pieces, and the run.

Private to the collection: not an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.netns.systemd.plugins.module_utils._kinds.macvlan import MODES as MACVLAN_MODES
from ansible_collections.netns.systemd.plugins.module_utils._names import FailedAfterChanges, InvalidInput, NetnsError

ROUTES = dict(type='list', elements='dict', options=dict(dst=dict(type='str', required=True), gateway=dict(type='str')))


def _end_options(prefix=''):
    return {
        prefix + 'netns': dict(type='str'),
        prefix + 'addresses': dict(type='list', elements='str'),
        prefix + 'mac': dict(type='str'),
        prefix + 'routes': ROUTES,
    }


# Per-link options; in items of ``links`` state/recreate/create_netns fall back to the top level.
_PER_LINK = dict(
    state=dict(type='str', choices=['present', 'absent']),
    recreate=dict(type='bool'),
    create_netns=dict(type='bool'),
)

VETH_ITEM = dict(name=dict(type='str'), peer=dict(type='str'), mtu=dict(type='int'), **_end_options())
VETH_ITEM.update(_end_options('peer_'))

MACVLAN_ITEM = dict(name=dict(type='str'), parent=dict(type='str'), mtu=dict(type='int'),
                    mode=dict(type='str', choices=list(MACVLAN_MODES)),
                    **_end_options())


def link_argument_spec(item_options, required_in_item):
    """Top-level options = one link's options + ``links`` (a list of such links) + defaults."""
    item = dict(item_options, **_PER_LINK)
    links_item = dict((key, dict(value, required=True) if key in required_in_item else value) for key, value in item.items())
    spec = dict(item_options)
    spec.update(
        links=dict(type='list', elements='dict', options=links_item),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        recreate=dict(type='bool', default=False),
        create_netns=dict(type='bool', default=False),
    )
    return spec


def new_module(argument_spec, **kwargs):
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    # Imported here, not at the top: pyroute2 takes a third of a second to import and
    # the netns module does not need it.
    from ansible_collections.netns.systemd.plugins.module_utils._rtnl import HAS_PYROUTE2, PYROUTE2_IMPORT_ERROR
    if not HAS_PYROUTE2:
        module.fail_json(msg=missing_required_lib('pyroute2', reason='to talk netlink'), exception=PYROUTE2_IMPORT_ERROR)
    return module


def finish(module, result):
    """exit_json with the change lines as ``changes`` and, in diff mode, as the diff: each
    file's before and after (``file_diffs``), as template and copy show them, then the lines."""
    lines = result.pop('diff_lines')
    file_diffs = result.pop('file_diffs', [])
    for warning in result.pop('warnings', ()):
        module.warn(warning)
    result['changes'] = lines
    if module._diff:
        prepared = {'prepared': '\n'.join(lines)} if lines else {}
        result['diff'] = list(file_diffs) + ([prepared] if prepared else []) if file_diffs else prepared
    module.exit_json(**result)


def run_safely(module, converge):
    """Call ``converge()``; user and system errors become fail_json, never a traceback."""
    try:
        return converge()
    except InvalidInput as exc:
        module.fail_json(msg='%s (nothing was changed)' % exc)
    except FailedAfterChanges as exc:
        module.fail_json(msg=str(exc), changed=bool(exc.lines), changes=exc.lines)
    except NetnsError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EACCES):
            module.fail_json(msg='%s: managing network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); '
                                 'use become: true' % exc)
        raise
