/*  policy_store - loading and writing a tenant's policy state. */
#include "policy_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pw_json.h"
#include "pw_log.h"

//  --- loading --------------------------------------------------------------

//  A growable array of fixed-size items.
typedef struct {
    void *data;
    size_t count, cap, size;
} s_vec_t;

static void *
s_vec_push (s_vec_t *vec)
{
    if (vec->count == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 256;
        vec->data = pw_realloc (vec->data, vec->cap * vec->size);
    }
    void *item = (char *)vec->data + vec->count++ * vec->size;
    memset (item, 0, vec->size);
    return item;
}

//  Splits TEXT on SEP into arena strings; returns the count.
static size_t
s_split (pw_arena_t *arena, const char *text, char sep, const char ***items_p)
{
    size_t count = 0;
    if (text && *text) {
        count = 1;
        for (const char *p = text; *p; p++)
            count += *p == sep;
    }
    const char **items = pw_arena_alloc (arena, sizeof (char *) * (count ? count : 1));
    size_t at = 0;
    for (const char *p = text; count && p;) {
        const char *end = strchr (p, sep);
        items [at++] = pw_arena_strndup (arena, p, end ? (size_t)(end - p) : strlen (p));
        p = end ? end + 1 : NULL;
    }
    *items_p = items;
    return count;
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static int
s_field_cmp (const void *a, const void *b)
{
    return strcmp (((const pw_field_t *)a)->name, ((const pw_field_t *)b)->name);
}

//  Index of an id among sorted IDS: a table by id when the ids are dense
//  enough (the store's identities are), else a binary search.
typedef struct {
    const int64_t *ids;
    size_t count;
    int64_t least;
    int32_t *table; //  index + 1 by id - least; NULL: search
    size_t span;
} s_index_t;

static void
s_index_init (s_index_t *index, const int64_t *ids, size_t count)
{
    memset (index, 0, sizeof *index);
    index->ids = ids;
    index->count = count;
    if (count == 0)
        return;
    uint64_t span = (uint64_t)(ids [count - 1] - ids [0]) + 1;
    if (span > 8 * (uint64_t)count + 4096)
        return;
    index->least = ids [0];
    index->span = (size_t)span;
    index->table = pw_calloc (index->span, sizeof (int32_t));
    for (size_t i = 0; i < count; i++)
        index->table [ids [i] - index->least] = (int32_t)i + 1;
}

static long
s_index_find (const s_index_t *index, int64_t id)
{
    if (!index->table)
        return pw_find_id (index->ids, index->count, id);
    if (id < index->least || (uint64_t)(id - index->least) >= index->span)
        return -1;
    return (long)index->table [id - index->least] - 1;
}

//  One scan state as loaded: its patch (index) and state.
typedef struct {
    uint32_t patch;
    uint8_t state;
} s_scan_t;

//  The scan states of one row of policy_load_scans: an agent's, in patch
//  order, at START of the loaded states.
typedef struct {
    uint32_t agent, start, count;
} s_scan_run_t;

typedef struct {
    policy_inventory_t *inv;
    s_vec_t agents, ids, ignored, ignored_count, patches, patch_ids;
    s_vec_t scans, runs;
    s_index_t agent_index, patch_index;
    bool indexed;
    const char *error;
} s_load_t;

static const pw_org_t *
s_find_org (const policy_inventory_t *inv, const char *name)
{
    size_t lo = 0, hi = inv->org_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp (inv->orgs [mid].name, name);
        if (cmp == 0)
            return &inv->orgs [mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

//  An agent's custom fields from the text of its `custom_fields` (a JSON
//  object, as the store prints jsonb), as jsonb_each_text names them: a
//  string as decoded, a number or boolean as printed; a null is no field,
//  and so is an object or array (an import takes strings only). Sorted
//  byte-wise by name. NULL when the text is not an object (an administrator
//  may store any jsonb there).
static pw_field_t *
s_custom_fields (pw_arena_t *arena, const char *text, size_t *count_p)
{
    *count_p = 0;
    pw_json_t *json = pw_json_new (text ? text : "{}", text ? strlen (text) : 2);
    const pw_json_value_t *object = pw_json_parse (json);
    if (pw_json_type (object) != PW_JSON_OBJECT) {
        pw_json_destroy (&json);
        return NULL;
    }
    size_t size = pw_json_size (object), count = 0;
    pw_field_t *cf = pw_arena_alloc (arena, sizeof (pw_field_t) * (size ? size : 1));
    for (size_t i = 0; i < size; i++) {
        const pw_json_value_t *value = pw_json_at (object, i);
        pw_json_type_t type = pw_json_type (value);
        const char *text_value = type == PW_JSON_STRING   ? pw_json_string (value)
                                 : type == PW_JSON_NUMBER ? pw_json_number_text (value)
                                 : type == PW_JSON_BOOL ? (pw_json_bool (value) ? "true" : "false")
                                                        : NULL;
        if (!text_value)
            continue;
        cf [count].name = pw_arena_strdup (arena, pw_json_key (object, i));
        cf [count].value = pw_arena_strdup (arena, text_value);
        count++;
    }
    pw_json_destroy (&json);
    //  Sorted byte-wise here: the store's collation may order differently.
    qsort (cf, count, sizeof (pw_field_t), s_field_cmp);
    *count_p = count;
    return cf;
}

static int
s_agent_row (void *arg, char **f, int count)
{
    s_load_t *load = arg;
    if (count != 11)
        return -1;
    pw_arena_t *arena = load->inv->arena;
    pw_agent_t *agent = s_vec_push (&load->agents);
    *(int64_t *)s_vec_push (&load->ids) = strtoll (f [0], NULL, 10);
    agent->id = strtoll (f [0], NULL, 10);
    agent->hostname = pw_arena_strdup (arena, f [1]);
    agent->org = s_find_org (load->inv, f [2]);
    if (!agent->org)
        return -1; //  the foreign key makes this impossible
    agent->group = pw_arena_strdup (arena, f [3] ? f [3] : "");
    pw_class_parse (f [4], &agent->klass);
    agent->os = pw_arena_strdup (arena, f [5] ? f [5] : "");
    agent->os_version = pw_arena_strdup (arena, f [6] ? f [6] : "");
    agent->subscribed = f [7] && f [7][0] == 't';
    const char **tags;
    agent->tag_count = s_split (arena, f [8], '\x1f', &tags);
    qsort (tags, agent->tag_count, sizeof (char *), s_strcmp_p);
    agent->tags = tags;
    const char **ignored;
    size_t ignored_count = s_split (arena, f [9], '\x1f', &ignored);
    *(const char ***)s_vec_push (&load->ignored) = ignored;
    *(size_t *)s_vec_push (&load->ignored_count) = ignored_count;
    size_t cf_count;
    agent->cf = s_custom_fields (arena, f [10], &cf_count);
    if (!agent->cf) {
        //  Written behind the import's back: the agent is resolved without
        //  them rather than the tenant not at all
        pw_log_warn ("custom fields are not a JSON object, read as none", "agent=%s value=%.80s",
                     agent->hostname, f [10] ? f [10] : "");
        agent->cf = pw_arena_alloc (arena, sizeof (pw_field_t));
    }
    agent->cf_count = cf_count;
    return 0;
}

static int
s_patch_row (void *arg, char **f, int count)
{
    s_load_t *load = arg;
    if (count != 11)
        return -1;
    pw_arena_t *arena = load->inv->arena;
    pw_patch_t *patch = s_vec_push (&load->patches);
    *(int64_t *)s_vec_push (&load->patch_ids) = strtoll (f [0], NULL, 10);
    patch->id = pw_arena_strdup (arena, f [1]);
    patch->kb = pw_arena_strdup (arena, f [2]);
    patch->title = pw_arena_strdup (arena, f [3]);
    if (pw_classification_parse (f [4], &patch->classification))
        patch->classification = PW_CLASSIFICATION_UPDATE;
    const char **products;
    patch->product_count = s_split (arena, f [5], '\x1f', &products);
    if (patch->product_count == 0) {
        //  Some catalogue rows name no product; rules by classification
        //  still apply, and product globs see this name.
        products [0] = "(unspecified)";
        patch->product_count = 1;
    }
    patch->products = products;
    patch->severity = pw_arena_strdup (arena, f [6]);
    patch->released = strtoll (f [7] ? f [7] : "0", NULL, 10);
    const char **supersedes;
    patch->supersedes_count = s_split (arena, f [8], '\x1f', &supersedes);
    patch->supersedes = supersedes;
    patch->reboot_required = f [9] && f [9][0] == 't';
    const char **cves;
    patch->cve_count = s_split (arena, f [10], '\x1f', &cves);
    patch->cves = cves;
    return 0;
}

static int
s_scan_cmp (const void *a, const void *b)
{
    uint32_t x = ((const s_scan_t *)a)->patch, y = ((const s_scan_t *)b)->patch;
    return (x > y) - (x < y);
}

//  A row of policy_load_scans: an agent, the patches its last scan reports
//  missing, those whose install failed (bigint[] literals, each in id
//  order, so in patch order: patches are loaded by id). One run of the
//  agent's states, in patch order.
static int
s_scan_row (void *arg, char **f, int count)
{
    s_load_t *load = arg;
    if (count != 3 || !f [0] || !f [1] || !f [2])
        return -1;
    if (!load->indexed) {
        //  Agents and patches are loaded (ordered by id) before the scans
        s_index_init (&load->agent_index, load->ids.data, load->ids.count);
        s_index_init (&load->patch_index, load->patch_ids.data, load->patch_ids.count);
        load->indexed = true;
    }
    long agent = s_index_find (&load->agent_index, strtoll (f [0], NULL, 10));
    size_t start = load->scans.count;
    static const policy_scan_state_t states [] = {POLICY_SCAN_MISSING, POLICY_SCAN_FAILED};
    for (int l = 0; l < 2; l++) {
        const char *p = f [1 + l];
        if (*p++ != '{')
            return -1;
        int64_t id;
        while (pw_array_next_id (&p, &id)) {
            long patch = s_index_find (&load->patch_index, id);
            if (agent < 0 || patch < 0)
                continue; //  added after our snapshot of agents or patches
            s_scan_t *scan = s_vec_push (&load->scans);
            scan->patch = (uint32_t)patch;
            scan->state = (uint8_t)states [l];
        }
        if (p [0] != '}' || p [1] != '\0')
            return -1;
    }
    if (agent < 0 || load->scans.count == start)
        return 0;
    //  Two runs in patch order (missing, failed) make one
    s_scan_t *run = (s_scan_t *)load->scans.data + start;
    size_t n = load->scans.count - start;
    for (size_t i = 1; i < n; i++)
        if (run [i - 1].patch > run [i].patch) {
            qsort (run, n, sizeof *run, s_scan_cmp);
            break;
        }
    s_scan_run_t *r = s_vec_push (&load->runs);
    r->agent = (uint32_t)agent;
    r->start = (uint32_t)start;
    r->count = (uint32_t)n;
    return 0;
}

//  memcpy that accepts an empty source (a tenant with no agents yet).
static void
s_copy (void *dst, const void *src, size_t bytes)
{
    if (bytes)
        memcpy (dst, src, bytes);
}

static int
s_load_inventory (pw_db_t *db, policy_inventory_t *inv)
{
    PGresult *res = pw_db_exec (db, "policy_load_orgs", 0, NULL);
    if (!res)
        return -1;
    inv->org_count = (size_t)PQntuples (res);
    inv->orgs = pw_arena_alloc (inv->arena, sizeof (pw_org_t) * (inv->org_count + 1));
    for (size_t i = 0; i < inv->org_count; i++) {
        inv->orgs [i].name = pw_arena_strdup (inv->arena, PQgetvalue (res, (int)i, 0));
        inv->orgs [i].tz = pw_arena_strdup (inv->arena, PQgetvalue (res, (int)i, 1));
        inv->orgs [i].subscribed = PQgetvalue (res, (int)i, 2) [0] == 't';
    }
    PQclear (res);
    //  The store sorts by its collation; lookups need byte order.
    for (size_t i = 1; i < inv->org_count; i++)
        for (size_t j = i; j > 0 && strcmp (inv->orgs [j - 1].name, inv->orgs [j].name) > 0; j--) {
            pw_org_t tmp = inv->orgs [j];
            inv->orgs [j] = inv->orgs [j - 1];
            inv->orgs [j - 1] = tmp;
        }

    s_load_t load = {.inv = inv};
    load.agents.size = sizeof (pw_agent_t);
    load.ids.size = sizeof (int64_t);
    load.ignored.size = sizeof (char **);
    load.ignored_count.size = sizeof (size_t);
    load.patches.size = sizeof (pw_patch_t);
    load.patch_ids.size = sizeof (int64_t);
    load.scans.size = sizeof (s_scan_t);
    load.runs.size = sizeof (s_scan_run_t);
    int rc = -1;
    if (pw_db_copy_out (db, "policy_load_agents", s_agent_row, &load) < 0 ||
        pw_db_copy_out (db, "policy_load_patches", s_patch_row, &load) < 0 ||
        pw_db_copy_out (db, "policy_load_scans", s_scan_row, &load) < 0)
        goto done;
    //  Move the vectors into the arena-less inventory arrays (owned by
    //  the inventory arena for simple freeing).
    inv->agent_count = load.agents.count;
    inv->agents = pw_arena_alloc (inv->arena, load.agents.size * (load.agents.count + 1));
    s_copy (inv->agents, load.agents.data, load.agents.size * load.agents.count);
    inv->agent_ids = pw_arena_alloc (inv->arena, sizeof (int64_t) * (load.ids.count + 1));
    s_copy (inv->agent_ids, load.ids.data, sizeof (int64_t) * load.ids.count);
    inv->ignored = pw_arena_alloc (inv->arena, sizeof (char **) * (load.ignored.count + 1));
    s_copy ((void *)inv->ignored, load.ignored.data, sizeof (char **) * load.ignored.count);
    inv->ignored_count = pw_arena_alloc (inv->arena, sizeof (size_t) * (load.ignored.count + 1));
    s_copy (inv->ignored_count, load.ignored_count.data, sizeof (size_t) * load.ignored.count);
    inv->patch_count = load.patches.count;
    inv->patches = pw_arena_alloc (inv->arena, load.patches.size * (load.patches.count + 1));
    s_copy (inv->patches, load.patches.data, load.patches.size * load.patches.count);
    inv->patch_ids = pw_arena_alloc (inv->arena, sizeof (int64_t) * (load.patch_ids.count + 1));
    s_copy (inv->patch_ids, load.patch_ids.data, sizeof (int64_t) * load.patch_ids.count);
    //  The store streams agents' runs in no order (a scan, not a sort):
    //  each run to its agent's place, agents in index order (one run per
    //  agent: scan_open's key is the agent)
    inv->scan_count = load.scans.count;
    inv->scan_off = pw_arena_alloc (inv->arena, sizeof (uint32_t) * (inv->agent_count + 1));
    inv->scan_patch = pw_arena_alloc (inv->arena, sizeof (uint32_t) * (inv->scan_count + 1));
    inv->scan_state = pw_arena_alloc (inv->arena, inv->scan_count + 1);
    uint32_t *fill = pw_calloc (inv->agent_count + 1, sizeof (uint32_t));
    const s_scan_run_t *runs = load.runs.data;
    for (size_t i = 0; i < load.runs.count; i++)
        fill [runs [i].agent] += runs [i].count;
    size_t at = 0;
    for (size_t a = 0; a < inv->agent_count; a++) {
        inv->scan_off [a] = (uint32_t)at;
        at += fill [a];
        fill [a] = inv->scan_off [a];
    }
    const s_scan_t *scans = load.scans.data;
    for (size_t i = 0; i < load.runs.count; i++) {
        uint32_t to = fill [runs [i].agent];
        for (uint32_t k = 0; k < runs [i].count; k++) {
            inv->scan_patch [to + k] = scans [runs [i].start + k].patch;
            inv->scan_state [to + k] = scans [runs [i].start + k].state;
        }
        fill [runs [i].agent] = to + runs [i].count;
    }
    free (fill);
    inv->scan_off [inv->agent_count] = (uint32_t)at;
    rc = 0;
done:
    free (load.agents.data);
    free (load.ids.data);
    free (load.ignored.data);
    free (load.ignored_count.data);
    free (load.patches.data);
    free (load.patch_ids.data);
    free (load.scans.data);
    free (load.runs.data);
    free (load.agent_index.table);
    free (load.patch_index.table);
    return rc;
}

static pw_action_t
s_action (const char *text)
{
    pw_action_t action = PW_ACTION_NONE;
    pw_action_parse (text, &action);
    return action;
}

static const char *
s_value (pw_arena_t *arena, PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : pw_arena_strdup (arena, PQgetvalue (res, row, col));
}

static int
s_load_config (pw_db_t *db, policy_config_t *cfg)
{
    pw_arena_t *arena = cfg->arena;
    PGresult *res = pw_db_exec (db, "policy_load_settings", 0, NULL);
    if (!res)
        return -1;
    if (PQntuples (res) == 1) {
        cfg->scan_gap_s = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
        cfg->scan_max_age_s = strtoll (PQgetvalue (res, 0, 1), NULL, 10);
        cfg->review_max_age_s = strtoll (PQgetvalue (res, 0, 2), NULL, 10);
        cfg->timezone = s_value (arena, res, 0, 3);
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_views", 0, NULL)))
        return -1;
    cfg->view_count = (size_t)PQntuples (res);
    cfg->views = pw_arena_alloc (arena, sizeof (policy_view_t) * (cfg->view_count + 1));
    for (int i = 0; i < PQntuples (res); i++) {
        cfg->views [i].name = s_value (arena, res, i, 0);
        cfg->views [i].filter = s_value (arena, res, i, 1);
        cfg->views [i].description = s_value (arena, res, i, 2);
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_patch_policies", 0, NULL)))
        return -1;
    cfg->patch_policy_count = (size_t)PQntuples (res);
    cfg->patch_policies =
        pw_arena_alloc (arena, sizeof (policy_patch_policy_t) * (cfg->patch_policy_count + 1));
    for (int i = 0; i < PQntuples (res); i++) {
        policy_patch_policy_t *p = &cfg->patch_policies [i];
        p->policy.name = s_value (arena, res, i, 0);
        p->description = s_value (arena, res, i, 1);
        p->policy.baseline = PQgetvalue (res, i, 2) [0] == 't';
        p->policy.deny_superseded = PQgetvalue (res, i, 3) [0] == 't';
        p->policy.default_rule.action = s_action (PQgetvalue (res, i, 4));
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_rules", 0, NULL)))
        return -1;
    for (size_t p = 0; p < cfg->patch_policy_count; p++) {
        pw_patch_policy_t *policy = &cfg->patch_policies [p].policy;
        size_t products = 0;
        for (int i = 0; i < PQntuples (res); i++)
            if (strcmp (PQgetvalue (res, i, 0), policy->name) == 0 &&
                strcmp (PQgetvalue (res, i, 1), "product") == 0)
                products++;
        pw_product_rule_t *rules =
            pw_arena_alloc (arena, sizeof (pw_product_rule_t) * (products + 1));
        for (int i = 0; i < PQntuples (res); i++) {
            if (strcmp (PQgetvalue (res, i, 0), policy->name) != 0)
                continue;
            pw_rule_t rule = {s_action (PQgetvalue (res, i, 3)), atoi (PQgetvalue (res, i, 4))};
            if (strcmp (PQgetvalue (res, i, 1), "product") == 0) {
                rules [policy->product_rule_count].product = s_value (arena, res, i, 2);
                rules [policy->product_rule_count++].rule = rule;
            } else {
                pw_classification_t c;
                if (pw_classification_parse (PQgetvalue (res, i, 2), &c) == 0)
                    policy->classification_rules [c] = rule;
            }
        }
        policy->product_rules = rules;
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_overrides", 0, NULL)))
        return -1;
    cfg->override_count = (size_t)PQntuples (res);
    cfg->overrides = pw_arena_alloc (arena, sizeof (policy_override_t) * (cfg->override_count + 1));
    for (int i = 0; i < PQntuples (res); i++) {
        cfg->overrides [i].kb = s_value (arena, res, i, 0);
        cfg->overrides [i].action = s_action (PQgetvalue (res, i, 1));
        cfg->overrides [i].note = s_value (arena, res, i, 2);
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_decisions", 0, NULL)))
        return -1;
    cfg->decision_count = (size_t)PQntuples (res);
    cfg->decisions = pw_arena_alloc (arena, sizeof (policy_decision_t) * (cfg->decision_count + 1));
    for (int i = 0; i < PQntuples (res); i++) {
        cfg->decisions [i].policy = s_value (arena, res, i, 0);
        cfg->decisions [i].kb = s_value (arena, res, i, 1);
        cfg->decisions [i].action = s_action (PQgetvalue (res, i, 2));
        cfg->decisions [i].reason = s_value (arena, res, i, 3);
        cfg->decisions [i].by = s_value (arena, res, i, 4);
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_system_policies", 0, NULL)))
        return -1;
    cfg->system_policies =
        pw_arena_alloc (arena, sizeof (policy_system_policy_t) * ((size_t)PQntuples (res) + 1));
    policy_system_policy_t *current = NULL;
    for (int i = 0; i < PQntuples (res); i++) {
        if (!current || strcmp (current->name, PQgetvalue (res, i, 0)) != 0) {
            current = &cfg->system_policies [cfg->system_policy_count++];
            current->name = s_value (arena, res, i, 0);
            current->description = s_value (arena, res, i, 1);
            current->settings =
                pw_arena_alloc (arena, sizeof (policy_setting_value_t) * PW_SETTING_COUNT);
        }
        pw_setting_t setting;
        if (PQgetisnull (res, i, 2) || pw_setting_parse (PQgetvalue (res, i, 2), &setting) ||
            current->setting_count == PW_SETTING_COUNT)
            continue;
        policy_setting_value_t *value = &current->settings [current->setting_count++];
        value->setting = setting;
        value->list = PQgetvalue (res, i, 3) [0] == 't';
        if (value->list) {
            const char **values;
            value->count = s_split (arena, PQgetvalue (res, i, 4), '\x1f', &values);
            value->values = values;
        } else {
            const char **values = pw_arena_alloc (arena, sizeof (char *));
            values [0] = s_value (arena, res, i, 4);
            value->values = values;
            value->count = 1;
        }
    }
    PQclear (res);

    if (!(res = pw_db_exec (db, "policy_load_assignments", 0, NULL)))
        return -1;
    cfg->assignment_count = (size_t)PQntuples (res);
    cfg->assignments =
        pw_arena_alloc (arena, sizeof (policy_assignment_t) * (cfg->assignment_count + 1));
    for (int i = 0; i < PQntuples (res); i++) {
        policy_assignment_t *a = &cfg->assignments [i];
        a->policy = s_value (arena, res, i, 0);
        pw_level_parse (PQgetvalue (res, i, 1), &a->level);
        a->org = s_value (arena, res, i, 2);
        a->group = s_value (arena, res, i, 3);
        a->hostname = s_value (arena, res, i, 4);
        a->view = s_value (arena, res, i, 5);
        a->priority = atoi (PQgetvalue (res, i, 6));
    }
    PQclear (res);
    return 0;
}

//  Runs the prepared statement NAME and returns its single number, or -1.
static int64_t
s_number (pw_db_t *db, const char *name)
{
    PGresult *res = pw_db_exec (db, name, 0, NULL);
    if (!res)
        return -1;
    int64_t value = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
    PQclear (res);
    return value;
}

int
policy_store_lock (pw_db_t *db)
{
    return s_number (db, "policy_lock") < 0 ? -1 : 0;
}

int64_t
policy_store_version (pw_db_t *db)
{
    return s_number (db, "policy_version");
}

int64_t
policy_store_bump (pw_db_t *db)
{
    return s_number (db, "policy_version_bump");
}

int
policy_store_load (pw_db_t *db, policy_inventory_t **inventory_p, policy_config_t **config_p,
                   int64_t *version_p)
{
    policy_inventory_t *inv = policy_inventory_new ();
    policy_config_t *cfg = policy_config_new ();
    *version_p = policy_store_version (db);
    if (*version_p < 0 || s_load_inventory (db, inv) || s_load_config (db, cfg)) {
        policy_inventory_destroy (&inv);
        policy_config_destroy (&cfg);
        return -1;
    }
    *inventory_p = inv;
    *config_p = cfg;
    return 0;
}

//  --- writing the setup ----------------------------------------------------

int
policy_store_section_digests (pw_db_t *db, char digests [][PW_SETUP_DIGEST_HEX])
{
    for (int s = 0; s < PW_SETUP_SECTION_COUNT; s++)
        digests [s][0] = '\0';
    PGresult *res = pw_db_exec (db, "policy_sections", 0, NULL);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples (res); i++)
        for (int s = 0; s < PW_SETUP_SECTION_COUNT; s++)
            if (strcmp (PQgetvalue (res, i, 0), pw_setup_section_name ((pw_setup_section_t)s)) == 0)
                snprintf (digests [s], PW_SETUP_DIGEST_HEX, "%s", PQgetvalue (res, i, 1));
    PQclear (res);
    return 0;
}

static int
s_exec (pw_db_t *db, const char *name, int n, const char *const *params)
{
    PGresult *res = pw_db_exec (db, name, n, params);
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

//  A text[] literal for parameters.
static char *
s_array (const char *const *values, size_t count)
{
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_strbuf_append (&buf, "{");
    for (size_t i = 0; i < count; i++) {
        pw_strbuf_append (&buf, i ? ",\"" : "\"");
        for (const char *p = values [i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pw_strbuf_append_len (&buf, "\\", 1);
            pw_strbuf_append_len (&buf, p, 1);
        }
        pw_strbuf_append (&buf, "\"");
    }
    pw_strbuf_append (&buf, "}");
    return pw_strbuf_take (&buf);
}

static const char *
s_action_name (pw_action_t action)
{
    return action == PW_ACTION_APPROVE ? "approve" : action == PW_ACTION_DENY ? "deny" : "review";
}

static int
s_write_orgs (pw_db_t *db, const pw_setup_t *setup, char **conflict_p)
{
    const char **names = pw_calloc (setup->org_count + 1, sizeof (char *));
    for (size_t i = 0; i < setup->org_count; i++)
        names [i] = setup->orgs [i].name;
    char *list = s_array (names, setup->org_count);
    free (names);
    int rc = -1;
    const char *params [] = {list};
    PGresult *res = pw_db_exec (db, "policy_org_agents", 1, params);
    if (!res)
        goto done;
    if (PQntuples (res) > 0) {
        *conflict_p = pw_sprintf ("orgs: \"%s\" is not in the file but still has %s agents; "
                                  "move or remove them first",
                                  PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1));
        PQclear (res);
        goto done;
    }
    PQclear (res);
    if (s_exec (db, "policy_orgs_prune", 1, params))
        goto done;
    for (size_t i = 0; i < setup->org_count; i++) {
        const pw_setup_org_t *org = &setup->orgs [i];
        const char *org_params [] = {org->name, org->timezone,
                                     org->subscribed ? "subscribed" : "unsubscribed"};
        if (s_exec (db, "policy_org_upsert", 3, org_params))
            goto done;
        char *groups = s_array (org->groups, org->group_count);
        const char *group_params [] = {org->name, groups};
        int failed = s_exec (db, "policy_groups_replace", 2, group_params);
        free (groups);
        if (failed)
            goto done;
    }
    rc = 0;
done:
    free (list);
    return rc;
}

int
policy_store_write_setup (pw_db_t *db, const pw_setup_t *setup, const policy_config_t *config,
                          const bool *changed, const char *actor, char **conflict_p)
{
    *conflict_p = NULL;
    char number [4][32];
    if (changed [PW_SETUP_SECTION_SETTINGS]) {
        snprintf (number [0], 32, "%lld", (long long)config->scan_gap_s);
        snprintf (number [1], 32, "%lld", (long long)config->scan_max_age_s);
        snprintf (number [2], 32, "%lld", (long long)config->review_max_age_s);
        const char *params [] = {number [0], number [1], number [2], config->timezone};
        if (s_exec (db, "policy_settings_upsert", 4, params))
            return -1;
    }
    if (changed [PW_SETUP_SECTION_ORGS] && s_write_orgs (db, setup, conflict_p))
        return -1;
    if (changed [PW_SETUP_SECTION_VIEWS]) {
        if (s_exec (db, "policy_views_clear", 0, NULL))
            return -1;
        for (size_t i = 0; i < config->view_count; i++) {
            const char *params [] = {config->views [i].name, config->views [i].filter,
                                     config->views [i].description};
            if (s_exec (db, "policy_view_insert", 3, params))
                return -1;
        }
    }
    if (changed [PW_SETUP_SECTION_PATCH_POLICIES]) {
        const char **names = pw_calloc (config->patch_policy_count + 1, sizeof (char *));
        for (size_t i = 0; i < config->patch_policy_count; i++)
            names [i] = config->patch_policies [i].policy.name;
        char *list = s_array (names, config->patch_policy_count);
        free (names);
        const char *params [] = {list};
        int failed = s_exec (db, "policy_patch_policies_clear", 1, params) ||
                     s_exec (db, "policy_rules_clear", 0, NULL);
        free (list);
        if (failed)
            return -1;
        for (size_t i = 0; i < config->patch_policy_count; i++) {
            const pw_patch_policy_t *p = &config->patch_policies [i].policy;
            const char *pp [] = {
                p->name, config->patch_policies [i].description, p->baseline ? "true" : "false",
                p->deny_superseded ? "true" : "false", s_action_name (p->default_rule.action)};
            if (s_exec (db, "policy_patch_policy_upsert", 5, pp))
                return -1;
            int ordinal = 0;
            for (size_t r = 0; r < p->product_rule_count; r++) {
                char ord [16], after [16];
                snprintf (ord, sizeof ord, "%d", ordinal++);
                snprintf (after, sizeof after, "%d", p->product_rules [r].rule.after_days);
                const char *rp [] = {p->name,
                                     ord,
                                     "product",
                                     p->product_rules [r].product,
                                     s_action_name (p->product_rules [r].rule.action),
                                     after};
                if (s_exec (db, "policy_rule_insert", 6, rp))
                    return -1;
            }
            for (int c = 0; c < PW_CLASSIFICATION_COUNT; c++) {
                if (p->classification_rules [c].action == PW_ACTION_NONE)
                    continue;
                char ord [16], after [16];
                snprintf (ord, sizeof ord, "%d", ordinal++);
                snprintf (after, sizeof after, "%d", p->classification_rules [c].after_days);
                const char *rp [] = {p->name,
                                     ord,
                                     "classification",
                                     pw_classification_name ((pw_classification_t)c),
                                     s_action_name (p->classification_rules [c].action),
                                     after};
                if (s_exec (db, "policy_rule_insert", 6, rp))
                    return -1;
            }
        }
    }
    if (changed [PW_SETUP_SECTION_KB_OVERRIDES]) {
        if (s_exec (db, "policy_overrides_clear", 0, NULL))
            return -1;
        for (size_t i = 0; i < config->override_count; i++) {
            const char *params [] = {config->overrides [i].kb,
                                     s_action_name (config->overrides [i].action),
                                     config->overrides [i].note, actor};
            if (s_exec (db, "policy_override_insert", 4, params))
                return -1;
        }
    }
    //  Assignments reference system policies: both are rewritten together.
    if (changed [PW_SETUP_SECTION_SYSTEM_POLICIES] || changed [PW_SETUP_SECTION_ASSIGNMENTS]) {
        if (s_exec (db, "policy_system_policies_clear", 0, NULL))
            return -1;
        for (size_t i = 0; i < config->system_policy_count; i++) {
            pw_strbuf_t json;
            pw_strbuf_init (&json);
            policy_config_settings_json (&config->system_policies [i], &json);
            const char *params [] = {config->system_policies [i].name,
                                     config->system_policies [i].description, json.data};
            int failed = s_exec (db, "policy_system_policy_insert", 3, params);
            pw_strbuf_free (&json);
            if (failed)
                return -1;
        }
        for (size_t i = 0; i < config->assignment_count; i++) {
            const policy_assignment_t *a = &config->assignments [i];
            char ord [32], priority [16];
            snprintf (ord, sizeof ord, "%zu", i);
            snprintf (priority, sizeof priority, "%d", a->priority);
            const char *params [] = {ord,     a->policy, pw_level_name (a->level),
                                     a->org,  a->group,  a->hostname,
                                     a->view, priority};
            if (s_exec (db, "policy_assignment_insert", 8, params))
                return -1;
        }
    }
    for (int s = 0; s < PW_SETUP_SECTION_COUNT; s++) {
        if (!changed [s])
            continue;
        char digest [PW_SETUP_DIGEST_HEX];
        pw_setup_digest (setup, (pw_setup_section_t)s, digest);
        char *canonical = pw_setup_canonical (setup, (pw_setup_section_t)s);
        const char *params [] = {pw_setup_section_name ((pw_setup_section_t)s), digest, canonical,
                                 actor};
        int failed = s_exec (db, "policy_section_upsert", 4, params);
        free (canonical);
        if (failed)
            return -1;
    }
    return 0;
}

int
policy_store_decision (pw_db_t *db, const char *policy, const char *kb, const char *action,
                       const char *reason, const char *actor)
{
    const char *params [] = {policy, kb, action, reason ? reason : "", actor};
    return s_exec (db, "policy_decision_upsert", 5, params);
}

//  --- writing results ------------------------------------------------------
//
//  Statuses are stored per status profile (010_status_profiles): the
//  profile of each agent in agent_profiles, and the status of a patch in a
//  profile in profile_status, once for all the agents of the profile that
//  miss the patch (every one of them has the same status).

//  Appends the pw_tmp_agent_settings row of agent AGENT_ID's settings R,
//  its status profile included, in COPY binary format.
static void
s_settings_row (pw_strbuf_t *buf, int64_t agent_id, const policy_agent_result_t *r)
{
    pw_db_bin_row (buf, 12);
    pw_db_bin_int8 (buf, agent_id);
    pw_db_bin_bool (buf, r->subscribed);
    pw_db_bin_text_array (buf, r->patch_policies, r->patch_policy_count, true);
    pw_db_bin_text (buf, r->scan);
    pw_db_bin_text (buf, r->update_window);
    pw_db_bin_text (buf, r->reboot);
    pw_db_bin_text_array (buf, r->pre_tasks, r->pre_task_count, r->has_pre_tasks);
    pw_db_bin_text_array (buf, r->post_tasks, r->post_task_count, r->has_post_tasks);
    pw_db_bin_text (buf, r->health_check);
    pw_db_bin_text (buf, r->manual_patching);
    pw_db_bin_text_array (buf, r->overridden, r->overridden_count, true);
    pw_db_bin_int8 (buf, r->profile);
}

//  Appends one profile_status row for scan entry E (profile PROFILE) in
//  COPY binary format.
static void
s_status_row (pw_strbuf_t *buf, policy_tenant_t *tenant, const policy_inventory_t *inv,
              int64_t profile, uint32_t e)
{
    policy_status_t s;
    policy_tenant_status (tenant, e, &s);
    pw_db_bin_row (buf, 7);
    pw_db_bin_int8 (buf, profile);
    pw_db_bin_int8 (buf, inv->patch_ids [inv->scan_patch [e]]);
    pw_db_bin_text (buf, pw_status_name (s.status));
    if (s.status == PW_STATUS_DEFERRED)
        pw_db_bin_timestamptz (buf, s.until);
    else
        pw_db_bin_null (buf);
    pw_db_bin_text (buf, pw_provenance_name (s.kind));
    pw_db_bin_text (buf, s.policy);
    pw_db_bin_text (buf, s.rule);
}

//  Declares which agents and patches the next status writes touch (NULL:
//  any; PAIRED: agent i with patch i, else every patch on every agent), for
//  the readers of facts_changes (009_facts_changes); declaring any again
//  after the writes keeps later ones from being taken for them.
static int
s_facts_declare (pw_db_t *db, const char *agents, const char *patches, bool paired)
{
    const char *params [] = {agents ? agents : "", patches ? patches : "", paired ? "on" : ""};
    return s_exec (db, "policy_facts_declare", 3, params);
}

//  The profile_status row of scan entry E of an agent of PROFILE, unless
//  the row of its (profile, patch) key is written already (WRITTEN: a bit
//  per entry that stands for a key; every agent of a profile has the same
//  statuses): marked, and added to the COPY in BUF (sent past a megabyte),
//  *ROWS_P counted. 0, or -1 when sending failed.
static int
s_status_key (pw_db_t *db, policy_tenant_t *tenant, uint8_t *written, pw_strbuf_t *buf,
              int64_t profile, uint32_t e, long *rows_p)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    uint32_t leader = policy_tenant_entry_leaders (tenant) [e];
    uint8_t bit = (uint8_t)(1u << (leader & 7));
    if (written [leader >> 3] & bit)
        return 0;
    written [leader >> 3] |= bit;
    s_status_row (buf, tenant, inv, profile, e);
    (*rows_p)++;
    if (buf->len <= 1 << 20)
        return 0;
    int rc = pw_db_copy_in_send (db, buf->data, buf->len);
    pw_strbuf_reset (buf);
    return rc;
}

//  Writes the status rows of the tenant's changes: the profiles of the
//  agents whose profile changed and the keys of their status entries and
//  of the entries whose status changed, each key
//  once (a key shared by agents whose statuses did not change has not
//  changed either: every agent of a profile has the same statuses). An
//  agent's profile is a column of its settings row: REWRITTEN marks the
//  agents whose rows this transaction wrote with their profile (NULL:
//  none), the others' rows are updated. FRESH: the store holds none of the
//  tenant's status rows, so plain inserts (half the cost of merging).
//  Returns the rows written, or -1.
static long
s_write_profiles (pw_db_t *db, policy_tenant_t *tenant, bool fresh, const bool *rewritten)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    const bool *profiles = policy_tenant_profiles_changed (tenant);
    const uint8_t *entries = policy_tenant_entries_changed (tenant);
    long rows = 0;
    int rc = 0;
    pw_strbuf_t agent_ids, profile_ids, buf;
    pw_strbuf_init (&agent_ids);
    pw_strbuf_init (&profile_ids);
    pw_strbuf_init (&buf);
    size_t moved = 0, updated = 0;
    pw_strbuf_append (&agent_ids, "{");
    pw_strbuf_append (&profile_ids, "{");
    for (size_t a = 0; a < inv->agent_count; a++) {
        if (!profiles [a])
            continue;
        moved++;
        if (rewritten && rewritten [a])
            continue;
        if (updated++) {
            pw_strbuf_append_len (&agent_ids, ",", 1);
            pw_strbuf_append_len (&profile_ids, ",", 1);
        }
        pw_strbuf_append_i64 (&agent_ids, inv->agent_ids [a]);
        pw_strbuf_append_i64 (&profile_ids, policy_tenant_agent_result (tenant, a)->profile);
    }
    pw_strbuf_append (&agent_ids, "}");
    pw_strbuf_append (&profile_ids, "}");
    if (updated) {
        const char *params [] = {agent_ids.data, profile_ids.data};
        rc = s_exec (db, "policy_agent_profiles_update", 2, params);
    }
    uint8_t *written = pw_calloc (inv->scan_count / 8 + 1, 1);
    //  Ended only when begun: ending a COPY that never started would
    //  replace the error that stopped it
    bool copying = rc == 0 && pw_db_copy_in_begin (db, "policy_tmp_status_copy") == 0;
    if (!copying)
        rc = -1;
    pw_db_bin_header (&buf);
    //  No agent moved (a decision): the changed entries as listed
    size_t listed_count = 0;
    const uint32_t *listed = moved ? NULL : policy_tenant_changed_list (tenant, &listed_count);
    for (size_t i = 0; listed && i < listed_count && rc == 0; i++) {
        uint32_t e = listed [i];
        int64_t profile =
            policy_tenant_agent_result (tenant, policy_tenant_entry_agent (tenant, e))->profile;
        if (policy_tenant_entry_has_status (tenant, e))
            rc = s_status_key (db, tenant, written, &buf, profile, e, &rows);
    }
    const bool *statuses = policy_tenant_statuses_changed (tenant);
    for (size_t a = 0; !listed && a < inv->agent_count && rc == 0; a++) {
        if (!profiles [a] && !statuses [a])
            continue; //  no entry of the agent changed
        int64_t profile = policy_tenant_agent_result (tenant, a)->profile;
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1] && rc == 0; e++)
            if ((profiles [a] || entries [e]) && policy_tenant_entry_has_status (tenant, e))
                rc = s_status_key (db, tenant, written, &buf, profile, e, &rows);
    }
    pw_db_bin_trailer (&buf);
    if (rc == 0)
        rc = pw_db_copy_in_send (db, buf.data, buf.len);
    if ((copying && pw_db_copy_in_end (db)) || rc ||
        s_exec (db, fresh ? "policy_tmp_status_insert" : "policy_tmp_status_upsert", 0, NULL))
        rows = -1;
    free (written);
    pw_strbuf_free (&agent_ids);
    pw_strbuf_free (&profile_ids);
    pw_strbuf_free (&buf);
    return rows;
}

//  Appends the ids of AGENT and of scan entry E's patch to the two array
//  literals, after a comma unless it is the first pair (INDEX 0).
static void
s_append_pair (const policy_inventory_t *inv, size_t agent, uint32_t e, size_t index,
               pw_strbuf_t *agent_ids, pw_strbuf_t *patch_ids)
{
    if (index) {
        pw_strbuf_append_len (agent_ids, ",", 1);
        pw_strbuf_append_len (patch_ids, ",", 1);
    }
    pw_strbuf_append_i64 (agent_ids, inv->agent_ids [agent]);
    pw_strbuf_append_i64 (patch_ids, inv->patch_ids [inv->scan_patch [e]]);
}

//  The changed entries of the agents with changed statuses, as pairs: the
//  agent of each and its patch, two bigint[] literals of one length.
static void
s_changed_pairs (policy_tenant_t *tenant, pw_strbuf_t *agent_ids, pw_strbuf_t *patch_ids)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    const bool *agents = policy_tenant_statuses_changed (tenant);
    const uint8_t *changed = policy_tenant_entries_changed (tenant);
    size_t count = 0, listed_count;
    const uint32_t *listed = policy_tenant_changed_list (tenant, &listed_count);
    pw_strbuf_append (agent_ids, "{");
    pw_strbuf_append (patch_ids, "{");
    for (size_t i = 0; listed && i < listed_count; i++)
        s_append_pair (inv, policy_tenant_entry_agent (tenant, listed [i]), listed [i], count++,
                       agent_ids, patch_ids);
    for (size_t a = 0; !listed && a < inv->agent_count; a++)
        for (uint32_t e = inv->scan_off [a]; agents [a] && e < inv->scan_off [a + 1]; e++)
            if (changed [e])
                s_append_pair (inv, a, e, count++, agent_ids, patch_ids);
    pw_strbuf_append (agent_ids, "}");
    pw_strbuf_append (patch_ids, "}");
}

//  An array literal of the ids of the agents CHOSEN marks.
static void
s_chosen_ids (pw_strbuf_t *out, const policy_inventory_t *inv, const bool *chosen)
{
    size_t n = 0;
    pw_strbuf_append (out, "{");
    for (size_t a = 0; a < inv->agent_count; a++)
        if (chosen [a]) {
            if (n++)
                pw_strbuf_append_len (out, ",", 1);
            pw_strbuf_append_i64 (out, inv->agent_ids [a]);
        }
    pw_strbuf_append (out, "}");
}

long
policy_store_write_statuses (pw_db_t *db, policy_tenant_t *tenant)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    const bool *agents = policy_tenant_statuses_changed (tenant);
    const bool *profiles = policy_tenant_profiles_changed (tenant);
    bool moved = false;
    for (size_t a = 0; a < inv->agent_count && !moved; a++)
        moved = profiles [a];
    pw_strbuf_t agent_set, patch_set;
    pw_strbuf_init (&agent_set);
    pw_strbuf_init (&patch_set);
    int rc;
    if (moved) {
        //  Agents changed profile (a re-resolution): all of their statuses
        bool *chosen = pw_calloc (inv->agent_count + 1, sizeof (bool));
        for (size_t a = 0; a < inv->agent_count; a++)
            chosen [a] = agents [a] || profiles [a];
        s_chosen_ids (&agent_set, inv, chosen);
        free (chosen);
        rc = s_facts_declare (db, agent_set.data, NULL, false);
    } else {
        s_changed_pairs (tenant, &agent_set, &patch_set);
        rc = s_facts_declare (db, agent_set.data, patch_set.data, true);
    }
    pw_strbuf_free (&agent_set);
    pw_strbuf_free (&patch_set);
    long rows = rc ? -1 : s_write_profiles (db, tenant, policy_tenant_store_empty (tenant), NULL);
    if (rows < 0 || s_facts_declare (db, NULL, NULL, false))
        return -1;
    policy_tenant_set_store_empty (tenant, false);
    return rows;
}

//  --- comparing with the store --------------------------------------------

typedef struct {
    policy_tenant_t *tenant;
    const policy_inventory_t *inv;
    uint8_t *seen; //  per agent
    //  The fresh resolution's (profile, patch) keys, each by the entry that
    //  stands for it; made at the first stored status (none: no key needed)
    policy_keys_t keys;
    bool keyed;
    pw_strbuf_t stale_profiles, stale_patches; //  stored keys no entry has
    size_t stale;
    size_t stored; //  settings, profile and status rows read
} s_diff_t;

static bool
s_text_equal (const char *stored, const char *ours)
{
    if (!stored || !ours)
        return stored == ours;
    return strcmp (stored, ours) == 0;
}

//  A stored list (COUNT as text, NULL for a NULL list; ITEMS joined with
//  U+001F) against ours (PRESENT false for a NULL list).
static bool
s_list_equal (const char *count, const char *items, const char *const *ours, size_t n, bool present)
{
    if (!count || !present)
        return !count && !present;
    if (strtoull (count, NULL, 10) != n)
        return false;
    const char *p = items ? items : "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen (ours [i]);
        if (strncmp (p, ours [i], len) != 0 || (p [len] != '\x1f' && p [len] != '\0'))
            return false;
        p += len + (p [len] == '\x1f');
    }
    return *p == '\0';
}

static int
s_diff_settings_row (void *arg, char **f, int count)
{
    s_diff_t *diff = arg;
    if (count != 15)
        return -1;
    diff->stored++;
    long a = pw_find_id (diff->inv->agent_ids, diff->inv->agent_count, strtoll (f [0], NULL, 10));
    if (a < 0)
        return 0; //  an agent of a later snapshot: its own resolution writes it
    diff->seen [a] = 1;
    const policy_agent_result_t *r = policy_tenant_agent_result (diff->tenant, (size_t)a);
    bool same =
        f [1] && (f [1][0] == 't') == r->subscribed &&
        s_list_equal (f [2], f [3], r->patch_policies, r->patch_policy_count, true) &&
        s_text_equal (f [4], r->scan) && s_text_equal (f [5], r->update_window) &&
        s_text_equal (f [6], r->reboot) &&
        s_list_equal (f [7], f [8], r->pre_tasks, r->pre_task_count, r->has_pre_tasks) &&
        s_list_equal (f [9], f [10], r->post_tasks, r->post_task_count, r->has_post_tasks) &&
        s_text_equal (f [11], r->health_check) && s_text_equal (f [12], r->manual_patching) &&
        s_list_equal (f [13], f [14], r->overridden, r->overridden_count, true);
    if (!same)
        policy_tenant_mark (diff->tenant, (size_t)a, true, false);
    return 0;
}

static int
s_diff_profile_row (void *arg, char **f, int count)
{
    s_diff_t *diff = arg;
    if (count != 2 || !f [0] || !f [1])
        return -1;
    long a = pw_find_id (diff->inv->agent_ids, diff->inv->agent_count, strtoll (f [0], NULL, 10));
    if (a < 0)
        return 0; //  an agent of a later snapshot: its own resolution writes it
    diff->seen [a] = 1;
    diff->stored++;
    if (strtoll (f [1], NULL, 10) != policy_tenant_agent_result (diff->tenant, (size_t)a)->profile)
        policy_tenant_mark_profile (diff->tenant, (size_t)a);
    return 0;
}

//  Our keys, once: each (profile, patch) of a status entry by the entry
//  that stands for it.
static void
s_diff_keys (s_diff_t *diff)
{
    const policy_inventory_t *inv = diff->inv;
    const uint32_t *leaders = policy_tenant_entry_leaders (diff->tenant);
    diff->keyed = true;
    for (size_t a = 0; a < inv->agent_count; a++) {
        int64_t profile = policy_tenant_agent_result (diff->tenant, a)->profile;
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++)
            if (leaders [e] == e && policy_tenant_entry_has_status (diff->tenant, e))
                policy_keys_add (&diff->keys, profile, inv->scan_patch [e], e, NULL);
    }
}

//  A stored profile_status row: the same as ours (flag 1), different (2),
//  or a key no status entry has any more (stale: removed).
static int
s_diff_status_row (void *arg, char **f, int count)
{
    s_diff_t *diff = arg;
    const policy_inventory_t *inv = diff->inv;
    if (count != 7 || !f [0] || !f [1])
        return -1;
    if (!diff->keyed)
        s_diff_keys (diff);
    diff->stored++;
    int64_t profile = strtoll (f [0], NULL, 10);
    long p = pw_find_id (inv->patch_ids, inv->patch_count, strtoll (f [1], NULL, 10));
    size_t slot = p < 0 ? 0 : policy_keys_slot (&diff->keys, profile, (uint32_t)p);
    if (p < 0 || !diff->keys.entry [slot]) {
        const char *comma = diff->stale++ ? "," : "";
        pw_strbuf_appendf (&diff->stale_profiles, "%s%s", comma, f [0]);
        pw_strbuf_appendf (&diff->stale_patches, "%s%s", comma, f [1]);
        return 0;
    }
    policy_status_t status;
    policy_tenant_status (diff->tenant, diff->keys.entry [slot] - 1, &status);
    const policy_status_t *st = &status;
    bool deferred = st->status == PW_STATUS_DEFERRED;
    bool same = s_text_equal (f [2], pw_status_name (st->status)) &&
                (deferred ? f [3] && strtoll (f [3], NULL, 10) == st->until : !f [3]) &&
                s_text_equal (f [4], pw_provenance_name (st->kind)) &&
                s_text_equal (f [5], st->policy) && s_text_equal (f [6], st->rule);
    diff->keys.flag [slot] = same ? 1 : 2;
    return 0;
}

static const char *const s_stored_scripts [] = {
    "policy_load_stored_settings", "policy_load_stored_profiles", "policy_load_stored_statuses"};

struct _policy_reading_t {
    pw_db_t *db;
    policy_tenant_t *tenant;
    pw_db_prefetch_t *stored;
    pw_strbuf_t buf; //  settings rows not sent yet
    size_t staged;   //  agents whose settings rows are in BUF or sent
    bool staging;    //  the settings COPY is open
    bool failed;
};

policy_reading_t *
policy_store_reading_begin (pw_db_t *db, policy_tenant_t *tenant)
{
    pw_db_prefetch_t *stored = pw_db_prefetch_new (db, s_stored_scripts, 3);
    if (!stored)
        return NULL;
    policy_reading_t *self = pw_calloc (1, sizeof *self);
    self->db = db;
    self->tenant = tenant;
    self->stored = stored;
    pw_strbuf_init (&self->buf);
    return self;
}

void
policy_store_reading_poll (void *reading, size_t resolved)
{
    policy_reading_t *self = reading;
    if (self->failed)
        return;
    if (!self->staging) {
        //  A failure is kept by the prefetch, and reported by the wait
        //  before the comparison
        if (pw_db_prefetch_poll (self->stored, false) || !pw_db_prefetch_empty (self->stored))
            return;
        if (pw_db_copy_in_begin (self->db, "policy_tmp_settings_copy")) {
            self->failed = true;
            return;
        }
        self->staging = true;
        pw_db_bin_header (&self->buf);
    }
    const policy_inventory_t *inv = policy_tenant_inventory (self->tenant);
    for (; self->staged < resolved; self->staged++)
        s_settings_row (&self->buf, inv->agent_ids [self->staged],
                        policy_tenant_agent_result (self->tenant, self->staged));
    if (self->buf.len > 1 << 16) {
        self->failed = pw_db_copy_in_send (self->db, self->buf.data, self->buf.len) != 0;
        pw_strbuf_reset (&self->buf);
    }
}

int
policy_store_reading_end (policy_reading_t *self)
{
    if (!self->failed && self->staging) {
        self->staging = false;
        pw_db_bin_trailer (&self->buf);
        self->failed = pw_db_copy_in_send (self->db, self->buf.data, self->buf.len) != 0 ||
                       pw_db_copy_in_end (self->db) != 0;
        pw_strbuf_reset (&self->buf);
        if (!self->failed)
            policy_tenant_set_settings_staged (self->tenant, true);
    }
    return self->failed ? -1 : 0;
}

void
policy_store_reading_destroy (policy_reading_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    policy_reading_t *self = *self_p;
    //  A staging left open (a failure on the way) ends with the rows sent
    //  so far; the transaction is rolled back after such a failure
    if (self->staging && !self->failed)
        pw_db_copy_in_end (self->db);
    pw_db_prefetch_destroy (&self->stored);
    pw_strbuf_free (&self->buf);
    free (self);
    *self_p = NULL;
}

//  Script INDEX of the stored results to FN: from READING (read to its end
//  first), else read now.
static long
s_stored_rows (pw_db_t *db, policy_reading_t *reading, size_t index, pw_db_row_fn *fn, void *arg)
{
    if (!reading)
        return pw_db_copy_out (db, s_stored_scripts [index], fn, arg);
    if (pw_db_prefetch_poll (reading->stored, true))
        return -1;
    return pw_db_prefetch_rows (reading->stored, index, fn, arg);
}

long
policy_store_diff_results (pw_db_t *db, policy_tenant_t *tenant, policy_reading_t *reading)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    s_diff_t diff = {.tenant = tenant, .inv = inv};
    diff.seen = pw_calloc (inv->agent_count + 1, 1);
    pw_strbuf_init (&diff.stale_profiles);
    pw_strbuf_init (&diff.stale_patches);
    pw_strbuf_append (&diff.stale_profiles, "{");
    pw_strbuf_append (&diff.stale_patches, "{");
    policy_keys_init (&diff.keys, 1024);
    long rc = -1;
    if (s_stored_rows (db, reading, 0, s_diff_settings_row, &diff) < 0)
        goto done;
    for (size_t a = 0; a < inv->agent_count; a++)
        if (!diff.seen [a])
            policy_tenant_mark (tenant, a, true, false);
    memset (diff.seen, 0, inv->agent_count);
    if (s_stored_rows (db, reading, 1, s_diff_profile_row, &diff) < 0)
        goto done;
    for (size_t a = 0; a < inv->agent_count; a++)
        if (!diff.seen [a])
            policy_tenant_mark_profile (tenant, a);
    //  The stored statuses against our keys
    if (s_stored_rows (db, reading, 2, s_diff_status_row, &diff) < 0)
        goto done;
    policy_tenant_set_store_empty (tenant, diff.stored == 0);
    //  Every entry whose key is not stored as ours, by the entry that
    //  stands for the key (none stored: every entry)
    uint8_t *same = pw_calloc (inv->scan_count + 1, 1);
    for (size_t slot = 0; slot < diff.keys.slots; slot++)
        if (diff.keys.entry [slot] && diff.keys.flag [slot] == 1)
            same [diff.keys.entry [slot] - 1] = 1;
    const uint32_t *leaders = policy_tenant_entry_leaders (tenant);
    for (size_t a = 0; a < inv->agent_count; a++)
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++)
            if (policy_tenant_entry_has_status (tenant, e) && !same [leaders [e]])
                policy_tenant_mark_entry (tenant, a, e);
    free (same);
    //  Keys no agent needs any more: invisible (patch_status joins the scan
    //  states), so removing them changes no agent's facts.
    if (diff.stale) {
        pw_strbuf_append (&diff.stale_profiles, "}");
        pw_strbuf_append (&diff.stale_patches, "}");
        const char *params [] = {diff.stale_profiles.data, diff.stale_patches.data};
        if (s_facts_declare (db, "{}", "{}", false) ||
            s_exec (db, "policy_profile_status_delete", 2, params) ||
            s_facts_declare (db, NULL, NULL, false))
            goto done;
    }
    rc = 0;
    const bool *settings = policy_tenant_settings_changed (tenant);
    const bool *statuses = policy_tenant_statuses_changed (tenant);
    const bool *profiles = policy_tenant_profiles_changed (tenant);
    for (size_t a = 0; a < inv->agent_count; a++)
        rc += settings [a] || statuses [a] || profiles [a];
done:
    free (diff.seen);
    policy_keys_free (&diff.keys);
    pw_strbuf_free (&diff.stale_profiles);
    pw_strbuf_free (&diff.stale_patches);
    return rc;
}

long
policy_store_write_results (pw_db_t *db, policy_tenant_t *tenant)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    const bool *settings = policy_tenant_settings_changed (tenant);
    const bool *statuses_changed = policy_tenant_statuses_changed (tenant);
    const bool *profiles_changed = policy_tenant_profiles_changed (tenant);
    //  Which agents' settings and which agents' statuses to rewrite: each
    //  only where it changed, so a write of statuses alone leaves the
    //  settings (and their readers' copies) as they are, and the reverse.
    size_t count = 0, settings_count = 0, statuses_count = 0;
    //  The store holds none of the tenant's results: nothing to remove
    //  before writing, and plain inserts
    bool empty = policy_tenant_store_empty (tenant);
    bool staged = policy_tenant_settings_staged (tenant);
    policy_tenant_set_settings_staged (tenant, false);
    bool *statuses = pw_calloc (inv->agent_count + 1, sizeof (bool));
    for (size_t a = 0; a < inv->agent_count; a++) {
        statuses [a] = statuses_changed [a] || profiles_changed [a];
        settings_count += settings [a];
        statuses_count += statuses [a];
        count += settings [a] || statuses [a];
    }
    long rc = -1;
    pw_strbuf_t buf, ids;
    pw_strbuf_init (&buf);
    pw_strbuf_init (&ids);
    //  Every agent's settings staged as they were resolved (a first
    //  resolution) are the rows to write when every agent's are; else the
    //  staged rows go
    bool taken = staged && settings_count == inv->agent_count;
    if (staged && !taken && s_exec (db, "policy_tmp_settings_clear", 0, NULL))
        goto done;
    if (count == 0) {
        rc = 0;
        goto done;
    }
    //  The agents whose facts (profile, statuses) the writes may change,
    //  declared before the first of them: a settings row holds the agent's
    //  profile, so writes of settings alone declare none of their agents
    s_chosen_ids (&ids, inv, statuses);
    if (s_facts_declare (db, ids.data, NULL, false))
        goto done;
    pw_strbuf_reset (&ids);
    if (settings_count && !empty) {
        s_chosen_ids (&ids, inv, settings);
        const char *params [] = {ids.data};
        if (s_exec (db, "policy_results_clear", 1, params))
            goto done;
        pw_strbuf_reset (&ids);
    }

    if (settings_count && !taken) {
        if (pw_db_copy_in_begin (db, "policy_tmp_settings_copy"))
            goto done;
        pw_db_bin_header (&buf);
        for (size_t a = 0; a < inv->agent_count; a++) {
            if (!settings [a])
                continue;
            s_settings_row (&buf, inv->agent_ids [a], policy_tenant_agent_result (tenant, a));
            if (buf.len > 1 << 20) {
                if (pw_db_copy_in_send (db, buf.data, buf.len))
                    goto done;
                pw_strbuf_reset (&buf);
            }
        }
        pw_db_bin_trailer (&buf);
        if (pw_db_copy_in_send (db, buf.data, buf.len) || pw_db_copy_in_end (db))
            goto done;
        pw_strbuf_reset (&buf);
    }
    if (settings_count && s_exec (db, "policy_tmp_settings_move", 0, NULL))
        goto done;

    if ((statuses_count && s_write_profiles (db, tenant, empty, settings) < 0) ||
        s_facts_declare (db, NULL, NULL, false))
        goto done;
    rc = (long)count;
    policy_tenant_set_store_empty (tenant, false);
done:
    pw_strbuf_free (&buf);
    pw_strbuf_free (&ids);
    free (statuses);
    return rc;
}
