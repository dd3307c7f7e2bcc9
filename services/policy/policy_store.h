/*  policy_store - the policy service's reads and writes of the store.

    Loads a tenant's inventory and configuration into plain data (COPY for
    the big tables), writes an applied setup's policy sections, and writes
    resolved settings and statuses back in bulk (COPY into session staging
    tables, then one INSERT ... SELECT under row-level security). Every
    function runs inside the caller's transaction (pw_db_begin with the
    tenant) and returns -1 with the store's error on failure.
*/
#ifndef POLICY_STORE_H_INCLUDED
#define POLICY_STORE_H_INCLUDED

#include "policy_tenant.h"
#include "pw_db.h"
#include "pw_setup.h"

//  Loads everything the tenant resolves from. Caller owns both results.
int policy_store_load (pw_db_t *db, policy_inventory_t **inventory_p, policy_config_t **config_p,
                       int64_t *version_p);

//  Takes the tenant's policy write lock until the transaction ends, so
//  instances side by side never interleave their writes. 0 or -1.
int policy_store_lock (pw_db_t *db);

//  The tenant's policy version.
int64_t policy_store_version (pw_db_t *db);
//  Bumps the version; returns the new one or -1.
int64_t policy_store_bump (pw_db_t *db);

//  Digests of the applied setup sections: fills DIGESTS[section] (65 bytes
//  each, "" when never applied).
int policy_store_section_digests (pw_db_t *db, char digests [][PW_SETUP_DIGEST_HEX]);

//  Writes the policy sections of SETUP marked in CHANGED (indexed by
//  pw_setup_section_t), and records their digests. On an org that would be
//  removed while agents still belong to it, returns -1 and sets *CONFLICT_P
//  to a message naming it (caller frees).
int policy_store_write_setup (pw_db_t *db, const pw_setup_t *setup, const policy_config_t *config,
                              const bool *changed, const char *actor, char **conflict_p);

//  Records a decision.
int policy_store_decision (pw_db_t *db, const char *policy, const char *kb, const char *action,
                           const char *reason, const char *actor);

//  Writes only the scan entries whose status changed (a decision, an
//  override, time): an UPDATE of those rows, settings untouched. Returns
//  the number of rows written, or -1.
long policy_store_write_statuses (pw_db_t *db, policy_tenant_t *tenant);

//  A resolution's reads and writes while it computes: the results the store
//  holds for the session's tenant (settings, agents' profiles, profile
//  statuses) are read for the comparison that follows; when they turn out
//  to be none (a first resolution, whose write will take every agent's
//  settings), every agent's settings are staged for that write as soon as
//  they are resolved. begin: NULL on a store error. poll: a policy_poll_fn
//  (ARG the reading) for policy_tenant_resolve_polling. end: after the
//  resolution, ends the staging and marks TENANT's settings staged
//  (policy_tenant_settings_staged); 0, or -1 on a store error (also one met
//  by a poll).
typedef struct _policy_reading_t policy_reading_t;
policy_reading_t *policy_store_reading_begin (pw_db_t *db, policy_tenant_t *tenant);
void policy_store_reading_poll (void *reading, size_t resolved);
int policy_store_reading_end (policy_reading_t *self);
void policy_store_reading_destroy (policy_reading_t **self_p);

//  Compares TENANT's resolution with the results the store holds (read now,
//  or by READING, begun before the resolution) and marks
//  (policy_tenant_mark) every agent whose stored settings or statuses
//  differ, are missing or are extra. Returns the count of agents marked,
//  or -1.
long policy_store_diff_results (pw_db_t *db, policy_tenant_t *tenant, policy_reading_t *reading);

//  Writes the results of every agent marked changed. Returns the number of
//  agents written, or -1.
long policy_store_write_results (pw_db_t *db, policy_tenant_t *tenant);

#endif
