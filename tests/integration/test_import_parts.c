/*  test_import_parts - imports uploaded in parts, end to end: a generated
    fleet is imported whole into one tenant and in many small parts
    (`pwctl import --chunk-bytes`) into another, and the stored rows and
    resolved results of the two are compared in SQL. A bad row in a late
    part, or a row repeated across parts, imports nothing and is named by
    its line in the file, as a whole import names it. Parts sent by hand
    for an unknown upload, out of order, for another tenant or kind, after
    the idle timeout, or after the store connection was re-established are
    refused, and the service goes on answering.
    Real PostgreSQL, real services on 127.0.0.1, real pwctl.
*/
#include <ctype.h>
#include <unistd.h>

#include "pw_gen.h"
#include "pw_import.h"
#include "pw_itest.h"
#include "pw_util.h"
#include "../pw_test.h"

#define S_DB      "pw_test_import_parts"
#define S_WHOLE   "whole-it"
#define S_PARTS   "parts-it"
#define S_CATALOG "examples/data/windows-updates.csv"

static char *s_db_url;
static PGconn *s_admin;
static pw_itest_service_t s_policy, s_scheduler;
static char s_dir [64];

//  --- helpers --------------------------------------------------------------

static char *
s_path (const char *name)
{
    return pw_sprintf ("%s/%s", s_dir, name);
}

//  pwctl as TENANT with ARGS (NULL-terminated); stdout and stderr in
//  *OUT_P and *ERR_P (caller frees; either may be NULL).
static int
s_pwctl (const char *tenant, char **out_p, char **err_p, const char *const *args)
{
    char policy [96], scheduler [96], as [64];
    snprintf (policy, sizeof policy, "--policy-endpoint=%s", s_policy.router);
    snprintf (scheduler, sizeof scheduler, "--scheduler-endpoint=%s", s_scheduler.router);
    snprintf (as, sizeof as, "--tenant=%s", tenant);
    const char *argv [32] = {policy, scheduler, as, "--actor=parts@msp", "--timeout-ms=60000"};
    int argc = 5;
    for (int i = 0; args [i] && argc < 31; i++)
        argv [argc++] = args [i];
    argv [argc] = NULL;
    return pw_itest_pwctl (argv, out_p, err_p);
}

static long
s_scalar (const char *sql)
{
    return pw_itest_scalar (s_admin, sql);
}

//  The rows of SELECT (a query over one tenant's rows, `$T` standing for
//  the tenant) that one tenant has and the other has not, both ways.
static long
s_differ (const char *select)
{
    pw_strbuf_t sql;
    pw_strbuf_init (&sql);
    //  $T -> the tenant, as a literal.
    const char *tenants [2] = {"'" S_WHOLE "'", "'" S_PARTS "'"};
    char *query [2];
    for (int t = 0; t < 2; t++) {
        pw_strbuf_t q;
        pw_strbuf_init (&q);
        for (const char *p = select; *p; p++) {
            if (p [0] == '$' && p [1] == 'T') {
                pw_strbuf_append (&q, tenants [t]);
                p++;
            } else
                pw_strbuf_append_len (&q, p, 1);
        }
        query [t] = pw_strbuf_take (&q);
    }
    pw_strbuf_appendf (&sql,
                       "SELECT (SELECT count(*) FROM (%s EXCEPT ALL %s) a) + "
                       "(SELECT count(*) FROM (%s EXCEPT ALL %s) b)",
                       query [0], query [1], query [1], query [0]);
    long differ = s_scalar (sql.data);
    pw_strbuf_free (&sql);
    free (query [0]);
    free (query [1]);
    return differ;
}

#define S_AGENT_ROWS                                                                               \
    "SELECT hostname, org, group_path, class, os, os_version, custom_fields, tags, ignored_kbs, "  \
    "subscribed, expected_minutes, last_checkin, last_scan FROM agents WHERE tenant_id = $T"
#define S_PATCH_ROWS                                                                               \
    "SELECT ident, kb, title, classification, products, severity, released_at, supersedes, "       \
    "reboot_required, cves FROM patches WHERE tenant_id = $T"
#define S_SCAN_ROWS                                                                                \
    "SELECT a.hostname, p.ident, s.state, s.scanned_at FROM scan_states s "                        \
    "JOIN agents a USING (tenant_id, agent_id) JOIN patches p USING (tenant_id, patch_id) "        \
    "WHERE s.tenant_id = $T"
#define S_SETTING_ROWS                                                                             \
    "SELECT a.hostname, s.subscribed, s.patch_policies, s.scan, s.update_window, s.reboot "        \
    "FROM agent_settings s JOIN agents a USING (tenant_id, agent_id) WHERE s.tenant_id = $T"
#define S_STATUS_ROWS                                                                              \
    "SELECT a.hostname, p.ident, t.status, t.until, t.source_kind, t.source_policy, "              \
    "t.source_rule FROM patch_status t JOIN agents a USING (tenant_id, agent_id) "                 \
    "JOIN patches p USING (tenant_id, patch_id) WHERE t.tenant_id = $T"

//  A fingerprint of TENANT's scan states.
static char *
s_scan_digest (const char *tenant)
{
    char *sql = pw_sprintf ("SELECT md5 (coalesce (string_agg (r::text, '|' ORDER BY r::text), "
                            "'')) FROM (SELECT a.hostname, p.ident, s.state, s.scanned_at "
                            "FROM scan_states s JOIN agents a USING (tenant_id, agent_id) "
                            "JOIN patches p USING (tenant_id, patch_id) "
                            "WHERE s.tenant_id = '%s') r",
                            tenant);
    PGresult *res = PQexec (s_admin, sql);
    char *digest = pw_strdup (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1
                                  ? PQgetvalue (res, 0, 0)
                                  : "?");
    PQclear (res);
    free (sql);
    return digest;
}

static char *
s_read (const char *path)
{
    FILE *file = fopen (path, "rb");
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_strbuf_append (&buf, "");
    char chunk [65536];
    size_t n;
    while (file && (n = fread (chunk, 1, sizeof chunk, file)) > 0)
        pw_strbuf_append_len (&buf, chunk, n);
    if (file)
        fclose (file);
    return pw_strbuf_take (&buf);
}

static void
s_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "wb");
    fputs (text, file);
    fclose (file);
}

//  Imports FILE as KIND whole into S_WHOLE and in parts of CHUNK bytes into
//  S_PARTS; both must succeed and say the same.
static void
s_import_both (const char *kind, const char *file, const char *chunk)
{
    char *out_whole = NULL, *out_parts = NULL, *err = NULL;
    const char *whole [] = {"import", kind, file, NULL};
    PW_CHECK_INT (s_pwctl (S_WHOLE, &out_whole, &err, whole), 0);
    if (*err)
        fprintf (stderr, "    whole: %s", err);
    free (err);
    const char *parts [] = {"import", kind, file, chunk, NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out_parts, &err, parts), 0);
    if (*err)
        fprintf (stderr, "    parts: %s", err);
    free (err);
    PW_CHECK_STR (out_parts, out_whole);
    free (out_whole);
    free (out_parts);
}

//  --- fleet and setup -------------------------------------------------------

static int
s_generate (void)
{
    pw_import_t *catalogue = pw_import_load (PW_IMPORT_PATCHES, S_CATALOG, NULL);
    if (!pw_import_ok (catalogue)) {
        pw_import_destroy (&catalogue);
        return -1;
    }
    pw_gen_options_t options = {.seed = 11, .agents = 120, .catalogue = catalogue, .cycles = 0};
    char *error = NULL;
    pw_gen_t *fleet = pw_gen_new (&options, &error);
    int rc = fleet ? pw_gen_write (fleet, s_dir, &error) : -1;
    if (rc != 0)
        fprintf (stderr, "    gen: %s\n", error ? error : "?");
    free (error);
    pw_gen_destroy (&fleet);
    pw_import_destroy (&catalogue);
    return rc;
}

static const char *s_setup =
    "settings: {scan_gap: 24h, scan_max_age: 7d, review_max_age: 14d, timezone: UTC}\n"
    "patch_policies:\n"
    "  - name: Baseline\n"
    "    baseline: true\n"
    "    deny_superseded: true\n"
    "    default: approve\n"
    "    classifications:\n"
    "      feature_pack: review\n"
    "      upgrade: review\n"
    "      update_rollup: {action: approve, after_days: 7}\n"
    "system_policies:\n"
    "  - name: Patch - Baseline\n"
    "    settings:\n"
    "      patch_policies: [Baseline]\n"
    "      subscribed: true\n"
    "      scan: {day: mon, time: \"02:00\"}\n"
    "      reboot: when_required\n"
    "assignments:\n"
    "  - {policy: Patch - Baseline, level: tenant}\n";

static void
s_test_setup (void)
{
    char *setup = s_path ("setup.yaml"), *orgs = s_path ("orgs.yaml");
    s_write (setup, s_setup);
    const char *apply [] = {"apply", "-f", setup, orgs, NULL};
    char *err = NULL;
    PW_CHECK_INT (s_pwctl (S_WHOLE, NULL, &err, apply), 0);
    if (*err)
        fprintf (stderr, "    %s", err);
    free (err);
    PW_CHECK_INT (s_pwctl (S_PARTS, NULL, NULL, apply), 0);
    free (setup);
    free (orgs);
}

//  --- imports in parts equal imports whole ------------------------------------

static void
s_test_agents_and_patches (void)
{
    char *agents = s_path ("agents.csv");
    s_import_both ("agents", agents, "--chunk-bytes=4096");
    PW_CHECK_INT (s_scalar ("SELECT count(*) FROM agents WHERE tenant_id = '" S_PARTS "'"), 120);
    PW_CHECK_INT (s_differ (S_AGENT_ROWS), 0);
    s_import_both ("patches", S_CATALOG, "--chunk-bytes=65536");
    PW_CHECK_INT (s_scalar ("SELECT count(*) FROM patches WHERE tenant_id = '" S_PARTS "'"), 5437);
    PW_CHECK_INT (s_differ (S_PATCH_ROWS), 0);
    free (agents);
}

//  The Debian catalogue: a version fixed under two advisories, far apart in
//  the file, is one row with the CVEs of both, whether the two rows are in
//  one part or not.
static void
s_test_debian_merges (void)
{
    const char *file = "examples/data/debian-security.csv";
    char *out_whole = NULL, *out_parts = NULL, *err_whole = NULL, *err_parts = NULL;
    const char *whole [] = {"--json", "import", "patches", file, NULL};
    PW_CHECK_INT (s_pwctl (S_WHOLE, &out_whole, &err_whole, whole), 0);
    const char *parts [] = {"--json", "import", "patches", file, "--chunk-bytes=16384", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out_parts, &err_parts, parts), 0);
    PW_CHECK_STR (out_parts, out_whole);
    PW_CHECK_STR (err_parts, err_whole);
    PW_CHECK (!strstr (out_parts, "\"warnings\":0,"));
    PW_CHECK_INT (s_differ (S_PATCH_ROWS), 0);
    free (out_whole);
    free (out_parts);
    free (err_whole);
    free (err_parts);
    //  Said the same way.
    const char *text [] = {"import", "patches", file, "--chunk-bytes=16384", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out_parts, &err_parts, text), 0);
    const char *text_whole [] = {"import", "patches", file, NULL};
    PW_CHECK_INT (s_pwctl (S_WHOLE, &out_whole, &err_whole, text_whole), 0);
    PW_CHECK (strstr (err_parts, "merged into that row"));
    PW_CHECK_STR (err_parts, err_whole);
    PW_CHECK_STR (out_parts, out_whole);
    free (out_whole);
    free (out_parts);
    free (err_whole);
    free (err_parts);
}

static void
s_test_scans (void)
{
    char *scans = s_path ("scans.csv");
    char *text = s_read (scans);
    //  Many parts: more than 30.
    PW_CHECK (strlen (text) > 30 * 16384);
    free (text);
    s_import_both ("scans", scans, "--chunk-bytes=16384");
    PW_CHECK (s_scalar ("SELECT count(*) FROM scan_states WHERE tenant_id = '" S_PARTS "'") > 5000);
    PW_CHECK_INT (s_differ (S_SCAN_ROWS), 0);
    PW_CHECK_INT (s_differ ("SELECT hostname, last_scan FROM agents WHERE tenant_id = $T"), 0);
    //  The same results were resolved from them.
    PW_CHECK (s_scalar ("SELECT count(*) FROM patch_status WHERE tenant_id = '" S_PARTS "'") > 0);
    PW_CHECK_INT (s_differ (S_SETTING_ROWS), 0);
    PW_CHECK_INT (s_differ (S_STATUS_ROWS), 0);
    //  One import, one event, whatever the number of parts.
    PW_CHECK_INT (s_scalar ("SELECT count(*) FROM events WHERE tenant_id = '" S_PARTS
                            "' AND kind = 'import.scans'"),
                  1);
    free (scans);
}

//  The same file in parts again changes nothing.
static void
s_test_reimport (void)
{
    char *scans = s_path ("scans.csv");
    char *before = s_scan_digest (S_PARTS);
    long rows = s_scalar ("SELECT count(*) FROM scan_states WHERE tenant_id = '" S_PARTS "'");
    long events = s_scalar ("SELECT count(*) FROM events WHERE tenant_id = '" S_PARTS "'");
    char *out = NULL, *err = NULL;
    const char *again [] = {"import", "scans", scans, "--chunk-bytes=8192", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out, &err, again), 0);
    char expected [128];
    snprintf (expected, sizeof expected, "0 inserted, 0 updated, %ld unchanged; 0 agents", rows);
    if (!strstr (out, expected))
        PW_FAIL_AT ("re-import said: %s%s", out, err);
    char *after = s_scan_digest (S_PARTS);
    PW_CHECK_STR (after, before);
    //  Only the import's own event.
    PW_CHECK_INT (s_scalar ("SELECT count(*) FROM events WHERE tenant_id = '" S_PARTS "'"),
                  events + 1);
    free (out);
    free (err);
    free (before);
    free (after);
    free (scans);
}

//  --- errors name the line in the file ----------------------------------------

//  Writes a copy of scans.csv with a `note` column of 900 bytes a row, so
//  that the file is larger than the service's slices of a part (one note
//  spans two lines, near the top), the first 40 rows' states flipped (a
//  change, were it imported), and, when BAD, the state of the row at 80 %
//  of the file broken. Returns the file's path (caller frees); *BAD_LINE_P
//  gets the broken row's line in the file.
static char *
s_variant (const char *name, bool bad, int *bad_line_p)
{
    char *source = s_path ("scans.csv");
    char *text = s_read (source);
    free (source);
    size_t rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    rows--; //  the header
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    char note [901];
    memset (note, 'n', 900);
    note [900] = '\0';
    int line = 1, row = 0;
    for (char *p = text, *nl; *p; p = nl + 1) {
        nl = strchr (p, '\n');
        *nl = '\0';
        if (line == 1)
            pw_strbuf_appendf (&out, "%s,note\n", p);
        else {
            row++;
            char *state = strchr (strchr (p, ',') + 1, ',') + 1;
            char *end = strchr (state, ',');
            *end = '\0';
            const char *written = state;
            if (row <= 40)
                written = strcmp (state, "missing") == 0 ? "installed" : "missing";
            if (bad && (size_t)row == rows * 4 / 5) {
                written = "exploded";
                *bad_line_p = line + 1; //  the note of row 3 spans two lines
            }
            pw_strbuf_appendf (&out, "%.*s%s,%s,%s\n", (int)(state - p), p, written, end + 1,
                               row == 3 ? "\"two\nlines\"" : note);
        }
        line++;
    }
    char *path = s_path (name);
    s_write (path, out.data);
    pw_strbuf_free (&out);
    free (text);
    return path;
}

static void
s_test_bad_row_in_late_part (void)
{
    int bad_line = 0;
    char *file = s_variant ("scans-bad.csv", true, &bad_line);
    char *before = s_scan_digest (S_PARTS);
    char *out = NULL, *err_parts = NULL, *err_whole = NULL;
    //  About 9 MB in two parts, of two slices each.
    const char *parts [] = {"import", "scans", file, "--chunk-bytes=5000000", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out, &err_parts, parts), 1);
    free (out);
    char expected [160];
    snprintf (expected, sizeof expected,
              "scans-bad.csv:%d: state: \"exploded\" is not one of missing, installed", bad_line);
    if (!strstr (err_parts, expected))
        PW_FAIL_AT ("in parts, expected %s in:\n%s", expected, err_parts);
    PW_CHECK (strstr (err_parts, "1 bad row; nothing was imported"));
    //  Nothing of the parts before it was imported.
    char *after = s_scan_digest (S_PARTS);
    PW_CHECK_STR (after, before);
    //  Whole, the file gets the very same errors.
    const char *whole [] = {"import", "scans", file, NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, &out, &err_whole, whole), 1);
    PW_CHECK_STR (err_parts, err_whole);
    free (out);
    free (err_parts);
    free (err_whole);
    free (after);

    //  Without the bad row the same file imports, with its one warning
    //  (the unused column, said once for all parts), and changes what the
    //  flipped rows changed.
    free (file);
    file = s_variant ("scans-note.csv", false, NULL);
    const char *good [] = {"--json", "import", "scans", file, "--chunk-bytes=5000000", NULL};
    char *err = NULL;
    PW_CHECK_INT (s_pwctl (S_PARTS, &out, &err, good), 0);
    if (!strstr (out, "\"updated\":40,") || !strstr (out, "\"warnings\":1,"))
        PW_FAIL_AT ("import said: %s%s", out, err);
    free (out);
    free (err);
    const char *good_whole [] = {"--json", "import", "scans", file, NULL};
    PW_CHECK_INT (s_pwctl (S_WHOLE, &out, NULL, good_whole), 0);
    PW_CHECK (strstr (out, "\"updated\":40,") && strstr (out, "\"warnings\":1,"));
    free (out);
    PW_CHECK_INT (s_differ (S_SCAN_ROWS), 0);
    PW_CHECK_INT (s_differ (S_STATUS_ROWS), 0);
    free (file);
    free (before);
}

//  A row repeated in a later part is refused as within one file.
static void
s_test_repeat_across_parts (void)
{
    char *source = s_path ("scans.csv");
    char *text = s_read (source);
    free (source);
    char *second = strchr (text, '\n') + 1;
    char *end = strchr (second, '\n');
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, text);
    pw_strbuf_append_len (&out, second, (size_t)(end - second) + 1);
    char *file = s_path ("scans-repeat.csv");
    s_write (file, out.data);
    pw_strbuf_free (&out);
    char *err_parts = NULL, *err_whole = NULL;
    const char *parts [] = {"import", "scans", file, "--chunk-bytes=16384", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, NULL, &err_parts, parts), 1);
    char expected [160];
    snprintf (expected, sizeof expected, "scans-repeat.csv:%zu: patch: ", lines + 1);
    if (!strstr (err_parts, expected) || !strstr (err_parts, "appears again (first on line 2)"))
        PW_FAIL_AT ("in parts:\n%s", err_parts);
    const char *whole [] = {"import", "scans", file, NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, NULL, &err_whole, whole), 1);
    PW_CHECK_STR (err_parts, err_whole);
    free (err_parts);
    free (err_whole);
    free (file);
    free (text);

    //  An agent again, in lower case, parts later.
    source = s_path ("agents.csv");
    char *agents = s_read (source);
    free (source);
    lines = 0;
    for (const char *p = agents; *p; p++)
        lines += *p == '\n';
    second = strchr (agents, '\n') + 1;
    end = strchr (second, '\n');
    const char *comma = strchr (second, ',');
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, agents);
    for (const char *p = second; p < comma; p++)
        pw_strbuf_appendf (&out, "%c", tolower ((unsigned char)*p));
    pw_strbuf_append_len (&out, comma, (size_t)(end - comma) + 1);
    free (agents);
    file = s_path ("agents-repeat.csv");
    s_write (file, out.data);
    pw_strbuf_free (&out);
    const char *agent_parts [] = {"import", "agents", file, "--chunk-bytes=4096", NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, NULL, &err_parts, agent_parts), 1);
    snprintf (expected, sizeof expected, "agents-repeat.csv:%zu: hostname: ", lines + 1);
    if (!strstr (err_parts, expected) || !strstr (err_parts, "appears again (first on line 2)"))
        PW_FAIL_AT ("in parts:\n%s", err_parts);
    const char *agent_whole [] = {"import", "agents", file, NULL};
    PW_CHECK_INT (s_pwctl (S_PARTS, NULL, &err_whole, agent_whole), 1);
    PW_CHECK_STR (err_parts, err_whole);
    free (err_parts);
    free (err_whole);
    free (file);
}

//  --- parts sent by hand ------------------------------------------------------

static const char *s_scan_header = "hostname,patch,state,scanned_at\n";

//  One part of upload ID for TENANT; returns the reply (caller frees).
static pw_reply_t *
s_part (const char *tenant, const char *kind, const char *id, uint32_t part, bool last,
        const char *content)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ImportRequest import = PATCHWARDEN__V1__IMPORT_REQUEST__INIT;
    import.kind = (char *)kind;
    import.filename = "hand.csv";
    import.content.data = (uint8_t *)content;
    import.content.len = strlen (content);
    import.upload_id = (char *)id;
    import.part = part;
    import.last = last;
    import.first_line = 2 + (int)part;
    request.tenant = (char *)tenant;
    request.actor = "parts@msp";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_IMPORT;
    request.import = &import;
    return pw_itest_call (s_policy.router, &request, 20000);
}

//  Checks that REPLY has STATUS and a message containing TEXT.
static void
s_expect (pw_reply_t *reply, pw_wire_status_t status, const char *text, int at)
{
    if (!reply) {
        PW_FAIL_AT ("line %d: no reply", at);
        return;
    }
    if (reply->status != status || !strstr (reply->message, text))
        PW_FAIL_AT ("line %d: %s \"%s\", expected %s with \"%s\"", at,
                    pw_wire_status_name (reply->status), reply->message,
                    pw_wire_status_name (status), text);
}

#define S_EXPECT(reply, status, text)                                                              \
    do {                                                                                           \
        pw_reply_t *reply_ = (reply);                                                              \
        s_expect (reply_, PATCHWARDEN__V1__STATUS__##status, text, __LINE__);                      \
        pw_reply_free (&reply_);                                                                   \
    } while (0)

//  A stored row of the parts tenant, as a scans CSV row.
static char *
s_row (void)
{
    PGresult *res = PQexec (
        s_admin, "SELECT a.hostname || ',' || p.ident || ',' || s.state || ',' || "
                 "to_char (s.scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                 "FROM scan_states s JOIN agents a USING (tenant_id, agent_id) "
                 "JOIN patches p USING (tenant_id, patch_id) "
                 "WHERE s.tenant_id = '" S_PARTS "' ORDER BY 1 LIMIT 1");
    char *row = pw_sprintf ("%s%s\n", s_scan_header,
                            PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1
                                ? PQgetvalue (res, 0, 0)
                                : "NOPE,KB1,missing,2024-09-09");
    PQclear (res);
    return row;
}

static void
s_test_refused (void)
{
    char *part = s_row ();
    //  A part of an upload that never started.
    S_EXPECT (s_part (S_PARTS, "scans", "nope-1", 3, false, part), STATUS_NOT_FOUND,
              "upload nope-1 is not open (no upload has that id");
    pw_reply_t *ping = pw_itest_ping (s_policy.router, 2000);
    PW_CHECK (ping && ping->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&ping);
    S_EXPECT (s_part (S_PARTS, "scans", "bad id!", 0, false, part), STATUS_INVALID,
              "is not 1 to 64 letters");
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ImportRequest import = PATCHWARDEN__V1__IMPORT_REQUEST__INIT;
    import.kind = "scans";
    import.content.data = (uint8_t *)part;
    import.content.len = strlen (part);
    import.upload_id = "line-1";
    import.first_line = 2147483647;
    request.tenant = S_PARTS;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_IMPORT;
    request.import = &import;
    S_EXPECT (pw_itest_call (s_policy.router, &request, 20000), STATUS_INVALID,
              "first line 2147483647 is out of range");

    //  Out of order: refused, and the upload is gone.
    S_EXPECT (s_part (S_PARTS, "scans", "order-1", 0, false, part), STATUS_OK, "");
    S_EXPECT (s_part (S_PARTS, "scans", "order-1", 2, false, part), STATUS_INVALID,
              "upload order-1: part 2 came when part 1 was expected; the upload is dropped");
    S_EXPECT (s_part (S_PARTS, "scans", "order-1", 1, true, part), STATUS_NOT_FOUND,
              "upload order-1 is not open (part 2 came when part 1 was expected)");

    //  Another tenant's part is refused; the upload goes on. Another kind
    //  is refused and ends it.
    S_EXPECT (s_part (S_PARTS, "scans", "mix-1", 0, false, part), STATUS_OK, "");
    S_EXPECT (s_part (S_WHOLE, "scans", "mix-1", 1, false, part), STATUS_INVALID,
              "upload mix-1 was started for another tenant");
    S_EXPECT (s_part (S_PARTS, "agents", "mix-1", 1, false, part), STATUS_INVALID,
              "a part of an import of agents came for an import of scans");
    S_EXPECT (s_part (S_PARTS, "scans", "mix-1", 1, true, part), STATUS_NOT_FOUND,
              "upload mix-1 is not open");

    //  JSON is not uploaded in parts.
    import.content.data = (uint8_t *)"[]";
    import.content.len = 2;
    import.format = "json";
    import.upload_id = "json-1";
    import.first_line = 0;
    S_EXPECT (pw_itest_call (s_policy.router, &request, 20000), STATUS_INVALID,
              "only CSV files are uploaded in parts");

    //  A new upload of the tenant replaces the one still open.
    S_EXPECT (s_part (S_PARTS, "scans", "first-1", 0, false, part), STATUS_OK, "");
    S_EXPECT (s_part (S_PARTS, "scans", "second-1", 0, false, part), STATUS_OK, "");
    S_EXPECT (s_part (S_PARTS, "scans", "first-1", 1, true, part), STATUS_NOT_FOUND,
              "replaced by upload second-1 of the same tenant");
    //  A row repeated in the second part is refused, naming the first.
    pw_reply_t *reply = s_part (S_PARTS, "scans", "second-1", 1, true, part);
    s_expect (reply, PATCHWARDEN__V1__STATUS__STATUS_INVALID, "1 bad row", __LINE__);
    PW_CHECK (reply && reply->import && reply->import->n_errors == 1 &&
              strstr (reply->import->errors [0]->message, "hand.csv:3: patch: ") &&
              strstr (reply->import->errors [0]->message, "appears again (first on line 2)"));
    pw_reply_free (&reply);

    //  Idle too long: dropped by the timer (the service runs with 1 s).
    S_EXPECT (s_part (S_PARTS, "scans", "idle-1", 0, false, part), STATUS_OK, "");
    usleep (1600 * 1000);
    S_EXPECT (s_part (S_PARTS, "scans", "idle-1", 1, true, part), STATUS_NOT_FOUND,
              "upload idle-1 is not open (dropped after 1 s without a part)");

    //  Two parts in order import, like the file they make.
    S_EXPECT (s_part (S_PARTS, "scans", "ok-1", 0, false, s_scan_header), STATUS_OK, "");
    reply = s_part (S_PARTS, "scans", "ok-1", 1, true, part);
    s_expect (reply, PATCHWARDEN__V1__STATUS__STATUS_OK, "", __LINE__);
    PW_CHECK (reply && reply->import && reply->import->rows == 1 && reply->import->unchanged == 1);
    pw_reply_free (&reply);
    free (part);
}

//  The store connection was re-established between two parts: the rows
//  staged before are gone with it, and the next part says so.
static void
s_test_connection_lost (void)
{
    char *part = s_row ();
    S_EXPECT (s_part (S_PARTS, "scans", "conn-1", 0, false, part), STATUS_OK, "");
    PGresult *res = PQexec (s_admin, "SELECT string_agg (pid::text, ',') FROM pg_stat_activity "
                                     "WHERE datname = '" S_DB "' AND usename = 'pw_service'");
    char *pids = pw_strdup (PQgetvalue (res, 0, 0));
    PQclear (res);
    PQclear (PQexec (s_admin, "SELECT pg_terminate_backend (pid) FROM pg_stat_activity "
                              "WHERE datname = '" S_DB "' AND usename = 'pw_service'"));
    //  Both services reconnect (their health timers notice).
    char *sql = pw_sprintf ("SELECT count(*) FROM pg_stat_activity WHERE datname = '" S_DB
                            "' AND usename = 'pw_service' AND pid NOT IN (%s)",
                            pids);
    PW_CHECK_INT (pw_itest_wait_for (s_admin, sql, 2, 10000), 2);
    free (sql);
    free (pids);
    S_EXPECT (s_part (S_PARTS, "scans", "conn-1", 1, true, part), STATUS_UNAVAILABLE,
              "upload conn-1: the connection to the store was re-established after part 0");
    //  The next upload works on the new connection.
    S_EXPECT (s_part (S_PARTS, "scans", "conn-2", 0, false, s_scan_header), STATUS_OK, "");
    S_EXPECT (s_part (S_PARTS, "scans", "conn-2", 1, true, part), STATUS_OK, "");
    pw_reply_t *ping = pw_itest_ping (s_policy.router, 2000);
    PW_CHECK (ping && ping->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&ping);
    PW_CHECK (pw_itest_service_alive (&s_policy));
    free (part);
}

//  A service that takes small requests only: a JSON file over its limit is
//  refused with a hint to export CSV; a CSV file goes through in parts.
static void
s_test_limits (void)
{
    pw_itest_service_t small;
    const char *extra [] = {"--max-request-bytes=4096", NULL};
    if (pw_itest_service_start (&small, "policy", s_db_url, extra)) {
        PW_FAIL_AT ("small policy instance did not start");
        return;
    }
    char endpoint [96];
    snprintf (endpoint, sizeof endpoint, "--policy-endpoint=%s", small.router);
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    pw_strbuf_append (&json, "[");
    for (int i = 0; i < 100; i++)
        pw_strbuf_appendf (&json,
                           "%s{\"hostname\": \"NOPE-%03d\", \"org\": \"nope\", "
                           "\"class\": \"server\"}",
                           i ? ",\n" : "", i);
    pw_strbuf_append (&json, "]\n");
    char *file = s_path ("agents.json");
    s_write (file, json.data);
    pw_strbuf_free (&json);
    char *err = NULL;
    const char *args [] = {endpoint, "--tenant=" S_PARTS, "import", "agents", file, NULL};
    PW_CHECK_INT (pw_itest_pwctl (args, NULL, &err), 1);
    if (!strstr (err, "is over the limit of 4096") ||
        !strstr (err, "agents.json is JSON, which is sent in one request: export it as CSV"))
        PW_FAIL_AT ("pwctl said: %s", err);
    free (err);
    free (file);
    //  The first 8 KB of agents (above 4 times the limit ZeroMQ would drop
    //  the connection), too large for one request, in parts small enough.
    char *source = s_path ("agents.csv");
    char *text = s_read (source);
    free (source);
    char *cut = strchr (text + 8000, '\n');
    cut [1] = '\0';
    size_t rows = 0;
    for (const char *p = strchr (text, '\n') + 1; *p; p++)
        rows += *p == '\n';
    char *agents = s_path ("agents-8k.csv");
    s_write (agents, text);
    free (text);
    const char *too_big [] = {endpoint, "--tenant=" S_PARTS,  "import", "agents",
                              agents,   "--chunk-bytes=9000", NULL};
    PW_CHECK_INT (pw_itest_pwctl (too_big, NULL, &err), 1);
    PW_CHECK (strstr (err, "agents-8k.csv: send it in smaller parts (--chunk-bytes)"));
    free (err);
    char *out = NULL;
    const char *parts [] = {endpoint, "--tenant=" S_PARTS,  "import", "agents",
                            agents,   "--chunk-bytes=2048", NULL};
    PW_CHECK_INT (pw_itest_pwctl (parts, &out, &err), 0);
    char expected [96];
    snprintf (expected, sizeof expected, "agents: %zu rows: 0 inserted, 0 updated, %zu unchanged",
              rows, rows);
    if (!strstr (out, expected))
        PW_FAIL_AT ("pwctl said: %s%s", out, err);
    free (out);
    free (err);
    free (agents);
    PW_CHECK_INT (pw_itest_service_stop (&small), 0);
}

//  The service stops cleanly with an upload left open (under the
//  sanitizers: nothing leaks).
static void
s_test_stop (void)
{
    PW_CHECK (pw_itest_service_alive (&s_policy));
    char *part = s_row ();
    pw_reply_t *reply = s_part (S_PARTS, "scans", "left-1", 0, false, part);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    free (part);
    PW_CHECK_INT (pw_itest_service_stop (&s_policy), 0);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    snprintf (s_dir, sizeof s_dir, "/tmp/pw-parts-XXXXXX");
    if (!mkdtemp (s_dir)) {
        PW_FAIL_AT ("mkdtemp");
        return PW_TEST_END ();
    }
    const char *extra [] = {"--import-idle-timeout-ms=1000", NULL};
    char *admin_url = pw_itest_admin_url (S_DB);
    s_db_url = pw_itest_db_create (S_DB);
    if (!s_db_url || !(s_admin = pw_itest_connect (admin_url)) || s_generate () ||
        pw_itest_service_start (&s_policy, "policy", s_db_url, extra) ||
        pw_itest_service_start (&s_scheduler, "scheduler", s_db_url, NULL)) {
        PW_FAIL_AT ("setup failed");
        return PW_TEST_END ();
    }
    PW_RUN (s_test_setup);
    PW_RUN (s_test_agents_and_patches);
    PW_RUN (s_test_debian_merges);
    PW_RUN (s_test_scans);
    PW_RUN (s_test_reimport);
    PW_RUN (s_test_bad_row_in_late_part);
    PW_RUN (s_test_repeat_across_parts);
    PW_RUN (s_test_refused);
    PW_RUN (s_test_connection_lost);
    PW_RUN (s_test_limits);
    PW_RUN (s_test_stop);
    pw_itest_service_stop (&s_scheduler);
    PQfinish (s_admin);
    free (admin_url);
    free (s_db_url);
    char *rm = pw_sprintf ("rm -rf '%s'", s_dir);
    if (system (rm) != 0)
        fprintf (stderr, "    could not remove %s\n", s_dir);
    free (rm);
    return PW_TEST_END ();
}
