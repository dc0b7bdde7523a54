-- Anything a client can legitimately send is stored: form versions are free text.
ALTER TABLE observations ALTER COLUMN form_version TYPE TEXT;

-- Push results by transmission id, so a retried push (same id and body) is answered without writing again.
CREATE TABLE push_transmissions (
    transmission_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    request_sha256 CHAR(64) NOT NULL,
    response JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, transmission_id)
);
CREATE INDEX idx_push_transmissions_created_at ON push_transmissions (created_at);

-- The change counter each client holds as its pull cursor after its last pull.
CREATE TABLE client_sync_state (
    client_id TEXT PRIMARY KEY,
    last_pulled_version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
