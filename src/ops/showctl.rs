/*!
The report of `qmail-showctl`: the mail system's configuration section by
section (version files, environment, internals, queues, concurrency limits,
control files, unknown control files), in the original's layout.

Each section appends to a `String`; a failure is a [`Fail`] carrying the
original's text and where it goes (some of the original's fatal messages are
written to stdout).
*/

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::queue;

/// A fatal condition (exit 111): the text and whether it goes to stdout.
#[derive(Debug, PartialEq, Eq)]
pub struct Fail {
    pub message: String,
    pub on_stdout: bool,
}

impl Fail {
    fn stderr(message: String) -> Fail {
        Fail {
            message,
            on_stdout: false,
        }
    }
    /// die_chdir: `Oops! Unable to chdir to <dir>.` on stdout.
    pub fn chdir(dir: &Path) -> Fail {
        Fail {
            message: format!("Oops! Unable to chdir to {}.\n", dir.display()),
            on_stdout: true,
        }
    }
}

/// qmail's safeput: bytes outside 32..126 become `?`.
fn safe(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (32..=126).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

fn strip_trailing_white(mut l: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t' | b'\n'] = l {
        l = rest;
    }
    l
}

/// The control directory, read the way qmail's control_read* functions do.
pub struct ControlFiles {
    dir: PathBuf,
    /// `control/me`, the default for the host-name entries.
    me: Option<Vec<u8>>,
}

impl ControlFiles {
    fn read(&self, name: &str) -> Result<Option<Vec<u8>>, Fail> {
        match std::fs::read(self.dir.join(name)) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Fail::stderr(format!("unable to read {name}: {e}"))),
        }
    }

    /// control_readline: the first line, trailing white space removed.
    fn line(&self, name: &str) -> Result<Option<Vec<u8>>, Fail> {
        Ok(self.read(name)?.map(|d| {
            let end = d.iter().position(|&b| b == b'\n').unwrap_or(d.len());
            strip_trailing_white(&d[..end]).to_vec()
        }))
    }

    /// control_readfile: every line with trailing white space removed, blank
    /// lines and lines starting with `#` left out.
    fn lines(&self, name: &str) -> Result<Option<Vec<Vec<u8>>>, Fail> {
        Ok(self.read(name)?.map(|d| {
            d.split(|&b| b == b'\n')
                .map(strip_trailing_white)
                .filter(|l| !l.is_empty() && l[0] != b'#')
                .map(<[u8]>::to_vec)
                .collect()
        }))
    }

    /// control_readint: Some(n) when the first line starts with an integer.
    fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        let Some(l) = self.line(name)? else {
            return Ok(None);
        };
        let s = String::from_utf8_lossy(&l);
        let t = s.trim_start();
        let t = t.strip_prefix(['-', '+']).unwrap_or(t);
        if !t.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(None);
        }
        Ok(Some(queue::scan_int(&s)))
    }

    /// do_int: `<name>: <pre><n><post>` (negative shown as 0), or the default.
    fn do_int(
        &self,
        o: &mut String,
        name: &str,
        def: &str,
        pre: &str,
        post: &str,
    ) -> Result<(), Fail> {
        let _ = write!(o, "{name:<22}: ");
        match self.int(name)? {
            Some(n) => {
                let _ = write!(o, "{pre}{}{post}\n\n", n.max(0));
            }
            None => {
                let _ = write!(o, "{pre}{def}{post} (Default)\n\n");
            }
        }
        Ok(())
    }

    /// do_str: the first line, or the default (`me` for host-name entries when it exists).
    fn do_str(
        &self,
        o: &mut String,
        name: &str,
        flagme: bool,
        def: &str,
        pre: &str,
    ) -> Result<(), Fail> {
        let _ = write!(o, "{name:<22}: {pre}");
        match self.line(name)? {
            Some(l) => o.push_str(&safe(&l)),
            None => {
                match (&self.me, flagme) {
                    (Some(me), true) => o.push_str(&safe(me)),
                    _ => o.push_str(&safe(def.as_bytes())),
                }
                o.push_str(" (Default) ");
            }
        }
        o.push_str("\n\n");
        Ok(())
    }

    /// do_lst: one row per line (later rows indented by 24 spaces), or the default.
    fn do_lst(
        &self,
        o: &mut String,
        name: &str,
        def: &str,
        pre: &str,
        post: &str,
    ) -> Result<bool, Fail> {
        let _ = write!(o, "{name:<22}: ");
        let Some(lines) = self.lines(name)? else {
            let _ = write!(o, "{def} (Default)\n\n");
            return Ok(false);
        };
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                o.push_str(&" ".repeat(24));
            }
            let _ = writeln!(o, "{pre}{}{post}", safe(l));
        }
        o.push('\n');
        Ok(true)
    }
}

/// `-v`: every `*-release` file of SYSCONFDIR, in name order.
pub fn versions(sysconfdir: &Path) -> Result<String, Fail> {
    let mut o = String::from("---------------- software version information ----------------\n");
    let rd = std::fs::read_dir(sysconfdir).map_err(|_| Fail::chdir(sysconfdir))?;
    let mut names: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-release"))
        .collect();
    names.sort();
    for n in names {
        let data = std::fs::read(sysconfdir.join(&n))
            .map_err(|e| Fail::stderr(format!("qmail-showctl: fatal: unable to open {n}: {e}")))?;
        o.push_str(&String::from_utf8_lossy(&data));
        o.push('\n');
    }
    Ok(o)
}

/// `-E`: the environment the mail programs would get (after the defaultqueue envdirs).
pub fn environment() -> String {
    let mut o = String::from("------------------ begin show env ----------------------------\n");
    for (k, v) in std::env::vars_os() {
        let _ = writeln!(o, "{}={}", k.to_string_lossy(), v.to_string_lossy());
    }
    o.push('\n');
    o
}

/// The system accounts qmail runs as (`user  ids` and `group ids` of `-i`).
const USERS: &[(&str, &str)] = &[
    ("alias", "alias   "),
    ("qmaild", "qmaild  "),
    ("qmaill", "qmaill  "),
    ("qmailp", "qmailp  "),
    ("qmailq", "qmailq  "),
    ("qmailr", "qmailr  "),
    ("qmails", "qmails  "),
    ("indimail", "indimail"),
    ("qscand", "qscand  "),
];
const GROUPS: &[(&str, &str)] = &[
    ("nofiles", "nofiles "),
    ("qmail", "qmail   "),
    ("indimail", "indimail"),
    ("qscand", "qscand  "),
    ("qcerts", "qcerts  "),
];

/// conf-break, conf-patrn, conf-spawn as IndiMail ships them.
pub const USER_EXT_DELIMITER: &str = "-";
pub const PATERNALISM: u32 = 0o002;
pub const SILENT_CONCURRENCY_LIMIT: u32 = 500;

/// `-i`: directories, compile-time constants and the accounts' ids.
pub fn internals(cfg: &Config, home: Option<&Path>) -> String {
    let c = cfg.controldir.display();
    let s = cfg.sysconfdir.display();
    let mut o = String::from("------------------ begin show internals ----------------------\n");
    let _ = writeln!(o, "indimail-mta  home dir: {}", cfg.domaindir.display());
    let _ = writeln!(o, "user        assign dir: {}", cfg.assigndir.display());
    let _ = writeln!(o, "tcp         access dir: {s}/tcp");
    let _ = writeln!(o, "certificates       dir: {s}/certs");
    let _ = writeln!(o, "control            dir: {c}");
    let _ = writeln!(o, "filter             dir: {c}/filters.d");
    let _ = writeln!(o, "global environment dir: {c}/defaultqueue");
    if let Some(h) = home {
        if h.join(".defaultqueue").is_dir() {
            let _ = writeln!(o, "user   environment dir: {}/.defaultqueue", h.display());
        }
    }
    let _ = writeln!(o, "surbl        cache dir: {c}/cache");
    let _ = writeln!(o, "domainkeys         dir: {c}/domainkeys\n");
    let _ = writeln!(o, "user-ext delimiter      : {USER_EXT_DELIMITER}");
    let _ = writeln!(o, "paternalism (in decimal): {PATERNALISM}");
    let _ = writeln!(o, "silent concurrency limit: {SILENT_CONCURRENCY_LIMIT}\n");
    o.push_str("user  ids\n");
    for (name, label) in USERS {
        let id = crate::sys::getpwnam(name).ok().flatten().map(|p| p.uid);
        let _ = writeln!(
            o,
            " {label}: {}",
            id.map_or("(no such user)".to_string(), |i| i.to_string())
        );
    }
    o.push_str("\ngroup ids\n");
    for (name, label) in GROUPS {
        let id = crate::sys::getgrnam_gid(name);
        let _ = writeln!(
            o,
            " {label}: {}",
            id.map_or("(no such group)".to_string(), |i| i.to_string())
        );
    }
    o.push('\n');
    o
}

/// `-q`: the queue base and the queue directories that exist.
pub fn queues(base: &Path) -> String {
    let mut o = String::from("--------------------- begin show queues ----------------------\n");
    let _ = writeln!(o, "subdirectory split      : {}", queue::split());
    let big = if queue::bigtodo() { "Yes" } else { "No" };
    let _ = writeln!(o, "big todo / big intd     : {big}");
    let _ = writeln!(o, "indimail-mta  queue base: {}\n", base.display());
    let mut main = 0;
    while base
        .join(format!("queue{}/lock/sendmutex", main + 1))
        .exists()
    {
        main += 1;
        if main == 1 {
            o += "main  queue directories\n";
        }
        let _ = writeln!(
            o,
            "queue {main:03} {}",
            base.join(format!("queue{main}")).display()
        );
    }
    let mut extra = false;
    for name in ["slowq", "nqueue", "qmta"] {
        if base.join(name).join("lock/sendmutex").exists() {
            if !extra {
                if main > 0 {
                    o.push('\n');
                }
                o += "extra queue directories\n";
                extra = true;
            }
            let _ = writeln!(o, "{name:<6} {}", base.join(name).display());
        }
    }
    o.push('\n');
    o
}

/// The entries of the control directory, in name order.
pub fn control_entries(controldir: &Path) -> Result<Vec<String>, Fail> {
    let rd = std::fs::read_dir(controldir).map_err(|e| {
        Fail::stderr(format!(
            "qmail-showctl: fatal: unable to open directory {}: {e}",
            controldir.display()
        ))
    })?;
    let mut v: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    Ok(v)
}

fn control_files(cfg: &Config) -> Result<ControlFiles, Fail> {
    let c = ControlFiles {
        dir: cfg.controldir.clone(),
        me: None,
    };
    let me = c.line("me").map_err(|_| Fail {
        message: format!("Oops! Trouble reading {}/me.", cfg.controldir.display()),
        on_stdout: true,
    })?;
    Ok(ControlFiles { me, ..c })
}

/// `-C`: the global and the per-queue concurrency limits.
pub fn concurrency(cfg: &Config, entries: &[String]) -> Result<String, Fail> {
    let c = control_files(cfg)?;
    let mut o = String::from("-------------------- concurrency limits ----------------------\n");
    c.do_int(
        &mut o,
        "concurrencylocal",
        "10",
        "Global Local  concurrency is ",
        "",
    )?;
    c.do_int(
        &mut o,
        "concurrencyremote",
        "20",
        "Global Remote concurrency is ",
        "",
    )?;
    for e in entries {
        if e.starts_with("concurrencyr.") {
            c.do_int(&mut o, e, "20", "Remote  Queue concurrency is ", "")?;
        } else if e.starts_with("concurrencyl.") {
            c.do_int(&mut o, e, "10", "Local   Queue concurrency is ", "")?;
        }
    }
    Ok(o)
}

/// `-c`: every control file the mail system reads, its value or default.
pub fn control(cfg: &Config) -> Result<String, Fail> {
    let c = control_files(cfg)?;
    let mut o = String::from("------------------- begin control files ----------------------\n");
    let local_ip = crate::ops::domaininfo::local_ip(cfg).unwrap_or_else(|| "127.0.0.1".into());
    let local_id = crate::ops::domaininfo::local_hostid(cfg).unwrap_or_else(|| "0x00".into());
    let o_ = &mut o;
    c.do_str(o_, "me", false, "undefined! Uh-oh", "My name is ")?;
    let at = "SMTP clients may send messages to recipients at ";
    if c.do_lst(
        o_,
        "rcpthosts",
        "SMTP clients may send messages to any recipient.",
        at,
        ".",
    )? {
        c.do_lst(o_, "morercpthosts", "No effect", at, ".")?;
    } else {
        c.do_lst(
            o_,
            "morercpthosts",
            "No rcpthosts; morercpthosts is irrelevant.",
            "No rcpthosts; doesn't matter that morercpthosts has ",
            ".",
        )?;
    }
    let _ = write!(o_, "{:<22}: ", "morercpthosts.cdb");
    let mtime = |n: &str| {
        std::fs::metadata(cfg.controldir.join(n))
            .and_then(|m| m.modified())
            .ok()
    };
    o_.push_str(match (mtime("morercpthosts"), mtime("morercpthosts.cdb")) {
        (None, None) => "(Default.) No effect\n",
        (None, Some(_)) => "Oops! morercpthosts.cdb exists but morercpthosts doesn't.\n",
        (Some(_), None) => "Oops! morercpthosts exists but morercpthosts.cdb doesn't.\n",
        (Some(t), Some(cdb)) if t > cdb => "Oops! morercpthosts.cdb is older than morercpthosts.\n",
        _ => "Modified recently enough; hopefully up to date.\n",
    });
    o_.push('\n');
    c.do_lst(
        o_,
        "locals",
        "Messages for me are delivered locally.",
        "Messages for ",
        " are delivered locally.",
    )?;
    c.do_str(
        o_,
        "defaultdomain",
        true,
        "defaultdomain",
        "Default domain name is ",
    )?;
    c.do_str(
        o_,
        "defaulthost",
        true,
        "defaulthost",
        "Default host name is ",
    )?;
    c.do_str(
        o_,
        "defaultdelivery",
        false,
        "undefined! Uh-oh",
        "Default Delivery is: ",
    )?;
    c.do_str(
        o_,
        "smtpgreeting",
        true,
        "smtpgreeting",
        "SMTP greeting: 220 ",
    )?;
    for (name, def, pre, post) in LISTS_1 {
        c.do_lst(o_, name, def, pre, post)?;
    }
    for (name, flagme, def, pre) in STRINGS {
        let def = match *def {
            "@localip" => local_ip.as_str(),
            d => d,
        };
        c.do_str(o_, name, *flagme, def, pre)?;
    }
    c.do_int(o_, "maxhops", "100", "MAX Hops is ", " hops")?;
    let qbase = std::env::var("QUEUE_BASE").unwrap_or_else(|_| queue::DEFAULT_QUEUE_BASE.into());
    c.do_str(o_, "queue_base", false, &qbase, "Base queue directory: ")?;
    c.do_lst(
        o_,
        "extraqueue",
        "No extra recipient.",
        "Extra recipient for queued message: '",
        "'.",
    )?;
    c.do_lst(
        o_,
        "domainqueue",
        "No Domain Queues defined.",
        "Domain Queues: ",
        "",
    )?;
    for (name, def, pre, post) in INTS {
        c.do_int(o_, name, def, pre, post)?;
    }
    // SRS (IndiMail builds with libsrs2).
    c.do_str(o_, "srs_domain", false, "", "SRS domain name is ")?;
    c.do_lst(o_, "srs_secrets", "No secrets", "", "")?;
    c.do_int(o_, "srs_maxage", "21", "SRS maxage is ", "")?;
    c.do_int(o_, "srs_hashlength", "4", "SRS hashlength is ", "")?;
    c.do_int(o_, "srs_hashmin", "4", "SRS hashmin is ", "")?;
    c.do_lst(
        o_,
        "qmtproutes",
        "No artificial QMTP routes.",
        "QMTP route: ",
        "",
    )?;
    for (name, def, pre, post) in SMTP_INTS {
        c.do_int(o_, name, def, pre, post)?;
    }
    for (name, def, pre, post) in LISTS_2 {
        c.do_lst(o_, name, def, pre, post)?;
    }
    // The virtual-domain side (libindimail's settings).
    c.do_str(o_, "host.master", false, "localhost", "Master Host: ")?;
    c.do_str(o_, "host.cntrl", false, "localhost", "Control Host: ")?;
    c.do_str(o_, "host.mysql", false, "localhost", "Mysql Host: ")?;
    c.do_str(o_, "hostip", false, &local_ip, "Host Local IP: ")?;
    c.do_str(o_, "hostid", false, &local_id, "Host Local ID: ")?;
    for (name, def, pre, post) in LISTS_3 {
        c.do_lst(o_, name, def, pre, post)?;
    }
    c.do_int(o_, "spfbehavior", "0", "The SPF behavior is ", "")?;
    c.do_str(
        o_,
        "spfexp",
        false,
        "",
        "The SPF default explanation is: 550 ",
    )?;
    c.do_str(o_, "spfguess", false, "", "The guess SPF rules are: ")?;
    c.do_str(o_, "spfrules", false, "", "The local SPF rules are: ")?;
    c.do_str(o_, "batvkey", false, "No BATV sign key", "BATV sign key: ")?;
    c.do_int(
        o_,
        "batvkeystale",
        "7",
        "BATV sign key stale is set to ",
        "",
    )?;
    c.do_lst(
        o_,
        "batvnosignremote",
        "Nothing defined.",
        "",
        " will be excluded for BATV signing (remote hosts).",
    )?;
    c.do_lst(
        o_,
        "batvnosignlocals",
        "Nothing defined.",
        "",
        " will be excluded for BATV signing (local domain).",
    )?;
    c.do_lst(
        o_,
        "nodnscheck",
        "Any MAIL FROM is checked for existing Domains.",
        "",
        " excluded for DNS checks in MAIL FROM.",
    )?;
    o.push('\n');
    Ok(o)
}

type Lst = (&'static str, &'static str, &'static str, &'static str);

#[rustfmt::skip]
const LISTS_1: &[Lst] = &[
    ("smtproutes", "No artificial SMTP routes.", "SMTP route: ", ""),
    ("remote_auth", "No users for remote authenticated SMTP", "Remote SMTP Auth Users: ", ""),
    ("signaturedomains", "No DKIM signature domains.", "DKIM signature domain(s): ", ""),
    ("virtualdomains", "No virtual domains.", "Virtual domain: ", ""),
    ("blackholedsender", "Any SMTP connection is allowed.", "", " is immediately dropped for MAIL FROM."),
    ("blackholedpatterns", "Any SMTP connection is allowed.", "", " is immediately dropped for MAIL FROM. (Not if line starts with !)."),
    ("blackholedrcpt", "Any SMTP connection is allowed.", "", " is immediately dropped for RCPT TO."),
    ("blackholedrcptpatterns", "Any SMTP connection is allowed.", "", " is immediately dropped for RCPT TO. (Not if line starts with !)."),
    ("badhelo", "Any HELO/EHLO greeting is allowed.", "", " not accepted in HELO/EHLO."),
    ("badhost", "Any external remote hosts are allowed.", "", " pattern will be rejected for external host."),
    ("badip", "Any external IP are allowed.", "", " pattern will be rejected for external IP."),
    ("badmailfrom", "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM."),
    ("badmailpatterns", "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM (Not if line starts with !)."),
    ("badrcptto", "Any RCPT TO is allowed.", "", " not accepted in RCPT TO."),
    ("badrcptpatterns", "Any RCPT TO is allowed.", "", " not accepted in RCPT TO (Not if line starts with !)."),
    ("badext", "All attachments are allowed.", "", " not accepted in attachments."),
    ("badextpatterns", "All attachments are allowed.", "", " not accepted in attachments. (Not if line starts with !)."),
    ("spamignore", "Any MAIL FROM exceeding spam count will be blocked by chowkidar", "", " will not be treated as spammers."),
    ("spamignorepatterns", "Any MAIL FROM exceeding spam count will be blocked by chowkidar", "", " will not be treated as spammers."),
    ("spamredirect", "No spam redirection", "", " spam redirection."),
    ("bouncemessage", "No bouncemessage defined", "", ""),
    ("doublebouncemessage", "No doublebouncemessage defined", "", ""),
    ("bouncemaxbytes", "No bouncemaxbytes defined.", "Actual Bouncemaxbytes: ", ""),
    ("dnsbllist", "No dnsbl list configured.", "List at ", " configured for dnsbl check."),
    ("bindroutes", "No binding routes.", "Binding route: ", ""),
    ("domainbindings", "No sender domain based local ip bindings.", "Sender domain local IP binding: ", ""),
    ("percenthack", "The percent hack is not allowed.", "The percent hack is allowed for user%host@", "."),
    ("qmqpservers", "No QMQP servers.", "QMQP server: ", "."),
];

/// (name, default to `me`, default, prefix); `@localip` is the local IP address.
#[rustfmt::skip]
const STRINGS: &[(&str, bool, &str, &str)] = &[
    ("globalspamredirect", false, "none", "spam redirected to "),
    ("bouncefrom", false, "MAILER-DAEMON", "Bounce user name is "),
    ("bouncehost", true, "bouncehost", "Bounce host name is "),
    ("bouncesubject", false, "\"failure notice\"", "Bounce Subject is "),
    ("doublebouncesubject", false, "\"failure notice\"", "Double Bounce Subject is "),
    ("doublebouncehost", true, "doublebouncehost", "2B recipient host: "),
    ("doublebounceto", false, "postmaster", "2B recipient user: "),
    ("envnoathost", true, "envnoathost", "Presumed domain name is "),
    ("helohost", true, "helohost", "SMTP client HELO host name is "),
    ("idhost", true, "idhost", "Message-ID host name is "),
    ("localiphost", false, "@localip", "Hostname for local ip addresses "),
    ("outgoingip", false, "@localip", "Outgoingip IP address is "),
    ("plusdomain", true, "plusdomain", "Plus domain name is "),
];

#[rustfmt::skip]
const INTS: &[Lst] = &[
    ("queuelifetime", "604800", "Message lifetime in the queue is ", " seconds"),
    ("maxdeliveredto", "0", "Maximum Delivered-To lines: ", ""),
    ("bouncelifetime", "604800", "Bounce message lifetime in the queue is ", " seconds (or max of queuelifetime)"),
    ("holdremote", "0", "Hold Remote is ", ""),
    ("holdlocal", "0", "Hold Local is ", ""),
    ("originipfield", "0", "X-Originating-IP header is set to ", ""),
];

#[rustfmt::skip]
const SMTP_INTS: &[Lst] = &[
    ("databytes", "0", "SMTP DATA limit is ", " bytes"),
    ("maxcmdlen", "0", "Max SMTP Command Length is ", ""),
    ("timeoutconnect", "60", "SMTP client connection timeout is ", " seconds"),
    ("timeoutremote", "1200", "SMTP client data timeout is ", " seconds"),
    ("timeoutsmtpd", "1200", "SMTP server data timeout is ", " seconds"),
    ("timeoutread", "4", "InServer Read data timeout is ", " seconds"),
    ("timeoutwrite", "4", "InServer Write data timeout is ", " seconds"),
];

#[rustfmt::skip]
const LISTS_2: &[Lst] = &[
    ("etrnhosts", "No ETRN/ATRN domains.", "ETRN/ATRN domain(s): ", ""),
    ("chkrcptdomains", "All Recipient Domains will be checked for User Status", "Recipient Domains checked for User Status: ", ""),
    ("recipients", "No recipients extension defined", "recipients extension rules: ", ""),
    ("authdomains", "Auth not reqd for mails to local domains ", "SMTP/IMAP/POP3 auth required for: ", ""),
    ("relayclients", "No Relayclients defined.", "Allowed Relayclients: ", ""),
    ("relaydomains", "No Relaydomains defined.", "Allowed Relaydomains: ", ""),
    ("relaymailfrom", "No Relaymailfrom defined.", "Allowed <Mail from: Relayaddresses>: ", ""),
    ("tarpitcount", "No Tarpitcount defined.", "Actual Tarpitcount: ", ""),
    ("maxrecipients", "No limit on number of Recipients defined.", "Actual Maxrecipients: ", ""),
    ("tarpitdelay", "No Tarpitdelay defined.", "Actual Tarpitdelay: ", ""),
    ("envheaders", "No envheaders defined.", "header: ", ""),
    ("logheaders", "No logheaders defined.", "header: ", ""),
];

#[rustfmt::skip]
const LISTS_3: &[Lst] = &[
    ("signatures", "No virus signatures defined.", "virus signatures: ", ""),
    ("bodycheck", "No Content-filters.", "Content-filters: ", ""),
    ("from.envrules", "No Sender Envrules defined.", "Sender Envrules: ", ""),
    ("rcpt.envrules", "No Recipient Envrules defined.", "Recipient Envrules: ", ""),
    ("bounce.envrules", "No Bounce Envrules defined.", "Bounce Envrules: ", ""),
];

/// Control files the mail system knows (IndiMail builds with SRS, DKIM, SPF, BATV and TLS).
#[rustfmt::skip]
const KNOWN: &[&str] = &[
    "bouncefrom", "bouncehost", "bouncesubject", "bouncemaxbytes", "bouncemessage",
    "doublebouncesubject", "doublebouncemessage", "badhost", "badmailpatterns", "badrcptpatterns",
    "spamignorepatterns", "filterargs", "spamfilter", "concurrencylocal", "concurrencyremote",
    "maxdeliveredto", "domainqueue", "from.envrules", "hash_method", "redirectremote", "atrnaccess",
    "rcpt.envrules", "databytes", "maxhops", "defaultdomain", "defaulthost", "dnsbllist",
    "doublebouncehost", "doublebounceto", "envnoathost", "extraqueue", "helohost", "idhost",
    "localiphost", "locals", "me", "morercpthosts", "signatures", "bodycheck", "morercpthosts.cdb",
    // the previous morercpthosts.cdb, kept by vadddomain to write its next one over
    "morercpthosts.cdb.spare",
    "nodnscheck", "percenthack", "plusdomain", "qmqpservers", "originipfield", "queuelifetime",
    "bouncelifetime", "rcpthosts", "smtpgreeting", "smtproutes", "qmtproutes", "queue_base",
    "timeoutconnect", "timeoutremote", "timeoutsmtpd", "timeoutread", "timeoutwrite",
    "virtualdomains", "etrnhosts", "relayclients", "relaydomains", "tarpitcount", "tarpitdelay",
    "maxrecipients", "maxcmdlen", "defaultdelivery", "blackholedpatterns", "blackholedrcptpatterns",
    "goodrcptpatterns", "outgoingip", "domainbindings", "bindroutes", "badextpatterns",
    "holdremote", "holdlocal", "envheaders", "logheaders", "msgqueuelen", "msgqueuesize",
    "global_vars", "qfilters", ".qmail_control", "qregex", "recipients", "remote_auth",
    "remote_auth.cdb", "filters.d", ".indimail_control", "bounce.envrules", "srs_domain",
    "srs_secrets", "srs_maxage", "srs_hashlength", "srs_hashmin", "dkimkey", "signaturedomains",
    "nosignaturedomains", "domainkeys", "spfbehavior", "spfexp", "spfguess", "spfrules", "batvkey",
    "batvkeystale", "batvnosignremote", "batvnosignlocals", "tlsclientmethod", "tlsservermethod",
    "tlsclients", "servercert.pem", "servercipherlist", "clientcipherlist", "serverciphersuite",
    "clientciphersuite", "clientcert.pem", "conf-syncdir", "conf-fsync", "conf-fdatasync",
    "servicedir.conf", "level2-tlds", "level3-tlds", "libmysql", "libindimail", "ratelimit",
    "cache", "defaultqueue",
];

/// Files that also have `.cdb` and `.sql` forms.
#[rustfmt::skip]
const CDB_SQL: &[&str] = &[
    "authdomains", "badhelo", "badext", "badmailfrom", "badrcptto", "blackholedsender",
    "blackholedrcpt", "chkrcptdomains", "goodrcptto", "relaymailfrom", "spamignore",
    "greylist.white", "tlsa.white", "tlsadomains", "badip",
];

/// Whether `name` in the control directory is one the mail system uses: the
/// built-in list, `<x>.cdb`/`<x>.sql` forms, `concurrency[lr].*`, and the names
/// listed in SYSCONFDIR's `controlfiles.q` and `controlfiles.i`.
fn known(name: &str, extra: &[String]) -> bool {
    KNOWN.contains(&name)
        || CDB_SQL.iter().any(|b| {
            name == *b
                || name
                    .strip_prefix(b)
                    .is_some_and(|r| r == ".cdb" || r == ".sql")
        })
        || name.starts_with("concurrencyl.")
        || name.starts_with("concurrencyr.")
        || extra.iter().any(|e| e == name)
}

/// `-e` (written to stderr): the control directory's entries nobody reads.
pub fn unknown_files(cfg: &Config, entries: &[String]) -> Result<String, Fail> {
    let mut extra = Vec::new();
    for list in ["controlfiles.q", "controlfiles.i"] {
        match std::fs::read(cfg.sysconfdir.join(list)) {
            Ok(d) => extra.extend(
                d.split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(|l| String::from_utf8_lossy(l).into_owned()),
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Fail::stderr(format!(
                    "qmail-showctl: fatal: unable to open {list}: {e}"
                )))
            }
        }
    }
    let mut o = String::from("------------------- begin unknown files ----------------------\n");
    for e in entries.iter().filter(|e| !known(e, &extra)) {
        let _ = writeln!(o, "{e}: I have no idea what this file does");
    }
    o.push('\n');
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> ControlFiles {
        ControlFiles {
            dir: dir.to_path_buf(),
            me: Some(b"mx.example.com".to_vec()),
        }
    }

    #[test]
    fn entries_print_like_the_original() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("rcpthosts"),
            "a.example  \n# comment\n\n b.example\n",
        )
        .unwrap();
        std::fs::write(d.path().join("databytes"), "-5\n").unwrap();
        std::fs::write(d.path().join("maxhops"), "junk\n").unwrap();
        std::fs::write(d.path().join("smtpgreeting"), "hi\tthere \x01\n").unwrap();
        let c = files(d.path());
        let mut o = String::new();
        assert!(c.do_lst(&mut o, "rcpthosts", "any", "to ", ".").unwrap());
        assert!(!c
            .do_lst(&mut o, "locals", "Messages for me.", "", "")
            .unwrap());
        c.do_int(&mut o, "databytes", "0", "limit ", " bytes")
            .unwrap();
        c.do_int(&mut o, "maxhops", "100", "MAX Hops is ", " hops")
            .unwrap();
        c.do_str(
            &mut o,
            "smtpgreeting",
            true,
            "smtpgreeting",
            "SMTP greeting: 220 ",
        )
        .unwrap();
        c.do_str(&mut o, "helohost", true, "helohost", "HELO is ")
            .unwrap();
        c.do_str(
            &mut o,
            "bouncefrom",
            false,
            "MAILER-DAEMON",
            "Bounce user name is ",
        )
        .unwrap();
        assert_eq!(
            o,
            "rcpthosts             : to a.example.\n                        to  b.example.\n\n\
             locals                : Messages for me. (Default)\n\n\
             databytes             : limit 0 bytes\n\n\
             maxhops               : MAX Hops is 100 hops (Default)\n\n\
             smtpgreeting          : SMTP greeting: 220 hi?there ?\n\n\
             helohost              : HELO is mx.example.com (Default) \n\n\
             bouncefrom            : Bounce user name is MAILER-DAEMON (Default) \n\n"
        );
    }

    #[test]
    fn known_names() {
        let extra = vec!["custom".to_string()];
        for n in [
            "rcpthosts",
            "badmailfrom.cdb",
            "badip.sql",
            "concurrencyl.queue1",
            "custom",
            "libindimail",
        ] {
            assert!(known(n, &extra), "{n}");
        }
        for n in ["rcpthosts.bak", "badmailfrom.txt", "junk"] {
            assert!(!known(n, &extra), "{n}");
        }
    }
}
