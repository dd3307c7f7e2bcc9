-- The catalogue rows staged by upload $1, into the staging table of the
-- move (policy_import_patches_move), in file order.
INSERT INTO pw_tmp_patches (ident, kb, title, classification, products, severity, released_at,
                            supersedes, reboot_required, cves)
SELECT ident, kb, title, classification, products, severity, released_at, supersedes,
       reboot_required, cves
  FROM pw_upload_patches
 WHERE upload = $1::integer
 ORDER BY line
