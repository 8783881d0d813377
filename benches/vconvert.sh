#!/bin/sh
# vconvert benchmark (docs/benchmarks.md, "vpopmail migration").
#
# Builds a vpopmail tree with USERS (default 2000) accounts in one domain, each with MSGS
# (default 10) messages of 4 KiB in its Maildir, and measures one `vconvert` run (domain
# created, accounts added through the bulk path, Maildirs copied, maildirsize recalculated),
# then a second run (nothing to add or copy). Starts its own mariadbd and a relocated IndiMail
# tree like benches/bulk.sh; removes both at exit. Run as root.
#
# SOURCE (default text) is where the accounts are read from: `text` (domains/*/vpasswd),
# `cdb` (only domains/*/vpasswd.cdb, written with python3 the way vpopmail's vcdb.c lays it
# out) or `table` (a per-domain MySQL table bench_example of a --disable-many-domains
# vpopmail, loaded with LOAD DATA). The file sources also have USERS/10 `.qmail-<alias>` files
# (a forward and a home's Maildir each) and a `.qmail-default` to the postmaster's home,
# which become valias rows and the catch-all. Compare sources in one run, alternating, e.g.
#   for s in text cdb table text cdb table; do benches/vconvert.sh 2000 0 $s; done
#
# usage: benches/vconvert.sh [USERS [MSGS [text|cdb|table]]]
set -eu

USERS=${1:-2000}
MSGS=${2:-10}
SOURCE=${3:-text}
case $SOURCE in text|cdb|table) ;; *) echo "usage: $0 [USERS [MSGS [text|cdb|table]]]" >&2; exit 100 ;; esac

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet --bin indimail
bin=$here/target/x86_64-unknown-linux-gnu/release/indimail

tmp=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$tmp"
. "$here/benches/lib.sh"
cleanup() {
    stop_mariadbd
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

start_mariadbd

relocated_tree

# --- the vpopmail tree: one MD5-crypt hash (of "secret") for every account -----------------
v=$tmp/vpopmail
d=$v/domains/bench.example
mkdir -p "$d"
hash='$1$benchsal$7ea/lOGNG42fRr3FMo5wv.'
head -c 4096 /dev/urandom | base64 > "$tmp/msg"
awk -v n="$USERS" -v h="$hash" -v d="$d" 'BEGIN {
    printf "postmaster:%s:1:0:Postmaster:%s/postmaster:NOQUOTA\n", h, d
    for (i = 1; i < n; i++) printf "u%d:%s:1:0:User %d:%s/u%d:NOQUOTA\n", i, h, i, d, i
}' > "$d/vpasswd"
t0=$(now)
cut -d: -f6 "$d/vpasswd" | while read -r home; do
    mkdir -p "$home/Maildir/cur" "$home/Maildir/new" "$home/Maildir/tmp"
    j=0
    while [ $j -lt "$MSGS" ]; do
        cp "$tmp/msg" "$home/Maildir/cur/17000000$j.M1P1.bench,S=4096:2,S"
        j=$((j + 1))
    done
done
# aliases: every tenth user has .qmail-a<i> (a forward and its Maildir); the catch-all
awk -v n="$USERS" -v d="$d" 'BEGIN {
    for (i = 1; i < n; i += 10) {
        f = sprintf("%s/.qmail-a%d", d, i)
        printf "&u%d@elsewhere.example\n%s/u%d/Maildir/\n", i, d, i > f
        close(f)
    }
}'
printf "| /home/vpopmail/bin/vdelivermail '' %s/postmaster\n" "$d" > "$d/.qmail-default"
case $SOURCE in
cdb)
    python3 - "$d/vpasswd" "$d/vpasswd.cdb" <<'PY'
import struct, sys
recs = [l.rstrip("\n").split(":", 1) for l in open(sys.argv[1])]
def h(k):
    x = 5381
    for c in k:
        x = ((x << 5) + x & 0xffffffff) ^ c
    return x
out, ents = bytearray(2048), []
for k, v in recs:
    k, v = k.encode(), v.encode()
    ents.append((h(k), len(out)))
    out += struct.pack("<II", len(k), len(v)) + k + v
hdr = bytearray()
for b in range(256):
    lst = [e for e in ents if e[0] & 255 == b]
    n = 2 * len(lst)
    tab = [(0, 0)] * n
    for hh, p in lst:
        w = (hh >> 8) % n
        while tab[w][1]:
            w = (w + 1) % n
        tab[w] = (hh, p)
    hdr += struct.pack("<II", len(out), n)
    for hh, p in tab:
        out += struct.pack("<II", hh, p)
out[:2048] = hdr
open(sys.argv[2], "wb").write(out)
PY
    rm "$d/vpasswd"
    ;;
table)
    # the client would read MYSQL_HOST, which holds IndiMail's connection string
    env -u MYSQL_HOST mariadb --no-defaults --local-infile=1 -uroot --socket="$tmp/mysqld.sock" -e "CREATE DATABASE vpop; \
        CREATE TABLE vpop.bench_example (pw_name char(32) not null, pw_passwd char(128), \
        pw_uid int, pw_gid int, pw_gecos char(48), pw_dir char(160), pw_shell char(20), \
        pw_clear_passwd char(16), primary key (pw_name)); \
        LOAD DATA LOCAL INFILE '$d/vpasswd' INTO TABLE vpop.bench_example FIELDS TERMINATED BY ':' \
        (pw_name, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell)"
    rm "$d/vpasswd"
    ;;
esac
t1=$(now)
echo "vpopmail tree ($SOURCE): $USERS accounts, $MSGS messages each, made in $(secs "$t0" "$t1" 2) s"

if [ "$SOURCE" = table ]; then
    set -- -m "localhost:root::$tmp/mysqld.sock" -D vpop bench.example
else
    set -- -d "$v"
fi
t0=$(now)
vconvert "$@" > "$tmp/first.out"
t1=$(now)
vconvert "$@" > "$tmp/second.out"
t2=$(now)
cat "$tmp/first.out"
files=$((USERS * MSGS))
echo "first run:  $(secs "$t0" "$t1" 2) s = $(rate "$USERS" "$t0" "$t1") accounts/s, $(rate "$files" "$t0" "$t1") messages/s"
echo "second run: $(secs "$t1" "$t2" 2) s (nothing to add or copy)"
