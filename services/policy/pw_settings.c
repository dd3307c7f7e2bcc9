/*  pw_settings - resolution of system policy settings by level.

    Assignments are indexed by target (org name, org + group path, lower-case
    hostname) in a hash table, so resolving an agent looks only at the
    tenant-wide assignments plus the few whose target contains it: one
    lookup for its org, one per prefix of its group path, one for its
    hostname. The candidates are then sorted strongest first once, and each
    setting is a walk over that short list. Expanded templates live in an
    arena inside the pw_effective_t that is recycled on the next resolve.
*/
#include "pw_settings.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const pw_setting_info_t s_settings [PW_SETTING_COUNT] = {
    {"patch_policies", PW_SETTING_KIND_SET, 0, "patch policies the agent is a member of"},
    {"patch_policies_remove", PW_SETTING_KIND_SET_REMOVAL, PW_SETTING_PATCH_POLICIES,
     "memberships removed again (only those added at the same or a more general level)"},
    {"subscribed", PW_SETTING_KIND_BOOL, 0, "false: the agent is out of patching"},
    {"scan", PW_SETTING_KIND_SCALAR, 0, "weekly scan: day and local time"},
    {"update_window", PW_SETTING_KIND_SCALAR, 0, "a window name or a window group name"},
    {"reboot", PW_SETTING_KIND_SCALAR, 0, "never, when_required or always"},
    {"pre_tasks", PW_SETTING_KIND_SCALAR_LIST, 0, "named tasks run before installing"},
    {"post_tasks", PW_SETTING_KIND_SCALAR_LIST, 0, "named tasks run after installing"},
    {"health_check", PW_SETTING_KIND_SCALAR, 0,
     "how \"back up\" is judged after reboot, with a timeout"},
    {"manual_patching", PW_SETTING_KIND_SCALAR, 0,
     "an exception with a reason: patched by hand on purpose"},
};

static bool
s_is_set_kind (pw_setting_kind_t kind)
{
    return kind == PW_SETTING_KIND_SET || kind == PW_SETTING_KIND_SET_REMOVAL;
}

const pw_setting_info_t *
pw_setting_info (pw_setting_t setting)
{
    assert ((int)setting >= 0 && setting < PW_SETTING_COUNT);
    return &s_settings [setting];
}

int
pw_setting_parse (const char *name, pw_setting_t *setting_p)
{
    for (int s = 0; name && s < PW_SETTING_COUNT; s++)
        if (strcmp (name, s_settings [s].name) == 0) {
            *setting_p = (pw_setting_t)s;
            return 0;
        }
    return -1;
}

const char *
pw_level_name (pw_level_t level)
{
    switch (level) {
        case PW_LEVEL_TENANT: return "tenant";
        case PW_LEVEL_ORG: return "org";
        case PW_LEVEL_GROUP: return "group";
        case PW_LEVEL_AGENT: return "agent";
    }
    return "unknown";
}

int
pw_level_parse (const char *text, pw_level_t *level_p)
{
    static const struct {
        const char *name;
        pw_level_t level;
    } names [] = {{"tenant", PW_LEVEL_TENANT},
                  {"org", PW_LEVEL_ORG},
                  {"organization", PW_LEVEL_ORG},
                  {"group", PW_LEVEL_GROUP},
                  {"agent", PW_LEVEL_AGENT}};
    for (size_t i = 0; text && i < sizeof (names) / sizeof (names [0]); i++)
        if (strcasecmp (text, names [i].name) == 0) {
            *level_p = names [i].level;
            return 0;
        }
    return -1;
}

//  --------------------------------------------------------------------------
//  String -> list of indices, open addressing; keys owned.

typedef struct {
    char *key;
    uint64_t hash;
    size_t *items;
    size_t count;
} s_slot_t;

typedef struct {
    s_slot_t *slots;
    size_t cap; //  power of two, at least twice the count
    size_t count;
} s_index_t;

static uint64_t
s_hash (const char *text, size_t len)
{
    uint64_t hash = 1469598103934665603ull; //  FNV-1a, then a murmur3 mixer
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)text [i];
        hash *= 1099511628211ull;
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return hash;
}

static void
s_index_init (s_index_t *self, size_t cap)
{
    self->cap = cap;
    self->count = 0;
    self->slots = pw_calloc (cap, sizeof (s_slot_t));
}

static void
s_index_free (s_index_t *self)
{
    for (size_t i = 0; i < self->cap; i++) {
        free (self->slots [i].key);
        free (self->slots [i].items);
    }
    free (self->slots);
}

static s_slot_t *
s_index_slot (const s_index_t *self, const char *key, size_t len, uint64_t hash)
{
    size_t mask = self->cap - 1;
    size_t i = (size_t)hash & mask;
    while (self->slots [i].key &&
           (self->slots [i].hash != hash || strncmp (self->slots [i].key, key, len) != 0 ||
            self->slots [i].key [len] != '\0'))
        i = (i + 1) & mask;
    return &self->slots [i];
}

//  Items stored under KEY (LEN bytes); NULL and *COUNT_P 0 when none.
static const size_t *
s_index_find (const s_index_t *self, const char *key, size_t len, size_t *count_p)
{
    const s_slot_t *slot = s_index_slot (self, key, len, s_hash (key, len));
    *count_p = slot->key ? slot->count : 0;
    return slot->key ? slot->items : NULL;
}

static void
s_index_add (s_index_t *self, const char *key, size_t item)
{
    if ((self->count + 1) * 2 > self->cap) {
        s_index_t bigger;
        s_index_init (&bigger, self->cap * 2);
        for (size_t i = 0; i < self->cap; i++)
            if (self->slots [i].key)
                *s_index_slot (&bigger, self->slots [i].key, strlen (self->slots [i].key),
                               self->slots [i].hash) = self->slots [i];
        bigger.count = self->count;
        free (self->slots);
        *self = bigger;
    }
    size_t len = strlen (key);
    uint64_t hash = s_hash (key, len);
    s_slot_t *slot = s_index_slot (self, key, len, hash);
    if (!slot->key) {
        slot->key = pw_strdup (key);
        slot->hash = hash;
        self->count++;
    }
    slot->items = pw_realloc (slot->items, (slot->count + 1) * sizeof (size_t));
    slot->items [slot->count++] = item;
}

//  --------------------------------------------------------------------------
//  Definitions

typedef struct {
    bool set;
    char **values; //  one for scalars and bools
    size_t count;
} s_value_t;

typedef struct {
    char *name;
    s_value_t values [PW_SETTING_COUNT];
} s_policy_t;

typedef struct {
    size_t policy;
    pw_level_t level;
    char *target; //  display form, NULL at tenant level
    const pw_view_t *view;
    int priority;
    size_t order;
    int rank; //  specificity: level, then group depth
} s_assignment_t;

struct _pw_settings_t {
    s_policy_t *policies;
    size_t policy_count;
    s_index_t policy_names; //  name -> policy
    s_assignment_t *assignments;
    size_t assignment_count;
    size_t *tenant; //  tenant-level assignments
    size_t tenant_count;
    s_index_t targets; //  "O" org, "G" org \x1f group, "A" hostname -> assignments
};

#define S_KEY_SEP '\x1f'

static int
s_fail (char **error_p, char *message)
{
    if (error_p)
        *error_p = message;
    else
        free (message);
    return -1;
}

pw_settings_t *
pw_settings_new (void)
{
    pw_settings_t *self = pw_calloc (1, sizeof (pw_settings_t));
    s_index_init (&self->policy_names, 64);
    s_index_init (&self->targets, 256);
    return self;
}

static void
s_value_clear (s_value_t *value)
{
    for (size_t i = 0; i < value->count; i++)
        free (value->values [i]);
    free (value->values);
    memset (value, 0, sizeof (*value));
}

void
pw_settings_destroy (pw_settings_t **self_p)
{
    assert (self_p);
    pw_settings_t *self = *self_p;
    if (!self)
        return;
    for (size_t p = 0; p < self->policy_count; p++) {
        for (int s = 0; s < PW_SETTING_COUNT; s++)
            s_value_clear (&self->policies [p].values [s]);
        free (self->policies [p].name);
    }
    for (size_t a = 0; a < self->assignment_count; a++)
        free (self->assignments [a].target);
    free (self->policies);
    free (self->assignments);
    free (self->tenant);
    s_index_free (&self->policy_names);
    s_index_free (&self->targets);
    free (self);
    *self_p = NULL;
}

static long
s_policy_find (const pw_settings_t *self, const char *name)
{
    if (!name)
        return -1;
    size_t count;
    const size_t *items = s_index_find (&self->policy_names, name, strlen (name), &count);
    return count ? (long)items [0] : -1;
}

int
pw_settings_add_policy (pw_settings_t *self, const char *name, char **error_p)
{
    assert (self);
    if (!name || !*name)
        return s_fail (error_p, pw_strdup ("system policy without a name"));
    if (s_policy_find (self, name) >= 0)
        return s_fail (error_p, pw_sprintf ("system policy %s is already defined", name));
    self->policies = pw_realloc (self->policies, (self->policy_count + 1) * sizeof (s_policy_t));
    s_policy_t *policy = &self->policies [self->policy_count];
    memset (policy, 0, sizeof (*policy));
    policy->name = pw_strdup (name);
    s_index_add (&self->policy_names, name, self->policy_count);
    self->policy_count++;
    return 0;
}

//  Finds the policy and setting for a set call and checks the kind fits.
static s_value_t *
s_value_for (pw_settings_t *self, const char *policy, const char *name, bool list,
             pw_setting_t *setting_p, char **error_p)
{
    long p = s_policy_find (self, policy);
    if (p < 0) {
        s_fail (error_p, pw_sprintf ("unknown system policy %s", policy ? policy : "(none)"));
        return NULL;
    }
    if (pw_setting_parse (name, setting_p) != 0) {
        s_fail (error_p, pw_sprintf ("system policy %s: unknown setting %s", policy,
                                     name ? name : "(none)"));
        return NULL;
    }
    pw_setting_kind_t kind = s_settings [*setting_p].kind;
    bool is_list = s_is_set_kind (kind) || kind == PW_SETTING_KIND_SCALAR_LIST;
    if (list != is_list) {
        s_fail (error_p, pw_sprintf ("system policy %s: setting %s takes %s", policy, name,
                                     is_list ? "a list of values" : "a single value"));
        return NULL;
    }
    return &self->policies [p].values [*setting_p];
}

int
pw_settings_set (pw_settings_t *self, const char *policy, const char *setting, const char *value,
                 char **error_p)
{
    assert (self);
    pw_setting_t which;
    s_value_t *slot = s_value_for (self, policy, setting, false, &which, error_p);
    if (!slot)
        return -1;
    if (!value || !*value)
        return s_fail (error_p,
                       pw_sprintf ("system policy %s: setting %s: empty value", policy, setting));
    if (s_settings [which].kind == PW_SETTING_KIND_BOOL && strcmp (value, "true") != 0 &&
        strcmp (value, "false") != 0)
        return s_fail (error_p, pw_sprintf ("system policy %s: setting %s: expected true or "
                                            "false, found \"%s\"",
                                            policy, setting, value));
    s_value_clear (slot);
    slot->set = true;
    slot->values = pw_malloc (sizeof (char *));
    slot->values [0] = pw_strdup (value);
    slot->count = 1;
    return 0;
}

int
pw_settings_set_list (pw_settings_t *self, const char *policy, const char *setting,
                      const char *const *values, size_t count, char **error_p)
{
    assert (self);
    assert (values || count == 0);
    pw_setting_t which;
    s_value_t *slot = s_value_for (self, policy, setting, true, &which, error_p);
    if (!slot)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (!values [i] || !*values [i])
            return s_fail (error_p, pw_sprintf ("system policy %s: setting %s: value %zu is "
                                                "empty",
                                                policy, setting, i + 1));
    s_value_clear (slot);
    slot->set = true;
    slot->values = pw_calloc (count, sizeof (char *));
    for (size_t i = 0; i < count; i++)
        slot->values [i] = pw_strdup (values [i]);
    slot->count = count;
    return 0;
}

static bool
s_has_text (const char *text)
{
    return text && *text;
}

//  Checks a dotted group path: no empty part, no blanks.
static bool
s_group_path_ok (const char *path)
{
    if (!s_has_text (path) || *path == '.')
        return false;
    for (const char *p = path; *p; p++) {
        if (isspace ((unsigned char)*p))
            return false;
        if (*p == '.' && (p [1] == '.' || p [1] == '\0'))
            return false;
    }
    return true;
}

static void
s_key_hostname (pw_strbuf_t *key, const char *hostname)
{
    pw_strbuf_reset (key);
    pw_strbuf_append (key, "A");
    size_t start = key->len;
    pw_strbuf_append (key, hostname);
    for (size_t i = start; i < key->len; i++)
        key->data [i] = (char)tolower ((unsigned char)key->data [i]);
}

static void
s_key_group (pw_strbuf_t *key, const char *org, const char *group, size_t group_len)
{
    pw_strbuf_reset (key);
    pw_strbuf_append (key, "G");
    pw_strbuf_append (key, org);
    pw_strbuf_append_len (key, "\x1f", 1);
    pw_strbuf_append_len (key, group, group_len);
}

static void
s_key_org (pw_strbuf_t *key, const char *org)
{
    pw_strbuf_reset (key);
    pw_strbuf_append (key, "O");
    pw_strbuf_append (key, org);
}

long
pw_settings_assign (pw_settings_t *self, const pw_assignment_t *def, char **error_p)
{
    assert (self && def);
    long p = s_policy_find (self, def->policy);
    if (p < 0)
        return s_fail (error_p, pw_sprintf ("assignment: unknown system policy %s",
                                            def->policy ? def->policy : "(none)"));
    const char *name = def->policy;
    int depth = 0;
    switch (def->level) {
        case PW_LEVEL_TENANT:
            if (def->org || def->group || def->hostname)
                return s_fail (error_p, pw_sprintf ("assignment of %s: the tenant level takes "
                                                    "no org, group or agent",
                                                    name));
            break;
        case PW_LEVEL_ORG:
            if (!s_has_text (def->org))
                return s_fail (error_p,
                               pw_sprintf ("assignment of %s: org level needs an org", name));
            if (def->group || def->hostname)
                return s_fail (error_p, pw_sprintf ("assignment of %s: org level takes no group "
                                                    "or agent",
                                                    name));
            break;
        case PW_LEVEL_GROUP:
            if (!s_has_text (def->org))
                return s_fail (error_p,
                               pw_sprintf ("assignment of %s: group level needs an org", name));
            if (!s_group_path_ok (def->group))
                return s_fail (error_p, pw_sprintf ("assignment of %s: group path \"%s\" is not a "
                                                    "dotted path like servers.sql",
                                                    name, def->group ? def->group : ""));
            if (def->hostname)
                return s_fail (error_p, pw_sprintf ("assignment of %s: group level takes no "
                                                    "agent",
                                                    name));
            depth = 1;
            for (const char *c = def->group; *c; c++)
                depth += *c == '.';
            if (depth > 255)
                return s_fail (error_p, pw_sprintf ("assignment of %s: group path is deeper "
                                                    "than 255",
                                                    name));
            break;
        case PW_LEVEL_AGENT:
            if (!s_has_text (def->hostname))
                return s_fail (error_p, pw_sprintf ("assignment of %s: agent level needs a "
                                                    "hostname",
                                                    name));
            if (def->org || def->group)
                return s_fail (error_p, pw_sprintf ("assignment of %s: agent level takes the "
                                                    "hostname only",
                                                    name));
            break;
        default:
            return s_fail (error_p, pw_sprintf ("assignment of %s: level %d out of range", name,
                                                (int)def->level));
    }

    size_t order = self->assignment_count;
    self->assignments = pw_realloc (self->assignments, (order + 1) * sizeof (s_assignment_t));
    s_assignment_t *assignment = &self->assignments [order];
    *assignment = (s_assignment_t){(size_t)p,
                                   def->level,
                                   NULL,
                                   def->view,
                                   def->priority,
                                   order,
                                   (int)def->level * 256 + depth};
    self->assignment_count++;

    pw_strbuf_t key;
    pw_strbuf_init (&key);
    switch (def->level) {
        case PW_LEVEL_TENANT:
            self->tenant = pw_realloc (self->tenant, (self->tenant_count + 1) * sizeof (size_t));
            self->tenant [self->tenant_count++] = order;
            break;
        case PW_LEVEL_ORG:
            assignment->target = pw_strdup (def->org);
            s_key_org (&key, def->org);
            s_index_add (&self->targets, key.data, order);
            break;
        case PW_LEVEL_GROUP:
            assignment->target = pw_sprintf ("%s/%s", def->org, def->group);
            s_key_group (&key, def->org, def->group, strlen (def->group));
            s_index_add (&self->targets, key.data, order);
            break;
        case PW_LEVEL_AGENT:
            assignment->target = pw_strdup (def->hostname);
            s_key_hostname (&key, def->hostname);
            s_index_add (&self->targets, key.data, order);
            break;
    }
    pw_strbuf_free (&key);
    return (long)order;
}

size_t
pw_settings_policy_count (const pw_settings_t *self)
{
    assert (self);
    return self->policy_count;
}

size_t
pw_settings_assignment_count (const pw_settings_t *self)
{
    assert (self);
    return self->assignment_count;
}

//  --------------------------------------------------------------------------
//  Effective settings

//  Bump allocator for expanded templates; blocks are kept across resolves.
typedef struct {
    char **blocks;
    size_t *caps;
    size_t count;
    size_t current;
    size_t used;
} s_arena_t;

static void *
s_arena_alloc (s_arena_t *self, size_t size)
{
    size = (size + 7) & ~(size_t)7; //  keeps pointer arrays aligned
    while (self->current < self->count && self->used + size > self->caps [self->current]) {
        self->current++;
        self->used = 0;
    }
    if (self->current == self->count) {
        size_t cap = size > 4096 ? size : 4096;
        self->blocks = pw_realloc (self->blocks, (self->count + 1) * sizeof (char *));
        self->caps = pw_realloc (self->caps, (self->count + 1) * sizeof (size_t));
        self->blocks [self->count] = pw_malloc (cap);
        self->caps [self->count] = cap;
        self->count++;
        self->used = 0;
    }
    void *ptr = self->blocks [self->current] + self->used;
    self->used += size;
    return ptr;
}

typedef struct {
    pw_setting_member_t *items;
    const s_assignment_t **added; //  the strongest assignment that adds it
    size_t count;
    size_t cap;
} s_members_t;

typedef struct {
    bool set;
    pw_setting_source_t source;
    pw_setting_source_t *overridden;
    size_t overridden_count;
    size_t overridden_cap;
    s_members_t members;
    const char **names; //  sets: effective member names
    size_t name_count;
    size_t name_cap;
} s_result_t;

struct _pw_effective_t {
    const pw_agent_t *agent;
    s_result_t results [PW_SETTING_COUNT];
    const s_assignment_t **candidates; //  applying assignments, strongest first
    size_t candidate_count;
    size_t candidate_cap;
    pw_strbuf_t key;
    s_arena_t arena;
    const pw_settings_t *settings;
};

pw_effective_t *
pw_effective_new (void)
{
    pw_effective_t *self = pw_calloc (1, sizeof (pw_effective_t));
    pw_strbuf_init (&self->key);
    return self;
}

void
pw_effective_destroy (pw_effective_t **self_p)
{
    assert (self_p);
    pw_effective_t *self = *self_p;
    if (!self)
        return;
    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        s_result_t *result = &self->results [s];
        free (result->overridden);
        free (result->members.items);
        free (result->members.added);
        free (result->names);
    }
    free (self->candidates);
    for (size_t b = 0; b < self->arena.count; b++)
        free (self->arena.blocks [b]);
    free (self->arena.blocks);
    free (self->arena.caps);
    pw_strbuf_free (&self->key);
    free (self);
    *self_p = NULL;
}

static void
s_candidate_add (pw_effective_t *self, const s_assignment_t *assignment)
{
    if (assignment->view && !pw_view_match (assignment->view, self->agent))
        return;
    if (self->candidate_count == self->candidate_cap) {
        self->candidate_cap = self->candidate_cap ? self->candidate_cap * 2 : 16;
        self->candidates =
            pw_realloc (self->candidates, self->candidate_cap * sizeof (s_assignment_t *));
    }
    self->candidates [self->candidate_count++] = assignment;
}

static void
s_candidates_from (pw_effective_t *self, const pw_settings_t *settings, const size_t *items,
                   size_t count)
{
    for (size_t i = 0; i < count; i++)
        s_candidate_add (self, &settings->assignments [items [i]]);
}

//  True when A beats B: more specific, then lower priority, then earlier.
static bool
s_stronger (const s_assignment_t *a, const s_assignment_t *b)
{
    if (a->rank != b->rank)
        return a->rank > b->rank;
    if (a->priority != b->priority)
        return a->priority < b->priority;
    return a->order < b->order;
}

//  Expands `{cf.NAME}` references; returns TEXT itself when it has none,
//  NULL when a referenced field is missing or empty.
static const char *
s_expand (pw_effective_t *self, const char *text)
{
    const char *open = strstr (text, "{cf.");
    if (!open)
        return text;
    pw_strbuf_t *out = &self->key; //  scratch; copied to the arena below
    pw_strbuf_reset (out);
    const char *cursor = text;
    char name [256];
    while (open) {
        const char *close = strchr (open + 4, '}');
        size_t len = close ? (size_t)(close - open - 4) : 0;
        if (!close || len == 0 || len >= sizeof (name) || memchr (open + 4, '{', len)) {
            //  not a reference: keep the text as it is
            pw_strbuf_append_len (out, cursor, (size_t)(open + 4 - cursor));
            cursor = open + 4;
            open = strstr (cursor, "{cf.");
            continue;
        }
        memcpy (name, open + 4, len);
        name [len] = '\0';
        const char *value = pw_agent_cf (self->agent, name);
        if (!value || !*value)
            return NULL;
        pw_strbuf_append_len (out, cursor, (size_t)(open - cursor));
        pw_strbuf_append (out, value);
        cursor = close + 1;
        open = strstr (cursor, "{cf.");
    }
    pw_strbuf_append (out, cursor);
    char *copy = s_arena_alloc (&self->arena, out->len + 1);
    memcpy (copy, out->data, out->len + 1);
    return copy;
}

static pw_setting_source_t
s_source (const pw_settings_t *settings, const s_assignment_t *assignment)
{
    pw_setting_source_t source = {settings->policies [assignment->policy].name,
                                  assignment->level,
                                  assignment->target,
                                  assignment->view ? pw_view_text (assignment->view) : NULL,
                                  assignment->priority,
                                  assignment->order,
                                  NULL,
                                  NULL,
                                  0};
    return source;
}

//  Fills SOURCE's value from the policy's value of SETTING; false when a
//  template does not expand for this agent.
static bool
s_source_value (pw_effective_t *self, const s_value_t *value, pw_setting_kind_t kind,
                pw_setting_source_t *source)
{
    if (kind != PW_SETTING_KIND_SCALAR_LIST) {
        source->value = s_expand (self, value->values [0]);
        return source->value != NULL;
    }
    const char **values = s_arena_alloc (&self->arena, (value->count + 1) * sizeof (char *));
    for (size_t i = 0; i < value->count; i++) {
        values [i] = s_expand (self, value->values [i]);
        if (!values [i])
            return false;
    }
    source->values = values;
    source->value_count = value->count;
    return true;
}

static void
s_overridden_add (s_result_t *result, const pw_setting_source_t *source)
{
    if (result->overridden_count == result->overridden_cap) {
        result->overridden_cap = result->overridden_cap ? result->overridden_cap * 2 : 8;
        result->overridden =
            pw_realloc (result->overridden, result->overridden_cap * sizeof (pw_setting_source_t));
    }
    result->overridden [result->overridden_count++] = *source;
}

static void
s_resolve_scalar (pw_effective_t *self, pw_setting_t setting)
{
    const pw_settings_t *settings = self->settings;
    s_result_t *result = &self->results [setting];
    for (size_t c = 0; c < self->candidate_count; c++) {
        const s_assignment_t *assignment = self->candidates [c];
        const s_value_t *value = &settings->policies [assignment->policy].values [setting];
        if (!value->set)
            continue;
        pw_setting_source_t source = s_source (settings, assignment);
        if (!s_source_value (self, value, s_settings [setting].kind, &source))
            continue;
        if (!result->set) {
            result->set = true;
            result->source = source;
        } else
            s_overridden_add (result, &source);
    }
}

static void
s_member_add (pw_effective_t *self, s_members_t *members, const s_assignment_t *assignment,
              const char *name)
{
    size_t m = 0;
    while (m < members->count && strcmp (members->items [m].name, name) != 0)
        m++;
    if (m < members->count && !s_stronger (assignment, members->added [m]))
        return;
    if (m == members->count) {
        if (members->count == members->cap) {
            members->cap = members->cap ? members->cap * 2 : 8;
            members->items =
                pw_realloc (members->items, members->cap * sizeof (pw_setting_member_t));
            members->added = pw_realloc (members->added, members->cap * sizeof (s_assignment_t *));
        }
        members->count++;
    }
    pw_setting_member_t *member = &members->items [m];
    memset (member, 0, sizeof (*member));
    member->name = name;
    member->source = s_source (self->settings, assignment);
    member->source.value = name;
    members->added [m] = assignment;
}

//  Adds the members of SETTING over all candidates. Members are listed from
//  the most general level to the most specific, in assignment order inside
//  a level; each keeps the strongest assignment that added it as source.
static void
s_resolve_set (pw_effective_t *self, pw_setting_t setting)
{
    const pw_settings_t *settings = self->settings;
    s_result_t *result = &self->results [setting];
    const s_assignment_t **cands = self->candidates;
    //  The candidates are sorted strongest first, so ranks descend: walk
    //  the blocks of equal rank from the last, each block forwards.
    size_t end = self->candidate_count;
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && cands [start - 1]->rank == cands [end - 1]->rank)
            start--;
        for (size_t c = start; c < end; c++) {
            const s_value_t *value = &settings->policies [cands [c]->policy].values [setting];
            if (!value->set)
                continue;
            result->set = true;
            for (size_t v = 0; v < value->count; v++) {
                const char *name = s_expand (self, value->values [v]);
                if (name)
                    s_member_add (self, &result->members, cands [c], name);
            }
        }
        end = start;
    }
}

//  Takes out members added at the same or a more general level than a
//  removal of them.
static void
s_apply_removals (pw_effective_t *self, pw_setting_t setting, pw_setting_t removal)
{
    s_members_t *members = &self->results [setting].members;
    const s_members_t *removals = &self->results [removal].members;
    for (size_t r = 0; r < removals->count; r++) {
        for (size_t m = 0; m < members->count; m++) {
            if (strcmp (members->items [m].name, removals->items [r].name) != 0)
                continue;
            if (removals->added [r]->rank >= members->added [m]->rank) {
                members->items [m].removed = true;
                members->items [m].removed_by = removals->items [r].source;
            }
        }
    }
}

static void
s_collect_names (s_result_t *result)
{
    for (size_t m = 0; m < result->members.count; m++) {
        if (result->members.items [m].removed)
            continue;
        if (result->name_count == result->name_cap) {
            result->name_cap = result->name_cap ? result->name_cap * 2 : 8;
            result->names = pw_realloc (result->names, result->name_cap * sizeof (char *));
        }
        result->names [result->name_count++] = result->members.items [m].name;
    }
}

void
pw_settings_resolve (const pw_settings_t *settings, const pw_agent_t *agent, pw_effective_t *self)
{
    assert (settings && agent && self);
    assert (agent->org && agent->org->name);
    self->agent = agent;
    self->settings = settings;
    self->candidate_count = 0;
    self->arena.current = 0;
    self->arena.used = 0;
    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        s_result_t *result = &self->results [s];
        result->set = false;
        memset (&result->source, 0, sizeof (result->source));
        result->overridden_count = 0;
        result->members.count = 0;
        result->name_count = 0;
    }

    //  Candidates: tenant, org, each group on the path, the agent itself.
    s_candidates_from (self, settings, settings->tenant, settings->tenant_count);
    size_t count;
    const size_t *items;
    s_key_org (&self->key, agent->org->name);
    items = s_index_find (&settings->targets, self->key.data, self->key.len, &count);
    s_candidates_from (self, settings, items, count);
    const char *group = agent->group ? agent->group : "";
    for (const char *end = group; *group;) {
        end = strchr (end, '.');
        size_t len = end ? (size_t)(end - group) : strlen (group);
        s_key_group (&self->key, agent->org->name, group, len);
        items = s_index_find (&settings->targets, self->key.data, self->key.len, &count);
        s_candidates_from (self, settings, items, count);
        if (!end)
            break;
        end++;
    }
    if (agent->hostname) {
        s_key_hostname (&self->key, agent->hostname);
        items = s_index_find (&settings->targets, self->key.data, self->key.len, &count);
        s_candidates_from (self, settings, items, count);
    }

    //  Strongest first; the list is short, insertion sort is enough.
    const s_assignment_t **cands = self->candidates;
    for (size_t i = 1; i < self->candidate_count; i++) {
        const s_assignment_t *moving = cands [i];
        size_t j = i;
        for (; j > 0 && s_stronger (moving, cands [j - 1]); j--)
            cands [j] = cands [j - 1];
        cands [j] = moving;
    }

    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        if (s_is_set_kind (s_settings [s].kind))
            s_resolve_set (self, (pw_setting_t)s);
        else
            s_resolve_scalar (self, (pw_setting_t)s);
    }
    for (int s = 0; s < PW_SETTING_COUNT; s++)
        if (s_settings [s].kind == PW_SETTING_KIND_SET_REMOVAL)
            s_apply_removals (self, s_settings [s].removes, (pw_setting_t)s);
    for (int s = 0; s < PW_SETTING_COUNT; s++)
        if (s_is_set_kind (s_settings [s].kind))
            s_collect_names (&self->results [s]);
}

//  --------------------------------------------------------------------------
//  Accessors

static const s_result_t *
s_result (const pw_effective_t *self, pw_setting_t setting)
{
    assert (self);
    assert ((int)setting >= 0 && setting < PW_SETTING_COUNT);
    return &self->results [setting];
}

bool
pw_effective_is_set (const pw_effective_t *self, pw_setting_t setting)
{
    return s_result (self, setting)->set;
}

const char *
pw_effective_value (const pw_effective_t *self, pw_setting_t setting)
{
    const s_result_t *result = s_result (self, setting);
    pw_setting_kind_t kind = s_settings [setting].kind;
    if (!result->set || (kind != PW_SETTING_KIND_SCALAR && kind != PW_SETTING_KIND_BOOL))
        return NULL;
    return result->source.value;
}

size_t
pw_effective_list (const pw_effective_t *self, pw_setting_t setting, const char *const **values_p)
{
    const s_result_t *result = s_result (self, setting);
    assert (values_p);
    *values_p = NULL;
    pw_setting_kind_t kind = s_settings [setting].kind;
    if (s_is_set_kind (kind)) {
        *values_p = result->names;
        return result->name_count;
    }
    if (kind != PW_SETTING_KIND_SCALAR_LIST || !result->set)
        return 0;
    *values_p = result->source.values;
    return result->source.value_count;
}

const pw_setting_source_t *
pw_effective_source (const pw_effective_t *self, pw_setting_t setting)
{
    const s_result_t *result = s_result (self, setting);
    if (!result->set || s_is_set_kind (s_settings [setting].kind))
        return NULL;
    return &result->source;
}

size_t
pw_effective_overridden (const pw_effective_t *self, pw_setting_t setting,
                         const pw_setting_source_t **list_p)
{
    const s_result_t *result = s_result (self, setting);
    assert (list_p);
    *list_p = result->overridden;
    return result->overridden_count;
}

size_t
pw_effective_members (const pw_effective_t *self, pw_setting_t setting,
                      const pw_setting_member_t **members_p)
{
    const s_result_t *result = s_result (self, setting);
    assert (members_p);
    *members_p = result->members.items;
    return result->members.count;
}

bool
pw_effective_subscribed (const pw_effective_t *self)
{
    assert (self && self->agent);
    const char *value = pw_effective_value (self, PW_SETTING_SUBSCRIBED);
    return pw_agent_inventory_subscribed (self->agent) && (!value || strcmp (value, "true") == 0);
}

//  --------------------------------------------------------------------------
//  JSON

static void
s_json_value (pw_strbuf_t *out, pw_setting_kind_t kind, const pw_setting_source_t *source)
{
    if (kind == PW_SETTING_KIND_BOOL)
        pw_strbuf_append (out, strcmp (source->value, "true") == 0 ? "true" : "false");
    else if (kind == PW_SETTING_KIND_SCALAR_LIST) {
        pw_strbuf_append (out, "[");
        for (size_t i = 0; i < source->value_count; i++) {
            pw_strbuf_append (out, i ? ", " : "");
            pw_strbuf_append_json (out, source->values [i]);
        }
        pw_strbuf_append (out, "]");
    } else
        pw_strbuf_append_json (out, source->value);
}

static void
s_json_source (pw_strbuf_t *out, const pw_setting_source_t *source)
{
    pw_strbuf_append (out, "{\"policy\": ");
    pw_strbuf_append_json (out, source->policy);
    pw_strbuf_append (out, ", \"level\": ");
    pw_strbuf_append_json (out, pw_level_name (source->level));
    pw_strbuf_append (out, ", \"target\": ");
    pw_strbuf_append_json (out, source->target);
    pw_strbuf_append (out, ", \"view\": ");
    pw_strbuf_append_json (out, source->view);
    pw_strbuf_append (out, "}");
}

void
pw_effective_json (const pw_effective_t *self, pw_strbuf_t *out)
{
    assert (self && out);
    pw_strbuf_append (out, "{");
    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        const s_result_t *result = &self->results [s];
        pw_setting_kind_t kind = s_settings [s].kind;
        pw_strbuf_append (out, s ? ", " : "");
        pw_strbuf_append_json (out, s_settings [s].name);
        pw_strbuf_append (out, ": {\"value\": ");
        if (s_is_set_kind (kind)) {
            pw_strbuf_append (out, "[");
            for (size_t i = 0; i < result->name_count; i++) {
                pw_strbuf_append (out, i ? ", " : "");
                pw_strbuf_append_json (out, result->names [i]);
            }
            pw_strbuf_append (out, "], \"source\": null, \"members\": [");
            for (size_t m = 0; m < result->members.count; m++) {
                const pw_setting_member_t *member = &result->members.items [m];
                pw_strbuf_append (out, m ? ", {\"value\": " : "{\"value\": ");
                pw_strbuf_append_json (out, member->name);
                pw_strbuf_append (out, ", \"source\": ");
                s_json_source (out, &member->source);
                pw_strbuf_append (out, ", \"removed_by\": ");
                if (member->removed)
                    s_json_source (out, &member->removed_by);
                else
                    pw_strbuf_append (out, "null");
                pw_strbuf_append (out, "}");
            }
            pw_strbuf_append (out, "]");
        } else if (result->set) {
            s_json_value (out, kind, &result->source);
            pw_strbuf_append (out, ", \"source\": ");
            s_json_source (out, &result->source);
        } else
            pw_strbuf_append (out, "null, \"source\": null");
        pw_strbuf_append (out, ", \"overridden\": [");
        for (size_t o = 0; o < result->overridden_count; o++) {
            const pw_setting_source_t *source = &result->overridden [o];
            pw_strbuf_append (out, o ? ", {\"policy\": " : "{\"policy\": ");
            pw_strbuf_append_json (out, source->policy);
            pw_strbuf_append (out, ", \"level\": ");
            pw_strbuf_append_json (out, pw_level_name (source->level));
            pw_strbuf_append (out, ", \"target\": ");
            pw_strbuf_append_json (out, source->target);
            pw_strbuf_append (out, ", \"value\": ");
            s_json_value (out, kind, source);
            pw_strbuf_append (out, "}");
        }
        pw_strbuf_append (out, "]}");
    }
    pw_strbuf_append (out, "}");
}
