/*!
The database-server records `vserverinfo` and `execmysql` search: which MySQL
server holds a domain's users on which mail store.

Only the *local* records are made here, as IndiMail's `LoadDbInfo_TXT` adds
them: one per virtual domain of `users/assign` (not an alias domain) with the
local `host.mysql` connection; server = its host, mdahost = `CONTROLDIR/hostip`
or the host name's address (else `localhost`). The records of other mail
stores (`mcdinfo`/`dbinfo`) belong to the clustered-site loader.
*/

use crate::config::Config;
use crate::db::ConnSpec;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServerRecord {
    pub domain: String,
    pub server: String,
    pub mdahost: String,
    pub user: String,
    pub password: String,
    pub port: u16,
    pub database: String,
}

/// The local records, in assign order.
pub fn local_records(cfg: &Config) -> Result<Vec<ServerRecord>, String> {
    let spec = ConnSpec::local(cfg).map_err(|e| e.to_string())?;
    let mdahost = crate::ops::domaininfo::local_ip(cfg).unwrap_or_else(|| "localhost".into());
    let entries = crate::assign::list_domains(&cfg.assigndir)
        .map_err(|e| format!("{}: {e}", cfg.assigndir.display()))?;
    let mut out = Vec::new();
    for e in entries {
        if !crate::ops::domaininfo::is_virtual_domain(cfg, &e.domain) {
            continue;
        }
        match crate::domain::real_domain(cfg, &e.domain) {
            Ok(Some(real)) if real == e.domain => {}
            _ => continue,
        }
        if out.iter().any(|r: &ServerRecord| r.domain == e.domain) {
            continue;
        }
        out.push(ServerRecord {
            domain: e.domain,
            server: spec.host.clone(),
            mdahost: mdahost.clone(),
            user: spec.user.clone(),
            password: spec.password.clone(),
            port: if spec.port == 0 { 3306 } else { spec.port },
            database: spec.database.clone(),
        });
    }
    Ok(out)
}
