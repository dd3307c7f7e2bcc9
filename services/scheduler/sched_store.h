/*  sched_store - the scheduler's rows in PostgreSQL.

    Reads what a plan is computed from (the scheduler's own sections, the
    orgs, the effective settings of every agent, the tenant's thresholds)
    into a sched_inputs_t, writes the setup sections an apply changed, and
    stores computed plans (plans, plan_agents, plan_violations) in a few
    statements whatever the number of agents. Every function runs inside
    the caller's transaction (pw_db_begin for the tenant) and uses only the
    prepared statements of sql/queries/sched_*.sql.

    A plan is stored in one of two ways. When the caller holds what it last
    wrote for the cycle (a sched_stored_t) and the plans row is still the
    version it wrote, the rows are compared in memory, by hash, and only
    the rows that changed are sent, the document only when it changed. Any
    other time (first plan after a start, or another scheduler wrote the
    plan since) every row is sent and PostgreSQL compares them with the
    stored ones. Only the scheduler writes plan_agents and plan_violations,
    and always with their plans row, which is what makes the version of
    that row enough to know the rest.
*/
#ifndef SCHED_STORE_H_INCLUDED
#define SCHED_STORE_H_INCLUDED

#include "pw_db.h"
#include "pw_setup.h"
#include "sched_build.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The scheduler's sections, in the order they are applied and reported.
#define SCHED_SECTION_COUNT 5
extern const pw_setup_section_t sched_sections [SCHED_SECTION_COUNT];

//  The agents and effective settings of up to a number of tenants, each
//  kept while the tenant's 'agents' counter and the epoch stay the same.
typedef struct _sched_store_cache_t sched_store_cache_t;

//  A cache of TENANTS entries (the least recently used goes first); NULL,
//  which every function takes as no cache, when TENANTS is 0.
sched_store_cache_t *sched_store_cache_new (size_t tenants);
void sched_store_cache_destroy (sched_store_cache_t **self_p);
//  How many times the agents' rows were read from the store.
uint64_t sched_store_cache_reads (const sched_store_cache_t *self);

//  Loads the inputs of the plan of TENANT, the transaction's tenant, the
//  agents from CACHE (may be NULL) when they are current. Returns them
//  (caller destroys with sched_store_inputs_destroy, before it destroys
//  the cache) or NULL on a store error.
sched_inputs_t *sched_store_load (pw_db_t *db, const char *tenant, sched_store_cache_t *cache);
void sched_store_inputs_destroy (sched_inputs_t **inputs_p);

//  Fills DIGESTS (indexed like sched_sections) with the digest each section
//  was last applied with, "" when never. 0 or -1.
int sched_store_section_digests (pw_db_t *db, char digests [SCHED_SECTION_COUNT][65]);

//  Of the hostnames in JSON_ARRAY, appends those that are no agent of the
//  tenant to UNKNOWN (a NULL-terminated list the caller frees with
//  sched_store_names_free; *COUNT_P set). 0 or -1.
int sched_store_unknown_hostnames (pw_db_t *db, const char *json_array, char ***unknown_p,
                                   size_t *count_p);
void sched_store_names_free (char ***names_p, size_t count);

//  Replaces the rows of SECTION with SETUP's and records its digest and
//  canonical text as applied by ACTOR. 0 or -1.
int sched_store_write_section (pw_db_t *db, const pw_setup_t *setup, pw_setup_section_t section,
                               const char *actor);

#define SCHED_VERSION_SIZE 24

//  The inputs digest of the stored plan of CYCLE into HEX and the version
//  of its plans row into VERSION ("" for both when there is none), and
//  locks the row until the transaction ends. 0 or -1.
int sched_store_plan_digest (pw_db_t *db, const char *cycle, char hex [SCHED_DIGEST_HEX],
                             char version [SCHED_VERSION_SIZE]);

//  What this process last wrote of one tenant's plan: its cycle, the
//  version of its plans row, and a hash of its document and of every row.
typedef struct _sched_stored_t sched_stored_t;

//  Destroys it and nulls the caller's pointer. NULL-safe.
void sched_stored_destroy (sched_stored_t **self_p);

//  Replaces the stored plan of PLAN's cycle; DOCUMENT is its unfiltered
//  sched_plan_document. STORED (may be NULL) is what was last written and
//  VERSION the version of the plans row sched_store_plan_digest read:
//  when they match, only what changed is written. Sets *WRITTEN_P to what
//  is stored now, for the next call once the transaction has committed
//  (caller destroys). 0 or -1.
int sched_store_plan_put (pw_db_t *db, const sched_plan_t *plan, const char *document,
                          const char *digest, const char *actor, int64_t compute_us,
                          const sched_stored_t *stored, const char *version,
                          sched_stored_t **written_p);

#ifdef __cplusplus
}
#endif

#endif
