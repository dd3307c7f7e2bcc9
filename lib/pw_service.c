/*  pw_service - the service skeleton: sockets, dispatch, timers, outbox.

    One thread serves ZeroMQ (a zpoller over the ROUTER and any extra
    sockets, with timers run between polls); the HTTP endpoint has its own.
    Receive paths tell "interrupted" (stop) from "malformed" (answer, count,
    go on).
*/
#include "pw_service.h"

#include <assert.h>
#include <regex.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

#include "pw_log.h"
#include "pw_metrics.h"
#include "pw_util.h"

#define S_MAX_HANDLERS 64
#define S_MAX_TIMERS   8
#define S_MAX_READERS  8

typedef struct {
    int call_case;
    char *name;
    pw_call_fn *fn;
    void *state;
    bool needs_db;
    pw_metric_t *m_calls;
} s_handler_t;

typedef struct {
    int interval_ms;
    int64_t next_ms;
    pw_timer_fn *fn;
    void *state;
} s_timer_t;

typedef struct {
    zsock_t *socket;
    pw_reader_fn *fn;
    void *state;
} s_reader_t;

typedef struct {
    void *ptr;
    void (*free_fn) (void *);
} s_kept_t;

struct _pw_call_priv_t {
    pw_service_t *service;
    s_kept_t *kept;
    size_t kept_count;
    char *message;
};

struct _pw_service_t {
    char *name;
    pw_config_key_t *keys;
    pw_config_t *config;
    pw_db_t *db;
    pw_http_t *http;
    zsock_t *router;
    zsock_t *pub;
    s_handler_t handlers [S_MAX_HANDLERS];
    int handler_count;
    s_timer_t timers [S_MAX_TIMERS];
    int timer_count;
    s_reader_t readers [S_MAX_READERS];
    int reader_count;
    pw_event_t **pending; //  the transaction's events, written and published on commit
    size_t pending_count;
    size_t pending_cap;
    char **tenants; //  tenants this instance serves; NULL = all
    size_t tenant_count;
    regex_t tenant_re;
    int64_t started_us;
    int64_t db_checked_ms; //  monotonic time of the last store check
    size_t max_request_bytes;
    pw_metric_t *m_protocol_errors;
    pw_metric_t *m_unknown_calls;
    pw_metric_t *m_db_up;
    pw_metric_t *m_events;
    pw_metric_t *m_uptime;
};

static void s_drop_pending (pw_service_t *self);
static void s_settle (pw_service_t *self, const char *what);

static int64_t
s_now_us (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static char *
s_fmt (const char *format, int number)
{
    return pw_sprintf (format, number);
}

pw_service_t *
pw_service_new (const char *name, int port_base, const pw_config_key_t *extra_keys)
{
    //  Every service rebuilds a tenant's state per call (a resolution, an
    //  audit, a plan) right after freeing the last: in the memory that one
    //  freed, not in fresh pages (pw_memory_keep)
    pw_memory_keep ();
    pw_service_t *self = pw_calloc (1, sizeof *self);
    self->name = pw_strdup (name);
    //  The common keys, with this service's default ports.
    pw_config_key_t common [] = {
        {"router", PW_CFG_STRING, s_fmt ("tcp://*:%d", port_base + 1),
         "ZeroMQ ROUTER endpoint for requests"},
        {"pub", PW_CFG_STRING, s_fmt ("tcp://*:%d", port_base + 2),
         "ZeroMQ PUB endpoint for events"},
        {"http_address", PW_CFG_STRING, pw_strdup ("0.0.0.0"),
         "address of the HTTP endpoint (/healthz, /metrics)"},
        {"http_port", PW_CFG_INT, s_fmt ("%d", port_base + 3), "port of the HTTP endpoint"},
        {"db_url", PW_CFG_STRING, pw_strdup ("postgresql:///patchwarden"),
         "PostgreSQL connection URL (no password in it)"},
        {"db_password", PW_CFG_SECRET, pw_strdup (""), "PostgreSQL password"},
        {"tenants", PW_CFG_STRING, pw_strdup (""),
         "comma-separated tenants this instance serves; empty = all"},
        //  A catalogue or a scan export of a large tenant is one request.
        {"max_request_bytes", PW_CFG_INT, s_fmt ("%d", 256 << 20),
         "largest request frame accepted"},
        {"health_interval_ms", PW_CFG_INT, s_fmt ("%d", 1000),
         "how often the store connection is checked"},
        {"log_level", PW_CFG_STRING, pw_strdup ("info"), "debug, info, warn or error"},
        {NULL, 0, NULL, NULL}};
    self->keys = pw_malloc (sizeof common);
    memcpy (self->keys, common, sizeof common);
    const pw_config_key_t *tables [] = {self->keys, extra_keys, NULL};
    if (!extra_keys)
        tables [1] = NULL;
    self->config = pw_config_new (tables);
    regcomp (&self->tenant_re, "^[a-z0-9][a-z0-9_.-]{0,62}$", REG_EXTENDED | REG_NOSUB);
    self->started_us = s_now_us ();
    return self;
}

void
pw_service_destroy (pw_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_service_t *self = *self_p;
    pw_http_destroy (&self->http);
    zsock_destroy (&self->router);
    zsock_destroy (&self->pub);
    pw_db_destroy (&self->db);
    pw_config_destroy (&self->config);
    for (pw_config_key_t *key = self->keys; key->name; key++)
        free ((char *)key->fallback);
    free (self->keys);
    for (int i = 0; i < self->handler_count; i++)
        free (self->handlers [i].name);
    s_drop_pending (self);
    free (self->pending);
    for (size_t i = 0; i < self->tenant_count; i++)
        free (self->tenants [i]);
    free (self->tenants);
    regfree (&self->tenant_re);
    free (self->name);
    free (self);
    *self_p = NULL;
}

int
pw_service_configure (pw_service_t *self, int argc, char **argv)
{
    char *error = NULL;
    int rc = pw_config_load (self->config, argc, argv, &error);
    if (rc == 1) {
        char program [64];
        snprintf (program, sizeof program, "pw-%s", self->name);
        pw_config_help (self->config, stdout, program, "[--config FILE] [options]");
        return 1;
    }
    if (rc) {
        fprintf (stderr, "pw-%s: %s\n", self->name, error);
        free (error);
        return -1;
    }
    pw_log_level_t level;
    if (pw_log_level_parse (pw_config_str (self->config, "log_level"), &level)) {
        fprintf (stderr,
                 "pw-%s: config log_level: \"%s\" is not one of debug, info, warn, "
                 "error\n",
                 self->name, pw_config_str (self->config, "log_level"));
        return -1;
    }
    pw_log_init (self->name, level);
    int64_t max_bytes = pw_config_int (self->config, "max_request_bytes");
    if (max_bytes < 1024) {
        fprintf (stderr, "pw-%s: config max_request_bytes: must be at least 1024\n", self->name);
        return -1;
    }
    self->max_request_bytes = (size_t)max_bytes;
    char *list = pw_strdup (pw_config_str (self->config, "tenants"));
    char *save = NULL;
    for (char *token = strtok_r (list, ", ", &save); token; token = strtok_r (NULL, ", ", &save)) {
        self->tenants = pw_realloc (self->tenants, sizeof (char *) * (self->tenant_count + 1));
        self->tenants [self->tenant_count++] = pw_strdup (token);
    }
    free (list);
    self->db = pw_db_new (pw_config_str (self->config, "db_url"));
    pw_db_set_password (self->db, pw_config_str (self->config, "db_password"));
    char prefix [32];
    snprintf (prefix, sizeof prefix, "%s_",
              strcmp (self->name, "scheduler") == 0 ? "sched" : self->name);
    pw_db_set_prefix (self->db, prefix);
    return 0;
}

void
pw_service_on (pw_service_t *self, int call_case, const char *call_name, pw_call_fn *handler,
               void *state, bool needs_db)
{
    assert (self->handler_count < S_MAX_HANDLERS);
    s_handler_t *h = &self->handlers [self->handler_count++];
    h->call_case = call_case;
    h->name = pw_strdup (call_name);
    h->fn = handler;
    h->state = state;
    h->needs_db = needs_db;
    char labels [128];
    snprintf (labels, sizeof labels, "call=\"%s\"", call_name);
    h->m_calls = pw_metrics_counter ("pw_requests_total", "Requests handled, by call", labels);
}

void
pw_service_every (pw_service_t *self, int interval_ms, pw_timer_fn *fn, void *state)
{
    assert (self->timer_count < S_MAX_TIMERS);
    s_timer_t *t = &self->timers [self->timer_count++];
    t->interval_ms = interval_ms;
    t->next_ms = zclock_mono () + interval_ms;
    t->fn = fn;
    t->state = state;
}

void
pw_service_read (pw_service_t *self, zsock_t *socket, pw_reader_fn *fn, void *state)
{
    assert (self->reader_count < S_MAX_READERS);
    s_reader_t *r = &self->readers [self->reader_count++];
    r->socket = socket;
    r->fn = fn;
    r->state = state;
}

pw_config_t *
pw_service_config (pw_service_t *self)
{
    return self->config;
}

pw_db_t *
pw_service_db (pw_service_t *self)
{
    return self->db;
}

const char *
pw_service_name (pw_service_t *self)
{
    return self->name;
}

pw_http_t *
pw_service_http (pw_service_t *self)
{
    return self->http;
}

zsock_t *
pw_service_pub (pw_service_t *self)
{
    return self->pub;
}

//  --- calls ----------------------------------------------------------------

static pw_metric_t *
s_error_counter (pw_wire_status_t status)
{
    char labels [64];
    snprintf (labels, sizeof labels, "code=\"%s\"", pw_wire_status_name (status));
    return pw_metrics_counter ("pw_request_errors_total",
                               "Requests answered with an error, by status", labels);
}

void
pw_call_fail (pw_call_t *call, pw_wire_status_t status, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    free (call->priv_->message);
    call->priv_->message = pw_strbuf_take (&buf);
    pw_strbuf_free (&buf);
    call->reply->status = status;
    call->reply->message = call->priv_->message;
    pw_metric_add (s_error_counter (status), 1);
    pw_log_warn ("request failed", "tenant=%s request=%s status=%s reason=\"%s\"",
                 call->tenant && *call->tenant ? call->tenant : "-",
                 call->request && *call->request->request_id ? call->request->request_id : "-",
                 pw_wire_status_name (status), call->priv_->message);
}

void
pw_call_fail_db (pw_service_t *self, pw_call_t *call, const char *what)
{
    if (!pw_db_is_up (self->db)) {
        char error [512];
        pw_db_error (self->db, error, sizeof error);
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_UNAVAILABLE,
                      "%s: database unavailable, nothing was changed (%s)", what, error);
    } else
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "%s: %s", what,
                      pw_db_last_error (self->db));
}

void *
pw_call_keep (pw_call_t *call, void *ptr, void (*free_fn) (void *))
{
    struct _pw_call_priv_t *priv = call->priv_;
    priv->kept = pw_realloc (priv->kept, sizeof (s_kept_t) * (priv->kept_count + 1));
    priv->kept [priv->kept_count].ptr = ptr;
    priv->kept [priv->kept_count].free_fn = free_fn;
    priv->kept_count++;
    return ptr;
}

static void
s_ping (pw_service_t *self, pw_call_t *call, void *state)
{
    (void)state;
    Patchwarden__V1__PingReply *ping = pw_call_keep (call, pw_calloc (1, sizeof *ping), free);
    patchwarden__v1__ping_reply__init (ping);
    ping->service = self->name;
    ping->version = PW_VERSION;
    //  A round trip to the store at most every 250 ms: a burst of pings
    //  (monitoring, load balancers) costs no store work, and the state
    //  reported is never older than that.
    int64_t now = zclock_mono ();
    if (now - self->db_checked_ms >= 250) {
        pw_db_check (self->db);
        self->db_checked_ms = zclock_mono ();
    }
    bool up = pw_db_is_up (self->db);
    ping->db_state = up ? "up" : "down";
    char *error = pw_call_keep (call, pw_malloc (512), free);
    pw_db_error (self->db, error, 512);
    ping->db_error = error;
    ping->db_down_since_us = pw_db_down_since (self->db);
    ping->uptime_s = (s_now_us () - self->started_us) / 1000000;
    ping->protocol = PW_PROTOCOL_VERSION;
    ping->n_tenants = self->tenant_count;
    ping->tenants = self->tenants;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_PING;
    call->reply->ping = ping;
}

static bool
s_serves (pw_service_t *self, const char *tenant)
{
    if (self->tenant_count == 0)
        return true;
    for (size_t i = 0; i < self->tenant_count; i++)
        if (strcmp (self->tenants [i], tenant) == 0)
            return true;
    return false;
}

static void
s_handle (pw_service_t *self, pw_wire_in_t *in, bool malformed)
{
    pw_reply_t reply = PATCHWARDEN__V1__REPLY__INIT;
    struct _pw_call_priv_t priv = {.service = self};
    pw_call_t call = {.reply = &reply, .priv_ = &priv};
    reply.service = self->name;
    const pw_request_t *request = in->request;
    if (request) {
        call.request = request;
        call.tenant = request->tenant;
        call.actor = *request->actor ? request->actor : "unknown";
        reply.request_id = request->request_id;
    }
    if (malformed) {
        pw_metric_add (self->m_protocol_errors, 1);
        pw_call_fail (&call, in->status, "%s", in->message);
    } else {
        s_handler_t *handler = NULL;
        for (int i = 0; i < self->handler_count; i++)
            if (self->handlers [i].call_case == (int)request->call_case)
                handler = &self->handlers [i];
        bool is_ping = request->call_case == PATCHWARDEN__V1__REQUEST__CALL_PING;
        if (!handler && !is_ping) {
            pw_metric_add (self->m_unknown_calls, 1);
            if (request->call_case == PATCHWARDEN__V1__REQUEST__CALL__NOT_SET)
                pw_call_fail (&call, PATCHWARDEN__V1__STATUS__STATUS_UNKNOWN_CALL,
                              "no call set in the request (or a call newer than this %s "
                              "service)",
                              self->name);
            else
                pw_call_fail (&call, PATCHWARDEN__V1__STATUS__STATUS_UNKNOWN_CALL,
                              "call %d is not served by the %s service", (int)request->call_case,
                              self->name);
        } else if (is_ping)
            s_ping (self, &call, NULL);
        else if (!*request->tenant)
            pw_call_fail (&call, PATCHWARDEN__V1__STATUS__STATUS_FORBIDDEN,
                          "%s: a tenant is required", handler->name);
        else if (regexec (&self->tenant_re, request->tenant, 0, NULL, 0) != 0)
            pw_call_fail (&call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                          "tenant \"%.64s\" is not a valid tenant id (lower-case letters, "
                          "digits, '.', '_', '-'; up to 63)",
                          request->tenant);
        else if (!s_serves (self, request->tenant))
            pw_call_fail (&call, PATCHWARDEN__V1__STATUS__STATUS_FORBIDDEN,
                          "tenant %s is not served by this %s instance", request->tenant,
                          self->name);
        else if (handler->needs_db && !pw_db_ensure (self->db))
            pw_call_fail_db (self, &call, handler->name);
        else {
            pw_metric_add (handler->m_calls, 1);
            handler->fn (self, &call, handler->state);
            //  A handler that returns with a transaction open is a bug;
            //  never let it leak into the next request.
            PGconn *conn = pw_db_conn (self->db);
            if (conn && PQtransactionStatus (conn) != PQTRANS_IDLE) {
                pw_log_error ("handler left a transaction open", "call=%s", handler->name);
                pw_service_rollback (self);
            }
            s_settle (self, handler->name);
        }
    }
    if (pw_wire_send_reply (self->router, in, &reply))
        pw_log_warn ("reply not sent", "request=%s",
                     reply.request_id && *reply.request_id ? reply.request_id : "-");
    for (size_t i = 0; i < priv.kept_count; i++)
        priv.kept [i].free_fn (priv.kept [i].ptr);
    free (priv.kept);
    free (priv.message);
}

//  --- outbox ---------------------------------------------------------------

//  Appends VALUE to OUT as one element of a text array literal: quoted,
//  with " and \ escaped.
static void
s_array_item (pw_strbuf_t *out, const char *value, bool first)
{
    pw_strbuf_append_len (out, first ? "\"" : ",\"", first ? 1 : 2);
    const char *run = value;
    for (const char *p = value; *p; p++)
        if (*p == '"' || *p == '\\') {
            pw_strbuf_append_len (out, run, (size_t)(p - run));
            pw_strbuf_append_len (out, "\\", 1);
            run = p;
        }
    pw_strbuf_append (out, run);
    pw_strbuf_append_len (out, "\"", 1);
}

int
pw_outbox_append (pw_db_t *db, const char *producer, pw_event_t *const *events, size_t count)
{
    if (count == 0)
        return 0;
    //  One text array per column, element i for events [i]
    pw_strbuf_t arrays [4];
    for (int a = 0; a < 4; a++) {
        pw_strbuf_init (&arrays [a]);
        pw_strbuf_append_len (&arrays [a], "{", 1);
    }
    for (size_t i = 0; i < count; i++) {
        const pw_event_t *event = events [i];
        s_array_item (&arrays [0], event->kind, i == 0);
        s_array_item (&arrays [1], event->subject, i == 0);
        s_array_item (&arrays [2], event->actor, i == 0);
        s_array_item (&arrays [3], event->payload_json, i == 0);
    }
    for (int a = 0; a < 4; a++)
        pw_strbuf_append_len (&arrays [a], "}", 1);
    const char *params [] = {producer, arrays [0].data, arrays [1].data, arrays [2].data,
                             arrays [3].data};
    PGresult *res = pw_db_exec (db, "event_append", 5, params);
    for (int a = 0; a < 4; a++)
        pw_strbuf_free (&arrays [a]);
    if (!res)
        return -1;
    //  The seqs are contiguous in the order of the arrays: the lowest is
    //  events [0]'s, whatever order the rows come back in.
    int rows = PQntuples (res);
    uint64_t first = UINT64_MAX;
    for (int row = 0; row < rows; row++) {
        uint64_t seq = strtoull (PQgetvalue (res, row, 0), NULL, 10);
        if (seq < first)
            first = seq;
    }
    int rc = rows == (int)count ? 0 : -1;
    for (int row = 0; row < rows && rc == 0; row++) {
        uint64_t seq = strtoull (PQgetvalue (res, row, 0), NULL, 10);
        if (seq - first >= count) {
            rc = -1;
            break;
        }
        events [seq - first]->seq = seq;
        events [seq - first]->time_us = strtoll (PQgetvalue (res, row, 1), NULL, 10);
    }
    if (rc)
        pw_log_error ("outbox append returned other seqs than expected",
                      "producer=%s events=%zu rows=%d", producer, count, rows);
    PQclear (res);
    return rc;
}

void
pw_outbox_publish (zsock_t *pub, pw_event_t *const *events, size_t count)
{
    if (!pub || count == 0)
        return;
    void *handle = zsock_resolve (pub);
    uint8_t *body = NULL;
    size_t body_cap = 0;
    for (size_t i = 0; i < count; i++) {
        const pw_event_t *event = events [i];
        char topic [256];
        int topic_len =
            snprintf (topic, sizeof topic, "%s/%s/%s", event->tenant, event->producer, event->kind);
        if (topic_len < 0 || (size_t)topic_len >= sizeof topic)
            topic_len = (int)strlen (topic);
        size_t size = patchwarden__v1__event__get_packed_size (event);
        if (size > body_cap) {
            body_cap = size * 2;
            body = pw_realloc (body, body_cap);
        }
        patchwarden__v1__event__pack (event, body);
        //  A lost publication is not a lost event: subscribers see the gap
        //  in seq and fetch the range from the store.
        if (zmq_send (handle, topic, (size_t)topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) == topic_len)
            zmq_send (handle, body, size, ZMQ_DONTWAIT);
    }
    free (body);
}

int
pw_service_emit (pw_service_t *self, const char *tenant, const char *kind, const char *subject,
                 const char *actor, const char *payload_json)
{
    //  The outbox rows are written for the transaction's tenant
    if (self->pending_count > 0 && strcmp (self->pending [0]->tenant, tenant) != 0) {
        pw_log_error ("event of another tenant in the transaction", "tenant=%s kind=%s other=%s",
                      tenant, kind, self->pending [0]->tenant);
        return -1;
    }
    pw_event_t *event = pw_malloc (sizeof *event);
    patchwarden__v1__event__init (event);
    event->tenant = pw_strdup (tenant);
    event->producer = pw_strdup (self->name);
    event->kind = pw_strdup (kind);
    event->subject = pw_strdup (subject ? subject : "");
    event->actor = pw_strdup (actor ? actor : "");
    event->payload_json = pw_strdup (payload_json && *payload_json ? payload_json : "{}");
    if (self->pending_count == self->pending_cap) {
        self->pending_cap = self->pending_cap ? self->pending_cap * 2 : 8;
        self->pending = pw_realloc (self->pending, sizeof (pw_event_t *) * self->pending_cap);
    }
    self->pending [self->pending_count++] = event;
    return 0;
}

//  Events we built ourselves: free field by field (not from unpack).
static void
s_event_destroy (pw_event_t **event_p)
{
    pw_event_t *event = *event_p;
    free (event->tenant);
    free (event->producer);
    free (event->kind);
    free (event->subject);
    free (event->actor);
    free (event->payload_json);
    free (event);
    *event_p = NULL;
}

static void
s_drop_pending (pw_service_t *self)
{
    for (size_t i = 0; i < self->pending_count; i++)
        s_event_destroy (&self->pending [i]);
    self->pending_count = 0;
}

int
pw_service_commit (pw_service_t *self)
{
    //  The transaction's events go to the outbox in one statement, last
    if (pw_outbox_append (self->db, self->name, self->pending, self->pending_count)) {
        pw_db_rollback (self->db);
        s_drop_pending (self);
        return -1;
    }
    if (pw_db_commit (self->db)) {
        s_drop_pending (self);
        return -1;
    }
    pw_outbox_publish (self->pub, self->pending, self->pending_count);
    pw_metric_add (self->m_events, (int64_t)self->pending_count);
    s_drop_pending (self);
    return 0;
}

void
pw_service_rollback (pw_service_t *self)
{
    pw_db_rollback (self->db);
    s_drop_pending (self);
}

//  Events still queued once the transaction is over were neither committed
//  through pw_service_commit nor rolled back through pw_service_rollback: a
//  bug, and never published.
static void
s_settle (pw_service_t *self, const char *what)
{
    if (self->pending_count == 0)
        return;
    PGconn *conn = pw_db_conn (self->db);
    if (conn && PQtransactionStatus (conn) != PQTRANS_IDLE)
        return;
    pw_log_error ("events dropped: their transaction ended outside pw_service_commit",
                  "call=%s events=%zu", what, self->pending_count);
    s_drop_pending (self);
}

//  --- HTTP -----------------------------------------------------------------

static int
s_healthz (void *arg, const char *uri, pw_strbuf_t *body, const char **content_type_p)
{
    (void)uri;
    pw_service_t *self = arg;
    bool up = pw_db_is_up (self->db);
    char error [512];
    pw_db_error (self->db, error, sizeof error);
    *content_type_p = "application/json";
    pw_strbuf_appendf (body,
                       "{\"service\":\"%s\",\"version\":\"%s\",\"status\":\"%s\","
                       "\"db\":\"%s\",\"db_error\":",
                       self->name, PW_VERSION, up ? "ok" : "degraded", up ? "up" : "down");
    pw_strbuf_append_json (body, up ? NULL : error);
    pw_strbuf_appendf (body, ",\"uptime_s\":%lld}\n",
                       (long long)((s_now_us () - self->started_us) / 1000000));
    return up ? 200 : 503;
}

static int
s_metrics (void *arg, const char *uri, pw_strbuf_t *body, const char **content_type_p)
{
    (void)uri;
    pw_service_t *self = arg;
    pw_metric_set (self->m_db_up, pw_db_is_up (self->db) ? 1 : 0);
    pw_metric_set (self->m_uptime, (s_now_us () - self->started_us) / 1000000);
    *content_type_p = "text/plain; version=0.0.4";
    pw_metrics_render (body);
    return 200;
}

//  --- run ------------------------------------------------------------------

static void
s_health_timer (pw_service_t *self, void *state)
{
    (void)state;
    pw_db_check (self->db);
}

int
pw_service_run (pw_service_t *self)
{
    int rc = -1;
    char *error = NULL;
    self->m_protocol_errors =
        pw_metrics_counter ("pw_protocol_errors_total",
                            "Requests refused before dispatch (malformed, oversized)", NULL);
    self->m_unknown_calls =
        pw_metrics_counter ("pw_unknown_calls_total", "Requests for calls not served here", NULL);
    self->m_db_up = pw_metrics_gauge ("pw_db_up", "1 when the store is reachable", NULL);
    self->m_events = pw_metrics_counter ("pw_events_published_total", "Events published", NULL);
    self->m_uptime = pw_metrics_gauge ("pw_uptime_seconds", "Seconds since start", NULL);

    self->router = zsock_new (ZMQ_ROUTER);
    self->pub = zsock_new (ZMQ_PUB);
    //  A hard cap far above the configured limit: frames between the two
    //  get a TOO_LARGE reply, frames above it drop the peer's connection.
    zsock_set_maxmsgsize (
        self->router,
        (int)(self->max_request_bytes * 4 > 0x7fffffff ? 0x7fffffff : self->max_request_bytes * 4));
    zsock_set_linger (self->router, 0);
    zsock_set_linger (self->pub, 0);
    zsock_set_sndhwm (self->pub, 100000);
    const char *router_ep = pw_config_str (self->config, "router");
    const char *pub_ep = pw_config_str (self->config, "pub");
    if (zsock_bind (self->router, "%s", router_ep) < 0) {
        pw_log_error ("cannot bind ROUTER", "endpoint=%s reason=\"%s\"", router_ep,
                      zmq_strerror (zmq_errno ()));
        goto cleanup;
    }
    if (zsock_bind (self->pub, "%s", pub_ep) < 0) {
        pw_log_error ("cannot bind PUB", "endpoint=%s reason=\"%s\"", pub_ep,
                      zmq_strerror (zmq_errno ()));
        goto cleanup;
    }
    self->http = pw_http_new (pw_config_str (self->config, "http_address"),
                              (int)pw_config_int (self->config, "http_port"), &error);
    if (!self->http) {
        pw_log_error ("cannot start HTTP", "reason=\"%s\"", error);
        goto cleanup;
    }
    pw_http_route (self->http, "/healthz", s_healthz, self);
    pw_http_route (self->http, "/metrics", s_metrics, self);
    pw_http_start (self->http);
    pw_service_every (self, (int)pw_config_int (self->config, "health_interval_ms"), s_health_timer,
                      NULL);
    pw_db_ensure (self->db);
    pw_log_info ("service started", "version=%s router=%s pub=%s http_port=%d db=%s", PW_VERSION,
                 zsock_endpoint (self->router), zsock_endpoint (self->pub),
                 pw_http_port (self->http), pw_db_is_up (self->db) ? "up" : "down");

    zpoller_t *poller = zpoller_new (self->router, NULL);
    for (int i = 0; i < self->reader_count; i++)
        zpoller_add (poller, self->readers [i].socket);
    pw_wire_in_t in = {0};
    while (!zsys_interrupted) {
        int64_t now = zclock_mono ();
        int wait = 1000;
        for (int i = 0; i < self->timer_count; i++) {
            if (self->timers [i].next_ms <= now) {
                self->timers [i].fn (self, self->timers [i].state);
                s_settle (self, "timer");
                self->timers [i].next_ms = zclock_mono () + self->timers [i].interval_ms;
            }
            int64_t left = self->timers [i].next_ms - zclock_mono ();
            if (left < wait)
                wait = left < 0 ? 0 : (int)left;
        }
        void *which = zpoller_wait (poller, wait);
        if (!which) {
            if (zpoller_terminated (poller))
                break;
            continue;
        }
        if (which == self->router) {
            pw_wire_result_t result =
                pw_wire_recv_request (self->router, self->max_request_bytes, &in);
            if (result == PW_WIRE_INTERRUPTED)
                break;
            if (result == PW_WIRE_MALFORMED)
                pw_log_warn ("malformed request", "bytes=%zu reason=\"%s\"", in.bytes, in.message);
            s_handle (self, &in, result == PW_WIRE_MALFORMED);
            pw_wire_in_reset (&in);
            continue;
        }
        for (int i = 0; i < self->reader_count; i++)
            if (which == self->readers [i].socket) {
                self->readers [i].fn (self, self->readers [i].socket, self->readers [i].state);
                s_settle (self, "reader");
            }
    }
    pw_wire_in_reset (&in);
    zpoller_destroy (&poller);
    pw_log_info ("service stopping", "reason=signal");
    rc = 0;
cleanup:
    free (error);
    pw_http_destroy (&self->http);
    return rc;
}
