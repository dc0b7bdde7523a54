-- Who wrote the current version of each observation (the signed-in user, the pushing client and its
-- transmission), so that the version a write replaces can be attributed in history and conflicts.
ALTER TABLE observations
    ADD COLUMN written_by VARCHAR(255) NULL,
    ADD COLUMN written_client_id VARCHAR(255) NULL,
    ADD COLUMN written_transmission_id VARCHAR(255) NULL;
