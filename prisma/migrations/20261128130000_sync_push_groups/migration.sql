-- Pushes take the versions of a whole batch at once (sync_push_group below) instead of one counter update per row.
-- Every other writer of observations still gets its version from the per-row trigger.
DROP TRIGGER observations_version_trigger ON observations;
CREATE TRIGGER observations_version_trigger
    BEFORE INSERT OR UPDATE ON observations
    FOR EACH ROW
    WHEN (current_setting('synkronus.push_assigns_versions', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION increment_sync_version();

-- The UNIQUE constraint on observation_id already indexes it.
DROP INDEX IF EXISTS idx_observations_observation_id;

-- Applies a group of pushes in one transaction (the caller's statement): the counter row is locked once, each push
-- runs in its own subtransaction (a failing push writes nothing and leaves the others alone), and the counter is
-- written once at the end. Input: an array of
--   {client_id, transmission_id, sha256, generation (absent = not sent), username, records (storable, one per id),
--    response (success_count, failed_records, warnings)}
-- Output: one element per push, in order: {"response": …} (new or replayed answer), {"stale_generation": g} or
-- {"error": message}.
--
-- Why no pull can skip a version: versions are taken from sync_version while its row lock is held, and the lock is
-- held until this transaction commits, together with the counter's new value. Writers therefore commit in version
-- order, and any snapshot sees a prefix of the version sequence: a pull reading the counter C and the rows in one
-- snapshot finds every version <= C committed and no version > C. Its pages (version order) never pass a version
-- that could still appear.
CREATE FUNCTION sync_push_group(pushes jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    counter bigint;
    generation bigint;
    push jsonb;
    results jsonb := '[]'::jsonb;
    stored record;
    watermark bigint;
    written bigint;
    after bigint;
    cursor_version bigint;
    response jsonb;
BEGIN
    SELECT current_version, repository_generation INTO counter, generation FROM sync_version WHERE id = 1 FOR UPDATE;
    PERFORM set_config('synkronus.push_assigns_versions', 'on', true);
    FOR push IN SELECT value FROM jsonb_array_elements(pushes) LOOP
        IF push ? 'generation' AND (push->>'generation')::bigint <> generation THEN
            results := results || jsonb_build_array(jsonb_build_object('stale_generation', generation));
            CONTINUE;
        END IF;
        BEGIN
            SELECT t.request_sha256, t.response INTO stored
              FROM push_transmissions t
             WHERE t.client_id = push->>'client_id' AND t.transmission_id = push->>'transmission_id';
            IF FOUND AND stored.request_sha256 = push->>'sha256' THEN
                results := results || jsonb_build_array(jsonb_build_object('response', stored.response));
                CONTINUE;
            END IF;
            SELECT s.last_pulled_version INTO watermark FROM client_sync_state s WHERE s.client_id = push->>'client_id';

            INSERT INTO observations
                (observation_id, form_type, form_version, data, created_at, updated_at, deleted, geolocation, author,
                 device_id, tags, version, written_by, written_client_id, written_transmission_id)
            SELECT r.observation_id, r.form_type, r.form_version, r.data, COALESCE(r.created_at, now()), now(),
                   r.deleted, r.geolocation, r.author, r.device_id, r.tags, counter + e.ord,
                   push->>'username', push->>'client_id', push->>'transmission_id'
              FROM jsonb_array_elements(push->'records') WITH ORDINALITY AS e(value, ord),
                   jsonb_to_record(e.value) AS r(
                     observation_id text, form_type text, form_version text, data jsonb, created_at timestamptz,
                     deleted boolean, geolocation jsonb, author text, device_id text, tags text[])
             ORDER BY e.ord
            ON CONFLICT (observation_id) DO UPDATE SET
                form_type = EXCLUDED.form_type, form_version = EXCLUDED.form_version, data = EXCLUDED.data,
                updated_at = EXCLUDED.updated_at, deleted = EXCLUDED.deleted, geolocation = EXCLUDED.geolocation,
                author = EXCLUDED.author, device_id = EXCLUDED.device_id, tags = EXCLUDED.tags,
                version = EXCLUDED.version, written_by = EXCLUDED.written_by,
                written_client_id = EXCLUDED.written_client_id,
                written_transmission_id = EXCLUDED.written_transmission_id;
            GET DIAGNOSTICS written = ROW_COUNT;
            after := counter + written;

            -- The answer's current_version is the client's next pull cursor: the counter after this push only when
            -- the client had already pulled everything before it, else its watermark (see SyncService.push).
            cursor_version := CASE WHEN watermark IS NULL OR watermark >= counter THEN after ELSE watermark END;
            response := jsonb_build_object('current_version', cursor_version, 'repository_generation', generation)
                        || (push->'response');
            INSERT INTO push_transmissions (client_id, transmission_id, request_sha256, response)
            VALUES (push->>'client_id', push->>'transmission_id', push->>'sha256', response)
            ON CONFLICT (client_id, transmission_id) DO UPDATE
                SET request_sha256 = EXCLUDED.request_sha256, response = EXCLUDED.response, created_at = now();
            IF watermark IS NOT NULL AND cursor_version = after AND after <> watermark THEN
                UPDATE client_sync_state SET last_pulled_version = after, updated_at = now()
                 WHERE client_id = push->>'client_id';
            END IF;
            counter := after;
            results := results || jsonb_build_array(jsonb_build_object('response', response));
        EXCEPTION WHEN OTHERS THEN
            results := results || jsonb_build_array(jsonb_build_object('error', SQLERRM));
        END;
    END LOOP;
    UPDATE sync_version SET current_version = counter, updated_at = now() WHERE id = 1 AND current_version <> counter;
    RETURN results;
END;
$$;
