# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/sanity-matrix.sh: their steps' common parts.

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

# isolated COMMAND...: run it in a subshell outside any "||" context, so that set -e holds
# inside shell functions too; its exit code in STEP_RC.
isolated() {
    set +e
    (set -e; "$@")
    # shellcheck disable=SC2034  # read by the scripts that source this file
    STEP_RC=$?
    set -e
}
