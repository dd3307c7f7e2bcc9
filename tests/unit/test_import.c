/*  test_import - agent, patch and scan imports (CSV and JSON), the JSON
    reader, and the real catalogues in examples/data.

    Expected values were read off the files by hand: windows-updates.csv
    line 791 is KB5022729 for x64 (two rows share that KB), line 4828 is one
    of the eight rows with a blank classification, debian-security.csv line
    2 is DLA-3380-1 for firmware-nonfree. Run from the repository root (as
    tests/run does). With -v the timings are printed.
*/
#include <time.h>

#include "pw_import.h"
#include "pw_json.h"
#include "pw_util.h"
#include "../pw_test.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define WINDOWS_CSV "examples/data/windows-updates.csv"
#define DEBIAN_CSV  "examples/data/debian-security.csv"

//  Timing bounds hold for optimised builds only.
static bool
s_instrumented (void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    return RUNNING_ON_VALGRIND != 0;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
s_read_file (const char *path, size_t *len_p)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = pw_malloc ((size_t)size + 1);
    size_t got = fread (text, 1, (size_t)size, file);
    fclose (file);
    text [got] = '\0';
    *len_p = got;
    return text;
}

static pw_import_t *
s_parse (pw_import_kind_t kind, const char *name, const char *text)
{
    return pw_import_parse (kind, name, text, strlen (text), NULL);
}

//  Checks the rendered errors of IMPORT against EXPECTED, and that nothing
//  is importable.
#define CHECK_ERRORS(import, expected)                                                             \
    do {                                                                                           \
        char *got_ = pw_import_render_errors (import);                                             \
        if (strcmp (got_, expected) != 0)                                                          \
            PW_FAIL_AT ("errors:\n%s\nexpected:\n%s", got_, expected);                             \
        free (got_);                                                                               \
        PW_CHECK (!pw_import_ok (import));                                                         \
        size_t n_;                                                                                 \
        PW_CHECK (pw_import_agents (import, &n_) == NULL && n_ == 0);                              \
        PW_CHECK (pw_import_patches (import, &n_) == NULL && n_ == 0);                             \
        PW_CHECK (pw_import_scans (import, &n_) == NULL && n_ == 0);                               \
    } while (0)

//  --------------------------------------------------------------------------
//  Small parsers

static void
s_test_parse_time (void)
{
    static const struct {
        const char *text;
        int rc;
        int64_t seconds;
    } cases [] = {
        {"2024-09-10", 0, 1725926400},
        {"2024-09-10T02:00:00Z", 0, 1725933600},
        {"2024-09-10T02:00Z", 0, 1725933600},
        {"2024-09-10 02:00:00Z", 0, 1725933600},
        {"2024-09-10T02:00:00.123Z", 0, 1725933600},
        {"2024-09-10T04:00:00+02:00", 0, 1725933600},
        {"2024-09-09T21:00:00-0500", 0, 1725933600},
        {"2024-02-29", 0, 1709164800},
        {"1970-01-01", 0, 0},
        {"2023-02-29", -1, 0}, //  not a leap year
        {"2024-13-01", -1, 0},
        {"2024-09-31", -1, 0},
        {"2024-09-10T02:00:00", -1, 0}, //  no zone
        {"2024-09-10T24:00:00Z", -1, 0},
        {"2024-09-10T02:60Z", -1, 0},
        {"2024-9-10", -1, 0},
        {"10/09/2024", -1, 0},
        {"2024-09-10Z", -1, 0},
        {"2024-09-10T02:00:00Zjunk", -1, 0},
        {"1969-12-31", -1, 0},
        {"", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int64_t seconds = -7;
        int rc = pw_import_parse_time (cases [i].text, &seconds);
        if (rc != cases [i].rc || (rc == 0 && seconds != cases [i].seconds))
            PW_FAIL_AT ("\"%s\": rc %d seconds %lld", cases [i].text, rc, (long long)seconds);
    }
    int64_t seconds;
    PW_CHECK_INT (pw_import_parse_time (NULL, &seconds), -1);
}

static void
s_test_names (void)
{
    static const struct {
        const char *text;
        const char *name;
    } cases [] = {
        {"Security Updates", "security"},
        {"Critical Updates", "critical"},
        {"Updates", "update"},
        {"Upgrades", "upgrade"},
        {"Update Rollups", "update_rollup"},
        {"Feature Packs", "feature_pack"},
        {"Service Packs", "service_pack"},
        {"Definition Updates", "definition"},
        {"Drivers", "driver"},
        {"Tools", "tool"},
        {"optional", "optional"},
        {"update-rollup", "update_rollup"},
        {"SERVICE_PACK", "service_pack"},
        {"security", "security"},
        {"Hotfixes", NULL},
        {"", NULL},
        {"Security Updates Updates", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int index = -1;
        int rc = pw_import_classification_parse (cases [i].text, &index);
        if (cases [i].name
                ? rc != 0 || strcmp (pw_import_classification_name (index), cases [i].name) != 0
                : rc != -1)
            PW_FAIL_AT ("\"%s\": rc %d -> %s", cases [i].text, rc,
                        pw_import_classification_name (index));
    }
    //  The DESIGN order.
    PW_CHECK_STR (pw_import_classification_name (0), "critical");
    PW_CHECK_STR (pw_import_classification_name (6), "update");
    PW_CHECK_STR (pw_import_classification_name (10), "optional");
    PW_CHECK_STR (pw_import_classification_name (11), "unknown");
    PW_CHECK_STR (pw_import_classification_name (-1), "unknown");
    pw_import_state_t state;
    PW_CHECK_INT (pw_import_state_parse ("Pending_Reboot", &state), 0);
    PW_CHECK_INT (state, PW_IMPORT_PENDING_REBOOT);
    PW_CHECK_INT (pw_import_state_parse ("rebooting", &state), -1);
    PW_CHECK_STR (pw_import_state_name (PW_IMPORT_NOT_APPLICABLE), "not_applicable");
    PW_CHECK_STR (pw_import_state_name ((pw_import_state_t)9), "unknown");
    pw_import_kind_t kind;
    PW_CHECK_INT (pw_import_kind_parse ("Scans", &kind), 0);
    PW_CHECK_INT (kind, PW_IMPORT_SCANS);
    PW_CHECK_INT (pw_import_kind_parse ("hosts", &kind), -1);
    char *ident = pw_import_windows_ident ("KB5022729", "2023-02 Cumulative Update for .NET "
                                                        "Framework 3.5 4.8 and 4.8.1 for Windows "
                                                        "10 for x64 (KB5022729)");
    PW_CHECK_STR (ident, "KB5022729:0ca61660");
    free (ident);
    PW_CHECK (pw_import_windows_ident (NULL, "x") == NULL);
}

//  --------------------------------------------------------------------------
//  Real catalogues

static void
s_test_windows_catalogue (void)
{
    size_t len;
    char *text = s_read_file (WINDOWS_CSV, &len);
    PW_CHECK (text != NULL);
    if (!text)
        return;
    double started = s_now_ms ();
    pw_import_t *import =
        pw_import_parse (PW_IMPORT_PATCHES, "windows-updates.csv", text, len, NULL);
    double elapsed = s_now_ms () - started;
    if (s_pw_verbose)
        fprintf (stderr, "    windows-updates.csv: %zu bytes, %zu rows in %.1f ms\n", len,
                 pw_import_rows (import), elapsed);
    PW_CHECK (pw_import_ok (import));
    PW_CHECK_INT (pw_import_format (import), PW_IMPORT_CSV);
    PW_CHECK_INT (pw_import_catalogue (import), PW_IMPORT_CATALOGUE_WINDOWS);
    PW_CHECK_INT (pw_import_rows (import), 5437);
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (import, &count);
    PW_CHECK_INT (count, 5437);
    PW_CHECK_INT (pw_import_kb_count (import), 2302);
    //  8 blank classifications and 41 blank products, warnings only.
    PW_CHECK_INT (pw_import_error_count (import), 0);
    PW_CHECK_INT (pw_import_warning_count (import), 49);
    size_t blank_class = 0, blank_product = 0, unknown = 0;
    for (size_t i = 0; i < pw_import_warning_count (import); i++) {
        const pw_import_issue_t *w = pw_import_warning (import, i);
        blank_class += strcmp (w->field, "classification") == 0;
        blank_product += strcmp (w->field, "product") == 0;
    }
    for (size_t i = 0; i < count; i++)
        unknown +=
            patches [i].product_count == 1 && strcmp (patches [i].products [0], "Unknown") == 0;
    PW_CHECK_INT (blank_class, 8);
    PW_CHECK_INT (blank_product, 41);
    PW_CHECK_INT (unknown, 41);

    //  Line 791, by hand from the file.
    const pw_import_patch_t *p = pw_import_patch_find (import, "KB5022729:0ca61660");
    PW_CHECK (p != NULL);
    if (p) {
        PW_CHECK_INT (p->line, 791);
        PW_CHECK_STR (p->kb, "KB5022729");
        PW_CHECK_STR (p->title, "2023-02 Cumulative Update for .NET Framework 3.5 4.8 and 4.8.1 "
                                "for Windows 10 for x64 (KB5022729)");
        PW_CHECK_STR (pw_import_classification_name (p->classification), "security");
        PW_CHECK_INT (p->product_count, 1);
        PW_CHECK_STR (p->products [0], "Windows 10, version 1903 and later");
        PW_CHECK_STR (p->severity, "Important");
        PW_CHECK_INT (p->released, 1680048000); //  2023-03-29
        PW_CHECK_INT (p->supersedes_count, 3);
        PW_CHECK_STR (p->supersedes [0], "KB5017888");
        PW_CHECK_STR (p->supersedes [2], "KB5022478");
        PW_CHECK_INT (p->cve_count, 2);
        PW_CHECK_STR (p->cves [1], "CVE-2023-21808");
        PW_CHECK (p->reboot_required);
        PW_CHECK (p == &patches [789]);
    }
    const pw_import_patch_t *first;
    PW_CHECK_INT (pw_import_kb_rows (import, "KB5022729", &first), 2);
    PW_CHECK (first == p);
    PW_CHECK_INT (pw_import_kb_rows (import, "KB1", &first), 0);
    PW_CHECK (first == NULL);
    //  Line 4828: blank classification is "update"; the warning names it.
    const pw_import_patch_t *blank = &patches [4826];
    PW_CHECK_INT (blank->line, 4828);
    PW_CHECK_STR (blank->kb, "KB4040980");
    PW_CHECK_STR (pw_import_classification_name (blank->classification), "update");
    PW_CHECK (blank->severity == NULL);
    PW_CHECK_INT (blank->released, 1511308800); //  2017-11-22
    PW_CHECK_INT (blank->supersedes_count, 4);
    char *warnings = pw_import_render_warnings (import);
    PW_CHECK (strstr (warnings, "windows-updates.csv:4828: classification: blank; taken as "
                                "\"update\"\n") != NULL);
    PW_CHECK (strstr (warnings,
                      "windows-updates.csv:2548: product: blank; taken as \"Unknown\"\n") != NULL);
    free (warnings);
    //  Row 1, and the same idents on a second import of the same text.
    PW_CHECK_STR (patches [0].ident, "KB5043936:6f359aef");
    PW_CHECK_STR (patches [0].products [0], "Windows 10 LTSB");
    PW_CHECK_INT (patches [0].released, 1725926400);
    pw_import_t *again = pw_import_parse (PW_IMPORT_PATCHES, "again.csv", text, len, NULL);
    size_t count2;
    const pw_import_patch_t *patches2 = pw_import_patches (again, &count2);
    PW_CHECK_INT (count2, count);
    size_t same = 0;
    for (size_t i = 0; i < count && i < count2; i++)
        same += strcmp (patches [i].ident, patches2 [i].ident) == 0;
    PW_CHECK_INT (same, count);
    pw_import_destroy (&again);
    pw_import_destroy (&import);
    PW_CHECK (import == NULL);
    free (text);
}

static void
s_test_debian_catalogue (void)
{
    pw_import_t *import = pw_import_load (PW_IMPORT_PATCHES, DEBIAN_CSV, NULL);
    PW_CHECK (pw_import_ok (import));
    PW_CHECK_INT (pw_import_catalogue (import), PW_IMPORT_CATALOGUE_DEBIAN);
    PW_CHECK_INT (pw_import_rows (import), 3156);
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (import, &count);
    //  Two fixed versions are listed under two advisories each: merged.
    PW_CHECK_INT (count, 3154);
    PW_CHECK_INT (pw_import_warning_count (import), 2);
    char *warnings = pw_import_render_warnings (import);
    PW_CHECK_STR (warnings, "debian-security.csv:1460: advisory: DLA-2558-2 fixes the same version "
                            "as DLA-2913-1 (line 875); merged into that row\n"
                            "debian-security.csv:2601: advisory: DLA-1942-1 fixes the same version "
                            "as DLA-1942-2 (line 2589); merged into that row\n");
    free (warnings);
    const pw_import_patch_t *p = count ? &patches [0] : NULL;
    PW_CHECK (p != NULL);
    if (p) {
        PW_CHECK_INT (p->line, 2);
        PW_CHECK_STR (p->ident, "firmware-nonfree=20190114+really20220913-0+deb10u1~buster");
        PW_CHECK_STR (p->kb, "DLA-3380-1");
        PW_CHECK_STR (p->title,
                      "firmware-nonfree 20190114+really20220913-0+deb10u1: security update");
        PW_CHECK_STR (pw_import_classification_name (p->classification), "security");
        PW_CHECK_INT (p->product_count, 1);
        PW_CHECK_STR (p->products [0], "Debian buster");
        PW_CHECK_INT (p->released, 1680307200); //  2023-04-01
        PW_CHECK_INT (p->cve_count, 11);
        PW_CHECK_STR (p->cves [10], "CVE-2022-21181");
        PW_CHECK (p->severity == NULL);
        PW_CHECK (p->reboot_required);           //  firmware
        PW_CHECK (!patches [3].reboot_required); //  systemd
    }
    const pw_import_patch_t *xterm = pw_import_patch_find (import, "xterm=327-2+deb9u2~stretch");
    PW_CHECK (xterm && strcmp (xterm->kb, "DLA-2913-1") == 0 && xterm->cve_count == 1);
    PW_CHECK_INT (pw_import_kb_rows (import, "DLA-2558-2", NULL), 0);
    pw_import_destroy (&import);
}

//  --------------------------------------------------------------------------
//  Agents

static void
s_test_agents_csv (void)
{
    const char *text =
        "HostName,org,Group,class,os,os_version,subscribed,expected_minutes,last_checkin,"
        "last_scan,tags,ignored_kbs,cf.PatchWindow,CF.Owner Name,notes\r\n"
        "CONTOSO-SQL01,contoso,servers.sql,Server,Windows Server 2022 Standard,10.0.20348,,45,"
        "2024-09-15T21:00:00Z,2024-09-09,sql;vip; ;sql,kb5031364;KB5031364,SAT-2, Jo ,x\r\n"
        "\"contoso-ws0001\",\"Contoso, Inc.\",,workstation,,,no,,,,,,,,\r\n";
    pw_import_t *import = s_parse (PW_IMPORT_AGENTS, "agents.csv", text);
    char *errors = pw_import_render_errors (import);
    PW_CHECK_STR (errors, "");
    free (errors);
    PW_CHECK (pw_import_ok (import));
    //  An unknown column is a warning, not an error.
    char *warnings = pw_import_render_warnings (import);
    PW_CHECK_STR (warnings, "agents.csv:1: notes: column is not used\n");
    free (warnings);
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    PW_CHECK_INT (count, 2);
    if (count == 2) {
        const pw_import_agent_t *a = &agents [0];
        PW_CHECK_INT (a->line, 2);
        PW_CHECK_STR (a->hostname, "CONTOSO-SQL01");
        PW_CHECK_STR (a->org, "contoso");
        PW_CHECK_STR (a->group, "servers.sql");
        PW_CHECK_INT (a->klass, PW_CLASS_SERVER);
        PW_CHECK_STR (a->os, "Windows Server 2022 Standard");
        PW_CHECK_STR (a->os_version, "10.0.20348");
        PW_CHECK (a->subscribed);
        PW_CHECK_INT (a->expected_minutes, 45);
        PW_CHECK_INT (a->last_checkin, 1726434000);
        PW_CHECK_INT (a->last_scan, 1725840000);
        PW_CHECK_INT (a->tag_count, 2);
        PW_CHECK_STR (a->tags [0], "sql");
        PW_CHECK_STR (a->tags [1], "vip");
        PW_CHECK_INT (a->ignored_kb_count, 2); //  kept as written
        PW_CHECK_STR (a->ignored_kbs [0], "KB5031364");
        PW_CHECK_INT (a->cf_count, 2);
        PW_CHECK_STR (a->cf [0].name, "Owner Name");
        PW_CHECK_STR (a->cf [0].value, "Jo");
        PW_CHECK_STR (a->cf [1].name, "PatchWindow");
        PW_CHECK_STR (a->cf [1].value, "SAT-2");
        const pw_import_agent_t *b = &agents [1];
        PW_CHECK_INT (b->line, 3);
        PW_CHECK_STR (b->org, "Contoso, Inc.");
        PW_CHECK_STR (b->group, "");
        PW_CHECK_INT (b->klass, PW_CLASS_WORKSTATION);
        PW_CHECK (b->os == NULL);
        PW_CHECK (!b->subscribed);
        PW_CHECK_INT (b->expected_minutes, 0);
        PW_CHECK_INT (b->last_scan, 0);
        PW_CHECK_INT (b->tag_count + b->ignored_kb_count + b->cf_count, 0);
        PW_CHECK (b->tags == NULL);
        PW_CHECK (pw_import_agent_find (import, "Contoso-Ws0001") == b);
        PW_CHECK (pw_import_agent_find (import, "nobody") == NULL);
    }
    pw_import_destroy (&import);
}

//  A file with many bad rows reports every one of them, by line and
//  field, and offers nothing.
static void
s_test_agents_bad (void)
{
    const char *text = "hostname,org,group,class,subscribed,expected_minutes,last_checkin,"
                       "last_scan,cf.PatchWindow\n"
                       "WEB01,contoso,servers.web,server,,,,,SAT-1\n"
                       "WS01,contoso,workstations,laptop,,,,,\n"
                       ",contoso,,server,,,,,\n"
                       "web01,fabrikam,,server,,,,,\n"
                       "DB 01,contoso,servers..sql,server,maybe,abc,,2024-13-01,\n"
                       "WS02,contoso,,workstation\n"
                       "WS03,,,workstation,,0,2024-09-10T10:00:00,,\n"
                       "WS04,contoso,,workstation,,,,,\"a\nb\"\n"
                       "WS05,contoso,,workstation,,1441,,,\n";
    pw_import_t *import = s_parse (PW_IMPORT_AGENTS, "agents.csv", text);
    CHECK_ERRORS (import,
                  "agents.csv:3: class: \"laptop\" is not one of server, workstation\n"
                  "agents.csv:4: hostname: is required\n"
                  "agents.csv:5: hostname: \"web01\" appears again (first on line 2)\n"
                  "agents.csv:6: hostname: \"DB 01\" is not a hostname (letters, digits, \"-\", "
                  "\"_\", \".\")\n"
                  "agents.csv:6: group: \"servers..sql\" is not a group path (dotted names of "
                  "letters, digits, \"-\", \"_\")\n"
                  "agents.csv:6: subscribed: \"maybe\" is not true or false\n"
                  "agents.csv:6: expected_minutes: \"abc\" is not a whole number\n"
                  "agents.csv:6: last_scan: \"2024-13-01\" is not an ISO 8601 UTC time (like "
                  "2024-09-10 or 2024-09-10T02:00:00Z)\n"
                  "agents.csv:7: ragged row: 4 fields, the header has 9\n"
                  "agents.csv:8: org: is required\n"
                  "agents.csv:8: expected_minutes: 0 is out of range (1 to 1440)\n"
                  "agents.csv:8: last_checkin: \"2024-09-10T10:00:00\" is not an ISO 8601 UTC "
                  "time (like 2024-09-10 or 2024-09-10T02:00:00Z)\n"
                  "agents.csv:9: cf.PatchWindow: \"a\\x0Ab\" is not valid UTF-8 text without "
                  "control characters\n"
                  "agents.csv:11: expected_minutes: 1441 is out of range (1 to 1440)\n");
    PW_CHECK_INT (pw_import_rows (import), 9);
    PW_CHECK_INT (pw_import_error_count (import), 14);
    const pw_import_issue_t *issue = pw_import_error (import, 0);
    PW_CHECK (issue && issue->line == 3 && strcmp (issue->field, "class") == 0);
    PW_CHECK (pw_import_error (import, 14) == NULL);
    PW_CHECK (pw_import_agent_find (import, "WEB01") == NULL);
    pw_import_destroy (&import);
}

//  One part of a larger file: the header row, then records that begin on
//  line 1000 of the file. Rows and messages name the file's lines; the
//  header keeps its own.
static void
s_test_part (void)
{
    const char *text = "hostname,org,class,notes\n"
                       "WEB01,contoso,server,\"two\nlines\"\n"
                       "\n"
                       "web01,contoso,laptop,\n";
    pw_import_options_t options = {.first_line = 1000};
    pw_import_t *import =
        pw_import_parse (PW_IMPORT_AGENTS, "agents.csv", text, strlen (text), &options);
    CHECK_ERRORS (import,
                  "agents.csv:1003: hostname: \"web01\" appears again (first on line 1000)\n"
                  "agents.csv:1003: class: \"laptop\" is not one of server, workstation\n");
    char *warnings = pw_import_render_warnings (import);
    PW_CHECK_STR (warnings, "agents.csv:1: notes: column is not used\n");
    free (warnings);
    pw_import_destroy (&import);
    text = "hostname,org,class\nWEB01,contoso,server\n";
    import = pw_import_parse (PW_IMPORT_AGENTS, "agents.csv", text, strlen (text), &options);
    size_t count = 0;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    PW_CHECK_INT (count, 1);
    PW_CHECK_INT (agents [0].line, 1000);
    pw_import_destroy (&import);
}

static void
s_test_agents_header (void)
{
    //  Missing required columns stop the file at its header.
    pw_import_t *import =
        s_parse (PW_IMPORT_AGENTS, "agents.csv", "hostname,group,cf.\nA,servers,x\n");
    CHECK_ERRORS (import, "agents.csv:1: org: required column is missing\n"
                          "agents.csv:1: class: required column is missing\n"
                          "agents.csv:1: cf.: custom field column has no name after \"cf.\"\n");
    PW_CHECK_INT (pw_import_rows (import), 0);
    pw_import_destroy (&import);
    import = s_parse (PW_IMPORT_AGENTS, "agents.csv", "");
    CHECK_ERRORS (import, "agents.csv:1: header: the file is empty: no header row\n");
    pw_import_destroy (&import);
    //  A header alone is a valid file of no agents.
    import = s_parse (PW_IMPORT_AGENTS, "agents.csv", "hostname,org,class\n");
    PW_CHECK (pw_import_ok (import));
    PW_CHECK_INT (pw_import_rows (import), 0);
    pw_import_destroy (&import);
    //  Invalid UTF-8 is named.
    import = s_parse (PW_IMPORT_AGENTS, "agents.csv", "hostname,org,class\nA,Z\xFCrich,server\n");
    CHECK_ERRORS (import, "agents.csv:2: org: is not valid UTF-8 (save the file as UTF-8)\n");
    pw_import_destroy (&import);
}

static void
s_test_agents_json (void)
{
    const char *text =
        "[\n"
        "  {\"hostname\": \"SQL01\", \"org\": \"contoso\", \"group\": \"servers.sql\",\n"
        "   \"class\": \"server\", \"subscribed\": false, \"expected_minutes\": 60,\n"
        "   \"tags\": [\"vip\", \"sql\"], \"ignored_kbs\": null, \"last_scan\": "
        "\"2024-09-09T06:00:00Z\",\n"
        "   \"custom_fields\": {\"PatchWindow\": \"SAT-2\", \"Empty\": null},\n"
        "   \"cf.Owner\": \"Jo\", \"extra\": 1},\n"
        "  {\"Hostname\": \"WS01\", \"ORG\": \"contoso\", \"class\": \"workstation\", \"extra\": "
        "2}\n"
        "]\n";
    pw_import_t *import = s_parse (PW_IMPORT_AGENTS, "agents.json", text);
    char *errors = pw_import_render_errors (import);
    PW_CHECK_STR (errors, "");
    free (errors);
    PW_CHECK_INT (pw_import_format (import), PW_IMPORT_JSON);
    char *warnings = pw_import_render_warnings (import);
    PW_CHECK_STR (warnings, "agents.json:6: extra: key is not used\n");
    free (warnings);
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    PW_CHECK_INT (count, 2);
    if (count == 2) {
        PW_CHECK_INT (agents [0].line, 2);
        PW_CHECK (!agents [0].subscribed);
        PW_CHECK_INT (agents [0].expected_minutes, 60);
        PW_CHECK_INT (agents [0].tag_count, 2);
        PW_CHECK_STR (agents [0].tags [0], "sql");
        PW_CHECK_INT (agents [0].last_scan, 1725861600);
        PW_CHECK_INT (agents [0].cf_count, 2);
        PW_CHECK_STR (agents [0].cf [0].name, "Owner");
        PW_CHECK_STR (agents [0].cf [1].value, "SAT-2");
        PW_CHECK_INT (agents [1].line, 7);
        PW_CHECK_STR (agents [1].hostname, "WS01");
        PW_CHECK (agents [1].subscribed);
    }
    pw_import_destroy (&import);

    //  Wrong types, by line and field; a row that is not an object.
    text = "[{\"hostname\": \"A\", \"org\": \"o\", \"class\": 7},\n"
           " {\"hostname\": \"B\", \"org\": \"o\", \"class\": \"server\",\n"
           "  \"subscribed\": \"yes\", \"tags\": \"a;b\", \"expected_minutes\": 1.5},\n"
           " [1, 2],\n"
           " {\"hostname\": \"C\", \"org\": \"o\", \"class\": \"server\", \"HOSTNAME\": \"D\",\n"
           "  \"custom_fields\": {\"X\": 1}, \"cf.X\": \"y\", \"tags\": [\"ok\", 3]}]";
    import = s_parse (PW_IMPORT_AGENTS, "agents.json", text);
    CHECK_ERRORS (import, "agents.json:1: class: expected a string, found number\n"
                          "agents.json:3: subscribed: expected true or false, found string\n"
                          "agents.json:3: expected_minutes: \"1.5\" is not a whole number\n"
                          "agents.json:3: tags: expected an array of strings, found string\n"
                          "agents.json:4: row 3 is an array, expected an object\n"
                          "agents.json:5: hostname: given twice (keys differ only in case)\n"
                          "agents.json:6: tags: item 2: expected a string, found number\n"
                          "agents.json:6: custom_fields: \"X\": expected a string value\n");
    pw_import_destroy (&import);

    //  A syntax error names line and column and ends the reading.
    import = s_parse (PW_IMPORT_AGENTS, "agents.json",
                      "[\n  {\"hostname\": \"A\", \"org\": \"o\", \"class\": \"server\"},\n"
                      "  {\"hostname\": \"B\" \"org\": \"o\"}\n]");
    CHECK_ERRORS (import, "agents.json:3: line 3, column 20: expected ',' or '}', found '\"'\n");
    pw_import_destroy (&import);
    import = s_parse (PW_IMPORT_AGENTS, "agents.json", "{\"hostname\": \"A\"}");
    CHECK_ERRORS (import, "agents.json:1: line 1, column 1: expected '[' (an array of objects), "
                          "found '{'\n");
    pw_import_destroy (&import);
    import = s_parse (PW_IMPORT_AGENTS, "agents.json", " [ ] ");
    PW_CHECK (pw_import_ok (import));
    PW_CHECK_INT (pw_import_rows (import), 0);
    pw_import_destroy (&import);
}

//  --------------------------------------------------------------------------
//  Patches

static void
s_test_patches_bad (void)
{
    const char *text = "kb,title,classification,product,severity,release_date,supersedes,cves\n"
                       "KB1,A,Security Updates,Windows 10,Critical,2024-09-10,,CVE-2024-1234\n"
                       "5043X,B,Hotfixes,Windows 10,Severe,2024-02-30,KBX,CVE-24-1\n"
                       "kb1,A,Updates,Windows 11,,2024-09-10,,\n"
                       "2,,,,,,,\n";
    pw_import_t *import = s_parse (PW_IMPORT_PATCHES, "updates.csv", text);
    CHECK_ERRORS (import,
                  "updates.csv:3: kb: \"5043X\" is not a KB number (KB followed by digits)\n"
                  "updates.csv:3: classification: \"Hotfixes\" is not a classification "
                  "(Security Updates, Critical Updates, Definition Updates, Update Rollups, "
                  "Service Packs, Feature Packs, Updates, Tools, Drivers, Upgrades)\n"
                  "updates.csv:3: severity: \"Severe\" is not one of Critical, Important, "
                  "Moderate, Low\n"
                  "updates.csv:3: release_date: \"2024-02-30\" is not an ISO 8601 UTC time (like "
                  "2024-09-10 or 2024-09-10T02:00:00Z)\n"
                  "updates.csv:3: supersedes: \"KBX\" is not a KB number\n"
                  "updates.csv:3: cves: \"CVE-24-1\" is not a CVE id (like CVE-2024-38063)\n"
                  "updates.csv:4: title: the same kb and title appear again (first on line 2)\n"
                  "updates.csv:5: title: is required\n"
                  "updates.csv:5: release_date: is required\n");
    //  The blank classification and product of line 5 are still warnings.
    PW_CHECK_INT (pw_import_warning_count (import), 2);
    pw_import_destroy (&import);
}

static void
s_test_patches_generic (void)
{
    const char *text =
        "ident,kb,title,classification,products,severity,released,supersedes,reboot_required,cves\n"
        "acme-1,ACME-2024-1,Acme agent 7.1,update_rollup,Acme Agent;Acme Console,low,"
        "2024-06-01T12:00:00Z,ACME-2023-9,false,\n"
        ",kb77,Seventy-seven,Critical Updates,Windows 11,,2024-01-09,,,\n";
    pw_import_t *import = s_parse (PW_IMPORT_PATCHES, "generic.csv", text);
    char *errors = pw_import_render_errors (import);
    PW_CHECK_STR (errors, "");
    free (errors);
    PW_CHECK_INT (pw_import_catalogue (import), PW_IMPORT_CATALOGUE_GENERIC);
    size_t count;
    const pw_import_patch_t *p = pw_import_patches (import, &count);
    PW_CHECK_INT (count, 2);
    if (count == 2) {
        PW_CHECK_STR (p [0].ident, "acme-1");
        PW_CHECK_STR (p [0].kb, "ACME-2024-1");
        PW_CHECK_STR (pw_import_classification_name (p [0].classification), "update_rollup");
        PW_CHECK_INT (p [0].product_count, 2);
        PW_CHECK_STR (p [0].products [1], "Acme Console");
        PW_CHECK_STR (p [0].severity, "Low");
        PW_CHECK_INT (p [0].released, 1717243200);
        PW_CHECK_STR (p [0].supersedes [0], "ACME-2023-9");
        PW_CHECK (!p [0].reboot_required);
        //  No ident: derived as for the Windows form; KB normalised.
        char *ident = pw_import_windows_ident ("KB77", "Seventy-seven");
        PW_CHECK_STR (p [1].ident, ident);
        free (ident);
        PW_CHECK_STR (p [1].kb, "KB77");
        PW_CHECK_STR (pw_import_classification_name (p [1].classification), "critical");
        PW_CHECK (p [1].reboot_required);
    }
    pw_import_destroy (&import);

    text = "ident,kb,classification,products,released\n"
           "a,K1,security,P,2024-01-01\n"
           "a,K2,sometimes,,2024-01-01\n"
           ",K3,security,P,2024-01-01\n";
    import = s_parse (PW_IMPORT_PATCHES, "generic.csv", text);
    CHECK_ERRORS (import,
                  "generic.csv:3: classification: \"sometimes\" is not one of critical, security, "
                  "definition, update_rollup, service_pack, feature_pack, update, tool, driver, "
                  "upgrade, optional\n"
                  "generic.csv:3: products: is required\n"
                  "generic.csv:3: ident: \"a\" appears again (first on line 2)\n"
                  "generic.csv:4: ident: is required when there is no title\n");
    pw_import_destroy (&import);

    //  JSON: the same keys, lists as arrays.
    text = "[{\"kb\": \"KB5\", \"title\": \"Five\", \"classification\": \"security\",\n"
           "  \"products\": [\"Windows 10\"], \"released\": \"2024-09-10\",\n"
           "  \"reboot_required\": false, \"cves\": [\"cve-2024-0001\"]}]";
    import = s_parse (PW_IMPORT_PATCHES, "patches.json", text);
    PW_CHECK (pw_import_ok (import));
    p = pw_import_patches (import, &count);
    PW_CHECK_INT (count, 1);
    if (count == 1) {
        PW_CHECK_STR (p [0].cves [0], "CVE-2024-0001");
        PW_CHECK (!p [0].reboot_required);
        PW_CHECK_STR (p [0].kb, "KB5");
    }
    pw_import_destroy (&import);
}

//  --------------------------------------------------------------------------
//  Scans

static const char *s_catalogue_csv = "ident,kb,title,classification,products,released\n"
                                     "KB10:x64,KB10,Ten x64,security,Windows 10,2024-09-10\n"
                                     "KB10:x86,KB10,Ten x86,security,Windows 10,2024-09-10\n"
                                     "KB20:x64,KB20,Twenty,security,Windows 10,2024-09-10\n";

static void
s_test_scans (void)
{
    pw_import_t *catalogue = s_parse (PW_IMPORT_PATCHES, "catalogue.csv", s_catalogue_csv);
    pw_import_t *agents = s_parse (PW_IMPORT_AGENTS, "agents.csv",
                                   "hostname,org,class\nWS01,o,workstation\nWS02,o,workstation\n");
    PW_CHECK (pw_import_ok (catalogue) && pw_import_ok (agents));
    pw_import_options_t options = {.catalogue = catalogue, .agents = agents};
    const char *text = "Hostname,Patch,State,Scanned_At\n"
                       "ws01,KB20,missing,2024-09-09T06:00:00Z\n"
                       "WS01,KB10:x86,Pending_Reboot,2024-09-09T06:00:00Z\n"
                       "WS02,kb20,installed,2024-09-09\n";
    pw_import_t *import =
        pw_import_parse (PW_IMPORT_SCANS, "scans.csv", text, strlen (text), &options);
    PW_CHECK (pw_import_ok (import));
    size_t count;
    const pw_import_scan_t *scans = pw_import_scans (import, &count);
    PW_CHECK_INT (count, 3);
    if (count == 3) {
        PW_CHECK_STR (scans [0].hostname, "WS01");  //  the agent's spelling
        PW_CHECK_STR (scans [0].patch, "KB20:x64"); //  the KB's only row
        PW_CHECK_INT (scans [0].state, PW_IMPORT_MISSING);
        PW_CHECK_INT (scans [0].scanned_at, 1725861600);
        PW_CHECK_STR (scans [1].patch, "KB10:x86");
        PW_CHECK_INT (scans [1].state, PW_IMPORT_PENDING_REBOOT);
        PW_CHECK_STR (scans [2].patch, "KB20:x64");
        PW_CHECK_INT (scans [2].line, 4);
    }
    pw_import_destroy (&import);

    //  Line 5 is bad, but its host and patch are fine: lines 6 and 7 repeat it.
    text = "hostname,patch,state,scanned_at\n"
           "WS01,KB10,missing,2024-09-09T06:00:00Z\n"
           "WS01,KB99,missing,2024-09-09T06:00:00Z\n"
           "WS09,KB20,missing,2024-09-09T06:00:00Z\n"
           "WS01,KB20,broken,yesterday\n"
           "WS01,KB20:x64,failed,2024-09-09T06:00:00Z\n"
           "WS01,KB20,failed,2024-09-09T06:00:00Z\n"
           "WS01,KB10,missing,2024-09-09T06:00:00Z\n";
    import = pw_import_parse (PW_IMPORT_SCANS, "scans.csv", text, strlen (text), &options);
    CHECK_ERRORS (import,
                  "scans.csv:2: patch: \"KB10\" is ambiguous: 2 catalogue rows have that KB "
                  "(KB10:x64, KB10:x86); name the row by its ident\n"
                  "scans.csv:3: patch: \"KB99\" is not in the catalogue\n"
                  "scans.csv:4: hostname: \"WS09\" is not in the agents\n"
                  "scans.csv:5: state: \"broken\" is not one of missing, installed, "
                  "pending_reboot, failed, not_applicable\n"
                  "scans.csv:5: scanned_at: \"yesterday\" is not an ISO 8601 UTC time (like "
                  "2024-09-10 or 2024-09-10T02:00:00Z)\n"
                  "scans.csv:6: patch: \"KB20:x64\" on WS01 appears again (first on line 5)\n"
                  "scans.csv:7: patch: \"KB20:x64\" on WS01 appears again (first on line 5)\n"
                  "scans.csv:8: patch: \"KB10\" is ambiguous: 2 catalogue rows have that KB "
                  "(KB10:x64, KB10:x86); name the row by its ident\n");
    pw_import_destroy (&import);

    //  Without a catalogue, patches are kept as written; JSON works alike.
    text = "[{\"hostname\": \"H1\", \"patch\": \"KB10\", \"state\": \"installed\","
           " \"scanned_at\": \"2024-09-09T06:00:00Z\"},\n"
           " {\"hostname\": \"H1\", \"patch\": \"KB10\", \"state\": \"failed\","
           " \"scanned_at\": \"2024-09-09T06:00:00Z\"}]";
    import = s_parse (PW_IMPORT_SCANS, "scans.json", text);
    CHECK_ERRORS (import, "scans.json:2: patch: \"KB10\" on H1 appears again (first on line 1)\n");
    pw_import_destroy (&import);
    pw_import_destroy (&catalogue);
    pw_import_destroy (&agents);
}

//  2 million scan rows: the time per row must not grow with the file.
static double
s_time_scans (size_t rows, size_t *imported_p)
{
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "hostname,patch,state,scanned_at\n");
    for (size_t i = 0; i < rows; i++)
        pw_strbuf_appendf (&text, "HOST-%05zu,KB%zu:%08zx,%s,2024-09-09T06:%02zu:00Z\n", i % 2000,
                           5000000 + i / 2000, i % 7, i % 3 ? "installed" : "missing", i % 60);
    double started = s_now_ms ();
    pw_import_t *import = pw_import_parse (PW_IMPORT_SCANS, "scans.csv", text.data, text.len, NULL);
    double elapsed = s_now_ms () - started;
    if (s_pw_verbose)
        fprintf (stderr, "    %zu scan rows (%zu MB): %.0f ms, %.0f ns/row\n", rows, text.len >> 20,
                 elapsed, elapsed * 1e6 / (double)rows);
    pw_import_scans (import, imported_p);
    pw_import_destroy (&import);
    pw_strbuf_free (&text);
    return elapsed;
}

static void
s_test_scans_linear (void)
{
    size_t big = s_instrumented () ? 200000 : 2000000;
    size_t imported;
    double small_ms = s_time_scans (big / 10, &imported);
    PW_CHECK_INT (imported, big / 10);
    double big_ms = s_time_scans (big, &imported);
    PW_CHECK_INT (imported, big);
    //  Linear: ten times the rows in well under thirty times the time
    //  (a quadratic reader would take a hundred times).
    if (!s_instrumented ())
        PW_CHECK (big_ms < 30.0 * (small_ms + 1.0));
}

//  --------------------------------------------------------------------------
//  Limits and files

static void
s_test_limits (void)
{
    //  The size is checked before anything is read.
    const char *tiny = "x";
    pw_import_t *import =
        pw_import_parse (PW_IMPORT_AGENTS, "huge.csv", tiny, PW_IMPORT_MAX_FILE + 1, NULL);
    CHECK_ERRORS (import, "huge.csv: file is 268435457 bytes, more than the limit of 268435456\n");
    pw_import_destroy (&import);

    //  A row over 1 MiB is named; the rows around it are still checked.
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "hostname,org,class,cf.Notes\nA,o,server,ok\nB,o,server,");
    for (size_t i = 0; i < (PW_IMPORT_MAX_ROW >> 4) + 1; i++)
        pw_strbuf_append (&text, "0123456789abcdef");
    pw_strbuf_append (&text, "\nC,o,laptop,\n");
    import = pw_import_parse (PW_IMPORT_AGENTS, "big.csv", text.data, text.len, NULL);
    CHECK_ERRORS (import, "big.csv:3: row longer than 1048576 bytes\n"
                          "big.csv:4: class: \"laptop\" is not one of server, workstation\n");
    pw_import_destroy (&import);
    pw_strbuf_free (&text);

    //  The same in JSON.
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "[{\"hostname\": \"A\", \"org\": \"o\", \"class\": \"server\", "
                             "\"cf.Notes\": \"");
    for (size_t i = 0; i < (PW_IMPORT_MAX_ROW >> 4) + 1; i++)
        pw_strbuf_append (&text, "0123456789abcdef");
    pw_strbuf_append (&text, "\"}]");
    import = pw_import_parse (PW_IMPORT_AGENTS, "big.json", text.data, text.len, NULL);
    CHECK_ERRORS (import, "big.json:1: row longer than 1048576 bytes\n");
    pw_import_destroy (&import);
    pw_strbuf_free (&text);

    //  Past PW_IMPORT_MAX_ISSUES errors, the rest are counted.
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "hostname,org,class\n");
    for (int i = 0; i < 1200; i++)
        pw_strbuf_appendf (&text, "H%d,o,laptop\n", i);
    import = pw_import_parse (PW_IMPORT_AGENTS, "many.csv", text.data, text.len, NULL);
    PW_CHECK_INT (pw_import_error_count (import), 1200);
    char *errors = pw_import_render_errors (import);
    PW_CHECK (strstr (errors, "many.csv:1001: class:") != NULL);
    PW_CHECK (strstr (errors, "many.csv:1002: class:") == NULL);
    PW_CHECK (strstr (errors, "many.csv: 200 more errors not shown\n") != NULL);
    free (errors);
    pw_import_destroy (&import);
    pw_strbuf_free (&text);
}

static void
s_test_load (void)
{
    pw_import_t *import = pw_import_load (PW_IMPORT_AGENTS, "/nonexistent/agents.csv", NULL);
    CHECK_ERRORS (import, "agents.csv: cannot read /nonexistent/agents.csv: No such file or "
                          "directory\n");
    pw_import_destroy (&import);
    import = pw_import_load (PW_IMPORT_AGENTS, "examples", NULL);
    CHECK_ERRORS (import, "examples: cannot read examples: not a regular file\n");
    pw_import_destroy (&import);
    import = pw_import_load (PW_IMPORT_AGENTS, NULL, NULL);
    PW_CHECK (!pw_import_ok (import));
    pw_import_destroy (&import);
    //  A bad kind is an error, not a crash.
    import = pw_import_parse ((pw_import_kind_t)9, "x.csv", "a\n", 2, NULL);
    PW_CHECK (!pw_import_ok (import));
    pw_import_destroy (&import);
    //  NULL-safe accessors.
    PW_CHECK (!pw_import_ok (NULL));
    PW_CHECK_INT (pw_import_rows (NULL), 0);
    PW_CHECK (pw_import_agents (NULL, NULL) == NULL);
    PW_CHECK (pw_import_patch_find (NULL, "x") == NULL);
    PW_CHECK_INT (pw_import_kb_rows (NULL, "x", NULL), 0);
    char *text = pw_import_render_errors (NULL);
    PW_CHECK_STR (text, "");
    free (text);
    pw_import_destroy (NULL);
}

//  --------------------------------------------------------------------------
//  The JSON reader on its own

static void
s_test_json_values (void)
{
    //  Empty strings (and keys) before any other string.
    pw_json_t *empty = pw_json_new ("[\"\", {\"\": \"\"}]", 14);
    const pw_json_value_t *list = pw_json_parse (empty);
    PW_CHECK_STR (pw_json_string (pw_json_at (list, 0)), "");
    PW_CHECK_STR (pw_json_key (pw_json_at (list, 1), 0), "");
    pw_json_destroy (&empty);
    const char *text =
        "\xEF\xBB\xBF{\"s\": \"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", \"n\": -12.5e1,"
        " \"z\": 0, \"t\": true, \"f\": false, \"null\": null,"
        " \"a\": [1, [2], {}], \"o\": {\"k\": \"v\"}, \"e\": \"\"}";
    pw_json_t *json = pw_json_new (text, strlen (text));
    const pw_json_value_t *root = pw_json_parse (json);
    PW_CHECK (root != NULL);
    PW_CHECK_INT (pw_json_type (root), PW_JSON_OBJECT);
    PW_CHECK_INT (pw_json_size (root), 9);
    PW_CHECK_STR (pw_json_string (pw_json_get (root, "s")), "a\"b\\c/d\n\xC3\xA9\xF0\x9F\x98\x80");
    PW_CHECK (pw_json_number (pw_json_get (root, "n")) == -125.0);
    PW_CHECK_STR (pw_json_number_text (pw_json_get (root, "n")), "-12.5e1");
    PW_CHECK (pw_json_bool (pw_json_get (root, "t")));
    PW_CHECK (!pw_json_bool (pw_json_get (root, "f")));
    PW_CHECK_INT (pw_json_type (pw_json_get (root, "null")), PW_JSON_NULL);
    PW_CHECK (pw_json_get (root, "null") != NULL);
    PW_CHECK (pw_json_get (root, "missing") == NULL);
    const pw_json_value_t *array = pw_json_get (root, "a");
    PW_CHECK_INT (pw_json_size (array), 3);
    PW_CHECK_INT (pw_json_type (pw_json_at (array, 2)), PW_JSON_OBJECT);
    PW_CHECK (pw_json_at (array, 3) == NULL);
    PW_CHECK_STR (pw_json_key (root, 7), "o");
    PW_CHECK (pw_json_key (array, 0) == NULL);
    PW_CHECK_STR (pw_json_string (pw_json_get (pw_json_get (root, "o"), "k")), "v");
    PW_CHECK_STR (pw_json_string (pw_json_get (root, "e")), "");
    PW_CHECK_INT (pw_json_line (root), 1);
    PW_CHECK_INT (pw_json_column (root), 1); //  the BOM is not a column
    PW_CHECK_STR (pw_json_type_name (PW_JSON_ARRAY), "array");
    pw_json_destroy (&json);
    PW_CHECK (json == NULL);
    //  NULL is a null value.
    PW_CHECK_INT (pw_json_type (NULL), PW_JSON_NULL);
    PW_CHECK_INT (pw_json_size (NULL), 0);
    PW_CHECK (pw_json_string (NULL) == NULL);
    pw_json_destroy (NULL);
}

static void
s_test_json_errors (void)
{
    static const struct {
        const char *text;
        const char *error;
    } cases [] = {
        {"", "line 1, column 1: expected a value, found the end of the text"},
        {"[1,]", "line 1, column 4: trailing comma before ']'"},
        {"{\"a\":1,}", "line 1, column 8: trailing comma before '}'"},
        {"{\"a\" 1}", "line 1, column 6: expected ':' after the key, found '1'"},
        {"{a:1}", "line 1, column 2: expected a key string, found 'a'"},
        {"[01]", "line 1, column 2: bad number: no leading zeros"},
        {"[1.]", "line 1, column 2: bad number: a digit must follow '.'"},
        {"[-]", "line 1, column 2: bad number: a digit must follow '-'"},
        {"[1e]", "line 1, column 2: bad number: a digit must follow the exponent"},
        {"['x']", "line 1, column 2: expected a value, found '''"},
        {"[tru]", "line 1, column 2: expected a value, found 't'"},
        {"[\"a\nb\"]", "line 1, column 4: control character 0x0A inside a string (escape it)"},
        {"[\"\\x\"]", "line 1, column 3: unknown escape \\x"},
        {"[\"\\u12\"]", "line 1, column 3: \\u needs four hex digits"},
        {"[\"\\ud800\"]", "line 1, column 3: unpaired surrogate \\uD800"},
        {"[\"\\udc00\"]", "line 1, column 3: unpaired surrogate \\uDC00"},
        {"[\"\\u0000\"]", "line 1, column 3: \\u0000 is not allowed in a string"},
        {"[\"\xC3\x28\"]", "line 1, column 3: invalid UTF-8 inside a string"},
        {"[\"\xC0\xAF\"]", "line 1, column 3: invalid UTF-8 inside a string"},
        {"[\"abc", "line 1, column 2: unterminated string"},
        {"{\"k\": 1, \"k\": 2}", "line 1, column 10: duplicate key \"k\""},
        {"[1] [2]", "line 1, column 5: unexpected text after the value"},
        {"\n\n  [1 2]", "line 3, column 6: expected ',' or ']', found '2'"},
        {"[\x01]", "line 1, column 2: expected a value, found byte 0x01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_json_t *json = pw_json_new (cases [i].text, strlen (cases [i].text));
        const pw_json_value_t *value = pw_json_parse (json);
        if (value || strcmp (pw_json_error (json), cases [i].error) != 0)
            PW_FAIL_AT ("case %zu: got \"%s\", expected \"%s\"", i, pw_json_error (json),
                        cases [i].error);
        pw_json_destroy (&json);
    }
    //  Depth: 32 levels parse, 33 do not.
    char deep [80];
    for (int depth = 32; depth <= 33; depth++) {
        memset (deep, '[', (size_t)depth);
        memset (deep + depth, ']', (size_t)depth);
        pw_json_t *json = pw_json_new (deep, (size_t)depth * 2);
        const pw_json_value_t *value = pw_json_parse (json);
        if (depth == 32)
            PW_CHECK (value != NULL);
        else
            PW_CHECK_STR (pw_json_error (json), "line 1, column 33: nested deeper than 32 levels");
        pw_json_destroy (&json);
    }
    //  A big object's duplicate key is found too (the sorted check).
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "{");
    for (int i = 0; i < 5000; i++)
        pw_strbuf_appendf (&text, "\"k%d\": %d, ", i, i);
    pw_strbuf_append (&text, "\"k17\": 0}");
    pw_json_t *json = pw_json_new (text.data, text.len);
    PW_CHECK (pw_json_parse (json) == NULL);
    PW_CHECK (strstr (pw_json_error (json), "duplicate key \"k17\"") != NULL);
    PW_CHECK_INT (pw_json_error_line (json), 1);
    pw_json_destroy (&json);
    pw_strbuf_free (&text);
}

static void
s_test_json_stream (void)
{
    const char *text = "[ {\"a\": 1},\n  \"two\",\n  [3] ]  \n";
    pw_json_t *json = pw_json_new (text, strlen (text));
    PW_CHECK_INT (pw_json_array_begin (json), 0);
    const pw_json_value_t *item;
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK (pw_json_number (pw_json_get (item, "a")) == 1.0);
    PW_CHECK_INT (pw_json_item_bytes (json), 8);
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK_STR (pw_json_string (item), "two");
    PW_CHECK_INT (pw_json_line (item), 2);
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK_INT (pw_json_size (item), 1);
    PW_CHECK_INT (pw_json_array_next (json, &item), 0);
    PW_CHECK (item == NULL);
    pw_json_destroy (&json);

    text = "[1, 2] x";
    json = pw_json_new (text, strlen (text));
    PW_CHECK_INT (pw_json_array_begin (json), 0);
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK_INT (pw_json_array_next (json, &item), -1);
    PW_CHECK_STR (pw_json_error (json), "line 1, column 8: unexpected text after the array");
    PW_CHECK_INT (pw_json_error_column (json), 8);
    //  After an error, reading stays stopped.
    PW_CHECK_INT (pw_json_array_next (json, &item), -1);
    pw_json_destroy (&json);

    text = "[1, 2";
    json = pw_json_new (text, strlen (text));
    PW_CHECK_INT (pw_json_array_begin (json), 0);
    PW_CHECK_INT (pw_json_array_next (json, &item), 1);
    PW_CHECK_INT (pw_json_array_next (json, &item), -1);
    PW_CHECK_STR (pw_json_error (json), "line 1, column 6: expected ',' or ']', found the end of "
                                        "the text");
    pw_json_destroy (&json);
    PW_CHECK_INT (pw_json_array_begin (NULL), -1);
    PW_CHECK_INT (pw_json_array_next (NULL, &item), -1);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_parse_time);
    PW_RUN (s_test_names);
    PW_RUN (s_test_windows_catalogue);
    PW_RUN (s_test_debian_catalogue);
    PW_RUN (s_test_agents_csv);
    PW_RUN (s_test_agents_bad);
    PW_RUN (s_test_part);
    PW_RUN (s_test_agents_header);
    PW_RUN (s_test_agents_json);
    PW_RUN (s_test_patches_bad);
    PW_RUN (s_test_patches_generic);
    PW_RUN (s_test_scans);
    PW_RUN (s_test_scans_linear);
    PW_RUN (s_test_limits);
    PW_RUN (s_test_load);
    PW_RUN (s_test_json_values);
    PW_RUN (s_test_json_errors);
    PW_RUN (s_test_json_stream);
    return PW_TEST_END ();
}
