#!/bin/sh
# vconvert benchmark (docs/benchmarks.md, "vpopmail migration").
#
# Builds a vpopmail tree with USERS (default 2000) accounts in one domain, each with MSGS
# (default 10) messages of 4 KiB in its Maildir, and measures one `vconvert` run (domain
# created, accounts added through the bulk path, Maildirs copied, maildirsize recalculated),
# then a second run (nothing to add or copy). Starts its own mariadbd and a relocated IndiMail
# tree like benches/bulk.sh; removes both at exit. Run as root.
#
# usage: benches/vconvert.sh [USERS [MSGS]]
set -eu

USERS=${1:-2000}
MSGS=${2:-10}

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet --bin indimail
bin=$here/target/x86_64-unknown-linux-gnu/release/indimail

tmp=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$tmp"
dbpid=
cleanup() {
    if [ -n "$dbpid" ]; then
        kill "$dbpid" 2>/dev/null || true
        wait "$dbpid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

mariadbd=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
install_db=$(command -v mariadb-install-db || command -v mysql_install_db)
"$install_db" --no-defaults --datadir="$tmp/data" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>"$tmp/install.log"
"$mariadbd" --no-defaults --datadir="$tmp/data" --socket="$tmp/mysqld.sock" --skip-networking \
    --pid-file="$tmp/mysqld.pid" --user=root --log-error="$tmp/error.log" \
    --innodb-buffer-pool-size=256M --skip-log-bin &
dbpid=$!
i=0
until [ -S "$tmp/mysqld.sock" ] && mariadb --no-defaults -uroot --socket="$tmp/mysqld.sock" -e 'select 1' >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 600 ] || { cat "$tmp/error.log"; exit 1; }
    sleep 0.1
done

root=$tmp/root
mkdir -p "$root/etc/control" "$root/etc/users" "$root/var" "$root/mail" "$root/libexec" "$root/bin"
chmod 755 "$root" "$root/etc" "$root/etc/control" "$root/etc/users" "$root/var" "$root/mail" "$root/libexec" "$root/bin"
: >"$root/etc/control/locals"
"$bin" install-links "$root/bin" >/dev/null
export PATH="$root/bin:$PATH" SYSCONFDIR="$root/etc" CONTROLDIR="$root/etc/control" \
    ASSIGNDIR="$root/etc/users" DOMAINDIR="$root/var" BASE_PATH="$root/mail" \
    LIBEXECDIR="$root/libexec" INDIMAIL_PREFIX="$root" INDIMAIL_UID=999 INDIMAIL_GID=995 \
    MYSQL_HOST="localhost:root::$tmp/mysqld.sock" MYSQL_PASSWD= MYSQL_DATABASE=bench TZ=UTC

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
t1=$(now)
echo "vpopmail tree: $USERS accounts, $MSGS messages each, made in $(secs "$t0" "$t1") s"

t0=$(now)
vconvert -d "$v" > "$tmp/first.out"
t1=$(now)
vconvert -d "$v" > "$tmp/second.out"
t2=$(now)
cat "$tmp/first.out"
files=$((USERS * MSGS))
echo "first run:  $(secs "$t0" "$t1") s = $(rate "$USERS" "$t0" "$t1") accounts/s, $(rate "$files" "$t0" "$t1") messages/s"
echo "second run: $(secs "$t1" "$t2") s (nothing to add or copy)"
