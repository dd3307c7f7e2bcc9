/*  pw_findings - what a finding is, sets of findings, and their lifecycle.

    The audit service evaluates its checks (pw_checks) for a scope (one
    agent, one policy, the plan, or the whole tenant) into a fresh set, loads
    the findings still open for that scope into another set, and asks
    pw_findings_diff which findings open now, which stay open and which are
    resolved; it then writes exactly those rows. A finding is opened once and
    resolved once: when its condition comes back after resolution, that is a
    new finding with a new first_seen. Compliance (pw_compliance) counts the
    open set by code.
*/
#ifndef PW_FINDINGS_H_INCLUDED
#define PW_FINDINGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The codes of DESIGN section 6; docs/audit.md says when each is raised.
typedef enum {
    PW_CODE_NO_PATCH_POLICY = 0,
    PW_CODE_NO_BASELINE,
    PW_CODE_NO_SCAN_SCHEDULE,
    PW_CODE_NO_UPDATE_SCHEDULE,
    PW_CODE_UNSUBSCRIBED_SCHEDULED,
    PW_CODE_UNKNOWN_WINDOW,
    PW_CODE_STALE_SCAN,
    PW_CODE_SCAN_GAP,
    PW_CODE_DEPENDENCY_CYCLE,
    PW_CODE_DEPENDENCY_ORDER,
    PW_CODE_CHAIN_TOO_DEEP,
    PW_CODE_WINDOW_OVER_CAPACITY,
    PW_CODE_WINDOW_OVERRUN,
    PW_CODE_REVIEW_BACKLOG,
    PW_CODE_APPROVED_NOT_INSTALLED,
    PW_CODE_INSTALL_FAILED,
    PW_CODE_PENDING_REBOOT,
    PW_CODE_POLICY_OVERRIDDEN,
    PW_CODE_COUNT
} pw_finding_code_t;

//  Ordered: a higher value is more severe.
typedef enum {
    PW_FINDING_SEV_INFO = 0,
    PW_FINDING_SEV_LOW,
    PW_FINDING_SEV_MEDIUM,
    PW_FINDING_SEV_HIGH,
    PW_FINDING_SEV_CRITICAL,
    PW_FINDING_SEV_COUNT
} pw_finding_sev_t;

//  Which evaluation produces a finding, and so which re-evaluation can
//  resolve it. PW_SCOPE_TENANT is only a diff scope: everything.
typedef enum {
    PW_SCOPE_TENANT = 0,
    PW_SCOPE_AGENT,  //  owner: the agent's hostname
    PW_SCOPE_POLICY, //  owner: the patch policy's name
    PW_SCOPE_PLAN    //  owner: "" (the tenant's current plan)
} pw_finding_scope_t;

//  One finding. Passed to pw_findings_add, its strings are borrowed and
//  copied; returned by a set, they belong to that set.
typedef struct {
    pw_finding_code_t code;
    pw_finding_sev_t severity;
    pw_finding_scope_t scope;
    const char *owner;   //  see pw_finding_scope_t; NULL reads as ""
    const char *subject; //  with CODE, the finding's key
    const char *detail;  //  one human sentence
    int64_t id;          //  store id; 0 until stored
    int64_t first_seen_us;
    int64_t last_seen_us;
    int64_t resolved_us; //  0 while open
} pw_finding_t;

//  "NO_PATCH_POLICY", ...; "UNKNOWN" out of range.
const char *pw_finding_code_name (pw_finding_code_t code);

//  Parses a code name (exact, upper case). Returns 0, or -1.
int pw_finding_code_parse (const char *text, pw_finding_code_t *code_p);

//  The documented severity of CODE (APPROVED_NOT_INSTALLED: its floor, the
//  check raises it with the patch's severity).
pw_finding_sev_t pw_finding_code_severity (pw_finding_code_t code);

//  The scope that produces CODE. DEPENDENCY_ORDER is agent-scoped (owned by
//  the dependent agent), the other plan codes plan-scoped.
pw_finding_scope_t pw_finding_code_scope (pw_finding_code_t code);

//  "info", "low", "medium", "high", "critical"; "unknown" out of range.
const char *pw_finding_sev_name (pw_finding_sev_t severity);

//  Parses a severity name (ASCII case-insensitive). Returns 0, or -1.
int pw_finding_sev_parse (const char *text, pw_finding_sev_t *severity_p);

//  "tenant", "agent", "policy", "plan"; "unknown" out of range.
const char *pw_finding_scope_name (pw_finding_scope_t scope);

//  A set of findings that owns its strings.
typedef struct _pw_findings_t pw_findings_t;

//  A new empty set; caller owns.
pw_findings_t *pw_findings_new (void);

//  Destroys the set and nulls the caller's pointer. NULL-safe.
void pw_findings_destroy (pw_findings_t **self_p);

//  Appends a copy of FINDING (strings copied, NULL kept as ""). Returns 0, or
//  -1 when FINDING is NULL, has no subject, or a code, severity or scope out
//  of range.
int pw_findings_add (pw_findings_t *self, const pw_finding_t *finding);

//  Appends a new open finding with CODE's documented scope, its detail
//  formatted printf-style. Returns 0, or -1 as pw_findings_add.
int pw_findings_addf (pw_findings_t *self, pw_finding_code_t code, pw_finding_sev_t severity,
                      const char *owner, const char *subject, const char *format, ...)
    __attribute__ ((format (printf, 6, 7)));

size_t pw_findings_size (const pw_findings_t *self);

//  The finding at INDEX (in the order added), or NULL past the end. The
//  pointer is valid until the set is changed or destroyed.
const pw_finding_t *pw_findings_get (const pw_findings_t *self, size_t index);

//  The first finding with CODE and SUBJECT, or NULL. Linear: for tests and
//  small sets; the diff hashes.
const pw_finding_t *pw_findings_find (const pw_findings_t *self, pw_finding_code_t code,
                                      const char *subject);

//  How many findings of the set have CODE.
size_t pw_findings_count_code (const pw_findings_t *self, pw_finding_code_t code);

//  The outcome of one re-evaluation.
typedef struct _pw_findings_diff_t pw_findings_diff_t;

//  Compares OPEN (the findings open in the store, resolved_us 0; others are
//  ignored) with FRESH (every finding true now for the scope) on the key
//  code + subject, at time NOW_US. Only open findings inside the scope can be
//  resolved: SCOPE PW_SCOPE_TENANT covers all, otherwise those with that
//  scope and OWNER. FRESH is taken as it is. Both sets are updated in place:
//    opened   - a FRESH finding with no open match: first_seen = last_seen = now, id 0
//    kept     - a FRESH finding with an open match: id and first_seen from the
//               open one, last_seen = now (severity and detail are the fresh ones)
//    resolved - an OPEN finding in scope with no fresh match: resolved = now
//  A key repeated in FRESH counts once (the first); a key repeated in OPEN
//  keeps the first and resolves the others. Returns a new diff (caller owns)
//  that points into both sets, which must outlive it; NULL when a set is NULL.
pw_findings_diff_t *pw_findings_diff (pw_findings_t *open, pw_findings_t *fresh,
                                      pw_finding_scope_t scope, const char *owner, int64_t now_us);

//  Destroys the diff and nulls the caller's pointer. NULL-safe.
void pw_findings_diff_destroy (pw_findings_diff_t **self_p);

size_t pw_findings_diff_opened_size (const pw_findings_diff_t *self);
size_t pw_findings_diff_kept_size (const pw_findings_diff_t *self);
size_t pw_findings_diff_resolved_size (const pw_findings_diff_t *self);

//  The INDEX-th opened (a FRESH entry), kept (a FRESH entry) or resolved (an
//  OPEN entry) finding, or NULL past the end.
const pw_finding_t *pw_findings_diff_opened (const pw_findings_diff_t *self, size_t index);
const pw_finding_t *pw_findings_diff_kept (const pw_findings_diff_t *self, size_t index);
const pw_finding_t *pw_findings_diff_resolved (const pw_findings_diff_t *self, size_t index);

#ifdef __cplusplus
}
#endif

#endif
