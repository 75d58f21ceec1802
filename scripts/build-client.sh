#!/usr/bin/env bash
# Build one example's browser client: scripts/build-client.sh EXAMPLE_DIR MODULE
#
# Compiles EXAMPLE_DIR/MODULE.py with Transcrypt (pyjamas/ found on the repository root) and
# assembles EXAMPLE_DIR/output/: pyjamas/public/ (the widgets' stylesheet), EXAMPLE_DIR/public/
# without server code (no services/, no *.py), and the compiled JavaScript in output/js/. The new output/ is staged beside the old
# one and swapped in with two renames, so a failed build leaves the previous output intact.
# Rebuilding unchanged sources gives identical files.
set -euo pipefail

die() { echo "build-client: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 EXAMPLE_DIR MODULE"
example_dir=$(cd "$1" && pwd) || die "no directory $1"
module=$2
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_file="$example_dir/$module.py"
[ -f "$source_file" ] || die "no module $source_file"
[ -d "$example_dir/public" ] || die "no $example_dir/public/"

if [ -x "$repo_root/.venv/bin/transcrypt" ]; then
    transcrypt="$repo_root/.venv/bin/transcrypt"
    python="$repo_root/.venv/bin/python"
else
    transcrypt=$(command -v transcrypt) || die "transcrypt not found (make setup, or put it on PATH)"
    python=$(command -v python3)
fi

# staged on the same file system as output/, so the final renames are cheap and whole
work=$(mktemp -d "$example_dir/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# -b: rebuild everything; -n: no minifier (it needs Java); -xp: find pyjamas/ at the root
if ! "$transcrypt" -b -n -od "$work/js" -xp "$repo_root" "$source_file" >"$work/log" 2>&1; then
    cat "$work/log" >&2
    die "Transcrypt failed to compile $source_file"
fi
rm -f "$work/js/"*.project  # compiler bookkeeping, with timestamps
"$python" "$repo_root/scripts/trim_imports.py" "$work/js"

stage="$work/output"
mkdir "$stage"
cp "$repo_root/pyjamas/public/"* "$stage/"
tar -C "$example_dir/public" --exclude=services --exclude='*.py' --exclude='*.pyc' \
    --exclude=__pycache__ -cf - . | tar -C "$stage" -xf -
mv "$work/js" "$stage/js"

if [ -e "$example_dir/output" ]; then
    mv "$example_dir/output" "$work/previous"
fi
mv "$stage" "$example_dir/output"
echo "built $example_dir/output/ ($module)"
