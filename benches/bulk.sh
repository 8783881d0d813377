#!/bin/sh
# Bulk-provisioning benchmark (docs/benchmarks.md, "Bulk provisioning").
#
# Measures, in one run, on this machine:
#   (a) the crypt floor: SHA-256-crypt hashes/s on one core and on all cores (examples/crypt_floor.rs),
#       with our one-password hasher, our multi-buffer hasher (several passwords per core, as vbulk
#       hashes) and the system crypt(3); and, on one core in turns, the sha_crypt crate vs ours;
#   (b) vbulk -e with PREHASHED (default 100000) pre-hashed users: rows only, then with Maildirs (-d)
#       on the disk and on tmpfs (/dev/shm, a domain whose .base_path points there), plus the
#       disk's own mkdir rate, which bounds anything that makes Maildirs;
#   (c) vbulk with CLEAR (default 20000) clear-text passwords (rows only: hashing-bound);
#   (d) our vadduser in a shell loop, LOOP (default 1000) users, without and with -d.
# It starts its own mariadbd (datadir and socket in a temp directory, as tests/cli/common does),
# a relocated IndiMail tree, and removes both at exit. Run as root (applets switch to uid 999).
#
# usage: benches/bulk.sh [PREHASHED [CLEAR [LOOP]]]
set -eu

PREHASHED=${1:-100000}
CLEAR=${2:-20000}
LOOP=${3:-1000}
FLOOR_SECS=${FLOOR_SECS:-10}

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet --bin indimail --example crypt_floor
bin=$here/target/x86_64-unknown-linux-gnu/release/indimail
floor=$here/target/x86_64-unknown-linux-gnu/release/examples/crypt_floor

tmp=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$tmp"
. "$here/benches/lib.sh"
cleanup() {
    stop_mariadbd
    rm -rf "$tmp"
    [ -z "${shm:-}" ] || rm -rf "$shm"
}
trap cleanup EXIT INT TERM

start_mariadbd

relocated_tree
vadddomain pre.example 'Pm@ss-2024' >/dev/null
vadddomain clear.example 'Pm@ss-2024' >/dev/null
vadddomain loop.example 'Pm@ss-2024' >/dev/null
vadddomain md.example 'Pm@ss-2024' >/dev/null
vadddomain loopd.example 'Pm@ss-2024' >/dev/null
vadddomain shm.example 'Pm@ss-2024' >/dev/null
shm=$(mktemp -d /dev/shm/indimail-bench.XXXXXX)
chmod 755 "$shm"
chown 999:995 "$shm"
echo "$shm" >"$root/var/domains/shm.example/.base_path"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# --- (a) crypt floor ---------------------------------------------------------------------------
set -- $("$floor" "$FLOOR_SECS" SHA-256)
per_core=${1#per_core=}
all_cores=${2#all_cores=}
cores=${3#cores=}
set -- $("$floor" "$FLOOR_SECS" SHA-256 multi)
multi_per_core=${1#per_core=}
multi_all_cores=${2#all_cores=}
compare=$("$floor" --compare "$FLOOR_SECS")

# --- (b) pre-hashed --------------------------------------------------------------------------
hash=$("$floor" --hash 'Bench#Passw0rd' SHA-256)
gen() { awk -v n="$1" -v d="$2" -v h="$hash" 'BEGIN { for (i = 0; i < n; i++) printf "u%06d@%s,%s\n", i, d, h }'; }
gen "$PREHASHED" pre.example >"$tmp/pre.csv"
t0=$(now)
vbulk -e "$tmp/pre.csv" >"$tmp/pre.out"
t1=$(now)
pre_rate=$(rate "$PREHASHED" "$t0" "$t1")
pre_secs=$(secs "$t0" "$t1")
# resume: the same file again, nothing to add
t2=$(now)
vbulk -e "$tmp/pre.csv" >"$tmp/pre2.out"
t3=$(now)
resume_secs=$(secs "$t2" "$t3")
# with Maildirs, on the disk
gen "$PREHASHED" md.example >"$tmp/md.csv"
t0=$(now)
vbulk -d -e "$tmp/md.csv" >"$tmp/md.out"
t1=$(now)
md_rate=$(rate "$PREHASHED" "$t0" "$t1")
md_secs=$(secs "$t0" "$t1")
# with Maildirs, on tmpfs
gen "$PREHASHED" shm.example >"$tmp/shm.csv"
t0=$(now)
vbulk -d -e "$tmp/shm.csv" >"$tmp/shm.out"
t1=$(now)
shm_rate=$(rate "$PREHASHED" "$t0" "$t1")
shm_secs=$(secs "$t0" "$t1")
# the disk's mkdir rate (2 processes x 5000 directories), for reference
mkd=$root/mail/mkdir-probe
mkdir "$mkd"
t0=$(now)
(cd "$mkd" && mkdir a && cd a && i=0 && while [ $i -lt 50 ]; do mkdir $(seq -f "$i.%g" 1 100); i=$((i + 1)); done) &
p1=$!
(cd "$mkd" && mkdir b && cd b && i=0 && while [ $i -lt 50 ]; do mkdir $(seq -f "$i.%g" 1 100); i=$((i + 1)); done) &
p2=$!
wait $p1 $p2
t1=$(now)
mkdir_rate=$(rate 10000 "$t0" "$t1")
rm -rf "$mkd"

# --- (c) clear text --------------------------------------------------------------------------
awk -v n="$CLEAR" 'BEGIN { for (i = 0; i < n; i++) printf "c%06d@clear.example,Pw-%d-secret\n", i, i }' >"$tmp/clear.csv"
t0=$(now)
vbulk -h SHA-256 "$tmp/clear.csv" >"$tmp/clear.out"
t1=$(now)
clear_rate=$(rate "$CLEAR" "$t0" "$t1")
clear_secs=$(secs "$t0" "$t1")
# the floor again, right after (c): the machine's load changes; (c) is compared with the higher one
set -- $("$floor" "$FLOOR_SECS" SHA-256 multi)
multi_all_cores2=${2#all_cores=}
floor_max=$(awk -v a="$multi_all_cores" -v b="$multi_all_cores2" 'BEGIN { print (a > b ? a : b) }')
# the floor as the issue defines it: the system's crypt(3) (libxcrypt), which the original hashes with
set -- $("$floor" "$FLOOR_SECS" SHA-256 system)
sys_per_core=${1#per_core=}
sys_all_cores=${2#all_cores=}

# --- (d) vadduser loop -----------------------------------------------------------------------
loop() { # DOMAIN FLAGS...
    d=$1
    shift
    i=0
    while [ $i -lt "$LOOP" ]; do
        vadduser "$@" -h SHA-256 "l$i@$d" "Pw-$i-secret"
        i=$((i + 1))
    done
}
t0=$(now)
loop loop.example
t1=$(now)
loop_rate=$(rate "$LOOP" "$t0" "$t1")
loop_secs=$(secs "$t0" "$t1")
t0=$(now)
loop loopd.example -d
t1=$(now)
loopd_rate=$(rate "$LOOP" "$t0" "$t1")
loopd_secs=$(secs "$t0" "$t1")

users=$(env -u MYSQL_HOST -u MYSQL_PASSWD mariadb --no-defaults -uroot --socket="$tmp/mysqld.sock" -N -e 'select count(*) from bench.indimail')
dirs=$(find "$root/mail" "$shm" -type d -name Maildir | wc -l)

pct=$(awk -v a="$clear_rate" -v b="$floor_max" 'BEGIN { printf "%.0f", 100 * a / b }')
syspct=$(awk -v a="$clear_rate" -v b="$sys_all_cores" 'BEGIN { printf "%.0f", 100 * a / b }')
xpre=$(awk -v a="$pre_rate" -v b="$loop_rate" 'BEGIN { printf "%.0f", a / b }')
xclear=$(awk -v a="$clear_rate" -v b="$loop_rate" 'BEGIN { printf "%.0f", a / b }')
xmd=$(awk -v a="$md_rate" -v b="$loopd_rate" 'BEGIN { printf "%.0f", a / b }')
xshm=$(awk -v a="$shm_rate" -v b="$loopd_rate" 'BEGIN { printf "%.0f", a / b }')

cat <<EOF
load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine competes for the cores)
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $("$mariadbd" --version | sed 's/.*Ver //; s/ for.*//')
| measurement | figure |
|---|---|
| (a) SHA-256-crypt, one password at a time, 1 core / all $cores cores | $per_core / $all_cores hashes/s |
| (a) SHA-256-crypt, multi-buffer (as vbulk), 1 core / all $cores cores | $multi_per_core / $multi_all_cores hashes/s (all cores again after (c): $multi_all_cores2) |
| (a) 1 core, in turns: sha_crypt crate, ours, multi-buffer with groups of 1..n | $compare |
| (a) system crypt(3) SHA-256, 1 core / all $cores cores | $sys_per_core / $sys_all_cores hashes/s |
| (b) vbulk -e, $PREHASHED pre-hashed users, rows only | $pre_secs s, $pre_rate users/s ($(cat "$tmp/pre.out")) |
| (b) same file again (resume, all skipped) | $resume_secs s ($(cat "$tmp/pre2.out")) |
| (b) vbulk -d -e, $PREHASHED users + Maildirs on the disk (ext4) | $md_secs s, $md_rate users/s |
| (b) vbulk -d -e, $PREHASHED users + Maildirs on tmpfs | $shm_secs s, $shm_rate users/s |
| (b) the disk's own mkdir rate, 2 processes | $mkdir_rate mkdir/s (a Maildir user needs 5 mkdirs + 2 file creations) |
| (c) vbulk, $CLEAR clear-text users, rows only | $clear_secs s, $clear_rate users/s = $pct % of our multi-buffer hasher's all-cores floor, $syspct % of the system crypt(3) floor |
| (d) vadduser loop, $LOOP users, rows only | $loop_secs s, $loop_rate users/s |
| (d) vadduser -d loop, $LOOP users + Maildirs on the disk | $loopd_secs s, $loopd_rate users/s |
| vbulk vs vadduser loop | rows only: pre-hashed ${xpre}x, clear-text ${xclear}x; with Maildirs: disk ${xmd}x, tmpfs ${xshm}x |
| check | $users rows in indimail, $dirs Maildirs |
EOF
