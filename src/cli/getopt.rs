/*!
A qmail/POSIX-compatible option parser driven by a static option table.

IndiMail's tools use qmail's `sgetopt`: options are scanned until the first
operand (so `vadduser a@b -secret` takes `-secret` as the password), short
options may be clustered (`-dv`) and an option's value may be attached
(`-qNOQUOTA`) or separate (`-q NOQUOTA`). clap cannot stop at the first operand
while still reporting unknown options, so parsing is done here; the same
[`OptSpec`] table also builds the clap `Command` used for man pages and
completions (see [`crate::applets::Applet::command`]).

Long options (`--json`, `--password-stdin`) are this project's additions and
never clash with the original's short options.
*/

/// One option of an applet: a short letter, a long name, or both.
#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    pub short: Option<char>,
    pub long: Option<&'static str>,
    /// Name of the value this option takes, `None` for a flag.
    pub value: Option<&'static str>,
    pub help: &'static str,
}

impl OptSpec {
    pub const fn flag(c: char, help: &'static str) -> Self {
        OptSpec {
            short: Some(c),
            long: None,
            value: None,
            help,
        }
    }
    pub const fn value(c: char, value: &'static str, help: &'static str) -> Self {
        OptSpec {
            short: Some(c),
            long: None,
            value: Some(value),
            help,
        }
    }
    pub const fn long_flag(name: &'static str, help: &'static str) -> Self {
        OptSpec {
            short: None,
            long: Some(name),
            value: None,
            help,
        }
    }
    pub const fn long_value(name: &'static str, value: &'static str, help: &'static str) -> Self {
        OptSpec {
            short: None,
            long: Some(name),
            value: Some(value),
            help,
        }
    }
    /// The key under which a parsed occurrence is reported: the short letter, or the long name.
    pub fn key(&self) -> String {
        match (self.short, self.long) {
            (Some(c), _) => c.to_string(),
            (None, Some(l)) => l.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// A parse failure, worded as qmail's sgetopt words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetoptError {
    /// `illegal option -- X`
    Illegal(String),
    /// `option requires an argument -- X`
    MissingValue(String),
}

impl GetoptError {
    pub fn message(&self, prog: &str) -> String {
        match self {
            GetoptError::Illegal(o) => format!("{prog}: illegal option -- {o}"),
            GetoptError::MissingValue(o) => format!("{prog}: option requires an argument -- {o}"),
        }
    }
}

/// The result of parsing: options in command-line order, then the operands.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub opts: Vec<(String, Option<String>)>,
    pub operands: Vec<String>,
}

impl Parsed {
    pub fn has(&self, key: &str) -> bool {
        self.opts.iter().any(|(k, _)| k == key)
    }
    /// The last value given for an option (getopt loops overwrite earlier values).
    pub fn value(&self, key: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }
    pub fn values(&self, key: &str) -> Vec<&str> {
        self.opts
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }
}

/// Parse `args` (without the program name) against `specs`.
pub fn parse(specs: &[OptSpec], args: &[String]) -> Result<Parsed, GetoptError> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let spec = specs
                .iter()
                .find(|s| s.long == Some(name))
                .ok_or_else(|| GetoptError::Illegal(format!("-{name}")))?;
            let value = if spec.value.is_some() {
                match attached {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        Some(
                            args.get(i)
                                .cloned()
                                .ok_or_else(|| GetoptError::MissingValue(format!("-{name}")))?,
                        )
                    }
                }
            } else {
                None
            };
            out.opts.push((spec.key(), value));
            i += 1;
            continue;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let chars: Vec<char> = arg.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            let spec = specs
                .iter()
                .find(|s| s.short == Some(c))
                .ok_or_else(|| GetoptError::Illegal(c.to_string()))?;
            if spec.value.is_some() {
                let rest: String = chars[j + 1..].iter().collect();
                let value = if !rest.is_empty() {
                    rest
                } else {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| GetoptError::MissingValue(c.to_string()))?
                };
                out.opts.push((c.to_string(), Some(value)));
                break;
            }
            out.opts.push((c.to_string(), None));
            j += 1;
        }
        i += 1;
    }
    out.operands = args[i.min(args.len())..].to_vec();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptSpec] = &[
        OptSpec::flag('v', "verbose"),
        OptSpec::flag('d', "dir"),
        OptSpec::value('q', "quota", "quota"),
        OptSpec::long_flag("json", "json"),
        OptSpec::long_value("password-file", "FILE", "pw"),
    ];

    fn p(args: &[&str]) -> Result<Parsed, GetoptError> {
        parse(
            SPECS,
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn stops_at_first_operand() {
        let r = p(&["-d", "a@b", "-secret"]).unwrap();
        assert!(r.has("d"));
        assert_eq!(r.operands, vec!["a@b", "-secret"]);
    }

    #[test]
    fn clustered_and_attached_values() {
        let r = p(&["-dvqNOQUOTA", "a@b"]).unwrap();
        assert!(r.has("d") && r.has("v"));
        assert_eq!(r.value("q"), Some("NOQUOTA"));
        let r = p(&["-q", "-5", "x"]).unwrap();
        assert_eq!(r.value("q"), Some("-5"));
        assert_eq!(r.operands, vec!["x"]);
    }

    #[test]
    fn errors_like_sgetopt() {
        assert_eq!(
            p(&["-Z", "a"]).unwrap_err(),
            GetoptError::Illegal("Z".into())
        );
        assert_eq!(
            p(&["-q"]).unwrap_err(),
            GetoptError::MissingValue("q".into())
        );
        assert_eq!(
            GetoptError::Illegal("Z".into()).message("vadduser"),
            "vadduser: illegal option -- Z"
        );
    }

    #[test]
    fn long_options_and_double_dash() {
        let r = p(&["--json", "--password-file=/x", "--", "-a@b"]).unwrap();
        assert!(r.has("json"));
        assert_eq!(r.value("password-file"), Some("/x"));
        assert_eq!(r.operands, vec!["-a@b"]);
        assert!(matches!(p(&["--nope"]), Err(GetoptError::Illegal(_))));
    }

    #[test]
    fn lone_dash_is_an_operand() {
        let r = p(&["-", "x"]).unwrap();
        assert_eq!(r.operands, vec!["-", "x"]);
    }
}
