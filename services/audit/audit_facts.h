/*  audit_facts - one tenant's facts as the audit's checks read them.

    The audit server loads them from the store in a handful of queries (the
    agents with their effective settings, the interesting scan results, the
    overridden settings, the review queues, the current plan and its
    violations, the tenant's thresholds), then evaluates every check
    (pw_checks) and counts compliance (pw_compliance) in C. Strings are
    borrowed from the query results, which the facts keep until destroyed.
*/
#ifndef AUDIT_FACTS_H_INCLUDED
#define AUDIT_FACTS_H_INCLUDED

#include "pw_checks.h"
#include "pw_compliance.h"
#include "pw_db.h"
#include "pw_findings.h"

typedef struct _audit_facts_t audit_facts_t;
typedef struct _audit_facts_cache_t audit_facts_cache_t;

//  The patch facts (the bulk: every agent's approved and in-review
//  patches) and the plan's rows last read for up to TENANTS tenants, each
//  kept while the store's version of it (facts_version: 'facts' for the
//  scan states and statuses, 'plan' for the plan) stays the same; the least
//  recently used tenant makes room.
audit_facts_cache_t *audit_facts_cache_new (size_t tenants);
void audit_facts_cache_destroy (audit_facts_cache_t **self_p);

//  Loads that found the patch facts in the cache unchanged, those that read
//  them whole, and those that read again only what writes changed since.
void audit_facts_cache_stats (const audit_facts_cache_t *self, uint64_t *hits_p, uint64_t *misses_p,
                              uint64_t *updates_p);

//  Reads of a tenant's open findings from the store (the cache did not hold
//  them as they are: the first audit, or another writer moved them); an
//  audit's own writes leave them kept (audit_findings_keep).
uint64_t audit_findings_cache_loads (const audit_facts_cache_t *self);

//  Loads the facts of TENANT, the tenant of the current transaction (begun
//  with pw_db_begin). DEFAULTS are the configured thresholds, which the
//  tenant's settings override. Installs are counted over
//  [INSTALLED_FROM_US, INSTALLED_TO_US). With CACHE (may be NULL) the patch
//  facts and the plan's rows come from it when the store's version of them
//  has not moved, and are kept in it otherwise: the facts borrow them, so
//  destroy the facts before the next load through the same cache. Returns
//  the facts (caller owns) or NULL on a store error (pw_db_last_error says
//  which).
audit_facts_t *audit_facts_load (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                                 const pw_checks_config_t *defaults, int64_t now_us,
                                 int64_t installed_from_us, int64_t installed_to_us);

void audit_facts_destroy (audit_facts_t **self_p);

size_t audit_facts_agent_count (const audit_facts_t *self);

//  The thresholds in force for this tenant.
const pw_checks_config_t *audit_facts_config (const audit_facts_t *self);

//  Appends every finding true now (agents, review queues, plan) to OUT.
void audit_facts_evaluate (const audit_facts_t *self, pw_findings_t *out);

//  Compliance of every agent, the open findings of OPEN and the review
//  queues. Caller owns.
pw_compliance_t *audit_facts_compliance (const audit_facts_t *self, const pw_findings_t *open);

//  Loads the open findings of TENANT, the current transaction's tenant.
//  NULL on a store error.
pw_findings_t *audit_findings_load_open (pw_db_t *db, const char *tenant);

//  The open findings of TENANT as audit_findings_load_open reads them, or
//  from CACHE (may be NULL) while the tenant's findings version has not
//  moved since they were read. *BORROWED_P says the cache keeps them: do not
//  destroy them, and call audit_findings_forget when they were changed in
//  place (a diff that resolved some) and the change may not reach the store.
//  NULL on a store error.
pw_findings_t *audit_findings_open (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                                    bool *borrowed_p);

//  Drops the open findings CACHE keeps for TENANT (read again next time).
void audit_findings_forget (audit_facts_cache_t *cache, const char *tenant);

//  A tenant's findings version and the store's epoch, as read.
typedef struct {
    int64_t version, epoch;
} audit_stamp_t;

//  TENANT's findings version and the epoch as the current transaction sees
//  them, into *STAMP_P: read after the transaction's own writes of findings,
//  the version its commit makes (each write holds the counter's row until
//  then). 0, or -1 on a store error.
int audit_findings_stamp (pw_db_t *db, const char *tenant, audit_stamp_t *stamp_p);

//  After a commit: *OPEN_P (taken, nulled) are TENANT's open findings at
//  STAMP, kept in CACHE in place of those kept before (destroyed) until the
//  tenant's findings version moves again.
void audit_findings_keep (audit_facts_cache_t *cache, const char *tenant, pw_findings_t **open_p,
                          audit_stamp_t stamp);

#endif
