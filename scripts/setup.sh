#!/usr/bin/env bash
# Prepare this machine (Debian 12, root) to build and test netns.systemd.
# Idempotent: every step checks first and skips what is already done.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${NETNS_CACHE:-/var/cache/netns-systemd}
VENV=${NETNS_VENV:-$CACHE/venv}
# Debian's interpreter is always there once python3-venv is installed; a pyenv one may not be.
VENV_PYTHON=${NETNS_VENV_PYTHON:-/usr/bin/python3}
REQUIREMENTS=$ROOT/tests/requirements.txt
WHEELS=$CACHE/wheels
APT_PACKAGES=(podman runc mmdebstrap python3-venv python3-pyroute2 python3-pytest iproute2 iputils-ping shellcheck git)

step() { printf 'setup: %-18s %s\n' "$1" "$2"; }
die() { echo "setup: error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages and writes /etc/containers)"

mkdir -p "$CACHE"
# Two setups at once (e.g. two test runs) would race on the venv rename.
exec 9>"$CACHE/setup.lock"
flock 9

install_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        step packages "already installed"
        return
    fi
    step packages "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The venv is built in a directory named after the requirements hash and a symlink at
# $VENV is renamed onto it only when complete: pip writes absolute paths into the
# venv's scripts, so the venv itself cannot be moved after it is built.
build_venv() {
    local hash real tmp_link old
    hash=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$hash" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
        step venv "up to date ($VENV)"
        return
    fi
    real=$VENV-${hash:0:16}
    step venv "building $real from tests/requirements.txt"
    rm -rf "$real"
    BUILDING=$real
    trap 'rm -rf "$BUILDING"' EXIT
    "$VENV_PYTHON" -m venv "$real"
    "$real/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
    # The pip version ansible-test bootstraps into its own venvs (get_pip_X_Y.py).
    "$real/bin/python" - >"$real/.ansible-test-pip" <<'EOF'
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
version = "%d.%d" % sys.version_info[:2]
print(get_venv_packages(types.SimpleNamespace(version=version))["pip"])
EOF
    echo "$hash" >"$real/.requirements.sha256"
    trap - EXIT
    tmp_link=$VENV.link.$$
    ln -sfn "$(basename "$real")" "$tmp_link"
    # A venv left as a plain directory cannot be replaced by rename: remove it first.
    if [ -d "$VENV" ] && [ ! -L "$VENV" ]; then
        [ -f "$VENV/pyvenv.cfg" ] || die "$VENV exists and is not a venv: not replacing it"
        rm -rf "$VENV"
    fi
    mv -T "$tmp_link" "$VENV"
    # Remove venvs built for earlier requirements (same prefix, 16 hex digits).
    for old in "$VENV"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]; do
        if [ "$old" != "$real" ] && [ -f "$old/pyvenv.cfg" ]; then rm -rf "$old"; fi
    done
    step venv "ready"
}

write_containers_conf() {
    local conf=/etc/containers/containers.conf nofile nproc want
    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    nproc=$(ulimit -Hu)
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
    # runc, not crun (no hybrid cgroups); explicit ulimits (no CAP_SYS_RESOURCE to raise them).
    want=$(cat <<EOF
# Written by netns.systemd scripts/setup.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
)
    if [ "$(cat "$conf" 2>/dev/null)" = "$want" ]; then
        step containers.conf "up to date"
        return
    fi
    mkdir -p "$(dirname "$conf")"
    printf '%s\n' "$want" >"$conf.tmp"
    mv "$conf.tmp" "$conf"
    step containers.conf "written ($conf)"
}

# ansible-test downloads get-pip.py from a host that is not reachable here; it uses
# ~/.ansible/test/cache/get_pip_X_Y.py instead when that file exists.
prepare_ansible_test_pip() {
    local version wheel cache script want
    version=$(cat "$VENV/.ansible-test-pip")
    wheel=$WHEELS/pip-$version-py3-none-any.whl
    if [ ! -f "$wheel" ]; then
        step ansible-test-pip "downloading pip $version wheel"
        "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
            --only-binary :all: -d "$WHEELS" "pip==$version"
        [ -f "$wheel" ] || die "pip download did not produce $wheel"
    fi
    cache=${HOME:-/root}/.ansible/test/cache
    script=$cache/get_pip_${version//./_}.py
    want=$(cat <<EOF
"""Offline get-pip for ansible-test (written by netns.systemd scripts/setup.sh)."""
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
        step ansible-test-pip "up to date ($script)"
        return
    fi
    mkdir -p "$cache"
    printf '%s\n' "$want" >"$script.tmp"
    mv "$script.tmp" "$script"
    step ansible-test-pip "written $script"
}

# The local podman images (bookworm, trixie) for molecule and the demo; images.sh skips
# an image whose recipe label matches.
build_images() {
    bash "$ROOT/scripts/images.sh"
}

install_packages
build_venv
write_containers_conf
prepare_ansible_test_pip
build_images
echo "setup: venv is $VENV (add $VENV/bin to PATH)"
