/*  pw_approval - the approval matrix: policy x patch cells with provenance.

    Each cell stores what section 2.1 resolved for it, independent of time:
    the action (approve / review / deny), for approve the moment it takes
    effect, and what produced it. Time enters only when a cell is read, so a
    deferral that expires needs no recomputation. KBs, row ids and policy
    names go through one small open-addressing hash table type, because the
    service resolves millions of (agent, patch) pairs per pass.
*/
#include "pw_approval.h"
#include "pw_util.h"

#include <assert.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_AFTER_DAYS 3650
#define S_DAY            86400
//  Cell rule codes: below S_RULE_CLASS a product rule index, then one code
//  per classification, then the default.
#define S_RULE_CLASS   0xF000u
#define S_RULE_DEFAULT 0xFFFFu
#define S_AT_ONCE      INT64_MIN

//  --------------------------------------------------------------------------
//  String -> index hash table; keys are borrowed from the context.

typedef struct {
    const char **keys;
    uint64_t *hashes; //  compared before the key, which saves most strcmp calls
    uint32_t *values;
    size_t cap; //  power of two, at least twice the count
    size_t count;
    bool casefold; //  ASCII case-insensitive keys (KBs: "kb5034441" is KB5034441)
} s_map_t;

static uint64_t
s_hash (const char *text, bool casefold)
{
    uint64_t hash = 1469598103934665603ull; //  FNV-1a
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        hash ^= casefold ? (unsigned char)tolower (*p) : *p;
        hash *= 1099511628211ull;
    }
    //  FNV's low bits are weak on keys that differ only at the end
    //  ("row-17", "row-18"); this mixer spreads them (murmur3 fmix64).
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return hash;
}

static void
s_map_init (s_map_t *self, size_t expected, bool casefold)
{
    self->casefold = casefold;
    self->cap = 16;
    while (self->cap < expected * 2 + 2)
        self->cap *= 2;
    self->keys = pw_calloc (self->cap, sizeof (char *));
    self->hashes = pw_calloc (self->cap, sizeof (uint64_t));
    self->values = pw_calloc (self->cap, sizeof (uint32_t));
    self->count = 0;
}

static void
s_map_free (s_map_t *self)
{
    free (self->keys);
    free (self->hashes);
    free (self->values);
    memset (self, 0, sizeof (*self));
}

//  Slot of KEY: where it is, or the empty slot where it belongs.
static size_t
s_map_slot (const s_map_t *self, const char *key, uint64_t hash)
{
    size_t mask = self->cap - 1;
    size_t slot = (size_t)hash & mask;
    while (self->keys [slot] &&
           (self->hashes [slot] != hash || (self->casefold ? strcasecmp (self->keys [slot], key)
                                                           : strcmp (self->keys [slot], key)) != 0))
        slot = (slot + 1) & mask;
    return slot;
}

static long
s_map_find (const s_map_t *self, const char *key)
{
    if (!key)
        return -1;
    size_t slot = s_map_slot (self, key, s_hash (key, self->casefold));
    return self->keys [slot] ? (long)self->values [slot] : -1;
}

static void s_map_put (s_map_t *self, const char *key, uint32_t value);

static void
s_map_grow (s_map_t *self)
{
    s_map_t bigger;
    s_map_init (&bigger, self->cap, self->casefold);
    for (size_t i = 0; i < self->cap; i++)
        if (self->keys [i])
            s_map_put (&bigger, self->keys [i], self->values [i]);
    s_map_free (self);
    *self = bigger;
}

//  Inserts or replaces KEY.
static void
s_map_put (s_map_t *self, const char *key, uint32_t value)
{
    if ((self->count + 1) * 2 > self->cap)
        s_map_grow (self);
    uint64_t hash = s_hash (key, self->casefold);
    size_t slot = s_map_slot (self, key, hash);
    if (!self->keys [slot]) {
        self->keys [slot] = key;
        self->hashes [slot] = hash;
        self->count++;
    }
    self->values [slot] = value;
}

//  --------------------------------------------------------------------------
//  Context

typedef struct {
    int64_t from;   //  approve: effective from this moment (S_AT_ONCE = always)
    uint8_t action; //  pw_action_t, never NONE once computed
    uint8_t kind;   //  pw_provenance_t
    uint16_t rule;  //  PW_PROVENANCE_RULE: which rule
} s_cell_t;

typedef struct {
    char *name;
    bool baseline;
    bool deny_superseded;
    pw_product_rule_t *product_rules; //  globs owned
    char **product_texts;             //  `product "Office*"`
    size_t product_rule_count;
    pw_rule_t classification_rules [PW_CLASSIFICATION_COUNT];
    pw_rule_t default_rule;
    uint8_t *decisions; //  pw_action_t per KB id
} s_policy_t;

typedef struct {
    const char *kb; //  borrowed from its first row
    uint32_t *rows;
    size_t row_count;
    uint8_t override; //  pw_action_t
    char *note;
    char *superseded_text; //  `superseded by KB...`, or NULL
} s_kb_t;

struct _pw_approval_t {
    pw_patch_t **patches;
    uint32_t *patch_kb; //  KB id of each row
    size_t patch_count;
    s_map_t patch_ids;
    s_kb_t *kbs;
    size_t kb_count;
    s_map_t kb_ids;
    s_policy_t *policies;
    size_t policy_count;
    s_map_t policy_ids;
    s_cell_t *cells; //  [policy * patch_count + patch]
};

static const char *const s_classification_texts [PW_CLASSIFICATION_COUNT] = {
    "classification critical",      "classification security",     "classification definition",
    "classification update_rollup", "classification service_pack", "classification feature_pack",
    "classification update",        "classification tool",         "classification driver",
    "classification upgrade",       "classification optional"};

static int
s_fail (char **error_p, char *message)
{
    if (error_p)
        *error_p = message;
    else
        free (message);
    return -1;
}

pw_approval_t *
pw_approval_new (const pw_patch_t *patches, size_t count, char **error_p)
{
    assert (patches || count == 0);
    if (count >= UINT32_MAX) {
        s_fail (error_p, pw_sprintf ("catalogue of %zu rows is too large", count));
        return NULL;
    }
    pw_approval_t *self = pw_calloc (1, sizeof (pw_approval_t));
    self->patches = pw_calloc (count, sizeof (pw_patch_t *));
    self->patch_kb = pw_calloc (count, sizeof (uint32_t));
    self->kbs = pw_calloc (count, sizeof (s_kb_t));
    s_map_init (&self->patch_ids, count, false);
    s_map_init (&self->kb_ids, count, true);
    s_map_init (&self->policy_ids, 16, false);

    for (size_t i = 0; i < count; i++) {
        if (pw_patch_validate (&patches [i], error_p) != 0)
            goto failed;
        if (s_map_find (&self->patch_ids, patches [i].id) >= 0) {
            s_fail (error_p,
                    pw_sprintf ("patch %s: duplicate id in the catalogue", patches [i].id));
            goto failed;
        }
        pw_patch_t *copy = pw_patch_dup (&patches [i]);
        self->patches [i] = copy;
        self->patch_count = i + 1;
        s_map_put (&self->patch_ids, copy->id, (uint32_t)i);

        long kb = s_map_find (&self->kb_ids, copy->kb);
        if (kb < 0) {
            kb = (long)self->kb_count++;
            self->kbs [kb].kb = copy->kb;
            s_map_put (&self->kb_ids, copy->kb, (uint32_t)kb);
        }
        s_kb_t *entry = &self->kbs [kb];
        entry->rows = pw_realloc (entry->rows, (entry->row_count + 1) * sizeof (uint32_t));
        entry->rows [entry->row_count++] = (uint32_t)i;
        self->patch_kb [i] = (uint32_t)kb;
    }

    //  The superseded set: a KB listed by a row of another KB. A row that
    //  lists its own KB is a data error we ignore rather than deny.
    for (size_t i = 0; i < self->patch_count; i++) {
        const pw_patch_t *patch = self->patches [i];
        for (size_t s = 0; s < patch->supersedes_count; s++) {
            long kb = s_map_find (&self->kb_ids, patch->supersedes [s]);
            if (kb < 0 || (uint32_t)kb == self->patch_kb [i] || self->kbs [kb].superseded_text)
                continue;
            self->kbs [kb].superseded_text = pw_sprintf ("superseded by %s", patch->kb);
        }
    }
    return self;

failed:
    pw_approval_destroy (&self);
    return NULL;
}

static void
s_policy_clear_rules (s_policy_t *policy)
{
    for (size_t r = 0; r < policy->product_rule_count; r++) {
        free ((char *)policy->product_rules [r].product);
        free (policy->product_texts [r]);
    }
    free (policy->product_rules);
    free (policy->product_texts);
    policy->product_rules = NULL;
    policy->product_texts = NULL;
    policy->product_rule_count = 0;
}

void
pw_approval_destroy (pw_approval_t **self_p)
{
    assert (self_p);
    pw_approval_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->patch_count; i++)
        pw_patch_destroy (&self->patches [i]);
    for (size_t k = 0; k < self->kb_count; k++) {
        free (self->kbs [k].rows);
        free (self->kbs [k].note);
        free (self->kbs [k].superseded_text);
    }
    for (size_t p = 0; p < self->policy_count; p++) {
        s_policy_clear_rules (&self->policies [p]);
        free (self->policies [p].name);
        free (self->policies [p].decisions);
    }
    free (self->patches);
    free (self->patch_kb);
    free (self->kbs);
    free (self->policies);
    free (self->cells);
    s_map_free (&self->patch_ids);
    s_map_free (&self->kb_ids);
    s_map_free (&self->policy_ids);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Cell resolution (section 2.1)

static s_cell_t
s_cell_from_rule (const pw_patch_t *patch, pw_rule_t rule, uint16_t code)
{
    s_cell_t cell = {S_AT_ONCE, (uint8_t)rule.action, PW_PROVENANCE_RULE, code};
    if (rule.action == PW_ACTION_NONE)
        cell.action = PW_ACTION_REVIEW; //  an unset default
    else if (rule.action == PW_ACTION_APPROVE && rule.after_days > 0) {
        int64_t delay = (int64_t)rule.after_days * S_DAY;
        cell.from = patch->released > INT64_MAX - delay ? INT64_MAX : patch->released + delay;
    }
    return cell;
}

static s_cell_t
s_compute_cell (const pw_approval_t *self, size_t p, size_t i)
{
    const s_policy_t *policy = &self->policies [p];
    const pw_patch_t *patch = self->patches [i];
    const s_kb_t *kb = &self->kbs [self->patch_kb [i]];
    s_cell_t cell = {S_AT_ONCE, 0, 0, 0};

    if (kb->override != PW_ACTION_NONE) {
        cell.action = kb->override;
        cell.kind = PW_PROVENANCE_OVERRIDE;
        return cell;
    }
    uint8_t decision = policy->decisions [self->patch_kb [i]];
    if (decision != PW_ACTION_NONE) {
        cell.action = decision;
        cell.kind = PW_PROVENANCE_DECISION;
        return cell;
    }
    if (policy->deny_superseded && kb->superseded_text) {
        cell.action = PW_ACTION_DENY;
        cell.kind = PW_PROVENANCE_SUPERSEDED;
        return cell;
    }
    for (size_t r = 0; r < policy->product_rule_count; r++)
        if (pw_patch_matches_product (patch, policy->product_rules [r].product))
            return s_cell_from_rule (patch, policy->product_rules [r].rule, (uint16_t)r);
    pw_rule_t rule = policy->classification_rules [patch->classification];
    if (rule.action != PW_ACTION_NONE)
        return s_cell_from_rule (patch, rule, (uint16_t)(S_RULE_CLASS + patch->classification));
    return s_cell_from_rule (patch, policy->default_rule, S_RULE_DEFAULT);
}

static void
s_changes_add (pw_approval_changes_t *changes, size_t p, size_t i)
{
    if (!changes)
        return;
    if (changes->count == changes->cap) {
        changes->cap = changes->cap ? changes->cap * 2 : 64;
        changes->cells = pw_realloc (changes->cells, changes->cap * sizeof (pw_cell_t));
    }
    changes->cells [changes->count++] = (pw_cell_t){(uint32_t)p, (uint32_t)i};
}

//  Recomputes one cell; a change is one that can alter its status at some
//  moment (action or effective date), not a provenance-only change.
static void
s_recompute (pw_approval_t *self, size_t p, size_t i, bool fresh, pw_approval_changes_t *changes)
{
    s_cell_t *cell = &self->cells [p * self->patch_count + i];
    s_cell_t next = s_compute_cell (self, p, i);
    if (fresh || next.action != cell->action || next.from != cell->from)
        s_changes_add (changes, p, i);
    *cell = next;
}

void
pw_approval_changes_free (pw_approval_changes_t *changes)
{
    if (!changes)
        return;
    free (changes->cells);
    memset (changes, 0, sizeof (*changes));
}

static int
s_check_rule (pw_rule_t rule, const char *policy, const char *what, char **error_p)
{
    if ((int)rule.action < PW_ACTION_NONE || rule.action > PW_ACTION_DENY)
        return s_fail (error_p, pw_sprintf ("policy %s: %s: action %d out of range", policy, what,
                                            (int)rule.action));
    if (rule.after_days < 0 || rule.after_days > S_MAX_AFTER_DAYS)
        return s_fail (error_p, pw_sprintf ("policy %s: %s: after_days %d is not between 0 and %d",
                                            policy, what, rule.after_days, S_MAX_AFTER_DAYS));
    if (rule.after_days > 0 && rule.action != PW_ACTION_APPROVE)
        return s_fail (error_p, pw_sprintf ("policy %s: %s: after_days applies only to approve",
                                            policy, what));
    return 0;
}

static int
s_check_policy (const pw_patch_policy_t *def, char **error_p)
{
    if (!def->name || !*def->name)
        return s_fail (error_p, pw_strdup ("patch policy without a name"));
    if (def->product_rule_count >= S_RULE_CLASS)
        return s_fail (error_p, pw_sprintf ("policy %s: too many product rules", def->name));
    if (def->product_rule_count && !def->product_rules)
        return s_fail (error_p, pw_sprintf ("policy %s: product rules missing", def->name));
    for (size_t r = 0; r < def->product_rule_count; r++) {
        const pw_product_rule_t *rule = &def->product_rules [r];
        char what [64];
        snprintf (what, sizeof (what), "product rule %zu", r + 1);
        if (!rule->product || !*rule->product)
            return s_fail (error_p,
                           pw_sprintf ("policy %s: %s: empty product glob", def->name, what));
        if (rule->rule.action == PW_ACTION_NONE)
            return s_fail (error_p, pw_sprintf ("policy %s: %s (\"%s\"): no action", def->name,
                                                what, rule->product));
        if (s_check_rule (rule->rule, def->name, what, error_p) != 0)
            return -1;
    }
    for (int c = 0; c < PW_CLASSIFICATION_COUNT; c++)
        if (s_check_rule (def->classification_rules [c], def->name, s_classification_texts [c],
                          error_p) != 0)
            return -1;
    return s_check_rule (def->default_rule, def->name, "default", error_p);
}

int
pw_approval_set_policy (pw_approval_t *self, const pw_patch_policy_t *def,
                        pw_approval_changes_t *changes, char **error_p)
{
    assert (self && def);
    if (s_check_policy (def, error_p) != 0)
        return -1;
    long index = s_map_find (&self->policy_ids, def->name);
    bool fresh = index < 0;
    if (fresh) {
        index = (long)self->policy_count++;
        self->policies = pw_realloc (self->policies, self->policy_count * sizeof (s_policy_t));
        s_policy_t *policy = &self->policies [index];
        memset (policy, 0, sizeof (*policy));
        policy->name = pw_strdup (def->name);
        policy->decisions = pw_calloc (self->kb_count, 1);
        s_map_put (&self->policy_ids, policy->name, (uint32_t)index);
        self->cells =
            pw_realloc (self->cells, self->policy_count * self->patch_count * sizeof (s_cell_t));
    }
    s_policy_t *policy = &self->policies [index];
    s_policy_clear_rules (policy);
    policy->baseline = def->baseline;
    policy->deny_superseded = def->deny_superseded;
    policy->product_rule_count = def->product_rule_count;
    policy->product_rules = pw_calloc (def->product_rule_count, sizeof (pw_product_rule_t));
    policy->product_texts = pw_calloc (def->product_rule_count, sizeof (char *));
    for (size_t r = 0; r < def->product_rule_count; r++) {
        policy->product_rules [r].product = pw_strdup (def->product_rules [r].product);
        policy->product_rules [r].rule = def->product_rules [r].rule;
        policy->product_texts [r] = pw_sprintf ("product \"%s\"", def->product_rules [r].product);
    }
    memcpy (policy->classification_rules, def->classification_rules,
            sizeof (policy->classification_rules));
    policy->default_rule = def->default_rule;

    for (size_t i = 0; i < self->patch_count; i++)
        s_recompute (self, (size_t)index, i, fresh, changes);
    return (int)index;
}

static long
s_kb_for_change (const pw_approval_t *self, const char *kb, pw_action_t action, const char *what,
                 char **error_p)
{
    if (action != PW_ACTION_NONE && action != PW_ACTION_APPROVE && action != PW_ACTION_DENY) {
        s_fail (error_p, pw_sprintf ("%s for %s: action must be approve or deny", what,
                                     kb ? kb : "(no KB)"));
        return -1;
    }
    long id = s_map_find (&self->kb_ids, kb);
    if (id < 0)
        s_fail (error_p,
                pw_sprintf ("%s: KB %s is not in the catalogue", what, kb ? kb : "(none)"));
    return id;
}

int
pw_approval_set_decision (pw_approval_t *self, const char *policy, const char *kb,
                          pw_action_t action, pw_approval_changes_t *changes, char **error_p)
{
    assert (self);
    long p = s_map_find (&self->policy_ids, policy);
    if (p < 0)
        return s_fail (
            error_p, pw_sprintf ("decision: unknown patch policy %s", policy ? policy : "(none)"));
    long id = s_kb_for_change (self, kb, action, "decision", error_p);
    if (id < 0)
        return -1;
    self->policies [p].decisions [id] = (uint8_t)action;
    const s_kb_t *entry = &self->kbs [id];
    for (size_t r = 0; r < entry->row_count; r++)
        s_recompute (self, (size_t)p, entry->rows [r], false, changes);
    return 0;
}

int
pw_approval_set_override (pw_approval_t *self, const char *kb, pw_action_t action, const char *note,
                          pw_approval_changes_t *changes, char **error_p)
{
    assert (self);
    long id = s_kb_for_change (self, kb, action, "override", error_p);
    if (id < 0)
        return -1;
    s_kb_t *entry = &self->kbs [id];
    entry->override = (uint8_t)action;
    free (entry->note);
    entry->note = action == PW_ACTION_NONE ? NULL : pw_strdup (note);
    for (size_t p = 0; p < self->policy_count; p++)
        for (size_t r = 0; r < entry->row_count; r++)
            s_recompute (self, p, entry->rows [r], false, changes);
    return 0;
}

//  --------------------------------------------------------------------------
//  Lookups

size_t
pw_approval_patch_count (const pw_approval_t *self)
{
    assert (self);
    return self->patch_count;
}

size_t
pw_approval_policy_count (const pw_approval_t *self)
{
    assert (self);
    return self->policy_count;
}

long
pw_approval_patch_index (const pw_approval_t *self, const char *id)
{
    assert (self);
    return s_map_find (&self->patch_ids, id);
}

int
pw_approval_policy_index (const pw_approval_t *self, const char *name)
{
    assert (self);
    return (int)s_map_find (&self->policy_ids, name);
}

const pw_patch_t *
pw_approval_patch (const pw_approval_t *self, size_t index)
{
    assert (self && index < self->patch_count);
    return self->patches [index];
}

const char *
pw_approval_policy_name (const pw_approval_t *self, size_t index)
{
    assert (self && index < self->policy_count);
    return self->policies [index].name;
}

bool
pw_approval_policy_baseline (const pw_approval_t *self, size_t index)
{
    assert (self && index < self->policy_count);
    return self->policies [index].baseline;
}

bool
pw_approval_superseded (const pw_approval_t *self, const char *kb)
{
    assert (self);
    long id = s_map_find (&self->kb_ids, kb);
    return id >= 0 && self->kbs [id].superseded_text != NULL;
}

//  --------------------------------------------------------------------------
//  Evaluation

static pw_status_t
s_cell_status (const s_cell_t *cell, int64_t now, int64_t *until_p)
{
    *until_p = 0;
    switch (cell->action) {
        case PW_ACTION_DENY: return PW_STATUS_DENIED;
        case PW_ACTION_REVIEW: return PW_STATUS_REVIEW;
        default:
            if (cell->from == S_AT_ONCE || cell->from <= now)
                return PW_STATUS_APPROVED;
            *until_p = cell->from;
            return PW_STATUS_DEFERRED;
    }
}

static const char *
s_cell_rule_text (const pw_approval_t *self, size_t p, size_t i, const s_cell_t *cell)
{
    const s_policy_t *policy = &self->policies [p];
    switch (cell->kind) {
        case PW_PROVENANCE_OVERRIDE:
            return cell->action == PW_ACTION_APPROVE ? "override approve" : "override deny";
        case PW_PROVENANCE_DECISION:
            return cell->action == PW_ACTION_APPROVE ? "decision approve" : "decision deny";
        case PW_PROVENANCE_SUPERSEDED: return self->kbs [self->patch_kb [i]].superseded_text;
        default:
            if (cell->rule == S_RULE_DEFAULT)
                return "default";
            if (cell->rule >= S_RULE_CLASS)
                return s_classification_texts [cell->rule - S_RULE_CLASS];
            return policy->product_texts [cell->rule];
    }
}

void
pw_approval_cell (const pw_approval_t *self, size_t p, size_t i, int64_t now,
                  pw_approval_result_t *result)
{
    assert (self && result);
    assert (p < self->policy_count && i < self->patch_count);
    const s_cell_t *cell = &self->cells [p * self->patch_count + i];
    result->status = s_cell_status (cell, now, &result->until);
    result->kind = (pw_provenance_t)cell->kind;
    result->policy = cell->kind == PW_PROVENANCE_OVERRIDE ? NULL : self->policies [p].name;
    result->rule = s_cell_rule_text (self, p, i, cell);
    result->note =
        cell->kind == PW_PROVENANCE_OVERRIDE ? self->kbs [self->patch_kb [i]].note : NULL;
}

static void
s_result_set (pw_approval_result_t *result, pw_status_t status, pw_provenance_t kind,
              const char *rule)
{
    result->status = status;
    result->until = 0;
    result->kind = kind;
    result->policy = NULL;
    result->rule = rule;
    result->note = NULL;
}

static bool
s_ignores (const pw_approval_agent_t *agent, const char *kb)
{
    for (size_t k = 0; k < agent->ignore_count; k++)
        if (strcasecmp (agent->ignore [k], kb) == 0)
            return true;
    return false;
}

void
pw_approval_evaluate (const pw_approval_t *self, const pw_approval_agent_t *agent, size_t i,
                      int64_t now, pw_approval_result_t *result)
{
    assert (self && agent && result);
    assert (i < self->patch_count);
    if (!agent->subscribed) {
        s_result_set (result, PW_STATUS_UNMANAGED, PW_PROVENANCE_NONE, "not subscribed");
        return;
    }
    if (s_ignores (agent, self->patches [i]->kb)) {
        s_result_set (result, PW_STATUS_DENIED, PW_PROVENANCE_IGNORE, "ignore list");
        return;
    }
    if (agent->policy_count == 0) {
        s_result_set (result, PW_STATUS_UNMANAGED, PW_PROVENANCE_NONE, "no patch policy");
        return;
    }
    //  Status ranks follow the enum: approved < deferred < review < denied.
    size_t best = SIZE_MAX;
    pw_status_t best_status = PW_STATUS_APPROVED;
    int64_t best_until = 0;
    for (size_t m = 0; m < agent->policy_count; m++) {
        size_t p = agent->policies [m];
        assert (p < self->policy_count);
        int64_t until;
        pw_status_t status = s_cell_status (&self->cells [p * self->patch_count + i], now, &until);
        bool wins = best == SIZE_MAX || status > best_status;
        if (!wins && status == best_status) {
            if (status == PW_STATUS_DEFERRED && until != best_until)
                wins = until > best_until;
            else
                wins = strcmp (self->policies [p].name, self->policies [best].name) < 0;
        }
        if (wins) {
            best = p;
            best_status = status;
            best_until = until;
        }
    }
    pw_approval_cell (self, best, i, now, result);
}

//  --------------------------------------------------------------------------
//  Review queue

static int
s_item_compare (const void *a_p, const void *b_p)
{
    const pw_review_item_t *a = a_p, *b = b_p;
    if (a->agents != b->agents)
        return a->agents > b->agents ? -1 : 1;
    if (a->released != b->released)
        return a->released < b->released ? -1 : 1;
    return strcmp (a->kb, b->kb);
}

static int
s_policy_compare (const void *a_p, const void *b_p)
{
    const pw_review_policy_t *a = a_p, *b = b_p;
    return strcmp (a->policy, b->policy);
}

pw_review_queue_t *
pw_approval_review_queue (const pw_approval_t *self, const pw_approval_agent_t *agents,
                          size_t agent_count, int64_t now)
{
    assert (self && (agents || agent_count == 0));
    size_t kbs = self->kb_count, patches = self->patch_count;
    //  Reach per (policy, KB); STAMP counts an agent once per KB even when
    //  it misses several rows of it.
    uint32_t *reach = pw_calloc (self->policy_count * kbs, sizeof (uint32_t));
    size_t *stamp = pw_calloc (self->policy_count * kbs, sizeof (size_t));
    for (size_t a = 0; a < agent_count; a++) {
        const pw_approval_agent_t *agent = &agents [a];
        if (!agent->subscribed)
            continue;
        for (size_t j = 0; j < agent->missing_count; j++) {
            size_t i = agent->missing [j];
            assert (i < patches);
            size_t kb = self->patch_kb [i];
            if (s_ignores (agent, self->kbs [kb].kb))
                continue;
            for (size_t m = 0; m < agent->policy_count; m++) {
                size_t p = agent->policies [m];
                assert (p < self->policy_count);
                if (self->cells [p * patches + i].action != PW_ACTION_REVIEW)
                    continue;
                if (stamp [p * kbs + kb] != a + 1) {
                    stamp [p * kbs + kb] = a + 1;
                    reach [p * kbs + kb]++;
                }
            }
        }
    }

    pw_review_queue_t *queue = pw_calloc (1, sizeof (pw_review_queue_t));
    queue->count = self->policy_count;
    queue->policies = pw_calloc (self->policy_count, sizeof (pw_review_policy_t));
    for (size_t p = 0; p < self->policy_count; p++) {
        pw_review_policy_t *entry = &queue->policies [p];
        entry->policy = self->policies [p].name;
        entry->policy_index = p;
        size_t cap = 0;
        for (size_t k = 0; k < kbs; k++) {
            const s_kb_t *kb = &self->kbs [k];
            pw_review_item_t *item = NULL;
            for (size_t r = 0; r < kb->row_count; r++) {
                const pw_patch_t *patch = self->patches [kb->rows [r]];
                if (self->cells [p * patches + kb->rows [r]].action != PW_ACTION_REVIEW)
                    continue;
                if (!item) {
                    if (entry->count == cap) {
                        cap = cap ? cap * 2 : 16;
                        entry->items = pw_realloc (entry->items, cap * sizeof (pw_review_item_t));
                    }
                    item = &entry->items [entry->count++];
                    *item = (pw_review_item_t){
                        kb->kb, patch->title,       patch->classification, patch->released,
                        0,      reach [p * kbs + k]};
                }
                if (patch->released < item->released)
                    item->released = patch->released;
            }
            if (item)
                item->age = now - item->released;
        }
        if (entry->count > 1)
            qsort (entry->items, entry->count, sizeof (pw_review_item_t), s_item_compare);
    }
    if (queue->count > 1)
        qsort (queue->policies, queue->count, sizeof (pw_review_policy_t), s_policy_compare);
    free (reach);
    free (stamp);
    return queue;
}

void
pw_review_queue_destroy (pw_review_queue_t **self_p)
{
    assert (self_p);
    pw_review_queue_t *self = *self_p;
    if (!self)
        return;
    for (size_t p = 0; p < self->count; p++)
        free (self->policies [p].items);
    free (self->policies);
    free (self);
    *self_p = NULL;
}

long
pw_approval_select (const pw_approval_t *self, size_t p, const pw_review_filter_t *filter,
                    const char ***kbs_p)
{
    assert (self && kbs_p);
    *kbs_p = NULL;
    if (p >= self->policy_count)
        return -1;
    bool *seen = pw_calloc (self->kb_count, sizeof (bool));
    const char **kbs = pw_calloc (self->kb_count, sizeof (char *));
    size_t count = 0;
    for (size_t i = 0; i < self->patch_count; i++) {
        const pw_patch_t *patch = self->patches [i];
        uint32_t kb = self->patch_kb [i];
        if (seen [kb] || self->cells [p * self->patch_count + i].action != PW_ACTION_REVIEW)
            continue;
        if (filter) {
            if (filter->by_classification && patch->classification != filter->classification)
                continue;
            if (filter->product && !pw_patch_matches_product (patch, filter->product))
                continue;
            if (filter->released_before && patch->released >= filter->released_before)
                continue;
        }
        seen [kb] = true;
        kbs [count++] = self->kbs [kb].kb;
    }
    free (seen);
    *kbs_p = kbs;
    return (long)count;
}

//  --------------------------------------------------------------------------
//  Names

const char *
pw_status_name (pw_status_t status)
{
    switch (status) {
        case PW_STATUS_APPROVED: return "approved";
        case PW_STATUS_DEFERRED: return "deferred";
        case PW_STATUS_REVIEW: return "review";
        case PW_STATUS_DENIED: return "denied";
        case PW_STATUS_UNMANAGED: return "unmanaged";
    }
    return "unknown";
}

const char *
pw_action_name (pw_action_t action)
{
    switch (action) {
        case PW_ACTION_NONE: return "none";
        case PW_ACTION_APPROVE: return "approve";
        case PW_ACTION_REVIEW: return "review";
        case PW_ACTION_DENY: return "deny";
    }
    return "unknown";
}

int
pw_action_parse (const char *text, pw_action_t *action_p)
{
    if (!text)
        return -1;
    if (strcasecmp (text, "approve") == 0)
        *action_p = PW_ACTION_APPROVE;
    else if (strcasecmp (text, "review") == 0)
        *action_p = PW_ACTION_REVIEW;
    else if (strcasecmp (text, "deny") == 0)
        *action_p = PW_ACTION_DENY;
    else
        return -1;
    return 0;
}

const char *
pw_provenance_name (pw_provenance_t kind)
{
    switch (kind) {
        case PW_PROVENANCE_NONE: return "none";
        case PW_PROVENANCE_OVERRIDE: return "override";
        case PW_PROVENANCE_DECISION: return "decision";
        case PW_PROVENANCE_SUPERSEDED: return "superseded";
        case PW_PROVENANCE_RULE: return "rule";
        case PW_PROVENANCE_IGNORE: return "ignore";
    }
    return "unknown";
}
