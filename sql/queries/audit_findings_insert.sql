-- Opens findings: $1 a JSON array of {code, severity, scope, owner,
-- subject, detail}; $2 now (unix us). Returns each new finding's id with its
-- key (code, subject), for the open findings the audit keeps.
INSERT INTO findings (tenant_id, code, severity, subject, scope, owner, detail, first_seen, last_seen)
SELECT pw_tenant(), x.code, x.severity, x.subject, x.scope, x.owner, x.detail,
       timestamptz 'epoch' + $2::bigint * interval '1 microsecond',
       timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
  FROM json_to_recordset($1::json)
       AS x(code text, severity text, scope text, owner text, subject text, detail text)
RETURNING id, code, subject
