//! 822header: print the header section, optionally only (-I) or without (-X) some fields.

use super::rfc822util::{flush, input, output, put, read_err};
use super::{parse_args, Applet, Ctx};
use crate::cli::getopt::OptSpec;
use crate::cli::{AppletError, AppletResult};
use crate::fail;
use crate::rfc822::{name_matches, Line};

const USAGE: &str = "USAGE: 822header [-I include headers] [-X exclude headers]";
const P: &str = "822header";

const OPTIONS: &[OptSpec] = &[
    OptSpec::value('I', "field", "print only this field (repeatable)"),
    OptSpec::value('X', "field", "leave this field out (repeatable)"),
];

pub const APPLET: Applet = Applet {
    name: P,
    section: 1,
    setuid: false,
    dir: "bin",
    summary: "print the header of a mail message",
    synopsis: "[-I field]... | [-X field]...",
    options: OPTIONS,
    run,
};

fn run(_ctx: &mut Ctx, args: &[String]) -> AppletResult {
    let p = parse_args(&APPLET, args, || AppletError::new(100, USAGE))?;
    let include = p.values("I");
    let exclude = p.values("X");
    if !include.is_empty() && !exclude.is_empty() {
        fail!(100, "Only one of -I or -X can be specified");
    }
    let (names, inc) = if include.is_empty() {
        (exclude, false)
    } else {
        (include, true)
    };
    let all = names.is_empty();
    let matches = |l: &[u8]| names.iter().any(|n| name_matches(l, n.as_bytes()));
    let mut rd = input();
    let mut out = output();
    // a continuation line before any field is printed only without options
    let mut keep = all;
    loop {
        match rd.next_line().map_err(|e| read_err(P, e))? {
            Line::Field(l) => {
                keep = all || matches(&l) == inc;
                if keep {
                    put(P, &mut out, &l)?;
                }
            }
            Line::Cont(l) => {
                if keep {
                    put(P, &mut out, &l)?;
                }
            }
            Line::End(_) => break,
        }
    }
    flush(P, &mut out)?;
    Ok(0)
}
