#!/usr/bin/env bash
# Build the collection's docs site: the modules, roles and plugins (from their ansible-doc
# documentation) and the guides of docs/docsite (docs/docsite/extra-docs.yml), with
# antsibull-docs and Sphinx, every warning an error; then check it: every local link and
# anchor resolves, and in headless Chromium the index and a guide render, the picture shown.
#
#   bash scripts/docs.sh [OUT]      # the site in OUT (default build/docs), index at OUT/index.html
#
# Runs as root on Debian 12 (installs chromium and chromium-driver when missing, and keeps its
# venv in /var/cache/netns-systemd/docs-venv). Offline: nothing is fetched but packages.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${NETNS_CACHE:-/var/cache/netns-systemd}
DOCS_VENV=${NETNS_DOCS_VENV:-$CACHE/docs-venv}
REQUIREMENTS=$ROOT/scripts/docs-requirements.txt
OUT=$(realpath -m "${1:-$ROOT/build/docs}")

say() { printf 'docs: %s\n' "$*"; }

packages() {
    local missing=() pkg
    for pkg in chromium chromium-driver python3-venv; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# The venv, built again when the requirements change (their hash is written last, so one left
# half-built by a failure is rebuilt).
venv() {
    local want
    want=$(sha256sum "$REQUIREMENTS" | cut -c1-16)
    if [ "$(cat "$DOCS_VENV/.requirements" 2>/dev/null)" = "$want" ]; then
        return
    fi
    say "building $DOCS_VENV"
    rm -rf "$DOCS_VENV"
    /usr/bin/python3 -m venv "$DOCS_VENV"
    "$DOCS_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" 2>"$CACHE/docs-venv.log" || {
        cat "$CACHE/docs-venv.log" >&2
        exit 1
    }
    echo "$want" >"$DOCS_VENV/.requirements"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/docs.lock"
flock 9
packages
venv
export PATH=$DOCS_VENV/bin:$PATH

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The collection as antsibull-docs finds it: this work tree, by name.
mkdir -p "$WORK/collections/ansible_collections/netns"
ln -s "$ROOT" "$WORK/collections/ansible_collections/netns/systemd"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
SITE=$WORK/site
mkdir -m 700 "$SITE"

antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$SITE" \
    --project netns.systemd --title netns.systemd --html-short-title netns.systemd netns.systemd >/dev/null
# Offline: the Ansible docs' labels the pages refer to come from an inventory made here.
python3 "$ROOT/scripts/docsite.py" inventory "$SITE/ansible_devel.inv"
cat >>"$SITE/conf.py" <<CONF

# scripts/docs.sh: built offline, with an inventory of the Ansible docs' labels it links to.
intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '$SITE/ansible_devel.inv')}
CONF
chmod 700 "$SITE/rst"
(cd "$SITE" && antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --fail-on-error \
    --use-current --dest-dir rst netns.systemd)
# The guides' images, beside the guides (antsibull-docs copies only their text).
cp -r "$ROOT/docs/docsite/rst/images" "$SITE/rst/collections/netns/systemd/docsite/"
sphinx-build -q -b html "$SITE/rst" "$SITE/html" -c "$SITE" -W --keep-going
say "built: $(find "$SITE/html" -name '*.html' | wc -l) pages"

python3 "$ROOT/scripts/docsite.py" links "$SITE/html"
python3 "$ROOT/scripts/docsite.py" browser "$SITE/html"

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
cp -r "$SITE/html" "$OUT"
say "the site is in $OUT (index: $OUT/index.html)"
