/*!
Remote administration (servers.md Parts 2-4): the protocol of `indisrvr` and `adminclient` on
port 4000, login against `mgmtaccess`, privileges from `vpriv`.

* [`commands`] — the two command index tables (seed 00-45, current 0-43) and program paths.
* [`wire`] — command line, argument splitting, the `RETURNSTATUS` trailer.
* [`privilege`] — fail-closed `vpriv` rule matching.
* [`throttle`], [`login`] — login checks with throttling and lockout.
* [`conn`], [`tls`] — connections (TCP, UNIX, tcpserver fds), implicit TLS with rustls.
* [`server`] — indisrvr's sessions; [`client`] — adminclient's.
*/

pub mod client;
pub mod commands;
pub mod conn;
pub mod login;
pub mod privilege;
pub mod server;
pub mod throttle;
pub mod tls;
pub mod wire;
