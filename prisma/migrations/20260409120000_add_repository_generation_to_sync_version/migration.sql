ALTER TABLE sync_version ADD COLUMN repository_generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sync_version ADD COLUMN last_reset_at TIMESTAMPTZ NULL;
ALTER TABLE sync_version ADD COLUMN last_reset_by VARCHAR(255) NULL;
