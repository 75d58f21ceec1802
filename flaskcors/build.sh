#!/usr/bin/env bash
# Compile Flask_JSONRPC_CORS.py into output/ (html, css, js): copy output/ to any web server.
exec "$(dirname "$0")/../scripts/build-client.sh" "$(dirname "$0")" Flask_JSONRPC_CORS
