#!/bin/sh
# Run a command in a private network and mount namespace, with private /run/netns,
# /etc/netns, /sys, /run/wireguard (wireguard-go's sockets), the collection's own
# /etc/netns-systemd and /run/netns-systemd, and the network managers' directories it writes
# to where they exist, so nothing it does reaches the machine's own network or files.
set -eu
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
mkdir -p /run/netns /etc/netns /etc/netns-systemd /run/netns-systemd /run/wireguard
# Tests compare this with their own namespace to refuse running outside a sandbox.
NETNS_SANDBOX_OUTER=$(stat -L -c %i /proc/self/ns/net)
export NETNS_SANDBOX_OUTER
# The inner shell expands its own variables.
# shellcheck disable=SC2016
exec unshare --net --mount --propagation private -- sh -c '
  mount -t tmpfs -o mode=0755 tmpfs /run/netns &&
  mount -t tmpfs -o mode=0755 tmpfs /etc/netns &&
  mount -t tmpfs -o mode=0755 tmpfs /etc/netns-systemd &&
  mount -t tmpfs -o mode=0755 tmpfs /run/netns-systemd &&
  mount -t tmpfs -o mode=0755 tmpfs /run/wireguard &&
  for d in /etc/systemd/network /etc/NetworkManager/conf.d; do
    if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 1; fi
  done &&
  mount -t sysfs sysfs /sys &&
  ip link set lo up &&
  exec "$@"' sandbox "$@"
