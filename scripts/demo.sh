#!/usr/bin/env bash
# The demo: build the two-namespace lab (blue and red joined by a veth) with the
# collection's modules through ansible-playbook, show it, ping across it, run it again
# to show nothing changes. Everything happens in a private network namespace
# (scripts/sandbox.sh) that vanishes when the demo ends: the machine's network is untouched.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
VENV=${NETNS_VENV:-${NETNS_CACHE:-/var/cache/netns-systemd}/venv}

if [ "${1:-}" != --inside ]; then
    exec scripts/sandbox.sh bash "$0" --inside
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ansible_collections/netns"
ln -s "$ROOT" "$work/ansible_collections/netns/systemd"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$VENV/bin/python" > "$work/inventory"
export ANSIBLE_COLLECTIONS_PATH=$work ANSIBLE_LOCAL_TEMP=$work/tmp ANSIBLE_RETRY_FILES_ENABLED=0

echo "== 1. the playbook, first run (--diff shows each change) =="
"$VENV/bin/ansible-playbook" -i "$work/inventory" examples/lab.yml --diff
echo "== 2. what the kernel has now =="
ip netns list
ip -n blue -br addr show veth-b
ip -n red -br addr show veth-r
echo "== 3. second run: nothing to change =="
"$VENV/bin/ansible-playbook" -i "$work/inventory" examples/lab.yml | tail -n 3
echo "== done: the sandbox and everything in it go away now =="
