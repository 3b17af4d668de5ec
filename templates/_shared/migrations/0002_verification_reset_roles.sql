-- Email verification, password reset and roles. Rolled back by
-- 0002_verification_reset_roles.rollback.sql.

-- When the owner of the address followed a verification (or password reset) link.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz(3);
-- A constant default and a check on the new column only: no table rewrite, no long lock.
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'user' CONSTRAINT users_role_check CHECK (role IN ('user', 'admin'));

-- Single-use tokens sent by mail; only their SHA-256 is stored.
CREATE TABLE user_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash text NOT NULL,
    expires_at timestamptz(3) NOT NULL,
    used_at    timestamptz(3),
    created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_tokens_token_hash_key ON user_tokens (token_hash);
CREATE INDEX user_tokens_user_id_purpose_idx ON user_tokens (user_id, purpose);
