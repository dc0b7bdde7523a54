-- Several instances share one database (SYNKRONUS_STORAGE=s3): what one process used to keep on its disk or in
-- its memory lives here.

-- App bundle versions whose files are in the object store. The row is the commit point of a push: its files
-- are uploaded first, so a version is listed only once all of them are there. `files` is the manifest listing.
CREATE TABLE app_bundle_versions (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    files JSONB NOT NULL
);

-- The active version, one row: every instance reads it per request, so a committed switch is seen at once.
CREATE TABLE app_bundle_state (
    id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    active_version INTEGER REFERENCES app_bundle_versions (version),
    activated_at TIMESTAMPTZ
);

-- Login throttling windows (api-contract §6.3), shared so that N instances do not allow N times the attempts.
CREATE TABLE auth_limiter_windows (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    reset_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_auth_limiter_windows_reset_at ON auth_limiter_windows (reset_at);
