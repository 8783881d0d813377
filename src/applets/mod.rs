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

pub mod inlookup;
pub mod inquerytest;
pub mod tcplookup;
pub mod vadddomain;
pub mod vadduser;
pub mod vdeluser;
pub mod vpasswd;
pub mod vsetuserquota;
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
    /// Where the original installs it (`bin` or `sbin`).
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
    inlookup::APPLET,
    inquerytest::APPLET,
    tcplookup::APPLET,
    vadddomain::APPLET,
    vadduser::APPLET,
    vdeluser::APPLET,
    vpasswd::APPLET,
    vsetuserquota::APPLET,
    vuserinfo::APPLET,
];

pub fn find(name: &str) -> Option<&'static Applet> {
    TABLE.iter().find(|a| a.name == name)
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
