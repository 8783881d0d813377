//! Operations shared by several applets. Each takes an open [`crate::db::Db`]
//! and the resolved configuration, and is all-or-nothing.

pub mod aliasdomain;
pub mod autoturn;
pub mod bulk;
pub mod bulletin;
pub mod calias;
pub mod deldomain;
pub mod domain;
pub mod domainfiles;
pub mod domaininfo;
pub mod filter;
pub mod group;
pub mod guard;
pub mod limits;
pub mod moduser;
pub mod moveuser;
pub mod oldusers;
pub mod relay;
pub mod renamedomain;
pub mod reorg;
pub mod services;
pub mod showctl;
pub mod user;
pub mod userinfo;
pub mod vacation;
pub mod vacation_reply;
pub mod vpopmail;
