//! Signed exports: the workspace's Ed25519 key pair, the manifest's canonical bytes, and the
//! check a routing system (or an importing workspace) runs before it trusts a policy file.
//!
//! The private key is a file in the workspace folder, created readable by its owner only; it
//! never enters the database or an export. The public key travels as `ed25519:<base64>` and is
//! named by its id (the first 16 hex digits of the sha256 of its 32 bytes).
//!
//! Canonical bytes of a manifest: the manifest's JSON object as read from the file, without its
//! `signature` member, serialised by RFC 8785 (JSON Canonicalization Scheme): object members
//! sorted by their names' UTF-16 code units, no whitespace, strings with the minimal JSON
//! escapes, numbers in ECMAScript's shortest form. The signature is Ed25519 over those bytes,
//! base64 (standard alphabet, padded). A verifier recomputes them from the file it received, so
//! any member added, removed or changed after signing breaks the signature.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::error::Error;

/// The private key's file inside a workspace folder.
pub const KEY_FILE: &str = "signing.key";

const KEY_PREFIX: &str = "ed25519:";
const SECRET_HEADER: &str = "# leadpolicy workspace signing key (Ed25519 seed, base64). Keep it private: never share or commit this file.";

/// A public key that signs or verifies exports.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{KEY_PREFIX}{}", B64.encode(self.0.as_bytes()))
    }
}

impl PublicKey {
    /// Read `ed25519:<base64>` (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let bad = |why: &str| {
            Error::Usage(format!(
                "`{}` is not a leadpolicy public key ({why}); it looks like `ed25519:` followed by 44 base64 characters, as `leadpolicy workspace key` prints it",
                clip(text)
            ))
        };
        let body = text
            .strip_prefix(KEY_PREFIX)
            .ok_or_else(|| bad("it does not start with `ed25519:`"))?;
        let bytes = B64
            .decode(body)
            .map_err(|_| bad("the part after `ed25519:` is not base64"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| bad("those 32 bytes are not a valid Ed25519 point"))
    }

    /// A key given on the command line: the key itself, or a file holding it.
    pub fn from_arg(arg: &str) -> Result<Self, Error> {
        if arg.trim().starts_with(KEY_PREFIX) {
            return Self::parse(arg);
        }
        let path = Path::new(arg);
        if path.is_file() {
            return Self::parse(&crate::read_text(path)?);
        }
        Self::parse(arg)
    }

    /// The key's short name: the first 16 hex digits of the sha256 of its 32 bytes.
    pub fn id(&self) -> String {
        let mut id = crate::sha256_hex(self.0.as_bytes());
        id.truncate(16);
        id
    }

    fn verifies(&self, bytes: &[u8], signature: &Signature) -> bool {
        // Strict: rejects the malleable and small-order forms plain Ed25519 verification accepts.
        self.0.verify_strict(bytes, signature).is_ok()
    }
}

fn clip(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// The workspace's key pair.
#[derive(Debug)]
pub struct KeyPair {
    signing: SigningKey,
}

impl KeyPair {
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// The base64 Ed25519 signature of `bytes`.
    pub fn sign(&self, bytes: &[u8]) -> String {
        B64.encode(self.signing.sign(bytes).to_bytes())
    }

    /// The workspace's key pair, made on first use: a new file created readable by its owner
    /// only (and never replaced). An existing key file that others can read is refused.
    pub fn load_or_create(dir: &Path) -> Result<Self, Error> {
        let path = dir.join(KEY_FILE);
        match Self::load(&path) {
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                match Self::create(&path) {
                    // Another process made it first: use theirs.
                    Err(Error::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        Self::load(&path)
                    }
                    made => made,
                }
            }
            other => other,
        }
    }

    fn load(path: &Path) -> Result<Self, Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        check_private(path, &file)?;
        let text = crate::read_text(path)?;
        let seed = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .and_then(|l| B64.decode(l).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                Error::Workspace(format!(
                    "the signing key `{}` is damaged (no 32-byte base64 seed in it); restore it from a backup, or remove it to make a new key (exports signed with the old key then need the new key trusted)",
                    path.display()
                ))
            })?;
        Ok(Self {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    fn create(path: &Path) -> Result<Self, Error> {
        static SIDE_FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            Error::Workspace(format!(
                "cannot make a signing key: the system's random source failed ({e})"
            ))
        })?;
        // Written whole into a private side file, then linked into place: the key file is
        // either absent or complete, even when the process is killed half way, and a link
        // never replaces a key another process made first (AlreadyExists).
        let side = path.with_file_name(format!(
            "{KEY_FILE}.{}-{}.new",
            std::process::id(),
            SIDE_FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&side).and_then(|mut file| {
            writeln!(file, "{SECRET_HEADER}\n{}", B64.encode(seed))?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&side, path));
        let _ = std::fs::remove_file(&side);
        linked.map_err(|e| Error::write(path, e))?;
        Ok(Self {
            signing: SigningKey::from_bytes(&seed),
        })
    }
}

#[cfg(unix)]
fn check_private(path: &Path, file: &std::fs::File) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = file
        .metadata()
        .map_err(|e| Error::io(path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Error::Workspace(format!(
            "the signing key `{}` can be read by other users (mode {:o}); make it private with `chmod 600 {}` and consider making a new key if others may have copied it",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &std::fs::File) -> Result<(), Error> {
    Ok(())
}

/// The RFC 8785 canonical bytes of a manifest object, without its `signature` member.
pub fn canonical_bytes(manifest: &serde_json::Map<String, serde_json::Value>) -> Vec<u8> {
    let mut out = String::new();
    let mut members: Vec<(&String, &serde_json::Value)> =
        manifest.iter().filter(|(k, _)| *k != "signature").collect();
    sort_members(&mut members);
    write_object(&mut out, &members);
    out.into_bytes()
}

fn sort_members(members: &mut [(&String, &serde_json::Value)]) {
    members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
}

fn write_object(out: &mut String, members: &[(&String, &serde_json::Value)]) {
    out.push('{');
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k);
        out.push(':');
        write_value(out, v);
    }
    out.push('}');
}

fn write_string(out: &mut String, s: &str) {
    // serde_json escapes exactly what RFC 8785 asks: `"`, `\`, and control characters (with
    // the short forms \b \f \n \r \t, others as lower-case \u00xx).
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

fn write_value(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            // ECMAScript's Number-to-string (RFC 8785 §3.2.2.3): integers without a fraction,
            // others in their shortest round-trip form.
            let x = n.as_f64().unwrap_or(0.0);
            out.push_str(ryu_js::Buffer::new().format(x));
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            sort_members(&mut members);
            write_object(out, &members);
        }
    }
}

/// Why a policy file and its manifest are not trusted. Each names what an attacker (or an
/// accident) did, so the person knows what to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The manifest is not JSON of the expected shape.
    NotAManifest(String),
    /// No signature (stripped, or made before exports were signed).
    Unsigned,
    /// Validly signed, by a key that is not trusted.
    OtherKey { key: String, id: String },
    /// The signature does not cover these manifest bytes: the manifest was edited.
    ManifestEdited(String),
    /// The manifest verifies, but the policy file's bytes are not the ones it records.
    PolicyEdited { actual: String, recorded: String },
}

impl Refusal {
    /// The refusal in words, for `manifest` next to `policy`.
    pub fn describe(&self, policy: &Path, manifest: &Path) -> String {
        let (p, m) = (policy.display(), manifest.display());
        match self {
            Refusal::NotAManifest(why) => {
                format!("`{m}` is not a leadpolicy export manifest: {why}")
            }
            Refusal::Unsigned => format!(
                "`{m}` carries no signature: it was stripped, or the export was made by a leadpolicy that did not sign; an unsigned export is not trusted (the sha256 alone proves nothing against someone who can edit both files). Ask the exporting workspace for a signed export"
            ),
            Refusal::OtherKey { key, id } => format!(
                "`{m}` is signed by key {id} (`{key}`), which is not a trusted key. If you know that key belongs to the exporting workspace (ask its owner for `leadpolicy workspace key`), trust it with `leadpolicy workspace trust {key} --name NAME`"
            ),
            Refusal::ManifestEdited(why) => format!(
                "`{m}` was edited after it was signed: {why}. Use the manifest exactly as exported"
            ),
            Refusal::PolicyEdited { actual, recorded } => format!(
                "`{p}` was edited after export: its sha256 is {actual}, the signed manifest `{m}` records {recorded}"
            ),
        }
    }
}

/// The signature fields of a manifest, as read.
#[derive(Debug, Clone)]
pub struct Signed {
    pub key: PublicKey,
    pub sha256: String,
    /// The compiled SQL files checked beside the policy (see [`verify_files`]).
    pub sql_files: Vec<String>,
}

/// Check `manifest_text` (the manifest file as read) and `policy_bytes` against the trusted
/// keys: the manifest must be signed by one of them, unchanged since, and record the policy's
/// sha256. Returns the signing key and the recorded sha256.
pub fn check(
    policy_bytes: &[u8],
    manifest_text: &str,
    trusted: &[PublicKey],
) -> Result<Signed, Refusal> {
    let value: serde_json::Value = serde_json::from_str(manifest_text)
        .map_err(|e| Refusal::NotAManifest(format!("it is not JSON ({e})")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| Refusal::NotAManifest("it is not a JSON object".into()))?;
    let text_field = |name: &str| obj.get(name).and_then(serde_json::Value::as_str);
    let signature = match text_field("signature") {
        Some(s) if !s.trim().is_empty() => s,
        _ => return Err(Refusal::Unsigned),
    };
    let Some(key_text) = text_field("public_key") else {
        return Err(Refusal::Unsigned);
    };
    let key = PublicKey::parse(key_text).map_err(|_| {
        Refusal::ManifestEdited(format!(
            "its `public_key` `{}` is not a key",
            clip(key_text)
        ))
    })?;
    if text_field("key_id") != Some(key.id().as_str()) {
        return Err(Refusal::ManifestEdited(format!(
            "its `key_id` is not the id of its `public_key` ({})",
            key.id()
        )));
    }
    let sig = B64
        .decode(signature.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or_else(|| {
            Refusal::ManifestEdited("its `signature` is not a base64 Ed25519 signature".into())
        })?;
    let bytes = canonical_bytes(obj);
    if !trusted.contains(&key) {
        return Err(if key.verifies(&bytes, &sig) {
            Refusal::OtherKey {
                key: key.to_string(),
                id: key.id(),
            }
        } else {
            Refusal::ManifestEdited(format!(
                "its signature does not verify with the key it names ({}), which is not trusted either",
                key.id()
            ))
        });
    }
    if !key.verifies(&bytes, &sig) {
        return Err(Refusal::ManifestEdited(format!(
            "its signature does not verify with key {}",
            key.id()
        )));
    }
    let recorded = text_field("sha256").unwrap_or_default().to_string();
    let actual = crate::sha256_hex(policy_bytes);
    if actual != recorded {
        return Err(Refusal::PolicyEdited { actual, recorded });
    }
    Ok(Signed {
        key,
        sha256: recorded,
        sql_files: Vec::new(),
    })
}

/// Read a policy file and its manifest and [`check`] them; errors in words.
pub fn verify_files(
    policy: &Path,
    manifest: &Path,
    trusted: &[PublicKey],
) -> Result<Signed, Error> {
    let bytes = std::fs::read(policy).map_err(|e| Error::io(policy, e))?;
    let text = std::fs::read_to_string(manifest).map_err(|e| Error::io(manifest, e))?;
    let mut signed = check(&bytes, &text, trusted).map_err(|r| match (&r, trusted) {
        // Checked against keys given on the command line: say which was given, not how to
        // trust a key in a workspace.
        (Refusal::OtherKey { key, id }, [given]) => Error::Tampered(format!(
            "`{}` is signed by key {id} (`{key}`), which is not a trusted key: you gave key {} (`{given}`). Check that you have the exporting workspace's current key (`leadpolicy workspace key` there)",
            manifest.display(),
            given.id()
        )),
        _ => Error::Tampered(r.describe(policy, manifest)),
    })?;
    signed.sql_files = check_sql_files(policy, manifest, &text)?;
    Ok(signed)
}

/// The compiled SQL files a signed manifest lists (beside the policy file) must be there with
/// the bytes it records.
fn check_sql_files(
    policy: &Path,
    manifest: &Path,
    manifest_text: &str,
) -> Result<Vec<String>, Error> {
    let listed: Vec<super::manifest::CompiledSql> =
        serde_json::from_str::<serde_json::Value>(manifest_text)
            .ok()
            .and_then(|v| v.get("compiled_sql").cloned())
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| {
                Error::Tampered(format!(
                    "`{}` lists compiled SQL in a shape leadpolicy does not read: {e}",
                    manifest.display()
                ))
            })?
            .unwrap_or_default();
    let mut checked = Vec::new();
    for sql in listed {
        let path = policy.with_file_name(&sql.file);
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::Tampered(format!(
                "`{}` lists the {} view `{}`, which cannot be read: {}",
                manifest.display(),
                sql.dialect,
                path.display(),
                crate::error::io_words(&e)
            ))
        })?;
        let actual = crate::sha256_hex(&bytes);
        if actual != sql.sha256 {
            return Err(Error::Tampered(format!(
                "`{}` was edited after export: its sha256 is {actual}, the signed manifest `{}` records {}",
                path.display(),
                manifest.display(),
                sql.sha256
            )));
        }
        checked.push(sql.file);
    }
    Ok(checked)
}

/// The manifest path given, or the one next to the policy file.
pub fn manifest_for(policy: &Path, manifest: Option<PathBuf>) -> PathBuf {
    manifest.unwrap_or_else(|| super::manifest::manifest_path(policy))
}
