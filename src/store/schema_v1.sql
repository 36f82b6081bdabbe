-- leadpolicy workspace schema, version 1.

CREATE TABLE policies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE versions (
    policy_id   TEXT NOT NULL REFERENCES policies(id),
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'published', 'retired')),
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
);

-- At most one published version (the baseline) per policy.
CREATE UNIQUE INDEX one_published ON versions(policy_id) WHERE status = 'published';

-- Published and retired versions are immutable: their content can never change.
CREATE TRIGGER versions_immutable BEFORE UPDATE OF content, sha256 ON versions
WHEN OLD.status IN ('in_review', 'approved', 'published', 'retired')
BEGIN
    SELECT RAISE(ABORT, 'a version that left draft is immutable');
END;

CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are never deleted');
END;

CREATE TABLE datasets (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    mapping_path  TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    UNIQUE (mapping_path, sha256)
);

CREATE TABLE replays (
    id               INTEGER PRIMARY KEY,
    policy_id        TEXT NOT NULL REFERENCES policies(id),
    version          INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    baseline_version INTEGER,
    baseline_sha256  TEXT,
    dataset_id       INTEGER NOT NULL REFERENCES datasets(id),
    metrics          TEXT NOT NULL,
    actor            TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (policy_id, version) REFERENCES versions(policy_id, version)
);

CREATE TABLE approvals (
    policy_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    reviewer       TEXT NOT NULL,
    note           TEXT NOT NULL,
    override_note  TEXT,
    replay_id      INTEGER REFERENCES replays(id),
    approved_at    TEXT NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (policy_id, version) REFERENCES versions(policy_id, version)
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Append-only, hash-chained: each entry's hash covers its fields and the previous hash.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    policy_id  TEXT,
    version    INTEGER,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
