/*!
The one MySQL/MariaDB access layer every applet uses.

* The connection string is resolved as the original's `iopen` does: env
  `MYSQL_HOST`, else the first line of `CONTROLDIR/host.mysql`, else
  `localhost`; its form is `host:user:password:socket_or_port:ssl|nossl` with
  missing fields taken from `MYSQL_USER`, `MYSQL_PASSWD`, `MYSQL_SOCKET`,
  `MYSQL_VPORT` and the compiled defaults.
* The database is created when the server says it does not exist, and each
  table is created (with the original's exact column layout, see [`schema`])
  the first time a statement finds it missing.
* Every statement uses bound parameters. Identifiers that cannot be bound
  (the database name, `dir_control<prefix>` tables) are checked against a
  strict character set first.
* Multi-step changes run inside [`Db::transaction`]; tables are created before
  a transaction starts because DDL would commit it implicitly.
*/

pub mod adhoc;
pub mod bulk;
pub mod bulletin;
pub mod cluster;
pub mod dircontrol;
pub mod domains;
pub mod ipchange;
pub mod lastauth;
pub mod mgmtaccess;
pub mod oldusers;
pub mod relay;
pub mod schema;
pub mod userinfo;
pub mod users;
pub mod valias;
pub mod vfilter;
pub mod vlimits;
pub mod vpopmail;
pub mod vpriv;

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Params, SslOpts};

use crate::config::{env_nonempty, env_or, first_line, Config};

/// MySQL error numbers the layer reacts to.
const ER_BAD_DB_ERROR: u16 = 1049;
const ER_NO_SUCH_TABLE: u16 = 1146;
const ER_DUP_ENTRY: u16 = 1062;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Could not reach the server; the text names host/socket and user, never the password.
    #[error("{0}")]
    Connect(String),
    #[error("{context}: {source}")]
    Query {
        context: String,
        #[source]
        source: mysql::Error,
    },
    #[error("{0}")]
    Invalid(String),
    /// Unusable configuration (e.g. an empty `host.mysql`): the original's `die(100, ...)`.
    #[error("{0}")]
    Config(String),
}

impl DbError {
    /// The statement failed because a table does not exist (yet).
    pub fn is_missing_table(&self) -> bool {
        matches!(self, DbError::Query { source, .. } if server_code(source) == Some(ER_NO_SUCH_TABLE))
    }

    /// The server refused the statement (as opposed to a lost connection).
    pub fn is_server_error(&self) -> bool {
        matches!(self, DbError::Query { source, .. } if server_code(source).is_some())
    }

    /// The statement failed on a unique key.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, DbError::Query { source, .. } if server_code(source) == Some(ER_DUP_ENTRY))
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            DbError::Config(_) => 100,
            _ => 111,
        }
    }
    fn query(context: impl Into<String>, source: mysql::Error) -> Self {
        DbError::Query {
            context: context.into(),
            source,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

fn server_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

/// A parsed `host.mysql` connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSpec {
    /// The string as configured (shown, password masked, by vuserinfo).
    pub raw: String,
    pub host: String,
    pub user: String,
    pub password: String,
    pub socket: Option<String>,
    pub port: u16,
    pub ssl: bool,
    pub database: String,
    /// Which connection this is (names the environment defaults and the error prefix).
    pub role: Role,
    /// How long a TCP connect may take (120 s; mail stores of a cluster use less,
    /// so one unreachable store does not hold up lookups of the others' users).
    pub connect_timeout: Duration,
}

/// The three connections of a clustered site (domains.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The local user database (`host.mysql`), or a mail store's database.
    Local,
    /// The central control database (`host.cntrl`) or the master (`host.master`).
    Control,
}

impl Role {
    fn env(self, local: &'static str, control: &'static str) -> &'static str {
        match self {
            Role::Local => local,
            Role::Control => control,
        }
    }
}

impl ConnSpec {
    /// Resolve the local database's connection string.
    pub fn local(cfg: &Config) -> DbResult<ConnSpec> {
        let raw = match std::env::var("MYSQL_HOST") {
            Ok(h) => h,
            Err(_) => {
                let path = cfg.control("host.mysql");
                match first_line(&path) {
                    Ok(Some(l)) if !l.is_empty() => l,
                    Ok(Some(_)) => {
                        return Err(DbError::Config(format!(
                            "iopen: {}: incomplete line",
                            path.display()
                        )))
                    }
                    Ok(None) => "localhost".to_string(),
                    Err(e) => {
                        return Err(DbError::Invalid(format!("iopen: {}: {e}", path.display())))
                    }
                }
            }
        };
        Ok(ConnSpec::parse(&raw))
    }

    pub fn parse(raw: &str) -> ConnSpec {
        ConnSpec::parse_as(raw, Role::Local)
    }

    /// Parse a connection string, taking missing fields from the role's
    /// environment (`MYSQL_*` for the local database, `CNTRL_*` for the
    /// control and master databases).
    pub fn parse_as(raw: &str, role: Role) -> ConnSpec {
        let mut f = raw.split(':');
        let host = f.next().unwrap_or("").to_string();
        let field = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let user = field(f.next())
            .unwrap_or_else(|| env_or(role.env("MYSQL_USER", "CNTRL_USER"), "indimail"));
        let password = field(f.next())
            .unwrap_or_else(|| env_or(role.env("MYSQL_PASSWD", "CNTRL_PASSWD"), "ssh-1.5-"));
        let (mut socket, mut port) = (None, 0u16);
        match field(f.next()) {
            Some(s) if s.starts_with('/') || s.starts_with('.') => socket = Some(s),
            Some(p) => port = p.parse().unwrap_or(0),
            None => {}
        }
        if socket.is_none() && port == 0 {
            socket = env_nonempty(role.env("MYSQL_SOCKET", "CNTRL_SOCKET"));
            if socket.is_none() {
                port = env_nonempty(role.env("MYSQL_VPORT", "CNTRL_VPORT"))
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
            }
        }
        let ssl = f.next() == Some("ssl");
        ConnSpec {
            raw: raw.to_string(),
            host: if host.is_empty() {
                "localhost".into()
            } else {
                host
            },
            user,
            password,
            socket,
            port,
            ssl,
            database: env_or(role.env("MYSQL_DATABASE", "CNTRL_DATABASE"), "indimail"),
            role,
            connect_timeout: Duration::from_secs(120),
        }
    }

    /// The string with its password field masked, for display.
    pub fn masked(&self) -> String {
        let mut parts: Vec<&str> = self.raw.split(':').collect();
        if parts.len() > 2 && !parts[2].is_empty() {
            parts[2] = "********";
        }
        parts.join(":")
    }

    /// Where the client library would connect: an explicit socket, or for a
    /// local host without a port the server's default socket, else TCP.
    fn effective_socket(&self) -> Option<String> {
        if self.socket.is_some() {
            return self.socket.clone();
        }
        if self.port == 0 && self.host == "localhost" {
            let default =
                env_nonempty("MYSQL_UNIX_PORT").unwrap_or_else(|| "/run/mysqld/mysqld.sock".into());
            if std::path::Path::new(&default).exists() {
                return Some(default);
            }
        }
        None
    }

    fn opts(&self, with_db: bool) -> OptsBuilder {
        let mut o = OptsBuilder::new()
            .user(Some(&self.user))
            .pass(Some(&self.password))
            .prefer_socket(false)
            // Known in advance, so the client does not ask the server for it (one round trip less).
            .max_allowed_packet(Some(16 * 1024 * 1024))
            .tcp_connect_timeout(Some(self.connect_timeout))
            .read_timeout(Some(Duration::from_secs(20)))
            .write_timeout(Some(Duration::from_secs(20)));
        if with_db {
            o = o.db_name(Some(&self.database));
        }
        match self.effective_socket() {
            Some(s) => o = o.socket(Some(s)),
            None => {
                let host = if self.host == "localhost" {
                    "127.0.0.1".to_string()
                } else {
                    // A name glibc cannot resolve in this static process is
                    // resolved through getent (see `nss`).
                    crate::nss::host_for_client(&self.host).unwrap_or_else(|_| self.host.clone())
                };
                o = o.ip_or_hostname(Some(host)).tcp_port(if self.port == 0 {
                    3306
                } else {
                    self.port
                });
            }
        }
        if self.ssl {
            o = o.ssl_opts(Some(SslOpts::default()));
        }
        o
    }

    fn connect_error(&self, e: &mysql::Error) -> DbError {
        let socket = self.effective_socket();
        let (who, at) = match self.role {
            Role::Local => ("iopen", format!("{}@", self.database)),
            Role::Control => ("open_central_db", String::new()),
        };
        DbError::Connect(format!(
            "{who}: mysql_real_connect: {at}{} user {}, port {}, socket {}: use_ssl={}: {}",
            self.host,
            self.user,
            if socket.is_some() {
                0
            } else if self.port == 0 {
                3306
            } else {
                self.port
            },
            socket.as_deref().unwrap_or("TCP/IP"),
            u8::from(self.ssl),
            e
        ))
    }
}

/// Names that are spliced into SQL (never user input without this check).
pub fn check_identifier(name: &str) -> DbResult<&str> {
    if !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(name)
    } else {
        Err(DbError::Invalid(format!("invalid SQL identifier [{name}]")))
    }
}

/// An open connection to the local IndiMail database.
pub struct Db {
    conn: Conn,
    pub spec: ConnSpec,
    /// Inside a transaction a missing table is reported, not created: DDL
    /// would commit the transaction half-way.
    in_txn: bool,
    /// The inlookup cache-invalidation log ([`crate::flushlog`]); None for connections
    /// opened without a configuration.
    flush_log: Option<std::path::PathBuf>,
    /// Changes noted by the writers and not yet published (inside a transaction).
    changes: Vec<crate::flushlog::Change>,
}

impl Db {
    /// Connect with the configured string, creating the database if needed.
    pub fn open(cfg: &Config) -> DbResult<Db> {
        let mut db = Db::connect(ConnSpec::local(cfg)?)?;
        db.flush_log = Some(crate::flushlog::path(cfg));
        Ok(db)
    }

    /// The central database holding `mgmtaccess` and `vpriv`: env `MASTER_HOST`, else the
    /// first line of `CONTROLDIR/host.master`, else the local database (a non-clustered site).
    pub fn open_master(cfg: &Config) -> DbResult<Db> {
        if let Some(raw) = env_nonempty("MASTER_HOST") {
            return Db::connect(ConnSpec::parse(&raw));
        }
        match first_line(&cfg.control("host.master")) {
            Ok(Some(l)) if !l.is_empty() => Db::connect(ConnSpec::parse(&l)),
            _ => Db::open(cfg),
        }
    }

    /// Connect to another server of this site (a mail store of a clustered site) whose
    /// committed changes must still reach this host's inlookup cache.
    pub fn connect_for(cfg: &Config, spec: ConnSpec) -> DbResult<Db> {
        let mut db = Db::connect(spec)?;
        db.flush_log = Some(crate::flushlog::path(cfg));
        Ok(db)
    }

    pub fn connect(spec: ConnSpec) -> DbResult<Db> {
        check_identifier(&spec.database)?;
        let conn = match Conn::new(spec.opts(true)) {
            Ok(c) => c,
            Err(e) if server_code(&e) == Some(ER_BAD_DB_ERROR) => {
                let mut c = Conn::new(spec.opts(false)).map_err(|e| spec.connect_error(&e))?;
                let q = format!("CREATE DATABASE IF NOT EXISTS `{}`", spec.database);
                c.query_drop(&q).map_err(|e| DbError::query(q.clone(), e))?;
                c.select_db(&spec.database)
                    .map_err(|e| DbError::query(format!("use {}", spec.database), e))?;
                c
            }
            Err(e) => return Err(spec.connect_error(&e)),
        };
        Ok(Db {
            conn,
            spec,
            in_txn: false,
            flush_log: None,
            changes: Vec::new(),
        })
    }

    /// Create `table` with the original's layout if it does not exist.
    pub fn ensure_table(&mut self, table: &str) -> DbResult<()> {
        let sql = schema::create_sql(table)?;
        self.conn
            .query_drop(&sql)
            .map_err(|e| DbError::query(format!("create table {table}"), e))
    }

    pub fn ensure_tables(&mut self, tables: &[&str]) -> DbResult<()> {
        tables.iter().try_for_each(|t| self.ensure_table(t))
    }

    /// Run a write statement; a missing table is created and the statement retried once.
    pub fn exec(
        &mut self,
        table: &str,
        stmt: &str,
        params: impl Into<Params> + Clone,
    ) -> DbResult<u64> {
        match self.conn.exec_drop(stmt, params.clone()) {
            Ok(()) => Ok(self.conn.affected_rows()),
            Err(e) if server_code(&e) == Some(ER_NO_SUCH_TABLE) && !self.in_txn => {
                self.ensure_table(table)?;
                self.conn
                    .exec_drop(stmt, params)
                    .map_err(|e| DbError::query(format!("{table}: {stmt}"), e))?;
                Ok(self.conn.affected_rows())
            }
            Err(e) => Err(DbError::query(format!("{table}: {stmt}"), e)),
        }
    }

    /// Run a DELETE; a missing table has nothing to delete (and is not created,
    /// so this is safe inside a transaction).
    pub fn delete(&mut self, table: &str, stmt: &str, params: impl Into<Params>) -> DbResult<u64> {
        match self.conn.exec_drop(stmt, params) {
            Ok(()) => Ok(self.conn.affected_rows()),
            Err(e) if server_code(&e) == Some(ER_NO_SUCH_TABLE) => Ok(0),
            Err(e) => Err(DbError::query(format!("{table}: {stmt}"), e)),
        }
    }

    /// Run a read; a missing table reads as no rows (the original's behaviour).
    pub fn select<T: mysql::prelude::FromRow>(
        &mut self,
        table: &str,
        stmt: &str,
        params: impl Into<Params>,
    ) -> DbResult<Vec<T>> {
        match self.conn.exec(stmt, params) {
            Ok(rows) => Ok(rows),
            Err(e) if server_code(&e) == Some(ER_NO_SUCH_TABLE) => Ok(Vec::new()),
            Err(e) => Err(DbError::query(format!("{table}: {stmt}"), e)),
        }
    }

    /// Run a read that must see every table it names: a missing table is an
    /// error the caller can test with [`DbError::is_missing_table`].
    pub fn select_strict<T: mysql::prelude::FromRow>(
        &mut self,
        stmt: &str,
        params: impl Into<Params>,
    ) -> DbResult<Vec<T>> {
        self.conn
            .exec(stmt, params)
            .map_err(|e| DbError::query(stmt.to_string(), e))
    }

    /// Run `f` inside a transaction: committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Db) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn
            .query_drop("START TRANSACTION")
            .map_err(|e| DbError::query("start transaction", e))?;
        self.in_txn = true;
        let result = f(self);
        self.in_txn = false;
        match result {
            Ok(v) => {
                let commit = self.conn.query_drop("COMMIT");
                // published even when COMMIT reports an error: it may have committed
                self.publish_changes();
                commit.map_err(|e| DbError::query("commit", e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.query_drop("ROLLBACK");
                self.changes.clear();
                Err(e)
            }
        }
    }

    /// Note that a write changed what inlookup may have cached (called by the writers in
    /// `db::*` after their statement succeeded). Published to the invalidation log at once,
    /// or after COMMIT inside a transaction; dropped on ROLLBACK.
    pub fn changed(&mut self, change: crate::flushlog::Change) {
        self.changes.push(change);
        if !self.in_txn {
            self.publish_changes();
        }
    }

    fn publish_changes(&mut self) {
        let mut changes = std::mem::take(&mut self.changes);
        let Some(path) = &self.flush_log else {
            return;
        };
        changes.sort();
        changes.dedup();
        crate::flushlog::notify(path, &changes);
    }

    /// The socket the connection uses, if any (vuserinfo's `Unix   Socket` line).
    pub fn socket(&self) -> Option<String> {
        self.spec.effective_socket()
    }

    /// The server's version, e.g. `10.11.6`.
    pub fn server_version(&self) -> String {
        let (a, b, c) = self.conn.server_version();
        format!("{a}.{b}.{c}")
    }

    /// Port used for TCP connections (vuserinfo's `TCP/IP Port` line).
    pub fn port(&self) -> u16 {
        if self.spec.port == 0 {
            3306
        } else {
            self.spec.port
        }
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_connection_strings() {
        let s = ConnSpec::parse("localhost:indimail:ssh-1.5-:/tmp/oracle/mysql.sock:nossl");
        assert_eq!(s.host, "localhost");
        assert_eq!(s.user, "indimail");
        assert_eq!(s.password, "ssh-1.5-");
        assert_eq!(s.socket.as_deref(), Some("/tmp/oracle/mysql.sock"));
        assert!(!s.ssl);
        assert_eq!(
            s.masked(),
            "localhost:indimail:********:/tmp/oracle/mysql.sock:nossl"
        );
        let t = ConnSpec::parse("db.example:u:p:3307:ssl");
        assert_eq!((t.port, t.ssl, t.socket.clone()), (3307, true, None));
        let r = ConnSpec::parse("127.0.0.1:root::3306");
        assert_eq!(r.masked(), "127.0.0.1:root::3306");
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_identifier("dir_control_home_A2E").is_ok());
        assert!(check_identifier("a`b").is_err());
        assert!(check_identifier("").is_err());
    }

    /// vendor/mysql_common parses the server version by hand instead of with
    /// the two regexes of the published crate: same answers.
    mod server_version {
        use mysql::consts::{CapabilityFlags, StatusFlags};
        use mysql_common::packets::HandshakePacket;
        use proptest::prelude::*;
        use regex::bytes::Regex;

        /// (server_version_parsed, maria_db_server_version_parsed)
        type Both = (Option<(u16, u16, u16)>, Option<(u16, u16, u16)>);

        fn parsed(v: &[u8]) -> Both {
            let p = HandshakePacket::new(
                10,
                v.to_vec(),
                1,
                [0; 8],
                None::<Vec<u8>>,
                CapabilityFlags::empty(),
                0,
                StatusFlags::empty(),
                None::<Vec<u8>>,
            );
            (
                p.server_version_parsed(),
                p.maria_db_server_version_parsed(),
            )
        }

        fn by_regex(v: &[u8]) -> Both {
            let num = |m: Option<regex::bytes::Match>| -> u16 {
                std::str::from_utf8(m.unwrap().as_bytes())
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            let three = |re: &Regex| {
                re.captures(v)
                    .map(|c| (num(c.get(1)), num(c.get(2)), num(c.get(3))))
            };
            // The published crate's patterns, ASCII digits only (other digits
            // made its conversion panic).
            let version = Regex::new(r"^(?-u:(\d{1,2})\.(\d{1,2})\.(\d{1,3})(.*))").unwrap();
            let mariadb =
                Regex::new(r"^(?-u:(?:5.5.5-)?(\d{1,2})\.(\d{1,2})\.(\d{1,3})-MariaDB)").unwrap();
            (three(&version), three(&mariadb))
        }

        #[test]
        fn known_versions() {
            for v in [
                "5.5.5-10.11.19-MariaDB-0+deb12u1",
                "10.11.19-MariaDB",
                "8.0.36",
                "8.0.36-0ubuntu0.22.04.1",
                "5.7.44-log",
                "123.4.5",
                "1.2.3456",
                "1.2.3456-MariaDB",
                "5.5.5-",
                "5x5y5-10.6.1-MariaDB",
                "5.5.5-1.2.3-mariadb",
                "",
                "10.11",
            ] {
                assert_eq!(parsed(v.as_bytes()), by_regex(v.as_bytes()), "{v:?}");
            }
            assert_eq!(parsed(b"5.5.5-10.11.19-MariaDB").1, Some((10, 11, 19)));
            assert_eq!(parsed(b"8.0.36").0, Some((8, 0, 36)));
        }

        proptest! {
            #[test]
            fn same_as_the_regexes(v in "(5.5.5-)?[0-9]{0,4}[.x]?[0-9]{0,3}[.]?[0-9]{0,5}(-MariaDB)?[a-z\n.-]{0,4}") {
                prop_assert_eq!(parsed(v.as_bytes()), by_regex(v.as_bytes()));
            }
        }
    }
}
