#!/usr/bin/env bash
# Creates .venv with the pinned packages (requirements-dev.txt: runtime, tests, docs), and
# installs this repository into it (editable: flask_pyjamas, pyjamas, both examples, and the
# pyjsbuild command), so every command works from any directory.
# On Debian, `python3 -m venv` needs the python3-venv package: installed here when root.
set -euo pipefail
python=${PYTHON:-python3}
venv=${VENV:-.venv}
if ! "$python" -m venv "$venv" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    rm -rf "$venv"
    "$python" -m venv "$venv"
  else
    echo "setup-venv: '$python -m venv' failed: Debian's python3 needs python3-venv: run 'sudo make system-deps' (or: sudo apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
