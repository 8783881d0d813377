/*!
Man pages and shell completions, generated from the applet table (the same
option tables the applets parse with), so documentation cannot drift from
behaviour. `indimail --generate DIR` writes `DIR/man/` and `DIR/completions/`;
the repository's committed copies are checked against it by a test.
*/

use std::io::{self, Write};
use std::path::Path;

use crate::applets::{Applet, TABLE};

pub mod pages;

/// Text for roff: backslashes and hyphens escaped, no line starting a request.
fn roff_text(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// Sections every applet page shares, in roff.
const COMMON_SECTIONS: &str = r#".SH ENVIRONMENT
.TP
\fBSYSCONFDIR\fR, \fBCONTROLDIR\fR, \fBASSIGNDIR\fR
Configuration directory (default \fI/etc/indimail\fR), its control files (default \fI$SYSCONFDIR/control\fR;
a relative value is taken under SYSCONFDIR) and the qmail users directory (default \fI$SYSCONFDIR/users\fR).
.TP
\fBDOMAINDIR\fR, \fBBASE_PATH\fR
Parent of the per-domain directories \fIdomains/<domain>\fR (default \fI/var/indimail\fR) and base of the
users' home directories (default \fI/home/mail\fR).
.TP
\fBMYSQL_HOST\fR, \fBMYSQL_USER\fR, \fBMYSQL_PASSWD\fR, \fBMYSQL_DATABASE\fR, \fBMYSQL_SOCKET\fR, \fBMYSQL_VPORT\fR
The database connection, overriding \fIhost.mysql\fR and its empty fields.
.TP
\fBPASSWORD_HASH\fR, \fBHARD_QUOTA\fR, \fBDEFAULT_DOMAIN\fR
Hash method id for new passwords, quota of new users, domain of addresses given without one.
.TP
\fBPOST_HANDLE\fR, \fBLIBEXECDIR\fR
The program run after a successful change (default \fI$LIBEXECDIR/<command>\fR, LIBEXECDIR defaulting to
\fI/usr/libexec/indimail\fR); its exit status becomes the command's.
.SH FILES
.TP
\fI$CONTROLDIR/host.mysql\fR
\fIhost:user:password:socket_or_port:ssl|nossl\fR, the database connection.
.TP
\fI$ASSIGNDIR/assign\fR, \fI$ASSIGNDIR/cdb\fR
The virtual domains, their uid, gid and directory.
.TP
\fI$DOMAINDIR/domains/<domain>/\fR
Per-domain settings: \fI.qmail-default\fR, \fI.base_path\fR, \fI.users_per_level\fR, \fIhash_method\fR, \fI.filesystems\fR.
.SH EXIT STATUS
0 on success; 100 for a permanent error (bad usage, invalid input); 111 for a temporary or system error (database
unreachable, I/O); 1 or 255 where IndiMail's command uses them. When a post-handle program runs, its exit status.
.SH SEE ALSO
\fBindimail\fR(7)
"#;

fn section_name(a: &Applet) -> String {
    a.section.to_string()
}

/// The man page of one applet.
pub fn man_page(a: &Applet) -> io::Result<Vec<u8>> {
    let page = pages::page(a.name);
    let mut about = page
        .map(|p| p.1.join("\n\n"))
        .unwrap_or_else(|| format!("{}.", a.summary));
    about.push_str(
        "\n\nThis is a command of indimail-rs, compatible with IndiMail's command of the same name: \
         same options, output and exit codes; docs/COMPAT.md lists every deliberate difference.",
    );
    let cmd = a.command().long_about(about);
    let man = clap_mangen::Man::new(cmd)
        .section(section_name(a))
        .source(format!("indimail-rs {}", env!("CARGO_PKG_VERSION")))
        .manual("IndiMail administration")
        .date("");
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    if let Some((_, _, examples)) = page {
        buf.write_all(b".SH EXAMPLES\n")?;
        for (command, what) in examples.iter() {
            writeln!(
                buf,
                ".TP\n\\fB{}\\fR\n{}",
                roff_text(command),
                roff_text(what)
            )?;
        }
    }
    buf.write_all(COMMON_SECTIONS.as_bytes())?;
    Ok(buf)
}

/// `indimail(7)`: the toolkit as a whole.
pub fn overview_page() -> Vec<u8> {
    let mut s = String::new();
    s.push_str(&format!(
        ".TH indimail 7 \"\" \"indimail-rs {}\" \"IndiMail administration\"\n",
        env!("CARGO_PKG_VERSION")
    ));
    s.push_str(".SH NAME\nindimail \\- IndiMail virtual-domain administration toolkit\n");
    s.push_str(".SH SYNOPSIS\n\\fBindimail\\fR \\fIapplet\\fR [\\fIarguments\\fR]\n.br\n\\fIapplet\\fR [\\fIarguments\\fR]\n.br\n\\fBindimail\\fR \\-\\-list | \\-\\-version | install\\-links \\fIDIR\\fR [\\-\\-force]\n");
    s.push_str(
        ".SH DESCRIPTION\nOne multi-call binary provides every command. It chooses the command from the name it is \
         called by (a symbolic link such as \\fI/usr/bin/vadduser\\fR) or, when called as \\fBindimail\\fR, from its \
         first argument. The commands read IndiMail's configuration, database tables and files unchanged, so scripts \
         and installations made for IndiMail keep working.\n.PP\nA second copy, \\fBindimail-suid\\fR, may be installed \
         setuid root; it runs only the commands IndiMail installs setuid and refuses the others.\n.PP\nNever install \
         the links into \\fI/usr/libexec/indimail\\fR: that directory holds the post-handle programs, named after the \
         commands.\n",
    );
    s.push_str(".SH COMMANDS\n");
    for a in TABLE {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR({})\n{}\n",
            a.name, a.section, a.summary
        ));
    }
    s.push_str(COMMON_SECTIONS.trim_end_matches(".SH SEE ALSO\n\\fBindimail\\fR(7)\n"));
    s.into_bytes()
}

/// Completion scripts of one applet: (relative path, contents) for bash, zsh, fish.
pub fn completions(a: &Applet) -> Vec<(String, Vec<u8>)> {
    use clap_complete::{generate, Shell};
    let mut out = Vec::new();
    for (shell, path) in [
        (Shell::Bash, format!("bash/{}", a.name)),
        (Shell::Zsh, format!("zsh/_{}", a.name)),
        (Shell::Fish, format!("fish/{}.fish", a.name)),
    ] {
        let mut cmd = a.command();
        let mut buf = Vec::new();
        generate(shell, &mut cmd, a.name, &mut buf);
        out.push((path, buf));
    }
    out
}

/// Every generated file: (path relative to the repository, contents).
pub fn all_files() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![("man/indimail.7".to_string(), overview_page())];
    for a in TABLE {
        files.push((format!("man/{}.{}", a.name, a.section), man_page(a)?));
        for (p, c) in completions(a) {
            files.push((format!("completions/{p}"), c));
        }
    }
    Ok(files)
}

/// Write every generated file under `dir`.
pub fn generate(dir: &Path) -> io::Result<usize> {
    let files = all_files()?;
    for (rel, contents) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, contents)?;
    }
    Ok(files.len())
}
