/*!
# indimail-rs

A drop-in replacement for IndiMail's virtual-domain administration tools,
built as one multi-call binary.

Layers, from the bottom up (nothing below depends on what is above it):

* [`config`], [`sys`] — paths and environment, the few Unix calls std lacks.
* [`flushlog`] — the log through which committed changes reach inlookup's cache.
* [`passwd`] — crypt(3)-compatible password hashing.
* [`assign`], [`control`] — qmail's `users/assign` + `users/cdb` and control files.
* [`cksum`] — the POSIX cksum CRC (`crc`).
* [`mailstore`] — home-directory hashing, Maildirs, Maildir++ quota.
* [`rfc822`] — a streaming message/header model (fields, unfolding, addresses, dates) for the `822*` tools.
* [`plugin`] — qmail-smtpd SMTP plugins: discovery and running their hooks in a child process.
* [`queue`] — qmail's multiple queues: layout, `defaultqueue` envdirs, message listing.
* [`db`] — the MySQL access layer: connection, on-demand schema, typed queries.
* [`address`], [`domain`] — address rules, domain lookup and per-domain settings.
* [`cluster`] — clustered sites: control/master connections, mcdinfo ↔ dbinfo, which mail store holds a user.
* [`ops`] — operations shared by several commands (add/delete a user ...),
  each all-or-nothing across database and file system.
* [`inquery`], [`inlookup`] — the lookup service: wire format, client, server.
* [`admin`] — remote administration: indisrvr/adminclient protocol, login, privileges, TLS.
* [`hooks`] — post-handle hooks.
* [`cli`], [`applets`], [`launcher`] — argument parsing, the applet table, dispatch.
* [`docgen`] — man pages and shell completions generated from the applet table.
*/

pub mod address;
pub mod admin;
pub mod applets;
pub mod assign;
pub mod cksum;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod control;
pub mod db;
pub mod docgen;
pub mod domain;
pub mod flushlog;
pub mod hooks;
pub mod inlookup;
pub mod inquery;
pub mod launcher;
pub mod mailstore;
pub mod nss;
pub mod ops;
pub mod passwd;
pub mod plugin;
pub mod queue;
pub mod rfc822;
pub mod sys;
