CREATE TABLE sync_version (
    id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    current_version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO sync_version (id, current_version) VALUES (1, 1);

CREATE TABLE observations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    observation_id VARCHAR(255) NOT NULL UNIQUE,
    form_type VARCHAR(255) NOT NULL,
    form_version VARCHAR(50) NOT NULL,
    data JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    synced_at TIMESTAMPTZ NULL,
    deleted BOOLEAN NOT NULL DEFAULT false,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX idx_observations_observation_id ON observations (observation_id);
CREATE INDEX idx_observations_form_type ON observations (form_type);
CREATE INDEX idx_observations_version ON observations (version);
CREATE INDEX idx_observations_deleted ON observations (deleted);
CREATE INDEX idx_observations_updated_at ON observations (updated_at);

-- Every observation write takes the next value of the one global change counter.
CREATE OR REPLACE FUNCTION increment_sync_version() RETURNS TRIGGER AS $$
BEGIN
    UPDATE sync_version
       SET current_version = current_version + 1, updated_at = now()
     WHERE id = 1
    RETURNING current_version INTO NEW.version;
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER observations_version_trigger
    BEFORE INSERT OR UPDATE ON observations
    FOR EACH ROW EXECUTE FUNCTION increment_sync_version();
