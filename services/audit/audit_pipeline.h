/*  audit_pipeline - records the policy and scheduler event streams once.

    The outbox (`events`) is the truth; a published event only tells the
    pipeline that a (tenant, producer) stream has reached some seq. For each
    stream it knows the highest seq announced (by the SUB sockets or by the
    catch-up query of every stream's head) and the seq recorded so far (the
    store's audit_cursor, read in every recording transaction, so a restart
    or a second instance never records anything twice). Recording a batch is
    one transaction: each event after the cursor becomes a hash-chained
    trail record, and the trail head and the cursor move (an event is
    recorded when its stream's cursor has passed it: audit_events is the
    outbox up to the cursor). After the commit the recorded events are
    republished on the audit's PUB as TENANT/PRODUCER/KIND. A
    gap (seq beyond what was recorded + 1), a lost publication, a restart of
    either side or a store outage all end the same way: the missing range
    is read from the outbox when the store answers.
*/
#ifndef AUDIT_PIPELINE_H_INCLUDED
#define AUDIT_PIPELINE_H_INCLUDED

#include "pw_service.h"

typedef struct _audit_pipeline_t audit_pipeline_t;

//  Called after a batch of TENANT's events was recorded (to schedule an audit).
typedef void (audit_recorded_fn) (void *arg, const char *tenant, size_t count);
//  True when this instance serves TENANT.
typedef bool (audit_serves_fn) (void *arg, const char *tenant);

//  BATCH: most events recorded in one transaction. Caller owns.
audit_pipeline_t *audit_pipeline_new (pw_service_t *service, int batch, audit_serves_fn *serves,
                                      audit_recorded_fn *recorded, void *arg);
void audit_pipeline_destroy (audit_pipeline_t **self_p);

//  Reads what SUB has ready (at most a few thousand messages), notes every
//  event's seq, then records. Malformed frames are counted and dropped.
void audit_pipeline_read (audit_pipeline_t *self, zsock_t *sub);

//  Notes that EVENT's stream has reached its seq.
void audit_pipeline_note (audit_pipeline_t *self, const char *tenant, const char *producer,
                          int64_t seq);

//  Records what is known and not yet recorded, at most BUDGET events.
//  Returns how many were recorded, or -1 when the store failed.
long audit_pipeline_flush (audit_pipeline_t *self, long budget);

//  Reads every stream's head from the store (one query) and notes it.
//  0 or -1.
int audit_pipeline_catch_up (audit_pipeline_t *self);

//  Events announced but not recorded yet, over every stream.
int64_t audit_pipeline_lag (audit_pipeline_t *self);

#endif
