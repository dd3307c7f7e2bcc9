/*  test_failure - failure policy: holds, stops and error budgets. */
#include "pw_failure.h"
#include "pw_util.h"
#include "../pw_test.h"

#define T0  1718481600LL
#define MIN 60LL

//  The Saturday-night stack: DC01 <- SQL01 <- APP01, APP02 <- WEB01, and
//  FILE01 alone, in a four-window group; OUT01 in a fixed window on
//  Sunday depends on SQL01; LOOP01 depends on itself (unscheduled).
enum { DC, SQL, APP1, APP2, WEB, FILE1, OUT, LOOP, STACK };

static pw_plan_t *
s_stack_plan (pw_failure_policy_t policy, pw_budget_kind_t kind, int budget)
{
    pw_plan_instance_t instances [5];
    static const char *names [] = {"SAT-1", "SAT-2", "SAT-3", "SAT-4"};
    for (int k = 0; k < 4; k++)
        instances [k] =
            (pw_plan_instance_t){names [k], T0 + k * 50 * MIN, T0 + (k + 1) * 50 * MIN, 10};
    instances [4] = (pw_plan_instance_t){"SUN", T0 + 1440 * MIN, T0 + 1560 * MIN, 10};
    int order [] = {0, 1, 2, 3};
    pw_plan_group_t group = {"SAT-NIGHT", order, 4, policy, kind, budget};
    pw_plan_agent_t agents [STACK] = {
        [DC] = {"DC01", "contoso", true, 20, 0, -1},
        [SQL] = {"SQL01", "contoso", true, 40, 0, -1},
        [APP1] = {"APP01", "contoso", true, 30, 0, -1},
        [APP2] = {"APP02", "contoso", true, 30, 0, -1},
        [WEB] = {"WEB01", "contoso", true, 20, 0, -1},
        [FILE1] = {"FILE01", "contoso", true, 20, 0, -1},
        [OUT] = {"OUT01", "contoso", true, 20, -1, 4},
        [LOOP] = {"LOOP01", "contoso", true, 20, 0, -1},
    };
    pw_plan_edge_t edges [] = {{SQL, DC},   {APP1, SQL}, {APP2, SQL}, {WEB, APP1},
                               {WEB, APP2}, {OUT, SQL},  {LOOP, LOOP}};
    pw_plan_input_t input = {agents, STACK, instances, 5, &group, 1, edges, 7, 0};
    char *error = NULL;
    pw_plan_t *plan = pw_plan_new (&input, &error);
    if (!plan)
        PW_FAIL_AT ("plan failed: %s", error);
    free (error);
    return plan;
}

static pw_failure_t *
s_decide (const pw_plan_t *plan, const pw_outcome_t *outcomes)
{
    char *error = NULL;
    pw_failure_t *result = pw_failure_new (plan, outcomes, pw_plan_agent_count (plan), &error);
    if (!result)
        PW_FAIL_AT ("failure policy failed: %s", error);
    free (error);
    return result;
}

static void
s_test_nothing_failed (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED, [SQL] = PW_OUTCOME_RUNNING};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_gate (result, DC), PW_GATE_STARTED);
    PW_CHECK_INT (pw_failure_gate (result, SQL), PW_GATE_STARTED);
    for (int a = APP1; a <= OUT; a++) {
        PW_CHECK (pw_failure_may_start (result, a));
        PW_CHECK_STR (pw_failure_reason (result, a), "");
        PW_CHECK_INT (pw_failure_blocker (result, a), -1);
    }
    PW_CHECK_INT (pw_failure_gate (result, LOOP), PW_GATE_UNSCHEDULED);
    PW_CHECK (!pw_failure_group_stopped (result, 0));
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 0);
    PW_CHECK_INT (pw_failure_group_allowed (result, 0), -1);
    pw_failure_destroy (&result);
    PW_CHECK (result == NULL);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  SQL01 fails under hold_dependents: APP01, APP02 and OUT01 wait on it,
//  WEB01 waits on the held APP01; DC01 is done, FILE01 may start.
static void
s_test_hold_dependents (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED, [SQL] = PW_OUTCOME_FAILED};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_gate (result, DC), PW_GATE_STARTED);
    PW_CHECK_INT (pw_failure_gate (result, SQL), PW_GATE_STARTED);
    PW_CHECK_INT (pw_failure_gate (result, APP1), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_blocker (result, APP1), SQL);
    PW_CHECK_INT (pw_failure_origin (result, APP1), SQL);
    PW_CHECK_STR (pw_failure_reason (result, APP1), "dependency SQL01 failed");
    PW_CHECK_INT (pw_failure_gate (result, APP2), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_gate (result, WEB), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_blocker (result, WEB), APP1);
    PW_CHECK_INT (pw_failure_origin (result, WEB), SQL);
    PW_CHECK_STR (pw_failure_reason (result, WEB), "dependency APP01 is held (SQL01 failed)");
    PW_CHECK_INT (pw_failure_gate (result, OUT), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_blocker (result, OUT), SQL);
    PW_CHECK (pw_failure_may_start (result, FILE1));
    PW_CHECK (!pw_failure_group_stopped (result, 0));
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 1);
    pw_failure_destroy (&result);

    //  Unhealthy counts as failed.
    outcomes [SQL] = PW_OUTCOME_UNHEALTHY;
    result = s_decide (plan, outcomes);
    PW_CHECK_STR (pw_failure_reason (result, APP2), "dependency SQL01 was not healthy in time");
    PW_CHECK_INT (pw_failure_gate (result, WEB), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK (pw_failure_may_start (result, FILE1));
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  Holds pass through held agents, not through running or finished ones:
//  with APP01 running and APP02 succeeded, WEB01 may start even though
//  SQL01 failed (both its dependencies are past the point of holding).
static void
s_test_hold_stops_at_started (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED,
                                     [SQL] = PW_OUTCOME_FAILED,
                                     [APP1] = PW_OUTCOME_RUNNING,
                                     [APP2] = PW_OUTCOME_SUCCEEDED};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK (pw_failure_may_start (result, WEB));
    PW_CHECK_INT (pw_failure_gate (result, OUT), PW_GATE_HELD_DEPENDENCY);
    pw_failure_destroy (&result);

    //  With only APP01 running, WEB01 is held through APP02.
    outcomes [APP2] = PW_OUTCOME_NOT_STARTED;
    result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_gate (result, WEB), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_blocker (result, WEB), APP2);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  `stop`: one failure stops the group: every not-started member is held,
//  and OUT01 outside the group waits on the failed SQL01.
static void
s_test_stop (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_STOP, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED, [SQL] = PW_OUTCOME_FAILED};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK (pw_failure_group_stopped (result, 0));
    int members [] = {APP1, APP2, WEB, FILE1};
    for (int i = 0; i < 4; i++) {
        PW_CHECK_INT (pw_failure_gate (result, members [i]), PW_GATE_HELD_STOPPED);
        PW_CHECK_INT (pw_failure_origin (result, members [i]), SQL);
        PW_CHECK_INT (pw_failure_blocker (result, members [i]), -1);
    }
    PW_CHECK_STR (pw_failure_reason (result, FILE1),
                  "window group SAT-NIGHT stopped by its policy after SQL01 failed");
    PW_CHECK_INT (pw_failure_gate (result, OUT), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_INT (pw_failure_gate (result, DC), PW_GATE_STARTED);
    pw_failure_destroy (&result);

    //  No failure, no stop.
    outcomes [SQL] = PW_OUTCOME_SUCCEEDED;
    result = s_decide (plan, outcomes);
    PW_CHECK (!pw_failure_group_stopped (result, 0));
    PW_CHECK (pw_failure_may_start (result, FILE1));
    PW_CHECK (pw_failure_may_start (result, WEB));
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  `continue`: the failure changes nothing.
static void
s_test_continue (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_CONTINUE, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED, [SQL] = PW_OUTCOME_FAILED};
    pw_failure_t *result = s_decide (plan, outcomes);
    for (int a = APP1; a <= OUT; a++)
        PW_CHECK (pw_failure_may_start (result, a));
    PW_CHECK (!pw_failure_group_stopped (result, 0));
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 1);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  Budget of 1 failure: the first failure reaches it (nothing stops), the
//  second exceeds it (the group stops), under `continue`.
static void
s_test_budget_count (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_CONTINUE, PW_BUDGET_COUNT, 1);
    pw_outcome_t outcomes [STACK] = {[DC] = PW_OUTCOME_SUCCEEDED, [SQL] = PW_OUTCOME_FAILED};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_group_allowed (result, 0), 1);
    PW_CHECK (!pw_failure_group_stopped (result, 0));
    PW_CHECK (pw_failure_may_start (result, APP1));
    PW_CHECK (pw_failure_may_start (result, FILE1));
    pw_failure_destroy (&result);

    outcomes [DC] = PW_OUTCOME_UNHEALTHY;
    result = s_decide (plan, outcomes);
    PW_CHECK (pw_failure_group_stopped (result, 0));
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 2);
    PW_CHECK_INT (pw_failure_gate (result, FILE1), PW_GATE_HELD_BUDGET);
    PW_CHECK_INT (pw_failure_gate (result, WEB), PW_GATE_HELD_BUDGET);
    PW_CHECK_INT (pw_failure_origin (result, FILE1), DC);
    PW_CHECK_STR (pw_failure_reason (result, FILE1),
                  "window group SAT-NIGHT stopped: 2 failed agents exceed its error budget of 1 "
                  "(first: DC01)");
    //  A stopped group's failures reach outside it whatever the policy.
    PW_CHECK_INT (pw_failure_gate (result, OUT), PW_GATE_HELD_DEPENDENCY);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);

    //  Under hold_dependents, budget 0: the first failure already exceeds
    //  it, and the budget reason wins over the dependency for APP01.
    plan = s_stack_plan (PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_COUNT, 0);
    outcomes [DC] = PW_OUTCOME_SUCCEEDED;
    result = s_decide (plan, outcomes);
    PW_CHECK (pw_failure_group_stopped (result, 0));
    PW_CHECK_INT (pw_failure_gate (result, APP1), PW_GATE_HELD_BUDGET);
    PW_CHECK_INT (pw_failure_gate (result, FILE1), PW_GATE_HELD_BUDGET);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

//  A flat group of SIZE independent agents (F00..), policy `continue`,
//  with a percent budget; FAILED of them failed, the rest not started.
static void
s_check_percent (int size, int percent, int failed, int expect_allowed, bool expect_stopped)
{
    pw_plan_agent_t agents [64];
    char names [64][16];
    pw_plan_instance_t instance = {"SAT-1", T0, T0 + 300 * MIN, 0};
    int order [] = {0};
    pw_plan_group_t group = {"FLAT", order, 1, PW_FAILURE_CONTINUE, PW_BUDGET_PERCENT, percent};
    pw_outcome_t outcomes [64] = {0};
    for (int i = 0; i < size; i++) {
        snprintf (names [i], sizeof names [i], "F%02d", i);
        agents [i] = (pw_plan_agent_t){names [i], "o", true, 10, 0, -1};
        outcomes [i] = i < failed ? PW_OUTCOME_FAILED : PW_OUTCOME_NOT_STARTED;
    }
    pw_plan_input_t input = {agents, (size_t)size, &instance, 1, &group, 1, NULL, 0, 0};
    pw_plan_t *plan = pw_plan_new (&input, NULL);
    pw_failure_t *result = s_decide (plan, outcomes);
    if (pw_failure_group_allowed (result, 0) != expect_allowed ||
        pw_failure_group_stopped (result, 0) != expect_stopped)
        PW_FAIL_AT ("%d%% of %d with %d failed: allowed %d stopped %d, expected %d %d", percent,
                    size, failed, pw_failure_group_allowed (result, 0),
                    pw_failure_group_stopped (result, 0), expect_allowed, expect_stopped);
    PW_CHECK_INT (pw_failure_gate (result, size - 1),
                  expect_stopped ? PW_GATE_HELD_BUDGET : PW_GATE_MAY_START);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

static void
s_test_budget_percent (void)
{
    //  floor (percent x agents / 100) failures are allowed.
    s_check_percent (10, 25, 2, 2, false); //  2.5 -> 2: reached
    s_check_percent (10, 25, 3, 2, true);  //  exceeded
    s_check_percent (25, 10, 2, 2, false);
    s_check_percent (25, 10, 3, 2, true);
    s_check_percent (19, 10, 1, 1, false); //  1.9 -> 1
    s_check_percent (19, 10, 2, 1, true);
    s_check_percent (20, 10, 2, 2, false); //  exactly 2
    s_check_percent (10, 0, 1, 0, true);   //  0%: the first failure stops
    s_check_percent (10, 0, 0, 0, false);
    s_check_percent (10, 100, 9, 10, false);
}

//  A fixed-window agent fails under the default: its dependents are held.
//  A failure in a `continue` group does not hold a dependent in a
//  `hold_dependents` group: the failed agent's group decides.
static void
s_test_fixed_and_cross_group (void)
{
    pw_plan_instance_t instances [] = {{"WED", T0, T0 + 120 * MIN, 10},
                                       {"THU", T0 + 1440 * MIN, T0 + 1560 * MIN, 10},
                                       {"FRI", T0 + 2880 * MIN, T0 + 3000 * MIN, 10}};
    int thu [] = {1}, fri [] = {2};
    pw_plan_group_t groups [] = {{"THU-G", thu, 1, PW_FAILURE_CONTINUE, PW_BUDGET_NONE, 0},
                                 {"FRI-G", fri, 1, PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0}};
    pw_plan_agent_t agents [] = {{"F1", "o", true, 10, -1, 0},
                                 {"F2", "o", true, 10, -1, 0},
                                 {"T1", "o", true, 10, 0, -1},
                                 {"R1", "o", true, 10, 1, -1}};
    pw_plan_edge_t edges [] = {{1, 0}, {3, 2}};
    pw_plan_input_t input = {agents, 4, instances, 3, groups, 2, edges, 2, 0};
    pw_plan_t *plan = pw_plan_new (&input, NULL);
    pw_outcome_t outcomes [] = {PW_OUTCOME_FAILED, PW_OUTCOME_NOT_STARTED, PW_OUTCOME_FAILED,
                                PW_OUTCOME_NOT_STARTED};
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_gate (result, 1), PW_GATE_HELD_DEPENDENCY);
    PW_CHECK_STR (pw_failure_reason (result, 1), "dependency F1 failed");
    PW_CHECK (pw_failure_may_start (result, 3));
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 1);
    PW_CHECK_INT (pw_failure_group_failures (result, 1), 0);
    pw_failure_destroy (&result);
    pw_plan_destroy (&plan);
}

static void
s_test_bad_input (void)
{
    pw_plan_t *plan = s_stack_plan (PW_FAILURE_HOLD_DEPENDENTS, PW_BUDGET_NONE, 0);
    pw_outcome_t outcomes [STACK] = {0};
    char *error = NULL;
    PW_CHECK (pw_failure_new (plan, outcomes, 3, &error) == NULL);
    PW_CHECK_STR (error, "3 outcomes for a plan of 8 agents");
    free (error);
    error = NULL;
    outcomes [WEB] = (pw_outcome_t)9;
    PW_CHECK (pw_failure_new (plan, outcomes, STACK, &error) == NULL);
    PW_CHECK_STR (error, "agent WEB01 has an unknown outcome 9");
    free (error);
    PW_CHECK (pw_failure_new (plan, outcomes, STACK, NULL) == NULL);
    PW_CHECK (pw_failure_new (plan, NULL, STACK, NULL) == NULL);

    //  The unscheduled LOOP01's outcome is ignored; unknown indices answer
    //  with neutral values.
    outcomes [WEB] = PW_OUTCOME_NOT_STARTED;
    outcomes [LOOP] = PW_OUTCOME_FAILED;
    pw_failure_t *result = s_decide (plan, outcomes);
    PW_CHECK_INT (pw_failure_group_failures (result, 0), 0);
    PW_CHECK (pw_failure_may_start (result, FILE1));
    PW_CHECK_INT (pw_failure_gate (result, 99), PW_GATE_UNSCHEDULED);
    PW_CHECK_INT (pw_failure_gate (result, -1), PW_GATE_UNSCHEDULED);
    PW_CHECK_STR (pw_failure_reason (result, 99), "");
    PW_CHECK_INT (pw_failure_blocker (result, 99), -1);
    PW_CHECK (!pw_failure_group_stopped (result, 5));
    PW_CHECK_INT (pw_failure_group_allowed (result, 5), -1);
    PW_CHECK_STR (pw_failure_gate_name (PW_GATE_HELD_BUDGET), "held_budget");
    pw_failure_destroy (&result);

    //  The result outlives the plan.
    outcomes [SQL] = PW_OUTCOME_FAILED;
    result = s_decide (plan, outcomes);
    pw_plan_destroy (&plan);
    PW_CHECK_STR (pw_failure_reason (result, APP1), "dependency SQL01 failed");
    pw_failure_destroy (&result);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_nothing_failed);
    PW_RUN (s_test_hold_dependents);
    PW_RUN (s_test_hold_stops_at_started);
    PW_RUN (s_test_stop);
    PW_RUN (s_test_continue);
    PW_RUN (s_test_budget_count);
    PW_RUN (s_test_budget_percent);
    PW_RUN (s_test_fixed_and_cross_group);
    PW_RUN (s_test_bad_input);
    return PW_TEST_END ();
}
