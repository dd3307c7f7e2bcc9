/*  test_plan - dependency-ordered placement, waves and plan violations.

    Every case is a small hand-built tenant with placements worked out by
    hand (comments show the working), plus one large generated fleet checked
    against invariants.
*/
#include "pw_plan.h"
#include "pw_util.h"
#include "../pw_test.h"

#include <time.h>

//  Saturday 2024-06-15 20:00 UTC (22:00 in Berlin).
#define T0  1718481600LL
#define MIN 60LL

enum { MAX_AGENTS = 128, MAX_INSTANCES = 16, MAX_GROUPS = 4, MAX_EDGES = 256 };

typedef struct {
    pw_plan_agent_t agents [MAX_AGENTS];
    pw_plan_instance_t instances [MAX_INSTANCES];
    pw_plan_group_t groups [MAX_GROUPS];
    int group_instances [MAX_GROUPS][MAX_INSTANCES];
    pw_plan_edge_t edges [MAX_EDGES];
    pw_plan_input_t input;
    char names [MAX_AGENTS][16];
} s_setup_t;

static s_setup_t *
s_setup_new (void)
{
    s_setup_t *setup = pw_calloc (1, sizeof (s_setup_t));
    setup->input.agents = setup->agents;
    setup->input.instances = setup->instances;
    setup->input.groups = setup->groups;
    setup->input.edges = setup->edges;
    return setup;
}

static int
s_window (s_setup_t *setup, const char *name, int64_t start, int length_min, int capacity)
{
    int i = (int)setup->input.instance_count++;
    setup->instances [i] = (pw_plan_instance_t){name, start, start + length_min * MIN, capacity};
    return i;
}

//  A group over COUNT windows of LENGTH_MIN minutes back to back from START.
static int
s_group (s_setup_t *setup, const char *name, int count, int64_t start, int length_min, int capacity)
{
    int g = (int)setup->input.group_count++;
    static const char *windows [] = {"SAT-1", "SAT-2", "SAT-3", "SAT-4",
                                     "SAT-5", "SAT-6", "SAT-7", "SAT-8"};
    for (int k = 0; k < count; k++)
        setup->group_instances [g][k] =
            s_window (setup, windows [k], start + k * length_min * MIN, length_min, capacity);
    setup->groups [g] = (pw_plan_group_t){name,           setup->group_instances [g],
                                          (size_t)count,  PW_FAILURE_HOLD_DEPENDENTS,
                                          PW_BUDGET_NONE, 0};
    return g;
}

static int
s_agent (s_setup_t *setup, const char *name, int duration, int group, int instance)
{
    int i = (int)setup->input.agent_count++;
    setup->agents [i] = (pw_plan_agent_t){name, "contoso", true, duration, group, instance};
    return i;
}

static void
s_dep (s_setup_t *setup, int agent, int depends_on)
{
    setup->edges [setup->input.edge_count++] = (pw_plan_edge_t){agent, depends_on};
}

static pw_plan_t *
s_plan (s_setup_t *setup)
{
    char *error = NULL;
    pw_plan_t *plan = pw_plan_new (&setup->input, &error);
    if (!plan)
        PW_FAIL_AT ("plan failed: %s", error);
    free (error);
    return plan;
}

static size_t
s_count (const pw_plan_t *plan, pw_plan_code_t code)
{
    size_t count = 0;
    for (size_t i = 0; i < pw_plan_violation_count (plan); i++)
        if (pw_plan_violation (plan, i)->code == code)
            count++;
    return count;
}

static const pw_plan_violation_t *
s_find (const pw_plan_t *plan, pw_plan_code_t code, int agent, int other)
{
    for (size_t i = 0; i < pw_plan_violation_count (plan); i++) {
        const pw_plan_violation_t *v = pw_plan_violation (plan, i);
        if (v->code == code && v->agent == agent && v->other == other)
            return v;
    }
    return NULL;
}

static const pw_plan_violation_t *
s_find_instance (const pw_plan_t *plan, pw_plan_code_t code, int instance)
{
    for (size_t i = 0; i < pw_plan_violation_count (plan); i++) {
        const pw_plan_violation_t *v = pw_plan_violation (plan, i);
        if (v->code == code && v->instance == instance)
            return v;
    }
    return NULL;
}

#define CHECK_SLOT(plan, agent, inst, pos, wv, start)                                              \
    do {                                                                                           \
        const pw_plan_slot_t *s_ = pw_plan_slot ((plan), (agent));                                 \
        PW_CHECK_INT (s_->status, PW_SLOT_PLANNED);                                                \
        PW_CHECK_INT (s_->instance, (inst));                                                       \
        PW_CHECK_INT (s_->position, (pos));                                                        \
        PW_CHECK_INT (s_->wave, (wv));                                                             \
        PW_CHECK_INT (s_->start_utc, (start));                                                     \
    } while (0)

//  Chain of 3 in a six-window group, 50-minute windows from T0:
//  A -> 1 (SAT-1), B -> 2 (SAT-2), C -> 3 (SAT-3), each wave 1.
static void
s_test_chain_of_three (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int a = s_agent (setup, "A", 30, g, -1);
    int b = s_agent (setup, "B", 30, g, -1);
    int c = s_agent (setup, "C", 30, g, -1);
    s_dep (setup, c, b);
    s_dep (setup, b, a);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, a, 0, 1, 1, T0);
    CHECK_SLOT (plan, b, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, c, 2, 3, 1, T0 + 100 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, a)->end_utc, T0 + 30 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, c)->wave_end_utc, T0 + 130 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    PW_CHECK_INT (pw_plan_wave_count (plan, 3), 0);
    PW_CHECK_INT (pw_plan_group_size (plan, g), 3);
    pw_plan_destroy (&plan);
    PW_CHECK (plan == NULL);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Diamond: D; L and R on D; T on L and R -> D 1, L and R 2 (one wave,
//  sorted by name), T 3.
static void
s_test_diamond (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int t = s_agent (setup, "T", 20, g, -1);
    int r = s_agent (setup, "R", 40, g, -1);
    int l = s_agent (setup, "L", 20, g, -1);
    int d = s_agent (setup, "D", 20, g, -1);
    s_dep (setup, t, l);
    s_dep (setup, t, r);
    s_dep (setup, l, d);
    s_dep (setup, r, d);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, d, 0, 1, 1, T0);
    CHECK_SLOT (plan, l, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, r, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, t, 2, 3, 1, T0 + 100 * MIN);
    size_t count;
    int64_t start, end;
    const int *wave = pw_plan_wave (plan, 1, 1, &count, &start, &end);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (wave [0], l);
    PW_CHECK_INT (wave [1], r);
    PW_CHECK_INT (start, T0 + 50 * MIN);
    PW_CHECK_INT (end, T0 + 90 * MIN); //  the longer of 20 and 40 minutes
    PW_CHECK (pw_plan_wave (plan, 1, 2, &count, NULL, NULL) == NULL);
    PW_CHECK_INT (count, 0);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Fan-in of 50 (S00..S49) into H, six windows of capacity 20. All S have
//  slack 4 (latest 5), so SAT-1 keeps S00..S19, SAT-2 S20..S39, SAT-3
//  S40..S49, and H follows the last of them into SAT-4.
static void
s_test_fan_in_moves (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 20);
    int h = s_agent (setup, "H", 30, g, -1);
    for (int i = 0; i < 50; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "S%02d", i);
        int s = s_agent (setup, setup->names [i], 30, g, -1);
        s_dep (setup, h, s);
    }
    pw_plan_t *plan = s_plan (setup);
    for (int i = 0; i < 50; i++) {
        const pw_plan_slot_t *slot = pw_plan_slot (plan, 1 + i);
        int expected = i < 20 ? 0 : i < 40 ? 1 : 2;
        PW_CHECK_INT (slot->instance, expected);
        PW_CHECK_INT (slot->position, expected + 1);
        PW_CHECK_INT (slot->wave, 1);
    }
    CHECK_SLOT (plan, h, 3, 4, 1, T0 + 150 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    size_t count;
    const int *wave = pw_plan_wave (plan, 2, 1, &count, NULL, NULL);
    PW_CHECK_INT (count, 10);
    PW_CHECK_STR (pw_plan_agent (plan, wave [0])->name, "S40");
    PW_CHECK_STR (pw_plan_agent (plan, wave [9])->name, "S49");
    pw_plan_destroy (&plan);
    free (setup);
}

//  The same fan-in into only three windows: S has latest 2, so SAT-1 keeps
//  S00..S19 and SAT-2 must take all 30 others (over capacity: 30 of 20),
//  cut into waves of 20 and 10: 60 minutes in a 50-minute window.
static void
s_test_fan_in_over_capacity (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 3, T0, 50, 20);
    int h = s_agent (setup, "H", 30, g, -1);
    for (int i = 0; i < 50; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "S%02d", i);
        s_dep (setup, h, s_agent (setup, setup->names [i], 30, g, -1));
    }
    pw_plan_t *plan = s_plan (setup);
    for (int i = 0; i < 50; i++) {
        const pw_plan_slot_t *slot = pw_plan_slot (plan, 1 + i);
        PW_CHECK_INT (slot->instance, i < 20 ? 0 : 1);
        PW_CHECK_INT (slot->wave, i < 40 ? 1 : 2);
    }
    CHECK_SLOT (plan, h, 2, 3, 1, T0 + 100 * MIN);
    PW_CHECK_INT (pw_plan_wave_count (plan, 1), 2);
    PW_CHECK_INT (pw_plan_violation_count (plan), 12);
    const pw_plan_violation_t *v = s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, 1);
    PW_CHECK (v != NULL);
    if (v) {
        PW_CHECK_INT (v->amount, 30);
        PW_CHECK_INT (v->limit, 20);
        PW_CHECK (strstr (v->detail, "SAT-2") != NULL);
    }
    v = s_find_instance (plan, PW_PLAN_WINDOW_OVERRUN, 1);
    PW_CHECK (v != NULL);
    if (v)
        PW_CHECK_INT (v->amount, 10);
    //  H in SAT-3 starts at 21:40, but wave 2 of SAT-2 (S40..S49) is back
    //  only at 21:50: the overrun breaks the order, once per pair.
    PW_CHECK_INT (s_count (plan, PW_PLAN_DEPENDENCY_ORDER), 10);
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, h, 1 + 40) != NULL);
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, h, 1 + 49) != NULL);
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, h, 1 + 39) == NULL);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Slack moves later, and dependents follow. Four windows of capacity 1:
//  A, B free, X on A. Latest: X 4, A 3, B 4. SAT-1: A (slack 2) stays, B
//  (slack 3) moves. SAT-2: B and X both slack 2: B stays by name, X moves.
static void
s_test_slack_moves_dependents (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 4, T0, 50, 1);
    int x = s_agent (setup, "X", 30, g, -1);
    int a = s_agent (setup, "A", 30, g, -1);
    int b = s_agent (setup, "B", 30, g, -1);
    s_dep (setup, x, a);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, a, 0, 1, 1, T0);
    CHECK_SLOT (plan, b, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, x, 2, 3, 1, T0 + 100 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Three windows of capacity 2; A, B, C free; X on A. Latest: A 2, B and C
//  3. SAT-1 keeps A (slack 1) and B (slack 2, name before C); C moves to
//  SAT-2 beside X.
static void
s_test_capacity_with_slack (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 3, T0, 50, 2);
    int a = s_agent (setup, "A", 30, g, -1);
    int b = s_agent (setup, "B", 30, g, -1);
    int c = s_agent (setup, "C", 30, g, -1);
    int x = s_agent (setup, "X", 30, g, -1);
    s_dep (setup, x, a);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, a, 0, 1, 1, T0);
    CHECK_SLOT (plan, b, 0, 1, 1, T0);
    CHECK_SLOT (plan, c, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, x, 1, 2, 1, T0 + 50 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Two windows: SAT-1 capacity 2, SAT-2 capacity 3. A, B, C each have a
//  dependent in SAT-2, so none has slack: SAT-1 holds 3 of 2, runs waves
//  {A, B} and {C}: 60 minutes in 50, overrun 10. SAT-2 starts at 20:50
//  while C is back only at 21:00, so Z (on C) starts too early.
static void
s_test_capacity_without_slack (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = (int)setup->input.group_count++;
    setup->group_instances [g][0] = s_window (setup, "SAT-1", T0, 50, 2);
    setup->group_instances [g][1] = s_window (setup, "SAT-2", T0 + 50 * MIN, 50, 3);
    setup->groups [g] = (pw_plan_group_t){
        "SAT-NIGHT", setup->group_instances [g], 2, PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0};
    int a = s_agent (setup, "A", 30, g, -1);
    int b = s_agent (setup, "B", 30, g, -1);
    int c = s_agent (setup, "C", 30, g, -1);
    int x = s_agent (setup, "X", 30, g, -1);
    int y = s_agent (setup, "Y", 30, g, -1);
    int z = s_agent (setup, "Z", 30, g, -1);
    s_dep (setup, x, a);
    s_dep (setup, y, b);
    s_dep (setup, z, c);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, a, 0, 1, 1, T0);
    CHECK_SLOT (plan, b, 0, 1, 1, T0);
    CHECK_SLOT (plan, c, 0, 1, 2, T0 + 30 * MIN);
    CHECK_SLOT (plan, x, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, z, 1, 2, 1, T0 + 50 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 3);
    const pw_plan_violation_t *v = s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, 0);
    PW_CHECK (v && v->amount == 3 && v->limit == 2);
    v = s_find_instance (plan, PW_PLAN_WINDOW_OVERRUN, 0);
    PW_CHECK (v && v->amount == 10);
    v = s_find (plan, PW_PLAN_DEPENDENCY_ORDER, z, c);
    PW_CHECK (v != NULL);
    if (v)
        PW_CHECK_STR (v->detail, "Z starts at 2024-06-15 20:50Z in SAT-2, before its dependency "
                                 "C is expected back at 2024-06-15 21:00Z from SAT-1");
    PW_CHECK (s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, 1) == NULL);
    pw_plan_destroy (&plan);
    free (setup);
}

//  A chain of nine into six windows: C1..C5 take SAT-1..SAT-5, C6..C9 all
//  run in SAT-6 as waves 1..4 (20 minutes each: 80 minutes in 50).
static void
s_test_chain_too_deep (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int chain [9];
    for (int i = 0; i < 9; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "C%d", i + 1);
        chain [i] = s_agent (setup, setup->names [i], 20, g, -1);
        if (i)
            s_dep (setup, chain [i], chain [i - 1]);
    }
    int free_agent = s_agent (setup, "FREE", 20, g, -1);
    pw_plan_t *plan = s_plan (setup);
    for (int i = 0; i < 5; i++)
        CHECK_SLOT (plan, chain [i], i, i + 1, 1, T0 + i * 50 * MIN);
    int64_t last = T0 + 250 * MIN;
    for (int i = 5; i < 9; i++)
        CHECK_SLOT (plan, chain [i], 5, i + 1, i - 4, last + (i - 5) * 20 * MIN);
    CHECK_SLOT (plan, free_agent, 0, 1, 1, T0);
    PW_CHECK_INT (pw_plan_wave_count (plan, 5), 4);

    PW_CHECK_INT (s_count (plan, PW_PLAN_CHAIN_TOO_DEEP), 1);
    const pw_plan_violation_t *v = s_find (plan, PW_PLAN_CHAIN_TOO_DEEP, chain [8], -1);
    PW_CHECK (v != NULL);
    if (v) {
        PW_CHECK_INT (v->amount, 9);
        PW_CHECK_INT (v->limit, 6);
        PW_CHECK_INT (v->group, g);
        PW_CHECK_INT (v->instance, 5);
        PW_CHECK_INT (v->member_count, 3);
        PW_CHECK_INT (v->members [0], chain [6]);
        PW_CHECK_INT (v->members [2], chain [8]);
        PW_CHECK (strstr (v->detail, "C1 then C2 then C3 then C4 then C5 then C6 then C7 then "
                                     "C8 then C9") != NULL);
    }
    v = s_find_instance (plan, PW_PLAN_WINDOW_OVERRUN, 5);
    PW_CHECK (v && v->amount == 30);
    PW_CHECK_INT (pw_plan_violation_count (plan), 2);
    pw_plan_destroy (&plan);
    free (setup);
}

//  A 5,000-agent chain into six windows: no deep recursion anywhere.
static void
s_test_very_deep_chain (void)
{
    enum { N = 5000 };
    pw_plan_agent_t *agents = pw_calloc (N, sizeof (pw_plan_agent_t));
    pw_plan_edge_t *edges = pw_calloc (N, sizeof (pw_plan_edge_t));
    char (*names) [16] = pw_calloc (N, 16);
    pw_plan_instance_t instances [6];
    int order [6];
    for (int k = 0; k < 6; k++) {
        instances [k] = (pw_plan_instance_t){"SAT", T0 + k * 50 * MIN, T0 + (k + 1) * 50 * MIN, 5};
        order [k] = k;
    }
    pw_plan_group_t group = {"SAT-NIGHT", order, 6, PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0};
    for (int i = 0; i < N; i++) {
        snprintf (names [i], 16, "N%04d", i);
        agents [i] = (pw_plan_agent_t){names [i], "o", true, 1, 0, -1};
        if (i)
            edges [i - 1] = (pw_plan_edge_t){i, i - 1};
    }
    pw_plan_input_t input = {agents, N, instances, 6, &group, 1, edges, N - 1, 0};
    pw_plan_t *plan = pw_plan_new (&input, NULL);
    PW_CHECK (plan != NULL);
    if (plan) {
        PW_CHECK_INT (pw_plan_slot (plan, N - 1)->position, N);
        PW_CHECK_INT (pw_plan_slot (plan, N - 1)->wave, N - 5);
        PW_CHECK_INT (pw_plan_wave_count (plan, 5), N - 5);
        const pw_plan_violation_t *v = s_find (plan, PW_PLAN_CHAIN_TOO_DEEP, N - 1, -1);
        PW_CHECK (v && v->member_count == N - 6 && v->amount == N);
    }
    pw_plan_destroy (&plan);
    free (agents);
    free (edges);
    free (names);
}

//  A 2-cycle, a 5-cycle and a self-loop beside a healthy chain. W depends on
//  cycle member P1: planned, with an order violation against P1.
static void
s_test_cycles (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int p1 = s_agent (setup, "P1", 30, g, -1);
    int p2 = s_agent (setup, "P2", 30, g, -1);
    int q [5];
    for (int i = 0; i < 5; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "Q%d", i + 1);
        q [i] = s_agent (setup, setup->names [i], 30, g, -1);
    }
    int s = s_agent (setup, "S", 30, g, -1);
    int h1 = s_agent (setup, "H1", 30, g, -1);
    int h2 = s_agent (setup, "H2", 30, g, -1);
    int w = s_agent (setup, "W", 30, g, -1);
    s_dep (setup, p1, p2);
    s_dep (setup, p2, p1);
    for (int i = 0; i < 5; i++)
        s_dep (setup, q [i], q [(i + 1) % 5]);
    s_dep (setup, s, s);
    s_dep (setup, h2, h1);
    s_dep (setup, w, p1);
    pw_plan_t *plan = s_plan (setup);

    int cyclic [] = {p1, p2, q [0], q [1], q [2], q [3], q [4], s};
    for (size_t i = 0; i < sizeof cyclic / sizeof cyclic [0]; i++) {
        const pw_plan_slot_t *slot = pw_plan_slot (plan, cyclic [i]);
        PW_CHECK_INT (slot->status, PW_SLOT_UNSCHEDULED);
        PW_CHECK_STR (slot->reason, "dependency cycle");
        PW_CHECK_INT (slot->instance, -1);
        PW_CHECK_INT (slot->wave, 0);
    }
    CHECK_SLOT (plan, h1, 0, 1, 1, T0);
    CHECK_SLOT (plan, h2, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, w, 0, 1, 1, T0);

    PW_CHECK_INT (pw_plan_violation_count (plan), 4);
    PW_CHECK_INT (s_count (plan, PW_PLAN_DEPENDENCY_CYCLE), 3);
    //  Ordered by code, then agent name: P1, Q1, S, then the order one.
    const pw_plan_violation_t *v = pw_plan_violation (plan, 0);
    PW_CHECK_INT (v->code, PW_PLAN_DEPENDENCY_CYCLE);
    PW_CHECK_INT (v->agent, p1);
    PW_CHECK_INT (v->member_count, 2);
    PW_CHECK_INT (v->members [0], p1);
    PW_CHECK_INT (v->members [1], p2);
    PW_CHECK (strstr (v->detail, "P1 -> P2 -> P1") != NULL);
    v = pw_plan_violation (plan, 1);
    PW_CHECK_INT (v->agent, q [0]);
    PW_CHECK_INT (v->member_count, 5);
    PW_CHECK_INT (v->members [4], q [4]);
    PW_CHECK (strstr (v->detail, "of 5 agents: Q1 -> Q2 -> Q3 -> Q4 -> Q5 -> Q1") != NULL);
    v = pw_plan_violation (plan, 2);
    PW_CHECK_INT (v->agent, s);
    PW_CHECK_INT (v->member_count, 1);
    PW_CHECK (strstr (v->detail, "S -> S") != NULL);
    v = pw_plan_violation (plan, 3);
    PW_CHECK_INT (v->code, PW_PLAN_DEPENDENCY_ORDER);
    PW_CHECK_INT (v->agent, w);
    PW_CHECK_INT (v->other, p1);
    PW_CHECK_STR (v->detail, "W depends on an unscheduled agent: P1 (dependency cycle)");
    pw_plan_destroy (&plan);
    free (setup);
}

//  A shared SQL server of one customer serves another customer's app: the
//  tenant's graph spans orgs and is honoured like any other edge.
static void
s_test_cross_org (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int sql = s_agent (setup, "SQL01", 30, g, -1);
    int app = s_agent (setup, "APP01", 30, g, -1);
    setup->agents [app].org = "fabrikam";
    s_dep (setup, app, sql);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, sql, 0, 1, 1, T0);
    CHECK_SLOT (plan, app, 1, 2, 1, T0 + 50 * MIN);
    PW_CHECK_STR (pw_plan_agent (plan, app)->org, "fabrikam");
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    pw_plan_destroy (&plan);
    free (setup);
}

//  APP depends on LEGACY (unsubscribed, though it names the group) and on
//  NOWIN (no window): APP is still planned, at position 1, with two
//  violations. A group whose windows are all blacked out leaves its agents
//  unscheduled.
static void
s_test_unscheduled_dependencies (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 10);
    int empty = (int)setup->input.group_count++;
    setup->groups [empty] =
        (pw_plan_group_t){"SUN-NIGHT", NULL, 0, PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0};
    int legacy = s_agent (setup, "LEGACY", 30, g, -1);
    setup->agents [legacy].subscribed = false;
    int nowin = s_agent (setup, "NOWIN", 30, -1, -1);
    int sun = s_agent (setup, "SUN01", 30, empty, -1);
    int app = s_agent (setup, "APP", 30, g, -1);
    s_dep (setup, app, legacy);
    s_dep (setup, app, nowin);
    pw_plan_t *plan = s_plan (setup);
    PW_CHECK_STR (pw_plan_slot (plan, legacy)->reason, "not subscribed");
    PW_CHECK_STR (pw_plan_slot (plan, nowin)->reason, "no window");
    PW_CHECK_STR (pw_plan_slot (plan, sun)->reason, "no window instance this cycle");
    PW_CHECK_INT (pw_plan_slot (plan, sun)->status, PW_SLOT_UNSCHEDULED);
    CHECK_SLOT (plan, app, 0, 1, 1, T0);
    PW_CHECK_INT (pw_plan_violation_count (plan), 2);
    //  Sorted by the other agent's name: LEGACY before NOWIN.
    const pw_plan_violation_t *v = pw_plan_violation (plan, 0);
    PW_CHECK_INT (v->other, legacy);
    PW_CHECK_STR (v->detail, "APP depends on an unscheduled agent: LEGACY (not subscribed)");
    v = pw_plan_violation (plan, 1);
    PW_CHECK_INT (v->other, nowin);
    PW_CHECK_STR (v->detail, "APP depends on an unscheduled agent: NOWIN (no window)");
    pw_plan_destroy (&plan);
    free (setup);
}

//  Fixed windows. WED-1 20:00-22:00, WED-2 21:00-23:00 (overlaps), THU a
//  day later. SQL (90 min) in WED-1 is back at 21:30:
//  - RPT on SQL in WED-1 too: wave 2 at 21:30, fine;
//  - APP on SQL in WED-2: WED-2 starts 21:00 < 21:30, violation;
//  - WEB on APP in THU: APP back 21:30, fine;
//  - REV in WED-1 on WEB in THU: violation.
//  And a group agent on fixed agents: the group's first window is at 20:20
//  the next day; OK on SQL, a violation on WEB (THU, back at 20:30).
static void
s_test_fixed_window_order (void)
{
    s_setup_t *setup = s_setup_new ();
    int wed1 = s_window (setup, "WED-1", T0, 120, 10);
    int wed2 = s_window (setup, "WED-2", T0 + 60 * MIN, 120, 10);
    int thu = s_window (setup, "THU", T0 + 1440 * MIN, 120, 10);
    int g = s_group (setup, "SAT-NIGHT", 2, T0 + 1460 * MIN, 50, 10);
    int sql = s_agent (setup, "SQL", 90, -1, wed1);
    int rpt = s_agent (setup, "RPT", 30, -1, wed1);
    int app = s_agent (setup, "APP", 30, -1, wed2);
    int web = s_agent (setup, "WEB", 30, -1, thu);
    int rev = s_agent (setup, "REV", 30, -1, wed1);
    int grp = s_agent (setup, "GRP", 30, g, -1);
    s_dep (setup, rpt, sql);
    s_dep (setup, app, sql);
    s_dep (setup, web, app);
    s_dep (setup, rev, web);
    s_dep (setup, grp, sql);
    s_dep (setup, grp, web);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, sql, wed1, 0, 1, T0);
    CHECK_SLOT (plan, rev, wed1, 0, 1, T0);
    CHECK_SLOT (plan, rpt, wed1, 0, 2, T0 + 90 * MIN);
    CHECK_SLOT (plan, app, wed2, 0, 1, T0 + 60 * MIN);
    CHECK_SLOT (plan, web, thu, 0, 1, T0 + 1440 * MIN);
    CHECK_SLOT (plan, grp, 3, 1, 1, T0 + 1460 * MIN);

    PW_CHECK_INT (pw_plan_violation_count (plan), 3);
    const pw_plan_violation_t *v = s_find (plan, PW_PLAN_DEPENDENCY_ORDER, app, sql);
    PW_CHECK (v != NULL);
    if (v)
        PW_CHECK_STR (v->detail, "APP starts at 2024-06-15 21:00Z in WED-2, before its "
                                 "dependency SQL is expected back at 2024-06-15 21:30Z from "
                                 "WED-1");
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, rev, web) != NULL);
    v = s_find (plan, PW_PLAN_DEPENDENCY_ORDER, grp, web);
    PW_CHECK (v != NULL);
    if (v)
        PW_CHECK_STR (v->detail, "GRP (window group SAT-NIGHT, first window at 2024-06-16 "
                                 "20:20Z) depends on WEB, expected back at 2024-06-16 20:30Z "
                                 "from THU");
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, grp, sql) == NULL);
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, rpt, sql) == NULL);
    pw_plan_destroy (&plan);
    free (setup);
}

//  A group agent whose outside dependency is back before its own window but
//  after the group's first window: still a violation (the rule is the first
//  window). F is fixed at SAT-1's start in another window, 30 minutes.
static void
s_test_outside_dependency_strict (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 3, T0, 50, 10);
    int other = s_window (setup, "OTHER", T0, 60, 10);
    int f = s_agent (setup, "F", 30, -1, other);
    int a = s_agent (setup, "A", 30, g, -1);
    int z = s_agent (setup, "Z", 30, g, -1);
    s_dep (setup, z, a);
    s_dep (setup, z, f);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, z, 1, 2, 1, T0 + 50 * MIN); //  starts 20:50, F back 20:30
    PW_CHECK_INT (pw_plan_violation_count (plan), 1);
    PW_CHECK (s_find (plan, PW_PLAN_DEPENDENCY_ORDER, z, f) != NULL);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Waves split by capacity: five free agents A..E (10..50 min) in one
//  60-minute window of capacity 2: {A, B} 20:00-20:20, {C, D} 20:20-21:00,
//  {E} 21:00-21:50: 50 minutes over, and 5 agents for 2 places.
static void
s_test_wave_split_and_overrun (void)
{
    s_setup_t *setup = s_setup_new ();
    int wed = s_window (setup, "WED-NOON", T0, 60, 2);
    const char *names [] = {"E", "D", "C", "B", "A"};
    int ids [5];
    for (int i = 0; i < 5; i++)
        ids [i] = s_agent (setup, names [i], 50 - 10 * i, -1, wed);
    pw_plan_t *plan = s_plan (setup);
    PW_CHECK_INT (pw_plan_wave_count (plan, wed), 3);
    size_t count;
    int64_t start, end;
    const int *wave = pw_plan_wave (plan, wed, 1, &count, &start, &end);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (wave [0], ids [4]); //  A
    PW_CHECK_INT (wave [1], ids [3]); //  B
    PW_CHECK_INT (end, T0 + 20 * MIN);
    wave = pw_plan_wave (plan, wed, 2, &count, &start, &end);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (wave [0], ids [2]); //  C
    PW_CHECK_INT (start, T0 + 20 * MIN);
    PW_CHECK_INT (end, T0 + 60 * MIN);
    wave = pw_plan_wave (plan, wed, 3, &count, &start, &end);
    PW_CHECK_INT (count, 1);
    PW_CHECK_INT (wave [0], ids [0]); //  E
    PW_CHECK_INT (end, T0 + 110 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, ids [0])->start_utc, T0 + 60 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, ids [1])->end_utc, T0 + 60 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 2);
    const pw_plan_violation_t *v = s_find_instance (plan, PW_PLAN_WINDOW_OVERRUN, wed);
    PW_CHECK (v && v->amount == 50);
    if (v)
        PW_CHECK_STR (v->detail, "window WED-NOON at 2024-06-15 20:00Z: 3 waves expected to run "
                                 "50 minutes past its end at 2024-06-15 21:00Z");
    v = s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, wed);
    PW_CHECK (v && v->amount == 5 && v->limit == 2);
    pw_plan_destroy (&plan);
    free (setup);
}

//  Fan-in inside one fixed window of capacity 20: 50 sources in waves of
//  20, 20, 10, then H in wave 4 at 21:30. Capacity 0 means no limit.
static void
s_test_fixed_fan_in_and_unlimited (void)
{
    s_setup_t *setup = s_setup_new ();
    int win = s_window (setup, "SUN", T0, 240, 20);
    int open = s_window (setup, "OPEN", T0, 60, 0);
    int h = s_agent (setup, "H", 30, -1, win);
    for (int i = 0; i < 50; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "S%02d", i);
        s_dep (setup, h, s_agent (setup, setup->names [i], 30, -1, win));
    }
    int u1 = s_agent (setup, "U1", 0, -1, open); //  default duration
    int u2 = s_agent (setup, "U2", 10, -1, open);
    setup->input.default_duration_min = 45;
    pw_plan_t *plan = s_plan (setup);
    PW_CHECK_INT (pw_plan_wave_count (plan, win), 4);
    CHECK_SLOT (plan, h, win, 0, 4, T0 + 90 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, 1 + 45)->wave, 3);
    PW_CHECK_INT (pw_plan_wave_count (plan, open), 1);
    PW_CHECK_INT (pw_plan_slot (plan, u1)->end_utc, T0 + 45 * MIN);
    PW_CHECK_INT (pw_plan_slot (plan, u2)->wave_end_utc, T0 + 45 * MIN);
    PW_CHECK_INT (pw_plan_violation_count (plan), 1);
    const pw_plan_violation_t *v = s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, win);
    PW_CHECK (v && v->amount == 51 && v->limit == 20);
    pw_plan_destroy (&plan);
    free (setup);
}

static void
s_expect_error (s_setup_t *setup, const char *fragment)
{
    char *error = NULL;
    pw_plan_t *plan = pw_plan_new (&setup->input, &error);
    PW_CHECK (plan == NULL);
    PW_CHECK (error != NULL);
    if (error && !strstr (error, fragment))
        PW_FAIL_AT ("error \"%s\" lacks \"%s\"", error, fragment);
    free (error);
    pw_plan_destroy (&plan);
    //  Without an error pointer: still NULL, nothing leaks.
    PW_CHECK (pw_plan_new (&setup->input, NULL) == NULL);
}

static void
s_test_bad_input (void)
{
    char *error = NULL;
    PW_CHECK (pw_plan_new (NULL, &error) == NULL);
    PW_CHECK_STR (error, "plan input is missing");
    free (error);

    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 2, T0, 50, 10);
    int a = s_agent (setup, "A", 30, g, -1);
    s_dep (setup, a, 7);
    s_expect_error (setup, "dependency 0 (0 on 7) names an unknown agent");
    setup->edges [0].depends_on = -1;
    s_expect_error (setup, "names an unknown agent");
    setup->input.edge_count = 0;

    setup->agents [a].instance = 0;
    s_expect_error (setup, "agent A names both a window group and a fixed window");
    setup->agents [a].instance = 9;
    setup->agents [a].group = -1;
    s_expect_error (setup, "agent A names window instance 9");
    setup->agents [a].instance = -1;
    setup->agents [a].group = 3;
    s_expect_error (setup, "agent A names window group 3");
    setup->agents [a].group = g;

    setup->group_instances [g][1] = 5;
    s_expect_error (setup, "window group SAT-NIGHT position 2 names instance 5");
    setup->group_instances [g][1] = 1;
    setup->groups [g].budget_kind = PW_BUDGET_PERCENT;
    setup->groups [g].budget = 150;
    s_expect_error (setup, "error budget of 150%");
    setup->groups [g].budget = 10;

    setup->instances [1].end_utc = setup->instances [1].start_utc - 1;
    s_expect_error (setup, "window instance 1 (SAT-2) ends before it starts");
    setup->instances [1].end_utc = setup->instances [1].start_utc + 50 * MIN;

    setup->agents [a].name = NULL;
    s_expect_error (setup, "agent 0 has no name");
    setup->agents [a].name = "A";

    //  Repaired, it plans.
    pw_plan_t *plan = s_plan (setup);
    PW_CHECK (plan != NULL);
    PW_CHECK (pw_plan_slot (plan, 1) == NULL);
    PW_CHECK (pw_plan_slot (plan, -1) == NULL);
    PW_CHECK_INT (pw_plan_wave_count (plan, 99), 0);
    pw_plan_destroy (&plan);
    free (setup);
}

static void
s_test_empty (void)
{
    pw_plan_input_t input = {0};
    pw_plan_t *plan = pw_plan_new (&input, NULL);
    PW_CHECK (plan != NULL);
    PW_CHECK_INT (pw_plan_agent_count (plan), 0);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    pw_plan_destroy (&plan);
}

//  The plan does not depend on edge order or duplicates, and keeps no
//  pointer into the input.
static void
s_test_deterministic (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 3, T0, 50, 2);
    for (int i = 0; i < 12; i++) {
        snprintf (setup->names [i], sizeof setup->names [i], "M%02d", (i * 7) % 12);
        s_agent (setup, setup->names [i], 10 + i, g, -1);
    }
    int pairs [][2] = {{3, 1}, {5, 1}, {7, 3}, {7, 5}, {9, 7}, {11, 9}, {4, 2}, {6, 4}, {8, 0}};
    size_t npairs = sizeof pairs / sizeof pairs [0];
    for (size_t e = 0; e < npairs; e++)
        s_dep (setup, pairs [e][0], pairs [e][1]);
    pw_plan_t *first = s_plan (setup);

    setup->input.edge_count = 0;
    for (size_t e = npairs; e-- > 0;) {
        s_dep (setup, pairs [e][0], pairs [e][1]);
        s_dep (setup, pairs [e][0], pairs [e][1]);
    }
    pw_plan_t *second = s_plan (setup);
    memset (setup->names, 'x', sizeof setup->names); //  the plans copied them
    for (int i = 0; i < 12; i++) {
        const pw_plan_slot_t *x = pw_plan_slot (first, i), *y = pw_plan_slot (second, i);
        PW_CHECK_INT (x->instance, y->instance);
        PW_CHECK_INT (x->wave, y->wave);
        PW_CHECK_INT (x->start_utc, y->start_utc);
        PW_CHECK_STR (pw_plan_agent (first, i)->name, pw_plan_agent (second, i)->name);
    }
    PW_CHECK_INT (pw_plan_violation_count (first), pw_plan_violation_count (second));
    for (size_t i = 0; i < pw_plan_violation_count (first); i++)
        PW_CHECK_STR (pw_plan_violation (first, i)->detail, pw_plan_violation (second, i)->detail);
    pw_plan_destroy (&first);
    pw_plan_destroy (&second);
    free (setup);
}

//  ---------------------------------------------------------------------
//  The reference Saturday night of docs/scheduling.md.

static void
s_test_saturday_night (void)
{
    s_setup_t *setup = s_setup_new ();
    int g = s_group (setup, "SAT-NIGHT", 6, T0, 50, 2);
    int dc1 = s_agent (setup, "DC01", 20, g, -1);
    int dc2 = s_agent (setup, "DC02", 20, g, -1);
    int sql = s_agent (setup, "SQL01", 45, g, -1);
    int app1 = s_agent (setup, "APP01", 30, g, -1);
    int app2 = s_agent (setup, "APP02", 30, g, -1);
    int web = s_agent (setup, "WEB01", 20, g, -1);
    int file = s_agent (setup, "FILE01", 25, g, -1);
    s_dep (setup, sql, dc1);
    s_dep (setup, sql, dc2);
    s_dep (setup, app1, sql);
    s_dep (setup, app2, sql);
    s_dep (setup, web, app1);
    s_dep (setup, web, app2);
    pw_plan_t *plan = s_plan (setup);
    CHECK_SLOT (plan, dc1, 0, 1, 1, T0);
    CHECK_SLOT (plan, dc2, 0, 1, 1, T0);
    CHECK_SLOT (plan, sql, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, file, 1, 2, 1, T0 + 50 * MIN);
    CHECK_SLOT (plan, app1, 2, 3, 1, T0 + 100 * MIN);
    CHECK_SLOT (plan, app2, 2, 3, 1, T0 + 100 * MIN);
    CHECK_SLOT (plan, web, 3, 4, 1, T0 + 150 * MIN);
    PW_CHECK_INT (pw_plan_wave_count (plan, 4), 0);
    PW_CHECK_INT (pw_plan_violation_count (plan), 0);
    if (s_pw_verbose)
        for (int i = 0; i < 7; i++) {
            const pw_plan_slot_t *s = pw_plan_slot (plan, i);
            fprintf (stderr, "    %-7s %s wave %d +%lld..+%lld min\n",
                     pw_plan_agent (plan, i)->name, pw_plan_instance (plan, s->instance)->window,
                     s->wave, (long long)(s->start_utc - T0) / 60,
                     (long long)(s->end_utc - T0) / 60);
        }
    pw_plan_destroy (&plan);
    free (setup);
}

//  ---------------------------------------------------------------------
//  A generated fleet: 5,000 agents, 10,000 edges, 48 windows.

static uint64_t
s_next (uint64_t *state)
{
    //  xorshift64*: deterministic, good enough to scatter a fleet.
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ULL;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
s_test_large_fleet (void)
{
    enum { N = 5000, E = 10000, W = 48, CLUSTER = 25, TIERS = 8 };
    pw_plan_agent_t *agents = pw_calloc (N, sizeof (pw_plan_agent_t));
    pw_plan_edge_t *edges = pw_calloc (E, sizeof (pw_plan_edge_t));
    char (*names) [16] = pw_calloc (N, 16);
    pw_plan_instance_t instances [W];
    char window_names [W][16];
    int sat [6];
    uint64_t rng = 0x9E3779B97F4A7C15ULL;

    //  42 weekday windows over three weeks and six on Saturday night.
    for (int w = 0; w < W; w++) {
        snprintf (window_names [w], sizeof window_names [w], "W%02d", w);
        int64_t start = w < 42 ? T0 - 14 * 1440 * MIN + w * 720 * MIN : T0 + (w - 42) * 50 * MIN;
        int length = w < 42 ? 240 : 50;
        instances [w] =
            (pw_plan_instance_t){window_names [w], start, start + length * MIN, w < 42 ? 150 : 200};
        if (w >= 42)
            sat [w - 42] = w;
    }
    pw_plan_group_t group = {"SAT-NIGHT", sat, 6, PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0};

    //  Clusters of 25 (an application stack): the first 40 clusters go to
    //  the Saturday group, the rest to fixed windows, one window per cluster
    //  and now and then a second one for half of it (cross-window edges).
    for (int i = 0; i < N; i++) {
        int cluster = i / CLUSTER;
        snprintf (names [i], 16, "srv%05d", (int)(s_next (&rng) % 100000));
        agents [i] =
            (pw_plan_agent_t){names [i], "org", true, 10 + (int)(s_next (&rng) % 40), -1, -1};
        if (cluster < 40)
            agents [i].group = 0;
        else {
            int w = cluster % 42;
            if (cluster % 5 == 0 && i % 2)
                w = (w + 1) % 42;
            agents [i].instance = w;
        }
        if (s_next (&rng) % 200 == 0)
            agents [i].subscribed = false;
        if (s_next (&rng) % 300 == 0) {
            agents [i].group = -1;
            agents [i].instance = -1;
        }
    }
    //  Edges inside a cluster from a higher tier to a lower one: chains up
    //  to depth 8, diamonds where two paths meet, and every fourth cluster's
    //  top agent as a fan-in over the whole cluster.
    size_t e = 0;
    for (int c = 0; c < N / CLUSTER && e < E; c++) {
        int base = c * CLUSTER;
        if (c % 4 == 0)
            for (int k = 0; k < CLUSTER - 1 && e < E; k++)
                edges [e++] = (pw_plan_edge_t){base + CLUSTER - 1, base + k};
    }
    while (e < E) {
        int c = (int)(s_next (&rng) % (N / CLUSTER));
        int k = 3 + (int)(s_next (&rng) % (CLUSTER - 3));
        int tier = k * TIERS / CLUSTER;
        int lower_end = tier * CLUSTER / TIERS; //  first index of K's tier
        if (lower_end == 0)
            continue;
        int d = (int)(s_next (&rng) % (uint64_t)lower_end);
        edges [e++] = (pw_plan_edge_t){c * CLUSTER + k, c * CLUSTER + d};
    }
    pw_plan_input_t input = {agents, N, instances, W, &group, 1, edges, E, 30};

    double t0 = s_now_ms ();
    pw_plan_t *plan = pw_plan_new (&input, NULL);
    double elapsed = s_now_ms () - t0;
    if (s_pw_verbose)
        fprintf (stderr, "    planned %d agents, %d edges, %d windows in %.1f ms\n", N, E, W,
                 elapsed);
    PW_CHECK (plan != NULL);
    if (!plan)
        goto cleanup;
    if (s_pw_verbose)
        for (int code = PW_PLAN_DEPENDENCY_CYCLE; code <= PW_PLAN_WINDOW_OVERRUN; code++)
            fprintf (stderr, "    %-20s %zu\n", pw_plan_code_name ((pw_plan_code_t)code),
                     s_count (plan, (pw_plan_code_t)code));

    //  Invariant 1: every dependent starts after its dependency is back,
    //  or a violation names the pair.
    size_t unexplained = 0, planned = 0;
    for (size_t k = 0; k < E; k++) {
        int a = edges [k].agent, d = edges [k].depends_on;
        const pw_plan_slot_t *sa = pw_plan_slot (plan, a), *sd = pw_plan_slot (plan, d);
        if (sa->status != PW_SLOT_PLANNED)
            continue;
        bool late = sd->status != PW_SLOT_PLANNED || sd->wave_end_utc > sa->start_utc;
        if (late && !s_find (plan, PW_PLAN_DEPENDENCY_ORDER, a, d))
            unexplained++;
    }
    PW_CHECK_INT (unexplained, 0);
    //  Invariant 2: no wave above capacity; an instance above capacity is
    //  reported; waves are back to back and sorted by name; every planned
    //  agent is in exactly one wave.
    int *seen = pw_calloc (N, sizeof (int));
    for (int w = 0; w < W; w++) {
        size_t held = 0;
        int64_t clock = instances [w].start_utc;
        for (int k = 1; k <= (int)pw_plan_wave_count (plan, w); k++) {
            size_t count;
            int64_t start, end;
            const int *wave = pw_plan_wave (plan, w, k, &count, &start, &end);
            PW_CHECK (count >= 1 && count <= (size_t)instances [w].capacity);
            PW_CHECK (start == clock);
            clock = end;
            for (size_t j = 0; j < count; j++) {
                seen [wave [j]]++;
                PW_CHECK_INT (pw_plan_slot (plan, wave [j])->instance, w);
                PW_CHECK_INT (pw_plan_slot (plan, wave [j])->wave, k);
                if (j)
                    PW_CHECK (strcmp (names [wave [j - 1]], names [wave [j]]) <= 0);
            }
            held += count;
        }
        if (held > (size_t)instances [w].capacity)
            PW_CHECK (s_find_instance (plan, PW_PLAN_WINDOW_OVER_CAPACITY, w) != NULL);
        if (clock > instances [w].end_utc)
            PW_CHECK (s_find_instance (plan, PW_PLAN_WINDOW_OVERRUN, w) != NULL);
    }
    for (int i = 0; i < N; i++) {
        bool is_planned = pw_plan_slot (plan, i)->status == PW_SLOT_PLANNED;
        PW_CHECK_INT (seen [i], is_planned ? 1 : 0);
        planned += is_planned;
    }
    PW_CHECK (planned > N * 9 / 10);
    PW_CHECK_INT (s_count (plan, PW_PLAN_DEPENDENCY_CYCLE), 0);
    free (seen);
    pw_plan_destroy (&plan);
cleanup:
    free (agents);
    free (edges);
    free (names);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_chain_of_three);
    PW_RUN (s_test_diamond);
    PW_RUN (s_test_fan_in_moves);
    PW_RUN (s_test_fan_in_over_capacity);
    PW_RUN (s_test_slack_moves_dependents);
    PW_RUN (s_test_capacity_with_slack);
    PW_RUN (s_test_capacity_without_slack);
    PW_RUN (s_test_chain_too_deep);
    PW_RUN (s_test_very_deep_chain);
    PW_RUN (s_test_cycles);
    PW_RUN (s_test_cross_org);
    PW_RUN (s_test_unscheduled_dependencies);
    PW_RUN (s_test_fixed_window_order);
    PW_RUN (s_test_outside_dependency_strict);
    PW_RUN (s_test_wave_split_and_overrun);
    PW_RUN (s_test_fixed_fan_in_and_unlimited);
    PW_RUN (s_test_bad_input);
    PW_RUN (s_test_empty);
    PW_RUN (s_test_deterministic);
    PW_RUN (s_test_saturday_night);
    PW_RUN (s_test_large_fleet);
    return PW_TEST_END ();
}
