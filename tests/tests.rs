//! The one integration test binary (one link of Polars instead of many).

mod agreement;
mod cases;
mod cli;
mod common;
mod loading;
mod policy_errors;
mod snapshots;
