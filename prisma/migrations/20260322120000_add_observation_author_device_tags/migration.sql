ALTER TABLE observations ADD COLUMN author TEXT NULL;
ALTER TABLE observations ADD COLUMN device_id TEXT NULL;
ALTER TABLE observations ADD COLUMN tags TEXT[] NULL;
