-- Upstream indexes that no query of this server uses, each one written on every push of every record:
-- - deleted: live rows are read through the partial indexes (WHERE deleted = false), never by the flag alone;
-- - updated_at: nothing filters or sorts on it;
-- - geolocation (GIN) and its latitude/longitude text expressions: the map reads numeric coordinates of the rows its
--   filter selects, which neither can serve.
-- In the sync bench (30,000 records without geolocation) pushes went from about 9,500 to 10,800 records/s; a GIN entry
-- per located record costs more still.
DROP INDEX IF EXISTS idx_observations_deleted;
DROP INDEX IF EXISTS idx_observations_updated_at;
DROP INDEX IF EXISTS idx_observations_geolocation;
DROP INDEX IF EXISTS idx_observations_geolocation_coords;
