//! Integration tests: the real binary, run through its applet symlinks,
//! against a real MariaDB (see `common`). One test binary for every applet,
//! so CI links once.

mod admin;
mod bulk;
mod bulletin;
mod cluster;
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
mod maint;
mod moduser;
mod moveuser;
mod oldusers;
mod oracle;
mod plugins;
mod queue;
mod rfc822;
mod showctl;
mod users;
mod vacation;
mod vconvert;
