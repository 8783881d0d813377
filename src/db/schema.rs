/*!
Table layouts, exactly as the original creates them (its `*_LAYOUT` macros;
compare `shared/oracle/schema.sql`, which a test does column by column). No
engine or character set is named, as in the original: the server's defaults
apply, so a table made by us and one made by IndiMail are the same.
*/

use super::{check_identifier, DbError, DbResult};

const USER_LAYOUT: &str = "pw_name char(40) not null, pw_domain char(67) not null, pw_passwd char(128) not null, \
pw_uid int, pw_gid int, pw_gecos char(48) not null, pw_dir char(156), pw_shell char(30), scram char(255), \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, \
primary key (pw_name, pw_domain), index pw_gecos (pw_gecos(25)), index pw_uid (pw_uid)";

const LASTAUTH_LAYOUT: &str =
    "user char(40) not null, domain char(67) not null, service char(10) not null, \
remote_ip char(46) not null, quota int not null, gecos char(48) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, primary key (user, domain, service), \
index gecos (gecos), index quota (quota), index timestamp (timestamp)";

const USERQUOTA_LAYOUT: &str = "user char(40) not null, domain char(67) not null, quota bigint unsigned not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, primary key(user, domain), index quota (quota)";

const VALIAS_LAYOUT: &str =
    "alias char(40) not null, domain char(67) not null, valias_line char(190) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
unique index(alias, domain, valias_line), index (alias, domain)";

const VLIMITS_LAYOUT: &str = "domain CHAR(67) NOT NULL, domain_expiry INT(10) NOT NULL DEFAULT -1, \
passwd_expiry INT(10) NOT NULL DEFAULT -1, maxpopaccounts INT(10) NOT NULL DEFAULT -1, \
maxaliases INT(10) NOT NULL DEFAULT -1, maxforwards INT(10) NOT NULL DEFAULT -1, \
maxautoresponders INT(10) NOT NULL DEFAULT -1, maxmailinglists INT(10) NOT NULL DEFAULT -1, \
diskquota BIGINT UNSIGNED NOT NULL DEFAULT 0, maxmsgcount BIGINT UNSIGNED NOT NULL DEFAULT 0, \
defaultquota BIGINT NOT NULL DEFAULT 0, defaultmaxmsgcount BIGINT UNSIGNED NOT NULL DEFAULT 0, \
disable_pop TINYINT(1) NOT NULL DEFAULT 0, disable_imap TINYINT(1) NOT NULL DEFAULT 0, \
disable_dialup TINYINT(1) NOT NULL DEFAULT 0, disable_passwordchanging TINYINT(1) NOT NULL DEFAULT 0, \
disable_webmail TINYINT(1) NOT NULL DEFAULT 0, disable_relay TINYINT(1) NOT NULL DEFAULT 0, \
disable_smtp TINYINT(1) NOT NULL DEFAULT 0, perm_account TINYINT(2) NOT NULL DEFAULT 0, \
perm_alias TINYINT(2) NOT NULL DEFAULT 0, perm_forward TINYINT(2) NOT NULL DEFAULT 0, \
perm_autoresponder TINYINT(2) NOT NULL DEFAULT 0, perm_maillist TINYINT(4) NOT NULL DEFAULT 0, \
perm_quota TINYINT(2) NOT NULL DEFAULT 0, perm_defaultquota TINYINT(2) NOT NULL DEFAULT 0, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, primary key(domain)";

const DIR_CONTROL_LAYOUT: &str = "domain char(67) not null, cur_users int, level_cur int, level_max int, \
level_start0 int, level_start1 int, level_start2 int, level_end0 int, level_end1 int, level_end2 int, \
level_mod0 int, level_mod1 int, level_mod2 int, level_index0 int, level_index1 int, level_index2 int, \
the_dir char(156), timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, \
unique index (domain)";

const VFILTER_LAYOUT: &str = "emailid char(107) not null, filter_no smallint not null, filter_name char(32) not null, \
header_name smallint not null, comparision tinyint not null, keyword char(64) not null, \
destination char(156) not null, bounce_action char(64) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
primary key(emailid, filter_no), unique index (emailid, header_name, comparision, keyword, destination)";

const RELAY_LAYOUT: &str = "email char(96) not null, ipaddr char(46) not null, timestamp int, \
unique index (email, ipaddr), index(ipaddr), index(timestamp)";

const MGMTACCESS_LAYOUT: &str = "user char(32) not null, pass char(128) not null, pw_uid int not null, \
pw_gid int not null, lastaccess int not null, lastupdate int not null, day char(2) not null, \
attempts int not null, status char(2) not null, \
zztimestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, unique index(user)";

const VPRIV_LAYOUT: &str = "user char(32) not null, program char(64) not null, cmdswitches char(128), \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, primary key(user, program)";

const ATRN_MAP_LAYOUT: &str =
    "pw_name char(40) not null, pw_domain char(67) not null, domain_list char(67) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
unique index atrnmap (pw_name, pw_domain, domain_list)";

const BULKMAIL_LAYOUT: &str = "emailid char(107) not null, filename char(64) not null, \
zztimestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, \
primary key(emailid, filename)";

// Cluster tables (central control / master database), from the original's
// CLUSTERED_SITE layouts.
const DBINFO_LAYOUT: &str = "filename char(128) not null, domain char(64) not null, distributed int not null, \
server char(28) not null, mdahost char(28) not null, port int not null, use_ssl int not null default 0, \
dbname char(28) not null, user char(28) not null, passwd char(28) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP not null, \
unique index (filename, domain, server, mdahost, port, dbname, user, passwd), index (domain)";

const HOSTCNTRL_LAYOUT: &str = "pw_name char(40) not null, pw_domain char(67) not null, \
pw_passwd char(128) not null, host char(64) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, primary key (pw_name, pw_domain)";

const HOST_TABLE_LAYOUT: &str = "host char(64) not null, ipaddr char(46) not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
primary key (host), index ipaddr (ipaddr)";

const SMTP_PORT_LAYOUT: &str = "host char(64) not null, src_host char(64) not null, \
domain char(64) not null, port int, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
primary key (domain, host, src_host)";

const ALIASDOMAIN_LAYOUT: &str = "alias char(64) not null, domain char(67), \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, primary key(alias)";

const FSTAB_LAYOUT: &str = "filesystem char(64) not null, host char(64) not null, status int not null, \
max_users bigint not null, cur_users bigint not null, max_size bigint not null, cur_size bigint not null, \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, \
primary key (filesystem, host), index status (status)";

const IP_ALIAS_MAP_LAYOUT: &str = "ipaddr char(46) not null, domain char(67), \
timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP on update CURRENT_TIMESTAMP NOT NULL, primary key(ipaddr)";

/// The layout of a table by name; `dir_control<prefix>` tables share one layout.
pub fn layout(table: &str) -> Option<&'static str> {
    Some(match table {
        "indimail" | "indibak" => USER_LAYOUT,
        "lastauth" => LASTAUTH_LAYOUT,
        "userquota" => USERQUOTA_LAYOUT,
        "valias" => VALIAS_LAYOUT,
        "vlimits" => VLIMITS_LAYOUT,
        "vfilter" => VFILTER_LAYOUT,
        "relay" => RELAY_LAYOUT,
        "mgmtaccess" => MGMTACCESS_LAYOUT,
        "vpriv" => VPRIV_LAYOUT,
        "atrn_map" => ATRN_MAP_LAYOUT,
        "bulkmail" => BULKMAIL_LAYOUT,
        "dbinfo" => DBINFO_LAYOUT,
        "hostcntrl" => HOSTCNTRL_LAYOUT,
        "host_table" => HOST_TABLE_LAYOUT,
        "smtp_port" => SMTP_PORT_LAYOUT,
        "aliasdomain" => ALIASDOMAIN_LAYOUT,
        "fstab" => FSTAB_LAYOUT,
        "ip_alias_map" => IP_ALIAS_MAP_LAYOUT,
        t if t.starts_with("dir_control") => DIR_CONTROL_LAYOUT,
        t if t == super::users::active_table() || t == super::users::inactive_table() => {
            USER_LAYOUT
        }
        t if t == super::relay::table() => RELAY_LAYOUT,
        _ => return None,
    })
}

/// `create table IF NOT EXISTS <name> ( <layout> )`
pub fn create_sql(table: &str) -> DbResult<String> {
    let name = check_identifier(table)?;
    let layout =
        layout(name).ok_or_else(|| DbError::Invalid(format!("no layout for table {name}")))?;
    Ok(format!("create table IF NOT EXISTS {name} ( {layout} )"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_layout() {
        for t in [
            "indimail",
            "indibak",
            "lastauth",
            "valias",
            "vlimits",
            "dir_controlroot_A2E",
            "vfilter",
        ] {
            assert!(create_sql(t)
                .unwrap()
                .starts_with("create table IF NOT EXISTS"));
        }
        assert!(create_sql("nosuch").is_err());
        assert!(create_sql("x;drop").is_err());
    }
}
