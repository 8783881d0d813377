//! vacation: set up or remove an auto-reply for a mailbox.

use std::io::Read;

use super::{reject_uppercase, Applet, Ctx};
use crate::address::split_email;
use crate::cli::{AppletError, AppletResult};
use crate::db::{users, Db};
use crate::ops::vacation;
use crate::ops::vacation_reply as reply;
use crate::{domain, fail};

const USAGE: &str = "usage: vacation | vacation email_addr vacation_mesg_file
where vacation_mesg_file can be either of the following
-         for removing vacation
+         for adding new vacation with text from stdin
file_path for taking the content for vacation from file_path";

pub const APPLET: Applet = Applet {
    name: "vacation",
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "set up or remove a vacation auto-reply for a mailbox",
    synopsis: "email_addr -|+|vacation_mesg_file",
    options: &[],
    run,
};

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    match args.len() {
        0 => return deliver(ctx),
        2 => {}
        _ => fail!(100, "vacation: warning: {USAGE}"),
    }
    let (email, source) = (&args[0], &args[1]);
    reject_uppercase("vacation", email)?;
    if email == "-h" {
        fail!(100, "vacation: warning: {USAGE}");
    }
    let cfg = ctx.cfg.clone();
    let (user, dname) = split_email(&cfg, email);
    let Some(real) = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("add_vacation: {e}")))?
    else {
        fail!(1, "add_vacation: {dname}: No such domain");
    };
    let Some(dom) = domain::lookup(&cfg, &real)
        .map_err(|e| AppletError::new(111, format!("add_vacation: {e}")))?
    else {
        fail!(1, "add_vacaton: {real}: domain does not exist");
    };
    let mut db = crate::cluster::user_db(&cfg, &user, &real)?;
    let Some((row, _)) = users::get(&mut db, &user, &real)? else {
        fail!(1, "vmoduser: no such user {user}@{real}");
    };
    drop(db);
    if source == "-" {
        vacation::remove(&row.dir)?;
        return Ok(0);
    }
    // The text is read before anything is written, so a bad source changes nothing.
    let message = if source == "+" {
        ctx.out
            .line("Enter Text for Vacation Message. Type ^D (Ctrl-D) to end");
        ctx.out.flush();
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| AppletError::new(1, format!("add_vacation: read: stdin: {e}")))?;
        buf
    } else {
        std::fs::read(source).map_err(|e| {
            AppletError::new(
                1,
                format!(
                    "add_vacaton: open_read: {source}: {}",
                    crate::mailstore::remove::error_text(&e)
                ),
            )
        })?
    };
    let msg = vacation::add(&cfg.prefix, &row.dir, &message, dom.owner())?;
    ctx.out.line(&format!(
        "Successfully wrote Vacation Message to {}",
        msg.display()
    ));
    Ok(0)
}

/// Delivery mode (no arguments): answer the message on stdin once per sender and day.
fn deliver(ctx: &mut Ctx) -> AppletResult {
    let Some(recipient) = std::env::var("RECIPIENT").ok() else {
        eprintln!("vacation: No RECIPIENT in environment");
        return Ok(0);
    };
    let cfg = ctx.cfg.clone();
    let mailbox = reply::mailbox(&recipient).to_string();
    let (user, dname) = split_email(&cfg, &mailbox);
    let real = domain::real_domain(&cfg, &dname)
        .map_err(|e| AppletError::new(111, format!("vacation: {e}")))?
        .unwrap_or(dname);
    let mut db = Db::open(&cfg)?;
    let Some((row, _)) = users::get(&mut db, &user, &real)? else {
        fail!(100, "vacation: no such user {user}@{real}");
    };
    drop(db);
    let sender = std::env::var("SENDER").ok();
    if let Some(why) = reply::refusal(sender.as_deref()) {
        eprintln!("{why}");
        return Ok(0);
    }
    let Some(rpline) = std::env::var("RPLINE").ok() else {
        eprintln!("vacation: No RPLINE in environment");
        return Ok(0);
    };
    let to = reply::reply_to(&rpline);
    let Some(record) = reply::record_path(&row.dir, &to) else {
        eprintln!("vacation: Return-Path [{to}] cannot be answered");
        return Ok(0);
    };
    let subject = reply::subject(&mut std::io::stdin().lock())
        .map_err(|e| AppletError::new(111, format!("vacation: read-email: {e}")))?;
    if reply::recently_answered(&record) {
        return Ok(0);
    }
    let msg = vacation::msg_file(&row.dir);
    let body = match std::fs::read(&msg) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => fail!(
            111,
            "vacation: open: {}: {}",
            msg.display(),
            crate::mailstore::remove::error_text(&e)
        ),
    };
    let charset = std::env::var("CHARSET").ok();
    let text = reply::compose(
        &mailbox,
        &to,
        subject.as_deref(),
        charset.as_deref(),
        body.as_deref(),
    );
    reply::send(&cfg.prefix, &mailbox, &to, &text, &record)
}
