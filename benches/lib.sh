# Shared by the benchmarks that need a private database and a relocated IndiMail
# tree (bulk.sh, inlookup.sh, vconvert.sh): source it after setting `bin` (the
# multi-call binary) and `tmp` (a temporary directory, mode 755).

dbpid=

now() { date +%s.%N; }
# rate COUNT START END -> count per second
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
# secs START END [DECIMALS] -> elapsed seconds (default one decimal)
secs() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { printf "%." d "f", b - a }'; }

# start_mariadbd [MARIADBD-OPTION...]: a private server in $tmp (socket only,
# $tmp/mysqld.sock), waited for until it answers; its pid in $dbpid.
start_mariadbd() {
    mariadbd=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
    install_db=$(command -v mariadb-install-db || command -v mysql_install_db)
    "$install_db" --no-defaults --datadir="$tmp/data" --user=root \
        --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>"$tmp/install.log"
    "$mariadbd" --no-defaults --datadir="$tmp/data" --socket="$tmp/mysqld.sock" --skip-networking \
        --pid-file="$tmp/mysqld.pid" --user=root --log-error="$tmp/error.log" \
        --innodb-buffer-pool-size=256M --skip-log-bin "$@" &
    dbpid=$!
    i=0
    until [ -S "$tmp/mysqld.sock" ] && mariadb --no-defaults -uroot --socket="$tmp/mysqld.sock" -e 'select 1' >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 600 ] || { cat "$tmp/error.log"; exit 1; }
        sleep 0.1
    done
}

stop_mariadbd() {
    if [ -n "$dbpid" ]; then
        kill "$dbpid" 2>/dev/null || true
        wait "$dbpid" 2>/dev/null || true
    fi
}

# relocated_tree [DIR...]: an IndiMail tree in $tmp/root (as tests/cli/common's
# TestEnv; extra directories under it as named), the applet links in its bin, and
# the environment that points every applet at it and at the private server.
relocated_tree() {
    root=$tmp/root
    mkdir -p "$root/etc/control" "$root/etc/users" "$root/var" "$root/mail" "$root/libexec" "$root/bin"
    chmod 755 "$root" "$root/etc" "$root/etc/control" "$root/etc/users" "$root/var" "$root/mail" "$root/libexec" "$root/bin"
    for d in "$@"; do mkdir -p "$root/$d"; done
    : >"$root/etc/control/locals"
    "$bin" install-links "$root/bin" >/dev/null
    export PATH="$root/bin:$PATH" SYSCONFDIR="$root/etc" CONTROLDIR="$root/etc/control" \
        ASSIGNDIR="$root/etc/users" DOMAINDIR="$root/var" BASE_PATH="$root/mail" \
        LIBEXECDIR="$root/libexec" INDIMAIL_PREFIX="$root" INDIMAIL_UID=999 INDIMAIL_GID=995 \
        MYSQL_HOST="localhost:root::$tmp/mysqld.sock" MYSQL_PASSWD= MYSQL_DATABASE=bench TZ=UTC
}
