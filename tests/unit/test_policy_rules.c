/*  test_policy_rules - the resolution rules of DESIGN sections 2 and 3,
    table-driven from a setup file: tests/data/policy/setup.yaml is parsed
    and turned into a tenant exactly as the policy service does
    (policy_config_from_setup -> policy_tenant), over a hand-built inventory;
    then each named agent's settings and each patch's status are checked
    against expected values worked out by hand from the file.
*/
#include <string.h>
#include <strings.h>

#include "policy_config.h"
#include "policy_tenant.h"
#include "pw_setup.h"
#include "../pw_test.h"

#define DAY 86400
//  2026-11-10 00:00 UTC: the release time of the update rollup below.
#define T0 1794268800

static const pw_org_t s_orgs [] = {{"contoso", "Europe/Berlin", true},
                                   {"fabrikam", "America/New_York", false}};
static const pw_field_t s_sat1 [] = {{"PatchWindow", "SAT-1"}};
static const pw_field_t s_sat2 [] = {{"PatchWindow", "SAT-2"}};
static const char *const s_no_patch [] = {"no_patch"};

//  hostname, org, group, class, custom field, tags
static const struct {
    const char *host;
    int org;
    const char *group;
    pw_class_t klass;
    const pw_field_t *cf;
    const char *const *tags;
} s_agents [] = {
    {"CONTOSO-SQL01", 0, "servers.sql", PW_CLASS_SERVER, s_sat1, NULL},
    {"CONTOSO-APP01", 0, "servers.app", PW_CLASS_SERVER, s_sat2, NULL},
    {"CONTOSO-APP02", 0, "servers.app", PW_CLASS_SERVER, NULL, NULL},
    {"CONTOSO-WS042", 0, "workstations", PW_CLASS_WORKSTATION, NULL, NULL},
    {"CONTOSO-WS043", 0, "workstations", PW_CLASS_WORKSTATION, NULL, s_no_patch},
    {"FABRIKAM-SRV1", 1, "servers", PW_CLASS_SERVER, s_sat1, NULL},
};
#define AGENTS (sizeof s_agents / sizeof s_agents [0])

static const char *const s_server22 [] = {"Microsoft Server operating system-21H2"};
static const char *const s_dotnet [] = {"Windows Server 2019", ".NET Framework 4.8"};
static const char *const s_zune [] = {"Zune Software"};
static const char *const s_win11 [] = {"Windows 11"};
static const char *const s_supersedes [] = {"KB5030216"};

static const pw_patch_t s_patches [] = {
    {"KB5030216:a", "KB5030216", "2023-09 CU", PW_CLASSIFICATION_SECURITY, s_server22, 1,
     "Critical", T0 - 400 * DAY, NULL, 0, true, NULL, 0},
    {"KB5031364:a", "KB5031364", "2023-10 CU", PW_CLASSIFICATION_SECURITY, s_server22, 1,
     "Critical", T0 - 370 * DAY, s_supersedes, 1, true, NULL, 0},
    {"KB5034441:a", "KB5034441", "WinRE", PW_CLASSIFICATION_SECURITY, s_server22, 1, "Important",
     T0 - 300 * DAY, NULL, 0, true, NULL, 0},
    {"KB5031005:a", "KB5031005", ".NET CU", PW_CLASSIFICATION_SECURITY, s_dotnet, 2, "Important",
     T0 - 370 * DAY, NULL, 0, false, NULL, 0},
    {"KB4535680:a", "KB4535680", "SP", PW_CLASSIFICATION_SERVICE_PACK, s_server22, 1, NULL,
     T0 - 900 * DAY, NULL, 0, true, NULL, 0},
    {"KB5040001:a", "KB5040001", "Rollup", PW_CLASSIFICATION_UPDATE_ROLLUP, s_server22, 1, NULL, T0,
     NULL, 0, true, NULL, 0},
    {"KB9999001:a", "KB9999001", "Zune", PW_CLASSIFICATION_UPDATE, s_zune, 1, NULL, T0 - 10 * DAY,
     NULL, 0, false, NULL, 0},
    {"KB5005463:a", "KB5005463", "Win11 upgrade", PW_CLASSIFICATION_UPGRADE, s_win11, 1, NULL,
     T0 - 100 * DAY, NULL, 0, true, NULL, 0},
};
#define PATCHES (sizeof s_patches / sizeof s_patches [0])

//  Every agent reports every patch missing; the rules decide.
static policy_tenant_t *
s_tenant (void)
{
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *setup = pw_setup_load ("tests/data/policy/setup.yaml", NULL, &errors);
    if (!setup) {
        char *text = pw_setup_errors_render (errors);
        fprintf (stderr, "%s", text);
        free (text);
        pw_setup_errors_destroy (&errors);
        return NULL;
    }
    policy_config_t *config = policy_config_from_setup (setup);
    pw_setup_destroy (&setup);
    policy_inventory_t *inv = policy_inventory_new ();
    inv->orgs = (pw_org_t *)s_orgs;
    inv->org_count = 2;
    inv->agent_count = AGENTS;
    inv->agents = pw_arena_alloc (inv->arena, sizeof (pw_agent_t) * AGENTS);
    inv->agent_ids = pw_arena_alloc (inv->arena, sizeof (int64_t) * AGENTS);
    inv->ignored = pw_arena_alloc (inv->arena, sizeof (char **) * AGENTS);
    inv->ignored_count = pw_arena_alloc (inv->arena, sizeof (size_t) * AGENTS);
    for (size_t a = 0; a < AGENTS; a++) {
        pw_agent_t *agent = &inv->agents [a];
        agent->id = (int64_t)a + 1;
        agent->hostname = s_agents [a].host;
        agent->org = &s_orgs [s_agents [a].org];
        agent->group = s_agents [a].group;
        agent->klass = s_agents [a].klass;
        agent->os = "Windows";
        agent->os_version = "10";
        agent->cf = s_agents [a].cf;
        agent->cf_count = s_agents [a].cf ? 1 : 0;
        agent->tags = s_agents [a].tags;
        agent->tag_count = s_agents [a].tags ? 1 : 0;
        agent->subscribed = true;
        inv->agent_ids [a] = (int64_t)a + 1;
        //  APP02 never installs the October rollup (its ignore list, in
        //  another case than the catalogue's)
        static const char *const app02_ignores [] = {"kb5031364"};
        bool app02 = strcmp (agent->hostname, "CONTOSO-APP02") == 0;
        inv->ignored [a] = app02 ? app02_ignores : NULL;
        inv->ignored_count [a] = app02 ? 1 : 0;
    }
    inv->patches = (pw_patch_t *)s_patches;
    inv->patch_count = PATCHES;
    inv->patch_ids = pw_arena_alloc (inv->arena, sizeof (int64_t) * PATCHES);
    for (size_t p = 0; p < PATCHES; p++)
        inv->patch_ids [p] = (int64_t)p + 1;
    inv->scan_count = AGENTS * PATCHES;
    inv->scan_off = pw_arena_alloc (inv->arena, sizeof (uint32_t) * (AGENTS + 1));
    inv->scan_patch = pw_arena_alloc (inv->arena, sizeof (uint32_t) * inv->scan_count);
    inv->scan_state = pw_arena_alloc (inv->arena, inv->scan_count);
    for (size_t a = 0; a <= AGENTS; a++)
        inv->scan_off [a] = (uint32_t)(a * PATCHES);
    for (size_t e = 0; e < inv->scan_count; e++) {
        inv->scan_patch [e] = (uint32_t)(e % PATCHES);
        inv->scan_state [e] = POLICY_SCAN_MISSING;
    }
    char *error = NULL;
    policy_tenant_t *tenant = policy_tenant_new ("acme-it", &inv, &config, &error);
    if (!tenant) {
        fprintf (stderr, "    %s\n", error);
        free (error);
    }
    return tenant;
}

static const policy_status_t *
s_status (policy_tenant_t *tenant, const char *host, const char *kb)
{
    static policy_status_t status;
    long agent = policy_tenant_find_agent (tenant, host);
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    for (size_t p = 0; agent >= 0 && p < PATCHES; p++)
        if (strcmp (inv->patches [p].kb, kb) == 0) {
            policy_tenant_status (tenant, inv->scan_off [agent] + p, &status);
            return &status;
        }
    return NULL;
}

//  host, kb, status, provenance, deciding policy (or NULL)
typedef struct {
    const char *host, *kb;
    pw_status_t status;
    pw_provenance_t kind;
    const char *policy;
} s_case_t;

static void
s_check_cases (policy_tenant_t *tenant, const s_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const policy_status_t *s = s_status (tenant, cases [i].host, cases [i].kb);
        if (!s) {
            PW_FAIL_AT ("%s %s: no status", cases [i].host, cases [i].kb);
            continue;
        }
        bool policy_ok =
            cases [i].policy ? s->policy && strcmp (s->policy, cases [i].policy) == 0 : true;
        if (s->status != cases [i].status || s->kind != cases [i].kind || !policy_ok)
            PW_FAIL_AT ("%s %s: %s by %s (%s: %s), expected %s by %s (%s)", cases [i].host,
                        cases [i].kb, pw_status_name (s->status), pw_provenance_name (s->kind),
                        s->policy ? s->policy : "-", s->rule ? s->rule : "-",
                        pw_status_name (cases [i].status), pw_provenance_name (cases [i].kind),
                        cases [i].policy ? cases [i].policy : "-");
    }
}

static void
s_test_statuses (void)
{
    policy_tenant_t *tenant = s_tenant ();
    PW_CHECK (tenant != NULL);
    if (!tenant)
        return;
    //  Three days after the rollup's release: Baseline defers it 7 days.
    policy_tenant_resolve (tenant, T0 + 3 * DAY);
    static const s_case_t cases [] = {
        //  Baseline: deny_superseded; KB5031364 supersedes KB5030216.
        {"CONTOSO-SQL01", "KB5030216", PW_STATUS_DENIED, PW_PROVENANCE_SUPERSEDED, "Baseline"},
        {"CONTOSO-SQL01", "KB5031364", PW_STATUS_APPROVED, PW_PROVENANCE_RULE, NULL},
        //  The tenant-wide override beats every policy.
        {"CONTOSO-SQL01", "KB5034441", PW_STATUS_DENIED, PW_PROVENANCE_OVERRIDE, NULL},
        //  Servers reviews service packs; Baseline approves: most restrictive wins.
        {"CONTOSO-SQL01", "KB4535680", PW_STATUS_REVIEW, PW_PROVENANCE_RULE, "Servers"},
        {"CONTOSO-SQL01", "KB5040001", PW_STATUS_DEFERRED, PW_PROVENANCE_RULE, "Baseline"},
        //  Zune is on Baseline's never-install list (product rule).
        {"CONTOSO-SQL01", "KB9999001", PW_STATUS_DENIED, PW_PROVENANCE_RULE, "Baseline"},
        //  Block DotNET at group servers.app: first matching product rule denies.
        {"CONTOSO-APP01", "KB5031005", PW_STATUS_DENIED, PW_PROVENANCE_RULE, "Block DotNET"},
        {"CONTOSO-SQL01", "KB5031005", PW_STATUS_APPROVED, PW_PROVENANCE_RULE, NULL},
        //  Workstations reviews upgrades; WS042 had Workstations removed at
        //  agent level, so only Baseline (default approve) remains.
        {"CONTOSO-WS042", "KB5005463", PW_STATUS_APPROVED, PW_PROVENANCE_RULE, "Baseline"},
        //  WS043's tag keeps it out of the workstations view: Baseline only.
        {"CONTOSO-WS043", "KB5005463", PW_STATUS_APPROVED, PW_PROVENANCE_RULE, "Baseline"},
        //  Unsubscribed org: unmanaged, never auto-approved.
        {"FABRIKAM-SRV1", "KB5031364", PW_STATUS_UNMANAGED, PW_PROVENANCE_NONE, NULL},
    };
    s_check_cases (tenant, cases, sizeof cases / sizeof cases [0]);
    const policy_status_t *rollup = s_status (tenant, "CONTOSO-SQL01", "KB5040001");
    PW_CHECK (rollup && rollup->until == T0 + 7 * DAY);

    //  Eight days after release the deferral is over, and a re-resolve
    //  marks exactly the agents whose status changed.
    policy_tenant_clear_changes (tenant);
    policy_tenant_resolve (tenant, T0 + 8 * DAY);
    static const s_case_t later [] = {
        {"CONTOSO-SQL01", "KB5040001", PW_STATUS_APPROVED, PW_PROVENANCE_RULE, NULL}};
    s_check_cases (tenant, later, 1);
    const bool *changed = policy_tenant_statuses_changed (tenant);
    PW_CHECK (changed [policy_tenant_find_agent (tenant, "CONTOSO-SQL01")]);
    PW_CHECK (!changed [policy_tenant_find_agent (tenant, "FABRIKAM-SRV1")]);
    PW_CHECK (!policy_tenant_settings_changed (tenant) [0]);
    policy_tenant_destroy (&tenant);
}

static void
s_test_decision_incremental (void)
{
    policy_tenant_t *tenant = s_tenant ();
    if (!tenant) {
        PW_CHECK (tenant != NULL);
        return;
    }
    policy_tenant_resolve (tenant, T0);
    policy_tenant_clear_changes (tenant);
    pw_approval_changes_t changes = {0};
    char *error = NULL;
    PW_CHECK_INT (pw_approval_set_decision (policy_tenant_approval (tenant), "Servers", "KB4535680",
                                            PW_ACTION_APPROVE, &changes, &error),
                  0);
    free (error);
    size_t changed = policy_tenant_reevaluate (tenant, &changes, T0);
    //  Servers members with the service pack missing: SQL01, APP01, APP02.
    PW_CHECK_INT (changed, 3);
    const policy_status_t *s = s_status (tenant, "CONTOSO-SQL01", "KB4535680");
    PW_CHECK (s && s->status == PW_STATUS_APPROVED);
    const bool *marks = policy_tenant_statuses_changed (tenant);
    PW_CHECK (marks [policy_tenant_find_agent (tenant, "CONTOSO-APP02")]);
    PW_CHECK (!marks [policy_tenant_find_agent (tenant, "CONTOSO-WS042")]);
    PW_CHECK (!marks [policy_tenant_find_agent (tenant, "FABRIKAM-SRV1")]);
    pw_approval_changes_free (&changes);
    policy_tenant_destroy (&tenant);
}

static bool
s_same_text (const char *a, const char *b)
{
    return a == b || (a && b && strcmp (a, b) == 0);
}

//  Status profiles: the canonical key and id the store computes
//  (pw_profile_key, pw_profile_id in 010_status_profiles; the ids below are
//  PostgreSQL's), and agents of one profile have every status in common.
static void s_check_profiles (size_t budget);

static void
s_test_profiles (void)
{
    const char *policies [] = {"b", "a", "b"};
    const char *ignored [] = {"KB2", "kb1", "Kb2"};
    pw_strbuf_t key;
    pw_strbuf_init (&key);
    policy_profile_key (true, policies, 3, ignored, 3, &key);
    PW_CHECK_STR (key.data, "subscribed\x1e"
                            "a\x1f"
                            "b\x1e"
                            "kb1\x1f"
                            "kb2");
    PW_CHECK (policy_profile_id (key.data, key.len) == -204474664011356264LL);
    pw_strbuf_reset (&key);
    policy_profile_key (false, policies, 3, ignored, 3, &key);
    PW_CHECK_STR (key.data, "unsubscribed");
    pw_strbuf_reset (&key);
    policy_profile_key (true, NULL, 0, NULL, 0, &key);
    PW_CHECK_STR (key.data, "subscribed\x1e\x1e");
    PW_CHECK (policy_profile_id ("subscribed", 10) == -6070518538363922493LL);
    pw_strbuf_free (&key);
    //  Keys found in direct rows, in the hash alone, and in both (one
    //  profile's row, then the hash)
    s_check_profiles (POLICY_ROW_BUDGET);
    s_check_profiles (0);
    s_check_profiles (PATCHES);
}

//  A resolution with a row budget of BUDGET cells: every agent's statuses
//  as its own evaluation gives them, each key standing by one entry.
static void
s_check_profiles (size_t budget)
{
    policy_tenant_t *tenant = s_tenant ();
    if (!tenant) {
        PW_CHECK (tenant != NULL);
        return;
    }
    policy_tenant_set_row_budget (tenant, budget);
    policy_tenant_resolve (tenant, T0 + 3 * DAY);
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    const char *fabrikam [] = {"unsubscribed"};
    long srv1 = policy_tenant_find_agent (tenant, "FABRIKAM-SRV1");
    PW_CHECK (policy_tenant_agent_result (tenant, (size_t)srv1)->profile ==
              policy_profile_id (fabrikam [0], strlen (fabrikam [0])));
    long sql01 = policy_tenant_find_agent (tenant, "CONTOSO-SQL01");
    long ws042 = policy_tenant_find_agent (tenant, "CONTOSO-WS042");
    PW_CHECK (policy_tenant_agent_result (tenant, (size_t)sql01)->profile !=
              policy_tenant_agent_result (tenant, (size_t)ws042)->profile);
    //  A status is evaluated once per profile and patch: each agent's own
    //  evaluation gives the same (the profile holds all it depends on)
    size_t shared = 0;
    for (size_t a = 0; a < AGENTS; a++) {
        const policy_agent_result_t *r = policy_tenant_agent_result (tenant, a);
        for (size_t b = a + 1; b < AGENTS; b++)
            shared += policy_tenant_agent_result (tenant, b)->profile == r->profile;
        pw_approval_agent_t in = {.subscribed = r->subscribed,
                                  .policies = r->policies,
                                  .policy_count = r->policy_count,
                                  .ignore = inv->ignored [a],
                                  .ignore_count = inv->ignored_count [a]};
        for (size_t p = 0; p < PATCHES; p++) {
            policy_status_t x;
            pw_approval_result_t y;
            policy_tenant_status (tenant, inv->scan_off [a] + p, &x);
            pw_approval_evaluate (policy_tenant_approval (tenant), &in, p, T0 + 3 * DAY, &y);
            if (x.status != y.status || x.until != y.until || x.kind != y.kind ||
                !s_same_text (x.policy, y.policy) || !s_same_text (x.rule, y.rule))
                PW_FAIL_AT ("%s %s: %s by profile, %s by itself", inv->agents [a].hostname,
                            inv->patches [p].kb, pw_status_name (x.status),
                            pw_status_name (y.status));
        }
    }
    const policy_status_t *app02 = s_status (tenant, "CONTOSO-APP02", "KB5031364");
    PW_CHECK (app02 && app02->status == PW_STATUS_DENIED && app02->kind == PW_PROVENANCE_IGNORE);
    //  Some agents of the file share one (the servers of one group)
    PW_CHECK (shared > 0);
    //  Each status entry's key stands by one entry: the key's first, of the
    //  same profile and patch, standing by itself; shared keys exist
    const uint32_t *leaders = policy_tenant_entry_leaders (tenant);
    size_t followers = 0;
    for (size_t a = 0; a < AGENTS; a++)
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++) {
            if (!policy_tenant_entry_has_status (tenant, e))
                continue;
            uint32_t l = leaders [e];
            size_t la = policy_tenant_entry_agent (tenant, l);
            if (l > e || leaders [l] != l || inv->scan_patch [l] != inv->scan_patch [e] ||
                policy_tenant_agent_result (tenant, la)->profile !=
                    policy_tenant_agent_result (tenant, a)->profile)
                PW_FAIL_AT ("%s entry %u: stands by entry %u", inv->agents [a].hostname, e, l);
            for (uint32_t f = inv->scan_off [0]; f < e; f++)
                if (leaders [f] == f && f != l && policy_tenant_entry_has_status (tenant, f) &&
                    inv->scan_patch [f] == inv->scan_patch [e] &&
                    policy_tenant_agent_result (tenant, policy_tenant_entry_agent (tenant, f))
                            ->profile == policy_tenant_agent_result (tenant, a)->profile)
                    PW_FAIL_AT ("%s entry %u: key stands by two entries", inv->agents [a].hostname,
                                e);
            followers += l != e;
        }
    PW_CHECK (followers > 0);
    //  A profile change marks the agent, not its statuses
    policy_tenant_clear_changes (tenant);
    policy_tenant_resolve (tenant, T0 + 3 * DAY);
    PW_CHECK (!policy_tenant_profiles_changed (tenant) [sql01]);
    policy_tenant_destroy (&tenant);
}

static const char *
s_setting (const policy_agent_result_t *r, pw_setting_t setting)
{
    switch (setting) {
        case PW_SETTING_UPDATE_WINDOW: return r->update_window;
        case PW_SETTING_SCAN: return r->scan;
        case PW_SETTING_REBOOT: return r->reboot;
        case PW_SETTING_HEALTH_CHECK: return r->health_check;
        case PW_SETTING_MANUAL_PATCHING: return r->manual_patching;
        default: return NULL;
    }
}

static void
s_test_settings (void)
{
    policy_tenant_t *tenant = s_tenant ();
    if (!tenant) {
        PW_CHECK (tenant != NULL);
        return;
    }
    policy_tenant_resolve (tenant, T0);
    static const struct {
        const char *host;
        pw_setting_t setting;
        const char *value;
    } table [] = {
        //  Group level (SQL first, priority 50) beats the tenant template.
        {"CONTOSO-SQL01", PW_SETTING_UPDATE_WINDOW, "SAT-NIGHT"},
        {"CONTOSO-SQL01", PW_SETTING_HEALTH_CHECK, "tcp:1433 timeout=1800"},
        //  The template takes the custom field...
        {"CONTOSO-APP01", PW_SETTING_UPDATE_WINDOW, "SAT-2"},
        //  ...and without the field the candidate does not apply.
        {"CONTOSO-APP02", PW_SETTING_UPDATE_WINDOW, NULL},
        {"CONTOSO-APP01", PW_SETTING_HEALTH_CHECK, "agent_checkin timeout=1200"},
        //  Same level, same priority: the earlier assignment (Baseline's
        //  when_required) beats the later Servers policy's `always`.
        {"CONTOSO-APP01", PW_SETTING_REBOOT, "when_required"},
        {"CONTOSO-WS042", PW_SETTING_UPDATE_WINDOW, "WED-DAY"},
        {"CONTOSO-WS042", PW_SETTING_SCAN, "mon 02:00"},
        {"CONTOSO-WS042", PW_SETTING_REBOOT, "when_required"},
        {"CONTOSO-WS042", PW_SETTING_MANUAL_PATCHING,
         "the LOB vendor patches this machine by hand"},
        {"CONTOSO-WS043", PW_SETTING_UPDATE_WINDOW, NULL},
        {"CONTOSO-WS043", PW_SETTING_SCAN, "mon 02:00"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        long agent = policy_tenant_find_agent (tenant, table [i].host);
        const char *value =
            s_setting (policy_tenant_agent_result (tenant, (size_t)agent), table [i].setting);
        if (!value != !table [i].value || (value && strcmp (value, table [i].value)))
            PW_FAIL_AT ("%s %s = %s, expected %s", table [i].host,
                        pw_setting_info (table [i].setting)->name, value ? value : "(unset)",
                        table [i].value ? table [i].value : "(unset)");
    }
    //  Memberships: sets unite, removals subtract.
    const policy_agent_result_t *app = policy_tenant_agent_result (
        tenant, (size_t)policy_tenant_find_agent (tenant, "CONTOSO-APP01"));
    PW_CHECK_INT (app->patch_policy_count, 3);
    const policy_agent_result_t *ws = policy_tenant_agent_result (
        tenant, (size_t)policy_tenant_find_agent (tenant, "CONTOSO-WS042"));
    PW_CHECK_INT (ws->patch_policy_count, 1);
    PW_CHECK_STR (ws->patch_policy_count ? ws->patch_policies [0] : NULL, "Baseline");
    //  The overridden template is reported, never silent.
    const policy_agent_result_t *sql = policy_tenant_agent_result (
        tenant, (size_t)policy_tenant_find_agent (tenant, "CONTOSO-SQL01"));
    bool reported = false;
    for (size_t i = 0; i < sql->overridden_count; i++)
        reported |= strcmp (sql->overridden [i], "update_window:Patch - Servers") == 0;
    PW_CHECK (reported);
    reported = false;
    for (size_t i = 0; i < app->overridden_count; i++)
        reported |= strcmp (app->overridden [i], "reboot:Patch - Servers") == 0;
    PW_CHECK (reported);
    const policy_agent_result_t *fab = policy_tenant_agent_result (
        tenant, (size_t)policy_tenant_find_agent (tenant, "FABRIKAM-SRV1"));
    PW_CHECK (!fab->subscribed);
    PW_CHECK (ws->subscribed);

    //  Explain carries the same provenance.
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    policy_tenant_explain (tenant, (size_t)policy_tenant_find_agent (tenant, "CONTOSO-SQL01"), T0,
                           &json);
    PW_CHECK (strstr (json.data, "\"agent\":\"CONTOSO-SQL01\""));
    PW_CHECK (strstr (json.data, "\"kind\":\"override\""));
    PW_CHECK (strstr (json.data, "\"kind\":\"superseded\""));
    pw_strbuf_free (&json);
    policy_tenant_destroy (&tenant);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_statuses);
    PW_RUN (s_test_decision_incremental);
    PW_RUN (s_test_profiles);
    PW_RUN (s_test_settings);
    return PW_TEST_END ();
}
