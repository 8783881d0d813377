/*!
Converting aliases between `.qmail-<alias>` files in the domain directory and
`valias` rows (`vcalias` files → rows, `vcaliasrev` rows → files). Each
direction is all or nothing per unit: a file's lines go in one transaction and
the file is removed only after the commit; rows are deleted in the same
transaction that the files are written in, and the files are put back if it
does not commit.
*/

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::cli::AppletError;
use crate::db::{domains, valias, Db};
use crate::domain::Domain;

fn fail(prog: &str, what: &str, p: &Path, e: impl std::fmt::Display) -> AppletError {
    AppletError::new(111, format!("{prog}: {what}: {}: {e}", p.display()))
}

/// `.qmail-<alias>` files of a domain directory (not `.qmail-default`) as
/// (alias, path), sorted; the alias has qmail's `:` back as `.`.
pub fn qmail_files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(alias) = name.strip_prefix(".qmail-") else {
            continue;
        };
        if alias == "default" || alias.is_empty() || !e.file_type()?.is_file() {
            continue;
        }
        v.push((alias.replace(':', "."), e.path()));
    }
    v.sort();
    Ok(v)
}

/// The delivery lines of a `.qmail` file as valias lines: comments and blank
/// lines dropped, surrounding blanks trimmed.
pub fn alias_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect()
}

/// vcalias: every `.qmail-<alias>` file becomes valias rows, then is removed.
pub fn files_to_rows(
    db: &mut Db,
    domain: &str,
    d: &Domain,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    out(&format!("Looking in {}", d.dir.display()));
    out(&format!(
        "Converting from Filesystem to MYSQL for domain {domain}"
    ));
    let files = qmail_files(&d.dir).map_err(|e| fail("vcalias", "opendir", &d.dir, e))?;
    for (alias, path) in files {
        let text = std::fs::read_to_string(&path).map_err(|e| fail("vcalias", "read", &path, e))?;
        let lines = alias_lines(&text);
        db.transaction(|db| -> Result<(), AppletError> {
            for l in &lines {
                valias::insert(db, &alias, domain, l)?;
            }
            Ok(())
        })?;
        let label = format!("{alias}@{domain}");
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                out(&format!("Converting {label:<30} -> {l}"));
            } else {
                out(&format!("{:11}{:<30} -> {l}", "", ""));
            }
        }
        if let Err(e) = std::fs::remove_file(&path) {
            eprintln!("vcalias: unlink: {}: {e}", path.display());
        }
    }
    Ok(())
}

/// vcaliasrev: every valias row of the domain is appended to `.qmail-<alias>`
/// (dots as colons, 0600, domain owner) and deleted.
pub fn rows_to_files(
    db: &mut Db,
    domain: &str,
    d: &Domain,
    out: &mut dyn FnMut(&str),
) -> Result<(), AppletError> {
    out("Converting from MYSQL To Filesystem");
    // (path, length before) to restore if the transaction does not commit
    let mut touched: Vec<(PathBuf, Option<u64>)> = Vec::new();
    let res = db.transaction(|db| -> Result<(), AppletError> {
        let rows = domains::valias_of_domain(db, domain)?;
        for (alias, line) in &rows {
            out(&format!("Converting {alias:<20} -> {line}"));
            let path = d.dir.join(format!(".qmail-{}", alias.replace('.', ":")));
            if !touched.iter().any(|(p, _)| *p == path) {
                let len = std::fs::metadata(&path).ok().map(|m| m.len());
                touched.push((path.clone(), len));
            }
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| fail("vcaliasrev", "open", &path, e))?;
            f.write_all(format!("{line}\n").as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| fail("vcaliasrev", "write", &path, e))?;
            crate::sys::chown(&path, d.owner())
                .map_err(|e| fail("vcaliasrev", "chown", &path, e))?;
        }
        domains::valias_delete_domain(db, domain)?;
        Ok(())
    });
    if let Err(e) = res {
        for (p, len) in touched {
            match len {
                None => {
                    let _ = std::fs::remove_file(&p);
                }
                Some(n) => {
                    if let Ok(f) = OpenOptions::new().write(true).open(&p) {
                        let _ = f.set_len(n);
                    }
                }
            }
        }
        return Err(e);
    }
    Ok(())
}
