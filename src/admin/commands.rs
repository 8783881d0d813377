//! The command index tables of the administration protocol (servers.md 2.4 and Appendix A).
//!
//! The index sent on the wire names a program in a hard-coded table. Two tables are in use:
//! the one of the seed documentation / 2011 source (indices 00-45) and the one of the current
//! original release (indices 0-43). The server accepts an index when the command's basename is
//! the entry at that index in either table; the client sends the seed table's index first and
//! the other table's only after a `command mismatch` answer (nothing was run then).

use std::path::PathBuf;

use crate::config::Config;

/// Where a program is installed (relative to `INDIMAIL_PREFIX`, or LIBEXECDIR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Bin,
    Sbin,
    Libexec,
}

/// The current original release's `adminCommands[]` (servers.md 2.4), indices 0-43.
pub const CURRENT: &[(&str, Dir)] = &[
    ("vadduser", Dir::Bin),
    ("vpasswd", Dir::Bin),
    ("vdeluser", Dir::Bin),
    ("vsetuserquota", Dir::Bin),
    ("vbulletin", Dir::Bin),
    ("vmoduser", Dir::Bin),
    ("valias", Dir::Bin),
    ("vuserinfo", Dir::Bin),
    ("vipmap", Dir::Bin),
    ("vacation", Dir::Bin),
    ("vmoveuserdir", Dir::Bin),
    ("vrenameuser", Dir::Bin),
    ("crc", Dir::Bin),
    ("vcfilter", Dir::Bin),
    ("vsmtp", Dir::Bin),
    ("dbinfo", Dir::Bin),
    ("vhostid", Dir::Bin),
    ("printdir", Dir::Bin),
    ("svstat", Dir::Bin),
    ("vaddaliasdomain", Dir::Bin),
    ("vadddomain", Dir::Bin),
    ("vcalias", Dir::Bin),
    ("vcaliasrev", Dir::Bin),
    ("vdeldomain", Dir::Bin),
    ("vrenamedomain", Dir::Bin),
    ("vdominfo", Dir::Bin),
    ("vgroup", Dir::Bin),
    ("vatrn", Dir::Bin),
    ("vpriv", Dir::Bin),
    ("vlimit", Dir::Bin),
    ("hostcntrl", Dir::Bin),
    ("resetquota", Dir::Sbin),
    ("vreorg", Dir::Sbin),
    ("vdeloldusers", Dir::Sbin),
    ("ipchange", Dir::Sbin),
    ("svctool", Dir::Sbin),
    ("clearopensmtp", Dir::Sbin),
    ("hostsync", Dir::Sbin),
    ("inquerytest", Dir::Sbin),
    ("vmoddomain", Dir::Sbin),
    ("vserverinfo", Dir::Sbin),
    ("mgmtpass", Dir::Sbin),
    ("vfstab", Dir::Sbin),
    ("updatefile", Dir::Libexec),
];

/// The seed documentation's table (servers.md Appendix A), indices 00-45. Index 21 (garbled in
/// the post) is `svstat` as in the 2011 source; index 36 is `execmysql` in the seed and
/// `resetquota` in the 2011 source ([`SEED_36_ALT`]), both are accepted.
pub const SEED: &[&str] = &[
    "vadduser",
    "vpasswd",
    "vdeluser",
    "vsetuserquota",
    "vbulletin",
    "vmoduser",
    "valias",
    "vuserinfo",
    "vipmap",
    "vacation",
    "vmoveuser",
    "vrenameuser",
    "crc",
    "vcfilter",
    "indiversion",
    "vsmtp",
    "dbinfo",
    "vhostid",
    "mgmtpass",
    "inquerytest",
    "printdir",
    "svstat",
    "vaddaliasdomain",
    "vadddomain",
    "vcalias",
    "vcaliasrev.sh",
    "vconvert",
    "vdeldomain",
    "vrenamedomain",
    "vdominfo",
    "vfstab",
    "vgroup",
    "vatrn",
    "vpriv",
    "vlimit",
    "hostcntrl",
    "execmysql",
    "updatefile",
    "vreorg",
    "vdeloldusers",
    "ipchange",
    "svctool",
    "clearopensmtp",
    "hostsync",
    "inquerytest",
    "vmoddomain",
];

/// The 2011 source's name at seed index 36.
pub const SEED_36_ALT: &str = "resetquota";

/// The largest index either table knows.
pub const MAX_INDEX: usize = 45;

/// Which table an index was resolved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Seed,
    Current,
}

/// The names at `index` in either table (seed first).
pub fn names_at(index: usize) -> Vec<&'static str> {
    let mut v = Vec::new();
    if let Some(s) = SEED.get(index) {
        v.push(*s);
        if index == 36 {
            v.push(SEED_36_ALT);
        }
    }
    if let Some((c, _)) = CURRENT.get(index) {
        if !v.contains(c) {
            v.push(*c);
        }
    }
    v
}

/// Server side: the command `basename` given with `index`, if either table has it there.
/// `Err` carries the name the server expected (the current table's, else the seed's).
pub fn resolve(index: usize, basename: &str) -> Result<&'static str, Option<&'static str>> {
    let names = names_at(index);
    match names.iter().find(|n| **n == basename) {
        Some(n) => Ok(n),
        None => Err(CURRENT
            .get(index)
            .map(|c| c.0)
            .or_else(|| SEED.get(index).copied())),
    }
}

/// Client side: the index of `basename` in `table` (first match), if any.
pub fn index_in(table: Table, basename: &str) -> Option<usize> {
    match table {
        Table::Seed => SEED
            .iter()
            .position(|n| *n == basename)
            .or_else(|| (basename == SEED_36_ALT).then_some(36)),
        Table::Current => CURRENT.iter().position(|(n, _)| *n == basename),
    }
}

/// Client side: the index to send first (the seed's) and the one to retry with after a
/// `command mismatch` (the current table's, when it differs).
pub fn client_indices(basename: &str) -> Option<(usize, Option<usize>)> {
    let seed = index_in(Table::Seed, basename);
    let current = index_in(Table::Current, basename);
    match (seed, current) {
        (Some(s), Some(c)) if s != c => Some((s, Some(c))),
        (Some(s), _) => Some((s, None)),
        (None, Some(c)) => Some((c, None)),
        (None, None) => None,
    }
}

/// Every command name either table knows (each once), in table order.
pub fn all_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = CURRENT.iter().map(|c| c.0).collect();
    for s in SEED.iter().copied().chain([SEED_36_ALT]) {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

fn dir_of(name: &str) -> Dir {
    match CURRENT.iter().find(|c| c.0 == name) {
        Some((_, d)) => *d,
        None if name == "execmysql" => Dir::Sbin,
        None => Dir::Bin,
    }
}

/// The full installed path of a command: what the original compiles into its table and what
/// `vpriv` rows name (`PREFIX/bin/vuserinfo`, `LIBEXECDIR/updatefile`).
pub fn program_path(cfg: &Config, name: &str) -> PathBuf {
    match dir_of(name) {
        Dir::Bin => cfg.prefix.join("bin").join(name),
        Dir::Sbin => cfg.prefix.join("sbin").join(name),
        Dir::Libexec => cfg.libexecdir.join(name),
    }
}

/// The applet of this binary that serves a table command (`vcaliasrev.sh` is `vcaliasrev`).
pub fn applet_for(name: &str) -> Option<&'static crate::applets::Applet> {
    crate::applets::find(name.strip_suffix(".sh").unwrap_or(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes_and_known_entries() {
        assert_eq!(CURRENT.len(), 44);
        assert_eq!(SEED.len(), 46);
        assert_eq!(CURRENT[7].0, "vuserinfo");
        assert_eq!(CURRENT[18].0, "svstat");
        assert_eq!(CURRENT[43], ("updatefile", Dir::Libexec));
        assert_eq!(SEED[21], "svstat");
        assert_eq!(SEED[45], "vmoddomain");
    }

    #[test]
    fn resolve_accepts_either_table() {
        assert_eq!(resolve(7, "vuserinfo"), Ok("vuserinfo"));
        assert_eq!(resolve(10, "vmoveuser"), Ok("vmoveuser"));
        assert_eq!(resolve(10, "vmoveuserdir"), Ok("vmoveuserdir"));
        assert_eq!(resolve(36, "execmysql"), Ok("execmysql"));
        assert_eq!(resolve(36, "resetquota"), Ok("resetquota"));
        assert_eq!(resolve(36, "clearopensmtp"), Ok("clearopensmtp"));
        assert_eq!(resolve(41, "mgmtpass"), Ok("mgmtpass"));
        assert_eq!(resolve(18, "mgmtpass"), Ok("mgmtpass"));
        assert_eq!(resolve(18, "svstat"), Ok("svstat"));
        assert_eq!(resolve(7, "vdeluser"), Err(Some("vuserinfo")));
        assert_eq!(resolve(45, "vmoddomain"), Ok("vmoddomain"));
        assert_eq!(resolve(44, "vmoddomain"), Err(Some("inquerytest")));
        assert_eq!(resolve(46, "vmoddomain"), Err(None));
    }

    #[test]
    fn client_prefers_the_seed_index() {
        assert_eq!(client_indices("vuserinfo"), Some((7, None)));
        assert_eq!(client_indices("mgmtpass"), Some((18, Some(41))));
        assert_eq!(client_indices("vmoddomain"), Some((45, Some(39))));
        assert_eq!(client_indices("vserverinfo"), Some((40, None)));
        assert_eq!(client_indices("vmoveuserdir"), Some((10, None)));
        assert_eq!(client_indices("resetquota"), Some((36, Some(31))));
        assert_eq!(client_indices("rm"), None);
        // Every index a client sends resolves on the server.
        for n in all_names() {
            let (a, b) = client_indices(n).unwrap();
            assert_eq!(resolve(a, n), Ok(n));
            if let Some(b) = b {
                assert_eq!(resolve(b, n), Ok(n));
            }
        }
    }

    #[test]
    fn program_paths() {
        let cfg = Config {
            sysconfdir: "/e".into(),
            controldir: "/e/c".into(),
            assigndir: "/e/u".into(),
            domaindir: "/v".into(),
            base_path: "/h".into(),
            libexecdir: "/usr/libexec/indimail".into(),
            prefix: "/usr".into(),
        };
        assert_eq!(
            program_path(&cfg, "vuserinfo"),
            PathBuf::from("/usr/bin/vuserinfo")
        );
        assert_eq!(
            program_path(&cfg, "mgmtpass"),
            PathBuf::from("/usr/sbin/mgmtpass")
        );
        assert_eq!(
            program_path(&cfg, "updatefile"),
            PathBuf::from("/usr/libexec/indimail/updatefile")
        );
    }
}
