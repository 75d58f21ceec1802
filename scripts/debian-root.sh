#!/usr/bin/env bash
# Makes (once per machine) a Debian root with debootstrap and the given Debian packages in it,
# for the "today's stack" test tier (tests/e2e/test_today_stack.py, tests/e2e/test_debian_python.py).
#
#   scripts/debian-root.sh SUITE DIR [PACKAGE...]
#
# A root that is already complete (DIR/.flaskexamples-ready names the same packages) is
# reused as it is: the tier costs the debootstrap and apt time once per machine. The mirror
# is the one the host's apt uses. Needs root and debootstrap.
set -euo pipefail
suite=$1 dir=$2
shift 2
packages=("$@")
stamp="$dir/.flaskexamples-ready"
want="$suite ${packages[*]}"
# The host's network settings, and pip's configuration and CA bundle (a proxy's CA may be in
# it), copied in on every run. The bundle also goes in as a local CA, so that it survives the
# root's ca-certificates package rebuilding /etc/ssl/certs (apt in the root, make system-deps).
configure() {
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  for conf in /etc/pip.conf /etc/xdg/pip; do
    if [ -e "$conf" ]; then
      mkdir -p "$dir$(dirname "$conf")"
      cp -a "$conf" "$dir$(dirname "$conf")/"
    fi
  done
  mkdir -p "$dir/etc/ssl/certs" "$dir/usr/local/share/ca-certificates"
  cp -L /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
  cp -L /etc/ssl/certs/ca-certificates.crt "$dir/usr/local/share/ca-certificates/host-bundle.crt"
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  configure
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "debian-root: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "debian-root: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

# The host's Debian mirror: the first http(s) URI of a "debian" archive in its apt sources
# (deb822 "URIs:" or one-line "deb URI suite" form), else deb.debian.org.
mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           /etc/apt/sources.list.d/*.sources \
         | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}

# Debian 12's debootstrap has no script for newer suites; sid's works for them.
script=/usr/share/debootstrap/scripts/$suite
[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid

# Never into what is mounted in an old root (its /proc, /dev/shm): refuse instead.
if grep -q " $dir/" /proc/mounts; then
  echo "debian-root: file systems are mounted under $dir (umount them first)" >&2
  exit 1
fi
rm -rf --one-file-system "$dir"
mkdir -p "$(dirname "$dir")"
debootstrap --variant=minbase "$suite" "$dir" "$mirror" "$script" >"$dir.debootstrap.log" 2>&1 \
  || { tail -n 20 "$dir.debootstrap.log" >&2; exit 1; }

configure
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$dir/etc/hosts"
# Packages must not start their services in the root: the tests start them on free ports.
printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
chmod +x "$dir/usr/sbin/policy-rc.d"

mount -t proc proc "$dir/proc"
trap 'umount "$dir/proc" 2>/dev/null || true' EXIT
# A mirror snapshot's Release file for a moving suite may be past its Valid-Until date.
chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  apt-get -qq -o Acquire::Check-Valid-Until=false update
if [ ${#packages[@]} -gt 0 ]; then
  chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >"$dir.apt.log" 2>&1 \
    || { tail -n 20 "$dir.apt.log" >&2; exit 1; }
fi
chroot "$dir" apt-get clean
configure

echo "$want" > "$stamp"
