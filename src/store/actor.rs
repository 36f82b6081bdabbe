//! Who acts and when. The front ends stamp every workspace action with an [`super::Actor`]; this
//! is the one place the library reads the clock and the login name for them. Nothing else in
//! the library reads either: every other function takes them as arguments.

/// The user the first launch's (or `workspace init`'s) imports of the sample are recorded as.
pub const SEED: &str = "seed";

/// Now, as RFC 3339 UTC with seconds.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    super::rfc3339(secs)
}

/// The login name (`USER`, else `LOGNAME`), for a command line run without `--as`.
pub fn login_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}
