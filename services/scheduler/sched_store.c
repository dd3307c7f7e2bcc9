/*  sched_store - loads plan inputs, writes setup sections and plans.

    Bulk rows travel as one JSON array per statement (json_to_recordset on
    the server side), so writing a plan of 5,000 agents is one round trip,
    not 5,000. A stored plan is replaced in place: its head is upserted and
    only the agent and violation rows that changed are written, since a
    re-plan mostly reproduces the rows already stored. Loaded inputs point
    into the PGresults they came from, which live as long as the inputs.
*/
#include "sched_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_util.h"

const pw_setup_section_t sched_sections [SCHED_SECTION_COUNT] = {
    PW_SETUP_SECTION_CYCLE, PW_SETUP_SECTION_WINDOWS, PW_SETUP_SECTION_WINDOW_GROUPS,
    PW_SETUP_SECTION_BLACKOUTS, PW_SETUP_SECTION_DEPENDENCIES};

#define S_RESULTS 8

typedef struct {
    sched_inputs_t inputs; //  first: the public part
    PGresult *results [S_RESULTS];
    size_t result_count;
} s_loaded_t;

static const char *
s_str (PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col);
}

static int
s_int (PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? 0 : atoi (PQgetvalue (res, row, col));
}

static bool
s_bool (PGresult *res, int row, int col)
{
    return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col) [0] == 't';
}

static PGresult *
s_query (pw_db_t *db, s_loaded_t *loaded, const char *name)
{
    PGresult *res = pw_db_exec (db, name, 0, NULL);
    if (res)
        loaded->results [loaded->result_count++] = res;
    return res;
}

static pw_failure_policy_t
s_policy (const char *text)
{
    return strcmp (text, "stop") == 0       ? PW_FAILURE_STOP
           : strcmp (text, "continue") == 0 ? PW_FAILURE_CONTINUE
                                            : PW_FAILURE_HOLD_DEPENDENTS;
}

static pw_budget_kind_t
s_budget (const char *text)
{
    return strcmp (text, "count") == 0     ? PW_BUDGET_COUNT
           : strcmp (text, "percent") == 0 ? PW_BUDGET_PERCENT
                                           : PW_BUDGET_NONE;
}

sched_inputs_t *
sched_store_load (pw_db_t *db)
{
    s_loaded_t *loaded = pw_calloc (1, sizeof *loaded);
    sched_inputs_t *in = &loaded->inputs;
    pw_scan_rules_default (&in->scan_rules);
    in->timezone = "UTC";

    PGresult *res = s_query (db, loaded, "sched_cycle_get");
    if (!res)
        goto failed;
    if (PQntuples (res) && strcmp (PQgetvalue (res, 0, 0), "weekly") == 0) {
        in->cycle.kind = PW_CYCLE_WEEKLY;
        in->cycle.weekday = s_int (res, 0, 1);
    }
    res = s_query (db, loaded, "sched_settings_get");
    if (!res)
        goto failed;
    if (PQntuples (res)) {
        in->scan_rules.gap = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
        in->scan_rules.max_age = strtoll (PQgetvalue (res, 0, 1), NULL, 10);
        in->timezone = PQgetvalue (res, 0, 2);
    }
    res = s_query (db, loaded, "sched_orgs_list");
    if (!res)
        goto failed;
    in->org_count = (size_t)PQntuples (res);
    in->orgs = pw_calloc (in->org_count + 1, sizeof (sched_org_t));
    for (int r = 0; r < PQntuples (res); r++)
        in->orgs [r] = (sched_org_t){s_str (res, r, 0), s_str (res, r, 1), s_bool (res, r, 2)};

    res = s_query (db, loaded, "sched_windows_list");
    if (!res)
        goto failed;
    in->window_count = (size_t)PQntuples (res);
    in->windows = pw_calloc (in->window_count + 1, sizeof (pw_window_t));
    for (int r = 0; r < PQntuples (res); r++)
        in->windows [r] = (pw_window_t){.name = s_str (res, r, 0),
                                        .offset_days = s_int (res, r, 1),
                                        .start_minute = s_int (res, r, 2),
                                        .duration_minutes = s_int (res, r, 3),
                                        .capacity = s_int (res, r, 4),
                                        .tz = s_str (res, r, 5),
                                        .group = s_str (res, r, 6),
                                        .position = s_int (res, r, 7)};

    res = s_query (db, loaded, "sched_groups_list");
    if (!res)
        goto failed;
    in->group_count = (size_t)PQntuples (res);
    in->groups = pw_calloc (in->group_count + 1, sizeof (sched_group_t));
    for (int r = 0; r < PQntuples (res); r++)
        in->groups [r] = (sched_group_t){s_str (res, r, 0), s_policy (PQgetvalue (res, r, 1)),
                                         s_budget (PQgetvalue (res, r, 2)), s_int (res, r, 3)};

    res = s_query (db, loaded, "sched_blackouts_list");
    if (!res)
        goto failed;
    in->blackouts = pw_calloc ((size_t)PQntuples (res) + 1, sizeof (sched_blackout_t));
    for (int r = 0; r < PQntuples (res); r++) {
        sched_blackout_t *b = &in->blackouts [in->blackout_count];
        b->org = s_str (res, r, 0);
        b->blackout.reason = s_str (res, r, 3);
        if (pw_tz_parse_date (PQgetvalue (res, r, 1), &b->blackout.first, NULL) == 0 &&
            pw_tz_parse_date (PQgetvalue (res, r, 2), &b->blackout.last, NULL) == 0)
            in->blackout_count++;
    }

    res = s_query (db, loaded, "sched_dependencies_list");
    if (!res)
        goto failed;
    in->dependency_count = (size_t)PQntuples (res);
    in->dependencies = pw_calloc (in->dependency_count + 1, sizeof (sched_dependency_t));
    for (int r = 0; r < PQntuples (res); r++)
        in->dependencies [r] = (sched_dependency_t){s_str (res, r, 0), s_str (res, r, 1)};

    res = s_query (db, loaded, "sched_agents_list");
    if (!res)
        goto failed;
    in->agent_count = (size_t)PQntuples (res);
    in->agents = pw_calloc (in->agent_count + 1, sizeof (sched_agent_t));
    for (int r = 0; r < PQntuples (res); r++)
        in->agents [r] = (sched_agent_t){.id = strtoll (PQgetvalue (res, r, 0), NULL, 10),
                                         .hostname = s_str (res, r, 1),
                                         .org = s_str (res, r, 2),
                                         .subscribed = s_bool (res, r, 3),
                                         .expected_minutes = s_int (res, r, 4),
                                         .update_window = s_str (res, r, 5),
                                         .scan = s_str (res, r, 6),
                                         .manual_patching = s_str (res, r, 7),
                                         .health_check = s_str (res, r, 8)};
    return in;

failed:;
    sched_inputs_t *inputs = in;
    sched_store_inputs_destroy (&inputs);
    return NULL;
}

void
sched_store_inputs_destroy (sched_inputs_t **inputs_p)
{
    if (!inputs_p || !*inputs_p)
        return;
    s_loaded_t *loaded = (s_loaded_t *)*inputs_p;
    for (size_t i = 0; i < loaded->result_count; i++)
        PQclear (loaded->results [i]);
    free (loaded->inputs.orgs);
    free (loaded->inputs.windows);
    free (loaded->inputs.groups);
    free (loaded->inputs.blackouts);
    free (loaded->inputs.dependencies);
    free (loaded->inputs.agents);
    free (loaded);
    *inputs_p = NULL;
}

int
sched_store_section_digests (pw_db_t *db, char digests [SCHED_SECTION_COUNT][65])
{
    for (size_t i = 0; i < SCHED_SECTION_COUNT; i++)
        digests [i][0] = '\0';
    PGresult *res = pw_db_exec (db, "sched_sections_get", 0, NULL);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples (res); r++)
        for (size_t i = 0; i < SCHED_SECTION_COUNT; i++)
            if (strcmp (PQgetvalue (res, r, 0), pw_setup_section_name (sched_sections [i])) == 0)
                snprintf (digests [i], 65, "%s", PQgetvalue (res, r, 1));
    PQclear (res);
    return 0;
}

int
sched_store_unknown_hostnames (pw_db_t *db, const char *json_array, char ***unknown_p,
                               size_t *count_p)
{
    *unknown_p = NULL;
    *count_p = 0;
    const char *params [] = {json_array};
    PGresult *res = pw_db_exec (db, "sched_hostnames_unknown", 1, params);
    if (!res)
        return -1;
    size_t count = (size_t)PQntuples (res);
    char **names = pw_calloc (count + 1, sizeof (char *));
    for (size_t r = 0; r < count; r++)
        names [r] = pw_strdup (PQgetvalue (res, (int)r, 0));
    PQclear (res);
    *unknown_p = names;
    *count_p = count;
    return 0;
}

void
sched_store_names_free (char ***names_p, size_t count)
{
    if (!names_p || !*names_p)
        return;
    for (size_t i = 0; i < count; i++)
        free ((*names_p) [i]);
    free (*names_p);
    *names_p = NULL;
}

static int
s_exec (pw_db_t *db, const char *name, int nparams, const char *const *params)
{
    PGresult *res = pw_db_exec (db, name, nparams, params);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

//  Clears a section's rows and, when JSON holds any, writes them.
static int
s_replace (pw_db_t *db, const char *clear, const char *put, pw_strbuf_t *json, size_t rows)
{
    if (s_exec (db, clear, 0, NULL))
        return -1;
    if (rows == 0)
        return 0;
    const char *params [] = {json->data};
    return s_exec (db, put, 1, params);
}

static const char *
s_policy_name (pw_setup_failure_t policy)
{
    return policy == PW_SETUP_FAILURE_STOP       ? "stop"
           : policy == PW_SETUP_FAILURE_CONTINUE ? "continue"
                                                 : "hold_dependents";
}

static const char *
s_budget_name (pw_setup_budget_kind_t kind)
{
    return kind == PW_SETUP_BUDGET_COUNT     ? "count"
           : kind == PW_SETUP_BUDGET_PERCENT ? "percent"
                                             : "none";
}

static int
s_write_rows (pw_db_t *db, const pw_setup_t *setup, pw_setup_section_t section)
{
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    pw_strbuf_append (&json, "[");
    int rc = -1;
    size_t rows = 0;
    char date [16];
    switch (section) {
        case PW_SETUP_SECTION_CYCLE: {
            if (s_exec (db, "sched_cycle_clear", 0, NULL))
                break;
            bool weekly = setup->cycle.kind == PW_SETUP_CYCLE_WEEKLY;
            char weekday [8];
            snprintf (weekday, sizeof weekday, "%d", (int)setup->cycle.weekday % 7);
            const char *params [] = {weekly ? "weekly" : "monthly", weekly ? weekday : NULL};
            rc = s_exec (db, "sched_cycle_put", 2, params);
            break;
        }
        case PW_SETUP_SECTION_WINDOWS:
            for (size_t i = 0; i < setup->window_count; i++, rows++) {
                const pw_setup_window_t *w = &setup->windows [i];
                pw_strbuf_append (&json, i ? ",{\"name\":" : "{\"name\":");
                pw_strbuf_append_json (&json, w->name);
                pw_strbuf_appendf (
                    &json,
                    ",\"offset_days\":%d,\"start_minute\":%d,\"duration_minutes\":%d,"
                    "\"capacity\":%d,\"timezone\":",
                    w->offset_days, w->start, (int)(w->duration / 60), w->capacity);
                pw_strbuf_append_json (&json, w->timezone);
                pw_strbuf_append (&json, ",\"window_group\":");
                pw_strbuf_append_json (&json, w->group);
                if (w->group)
                    pw_strbuf_appendf (&json, ",\"position\":%d}", w->position);
                else
                    pw_strbuf_append (&json, ",\"position\":null}");
            }
            pw_strbuf_append (&json, "]");
            rc = s_replace (db, "sched_windows_clear", "sched_windows_put", &json, rows);
            break;
        case PW_SETUP_SECTION_WINDOW_GROUPS:
            for (size_t i = 0; i < setup->window_group_count; i++, rows++) {
                const pw_setup_window_group_t *g = &setup->window_groups [i];
                pw_strbuf_append (&json, i ? ",{\"name\":" : "{\"name\":");
                pw_strbuf_append_json (&json, g->name);
                pw_strbuf_append (&json, ",\"description\":");
                pw_strbuf_append_json (&json, g->description ? g->description : "");
                pw_strbuf_appendf (&json,
                                   ",\"failure_policy\":\"%s\",\"budget_kind\":\"%s\","
                                   "\"budget_value\":%d}",
                                   s_policy_name (g->failure_policy),
                                   s_budget_name (g->budget_kind), g->budget_value);
            }
            pw_strbuf_append (&json, "]");
            rc = s_replace (db, "sched_groups_clear", "sched_groups_put", &json, rows);
            break;
        case PW_SETUP_SECTION_BLACKOUTS:
            for (size_t i = 0; i < setup->blackout_count; i++, rows++) {
                const pw_setup_blackout_t *b = &setup->blackouts [i];
                pw_strbuf_appendf (&json, "%s{\"ordinal\":%zu,\"org\":", i ? "," : "", i + 1);
                pw_strbuf_append_json (&json, b->org);
                snprintf (date, sizeof date, "%04d-%02d-%02d", b->from.year, b->from.month,
                          b->from.day);
                pw_strbuf_appendf (&json, ",\"first_day\":\"%s\"", date);
                snprintf (date, sizeof date, "%04d-%02d-%02d", b->to.year, b->to.month, b->to.day);
                pw_strbuf_appendf (&json, ",\"last_day\":\"%s\",\"reason\":", date);
                pw_strbuf_append_json (&json, b->reason ? b->reason : "");
                pw_strbuf_append (&json, "}");
            }
            pw_strbuf_append (&json, "]");
            rc = s_replace (db, "sched_blackouts_clear", "sched_blackouts_put", &json, rows);
            break;
        case PW_SETUP_SECTION_DEPENDENCIES:
            for (size_t i = 0; i < setup->dependency_count; i++) {
                const pw_setup_dependency_t *d = &setup->dependencies [i];
                for (size_t j = 0; j < d->after_count; j++, rows++) {
                    pw_strbuf_append (&json, rows ? ",{\"hostname\":" : "{\"hostname\":");
                    pw_strbuf_append_json (&json, d->agent);
                    pw_strbuf_append (&json, ",\"depends_on\":");
                    pw_strbuf_append_json (&json, d->after [j]);
                    pw_strbuf_append (&json, "}");
                }
            }
            pw_strbuf_append (&json, "]");
            rc = s_replace (db, "sched_dependencies_clear", "sched_dependencies_put", &json, rows);
            break;
        default: rc = 0; break;
    }
    pw_strbuf_free (&json);
    return rc;
}

int
sched_store_write_section (pw_db_t *db, const pw_setup_t *setup, pw_setup_section_t section,
                           const char *actor)
{
    if (s_write_rows (db, setup, section))
        return -1;
    char digest [PW_SETUP_DIGEST_HEX];
    pw_setup_digest (setup, section, digest);
    char *canonical = pw_setup_canonical (setup, section);
    const char *params [] = {pw_setup_section_name (section), digest, canonical, actor};
    int rc = s_exec (db, "sched_section_put", 4, params);
    free (canonical);
    return rc;
}

int
sched_store_plan_digest (pw_db_t *db, const char *cycle, char hex [SCHED_DIGEST_HEX])
{
    hex [0] = '\0';
    const char *params [] = {cycle};
    PGresult *res = pw_db_exec (db, "sched_plan_digest", 1, params);
    if (!res)
        return -1;
    if (PQntuples (res))
        snprintf (hex, SCHED_DIGEST_HEX, "%s", PQgetvalue (res, 0, 0));
    PQclear (res);
    return 0;
}

int
sched_store_plan_put (pw_db_t *db, const sched_plan_t *plan, const char *document,
                      const char *digest, const char *actor, int64_t compute_us)
{
    const char *cycle = sched_plan_cycle (plan);
    char numbers [5][24];
    snprintf (numbers [0], 24, "%" PRId64, compute_us);
    snprintf (numbers [1], 24, "%zu", sched_plan_agents (plan));
    snprintf (numbers [2], 24, "%zu", sched_plan_planned (plan));
    snprintf (numbers [3], 24, "%zu", sched_plan_unscheduled (plan));
    snprintf (numbers [4], 24, "%zu", sched_plan_violations (plan));
    const char *head [] = {cycle,       sched_plan_anchor (plan),
                           actor,       digest,
                           numbers [0], numbers [1],
                           numbers [2], numbers [3],
                           numbers [4], document};
    int rc = s_exec (db, "sched_plan_put", 10, head);
    //  Both run even when empty: they delete what the new plan no longer has.
    if (rc == 0) {
        char *rows = sched_plan_agent_rows (plan);
        const char *params [] = {cycle, rows};
        rc = s_exec (db, "sched_plan_agents_put", 2, params);
        free (rows);
    }
    if (rc == 0) {
        char *rows = sched_plan_violation_rows (plan);
        const char *params [] = {cycle, rows};
        rc = s_exec (db, "sched_plan_violations_put", 2, params);
        free (rows);
    }
    return rc;
}
