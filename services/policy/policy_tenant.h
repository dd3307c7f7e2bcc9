/*  policy_tenant - one tenant's policy world in memory, and its resolution.

    The policy service keeps one of these per tenant it serves: inventory
    (orgs, agents, catalogue, scan states) and configuration (views, patch
    policies, overrides, decisions, system policies, assignments), compiled
    into a pw_settings_t and a pw_approval_t. Resolving fills, for every
    agent, its effective settings and the status of each patch its scan
    reports missing or failed; the service persists what changed. Built
    from plain data (policy_inventory_t + policy_config_t), so tests build
    it straight from a setup file without a store.
*/
#ifndef POLICY_TENANT_H_INCLUDED
#define POLICY_TENANT_H_INCLUDED

#include "policy_config.h"
#include "pw_approval.h"
#include "pw_model.h"
#include "pw_settings.h"

//  The scan states that get a patch status.
typedef enum {
    POLICY_SCAN_MISSING = 0,
    POLICY_SCAN_FAILED,
    POLICY_SCAN_PENDING_REBOOT,
    POLICY_SCAN_INSTALLED,
    POLICY_SCAN_NOT_APPLICABLE
} policy_scan_state_t;

//  Inventory as loaded; everything lives in ARENA.
typedef struct {
    pw_arena_t *arena;
    pw_org_t *orgs;
    size_t org_count;
    pw_agent_t *agents;
    int64_t *agent_ids;
    const char *const **ignored; //  per agent: KBs it never installs
    size_t *ignored_count;
    size_t agent_count;
    pw_patch_t *patches;
    int64_t *patch_ids;
    size_t patch_count;
    //  Scan states by agent: entries scan_off[a] .. scan_off[a+1]. As
    //  loaded from the store, only the missing and failed ones (the
    //  scan states a resolution gives a status): scan_open, 014.
    uint32_t *scan_off;
    uint32_t *scan_patch;
    uint8_t *scan_state;
    size_t scan_count;
} policy_inventory_t;

policy_inventory_t *policy_inventory_new (void);
void policy_inventory_destroy (policy_inventory_t **self_p);

//  The resolved state of one agent.
typedef struct {
    bool subscribed;
    const char *const *patch_policies; //  effective members
    size_t patch_policy_count;
    uint32_t *policies; //  approval indices of those that exist
    size_t policy_count;
    const char *scan, *update_window, *reboot, *health_check, *manual_patching;
    const char *const *pre_tasks;
    size_t pre_task_count;
    bool has_pre_tasks;
    const char *const *post_tasks;
    size_t post_task_count;
    bool has_post_tasks;
    const char *const *overridden; //  "setting:policy" candidates that lost
    size_t overridden_count;
    uint64_t digest; //  of all of the above, for change detection
    //  The agent's status profile (010_status_profiles): agents that agree
    //  on subscribed, existing member policies and ignore list have every
    //  status in common. pw_profile_id (pw_profile_key (...)) in the store.
    int64_t profile;
} policy_agent_result_t;

//  The status of one scan entry (same index as the inventory's scan arrays).
typedef struct {
    pw_status_t status;
    int64_t until;
    pw_provenance_t kind;
    const char *policy;
    const char *rule;
} policy_status_t;

typedef struct _policy_tenant_t policy_tenant_t;

//  Builds the tenant from INVENTORY and CONFIG (ownership of both moves in;
//  pointers nulled). Returns NULL with *ERROR_P when the configuration does
//  not compile (a view, a policy), which a validated setup never causes.
policy_tenant_t *policy_tenant_new (const char *tenant, policy_inventory_t **inventory_p,
                                    policy_config_t **config_p, char **error_p);
void policy_tenant_destroy (policy_tenant_t **self_p);

//  Resolves every agent (settings and statuses) at time NOW.
void policy_tenant_resolve (policy_tenant_t *self, int64_t now);
//  The same, calling POLL (ARG, RESOLVED) every 1,024 agents and at the end,
//  RESOLVED the agents (by index) whose results are final: the caller's
//  other work (reading the stored results, staging settings) between pieces.
typedef void (policy_poll_fn) (void *arg, size_t resolved);
void policy_tenant_resolve_polling (policy_tenant_t *self, int64_t now, policy_poll_fn *poll,
                                    void *arg);

//  After a decision or override changed CHANGES, re-evaluates only the scan
//  entries of affected agents. Returns how many entries changed status and
//  marks their agents in the changed set.
size_t policy_tenant_reevaluate (policy_tenant_t *self, const pw_approval_changes_t *changes,
                                 int64_t now);

const policy_inventory_t *policy_tenant_inventory (const policy_tenant_t *self);
const policy_config_t *policy_tenant_config (const policy_tenant_t *self);
pw_approval_t *policy_tenant_approval (policy_tenant_t *self);
const char *policy_tenant_name (const policy_tenant_t *self);

const policy_agent_result_t *policy_tenant_agent_result (const policy_tenant_t *self, size_t agent);
//  The status of scan ENTRY (same index as the inventory's scan arrays);
//  the strings are the tenant's.
void policy_tenant_status (const policy_tenant_t *self, size_t entry, policy_status_t *status);

//  Agent index of HOSTNAME (case-insensitive), or -1.
long policy_tenant_find_agent (const policy_tenant_t *self, const char *hostname);

//  Per-agent change marks since the last policy_tenant_clear_changes: which
//  agents' settings, and which agents' statuses, differ from before.
const bool *policy_tenant_settings_changed (const policy_tenant_t *self);
const bool *policy_tenant_statuses_changed (const policy_tenant_t *self);
void policy_tenant_clear_changes (policy_tenant_t *self);
//  Marks AGENT's settings and/or statuses changed (what the store holds
//  differs from the resolution).
void policy_tenant_mark (policy_tenant_t *self, size_t agent, bool settings, bool statuses);
//  Per scan entry: 1 when its status changed since the last clear.
const uint8_t *policy_tenant_entries_changed (const policy_tenant_t *self);
//  The same entries as a list (in the order they changed) and in *COUNT_P
//  their number, or NULL when too many changed to list them (a
//  resolution): then only policy_tenant_entries_changed has them.
const uint32_t *policy_tenant_changed_list (const policy_tenant_t *self, size_t *count_p);
//  Marks scan ENTRY of AGENT (one of the agent's entries, else nothing is
//  marked) changed (the store's status differs), and the agent's statuses.
void policy_tenant_mark_entry (policy_tenant_t *self, size_t agent, size_t entry);
//  Per scan entry with a status: the entry that stands for its (profile,
//  patch) key, the same for every entry of the key (the first of the key
//  in the last resolution; every entry of a key has the same status).
//  Without a status, or before a resolution: 0, meaningless.
const uint32_t *policy_tenant_entry_leaders (const policy_tenant_t *self);
//  Whether every agent's settings are staged in the session's staging
//  table for the write that follows, in this transaction
//  (policy_store_reading_end); the write takes them and clears it.
bool policy_tenant_settings_staged (const policy_tenant_t *self);
void policy_tenant_set_settings_staged (policy_tenant_t *self, bool staged);
//  A resolution finds the first entry of a (profile, patch) key in a row
//  of the catalogue's size per status profile (4 bytes a cell), until the
//  rows hold CELLS cells; the keys of profiles seen after that go to a
//  hash (slower, smaller). 16 MB by default, 0 for the hash alone.
#define POLICY_ROW_BUDGET ((size_t)1 << 22)
void policy_tenant_set_row_budget (policy_tenant_t *self, size_t cells);
//  Per agent: its status profile changed since the last clear (or the
//  store's differs); such an agent's statuses are marked changed too.
const bool *policy_tenant_profiles_changed (const policy_tenant_t *self);
void policy_tenant_mark_profile (policy_tenant_t *self, size_t agent);
//  Whether the store held no settings, no status profiles and no profile
//  statuses of the tenant when it was last compared (a first resolution):
//  the writes then insert instead of merging, and remove nothing first.
//  Set by the comparison, cleared by a write.
bool policy_tenant_store_empty (const policy_tenant_t *self);
void policy_tenant_set_store_empty (policy_tenant_t *self, bool empty);
//  The agent of scan ENTRY.
size_t policy_tenant_entry_agent (policy_tenant_t *self, size_t entry);
//  True when scan ENTRY has a status (its patch is missing or failed).
bool policy_tenant_entry_has_status (const policy_tenant_t *self, size_t entry);

//  (profile, patch) keys of scan entries, each once, with the first entry
//  that has it: every agent of a profile has the same status of a patch,
//  so one entry per key stands for all. Open addressing; grows as keys are
//  added.
typedef struct {
    int64_t *profile;
    uint32_t *patch;
    uint32_t *entry; //  the first entry + 1; 0: an empty slot
    uint8_t *flag;   //  the caller's, per key
    size_t slots, used;
} policy_keys_t;

void policy_keys_init (policy_keys_t *keys, size_t expected);
void policy_keys_free (policy_keys_t *keys);
//  The slot of (PROFILE, PATCH): its own, or the empty one it would take.
size_t policy_keys_slot (const policy_keys_t *keys, int64_t profile, uint32_t patch);
//  Adds the key with ENTRY unless present; returns its slot, and in
//  *ADDED_P (may be NULL) whether it was new.
size_t policy_keys_add (policy_keys_t *keys, int64_t profile, uint32_t patch, uint32_t entry,
                        bool *added_p);

//  The canonical key of a status profile (the store's pw_profile_key) for
//  an agent SUBSCRIBED, member of POLICIES (those that exist), ignoring
//  IGNORED, into OUT; and the profile id of a key (pw_profile_id: the first
//  eight bytes of its SHA-256, big-endian, as a signed integer).
void policy_profile_key (bool subscribed, const char *const *policies, size_t policy_count,
                         const char *const *ignored, size_t ignored_count, pw_strbuf_t *out);
int64_t policy_profile_id (const char *key, size_t len);

//  Appends the `pwctl explain --json` document of AGENT to OUT.
void policy_tenant_explain (policy_tenant_t *self, size_t agent, int64_t now, pw_strbuf_t *out);

//  The review queue (caller owns).
pw_review_queue_t *policy_tenant_review_queue (policy_tenant_t *self, int64_t now);

//  Version of the store this state reflects.
int64_t policy_tenant_version (const policy_tenant_t *self);
void policy_tenant_set_version (policy_tenant_t *self, int64_t version);

//  "missing", "failed", ...
const char *policy_scan_state_name (policy_scan_state_t state);

#endif
