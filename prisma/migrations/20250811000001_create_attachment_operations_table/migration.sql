CREATE TABLE attachment_operations (
    id SERIAL PRIMARY KEY,
    attachment_id VARCHAR(255) NOT NULL,
    operation VARCHAR(10) NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    client_id VARCHAR(255) NULL,
    version BIGINT NOT NULL,
    size INTEGER NULL,
    content_type VARCHAR(255) NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_attachment_operations_version ON attachment_operations (version);
CREATE INDEX idx_attachment_operations_client_id ON attachment_operations (client_id);
CREATE INDEX idx_attachment_operations_attachment_id ON attachment_operations (attachment_id);
CREATE INDEX idx_attachment_operations_version_client ON attachment_operations (version, client_id);

-- Attachment operations share the observations' change counter (the "split cursor" of the clients).
CREATE OR REPLACE FUNCTION increment_attachment_sync_version() RETURNS TRIGGER AS $$
BEGIN
    UPDATE sync_version
       SET current_version = current_version + 1, updated_at = now()
     WHERE id = 1
    RETURNING current_version INTO NEW.version;
    NEW.created_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER attachment_operations_version_trigger
    BEFORE INSERT ON attachment_operations
    FOR EACH ROW EXECUTE FUNCTION increment_attachment_sync_version();
