#!/bin/sh
# Time vadddomain as the domain count grows: adds domains 1..N (default 10000)
# into a private tree and a private mariadbd, and reports the wall time of
# the 5th, 1,000th and 10,000th add (median of the 5 adds ending there), then the
# median of each tenth of the adds and of the 100 adds ending at the 1,000th and
# the 10,000th (less noisy), and the ratio of the last two.
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
	echo $((b - a)) >>"$t/times"
	last5=$(printf '%s\n' $last5 $((b - a)) | tail -n 5)
	case $i in 5 | 1000 | 10000 | "$N") report "$i" ;; esac
	i=$((i + 1))
done
end=$(now)
awk -v n="$N" -v s="$start" -v e="$end" 'BEGIN { printf "total: %d domains in %.1f s\n", n, (e - s) / 1e9 }'
# The curve with less noise than medians of 5: the median of each tenth of the adds
# (of each 1,000 for 10,000 domains), and of the 100 adds ending at the 1,000th and at
# the 10,000th domain. The issue's goal is a flat curve: the 10,000th add against the 1,000th.
awk -v n="$N" '
	function median(from, to,   k, m, v, i, j, x) {
		m = 0
		for (k = from; k <= to; k++) v[++m] = t[k]
		for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	{ t[NR] = $1 }
	END {
		step = int(n / 10); if (step < 1) step = 1
		printf "median per %d adds (ms):", step
		for (k = step; k <= n; k += step) printf " %.1f", median(k - step + 1, k) / 1e6
		printf "\n"
		if (n >= 10000) {
			a = median(901, 1000); b = median(9901, 10000)
			printf "adds 901-1,000: %.1f ms, 9,901-10,000: %.1f ms (medians of 100)\n", a / 1e6, b / 1e6
			printf "10,000th / 1,000th add: %.2fx (flat is 1.00x)\n", b / a
		}
	}' "$t/times"
