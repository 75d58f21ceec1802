#!/usr/bin/env bash
# Compile Flask_JSONRPC_CORS.py into output/ (html, css, js): copy output/ to any web server.
# pyjsbuild is the flask_pyjamas library's build command (make setup installs it in .venv).
set -euo pipefail
exec pyjsbuild "$(dirname "$0")/Flask_JSONRPC_CORS.py" "$@"
