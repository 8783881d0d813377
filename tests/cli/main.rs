//! Integration tests: the real binary, run through its applet symlinks,
//! against a real MariaDB (see `common`). One test binary for every applet,
//! so CI links once.

mod bulk;
mod bulletin;
mod common;
mod config;
mod docs;
mod domains;
mod filters;
mod groups;
mod inlookup;
mod inlookup_faults;
mod launcher;
mod limits;
mod moduser;
mod moveuser;
mod oldusers;
mod oracle;
mod queue;
mod rfc822;
mod users;
mod vacation;
