#!/usr/bin/env bash
# Compile FLASKCELERYExample.py into output/ (html, css, js): copy output/ to any web server.
exec "$(dirname "$0")/../scripts/build-client.sh" "$(dirname "$0")" FLASKCELERYExample
