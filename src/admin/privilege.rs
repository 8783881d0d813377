//! `vpriv` rule matching (servers.md 3.2), made fail-closed (Part 4, items 12 and 13).
//!
//! A rule's `cmdswitches` is either `*` (any arguments) or a list of patterns, one per
//! argument, split like a command line. The command's arguments (after splitting, before any
//! variable expansion) must match the patterns one to one:
//!
//! * the number of arguments must equal the number of patterns (no extra options, no
//!   `; vdeluser ...` tails);
//! * each pattern is an anchored shell glob (`*`, `?`, `[...]`, `[!...]`/`[^...]`, `\x`), or with
//!   `QREGEX` an anchored, case-insensitive extended regular expression;
//! * an argument starting with `-` only matches a pattern that starts with a literal `-` (a
//!   wildcard never stands for an option);
//! * an empty argument, a rule that cannot be split and a regular expression that does not
//!   compile all deny.

use super::wire::split_args;

/// How patterns are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Glob,
    /// `QREGEX` set in the server's environment.
    Regex,
}

/// Shell-style wildcard match of the whole `text` (wildmat semantics).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    // Iterative matcher with single-star backtracking (linear in practice, no recursion blow-up).
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        // An unterminated class is a literal '['.
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Match `c` against the class starting at `p[start] == '['`: (matched, index after `]`),
/// or `None` if the class is not terminated.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = i < p.len() && (p[i] == '!' || p[i] == '^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let mut lo = p[i];
        if lo == '\\' && i + 1 < p.len() {
            i += 1;
            lo = p[i];
        }
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn pattern_matches(pattern: &str, arg: &str, mode: Mode) -> bool {
    if arg.starts_with('-') && !pattern.starts_with('-') {
        return false;
    }
    match mode {
        Mode::Glob => glob_match(pattern, arg),
        Mode::Regex => match regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
        {
            Ok(re) => re.is_match(arg),
            Err(_) => false,
        },
    }
}

/// Does the rule `cmdswitches` allow these arguments (the command's words after the first,
/// unexpanded)? `None` (a NULL column) denies.
pub fn allows(cmdswitches: Option<&str>, args: &[String], mode: Mode) -> bool {
    let Some(rule) = cmdswitches else {
        return false;
    };
    if args.iter().any(String::is_empty) {
        return false;
    }
    if rule == "*" {
        return true;
    }
    let Ok(patterns) = split_args(rule) else {
        return false;
    };
    patterns.len() == args.len()
        && patterns
            .iter()
            .zip(args)
            .all(|(p, a)| pattern_matches(p, a, mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("a*c", "abbbc"));
        assert!(!glob_match("a*c", "abbbcd"));
        assert!(glob_match("?@example.com", "a@example.com"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[!a-c]x", "bx"));
        assert!(glob_match("[^a-c]x", "dx"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "a"));
        assert!(glob_match("*@example.com", "alice@example.com"));
        assert!(!glob_match("*@example.com", "alice@example.com.evil"));
        assert!(glob_match("[", "["));
        assert!(glob_match(
            "*a*a*a*a*a*b",
            &"a".repeat(30).replace("aa", "ab")
        ));
    }

    #[test]
    fn rules_match_per_argument() {
        let rule = Some("-n *");
        assert!(allows(rule, &v(&["-n", "alice@example.com"]), Mode::Glob));
        assert!(!allows(rule, &v(&["alice@example.com"]), Mode::Glob));
        // Escapes of the original's whole-string glob.
        assert!(!allows(
            rule,
            &v(&["-n", "a@b;", "vdeluser", "a@b"]),
            Mode::Glob
        ));
        assert!(!allows(rule, &v(&["-n", "a@b", "-p"]), Mode::Glob));
        assert!(!allows(rule, &v(&["-n", "-p"]), Mode::Glob));
        assert!(!allows(rule, &v(&["-n", ""]), Mode::Glob));
        assert!(allows(rule, &v(&["-n", "$MYSQL_PASSWD"]), Mode::Glob));
        assert!(allows(Some("*"), &v(&["-p", "x"]), Mode::Glob));
        assert!(allows(Some("*"), &[], Mode::Glob));
        assert!(!allows(None, &v(&["x"]), Mode::Glob));
        assert!(!allows(
            Some("-n \"unterminated"),
            &v(&["-n", "x"]),
            Mode::Glob
        ));
        assert!(allows(
            Some("-c \"* *\" *@example.com"),
            &v(&["-c", "A B", "x@example.com"]),
            Mode::Glob
        ));
    }

    #[test]
    fn regex_rules_are_anchored_and_fail_closed() {
        assert!(allows(
            Some("-n .*@EXAMPLE\\.com"),
            &v(&["-n", "a@example.com"]),
            Mode::Regex
        ));
        assert!(!allows(
            Some("-n .*@example\\.com"),
            &v(&["-n", "a@example.com.evil"]),
            Mode::Regex
        ));
        assert!(!allows(
            Some("-n (unclosed"),
            &v(&["-n", "(unclosed"]),
            Mode::Regex
        ));
        assert!(!allows(Some("-n a|.*"), &v(&["-n", "-p"]), Mode::Regex));
    }

    proptest! {
        #[test]
        fn star_matches_everything_but_options(s in "[a-z@.;$ -]{0,20}") {
            prop_assert!(glob_match("*", &s));
            let args = vec![s.clone()];
            prop_assert_eq!(allows(Some("x*"), &args, Mode::Glob), s.starts_with('x'));
        }

        #[test]
        fn glob_is_total(p in "[*?\\[\\]!^a-c\\\\-]{0,12}", t in "[a-c\\[\\]*?-]{0,12}") {
            let _ = glob_match(&p, &t);
        }

        #[test]
        fn literal_patterns_match_only_themselves(a in "[a-z0-9@.]{1,10}", b in "[a-z0-9@.]{1,10}") {
            prop_assert_eq!(glob_match(&a, &b), a == b);
        }
    }
}
