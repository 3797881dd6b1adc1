-- Provider configs of each end user, encrypted: one row per user and provider.
CREATE TABLE bankkit_credentials (
    user_id    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    nonce      BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, provider)
);

-- Rotating tokens, encrypted, with the version every save increments. Refresh locks are
-- session advisory locks (pg_advisory_lock) and need no table.
CREATE TABLE bankkit_tokens (
    token_key  TEXT NOT NULL PRIMARY KEY,
    version    BIGINT NOT NULL CHECK (version > 0),
    key_id     TEXT NOT NULL,
    nonce      BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    expires_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
