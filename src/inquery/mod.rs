//! The inlookup query protocol: wire format ([`codec`]), answers from MySQL ([`answer`]),
//! the client ([`client`]).
//!
//! See `docs/COMPAT.md` and servers.md Part 1 for the protocol description.

pub mod answer;
pub mod client;
pub mod codec;
pub mod memo;
