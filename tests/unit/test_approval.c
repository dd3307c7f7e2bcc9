/*  test_approval - patch approval rules (DESIGN section 2), table-driven.

    One catalogue of 13 rows (two rows share KB5032189) and five patch
    policies shaped like the seed's practice: Baseline, Servers,
    Workstations, a blocking policy (NoDotNet) and an empty one. Expected
    statuses are worked out by hand from the rules, not copied from output.
    All times are relative to T0 = Patch Tuesday 2023-11-14 00:00 UTC; NOW
    is two days later.
*/
#include "pw_approval.h"
#include "pw_util.h"
#include "../pw_test.h"

#include <time.h>

#define DAY (int64_t)86400
#define T0  (int64_t)1699920000
#define NOW (T0 + 2 * DAY)

//  --------------------------------------------------------------------------
//  Catalogue

static const char *const s_win10 [] = {"Windows 10"};
static const char *const s_net [] = {"Windows Server 2022", ".NET Framework 4.8.1"};
static const char *const s_office16 [] = {"Office 2016"};
static const char *const s_office19 [] = {"Office 2019"};
static const char *const s_zune [] = {"Zune"};
static const char *const s_ws2022 [] = {"Windows Server 2022"};
static const char *const s_intel [] = {"Drivers (Intel)"};
static const char *const s_defender [] = {"Microsoft Defender Antivirus"};
static const char *const s_msrt [] = {"Windows 10", "Windows Server 2022"};
static const char *const s_win11 [] = {"Windows 11"};
static const char *const s_sup_oct [] = {"KB5031356"};
static const char *const s_sup_self [] = {"KB5000001"};
static const char *const s_cves [] = {"CVE-2023-36033", "CVE-2023-36036"};

#define ROW(ID, KB, CLASS, PRODUCTS, RELEASED)                                                     \
    .id = ID, .kb = KB, .title = ID, .classification = PW_CLASSIFICATION_##CLASS,                  \
    .products = PRODUCTS, .product_count = sizeof (PRODUCTS) / sizeof (char *),                    \
    .released = RELEASED

static const pw_patch_t s_catalogue [] = {
    {ROW ("win-x64", "KB5032189", SECURITY, s_win10, T0), .supersedes = s_sup_oct,
     .supersedes_count = 1, .cves = s_cves, .cve_count = 2, .reboot_required = true},
    {ROW ("win-arm", "KB5032189", SECURITY, s_win10, T0), .supersedes = s_sup_oct,
     .supersedes_count = 1},
    {ROW ("win-oct", "KB5031356", SECURITY, s_win10, T0 - 28 * DAY)},
    {ROW ("self", "KB5000001", UPDATE, s_win10, T0 - 60 * DAY), .supersedes = s_sup_self,
     .supersedes_count = 1},
    {ROW ("dotnet", "KB5031989", SECURITY, s_net, T0)},
    {ROW ("office16", "KB5002500", SECURITY, s_office16, T0)},
    {ROW ("zune", "KB2000001", OPTIONAL, s_zune, T0)},
    {ROW ("fp", "KB5003000", FEATURE_PACK, s_ws2022, T0 - 5 * DAY)},
    {ROW ("intel", "KB6000001", DRIVER, s_intel, T0)},
    {ROW ("defender", "KB2267602", DEFINITION, s_defender, T0)},
    {ROW ("msrt", "KB890830", TOOL, s_msrt, T0)},
    {ROW ("win11", "KB7000001", UPGRADE, s_win11, T0 - 1 * DAY)},
    {ROW ("office19", "KB5002600", SECURITY, s_office19, T0 - 10 * DAY)},
};
#define ROWS (sizeof (s_catalogue) / sizeof (s_catalogue [0]))

//  --------------------------------------------------------------------------
//  Policies

#define APPROVE                                                                                    \
    {                                                                                              \
        PW_ACTION_APPROVE, 0                                                                       \
    }
#define APPROVE_AFTER(N)                                                                           \
    {                                                                                              \
        PW_ACTION_APPROVE, N                                                                       \
    }
#define REVIEW                                                                                     \
    {                                                                                              \
        PW_ACTION_REVIEW, 0                                                                        \
    }
#define DENY                                                                                       \
    {                                                                                              \
        PW_ACTION_DENY, 0                                                                          \
    }
#define C(NAME) [PW_CLASSIFICATION_##NAME]

static const pw_product_rule_t s_baseline_products [] = {{"Office*", APPROVE_AFTER (7)}};
static const pw_product_rule_t s_nodotnet_products [] = {{".NET Framework*", DENY}};
//  Order matters: Office 2016 is caught by the first rule, Office 2019 by
//  the second (which also checks case-insensitive globbing).
static const pw_product_rule_t s_ws_products [] = {{"Office 2016", REVIEW}, {"OFFICE*", DENY}};

static const pw_patch_policy_t s_policies [] = {
    {.name = "Baseline",
     .baseline = true,
     .deny_superseded = true,
     .product_rules = s_baseline_products,
     .product_rule_count = 1,
     .classification_rules = {C (CRITICAL) = APPROVE, C (SECURITY) = APPROVE,
                              C (DEFINITION) = APPROVE, C (UPDATE_ROLLUP) = APPROVE,
                              C (SERVICE_PACK) = APPROVE, C (UPDATE) = APPROVE, C (TOOL) = APPROVE,
                              C (DRIVER) = REVIEW, C (FEATURE_PACK) = REVIEW, C (UPGRADE) = DENY,
                              C (OPTIONAL) = DENY}},
    {.name = "Servers",
     .classification_rules = {C (SECURITY) = APPROVE_AFTER (3), C (CRITICAL) = APPROVE,
                              C (FEATURE_PACK) = REVIEW, C (DRIVER) = DENY},
     .default_rule = APPROVE},
    {.name = "NoDotNet",
     .product_rules = s_nodotnet_products,
     .product_rule_count = 1,
     .default_rule = APPROVE},
    {.name = "Workstations",
     .product_rules = s_ws_products,
     .product_rule_count = 2,
     .classification_rules = {C (UPGRADE) = REVIEW},
     .default_rule = APPROVE},
    {.name = "Empty"},
};
#define POLICIES (sizeof (s_policies) / sizeof (s_policies [0]))

static pw_approval_t *
s_build (void)
{
    char *error = NULL;
    pw_approval_t *self = pw_approval_new (s_catalogue, ROWS, &error);
    PW_CHECK (self != NULL);
    PW_CHECK_STR (error, NULL);
    for (size_t p = 0; p < POLICIES; p++)
        PW_CHECK_INT (pw_approval_set_policy (self, &s_policies [p], NULL, &error), p);
    PW_CHECK_STR (error, NULL);
    return self;
}

static long
s_row (const pw_approval_t *self, const char *id)
{
    long index = pw_approval_patch_index (self, id);
    if (index < 0)
        PW_FAIL_AT ("no row %s", id);
    return index;
}

//  --------------------------------------------------------------------------
//  Section 2.1: one cell

typedef struct {
    const char *policy;
    const char *row;
    pw_status_t status;
    int64_t until;
    pw_provenance_t kind;
    const char *rule;
} s_cell_case_t;

#define D      PW_STATUS_DENIED
#define R      PW_STATUS_REVIEW
#define F      PW_STATUS_DEFERRED
#define A      PW_STATUS_APPROVED
#define K_RULE PW_PROVENANCE_RULE

static const s_cell_case_t s_cell_cases [] = {
    //  Baseline: classification rules, superseded denied, Office deferred 7 days
    {"Baseline", "win-x64", A, 0, K_RULE, "classification security"},
    {"Baseline", "win-arm", A, 0, K_RULE, "classification security"},
    {"Baseline", "win-oct", D, 0, PW_PROVENANCE_SUPERSEDED, "superseded by KB5032189"},
    //  a KB that lists itself is not superseded
    {"Baseline", "self", A, 0, K_RULE, "classification update"},
    {"Baseline", "dotnet", A, 0, K_RULE, "classification security"},
    {"Baseline", "office16", F, T0 + 7 * DAY, K_RULE, "product \"Office*\""},
    //  released 10 days before T0: the 7-day deferral has passed
    {"Baseline", "office19", A, 0, K_RULE, "product \"Office*\""},
    {"Baseline", "zune", D, 0, K_RULE, "classification optional"},
    {"Baseline", "fp", R, 0, K_RULE, "classification feature_pack"},
    {"Baseline", "intel", R, 0, K_RULE, "classification driver"},
    {"Baseline", "defender", A, 0, K_RULE, "classification definition"},
    {"Baseline", "msrt", A, 0, K_RULE, "classification tool"},
    {"Baseline", "win11", D, 0, K_RULE, "classification upgrade"},
    //  Servers: no deny_superseded, security deferred 3 days, default approve
    {"Servers", "win-x64", F, T0 + 3 * DAY, K_RULE, "classification security"},
    {"Servers", "win-oct", A, 0, K_RULE, "classification security"},
    {"Servers", "self", A, 0, K_RULE, "default"},
    {"Servers", "office16", F, T0 + 3 * DAY, K_RULE, "classification security"},
    {"Servers", "office19", A, 0, K_RULE, "classification security"},
    {"Servers", "zune", A, 0, K_RULE, "default"},
    {"Servers", "fp", R, 0, K_RULE, "classification feature_pack"},
    {"Servers", "intel", D, 0, K_RULE, "classification driver"},
    //  NoDotNet: the second product of a multi-product patch matches
    {"NoDotNet", "dotnet", D, 0, K_RULE, "product \".NET Framework*\""},
    {"NoDotNet", "win-x64", A, 0, K_RULE, "default"},
    {"NoDotNet", "msrt", A, 0, K_RULE, "default"},
    //  Workstations: first matching product rule in listed order, casefold
    {"Workstations", "office16", R, 0, K_RULE, "product \"Office 2016\""},
    {"Workstations", "office19", D, 0, K_RULE, "product \"OFFICE*\""},
    {"Workstations", "win11", R, 0, K_RULE, "classification upgrade"},
    {"Workstations", "zune", A, 0, K_RULE, "default"},
    //  Empty: an unset default is review
    {"Empty", "win-x64", R, 0, K_RULE, "default"},
    {"Empty", "zune", R, 0, K_RULE, "default"},
};

static void
s_check_cells (const pw_approval_t *self, const s_cell_case_t *cases, size_t count, int64_t now)
{
    for (size_t c = 0; c < count; c++) {
        const s_cell_case_t *tc = &cases [c];
        int p = pw_approval_policy_index (self, tc->policy);
        long i = s_row (self, tc->row);
        if (p < 0 || i < 0) {
            PW_FAIL_AT ("case %zu: unknown policy %s or row %s", c, tc->policy, tc->row);
            continue;
        }
        pw_approval_result_t result;
        pw_approval_cell (self, (size_t)p, (size_t)i, now, &result);
        if (result.status != tc->status || result.until != tc->until || result.kind != tc->kind ||
            !result.rule || strcmp (result.rule, tc->rule) != 0)
            PW_FAIL_AT ("%s/%s: got %s until %lld %s \"%s\", expected %s until %lld %s \"%s\"",
                        tc->policy, tc->row, pw_status_name (result.status),
                        (long long)result.until, pw_provenance_name (result.kind),
                        result.rule ? result.rule : "(null)", pw_status_name (tc->status),
                        (long long)tc->until, pw_provenance_name (tc->kind), tc->rule);
        PW_CHECK_STR (result.policy, tc->policy);
    }
}

static void
s_test_cells (void)
{
    pw_approval_t *self = s_build ();
    PW_CHECK_INT (pw_approval_patch_count (self), 13);
    PW_CHECK_INT (pw_approval_policy_count (self), 5);
    s_check_cells (self, s_cell_cases, sizeof (s_cell_cases) / sizeof (s_cell_cases [0]), NOW);
    PW_CHECK (pw_approval_superseded (self, "KB5031356"));
    PW_CHECK (!pw_approval_superseded (self, "KB5000001"));
    PW_CHECK (!pw_approval_superseded (self, "KB5032189"));
    PW_CHECK (!pw_approval_superseded (self, "KB-none"));
    PW_CHECK (pw_approval_policy_baseline (self, 0));
    PW_CHECK (!pw_approval_policy_baseline (self, 1));
    PW_CHECK_INT (pw_approval_patch_index (self, "nope"), -1);
    PW_CHECK_INT (pw_approval_policy_index (self, "baseline"), -1); //  names are exact
    //  the context keeps its own copy of every row
    const pw_patch_t *row = pw_approval_patch (self, 0);
    PW_CHECK (row != &s_catalogue [0]);
    PW_CHECK (row->kb != s_catalogue [0].kb);
    PW_CHECK_STR (row->kb, "KB5032189");
    PW_CHECK_INT (row->cve_count, 2);
    PW_CHECK_STR (row->cves [1], "CVE-2023-36036");
    PW_CHECK (row->reboot_required);
    pw_approval_destroy (&self);
    PW_CHECK (self == NULL);
    pw_approval_destroy (&self);
}

//  Deferral boundaries: deferred until release + N x 24 h, approved from then.
static void
s_test_deferral_dates (void)
{
    pw_approval_t *self = s_build ();
    static const struct {
        int64_t now;
        pw_status_t status;
        int64_t until;
    } cases [] = {
        {T0 - DAY, F, T0 + 3 * DAY},         //  before release: still deferred
        {T0 + 3 * DAY - 1, F, T0 + 3 * DAY}, //  one second early
        {T0 + 3 * DAY, A, 0},                //  exactly at the date
        {T0 + 30 * DAY, A, 0},
    };
    size_t servers = (size_t)pw_approval_policy_index (self, "Servers");
    size_t row = (size_t)s_row (self, "win-x64");
    for (size_t c = 0; c < sizeof (cases) / sizeof (cases [0]); c++) {
        pw_approval_result_t result;
        pw_approval_cell (self, servers, row, cases [c].now, &result);
        PW_CHECK_INT (result.status, cases [c].status);
        PW_CHECK_INT (result.until, cases [c].until);
    }
    pw_approval_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Section 2.2: effective status on an agent

typedef struct {
    const char *name;
    bool subscribed;
    const char *policies [4];
    const char *ignore [2];
} s_agent_def_t;

typedef struct {
    uint32_t policies [4];
    const char *ignore [2];
    pw_approval_agent_t agent;
} s_agent_t;

static void
s_agent_make (const pw_approval_t *self, const s_agent_def_t *def, s_agent_t *out)
{
    memset (out, 0, sizeof (*out));
    size_t n = 0;
    for (; n < 4 && def->policies [n]; n++) {
        int p = pw_approval_policy_index (self, def->policies [n]);
        PW_CHECK (p >= 0);
        out->policies [n] = (uint32_t)(p < 0 ? 0 : p);
    }
    size_t k = 0;
    for (; k < 2 && def->ignore [k]; k++)
        out->ignore [k] = def->ignore [k];
    out->agent = (pw_approval_agent_t){def->subscribed, out->policies, n, out->ignore, k, NULL, 0};
}

static const s_agent_def_t s_agents [] = {
    {"SRV01", true, {"Baseline", "Servers"}, {NULL}},
    {"SRV02", true, {"Servers", "Baseline"}, {NULL}}, //  same, listed the other way round
    {"SRV03", true, {"Baseline", "Servers", "NoDotNet"}, {NULL}},
    {"NOPOL", true, {NULL}, {NULL}},
    {"UNSUB", false, {"Baseline", "Servers"}, {NULL}},
    {"WS-IGN", true, {"Baseline"}, {"kb5032189", NULL}}, //  KBs are case-insensitive
    {"WS01", true, {"Baseline", "Workstations"}, {NULL}},
};

typedef struct {
    const char *agent;
    const char *row;
    int64_t now;
    pw_status_t status;
    int64_t until;
    pw_provenance_t kind;
    const char *policy;
    const char *rule;
} s_eval_case_t;

#define U PW_STATUS_UNMANAGED

static const s_eval_case_t s_eval_cases [] = {
    //  most restrictive: Servers defers what Baseline approves
    {"SRV01", "win-x64", NOW, F, T0 + 3 * DAY, K_RULE, "Servers", "classification security"},
    //  among deferred the latest date wins (Baseline 7 days > Servers 3 days)
    {"SRV01", "office16", NOW, F, T0 + 7 * DAY, K_RULE, "Baseline", "product \"Office*\""},
    //  after both dates: approved; tie goes to Baseline, first by name
    {"SRV01", "office16", T0 + 8 * DAY, A, 0, K_RULE, "Baseline", "product \"Office*\""},
    //  between the dates: only Baseline still defers
    {"SRV01", "office16", T0 + 5 * DAY, F, T0 + 7 * DAY, K_RULE, "Baseline", "product \"Office*\""},
    {"SRV01", "win-oct", NOW, D, 0, PW_PROVENANCE_SUPERSEDED, "Baseline",
     "superseded by KB5032189"},
    {"SRV01", "fp", NOW, R, 0, K_RULE, "Baseline", "classification feature_pack"},
    {"SRV01", "intel", NOW, D, 0, K_RULE, "Servers", "classification driver"},
    {"SRV01", "defender", NOW, A, 0, K_RULE, "Baseline", "classification definition"},
    //  ties go to the first policy in name order, not in listed order
    {"SRV02", "defender", NOW, A, 0, K_RULE, "Baseline", "classification definition"},
    {"SRV02", "fp", NOW, R, 0, K_RULE, "Baseline", "classification feature_pack"},
    {"SRV02", "zune", NOW, D, 0, K_RULE, "Baseline", "classification optional"},
    //  a blocking policy denies what the others approve or defer
    {"SRV03", "dotnet", NOW, D, 0, K_RULE, "NoDotNet", "product \".NET Framework*\""},
    {"SRV03", "win-x64", NOW, F, T0 + 3 * DAY, K_RULE, "Servers", "classification security"},
    //  no member policy: never auto-approved
    {"NOPOL", "defender", NOW, U, 0, PW_PROVENANCE_NONE, NULL, "no patch policy"},
    {"UNSUB", "defender", NOW, U, 0, PW_PROVENANCE_NONE, NULL, "not subscribed"},
    //  ignore list: every row of the KB
    {"WS-IGN", "win-x64", NOW, D, 0, PW_PROVENANCE_IGNORE, NULL, "ignore list"},
    {"WS-IGN", "win-arm", NOW, D, 0, PW_PROVENANCE_IGNORE, NULL, "ignore list"},
    {"WS-IGN", "defender", NOW, A, 0, K_RULE, "Baseline", "classification definition"},
    {"WS01", "office16", NOW, R, 0, K_RULE, "Workstations", "product \"Office 2016\""},
    {"WS01", "win11", NOW, D, 0, K_RULE, "Baseline", "classification upgrade"},
    {"WS01", "office19", NOW, D, 0, K_RULE, "Workstations", "product \"OFFICE*\""},
};

static void
s_check_evals (const pw_approval_t *self, const s_eval_case_t *cases, size_t count)
{
    for (size_t c = 0; c < count; c++) {
        const s_eval_case_t *tc = &cases [c];
        const s_agent_def_t *def = NULL;
        for (size_t a = 0; a < sizeof (s_agents) / sizeof (s_agents [0]); a++)
            if (strcmp (s_agents [a].name, tc->agent) == 0)
                def = &s_agents [a];
        long i = s_row (self, tc->row);
        if (!def || i < 0) {
            PW_FAIL_AT ("case %zu: unknown agent %s or row %s", c, tc->agent, tc->row);
            continue;
        }
        s_agent_t agent;
        s_agent_make (self, def, &agent);
        pw_approval_result_t result;
        pw_approval_evaluate (self, &agent.agent, (size_t)i, tc->now, &result);
        bool same_policy = (!result.policy || !tc->policy)
                               ? result.policy == tc->policy
                               : strcmp (result.policy, tc->policy) == 0;
        if (result.status != tc->status || result.until != tc->until || result.kind != tc->kind ||
            !same_policy || !result.rule || strcmp (result.rule, tc->rule) != 0)
            PW_FAIL_AT (
                "%s/%s: got %s until %lld %s %s \"%s\", expected %s until %lld %s %s \"%s\"",
                tc->agent, tc->row, pw_status_name (result.status), (long long)result.until,
                pw_provenance_name (result.kind), result.policy ? result.policy : "-",
                result.rule ? result.rule : "(null)", pw_status_name (tc->status),
                (long long)tc->until, pw_provenance_name (tc->kind), tc->policy ? tc->policy : "-",
                tc->rule);
    }
}

static void
s_test_agents (void)
{
    pw_approval_t *self = s_build ();
    s_check_evals (self, s_eval_cases, sizeof (s_eval_cases) / sizeof (s_eval_cases [0]));
    pw_approval_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Decisions, overrides, incremental recomputation

//  Checks that CHANGES holds exactly the (policy, row) pairs of EXPECTED
//  (terminated by a NULL policy), in any order.
static void
s_check_changes (const pw_approval_t *self, const pw_approval_changes_t *changes,
                 const char *const expected [][2], const char *what)
{
    size_t count = 0;
    for (; expected [count][0]; count++) {
        int p = pw_approval_policy_index (self, expected [count][0]);
        long i = pw_approval_patch_index (self, expected [count][1]);
        bool found = false;
        for (size_t c = 0; c < changes->count; c++)
            if ((int)changes->cells [c].policy == p && (long)changes->cells [c].patch == i)
                found = true;
        if (!found)
            PW_FAIL_AT ("%s: cell %s/%s not reported", what, expected [count][0],
                        expected [count][1]);
    }
    if (changes->count != count) {
        PW_FAIL_AT ("%s: %zu cells reported, expected %zu:", what, changes->count, count);
        for (size_t c = 0; c < changes->count; c++)
            fprintf (stderr, "      %s/%s\n",
                     pw_approval_policy_name (self, changes->cells [c].policy),
                     pw_approval_patch (self, changes->cells [c].patch)->id);
    }
}

static void
s_test_decisions (void)
{
    pw_approval_t *self = s_build ();
    pw_approval_changes_t changes = {0};
    char *error = NULL;

    //  a decision replaces the 7-day deferral of one cell
    PW_CHECK_INT (pw_approval_set_decision (self, "Baseline", "KB5002500", PW_ACTION_APPROVE,
                                            &changes, &error),
                  0);
    static const char *const step1 [][2] = {{"Baseline", "office16"}, {NULL, NULL}};
    s_check_changes (self, &changes, step1, "decision approve");
    pw_approval_changes_free (&changes);

    //  a decision acts on every row of the KB
    PW_CHECK_INT (
        pw_approval_set_decision (self, "Baseline", "KB5032189", PW_ACTION_DENY, &changes, &error),
        0);
    static const char *const step2 [][2] = {
        {"Baseline", "win-x64"}, {"Baseline", "win-arm"}, {NULL, NULL}};
    s_check_changes (self, &changes, step2, "decision deny");
    pw_approval_changes_free (&changes);

    //  a decision beats deny_superseded
    PW_CHECK_INT (pw_approval_set_decision (self, "Baseline", "KB5031356", PW_ACTION_APPROVE,
                                            &changes, &error),
                  0);
    static const char *const step3 [][2] = {{"Baseline", "win-oct"}, {NULL, NULL}};
    s_check_changes (self, &changes, step3, "decision over superseded");
    pw_approval_changes_free (&changes);

    static const s_cell_case_t after [] = {
        {"Baseline", "office16", A, 0, PW_PROVENANCE_DECISION, "decision approve"},
        {"Baseline", "win-x64", D, 0, PW_PROVENANCE_DECISION, "decision deny"},
        {"Baseline", "win-arm", D, 0, PW_PROVENANCE_DECISION, "decision deny"},
        {"Baseline", "win-oct", A, 0, PW_PROVENANCE_DECISION, "decision approve"},
        //  decisions are per policy
        {"Servers", "win-x64", F, T0 + 3 * DAY, K_RULE, "classification security"},
    };
    s_check_cells (self, after, sizeof (after) / sizeof (after [0]), NOW);
    static const s_eval_case_t after_eval [] = {
        {"SRV01", "win-x64", NOW, D, 0, PW_PROVENANCE_DECISION, "Baseline", "decision deny"},
        {"SRV01", "office16", NOW, F, T0 + 3 * DAY, K_RULE, "Servers", "classification security"},
    };
    s_check_evals (self, after_eval, 2);

    //  an override beats the decision, in every policy; cells that were
    //  already approved at once do not change status and are not reported
    PW_CHECK_INT (pw_approval_set_override (self, "KB5032189", PW_ACTION_APPROVE, "tested in lab",
                                            &changes, &error),
                  0);
    static const char *const step4 [][2] = {{"Baseline", "win-x64"},
                                            {"Baseline", "win-arm"},
                                            {"Servers", "win-x64"},
                                            {"Servers", "win-arm"},
                                            {"Empty", "win-x64"},
                                            {"Empty", "win-arm"},
                                            {NULL, NULL}};
    s_check_changes (self, &changes, step4, "override approve");
    pw_approval_changes_free (&changes);
    pw_approval_result_t result;
    s_agent_t agent;
    s_agent_make (self, &s_agents [0], &agent);
    pw_approval_evaluate (self, &agent.agent, (size_t)s_row (self, "win-x64"), NOW, &result);
    PW_CHECK_INT (result.status, PW_STATUS_APPROVED);
    PW_CHECK_INT (result.kind, PW_PROVENANCE_OVERRIDE);
    PW_CHECK_STR (result.policy, NULL);
    PW_CHECK_STR (result.rule, "override approve");
    PW_CHECK_STR (result.note, "tested in lab");
    //  ...but not on an agent without policy: still unmanaged
    s_agent_make (self, &s_agents [3], &agent);
    pw_approval_evaluate (self, &agent.agent, (size_t)s_row (self, "win-x64"), NOW, &result);
    PW_CHECK_INT (result.status, PW_STATUS_UNMANAGED);

    //  clearing the override brings the decision back: the same six cells
    PW_CHECK_INT (
        pw_approval_set_override (self, "KB5032189", PW_ACTION_NONE, NULL, &changes, &error), 0);
    s_check_changes (self, &changes, step4, "override cleared");
    pw_approval_changes_free (&changes);
    s_check_cells (self, after, 2, NOW);

    //  an override deny beats a decision approve
    PW_CHECK_INT (pw_approval_set_override (self, "kb5031356", PW_ACTION_DENY, "breaks LOB app",
                                            &changes, &error),
                  0);
    static const char *const step5 [][2] = {{"Baseline", "win-oct"}, {"Servers", "win-oct"},
                                            {"NoDotNet", "win-oct"}, {"Workstations", "win-oct"},
                                            {"Empty", "win-oct"},    {NULL, NULL}};
    s_check_changes (self, &changes, step5, "override deny");
    pw_approval_changes_free (&changes);
    pw_approval_cell (self, 0, (size_t)s_row (self, "win-oct"), NOW, &result);
    PW_CHECK_INT (result.status, PW_STATUS_DENIED);
    PW_CHECK_STR (result.rule, "override deny");
    PW_CHECK_STR (result.note, "breaks LOB app");

    //  a decision equal to what the rule gives changes no status
    PW_CHECK_INT (pw_approval_set_decision (self, "NoDotNet", "KB2267602", PW_ACTION_APPROVE,
                                            &changes, &error),
                  0);
    PW_CHECK_INT (changes.count, 0);
    pw_approval_cell (self, 2, (size_t)s_row (self, "defender"), NOW, &result);
    PW_CHECK_STR (result.rule, "decision approve");

    //  clearing a decision returns the rule
    PW_CHECK_INT (
        pw_approval_set_decision (self, "Baseline", "KB5002500", PW_ACTION_NONE, &changes, &error),
        0);
    s_check_changes (self, &changes, step1, "decision cleared");
    pw_approval_changes_free (&changes);
    pw_approval_cell (self, 0, (size_t)s_row (self, "office16"), NOW, &result);
    PW_CHECK_INT (result.status, PW_STATUS_DEFERRED);
    PW_CHECK_INT (result.until, T0 + 7 * DAY);
    PW_CHECK_STR (error, NULL);
    pw_approval_destroy (&self);
}

static void
s_test_policy_change (void)
{
    pw_approval_t *self = s_build ();
    pw_approval_changes_t changes = {0};
    char *error = NULL;

    //  Servers approves security at once instead of after 3 days: every
    //  security row of Servers changes its effective date
    pw_patch_policy_t servers = s_policies [1];
    servers.classification_rules [PW_CLASSIFICATION_SECURITY] = (pw_rule_t)APPROVE;
    PW_CHECK_INT (pw_approval_set_policy (self, &servers, &changes, &error), 1);
    static const char *const expect [][2] = {{"Servers", "win-x64"},
                                             {"Servers", "win-arm"},
                                             {"Servers", "win-oct"},
                                             {"Servers", "dotnet"},
                                             {"Servers", "office16"},
                                             {"Servers", "office19"},
                                             {NULL, NULL}};
    s_check_changes (self, &changes, expect, "policy change");
    pw_approval_changes_free (&changes);
    PW_CHECK_INT (pw_approval_policy_count (self), 5);

    //  deny_superseded switched on in Servers: one cell
    servers.deny_superseded = true;
    PW_CHECK_INT (pw_approval_set_policy (self, &servers, &changes, &error), 1);
    static const char *const expect2 [][2] = {{"Servers", "win-oct"}, {NULL, NULL}};
    s_check_changes (self, &changes, expect2, "deny_superseded on");
    pw_approval_changes_free (&changes);

    //  a new policy reports its whole row
    pw_patch_policy_t extra = {.name = "Extra", .default_rule = APPROVE};
    PW_CHECK_INT (pw_approval_set_policy (self, &extra, &changes, &error), 5);
    PW_CHECK_INT (changes.count, 13);
    for (size_t c = 0; c < changes.count; c++)
        PW_CHECK_INT (changes.cells [c].policy, 5);
    pw_approval_changes_free (&changes);

    //  the other rows are untouched and still right
    s_check_cells (self, s_cell_cases, 13, NOW);
    PW_CHECK_STR (error, NULL);
    pw_approval_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Bad input

static void
s_test_bad_input (void)
{
    pw_approval_t *self = s_build ();
    static const pw_product_rule_t empty_glob [] = {{"", APPROVE}};
    static const pw_product_rule_t no_action [] = {{"Office*", {PW_ACTION_NONE, 0}}};
    static const struct {
        pw_patch_policy_t policy;
        const char *error;
    } bad_policies [] = {
        {{.name = ""}, "patch policy without a name"},
        {{.name = "X", .default_rule = {PW_ACTION_DENY, 3}},
         "policy X: default: after_days applies only to approve"},
        {{.name = "X", .classification_rules = {C (SECURITY) = {PW_ACTION_APPROVE, -1}}},
         "policy X: classification security: after_days -1 is not between 0 and 3650"},
        {{.name = "X", .default_rule = {PW_ACTION_APPROVE, 4000}},
         "policy X: default: after_days 4000 is not between 0 and 3650"},
        {{.name = "X", .product_rules = empty_glob, .product_rule_count = 1},
         "policy X: product rule 1: empty product glob"},
        {{.name = "X", .product_rules = no_action, .product_rule_count = 1},
         "policy X: product rule 1 (\"Office*\"): no action"},
    };
    for (size_t c = 0; c < sizeof (bad_policies) / sizeof (bad_policies [0]); c++) {
        char *error = NULL;
        PW_CHECK_INT (pw_approval_set_policy (self, &bad_policies [c].policy, NULL, &error), -1);
        PW_CHECK_STR (error, bad_policies [c].error);
        free (error);
    }
    PW_CHECK_INT (pw_approval_policy_count (self), 5);

    static const struct {
        const char *policy;
        const char *kb;
        pw_action_t action;
        const char *error;
    } bad_decisions [] = {
        {"Nope", "KB5032189", PW_ACTION_APPROVE, "decision: unknown patch policy Nope"},
        {"Baseline", "KB999", PW_ACTION_APPROVE, "decision: KB KB999 is not in the catalogue"},
        {"Baseline", "KB5032189", PW_ACTION_REVIEW,
         "decision for KB5032189: action must be approve or deny"},
        {"Baseline", NULL, PW_ACTION_DENY, "decision: KB (none) is not in the catalogue"},
    };
    for (size_t c = 0; c < sizeof (bad_decisions) / sizeof (bad_decisions [0]); c++) {
        char *error = NULL;
        PW_CHECK_INT (pw_approval_set_decision (self, bad_decisions [c].policy,
                                                bad_decisions [c].kb, bad_decisions [c].action,
                                                NULL, &error),
                      -1);
        PW_CHECK_STR (error, bad_decisions [c].error);
        free (error);
    }
    char *error = NULL;
    PW_CHECK_INT (pw_approval_set_override (self, "KB1", PW_ACTION_DENY, "x", NULL, &error), -1);
    PW_CHECK_STR (error, "override: KB KB1 is not in the catalogue");
    free (error);
    error = NULL;
    PW_CHECK_INT (pw_approval_set_override (self, "KB5032189", PW_ACTION_REVIEW, "x", NULL, &error),
                  -1);
    PW_CHECK_STR (error, "override for KB5032189: action must be approve or deny");
    free (error);
    //  a NULL error pointer is allowed
    PW_CHECK_INT (pw_approval_set_override (self, "KB1", PW_ACTION_DENY, "x", NULL, NULL), -1);
    //  nothing changed
    s_check_cells (self, s_cell_cases, sizeof (s_cell_cases) / sizeof (s_cell_cases [0]), NOW);
    pw_approval_destroy (&self);

    //  bad catalogues
    static const char *const none [] = {"x"};
    static const char *const empty_product [] = {""};
    static const struct {
        pw_patch_t rows [2];
        size_t count;
        const char *error;
    } bad_catalogues [] = {
        {{{.id = "a", .kb = "KB1", .products = none, .product_count = 1},
          {.id = "a", .kb = "KB2", .products = none, .product_count = 1}},
         2,
         "patch a: duplicate id in the catalogue"},
        {{{.id = "a", .products = none, .product_count = 1}}, 1, "patch a: missing kb"},
        {{{.kb = "KB1", .products = none, .product_count = 1}}, 1, "patch (no id): missing id"},
        {{{.id = "a", .kb = "KB1"}}, 1, "patch a: no product"},
        {{{.id = "a", .kb = "KB1", .products = empty_product, .product_count = 1}},
         1,
         "patch a: product 1 is empty"},
        {{{.id = "a",
           .kb = "KB1",
           .products = none,
           .product_count = 1,
           .classification = PW_CLASSIFICATION_COUNT}},
         1,
         "patch a: classification 11 out of range"},
    };
    for (size_t c = 0; c < sizeof (bad_catalogues) / sizeof (bad_catalogues [0]); c++) {
        error = NULL;
        pw_approval_t *bad =
            pw_approval_new (bad_catalogues [c].rows, bad_catalogues [c].count, &error);
        PW_CHECK (bad == NULL);
        PW_CHECK_STR (error, bad_catalogues [c].error);
        free (error);
        pw_approval_destroy (&bad);
    }
    //  an empty catalogue is fine
    pw_approval_t *empty = pw_approval_new (NULL, 0, NULL);
    PW_CHECK (empty != NULL);
    PW_CHECK_INT (pw_approval_set_policy (empty, &s_policies [0], NULL, NULL), 0);
    pw_approval_destroy (&empty);
}

static void
s_test_names (void)
{
    static const struct {
        const char *text;
        int expected; //  -1: refused
    } cases [] = {
        {"critical", PW_CLASSIFICATION_CRITICAL},
        {"security", PW_CLASSIFICATION_SECURITY},
        {"definition", PW_CLASSIFICATION_DEFINITION},
        {"update_rollup", PW_CLASSIFICATION_UPDATE_ROLLUP},
        {"service_pack", PW_CLASSIFICATION_SERVICE_PACK},
        {"feature_pack", PW_CLASSIFICATION_FEATURE_PACK},
        {"update", PW_CLASSIFICATION_UPDATE},
        {"tool", PW_CLASSIFICATION_TOOL},
        {"driver", PW_CLASSIFICATION_DRIVER},
        {"upgrade", PW_CLASSIFICATION_UPGRADE},
        {"optional", PW_CLASSIFICATION_OPTIONAL},
        //  WSUS titles as RMM exports carry them
        {"Security Updates", PW_CLASSIFICATION_SECURITY},
        {"Critical Updates", PW_CLASSIFICATION_CRITICAL},
        {"Updates", PW_CLASSIFICATION_UPDATE},
        {"Upgrades", PW_CLASSIFICATION_UPGRADE},
        {"Update Rollups", PW_CLASSIFICATION_UPDATE_ROLLUP},
        {"Feature Packs", PW_CLASSIFICATION_FEATURE_PACK},
        {"Service Packs", PW_CLASSIFICATION_SERVICE_PACK},
        {"Definition Updates", PW_CLASSIFICATION_DEFINITION},
        {"Drivers", PW_CLASSIFICATION_DRIVER},
        {"Tools", PW_CLASSIFICATION_TOOL},
        {"SECURITY UPDATES", PW_CLASSIFICATION_SECURITY},
        {"  update rollup ", PW_CLASSIFICATION_UPDATE_ROLLUP},
        {"Feature-Pack", PW_CLASSIFICATION_FEATURE_PACK},
        {"Security Update", PW_CLASSIFICATION_SECURITY},
        {"", -1},
        {"   ", -1},
        {"s", -1},
        {"Security Updatez", -1},
        {"Updat", -1},
        {"Hotfix", -1},
        {"a very long classification name that no one uses", -1},
        {NULL, -1},
    };
    for (size_t c = 0; c < sizeof (cases) / sizeof (cases [0]); c++) {
        pw_classification_t parsed = PW_CLASSIFICATION_COUNT;
        int rc = pw_classification_parse (cases [c].text, &parsed);
        if (cases [c].expected < 0) {
            if (rc != -1)
                PW_FAIL_AT ("\"%s\" parsed as %s", cases [c].text, pw_classification_name (parsed));
        } else if (rc != 0 || (int)parsed != cases [c].expected)
            PW_FAIL_AT ("\"%s\": rc %d, %s", cases [c].text, rc, pw_classification_name (parsed));
    }
    PW_CHECK_STR (pw_classification_name (PW_CLASSIFICATION_UPDATE_ROLLUP), "update_rollup");
    PW_CHECK_STR (pw_classification_name (PW_CLASSIFICATION_COUNT), "unknown");
    PW_CHECK_STR (pw_status_name (PW_STATUS_DEFERRED), "deferred");
    PW_CHECK_STR (pw_status_name (PW_STATUS_UNMANAGED), "unmanaged");
    PW_CHECK_STR (pw_provenance_name (PW_PROVENANCE_SUPERSEDED), "superseded");
    PW_CHECK_STR (pw_action_name (PW_ACTION_DENY), "deny");
    pw_action_t action = PW_ACTION_NONE;
    PW_CHECK_INT (pw_action_parse ("Approve", &action), 0);
    PW_CHECK_INT (action, PW_ACTION_APPROVE);
    PW_CHECK_INT (pw_action_parse ("DENY", &action), 0);
    PW_CHECK_INT (action, PW_ACTION_DENY);
    PW_CHECK_INT (pw_action_parse ("allow", &action), -1);
    PW_CHECK_INT (pw_action_parse (NULL, &action), -1);

    //  pw_patch helpers
    PW_CHECK (pw_patch_matches_product (&s_catalogue [4], ".net*"));
    PW_CHECK (pw_patch_matches_product (&s_catalogue [4], "Windows Server 2022"));
    PW_CHECK (!pw_patch_matches_product (&s_catalogue [4], "Windows Server"));
    PW_CHECK (pw_patch_supersedes (&s_catalogue [0], "KB5031356"));
    PW_CHECK (!pw_patch_supersedes (&s_catalogue [0], "KB5032189"));
    pw_patch_t *copy = pw_patch_dup (&s_catalogue [4]);
    PW_CHECK_STR (copy->products [1], ".NET Framework 4.8.1");
    PW_CHECK (copy->products [1] != s_catalogue [4].products [1]);
    PW_CHECK_STR (copy->severity, NULL);
    PW_CHECK (copy->supersedes == NULL);
    pw_patch_destroy (&copy);
    PW_CHECK (copy == NULL);
    pw_patch_destroy (&copy);
}

//  --------------------------------------------------------------------------
//  Section 2.3: review queue and bulk selection

static void
s_test_review_queue (void)
{
    pw_approval_t *self = s_build ();
    long fp = s_row (self, "fp"), intel = s_row (self, "intel");
    long x64 = s_row (self, "win-x64"), arm = s_row (self, "win-arm");
    uint32_t base = 0, servers = 1, empty = 4;
    uint32_t m_bs [] = {base, servers}, m_b [] = {base}, m_s [] = {servers}, m_e [] = {empty};
    uint32_t miss0 [] = {fp, intel, x64}, miss1 [] = {fp, intel}, miss2 [] = {fp},
                   miss4 [] = {intel}, miss5 [] = {x64, arm};
    const char *ign [] = {"KB6000001"};
    pw_approval_agent_t agents [] = {
        {true, m_bs, 2, NULL, 0, miss0, 3}, //  in Baseline and Servers
        {true, m_b, 1, NULL, 0, miss1, 2},  {true, m_s, 1, NULL, 0, miss2, 1},
        {false, m_b, 1, NULL, 0, miss2, 1}, //  unsubscribed: reaches nothing
        {true, m_b, 1, ign, 1, miss4, 1},   //  ignores the driver
        {true, m_e, 1, NULL, 0, miss5, 2},  //  misses both rows of one KB
    };
    pw_review_queue_t *queue = pw_approval_review_queue (self, agents, 6, NOW);
    PW_CHECK_INT (queue->count, 5);
    static const char *const order [] = {"Baseline", "Empty", "NoDotNet", "Servers",
                                         "Workstations"};
    static const size_t counts [] = {2, 12, 0, 1, 2};
    for (size_t p = 0; p < 5 && p < queue->count; p++) {
        PW_CHECK_STR (queue->policies [p].policy, order [p]);
        PW_CHECK_INT (queue->policies [p].count, counts [p]);
    }
    if (queue->count == 5 && queue->policies [0].count == 2) {
        //  Baseline: both reach 2 agents; the older feature pack first
        pw_review_item_t *item = queue->policies [0].items;
        PW_CHECK_STR (item [0].kb, "KB5003000");
        PW_CHECK_INT (item [0].agents, 2);
        PW_CHECK_INT (item [0].age, 7 * DAY);
        PW_CHECK_INT (item [0].classification, PW_CLASSIFICATION_FEATURE_PACK);
        PW_CHECK_STR (item [0].title, "fp");
        PW_CHECK_STR (item [1].kb, "KB6000001");
        PW_CHECK_INT (item [1].agents, 2);
        PW_CHECK_INT (item [1].age, 2 * DAY);
    }
    if (queue->count == 5 && queue->policies [1].count == 12) {
        //  Empty: the KB with two rows counts its agent once, and leads
        pw_review_item_t *item = queue->policies [1].items;
        PW_CHECK_STR (item [0].kb, "KB5032189");
        PW_CHECK_INT (item [0].agents, 1);
        for (size_t k = 1; k < 12; k++)
            PW_CHECK_INT (item [k].agents, 0);
        //  then oldest first: KB5000001 (60 days), KB5031356 (28 days)
        PW_CHECK_STR (item [1].kb, "KB5000001");
        PW_CHECK_STR (item [2].kb, "KB5031356");
    }
    if (queue->count == 5 && queue->policies [3].count == 1) {
        PW_CHECK_STR (queue->policies [3].items [0].kb, "KB5003000");
        PW_CHECK_INT (queue->policies [3].items [0].agents, 2);
        PW_CHECK_INT (queue->policies [3].policy_index, 1);
    }
    if (queue->count == 5 && queue->policies [4].count == 2) {
        PW_CHECK_STR (queue->policies [4].items [0].kb, "KB7000001");
        PW_CHECK_STR (queue->policies [4].items [1].kb, "KB5002500");
    }
    pw_review_queue_destroy (&queue);
    PW_CHECK (queue == NULL);

    //  a decision takes the KB out of the queue
    PW_CHECK_INT (
        pw_approval_set_decision (self, "Baseline", "KB5003000", PW_ACTION_APPROVE, NULL, NULL), 0);
    queue = pw_approval_review_queue (self, agents, 6, NOW);
    PW_CHECK_INT (queue->policies [0].count, 1);
    if (queue->policies [0].count == 1)
        PW_CHECK_STR (queue->policies [0].items [0].kb, "KB6000001");
    pw_review_queue_destroy (&queue);

    //  bulk selection
    static const struct {
        const char *policy;
        pw_review_filter_t filter;
        bool use_filter;
        const char *expected [6];
    } cases [] = {
        {"Empty",
         {true, PW_CLASSIFICATION_SECURITY, NULL, 0},
         true,
         {"KB5032189", "KB5031356", "KB5031989", "KB5002500", "KB5002600"}},
        {"Empty", {false, 0, "office*", 0}, true, {"KB5002500", "KB5002600"}},
        {"Empty",
         {false, 0, NULL, T0},
         true,
         {"KB5031356", "KB5000001", "KB5003000", "KB7000001", "KB5002600"}},
        {"Empty", {true, PW_CLASSIFICATION_SECURITY, NULL, T0}, true, {"KB5031356", "KB5002600"}},
        {"Empty", {true, PW_CLASSIFICATION_SECURITY, "Windows*", T0}, true, {"KB5031356"}},
        {"Empty", {true, PW_CLASSIFICATION_DRIVER, "Office*", 0}, true, {NULL}},
        {"Baseline", {0}, false, {"KB6000001"}}, //  KB5003000 was decided above
        {"NoDotNet", {0}, false, {NULL}},
    };
    for (size_t c = 0; c < sizeof (cases) / sizeof (cases [0]); c++) {
        const char **kbs = NULL;
        int p = pw_approval_policy_index (self, cases [c].policy);
        long count = pw_approval_select (self, (size_t)p,
                                         cases [c].use_filter ? &cases [c].filter : NULL, &kbs);
        long expected = 0;
        while (cases [c].expected [expected])
            expected++;
        if (count != expected)
            PW_FAIL_AT ("selection %zu: %ld KBs, expected %ld", c, count, expected);
        for (long k = 0; k < count && k < expected; k++)
            PW_CHECK_STR (kbs [k], cases [c].expected [k]);
        free (kbs);
    }
    const char **kbs = NULL;
    PW_CHECK_INT (pw_approval_select (self, 99, NULL, &kbs), -1);
    PW_CHECK (kbs == NULL);
    pw_approval_destroy (&self);
}

//  --------------------------------------------------------------------------
//  Scale: 3,000 KBs x 2 rows, 14 policies, 50,000 agents x 40 missing rows.
//  Timing is printed with -v only; the checks are counts known by
//  construction.

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
    enum { KBS = 3000, PATCHES = 2 * KBS, POLICY_COUNT = 14, AGENTS = 50000, MISSING = 40 };
    pw_patch_t *rows = pw_calloc (PATCHES, sizeof (pw_patch_t));
    char (*ids) [16] = pw_calloc (PATCHES, 16);
    char (*kbnames) [16] = pw_calloc (KBS, 16);
    static const char *const products [] = {"Windows Server 2022"};
    for (int i = 0; i < PATCHES; i++) {
        snprintf (ids [i], 16, "row-%d", i);
        if (i < KBS)
            snprintf (kbnames [i], 16, "KB%d", 5000000 + i);
        rows [i] = (pw_patch_t){.id = ids [i],
                                .kb = kbnames [i % KBS],
                                .classification = (pw_classification_t)(i % KBS % 11),
                                .products = products,
                                .product_count = 1,
                                .released = T0};
    }
    double t0 = s_seconds ();
    pw_approval_t *self = pw_approval_new (rows, PATCHES, NULL);
    //  Baseline approves all but optional (deny); 13 blocking policies each
    //  approve by default and deny one classification (tool for all of
    //  them, so the 13 agree and tie on it)
    pw_patch_policy_t base = {.name = "P00-Baseline",
                              .default_rule = APPROVE,
                              .classification_rules = {C (OPTIONAL) = DENY}};
    pw_approval_set_policy (self, &base, NULL, NULL);
    for (int p = 1; p < POLICY_COUNT; p++) {
        char name [32];
        snprintf (name, sizeof (name), "P%02d-Block", p);
        pw_patch_policy_t block = {
            .name = name, .default_rule = APPROVE, .classification_rules = {C (TOOL) = DENY}};
        PW_CHECK_INT (pw_approval_set_policy (self, &block, NULL, NULL), p);
    }
    double t1 = s_seconds ();

    //  Every agent is in Baseline and one blocking policy and misses 40 rows
    //  given by id; the service maps ids to rows the same way.
    size_t approved = 0, denied = 0, expected_denied = 0;
    //  the ids as a scan import holds them: separate strings, not the
    //  context's copies
    char (*scan_ids) [16] = pw_calloc (PATCHES, 16);
    for (int i = 0; i < PATCHES; i++)
        memcpy (scan_ids [i], ids [i], 16);
    t1 = s_seconds ();
    for (int a = 0; a < AGENTS; a++) {
        uint32_t members [2] = {0, (uint32_t)(1 + a % (POLICY_COUNT - 1))};
        pw_approval_agent_t agent = {true, members, 2, NULL, 0, NULL, 0};
        for (int m = 0; m < MISSING; m++) {
            int row = (a * 7 + m * 149) % PATCHES;
            long i = pw_approval_patch_index (self, scan_ids [row]);
            pw_approval_result_t result;
            pw_approval_evaluate (self, &agent, (size_t)i, NOW, &result);
            int klass = row % KBS % 11;
            if (klass == PW_CLASSIFICATION_OPTIONAL || klass == PW_CLASSIFICATION_TOOL)
                expected_denied++;
            if (result.status == PW_STATUS_APPROVED)
                approved++;
            else if (result.status == PW_STATUS_DENIED)
                denied++;
        }
    }
    double t2 = s_seconds ();
    PW_CHECK_INT (denied, expected_denied);
    PW_CHECK_INT (approved + denied, (size_t)AGENTS * MISSING);
    if (s_pw_verbose)
        fprintf (stderr,
                 "    scale: context %d rows x %d policies in %.3f s; "
                 "%d agents x %d missing in %.3f s\n",
                 PATCHES, POLICY_COUNT, t1 - t0, AGENTS, MISSING, t2 - t1);
    pw_approval_destroy (&self);
    free (rows);
    free (ids);
    free (kbnames);
    free (scan_ids);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_cells);
    PW_RUN (s_test_deferral_dates);
    PW_RUN (s_test_agents);
    PW_RUN (s_test_decisions);
    PW_RUN (s_test_policy_change);
    PW_RUN (s_test_bad_input);
    PW_RUN (s_test_names);
    PW_RUN (s_test_review_queue);
    PW_RUN (s_test_scale);
    return PW_TEST_END ();
}
