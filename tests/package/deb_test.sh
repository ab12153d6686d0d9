#!/usr/bin/env bash
# The Debian package (scripts/package.sh): its contents, and, as root on a
# machine without herald installed, a real install: the user and data
# directory postinst makes, the packaged binary started as the systemd
# unit starts it (its ExecStart, as its User) answering /healthz, then a
# purge that removes it all. Loopback only; what it starts it stops by pid.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deb=$(bash "$root/scripts/package.sh" 2>/dev/null)
tmp=$(mktemp -d)
pid=
installed=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -n "$installed" ] && dpkg --purge herald >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

dpkg-deb -x "$deb" "$tmp/root"
for f in usr/bin/herald etc/herald/config.ini usr/lib/systemd/system/herald.service usr/share/doc/herald/README.md; do
  [ -e "$tmp/root/$f" ] || fail "the package has no /$f"
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/herald/config.ini || fail "config.ini is not a conffile"
grep -q '^ExecStart=/usr/bin/herald --config /etc/herald/config.ini$' "$tmp/root/usr/lib/systemd/system/herald.service" \
  || fail "unexpected ExecStart"
grep -q '^data_dir = /var/lib/herald' "$tmp/root/etc/herald/config.ini" || fail "data_dir is not /var/lib/herald"
"$tmp/root/usr/bin/herald" --version | grep -q '^herald ' || fail "the packaged binary does not run"
echo "contents: ok ($(basename "$deb"), $(stat -c %s "$deb") bytes)"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
healthz() { # waits up to 10 s
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"status":"ok"' && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
if [ "$(id -u)" = 0 ] && ! dpkg -s herald >/dev/null 2>&1; then
  dpkg -i "$deb" >/dev/null || fail "dpkg -i failed"
  installed=1
  getent passwd herald >/dev/null || fail "postinst made no herald user"
  [ "$(stat -c %U /var/lib/herald)" = herald ] || fail "/var/lib/herald is not the herald user's"
  # As the unit runs it (User=herald, ExecStart), on a free port.
  exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/herald.service)
  runuser -u herald -- $exec_start --node.listen=127.0.0.1:$port > "$tmp/log" 2>&1 &
  pid=$!
  healthz || fail "the installed node did not answer /healthz: $(tail -5 "$tmp/log")"
  ls /var/lib/herald | grep -q . || fail "no RocksDB files under /var/lib/herald"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  dpkg --purge herald >/dev/null || fail "purge failed"
  installed=
  [ ! -e /usr/bin/herald ] || fail "/usr/bin/herald left after purge"
  [ ! -e /var/lib/herald ] || fail "/var/lib/herald left after purge"
  ! getent passwd herald >/dev/null || fail "the herald user left after purge"
  echo "install, start as the unit, /healthz, purge: ok"
else
  # Not root, or herald is installed here already: the extracted binary.
  "$tmp/root/usr/bin/herald" --config "$tmp/root/etc/herald/config.ini" --node.listen=127.0.0.1:$port \
    --node.data_dir="$tmp/data" > "$tmp/log" 2>&1 &
  pid=$!
  healthz || fail "the packaged node did not answer /healthz: $(tail -5 "$tmp/log")"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  echo "extracted binary, /healthz: ok (not installed: not root, or herald is installed already)"
fi
