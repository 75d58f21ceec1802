#!/usr/bin/env bash
# Installs the Debian packages the test suite starts for real: Chromium (browser tests),
# RabbitMQ and Redis (Celery broker and result backend), wrk (benchmarks), nginx and Apache
# (the deployment configs in docs/deploy/ are tested against both), Node.js (runs the
# bundled JavaScript in a unit test), Xvfb and xwd (x11-apps) for the desktop client's tests
# and screenshots, the Tk library tkinter links against (libtk8.6 for a Python built from
# source such as pyenv's; python3-tk for Debian's own python3), python3-venv (Debian's python3
# makes no virtual environment without it), iproute2 (`ip netns`: a worker on another
# "machine", a network namespace) and debootstrap (the "today's stack" tier's Debian roots).
# Skips what is already there; without root it says, in one line, what is missing and the one
# command that installs it, and carries on (the tests that need them are skipped).
set -euo pipefail
packages=(chromium rabbitmq-server redis-server wrk nginx apache2 nodejs xvfb x11-apps libtk8.6
          python3-tk python3-venv iproute2 debootstrap)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing Debian packages (${missing[*]}): run 'sudo make system-deps'; until then the tests that need them are skipped (CI=true: they fail)" >&2
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
