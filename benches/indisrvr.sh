#!/usr/bin/env bash
# indisrvr throughput and latency (issue #6): sessions per second of `vuserinfo -n` through indisrvr
# with TLS, 1 and 32 concurrent clients (benches/indisrvr_load.py), the SHA-256-crypt verification
# cost of the same build in the same run (examples/crypt_floor.rs) and the cost of running
# `vuserinfo -n` directly, so that the rest of a session's overhead can be worked out.
# Starts its own MariaDB (socket only) and certificates (openssl) in a temporary directory.
#
#   [KEY=rsa:2048|ec] bash benches/indisrvr.sh [sessions]      (default 2000, KEY=ec)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
# Certificate key type: KEY=rsa:2048 (what the tests use) or ec (P-256, the default here: the server's
# signature is most of a TLS handshake's cost, and ECDSA signs about 20 times faster than RSA-2048).
KEY=${KEY:-ec}
cargo build --release --locked --quiet --bins --examples
bin=$PWD/target/x86_64-unknown-linux-gnu/release/indimail
t=$(mktemp -d /tmp/indimail-bench.XXXXXX)
chmod 755 "$t"
cleanup() {
	kill "$(cat "$t/indisrvr.pid" 2>/dev/null)" 2>/dev/null || true
	kill "$(cat "$t/mysqld.pid" 2>/dev/null)" 2>/dev/null || true
	sleep 1; rm -rf "$t"
}
trap cleanup EXIT
mkdir -p "$t"/{etc/control,etc/users,var,mail,libexec,bin,sbin,certs}
chmod -R 755 "$t"
touch "$t/etc/control/locals"
mariadb-install-db --no-defaults --datadir="$t/data" --user=root --auth-root-authentication-method=normal \
	--skip-test-db >/dev/null 2>&1
mariadbd --no-defaults --datadir="$t/data" --socket="$t/mysqld.sock" --skip-networking --pid-file="$t/mysqld.pid" \
	--user=root --log-error="$t/err.log" --innodb-buffer-pool-size=256M --max-connections=500 >/dev/null 2>&1 &
for _ in $(seq 1 200); do [ -S "$t/mysqld.sock" ] && break; sleep 0.1; done
echo "localhost:root::$t/mysqld.sock:nossl" > "$t/etc/control/host.mysql"
"$bin" install-links "$t/bin"
export PATH="$t/bin:$PATH" SYSCONFDIR="$t/etc" DOMAINDIR="$t/var" BASE_PATH="$t/mail" LIBEXECDIR="$t/libexec" \
	MYSQL_PASSWD="" INDIMAIL_UID=999 INDIMAIL_GID=995 INDIMAIL_PREFIX="$t"
vadddomain example.com 'Pm#2024' >/dev/null
vadduser -d alice@example.com 'Alice#pw1'
mgmtpass -u admin -a 'Adm1n#pw'
vpriv -a admin
printf 'Adm1n#pw\n' > "$t/pw"
(
	cd "$t/certs"
	printf '[srv]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext.cnf
	if [ "$KEY" = ec ]; then openssl ecparam -name prime256v1 -out ec.param; KEY=ec:ec.param; fi
	openssl req -x509 -newkey "$KEY" -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bench CA" 2>/dev/null
	openssl req -newkey "$KEY" -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.crt -days 2 \
		-extfile ext.cnf -extensions srv 2>/dev/null
	cat srv.crt srv.key > server.pem
)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
indisrvr -i 127.0.0.1 -p "$port" -b 128 -n "$t/certs/server.pem" --max-sessions 128 --max-per-ip 64 \
	2>"$t/indisrvr.log" & echo $! > "$t/indisrvr.pid"
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && break; sleep 0.1; done

echo "## machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); certificate key: ${KEY}"
echo "## SHA-256-crypt verify cost (one core): $(target/x86_64-unknown-linux-gnu/release/examples/crypt_floor 2 sha256)"
echo "## vuserinfo -n run directly, 300 runs (what every session below also spends on the command)"
python3 - <<'PY'
import subprocess, time
d = []
for _ in range(300):
    t = time.perf_counter()
    subprocess.run(["vuserinfo", "-n", "alice@example.com"], stdout=subprocess.DEVNULL, check=True)
    d.append(time.perf_counter() - t)
d.sort()
print("vuserinfo -n: p50=%.2fms p95=%.2fms" % (d[150] * 1000, d[285] * 1000))
PY
echo "## indisrvr + TLS, vuserinfo -n, $N sessions"
for c in 1 32; do
	python3 benches/indisrvr_load.py localhost "$port" admin "$t/pw" "$N" "$c" 7 'vuserinfo -n alice@example.com' \
		--cafile "$t/certs/ca.pem"
done
echo "## indisrvr + TLS, login and privilege check only (an account without rules: permission denied, no process)"
mgmtpass -u norules -a 'N0rules#pw'
printf 'N0rules#pw\n' > "$t/pw2"
python3 benches/indisrvr_load.py localhost "$port" norules "$t/pw2" "$N" 1 7 'vuserinfo -n alice@example.com' \
	--cafile "$t/certs/ca.pem" --expect 1
echo "## plaintext for comparison (UNIX socket not used: TCP on loopback)"
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
indisrvr -i 127.0.0.1 -p "$port2" -b 128 --plaintext --max-sessions 128 --max-per-ip 64 2>>"$t/indisrvr.log" &
p2=$!
sleep 0.5
python3 benches/indisrvr_load.py 127.0.0.1 "$port2" admin "$t/pw" "$N" 1 7 'vuserinfo -n alice@example.com'
kill $p2
