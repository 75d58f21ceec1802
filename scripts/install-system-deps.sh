#!/usr/bin/env bash
# Installs the Debian packages the test suite starts for real: Chromium (browser tests),
# RabbitMQ and Redis (Celery broker and result backend), wrk (benchmarks), nginx and Apache
# (the deployment configs in docs/deploy/ are tested against both), Node.js (runs the
# bundled JavaScript in a unit test), Xvfb and xwd (x11-apps) for the desktop client's tests
# and screenshots, the Tk library tkinter links against, and iproute2 (`ip netns`: a worker
# on another "machine", a network namespace).
# Skips what is already there; without root it says what is missing and carries on.
set -euo pipefail
packages=(chromium rabbitmq-server redis-server wrk nginx apache2 nodejs xvfb x11-apps libtk8.6
          iproute2)
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
# The tests start each server themselves, on free ports: keep apt from starting the system
# services (nginx and Apache would both want port 80).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
