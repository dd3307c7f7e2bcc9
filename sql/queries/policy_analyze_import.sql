-- After an import: fresh statistics for the tables $1 (text[]) where the
-- import's $2 changed rows are a tenth of them or more (pw_analyze,
-- 011_analyze_changed); the tables analyzed, joined with ','.
SELECT array_to_string(pw_analyze($1::text[], $2::bigint), ',')
