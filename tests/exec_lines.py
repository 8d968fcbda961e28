"""Reading a unit's Exec lines the way systemd does, for the tests."""

import shlex


def systemd_unquote(line):
    """Split an Exec line the way systemd does for the quoting quote_arg produces."""
    words = shlex.split(line.split('=', 1)[1].lstrip('-'), posix=True)
    return [w.replace('%%', '%').replace('$$', '$') for w in words]
