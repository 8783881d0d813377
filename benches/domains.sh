#!/bin/sh
# Time vadddomain as the domain count grows: adds domains 1..N (default 10000)
# into a private tree and a private mariadbd, and reports the wall time of
# the 1st, 1,000th and 10,000th add (median of the 5 adds ending there).
# Usage: [DIR=/some/fs] benches/domains.sh [N]   (run from the repository; builds --release;
# the tree and the database go in a temporary directory under DIR, default /tmp)
set -eu
N=${1:-10000}
repo=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --manifest-path "$repo/Cargo.toml" >/dev/null 2>&1
exe=$repo/target/x86_64-unknown-linux-gnu/release/indimail
mariadbd=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
install_db=$(command -v mariadb-install-db || command -v mysql_install_db)
t=$(mktemp -d "${DIR:-/tmp}/indimail-bench.XXXXXX")
chmod 755 "$t"
mkdir -p "$t/db" "$t/etc/control" "$t/etc/users" "$t/var" "$t/mail" "$t/libexec" "$t/bin"
: > "$t/etc/control/locals"
"$install_db" --no-defaults --datadir="$t/db/data" --user=root \
	--auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
"$mariadbd" --no-defaults --datadir="$t/db/data" --socket="$t/db/sock" --skip-networking \
	--pid-file="$t/db/pid" --user=root --log-error="$t/db/err.log" --skip-log-bin \
	--innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=128M &
dbpid=$!
trap 'kill $dbpid 2>/dev/null; wait $dbpid 2>/dev/null; rm -rf "$t"' EXIT INT TERM
i=0
while [ ! -S "$t/db/sock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
"$exe" install-links "$t/bin" >/dev/null
export SYSCONFDIR="$t/etc" CONTROLDIR="$t/etc/control" ASSIGNDIR="$t/etc/users" \
	DOMAINDIR="$t/var" BASE_PATH="$t/mail" LIBEXECDIR="$t/libexec" INDIMAIL_PREFIX="$t" \
	INDIMAIL_UID=999 INDIMAIL_GID=995 MYSQL_HOST="localhost:root::$t/db/sock" MYSQL_PASSWD= \
	MYSQL_DATABASE=bench
now() { date +%s%N; }
report() { # $1 = domain number; median of the last 5 timings (ms), also kept in $t/medians
	printf '%s\n' $last5 | sort -n | sed -n 3p | awk -v n="$1" '{ printf "domain %6d: vadddomain %.1f ms (median of 5)\n", n, $1 / 1e6 }' |
		tee -a "$t/medians"
}
last5=""
start=$(now)
i=1
while [ $i -le "$N" ]; do
	a=$(now)
	"$t/bin/vadddomain" "d$i.bench.test" "Pw#$i" >/dev/null
	b=$(now)
	last5=$(printf '%s\n' $last5 $((b - a)) | tail -n 5)
	case $i in 5 | 1000 | 10000 | "$N") report "$i" ;; esac
	i=$((i + 1))
done
end=$(now)
awk -v n="$N" -v s="$start" -v e="$end" 'BEGIN { printf "total: %d domains in %.1f s\n", n, (e - s) / 1e9 }'
# the issue's goal is a flat curve: the 10,000th add against the 1,000th
awk '$2 == "1000:" { a = $4 } $2 == "10000:" { b = $4 }
	END { if (a > 0 && b > 0) printf "10,000th / 1,000th add: %.2fx (flat is 1.00x)\n", b / a }' "$t/medians"
