-- The exports read live rows of one form type in (created_at, observation_id) keyset pages.
CREATE INDEX idx_observations_export_keyset
    ON observations (form_type, created_at, observation_id) WHERE deleted = false;
