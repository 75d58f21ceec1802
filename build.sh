#!/usr/bin/env bash
# Build every example's browser client (each into its own output/).
set -euo pipefail
cd "$(dirname "$0")"
bash flaskcors/build.sh
if [ -f flaskcelery/build.sh ]; then
    bash flaskcelery/build.sh
fi
