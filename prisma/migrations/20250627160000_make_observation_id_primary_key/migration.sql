ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations DROP COLUMN id;
ALTER TABLE observations DROP CONSTRAINT observations_observation_id_key;
ALTER TABLE observations ADD PRIMARY KEY (observation_id);
