-- Console sessions carry the session version they were opened under; sign-out, a password change or reset and a
-- role change bump it, which ends every console session of that user at once.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
