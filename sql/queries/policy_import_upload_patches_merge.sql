-- A Debian row of a later part that fixes the same version as a row staged
-- by upload $1 (ident $2): the staged row keeps its advisory and gains the
-- CVEs $3 it does not list yet, in their order.
UPDATE pw_upload_patches
   SET cves = cves || ARRAY(SELECT c FROM unnest($3::text[]) WITH ORDINALITY AS n (c, i)
                             WHERE c <> ALL (cves) ORDER BY i)
 WHERE upload = $1::integer AND ident = $2
