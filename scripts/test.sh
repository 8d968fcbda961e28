#!/usr/bin/env bash
# Run every check of netns.systemd, stopping at the first failure.
# Usage: scripts/test.sh [--quick]   (--quick: only the two pytest runs)
set -euo pipefail

QUICK=0
case "${1:-}" in
    "") ;;
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,3s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${NETNS_VENV:-${NETNS_CACHE:-/var/cache/netns-systemd}/venv}
export PATH=$VENV/bin:$PATH

RESULTS=()
T0=$EPOCHREALTIME

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

summary() {
    local rc=$? line
    echo
    echo "==== summary ===="
    for line in "${RESULTS[@]}"; do echo "$line"; done
    if [ "$rc" -eq 0 ]; then
        echo "all checks passed in $(elapsed "$T0")"
    else
        echo "FAILED (exit $rc) after $(elapsed "$T0")"
    fi
}
trap summary EXIT

# run_step NAME COMMAND...: print a header, run, record the result; exit on failure.
run_step() {
    local name=$1 start rc=0
    shift
    echo
    echo "==== $name ===="
    start=$EPOCHREALTIME
    # A subshell outside any "||" context, so that set -e holds inside shell functions.
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        RESULTS+=("PASS  $name  $(elapsed "$start")")
        echo "---- $name: passed in $(elapsed "$start")"
        return 0
    fi
    # pytest's 5 means no test was collected: a failure here, never a pass.
    [ "$rc" -ne 5 ] || echo "---- $name: no tests collected (exit 5)"
    RESULTS+=("FAIL  $name  $(elapsed "$start")  (exit $rc)")
    echo "---- $name: FAILED (exit $rc) after $(elapsed "$start")"
    exit "$rc"
}

pytest_dirs() {
    local d
    for d in tests/unit tests/integration; do
        [ ! -d "$d" ] || printf '%s\n' "$d"
    done
}

# ansible-test needs the collection at .../ansible_collections/NS/NAME in a git work tree:
# copy the files git would see (tracked and untracked, not ignored) and commit them there.
sanity() {
    local dest python_version
    SANITY_WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-sanity.XXXXXX")
    # Runs in run_step's subshell: this trap removes the copy when the step ends.
    trap 'rm -rf "$SANITY_WORK"' EXIT
    dest=$SANITY_WORK/ansible_collections/netns/systemd
    mkdir -p "$dest"
    git ls-files -z -co --exclude-standard |
        while IFS= read -r -d '' f; do
            # A tracked file deleted in the work tree is still listed: skip it.
            if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
        done |
        tar --null -T - -cf - | tar -xf - -C "$dest"
    (
        cd "$dest"
        git -c init.defaultBranch=main init -q
        git add -A
        git -c user.name=netns-sanity -c user.email=sanity@localhost \
            commit -q --no-verify -m "sanity snapshot"
    )
    python_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    # Each test with tools gets its own venv under ~/.ansible/test/venv; pip is bootstrapped
    # there offline by the get_pip script that scripts/setup.sh put in ~/.ansible/test/cache.
    (cd "$dest" && ansible-test sanity --color no --python "$python_version")
}

run_step setup bash scripts/setup.sh

mapfile -t DIRS < <(pytest_dirs)
[ ${#DIRS[@]} -gt 0 ] || { echo "no tests/unit or tests/integration directory" >&2; exit 1; }
run_step "pytest (venv, pyroute2 from PyPI)" \
    scripts/sandbox.sh "$VENV/bin/python" -m pytest -q "${DIRS[@]}"
run_step "pytest (Debian python3, python3-pyroute2)" \
    env NETNS_TEST_PYROUTE2=debian scripts/sandbox.sh /usr/bin/python3 -m pytest -q tests/unit

if [ "$QUICK" -eq 1 ]; then
    exit 0
fi

run_step "ansible-test sanity" sanity
# Only the work tree's copy of this collection: molecule leaves another in ~/.ansible.
run_step "ansible-lint" env ANSIBLE_COLLECTIONS_PATH="$ROOT/.ansible/collections" ansible-lint

# Later issue: molecule scenarios need the podman images that setup.sh will build.
if [ -d molecule ]; then
    run_step molecule molecule test --all
fi
