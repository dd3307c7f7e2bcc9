/*  audit_run - a full audit of one tenant, its compliance summary and its
    daily snapshot, against the store.

    The audit server calls audit_run_tenant on its timer, after relevant
    events (debounced) and for `audit_run`. It loads the facts, evaluates
    every check, compares with the open findings (pw_findings_diff) and
    writes exactly the changes, with a `finding.opened` / `finding.resolved`
    event each, in one transaction; after the commit it publishes those
    events on the audit's PUB as TENANT/finding/opened/CODE and
    TENANT/finding/resolved/CODE.
*/
#ifndef AUDIT_RUN_H_INCLUDED
#define AUDIT_RUN_H_INCLUDED

#include <czmq.h>

#include "audit_facts.h"
#include "pw_checks.h"
#include "pw_db.h"
#include "pw_findings.h"
#include "pw_wire.h"

typedef struct {
    size_t agents;
    size_t opened;
    size_t kept;
    size_t resolved;
    size_t open;
    int64_t load_us;                                      //  the facts, through the cache
    int64_t compute_us;                                   //  checks and diff, in C
    int64_t total_us;                                     //  load, compute, write, commit
    size_t open_by [PW_CODE_COUNT][PW_FINDING_SEV_COUNT]; //  open after the run
} audit_run_result_t;

//  Each function reads the tenant's facts through CACHE (NULL: none; see
//  audit_facts_load), which the caller keeps between calls.

//  Runs a full audit of TENANT. PUB may be NULL (nothing published).
//  Returns 0, or -1 on a store error (nothing changed; pw_db_last_error).
int audit_run_tenant (pw_db_t *db, audit_facts_cache_t *cache, zsock_t *pub, const char *tenant,
                      const pw_checks_config_t *defaults, audit_run_result_t *result);

//  The compliance document of docs/audit.md for TENANT (ORG NULL or "":
//  every org). Returns a new JSON string (caller frees), or NULL on a store
//  error. With an unknown ORG the document lists no org and *FOUND_P is
//  false.
char *audit_summary_json (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                          const char *org, const pw_checks_config_t *defaults, bool *found_p);

//  The monthly report of ORG (NULL: every org) for MONTH "YYYY-MM", in
//  Markdown or, with HTML, as an HTML page. Returns a new string, or NULL
//  with *ERROR_P (a static text) naming why: "store" on a store error,
//  otherwise an unknown org or a malformed month.
char *audit_report (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant, const char *org,
                    const char *month, bool html, const pw_checks_config_t *defaults,
                    const char **error_p);

//  Writes today's compliance snapshot (per org and for the tenant) unless
//  one was taken today. 0 or -1.
int audit_snapshot (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                    const pw_checks_config_t *defaults);

//  Publishes EVENT on PUB under TOPIC. 0 or -1.
int audit_publish (zsock_t *pub, const char *topic, const pw_event_t *event);

//  Unix microseconds now.
int64_t audit_now_us (void);

#endif
