-- For the (hostname, ident) pairs $2, $3 of a part of upload $1: the line
-- of the row an earlier part staged for the same pair, when there is one.
SELECT d.hostname, d.ident, min(u.line)
  FROM unnest($2::text[], $3::text[]) AS d (hostname, ident)
  JOIN pw_upload_scans u ON u.hostname = d.hostname AND u.ident = d.ident
 WHERE u.upload = $1::integer
 GROUP BY d.hostname, d.ident
