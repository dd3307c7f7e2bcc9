/*  test_compliance - a small fleet counted by hand, per org and per tenant,
    and the monthly Markdown report carrying those figures. */
#include "pw_compliance.h"
#include "pw_util.h"
#include "../pw_test.h"

#define DAY PW_CHECKS_DAY_US
//  2024-05-31 12:00:00 UTC
#define NOW (1717156800LL * 1000000LL)

static const char *s_policies [] = {"Baseline", "Servers"};
static const pw_check_patch_t s_crit_in_grace [] = {
    {"KB-A", PW_PATCH_SEVERITY_CRITICAL, NOW - 1 * DAY}};
static const pw_check_patch_t s_sql_missing [] = {
    {"KB-B", PW_PATCH_SEVERITY_IMPORTANT, NOW - 10 * DAY}, {"KB-C", PW_PATCH_SEVERITY_MODERATE, 0}};
static const pw_check_patch_t s_failed [] = {{"KB-D", PW_PATCH_SEVERITY_IMPORTANT, 0}};
static const pw_check_patch_t s_low_overdue [] = {{"KB-E", PW_PATCH_SEVERITY_LOW, NOW - 40 * DAY}};

static pw_check_agent_t
s_agent (const char *host, const char *org)
{
    pw_check_agent_t a = {.hostname = host,
                          .org = org,
                          .subscribed = true,
                          .patch_policies = s_policies,
                          .patch_policy_count = 2,
                          .has_scan_schedule = true,
                          .update_window = "SAT-1",
                          .update_window_exists = true,
                          .last_scan_us = NOW - 2 * DAY};
    return a;
}

//  The fleet, and what each agent counts as (worked out by hand):
//    contoso  DC01     scheduled, critical missing but in grace     compliant   5 installed
//    contoso  SQL01    scheduled, Important 10 days past window     -           3
//    contoso  LOB01    manual_patching exception, scanned           compliant   2
//    contoso  WS07     no update window, no exception               -           0
//    contoso  WS08     scheduled, 1 failed install, pending reboot  -           4
//    contoso  OLD01    unsubscribed                                 (excluded)  0
//    contoso  WS09     scheduled, last scan 10 days ago             -           1
//    fabrikam FAB-SRV1 scheduled, Low 40 days past window           -           7
//    fabrikam FAB-WS1  scheduled, clean                             compliant   2
static pw_compliance_t *
s_fleet (void)
{
    pw_checks_config_t config;
    pw_checks_config_defaults (&config);
    pw_compliance_t *c = pw_compliance_new (&config, NOW);
    pw_check_agent_t a;

    a = s_agent ("DC01", "contoso");
    a.missing = s_crit_in_grace;
    a.missing_count = 1;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 5), 0);

    a = s_agent ("SQL01", "contoso");
    a.missing = s_sql_missing;
    a.missing_count = 2;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 3), 0);

    a = s_agent ("LOB01", "contoso");
    a.update_window = NULL;
    a.update_window_exists = false;
    a.manual_patching = "LOB app | vendor_managed";
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 2), 0);

    a = s_agent ("WS07", "contoso");
    a.update_window = NULL;
    a.update_window_exists = false;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 0), 0);

    a = s_agent ("WS08", "contoso");
    a.failed = s_failed;
    a.failed_count = 1;
    a.pending_reboot = s_failed;
    a.pending_reboot_count = 1;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 4), 0);

    a = s_agent ("OLD01", "contoso");
    a.subscribed = false;
    a.update_window = NULL;
    a.missing = s_low_overdue; //  not counted: not in patching
    a.missing_count = 1;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 0), 0);

    a = s_agent ("WS09", "contoso");
    a.last_scan_us = NOW - 10 * DAY;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 1), 0);

    a = s_agent ("FAB-SRV1", "fabrikam");
    a.missing = s_low_overdue;
    a.missing_count = 1;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 7), 0);

    a = s_agent ("FAB-WS1", "fabrikam");
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 2), 0);

    pw_findings_t *open = pw_findings_new ();
    pw_findings_addf (open, PW_CODE_STALE_SCAN, PW_FINDING_SEV_MEDIUM, "WS09", "WS09", "x");
    pw_findings_addf (open, PW_CODE_NO_UPDATE_SCHEDULE, PW_FINDING_SEV_HIGH, "WS07", "WS07", "x");
    pw_findings_addf (open, PW_CODE_APPROVED_NOT_INSTALLED, PW_FINDING_SEV_HIGH, "SQL01", "SQL01",
                      "x");
    pw_findings_addf (open, PW_CODE_APPROVED_NOT_INSTALLED, PW_FINDING_SEV_LOW, "FAB-SRV1",
                      "FAB-SRV1", "x");
    pw_findings_addf (open, PW_CODE_WINDOW_OVERRUN, PW_FINDING_SEV_MEDIUM, "", "SAT-2", "x");
    pw_findings_addf (open, PW_CODE_REVIEW_BACKLOG, PW_FINDING_SEV_MEDIUM, "Servers", "Servers",
                      "x");
    pw_finding_t gone = {.code = PW_CODE_INSTALL_FAILED,
                         .scope = PW_SCOPE_AGENT,
                         .owner = "WS08",
                         .subject = "WS08",
                         .resolved_us = NOW - DAY};
    pw_findings_add (open, &gone);
    PW_CHECK_INT (pw_compliance_add_findings (c, open), 6);
    pw_findings_destroy (&open);

    pw_check_policy_t servers = {"Servers", 5, NOW - 20 * DAY};
    pw_check_policy_t baseline = {"Baseline", 2, NOW - 3 * DAY};
    PW_CHECK_INT (pw_compliance_add_policy (c, &servers), 0);
    PW_CHECK_INT (pw_compliance_add_policy (c, &baseline), 0);
    return c;
}

static void
s_test_org_figures (void)
{
    pw_compliance_t *c = s_fleet ();
    const pw_compliance_stats_t *s = pw_compliance_org (c, "contoso");
    PW_CHECK (s != NULL);
    if (!s) {
        pw_compliance_destroy (&c);
        return;
    }
    PW_CHECK_INT (s->agents, 7);
    PW_CHECK_INT (s->subscribed, 6);
    PW_CHECK_INT (s->scheduled, 4);
    PW_CHECK_INT (s->compliant, 2);
    PW_CHECK_INT (pw_compliance_permille (s), 333);
    PW_CHECK_INT (s->installed, 15);
    PW_CHECK_INT (s->missing [PW_PATCH_SEVERITY_CRITICAL], 1);
    PW_CHECK_INT (s->missing [PW_PATCH_SEVERITY_IMPORTANT], 1);
    PW_CHECK_INT (s->missing [PW_PATCH_SEVERITY_MODERATE], 1);
    PW_CHECK_INT (s->missing [PW_PATCH_SEVERITY_LOW], 0);
    PW_CHECK_INT (s->overdue [PW_PATCH_SEVERITY_CRITICAL], 0);
    PW_CHECK_INT (s->overdue [PW_PATCH_SEVERITY_IMPORTANT], 1);
    PW_CHECK_INT (s->failed, 1);
    PW_CHECK_INT (s->pending_reboot, 1);
    PW_CHECK_INT (s->unscheduled, 2);
    PW_CHECK_INT (s->exceptions, 1);
    PW_CHECK_INT (s->findings [PW_CODE_STALE_SCAN], 1);
    PW_CHECK_INT (s->findings [PW_CODE_APPROVED_NOT_INSTALLED], 1);
    PW_CHECK_INT (s->findings [PW_CODE_WINDOW_OVERRUN], 0);
    PW_CHECK_INT (s->findings [PW_CODE_INSTALL_FAILED], 0);
    PW_CHECK_INT (s->findings_total, 3);

    s = pw_compliance_org (c, "fabrikam");
    PW_CHECK (s && s->agents == 2 && s->subscribed == 2 && s->compliant == 1);
    PW_CHECK (s && s->installed == 9 && s->missing [PW_PATCH_SEVERITY_LOW] == 1 &&
              s->overdue [PW_PATCH_SEVERITY_LOW] == 1 && s->findings_total == 1);
    PW_CHECK_INT (pw_compliance_permille (s), 500);
    PW_CHECK (pw_compliance_org (c, "northwind") == NULL);
    PW_CHECK (pw_compliance_org (c, NULL) == NULL);
    PW_CHECK_INT (pw_compliance_org_count (c), 2);
    PW_CHECK_STR (pw_compliance_org_name (c, 0), "contoso");
    PW_CHECK_STR (pw_compliance_org_name (c, 1), "fabrikam");
    PW_CHECK (pw_compliance_org_name (c, 2) == NULL);

    PW_CHECK_INT (pw_compliance_unscheduled_count (c), 2);
    const pw_compliance_unscheduled_t *u = pw_compliance_unscheduled (c, 0);
    PW_CHECK (u && strcmp (u->hostname, "LOB01") == 0 && strcmp (u->org, "contoso") == 0 &&
              u->reason && strcmp (u->reason, "LOB app | vendor_managed") == 0);
    u = pw_compliance_unscheduled (c, 1);
    PW_CHECK (u && strcmp (u->hostname, "WS07") == 0 && u->reason == NULL);
    PW_CHECK (pw_compliance_unscheduled (c, 2) == NULL);
    pw_compliance_destroy (&c);
    PW_CHECK (c == NULL);
}

static void
s_test_tenant_figures (void)
{
    pw_compliance_t *c = s_fleet ();
    const pw_compliance_stats_t *t = pw_compliance_tenant (c);
    PW_CHECK_INT (t->agents, 9);
    PW_CHECK_INT (t->subscribed, 8);
    PW_CHECK_INT (t->compliant, 3);
    PW_CHECK_INT (pw_compliance_permille (t), 375);
    PW_CHECK_INT (t->installed, 24);
    PW_CHECK_INT (t->missing [PW_PATCH_SEVERITY_LOW], 1); //  OLD01's is not counted
    PW_CHECK_INT (t->overdue [PW_PATCH_SEVERITY_LOW], 1);
    PW_CHECK_INT (t->findings_total, 6);
    PW_CHECK_INT (t->findings [PW_CODE_APPROVED_NOT_INSTALLED], 2);
    PW_CHECK_INT (t->findings [PW_CODE_WINDOW_OVERRUN], 1);
    PW_CHECK_INT (t->findings [PW_CODE_REVIEW_BACKLOG], 1);
    PW_CHECK_INT (t->findings [PW_CODE_INSTALL_FAILED], 0);
    PW_CHECK_INT (t->review_waiting, 7);
    PW_CHECK_INT (t->review_backlog, 1);
    PW_CHECK_INT (t->unscheduled, 2);
    PW_CHECK_INT (t->exceptions, 1);
    pw_compliance_destroy (&c);
}

static void
s_test_report (void)
{
    pw_compliance_t *c = s_fleet ();
    char *md = pw_compliance_report (c, "contoso", "2024-05");
    PW_CHECK (md != NULL);
    const char *expected [] = {
        "# Patch compliance report: contoso, 2024-05\n",
        "| Managed machines | 7 |\n",
        "| Machines in patching | 6 |\n",
        "| Fully compliant | 2 of 6 (33.3%) |\n",
        "| Patches installed this month | 15 |\n",
        "| Failed installs | 1 |\n",
        "| Machines waiting for a reboot | 1 |\n",
        "| Critical | 1 | 0 |\n| Important | 1 | 1 |\n| Moderate | 1 | 0 |\n| Low | 0 | 0 |\n"
        "| Unspecified | 0 | 0 |\n| Total | 3 | 1 |\n",
        "| Machine | Documented exception |\n|---|---|\n"
        "| LOB01 | yes: LOB app \\| vendor\\_managed |\n| WS07 | no |\n",
        "| `NO_UPDATE_SCHEDULE` | 1 |\n",
        "| `STALE_SCAN` | 1 |\n",
        "| `APPROVED_NOT_INSTALLED` | 1 |\n",
        "| Total | 3 |\n",
    };
    for (size_t i = 0; md && i < sizeof expected / sizeof expected [0]; i++)
        if (!strstr (md, expected [i]))
            PW_FAIL_AT ("contoso report lacks \"%s\":\n%s", expected [i], md);
    //  Another customer's machines and tenant-wide findings stay out
    PW_CHECK (md && !strstr (md, "FAB-"));
    PW_CHECK (md && !strstr (md, "WINDOW_OVERRUN"));
    PW_CHECK (md && !strstr (md, "waiting for review"));
    free (md);

    md = pw_compliance_report (c, "fabrikam", "2024-05");
    PW_CHECK (md && strstr (md, "| Fully compliant | 1 of 2 (50.0%) |"));
    PW_CHECK (md && strstr (md, "None: every machine in patching has a schedule."));
    PW_CHECK (md && strstr (md, "| Low | 1 | 1 |"));
    free (md);

    md = pw_compliance_report (c, NULL, "2024-05");
    PW_CHECK (md && strstr (md, "# Patch compliance report: all customers, 2024-05"));
    PW_CHECK (md && strstr (md, "| Fully compliant | 3 of 8 (37.5%) |"));
    PW_CHECK (md && strstr (md, "| Patches installed this month | 24 |"));
    PW_CHECK (md && strstr (md, "| Patches waiting for review | 7 |"));
    PW_CHECK (md && strstr (md, "| contoso | LOB01 | yes: "));
    PW_CHECK (md && strstr (md, "| `WINDOW_OVERRUN` | 1 |"));
    PW_CHECK (md && strstr (md, "| Total | 6 |"));
    free (md);

    const char *bad_months [] = {"2024-13", "2024-00", "2024-5", "24-05-01", "2024/05", "", NULL};
    for (size_t i = 0; i < sizeof bad_months / sizeof bad_months [0]; i++)
        PW_CHECK (pw_compliance_report (c, "contoso", bad_months [i]) == NULL);
    PW_CHECK (pw_compliance_report (c, "northwind", "2024-05") == NULL);
    pw_compliance_destroy (&c);
}

static void
s_test_empty_and_bad_input (void)
{
    pw_compliance_t *c = pw_compliance_new (NULL, NOW);
    PW_CHECK_INT (pw_compliance_permille (pw_compliance_tenant (c)), -1);
    char *md = pw_compliance_report (c, NULL, "2024-01");
    PW_CHECK (md && strstr (md, "| Fully compliant | 0 of 0 (n/a) |"));
    PW_CHECK (md && strstr (md, "## Open findings\n\nNone.\n"));
    free (md);
    pw_check_agent_t a = s_agent (NULL, "contoso");
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 1), -1);
    a = s_agent ("X1", "contoso");
    a.missing_count = 2;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 1), -1);
    PW_CHECK_INT (pw_compliance_add_agent (c, NULL, 1), -1);
    PW_CHECK_INT (pw_compliance_add_findings (c, NULL), -1);
    PW_CHECK_INT (pw_compliance_add_policy (c, NULL), -1);
    PW_CHECK_INT (pw_compliance_tenant (c)->agents, 0);
    //  No org: counted under ""; a scan exactly scan_max_age old still counts
    a = s_agent ("X2", NULL);
    a.last_scan_us = NOW - 7 * DAY;
    PW_CHECK_INT (pw_compliance_add_agent (c, &a, 0), 0);
    PW_CHECK (pw_compliance_org (c, "") && pw_compliance_org (c, "")->compliant == 1);
    //  Many orgs and hosts: the maps grow
    char host [32], org [32];
    for (int i = 0; i < 3000; i++) {
        snprintf (host, sizeof host, "H%d", i);
        snprintf (org, sizeof org, "org%d", i % 300);
        a = s_agent (host, org);
        PW_CHECK_INT (pw_compliance_add_agent (c, &a, 1), 0);
    }
    PW_CHECK_INT (pw_compliance_org_count (c), 301);
    PW_CHECK (pw_compliance_org (c, "org299") && pw_compliance_org (c, "org299")->agents == 10);
    PW_CHECK_INT (pw_compliance_tenant (c)->compliant, 3001);
    pw_compliance_destroy (&c);
    pw_compliance_destroy (&c);
    pw_compliance_destroy (NULL);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_org_figures);
    PW_RUN (s_test_tenant_figures);
    PW_RUN (s_test_report);
    PW_RUN (s_test_empty_and_bad_input);
    return PW_TEST_END ();
}
