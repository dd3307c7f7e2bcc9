-- Writes the `windows` section in one statement. $1: a JSON array of
-- {name, offset_days, start_minute, duration_minutes, capacity, timezone,
-- window_group, position}.
INSERT INTO windows (tenant_id, name, offset_days, start_minute, duration_minutes, capacity,
                     timezone, window_group, position)
SELECT pw_tenant(), r.name, r.offset_days, r.start_minute, r.duration_minutes, r.capacity,
       r.timezone, r.window_group, r.position
  FROM jsonb_to_recordset($1::jsonb)
       AS r(name text, offset_days integer, start_minute integer, duration_minutes integer,
            capacity integer, timezone text, window_group text, position integer)
