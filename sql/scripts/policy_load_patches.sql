-- COPY source: the catalogue, lists joined with U+001F.
COPY (SELECT patch_id, ident, kb, title, classification, array_to_string(products, E'\x1f'),
             severity, extract(epoch FROM released_at)::bigint,
             array_to_string(supersedes, E'\x1f'), reboot_required,
             array_to_string(cves, E'\x1f')
        FROM patches ORDER BY patch_id) TO STDOUT
