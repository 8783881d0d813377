//! Integration tests: the real binary, run through its applet symlinks,
//! against a real MariaDB (see `common`). One test binary for every applet,
//! so CI links once.

mod common;
mod config;
mod inlookup;
mod launcher;
mod oracle;
mod users;
