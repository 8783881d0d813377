//! ipchange: replace an IP address in a column of a table (local or master database).

use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{ipchange, ConnSpec, Db};
use crate::fail;

const USAGE: &str = "usage: ipchange [options] table_name
         -v           ( verbose )
         -o old_ip    ( old IP Address )
         -n new_ip    ( new IP Address )
         -c col_name  ( Column Name )
         -m           (table is on hostcntrl)";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose: print the number of rows changed"),
    OptSpec::flag('m', "the table is on the master (hostcntrl) database"),
    OptSpec::value('c', "col_name", "the column holding the address"),
    OptSpec::value('o', "old_ip", "the old IP address"),
    OptSpec::value('n', "new_ip", "the new IP address"),
];

pub const APPLET: Applet = Applet {
    name: "ipchange",
    section: 8,
    setuid: false,
    dir: "sbin",
    summary: "replace an IP address in a database table",
    synopsis: "[-v] [-m] -o old_ip -n new_ip -c col_name table_name",
    options: OPTIONS,
    run,
};

fn usage() -> AppletError {
    AppletError::new(1, format!("ipchange: warning: {USAGE}"))
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, usage)?;
    let (Some(old), Some(new), Some(col), Some(table)) =
        (p.value("o"), p.value("n"), p.value("c"), p.operands.first())
    else {
        return Err(usage());
    };
    let sql = format!("update low_priority {table} set {col}=\"{new}\" where {col}=\"{old}\"");
    let master = p.has("m");
    let spec: Option<ConnSpec> = if master {
        crate::cluster::master_spec(&ctx.cfg).ok().flatten()
    } else {
        ConnSpec::local(&ctx.cfg).ok()
    };
    let which = if master { "master db" } else { "local db" };
    let Some(spec) = spec else {
        fail!(255, "ipchange: failed to open {which}");
    };
    let mut db = match Db::connect(spec) {
        Ok(db) => db,
        Err(e) => fail!(255, "{e}\nipchange: failed to open {which}"),
    };
    let n = match ipchange::replace(&mut db, table, col, old, new) {
        Ok(n) => n,
        Err(e) => fail!(255, "ipchange: mysql_query [{sql}]: {e}"),
    };
    if p.has("v") {
        ctx.out.line(&format!("{n} rows affected"));
    }
    Ok(if n > 0 { 0 } else { 1 })
}
