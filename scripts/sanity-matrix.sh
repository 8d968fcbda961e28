#!/usr/bin/env bash
# ansible-test sanity with every ansible-core minor version the collection supports, each from
# its own venv, then antsibull-docs' lint of the collection docs. Runs every version and
# fails at the end if one failed; a version with no suitable Python is skipped (SKIP line).
# Usage: scripts/sanity-matrix.sh [2.X ...]   (default: 2.15 2.16 2.17 2.18 2.19 2.20)
set -euo pipefail

case "${1:-}" in
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/steps.sh
source "$ROOT/scripts/steps.sh"
CACHE=${NETNS_CACHE:-/var/cache/netns-systemd}
PYENV_VERSIONS=${PYENV_ROOT:-${HOME:-/root}/.pyenv}/versions
DOCS_VENV=$CACHE/sanity-venv-docs
# antsibull-docs and the ansible-core whose ansible-doc it runs, pinned to the tested versions.
DOCS_PACKAGES=(antsibull-docs==2.28.0 ansible-core==2.19.14)

if [ $# -gt 0 ]; then VERSIONS=("$@"); else VERSIONS=(2.15 2.16 2.17 2.18 2.19 2.20); fi

RESULTS=()
FAILED=0
T0=$EPOCHREALTIME


# The controller Pythons each ansible-core accepts (lowest and highest minor of 3.x).
python_range() {
    case "$1" in
        2.15) echo "9 11" ;;
        2.16|2.17) echo "10 12" ;;
        2.18|2.19) echo "11 13" ;;
        2.20) echo "12 14" ;;
        *) return 1 ;;
    esac
}

# find_python 2.X: an interpreter with venv and ensurepip in the accepted range, Debian's
# first (the one the project's venv uses), then pyenv's.
find_python() {
    local low high minor candidate candidates=()
    read -r low high < <(python_range "$1") || return 1
    for minor in $(seq "$low" "$high"); do candidates+=("/usr/bin/python3.$minor"); done
    for minor in $(seq "$low" "$high"); do candidates+=("$PYENV_VERSIONS"/3."$minor".*/bin/python3."$minor"); done
    for candidate in "${candidates[@]}"; do
        if [ -x "$candidate" ] && "$candidate" -c 'import venv, ensurepip, ssl' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# make_venv DIR PYTHON PACKAGE...: built once; the stamp (interpreter and packages) is written
# last, so a venv left half-built or asked for other packages is rebuilt.
make_venv() {
    local dir=$1 python=$2 want
    shift 2
    want="$python $*"
    if [ "$(cat "$dir/.netns-stamp" 2>/dev/null)" = "$want" ] && "$dir/bin/python" -c '' 2>/dev/null; then
        return 0
    fi
    echo "sanity-matrix: building $dir ($python, $*)"
    if [ -e "$dir" ]; then
        [ -f "$dir/pyvenv.cfg" ] || { echo "sanity-matrix: $dir is not a venv: not replacing it" >&2; return 1; }
        rm -rf "$dir"
    fi
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
    printf '%s\n' "$want" >"$dir/.netns-stamp"
}

SANITY_WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-sanity-matrix.XXXXXX")
trap 'rm -rf "$SANITY_WORK"' EXIT

DEST=$(collection_copy "$SANITY_WORK")

# run NAME FUNCTION ARG...: the function in a subshell with set -e (outside any "||" context,
# so that it holds); exit 0 passes, 2 is a skip whose reason the function wrote to $SKIP_FILE.
SKIP_FILE=$SANITY_WORK/skip-reason
run() {
    local name=$1 start rc
    shift
    echo
    echo "==== $name ===="
    start=$EPOCHREALTIME
    rm -f "$SKIP_FILE"
    isolated "$@"
    rc=$STEP_RC
    if [ "$rc" -eq 0 ]; then
        RESULTS+=("PASS  $name  $(elapsed "$start")")
    elif [ "$rc" -eq 2 ] && [ -s "$SKIP_FILE" ]; then
        RESULTS+=("SKIP  $name  ($(cat "$SKIP_FILE"))")
    else
        RESULTS+=("FAIL  $name  $(elapsed "$start")  (exit $rc)")
        FAILED=1
    fi
}

# skip REASON: print the SKIP line and leave the reason for run().
skip() {
    echo "SKIP: $1"
    printf '%s\n' "$1" >"$SKIP_FILE"
    return 2
}

sanity_version() {
    local version=$1 python venv python_version low high
    if ! read -r low high < <(python_range "$version"); then
        skip "ansible-core $version is not a version this script knows"
    fi
    if ! python=$(find_python "$version"); then
        skip "ansible-core $version needs Python 3.$low-3.$high with venv; none in /usr/bin or $PYENV_VERSIONS"
    fi
    venv=$CACHE/sanity-venv-$version
    make_venv "$venv" "$python" "ansible-core==$version.*"
    # ansible-test bootstraps pip into its venvs with ~/.ansible/test/cache/get_pip_X_Y.py, and
    # each version wants its own pip: this writes that file, for use offline.
    bash "$ROOT/scripts/ansible-test-pip.sh" "$venv"
    python_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    echo "ansible-core $("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)') on Python $python_version ($python)"
    cd "$DEST"
    PATH=$venv/bin:$PATH ansible-test sanity --color no --python "$python_version"
}

docs_lint() {
    local python
    if ! python=$(find_python 2.19); then
        skip "antsibull-docs needs Python 3.11-3.13 with venv; none in /usr/bin or $PYENV_VERSIONS"
    fi
    make_venv "$DOCS_VENV" "$python" "${DOCS_PACKAGES[@]}"
    "$DOCS_VENV/bin/antsibull-docs" --version
    cd "$DEST"
    PATH=$DOCS_VENV/bin:$PATH antsibull-docs lint-collection-docs --plugin-docs .
}

for version in "${VERSIONS[@]}"; do
    run "ansible-test sanity $version" sanity_version "$version"
done
run "antsibull-docs lint-collection-docs" docs_lint

echo
echo "==== sanity matrix ===="
for line in "${RESULTS[@]}"; do echo "$line"; done
if [ "$FAILED" -ne 0 ]; then
    echo "sanity matrix FAILED after $(elapsed "$T0")"
    exit 1
fi
echo "sanity matrix passed in $(elapsed "$T0")"
