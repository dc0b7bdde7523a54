CREATE INDEX idx_observations_created_at_live ON observations (created_at) WHERE deleted = false;
