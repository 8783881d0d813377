#!/usr/bin/env bash
# Writes packaging/link-order.txt, the order in which LLD lays out the
# functions that short commands run (see build.rs). Run it again after a
# version bump or a dependency update (the hash in every Rust symbol name
# depends on the crate's version) and after large changes; names that have
# gone are skipped at link time, so an old file only orders less.
#
#   bash packaging/link-order.sh
#
# It links the release executable with a linker map, runs a set of everyday
# commands under callgrind against a private MariaDB, and lists the code
# sections they entered: those entered by the most commands first (start-up,
# configuration, the database connection), each group in link order.
# Needs valgrind and gawk (apt-get install valgrind gawk).
set -euo pipefail
cd "$(dirname "$0")/.."
for c in valgrind gawk; do command -v $c >/dev/null || { echo "install $c: apt-get install $c" >&2; exit 1; }; done
out=$PWD/packaging/link-order.txt
tmp=$(mktemp -d /tmp/indimail-order.XXXXXX)
chmod 755 "$tmp"
# shellcheck source=benches/lib.sh
. benches/lib.sh
trap 'stop_mariadbd; rm -rf "$tmp"' EXIT

INDIMAIL_LINK_MAP=$tmp/link.map cargo build --release --locked --quiet
bin=$tmp/indimail
cp target/x86_64-unknown-linux-gnu/release/indimail "$bin"
start_mariadbd
relocated_tree

train() { valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$@" >/dev/null 2>&1 || true; }
train "$bin" --help
train "$bin" --list
train vadddomain example.com 'Pm#2024ab'
train vdominfo example.com
train vadduser alice@example.com 'Alice#pw1'
train vadduser -d bob@example.com 'Bob#pw12'
train vuserinfo alice@example.com
train vuserinfo -n alice@example.com
train vuserinfo --json bob@example.com
train vuserinfo nobody@example.com
train vpasswd alice@example.com 'Alice#pw2'
train vmoduser -q 20M alice@example.com
train vsetuserquota bob@example.com 10M
train valias -i '&alice@example.com' bob@example.com
train vdeluser bob@example.com
train vuserinfo --help

# Every function entry callgrind named (by address: the binary is stripped),
# with the number of runs that entered it; then the input section holding it.
for f in "$tmp"/cg.*; do
    sed -n -E "s/^c?fn=\([0-9]+\) (0x[0-9a-f]+).*/\1/p" "$f" | sort -u
done | sort | uniq -c >"$tmp/entries"
gawk '
    # The map: "VMA LMA Size Align" and then, indented by 0, 8 or 16 more
    # spaces, an output section, an input section or a symbol.
    FNR == NR {
        if (!match($0, /^ *[0-9a-f]+ +[0-9a-f]+ +[0-9a-f]+ +[0-9]+ /)) next
        rest = substr($0, RLENGTH + 1)
        indent = match(rest, /[^ ]/) - 1
        name = substr(rest, indent + 1)
        if (indent == 0) { text = (name == ".text"); next }
        if (!text) next
        if (indent == 8) {
            n++; start[n] = strtonum("0x" $1); size[n] = strtonum("0x" $3); sym[n] = ""
            # Rust and C++ functions have a section each, named after them.
            if (match(name, /\(\.text\.(unlikely\.|hot\.|startup\.|exit\.)?[^)]+\)$/)) {
                s = substr(name, RSTART + 1, RLENGTH - 2)
                sub(/^\.text\.(unlikely\.|hot\.|startup\.|exit\.)?/, "", s)
                sym[n] = s
            }
        } else if (indent == 16 && sym[n] == "") {
            sym[n] = name  # a C object file: its first function names its .text
        }
        next
    }
    # The entries, sorted by address below: find the section of each.
    { addr = strtonum($2); runs = $1
      while (i < n && start[i + 1] <= addr) i++
      if (i > 0 && addr < start[i] + size[i] && sym[i] != "" && !(i in seen)) {
          seen[i] = 1; printf "%d %d %s\n", runs, start[i], sym[i]
      } }
' "$tmp/link.map" <(sort -k2 "$tmp/entries") | sort -k1,1nr -k2,2n | cut -d' ' -f3- | awk '!seen[$0]++' >"$out.new"
mv "$out.new" "$out"
echo "$(wc -l <"$out") sections in $out"
