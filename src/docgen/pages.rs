//! The hand-written parts of each man page: what the command does (roff
//! paragraphs) and examples. Written for this project; kept beside the
//! generator so a page without them fails the documentation test.

/// (applet, description paragraphs, examples as (command, explanation)).
pub type Page = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

pub static PAGES: &[Page] = &[
    ("indiversion", &["Prints the version of the toolkit and the features this build was made with: the database protocol, the password hash methods and the IndiMail options whose behaviour it follows."],
     &[("indiversion --json", "The same as one JSON object, for inventory scripts.")]),
    ("vacation", &["Sets up an automatic reply for a user. The user's home gets a .qmail that delivers to the Maildir and runs the autoresponder with the message in .vacation.msg; replies already sent are remembered in .vacation.dir.",
        "A file name copies that file as the message, + reads the message from standard input, and - removes the vacation again."],
     &[("vacation alice@example.com /tmp/away.txt", "Alice is away; senders get the text of away.txt."), ("vacation alice@example.com -", "Stop replying for Alice.")]),
    ("vaddaliasdomain", &["Makes a new domain an alias of an existing one: mail for user@new is delivered to user@old. The alias gets its own users/assign entry and control-file lines, and its domain directory is a symbolic link to the real domain's."],
     &[("vaddaliasdomain example.net example.com", "Accept mail for example.net as if addressed to example.com.")]),
    ("vadddomain", &["Creates a virtual domain: its directory with .qmail-default, the users/assign entry (and users/cdb), the rcpthosts (or morercpthosts) and virtualdomains lines, the home-directory buckets under the base path, and the postmaster account with the abuse and mailer-daemon aliases.",
        "Every step is undone if a later one fails. Afterwards the post-handle program (LIBEXECDIR/vadddomain) runs with the same arguments."],
     &[("vadddomain example.com 'Pm#secret'", "A domain with the default settings."), ("vadddomain -l 50 -q 100M -h SHA-512 example.org", "50 users per directory level, a 100 MiB postmaster quota, SHA-512 hashes; the postmaster password is asked for.")]),
    ("vadduser", &["Adds a mailbox to a virtual domain: a row in the indimail table (indibak with -i), a lastauth record, and with -d the home directory and Maildir. The home lies under the domain's base path, in a bucket chosen by the first letter and a hashed sub-directory, exactly where IndiMail would put it.",
        "Without a password argument the password is asked for on a terminal, read from standard input with --password-stdin, or generated with -r."],
     &[("vadduser -d alice@example.com 'S3cret!'", "Add Alice and create her Maildir now."), ("printf '%s\\n' \"$PW\" | vadduser --password-stdin -q 1G bob@example.com", "A password from a script, without putting it on the command line, and a 1 GiB quota.")]),
    ("valias", &["Shows and edits the delivery lines of an address kept in the valias table: forwards (user@domain or &user@domain), Maildirs (/path/Maildir/) and programs (|command). -s shows an address (or a whole domain), -S finds the addresses that forward to a given line."],
     &[("valias -i '&bob@example.com' info@example.com", "Send info@ to Bob as well."), ("valias -s info@example.com", "List where info@ goes.")]),
    ("vatrn", &["Maintains the atrn_map table, which says which domains a user may collect with ATRN (on-demand mail relay)."],
     &[("vatrn -i example.org postmaster@example.com", "Let postmaster@example.com collect the mail of example.org."), ("vatrn -s postmaster@example.com", "Show the domains that user may collect.")]),
    ("vbulk", &["Adds many users from a CSV file (email,password_or_hash,quota,gecos) or JSON lines. Every line is checked first; if any is bad, all bad lines are listed with their numbers and nothing is written. Users are then added in transactions of a few hundred, with passwords hashed on every core. Running the same file again skips the users that already exist."],
     &[("vbulk -d users.csv", "Add every user of users.csv with Maildirs."), ("vbulk -e --format jsonl migrated.jsonl", "Import accounts whose passwords are already crypt hashes.")]),
    ("vcalias", &["Converts a domain's .qmail-<alias> files into valias rows, one row per delivery line, and removes each file once its rows are stored."],
     &[("vcalias example.com", "Move every .qmail alias of example.com into the database.")]),
    ("vcaliasrev", &["The reverse of vcalias: writes a domain's valias rows back as .qmail-<alias> files in the domain directory and removes the rows."],
     &[("vcaliasrev example.com", "Turn the domain's database aliases back into .qmail files.")]),
    ("vcfilter", &["Shows and edits a user's mail filters (the vfilter table): which header to look at, how to compare it with a keyword, which folder receives the matching mail and what to tell the sender."],
     &[("vcfilter -s alice@example.com", "List Alice's filters."), ("vcfilter -i -t junk -c 1 -h 2 -k offer -f Junk -b 0 alice@example.com", "File mail whose Subject contains 'offer' into the Junk folder.")]),
    ("vdeldomain", &["Removes a virtual domain with everything that belongs to it: the users and their mail, the rows of every table, the users/assign entry, its control-file lines and its alias domains. The database is changed in one transaction and the files are removed only after it commits."],
     &[("vdeldomain example.com", "Remove example.com and all its mailboxes.")]),
    ("vdeloldusers", &["Finds the users of a domain who have not logged in for a number of days and reports, deactivates (-i) or deletes (-p) them; it can also purge old mail from the folders of active users. The reserved addresses (postmaster, abuse ...) are never touched. --dry-run shows what would happen."],
     &[("vdeloldusers -d example.com -a 365 --dry-run", "Who has not logged in for a year?"), ("vdeloldusers -d example.com -a 365 -i", "Make those users inactive.")]),
    ("vdeluser", &["Removes a user: its rows in every table (indimail or indibak, lastauth, valias, vfilter, userquota), its home directory with all mail, and the domain's .qmail-<user> file. The home is kept until the database change has committed, so a failure leaves the user complete."],
     &[("vdeluser bob@example.com", "Remove Bob and his mail."), ("vdeluser -v bob@example.com", "The same, listing every file removed.")]),
    ("vdominfo", &["Shows a domain's settings: its uid, gid and directory, base path, password hash method, number of users, limits, alias domains and the state of its home-directory hashing. Without a domain, every virtual domain is shown."],
     &[("vdominfo example.com", "Everything about example.com."), ("vdominfo -t --json example.com", "The user count, as JSON.")]),
    ("vgroup", &["Manages group addresses: -a creates the group account, whose mail goes to every member; -i, -d and -u add, remove and replace members, kept as valias lines."],
     &[("vgroup -a -c Sales sales@example.com 'Grp#pw'", "Create the group."), ("vgroup -i alice@example.com sales@example.com", "Add Alice to it.")]),
    ("vlimit", &["Shows and sets the limits of a domain (or of one user) in the vlimits table: expiry dates, disk and message quotas, how many accounts, aliases and forwards may exist, which services are closed and what a domain administrator may change."],
     &[("vlimit -s example.com", "Show the domain's limits."), ("vlimit -P 500 -Q 10G example.com", "At most 500 POP accounts and 10 GiB in total.")]),
    ("vmoddomain", &["Changes a domain's settings files: the handler of unknown addresses in .qmail-default, whether limits are enforced (.domain_limits) and the password hash method of new passwords."],
     &[("vmoddomain -h bounce-no-mailbox -f 0 example.com", "Bounce mail for unknown users."), ("vmoddomain -H SHA-512 example.com", "Hash new passwords with SHA-512.")]),
    ("vmoduser", &["Changes a user: comment, quota (absolute or relative), password, the service flags (POP, IMAP, webmail, SMTP, relay ...), and with -n moves the account between active and inactive. Inactivation keeps the mail unless --delete-mail is given."],
     &[("vmoduser -q +100M alice@example.com", "Give Alice 100 MiB more."), ("vmoduser -p -i bob@example.com", "Close POP and IMAP for Bob.")]),
    ("vmoveuserdir", &["Moves a user's home directory to a new place and records it: the row's directory and every valias line that names the old path are updated; the move and the rows succeed or fail together."],
     &[("vmoveuserdir alice@example.com /mail2/A2E/example.com/alice", "Move Alice's mail to another disk.")]),
    ("vpasswd", &["Changes a user's password and records the change in lastauth. The new hash uses the method of -h, else PASSWORD_HASH, else the domain's or the system's hash_method file."],
     &[("vpasswd alice@example.com", "Ask for Alice's new password on the terminal."), ("vpasswd -r 12 alice@example.com", "Set a random 12-character password and show it.")]),
    ("vrenamedomain", &["Renames a virtual domain: the domain directory and the users' home trees are moved, every row and control-file line that names the domain is changed, and alias domains are pointed at the new name."],
     &[("vrenamedomain example.com example.org", "Users of example.com become users of example.org.")]),
    ("vrenameuser", &["Renames a user, within a domain or to another domain: the row, the lastauth, valias, vfilter and userquota rows, valias lines that forward to the old address, and the home directory all move together."],
     &[("vrenameuser bob@example.com robert@example.com", "Bob becomes Robert, with his mail.")]),
    ("vsetuserquota", &["Sets a user's quota (bytes with an optional k, m or g, bytes,count for a message limit too, or NOQUOTA) and rewrites the Maildir's maildirsize file; prints the mailbox's current usage."],
     &[("vsetuserquota alice@example.com 2G", "A 2 GiB quota."), ("vsetuserquota alice@example.com 500M,10000", "500 MiB and at most 10,000 messages.")]),
    ("vuserinfo", &["Shows a user: password hash, flags, comment, home directory, quota and current usage, the database holding it, when it was added, last logged in and changed, and where its mail is forwarded. Options select single fields; --json prints everything as one JSON object."],
     &[("vuserinfo alice@example.com", "Everything about Alice."), ("vuserinfo -q alice@example.com", "Only her quota and usage.")]),
];

/// The hand-written text of an applet.
pub fn page(name: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.0 == name)
}
