#!/usr/bin/env bash
# The demo: in a throwaway systemd container (Debian 12), a playbook puts namespaces blue
# and red, their veths, DNS, and a web server running as nobody inside blue, all brought up
# by systemd units. It shows the ping across the lab, a request to the service, the units,
# a second run with nothing to change, a reboot of the container with everything back, and
# removes the container at the end. The machine's own network is not touched.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
VENV=${NETNS_VENV:-${NETNS_CACHE:-/var/cache/netns-systemd}/venv}
export PATH=$VENV/bin:$PATH

NAME=netns-demo
work=$(mktemp -d)
cleanup() {
    podman rm -f -t 5 "$NAME" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
show() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_box() { podman exec "$NAME" "$@"; }
wait_for_boot() {
    local state=
    for _ in $(seq 60); do
        state=$(in_box systemctl is-system-running --wait 2>/dev/null) || true
        case "$state" in running|degraded) return 0 ;; esac
        sleep 1
    done
    echo "demo: the container did not boot (state: ${state:-none})" >&2
    return 1
}

show "1. a systemd container from localhost/netns-bookworm"
podman rm -f "$NAME" >/dev/null 2>&1 || true
podman run -d --name "$NAME" --privileged --systemd=always localhost/netns-bookworm:latest >/dev/null
wait_for_boot

mkdir -p "$work/ansible_collections/netns"
ln -s "$ROOT" "$work/ansible_collections/netns/systemd"
printf '%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3 ansible_become=false\n' "$NAME" > "$work/inventory"
export ANSIBLE_COLLECTIONS_PATH=$work ANSIBLE_LOCAL_TEMP=$work/tmp ANSIBLE_RETRY_FILES_ENABLED=0

show "2. the playbook examples/service_in_netns.yml (--diff shows each change)"
ansible-playbook -i "$work/inventory" examples/service_in_netns.yml --diff

show "3. red pings blue across the veth"
in_box ip netns exec red ping -c 2 -W 2 10.1.0.2

show "4. the web server answers inside blue, and not on the host's loopback"
in_box busybox wget -q -O - http://10.10.1.2:8080/
in_box sh -c 'busybox wget -q -O /dev/null http://127.0.0.1:8080/ 2>&1 | grep -q "Connection refused" && echo "refused on the host loopback: right" || echo "reachable on the host (wrong)"'
pid=$(in_box systemctl show -p MainPID --value web.service)
echo "web.service pid $pid runs as $(in_box ps -o user= -p "$pid") in netns $(in_box stat -L -c %i /proc/"$pid"/ns/net), /run/netns/blue is $(in_box stat -L -c %i /run/netns/blue)"

show "5. the units"
in_box systemctl --no-pager status netns-boot.service netns_name@blue.service netns-veth@blue.service web.service |
    grep -E '^(●|\s+(Loaded|Active|Drop-In):)' || true
# What makes blue's veths when the unit starts on its own (the boot batch did it this time).
in_box systemctl --no-pager cat netns-veth-up@blue.service | sed -n '/netns-systemd.conf/,$p'

show "6. what the host has: netns_info, drawn by the netns_picture filter (examples/picture.yml)"
ansible-playbook -i "$work/inventory" examples/picture.yml -e picture_dir="$work/pictures" | grep -A1 'info.problems' || true
cat "$work/pictures/$NAME.mmd"
if [ -f "$work/pictures/$NAME.svg" ]; then
    cp "$work/pictures/$NAME.svg" "${NETNS_DEMO_PICTURE:-/tmp/netns-demo.svg}"
    echo "(the same as SVG: ${NETNS_DEMO_PICTURE:-/tmp/netns-demo.svg})"
fi

show "7. second run: nothing to change"
ansible-playbook -i "$work/inventory" examples/service_in_netns.yml | tail -n 3

show "8. reboot the container: everything comes back from the units alone"
podman restart "$NAME" >/dev/null
wait_for_boot
in_box ip netns list
echo "brought up by the boot batch: $(in_box ls /run/netns-systemd/booted | tr '\n' ' ')"
in_box ip netns exec red ping -c 1 -W 2 10.1.0.2 | tail -n 2
in_box busybox wget -q -O /dev/null http://10.10.1.2:8080/ && echo "web server answers in blue after the reboot"

show "done: the container is removed now"
