#!/bin/sh
# inlookup benchmark (docs/benchmarks.md, "Query service").
#
# Starts its own mariadbd and a relocated IndiMail tree (as benches/bulk.sh), adds USERS
# (default 100000) users with one pre-made hash through vbulk, starts `inlookup` with its
# cache on, and runs examples/inlookup_bench.rs: password lookups per second and p50/p99
# for direct MySQL, inlookup cache misses and cache hits over the FIFO and the socket, and
# the FIFO floor (a constant answered through the same exchange), at 1, 8 and 64 clients.
# Run as root; everything is removed at exit.
#
# The FIFOs (inlookup's and the clients' reply FIFOs) are made on tmpfs, in /dev/shm, as an
# installation has them in /run/indimail/inlookup and /run/indimail/inquery (svctool makes
# both; /run is tmpfs): each query makes, opens and removes a FIFO, and on a disk file system
# those are journalled directory updates. FIFODIR=/some/dir puts them there instead (e.g.
# FIFODIR=/tmp for a disk), server and floor alike.
#
# usage: benches/inlookup.sh [USERS [SECONDS]]
#        BASELINE=/path/to/other/indimail [ROUNDS=3] [MODES=...] [CLIENTS=1,8] benches/inlookup.sh ...
#        (A/B: that build's inlookup and this one's in turn, in the same run; BASELINE_ENV and
#        NEW_ENV, e.g. "INLOOKUP_SLICE_US=0", are set for the one or the other server only, so
#        BASELINE=target/.../indimail BASELINE_ENV=... compares settings of one build)
set -eu

USERS=${1:-100000}
SECS=${2:-2}

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet --bin indimail --example inlookup_bench --example crypt_floor
bin=$here/target/x86_64-unknown-linux-gnu/release/indimail
bench=$here/target/x86_64-unknown-linux-gnu/release/examples/inlookup_bench
floor=$here/target/x86_64-unknown-linux-gnu/release/examples/crypt_floor

tmp=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$tmp"
fifodir=$(mktemp -d "${FIFODIR:-/dev/shm}/indimail-fifo.XXXXXX")
mkdir -m 755 "$fifodir/inlookup"
mkdir -m 2770 "$fifodir/inquery"
. "$here/benches/lib.sh"
srvpid=
cleanup() {
    [ -z "$srvpid" ] || { kill "$srvpid" 2>/dev/null || true; wait "$srvpid" 2>/dev/null || true; }
    stop_mariadbd
    rm -rf "$tmp" "$fifodir"
}
trap cleanup EXIT INT TERM

start_mariadbd --max-connections=500

relocated_tree
fifo=$fifodir/inlookup/infifo
export FIFOTMPDIR=$fifodir/inquery/
vadddomain bench.test 'Pm@ss-2024' >/dev/null
hash=$("$floor" --hash 'Bench#Passw0rd' SHA-256)
awk -v n="$USERS" -v h="$hash" 'BEGIN { for (i = 0; i < n; i++) printf "u%d@bench.test,%s\n", i, h }' >"$tmp/users.csv"
vbulk -e "$tmp/users.csv" >/dev/null

# start_server BINARY [VAR=VALUE...]: a fresh inlookup (empty cache) from that multi-call
# binary, with those variables set
start_server() {
    b=$1
    shift
    rm -f "$fifo" "$fifo.sock"
    env USE_BTREE=1 MAX_BTREE_COUNT=$((USERS * 2)) INLOOKUP_CACHE_TTL=3600 "$@" \
        "$b" inlookup -f "$fifo" 2>"$tmp/inlookup.log" &
    srvpid=$!
    i=0
    until [ -S "$fifo.sock" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || { cat "$tmp/inlookup.log"; exit 1; }
        sleep 0.1
    done
}
stop_server() {
    kill "$srvpid" 2>/dev/null || true
    wait "$srvpid" 2>/dev/null || true
    srvpid=
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg), $USERS users, FIFOs in $(df --output=fstype "$fifodir" | tail -1) ($fifodir)"
if [ -n "${BASELINE:-}" ]; then
    # A/B: the inlookup of BASELINE (another build's indimail binary) and of this tree in
    # turn, ROUNDS times, a fresh server each time; the modes that involve inlookup only
    printf 'server\tmode\tclients\tqueries/s\tp50_us\tp99_us\terrors\n'
    r=0
    while [ $r -lt "${ROUNDS:-3}" ]; do
        r=$((r + 1))
        for which in baseline new; do
            if [ $which = baseline ]; then
                # shellcheck disable=SC2086 # a list of VAR=VALUE words
                start_server "$BASELINE" ${BASELINE_ENV:-}
            else
                # shellcheck disable=SC2086
                start_server "$bin" ${NEW_ENV:-}
            fi
            INLOOKUP_BENCH_MODES=${MODES:-hit-fifo,hit-sock,miss-fifo,miss-sock} \
                INLOOKUP_BENCH_CLIENTS=${CLIENTS:-1,8} \
                "$bench" "$fifo" "$USERS" bench.test "$SECS" | tail -n +2 | sed "s/^/$which\t/"
            stop_server
        done
    done
else
    start_server "$bin"
    "$bench" "$fifo" "$USERS" bench.test "$SECS" | tee "$tmp/results.tsv"
    # the issue's goals, computed from this run's own figures (docs/benchmarks.md)
    awk -F '\t' '
        NR > 1 { q[$1, $2] = $3; p50[$1, $2] = $4; p99[$1, $2] = $5 }
        function pct(m, c) { return (m, c) in q && q["floor-fifo", c] > 0 ? sprintf("%.0f %%", 100 * q[m, c] / q["floor-fifo", c]) : "n/a" }
        function delta(m) { return (m, 1) in p50 && ("mysql", 1) in p50 ? sprintf("%+d us", p50[m, 1] - p50["mysql", 1]) : "n/a" }
        END {
            print "# goals: FIFO hits >= 80 % of the floor: " pct("hit-fifo", 1) " at 1 client, " pct("hit-fifo", 8) " at 8"
            print "# goals: socket hits at 8 clients > 50000/s and p99 < 200 us: " q["hit-sock", 8] "/s, p99 " p99["hit-sock", 8] " us (bare socket p99 " p99["floor-sock", 8] " us)"
            print "# goals: misses <= direct MySQL + 100 us at p50, 1 client: FIFO " delta("miss-fifo") ", socket " delta("miss-sock")
        }' "$tmp/results.tsv"
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
