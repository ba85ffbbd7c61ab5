#!/bin/sh
# make install into a scratch root, then checks what is there: both binaries, a man page for
# bpfrec, bpfan and every command either has (each tool's page carries its --help's options),
# and bash, zsh and fish completions (the bash one loads and completes bpfan's tools).
# Usage: Tests/Validation/install.sh   (make check-install)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "install: FAIL: $*" >&2; exit 1; }
make -C "$repo" --no-print-directory install DESTDIR="$root" PREFIX=/usr >"$root.log" 2>&1 || { cat "$root.log" >&2; rm -f "$root.log"; fail "make install"; }
rm -f "$root.log"
bin=$root/usr/bin man=$root/usr/share/man/man1
for p in bpfan bpfrec; do
  [ -x "$bin/$p" ] || { [ "$p" = bpfrec ] && [ ! -x "$repo/.build/release/bpfrec" ] && continue; fail "$bin/$p not installed"; }
  "$bin/$p" --version | grep -q "^$p " || fail "$p --version"
  [ -f "$man/$p.1" ] || fail "no $p.1"
  [ -f "$root/usr/share/bash-completion/completions/$p" ] || fail "no bash completion for $p"
  [ -f "$root/usr/share/zsh/site-functions/_$p" ] || fail "no zsh completion for $p"
  [ -f "$root/usr/share/fish/vendor_completions.d/$p.fish" ] || fail "no fish completion for $p"
done
# Every command bpfan has (the tools list's supported ones, and info/check/tools) has its page,
# and the page holds the options its --help lists.
tools=$("$bin/bpfan" tools | awk '$2 == "supported" || $2 ~ /^supported/ {print $1}')
count=0
for t in $tools info check tools; do
  page="$man/bpfan.$t.1"
  [ -f "$page" ] || fail "no man page for bpfan $t"
  for opt in $("$bin/bpfan" "$t" --help | grep -oE '^  +(-[A-Za-z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    # mdoc writes --from as `Fl -from` (Fl adds the first dash).
    grep -qF -- "Fl ${opt#-}" "$page" || fail "bpfan.$t.1 lacks $opt"
  done
  count=$((count + 1))
done
for c in record families; do [ -f "$man/bpfrec.$c.1" ] || [ ! -x "$bin/bpfrec" ] || fail "no bpfrec.$c.1"; done
if command -v man >/dev/null; then
  man -l "$man/bpfan.biolatency.1" 2>/dev/null | grep -q "Summarize block device I/O latency" || fail "bpfan.biolatency.1 does not render"
fi
# The bash completion loads and completes the tools' names.
bash -c ". '$root/usr/share/bash-completion/completions/bpfan' && complete -p bpfan" >/dev/null || fail "bash completion does not load"
echo "install: ok: $(ls "$man" | wc -l) man pages ($count bpfan commands checked against their --help), completions for bash, zsh and fish"
