/*!
The applet table: one static list drives dispatch (`argv[0]` or
`indimail <applet>`), `indimail --list`, `indimail install-links`, the
setuid policy, man pages, completions and the tests.

Each applet module is small: parse its options (with the shared getopt over
its own [`OptSpec`] table), call the library, print.
*/

use crate::cli::getopt::{self, OptSpec, Parsed};
use crate::cli::{AppletError, AppletResult, Out};
use crate::config::Config;

pub mod adminclient;
pub mod clearopensmtp;
pub mod crc;
pub mod dbinfo;
pub mod execmysql;
pub mod hostcntrl;
pub mod hostsync;
pub mod indisrvr;
pub mod indiversion;
pub mod inlookup;
pub mod inquerytest;
pub mod ipchange;
pub mod mgmtpass;
pub mod plugtest;
pub mod printdir;
pub mod qmail_qread;
pub mod qmail_showctl;
pub mod qmail_tcpok;
pub mod qmail_tcpto;
pub mod resetquota;
pub mod rfc822addr;
pub mod rfc822body;
pub mod rfc822bodyfilter;
pub mod rfc822date;
pub mod rfc822field;
pub mod rfc822fields;
pub mod rfc822header;
pub mod rfc822headerfilter;
pub mod rfc822headerok;
pub mod rfc822print;
pub mod rfc822received;
pub mod rfc822util;
pub mod svctool;
pub mod svstat;
pub mod tcplookup;
pub mod updatefile;
pub mod vacation;
pub mod vaddaliasdomain;
pub mod vadddomain;
pub mod vadduser;
pub mod valias;
pub mod vatrn;
pub mod vbulk;
pub mod vbulletin;
pub mod vcalias;
pub mod vcaliasrev;
pub mod vcfilter;
pub mod vconvert;
pub mod vdeldomain;
pub mod vdeloldusers;
pub mod vdeluser;
pub mod vdominfo;
pub mod vfstab;
pub mod vgroup;
pub mod vhostid;
pub mod vipmap;
pub mod vlimit;
pub mod vmoddomain;
pub mod vmoduser;
pub mod vmoveuser;
pub mod vmoveuserdir;
pub mod vpasswd;
pub mod vpriv;
pub mod vrenamedomain;
pub mod vrenameuser;
pub mod vreorg;
pub mod vserverinfo;
pub mod vsetuserquota;
pub mod vsmtp;
pub mod vuserinfo;

/// What an applet needs at run time.
pub struct Ctx {
    pub cfg: Config,
    /// The canonical applet name (used in messages and for the post-handle hook).
    pub name: &'static str,
    pub out: Out,
}

/// One command of the toolkit.
pub struct Applet {
    pub name: &'static str,
    /// Manual section: 1 user commands, 8 administration and daemons.
    pub section: u8,
    /// Installed setuid root by the original; the setuid copy serves only these.
    pub setuid: bool,
    /// Where it is installed (`bin` or `sbin`; never LIBEXECDIR, which holds the hooks).
    pub dir: &'static str,
    pub summary: &'static str,
    /// Operands as the usage line names them.
    pub synopsis: &'static str,
    pub options: &'static [OptSpec],
    pub run: fn(&mut Ctx, &[String]) -> AppletResult,
}

impl Applet {
    /// A clap description of the applet, for man pages and shell completions.
    /// (Parsing is done by [`getopt`], which follows the original exactly.)
    pub fn command(&self) -> clap::Command {
        let mut cmd = clap::Command::new(self.name)
            .about(self.summary)
            .override_usage(format!("{} {}", self.name, self.synopsis))
            .disable_help_flag(true)
            .disable_version_flag(true);
        for o in self.options {
            let id = o.key();
            let mut arg = clap::Arg::new(id).help(o.help);
            if let Some(c) = o.short {
                arg = arg.short(c);
            }
            if let Some(l) = o.long {
                arg = arg.long(l);
            }
            arg = match o.value {
                Some(v) => arg
                    .value_name(v)
                    .num_args(1)
                    .action(clap::ArgAction::Append),
                None => arg.action(clap::ArgAction::Count),
            };
            cmd = cmd.arg(arg);
        }
        cmd.arg(
            clap::Arg::new("operands")
                .num_args(0..)
                .value_name("ARGS")
                .help(self.synopsis),
        )
    }
}

/// Every applet, sorted by name.
pub static TABLE: &[Applet] = &[
    rfc822addr::APPLET,
    rfc822body::APPLET,
    rfc822bodyfilter::APPLET,
    rfc822date::APPLET,
    rfc822field::APPLET,
    rfc822fields::APPLET,
    rfc822header::APPLET,
    rfc822headerfilter::APPLET,
    rfc822headerok::APPLET,
    rfc822print::APPLET,
    rfc822received::APPLET,
    adminclient::APPLET,
    clearopensmtp::APPLET,
    crc::APPLET,
    dbinfo::APPLET,
    execmysql::APPLET,
    hostcntrl::APPLET,
    hostsync::APPLET,
    indisrvr::APPLET,
    indiversion::APPLET,
    inlookup::APPLET,
    inquerytest::APPLET,
    ipchange::APPLET,
    mgmtpass::APPLET,
    plugtest::APPLET,
    printdir::APPLET,
    qmail_qread::APPLET,
    qmail_showctl::APPLET,
    qmail_tcpok::APPLET,
    qmail_tcpto::APPLET,
    resetquota::APPLET,
    svctool::APPLET,
    svstat::APPLET,
    tcplookup::APPLET,
    updatefile::APPLET,
    vacation::APPLET,
    vaddaliasdomain::APPLET,
    vadddomain::APPLET,
    vadduser::APPLET,
    valias::APPLET,
    vatrn::APPLET,
    vbulk::APPLET,
    vbulletin::APPLET,
    vcalias::APPLET,
    vcaliasrev::APPLET,
    vcfilter::APPLET,
    vconvert::APPLET,
    vdeldomain::APPLET,
    vdeloldusers::APPLET,
    vdeluser::APPLET,
    vdominfo::APPLET,
    vfstab::APPLET,
    vgroup::APPLET,
    vhostid::APPLET,
    vipmap::APPLET,
    vlimit::APPLET,
    vmoddomain::APPLET,
    vmoduser::APPLET,
    vmoveuser::APPLET,
    vmoveuserdir::APPLET,
    vpasswd::APPLET,
    vpriv::APPLET,
    vrenamedomain::APPLET,
    vrenameuser::APPLET,
    vreorg::APPLET,
    vserverinfo::APPLET,
    vsetuserquota::APPLET,
    vsmtp::APPLET,
    vuserinfo::APPLET,
];

pub fn find(name: &str) -> Option<&'static Applet> {
    TABLE.iter().find(|a| a.name == name)
}

/// `-m`: CRAM is the only method supported (SCRAM would need gsasl's formats);
/// refused before anything is done.
pub fn check_password_method(prog: &str, p: &Parsed) -> Result<(), AppletError> {
    match p.value("m") {
        Some(m) if m != "CRAM" => Err(AppletError::new(
            100,
            format!("{prog}: warning: {m}: SCRAM methods are not supported; use CRAM or omit -m"),
        )),
        _ => Ok(()),
    }
}

/// The original refuses an address with an upper-case letter (exit 100).
pub fn reject_uppercase(prog: &str, email: &str) -> Result<(), AppletError> {
    if crate::address::has_uppercase(email) {
        return Err(AppletError::new(
            100,
            format!("{prog}: warning: email [{email}] has an uppercase character"),
        ));
    }
    Ok(())
}

/// The password for a new or changed account: operand number `index`, else a
/// random one of `random` characters, else from stdin with `--password-stdin`,
/// else asked for (see [`crate::cli::obtain_password`]). The flag says whether it was generated.
pub fn new_password(
    prog: &str,
    p: &Parsed,
    index: usize,
    random: Option<usize>,
    who: &str,
) -> Result<(String, bool), AppletError> {
    if let Some(pw) = p.operands.get(index) {
        return Ok((pw.clone(), false));
    }
    if let Some(n) = random {
        return Ok((crate::passwd::random_password(n), true));
    }
    let source = if p.has("password-stdin") {
        crate::cli::PasswordSource::StdinLine
    } else {
        crate::cli::PasswordSource::Prompt
    };
    Ok((crate::cli::obtain_password(prog, who, source)?, false))
}

/// Parse an applet's arguments; a getopt error becomes the original's
/// `<prog>: illegal option -- X` line followed by `usage_error(prog)`.
pub fn parse_args(
    applet: &Applet,
    args: &[String],
    usage_error: impl FnOnce() -> AppletError,
) -> Result<Parsed, AppletError> {
    getopt::parse(applet.options, args).map_err(|e| {
        let u = usage_error();
        AppletError::new(u.code, format!("{}\n{}", e.message(applet.name), u.message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].name < w[1].name, "{} !< {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn every_applet_has_a_clap_command() {
        for a in TABLE {
            a.command().debug_assert();
        }
    }
}
