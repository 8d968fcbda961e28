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

# collection_copy DIR: ansible-test needs the collection at .../ansible_collections/NS/NAME in
# a git work tree: copy the files git would see (tracked and untracked, not ignored) to
# DIR/ansible_collections/netns/systemd, commit them there, and print that path.
collection_copy() {
    local dest=$1/ansible_collections/netns/systemd
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
            commit -q --no-verify -m "collection snapshot"
    )
    printf '%s\n' "$dest"
}
