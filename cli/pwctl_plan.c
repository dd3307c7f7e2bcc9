/*  pwctl plan - a cycle's plan: per window instance in time order, its
    local and UTC start and its waves; then unscheduled agents and
    violations. --json prints the scheduler's document as it is.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_json.h"
#include "pw_util.h"
#include "pwctl.h"

static const pw_config_key_t s_keys [] = {
    {"cycle", PW_CFG_STRING, "", "plan: the cycle, YYYY-MM (default: the current or next one)"},
    {"org", PW_CFG_STRING, "", "plan: only what concerns this org"},
    {"window", PW_CFG_STRING, "", "plan: only this window or window group"},
    {"recompute", PW_CFG_BOOL, "false", "plan: compute the plan again even when it is fresh"},
    {NULL, 0, NULL, NULL}};

static const char *
s_text (const pw_json_value_t *object, const char *key)
{
    const char *text = pw_json_string (pw_json_get (object, key));
    return text ? text : "-";
}

static void
s_print (const Patchwarden__V1__PlanReply *reply, const pw_json_value_t *doc)
{
    printf ("plan %s: %u planned, %u unscheduled, %u violation%s\n", reply->cycle, reply->planned,
            reply->unscheduled, reply->violations, reply->violations == 1 ? "" : "s");
    const pw_json_value_t *instances = pw_json_get (doc, "instances");
    for (size_t i = 0; i < pw_json_size (instances); i++) {
        const pw_json_value_t *inst = pw_json_at (instances, i);
        char where [160] = "";
        const char *group = pw_json_string (pw_json_get (inst, "group"));
        if (group)
            snprintf (where, sizeof where, "  %s/%s", group,
                      pw_json_number_text (pw_json_get (inst, "position")));
        printf ("\n%s%s  %s  %s  (%s)\n", s_text (inst, "window"), where,
                s_text (inst, "start_local"), s_text (inst, "start_utc"), s_text (inst, "tz"));
        const pw_json_value_t *waves = pw_json_get (inst, "waves");
        if (pw_json_size (waves) == 0)
            printf ("  (no agents)\n");
        for (size_t w = 0; w < pw_json_size (waves); w++) {
            const pw_json_value_t *wave = pw_json_at (waves, w);
            printf ("  wave %zu:", w + 1);
            for (size_t a = 0; a < pw_json_size (wave); a++)
                printf ("%s %s", a ? "," : "", pw_json_string (pw_json_at (wave, a)));
            printf ("\n");
        }
    }
    const pw_json_value_t *unscheduled = pw_json_get (doc, "unscheduled");
    if (pw_json_size (unscheduled)) {
        printf ("\nUNSCHEDULED\n");
        for (size_t i = 0; i < pw_json_size (unscheduled); i++) {
            const pw_json_value_t *item = pw_json_at (unscheduled, i);
            printf ("  %-24s %s\n", s_text (item, "agent"), s_text (item, "reason"));
        }
    }
    const pw_json_value_t *violations = pw_json_get (doc, "violations");
    if (pw_json_size (violations)) {
        printf ("\nVIOLATIONS\n");
        for (size_t i = 0; i < pw_json_size (violations); i++) {
            const pw_json_value_t *item = pw_json_at (violations, i);
            printf ("  %-20s %s\n", s_text (item, "code"), s_text (item, "detail"));
        }
    }
}

static int
s_plan (pwctl_t *self)
{
    if (self->argc > 0) {
        pwctl_error ("plan takes options only (pwctl plan [--cycle YYYY-MM] [--org ORG] "
                     "[--window NAME] [--recompute])");
        return PWCTL_USAGE;
    }
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PlanRequest plan = PATCHWARDEN__V1__PLAN_REQUEST__INIT;
    plan.cycle = (char *)pw_config_str (self->config, "cycle");
    plan.org = (char *)pw_config_str (self->config, "org");
    plan.window = (char *)pw_config_str (self->config, "window");
    plan.recompute = pw_config_bool (self->config, "recompute");
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PLAN;
    request.plan = &plan;
    pw_reply_t *reply = pwctl_call (self, "scheduler", &request);
    if (!reply)
        return PWCTL_DOWN;
    int rc = PWCTL_OK;
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pwctl_error ("plan: %s", reply->message);
        rc = PWCTL_FAILED;
    } else if (reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_PLAN) {
        pwctl_error ("plan: the scheduler answered without a plan");
        rc = PWCTL_FAILED;
    } else if (self->json)
        printf ("%s\n", reply->plan->json);
    else {
        pw_json_t *reader = pw_json_new (reply->plan->json, strlen (reply->plan->json));
        const pw_json_value_t *doc = pw_json_parse (reader);
        if (doc)
            s_print (reply->plan, doc);
        else {
            pwctl_error ("plan: the scheduler's document does not parse: %s",
                         pw_json_error (reader));
            rc = PWCTL_FAILED;
        }
        pw_json_destroy (&reader);
    }
    pw_reply_free (&reply);
    return rc;
}

PWCTL_COMMAND (plan, "plan", s_plan,
               "plan [--cycle YYYY-MM] [--org ORG] [--window NAME] [--recompute]",
               "the dependency-ordered plan of a patch cycle", s_keys);
