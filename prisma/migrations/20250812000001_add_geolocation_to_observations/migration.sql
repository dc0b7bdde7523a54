ALTER TABLE observations ADD COLUMN geolocation JSONB NULL;

CREATE INDEX idx_observations_geolocation ON observations USING GIN (geolocation);
CREATE INDEX idx_observations_geolocation_coords
    ON observations ((geolocation->>'latitude'), (geolocation->>'longitude'))
    WHERE geolocation IS NOT NULL;
