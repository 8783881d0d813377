//! Operations shared by several applets. Each takes an open [`crate::db::Db`]
//! and the resolved configuration, and is all-or-nothing.

pub mod domain;
pub mod filter;
pub mod group;
pub mod limits;
pub mod user;
pub mod userinfo;
pub mod vacation;
