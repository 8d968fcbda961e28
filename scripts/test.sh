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
# shellcheck source=scripts/steps.sh
source "$ROOT/scripts/steps.sh"
VENV=${NETNS_VENV:-${NETNS_CACHE:-/var/cache/netns-systemd}/venv}
IMPORTER_VENV=${NETNS_IMPORTER_VENV:-${NETNS_CACHE:-/var/cache/netns-systemd}/importer-venv}
export PATH=$VENV/bin:$PATH

RESULTS=()
T0=$EPOCHREALTIME


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
    isolated "$@"
    rc=$STEP_RC
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

# ansible-test units on the pure tests of tests/unit, in a copy laid out as ansible-test wants;
# it makes (once) and reuses a venv with pytest for them.
units() {
    local dest python_version
    UNITS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-units.XXXXXX")
    # Runs in run_step's subshell: this trap removes the copy when the step ends.
    trap 'rm -rf "$UNITS_WORK"' EXIT
    dest=$(collection_copy "$UNITS_WORK")
    python_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    (cd "$dest" && ansible-test units --venv --color no --python "$python_version")
}

# The pure tests as an unprivileged user (they need no root), from a copy nobody may read.
unprivileged() {
    local dest
    NOBODY_WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-nobody.XXXXXX")
    # Runs in run_step's subshell: this trap removes the copy when the step ends.
    trap 'rm -rf "$NOBODY_WORK"' EXIT
    dest=$(collection_copy "$NOBODY_WORK")
    chmod -R a+rX "$NOBODY_WORK"
    # A home of its own, the one place nobody may write (ansible's config makes ~/.ansible/tmp).
    mkdir "$NOBODY_WORK/home"
    chown nobody:nogroup "$NOBODY_WORK/home"
    (cd "$dest" && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$NOBODY_WORK/home" \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/unit)
}

# galaxy-importer on the tarball ansible-galaxy builds, offline and without containers
# (scripts/galaxy-importer.cfg): fails on its non-zero exit or on any ERROR line.
galaxy_import() {
    local log rc=0
    IMPORT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-import.XXXXXX")
    # Runs in run_step's subshell: this trap removes the tarball when the step ends.
    trap 'rm -rf "$IMPORT_WORK"' EXIT
    ansible-galaxy collection build "$ROOT" --output-path "$IMPORT_WORK"
    log=$IMPORT_WORK/importer.log
    # The importer runs ansible-doc and ansible-lint from PATH: those of its own venv. It
    # writes importer_result.json into the current directory.
    (
        cd "$IMPORT_WORK"
        PATH=$IMPORTER_VENV/bin:$PATH GALAXY_IMPORTER_CONFIG=$ROOT/scripts/galaxy-importer.cfg \
            "$IMPORTER_VENV/bin/python" -m galaxy_importer.main "$IMPORT_WORK"/netns-systemd-*.tar.gz
    ) >"$log" 2>&1 || rc=$?
    cat "$log"
    if [ "$rc" -ne 0 ]; then
        echo "galaxy-importer exited $rc"
        return 1
    fi
    if grep -Eq '^(ERROR|CRITICAL)' "$log"; then
        echo "galaxy-importer reported errors"
        return 1
    fi
}

run_step setup bash scripts/setup.sh

# The kernel tests (tests/sandbox) and the pure ones (tests/unit), in the network sandbox.
run_step "pytest (venv, pyroute2 from PyPI)" \
    scripts/sandbox.sh "$VENV/bin/python" -m pytest -q tests/sandbox tests/unit
run_step "pytest (Debian python3, python3-pyroute2)" \
    env NETNS_TEST_PYROUTE2=debian scripts/sandbox.sh /usr/bin/python3 -m pytest -q tests/sandbox tests/unit
# The pure tests again, as ansible-test runs them: no sandbox.
run_step "ansible-test units" units
run_step "pure tests as nobody" unprivileged

if [ "$QUICK" -eq 1 ]; then
    exit 0
fi

# ansible-test sanity of every supported ansible-core (2.15 to 2.20), each from its own venv,
# and antsibull-docs' docs lint: about 1.5 min once the venvs exist, 6 min the first time.
run_step "ansible-test sanity (2.15 to 2.20) and docs lint" bash scripts/sanity-matrix.sh
# Only the work tree's copy of this collection: molecule leaves another in ~/.ansible.
run_step "ansible-lint" env ANSIBLE_COLLECTIONS_PATH="$ROOT/.ansible/collections" ansible-lint
run_step "galaxy-importer" galaxy_import
# The docs site, built with antsibull-docs and Sphinx, its links checked, two pages opened in
# headless Chromium.
run_step "docs site" bash scripts/docs.sh

# Later issue: molecule scenarios need the podman images that setup.sh will build.
if [ -d molecule ]; then
    run_step molecule molecule test --all
fi
