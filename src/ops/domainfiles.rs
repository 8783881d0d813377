/*!
Control-file and assign edits shared by the domain commands, each recorded so
that it can be undone if a later step (or the database commit) fails.

Lines are always matched exactly (never the original's prefix matching).
*/

use std::path::PathBuf;

use crate::assign::{self, AssignEntry};
use crate::cli::AppletError;
use crate::config::Config;
use crate::control;

use super::domain::{compile_morercpthosts, RCPTHOSTS_MAX};

/// Put `n` copies of `line` back at `index` (the end if shorter), keeping owner and mode.
fn reinsert(path: &std::path::Path, line: &str, index: usize, n: usize) -> std::io::Result<()> {
    let _lock = control::lock(path)?;
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut lines: Vec<&[u8]> = control::split_lines(&data);
    let at = index.min(lines.len());
    for _ in 0..n {
        lines.insert(at, line.as_bytes());
    }
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    let (mode, owner) = control::file_attrs(path)?.unwrap_or((0o644, (0, 0)));
    control::write_atomic(path, &out, mode, Some(owner))
}

enum Undo {
    Added(PathBuf, String),
    /// A line removed from its position (index of its first occurrence, count).
    Removed(PathBuf, String, usize, usize),
    AssignAdded(String),
    AssignRemoved(AssignEntry),
}

/// An undo log of control-file and assign edits.
pub struct Edits<'a> {
    cfg: &'a Config,
    prog: &'static str,
    undo: Vec<Undo>,
    morercpthosts_changed: bool,
    /// morercpthosts was edited by us (only then may commit remove it when empty).
    morercpthosts_touched: bool,
}

impl<'a> Edits<'a> {
    pub fn new(cfg: &'a Config, prog: &'static str) -> Self {
        Edits {
            cfg,
            prog,
            undo: Vec::new(),
            morercpthosts_changed: false,
            morercpthosts_touched: false,
        }
    }

    fn fail(&self, what: &str, path: &std::path::Path, e: impl std::fmt::Display) -> AppletError {
        AppletError::new(
            111,
            format!("{}: {what}: {}: {e}", self.prog, path.display()),
        )
    }

    /// Add an exact line to a control file (a new file gets `owner`, mode 0644).
    pub fn add_line(
        &mut self,
        file: &str,
        line: &str,
        owner: Option<(u32, u32)>,
    ) -> Result<(), AppletError> {
        let path = self.cfg.control(file);
        self.add_line_at(path, line, 0o644, owner)
    }

    /// Add an exact line to any file (a new file gets `mode` and `owner`).
    pub fn add_line_at(
        &mut self,
        path: PathBuf,
        line: &str,
        mode: u32,
        owner: Option<(u32, u32)>,
    ) -> Result<(), AppletError> {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if control::add_line(&path, line, mode, owner)
            .map_err(|e| self.fail("update_file", &path, e))?
        {
            if file == "morercpthosts" {
                self.morercpthosts_changed = true;
                self.morercpthosts_touched = true;
            }
            self.undo.push(Undo::Added(path, line.to_string()));
        }
        Ok(())
    }

    /// Remove an exact line from a control file (absent file: nothing to do).
    pub fn remove_line(&mut self, file: &str, line: &str) -> Result<usize, AppletError> {
        let path = self.cfg.control(file);
        self.remove_line_at(path, line)
    }

    /// Remove an exact line from any file (absent file: nothing to do).
    pub fn remove_line_at(&mut self, path: PathBuf, line: &str) -> Result<usize, AppletError> {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let index = match std::fs::read(&path) {
            Ok(data) => control::split_lines(&data)
                .iter()
                .position(|l| *l == line.as_bytes())
                .unwrap_or(usize::MAX),
            Err(_) => usize::MAX,
        };
        let n =
            control::remove_line(&path, line).map_err(|e| self.fail("remove_line", &path, e))?;
        if n > 0 {
            if file == "morercpthosts" {
                self.morercpthosts_changed = true;
                self.morercpthosts_touched = true;
            }
            self.undo
                .push(Undo::Removed(path, line.to_string(), index, n));
        }
        Ok(n)
    }

    /// `add_control`: rcpthosts (or morercpthosts past 50 domains), the
    /// virtualdomains line `<name>:<target>`, and `<name>` out of locals.
    pub fn add_control(
        &mut self,
        name: &str,
        target: &str,
        owner: Option<(u32, u32)>,
    ) -> Result<(), AppletError> {
        let rcpthosts = self.cfg.control("rcpthosts");
        let n = control::count_lines(&rcpthosts)
            .map_err(|e| self.fail("count_rcpthosts", &rcpthosts, e))?;
        if n < RCPTHOSTS_MAX {
            self.add_line("rcpthosts", name, owner)?;
        } else {
            self.add_line("morercpthosts", name, owner)?;
        }
        self.add_line("virtualdomains", &format!("{name}:{target}"), owner)?;
        self.remove_line("locals", name)?;
        self.finish_morercpthosts()
    }

    /// `del_control`: `<name>` out of rcpthosts, morercpthosts, etrnhosts,
    /// chkrcptdomains, and every `<name>:…` line out of virtualdomains.
    pub fn del_control(&mut self, name: &str) -> Result<(), AppletError> {
        for f in ["rcpthosts", "morercpthosts", "etrnhosts", "chkrcptdomains"] {
            self.remove_line(f, name)?;
        }
        let vd = self.cfg.control("virtualdomains");
        let lines = match std::fs::read_to_string(&vd) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(self.fail("read", &vd, e)),
        };
        for l in lines.lines() {
            if l.split(':').next() == Some(name) && l.contains(':') {
                self.remove_line("virtualdomains", l)?;
            }
        }
        self.finish_morercpthosts()
    }

    /// Recompile morercpthosts.cdb if morercpthosts changed.
    fn finish_morercpthosts(&mut self) -> Result<(), AppletError> {
        if std::mem::take(&mut self.morercpthosts_changed) {
            compile_morercpthosts(self.cfg)?;
        }
        Ok(())
    }

    pub fn assign_add(&mut self, entry: &AssignEntry) -> Result<(), AppletError> {
        if assign::lookup_domain(&self.cfg.assigndir, &entry.domain)
            .map_err(|e| self.fail("get_assign", &self.cfg.assigndir, e))?
            .is_some()
        {
            return Err(AppletError::new(
                111,
                format!("{}: domain {} exists", self.prog, entry.domain),
            ));
        }
        assign::add_domain(&self.cfg.assigndir, entry)
            .map_err(|e| self.fail("add_domain_assign", &self.cfg.assigndir, e))?;
        self.undo.push(Undo::AssignAdded(entry.domain.clone()));
        Ok(())
    }

    pub fn assign_remove(&mut self, domain: &str) -> Result<(), AppletError> {
        let old = assign::lookup_domain(&self.cfg.assigndir, domain)
            .map_err(|e| self.fail("get_assign", &self.cfg.assigndir, e))?;
        if assign::remove_domain(&self.cfg.assigndir, domain)
            .map_err(|e| self.fail("del_domain_assign", &self.cfg.assigndir, e))?
        {
            if let Some(old) = old {
                self.undo.push(Undo::AssignRemoved(old));
            }
        }
        Ok(())
    }

    /// Undo every recorded edit, newest first.
    pub fn rollback(&mut self) {
        let mut mrh = false;
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Added(p, l) => {
                    mrh |= p.ends_with("morercpthosts");
                    let _ = control::remove_line(&p, &l);
                }
                Undo::Removed(p, l, index, n) => {
                    mrh |= p.ends_with("morercpthosts");
                    let _ = reinsert(&p, &l, index, n);
                }
                Undo::AssignAdded(d) => {
                    let _ = assign::remove_domain(&self.cfg.assigndir, &d);
                }
                Undo::AssignRemoved(e) => {
                    let _ = assign::add_domain(&self.cfg.assigndir, &e);
                }
            }
        }
        if mrh {
            let _ = compile_morercpthosts(self.cfg);
        }
    }

    /// Keep the edits; an emptied morercpthosts is removed with its cdb.
    pub fn commit(self) {
        let mrh = self.cfg.control("morercpthosts");
        if self.morercpthosts_touched && control::count_lines(&mrh).ok() == Some(0) && mrh.exists()
        {
            let _ = std::fs::remove_file(&mrh);
            let _ = std::fs::remove_file(self.cfg.control("morercpthosts.cdb"));
            let _ = std::fs::remove_file(super::domain::mrh_spare(self.cfg));
        }
        // domains, alias domains and their assign lines decide answers inlookup may cache
        crate::flushlog::notify(
            &crate::flushlog::path(self.cfg),
            &[crate::flushlog::Change::All],
        );
    }
}
