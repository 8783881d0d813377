/*!
Replays the original tools' transcripts (`../shared/oracle/transcript*.txt`)
against our applets and compares stdout, stderr and exit status after
normalising only what must differ: install paths, salts and hashes, dates,
the database connection lines, and noise lines from the capture machine
(missing supervise services, no master database).
*/

use regex::Regex;

use crate::common::{shared, Run, TestEnv};

/// One command of a transcript.
#[derive(Debug, Clone)]
pub struct Case {
    pub number: Option<u32>,
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

/// Split a shell-quoted command line (backslash escapes, single and double quotes).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(m) = chars.next() {
                                cur.push(m);
                            }
                        }
                        _ => cur.push(n),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Parse a transcript file into its cases.
pub fn parse(text: &str) -> Vec<Case> {
    let header = Regex::new(r"^################ (?:\[(\d+)\] )?\$ (.*)$").unwrap();
    let size_re = Regex::new(r"\((\d+) bytes\)").unwrap();
    let marker_re =
        Regex::new(r"^---- (?:(?:stdout|stderr|stdin|env)(?: \(\d+ bytes\))?|exit: -?\d+)$")
            .unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(h) = header.captures(lines[i].trim_end_matches('\n')) else {
            i += 1;
            continue;
        };
        let number = h.get(1).map(|m| m.as_str().parse().unwrap());
        let argv = shell_words(&h[2]);
        i += 1;
        let mut section = String::new();
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut text_sizes: Vec<(String, usize)> = Vec::new();
        let mut exit = 0;
        while i < lines.len() && !header.is_match(lines[i].trim_end_matches('\n')) {
            let l = lines[i];
            let marker = marker_re.is_match(l.trim_end_matches('\n'));
            if let Some(rest) = l.strip_prefix("---- ").filter(|_| marker) {
                if let Some(code) = rest.trim().strip_prefix("exit: ") {
                    exit = code.trim().parse().unwrap_or(-1);
                    section.clear();
                    i += 1;
                    continue;
                }
                let name = rest.split_whitespace().next().unwrap_or("").to_string();
                if let Some(n) = size_re.captures(rest) {
                    text_sizes.push((name.clone(), n[1].parse().unwrap()));
                }
                sections.push((name.clone(), String::new()));
                section = name;
            } else if !section.is_empty() {
                sections.last_mut().unwrap().1.push_str(l);
            }
            i += 1;
        }
        // The header gives the exact size; the text runs on to the next marker.
        let get = |n: &str| {
            sections
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
        };
        let sized = |n: &str| {
            let text = get(n).unwrap_or_default();
            let size = text_sizes.iter().find(|(k, _)| k == n).map(|(_, s)| *s);
            match size {
                Some(s) if s <= text.len() => text[..s].to_string(),
                _ => {
                    text.trim_end_matches('\n').to_string()
                        + if text.is_empty() { "" } else { "\n" }
                }
            }
        };
        cases.push(Case {
            number,
            argv,
            stdin: get("stdin"),
            stdout: sized("stdout"),
            stderr: sized("stderr"),
            exit,
        });
    }
    cases
}

pub fn load(file: &str) -> Vec<Case> {
    let text =
        std::fs::read_to_string(shared().join("oracle").join(file)).expect("oracle transcript");
    parse(&text)
}

/// Normalise a transcript text, ours or the oracle's.
pub fn normalise(text: &str, paths: &[(String, &str)]) -> String {
    let mut s = text.to_string();
    let mut paths: Vec<_> = paths.to_vec();
    paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    for (from, to) in &paths {
        s = s.replace(from.as_str(), to);
    }
    let rules: &[(&str, &str)] = &[
        (
            r"\$([156])\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]+",
            "$$$1$$<SALT>$$<HASH>",
        ),
        (
            r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}",
            "<DATE>",
        ),
        (r"(?m)^Days inact    : .*$", "Days inact    : <DAYS>"),
        (r"(?m)^Sql Database  : .*$", "Sql Database  : <SQL>"),
        (r"(?m)^Unix   Socket : .*$", "<CONN>"),
        (r"(?m)^TCP/IP Port   : .*\nUse SSL       : .*$", "<CONN>"),
        (r"(?m)^Password is .*$", "Password is <PW>"),
        // Noise of the capture machine: no supervised services, no master db, runcmmd's pid line.
        (r"(?m)^svc: warning: .*\n", ""),
        (r"(?m)^/bin/ls: cannot access .*\n", ""),
        (r"(?m)^create_table: failed to open master db\n", ""),
        (r"(?m)^\d+: normal exit return status \d+\n", ""),
    ];
    for (re, rep) in rules {
        s = Regex::new(re).unwrap().replace_all(&s, *rep).into_owned();
    }
    s
}

/// Path substitutions: the oracle's compiled paths and ours map to the same words.
pub fn path_map(env: &TestEnv) -> Vec<(String, &'static str)> {
    vec![
        ("/tmp/oracle/mail".into(), "<BASE>"),
        ("/tmp/oracle/inst/var/indimail".into(), "<DOMAINDIR>"),
        (
            "/tmp/oracle/inst/etc/indimail/control".into(),
            "<CONTROLDIR>",
        ),
        ("/tmp/oracle/inst/etc/indimail/users".into(), "<ASSIGNDIR>"),
        ("/tmp/oracle/inst".into(), "<PREFIX>"),
        (env.base().display().to_string(), "<BASE>"),
        (env.domaindir().display().to_string(), "<DOMAINDIR>"),
        (env.controldir().display().to_string(), "<CONTROLDIR>"),
        (env.path("etc/users").display().to_string(), "<ASSIGNDIR>"),
        (env.root.display().to_string(), "<PREFIX>"),
    ]
}

/// Run one case and compare; the differences found, if any.
pub fn check(env: &TestEnv, case: &Case) -> Option<String> {
    let args: Vec<&str> = case.argv[1..].iter().map(String::as_str).collect();
    let run: Run = match &case.stdin {
        Some(input) => env.run_stdin(&case.argv[0], &args, input),
        None => env.run(&case.argv[0], &args),
    };
    let map = path_map(env);
    let (eo, go) = (normalise(&case.stdout, &map), normalise(&run.stdout, &map));
    let (ee, ge) = (normalise(&case.stderr, &map), normalise(&run.stderr, &map));
    let mut diffs = Vec::new();
    if eo != go {
        diffs.push(format!("stdout differs:\n--- expected\n{eo}--- got\n{go}"));
    }
    if ee != ge {
        diffs.push(format!("stderr differs:\n--- expected\n{ee}--- got\n{ge}"));
    }
    if case.exit != run.code {
        diffs.push(format!("exit: expected {}, got {}", case.exit, run.code));
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "[{:?}] {}\n{}",
            case.number,
            case.argv.join(" "),
            diffs.join("\n")
        )
    })
}

/// Replay the numbered cases of a transcript in order, comparing those in
/// `compare` and only running (for their side effects) those in `setup`.
pub fn replay(env: &TestEnv, file: &str, setup: &[u32], compare: &[u32]) {
    let cases = load(file);
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let Some(n) = case.number else { continue };
        if setup.contains(&n) {
            let args: Vec<&str> = case.argv[1..].iter().map(String::as_str).collect();
            env.run(&case.argv[0], &args).ok();
        } else if compare.contains(&n) {
            compared += 1;
            if let Some(d) = check(env, case) {
                failures.push(d);
            }
        }
    }
    assert_eq!(
        compared,
        compare.len(),
        "some cases to compare are missing from {file}"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ from {file}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn shell_words_unquote_like_the_capture_script() {
    assert_eq!(
        shell_words(r"vadduser -c Bob\ Builder bob@example.com Bob#pw2"),
        vec![
            "vadduser",
            "-c",
            "Bob Builder",
            "bob@example.com",
            "Bob#pw2"
        ]
    );
    assert_eq!(
        shell_words(r"valias -i '' info@example.com"),
        vec!["valias", "-i", "", "info@example.com"]
    );
    assert_eq!(
        shell_words(r"vadduser -e enc@x \$5\$salt"),
        vec!["vadduser", "-e", "enc@x", "$5$salt"]
    );
}

#[test]
fn transcripts_parse_with_exact_byte_counts() {
    let counts = Regex::new(r"---- stdout \((\d+) bytes\)").unwrap();
    for f in [
        "transcript.txt",
        "transcript-users.txt",
        "transcript-domains.txt",
    ] {
        let text = std::fs::read_to_string(shared().join("oracle").join(f)).unwrap();
        let cases = parse(&text);
        assert!(cases.len() > 20, "{f}: {} cases", cases.len());
        let sizes: Vec<usize> = counts
            .captures_iter(&text)
            .map(|c| c[1].parse().unwrap())
            .collect();
        for (case, size) in cases.iter().zip(sizes) {
            assert_eq!(case.stdout.len(), size, "{f} case {:?}", case.number);
        }
    }
}

/// transcript-users.txt: vadduser, vpasswd, vuserinfo, vsetuserquota, vdeluser.
/// Skipped (other issues' applets and the cases that depend on their effects):
/// vmoduser [66]-[84], valias [85]-[96], [99] (a vmoduser -n side effect), and
/// [32] (the original sets an empty password when stdin is empty; we refuse:
/// see docs/COMPAT.md and `users::empty_password_from_stdin_is_refused`).
#[test]
fn transcript_users_matches_the_original() {
    let env = TestEnv::new().with_hooks();
    let compare: Vec<u32> = (2..=31)
        .chain(33..=65)
        .chain([97, 98])
        .chain(100..=104)
        .collect();
    replay(&env, "transcript-users.txt", &[1], &compare);
}

/// transcript.txt, the first capture: the per-user commands of this issue.
#[test]
fn transcript_first_capture_matches_the_original() {
    let env = TestEnv::new().with_hooks();
    replay(
        &env,
        "transcript.txt",
        &[1],
        &[2, 3, 4, 5, 6, 7, 8, 11, 20, 21, 22, 23, 24],
    );
}
