-- Schema 3: the public keys this workspace trusts to sign exports it imports (besides its own,
-- which lives as a private key file in the workspace folder, never in this database).
CREATE TABLE trusted_keys (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
);
