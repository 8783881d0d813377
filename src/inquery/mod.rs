//! The inlookup query protocol: wire format ([`codec`]).
//!
//! See `docs/COMPAT.md` and servers.md Part 1 for the protocol description.

pub mod codec;
