/*  sched_build - windows into instances, agents into the planner, the plan
    into a document and rows.

    Instances are computed once per window and calendar: the agent's org
    time zone, plus the org itself when it has blackouts (orgs without
    blackouts in one zone share their instances, so one Saturday night in
    Europe/Berlin is one set of instances whatever the number of orgs).

    Names are looked up in open-addressing tables built once per call, and
    the document and rows are written without printf: at 50,000 agents
    both are on the path of every plan call.
*/
#include "sched_build.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_sha256.h"
#include "pw_util.h"

//  --- lookup tables -------------------------------------------------------

//  Borrowed string keys to int values; linear probing, at most half full.
typedef struct {
    const char **keys;
    int *values;
    size_t mask;
    size_t count;
} s_table_t;

static uint64_t
s_text_hash (const char *text)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 0x100000001b3ull;
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    return hash ^ (hash >> 33);
}

static void
s_table_init (s_table_t *self, size_t expected)
{
    size_t size = 16;
    while (size < 2 * expected)
        size *= 2;
    self->keys = pw_calloc (size, sizeof (char *));
    self->values = pw_calloc (size, sizeof (int));
    self->mask = size - 1;
    self->count = 0;
}

static void
s_table_free (s_table_t *self)
{
    free (self->keys);
    free (self->values);
    memset (self, 0, sizeof *self);
}

//  The slot of KEY: where it is, or the empty one where it would go.
static size_t
s_table_slot (const s_table_t *self, const char *key)
{
    size_t slot = (size_t)s_text_hash (key) & self->mask;
    while (self->keys [slot] && strcmp (self->keys [slot], key) != 0)
        slot = (slot + 1) & self->mask;
    return slot;
}

//  Sets KEY to VALUE (a later one replaces an earlier one); grows the
//  table as needed.
static void
s_table_put (s_table_t *self, const char *key, int value)
{
    if (2 * (self->count + 1) > self->mask + 1) {
        s_table_t bigger;
        s_table_init (&bigger, 2 * (self->count + 1));
        for (size_t i = 0; i <= self->mask; i++)
            if (self->keys [i])
                s_table_put (&bigger, self->keys [i], self->values [i]);
        s_table_free (self);
        *self = bigger;
    }
    size_t slot = s_table_slot (self, key);
    if (!self->keys [slot])
        self->count++;
    self->keys [slot] = key;
    self->values [slot] = value;
}

//  The value of KEY, or MISSING.
static int
s_table_get (const s_table_t *self, const char *key, int missing)
{
    if (!key || !self->keys)
        return missing;
    size_t slot = s_table_slot (self, key);
    return self->keys [slot] ? self->values [slot] : missing;
}

//  --- row hashes ---------------------------------------------------------

//  A 64-bit hash of a byte string, a word at a time: every step is a
//  bijection of the state, so two inputs of one length that differ in a
//  single word never collide. Only used to tell whether a stored row
//  changed, never as a digest.
static uint64_t
s_hash_bytes (uint64_t hash, const void *data, size_t len)
{
    const unsigned char *p = data;
    hash ^= len * 0x9e3779b97f4a7c15ull;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t word;
        memcpy (&word, p, 8);
        hash = (hash ^ word) * 0xbf58476d1ce4e5b9ull;
        hash ^= hash >> 31;
    }
    uint64_t tail = 0;
    memcpy (&tail, p, len);
    hash = (hash ^ tail) * 0x94d049bb133111ebull;
    hash ^= hash >> 29;
    hash *= 0xbf58476d1ce4e5b9ull;
    return hash ^ (hash >> 32);
}

uint64_t
sched_text_hash (const char *text, size_t len)
{
    return s_hash_bytes (0, text, len);
}

//  A row's values, serialized without ambiguity for hashing: strings with
//  their length, NULL marked apart from "", integers as 8 bytes.
typedef struct {
    unsigned char data [512];
    size_t len;
    uint64_t hash; //  of what did not fit
} s_row_key_t;

static void
s_key_bytes (s_row_key_t *key, const void *bytes, size_t len)
{
    if (key->len + len > sizeof key->data) {
        key->hash = s_hash_bytes (key->hash, key->data, key->len);
        key->len = 0;
        if (len > sizeof key->data) {
            key->hash = s_hash_bytes (key->hash, bytes, len);
            return;
        }
    }
    memcpy (key->data + key->len, bytes, len);
    key->len += len;
}

static void
s_key_int (s_row_key_t *key, bool present, int64_t value)
{
    unsigned char tag = present;
    s_key_bytes (key, &tag, 1);
    if (present)
        s_key_bytes (key, &value, sizeof value);
}

static void
s_key_str (s_row_key_t *key, const char *text)
{
    uint32_t len = text ? (uint32_t)strlen (text) : UINT32_MAX;
    s_key_bytes (key, &len, sizeof len);
    if (text)
        s_key_bytes (key, text, len);
}

static uint64_t
s_key_hash (const s_row_key_t *key)
{
    return s_hash_bytes (key->hash, key->data, key->len);
}

//  --- JSON without printf --------------------------------------------------

//  A string literal, without measuring it.
#define S_APPEND(out, literal) pw_strbuf_append_len ((out), literal, sizeof literal - 1)

//  TEXT as a JSON string, escaped as pw_strbuf_append_json does, or null.
static void
s_json (pw_strbuf_t *out, const char *text)
{
    if (!text) {
        S_APPEND (out, "null");
        return;
    }
    //  Names and most other strings need no escape: one append.
    char quoted [128];
    size_t len = 0;
    quoted [len++] = '"';
    const unsigned char *p = (const unsigned char *)text;
    for (; *p && len < sizeof quoted - 1; p++) {
        if (*p < 0x20 || *p == '"' || *p == '\\')
            break;
        quoted [len++] = (char)*p;
    }
    if (!*p && len < sizeof quoted - 1) {
        quoted [len++] = '"';
        pw_strbuf_append_len (out, quoted, len);
        return;
    }
    S_APPEND (out, "\"");
    const char *run = text;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (p > run)
            pw_strbuf_append_len (out, run, (size_t)(p - run));
        run = p + 1;
        char escape [8];
        switch (c) {
            case '"': pw_strbuf_append_len (out, "\\\"", 2); break;
            case '\\': pw_strbuf_append_len (out, "\\\\", 2); break;
            case '\n': pw_strbuf_append_len (out, "\\n", 2); break;
            case '\r': pw_strbuf_append_len (out, "\\r", 2); break;
            case '\t': pw_strbuf_append_len (out, "\\t", 2); break;
            default:
                snprintf (escape, sizeof escape, "\\u%04x", c);
                pw_strbuf_append_len (out, escape, 6);
        }
    }
    pw_strbuf_append_len (out, run, strlen (run));
    pw_strbuf_append_len (out, "\"", 1);
}

//  VALUE in decimal into BUF (at least 24 bytes); returns the length.
static size_t
s_decimal (char *buf, int64_t value)
{
    char digits [24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits [n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    size_t len = 0;
    if (value < 0)
        buf [len++] = '-';
    while (n)
        buf [len++] = digits [--n];
    buf [len] = '\0';
    return len;
}

static void
s_int (pw_strbuf_t *out, int64_t value)
{
    char buf [24];
    pw_strbuf_append_len (out, buf, s_decimal (buf, value));
}

//  One window instance in one calendar, skipped or not.
typedef struct {
    const pw_window_t *window;
    const char *tz;          //  the calendar's zone (borrowed)
    pw_window_instance_t wi; //  wi.window points into inputs->windows
    int plan_index;          //  index into the planner's instances; -1 when skipped
    bool broken;             //  the window's zone does not load
} s_inst_t;

//  One calendar: a zone, and the blackouts of one org (or none).
typedef struct {
    char *tz;
    pw_blackout_t *blackouts;
    size_t blackout_count;
    int *window_insts; //  per input window: insts index, -1 until computed
    int *group_plans;  //  per input window group: planner group, -1 until made
} s_calendar_t;

typedef struct {
    int src;           //  index into inputs->agents
    const char *tz;    //  the org's zone name (borrowed)
    s_calendar_t *cal; //  NULL when the zone does not load
    char *reason;      //  overrides the planner's reason when set
    bool has_scan;
    int64_t scan_at;
    int health_timeout; //  seconds; -1 unknown
} s_agent_t;

typedef struct {
    const char *code;
    int agent; //  plan agent index or -1
    int other;
    int instance;       //  planner instance index or -1
    const char *window; //  borrowed
    const int *members; //  plan agent indices (borrowed from the plan)
    size_t member_count;
    char *detail; //  owned
} s_violation_t;

//  An org's calendar and zone name, found once per org.
typedef struct {
    s_calendar_t *cal;
    const char *tz;
} s_org_cal_t;

//  A scan check's outcome for one scan setting in one planner instance
//  (an instance belongs to one calendar, so to one zone).
typedef struct {
    int scan; //  the scan setting, by its place in the scan table
    bool failed;
    pw_scan_result_t result;
} s_scan_memo_t;

typedef struct {
    s_scan_memo_t *items;
    size_t count;
} s_scan_memos_t;

//  Names of the inputs, looked up once per call whatever the cycle.
typedef struct {
    int *target;      //  per input agent: its update_window as 2 g for window
                      //  group g, 2 w + 1 for window w; -1 for neither
    int *org;         //  per input agent: its org's number
    size_t org_count; //  orgs numbered
    s_table_t named;  //  a name dependencies use -> input agent index, or -1
    bool *depended;   //  per input agent: a dependency names it
} s_lookup_t;

struct _sched_plan_t {
    const sched_inputs_t *inputs;
    pw_tz_cache_t *zones;
    char cycle [16];
    char anchor [16];
    pw_date_t anchor_date;

    pw_plan_agent_t *agents;
    s_agent_t *meta;
    size_t agent_count;

    s_inst_t *insts; //  every computed instance
    size_t inst_count, inst_cap;
    pw_plan_instance_t *instances; //  the planner's (not skipped)
    int *instance_inst;            //  planner instance -> insts index
    size_t instance_count, instance_cap;

    pw_plan_group_t *groups;
    int **group_instances;
    const sched_group_t **group_src;
    size_t group_count, group_cap;

    pw_plan_edge_t *edges;
    size_t edge_count;

    zhashx_t *calendars;   //  "zone\x1forg" -> s_calendar_t
    s_org_cal_t *org_cals; //  by the lookup's org number, found on first use
    bool *org_found;

    pw_plan_t *plan;
    s_violation_t *violations;
    size_t violation_count, violation_cap;
    size_t planned;
};

//  --- digest -------------------------------------------------------------

//  What is hashed, gathered in blocks: SHA-256 of the concatenation is the
//  same however it is cut, and whole blocks are cheaper than many small
//  updates.
typedef struct {
    pw_sha256_t sha;
    size_t len;
    char data [8192];
} s_digest_t;

static void
s_hash_bytes_to (s_digest_t *digest, const char *bytes, size_t len)
{
    if (digest->len + len > sizeof digest->data) {
        pw_sha256_update (&digest->sha, digest->data, digest->len);
        digest->len = 0;
        if (len > sizeof digest->data) {
            pw_sha256_update (&digest->sha, bytes, len);
            return;
        }
    }
    memcpy (digest->data + digest->len, bytes, len);
    digest->len += len;
}

static void
s_hash_str (s_digest_t *digest, const char *text)
{
    if (text)
        s_hash_bytes_to (digest, text, strlen (text));
    else
        s_hash_bytes_to (digest, "\x1e", 1);
    s_hash_bytes_to (digest, "\x1f", 1);
}

static void
s_hash_int (s_digest_t *digest, int64_t value)
{
    char buf [24];
    size_t len = s_decimal (buf, value);
    buf [len++] = '\x1f';
    s_hash_bytes_to (digest, buf, len);
}

void
sched_inputs_digest (const sched_inputs_t *inputs, const char *cycle, char hex [SCHED_DIGEST_HEX])
{
    s_digest_t *sha = pw_malloc (sizeof *sha);
    pw_sha256_init (&sha->sha);
    sha->len = 0;
    s_hash_str (sha, "plan/" PW_VERSION);
    s_hash_str (sha, cycle);
    s_hash_int (sha, inputs->cycle.kind);
    s_hash_int (sha, inputs->cycle.weekday);
    s_hash_str (sha, inputs->timezone);
    s_hash_int (sha, inputs->scan_rules.gap);
    s_hash_int (sha, inputs->scan_rules.max_age);
    for (size_t i = 0; i < inputs->agent_count; i++) {
        const sched_agent_t *a = &inputs->agents [i];
        s_hash_str (sha, "A");
        s_hash_int (sha, a->id);
        s_hash_str (sha, a->hostname);
        s_hash_str (sha, a->org);
        s_hash_int (sha, a->subscribed);
        s_hash_int (sha, a->expected_minutes);
        s_hash_str (sha, a->update_window);
        s_hash_str (sha, a->scan);
        s_hash_str (sha, a->manual_patching);
        s_hash_str (sha, a->health_check);
    }
    for (size_t i = 0; i < inputs->org_count; i++) {
        s_hash_str (sha, "O");
        s_hash_str (sha, inputs->orgs [i].name);
        s_hash_str (sha, inputs->orgs [i].timezone);
        s_hash_int (sha, inputs->orgs [i].subscribed);
    }
    for (size_t i = 0; i < inputs->window_count; i++) {
        const pw_window_t *w = &inputs->windows [i];
        s_hash_str (sha, "W");
        s_hash_str (sha, w->name);
        s_hash_int (sha, w->offset_days);
        s_hash_int (sha, w->start_minute);
        s_hash_int (sha, w->duration_minutes);
        s_hash_int (sha, w->capacity);
        s_hash_str (sha, w->tz);
        s_hash_str (sha, w->group);
        s_hash_int (sha, w->position);
    }
    for (size_t i = 0; i < inputs->group_count; i++) {
        const sched_group_t *g = &inputs->groups [i];
        s_hash_str (sha, "G");
        s_hash_str (sha, g->name);
        s_hash_int (sha, g->policy);
        s_hash_int (sha, g->budget_kind);
        s_hash_int (sha, g->budget);
    }
    for (size_t i = 0; i < inputs->blackout_count; i++) {
        const sched_blackout_t *b = &inputs->blackouts [i];
        s_hash_str (sha, "B");
        s_hash_str (sha, b->org);
        s_hash_int (sha, pw_tz_days_from_civil (b->blackout.first));
        s_hash_int (sha, pw_tz_days_from_civil (b->blackout.last));
        s_hash_str (sha, b->blackout.reason);
    }
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        s_hash_str (sha, "D");
        s_hash_str (sha, inputs->dependencies [i].hostname);
        s_hash_str (sha, inputs->dependencies [i].depends_on);
    }
    pw_sha256_update (&sha->sha, sha->data, sha->len);
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256_final (&sha->sha, digest);
    pw_sha256_hex (digest, hex);
    free (sha);
}

//  --- building -----------------------------------------------------------

static void
s_calendar_destroy (void **item_p)
{
    s_calendar_t *cal = *item_p;
    if (cal) {
        free (cal->tz);
        free (cal->blackouts);
        free (cal->window_insts);
        free (cal->group_plans);
        free (cal);
        *item_p = NULL;
    }
}

static void
s_violation_add (sched_plan_t *self, const char *code, int agent, int other, int instance,
                 const char *window, char *detail)
{
    if (self->violation_count == self->violation_cap) {
        self->violation_cap = self->violation_cap ? self->violation_cap * 2 : 16;
        self->violations =
            pw_realloc (self->violations, self->violation_cap * sizeof (s_violation_t));
    }
    self->violations [self->violation_count++] = (s_violation_t){.code = code,
                                                                 .agent = agent,
                                                                 .other = other,
                                                                 .instance = instance,
                                                                 .window = window,
                                                                 .detail = detail};
}

static const sched_org_t *
s_org (const sched_inputs_t *inputs, const char *name)
{
    for (size_t i = 0; i < inputs->org_count; i++)
        if (strcmp (inputs->orgs [i].name, name) == 0)
            return &inputs->orgs [i];
    return NULL;
}

//  The calendar of ORG: its zone, and its blackouts when it has any.
static s_calendar_t *
s_calendar_find (sched_plan_t *self, const char *org_name, const char **tz_p)
{
    const sched_inputs_t *inputs = self->inputs;
    const sched_org_t *org = s_org (inputs, org_name);
    const char *tz = org && org->timezone && *org->timezone  ? org->timezone
                     : inputs->timezone && *inputs->timezone ? inputs->timezone
                                                             : "UTC";
    *tz_p = tz;
    if (!pw_tz_cache_get (self->zones, tz, NULL))
        return NULL;
    size_t count = 0;
    for (size_t i = 0; i < inputs->blackout_count; i++)
        if (strcmp (inputs->blackouts [i].org, org_name) == 0)
            count++;
    char *key = pw_sprintf ("%s\x1f%s", tz, count ? org_name : "");
    s_calendar_t *cal = zhashx_lookup (self->calendars, key);
    if (!cal) {
        cal = pw_calloc (1, sizeof *cal);
        cal->tz = pw_strdup (tz);
        if (count) {
            cal->blackouts = pw_calloc (count, sizeof (pw_blackout_t));
            for (size_t i = 0; i < inputs->blackout_count; i++)
                if (strcmp (inputs->blackouts [i].org, org_name) == 0)
                    cal->blackouts [cal->blackout_count++] = inputs->blackouts [i].blackout;
        }
        zhashx_insert (self->calendars, key, cal);
    }
    free (key);
    return cal;
}

//  s_calendar_find, once per org: agents of one org share it.
static s_calendar_t *
s_calendar (sched_plan_t *self, int org, const char *org_name, const char **tz_p)
{
    s_org_cal_t *entry = &self->org_cals [org];
    if (!self->org_found [org]) {
        entry->cal = s_calendar_find (self, org_name, &entry->tz);
        self->org_found [org] = true;
    }
    *tz_p = entry->tz;
    return entry->cal;
}

//  Index into insts of WINDOW's instance in calendar CAL, computed on
//  first use.
static int
s_instance (sched_plan_t *self, const pw_window_t *window, s_calendar_t *cal)
{
    size_t w = (size_t)(window - self->inputs->windows);
    if (!cal->window_insts) {
        cal->window_insts = pw_malloc ((self->inputs->window_count + 1) * sizeof (int));
        for (size_t i = 0; i < self->inputs->window_count; i++)
            cal->window_insts [i] = -1;
    }
    if (cal->window_insts [w] >= 0)
        return cal->window_insts [w];
    if (self->inst_count == self->inst_cap) {
        self->inst_cap = self->inst_cap ? self->inst_cap * 2 : 32;
        self->insts = pw_realloc (self->insts, self->inst_cap * sizeof (s_inst_t));
    }
    int index = (int)self->inst_count++;
    s_inst_t *inst = &self->insts [index];
    memset (inst, 0, sizeof *inst);
    inst->window = window;
    inst->tz = cal->tz;
    inst->plan_index = -1;
    pw_org_calendar_t calendar = {.zones = self->zones,
                                  .tz = cal->tz,
                                  .blackouts = cal->blackouts,
                                  .blackout_count = cal->blackout_count};
    if (pw_window_instance (window, self->anchor_date, &calendar, &inst->wi, NULL))
        inst->broken = true;
    else if (!inst->wi.skipped) {
        if (self->instance_count == self->instance_cap) {
            self->instance_cap = self->instance_cap ? self->instance_cap * 2 : 32;
            self->instances =
                pw_realloc (self->instances, self->instance_cap * sizeof (pw_plan_instance_t));
            self->instance_inst =
                pw_realloc (self->instance_inst, self->instance_cap * sizeof (int));
        }
        inst->plan_index = (int)self->instance_count++;
        self->instances [inst->plan_index] =
            (pw_plan_instance_t){window->name, inst->wi.start, inst->wi.end, window->capacity};
        self->instance_inst [inst->plan_index] = index;
    }
    cal->window_insts [w] = index;
    return index;
}

static int
s_by_position (const void *a, const void *b)
{
    const pw_window_t *const *x = a, *const *y = b;
    return (*x)->position - (*y)->position;
}

//  The planner's group for window group GROUP in calendar CAL.
static int
s_group (sched_plan_t *self, const sched_group_t *group, s_calendar_t *cal)
{
    const sched_inputs_t *inputs = self->inputs;
    size_t gi = (size_t)(group - inputs->groups);
    if (!cal->group_plans) {
        cal->group_plans = pw_malloc ((inputs->group_count + 1) * sizeof (int));
        for (size_t i = 0; i < inputs->group_count; i++)
            cal->group_plans [i] = -1;
    }
    if (cal->group_plans [gi] >= 0)
        return cal->group_plans [gi];
    const pw_window_t **windows = pw_calloc (inputs->window_count + 1, sizeof *windows);
    size_t count = 0;
    for (size_t i = 0; i < inputs->window_count; i++)
        if (inputs->windows [i].group && strcmp (inputs->windows [i].group, group->name) == 0)
            windows [count++] = &inputs->windows [i];
    qsort (windows, count, sizeof *windows, s_by_position);
    int *instances = pw_calloc (count + 1, sizeof (int));
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        int inst = s_instance (self, windows [i], cal);
        if (self->insts [inst].plan_index >= 0)
            instances [used++] = self->insts [inst].plan_index;
    }
    free (windows);
    if (self->group_count == self->group_cap) {
        self->group_cap = self->group_cap ? self->group_cap * 2 : 8;
        self->groups = pw_realloc (self->groups, self->group_cap * sizeof (pw_plan_group_t));
        self->group_instances =
            pw_realloc (self->group_instances, self->group_cap * sizeof (int *));
        self->group_src =
            pw_realloc (self->group_src, self->group_cap * sizeof (const sched_group_t *));
    }
    int index = (int)self->group_count++;
    self->group_instances [index] = instances;
    self->group_src [index] = group;
    self->groups [index] = (pw_plan_group_t){group->name,   instances,          used,
                                             group->policy, group->budget_kind, group->budget};
    cal->group_plans [gi] = index;
    return index;
}

static int
s_health_timeout (const char *health_check)
{
    const char *at = health_check ? strstr (health_check, "timeout=") : NULL;
    return at ? atoi (at + 8) : -1;
}

static void
s_place_agent (sched_plan_t *self, int index, const s_lookup_t *lookup)
{
    const sched_inputs_t *inputs = self->inputs;
    s_agent_t *meta = &self->meta [index];
    const sched_agent_t *src = &inputs->agents [meta->src];
    pw_plan_agent_t *agent = &self->agents [index];
    *agent =
        (pw_plan_agent_t){src->hostname, src->org, src->subscribed, src->expected_minutes, -1, -1};
    meta->health_timeout = s_health_timeout (src->health_check);
    meta->cal = s_calendar (self, lookup->org [meta->src], src->org, &meta->tz);
    if (!src->subscribed)
        return;
    if (!meta->cal) {
        meta->reason = pw_sprintf ("unknown time zone \"%s\"", meta->tz);
        return;
    }
    if (src->manual_patching) {
        meta->reason = pw_concat ("manual patching: ", src->manual_patching, NULL);
        return;
    }
    if (!src->update_window || !*src->update_window)
        return;
    int target = lookup->target [meta->src];
    const sched_group_t *group =
        target >= 0 && target % 2 == 0 ? &inputs->groups [target / 2] : NULL;
    const pw_window_t *window = target >= 0 && target % 2 ? &inputs->windows [target / 2] : NULL;
    if (group)
        agent->group = s_group (self, group, meta->cal);
    else if (window) {
        int at = s_instance (self, window, meta->cal);
        const s_inst_t *inst = &self->insts [at];
        if (inst->plan_index >= 0)
            agent->instance = inst->plan_index;
        else if (inst->broken)
            meta->reason = pw_sprintf ("window %s: unknown time zone \"%s\"", window->name,
                                       window->tz ? window->tz : meta->tz);
        else
            meta->reason = pw_sprintf ("no window instance this cycle (blackout: %s)",
                                       inst->wi.blackout && inst->wi.blackout->reason
                                           ? inst->wi.blackout->reason
                                           : "no reason given");
    } else {
        meta->reason = pw_concat ("unknown window \"", src->update_window, "\"", NULL);
        s_violation_add (self, "UNKNOWN_WINDOW", index, -1, -1, src->update_window,
                         pw_concat (src->hostname, ": update_window \"", src->update_window,
                                    "\" names no window or window group", NULL));
    }
}

static void
s_check_scans (sched_plan_t *self)
{
    //  Agents with the same scan setting and instance get the same verdict:
    //  each combination is checked once.
    s_table_t scans;
    s_table_init (&scans, 16);
    size_t scan_count = 0;
    s_scan_memos_t *memos = pw_calloc (self->instance_count + 1, sizeof (s_scan_memos_t));
    for (size_t i = 0; i < self->agent_count; i++) {
        const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)i);
        s_agent_t *meta = &self->meta [i];
        const sched_agent_t *src = &self->inputs->agents [meta->src];
        if (slot->status != PW_SLOT_PLANNED || !src->scan || !meta->cal)
            continue;
        const pw_plan_instance_t *instance = &self->instances [slot->instance];
        int scan = s_table_get (&scans, src->scan, -1);
        if (scan < 0) {
            scan = (int)scan_count++;
            s_table_put (&scans, src->scan, scan);
        }
        s_scan_memos_t *memo = &memos [slot->instance];
        s_scan_memo_t *seen = NULL;
        for (size_t k = 0; k < memo->count && !seen; k++)
            if (memo->items [k].scan == scan)
                seen = &memo->items [k];
        if (!seen) {
            memo->items = pw_realloc (memo->items, (memo->count + 1) * sizeof (s_scan_memo_t));
            seen = &memo->items [memo->count++];
            memset (seen, 0, sizeof *seen);
            seen->scan = scan;
            pw_scan_schedule_t schedule;
            const pw_tz_t *zone = pw_tz_cache_get (self->zones, meta->cal->tz, NULL);
            seen->failed = pw_scan_schedule_parse (src->scan, &schedule, NULL) ||
                           pw_scan_check (&schedule, zone, &self->inputs->scan_rules,
                                          instance->start_utc, INT64_MIN, &seen->result, NULL);
        }
        if (seen->failed)
            continue;
        const pw_scan_result_t *result = &seen->result;
        meta->has_scan = result->has_scan;
        meta->scan_at = result->scan_start;
        const char *code = pw_scan_verdict_code (result->verdict);
        if (code)
            s_violation_add (self, code, (int)i, -1, slot->instance, instance->window,
                             pw_concat (src->hostname, ": ", result->message, NULL));
    }
    for (size_t i = 0; i < self->instance_count; i++)
        free (memos [i].items);
    free (memos);
    s_table_free (&scans);
}

static void
s_lookup_init (s_lookup_t *lookup, const sched_inputs_t *inputs)
{
    size_t n = inputs->agent_count;
    //  Windows, then window groups: a group wins over a window of its name.
    s_table_t targets;
    s_table_init (&targets, inputs->window_count + inputs->group_count);
    for (size_t i = 0; i < inputs->window_count; i++)
        s_table_put (&targets, inputs->windows [i].name, 2 * (int)i + 1);
    for (size_t i = 0; i < inputs->group_count; i++)
        s_table_put (&targets, inputs->groups [i].name, 2 * (int)i);
    s_table_t orgs;
    s_table_init (&orgs, inputs->org_count);
    lookup->org_count = 0;
    for (size_t i = 0; i < inputs->org_count; i++)
        if (s_table_get (&orgs, inputs->orgs [i].name, -1) < 0)
            s_table_put (&orgs, inputs->orgs [i].name, (int)lookup->org_count++);
    //  The names dependencies use: an agent of such a name is in the plan
    //  even when unsubscribed, and an edge finds its agents here (the last
    //  of a name, should two agents share one).
    s_table_init (&lookup->named, 2 * inputs->dependency_count);
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        s_table_put (&lookup->named, inputs->dependencies [i].hostname, -1);
        s_table_put (&lookup->named, inputs->dependencies [i].depends_on, -1);
    }
    lookup->target = pw_malloc ((n + 1) * sizeof (int));
    lookup->org = pw_malloc ((n + 1) * sizeof (int));
    lookup->depended = pw_calloc (n + 1, sizeof (bool));
    for (size_t i = 0; i < n; i++) {
        const sched_agent_t *agent = &inputs->agents [i];
        lookup->target [i] = s_table_get (&targets, agent->update_window, -1);
        int org = s_table_get (&orgs, agent->org, -1);
        if (org < 0) {
            //  An org the inputs do not list: numbered all the same.
            org = (int)lookup->org_count++;
            s_table_put (&orgs, agent->org, org);
        }
        lookup->org [i] = org;
        if (inputs->dependency_count) {
            size_t slot = s_table_slot (&lookup->named, agent->hostname);
            if (lookup->named.keys [slot]) {
                lookup->named.values [slot] = (int)i;
                lookup->depended [i] = true;
            }
        }
    }
    s_table_free (&orgs);
    s_table_free (&targets);
}

static void
s_lookup_free (s_lookup_t *lookup)
{
    s_table_free (&lookup->named);
    free (lookup->target);
    free (lookup->org);
    free (lookup->depended);
}

//  The agents of the plan placed in their instances or groups for the cycle
//  of ANCHOR, and the edges between them: all the planner needs.
static sched_plan_t *
s_prepare (const sched_inputs_t *inputs, const s_lookup_t *lookup, pw_date_t anchor,
           pw_tz_cache_t *zones)
{
    sched_plan_t *self = pw_calloc (1, sizeof *self);
    self->inputs = inputs;
    self->zones = zones;
    self->anchor_date = anchor;
    pw_cycle_id_format (&inputs->cycle, anchor, self->cycle, sizeof self->cycle);
    pw_tz_date_format (anchor, self->anchor, sizeof self->anchor);
    self->calendars = zhashx_new ();
    zhashx_set_destructor (self->calendars, s_calendar_destroy);
    self->org_cals = pw_calloc (lookup->org_count + 1, sizeof (s_org_cal_t));
    self->org_found = pw_calloc (lookup->org_count + 1, sizeof (bool));

    //  Agents in the plan: the subscribed ones, and any other a dependency
    //  names (so the plan can say a dependent waits for an unsubscribed one).
    self->agents = pw_calloc (inputs->agent_count + 1, sizeof (pw_plan_agent_t));
    self->meta = pw_calloc (inputs->agent_count + 1, sizeof (s_agent_t));
    int *plan_index = pw_malloc ((inputs->agent_count + 1) * sizeof (int));
    for (size_t i = 0; i < inputs->agent_count; i++) {
        const sched_agent_t *src = &inputs->agents [i];
        plan_index [i] = -1;
        if (!src->subscribed && !lookup->depended [i])
            continue;
        int index = (int)self->agent_count++;
        self->meta [index].src = (int)i;
        plan_index [i] = index;
        s_place_agent (self, index, lookup);
    }
    self->edges = pw_calloc (inputs->dependency_count + 1, sizeof (pw_plan_edge_t));
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        int agent = s_table_get (&lookup->named, inputs->dependencies [i].hostname, -1);
        int on = s_table_get (&lookup->named, inputs->dependencies [i].depends_on, -1);
        agent = agent >= 0 ? plan_index [agent] : -1;
        on = on >= 0 ? plan_index [on] : -1;
        //  An agent removed from the inventory since the apply: its edges go.
        if (agent >= 0 && on >= 0)
            self->edges [self->edge_count++] = (pw_plan_edge_t){agent, on};
    }
    free (plan_index);
    return self;
}

//  Runs the planner over a prepared plan, then checks the scans. Returns
//  SELF, or NULL (SELF destroyed) when the planner refuses the input.
static sched_plan_t *
s_finish (sched_plan_t *self, char **error_p)
{
    pw_plan_input_t input = {.agents = self->agents,
                             .agent_count = self->agent_count,
                             .instances = self->instances,
                             .instance_count = self->instance_count,
                             .groups = self->groups,
                             .group_count = self->group_count,
                             .edges = self->edges,
                             .edge_count = self->edge_count,
                             .default_duration_min = 60};
    //  The planner's own violations come first, in its order.
    size_t extra_count = self->violation_count;
    s_violation_t *extra = self->violations;
    self->violations = NULL;
    self->violation_count = self->violation_cap = 0;
    self->plan = pw_plan_new (&input, error_p);
    if (!self->plan) {
        for (size_t i = 0; i < extra_count; i++)
            free (extra [i].detail);
        free (extra);
        sched_plan_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < pw_plan_violation_count (self->plan); i++) {
        const pw_plan_violation_t *v = pw_plan_violation (self->plan, i);
        s_violation_add (self, pw_plan_code_name (v->code), v->agent, v->other, v->instance,
                         v->instance >= 0 ? self->instances [v->instance].window : NULL,
                         pw_strdup (v->detail));
        self->violations [self->violation_count - 1].members = v->members;
        self->violations [self->violation_count - 1].member_count = v->member_count;
    }
    s_check_scans (self);
    for (size_t i = 0; i < extra_count; i++) {
        s_violation_add (self, extra [i].code, extra [i].agent, extra [i].other, extra [i].instance,
                         extra [i].window, extra [i].detail);
    }
    free (extra);
    for (size_t i = 0; i < self->agent_count; i++)
        if (pw_plan_slot (self->plan, (int)i)->status == PW_SLOT_PLANNED)
            self->planned++;
    return self;
}

sched_plan_t *
sched_plan_build (const sched_inputs_t *inputs, const char *cycle, int64_t now,
                  pw_tz_cache_t *zones, bool *invalid_p, char **error_p)
{
    *invalid_p = false;
    pw_date_t anchor;
    if (cycle && *cycle) {
        if (pw_cycle_anchor (&inputs->cycle, cycle, &anchor, error_p)) {
            *invalid_p = true;
            return NULL;
        }
    } else {
        pw_date_t today = pw_tz_civil_from_days (now >= 0 ? now / 86400 : (now - 86399) / 86400);
        anchor = pw_cycle_anchor_on_or_before (&inputs->cycle, today);
    }
    s_lookup_t lookup;
    s_lookup_init (&lookup, inputs);
    sched_plan_t *self = s_prepare (inputs, &lookup, anchor, zones);
    if (!cycle || !*cycle) {
        //  Past the cycle's last window: the next cycle is the one to
        //  prepare. The instances tell, before anything is planned.
        int64_t last_end = INT64_MIN;
        for (size_t i = 0; i < self->inst_count; i++)
            if (!self->insts [i].broken && self->insts [i].wi.end > last_end)
                last_end = self->insts [i].wi.end;
        if (self->inst_count && now > last_end) {
            sched_plan_destroy (&self);
            self =
                s_prepare (inputs, &lookup, pw_cycle_next_anchor (&inputs->cycle, anchor), zones);
        }
    }
    s_lookup_free (&lookup);
    return s_finish (self, error_p);
}

void
sched_plan_destroy (sched_plan_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sched_plan_t *self = *self_p;
    pw_plan_destroy (&self->plan);
    for (size_t i = 0; i < self->agent_count; i++)
        free (self->meta [i].reason);
    free (self->meta);
    free (self->agents);
    free (self->insts);
    free (self->instances);
    free (self->instance_inst);
    for (size_t i = 0; i < self->group_count; i++)
        free (self->group_instances [i]);
    free (self->group_instances);
    free (self->group_src);
    free (self->groups);
    free (self->edges);
    for (size_t i = 0; i < self->violation_count; i++)
        free (self->violations [i].detail);
    free (self->violations);
    free (self->org_cals);
    free (self->org_found);
    zhashx_destroy (&self->calendars);
    free (self);
    *self_p = NULL;
}

const char *
sched_plan_cycle (const sched_plan_t *self)
{
    return self->cycle;
}

const char *
sched_plan_anchor (const sched_plan_t *self)
{
    return self->anchor;
}

size_t
sched_plan_agents (const sched_plan_t *self)
{
    return self->agent_count;
}

size_t
sched_plan_planned (const sched_plan_t *self)
{
    return self->planned;
}

size_t
sched_plan_unscheduled (const sched_plan_t *self)
{
    return self->agent_count - self->planned;
}

size_t
sched_plan_violations (const sched_plan_t *self)
{
    return self->violation_count;
}

const pw_plan_t *
sched_plan_pw (const sched_plan_t *self)
{
    return self->plan;
}

//  --- output -------------------------------------------------------------

static char *
s_digits (char *at, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        at [i] = (char)('0' + value % 10);
    return at + width;
}

//  The last time written, for lists where most times repeat.
typedef struct {
    bool set;
    int64_t t;
    size_t len;
    char text [24];
} s_time_cache_t;

//  "2026-10-24T20:00:00Z"
static void
s_time (pw_strbuf_t *out, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int secs = (int)(t - days * 86400);
    pw_date_t date = pw_tz_civil_from_days (days);
    if (date.year < 0 || date.year > 9999) {
        pw_strbuf_appendf (out, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", date.year, date.month,
                           date.day, secs / 3600, secs / 60 % 60, secs % 60);
        return;
    }
    char buf [24], *at = buf;
    *at++ = '"';
    at = s_digits (at, date.year, 4);
    *at++ = '-';
    at = s_digits (at, date.month, 2);
    *at++ = '-';
    at = s_digits (at, date.day, 2);
    *at++ = 'T';
    at = s_digits (at, secs / 3600, 2);
    *at++ = ':';
    at = s_digits (at, secs / 60 % 60, 2);
    *at++ = ':';
    at = s_digits (at, secs % 60, 2);
    *at++ = 'Z';
    *at++ = '"';
    pw_strbuf_append_len (out, buf, (size_t)(at - buf));
}

static void
s_time_cached (pw_strbuf_t *out, int64_t t, s_time_cache_t *cache)
{
    if (!cache->set || cache->t != t) {
        pw_strbuf_t text;
        pw_strbuf_init (&text);
        s_time (&text, t);
        cache->set = text.len < sizeof cache->text;
        cache->t = t;
        cache->len = text.len;
        if (cache->set)
            memcpy (cache->text, text.data, text.len);
        else
            pw_strbuf_append_len (out, text.data, text.len);
        pw_strbuf_free (&text);
        if (!cache->set)
            return;
    }
    pw_strbuf_append_len (out, cache->text, cache->len);
}

static const char *
s_name (const sched_plan_t *self, int agent)
{
    return agent >= 0 ? self->agents [agent].name : NULL;
}

static const char *
s_reason (const sched_plan_t *self, int agent)
{
    return self->meta [agent].reason ? self->meta [agent].reason
                                     : pw_plan_slot (self->plan, agent)->reason;
}

typedef struct {
    const sched_plan_t *plan;
    const char *org;
    const char *window;
    bool *instance_ok; //  per planner instance
} s_filter_t;

static bool
s_org_ok (const s_filter_t *f, int agent)
{
    return !f->org || strcmp (f->plan->agents [agent].org, f->org) == 0;
}

static bool
s_instance_window_ok (const s_filter_t *f, int instance)
{
    if (!f->window)
        return true;
    const s_inst_t *inst = &f->plan->insts [f->plan->instance_inst [instance]];
    return strcmp (inst->window->name, f->window) == 0 ||
           (inst->window->group && strcmp (inst->window->group, f->window) == 0);
}

static bool
s_agent_window_ok (const s_filter_t *f, int agent)
{
    if (!f->window)
        return true;
    const pw_plan_slot_t *slot = pw_plan_slot (f->plan->plan, agent);
    if (slot->status == PW_SLOT_PLANNED)
        return s_instance_window_ok (f, slot->instance);
    const char *named = f->plan->inputs->agents [f->plan->meta [agent].src].update_window;
    return named && strcmp (named, f->window) == 0;
}

static bool
s_agent_ok (const s_filter_t *f, int agent)
{
    return agent >= 0 && s_org_ok (f, agent) && s_agent_window_ok (f, agent);
}

static int
s_instance_order (const void *a, const void *b, void *arg)
{
    const sched_plan_t *self = arg;
    const s_inst_t *x = &self->insts [self->instance_inst [*(const int *)a]];
    const s_inst_t *y = &self->insts [self->instance_inst [*(const int *)b]];
    if (x->wi.start != y->wi.start)
        return x->wi.start < y->wi.start ? -1 : 1;
    const char *gx = x->window->group ? x->window->group : "";
    const char *gy = y->window->group ? y->window->group : "";
    int c = strcmp (gx, gy);
    if (c)
        return c;
    if (x->window->position != y->window->position)
        return x->window->position - y->window->position;
    c = strcmp (x->window->name, y->window->name);
    return c ? c : strcmp (x->tz, y->tz);
}

char *
sched_plan_document (const sched_plan_t *self, const char *org, const char *window)
{
    s_filter_t f = {self, org && *org ? org : NULL, window && *window ? window : NULL, NULL};
    size_t count = self->instance_count;
    f.instance_ok = pw_calloc (count + 1, sizeof (bool));
    for (size_t i = 0; i < count; i++)
        f.instance_ok [i] = s_instance_window_ok (&f, (int)i) && !f.org;
    if (f.org)
        for (size_t a = 0; a < self->agent_count; a++) {
            const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)a);
            if (slot->status == PW_SLOT_PLANNED && s_org_ok (&f, (int)a) &&
                s_instance_window_ok (&f, slot->instance))
                f.instance_ok [slot->instance] = true;
        }
    int *order = pw_calloc (count + 1, sizeof (int));
    for (size_t i = 0; i < count; i++)
        order [i] = (int)i;
    qsort_r (order, count, sizeof (int), s_instance_order, (void *)self);

    pw_strbuf_t out;
    pw_strbuf_init (&out);
    S_APPEND (&out, "{\"cycle\":");
    s_json (&out, self->cycle);
    S_APPEND (&out, ",\"instances\":[");
    bool first = true;
    for (size_t k = 0; k < count; k++) {
        int i = order [k];
        if (!f.instance_ok [i])
            continue;
        const s_inst_t *inst = &self->insts [self->instance_inst [i]];
        pw_strbuf_append (&out, first ? "{\"window\":" : ",{\"window\":");
        first = false;
        s_json (&out, inst->window->name);
        S_APPEND (&out, ",\"group\":");
        s_json (&out, inst->window->group);
        if (inst->window->group) {
            S_APPEND (&out, ",\"position\":");
            s_int (&out, inst->window->position);
        } else
            S_APPEND (&out, ",\"position\":null");
        S_APPEND (&out, ",\"start_utc\":");
        s_time (&out, inst->wi.start);
        S_APPEND (&out, ",\"end_utc\":");
        s_time (&out, inst->wi.end);
        S_APPEND (&out, ",\"start_local\":");
        s_json (&out, inst->wi.local_start);
        S_APPEND (&out, ",\"tz\":");
        s_json (&out, inst->wi.tz);
        S_APPEND (&out, ",\"waves\":[");
        size_t waves = pw_plan_wave_count (self->plan, i);
        for (size_t w = 1; w <= waves; w++) {
            size_t n = 0;
            const int *members = pw_plan_wave (self->plan, i, (int)w, &n, NULL, NULL);
            pw_strbuf_append (&out, w > 1 ? ",[" : "[");
            bool first_name = true;
            for (size_t m = 0; m < n; m++) {
                if (!s_org_ok (&f, members [m]))
                    continue;
                if (!first_name)
                    S_APPEND (&out, ",");
                first_name = false;
                s_json (&out, self->agents [members [m]].name);
            }
            S_APPEND (&out, "]");
        }
        S_APPEND (&out, "]}");
    }
    S_APPEND (&out, "],\"unscheduled\":[");
    first = true;
    for (size_t a = 0; a < self->agent_count; a++) {
        if (pw_plan_slot (self->plan, (int)a)->status != PW_SLOT_UNSCHEDULED ||
            !s_agent_ok (&f, (int)a))
            continue;
        pw_strbuf_append (&out, first ? "{\"agent\":" : ",{\"agent\":");
        first = false;
        s_json (&out, self->agents [a].name);
        S_APPEND (&out, ",\"reason\":");
        s_json (&out, s_reason (self, (int)a));
        S_APPEND (&out, "}");
    }
    S_APPEND (&out, "],\"violations\":[");
    first = true;
    for (size_t i = 0; i < self->violation_count; i++) {
        const s_violation_t *v = &self->violations [i];
        bool org_ok =
            !f.org || (v->agent >= 0 && s_org_ok (&f, v->agent)) ||
            (v->other >= 0 && s_org_ok (&f, v->other)) ||
            (v->agent < 0 && v->other < 0 && v->instance >= 0 && f.instance_ok [v->instance]);
        bool window_ok = !f.window ||
                         (v->instance >= 0 && s_instance_window_ok (&f, v->instance)) ||
                         (v->agent >= 0 && s_agent_window_ok (&f, v->agent)) ||
                         (v->other >= 0 && s_agent_window_ok (&f, v->other)) ||
                         (v->window && strcmp (v->window, f.window) == 0);
        if (!org_ok || !window_ok)
            continue;
        pw_strbuf_append (&out, first ? "{\"code\":" : ",{\"code\":");
        first = false;
        s_json (&out, v->code);
        S_APPEND (&out, ",\"agent\":");
        s_json (&out, s_name (self, v->agent));
        S_APPEND (&out, ",\"other\":");
        s_json (&out, s_name (self, v->other));
        S_APPEND (&out, ",\"detail\":");
        s_json (&out, v->detail);
        S_APPEND (&out, "}");
    }
    S_APPEND (&out, "],\"scans\":[");
    first = true;
    s_time_cache_t scan_time = {0};
    for (size_t a = 0; a < self->agent_count; a++) {
        if (!self->meta [a].has_scan || !s_agent_ok (&f, (int)a))
            continue;
        pw_strbuf_append (&out, first ? "{\"agent\":" : ",{\"agent\":");
        first = false;
        s_json (&out, self->agents [a].name);
        S_APPEND (&out, ",\"at_utc\":");
        s_time_cached (&out, self->meta [a].scan_at, &scan_time);
        S_APPEND (&out, "}");
    }
    S_APPEND (&out, "]}");
    free (order);
    free (f.instance_ok);
    return pw_strbuf_take (&out);
}

static void
s_opt_int (pw_strbuf_t *out, const char *key, bool set, int64_t value)
{
    pw_strbuf_append (out, key);
    if (set)
        s_int (out, value);
    else
        pw_strbuf_append_len (out, "null", 4);
}

void
sched_plan_agent_row (const sched_plan_t *self, size_t agent, sched_agent_row_t *row)
{
    const s_agent_t *meta = &self->meta [agent];
    const sched_agent_t *src = &self->inputs->agents [meta->src];
    const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)agent);
    bool planned = slot->status == PW_SLOT_PLANNED;
    const s_inst_t *inst = planned ? &self->insts [self->instance_inst [slot->instance]] : NULL;
    *row = (sched_agent_row_t){.agent_id = src->id,
                               .hostname = src->hostname,
                               .org = src->org,
                               .planned = planned,
                               .reason = s_reason (self, (int)agent),
                               .window = inst ? inst->window->name : NULL,
                               .window_group = inst ? inst->window->group : NULL,
                               .has_position = planned && slot->position > 0,
                               .position = slot->position,
                               .has_wave = planned,
                               .wave = slot->wave,
                               .has_start = planned,
                               .has_end = planned,
                               .has_wave_end = planned,
                               .start_utc = slot->start_utc,
                               .end_utc = slot->end_utc,
                               .wave_end_utc = slot->wave_end_utc,
                               .timezone = inst ? inst->wi.tz : meta->tz,
                               .has_scan = meta->has_scan,
                               .scan_utc = meta->scan_at,
                               .has_health_timeout = meta->health_timeout >= 0,
                               .health_timeout = meta->health_timeout};
}

uint64_t
sched_agent_row_hash (const sched_agent_row_t *row)
{
    s_row_key_t key;
    key.len = 0;
    key.hash = 0;
    s_key_int (&key, true, row->agent_id);
    s_key_str (&key, row->hostname);
    s_key_str (&key, row->org);
    s_key_int (&key, true, row->planned);
    s_key_str (&key, row->reason);
    s_key_str (&key, row->window);
    s_key_str (&key, row->window_group);
    s_key_int (&key, row->has_position, row->position);
    s_key_int (&key, row->has_wave, row->wave);
    s_key_int (&key, row->has_start, row->start_utc);
    s_key_int (&key, row->has_end, row->end_utc);
    s_key_int (&key, row->has_wave_end, row->wave_end_utc);
    s_key_str (&key, row->timezone);
    s_key_int (&key, row->has_scan, row->scan_utc);
    s_key_int (&key, row->has_health_timeout, row->health_timeout);
    return s_key_hash (&key);
}

int64_t
sched_plan_agent_id (const sched_plan_t *self, size_t agent)
{
    return self->inputs->agents [self->meta [agent].src].id;
}

uint64_t
sched_plan_agent_hash (const sched_plan_t *self, size_t agent)
{
    sched_agent_row_t row;
    sched_plan_agent_row (self, agent, &row);
    return sched_agent_row_hash (&row);
}

char *
sched_plan_agent_rows_of (const sched_plan_t *self, const size_t *agents, size_t count)
{
    if (!agents)
        count = self->agent_count;
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    S_APPEND (&out, "[");
    for (size_t i = 0; i < count; i++) {
        sched_agent_row_t row;
        sched_plan_agent_row (self, agents ? agents [i] : i, &row);
        pw_strbuf_append (&out, i ? ",{\"agent_id\":" : "{\"agent_id\":");
        s_int (&out, row.agent_id);
        S_APPEND (&out, ",\"hostname\":");
        s_json (&out, row.hostname);
        S_APPEND (&out, ",\"org\":");
        s_json (&out, row.org);
        pw_strbuf_append (&out, row.planned ? ",\"status\":\"planned\",\"reason\":"
                                            : ",\"status\":\"unscheduled\",\"reason\":");
        s_json (&out, row.reason);
        S_APPEND (&out, ",\"window\":");
        s_json (&out, row.window);
        S_APPEND (&out, ",\"window_group\":");
        s_json (&out, row.window_group);
        s_opt_int (&out, ",\"position\":", row.has_position, row.position);
        s_opt_int (&out, ",\"wave\":", row.has_wave, row.wave);
        s_opt_int (&out, ",\"start_utc\":", row.has_start, row.start_utc);
        s_opt_int (&out, ",\"end_utc\":", row.has_end, row.end_utc);
        s_opt_int (&out, ",\"wave_end_utc\":", row.has_wave_end, row.wave_end_utc);
        S_APPEND (&out, ",\"timezone\":");
        s_json (&out, row.timezone);
        s_opt_int (&out, ",\"scan_utc\":", row.has_scan, row.scan_utc);
        s_opt_int (&out, ",\"health_timeout_s\":", row.has_health_timeout, row.health_timeout);
        S_APPEND (&out, "}");
    }
    S_APPEND (&out, "]");
    return pw_strbuf_take (&out);
}

char *
sched_plan_agent_rows (const sched_plan_t *self)
{
    return sched_plan_agent_rows_of (self, NULL, 0);
}

static int64_t
s_agent_id (const sched_plan_t *self, int agent)
{
    return agent >= 0 ? self->inputs->agents [self->meta [agent].src].id : 0;
}

uint64_t
sched_violation_row_hash (const sched_violation_row_t *row)
{
    s_row_key_t key;
    key.len = 0;
    key.hash = 0;
    s_key_int (&key, true, row->ordinal);
    s_key_str (&key, row->code);
    s_key_int (&key, row->has_agent, row->agent_id);
    s_key_int (&key, row->has_other, row->other_agent_id);
    s_key_str (&key, row->window);
    s_key_int (&key, true, (int64_t)row->member_count);
    for (size_t m = 0; m < row->member_count; m++)
        s_key_str (&key, row->members [m]);
    s_key_str (&key, row->detail);
    return s_key_hash (&key);
}

uint64_t
sched_plan_violation_hash (const sched_plan_t *self, size_t index)
{
    const s_violation_t *v = &self->violations [index];
    const char **members = pw_malloc ((v->member_count + 1) * sizeof (char *));
    for (size_t m = 0; m < v->member_count; m++)
        members [m] = self->agents [v->members [m]].name;
    sched_violation_row_t row = {.ordinal = (int64_t)index + 1,
                                 .code = v->code,
                                 .has_agent = v->agent >= 0,
                                 .agent_id = s_agent_id (self, v->agent),
                                 .has_other = v->other >= 0,
                                 .other_agent_id = s_agent_id (self, v->other),
                                 .window = v->window,
                                 .members = members,
                                 .member_count = v->member_count,
                                 .detail = v->detail};
    uint64_t hash = sched_violation_row_hash (&row);
    free (members);
    return hash;
}

char *
sched_plan_violation_rows_of (const sched_plan_t *self, const size_t *violations, size_t count)
{
    if (!violations)
        count = self->violation_count;
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    S_APPEND (&out, "[");
    for (size_t k = 0; k < count; k++) {
        size_t i = violations ? violations [k] : k;
        const s_violation_t *v = &self->violations [i];
        pw_strbuf_append (&out, k ? ",{\"ordinal\":" : "{\"ordinal\":");
        s_int (&out, (int64_t)i + 1);
        S_APPEND (&out, ",\"code\":\"");
        pw_strbuf_append (&out, v->code);
        S_APPEND (&out, "\"");
        s_opt_int (&out, ",\"agent_id\":", v->agent >= 0, s_agent_id (self, v->agent));
        s_opt_int (&out, ",\"other_agent_id\":", v->other >= 0, s_agent_id (self, v->other));
        S_APPEND (&out, ",\"window\":");
        s_json (&out, v->window);
        S_APPEND (&out, ",\"members\":[");
        for (size_t m = 0; m < v->member_count; m++) {
            if (m)
                S_APPEND (&out, ",");
            s_json (&out, self->agents [v->members [m]].name);
        }
        S_APPEND (&out, "],\"detail\":");
        s_json (&out, v->detail);
        S_APPEND (&out, "}");
    }
    S_APPEND (&out, "]");
    return pw_strbuf_take (&out);
}

char *
sched_plan_violation_rows (const sched_plan_t *self)
{
    return sched_plan_violation_rows_of (self, NULL, 0);
}

char *
sched_plan_ready_payload (const sched_plan_t *self)
{
    return pw_sprintf ("{\"cycle\":\"%s\",\"anchor\":\"%s\",\"agents\":%zu,\"planned\":%zu,"
                       "\"unscheduled\":%zu,\"violations\":%zu}",
                       self->cycle, self->anchor, self->agent_count, self->planned,
                       self->agent_count - self->planned, self->violation_count);
}

char *
sched_plan_violations_payload (const sched_plan_t *self)
{
    static const char *codes [] = {"DEPENDENCY_CYCLE",     "DEPENDENCY_ORDER", "CHAIN_TOO_DEEP",
                                   "WINDOW_OVER_CAPACITY", "WINDOW_OVERRUN",   "SCAN_GAP",
                                   "STALE_SCAN",           "UNKNOWN_WINDOW"};
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_appendf (&out, "{\"cycle\":\"%s\",\"violations\":%zu,\"counts\":{", self->cycle,
                       self->violation_count);
    bool first = true;
    for (size_t c = 0; c < sizeof codes / sizeof codes [0]; c++) {
        size_t n = 0;
        for (size_t i = 0; i < self->violation_count; i++)
            if (strcmp (self->violations [i].code, codes [c]) == 0)
                n++;
        if (n) {
            pw_strbuf_appendf (&out, "%s\"%s\":%zu", first ? "" : ",", codes [c], n);
            first = false;
        }
    }
    S_APPEND (&out, "}}");
    return pw_strbuf_take (&out);
}
