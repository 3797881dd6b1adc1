-- Provider configs of each end user, encrypted: one row per user and provider.
CREATE TABLE bankkit_credentials (
    user_id    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, provider)
);

-- Rotating tokens, encrypted, with the version every save increments.
CREATE TABLE bankkit_tokens (
    token_key  TEXT NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL CHECK (version > 0),
    key_id     TEXT NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    expires_at TEXT,
    updated_at TEXT NOT NULL
);

-- Refresh locks: a lease per token key, renewed while held (milliseconds since 1970).
CREATE TABLE bankkit_token_locks (
    token_key  TEXT NOT NULL PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
