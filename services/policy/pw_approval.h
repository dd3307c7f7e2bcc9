/*  pw_approval - which patches each agent may install, and why.

    The policy service builds one approval context per tenant from the
    catalogue, the patch policies, the tenant's KB overrides and the
    reviewers' decisions (DESIGN section 2). The context resolves the status
    of every (policy, patch) cell once, into a matrix that also records the
    provenance of each cell, so the status of a patch on one agent is a cheap
    combine over the agent's member policies. A change of one decision,
    override or policy recomputes only the cells it can touch and reports
    which cells changed, so the service knows which agents to re-evaluate.
    The review queue and bulk selection read the same matrix.

    Decisions and overrides are keyed by KB: approving KB5031364 in a policy
    approves every catalogue row of that KB (x64, ARM64, each edition). KBs
    compare ASCII case-insensitively everywhere (catalogue, decisions,
    overrides, ignore lists); row ids and policy names compare exactly.
    Removing a policy or changing the catalogue means building a new
    context.

    Thread safety: the context holds no global state. Functions taking a
    `const pw_approval_t *` only read, so any number of threads may call them
    at once; the mutators (set_policy, set_decision, set_override) need the
    caller to exclude readers, e.g. with a read-write lock.
*/
#ifndef PW_APPROVAL_H_INCLUDED
#define PW_APPROVAL_H_INCLUDED

#include "pw_patch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_approval_t pw_approval_t;

//  Status of a patch in one policy or on one agent, least restrictive first;
//  `unmanaged` exists only on agents.
typedef enum {
    PW_STATUS_APPROVED = 0,
    PW_STATUS_DEFERRED, //  approved from `until` on
    PW_STATUS_REVIEW,   //  waits for a person
    PW_STATUS_DENIED,
    PW_STATUS_UNMANAGED //  agent out of patching, or in no patch policy
} pw_status_t;

//  What a rule, decision or override does. PW_ACTION_NONE means "not set":
//  no rule for a classification, no default (= review), or clearing a
//  decision or override.
typedef enum {
    PW_ACTION_NONE = 0,
    PW_ACTION_APPROVE,
    PW_ACTION_REVIEW,
    PW_ACTION_DENY
} pw_action_t;

//  What produced a status.
typedef enum {
    PW_PROVENANCE_NONE = 0,   //  unmanaged: no policy decides anything
    PW_PROVENANCE_OVERRIDE,   //  tenant-wide KB override
    PW_PROVENANCE_DECISION,   //  reviewer decision in one policy
    PW_PROVENANCE_SUPERSEDED, //  deny_superseded and a newer KB in the catalogue
    PW_PROVENANCE_RULE,       //  product rule, classification rule or default
    PW_PROVENANCE_IGNORE      //  the agent's ignore list
} pw_provenance_t;

//  One rule: an action, and for `approve` an optional deferral in days.
typedef struct {
    pw_action_t action;
    int after_days; //  0 = at once; only with PW_ACTION_APPROVE
} pw_rule_t;

//  A product rule: GLOB is matched against each product of the patch
//  (fnmatch, case-insensitive).
typedef struct {
    const char *product;
    pw_rule_t rule;
} pw_product_rule_t;

//  A patch policy as the setup file defines it. Strings and arrays are
//  borrowed; pw_approval_set_policy copies them.
typedef struct {
    const char *name;
    bool baseline;                          //  the tenant's baseline policy (audit NO_BASELINE)
    bool deny_superseded;                   //  deny patches a newer catalogue patch supersedes
    const pw_product_rule_t *product_rules; //  first match wins
    size_t product_rule_count;
    pw_rule_t classification_rules [PW_CLASSIFICATION_COUNT]; //  action NONE = no rule
    pw_rule_t default_rule;                                   //  action NONE = review
} pw_patch_policy_t;

//  One (policy, patch) cell, by index.
typedef struct {
    uint32_t policy;
    uint32_t patch;
} pw_cell_t;

//  Cells whose status changed, appended to by the mutators. Zero-initialise
//  it, pass it to as many mutators as you like, then pw_approval_changes_free.
typedef struct {
    pw_cell_t *cells;
    size_t count;
    size_t cap;
} pw_approval_changes_t;

//  A status with its provenance. Strings are borrowed from the context and
//  stay valid until the context is changed or destroyed.
typedef struct {
    pw_status_t status;
    int64_t until; //  deferred: the date it becomes approved; else 0
    pw_provenance_t kind;
    const char *policy; //  the deciding policy; NULL for override, ignore, none
    const char *rule;   //  `product "Office*"`, `classification optional`, `default`,
                        //  `decision deny`, `override approve`, `superseded by KB...`,
                        //  `ignore list`, `not subscribed`, `no patch policy`
    const char *note;   //  override: its note (may be NULL); else NULL
} pw_approval_result_t;

//  An agent as approval sees it. Arrays are borrowed.
typedef struct {
    bool subscribed;          //  effective: org subscription and setting `subscribed`
    const uint32_t *policies; //  member policy indices (pw_approval_policy_index)
    size_t policy_count;
    const char *const *ignore; //  KBs this agent never installs; short list
    size_t ignore_count;
    const uint32_t *missing; //  review queue only: patch indices its scan reports missing
    size_t missing_count;
} pw_approval_agent_t;

//  --------------------------------------------------------------------------
//  Context

//  Creates a context over the catalogue PATCHES (COUNT rows, copied). Returns
//  NULL with *ERROR_P set (caller frees; ERROR_P may be NULL) when a row is
//  invalid or two rows share an id. The superseded set is computed here: a
//  catalogue change means a new context.
pw_approval_t *pw_approval_new (const pw_patch_t *patches, size_t count, char **error_p);

//  Destroys the context and nulls the caller's pointer. NULL-safe.
void pw_approval_destroy (pw_approval_t **self_p);

//  Adds a patch policy, or replaces the rules of the policy with the same
//  name, and recomputes its row. Appends the cells whose status changed to
//  CHANGES (may be NULL); a new policy reports every cell. Returns the policy
//  index (stable for the life of the context), or -1 with *ERROR_P set when
//  the definition is invalid (empty name or product glob, after_days < 0 or
//  > 3650, after_days on a rule that does not approve).
int pw_approval_set_policy (pw_approval_t *self, const pw_patch_policy_t *policy,
                            pw_approval_changes_t *changes, char **error_p);

//  Records a reviewer decision (approve or deny; NONE clears it) for KB in
//  POLICY. Returns 0, or -1 with *ERROR_P set when the policy or the KB is
//  unknown or ACTION is `review`.
int pw_approval_set_decision (pw_approval_t *self, const char *policy, const char *kb,
                              pw_action_t action, pw_approval_changes_t *changes, char **error_p);

//  Records a tenant-wide KB override (approve or deny, with a NOTE that is
//  copied; NONE clears it). Returns 0, or -1 with *ERROR_P set when the KB is
//  unknown or ACTION is `review`.
int pw_approval_set_override (pw_approval_t *self, const char *kb, pw_action_t action,
                              const char *note, pw_approval_changes_t *changes, char **error_p);

void pw_approval_changes_free (pw_approval_changes_t *changes);

//  --------------------------------------------------------------------------
//  Lookups

size_t pw_approval_patch_count (const pw_approval_t *self);

size_t pw_approval_policy_count (const pw_approval_t *self);

//  Index of the catalogue row with ID, or -1.
long pw_approval_patch_index (const pw_approval_t *self, const char *id);

//  Index of the policy NAME, or -1.
int pw_approval_policy_index (const pw_approval_t *self, const char *name);

//  The context's copy of row INDEX (borrowed).
const pw_patch_t *pw_approval_patch (const pw_approval_t *self, size_t index);

//  Name of policy INDEX (borrowed).
const char *pw_approval_policy_name (const pw_approval_t *self, size_t index);

//  True when the policy is marked baseline.
bool pw_approval_policy_baseline (const pw_approval_t *self, size_t index);

//  True when some catalogue row of another KB lists KB as superseded.
bool pw_approval_superseded (const pw_approval_t *self, const char *kb);

//  --------------------------------------------------------------------------
//  Evaluation

//  Status of row PATCH in policy POLICY at time NOW (section 2.1).
void pw_approval_cell (const pw_approval_t *self, size_t policy, size_t patch, int64_t now,
                       pw_approval_result_t *result);

//  Effective status of row PATCH on AGENT at time NOW (section 2.2): not
//  subscribed -> unmanaged; KB on the ignore list -> denied; no member
//  policy -> unmanaged; else the most restrictive member status, denied >
//  review > deferred > approved, the latest date among deferred. On a tie the
//  provenance names the member policy first in name order.
void pw_approval_evaluate (const pw_approval_t *self, const pw_approval_agent_t *agent,
                           size_t patch, int64_t now, pw_approval_result_t *result);

//  --------------------------------------------------------------------------
//  Review queue (section 2.3)

typedef struct {
    const char *kb;    //  borrowed from the context
    const char *title; //  of the first row of the KB in review
    pw_classification_t classification;
    int64_t released; //  earliest release among its rows in review
    int64_t age;      //  NOW - released, seconds
    size_t agents;    //  subscribed members missing a row of it, not ignoring it
} pw_review_item_t;

typedef struct {
    const char *policy; //  borrowed
    size_t policy_index;
    pw_review_item_t *items; //  most agents first, then oldest, then KB
    size_t count;
} pw_review_policy_t;

typedef struct {
    pw_review_policy_t *policies; //  every policy, by name
    size_t count;
} pw_review_queue_t;

//  The KBs waiting for a decision, per policy: some row of the KB has status
//  review in the policy (a deferral or decision is not review). AGENTS (with
//  their `missing` rows) give the reach. Caller owns the queue.
pw_review_queue_t *pw_approval_review_queue (const pw_approval_t *self,
                                             const pw_approval_agent_t *agents, size_t agent_count,
                                             int64_t now);

void pw_review_queue_destroy (pw_review_queue_t **self_p);

//  A bulk selection inside one policy's review queue.
typedef struct {
    bool by_classification;
    pw_classification_t classification;
    const char *product;     //  glob on any product; NULL = any
    int64_t released_before; //  release strictly before; 0 = any
} pw_review_filter_t;

//  The KBs in review in POLICY that FILTER selects (NULL selects all), in
//  catalogue order, each once. Returns the count; *KBS_P is a new array the
//  caller frees, its strings borrowed from the context. Returns -1 when
//  POLICY is out of range.
long pw_approval_select (const pw_approval_t *self, size_t policy, const pw_review_filter_t *filter,
                         const char ***kbs_p);

//  --------------------------------------------------------------------------
//  Names

//  "approved", "deferred", "review", "denied", "unmanaged".
const char *pw_status_name (pw_status_t status);

//  "none", "approve", "review", "deny".
const char *pw_action_name (pw_action_t action);

//  Parses "approve", "review", "deny" (case-insensitive). Returns -1 on
//  anything else.
int pw_action_parse (const char *text, pw_action_t *action_p);

//  "none", "override", "decision", "superseded", "rule", "ignore".
const char *pw_provenance_name (pw_provenance_t kind);

#ifdef __cplusplus
}
#endif

#endif
