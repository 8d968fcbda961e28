#!/usr/bin/env bash
# Let ansible-test bootstrap pip offline. It downloads get-pip.py from a host that is not
# reachable here, unless ~/.ansible/test/cache/get_pip_X_Y.py exists; X.Y is the pip its
# version pins (with setuptools and wheel before ansible-core 2.18). For each venv given, this
# downloads those wheels from PyPI once and writes a get_pip script that installs them from
# the local wheel directory. Used by scripts/setup.sh and scripts/sanity-matrix.sh.
# Usage: scripts/ansible-test-pip.sh VENV...   (VENV: a venv with ansible-core installed)
set -euo pipefail

CACHE=${NETNS_CACHE:-/var/cache/netns-systemd}
WHEELS=$CACHE/wheels

say() { printf 'ansible-test-pip: %s\n' "$*"; }
die() { echo "ansible-test-pip: error: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 VENV..."

write_get_pip() {
    local venv=$1 packages pip_version spec name version wheel cache script want
    [ -x "$venv/bin/python" ] || die "$venv is not a venv"
    # name==version per line, pip first: what ansible-test passes to get_pip for this Python.
    packages=$("$venv/bin/python" - <<'EOF'
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
version = "%d.%d" % sys.version_info[:2]
for name, pinned in get_venv_packages(types.SimpleNamespace(version=version)).items():
    if pinned:
        print("%s==%s" % (name, pinned))
EOF
)
    pip_version=$(sed -n 's/^pip==//p' <<<"$packages")
    [ -n "$pip_version" ] || die "ansible-test in $venv names no pip version"
    while IFS= read -r spec; do
        name=${spec%%==*}
        version=${spec#*==}
        wheel=$WHEELS/$name-$version-py
        if ! compgen -G "$wheel*.whl" >/dev/null; then
            say "downloading $spec wheel"
            "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
                --only-binary :all: -d "$WHEELS" "$spec"
            compgen -G "$wheel*.whl" >/dev/null || die "pip download did not produce $wheel*.whl"
        fi
    done <<<"$packages"
    wheel=$(compgen -G "$WHEELS/pip-$pip_version-py*.whl" | head -n 1)
    cache=${HOME:-/root}/.ansible/test/cache
    script=$cache/get_pip_${pip_version//./_}.py
    want=$(cat <<EOF
"""Offline get-pip for ansible-test (written by netns.systemd scripts/ansible-test-pip.sh)."""
import sys

WHEEL = "$wheel"
sys.path.insert(0, WHEEL)  # pip can run from its own wheel

from pip._internal.cli.main import main  # noqa: E402

# --no-setuptools and --no-wheel are get-pip options, not pip install ones.
ARGS = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-index", "--find-links", "$WHEELS", *ARGS]))
EOF
)
    if [ "$(cat "$script" 2>/dev/null)" = "$want" ]; then
        say "up to date ($script)"
        return
    fi
    mkdir -p "$cache"
    printf '%s\n' "$want" >"$script.tmp"
    mv "$script.tmp" "$script"
    say "written $script"
}

mkdir -p "$WHEELS"
for venv in "$@"; do
    write_get_pip "$venv"
done
