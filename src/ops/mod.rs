//! Operations shared by several applets. Each takes an open [`crate::db::Db`]
//! and the resolved configuration, and is all-or-nothing.

pub mod bulk;
pub mod domain;
pub mod oldusers;
pub mod user;
pub mod userinfo;
