/*  test_settings - system policy settings by level (DESIGN section 3).

    A setup built in C (system policies, assignments at every level), then
    the expected effective settings of named agents, written by hand as
    compact strings:

        VALUE POLICY@LEVEL[:TARGET] | OVERRIDDEN VALUE POLICY@LEVEL[:TARGET] ...

    and for sets `MEMBER POLICY@LEVEL[:TARGET]`, a removed member as
    `-MEMBER POLICY@... by POLICY@...`. Views are exercised in their own case.
*/
#include "pw_settings.h"
#include "pw_view.h"
#include "../pw_test.h"

#include <time.h>

//  --------------------------------------------------------------------------
//  Inventory

static const pw_org_t s_contoso = {"contoso", "Europe/Berlin", true};
static const pw_org_t s_fabrikam = {"fabrikam", "America/New_York", true};
static const pw_org_t s_adatum = {"adatum", "Europe/London", false};

static const pw_field_t s_cf_sql [] = {{"PatchWindow", "SAT-A"}};
static const pw_field_t s_cf_app [] = {{"PatchWindow", "SAT-B"}, {"PinnedWindow", "WED-NOON"}};
static const pw_field_t s_cf_fab [] = {{"PatchWindow", ""}, {"ScanDay", "WED"}};

#define AGENT(HOST, ORG, GROUP, CLASS)                                                             \
    .hostname = HOST, .org = &ORG, .group = GROUP, .klass = PW_CLASS_##CLASS,                      \
    .os = "Windows Server 2022", .os_version = "10.0.20348", .subscribed = true

static const pw_agent_t s_agents [] = {
    {AGENT ("SQL01", s_contoso, "servers.sql", SERVER), .cf = s_cf_sql, .cf_count = 1},
    {AGENT ("APP01", s_contoso, "servers.app", SERVER), .cf = s_cf_app, .cf_count = 2},
    {AGENT ("WEB01", s_contoso, "servers", SERVER)},
    {AGENT ("WEBX", s_contoso, "serversx", SERVER)},
    {AGENT ("WS001", s_contoso, "workstations", WORKSTATION)},
    {AGENT ("FAB-SRV", s_fabrikam, "servers", SERVER), .cf = s_cf_fab, .cf_count = 2},
    {AGENT ("LOB01", s_fabrikam, "servers.lob", SERVER)},
    {AGENT ("FAB-WS", s_fabrikam, "workstations.sales", WORKSTATION)},
    {AGENT ("ADA-WS", s_adatum, "", WORKSTATION)},
};
#define AGENTS (sizeof (s_agents) / sizeof (s_agents [0]))

static const pw_agent_t *
s_agent (const char *hostname)
{
    for (size_t a = 0; a < AGENTS; a++)
        if (strcmp (s_agents [a].hostname, hostname) == 0)
            return &s_agents [a];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Setup: policies, then assignments (their order is the table order)

typedef struct {
    const char *policy;
    const char *setting;
    const char *values [3]; //  one value for scalars; a list otherwise
    int list;               //  1: call set_list with the values given
} s_def_t;

static const s_def_t s_defs [] = {
    {"Patch Baseline", "patch_policies", {"Baseline"}, 1},
    {"Patch Baseline", "scan", {"MON 06:00"}, 0},
    {"Patch Baseline", "reboot", {"when_required"}, 0},
    {"Patch Baseline", "subscribed", {"true"}, 0},
    {"Window from CF", "update_window", {"{cf.PatchWindow}"}, 0},
    {"Default window", "update_window", {"SUN-LATE"}, 0},
    {"Contoso no DotNet", "patch_policies", {"NoDotNet"}, 1},
    {"Contoso no DotNet", "scan", {"MON 02:00"}, 0},
    {"Contoso servers", "reboot", {"always"}, 0},
    {"Contoso servers", "patch_policies", {"Servers"}, 1},
    {"Contoso servers", "pre_tasks", {"disable_monitors", "reboot_before"}, 1},
    {"Contoso servers", "post_tasks", {"enable_monitors"}, 1},
    {"SQL servers", "reboot", {"never"}, 0},
    {"SQL servers", "pre_tasks", {"disable_monitors", "run:stop-sql.ps1"}, 1},
    {"App keeps .NET", "patch_policies_remove", {"NoDotNet"}, 1},
    {"WS no tasks", "pre_tasks", {NULL}, 1},
    {"Fabrikam remove", "patch_policies_remove", {"LOBBlock", "Baseline", "Extra"}, 1},
    {"Fabrikam extra", "patch_policies", {"Extra"}, 1},
    {"LOB exception", "patch_policies", {"LOBBlock"}, 1},
    {"LOB exception", "manual_patching", {"LOB vendor patches by hand"}, 0},
    {"Fab scan A", "scan", {"TUE 01:00"}, 0},
    {"Fab scan B", "scan", {"TUE 03:00"}, 0},
    {"Fab hc early", "health_check", {"tcp:80 5m"}, 0},
    {"Fab hc late", "health_check", {"tcp:443 10m"}, 0},
    {"Out of patching", "subscribed", {"false"}, 0},
    {"Agent window", "update_window", {"{cf.PinnedWindow}"}, 0},
    {"Scan by CF", "scan", {"{cf.ScanDay} 04:00"}, 0},
};

#define TENANT(P, PRIO)                                                                            \
    {                                                                                              \
        P, PW_LEVEL_TENANT, NULL, NULL, NULL, NULL, PRIO                                           \
    }
#define ORG(P, ORG, PRIO)                                                                          \
    {                                                                                              \
        P, PW_LEVEL_ORG, ORG, NULL, NULL, NULL, PRIO                                               \
    }
#define GROUP(P, ORG, G, PRIO)                                                                     \
    {                                                                                              \
        P, PW_LEVEL_GROUP, ORG, G, NULL, NULL, PRIO                                                \
    }
#define HOST(P, HOST, PRIO)                                                                        \
    {                                                                                              \
        P, PW_LEVEL_AGENT, NULL, NULL, HOST, NULL, PRIO                                            \
    }

static const pw_assignment_t s_assignments [] = {
    TENANT ("Patch Baseline", 0),
    TENANT ("Window from CF", 10),
    TENANT ("Default window", 20),
    ORG ("Contoso no DotNet", "contoso", 0),
    GROUP ("Contoso servers", "contoso", "servers", 0),
    //  the child group is assigned before its parent: level, not order, decides
    GROUP ("SQL servers", "contoso", "servers.sql", 50),
    GROUP ("App keeps .NET", "contoso", "servers.app", 0),
    GROUP ("WS no tasks", "contoso", "workstations", 0),
    ORG ("Fabrikam remove", "fabrikam", 0),
    ORG ("Fabrikam extra", "fabrikam", 0),
    HOST ("LOB exception", "lob01", 0), //  hostnames match case-insensitively
    ORG ("Fab scan A", "fabrikam", 5),
    ORG ("Fab scan B", "fabrikam", 5), //  same priority, later: loses
    ORG ("Fab hc early", "fabrikam", 2),
    ORG ("Fab hc late", "fabrikam", 1), //  later, but lower priority number: wins
    GROUP ("Out of patching", "fabrikam", "workstations", 0),
    HOST ("Agent window", "SQL01", 0),
    HOST ("Agent window", "APP01", 0),
    GROUP ("Scan by CF", "fabrikam", "servers", 0),
};
#define ASSIGNMENTS (sizeof (s_assignments) / sizeof (s_assignments [0]))

static pw_settings_t *
s_build (void)
{
    pw_settings_t *self = pw_settings_new ();
    char *error = NULL;
    for (size_t d = 0; d < sizeof (s_defs) / sizeof (s_defs [0]); d++) {
        const s_def_t *def = &s_defs [d];
        pw_settings_add_policy (self, def->policy, NULL); //  may exist already
        int rc;
        if (def->list) {
            size_t count = 0;
            while (count < 3 && def->values [count])
                count++;
            rc = pw_settings_set_list (self, def->policy, def->setting, def->values, count, &error);
        } else
            rc = pw_settings_set (self, def->policy, def->setting, def->values [0], &error);
        if (rc != 0) {
            PW_FAIL_AT ("definition %zu: %s", d, error);
            free (error);
            error = NULL;
        }
    }
    for (size_t a = 0; a < ASSIGNMENTS; a++)
        PW_CHECK_INT (pw_settings_assign (self, &s_assignments [a], &error), a);
    PW_CHECK_STR (error, NULL);
    return self;
}

//  --------------------------------------------------------------------------
//  Rendering the result compactly, so expectations read as one line

static void
s_render_source (pw_strbuf_t *out, const pw_setting_source_t *source)
{
    pw_strbuf_appendf (out, "%s@%s", source->policy, pw_level_name (source->level));
    if (source->target)
        pw_strbuf_appendf (out, ":%s", source->target);
}

static void
s_render_value (pw_strbuf_t *out, pw_setting_t setting, const pw_setting_source_t *source)
{
    if (pw_setting_info (setting)->kind == PW_SETTING_KIND_SCALAR_LIST) {
        pw_strbuf_append (out, "[");
        for (size_t i = 0; i < source->value_count; i++)
            pw_strbuf_appendf (out, "%s%s", i ? "," : "", source->values [i]);
        pw_strbuf_append (out, "]");
    } else
        pw_strbuf_append (out, source->value);
}

static char *
s_render (const pw_effective_t *eff, pw_setting_t setting)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_setting_kind_t kind = pw_setting_info (setting)->kind;
    if (kind == PW_SETTING_KIND_SET || kind == PW_SETTING_KIND_SET_REMOVAL) {
        const pw_setting_member_t *members;
        size_t count = pw_effective_members (eff, setting, &members);
        for (size_t m = 0; m < count; m++) {
            pw_strbuf_appendf (&out, "%s%s%s ", m ? ", " : "", members [m].removed ? "-" : "",
                               members [m].name);
            s_render_source (&out, &members [m].source);
            if (members [m].removed) {
                pw_strbuf_append (&out, " by ");
                s_render_source (&out, &members [m].removed_by);
            }
        }
        if (count == 0)
            pw_strbuf_append (&out, "-");
        return pw_strbuf_take (&out);
    }
    const pw_setting_source_t *source = pw_effective_source (eff, setting);
    if (!source) {
        pw_strbuf_append (&out, "-");
        return pw_strbuf_take (&out);
    }
    s_render_value (&out, setting, source);
    pw_strbuf_append (&out, " ");
    s_render_source (&out, source);
    const pw_setting_source_t *overridden;
    size_t count = pw_effective_overridden (eff, setting, &overridden);
    for (size_t o = 0; o < count; o++) {
        pw_strbuf_append (&out, " | ");
        s_render_value (&out, setting, &overridden [o]);
        pw_strbuf_append (&out, " ");
        s_render_source (&out, &overridden [o]);
    }
    return pw_strbuf_take (&out);
}

typedef struct {
    const char *agent;
    const char *setting;
    const char *expected;
} s_case_t;

static void
s_check_cases (const pw_settings_t *self, const s_case_t *cases, size_t count)
{
    pw_effective_t *eff = pw_effective_new ();
    for (size_t c = 0; c < count; c++) {
        const pw_agent_t *agent = s_agent (cases [c].agent);
        pw_setting_t setting;
        if (!agent || pw_setting_parse (cases [c].setting, &setting) != 0) {
            PW_FAIL_AT ("case %zu: unknown agent or setting", c);
            continue;
        }
        pw_settings_resolve (self, agent, eff);
        char *got = s_render (eff, setting);
        if (strcmp (got, cases [c].expected) != 0)
            PW_FAIL_AT ("%s %s:\n      got      %s\n      expected %s", cases [c].agent,
                        cases [c].setting, got, cases [c].expected);
        free (got);
    }
    pw_effective_destroy (&eff);
    PW_CHECK (eff == NULL);
}

static const s_case_t s_cases [] = {
    //  sets: union over levels, most general first
    {"SQL01", "patch_policies",
     "Baseline Patch Baseline@tenant, NoDotNet Contoso no DotNet@org:contoso, "
     "Servers Contoso servers@group:contoso/servers"},
    //  org beats tenant
    {"SQL01", "scan", "MON 02:00 Contoso no DotNet@org:contoso | MON 06:00 Patch Baseline@tenant"},
    //  child group beats parent group beats tenant (despite its priority 50)
    {"SQL01", "reboot",
     "never SQL servers@group:contoso/servers.sql | always Contoso servers@group:contoso/servers | "
     "when_required Patch Baseline@tenant"},
    //  a list replaces a list as one value
    {"SQL01", "pre_tasks",
     "[disable_monitors,run:stop-sql.ps1] SQL servers@group:contoso/servers.sql | "
     "[disable_monitors,reboot_before] Contoso servers@group:contoso/servers"},
    {"SQL01", "post_tasks", "[enable_monitors] Contoso servers@group:contoso/servers"},
    //  the agent-level template has no PinnedWindow field: it does not
    //  apply, and the custom-field window wins by priority over the default
    {"SQL01", "update_window", "SAT-A Window from CF@tenant | SUN-LATE Default window@tenant"},
    {"SQL01", "subscribed", "true Patch Baseline@tenant"},
    {"SQL01", "health_check", "-"},
    {"SQL01", "manual_patching", "-"},
    {"SQL01", "patch_policies_remove", "-"},
    //  removal at a more specific level (group) than the addition (org)
    {"APP01", "patch_policies",
     "Baseline Patch Baseline@tenant, -NoDotNet Contoso no DotNet@org:contoso by App keeps "
     ".NET@group:contoso/servers.app, Servers Contoso servers@group:contoso/servers"},
    {"APP01", "patch_policies_remove", "NoDotNet App keeps .NET@group:contoso/servers.app"},
    //  an agent-level template that expands beats both tenant candidates
    {"APP01", "update_window",
     "WED-NOON Agent window@agent:APP01 | SAT-B Window from CF@tenant | SUN-LATE Default "
     "window@tenant"},
    {"APP01", "reboot",
     "always Contoso servers@group:contoso/servers | when_required Patch Baseline@tenant"},
    {"APP01", "pre_tasks",
     "[disable_monitors,reboot_before] Contoso servers@group:contoso/servers"},
    //  no PatchWindow field: the template does not apply and is not listed
    {"WEB01", "update_window", "SUN-LATE Default window@tenant"},
    {"WEB01", "reboot",
     "always Contoso servers@group:contoso/servers | when_required Patch Baseline@tenant"},
    //  "serversx" is not in the subtree of "servers"
    {"WEBX", "reboot", "when_required Patch Baseline@tenant"},
    {"WEBX", "patch_policies",
     "Baseline Patch Baseline@tenant, NoDotNet Contoso no DotNet@org:contoso"},
    //  an empty list is a value too
    {"WS001", "pre_tasks", "[] WS no tasks@group:contoso/workstations"},
    //  a group of another org with the same path does not apply
    {"FAB-SRV", "reboot", "when_required Patch Baseline@tenant"},
    //  removal at the same level (org) and at a more specific one than tenant
    {"FAB-SRV", "patch_policies",
     "-Baseline Patch Baseline@tenant by Fabrikam remove@org:fabrikam, "
     "-Extra Fabrikam extra@org:fabrikam by Fabrikam remove@org:fabrikam"},
    //  embedded template; then priority ties broken by order
    {"FAB-SRV", "scan",
     "WED 04:00 Scan by CF@group:fabrikam/servers | TUE 01:00 Fab scan A@org:fabrikam | "
     "TUE 03:00 Fab scan B@org:fabrikam | MON 06:00 Patch Baseline@tenant"},
    //  an empty custom field counts as missing
    {"FAB-SRV", "update_window", "SUN-LATE Default window@tenant"},
    //  lower priority number beats earlier order
    {"FAB-SRV", "health_check",
     "tcp:443 10m Fab hc late@org:fabrikam | tcp:80 5m Fab hc early@org:fabrikam"},
    //  an agent-level addition survives an org-level removal
    {"LOB01", "patch_policies",
     "-Baseline Patch Baseline@tenant by Fabrikam remove@org:fabrikam, "
     "-Extra Fabrikam extra@org:fabrikam by Fabrikam remove@org:fabrikam, "
     "LOBBlock LOB exception@agent:lob01"},
    {"LOB01", "manual_patching", "LOB vendor patches by hand LOB exception@agent:lob01"},
    {"LOB01", "scan",
     "TUE 01:00 Fab scan A@org:fabrikam | TUE 03:00 Fab scan B@org:fabrikam | MON 06:00 Patch "
     "Baseline@tenant"},
    //  parent group setting reaches the child group
    {"FAB-WS", "subscribed",
     "false Out of patching@group:fabrikam/workstations | true Patch Baseline@tenant"},
    {"FAB-WS", "health_check",
     "tcp:443 10m Fab hc late@org:fabrikam | tcp:80 5m Fab hc early@org:fabrikam"},
    {"ADA-WS", "patch_policies", "Baseline Patch Baseline@tenant"},
    {"ADA-WS", "scan", "MON 06:00 Patch Baseline@tenant"},
};

static void
s_test_levels (void)
{
    pw_settings_t *self = s_build ();
    PW_CHECK_INT (pw_settings_assignment_count (self), 19);
    PW_CHECK_INT (pw_settings_policy_count (self), 18);
    s_check_cases (self, s_cases, sizeof (s_cases) / sizeof (s_cases [0]));
    pw_settings_destroy (&self);
    PW_CHECK (self == NULL);
    pw_settings_destroy (&self);
}

static void
s_test_accessors (void)
{
    pw_settings_t *self = s_build ();
    pw_effective_t *eff = pw_effective_new ();
    const char *const *values;

    pw_settings_resolve (self, s_agent ("APP01"), eff);
    PW_CHECK_INT (pw_effective_list (eff, PW_SETTING_PATCH_POLICIES, &values), 2);
    PW_CHECK_STR (values [0], "Baseline");
    PW_CHECK_STR (values [1], "Servers");
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_UPDATE_WINDOW), "WED-NOON");
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_PRE_TASKS), NULL); //  a list
    PW_CHECK_INT (pw_effective_list (eff, PW_SETTING_PRE_TASKS, &values), 2);
    PW_CHECK_STR (values [1], "reboot_before");
    PW_CHECK (pw_effective_source (eff, PW_SETTING_PATCH_POLICIES) == NULL);
    const pw_setting_source_t *source = pw_effective_source (eff, PW_SETTING_UPDATE_WINDOW);
    PW_CHECK (source != NULL);
    if (source) {
        PW_CHECK_INT (source->order, 17);
        PW_CHECK_INT (source->level, PW_LEVEL_AGENT);
        PW_CHECK_STR (source->view, NULL);
    }
    PW_CHECK (pw_effective_subscribed (eff));
    PW_CHECK (!pw_effective_is_set (eff, PW_SETTING_HEALTH_CHECK));
    PW_CHECK (pw_effective_is_set (eff, PW_SETTING_PATCH_POLICIES_REMOVE));

    pw_settings_resolve (self, s_agent ("WS001"), eff);
    PW_CHECK (pw_effective_is_set (eff, PW_SETTING_PRE_TASKS));
    PW_CHECK_INT (pw_effective_list (eff, PW_SETTING_PRE_TASKS, &values), 0);
    //  the same holder, reused: nothing of APP01 is left
    PW_CHECK_INT (pw_effective_list (eff, PW_SETTING_PATCH_POLICIES_REMOVE, &values), 0);
    PW_CHECK (!pw_effective_is_set (eff, PW_SETTING_PATCH_POLICIES_REMOVE));

    pw_settings_resolve (self, s_agent ("FAB-SRV"), eff);
    PW_CHECK_INT (pw_effective_list (eff, PW_SETTING_PATCH_POLICIES, &values), 0);
    PW_CHECK (pw_effective_is_set (eff, PW_SETTING_PATCH_POLICIES));

    //  subscription: setting false in a subscribed org; org unsubscribed
    pw_settings_resolve (self, s_agent ("FAB-WS"), eff);
    PW_CHECK (!pw_effective_subscribed (eff));
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_SUBSCRIBED), "false");
    pw_settings_resolve (self, s_agent ("ADA-WS"), eff);
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_SUBSCRIBED), "true");
    PW_CHECK (!pw_effective_subscribed (eff));
    //  an agent nothing applies to but the tenant
    pw_agent_t lone = {.hostname = "X", .org = &s_adatum, .group = NULL, .subscribed = true};
    pw_settings_resolve (self, &lone, eff);
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_SCAN), "MON 06:00");

    pw_effective_destroy (&eff);
    pw_settings_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Views, and the explain JSON

static void
s_test_views_and_json (void)
{
    static const char *const texts [] = {
        "class == \"server\"",
        "class == \"workstation\"",
        "exists cf.ManualPatchReason",
        "tag.no_patch",
    };
    pw_view_t *views [4];
    for (int v = 0; v < 4; v++) {
        char *error = NULL;
        views [v] = pw_view_compile (texts [v], &error);
        if (!views [v]) {
            PW_FAIL_AT ("view %s: %s", texts [v], error);
            free (error);
            for (int w = 0; w < v; w++)
                pw_view_destroy (&views [w]);
            return;
        }
    }
    pw_settings_t *self = pw_settings_new ();
    static const s_def_t defs [] = {
        {"Baseline membership", "patch_policies", {"Baseline"}, 1},
        {"Baseline membership", "scan", {"MON 05:00"}, 0},
        {"Servers", "patch_policies", {"Servers"}, 1},
        {"Servers", "pre_tasks", {"disable_monitors"}, 1},
        {"Servers", "post_tasks", {"enable_monitors"}, 1},
        {"Servers", "reboot", {"when_required"}, 0},
        {"Servers", "update_window", {"{cf.PatchWindow}"}, 0},
        {"Workstations", "patch_policies", {"Workstations"}, 1},
        {"Workstations", "update_window", {"WS-WED"}, 0},
        {"Workstations", "reboot", {"always"}, 0},
        {"Manual patching", "manual_patching", {"{cf.ManualPatchReason}"}, 0},
        {"No patch tag", "subscribed", {"false"}, 0},
        {"Contoso \"quiet\"", "reboot", {"never"}, 0},
    };
    for (size_t d = 0; d < sizeof (defs) / sizeof (defs [0]); d++) {
        pw_settings_add_policy (self, defs [d].policy, NULL);
        size_t count = 0;
        while (count < 3 && defs [d].values [count])
            count++;
        int rc = defs [d].list ? pw_settings_set_list (self, defs [d].policy, defs [d].setting,
                                                       defs [d].values, count, NULL)
                               : pw_settings_set (self, defs [d].policy, defs [d].setting,
                                                  defs [d].values [0], NULL);
        PW_CHECK_INT (rc, 0);
    }
    pw_assignment_t assignments [] = {
        TENANT ("Baseline membership", 0), TENANT ("Servers", 0),
        TENANT ("Workstations", 0),        TENANT ("Manual patching", 0),
        TENANT ("No patch tag", 0),        ORG ("Contoso \"quiet\"", "contoso", 0),
    };
    for (int v = 0; v < 4; v++)
        assignments [v + 1].view = views [v];
    for (size_t a = 0; a < sizeof (assignments) / sizeof (assignments [0]); a++)
        PW_CHECK_INT (pw_settings_assign (self, &assignments [a], NULL), a);

    static const pw_field_t lob_cf [] = {{"ManualPatchReason", "vendor patches the LOB app"}};
    static const char *const no_patch [] = {"no_patch"};
    const pw_agent_t agents [] = {
        {AGENT ("SQL01", s_contoso, "servers.sql", SERVER), .cf = s_cf_sql, .cf_count = 1},
        {AGENT ("WS01", s_fabrikam, "", WORKSTATION)},
        {AGENT ("LOB02", s_fabrikam, "servers", SERVER), .cf = lob_cf, .cf_count = 1},
        {AGENT ("KIOSK", s_fabrikam, "", WORKSTATION), .tags = no_patch, .tag_count = 1},
    };
    static const struct {
        size_t agent;
        pw_setting_t setting;
        const char *expected;
    } cases [] = {
        {0, PW_SETTING_PATCH_POLICIES,
         "Baseline Baseline membership@tenant, Servers Servers@tenant"},
        {0, PW_SETTING_UPDATE_WINDOW, "SAT-A Servers@tenant"},
        {0, PW_SETTING_REBOOT,
         "never Contoso \"quiet\"@org:contoso | when_required Servers@tenant"},
        {0, PW_SETTING_MANUAL_PATCHING, "-"},
        {1, PW_SETTING_PATCH_POLICIES,
         "Baseline Baseline membership@tenant, Workstations Workstations@tenant"},
        {1, PW_SETTING_UPDATE_WINDOW, "WS-WED Workstations@tenant"},
        {1, PW_SETTING_PRE_TASKS, "-"},
        {2, PW_SETTING_MANUAL_PATCHING, "vendor patches the LOB app Manual patching@tenant"},
        {2, PW_SETTING_UPDATE_WINDOW, "-"},
        {3, PW_SETTING_SUBSCRIBED, "false No patch tag@tenant"},
        {3, PW_SETTING_REBOOT, "always Workstations@tenant"},
    };
    pw_effective_t *eff = pw_effective_new ();
    for (size_t c = 0; c < sizeof (cases) / sizeof (cases [0]); c++) {
        pw_settings_resolve (self, &agents [cases [c].agent], eff);
        char *got = s_render (eff, cases [c].setting);
        if (strcmp (got, cases [c].expected) != 0)
            PW_FAIL_AT ("%s %s:\n      got      %s\n      expected %s",
                        agents [cases [c].agent].hostname,
                        pw_setting_info (cases [c].setting)->name, got, cases [c].expected);
        free (got);
    }
    pw_settings_resolve (self, &agents [3], eff);
    PW_CHECK (!pw_effective_subscribed (eff));

    //  the explain JSON of SQL01, written out by hand
    pw_settings_resolve (self, &agents [0], eff);
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    pw_effective_json (eff, &json);
    const char *expected =
        "{\"patch_policies\": {\"value\": [\"Baseline\", \"Servers\"], \"source\": null, "
        "\"members\": [{\"value\": \"Baseline\", \"source\": {\"policy\": \"Baseline "
        "membership\", \"level\": \"tenant\", \"target\": null, \"view\": null}, "
        "\"removed_by\": null}, {\"value\": \"Servers\", \"source\": {\"policy\": \"Servers\", "
        "\"level\": \"tenant\", \"target\": null, \"view\": \"class == \\\"server\\\"\"}, "
        "\"removed_by\": null}], \"overridden\": []}, "
        "\"patch_policies_remove\": {\"value\": [], \"source\": null, \"members\": [], "
        "\"overridden\": []}, "
        "\"subscribed\": {\"value\": null, \"source\": null, \"overridden\": []}, "
        "\"scan\": {\"value\": \"MON 05:00\", \"source\": {\"policy\": \"Baseline "
        "membership\", \"level\": \"tenant\", \"target\": null, \"view\": null}, "
        "\"overridden\": []}, "
        "\"update_window\": {\"value\": \"SAT-A\", \"source\": {\"policy\": \"Servers\", "
        "\"level\": \"tenant\", \"target\": null, \"view\": \"class == \\\"server\\\"\"}, "
        "\"overridden\": []}, "
        "\"reboot\": {\"value\": \"never\", \"source\": {\"policy\": \"Contoso \\\"quiet\\\"\", "
        "\"level\": \"org\", \"target\": \"contoso\", \"view\": null}, \"overridden\": "
        "[{\"policy\": \"Servers\", \"level\": \"tenant\", \"target\": null, \"value\": "
        "\"when_required\"}]}, "
        "\"pre_tasks\": {\"value\": [\"disable_monitors\"], \"source\": {\"policy\": "
        "\"Servers\", \"level\": \"tenant\", \"target\": null, \"view\": \"class == "
        "\\\"server\\\"\"}, \"overridden\": []}, "
        "\"post_tasks\": {\"value\": [\"enable_monitors\"], \"source\": {\"policy\": "
        "\"Servers\", \"level\": \"tenant\", \"target\": null, \"view\": \"class == "
        "\\\"server\\\"\"}, \"overridden\": []}, "
        "\"health_check\": {\"value\": null, \"source\": null, \"overridden\": []}, "
        "\"manual_patching\": {\"value\": null, \"source\": null, \"overridden\": []}}";
    PW_CHECK_STR (json.data, expected);

    //  bools are JSON booleans
    pw_settings_resolve (self, &agents [3], eff);
    pw_strbuf_reset (&json);
    pw_effective_json (eff, &json);
    PW_CHECK (strstr (json.data, "\"subscribed\": {\"value\": false, \"source\": {\"policy\": "
                                 "\"No patch tag\", \"level\": \"tenant\", \"target\": null, "
                                 "\"view\": \"tag.no_patch\"}, \"overridden\": []}") != NULL);
    pw_strbuf_free (&json);

    pw_effective_destroy (&eff);
    pw_settings_destroy (&self);
    for (int v = 0; v < 4; v++)
        pw_view_destroy (&views [v]);
}

//  --------------------------------------------------------------------------
//  Bad input

static void
s_test_bad_input (void)
{
    pw_settings_t *self = pw_settings_new ();
    char *error = NULL;
    PW_CHECK_INT (pw_settings_add_policy (self, "P", &error), 0);
    PW_CHECK_INT (pw_settings_add_policy (self, "P", &error), -1);
    PW_CHECK_STR (error, "system policy P is already defined");
    free (error);
    error = NULL;
    PW_CHECK_INT (pw_settings_add_policy (self, "", &error), -1);
    PW_CHECK_STR (error, "system policy without a name");
    free (error);

    static const struct {
        const char *policy;
        const char *setting;
        const char *value;
        const char *error;
    } bad_sets [] = {
        {"Q", "scan", "MON", "unknown system policy Q"},
        {"P", "scan_time", "MON", "system policy P: unknown setting scan_time"},
        {"P", "Scan", "MON", "system policy P: unknown setting Scan"},
        {"P", "patch_policies", "Baseline",
         "system policy P: setting patch_policies takes a list "
         "of values"},
        {"P", "pre_tasks", "x", "system policy P: setting pre_tasks takes a list of values"},
        {"P", "scan", "", "system policy P: setting scan: empty value"},
        {"P", "scan", NULL, "system policy P: setting scan: empty value"},
        {"P", "subscribed", "yes",
         "system policy P: setting subscribed: expected true or false, "
         "found \"yes\""},
        {"P", "subscribed", "TRUE",
         "system policy P: setting subscribed: expected true or "
         "false, found \"TRUE\""},
    };
    for (size_t c = 0; c < sizeof (bad_sets) / sizeof (bad_sets [0]); c++) {
        error = NULL;
        PW_CHECK_INT (pw_settings_set (self, bad_sets [c].policy, bad_sets [c].setting,
                                       bad_sets [c].value, &error),
                      -1);
        PW_CHECK_STR (error, bad_sets [c].error);
        free (error);
    }
    static const char *const list [] = {"a", ""};
    error = NULL;
    PW_CHECK_INT (pw_settings_set_list (self, "P", "scan", list, 1, &error), -1);
    PW_CHECK_STR (error, "system policy P: setting scan takes a single value");
    free (error);
    error = NULL;
    PW_CHECK_INT (pw_settings_set_list (self, "P", "post_tasks", list, 2, &error), -1);
    PW_CHECK_STR (error, "system policy P: setting post_tasks: value 2 is empty");
    free (error);
    PW_CHECK_INT (pw_settings_set (self, "P", "scan", "MON 06:00", NULL), 0);
    PW_CHECK_INT (pw_settings_set (self, "P", "scan", "TUE 06:00", NULL), 0); //  replaces

    static const struct {
        pw_assignment_t assignment;
        const char *error;
    } bad_assignments [] = {
        {TENANT ("Q", 0), "assignment: unknown system policy Q"},
        {TENANT (NULL, 0), "assignment: unknown system policy (none)"},
        {{"P", PW_LEVEL_TENANT, "contoso", NULL, NULL, NULL, 0},
         "assignment of P: the tenant level takes no org, group or agent"},
        {ORG ("P", NULL, 0), "assignment of P: org level needs an org"},
        {ORG ("P", "", 0), "assignment of P: org level needs an org"},
        {{"P", PW_LEVEL_ORG, "contoso", "servers", NULL, NULL, 0},
         "assignment of P: org level takes no group or agent"},
        {GROUP ("P", NULL, "servers", 0), "assignment of P: group level needs an org"},
        {GROUP ("P", "contoso", NULL, 0),
         "assignment of P: group path \"\" is not a dotted path like servers.sql"},
        {GROUP ("P", "contoso", "servers..sql", 0),
         "assignment of P: group path \"servers..sql\" is not a dotted path like servers.sql"},
        {GROUP ("P", "contoso", ".servers", 0),
         "assignment of P: group path \".servers\" is not a dotted path like servers.sql"},
        {GROUP ("P", "contoso", "servers.", 0),
         "assignment of P: group path \"servers.\" is not a dotted path like servers.sql"},
        {GROUP ("P", "contoso", "sql servers", 0),
         "assignment of P: group path \"sql servers\" is not a dotted path like servers.sql"},
        {HOST ("P", NULL, 0), "assignment of P: agent level needs a hostname"},
        {{"P", PW_LEVEL_AGENT, "contoso", NULL, "SQL01", NULL, 0},
         "assignment of P: agent level takes the hostname only"},
        {{"P", (pw_level_t)7, NULL, NULL, NULL, NULL, 0}, "assignment of P: level 7 out of range"},
    };
    for (size_t c = 0; c < sizeof (bad_assignments) / sizeof (bad_assignments [0]); c++) {
        error = NULL;
        PW_CHECK_INT (pw_settings_assign (self, &bad_assignments [c].assignment, &error), -1);
        PW_CHECK_STR (error, bad_assignments [c].error);
        free (error);
    }
    PW_CHECK_INT (pw_settings_assignment_count (self), 0);
    pw_assignment_t good = TENANT ("P", 0);
    PW_CHECK_INT (pw_settings_assign (self, &good, NULL), 0);
    pw_effective_t *eff = pw_effective_new ();
    pw_settings_resolve (self, &s_agents [0], eff);
    PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_SCAN), "TUE 06:00");
    pw_effective_destroy (&eff);
    pw_settings_destroy (&self);
}

//  Templates: several references, text that only looks like one.
static void
s_test_templates (void)
{
    static const pw_field_t cf [] = {{"Day", "SAT"}, {"Time", "22:00"}, {"X", "x"}};
    pw_agent_t agent = {.hostname = "H",
                        .org = &s_contoso,
                        .group = "",
                        .cf = cf,
                        .cf_count = 3,
                        .subscribed = true};
    static const struct {
        const char *value;
        const char *expected; //  NULL: does not apply
    } cases [] = {
        {"{cf.Day} {cf.Time}", "SAT 22:00"},
        {"{cf.Day}-{cf.Day}", "SAT-SAT"},
        {"run:{cf.X}.ps1", "run:x.ps1"},
        {"{cf.Missing}", NULL},
        {"{cf.Day} {cf.Missing}", NULL},
        {"{cf.day}", NULL}, //  field names are exact
        {"{cf.}", "{cf.}"},
        {"{cf.Day", "{cf.Day"},
        {"{cf.{cf.Day}}", "{cf.SAT}"},
        {"{Day}", "{Day}"},
        {"plain", "plain"},
    };
    for (size_t c = 0; c < sizeof (cases) / sizeof (cases [0]); c++) {
        pw_settings_t *self = pw_settings_new ();
        pw_settings_add_policy (self, "T", NULL);
        pw_settings_set (self, "T", "health_check", cases [c].value, NULL);
        pw_assignment_t assignment = TENANT ("T", 0);
        pw_settings_assign (self, &assignment, NULL);
        pw_effective_t *eff = pw_effective_new ();
        pw_settings_resolve (self, &agent, eff);
        PW_CHECK_STR (pw_effective_value (eff, PW_SETTING_HEALTH_CHECK), cases [c].expected);
        pw_effective_destroy (&eff);
        pw_settings_destroy (&self);
    }
    //  a list with one element that does not expand does not apply at all;
    //  a set member that does not expand is left out alone
    pw_settings_t *self = pw_settings_new ();
    pw_settings_add_policy (self, "T", NULL);
    pw_settings_add_policy (self, "U", NULL);
    static const char *const tasks [] = {"disable_monitors", "run:{cf.Missing}"};
    static const char *const fallback [] = {"reboot_before"};
    static const char *const members [] = {"Baseline", "{cf.Missing}", "Block-{cf.X}"};
    pw_settings_set_list (self, "T", "pre_tasks", tasks, 2, NULL);
    pw_settings_set_list (self, "T", "patch_policies", members, 3, NULL);
    pw_settings_set_list (self, "U", "pre_tasks", fallback, 1, NULL);
    pw_assignment_t t = ORG ("T", "contoso", 0), u = TENANT ("U", 0);
    pw_settings_assign (self, &t, NULL);
    pw_settings_assign (self, &u, NULL);
    pw_effective_t *eff = pw_effective_new ();
    pw_settings_resolve (self, &agent, eff);
    char *got = s_render (eff, PW_SETTING_PRE_TASKS);
    PW_CHECK_STR (got, "[reboot_before] U@tenant");
    free (got);
    got = s_render (eff, PW_SETTING_PATCH_POLICIES);
    PW_CHECK_STR (got, "Baseline T@org:contoso, Block-x T@org:contoso");
    free (got);
    pw_effective_destroy (&eff);
    pw_settings_destroy (&self);
}

static void
s_test_names (void)
{
    static const char *const names [PW_SETTING_COUNT] = {"patch_policies", "patch_policies_remove",
                                                         "subscribed",     "scan",
                                                         "update_window",  "reboot",
                                                         "pre_tasks",      "post_tasks",
                                                         "health_check",   "manual_patching"};
    static const pw_setting_kind_t kinds [PW_SETTING_COUNT] = {
        PW_SETTING_KIND_SET,         PW_SETTING_KIND_SET_REMOVAL, PW_SETTING_KIND_BOOL,
        PW_SETTING_KIND_SCALAR,      PW_SETTING_KIND_SCALAR,      PW_SETTING_KIND_SCALAR,
        PW_SETTING_KIND_SCALAR_LIST, PW_SETTING_KIND_SCALAR_LIST, PW_SETTING_KIND_SCALAR,
        PW_SETTING_KIND_SCALAR};
    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        PW_CHECK_STR (pw_setting_info ((pw_setting_t)s)->name, names [s]);
        PW_CHECK_INT (pw_setting_info ((pw_setting_t)s)->kind, kinds [s]);
        PW_CHECK (pw_setting_info ((pw_setting_t)s)->doc != NULL);
        pw_setting_t parsed;
        PW_CHECK_INT (pw_setting_parse (names [s], &parsed), 0);
        PW_CHECK_INT (parsed, s);
    }
    PW_CHECK_INT (pw_setting_info (PW_SETTING_PATCH_POLICIES_REMOVE)->removes,
                  PW_SETTING_PATCH_POLICIES);
    pw_setting_t parsed;
    PW_CHECK_INT (pw_setting_parse (NULL, &parsed), -1);
    PW_CHECK_INT (pw_setting_parse ("", &parsed), -1);
    pw_level_t level;
    PW_CHECK_INT (pw_level_parse ("organization", &level), 0);
    PW_CHECK_INT (level, PW_LEVEL_ORG);
    PW_CHECK_INT (pw_level_parse ("Group", &level), 0);
    PW_CHECK_INT (level, PW_LEVEL_GROUP);
    PW_CHECK_INT (pw_level_parse ("machine", &level), -1);
    PW_CHECK_STR (pw_level_name (PW_LEVEL_AGENT), "agent");
    PW_CHECK_STR (pw_level_name (PW_LEVEL_TENANT), "tenant");
}

//  --------------------------------------------------------------------------
//  Scale: 50,000 agents over 500 orgs, 54 assignments at every level.
//  Timing printed with -v only; checks are counts known by construction.

static double
s_seconds (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
s_test_scale (void)
{
    enum { ORGS = 500, AGENT_COUNT = 50000 };
    pw_org_t *orgs = pw_calloc (ORGS, sizeof (pw_org_t));
    char (*org_names) [16] = pw_calloc (ORGS, 16);
    for (int o = 0; o < ORGS; o++) {
        snprintf (org_names [o], 16, "org%03d", o);
        orgs [o] = (pw_org_t){org_names [o], "UTC", true};
    }
    static const char *const groups [] = {"servers.sql", "servers.app", "workstations", ""};
    static const pw_field_t cf [] = {{"PatchWindow", "SAT-A"}};
    pw_agent_t *agents = pw_calloc (AGENT_COUNT, sizeof (pw_agent_t));
    char (*hosts) [16] = pw_calloc (AGENT_COUNT, 16);
    for (int a = 0; a < AGENT_COUNT; a++) {
        snprintf (hosts [a], 16, "HOST%05d", a);
        agents [a] = (pw_agent_t){.hostname = hosts [a],
                                  .org = &orgs [a % ORGS],
                                  .group = groups [a % 4],
                                  .klass = PW_CLASS_SERVER,
                                  .cf = cf,
                                  .cf_count = a % 2,
                                  .subscribed = true};
    }
    pw_view_t *server = pw_view_compile ("class == \"server\"", NULL);
    PW_CHECK (server != NULL);

    //  54 assignments: 10 tenant (4 with a view), 20 org (org000..org019
    //  set the scan), 14 group (servers.sql of org000..org013 sets reboot
    //  never), 10 agent (HOST00000..HOST00009 get manual patching)
    pw_settings_t *self = pw_settings_new ();
    char name [32];
    for (int t = 0; t < 10; t++) {
        snprintf (name, sizeof (name), "tenant-%d", t);
        pw_settings_add_policy (self, name, NULL);
        const char *member = name;
        pw_settings_set_list (self, name, "patch_policies", &member, 1, NULL);
        pw_settings_set (self, name, "update_window", t == 0 ? "{cf.PatchWindow}" : "DEFAULT",
                         NULL);
        pw_settings_set (self, name, "reboot", "when_required", NULL);
        pw_assignment_t assignment = TENANT (name, t);
        assignment.view = t < 4 && server ? server : NULL;
        pw_settings_assign (self, &assignment, NULL);
    }
    for (int o = 0; o < 20; o++) {
        snprintf (name, sizeof (name), "org-%d", o);
        pw_settings_add_policy (self, name, NULL);
        pw_settings_set (self, name, "scan", "TUE 02:00", NULL);
        pw_assignment_t assignment = ORG (name, org_names [o], 0);
        pw_settings_assign (self, &assignment, NULL);
    }
    for (int g = 0; g < 14; g++) {
        snprintf (name, sizeof (name), "group-%d", g);
        pw_settings_add_policy (self, name, NULL);
        pw_settings_set (self, name, "reboot", "never", NULL);
        pw_assignment_t assignment = GROUP (name, org_names [g], "servers.sql", 0);
        pw_settings_assign (self, &assignment, NULL);
    }
    for (int h = 0; h < 10; h++) {
        snprintf (name, sizeof (name), "agent-%d", h);
        pw_settings_add_policy (self, name, NULL);
        pw_settings_set (self, name, "manual_patching", "by hand", NULL);
        pw_assignment_t assignment = HOST (name, hosts [h], 0);
        pw_settings_assign (self, &assignment, NULL);
    }
    PW_CHECK_INT (pw_settings_assignment_count (self), 54);

    pw_effective_t *eff = pw_effective_new ();
    size_t scans = 0, never = 0, manual = 0, sat = 0, members = 0;
    double t0 = s_seconds ();
    for (int a = 0; a < AGENT_COUNT; a++) {
        pw_settings_resolve (self, &agents [a], eff);
        scans += pw_effective_value (eff, PW_SETTING_SCAN) != NULL;
        const char *reboot = pw_effective_value (eff, PW_SETTING_REBOOT);
        never += reboot && strcmp (reboot, "never") == 0;
        manual += pw_effective_value (eff, PW_SETTING_MANUAL_PATCHING) != NULL;
        const char *window = pw_effective_value (eff, PW_SETTING_UPDATE_WINDOW);
        sat += window && strcmp (window, "SAT-A") == 0;
        const char *const *values;
        members += pw_effective_list (eff, PW_SETTING_PATCH_POLICIES, &values);
    }
    double t1 = s_seconds ();
    //  org o holds agents o, o+500, ...: 100 each; 20 orgs set the scan
    PW_CHECK_INT (scans, 20 * 100);
    //  servers.sql is a % 4 == 0; org o holds a = o + 500k, and 500 is a
    //  multiple of 4, so only orgs 0, 4, 8, 12 of the first 14 have any
    PW_CHECK_INT (never, 4 * 100);
    PW_CHECK_INT (manual, 10);
    //  the template wins (priority 0) for agents with the field: odd ones
    PW_CHECK_INT (sat, AGENT_COUNT / 2);
    PW_CHECK_INT (members, (size_t)AGENT_COUNT * 10);
    if (s_pw_verbose)
        fprintf (stderr, "    scale: %d agents x %zu assignments resolved in %.3f s\n", AGENT_COUNT,
                 pw_settings_assignment_count (self), t1 - t0);
    pw_effective_destroy (&eff);
    pw_settings_destroy (&self);
    pw_view_destroy (&server);
    free (agents);
    free (hosts);
    free (orgs);
    free (org_names);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_levels);
    PW_RUN (s_test_accessors);
    PW_RUN (s_test_bad_input);
    PW_RUN (s_test_templates);
    PW_RUN (s_test_names);
    PW_RUN (s_test_views_and_json);
    PW_RUN (s_test_scale);
    return PW_TEST_END ();
}
