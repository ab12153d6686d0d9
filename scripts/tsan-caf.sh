#!/usr/bin/env bash
# CAF 0.17.6 built with -fsanitize=thread, for scripts/sanitize.sh's TSan
# run. Debian's libcaf_core is not instrumented, so TSan sees none of its
# locks and atomics and reports every hand-over of a message as a race;
# the same Debian release's own source package (actor-framework, the
# source of libcaf-dev) built here with TSan gives it those edges.
# Installs into build-tsan-caf/prefix and prints that path.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD/build-tsan-caf
prefix=$root/prefix
if [ -f "$prefix/lib/libcaf_core.so" ] && [ -f "$prefix/include/caf/all.hpp" ]; then
  echo "$prefix"; exit 0
fi
mkdir -p "$root/src"
version=0.17.6
tarball=$root/src/actor-framework_$version.orig.tar.gz
if [ ! -f "$tarball" ]; then
  # Debian's source lists, for this package only (the machine has no deb-src).
  list=/etc/apt/sources.list.d/herald-src.sources
  if [ ! -f "$list" ]; then
    cat > "$list" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  apt-get update -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 >&2
  command -v dpkg-source >/dev/null || apt-get install -y --no-install-recommends dpkg-dev >&2
  # Only the upstream tarball is needed (Debian's patches touch packaging
  # and one header, patched below): a missing debian.tar.xz on the mirror
  # does not stop the build.
  (cd "$root/src" && apt-get source --download-only "actor-framework=$version-2.1" >&2) || true
  [ -f "$tarball" ] || { echo "tsan-caf: could not fetch $tarball from Debian's source archive" >&2; exit 1; }
  want=$(awk '/^Checksums-Sha256:/{f=1;next} f&&/orig.tar.gz/{print $1; exit}' "$root/src"/actor-framework_*.dsc)
  have=$(sha256sum "$tarball" | cut -d' ' -f1)
  [ "$want" = "$have" ] || { echo "tsan-caf: $tarball does not match the .dsc's checksum" >&2; rm -f "$tarball"; exit 1; }
fi
src=$root/src/actor-framework-$version
[ -d "$src" ] || tar -xzf "$tarball" -C "$root/src"
# Debian's one change to the headers it installs (g++ 12 needs it); the
# rest of its patch set is packaging. The installed headers then equal
# /usr/include/caf's byte for byte.
grep -q '^#include <limits>$' "$src/libcaf_io/caf/io/network/receive_buffer.hpp" \
  || sed -i 's|^#include <cstring>$|#include <cstring>\n#include <limits>|' "$src/libcaf_io/caf/io/network/receive_buffer.hpp"
grep -q '^#include <limits>$' "$src/libcaf_io/caf/io/network/receive_buffer.hpp" \
  || { echo "tsan-caf: receive_buffer.hpp did not take the <limits> patch" >&2; exit 1; }
# The same settings as Debian's build (log level QUIET, memory management
# on): the headers herald compiles against must match the libraries.
cmake -S "$root/src/actor-framework-$version" -B "$root/build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_OPENSSL=yes \
  -DCAF_NO_BENCHMARKS=yes -DCAF_NO_SUMMARY=yes -DCAF_NO_COMPILER_CHECK=yes >&2
cmake --build "$root/build" -j"$(nproc)" >&2
cmake --install "$root/build" >&2
echo "$prefix"
