/*  sched_store - loads plan inputs, writes setup sections and plans.

    Bulk rows travel as one JSON array per statement (json_to_recordset on
    the server side), so writing a plan of 5,000 agents is one round trip,
    not 5,000. A stored plan is replaced in place: its head is upserted and
    only the agent and violation rows that changed are written, since a
    re-plan mostly reproduces the rows already stored. Loaded inputs point
    into the PGresults they came from, which live as long as the inputs.

    The agents and their effective settings (tens of thousands of rows, the
    largest part of the inputs) are kept between plans in a cache, one
    entry per tenant, for as long as the tenant's 'agents' counter and the
    epoch (009_facts_changes) stay the version they were read at: every
    write of agents, agent_settings or orgs moves that counter, so a plan
    after a schedule_apply or a second plan of the same inputs reads no
    agent row. The counter is read before the rows: a write committed
    between the two leaves rows newer than their version, which costs one
    needless read, never a stale plan.
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

#define S_RESULTS 7

//  One read of a tenant's agents and their effective settings, joined.
//  Shared by the cache and by the inputs that use it; the joined agents
//  point into the two PGresults.
typedef struct {
    PGresult *agents;
    PGresult *settings;
    sched_agent_t *list;
    size_t count;
    int refs;
} s_agents_t;

static void
s_agents_release (s_agents_t **self_p)
{
    s_agents_t *self = *self_p;
    *self_p = NULL;
    if (!self || --self->refs > 0)
        return;
    PQclear (self->agents);
    PQclear (self->settings);
    free (self->list);
    free (self);
}

//  A tenant's agents as read at a version of its 'agents' counter.
typedef struct {
    pw_tenant_slot_t slot; //  first: see pw_tenant_slot_find
    int64_t version;
    int64_t epoch;
    s_agents_t *agents;
} s_kept_t;

struct _sched_store_cache_t {
    s_kept_t *entries;
    size_t size;
    uint64_t clock;
    uint64_t reads; //  reads of the agents' rows from the store
};

typedef struct {
    sched_inputs_t inputs; //  first: the public part
    PGresult *results [S_RESULTS];
    size_t result_count;
    s_agents_t *agents; //  one reference
} s_loaded_t;

sched_store_cache_t *
sched_store_cache_new (size_t tenants)
{
    if (tenants == 0)
        return NULL;
    sched_store_cache_t *self = pw_calloc (1, sizeof *self);
    self->entries = pw_calloc (tenants, sizeof *self->entries);
    self->size = tenants;
    return self;
}

void
sched_store_cache_destroy (sched_store_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sched_store_cache_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++) {
        free (self->entries [i].slot.tenant);
        s_agents_release (&self->entries [i].agents);
    }
    free (self->entries);
    free (self);
    *self_p = NULL;
}

uint64_t
sched_store_cache_reads (const sched_store_cache_t *self)
{
    return self ? self->reads : 0;
}

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

static int
s_org_compare (const void *a, const void *b)
{
    return strcmp ((*(const sched_org_t *const *)a)->name, (*(const sched_org_t *const *)b)->name);
}

//  Reads the agents (by hostname) and their effective settings (by
//  agent_id) and joins them: an agent of no org of ORGS is left out, as in
//  a join, and one without settings (not resolved yet) reads as
//  subscribed with none. NULL on a store error.
static s_agents_t *
s_agents_read (pw_db_t *db, const sched_org_t *org_list, size_t org_count)
{
    s_agents_t *self = pw_calloc (1, sizeof *self);
    self->refs = 1;
    self->settings = pw_db_exec (db, "sched_agent_settings_list", 0, NULL);
    self->agents = self->settings ? pw_db_exec (db, "sched_agents_list", 0, NULL) : NULL;
    if (!self->agents) {
        s_agents_release (&self);
        return NULL;
    }
    PGresult *res = self->agents, *settings = self->settings;
    int setting_count = PQntuples (settings);
    int64_t *setting_ids = pw_malloc (((size_t)setting_count + 1) * sizeof (int64_t));
    for (int r = 0; r < setting_count; r++)
        setting_ids [r] = strtoll (PQgetvalue (settings, r, 0), NULL, 10);
    const sched_org_t **orgs = pw_malloc ((org_count + 1) * sizeof (sched_org_t *));
    for (size_t o = 0; o < org_count; o++)
        orgs [o] = &org_list [o];
    qsort (orgs, org_count, sizeof *orgs, s_org_compare);
    self->list = pw_calloc ((size_t)PQntuples (res) + 1, sizeof (sched_agent_t));
    const char *last_org = NULL;
    const sched_org_t *found = NULL;
    for (int r = 0; r < PQntuples (res); r++) {
        //  The org must exist, as in a join; agents of one org mostly come
        //  together, so the last one is tried first.
        const char *org = PQgetvalue (res, r, 2);
        if (!last_org || strcmp (org, last_org) != 0) {
            last_org = org;
            const sched_org_t key = {.name = org}, *key_p = &key;
            const sched_org_t **hit =
                bsearch (&key_p, orgs, org_count, sizeof *orgs, s_org_compare);
            found = hit ? *hit : NULL;
        }
        if (!found)
            continue;
        int64_t id = strtoll (PQgetvalue (res, r, 0), NULL, 10);
        int low = 0, high = setting_count;
        while (low < high) {
            int mid = low + (high - low) / 2;
            if (setting_ids [mid] < id)
                low = mid + 1;
            else
                high = mid;
        }
        int setting = low < setting_count && setting_ids [low] == id ? low : -1;
        bool subscribed =
            found->subscribed && s_bool (res, r, 3) &&
            (setting < 0 || PQgetisnull (settings, setting, 1) || s_bool (settings, setting, 1));
        self->list [self->count++] =
            (sched_agent_t){.id = id,
                            .hostname = s_str (res, r, 1),
                            .org = org,
                            .subscribed = subscribed,
                            .expected_minutes = s_int (res, r, 4),
                            .update_window = setting >= 0 ? s_str (settings, setting, 2) : NULL,
                            .scan = setting >= 0 ? s_str (settings, setting, 3) : NULL,
                            .manual_patching = setting >= 0 ? s_str (settings, setting, 4) : NULL,
                            .health_check = setting >= 0 ? s_str (settings, setting, 5) : NULL};
    }
    free (setting_ids);
    free (orgs);
    return self;
}

//  The agents of LOADED's inputs (its orgs read), from CACHE when TENANT's
//  'agents' counter and the epoch are those they were read at, else from
//  the store (and kept). 0, or -1 on a store error.
static int
s_agents_load (pw_db_t *db, const char *tenant, sched_store_cache_t *cache, s_loaded_t *loaded)
{
    const sched_inputs_t *in = &loaded->inputs;
    if (!cache) {
        loaded->agents = s_agents_read (db, in->orgs, in->org_count);
        return loaded->agents ? 0 : -1;
    }
    PGresult *res = pw_db_exec (db, "sched_agents_version", 0, NULL);
    if (!res)
        return -1;
    int64_t version = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    int64_t epoch = strtoll (PQgetvalue (res, 0, 1), NULL, 10);
    PQclear (res);
    s_kept_t *entry = pw_tenant_slot_find (cache->entries, cache->size, sizeof *entry, tenant);
    if (!pw_tenant_slot_holds (&entry->slot, tenant)) {
        free (entry->slot.tenant);
        s_agents_release (&entry->agents);
        entry->slot.tenant = pw_strdup (tenant);
    }
    entry->slot.used = ++cache->clock;
    if (!entry->agents || entry->version != version || entry->epoch != epoch) {
        s_agents_t *agents = s_agents_read (db, in->orgs, in->org_count);
        if (!agents)
            return -1;
        cache->reads++;
        s_agents_release (&entry->agents);
        entry->agents = agents;
        entry->version = version;
        entry->epoch = epoch;
    }
    entry->agents->refs++;
    loaded->agents = entry->agents;
    return 0;
}

sched_inputs_t *
sched_store_load (pw_db_t *db, const char *tenant, sched_store_cache_t *cache)
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

    if (s_agents_load (db, tenant, cache, loaded))
        goto failed;
    in->agents = loaded->agents->list;
    in->agent_count = loaded->agents->count;
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
    s_agents_release (&loaded->agents);
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
sched_store_plan_digest (pw_db_t *db, const char *cycle, char hex [SCHED_DIGEST_HEX],
                         char version [SCHED_VERSION_SIZE])
{
    hex [0] = '\0';
    version [0] = '\0';
    const char *params [] = {cycle};
    PGresult *res = pw_db_exec (db, "sched_plan_digest", 1, params);
    if (!res)
        return -1;
    if (PQntuples (res)) {
        snprintf (hex, SCHED_DIGEST_HEX, "%s", PQgetvalue (res, 0, 0));
        snprintf (version, SCHED_VERSION_SIZE, "%s", PQgetvalue (res, 0, 1));
    }
    PQclear (res);
    return 0;
}

//  One agent row of a stored plan, or one violation row (ID its ordinal).
typedef struct {
    int64_t agent_id;
    uint64_t hash;
} s_row_t;

struct _sched_stored_t {
    char cycle [16];
    char version [SCHED_VERSION_SIZE];
    bool document_known; //  false when read back: the document is not
    uint64_t document_hash;
    size_t document_len;
    s_row_t *agents; //  in plan order
    size_t agent_count;
    s_row_t *violations; //  entry K is ordinal K + 1 when its agent_id says so
    size_t violation_count;
};

void
sched_stored_destroy (sched_stored_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sched_stored_t *self = *self_p;
    free (self->agents);
    free (self->violations);
    free (self);
    *self_p = NULL;
}

//  Slot of ID in an open-addressing index of SIZE (a power of two).
static size_t
s_id_slot (int64_t id, size_t size)
{
    uint64_t hash = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(hash >> 32) & (size - 1);
}

//  What PLAN and DOCUMENT are as rows, hashed; the version comes later.
static sched_stored_t *
s_stored_new (const sched_plan_t *plan, const char *document)
{
    sched_stored_t *self = pw_calloc (1, sizeof *self);
    snprintf (self->cycle, sizeof self->cycle, "%s", sched_plan_cycle (plan));
    self->document_known = true;
    self->document_len = strlen (document);
    self->document_hash = sched_text_hash (document, self->document_len);
    self->agent_count = sched_plan_agents (plan);
    self->agents = pw_malloc ((self->agent_count + 1) * sizeof (s_row_t));
    for (size_t a = 0; a < self->agent_count; a++)
        self->agents [a] =
            (s_row_t){sched_plan_agent_id (plan, a), sched_plan_agent_hash (plan, a)};
    self->violation_count = sched_plan_violations (plan);
    self->violations = pw_malloc ((self->violation_count + 1) * sizeof (s_row_t));
    for (size_t i = 0; i < self->violation_count; i++)
        self->violations [i] = (s_row_t){(int64_t)i + 1, sched_plan_violation_hash (plan, i)};
    return self;
}

static int64_t
s_int64 (PGresult *res, int row, int col)
{
    return strtoll (PQgetvalue (res, row, col), NULL, 10);
}

//  Splits a text[] literal as PostgreSQL writes it ({a,"b c"}) in place
//  into ITEMS (room for strlen (TEXT) / 2 + 1); NULL for an unquoted NULL.
//  Returns the count.
static size_t
s_split_array (char *text, const char **items)
{
    size_t count = 0;
    char *p = text;
    if (*p == '{')
        p++;
    while (*p && *p != '}') {
        char *start = p, *out = p;
        bool quoted = *p == '"';
        if (quoted) {
            start = out = ++p;
            while (*p && *p != '"') {
                if (*p == '\\' && p [1])
                    p++;
                *out++ = *p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != '}')
                out = ++p;
        }
        char end = *p;
        *out = '\0';
        items [count++] = !quoted && strcmp (start, "NULL") == 0 ? NULL : start;
        if (end == ',')
            p++;
        else
            break;
    }
    return count;
}

//  What the store holds of the plan of CYCLE, read back; VERSION is that
//  of its plans row. NULL on a store error.
static sched_stored_t *
s_stored_read (pw_db_t *db, const char *cycle, const char *version)
{
    const char *params [] = {cycle};
    PGresult *res = pw_db_exec (db, "sched_plan_agents_stored", 1, params);
    if (!res)
        return NULL;
    sched_stored_t *self = pw_calloc (1, sizeof *self);
    snprintf (self->cycle, sizeof self->cycle, "%s", cycle);
    snprintf (self->version, sizeof self->version, "%s", version);
    self->agent_count = (size_t)PQntuples (res);
    self->agents = pw_malloc ((self->agent_count + 1) * sizeof (s_row_t));
    for (int r = 0; r < PQntuples (res); r++) {
        sched_agent_row_t row = {.agent_id = s_int64 (res, r, 0),
                                 .hostname = s_str (res, r, 1),
                                 .org = s_str (res, r, 2),
                                 .planned = s_bool (res, r, 3),
                                 .reason = s_str (res, r, 4),
                                 .window = s_str (res, r, 5),
                                 .window_group = s_str (res, r, 6),
                                 .has_position = !PQgetisnull (res, r, 7),
                                 .position = s_int (res, r, 7),
                                 .has_wave = !PQgetisnull (res, r, 8),
                                 .wave = s_int (res, r, 8),
                                 .has_start = !PQgetisnull (res, r, 9),
                                 .start_utc = s_int64 (res, r, 9),
                                 .has_end = !PQgetisnull (res, r, 10),
                                 .end_utc = s_int64 (res, r, 10),
                                 .has_wave_end = !PQgetisnull (res, r, 11),
                                 .wave_end_utc = s_int64 (res, r, 11),
                                 .timezone = s_str (res, r, 12),
                                 .has_scan = !PQgetisnull (res, r, 13),
                                 .scan_utc = s_int64 (res, r, 13),
                                 .has_health_timeout = !PQgetisnull (res, r, 14),
                                 .health_timeout = s_int (res, r, 14)};
        self->agents [r] = (s_row_t){row.agent_id, sched_agent_row_hash (&row)};
    }
    PQclear (res);
    res = pw_db_exec (db, "sched_plan_violations_stored", 1, params);
    if (!res) {
        sched_stored_destroy (&self);
        return NULL;
    }
    int rows = PQntuples (res);
    int64_t last = rows ? s_int64 (res, rows - 1, 0) : 0;
    //  Ordinals from 1 up, normally without a gap; the entries of missing
    //  ones stay unclaimed and so differ from any new row.
    self->violation_count = last > 0 ? (size_t)last : 0;
    self->violations = pw_calloc (self->violation_count + 1, sizeof (s_row_t));
    for (int r = 0; r < rows; r++) {
        int64_t ordinal = s_int64 (res, r, 0);
        if (ordinal < 1 || ordinal > last)
            continue;
        char *members = pw_strdup (PQgetvalue (res, r, 5));
        const char **items = pw_malloc ((strlen (members) / 2 + 2) * sizeof (char *));
        sched_violation_row_t row = {.ordinal = ordinal,
                                     .code = s_str (res, r, 1),
                                     .has_agent = !PQgetisnull (res, r, 2),
                                     .agent_id = s_int64 (res, r, 2),
                                     .has_other = !PQgetisnull (res, r, 3),
                                     .other_agent_id = s_int64 (res, r, 3),
                                     .window = s_str (res, r, 4),
                                     .members = items,
                                     .member_count = s_split_array (members, items),
                                     .detail = s_str (res, r, 6)};
        self->violations [ordinal - 1] = (s_row_t){ordinal, sched_violation_row_hash (&row)};
        free (items);
        free (members);
    }
    PQclear (res);
    return self;
}

//  Writes the plans row with STATEMENT and keeps its new version in
//  WRITTEN. DOCUMENT NULL leaves the stored one (sched_plan_update only).
static int
s_put_head (pw_db_t *db, const char *statement, const sched_plan_t *plan, const char *document,
            const char *digest, const char *actor, int64_t compute_us, sched_stored_t *written)
{
    char numbers [5][24];
    snprintf (numbers [0], sizeof numbers [0], "%" PRId64, compute_us);
    snprintf (numbers [1], sizeof numbers [1], "%zu", sched_plan_agents (plan));
    snprintf (numbers [2], sizeof numbers [2], "%zu", sched_plan_planned (plan));
    snprintf (numbers [3], sizeof numbers [3], "%zu", sched_plan_unscheduled (plan));
    snprintf (numbers [4], sizeof numbers [4], "%zu", sched_plan_violations (plan));
    const char *head [] = {sched_plan_cycle (plan),
                           sched_plan_anchor (plan),
                           actor,
                           digest,
                           numbers [0],
                           numbers [1],
                           numbers [2],
                           numbers [3],
                           numbers [4],
                           document};
    PGresult *res = pw_db_exec (db, statement, 10, head);
    if (!res)
        return -1;
    int rc = PQntuples (res) == 1 ? 0 : -1;
    if (rc == 0)
        snprintf (written->version, sizeof written->version, "%s", PQgetvalue (res, 0, 0));
    PQclear (res);
    return rc;
}

//  Sends the rows of WRITTEN that BEFORE (what the store holds; NULL when
//  it holds no plan of the cycle) does not hold as they are.
static int
s_put_changes (pw_db_t *db, const sched_plan_t *plan, const sched_stored_t *before,
               const sched_stored_t *written)
{
    const char *cycle = sched_plan_cycle (plan);
    size_t before_agents = before ? before->agent_count : 0;
    //  Agents: the stored ones by agent_id in an open-addressing index;
    //  what is not found there is new, what is not visited is gone.
    size_t size = 16;
    while (size < 2 * before_agents)
        size *= 2;
    size_t *index = pw_malloc (size * sizeof (size_t));
    for (size_t k = 0; k < size; k++)
        index [k] = SIZE_MAX;
    for (size_t k = 0; k < before_agents; k++) {
        size_t slot = s_id_slot (before->agents [k].agent_id, size);
        while (index [slot] != SIZE_MAX)
            slot = (slot + 1) & (size - 1);
        index [slot] = k;
    }
    bool *seen = pw_calloc (before_agents + 1, sizeof (bool));
    size_t *changed = pw_malloc ((written->agent_count + 1) * sizeof (size_t));
    size_t changed_count = 0, gone_count = 0;
    for (size_t a = 0; a < written->agent_count; a++) {
        const s_row_t *now = &written->agents [a];
        size_t slot = s_id_slot (now->agent_id, size);
        while (index [slot] != SIZE_MAX && before->agents [index [slot]].agent_id != now->agent_id)
            slot = (slot + 1) & (size - 1);
        if (index [slot] == SIZE_MAX || seen [index [slot]]) {
            changed [changed_count++] = a;
            continue;
        }
        seen [index [slot]] = true;
        if (before->agents [index [slot]].hash != now->hash)
            changed [changed_count++] = a;
    }
    pw_strbuf_t gone;
    pw_strbuf_init (&gone);
    pw_strbuf_append (&gone, "{");
    for (size_t k = 0; k < before_agents; k++)
        if (!seen [k])
            pw_strbuf_appendf (&gone, "%s%" PRId64, gone_count++ ? "," : "",
                               before->agents [k].agent_id);
    pw_strbuf_append (&gone, "}");
    free (seen);
    free (index);
    int rc = 0;
    if (changed_count || gone_count) {
        char *rows = sched_plan_agent_rows_of (plan, changed, changed_count);
        const char *params [] = {cycle, rows, gone.data};
        rc = s_exec (db, "sched_plan_agents_patch", 3, params);
        free (rows);
    }
    pw_strbuf_free (&gone);
    //  Violations: by ordinal.
    size_t before_violations = before ? before->violation_count : 0;
    changed_count = 0;
    changed = pw_realloc (changed, (written->violation_count + 1) * sizeof (size_t));
    for (size_t k = 0; k < written->violation_count; k++)
        if (k >= before_violations || before->violations [k].agent_id != (int64_t)k + 1 ||
            before->violations [k].hash != written->violations [k].hash)
            changed [changed_count++] = k;
    if (rc == 0 && (changed_count || written->violation_count < before_violations)) {
        char *rows = sched_plan_violation_rows_of (plan, changed, changed_count);
        char count [24];
        snprintf (count, sizeof count, "%zu", written->violation_count);
        const char *params [] = {cycle, rows, count};
        rc = s_exec (db, "sched_plan_violations_patch", 3, params);
        free (rows);
    }
    free (changed);
    return rc;
}

int
sched_store_plan_put (pw_db_t *db, const sched_plan_t *plan, const char *document,
                      const char *digest, const char *actor, int64_t compute_us,
                      const sched_stored_t *stored, const char *version, sched_stored_t **written_p)
{
    *written_p = NULL;
    const char *cycle = sched_plan_cycle (plan);
    //  What the store holds: nothing, what this process wrote, or (when it
    //  does not know) the rows read back.
    const sched_stored_t *before = NULL;
    sched_stored_t *read = NULL;
    if (version && *version) {
        if (stored && strcmp (stored->cycle, cycle) == 0 && strcmp (stored->version, version) == 0)
            before = stored;
        else if (!(before = read = s_stored_read (db, cycle, version)))
            return -1;
    }
    sched_stored_t *written = s_stored_new (plan, document);
    int rc;
    if (before) {
        bool same = before->document_known && written->document_len == before->document_len &&
                    written->document_hash == before->document_hash;
        rc = s_put_head (db, "sched_plan_update", plan, same ? NULL : document, digest, actor,
                         compute_us, written);
    } else
        rc = s_put_head (db, "sched_plan_put", plan, document, digest, actor, compute_us, written);
    if (rc == 0)
        rc = s_put_changes (db, plan, before, written);
    sched_stored_destroy (&read);
    if (rc == 0)
        *written_p = written;
    else
        sched_stored_destroy (&written);
    return rc;
}
