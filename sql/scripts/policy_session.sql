-- Run on every connect of the policy service, before its statements are
-- prepared: session staging tables for bulk writes. COPY FROM does not run
-- under row-level security, so rows are copied into these session-private
-- tables and moved with INSERT ... SELECT, which the policies check.
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_agent_settings (
    agent_id bigint, subscribed boolean, patch_policies text[], scan text,
    update_window text, reboot text, pre_tasks text[], post_tasks text[],
    health_check text, manual_patching text, overridden text[], profile_id bigint
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_profile_status (
    profile_id bigint, patch_id bigint, status text, until timestamptz,
    source_kind text, source_policy text, source_rule text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_agents (
    hostname text, org text, group_path text, class text, os text, os_version text,
    custom_fields jsonb, tags text[], ignored_kbs text[], subscribed boolean,
    expected_minutes integer, last_checkin timestamptz, last_scan timestamptz
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_patches (
    ident text, kb text, title text, classification text, products text[], severity text,
    released_at timestamptz, supersedes text[], reboot_required boolean, cves text[]
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_scans (
    hostname text, ident text, state text, scanned_at timestamptz
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_scan_ids (
    agent_id bigint, patch_id bigint, state text, scanned_at timestamptz, line integer
) ON COMMIT DELETE ROWS;
-- An import uploaded in parts: each part's rows wait here, across
-- transactions, until the last part imports them all (or the upload is
-- dropped). `upload` is the service's number for the upload, `line` the
-- row's line in the file. The rows live as long as the session: a new
-- connection starts with none, and the service refuses the rest of an
-- upload whose rows were staged on an earlier connection.
CREATE TEMP TABLE IF NOT EXISTS pw_upload_agents (
    upload integer, line integer, hostname text, org text, group_path text, class text,
    os text, os_version text, custom_fields jsonb, tags text[], ignored_kbs text[],
    subscribed boolean, expected_minutes integer, last_checkin timestamptz,
    last_scan timestamptz
);
CREATE TEMP TABLE IF NOT EXISTS pw_upload_patches (
    upload integer, line integer, ident text, kb text, title text, classification text,
    products text[], severity text, released_at timestamptz, supersedes text[],
    reboot_required boolean, cves text[]
);
CREATE TEMP TABLE IF NOT EXISTS pw_upload_scans (
    upload integer, line integer, hostname text, ident text, state text, scanned_at timestamptz
);
-- The tables a decision rewrites are read by index probes: its staged rows
-- are a few thousand out of millions, and the store's pages are in memory
-- or on SSD, so a random page costs little more than a sequential one (the
-- default of 4 plans a scan of every stored status instead).
SET random_page_cost = 1.1
