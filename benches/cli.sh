#!/usr/bin/env bash
# Whole-command benchmarks for the core applets (issue #2), measured side by
# side with /bin/true in the same run. Starts its own MariaDB (socket only)
# in a temporary directory and removes it afterwards.
#
#   bash benches/cli.sh [users_in_loop]      (default 10000)
#
# Needs hyperfine and GNU time (apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install hyperfine" >&2; exit 1; }
cargo build --release --locked --quiet
bin=$PWD/target/x86_64-unknown-linux-gnu/release/indimail
t=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$t"
cleanup() { kill "$(cat "$t/mysqld.pid" 2>/dev/null)" 2>/dev/null || true; sleep 1; rm -rf "$t"; }
trap cleanup EXIT
mkdir -p "$t"/{etc/control,etc/users,var,mail,libexec,bin}
chmod -R 755 "$t"
touch "$t/etc/control/locals"
mariadb-install-db --no-defaults --datadir="$t/data" --user=root --auth-root-authentication-method=normal \
	--skip-test-db >/dev/null 2>&1
mariadbd --no-defaults --datadir="$t/data" --socket="$t/mysqld.sock" --skip-networking --pid-file="$t/mysqld.pid" \
	--user=root --log-error="$t/err.log" --innodb-buffer-pool-size=256M >/dev/null 2>&1 &
for _ in $(seq 1 200); do [ -S "$t/mysqld.sock" ] && break; sleep 0.1; done
echo "localhost:root::$t/mysqld.sock:nossl" > "$t/etc/control/host.mysql"
"$bin" install-links "$t/bin"
export PATH="$t/bin:$PATH" SYSCONFDIR="$t/etc" DOMAINDIR="$t/var" BASE_PATH="$t/mail" LIBEXECDIR="$t/libexec" \
	MYSQL_PASSWD="" INDIMAIL_UID=999 INDIMAIL_GID=995
vadddomain example.com 'Pm#2024' >/dev/null
vadduser -d alice@example.com 'Alice#pw1'

echo "## machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "## stripped binary: $(stat -c %s "$bin") bytes"
echo
echo "## spawn and vuserinfo (hyperfine, ms)"
hyperfine -N --warmup 20 --min-runs 300 --style basic --export-markdown "$t/h.md" \
	'/bin/true' "$bin --help" 'vuserinfo alice@example.com' 'vuserinfo -n alice@example.com' >/dev/null
cat "$t/h.md"
echo
echo "## peak memory (GNU time, max RSS)"
for c in "vuserinfo alice@example.com" "vadduser -d mem@example.com Mem#pw1"; do
	/usr/bin/time -f "$c: %M KiB" $c >/dev/null
done 2>&1
echo
echo "## vadduser -d in a shell loop: $N users, rate per thousand"
start=$(date +%s.%N); prev=$start
for i in $(seq 1 "$N"); do
	vadduser -d "u$i@example.com" 'User#pw1' >/dev/null
	if [ $((i % 1000)) -eq 0 ]; then
		now=$(date +%s.%N)
		printf 'users %6d-%6d: %6.1f users/s\n' $((i - 999)) "$i" "$(echo "1000 / ($now - $prev)" | bc -l)"
		prev=$now
	fi
done
end=$(date +%s.%N)
printf 'total: %d users in %.1f s = %.1f users/s\n' "$N" "$(echo "$end - $start" | bc -l)" "$(echo "$N / ($end - $start)" | bc -l)"
