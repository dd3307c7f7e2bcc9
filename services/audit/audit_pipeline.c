/*  audit_pipeline - per-stream bookkeeping and the recording transaction.

    One transaction records up to BATCH events of one stream: it takes the
    tenant's recording lock (several instances may run), reads the trail
    head and the cursor, reads the next events from the outbox, hashes them
    into trail records in C, and writes everything in one statement that
    reads the outbox range again and takes only the hashes from here (the
    trail records, the head, the cursor). The round trips do not grow with
    the batch. A failed transaction changes nothing, here or in the store;
    the stream is retried after a short pause.
*/
#include "audit_pipeline.h"

#include <string.h>

#include "pw_log.h"
#include "pw_metrics.h"
#include "pw_trail.h"
#include "pw_util.h"

#define S_READ_MAX  5000 //  messages read from a SUB before recording
#define S_RETRY_MS  500  //  pause after a failed transaction
#define S_MAX_EVENT (1 << 20)

typedef struct {
    char *tenant;
    char *producer;
    int64_t recorded; //  -1 until read from the store
    int64_t known;    //  highest seq announced
    int64_t retry_ms; //  not before this (monotonic ms) after a failure
} s_stream_t;

struct _audit_pipeline_t {
    pw_service_t *service;
    pw_db_t *db;
    int batch;
    audit_serves_fn *serves;
    audit_recorded_fn *recorded;
    void *arg;
    zhashx_t *streams; //  "tenant/producer" -> s_stream_t
    pw_metric_t *m_recorded;
    pw_metric_t *m_malformed;
    pw_metric_t *m_gaps;
    pw_metric_t *m_failures;
    pw_metric_t *m_lag;
    pw_metric_t *m_batches;
};

static void
s_stream_destroy (void **item_p)
{
    s_stream_t *s = *item_p;
    if (s) {
        free (s->tenant);
        free (s->producer);
        free (s);
        *item_p = NULL;
    }
}

audit_pipeline_t *
audit_pipeline_new (pw_service_t *service, int batch, audit_serves_fn *serves,
                    audit_recorded_fn *recorded, void *arg)
{
    audit_pipeline_t *self = pw_calloc (1, sizeof *self);
    self->service = service;
    self->batch = batch > 0 ? batch : 5000;
    self->serves = serves;
    self->recorded = recorded;
    self->arg = arg;
    self->streams = zhashx_new ();
    zhashx_set_destructor (self->streams, s_stream_destroy);
    self->m_recorded = pw_metrics_counter ("pw_audit_events_recorded_total",
                                           "Events of other services recorded once", NULL);
    self->m_malformed =
        pw_metrics_counter ("pw_audit_events_malformed_total",
                            "Frames on the event SUB sockets that were dropped", NULL);
    self->m_gaps = pw_metrics_counter ("pw_audit_event_gaps_total",
                                       "Published events that arrived after a gap in seq", NULL);
    self->m_failures = pw_metrics_counter ("pw_audit_record_failures_total",
                                           "Recording transactions that failed (retried)", NULL);
    self->m_lag = pw_metrics_gauge ("pw_audit_event_lag",
                                    "Events announced but not yet recorded, all streams", NULL);
    self->m_batches = pw_metrics_counter ("pw_audit_record_batches_total",
                                          "Recording transactions committed", NULL);
    return self;
}

void
audit_pipeline_destroy (audit_pipeline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_pipeline_t *self = *self_p;
    zhashx_destroy (&self->streams);
    free (self);
    *self_p = NULL;
}

static bool
s_valid_tenant (const char *tenant)
{
    size_t len = strlen (tenant);
    if (len == 0 || len > 63)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = tenant [i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '_' || c == '.' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

//  WIRE: announced by a publication (a jump in seq there is a gap).
static void
s_note (audit_pipeline_t *self, const char *tenant, const char *producer, int64_t seq, bool wire)
{
    if (!s_valid_tenant (tenant) ||
        (strcmp (producer, "policy") != 0 && strcmp (producer, "scheduler") != 0) ||
        (self->serves && !self->serves (self->arg, tenant)) || seq <= 0)
        return;
    char key [160];
    snprintf (key, sizeof key, "%s/%s", tenant, producer);
    s_stream_t *s = zhashx_lookup (self->streams, key);
    if (!s) {
        s = pw_calloc (1, sizeof *s);
        s->tenant = pw_strdup (tenant);
        s->producer = pw_strdup (producer);
        s->recorded = -1;
        zhashx_insert (self->streams, key, s);
    }
    int64_t last = s->known > s->recorded ? s->known : s->recorded;
    if (wire && s->recorded >= 0 && seq > last + 1)
        pw_metric_add (self->m_gaps, 1);
    if (seq > s->known)
        s->known = seq;
}

void
audit_pipeline_note (audit_pipeline_t *self, const char *tenant, const char *producer, int64_t seq)
{
    s_note (self, tenant, producer, seq, false);
}

//  Unpacking an event allocates from a buffer that lives for one message,
//  not from the heap (a larger event falls back to malloc).
typedef struct {
    uint8_t *data;
    size_t size;
    size_t used;
} s_bump_t;

static void *
s_bump_alloc (void *arg, size_t size)
{
    s_bump_t *bump = arg;
    size_t at = (bump->used + 15) & ~(size_t)15;
    if (size > bump->size || at > bump->size - size)
        return pw_malloc (size);
    bump->used = at + size;
    return bump->data + at;
}

static void
s_bump_free (void *arg, void *ptr)
{
    s_bump_t *bump = arg;
    if ((uint8_t *)ptr < bump->data || (uint8_t *)ptr >= bump->data + bump->size)
        free (ptr);
}

//  Receives one message (topic, event) if there is one, without waiting.
//  Returns 1 with the body in BODY, 0 for a malformed message (dropped),
//  -1 when there is none.
static int
s_recv (void *handle, zmq_msg_t *body)
{
    zmq_msg_t topic;
    zmq_msg_init (&topic);
    if (zmq_msg_recv (&topic, handle, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&topic);
        return -1;
    }
    bool more = zmq_msg_more (&topic);
    zmq_msg_close (&topic);
    if (!more)
        return 0;
    //  The rest of a message arrives with its first frame
    zmq_msg_init (body);
    if (zmq_msg_recv (body, handle, 0) < 0) {
        zmq_msg_close (body);
        return -1;
    }
    if (!zmq_msg_more (body) && zmq_msg_size (body) <= S_MAX_EVENT)
        return 1;
    while (zmq_msg_more (body)) {
        zmq_msg_close (body);
        zmq_msg_init (body);
        if (zmq_msg_recv (body, handle, 0) < 0)
            break;
    }
    zmq_msg_close (body);
    return 0;
}

void
audit_pipeline_read (audit_pipeline_t *self, zsock_t *sub)
{
    void *handle = zsock_resolve (sub);
    _Alignas(16) uint8_t buffer [4096];
    s_bump_t bump = {buffer, sizeof buffer, 0};
    ProtobufCAllocator allocator = {s_bump_alloc, s_bump_free, &bump};
    for (int i = 0; i < S_READ_MAX; i++) {
        zmq_msg_t body;
        int rc = s_recv (handle, &body);
        if (rc < 0)
            break;
        pw_event_t *event = NULL;
        if (rc > 0) {
            bump.used = 0;
            event = patchwarden__v1__event__unpack (&allocator, zmq_msg_size (&body),
                                                    zmq_msg_data (&body));
            zmq_msg_close (&body);
        }
        if (!event) {
            pw_metric_add (self->m_malformed, 1);
            pw_log_warn ("malformed event dropped", "type=%s", zsock_type_str (sub));
            continue;
        }
        s_note (self, event->tenant, event->producer, (int64_t)event->seq, true);
        patchwarden__v1__event__free_unpacked (event, &allocator);
    }
    audit_pipeline_flush (self, 20 * self->batch);
}

//  Republishes the recorded ROWS (the store's text) after the commit, in
//  one pass with no allocation per event.
static void
s_republish (audit_pipeline_t *self, s_stream_t *s, PGresult *rows, int n, int64_t from)
{
    zsock_t *pub = pw_service_pub (self->service);
    if (!pub)
        return;
    void *handle = zsock_resolve (pub);
    uint8_t *body = NULL;
    size_t body_cap = 0;
    for (int row = 0; row < n; row++) {
        pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
        event.tenant = s->tenant;
        event.producer = s->producer;
        event.seq = (uint64_t)(from + 1 + row);
        event.time_us = strtoll (PQgetvalue (rows, row, 1), NULL, 10);
        event.kind = PQgetvalue (rows, row, 2);
        event.subject = PQgetvalue (rows, row, 3);
        event.actor = PQgetvalue (rows, row, 4);
        event.payload_json = PQgetvalue (rows, row, 5);
        char topic [256];
        int topic_len =
            snprintf (topic, sizeof topic, "%s/%s/%s", s->tenant, s->producer, event.kind);
        if (topic_len < 0 || (size_t)topic_len >= sizeof topic)
            topic_len = (int)strlen (topic);
        size_t size = patchwarden__v1__event__get_packed_size (&event);
        if (size > body_cap) {
            body_cap = size * 2;
            body = pw_realloc (body, body_cap);
        }
        patchwarden__v1__event__pack (&event, body);
        //  A full PUB drops (subscribers recover the range with events_since)
        if (zmq_send (handle, topic, (size_t)topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) == topic_len)
            zmq_send (handle, body, size, ZMQ_DONTWAIT);
    }
    free (body);
}

//  Hashes ROWS into trail records chained after HEAD (NULL: the first),
//  from the values the store will write (audit_events_fetch), and appends
//  their hashes to HASHES as the hex text of one bytea. Fills LAST with the
//  last record. 0 or -1.
static int
s_chain (s_stream_t *s, PGresult *rows, int n, const pw_trail_record_t *head,
         pw_trail_record_t *last, pw_strbuf_t *hashes)
{
    pw_trail_record_t prev = head ? *head : (pw_trail_record_t){0}, record;
    pw_strbuf_append_len (hashes, "\\x", 2);
    for (int row = 0; row < n; row++) {
        memset (&record, 0, sizeof record);
        record.tenant = s->tenant;
        record.time_us = strtoll (PQgetvalue (rows, row, 1), NULL, 10);
        record.subject = PQgetvalue (rows, row, 3);
        record.details = PQgetvalue (rows, row, 5);
        record.action = PQgetvalue (rows, row, 6);
        record.actor = PQgetvalue (rows, row, 7);
        record.reason = PQgetvalue (rows, row, 8);
        if (pw_trail_append (&record, head || row > 0 ? &prev : NULL)) {
            pw_log_error ("trail record refused", "tenant=%s producer=%s seq=%s", s->tenant,
                          s->producer, PQgetvalue (rows, row, 0));
            return -1;
        }
        pw_strbuf_append_len (hashes, record.hash, 64);
        prev = record;
    }
    *last = prev;
    return 0;
}

//  Records the next batch of S. Returns the count recorded (0: nothing to
//  do), or -1 when the store failed.
static long
s_record (audit_pipeline_t *self, s_stream_t *s)
{
    pw_db_t *db = self->db;
    long rc = -1;
    PGresult *res = NULL, *rows = NULL;
    pw_strbuf_t hashes;
    pw_strbuf_init (&hashes);
    int64_t started = zclock_usecs (), fetched = 0, hashed = 0, written = 0, committed = 0;
    if (pw_db_begin (db, s->tenant))
        goto cleanup;
    //  The lock first: the state below is read by a statement that starts
    //  after it, so it sees what another instance committed before.
    const char *what [] = {"record"};
    if (!(res = pw_db_exec (db, "audit_lock", 1, what)))
        goto rollback;
    PQclear (res);
    const char *state [] = {s->producer};
    if (!(res = pw_db_exec (db, "audit_record_state", 1, state)))
        goto rollback;
    pw_trail_record_t head = {.tenant = s->tenant, .actor = "-", .action = "-"};
    bool have_head = !PQgetisnull (res, 0, 0);
    if (have_head) {
        head.seq = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
        snprintf (head.hash, sizeof head.hash, "%s", PQgetvalue (res, 0, 1));
    }
    int64_t from = strtoll (PQgetvalue (res, 0, 2), NULL, 10);
    PQclear (res);
    res = NULL;
    if (s->known <= from) {
        pw_db_rollback (db);
        s->recorded = s->known = from;
        rc = 0;
        goto cleanup;
    }
    //  Whatever the outbox holds after the cursor, announced yet or not: a
    //  producer commits ahead of its publications, and a larger batch costs
    //  the same round trips.
    int64_t want = self->batch;
    char from_text [32], to_text [32], limit_text [32];
    snprintf (from_text, sizeof from_text, "%lld", (long long)from);
    snprintf (to_text, sizeof to_text, "%lld", (long long)(from + want));
    snprintf (limit_text, sizeof limit_text, "%lld", (long long)want);
    const char *fetch [] = {s->producer, from_text, to_text, limit_text};
    if (!(rows = pw_db_exec (db, "audit_events_fetch", 4, fetch)))
        goto rollback;
    //  Only the contiguous run after the cursor: the outbox has no gaps,
    //  but never chain a record past a hole.
    int n = 0;
    while (n < PQntuples (rows) && strtoll (PQgetvalue (rows, n, 0), NULL, 10) == from + 1 + n)
        n++;
    if (n == 0) {
        //  Announced but not in the outbox (not visible yet, or a bogus
        //  publication): forget the announcement; catch-up reads the heads.
        pw_db_rollback (db);
        s->recorded = s->known = from;
        rc = 0;
        goto cleanup;
    }
    fetched = zclock_usecs ();
    pw_trail_record_t last;
    if (s_chain (s, rows, n, have_head ? &head : NULL, &last, &hashes))
        goto rollback;
    snprintf (to_text, sizeof to_text, "%lld", (long long)(from + n));
    char head_text [32];
    snprintf (head_text, sizeof head_text, "%lld", (long long)(have_head ? head.seq : 0));
    hashed = zclock_usecs ();
    const char *write [] = {
        s->producer, from_text, to_text, head_text, have_head ? head.hash : PW_TRAIL_GENESIS,
        hashes.data};
    if (!(res = pw_db_exec (db, "audit_record_write", 6, write)))
        goto rollback;
    //  The cursor and the head moved from what this transaction read, and
    //  every event of the range became one record; anything else means the
    //  store changed behind the recording lock.
    long cursor = strtol (PQgetvalue (res, 0, 0), NULL, 10);
    long moved = strtol (PQgetvalue (res, 0, 1), NULL, 10);
    long records = strtol (PQgetvalue (res, 0, 2), NULL, 10);
    PQclear (res);
    res = NULL;
    if (cursor != 1 || moved != 1 || records != n) {
        pw_log_error ("recording refused: cursor or trail head moved, or events missing",
                      "tenant=%s producer=%s from=%lld count=%d cursor=%ld head=%ld records=%ld",
                      s->tenant, s->producer, (long long)from, n, cursor, moved, records);
        goto rollback;
    }
    written = zclock_usecs ();
    if (pw_db_commit (db))
        goto cleanup;
    committed = zclock_usecs ();
    s->recorded = from + n;
    if (s->known < s->recorded)
        s->known = s->recorded;
    pw_metric_add (self->m_recorded, n);
    pw_metric_add (self->m_batches, 1);
    s_republish (self, s, rows, n, from);
    if (self->recorded)
        self->recorded (self->arg, s->tenant, (size_t)n);
    rc = n;
    //  Where a batch's time goes, for sizing (docs/monitoring.md)
    pw_log_debug ("events recorded",
                  "tenant=%s producer=%s count=%d fetch_us=%lld hash_us=%lld write_us=%lld "
                  "commit_us=%lld publish_us=%lld",
                  s->tenant, s->producer, n, (long long)(fetched - started),
                  (long long)(hashed - fetched), (long long)(written - hashed),
                  (long long)(committed - written), (long long)(zclock_usecs () - committed));
    goto cleanup;
rollback:
    pw_db_rollback (db);
cleanup:
    if (rc < 0) {
        pw_metric_add (self->m_failures, 1);
        s->retry_ms = zclock_mono () + S_RETRY_MS;
        pw_log_warn ("events not recorded, will retry", "tenant=%s producer=%s reason=\"%s\"",
                     s->tenant, s->producer, pw_db_last_error (db));
    }
    PQclear (res);
    PQclear (rows);
    pw_strbuf_free (&hashes);
    return rc;
}

long
audit_pipeline_flush (audit_pipeline_t *self, long budget)
{
    self->db = pw_service_db (self->service);
    long total = 0;
    bool failed = false, more = true;
    while (more && total < budget) {
        more = false;
        int64_t now = zclock_mono ();
        for (s_stream_t *s = zhashx_first (self->streams); s; s = zhashx_next (self->streams)) {
            if (s->known <= s->recorded || s->retry_ms > now)
                continue;
            if (!pw_db_is_up (self->db) && !pw_db_ensure (self->db)) {
                failed = true;
                break;
            }
            long n = s_record (self, s);
            if (n < 0)
                failed = true;
            else {
                total += n;
                more = more || s->known > s->recorded;
            }
            if (total >= budget)
                break;
        }
        if (failed)
            break;
    }
    pw_metric_set (self->m_lag, audit_pipeline_lag (self));
    return failed ? -1 : total;
}

int
audit_pipeline_catch_up (audit_pipeline_t *self)
{
    self->db = pw_service_db (self->service);
    PGresult *res = pw_db_exec (self->db, "audit_event_heads", 0, NULL);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples (res); row++)
        audit_pipeline_note (self, PQgetvalue (res, row, 0), PQgetvalue (res, row, 1),
                             strtoll (PQgetvalue (res, row, 2), NULL, 10));
    PQclear (res);
    return 0;
}

int64_t
audit_pipeline_lag (audit_pipeline_t *self)
{
    int64_t lag = 0;
    for (s_stream_t *s = zhashx_first (self->streams); s; s = zhashx_next (self->streams))
        if (s->known > s->recorded)
            lag += s->known - (s->recorded > 0 ? s->recorded : 0);
    return lag;
}
