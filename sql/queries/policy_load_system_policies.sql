-- System policy settings flattened: one row per (policy, setting), values
-- joined with U+001F, is_list true for arrays.
SELECT sp.name, sp.description, s.key, jsonb_typeof(s.value) = 'array',
       CASE WHEN jsonb_typeof(s.value) = 'array'
            THEN (SELECT coalesce(string_agg(v, E'\x1f' ORDER BY n), '')
                    FROM jsonb_array_elements_text(s.value) WITH ORDINALITY AS e(v, n))
            ELSE s.value #>> '{}' END
  FROM system_policies sp
  LEFT JOIN LATERAL jsonb_each(sp.settings) AS s(key, value) ON true
 ORDER BY sp.name, s.key
