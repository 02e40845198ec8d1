//! One file per `[section]` of `dsql-deploy.toml`. Each section owns its
//! fields, their defaults and its `validate`. Keep `src/template/<section>.toml`
//! in step with the defaults (a test checks it).

mod certs;
mod emulator;
mod gateway;
mod infra;
mod project;
mod schema;
mod up;

pub use certs::*;
pub use emulator::*;
pub use gateway::*;
pub use infra::*;
pub use project::*;
pub use schema::*;
pub use up::*;
