//! vpriv: which administration programs an indisrvr account may run, with which arguments.

use super::{parse_args, Applet, Ctx};
use crate::admin::commands;
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::db::{mgmtaccess, vpriv, Db};
use crate::{fail, sys};

const USAGE: &str = "vpriv: warning: usage: vpriv [options] user CommandLineSwitches
options: -V ( print version number )
         -v ( verbose )
         -s ( show privileges )
         -d program (remove privilege to run program)
         -i program (add privilege to run program)
         -m program (modify privilege)
         -D Delete All Privileges for user
         -a Set All Privileges for user";

const OPTIONS: &[OptSpec] = &[
    OptSpec::flag('v', "verbose messages"),
    OptSpec::flag('s', "show the rules (of the user, or all)"),
    OptSpec::value('d', "program", "remove the rule for program (a full path)"),
    OptSpec::value(
        'i',
        "program",
        "add a rule for program with CommandLineSwitches",
    ),
    OptSpec::value('m', "program", "change the switches of program's rule"),
    OptSpec::flag('D', "remove every rule of the user"),
    OptSpec::flag(
        'a',
        "allow every program of the command tables with any arguments",
    ),
];

pub const APPLET: Applet = Applet {
    name: "vpriv",
    section: 8,
    setuid: false,
    dir: "bin",
    summary: "manage the privileges of IndiMail administration accounts",
    synopsis: "[options] user [CommandLineSwitches]",
    options: OPTIONS,
    run,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Select,
    Insert,
    Delete,
    Update,
    DeleteUser,
    Grant,
}

fn usage() -> AppletError {
    AppletError::new(1, USAGE)
}

fn run(ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let (uid, gid) = ctx.cfg.indimail_ids().unwrap_or((u32::MAX, u32::MAX));
    if !sys::caller_may_act_as(uid, gid) {
        fail!(
            1,
            "vpriv: you must be root or domain user (uid={uid}/gid={gid}) to run this program"
        );
    }
    let p = parse_args(&APPLET, args, usage)?;
    // The last action option wins, as in the original's getopt loop.
    let mut action = None;
    let mut program: Option<String> = None;
    for (key, value) in p.opts.iter().cloned() {
        match key.as_str() {
            "s" => action = Some(Action::Select),
            "a" => action = Some(Action::Grant),
            "D" => action = Some(Action::DeleteUser),
            "d" | "i" | "m" => {
                action = Some(match key.as_str() {
                    "d" => Action::Delete,
                    "i" => Action::Insert,
                    _ => Action::Update,
                });
                program = value;
            }
            _ => {}
        }
    }
    let Some(action) = action else {
        return Err(usage());
    };
    let verbose = p.has("v");
    let user = p
        .operands
        .first()
        .map(String::as_str)
        .filter(|u| !u.is_empty());
    let switches = p.operands.get(1).map(String::as_str);
    if action != Action::Select && user.is_none() {
        fail!(1, "vpriv: must supply user\n{USAGE}");
    }
    if matches!(action, Action::Insert | Action::Update | Action::Delete) && program.is_none() {
        fail!(1, "vpriv: must supply program\n{USAGE}");
    }
    if matches!(action, Action::Insert | Action::Update) && switches.is_none() {
        fail!(1, "vpriv: must supply Command Line Switches\n{USAGE}");
    }
    let mut db = Db::open_master(&ctx.cfg).map_err(|e| AppletError::new(255, e.to_string()))?;
    if action != Action::Select {
        let u = user.unwrap_or_default();
        if mgmtaccess::get(&mut db, u)
            .map_err(|e| AppletError::new(255, e.to_string()))?
            .is_none()
        {
            return Ok(1);
        }
    }
    let sql = |e: crate::db::DbError| AppletError::new(255, format!("vpriv: {e}"));
    let user = user.unwrap_or_default();
    let program = program.unwrap_or_default();
    let switches = switches.unwrap_or_default();
    if matches!(action, Action::Insert | Action::Update)
        && switches != "*"
        && crate::admin::wire::split_args(switches).is_err()
    {
        eprintln!("vpriv: warning: [{switches}] cannot be split into arguments: the rule will never allow anything");
    }
    match action {
        Action::Select => {
            for (u, prog, sw) in
                vpriv::list(&mut db, p.operands.first().map(String::as_str)).map_err(sql)?
            {
                ctx.out.line(&format!(
                    "{u:<20} --> {prog:<20} {}",
                    sw.unwrap_or_default()
                ));
            }
            Ok(0)
        }
        Action::Insert => {
            if vpriv::insert(&mut db, user, &program, switches).map_err(sql)? {
                if verbose {
                    ctx.out.line(&format!(
                        "Added Privilege for {user} [{program} {switches}]"
                    ));
                }
                Ok(0)
            } else {
                if verbose {
                    ctx.out.line(&format!("No Privilege added for {user}"));
                }
                eprintln!("vpriv: {user}: a rule for {program} exists (use -m to change it)");
                Ok(1)
            }
        }
        Action::Update => {
            let n = vpriv::update(&mut db, user, &program, switches).map_err(sql)?;
            if n == 0 && vpriv::get(&mut db, user, &program).map_err(sql)?.is_none() {
                if verbose {
                    ctx.out
                        .line(&format!("No Program {program} for user {user}"));
                }
                return Ok(1);
            }
            if verbose {
                ctx.out.line(&format!(
                    "Updated Cmdargs {switches} for user {user} program {program} ({n} entries)"
                ));
            }
            Ok(0)
        }
        Action::Delete => {
            let n = vpriv::delete(&mut db, user, &program).map_err(sql)?;
            if verbose {
                if n == 0 {
                    ctx.out
                        .line(&format!("No Program {program} for user {user}"));
                } else {
                    ctx.out.line(&format!(
                        "Deleted program {program} for user {user} ({n} entries)"
                    ));
                }
            }
            Ok(i32::from(n == 0))
        }
        Action::DeleteUser => {
            let n = vpriv::delete_all(&mut db, user).map_err(sql)?;
            if verbose {
                ctx.out.line(&format!(
                    "Deleted all programs for user {user} ({n} entries)"
                ));
            }
            Ok(0)
        }
        Action::Grant => {
            let mut status = 0;
            for name in commands::all_names() {
                let path = commands::program_path(&ctx.cfg, name);
                let path = path.to_string_lossy();
                if vpriv::insert(&mut db, user, &path, "*").map_err(sql)? {
                    if verbose {
                        ctx.out
                            .line(&format!("Added Privilege for {user} [{path} *]"));
                    }
                } else {
                    status = 1;
                }
            }
            Ok(status)
        }
    }
}
