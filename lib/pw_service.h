/*  pw_service - what every Patchwarden service is made of.

    main() of policy, scheduler and audit creates a pw_service_t, registers a
    handler per call it owns, and runs it. The service owns its ROUTER (requests),
    PUB (events) and HTTP endpoint (/healthz, /metrics), its PostgreSQL
    connection, its timers and any extra sockets it reads (the audit's SUB).
    Malformed, oversized and unknown requests are answered here with a clear
    error and counted, so a handler only ever sees a well-formed request for a
    tenant this instance serves. Events are written to the outbox inside the
    handler's transaction, all at once when it commits, and published only
    after the commit.
*/
#ifndef PW_SERVICE_H_INCLUDED
#define PW_SERVICE_H_INCLUDED

#include "pw_config.h"
#include "pw_db.h"
#include "pw_http.h"
#include "pw_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_service_t pw_service_t;

//  One request being handled.
typedef struct {
    const pw_request_t *request;   //  borrowed, valid during the handler
    pw_reply_t *reply;             //  the handler sets result fields
    const char *tenant;            //  request->tenant
    const char *actor;             //  request->actor or "unknown"
    struct _pw_call_priv_t *priv_; //  the service's bookkeeping
} pw_call_t;

//  Handles one call. Set the result in call->reply (memory registered with
//  pw_call_keep is freed after the reply is sent) or fail with pw_call_fail.
typedef void (pw_call_fn) (pw_service_t *service, pw_call_t *call, void *state);
typedef void (pw_timer_fn) (pw_service_t *service, void *state);
typedef void (pw_reader_fn) (pw_service_t *service, zsock_t *socket, void *state);

//  NAME: "policy", "scheduler", "audit". PORT_BASE: ROUTER on +1, PUB on +2,
//  HTTP on +3 by default. EXTRA_KEYS: the service's own config keys (or NULL).
pw_service_t *pw_service_new (const char *name, int port_base, const pw_config_key_t *extra_keys);
void pw_service_destroy (pw_service_t **self_p);

//  Parses config and arguments. 0 to go on; 1 when --help was printed; -1
//  after printing the error naming the bad key.
int pw_service_configure (pw_service_t *self, int argc, char **argv);

//  Registers HANDLER for requests whose oneof call is CALL_CASE. With
//  NEEDS_DB the service answers UNAVAILABLE itself while the store is down.
void pw_service_on (pw_service_t *self, int call_case, const char *call_name, pw_call_fn *handler,
                    void *state, bool needs_db);

//  Runs FN every INTERVAL_MS on the service thread.
void pw_service_every (pw_service_t *self, int interval_ms, pw_timer_fn *fn, void *state);

//  Polls SOCKET (owned by the caller) and calls FN when it is readable.
void pw_service_read (pw_service_t *self, zsock_t *socket, pw_reader_fn *fn, void *state);

//  Binds, serves until SIGINT/SIGTERM, then closes everything. 0 on a clean
//  stop, -1 when an endpoint could not be bound.
int pw_service_run (pw_service_t *self);

pw_config_t *pw_service_config (pw_service_t *self);
pw_db_t *pw_service_db (pw_service_t *self);
const char *pw_service_name (pw_service_t *self);
pw_http_t *pw_service_http (pw_service_t *self);

//  Fails CALL with STATUS and a message (printf format), logs it with the
//  tenant and request id, and counts it.
void pw_call_fail (pw_call_t *call, pw_wire_status_t status, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
//  Fails CALL with UNAVAILABLE or INTERNAL from the store's last error.
void pw_call_fail_db (pw_service_t *self, pw_call_t *call, const char *what);
//  Frees PTR with FREE_FN after the reply has been sent.
void *pw_call_keep (pw_call_t *call, void *ptr, void (*free_fn) (void *));

//  Queues an event of the current transaction (begun with pw_db_begin for
//  TENANT). Nothing reaches the store before pw_service_commit; the events
//  of one transaction belong to one tenant. 0 or -1.
int pw_service_emit (pw_service_t *self, const char *tenant, const char *kind, const char *subject,
                     const char *actor, const char *payload_json);
//  Appends the queued events to the outbox in one statement (pw_outbox_append),
//  commits, then publishes them, in emit order, with their seqs. 0 or -1 (on
//  -1 the transaction is rolled back, nothing was committed or published and
//  the queue is dropped).
int pw_service_commit (pw_service_t *self);
//  Rolls back and drops the queued events.
void pw_service_rollback (pw_service_t *self);

//  Appends COUNT events of PRODUCER to the outbox of the transaction's
//  tenant in one statement (pw_event_append_batch): they get the next
//  gap-free seqs in the order given, and each one's seq and time_us are
//  filled in. Only kind, subject, actor and payload_json are read (none
//  NULL). What every producer uses, the services through pw_service_commit.
//  0 or -1.
int pw_outbox_append (pw_db_t *db, const char *producer, pw_event_t *const *events, size_t count);
//  Publishes COUNT events on PUB after their commit, in order, as
//  TENANT/PRODUCER/KIND then the Event (what pw_service_commit does). A full
//  PUB drops: subscribers see the gap in seq and read the range from the
//  store.
void pw_outbox_publish (zsock_t *pub, pw_event_t *const *events, size_t count);

//  The PUB socket (for republishing, as the audit does).
zsock_t *pw_service_pub (pw_service_t *self);

#ifdef __cplusplus
}
#endif

#endif
