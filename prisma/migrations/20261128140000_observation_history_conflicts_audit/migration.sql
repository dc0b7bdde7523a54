-- Every version of an observation that a write replaces or deletes, as it was (its writer included).
-- Kept lean for the push path: one btree (the natural key) and a BRIN index for pruning by age, which costs
-- next to nothing to maintain on an append-only table.
CREATE TABLE observation_history (
    observation_id VARCHAR(255) NOT NULL,
    version BIGINT NOT NULL,
    form_type VARCHAR(255) NOT NULL,
    form_version TEXT NOT NULL,
    data JSONB NOT NULL,
    deleted BOOLEAN NOT NULL,
    geolocation JSONB NULL,
    tags TEXT[] NULL,
    written_at TIMESTAMPTZ NOT NULL,
    written_by VARCHAR(255) NULL,
    written_client_id VARCHAR(255) NULL,
    written_transmission_id VARCHAR(255) NULL,
    replaced_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (observation_id, version)
);
CREATE INDEX idx_observation_history_replaced_at ON observation_history USING brin (replaced_at);

-- A write that replaced a version its client had not pulled. The winner is the version the write created.
CREATE TABLE observation_conflicts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    seq BIGSERIAL NOT NULL UNIQUE,
    observation_id VARCHAR(255) NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    winner_version BIGINT NOT NULL,
    winner_username VARCHAR(255) NULL,
    winner_client_id VARCHAR(255) NULL,
    loser_version BIGINT NOT NULL,
    loser_username VARCHAR(255) NULL,
    loser_client_id VARCHAR(255) NULL,
    resolved_at TIMESTAMPTZ NULL,
    resolved_by VARCHAR(255) NULL,
    resolution VARCHAR(16) NULL CHECK (resolution IN ('winner', 'loser')),
    resolved_version BIGINT NULL
);
CREATE INDEX idx_observation_conflicts_observation ON observation_conflicts (observation_id);

-- Set-based, once per statement: a 100-record push costs two INSERT … SELECTs, not 100 trigger calls.
-- A conflict needs a pushing client with a pull watermark (it has synced before) that is below the version it
-- replaced, written by another client. Clients that never pulled (scripts, the CLI) have no watermark.
CREATE FUNCTION observations_keep_replaced_versions() RETURNS TRIGGER AS $$
BEGIN
    INSERT INTO observation_history
        (observation_id, version, form_type, form_version, data, deleted, geolocation, tags,
         written_at, written_by, written_client_id, written_transmission_id)
    SELECT o.observation_id, o.version, o.form_type, o.form_version, o.data, o.deleted, o.geolocation, o.tags,
           o.updated_at, o.written_by, o.written_client_id, o.written_transmission_id
      FROM replaced o;

    IF TG_OP = 'UPDATE' THEN
        INSERT INTO observation_conflicts
            (observation_id, winner_version, winner_username, winner_client_id, loser_version, loser_username, loser_client_id)
        SELECT n.observation_id, n.version, n.written_by, n.written_client_id, o.version, o.written_by, o.written_client_id
          FROM written n
          JOIN replaced o ON o.observation_id = n.observation_id
          JOIN client_sync_state w ON w.client_id = n.written_client_id
         WHERE n.written_client_id IS DISTINCT FROM o.written_client_id
           AND w.last_pulled_version < o.version;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER observations_history_on_update
    AFTER UPDATE ON observations
    REFERENCING OLD TABLE AS replaced NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION observations_keep_replaced_versions();

CREATE TRIGGER observations_history_on_delete
    AFTER DELETE ON observations
    REFERENCING OLD TABLE AS replaced
    FOR EACH STATEMENT EXECUTE FUNCTION observations_keep_replaced_versions();

-- A repository reset (a new generation) starts history and conflicts afresh, whoever performs it.
CREATE FUNCTION observation_history_clear() RETURNS TRIGGER AS $$
BEGIN
    TRUNCATE observation_history, observation_conflicts;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sync_version_reset_clears_history
    AFTER UPDATE OF repository_generation ON sync_version
    FOR EACH ROW WHEN (OLD.repository_generation IS DISTINCT FROM NEW.repository_generation)
    EXECUTE FUNCTION observation_history_clear();

-- Who did what, append-only.
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor VARCHAR(255) NOT NULL,
    action VARCHAR(64) NOT NULL,
    target TEXT NULL,
    ip TEXT NULL,
    client_id TEXT NULL,
    details JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_audit_events_action ON audit_events (action, id);
CREATE INDEX idx_audit_events_actor ON audit_events (actor, id);
CREATE INDEX idx_audit_events_at ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS TRIGGER AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
