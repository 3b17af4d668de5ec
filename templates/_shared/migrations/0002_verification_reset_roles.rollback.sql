-- Undoes 0002_verification_reset_roles.sql.
DROP TABLE user_tokens;
ALTER TABLE users DROP COLUMN role;
ALTER TABLE users DROP COLUMN email_verified_at;
