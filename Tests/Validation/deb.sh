#!/bin/sh
# Installs the .deb on a clean Debian 12 root and uses it there: apt resolves its Depends from
# the Debian mirror, bpfrec records a command (the host's kernel, through /sys), bpfan reads the
# recording as an unprivileged user, and the man pages and completions are where Debian looks.
# The root is made once with `debootstrap --variant=minbase bookworm` in DIR/root and every run
# uses a fresh overlay of it, so the install always starts from a clean system.
# Usage: Tests/Validation/deb.sh FILE.deb [DIR]   (make check-deb; root and network)
set -eu
deb=$(readlink -f "$1")
dir=${2:-/var/tmp/bpfrec-deb-test}
fail() { echo "deb: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mounts)"
[ -f "$deb" ] || fail "$deb: no such file (make deb)"
mkdir -p "$dir"
if [ ! -x "$dir/root/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || fail "needs debootstrap (apt-get install debootstrap)"
  rm -rf "$dir/root"
  debootstrap --variant=minbase bookworm "$dir/root" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 || fail "debootstrap: see $dir/debootstrap.log"
fi
run=$(mktemp -d "$dir/run.XXXXXX")
mkdir -p "$run/upper" "$run/work" "$run/merged"
cleanup() {
  for m in dev/pts dev sys proc; do umount -R "$run/merged/$m" 2>/dev/null || true; done
  umount "$run/merged" 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=$dir/root,upperdir=$run/upper,workdir=$run/work" "$run/merged"
r=$run/merged
mount -t proc proc "$r/proc"
mount --rbind /sys "$r/sys"
mount --bind /dev "$r/dev"
mount --bind /dev/pts "$r/dev/pts"
cp /etc/resolv.conf "$r/etc/resolv.conf"
[ ! -e "$r/opt/swift" ] || fail "the clean root has /opt/swift"
cp "$deb" "$r/tmp/bpfrec.deb"
chroot "$r" sh -eu -c '
  export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends /tmp/bpfrec.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
  dpkg -s bpfrec | grep -q "^Status: install ok installed"
  bpfrec --version
  bpfan --version
  bpfrec record -o /tmp/run.trc --families proc,syscalls -- /bin/sh -c "/bin/true; exit 4" 2>/tmp/rec.err && st=0 || st=$?
  [ "$st" = 4 ] || { cat /tmp/rec.err; echo "bpfrec returned $st, not the command status 4"; exit 1; }
  chown nobody /tmp/run.trc
  su -s /bin/sh nobody -c "bpfan check /tmp/run.trc && bpfan execsnoop /tmp/run.trc" >/tmp/bpfan.out
  grep -q sound /tmp/bpfan.out && grep -q /bin/true /tmp/bpfan.out || { cat /tmp/bpfan.out; exit 1; }
  test -f /usr/share/man/man1/bpfan.biolatency.1.gz
  test -f /usr/share/man/man1/bpfrec.record.1.gz
  test -f /usr/share/bash-completion/completions/bpfan
  test -f /usr/share/zsh/site-functions/_bpfrec
  test -f /usr/share/fish/vendor_completions.d/bpfan.fish
  echo "installed: $(dpkg -s bpfrec | grep -E "^(Version|Installed-Size|Depends):" | tr "\n" " ")"
' || fail "in the clean Debian 12 root"
echo "deb: ok: $(basename "$deb") ($(stat -c %s "$deb") bytes) installs and runs on a clean Debian 12 root"
