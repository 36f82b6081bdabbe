//! The one integration test binary (one link of Polars instead of many).

// Tests may unwrap and panic: a failed expectation is exactly what a test should report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agreement;
mod analyze;
mod cases;
mod cli;
mod common;
mod docs;
mod editing;
mod import;
mod loading;
mod policy_errors;
mod properties;
mod replay;
mod signing;
mod snapshots;
mod streaming;
mod suggest;
mod workspace;
