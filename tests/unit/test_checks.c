/*  test_checks - every finding code raised by a minimal input and cleared
    by fixing it, thresholds at their edges, bad input, and the finding
    lifecycle (open, keep, resolve, reopen = new) including a full-tenant
    diff of 50,000 agents. */
#include "pw_checks.h"
#include "pw_findings.h"
#include "pw_util.h"
#include "../pw_test.h"

#include <time.h>

#define DAY  PW_CHECKS_DAY_US
#define HOUR PW_CHECKS_HOUR_US
//  2024-05-20 00:00:00 UTC (a Monday)
#define NOW (1716163200LL * 1000000LL)

static const char *s_good_policies [] = {"Baseline", "Servers"};
static const char *s_servers_only [] = {"Servers"};

//  A subscribed, fully set-up agent that raises nothing
static pw_check_agent_t
s_good_agent (void)
{
    pw_check_agent_t a = {
        .hostname = "APP01",
        .org = "contoso",
        .subscribed = true,
        .patch_policies = s_good_policies,
        .patch_policy_count = 2,
        .has_scan_schedule = true,
        .update_window = "SAT-1",
        .update_window_exists = true,
        .last_scan_us = NOW - 2 * DAY,
        .window_start_us = NOW + 3 * DAY, //  2024-05-23 00:00 UTC
        .scan_end_us = NOW + 1 * DAY,
    };
    return a;
}

static pw_checks_config_t
s_config (void)
{
    pw_checks_config_t c;
    pw_checks_config_defaults (&c);
    c.baseline_policy = "Baseline";
    return c;
}

//  "CODE/severity/subject" of every finding, sorted, joined with " | "
static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *)a, *(char *const *)b);
}

static char *
s_render (const pw_findings_t *set)
{
    size_t n = pw_findings_size (set);
    char **items = pw_malloc ((n + 1) * sizeof *items);
    for (size_t i = 0; i < n; i++) {
        const pw_finding_t *f = pw_findings_get (set, i);
        items [i] = pw_sprintf ("%s/%s/%s", pw_finding_code_name (f->code),
                                pw_finding_sev_name (f->severity), f->subject);
    }
    qsort (items, n, sizeof *items, s_compare);
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    for (size_t i = 0; i < n; i++) {
        pw_strbuf_appendf (&buf, "%s%s", i ? " | " : "", items [i]);
        free (items [i]);
    }
    free (items);
    return pw_strbuf_take (&buf);
}

static const pw_check_patch_t s_crit_4d [] = {
    {"KB5031364", PW_PATCH_SEVERITY_CRITICAL, NOW - 4 * DAY}};
static const pw_check_patch_t s_crit_2d [] = {
    {"KB5031364", PW_PATCH_SEVERITY_CRITICAL, NOW - 2 * DAY}};
static const pw_check_patch_t s_crit_3d [] = {
    {"KB5031364", PW_PATCH_SEVERITY_CRITICAL, NOW - 3 * DAY}};
static const pw_check_patch_t s_mixed [] = {
    {"KB1", PW_PATCH_SEVERITY_CRITICAL, NOW - 1 * DAY},  //  in grace
    {"KB2", PW_PATCH_SEVERITY_IMPORTANT, NOW - 8 * DAY}, //  overdue
    {"KB3", PW_PATCH_SEVERITY_MODERATE, NOW - 15 * DAY}, //  overdue
    {"KB4", PW_PATCH_SEVERITY_LOW, NOW - 29 * DAY},      //  in grace
    {"KB5", PW_PATCH_SEVERITY_UNSPECIFIED, 0},           //  no window yet
};
static const pw_check_patch_t s_moderate_15d [] = {
    {"KB3", PW_PATCH_SEVERITY_MODERATE, NOW - 15 * DAY}};
static const pw_check_patch_t s_unspec_31d [] = {
    {"pkg/1.2", PW_PATCH_SEVERITY_UNSPECIFIED, NOW - 31 * DAY}};
static const pw_check_patch_t s_seven [] = {{"KB1", 4, NOW - 9 * DAY}, {"KB2", 4, NOW - 9 * DAY},
                                            {"KB3", 4, NOW - 9 * DAY}, {"KB4", 4, NOW - 9 * DAY},
                                            {"KB5", 4, NOW - 9 * DAY}, {"KB6", 4, NOW - 9 * DAY},
                                            {"KB7", 1, NOW - 40 * DAY}};
static const pw_check_patch_t s_failed [] = {{"KB10", 0, 0}, {"KB11", 0, 0}};
static const pw_check_violation_t s_violation [] = {
    {"SQL01", "SQL01 ends 23:40, APP01 starts 23:00"}};
static const pw_check_override_t s_override [] = {{"update_window", "Servers-Default", "APP-Late"},
                                                  {"reboot", "Baseline-Settings", "No-Reboot"}};

typedef enum {
    M_NONE,
    M_NO_POLICIES,
    M_SERVERS_ONLY,
    M_NO_BASELINE_DEFINED,
    M_NO_SCAN_SCHEDULE,
    M_NO_WINDOW,
    M_NO_WINDOW_MANUAL,
    M_UNSCHEDULED,
    M_UNSCHEDULED_MANUAL,
    M_UNSUB_SCHEDULED,
    M_UNSUB_SCAN_ONLY,
    M_UNSUB_CLEAN,
    M_UNKNOWN_WINDOW,
    M_UNKNOWN_WINDOW_UNSUB,
    M_STALE_8D,
    M_STALE_7D,
    M_NEVER_SCANNED,
    M_GAP_12H,
    M_GAP_24H,
    M_GAP_AFTER,
    M_GAP_NO_SCAN,
    M_GAP_OLD,
    M_GAP_NO_WINDOW,
    M_VIOLATION,
    M_CRIT_4D,
    M_CRIT_2D,
    M_CRIT_3D,
    M_MIXED,
    M_MODERATE,
    M_UNSPEC,
    M_SEVEN,
    M_FAILED,
    M_REBOOT,
    M_REBOOT_TWO,
    M_OVERRIDE,
    M_OVERRIDE_UNSUB
} s_mutation_t;

static const struct {
    const char *name;
    s_mutation_t mutation;
    const char *expected; //  s_render of the findings
    const char *detail;   //  a substring of the first finding's detail, or NULL
} s_agent_cases [] = {
    {"all good", M_NONE, "", NULL},
    {"no policy", M_NO_POLICIES, "NO_BASELINE/medium/APP01 | NO_PATCH_POLICY/high/APP01",
     "in no patch policy"},
    {"servers only", M_SERVERS_ONLY, "NO_BASELINE/medium/APP01",
     "not a member of the baseline policy \"Baseline\""},
    {"tenant has no baseline", M_NO_BASELINE_DEFINED, "", NULL},
    {"no scan schedule", M_NO_SCAN_SCHEDULE, "NO_SCAN_SCHEDULE/high/APP01", "no scan schedule"},
    {"no update window", M_NO_WINDOW, "NO_UPDATE_SCHEDULE/high/APP01",
     "no update window and no manual_patching exception"},
    {"manual patching exception", M_NO_WINDOW_MANUAL, "", NULL},
    {"plan left it out", M_UNSCHEDULED, "NO_UPDATE_SCHEDULE/high/APP01",
     "update window \"SAT-1\" is set but the plan has no slot: every instance is in a blackout"},
    {"plan left it out, manual", M_UNSCHEDULED_MANUAL, "", NULL},
    {"unsubscribed with schedules", M_UNSUB_SCHEDULED, "UNSUBSCRIBED_SCHEDULED/medium/APP01",
     "not subscribed to patching but still has a scan schedule and update window \"SAT-1\""},
    {"unsubscribed with a scan", M_UNSUB_SCAN_ONLY, "UNSUBSCRIBED_SCHEDULED/medium/APP01",
     "still has a scan schedule"},
    {"unsubscribed, nothing set", M_UNSUB_CLEAN, "", NULL},
    {"unknown window", M_UNKNOWN_WINDOW, "UNKNOWN_WINDOW/high/APP01",
     "update_window names \"SAT-9\", which is no window or window group"},
    {"unknown window, unsubscribed", M_UNKNOWN_WINDOW_UNSUB,
     "UNKNOWN_WINDOW/high/APP01 | UNSUBSCRIBED_SCHEDULED/medium/APP01", NULL},
    {"scan 8 days old", M_STALE_8D, "STALE_SCAN/medium/APP01",
     "last scan 8 days ago (limit 7 days)"},
    {"scan exactly 7 days old", M_STALE_7D, "", NULL},
    {"never scanned", M_NEVER_SCANNED, "STALE_SCAN/medium/APP01", "never scanned"},
    {"scan 12 h before window", M_GAP_12H, "SCAN_GAP/medium/APP01",
     "the scan ends 12 h before the update window (needs 24 h) at 2024-05-23 00:00 UTC"},
    {"scan exactly 24 h before", M_GAP_24H, "", NULL},
    {"scan after window", M_GAP_AFTER, "SCAN_GAP/medium/APP01",
     "the scan ends after the update window starts at 2024-05-23 00:00 UTC"},
    {"no scan before window", M_GAP_NO_SCAN, "SCAN_GAP/medium/APP01",
     "no scan is planned before the update window at 2024-05-23 00:00 UTC"},
    {"scan too old at window", M_GAP_OLD, "SCAN_GAP/medium/APP01",
     "the scan is 8 days old when the update window starts (limit 7 days)"},
    {"no window instance planned", M_GAP_NO_WINDOW, "", NULL},
    {"dependency order", M_VIOLATION, "DEPENDENCY_ORDER/high/APP01 -> SQL01",
     "APP01 depends on SQL01, which is not planned to finish before APP01 starts: SQL01 ends"},
    {"critical 4 days past window", M_CRIT_4D, "APPROVED_NOT_INSTALLED/critical/APP01",
     "1 approved patch missing past window + grace: KB5031364 (Critical, window ended 4 days ago)"},
    {"critical 2 days past window", M_CRIT_2D, "", NULL},
    {"critical exactly 3 days", M_CRIT_3D, "", NULL},
    {"mixed: worst overdue is Important", M_MIXED, "APPROVED_NOT_INSTALLED/high/APP01",
     "2 approved patches missing past window + grace: KB2 (Important, window ended 8 days ago), "
     "KB3 (Moderate, window ended 15 days ago)"},
    {"moderate overdue", M_MODERATE, "APPROVED_NOT_INSTALLED/medium/APP01", NULL},
    {"unspecified overdue", M_UNSPEC, "APPROVED_NOT_INSTALLED/low/APP01", "pkg/1.2 (Unspecified"},
    {"seven overdue", M_SEVEN, "APPROVED_NOT_INSTALLED/critical/APP01",
     "7 approved patches missing past window + grace: KB1 (Critical, window ended 9 days ago), "
     "KB2 (Critical, window ended 9 days ago), KB3 (Critical, window ended 9 days ago), KB4 "
     "(Critical, window ended 9 days ago), KB5 (Critical, window ended 9 days ago) and 2 more"},
    {"install failed", M_FAILED, "INSTALL_FAILED/high/APP01", "2 installs failed: KB10, KB11"},
    {"pending reboot", M_REBOOT, "PENDING_REBOOT/low/APP01",
     "1 installed patch waits for a reboot: KB10"},
    {"two pending reboot", M_REBOOT_TWO, "PENDING_REBOOT/low/APP01",
     "2 installed patches wait for a reboot: KB10, KB11"},
    {"policy overridden", M_OVERRIDE, "POLICY_OVERRIDDEN/info/APP01",
     "update_window of system policy \"Servers-Default\" lost to \"APP-Late\"; reboot of system "
     "policy \"Baseline-Settings\" lost to \"No-Reboot\""},
    {"overridden, unsubscribed", M_OVERRIDE_UNSUB,
     "POLICY_OVERRIDDEN/info/APP01 | UNSUBSCRIBED_SCHEDULED/medium/APP01", NULL},
};

static void
s_mutate (s_mutation_t m, pw_check_agent_t *a, pw_checks_config_t *c)
{
    switch (m) {
        case M_NONE: break;
        case M_NO_POLICIES:
            a->patch_policy_count = 0;
            a->patch_policies = NULL;
            break;
        case M_SERVERS_ONLY:
            a->patch_policies = s_servers_only;
            a->patch_policy_count = 1;
            break;
        case M_NO_BASELINE_DEFINED:
            a->patch_policies = s_servers_only;
            a->patch_policy_count = 1;
            c->baseline_policy = NULL;
            break;
        case M_NO_SCAN_SCHEDULE: a->has_scan_schedule = false; break;
        case M_NO_WINDOW:
            a->update_window = NULL;
            a->update_window_exists = false;
            break;
        case M_NO_WINDOW_MANUAL:
            a->update_window = NULL;
            a->update_window_exists = false;
            a->window_start_us = 0;
            a->manual_patching = "LOB app needs a vendor engineer on site";
            break;
        case M_UNSCHEDULED:
            a->unscheduled_reason = "every instance is in a blackout";
            a->window_start_us = 0;
            break;
        case M_UNSCHEDULED_MANUAL:
            a->unscheduled_reason = "every instance is in a blackout";
            a->window_start_us = 0;
            a->manual_patching = "vendor";
            break;
        case M_UNSUB_SCHEDULED:
            a->subscribed = false;
            a->patch_policy_count = 0; //  nothing else is checked on it
            a->last_scan_us = 0;
            break;
        case M_UNSUB_SCAN_ONLY:
            a->subscribed = false;
            a->update_window = NULL;
            break;
        case M_UNSUB_CLEAN:
            a->subscribed = false;
            a->has_scan_schedule = false;
            a->update_window = NULL;
            a->failed = s_failed;
            a->failed_count = 2;
            break;
        case M_UNKNOWN_WINDOW:
            a->update_window = "SAT-9";
            a->update_window_exists = false;
            break;
        case M_UNKNOWN_WINDOW_UNSUB:
            a->update_window = "SAT-9";
            a->update_window_exists = false;
            a->subscribed = false;
            break;
        case M_STALE_8D: a->last_scan_us = NOW - 8 * DAY; break;
        case M_STALE_7D: a->last_scan_us = NOW - 7 * DAY; break;
        case M_NEVER_SCANNED: a->last_scan_us = 0; break;
        case M_GAP_12H: a->scan_end_us = a->window_start_us - 12 * HOUR; break;
        case M_GAP_24H: a->scan_end_us = a->window_start_us - 24 * HOUR; break;
        case M_GAP_AFTER: a->scan_end_us = a->window_start_us + HOUR; break;
        case M_GAP_NO_SCAN: a->scan_end_us = 0; break;
        case M_GAP_OLD: a->scan_end_us = a->window_start_us - 8 * DAY; break;
        case M_GAP_NO_WINDOW:
            a->window_start_us = 0;
            a->scan_end_us = 0;
            break;
        case M_VIOLATION:
            a->violations = s_violation;
            a->violation_count = 1;
            break;
        case M_CRIT_4D:
            a->missing = s_crit_4d;
            a->missing_count = 1;
            break;
        case M_CRIT_2D:
            a->missing = s_crit_2d;
            a->missing_count = 1;
            break;
        case M_CRIT_3D:
            a->missing = s_crit_3d;
            a->missing_count = 1;
            break;
        case M_MIXED:
            a->missing = s_mixed;
            a->missing_count = 5;
            break;
        case M_MODERATE:
            a->missing = s_moderate_15d;
            a->missing_count = 1;
            break;
        case M_UNSPEC:
            a->missing = s_unspec_31d;
            a->missing_count = 1;
            break;
        case M_SEVEN:
            a->missing = s_seven;
            a->missing_count = 7;
            break;
        case M_FAILED:
            a->failed = s_failed;
            a->failed_count = 2;
            break;
        case M_REBOOT:
            a->pending_reboot = s_failed;
            a->pending_reboot_count = 1;
            break;
        case M_REBOOT_TWO:
            a->pending_reboot = s_failed;
            a->pending_reboot_count = 2;
            break;
        case M_OVERRIDE:
            a->overrides = s_override;
            a->override_count = 2;
            break;
        case M_OVERRIDE_UNSUB:
            a->overrides = s_override;
            a->override_count = 2;
            a->subscribed = false;
            a->update_window = NULL;
            break;
    }
}

static void
s_test_agent_codes (void)
{
    for (size_t i = 0; i < sizeof s_agent_cases / sizeof s_agent_cases [0]; i++) {
        pw_check_agent_t agent = s_good_agent ();
        pw_checks_config_t config = s_config ();
        s_mutate (s_agent_cases [i].mutation, &agent, &config);
        pw_findings_t *set = pw_findings_new ();
        int added = pw_checks_agent (&config, &agent, NOW, set);
        char *got = s_render (set);
        if (strcmp (got, s_agent_cases [i].expected) != 0 || added != (int)pw_findings_size (set))
            PW_FAIL_AT ("%s: got \"%s\" (%d), expected \"%s\"", s_agent_cases [i].name, got, added,
                        s_agent_cases [i].expected);
        const pw_finding_t *first = pw_findings_get (set, 0);
        if (s_agent_cases [i].detail &&
            (!first || !strstr (first->detail, s_agent_cases [i].detail)))
            PW_FAIL_AT ("%s: detail \"%s\" lacks \"%s\"", s_agent_cases [i].name,
                        first ? first->detail : "(none)", s_agent_cases [i].detail);
        for (size_t f = 0; f < pw_findings_size (set); f++) {
            PW_CHECK_INT (pw_findings_get (set, f)->scope, PW_SCOPE_AGENT);
            PW_CHECK_STR (pw_findings_get (set, f)->owner, "APP01");
        }
        free (got);

        //  Fixing it (back to the good agent) clears every finding: the
        //  diff resolves exactly what was raised
        pw_findings_t *fixed = pw_findings_new ();
        pw_check_agent_t good = s_good_agent ();
        pw_checks_config_t good_config = s_config ();
        PW_CHECK_INT (pw_checks_agent (&good_config, &good, NOW + HOUR, fixed), 0);
        pw_findings_diff_t *diff =
            pw_findings_diff (set, fixed, PW_SCOPE_AGENT, "APP01", NOW + HOUR);
        PW_CHECK_INT (pw_findings_diff_resolved_size (diff), pw_findings_size (set));
        PW_CHECK_INT (pw_findings_diff_opened_size (diff), 0);
        pw_findings_diff_destroy (&diff);
        pw_findings_destroy (&fixed);
        pw_findings_destroy (&set);
    }
}

static void
s_test_agent_bad_input (void)
{
    pw_checks_config_t config = s_config ();
    pw_findings_t *set = pw_findings_new ();
    pw_check_agent_t a = s_good_agent ();
    a.hostname = NULL;
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), -1);
    a.hostname = "";
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), -1);
    a = s_good_agent ();
    a.missing_count = 3; //  count without an array
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), -1);
    a = s_good_agent ();
    a.patch_policies = NULL;
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), -1);
    PW_CHECK_INT (pw_checks_agent (NULL, &a, NOW, set), -1);
    PW_CHECK_INT (pw_checks_agent (&config, NULL, NOW, set), -1);
    a = s_good_agent ();
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, NULL), -1);
    PW_CHECK_INT (pw_findings_size (set), 0);
    //  A violation without a dependency name is skipped, not a crash
    pw_check_violation_t bad [] = {{NULL, "x"}, {"", NULL}};
    a.violations = bad;
    a.violation_count = 2;
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), 0);
    //  Out-of-range patch severity is treated as unspecified (30 days)
    pw_check_patch_t odd [] = {{"KB9", (pw_patch_severity_t)99, NOW - 31 * DAY}};
    a = s_good_agent ();
    a.missing = odd;
    a.missing_count = 1;
    PW_CHECK_INT (pw_checks_agent (&config, &a, NOW, set), 1);
    PW_CHECK_INT (pw_findings_get (set, 0)->severity, PW_FINDING_SEV_LOW);
    pw_findings_destroy (&set);
}

static void
s_test_policy_backlog (void)
{
    pw_checks_config_t config = s_config ();
    struct {
        const char *name;
        size_t waiting;
        int64_t since;
        int expected;
        const char *detail;
    } cases [] = {
        {"15 days", 12, NOW - 15 * DAY, 1,
         "12 patches wait for review, the oldest for 15 days (limit 14 days)"},
        {"exactly 14 days", 12, NOW - 14 * DAY, 0, NULL},
        {"one patch 20 days", 1, NOW - 20 * DAY, 1,
         "1 patch waits for review, the oldest for 20 days"},
        {"nothing waiting", 0, NOW - 30 * DAY, 0, NULL},
        {"no age known", 4, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_findings_t *set = pw_findings_new ();
        pw_check_policy_t policy = {"DotNET-Block", cases [i].waiting, cases [i].since};
        int rc = pw_checks_policy (&config, &policy, NOW, set);
        if (rc != cases [i].expected)
            PW_FAIL_AT ("%s: rc %d", cases [i].name, rc);
        const pw_finding_t *f = pw_findings_find (set, PW_CODE_REVIEW_BACKLOG, "DotNET-Block");
        if (cases [i].detail) {
            PW_CHECK (f && strstr (f->detail, cases [i].detail));
            PW_CHECK (f && f->scope == PW_SCOPE_POLICY && f->severity == PW_FINDING_SEV_MEDIUM);
        }
        pw_findings_destroy (&set);
    }
    pw_findings_t *set = pw_findings_new ();
    pw_check_policy_t nameless = {NULL, 3, NOW - 30 * DAY};
    PW_CHECK_INT (pw_checks_policy (&config, &nameless, NOW, set), -1);
    //  Review age can be configured
    config.review_max_age_us = 30 * DAY;
    pw_check_policy_t policy = {"Servers", 3, NOW - 20 * DAY};
    PW_CHECK_INT (pw_checks_policy (&config, &policy, NOW, set), 0);
    pw_findings_destroy (&set);
}

static void
s_test_plan_codes (void)
{
    pw_checks_config_t config = s_config ();
    const char *cycle1 [] = {"SQL02", "APP02", "WEB02"};
    const char *cycle2 [] = {"B", NULL, "A"};
    pw_check_cycle_t cycles [] = {{cycle1, 3}, {cycle2, 3}, {NULL, 2}};
    //  SAT-1 twice (two time zones): over capacity in both, worst 12/10.
    //  SAT-2 overruns. SAT-3 exactly full and exactly on time: nothing.
    pw_check_window_t windows [] = {
        {"SAT-1", NOW + 5 * DAY, 11, 10, 100, 120},
        {"SAT-2", NOW + 5 * DAY + HOUR, 4, 10, 190, 120},
        {"SAT-1", NOW + 5 * DAY + 2 * HOUR, 12, 10, 100, 120},
        {"SAT-3", NOW + 5 * DAY, 10, 10, 120, 120},
        {"SAT-4", NOW + 5 * DAY, 500, 0, 60, 120}, //  capacity 0: no limit
        {NULL, NOW, 99, 1, 999, 1},
    };
    pw_check_chain_t chains [] = {{"SAT-NIGHT", 8, 6, 5}, {"WED-NOON", 2, 2, 0}, {"SUN", 3, 1, 1}};
    pw_check_plan_t plan = {cycles, 3, windows, 6, chains, 3};
    pw_findings_t *set = pw_findings_new ();
    int added = pw_checks_plan (&config, &plan, set);
    char *got = s_render (set);
    PW_CHECK_STR (got, "CHAIN_TOO_DEEP/medium/SAT-NIGHT | CHAIN_TOO_DEEP/medium/SUN | "
                       "DEPENDENCY_CYCLE/high/A, B | DEPENDENCY_CYCLE/high/APP02, SQL02, WEB02 | "
                       "WINDOW_OVERRUN/medium/SAT-2 | WINDOW_OVER_CAPACITY/medium/SAT-1");
    PW_CHECK_INT (added, 6);
    free (got);
    const pw_finding_t *f = pw_findings_find (set, PW_CODE_WINDOW_OVER_CAPACITY, "SAT-1");
    PW_CHECK (f && strcmp (f->detail, "12 agents in the instance at 2024-05-25 02:00 UTC, capacity "
                                      "10 (2 instances over capacity)") == 0);
    PW_CHECK (f && f->scope == PW_SCOPE_PLAN && strcmp (f->owner, "") == 0);
    f = pw_findings_find (set, PW_CODE_WINDOW_OVERRUN, "SAT-2");
    PW_CHECK (f && strcmp (f->detail, "190 min expected in the instance at 2024-05-25 01:00 UTC, "
                                      "the window lasts 120 min") == 0);
    f = pw_findings_find (set, PW_CODE_CHAIN_TOO_DEEP, "SAT-NIGHT");
    PW_CHECK (f && strcmp (f->detail, "dependency chains need 8 windows, the group has 6; 5 agents "
                                      "sequenced in waves in the last window") == 0);
    f = pw_findings_find (set, PW_CODE_DEPENDENCY_CYCLE, "APP02, SQL02, WEB02");
    PW_CHECK (f && strstr (f->detail, "cycle among 3 agents"));

    //  The fixed plan: nothing
    pw_findings_t *fixed = pw_findings_new ();
    pw_check_plan_t empty = {NULL, 0, windows + 3, 2, chains + 1, 1};
    PW_CHECK_INT (pw_checks_plan (&config, &empty, fixed), 0);
    pw_check_plan_t bad = {NULL, 2, NULL, 0, NULL, 0};
    PW_CHECK_INT (pw_checks_plan (&config, &bad, fixed), -1);
    PW_CHECK_INT (pw_checks_plan (&config, NULL, fixed), -1);
    PW_CHECK_INT (pw_findings_size (fixed), 0);
    pw_findings_destroy (&fixed);
    pw_findings_destroy (&set);
}

static void
s_test_vocabulary (void)
{
    const char *names [PW_CODE_COUNT] = {"NO_PATCH_POLICY",
                                         "NO_BASELINE",
                                         "NO_SCAN_SCHEDULE",
                                         "NO_UPDATE_SCHEDULE",
                                         "UNSUBSCRIBED_SCHEDULED",
                                         "UNKNOWN_WINDOW",
                                         "STALE_SCAN",
                                         "SCAN_GAP",
                                         "DEPENDENCY_CYCLE",
                                         "DEPENDENCY_ORDER",
                                         "CHAIN_TOO_DEEP",
                                         "WINDOW_OVER_CAPACITY",
                                         "WINDOW_OVERRUN",
                                         "REVIEW_BACKLOG",
                                         "APPROVED_NOT_INSTALLED",
                                         "INSTALL_FAILED",
                                         "PENDING_REBOOT",
                                         "POLICY_OVERRIDDEN"};
    for (int i = 0; i < PW_CODE_COUNT; i++) {
        pw_finding_code_t code;
        PW_CHECK_STR (pw_finding_code_name ((pw_finding_code_t)i), names [i]);
        PW_CHECK_INT (pw_finding_code_parse (names [i], &code), 0);
        PW_CHECK_INT (code, i);
    }
    pw_finding_code_t code;
    PW_CHECK_INT (pw_finding_code_parse ("no_patch_policy", &code), -1);
    PW_CHECK_INT (pw_finding_code_parse (NULL, &code), -1);
    PW_CHECK_STR (pw_finding_code_name (PW_CODE_COUNT), "UNKNOWN");
    PW_CHECK_INT (pw_finding_code_severity (PW_CODE_POLICY_OVERRIDDEN), PW_FINDING_SEV_INFO);
    PW_CHECK_INT (pw_finding_code_severity (PW_CODE_NO_UPDATE_SCHEDULE), PW_FINDING_SEV_HIGH);
    PW_CHECK_INT (pw_finding_code_scope (PW_CODE_REVIEW_BACKLOG), PW_SCOPE_POLICY);
    PW_CHECK_INT (pw_finding_code_scope (PW_CODE_WINDOW_OVERRUN), PW_SCOPE_PLAN);
    PW_CHECK_INT (pw_finding_code_scope (PW_CODE_DEPENDENCY_ORDER), PW_SCOPE_AGENT);
    pw_finding_sev_t sev;
    PW_CHECK_INT (pw_finding_sev_parse ("Critical", &sev), 0);
    PW_CHECK_INT (sev, PW_FINDING_SEV_CRITICAL);
    PW_CHECK_INT (pw_finding_sev_parse ("severe", &sev), -1);
    PW_CHECK_STR (pw_finding_sev_name (PW_FINDING_SEV_MEDIUM), "medium");
    PW_CHECK_STR (pw_finding_scope_name (PW_SCOPE_PLAN), "plan");
    pw_patch_severity_t ps;
    PW_CHECK_INT (pw_patch_severity_parse ("important", &ps), 0);
    PW_CHECK_INT (ps, PW_PATCH_SEVERITY_IMPORTANT);
    PW_CHECK_INT (pw_patch_severity_parse (NULL, &ps), 0);
    PW_CHECK_INT (ps, PW_PATCH_SEVERITY_UNSPECIFIED);
    PW_CHECK_INT (pw_patch_severity_parse ("urgent", &ps), -1);
    pw_checks_config_t c;
    pw_checks_config_defaults (&c);
    PW_CHECK_INT (c.scan_max_age_us, 604800000000LL);
    PW_CHECK_INT (c.scan_gap_us, 86400000000LL);
    PW_CHECK_INT (c.review_max_age_us, 1209600000000LL);
    PW_CHECK_INT (c.install_grace_us [PW_PATCH_SEVERITY_CRITICAL], 259200000000LL);
    PW_CHECK_INT (c.install_grace_us [PW_PATCH_SEVERITY_IMPORTANT], 604800000000LL);
    PW_CHECK_INT (c.install_grace_us [PW_PATCH_SEVERITY_MODERATE], 1209600000000LL);
    PW_CHECK_INT (c.install_grace_us [PW_PATCH_SEVERITY_LOW], 2592000000000LL);
    PW_CHECK_INT (c.install_grace_us [PW_PATCH_SEVERITY_UNSPECIFIED], 2592000000000LL);
    PW_CHECK (c.baseline_policy == NULL);
}

//  --------------------------------------------------------------------------
//  Lifecycle

static void
s_add (pw_findings_t *set, pw_finding_code_t code, const char *owner, const char *subject,
       const char *detail)
{
    PW_CHECK_INT (
        pw_findings_addf (set, code, pw_finding_code_severity (code), owner, subject, "%s", detail),
        0);
}

static void
s_test_lifecycle (void)
{
    int64_t t1 = NOW, t2 = NOW + HOUR, t3 = NOW + 2 * HOUR, t4 = NOW + 3 * HOUR;
    //  Audit 1: two findings open
    pw_findings_t *open = pw_findings_new ();
    pw_findings_t *fresh = pw_findings_new ();
    s_add (fresh, PW_CODE_STALE_SCAN, "APP01", "APP01", "last scan 8 days ago");
    s_add (fresh, PW_CODE_INSTALL_FAILED, "APP01", "APP01", "1 install failed: KB1");
    pw_findings_diff_t *diff = pw_findings_diff (open, fresh, PW_SCOPE_AGENT, "APP01", t1);
    PW_CHECK_INT (pw_findings_diff_opened_size (diff), 2);
    PW_CHECK_INT (pw_findings_diff_kept_size (diff), 0);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 0);
    PW_CHECK_INT (pw_findings_diff_opened (diff, 0)->first_seen_us, t1);
    PW_CHECK_INT (pw_findings_diff_opened (diff, 0)->last_seen_us, t1);
    PW_CHECK (pw_findings_diff_opened (diff, 2) == NULL);
    pw_findings_diff_destroy (&diff);
    PW_CHECK (diff == NULL);
    //  The store gives them ids; they are now the open set
    pw_findings_destroy (&open);
    open = fresh;
    ((pw_finding_t *)pw_findings_get (open, 0))->id = 101;
    ((pw_finding_t *)pw_findings_get (open, 1))->id = 102;

    //  Audit 2: the scan is still stale (new detail), the install now works
    fresh = pw_findings_new ();
    s_add (fresh, PW_CODE_STALE_SCAN, "APP01", "APP01", "last scan 9 days ago");
    diff = pw_findings_diff (open, fresh, PW_SCOPE_AGENT, "APP01", t2);
    PW_CHECK_INT (pw_findings_diff_opened_size (diff), 0);
    PW_CHECK_INT (pw_findings_diff_kept_size (diff), 1);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 1);
    const pw_finding_t *kept = pw_findings_diff_kept (diff, 0);
    PW_CHECK_INT (kept->id, 101);
    PW_CHECK_INT (kept->first_seen_us, t1);
    PW_CHECK_INT (kept->last_seen_us, t2);
    PW_CHECK_STR (kept->detail, "last scan 9 days ago");
    const pw_finding_t *resolved = pw_findings_diff_resolved (diff, 0);
    PW_CHECK_INT (resolved->id, 102);
    PW_CHECK_INT (resolved->code, PW_CODE_INSTALL_FAILED);
    PW_CHECK_INT (resolved->resolved_us, t2);
    PW_CHECK_INT (resolved->first_seen_us, t1);
    pw_findings_diff_destroy (&diff);

    //  Audit 3 repeats audit 2 against the same (stale) open set: the
    //  resolved finding is not resolved twice
    pw_findings_t *again = pw_findings_new ();
    s_add (again, PW_CODE_STALE_SCAN, "APP01", "APP01", "last scan 9 days ago");
    diff = pw_findings_diff (open, again, PW_SCOPE_AGENT, "APP01", t3);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 0);
    PW_CHECK_INT (pw_findings_diff_kept_size (diff), 1);
    pw_findings_diff_destroy (&diff);
    pw_findings_destroy (&again);
    pw_findings_destroy (&open);
    open = fresh;

    //  Audit 4: the install fails again: a new finding, not the old one
    fresh = pw_findings_new ();
    s_add (fresh, PW_CODE_STALE_SCAN, "APP01", "APP01", "last scan 9 days ago");
    s_add (fresh, PW_CODE_INSTALL_FAILED, "APP01", "APP01", "1 install failed: KB1");
    diff = pw_findings_diff (open, fresh, PW_SCOPE_AGENT, "APP01", t4);
    PW_CHECK_INT (pw_findings_diff_opened_size (diff), 1);
    PW_CHECK_INT (pw_findings_diff_kept_size (diff), 1);
    const pw_finding_t *reopened = pw_findings_diff_opened (diff, 0);
    PW_CHECK_INT (reopened->code, PW_CODE_INSTALL_FAILED);
    PW_CHECK_INT (reopened->id, 0);
    PW_CHECK_INT (reopened->first_seen_us, t4);
    PW_CHECK_INT (pw_findings_diff_kept (diff, 0)->first_seen_us, t1);
    pw_findings_diff_destroy (&diff);
    pw_findings_destroy (&open);
    pw_findings_destroy (&fresh);
}

static void
s_test_lifecycle_scope (void)
{
    pw_findings_t *open = pw_findings_new ();
    s_add (open, PW_CODE_STALE_SCAN, "APP01", "APP01", "");
    s_add (open, PW_CODE_DEPENDENCY_ORDER, "APP01", "APP01 -> SQL01", "");
    s_add (open, PW_CODE_STALE_SCAN, "SQL01", "SQL01", "");
    s_add (open, PW_CODE_REVIEW_BACKLOG, "Servers", "Servers", "");
    s_add (open, PW_CODE_WINDOW_OVERRUN, "", "SAT-2", "");
    s_add (open, PW_CODE_STALE_SCAN, "APP01", "APP01", ""); //  a duplicate row
    pw_finding_t closed = *pw_findings_get (open, 2);
    closed.subject = "OLD01";
    closed.owner = "OLD01";
    closed.resolved_us = NOW - DAY; //  already resolved
    PW_CHECK_INT (pw_findings_add (open, &closed), 0);

    //  Re-evaluating APP01 with nothing wrong resolves APP01's only
    pw_findings_t *fresh = pw_findings_new ();
    pw_findings_diff_t *diff = pw_findings_diff (open, fresh, PW_SCOPE_AGENT, "APP01", NOW);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 3);
    for (size_t i = 0; i < pw_findings_diff_resolved_size (diff); i++)
        PW_CHECK_STR (pw_findings_diff_resolved (diff, i)->owner, "APP01");
    pw_findings_diff_destroy (&diff);
    pw_findings_destroy (&open);

    //  A policy scope touches only that policy's findings; plan only plan
    open = pw_findings_new ();
    s_add (open, PW_CODE_STALE_SCAN, "APP01", "APP01", "");
    s_add (open, PW_CODE_REVIEW_BACKLOG, "Servers", "Servers", "");
    s_add (open, PW_CODE_REVIEW_BACKLOG, "Baseline", "Baseline", "");
    s_add (open, PW_CODE_WINDOW_OVERRUN, "", "SAT-2", "");
    diff = pw_findings_diff (open, fresh, PW_SCOPE_POLICY, "Servers", NOW);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 1);
    PW_CHECK_STR (pw_findings_diff_resolved (diff, 0)->subject, "Servers");
    pw_findings_diff_destroy (&diff);
    diff = pw_findings_diff (open, fresh, PW_SCOPE_PLAN, NULL, NOW);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 1);
    PW_CHECK_STR (pw_findings_diff_resolved (diff, 0)->subject, "SAT-2");
    pw_findings_diff_destroy (&diff);
    //  The whole tenant: everything still open that is not fresh
    diff = pw_findings_diff (open, fresh, PW_SCOPE_TENANT, NULL, NOW);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), 2); //  APP01 and Baseline are left
    pw_findings_diff_destroy (&diff);

    //  A key repeated in the fresh set opens once
    s_add (fresh, PW_CODE_INSTALL_FAILED, "SQL01", "SQL01", "first");
    s_add (fresh, PW_CODE_INSTALL_FAILED, "SQL01", "SQL01", "second");
    pw_findings_t *none = pw_findings_new ();
    diff = pw_findings_diff (none, fresh, PW_SCOPE_TENANT, NULL, NOW);
    PW_CHECK_INT (pw_findings_diff_opened_size (diff), 1);
    PW_CHECK_STR (pw_findings_diff_opened (diff, 0)->detail, "first");
    pw_findings_diff_destroy (&diff);
    PW_CHECK (pw_findings_diff (NULL, fresh, PW_SCOPE_TENANT, NULL, NOW) == NULL);
    pw_findings_diff_destroy (&diff);
    pw_findings_diff_destroy (NULL);

    //  Bad findings are refused
    pw_finding_t bad = {.code = PW_CODE_COUNT, .subject = "x"};
    PW_CHECK_INT (pw_findings_add (none, &bad), -1);
    bad.code = PW_CODE_STALE_SCAN;
    bad.subject = "";
    PW_CHECK_INT (pw_findings_add (none, &bad), -1);
    bad.subject = "x";
    bad.severity = (pw_finding_sev_t)9;
    PW_CHECK_INT (pw_findings_add (none, &bad), -1);
    PW_CHECK_INT (pw_findings_add (none, NULL), -1);
    PW_CHECK_INT (pw_findings_addf (none, PW_CODE_COUNT, 0, "a", "a", "x"), -1);
    PW_CHECK_INT (pw_findings_size (none), 0);
    PW_CHECK (pw_findings_get (none, 0) == NULL);
    pw_findings_destroy (&none);
    pw_findings_destroy (&open);
    pw_findings_destroy (&fresh);
    pw_findings_destroy (&none);
}

static double
s_ms_since (const struct timespec *start)
{
    struct timespec end;
    clock_gettime (CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) * 1e3 +
           (double)(end.tv_nsec - start->tv_nsec) / 1e6;
}

//  A full audit of 50,000 agents with three findings each: every tenth
//  agent's install failure is fixed, every twentieth gets a new one.
static void
s_test_lifecycle_50k (void)
{
    enum { AGENTS = 50000 };
    pw_findings_t *open = pw_findings_new ();
    pw_findings_t *fresh = pw_findings_new ();
    char host [32];
    size_t expect_opened = 0, expect_resolved = 0, expect_kept = 0;
    for (int i = 0; i < AGENTS; i++) {
        snprintf (host, sizeof host, "HOST%05d", i);
        s_add (open, PW_CODE_STALE_SCAN, host, host, "last scan 8 days ago");
        s_add (open, PW_CODE_POLICY_OVERRIDDEN, host, host, "reboot lost");
        s_add (open, PW_CODE_INSTALL_FAILED, host, host, "1 install failed: KB1");
        s_add (fresh, PW_CODE_STALE_SCAN, host, host, "last scan 9 days ago");
        s_add (fresh, PW_CODE_POLICY_OVERRIDDEN, host, host, "reboot lost");
        expect_kept += 2;
        if (i % 10)
            s_add (fresh, PW_CODE_INSTALL_FAILED, host, host, "1 install failed: KB1"),
                expect_kept++;
        else
            expect_resolved++;
        if (i % 20 == 0)
            s_add (fresh, PW_CODE_PENDING_REBOOT, host, host, "1 patch waits"), expect_opened++;
    }
    struct timespec start;
    clock_gettime (CLOCK_MONOTONIC, &start);
    pw_findings_diff_t *diff = pw_findings_diff (open, fresh, PW_SCOPE_TENANT, NULL, NOW);
    double ms = s_ms_since (&start);
    PW_CHECK_INT (pw_findings_diff_opened_size (diff), expect_opened);
    PW_CHECK_INT (pw_findings_diff_kept_size (diff), expect_kept);
    PW_CHECK_INT (pw_findings_diff_resolved_size (diff), expect_resolved);
    PW_CHECK_INT (expect_opened, 2500);
    PW_CHECK_INT (expect_resolved, 5000);
    //  Speed is measured by `make bench`, not asserted here: a loaded
    //  machine must not fail a correct diff.
    if (s_pw_verbose)
        fprintf (stderr, "    diff of %zu + %zu findings: %.1f ms\n", pw_findings_size (open),
                 pw_findings_size (fresh), ms);
    pw_findings_diff_destroy (&diff);
    pw_findings_destroy (&open);
    pw_findings_destroy (&fresh);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_agent_codes);
    PW_RUN (s_test_agent_bad_input);
    PW_RUN (s_test_policy_backlog);
    PW_RUN (s_test_plan_codes);
    PW_RUN (s_test_vocabulary);
    PW_RUN (s_test_lifecycle);
    PW_RUN (s_test_lifecycle_scope);
    PW_RUN (s_test_lifecycle_50k);
    return PW_TEST_END ();
}
