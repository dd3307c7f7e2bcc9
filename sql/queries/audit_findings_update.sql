-- Refreshes open findings whose severity or detail changed: $1 a JSON array
-- of {id, severity, detail}; $2 now (unix us).
UPDATE findings f
   SET severity = x.severity, detail = x.detail,
       last_seen = timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
  FROM json_to_recordset($1::json) AS x(id bigint, severity text, detail text)
 WHERE f.tenant_id = pw_tenant() AND f.id = x.id AND f.open
