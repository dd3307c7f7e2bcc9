-- Upserts the staged catalogue rows; equal rows are left alone.
-- Returns how many rows were inserted and how many updated.
WITH up AS (
    INSERT INTO patches AS p (tenant_id, ident, kb, title, classification, products, severity,
                              released_at, supersedes, reboot_required, cves)
    SELECT pw_tenant(), ident, kb, title, classification, products, severity, released_at,
           supersedes, reboot_required, cves
      FROM pw_tmp_patches
    ON CONFLICT (tenant_id, ident) DO UPDATE
       SET kb = excluded.kb, title = excluded.title, classification = excluded.classification,
           products = excluded.products, severity = excluded.severity,
           released_at = excluded.released_at, supersedes = excluded.supersedes,
           reboot_required = excluded.reboot_required, cves = excluded.cves
     WHERE (p.kb, p.title, p.classification, p.products, p.severity, p.released_at, p.supersedes,
            p.reboot_required, p.cves)
           IS DISTINCT FROM
           (excluded.kb, excluded.title, excluded.classification, excluded.products,
            excluded.severity, excluded.released_at, excluded.supersedes,
            excluded.reboot_required, excluded.cves)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
