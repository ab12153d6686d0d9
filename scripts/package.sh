#!/usr/bin/env bash
# Builds the Debian package (CPack) from ./build: herald in /usr/bin, its
# config in /etc/herald (a conffile), a systemd unit, data in
# /var/lib/herald (postinst makes the herald user and the directory).
# Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dpkg-shlibdeps >/dev/null || { apt-get update -qq && apt-get install -y -qq dpkg-dev >/dev/null; }
[ -x build/apps/herald ] || bash scripts/build.sh >&2
[ -f build/CPackConfig.cmake ] || cmake -S . -B build >/dev/null
mkdir -p build/package
(cd build && cpack -G DEB -B "$PWD/package" >&2)
ls -t build/package/herald_*.deb | head -1 | xargs realpath
