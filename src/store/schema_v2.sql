-- Schema 2: the editor's working copy of a draft. The desktop app autosaves every keystroke's
-- result here (valid or not), so closing the window never loses an edit; the draft version
-- itself changes only when the working copy is saved as that version (at submit), which is
-- what the audit log records.
CREATE TABLE working_copies (
    policy_id  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (policy_id, version) REFERENCES versions (policy_id, version)
);
