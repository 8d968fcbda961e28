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
IMPORTER_VENV=${NETNS_IMPORTER_VENV:-$CACHE/importer-venv}
IMPORTER_REQUIREMENTS=$ROOT/scripts/importer-requirements.txt
APT_PACKAGES=(podman runc mmdebstrap python3-venv python3-pyroute2 python3-pytest iproute2 iputils-ping shellcheck git nftables graphviz wireguard-go wireguard-tools
              busybox dnsmasq-base)

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
# ~/.ansible/test/cache/get_pip_X_Y.py instead when that file exists. The same helper
# writes the files the other ansible-core versions want (scripts/sanity-matrix.sh).
prepare_ansible_test_pip() {
    local line
    bash "$ROOT/scripts/ansible-test-pip.sh" "$VENV" | while IFS= read -r line; do
        step ansible-test-pip "${line#ansible-test-pip: }"
    done
}

# galaxy-importer (scripts/test.sh runs it on the built tarball) has its own venv: it pins
# ansible-lint and ansible-core itself. Rebuilt in place when its requirements change; the
# hash is written last, so a venv left half-built by a failure is rebuilt next time.
build_importer_venv() {
    local hash
    hash=$(sha256sum "$IMPORTER_REQUIREMENTS" | cut -d' ' -f1)
    if [ "$(cat "$IMPORTER_VENV/.requirements.sha256" 2>/dev/null)" = "$hash" ] &&
        "$IMPORTER_VENV/bin/python" -c 'import galaxy_importer' 2>/dev/null; then
        step importer-venv "up to date ($IMPORTER_VENV)"
        return
    fi
    step importer-venv "building $IMPORTER_VENV from scripts/importer-requirements.txt"
    if [ -e "$IMPORTER_VENV" ]; then
        [ -f "$IMPORTER_VENV/pyvenv.cfg" ] || die "$IMPORTER_VENV exists and is not a venv: not replacing it"
        rm -rf "$IMPORTER_VENV"
    fi
    "$VENV_PYTHON" -m venv "$IMPORTER_VENV"
    "$IMPORTER_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$IMPORTER_REQUIREMENTS"
    echo "$hash" >"$IMPORTER_VENV/.requirements.sha256"
    step importer-venv "ready"
}

# The local podman images (bookworm, trixie) for molecule and the demo; images.sh skips
# an image whose recipe label matches.
build_images() {
    bash "$ROOT/scripts/images.sh"
}

# Debian 13's static busybox, which has udhcpc6 (Debian 12's has not), out of the trixie image:
# the sandbox tests of addresses: dhcp6 mount it over /bin/busybox in their own mount namespace.
copy_busybox() {
    local out=$CACHE/busybox-udhcpc6 image=localhost/netns-trixie:latest id ctr
    id=$(podman image inspect --format '{{.Id}}' "$image")
    if [ "$(cat "$out.image" 2>/dev/null)" = "$id" ] && [ -x "$out" ]; then
        step busybox-udhcpc6 "up to date ($out)"
        return
    fi
    ctr=$(podman create "$image")
    podman cp "$ctr:/usr/bin/busybox" "$out.new"
    podman rm "$ctr" >/dev/null
    "$out.new" --list | grep -qx udhcpc6 || die "the busybox of $image has no udhcpc6"
    mv -f "$out.new" "$out"
    echo "$id" >"$out.image"
    step busybox-udhcpc6 "copied from $image ($out)"
}

install_packages
build_venv
build_importer_venv
write_containers_conf
prepare_ansible_test_pip
build_images
copy_busybox
echo "setup: venv is $VENV (add $VENV/bin to PATH)"
