#!/usr/bin/env bash
# Installs the Debian packages the test suite starts for real: Chromium (browser tests),
# RabbitMQ and Redis (Celery broker and result backend), wrk (benchmarks).
# Skips what is already there; without root it says what is missing and carries on.
set -euo pipefail
packages=(chromium rabbitmq-server redis-server wrk)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: not root; missing Debian packages: ${missing[*]}" >&2
  echo "install-system-deps: tests that need them are skipped (or fail with CI=true)." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
