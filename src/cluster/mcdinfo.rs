/*!
The `mcdinfo` file: one record per (domain, mail store), as the original's
`LoadDbInfo`/`writemcdinfo` read and write it (domains.md §2.3).

```text
domain   example.com 1
server   192.168.1.10
mdahost  192.168.1.20
port     3306
use_ssl  0
database indimail
user     indimail
pass     ssh-1.5-

```
*/

use crate::db::cluster::DbInfo;

/// The six keys that follow `server`, in the order the writer emits them.
const FIELDS: [&str; 6] = ["mdahost", "port", "use_ssl", "database", "user", "pass"];

/// Parse the text of `file` (named in messages). Blank lines and `#`
/// comments are skipped; `count`, `table` and `time` keys are ignored.
pub fn parse(text: &str, file: &str) -> Result<Vec<DbInfo>, String> {
    let mut out = Vec::new();
    let mut domain: Option<(String, i32)> = None;
    // The record being read: `server` seen, and which of FIELDS are set.
    let mut cur: Option<(DbInfo, [bool; 6])> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or("");
        let value = words.next();
        if ["count", "table", "time"].contains(&key) {
            continue;
        }
        let Some(value) = value else {
            return Err(format!(
                "LoadDbInfo: Line No {n} in {file} has no value[{raw}]"
            ));
        };
        let invalid = || format!("LoadDbInfo: Invalid syntax at line {n} file {file} - [{raw}]");
        if key == "domain" {
            if cur.is_some() {
                return Err(format!(
                    "LoadDbInfo: Line Preceding {n} in {file} is incomplete"
                ));
            }
            let dist = match words.next() {
                None => 0,
                Some(d) => d.parse::<i32>().map_err(|_| invalid())?,
            };
            if words.next().is_some() {
                return Err(invalid());
            }
            domain = Some((value.to_string(), dist));
            continue;
        }
        if words.next().is_some() {
            return Err(invalid());
        }
        if key == "server" {
            if cur.is_some() {
                return Err(format!(
                    "LoadDbInfo: Line Preceding {n} in {file} is incomplete"
                ));
            }
            let (d, dist) = domain
                .clone()
                .unwrap_or_else(|| ("unknown domain".to_string(), -1));
            cur = Some((
                DbInfo {
                    domain: d,
                    distributed: dist,
                    server: value.to_string(),
                    mdahost: String::new(),
                    port: 0,
                    use_ssl: 0,
                    database: String::new(),
                    user: String::new(),
                    password: String::new(),
                    local: false,
                },
                [false; 6],
            ));
            continue;
        }
        let Some(idx) = FIELDS.iter().position(|f| key == *f) else {
            return Err(invalid());
        };
        let Some((rec, seen)) = cur.as_mut() else {
            return Err(invalid());
        };
        if seen[idx] {
            return Err(format!(
                "LoadDbInfo: Line Preceding {n} in {file} is incomplete"
            ));
        }
        seen[idx] = true;
        let int = |v: &str| v.parse::<i32>().map_err(|_| invalid());
        match idx {
            0 => rec.mdahost = value.to_string(),
            1 => rec.port = int(value)?,
            2 => rec.use_ssl = int(value)?,
            3 => rec.database = value.to_string(),
            4 => rec.user = value.to_string(),
            _ => rec.password = value.to_string(),
        }
        if seen.iter().all(|s| *s) {
            out.push(cur.take().map(|(r, _)| r).unwrap_or_else(|| unreachable!()));
        }
    }
    if cur.is_some() {
        return Err(format!("LoadDbInfo: Incomplete structure in file {file}"));
    }
    Ok(out)
}

/// The file text for `records` (local records are left out), in the writer's exact layout.
pub fn render(records: &[DbInfo]) -> String {
    let mut s = String::new();
    for r in records.iter().filter(|r| !r.local) {
        s.push_str(&format!(
            "domain   {} {}\nserver   {}\nmdahost  {}\nport     {}\nuse_ssl  {}\ndatabase {}\nuser     {}\npass     {}\n\n",
            r.domain,
            i32::from(r.distributed == 1),
            r.server,
            r.mdahost,
            r.port,
            r.use_ssl,
            r.database,
            r.user,
            r.password
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# cluster\ndomain   example.com 1\nserver   10.0.0.1\nmdahost  10.0.0.2\nport     3306\nuse_ssl  0\ndatabase indimail\nuser     indimail\npass     secret\n\nserver   10.0.0.3\nmdahost  10.0.0.4\nport     3307\nuse_ssl  1\ndatabase im\nuser     u\npass     p\n";

    #[test]
    fn parses_and_renders() {
        let r = parse(GOOD, "mcdinfo").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].domain, "example.com");
        assert_eq!(r[0].distributed, 1);
        assert_eq!(
            (r[1].server.as_str(), r[1].port, r[1].use_ssl),
            ("10.0.0.3", 3307, 1)
        );
        assert_eq!(r[1].domain, "example.com");
        let text = render(&r);
        assert!(text.starts_with(
            "domain   example.com 1\nserver   10.0.0.1\nmdahost  10.0.0.2\nport     3306\n"
        ));
        assert_eq!(parse(&text, "x").unwrap(), r);
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        let e = parse("domain example.com\nserver\n", "f").unwrap_err();
        assert_eq!(e, "LoadDbInfo: Line No 2 in f has no value[server]");
        let e = parse("domain a 1\nserver s\nmdahost m\ndomain b 1\n", "f").unwrap_err();
        assert_eq!(e, "LoadDbInfo: Line Preceding 4 in f is incomplete");
        let e = parse("bogus value\n", "f").unwrap_err();
        assert_eq!(
            e,
            "LoadDbInfo: Invalid syntax at line 1 file f - [bogus value]"
        );
        let e = parse("domain a 1\nserver s\nport x\n", "f").unwrap_err();
        assert!(e.contains("Invalid syntax at line 3"), "{e}");
        let e = parse("domain a 1\nserver s\nmdahost m\n", "f").unwrap_err();
        assert_eq!(e, "LoadDbInfo: Incomplete structure in file f");
        let r = parse(
            "server s\nmdahost m\nport 1\nuse_ssl 0\ndatabase d\nuser u\npass p\n",
            "f",
        )
        .unwrap();
        assert_eq!(
            (r[0].domain.as_str(), r[0].distributed),
            ("unknown domain", -1)
        );
    }
}
