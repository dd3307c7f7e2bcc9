/*  policy_tenant - building, resolving and explaining one tenant.

    Results of a resolve live in a results arena that is replaced on the next
    full resolve; change marks compare each agent's new results with the old
    ones (a digest for settings, field by field for statuses), so only what
    changed is written back to the store.
*/
#include "policy_tenant.h"

#include "pw_sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

//  A status as kept: 16 bytes per scan entry (a tenant of 50,000 agents has
//  4 million); policy and rule are indexes into the tenant's table of names
//  (0 = none), equal names having equal indexes.
typedef struct {
    int64_t until;
    uint16_t policy, rule;
    uint8_t status, kind;
} s_status_t;

struct _policy_tenant_t {
    char *name;
    int64_t version;
    policy_inventory_t *inventory;
    policy_config_t *config;
    pw_view_t **views; //  compiled, same order as config->views
    pw_settings_t *settings;
    pw_approval_t *approval;
    pw_arena_t *results_arena;
    policy_agent_result_t *results;
    s_status_t *statuses;
    const char **names; //  names [0] = NULL
    size_t name_count, name_cap;
    const char **name_keys; //  open addressing by pointer: name -> index
    uint16_t *name_values;
    size_t name_slots, name_used;
    bool *settings_changed;
    bool *statuses_changed;
    uint8_t *entries_changed; //  per scan entry, since the last clear
    //  The same entries as a list, while there are few (a decision): kept
    //  up to S_LISTED_MAX entries, then given up until the next clear
    uint32_t *listed;
    size_t listed_count, listed_cap;
    bool listed_over;
    bool *profiles_changed;
    bool store_empty;
    //  Profile ids by key, so each distinct key is hashed once: open
    //  addressing on the key's FNV-1a.
    char **profile_keys;
    uint64_t *profile_fnv;
    int64_t *profile_ids;
    size_t profile_slots, profile_used;
    bool resolved;
    //  Inverted index: scan entries per patch, built on first need.
    uint32_t *by_patch_off;
    uint32_t *by_patch_entry;
    uint32_t *entry_agent;
    //  Per scan entry with a status: the first entry of its (profile,
    //  patch) in the last resolution, which stands for the key
    uint32_t *entry_leader;
    size_t row_budget;    //  cells of direct rows of keys in a resolution
    bool settings_staged; //  every agent's settings are staged for the next write
};

static const char *s_scan_states [] = {"missing", "failed", "pending_reboot", "installed",
                                       "not_applicable"};

const char *
policy_scan_state_name (policy_scan_state_t state)
{
    return (unsigned)state < 5 ? s_scan_states [state] : "unknown";
}

policy_inventory_t *
policy_inventory_new (void)
{
    policy_inventory_t *self = pw_calloc (1, sizeof *self);
    self->arena = pw_arena_new ();
    return self;
}

void
policy_inventory_destroy (policy_inventory_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_arena_destroy (&(*self_p)->arena);
    free (*self_p);
    *self_p = NULL;
}

static int
s_compile (policy_tenant_t *self, char **error_p)
{
    const policy_config_t *config = self->config;
    self->views = pw_calloc (config->view_count + 1, sizeof (pw_view_t *));
    for (size_t i = 0; i < config->view_count; i++) {
        char *error = NULL;
        self->views [i] = pw_view_compile (config->views [i].filter, &error);
        if (!self->views [i]) {
            *error_p = pw_sprintf ("view %s: %s", config->views [i].name, error);
            free (error);
            return -1;
        }
    }
    self->settings = pw_settings_new ();
    for (size_t i = 0; i < config->system_policy_count; i++) {
        const policy_system_policy_t *policy = &config->system_policies [i];
        if (pw_settings_add_policy (self->settings, policy->name, error_p))
            return -1;
        for (size_t s = 0; s < policy->setting_count; s++) {
            const policy_setting_value_t *value = &policy->settings [s];
            const char *name = pw_setting_info (value->setting)->name;
            int rc = value->list ? pw_settings_set_list (self->settings, policy->name, name,
                                                         value->values, value->count, error_p)
                                 : pw_settings_set (self->settings, policy->name, name,
                                                    value->values [0], error_p);
            if (rc)
                return -1;
        }
    }
    for (size_t i = 0; i < config->assignment_count; i++) {
        const policy_assignment_t *in = &config->assignments [i];
        pw_assignment_t assignment = {.policy = in->policy,
                                      .level = in->level,
                                      .org = in->org,
                                      .group = in->group,
                                      .hostname = in->hostname,
                                      .priority = in->priority};
        if (in->view) {
            for (size_t v = 0; v < config->view_count; v++)
                if (strcmp (config->views [v].name, in->view) == 0)
                    assignment.view = self->views [v];
            if (!assignment.view) {
                *error_p = pw_sprintf ("assignment %zu: unknown view \"%s\"", i, in->view);
                return -1;
            }
        }
        if (pw_settings_assign (self->settings, &assignment, error_p) < 0)
            return -1;
    }
    const policy_inventory_t *inv = self->inventory;
    self->approval = pw_approval_new (inv->patches, inv->patch_count, error_p);
    if (!self->approval)
        return -1;
    for (size_t i = 0; i < config->patch_policy_count; i++)
        if (pw_approval_set_policy (self->approval, &config->patch_policies [i].policy, NULL,
                                    error_p) < 0)
            return -1;
    //  Overrides and decisions for KBs not in the catalogue (yet) are kept
    //  in the store and take effect once the catalogue has them.
    for (size_t i = 0; i < config->override_count; i++) {
        char *ignored = NULL;
        pw_approval_set_override (self->approval, config->overrides [i].kb,
                                  config->overrides [i].action, config->overrides [i].note, NULL,
                                  &ignored);
        free (ignored);
    }
    for (size_t i = 0; i < config->decision_count; i++) {
        char *ignored = NULL;
        pw_approval_set_decision (self->approval, config->decisions [i].policy,
                                  config->decisions [i].kb, config->decisions [i].action, NULL,
                                  &ignored);
        free (ignored);
    }
    return 0;
}

policy_tenant_t *
policy_tenant_new (const char *tenant, policy_inventory_t **inventory_p, policy_config_t **config_p,
                   char **error_p)
{
    *error_p = NULL;
    policy_tenant_t *self = pw_calloc (1, sizeof *self);
    self->name = pw_strdup (tenant);
    self->inventory = *inventory_p;
    self->config = *config_p;
    *inventory_p = NULL;
    *config_p = NULL;
    if (s_compile (self, error_p)) {
        policy_tenant_destroy (&self);
        return NULL;
    }
    size_t agents = self->inventory->agent_count;
    self->results = pw_calloc (agents + 1, sizeof (policy_agent_result_t));
    self->statuses = pw_calloc (self->inventory->scan_count + 1, sizeof (s_status_t));
    self->name_cap = 64;
    self->names = pw_calloc (self->name_cap, sizeof (char *));
    self->name_count = 1;
    self->name_slots = 256;
    self->name_keys = pw_calloc (self->name_slots, sizeof (char *));
    self->name_values = pw_calloc (self->name_slots, sizeof (uint16_t));
    self->settings_changed = pw_calloc (agents + 1, sizeof (bool));
    self->statuses_changed = pw_calloc (agents + 1, sizeof (bool));
    self->entries_changed = pw_calloc (self->inventory->scan_count + 1, 1);
    self->entry_leader = pw_calloc (self->inventory->scan_count + 1, sizeof (uint32_t));
    self->row_budget = POLICY_ROW_BUDGET;
    self->profiles_changed = pw_calloc (agents + 1, sizeof (bool));
    return self;
}

void
policy_tenant_destroy (policy_tenant_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    policy_tenant_t *self = *self_p;
    if (self->views && self->config)
        for (size_t i = 0; i < self->config->view_count; i++)
            pw_view_destroy (&self->views [i]);
    free (self->views);
    pw_settings_destroy (&self->settings);
    pw_approval_destroy (&self->approval);
    pw_arena_destroy (&self->results_arena);
    free (self->results);
    free (self->statuses);
    free (self->names);
    free (self->name_keys);
    free (self->name_values);
    free (self->settings_changed);
    free (self->statuses_changed);
    free (self->entries_changed);
    free (self->listed);
    free (self->profiles_changed);
    for (size_t i = 0; i < self->profile_slots; i++)
        free (self->profile_keys [i]);
    free (self->profile_keys);
    free (self->profile_fnv);
    free (self->profile_ids);
    free (self->by_patch_off);
    free (self->by_patch_entry);
    free (self->entry_agent);
    free (self->entry_leader);
    policy_inventory_destroy (&self->inventory);
    policy_config_destroy (&self->config);
    free (self->name);
    free (self);
    *self_p = NULL;
}

//  FNV-1a over a string, NUL included so "a","b" differs from "ab","".
static uint64_t
s_hash (uint64_t hash, const char *text)
{
    if (!text)
        return (hash ^ 0xff) * 0x100000001b3ULL;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        hash = (hash ^ *p) * 0x100000001b3ULL;
        if (!*p)
            break;
    }
    return hash;
}

static const char *const *
s_copy_list (pw_arena_t *arena, const char *const *values, size_t count)
{
    const char **copy = pw_arena_alloc (arena, sizeof (char *) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        copy [i] = pw_arena_strdup (arena, values [i]);
    return copy;
}

//  --- status profiles -------------------------------------------------------

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

//  Appends ITEMS (COUNT, sorted) to OUT without repeats, joined by U+001F.
static void
s_key_items (pw_strbuf_t *out, const char **items, size_t count)
{
    qsort (items, count, sizeof (char *), s_strcmp_p);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp (items [i], items [i - 1]) == 0)
            continue;
        if (i > 0)
            pw_strbuf_append_len (out, "\x1f", 1);
        pw_strbuf_append (out, items [i]);
    }
}

void
policy_profile_key (bool subscribed, const char *const *policies, size_t policy_count,
                    const char *const *ignored, size_t ignored_count, pw_strbuf_t *out)
{
    if (!subscribed) {
        pw_strbuf_append (out, "unsubscribed");
        return;
    }
    pw_strbuf_append (out, "subscribed\x1e");
    const char **items = pw_calloc (policy_count + ignored_count + 1, sizeof (char *));
    if (policy_count)
        memcpy (items, policies, policy_count * sizeof (char *));
    s_key_items (out, items, policy_count);
    pw_strbuf_append_len (out, "\x1e", 1);
    for (size_t i = 0; i < ignored_count; i++) {
        char *lower = pw_strdup (ignored [i]);
        for (char *c = lower; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        items [i] = lower;
    }
    s_key_items (out, items, ignored_count);
    for (size_t i = 0; i < ignored_count; i++)
        free ((char *)items [i]);
    free (items);
}

int64_t
policy_profile_id (const char *key, size_t len)
{
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256 (key, len, digest);
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | digest [i];
    return (int64_t)id;
}

static uint64_t
s_fnv (const char *data, size_t len)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char)data [i]) * 0x100000001b3ULL;
    return hash;
}

static size_t
s_profile_slot (const policy_tenant_t *self, const char *key, uint64_t fnv)
{
    size_t mask = self->profile_slots - 1;
    size_t slot = (size_t)fnv & mask;
    while (self->profile_keys [slot] &&
           (self->profile_fnv [slot] != fnv || strcmp (self->profile_keys [slot], key) != 0))
        slot = (slot + 1) & mask;
    return slot;
}

//  The profile id of agent INDEX resolved as RESULT; KEY is scratch.
static int64_t
s_profile (policy_tenant_t *self, const policy_agent_result_t *result, size_t index,
           pw_strbuf_t *key)
{
    const char *names [64];
    const char **policies =
        result->policy_count <= 64 ? names : pw_calloc (result->policy_count, sizeof (char *));
    for (size_t i = 0; i < result->policy_count; i++)
        policies [i] = pw_approval_policy_name (self->approval, result->policies [i]);
    pw_strbuf_reset (key);
    policy_profile_key (result->subscribed, policies, result->policy_count,
                        self->inventory->ignored [index], self->inventory->ignored_count [index],
                        key);
    if (policies != names)
        free (policies);
    if ((self->profile_used + 1) * 2 > self->profile_slots) {
        char **keys = self->profile_keys;
        uint64_t *fnv = self->profile_fnv;
        int64_t *ids = self->profile_ids;
        size_t slots = self->profile_slots;
        self->profile_slots = slots ? slots * 2 : 64;
        self->profile_keys = pw_calloc (self->profile_slots, sizeof (char *));
        self->profile_fnv = pw_calloc (self->profile_slots, sizeof (uint64_t));
        self->profile_ids = pw_calloc (self->profile_slots, sizeof (int64_t));
        for (size_t i = 0; i < slots; i++)
            if (keys [i]) {
                size_t at = s_profile_slot (self, keys [i], fnv [i]);
                self->profile_keys [at] = keys [i];
                self->profile_fnv [at] = fnv [i];
                self->profile_ids [at] = ids [i];
            }
        free (keys);
        free (fnv);
        free (ids);
    }
    uint64_t fnv = s_fnv (key->data, key->len);
    size_t slot = s_profile_slot (self, key->data, fnv);
    if (!self->profile_keys [slot]) {
        self->profile_keys [slot] = pw_strndup (key->data, key->len);
        self->profile_fnv [slot] = fnv;
        self->profile_ids [slot] = policy_profile_id (key->data, key->len);
        self->profile_used++;
    }
    return self->profile_ids [slot];
}

void
policy_keys_init (policy_keys_t *keys, size_t expected)
{
    keys->slots = 64;
    while (keys->slots < expected * 2)
        keys->slots *= 2;
    keys->profile = pw_calloc (keys->slots, sizeof (int64_t));
    keys->patch = pw_calloc (keys->slots, sizeof (uint32_t));
    keys->entry = pw_calloc (keys->slots, sizeof (uint32_t));
    keys->flag = pw_calloc (keys->slots, 1);
    keys->used = 0;
}

void
policy_keys_free (policy_keys_t *keys)
{
    free (keys->profile);
    free (keys->patch);
    free (keys->entry);
    free (keys->flag);
    memset (keys, 0, sizeof *keys);
}

size_t
policy_keys_slot (const policy_keys_t *keys, int64_t profile, uint32_t patch)
{
    uint64_t hash =
        ((uint64_t)profile ^ ((uint64_t)patch * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
    size_t mask = keys->slots - 1;
    size_t slot = (size_t)(hash >> 17) & mask;
    while (keys->entry [slot] && (keys->profile [slot] != profile || keys->patch [slot] != patch))
        slot = (slot + 1) & mask;
    return slot;
}

size_t
policy_keys_add (policy_keys_t *keys, int64_t profile, uint32_t patch, uint32_t entry,
                 bool *added_p)
{
    size_t slot = policy_keys_slot (keys, profile, patch);
    bool added = !keys->entry [slot];
    if (added && (keys->used + 1) * 2 > keys->slots) {
        policy_keys_t grown;
        policy_keys_init (&grown, keys->slots);
        for (size_t s = 0; s < keys->slots; s++)
            if (keys->entry [s]) {
                size_t at = policy_keys_slot (&grown, keys->profile [s], keys->patch [s]);
                grown.profile [at] = keys->profile [s];
                grown.patch [at] = keys->patch [s];
                grown.entry [at] = keys->entry [s];
                grown.flag [at] = keys->flag [s];
                grown.used++;
            }
        policy_keys_free (keys);
        *keys = grown;
        slot = policy_keys_slot (keys, profile, patch);
    }
    if (added) {
        keys->profile [slot] = profile;
        keys->patch [slot] = patch;
        keys->entry [slot] = entry + 1;
        keys->used++;
    }
    if (added_p)
        *added_p = added;
    return slot;
}

//  --- resolution ------------------------------------------------------------

static void
s_resolve_agent (policy_tenant_t *self, pw_effective_t *effective, size_t index, pw_arena_t *arena,
                 policy_agent_result_t *out)
{
    const pw_agent_t *agent = &self->inventory->agents [index];
    pw_settings_resolve (self->settings, agent, effective);
    memset (out, 0, sizeof *out);
    out->subscribed = pw_effective_subscribed (effective);
    const char *const *values;
    size_t count = pw_effective_list (effective, PW_SETTING_PATCH_POLICIES, &values);
    out->patch_policies = s_copy_list (arena, values, count);
    out->patch_policy_count = count;
    uint32_t *policies = pw_arena_alloc (arena, sizeof (uint32_t) * (count ? count : 1));
    for (size_t i = 0; i < count; i++) {
        int policy = pw_approval_policy_index (self->approval, values [i]);
        if (policy >= 0)
            policies [out->policy_count++] = (uint32_t)policy;
    }
    out->policies = policies;
    out->scan = pw_arena_strdup (arena, pw_effective_value (effective, PW_SETTING_SCAN));
    out->update_window =
        pw_arena_strdup (arena, pw_effective_value (effective, PW_SETTING_UPDATE_WINDOW));
    out->reboot = pw_arena_strdup (arena, pw_effective_value (effective, PW_SETTING_REBOOT));
    out->health_check =
        pw_arena_strdup (arena, pw_effective_value (effective, PW_SETTING_HEALTH_CHECK));
    out->manual_patching =
        pw_arena_strdup (arena, pw_effective_value (effective, PW_SETTING_MANUAL_PATCHING));
    out->has_pre_tasks = pw_effective_is_set (effective, PW_SETTING_PRE_TASKS);
    count = pw_effective_list (effective, PW_SETTING_PRE_TASKS, &values);
    out->pre_tasks = s_copy_list (arena, values, count);
    out->pre_task_count = count;
    out->has_post_tasks = pw_effective_is_set (effective, PW_SETTING_POST_TASKS);
    count = pw_effective_list (effective, PW_SETTING_POST_TASKS, &values);
    out->post_tasks = s_copy_list (arena, values, count);
    out->post_task_count = count;
    //  Every scalar candidate that lost on this agent: the audit's
    //  POLICY_OVERRIDDEN, so it is never silent.
    const char *lost [64];
    size_t lost_count = 0;
    for (int s = 0; s < PW_SETTING_COUNT; s++) {
        const pw_setting_source_t *list;
        size_t n = pw_effective_overridden (effective, (pw_setting_t)s, &list);
        for (size_t i = 0; i < n && lost_count < 64; i++) {
            char *text =
                pw_sprintf ("%s:%s", pw_setting_info ((pw_setting_t)s)->name, list [i].policy);
            lost [lost_count++] = pw_arena_strdup (arena, text);
            free (text);
        }
    }
    out->overridden = s_copy_list (arena, lost, lost_count);
    out->overridden_count = lost_count;

    uint64_t hash = 0xcbf29ce484222325ULL;
    hash = s_hash (hash, out->subscribed ? "1" : "0");
    for (size_t i = 0; i < out->patch_policy_count; i++)
        hash = s_hash (hash, out->patch_policies [i]);
    hash = s_hash (hash, "|");
    hash = s_hash (hash, out->scan);
    hash = s_hash (hash, out->update_window);
    hash = s_hash (hash, out->reboot);
    hash = s_hash (hash, out->health_check);
    hash = s_hash (hash, out->manual_patching);
    hash = s_hash (hash, out->has_pre_tasks ? "pre" : "");
    for (size_t i = 0; i < out->pre_task_count; i++)
        hash = s_hash (hash, out->pre_tasks [i]);
    hash = s_hash (hash, out->has_post_tasks ? "post" : "");
    for (size_t i = 0; i < out->post_task_count; i++)
        hash = s_hash (hash, out->post_tasks [i]);
    for (size_t i = 0; i < out->overridden_count; i++)
        hash = s_hash (hash, out->overridden [i]);
    out->digest = hash;
}

static void
s_agent_input (const policy_tenant_t *self, size_t agent, pw_approval_agent_t *in)
{
    const policy_agent_result_t *result = &self->results [agent];
    memset (in, 0, sizeof *in);
    in->subscribed = result->subscribed;
    in->policies = result->policies;
    in->policy_count = result->policy_count;
    in->ignore = self->inventory->ignored [agent];
    in->ignore_count = self->inventory->ignored_count [agent];
}

static size_t
s_name_slot (const policy_tenant_t *self, const char *name)
{
    size_t mask = self->name_slots - 1;
    size_t slot = (size_t)(((uintptr_t)name >> 3) * 0x9E3779B97F4A7C15ULL) & mask;
    while (self->name_keys [slot] && self->name_keys [slot] != name)
        slot = (slot + 1) & mask;
    return slot;
}

//  The index of NAME in the names table (0 for NULL), added on first sight.
//  Looked up by pointer (the approval's strings), then by content.
static uint16_t
s_name_index (policy_tenant_t *self, const char *name)
{
    if (!name)
        return 0;
    size_t slot = s_name_slot (self, name);
    if (self->name_keys [slot])
        return self->name_values [slot];
    size_t index = 1;
    while (index < self->name_count && strcmp (self->names [index], name) != 0)
        index++;
    if (index == self->name_count) {
        if (index > UINT16_MAX)
            return 0; //  never: names are policy and rule names
        if (self->name_count == self->name_cap) {
            self->name_cap *= 2;
            self->names = pw_realloc (self->names, self->name_cap * sizeof (char *));
        }
        self->names [self->name_count++] = name;
    }
    if ((self->name_used + 1) * 2 > self->name_slots) {
        const char **keys = self->name_keys;
        uint16_t *values = self->name_values;
        size_t slots = self->name_slots;
        self->name_slots *= 2;
        self->name_keys = pw_calloc (self->name_slots, sizeof (char *));
        self->name_values = pw_calloc (self->name_slots, sizeof (uint16_t));
        for (size_t i = 0; i < slots; i++)
            if (keys [i]) {
                size_t at = s_name_slot (self, keys [i]);
                self->name_keys [at] = keys [i];
                self->name_values [at] = values [i];
            }
        free (keys);
        free (values);
        slot = s_name_slot (self, name);
    }
    self->name_keys [slot] = name;
    self->name_values [slot] = (uint16_t)index;
    self->name_used++;
    return (uint16_t)index;
}

static bool
s_status_differs (const s_status_t *a, const s_status_t *b)
{
    return a->status != b->status || a->until != b->until || a->kind != b->kind ||
           a->policy != b->policy || a->rule != b->rule;
}

//  The most changed entries listed: beyond, the consumers scan every entry
//  (a resolution), which costs less than the list would.
static size_t
s_listed_max (const policy_tenant_t *self)
{
    return self->inventory->scan_count / 16 + 64;
}

//  Marks scan entry E changed, and lists it.
static void
s_mark_entry (policy_tenant_t *self, size_t e)
{
    if (self->entries_changed [e])
        return;
    self->entries_changed [e] = 1;
    if (self->listed_over)
        return;
    if (self->listed_count == s_listed_max (self)) {
        self->listed_over = true;
        return;
    }
    if (self->listed_count == self->listed_cap) {
        self->listed_cap = self->listed_cap ? self->listed_cap * 2 : 1024;
        self->listed = pw_realloc (self->listed, self->listed_cap * sizeof *self->listed);
    }
    self->listed [self->listed_count++] = (uint32_t)e;
}

//  Evaluates scan entry E of AGENT; true when the status changed.
static bool
s_evaluate_entry (policy_tenant_t *self, const pw_approval_agent_t *in, size_t entry, int64_t now)
{
    const policy_inventory_t *inv = self->inventory;
    if (inv->scan_state [entry] != POLICY_SCAN_MISSING &&
        inv->scan_state [entry] != POLICY_SCAN_FAILED)
        return false;
    pw_approval_result_t result;
    pw_approval_evaluate (self->approval, in, inv->scan_patch [entry], now, &result);
    s_status_t status = {.until = result.until,
                         .policy = s_name_index (self, result.policy),
                         .rule = s_name_index (self, result.rule),
                         .status = (uint8_t)result.status,
                         .kind = (uint8_t)result.kind};
    bool changed = !self->resolved || s_status_differs (&status, &self->statuses [entry]);
    self->statuses [entry] = status;
    if (changed)
        s_mark_entry (self, entry);
    return changed;
}

//  Gives scan entry E the status just evaluated for entry FROM (of an
//  agent with the same profile and patch); true when it changed.
static bool
s_take_status (policy_tenant_t *self, size_t from, size_t e)
{
    bool changed =
        !self->resolved || s_status_differs (&self->statuses [from], &self->statuses [e]);
    self->statuses [e] = self->statuses [from];
    if (changed)
        s_mark_entry (self, e);
    return changed;
}

//  Gives status entry E of AGENT its status once per (profile, patch): E
//  is evaluated when it is the key's first entry (LEADER == E), else takes
//  LEADER's status (every agent of a profile has the same). Marks the
//  agent when the status changed; true then.
static bool
s_evaluate_led (policy_tenant_t *self, size_t agent, size_t e, uint32_t leader, int64_t now)
{
    bool changed;
    if (leader == e) {
        pw_approval_agent_t in;
        s_agent_input (self, agent, &in);
        changed = s_evaluate_entry (self, &in, e, now);
    } else
        changed = s_take_status (self, leader, e);
    if (changed)
        self->statuses_changed [agent] = true;
    return changed;
}

//  Evaluates scan entry E of AGENT once per (profile, patch) in KEYS: the
//  first entry of a key is evaluated, the others of the profile take its
//  status. Entries without a status are left alone. With LEADERS, the
//  key's first entry is kept there for E.
static bool
s_evaluate_keyed (policy_tenant_t *self, policy_keys_t *keys, uint32_t *leaders, size_t agent,
                  size_t e, int64_t now)
{
    if (!policy_tenant_entry_has_status (self, e))
        return false;
    size_t slot = policy_keys_add (keys, self->results [agent].profile,
                                   self->inventory->scan_patch [e], (uint32_t)e, NULL);
    uint32_t leader = keys->entry [slot] - 1;
    if (leaders)
        leaders [e] = leader;
    return s_evaluate_led (self, agent, e, leader, now);
}

//  The first entries of a resolution's (profile, patch) keys as rows by
//  patch, one per profile (a direct lookup where the hash costs a probe of
//  three arrays per entry), while the rows hold at most BUDGET cells in
//  all (policy_tenant_set_row_budget): a profile first seen past that uses
//  the hash. Open addressing by profile id.
typedef struct {
    int64_t *ids;
    uint32_t **rows; //  per slot: first entry + 1 by patch; NULL: the hash's
    uint8_t *taken;
    size_t slots, used, cells, budget;
} s_rows_t;

static size_t
s_rows_slot (const s_rows_t *rows, int64_t profile)
{
    size_t mask = rows->slots - 1;
    size_t slot = (size_t)(((uint64_t)profile * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    while (rows->taken [slot] && rows->ids [slot] != profile)
        slot = (slot + 1) & mask;
    return slot;
}

//  PROFILE's row of PATCHES cells, or NULL when its keys go to the hash.
static uint32_t *
s_rows_find (s_rows_t *rows, int64_t profile, size_t patches)
{
    if ((rows->used + 1) * 2 > rows->slots) {
        s_rows_t grown = {.slots = rows->slots ? rows->slots * 2 : 64,
                          .cells = rows->cells,
                          .budget = rows->budget};
        grown.ids = pw_calloc (grown.slots, sizeof (int64_t));
        grown.rows = pw_calloc (grown.slots, sizeof (uint32_t *));
        grown.taken = pw_calloc (grown.slots, 1);
        for (size_t i = 0; i < rows->slots; i++)
            if (rows->taken [i]) {
                size_t at = s_rows_slot (&grown, rows->ids [i]);
                grown.ids [at] = rows->ids [i];
                grown.rows [at] = rows->rows [i];
                grown.taken [at] = 1;
                grown.used++;
            }
        free (rows->ids);
        free (rows->rows);
        free (rows->taken);
        *rows = grown;
    }
    size_t slot = s_rows_slot (rows, profile);
    if (!rows->taken [slot]) {
        rows->taken [slot] = 1;
        rows->ids [slot] = profile;
        rows->used++;
        if (rows->cells + patches <= rows->budget) {
            rows->rows [slot] = pw_calloc (patches + 1, sizeof (uint32_t));
            rows->cells += patches;
        }
    }
    return rows->rows [slot];
}

static void
s_rows_free (s_rows_t *rows)
{
    for (size_t i = 0; i < rows->slots; i++)
        free (rows->rows [i]);
    free (rows->ids);
    free (rows->rows);
    free (rows->taken);
}

void
policy_tenant_resolve (policy_tenant_t *self, int64_t now)
{
    policy_tenant_resolve_polling (self, now, NULL, NULL);
}

void
policy_tenant_resolve_polling (policy_tenant_t *self, int64_t now, policy_poll_fn *poll, void *arg)
{
    const policy_inventory_t *inv = self->inventory;
    pw_arena_t *arena = pw_arena_new ();
    pw_effective_t *effective = pw_effective_new ();
    pw_strbuf_t key;
    pw_strbuf_init (&key);
    policy_keys_t keys;
    policy_keys_init (&keys, 1024);
    s_rows_t rows = {.budget = self->row_budget};
    uint32_t *leaders = self->entry_leader;
    for (size_t a = 0; a < inv->agent_count; a++) {
        if (poll && a % 1024 == 0)
            poll (arg, a);
        policy_agent_result_t result;
        s_resolve_agent (self, effective, a, arena, &result);
        result.profile = s_profile (self, &result, a, &key);
        if (!self->resolved || result.digest != self->results [a].digest)
            self->settings_changed [a] = true;
        if (!self->resolved || result.profile != self->results [a].profile)
            self->profiles_changed [a] = true;
        self->results [a] = result;
        uint32_t *row = s_rows_find (&rows, result.profile, inv->patch_count);
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++) {
            if (!row) {
                s_evaluate_keyed (self, &keys, leaders, a, e, now);
                continue;
            }
            if (!policy_tenant_entry_has_status (self, e))
                continue;
            uint32_t *first = &row [inv->scan_patch [e]];
            if (!*first)
                *first = e + 1;
            leaders [e] = *first - 1;
            s_evaluate_led (self, a, e, leaders [e], now);
        }
    }
    if (poll)
        poll (arg, inv->agent_count);
    s_rows_free (&rows);
    policy_keys_free (&keys);
    pw_effective_destroy (&effective);
    pw_strbuf_free (&key);
    //  The old results were only needed for the comparison above.
    pw_arena_destroy (&self->results_arena);
    self->results_arena = arena;
    self->resolved = true;
}

static void
s_build_by_patch (policy_tenant_t *self)
{
    const policy_inventory_t *inv = self->inventory;
    self->by_patch_off = pw_calloc (inv->patch_count + 2, sizeof (uint32_t));
    self->by_patch_entry = pw_calloc (inv->scan_count + 1, sizeof (uint32_t));
    self->entry_agent = pw_calloc (inv->scan_count + 1, sizeof (uint32_t));
    for (size_t a = 0; a < inv->agent_count; a++)
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++) {
            self->entry_agent [e] = (uint32_t)a;
            self->by_patch_off [inv->scan_patch [e] + 1]++;
        }
    for (size_t p = 0; p < inv->patch_count; p++)
        self->by_patch_off [p + 1] += self->by_patch_off [p];
    uint32_t *fill = pw_calloc (inv->patch_count + 1, sizeof (uint32_t));
    for (size_t e = 0; e < inv->scan_count; e++) {
        uint32_t p = inv->scan_patch [e];
        self->by_patch_entry [self->by_patch_off [p] + fill [p]++] = (uint32_t)e;
    }
    free (fill);
}

size_t
policy_tenant_reevaluate (policy_tenant_t *self, const pw_approval_changes_t *changes, int64_t now)
{
    if (!self->resolved) {
        policy_tenant_resolve (self, now);
        return self->inventory->scan_count;
    }
    if (!self->by_patch_off)
        s_build_by_patch (self);
    size_t changed = 0;
    //  Each (profile, patch) is evaluated once, as in a resolution
    policy_keys_t keys;
    policy_keys_init (&keys, 256);
    for (size_t c = 0; c < changes->count; c++) {
        uint32_t policy = changes->cells [c].policy;
        uint32_t patch = changes->cells [c].patch;
        for (uint32_t i = self->by_patch_off [patch]; i < self->by_patch_off [patch + 1]; i++) {
            uint32_t entry = self->by_patch_entry [i];
            uint32_t agent = self->entry_agent [entry];
            const policy_agent_result_t *result = &self->results [agent];
            bool member = false;
            for (size_t m = 0; m < result->policy_count && !member; m++)
                member = result->policies [m] == policy;
            if (!member)
                continue;
            changed += s_evaluate_keyed (self, &keys, NULL, agent, entry, now);
        }
    }
    policy_keys_free (&keys);
    return changed;
}

const policy_inventory_t *
policy_tenant_inventory (const policy_tenant_t *self)
{
    return self->inventory;
}

const policy_config_t *
policy_tenant_config (const policy_tenant_t *self)
{
    return self->config;
}

pw_approval_t *
policy_tenant_approval (policy_tenant_t *self)
{
    return self->approval;
}

const char *
policy_tenant_name (const policy_tenant_t *self)
{
    return self->name;
}

const policy_agent_result_t *
policy_tenant_agent_result (const policy_tenant_t *self, size_t agent)
{
    return &self->results [agent];
}

void
policy_tenant_status (const policy_tenant_t *self, size_t entry, policy_status_t *status)
{
    const s_status_t *st = &self->statuses [entry];
    status->status = (pw_status_t)st->status;
    status->until = st->until;
    status->kind = (pw_provenance_t)st->kind;
    status->policy = self->names [st->policy];
    status->rule = self->names [st->rule];
}

long
policy_tenant_find_agent (const policy_tenant_t *self, const char *hostname)
{
    for (size_t a = 0; a < self->inventory->agent_count; a++)
        if (strcasecmp (self->inventory->agents [a].hostname, hostname) == 0)
            return (long)a;
    return -1;
}

const bool *
policy_tenant_settings_changed (const policy_tenant_t *self)
{
    return self->settings_changed;
}

const uint8_t *
policy_tenant_entries_changed (const policy_tenant_t *self)
{
    return self->entries_changed;
}

const uint32_t *
policy_tenant_changed_list (const policy_tenant_t *self, size_t *count_p)
{
    static const uint32_t none [1] = {0};
    *count_p = self->listed_over ? 0 : self->listed_count;
    return self->listed_over ? NULL : self->listed ? self->listed : none;
}

const bool *
policy_tenant_statuses_changed (const policy_tenant_t *self)
{
    return self->statuses_changed;
}

void
policy_tenant_clear_changes (policy_tenant_t *self)
{
    size_t agents = self->inventory->agent_count;
    memset (self->settings_changed, 0, agents * sizeof (bool));
    memset (self->statuses_changed, 0, agents * sizeof (bool));
    if (self->listed_over)
        memset (self->entries_changed, 0, self->inventory->scan_count);
    else
        for (size_t i = 0; i < self->listed_count; i++)
            self->entries_changed [self->listed [i]] = 0;
    self->listed_count = 0;
    self->listed_over = false;
    memset (self->profiles_changed, 0, agents * sizeof (bool));
}

void
policy_tenant_mark_entry (policy_tenant_t *self, size_t agent, size_t entry)
{
    const policy_inventory_t *inv = self->inventory;
    if (agent >= inv->agent_count || entry < inv->scan_off [agent] ||
        entry >= inv->scan_off [agent + 1])
        return;
    s_mark_entry (self, entry);
    self->statuses_changed [agent] = true;
}

bool
policy_tenant_settings_staged (const policy_tenant_t *self)
{
    return self->settings_staged;
}

void
policy_tenant_set_settings_staged (policy_tenant_t *self, bool staged)
{
    self->settings_staged = staged;
}

void
policy_tenant_set_row_budget (policy_tenant_t *self, size_t cells)
{
    self->row_budget = cells;
}

const uint32_t *
policy_tenant_entry_leaders (const policy_tenant_t *self)
{
    return self->entry_leader;
}

const bool *
policy_tenant_profiles_changed (const policy_tenant_t *self)
{
    return self->profiles_changed;
}

void
policy_tenant_mark_profile (policy_tenant_t *self, size_t agent)
{
    if (agent < self->inventory->agent_count)
        self->profiles_changed [agent] = true;
}

bool
policy_tenant_store_empty (const policy_tenant_t *self)
{
    return self->store_empty;
}

void
policy_tenant_set_store_empty (policy_tenant_t *self, bool empty)
{
    self->store_empty = empty;
}

size_t
policy_tenant_entry_agent (policy_tenant_t *self, size_t entry)
{
    if (!self->by_patch_off)
        s_build_by_patch (self);
    return self->entry_agent [entry];
}

bool
policy_tenant_entry_has_status (const policy_tenant_t *self, size_t entry)
{
    uint8_t state = self->inventory->scan_state [entry];
    return state == POLICY_SCAN_MISSING || state == POLICY_SCAN_FAILED;
}

void
policy_tenant_mark (policy_tenant_t *self, size_t agent, bool settings, bool statuses)
{
    if (agent >= self->inventory->agent_count)
        return;
    self->settings_changed [agent] |= settings;
    self->statuses_changed [agent] |= statuses;
}

int64_t
policy_tenant_version (const policy_tenant_t *self)
{
    return self->version;
}

void
policy_tenant_set_version (policy_tenant_t *self, int64_t version)
{
    self->version = version;
}

static void
s_time_json (pw_strbuf_t *out, int64_t when)
{
    if (!when) {
        pw_strbuf_append (out, "null");
        return;
    }
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r (&t, &tm);
    pw_strbuf_appendf (out, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
policy_tenant_explain (policy_tenant_t *self, size_t index, int64_t now, pw_strbuf_t *out)
{
    const policy_inventory_t *inv = self->inventory;
    const pw_agent_t *agent = &inv->agents [index];
    pw_effective_t *effective = pw_effective_new ();
    pw_settings_resolve (self->settings, agent, effective);
    pw_strbuf_append (out, "{\"agent\":");
    pw_strbuf_append_json (out, agent->hostname);
    pw_strbuf_append (out, ",\"org\":");
    pw_strbuf_append_json (out, agent->org->name);
    pw_strbuf_append (out, ",\"group\":");
    pw_strbuf_append_json (out, agent->group);
    pw_strbuf_appendf (
        out, ",\"class\":\"%s\",\"subscribed\":%s,\"settings\":", pw_class_name (agent->klass),
        pw_effective_subscribed (effective) ? "true" : "false");
    pw_effective_json (effective, out);
    pw_strbuf_append (out, ",\"patches\":[");
    //  Statuses are evaluated live, so explain is right even between a
    //  change and its write-back.
    policy_agent_result_t result;
    pw_arena_t *arena = pw_arena_new ();
    s_resolve_agent (self, effective, index, arena, &result);
    pw_approval_agent_t in = {.subscribed = result.subscribed,
                              .policies = result.policies,
                              .policy_count = result.policy_count,
                              .ignore = inv->ignored [index],
                              .ignore_count = inv->ignored_count [index]};
    bool first = true;
    for (uint32_t e = inv->scan_off [index]; e < inv->scan_off [index + 1]; e++) {
        if (inv->scan_state [e] != POLICY_SCAN_MISSING && inv->scan_state [e] != POLICY_SCAN_FAILED)
            continue;
        const pw_patch_t *patch = &inv->patches [inv->scan_patch [e]];
        pw_approval_result_t r;
        pw_approval_evaluate (self->approval, &in, inv->scan_patch [e], now, &r);
        pw_strbuf_append (out, first ? "{\"id\":" : ",{\"id\":");
        first = false;
        pw_strbuf_append_json (out, patch->id);
        pw_strbuf_append (out, ",\"kb\":");
        pw_strbuf_append_json (out, patch->kb);
        pw_strbuf_append (out, ",\"title\":");
        pw_strbuf_append_json (out, patch->title);
        pw_strbuf_appendf (
            out, ",\"classification\":\"%s\",\"scan_state\":\"%s\",\"status\":\"%s\",\"until\":",
            pw_classification_name (patch->classification),
            policy_scan_state_name ((policy_scan_state_t)inv->scan_state [e]),
            pw_status_name (r.status));
        s_time_json (out, r.status == PW_STATUS_DEFERRED ? r.until : 0);
        pw_strbuf_appendf (out,
                           ",\"source\":{\"kind\":\"%s\",\"policy\":", pw_provenance_name (r.kind));
        pw_strbuf_append_json (out, r.policy);
        pw_strbuf_append (out, ",\"rule\":");
        pw_strbuf_append_json (out, r.rule);
        if (r.note) {
            pw_strbuf_append (out, ",\"note\":");
            pw_strbuf_append_json (out, r.note);
        }
        pw_strbuf_append (out, "}}");
    }
    pw_strbuf_append (out, "]}");
    pw_arena_destroy (&arena);
    pw_effective_destroy (&effective);
}

pw_review_queue_t *
policy_tenant_review_queue (policy_tenant_t *self, int64_t now)
{
    const policy_inventory_t *inv = self->inventory;
    if (!self->resolved)
        policy_tenant_resolve (self, now);
    pw_approval_agent_t *agents = pw_calloc (inv->agent_count + 1, sizeof *agents);
    uint32_t *missing = pw_calloc (inv->scan_count + 1, sizeof (uint32_t));
    size_t at = 0;
    for (size_t a = 0; a < inv->agent_count; a++) {
        s_agent_input (self, a, &agents [a]);
        agents [a].missing = missing + at;
        for (uint32_t e = inv->scan_off [a]; e < inv->scan_off [a + 1]; e++)
            if (inv->scan_state [e] == POLICY_SCAN_MISSING)
                missing [at++] = inv->scan_patch [e];
        agents [a].missing_count = (size_t)(missing + at - agents [a].missing);
    }
    pw_review_queue_t *queue =
        pw_approval_review_queue (self->approval, agents, inv->agent_count, now);
    free (missing);
    free (agents);
    return queue;
}
