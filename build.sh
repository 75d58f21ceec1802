#!/usr/bin/env bash
# Build both examples' browser clients, each into its own output/ (uses .venv if there is one).
set -euo pipefail
cd "$(dirname "$0")"
if [ -d .venv/bin ]; then
    PATH="$PWD/.venv/bin:$PATH"
fi
bash flaskcors/build.sh
bash flaskcelery/build.sh
