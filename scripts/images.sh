#!/usr/bin/env bash
# Build the local podman images that the molecule scenarios and the demo boot:
#   localhost/netns-bookworm:latest  (Debian 12, systemd 252)
#   localhost/netns-trixie:latest    (Debian 13, systemd 257)
# Usage: scripts/images.sh [--check] [SUITE...]   (run as root; SUITE: bookworm, trixie; default both)
#   --check  exit 0 if every image exists with the current recipe label, else 1; builds nothing.
# Each image carries a label with a hash of its recipe; an image whose label matches is skipped.
# NETNS_MIRROR overrides the Debian mirror (default http://deb.debian.org/debian).
set -euo pipefail

# Bump when the build changes in a way the recipe text below does not show.
RECIPE_VERSION=1
LABEL_KEY=netns.systemd.recipe
MIRROR=${NETNS_MIRROR:-http://deb.debian.org/debian}
CACHE=${NETNS_CACHE:-/var/cache/netns-systemd}
ALL_SUITES=(bookworm trixie)

# busybox gives the tests a tiny HTTP server (busybox httpd) and the DHCP clients of
# addresses: dhcp; nftables, the NAT of egress and port forwards, the user firewall the tests
# keep, and the rulesets of namespaces; wireguard-go and wireguard-tools, WireGuard where the
# kernel has none (this one has not). Debian 13's busybox has udhcpc6 (dhcp6): its static build,
# which the sandbox tests also run on this Debian 12 machine (setup.sh copies it out), and
# dnsmasq, the lab's DHCPv6 server.
BOOKWORM_PACKAGES=systemd,systemd-sysv,dbus,python3,iproute2,python3-pyroute2,iputils-ping,procps,busybox,nftables,wireguard-go,wireguard-tools
TRIXIE_PACKAGES=systemd,systemd-sysv,dbus,python3,iproute2,python3-pyroute2,iputils-ping,procps,busybox-static,nftables,wireguard-go,wireguard-tools,dnsmasq-base

# Units masked in the image because they fail or stall boot in a container.
BOOKWORM_MASKED=()
TRIXIE_MASKED=(
    # 257 fails without the host kernel's /lib/modules ("Failed to initialize libkmod context:
    # Operation not supported"), and boot ends degraded; 252 starts it without error.
    systemd-modules-load.service
)

# A plain tarball of a minimal Debian, built as root; podman imports it.
MMDEBSTRAP_OPTIONS=(--variant=minbase --mode=root --format=tar)
# How podman runs the imported root file system: systemd as PID 1, stopped the way it expects.
IMPORT_CHANGES=('CMD ["/sbin/init"]' 'STOPSIGNAL SIGRTMIN+3' 'ENV container=oci')

say() { printf 'images: %-34s %s\n' "$1" "$2"; }
die() { echo "images: error: $*" >&2; exit 1; }

image_name() { printf 'localhost/netns-%s:latest' "$1"; }

suite_packages() {
    case $1 in
        bookworm) printf '%s' "$BOOKWORM_PACKAGES" ;;
        trixie) printf '%s' "$TRIXIE_PACKAGES" ;;
    esac
}

# mmdebstrap hooks of a suite, one per line; each runs with the image's root directory in "$1".
suite_hooks() {
    local masked=()
    case $1 in
        bookworm) masked=("${BOOKWORM_MASKED[@]}") ;;
        trixie) masked=("${TRIXIE_MASKED[@]}") ;;
    esac
    if [ ${#masked[@]} -gt 0 ]; then
        printf '%s\n' "chroot \"\$1\" systemctl mask ${masked[*]}"
    fi
}

# Everything that decides an image's content; its hash is the image's label.
recipe_hash() {
    local suite=$1
    {
        printf 'recipe-version %s\n' "$RECIPE_VERSION"
        printf 'suite %s\n' "$suite"
        printf 'mmdebstrap %s\n' "${MMDEBSTRAP_OPTIONS[*]}"
        printf 'packages %s\n' "$(suite_packages "$suite")"
        suite_hooks "$suite" | sed 's/^/customize-hook /'
        printf 'change %s\n' "${IMPORT_CHANGES[@]}"
    } | sha256sum | cut -d' ' -f1
}

# The recipe label of an existing image; empty if the image or the label is missing.
image_label() {
    local label
    label=$(podman image inspect --format "{{ index .Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null) || return 0
    [ "$label" = "<no value>" ] || printf '%s' "$label"
}

# Removed on any exit: a failed or interrupted build leaves no temporary file behind.
WORK=
cleanup() {
    # --one-file-system: never descend into a /proc, /sys or /dev a killed mmdebstrap left mounted.
    if [ -n "$WORK" ]; then rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Images this script replaced (untagged, with our label), once no container uses them.
remove_replaced_images() {
    local id
    for id in $(podman images --quiet --filter dangling=true --filter "label=$LABEL_KEY"); do
        podman rmi "$id" >/dev/null 2>&1 || true
    done
}

build_image() {
    local suite=$1 hash=$2 image start hook change id
    local args=("${MMDEBSTRAP_OPTIONS[@]}" "--include=$(suite_packages "$suite")")
    image=$(image_name "$suite")
    start=$SECONDS
    while IFS= read -r hook; do
        args+=("--customize-hook=$hook")
    done < <(suite_hooks "$suite")

    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/netns-image-$suite.XXXXXX")
    # apt downloads as user _apt inside mmdebstrap's directory, which lies below this one.
    chmod 0755 "$WORK"
    # mmdebstrap's own chroot directory goes into $WORK too, so the cleanup covers it.
    if ! TMPDIR=$WORK mmdebstrap "${args[@]}" "$suite" "$WORK/rootfs.tar" "$MIRROR" >"$WORK/mmdebstrap.log" 2>&1; then
        tail -n 30 "$WORK/mmdebstrap.log" >&2
        die "mmdebstrap failed for $suite (last lines above)"
    fi

    # Import untagged, then move the tag: the name only ever points at a complete image.
    args=()
    for change in "${IMPORT_CHANGES[@]}" "LABEL $LABEL_KEY=$hash"; do
        args+=(--change "$change")
    done
    id=$(podman import --quiet "${args[@]}" "$WORK/rootfs.tar") || die "podman import failed for $suite"
    podman tag "$id" "$image"
    rm -rf --one-file-system "$WORK"
    WORK=
    say "$image" "built in $((SECONDS - start)) s"
}

CHECK=0
SUITES=()
for arg in "$@"; do
    case "$arg" in
        --check) CHECK=1 ;;
        -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
        bookworm|trixie) SUITES+=("$arg") ;;
        *) echo "usage: $0 [--check] [bookworm|trixie ...]" >&2; exit 2 ;;
    esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=("${ALL_SUITES[@]}")

[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root, root's podman image store)"

if [ "$CHECK" -eq 1 ]; then
    rc=0
    for suite in "${SUITES[@]}"; do
        image=$(image_name "$suite")
        label=$(image_label "$image")
        if [ "$label" = "$(recipe_hash "$suite")" ]; then
            say "$image" "up to date"
        elif [ -n "$label" ]; then
            say "$image" "outdated (recipe changed)"; rc=1
        elif podman image exists "$image"; then
            say "$image" "outdated (no recipe label)"; rc=1
        else
            say "$image" "missing"; rc=1
        fi
    done
    exit "$rc"
fi

mkdir -p "$CACHE"
# Two runs at once (setup and a test run) would build the same image twice.
exec 9>"$CACHE/images.lock"
flock 9

# One after the other: mmdebstrap and dpkg already keep both cores busy.
for suite in "${SUITES[@]}"; do
    image=$(image_name "$suite")
    hash=$(recipe_hash "$suite")
    if [ "$(image_label "$image")" = "$hash" ]; then
        say "$image" "skipped (up to date)"
    else
        build_image "$suite" "$hash"
    fi
done
remove_replaced_images
