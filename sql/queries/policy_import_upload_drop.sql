-- Drops the rows staged by upload $1 while other uploads are open.
WITH agents AS (DELETE FROM pw_upload_agents WHERE upload = $1::integer),
     patches AS (DELETE FROM pw_upload_patches WHERE upload = $1::integer)
DELETE FROM pw_upload_scans WHERE upload = $1::integer
