/*  policy_server - wires the policy service's domain to its calls, events and
    store. main() creates the service, then calls policy_server_register.
*/
#ifndef PW_POLICY_SERVER_H_INCLUDED
#define PW_POLICY_SERVER_H_INCLUDED

#include "policy_store.h"
#include "policy_tenant.h"
#include "pw_service.h"

typedef struct _policy_server_t policy_server_t;

//  The service's own config keys (besides the common ones), ended by {NULL}.
const pw_config_key_t *policy_server_config_keys (void);

//  Registers the service's calls and timers; returns its state (caller owns).
void *policy_server_register (pw_service_t *service);

//  Destroys the state policy_server_register returned. NULL-safe.
void policy_server_destroy (void **state_p);

//  For the call handlers in other files of the service: the tenant's state
//  loaded from (or brought up to date with) the store, inside the caller's
//  transaction. NULL after failing CALL.
policy_tenant_t *policy_server_tenant (policy_server_t *self, pw_call_t *call);

//  Loads and resolves TENANT from the store inside the current transaction,
//  without caching it; the cached state of TENANT is dropped first, so a
//  tenant is never held twice in memory. Caller owns; NULL with *ERROR_P.
//  With READING_P, the store's results of the tenant are read while the
//  resolution computes (and settings staged when there are none), for
//  policy_server_replace (the caller's to pass).
policy_tenant_t *policy_server_load (policy_server_t *self, const char *tenant, char **error_p,
                                     policy_reading_t **reading_p);

//  Drops the cached state of TENANT (after a failed write).
void policy_server_forget (policy_server_t *self, const char *tenant);

//  Caches FRESH as the state of TENANT (ownership moves in) after comparing
//  its results with those the store holds, so the change marks of FRESH say
//  which agents' stored results differ. Returns the state now cached, or
//  NULL (FRESH destroyed) when the store could not be read. READING_P: the
//  reading of policy_server_load (destroyed here), or NULL to read the
//  store's results now.
policy_tenant_t *policy_server_replace (policy_server_t *self, const char *tenant,
                                        policy_tenant_t **fresh_p, policy_reading_t **reading_p);

//  What policy_server_publish_results writes.
typedef enum {
    POLICY_WRITE_AGENTS, //  settings and statuses of the agents marked changed
    POLICY_WRITE_ENTRIES //  only the statuses marked changed (settings cannot have)
} policy_write_t;

//  Writes TENANT's changed results, bumps the version, emits
//  `settings.changed` / `approvals.changed` for the agents concerned, and
//  leaves the transaction open for the caller's own events. Returns the
//  number of agents whose settings or statuses changed, or -1 (call failed).
long policy_server_publish_results (policy_server_t *self, pw_call_t *call, policy_tenant_t *tenant,
                                    policy_write_t mode);

//  The import call (policy_import.c).
void policy_import_handle (pw_service_t *service, pw_call_t *call, void *state);

//  The imports uploaded in parts that are open (policy_import.c): created
//  at registration, with the idle time after which an upload is dropped.
typedef struct _policy_imports_t policy_imports_t;
policy_imports_t *policy_imports_new (pw_service_t *service, int64_t idle_timeout_ms);
void policy_imports_destroy (policy_imports_t **self_p);
//  How often the timer should run, and the timer: drops the uploads that
//  have been idle too long, with their staged rows.
int policy_imports_interval_ms (policy_imports_t *self);
void policy_imports_expire (pw_service_t *service, void *state);

//  The service's open uploads.
policy_imports_t *policy_server_imports (policy_server_t *self);

#endif
