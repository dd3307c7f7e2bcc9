/*  test_audit - the audit service over a real PostgreSQL and real sockets.

    The test plays the producer: it writes events to the outbox as the
    service role would (pw_event_append in a transaction with the tenant
    set) and publishes them on a PUB socket it binds, which the audit's
    policy_pub points at. Inventory for findings is seeded with SQL as the
    superuser. Covered: a burst recorded exactly once, SIGKILL mid-burst,
    gap recovery, findings opened and resolved (with their events on the
    audit's PUB), trail verification against each kind of tampering,
    pwctl audit / trail verify, events_since, and the real policy service
    as producer: killed mid-burst, and 1,000 events of one transaction
    (in order, gap-free, recorded, republished; a failed commit publishes
    nothing).
*/
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_itest.h"
#include "pw_json.h"
#include "pw_util.h"
#include "../pw_test.h"

static char *s_db_url;
static char *s_admin_url;
static PGconn *s_admin;    //  superuser
static PGconn *s_producer; //  the service role, as a producer
static zsock_t *s_pub;     //  the "policy service" PUB
static char s_pub_endpoint [64];
static pw_itest_service_t s_audit;
//  What the audit's scheduler SUB connects to: nothing, until a test puts
//  a real producer there.
static char s_scheduler_pub [96] = "tcp://127.0.0.1:1";

static int
s_start_audit (void)
{
    char policy_pub [96], scheduler_pub [128];
    snprintf (policy_pub, sizeof policy_pub, "--policy-pub=%s", s_pub_endpoint);
    snprintf (scheduler_pub, sizeof scheduler_pub, "--scheduler-pub=%s", s_scheduler_pub);
    const char *extra [] = {policy_pub,
                            scheduler_pub,
                            "--audit-interval-ms=600000",
                            "--audit-debounce-ms=100",
                            "--catch-up-interval-ms=300",
                            NULL};
    return pw_itest_service_start (&s_audit, "audit", s_db_url, extra);
}

static void
s_admin_exec (const char *sql)
{
    PGresult *res = PQexec (s_admin, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("%s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
}

//  Appends COUNT events of KIND for TENANT as the producer would (one
//  transaction) and publishes those whose seq % EVERY == 0 (EVERY 1: all,
//  0: none).
static void
s_produce_kind (const char *tenant, const char *kind, int count, int every)
{
    PQclear (PQexec (s_producer, "BEGIN"));
    const char *t [] = {tenant};
    PQclear (PQexecParams (s_producer, "SELECT set_config('pw.tenant', $1, true)", 1, NULL, t, NULL,
                           NULL, 0));
    PQclear (PQexecParams (s_producer, "INSERT INTO tenants VALUES ($1) ON CONFLICT DO NOTHING", 1,
                           NULL, t, NULL, NULL, 0));
    char n [16];
    snprintf (n, sizeof n, "%d", count);
    const char *params [] = {n, kind};
    PGresult *res = PQexecParams (
        s_producer,
        "SELECT (e).seq, (e).time_us FROM (SELECT pw_event_append('policy', $2, "
        "'agents.csv', 'alice@msp', jsonb_build_object('reason', 'monthly import', 'row', i)) "
        "AS e FROM generate_series(1, $1::int) i) x",
        2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("produce: %s", PQresultErrorMessage (res));
    PQclear (PQexec (s_producer, "COMMIT"));
    for (int row = 0; row < PQntuples (res); row++) {
        pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
        event.tenant = (char *)tenant;
        event.producer = "policy";
        event.seq = strtoull (PQgetvalue (res, row, 0), NULL, 10);
        event.time_us = strtoll (PQgetvalue (res, row, 1), NULL, 10);
        event.kind = (char *)kind;
        event.subject = "agents.csv";
        event.actor = "alice@msp";
        event.payload_json = "{\"reason\": \"monthly import\"}";
        if (every > 0 && event.seq % (uint64_t)every == 0)
            pw_wire_publish (s_pub, &event);
    }
    PQclear (res);
}

static void
s_produce (const char *tenant, int count, int every)
{
    s_produce_kind (tenant, "import.agents", count, every);
}

static char *
s_sql (const char *format, const char *tenant)
{
    return pw_sprintf (format, tenant, tenant, tenant);
}

static long
s_count (const char *format, const char *tenant)
{
    char *sql = s_sql (format, tenant);
    long value = pw_itest_scalar (s_admin, sql);
    free (sql);
    return value;
}

static long
s_wait_count (const char *format, const char *tenant, long expected, int timeout_ms)
{
    char *sql = s_sql (format, tenant);
    long value = pw_itest_wait_for (s_admin, sql, expected, timeout_ms);
    free (sql);
    return value;
}

#define S_RECORDED "SELECT count(*) FROM audit_events WHERE tenant_id = '%s'"
#define S_TRAIL    "SELECT count(*) FROM trail WHERE tenant_id = '%s'"
#define S_CURSOR   "SELECT coalesce(max(last_seq), 0) FROM audit_cursor WHERE tenant_id = '%s'"
#define S_DISTINCT "SELECT count(DISTINCT (details->>'row')) FROM trail WHERE tenant_id = '%s'"

static void
s_test_burst (void)
{
    int64_t started = zclock_usecs ();
    s_produce ("burst", 10000, 1);
    long recorded = s_wait_count (S_RECORDED, "burst", 10000, 30000);
    int64_t elapsed = zclock_usecs () - started;
    PW_CHECK_INT (recorded, 10000);
    PW_CHECK_INT (s_count (S_TRAIL, "burst"), 10000);
    PW_CHECK_INT (s_count (S_DISTINCT, "burst"), 10000);
    PW_CHECK_INT (s_count (S_CURSOR, "burst"), 10000);
    fprintf (stderr, "    burst: 10000 events recorded in %.0f ms (%.0f events/s)\n",
             elapsed / 1000.0, 10000 * 1e6 / (double)elapsed);
    //  Published again: recorded once still
    s_produce ("burst", 0, 1);
    usleep (300 * 1000);
    PW_CHECK_INT (s_count (S_RECORDED, "burst"), 10000);
}

static void
s_test_gap (void)
{
    //  Only every 10th published: the rest is read from the outbox
    s_produce ("gaps", 200, 10);
    PW_CHECK_INT (s_wait_count (S_RECORDED, "gaps", 200, 10000), 200);
    //  Nothing published at all: catch-up finds them
    s_produce ("gaps", 50, 0);
    PW_CHECK_INT (s_wait_count (S_RECORDED, "gaps", 250, 10000), 250);
    PW_CHECK_INT (s_count (S_TRAIL, "gaps"), 250);
    PW_CHECK_INT (s_count ("SELECT count(*) - count(DISTINCT seq) FROM audit_events "
                           "WHERE tenant_id = '%s'",
                           "gaps"),
                  0);
    //  events_since gives a subscriber the range it missed
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__EventsSinceRequest call = PATCHWARDEN__V1__EVENTS_SINCE_REQUEST__INIT;
    call.producer = "policy";
    call.after_seq = 240;
    request.tenant = "gaps";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_EVENTS_SINCE;
    request.events_since = &call;
    pw_reply_t *reply = pw_itest_call (s_audit.router, &request, 5000);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_EVENTS_SINCE) {
        PW_CHECK_INT (reply->events_since->n_events, 10);
        PW_CHECK_INT (reply->events_since->last_seq, 250);
        PW_CHECK_INT (reply->events_since->events [0]->seq, 241);
        PW_CHECK_STR (reply->events_since->events [0]->kind, "import.agents");
    }
    pw_reply_free (&reply);
}

static void
s_test_sigkill (void)
{
    //  Four transactions of 5,000; the audit is killed after the first
    s_produce ("crash", 5000, 1);
    usleep (30 * 1000);
    kill (s_audit.pid, SIGKILL);
    int status;
    waitpid (s_audit.pid, &status, 0);
    s_audit.pid = 0;
    long before = s_count (S_RECORDED, "crash");
    s_produce ("crash", 5000, 1); //  published to nobody
    PW_CHECK_INT (s_start_audit (), 0);
    s_produce ("crash", 5000, 1);
    s_produce ("crash", 5000, 1);
    PW_CHECK_INT (s_wait_count (S_RECORDED, "crash", 20000, 30000), 20000);
    PW_CHECK_INT (s_count (S_TRAIL, "crash"), 20000);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM (SELECT details->>'row' FROM trail "
                           "WHERE tenant_id = '%s' GROUP BY 1) x",
                           "crash"),
                  5000);
    PW_CHECK_INT (s_count ("SELECT max(seq) FROM trail WHERE tenant_id = '%s'", "crash"), 20000);
    PW_CHECK_INT (s_count ("SELECT seq FROM trail_head WHERE tenant_id = '%s'", "crash"), 20000);
    fprintf (stderr, "    sigkill: %ld of 5000 recorded when killed; 20000 after restart\n",
             before);
}

//  Throughput of the pipeline alone: N events already in the outbox (as
//  after an outage), the last one published; timed until every one is
//  recorded and republished. Prints events/s (the figure of
//  docs/monitoring.md).
#define S_SPEED_EVENTS 100000

static void
s_test_throughput (void)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (sub, 1000000);
    zsock_set_subscribe (sub, "speed/policy/");
    zsock_connect (sub, "%s", s_audit.pub);
    usleep (200 * 1000);
    char *sql = pw_sprintf (
        "BEGIN;"
        "INSERT INTO tenants VALUES ('speed') ON CONFLICT DO NOTHING;"
        "INSERT INTO events (tenant_id, producer, seq, time, kind, subject, actor, payload) "
        "  SELECT 'speed', 'policy', i, clock_timestamp(), 'decision.approve', "
        "         'KB' || (5000000 + i) || ' in Workstations', 'alice@msp', "
        "         jsonb_build_object('reason', 'monthly review', 'kb', 'KB' || (5000000 + i), "
        "                            'policy', 'Workstations', 'action', 'approve') "
        "    FROM generate_series(1, %d) i;"
        "INSERT INTO event_seq (tenant_id, producer, last_seq) VALUES ('speed', 'policy', %d);"
        "COMMIT",
        S_SPEED_EVENTS, S_SPEED_EVENTS);
    s_admin_exec (sql);
    free (sql);
    pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
    event.tenant = "speed";
    event.producer = "policy";
    event.seq = S_SPEED_EVENTS;
    event.kind = "decision.approve";
    int64_t started = zclock_usecs ();
    pw_wire_publish (s_pub, &event);
    long republished = 0, recorded = 0;
    int64_t recorded_us = 0, deadline = zclock_mono () + 60000;
    int64_t next_check = 0;
    while (zclock_mono () < deadline &&
           (recorded < S_SPEED_EVENTS || republished < S_SPEED_EVENTS)) {
        zmsg_t *msg = NULL;
        if (zsock_events (sub) & ZMQ_POLLIN) {
            msg = zmsg_recv (sub);
            republished += msg != NULL;
            zmsg_destroy (&msg);
        } else
            usleep (1000);
        if (recorded < S_SPEED_EVENTS && zclock_mono () >= next_check) {
            recorded = s_count (S_CURSOR, "speed");
            if (recorded == S_SPEED_EVENTS)
                recorded_us = zclock_usecs () - started;
            next_check = zclock_mono () + 20;
        }
    }
    int64_t elapsed = zclock_usecs () - started;
    zsock_destroy (&sub);
    PW_CHECK_INT (recorded, S_SPEED_EVENTS);
    PW_CHECK_INT (republished, S_SPEED_EVENTS);
    PW_CHECK_INT (s_count (S_RECORDED, "speed"), S_SPEED_EVENTS);
    PW_CHECK_INT (s_count (S_TRAIL, "speed"), S_SPEED_EVENTS);
    fprintf (stderr,
             "    throughput: %d events persisted in %.0f ms (%.0f events/s), republished "
             "in %.0f ms\n",
             S_SPEED_EVENTS, recorded_us / 1000.0,
             recorded_us ? S_SPEED_EVENTS * 1e6 / (double)recorded_us : 0.0, elapsed / 1000.0);
}

//  --- trail ----------------------------------------------------------------

static pw_reply_t *
s_verify (const char *tenant)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__TrailVerifyRequest call = PATCHWARDEN__V1__TRAIL_VERIFY_REQUEST__INIT;
    request.tenant = (char *)tenant;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_TRAIL_VERIFY;
    request.trail_verify = &call;
    return pw_itest_call (s_audit.router, &request, 10000);
}

static void
s_expect_verdict (const char *what, const char *kind, uint64_t seq)
{
    pw_reply_t *reply = s_verify ("tamper");
    if (!reply || reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY) {
        PW_FAIL_AT ("%s: no verify reply", what);
        pw_reply_free (&reply);
        return;
    }
    const Patchwarden__V1__TrailVerifyReply *v = reply->trail_verify;
    if (!kind) {
        if (!v->ok)
            PW_FAIL_AT ("%s: expected intact, got %s", what, v->message);
    } else if (v->ok || strcmp (v->kind, kind) != 0 || v->first_bad_seq != seq)
        PW_FAIL_AT ("%s: expected %s at seq %llu, got ok=%d kind=%s seq=%llu (%s)", what, kind,
                    (unsigned long long)seq, v->ok, v->kind, (unsigned long long)v->first_bad_seq,
                    v->message);
    pw_reply_free (&reply);
}

static int
s_pwctl_verify (char **err_p)
{
    char audit [96], tenant [] = "--tenant=tamper";
    snprintf (audit, sizeof audit, "--audit-endpoint=%s", s_audit.router);
    const char *args [] = {audit, tenant, "trail", "verify", NULL};
    char *out = NULL;
    int rc = pw_itest_pwctl (args, &out, err_p);
    free (out);
    return rc;
}

static void
s_test_trail (void)
{
    s_produce ("tamper", 20, 1);
    PW_CHECK_INT (s_wait_count (S_TRAIL, "tamper", 20, 10000), 20);
    s_expect_verdict ("intact", NULL, 0);
    char *err = NULL;
    PW_CHECK_INT (s_pwctl_verify (&err), 0);
    PW_CHECK_STR (err, "");
    free (err);

    //  The service role cannot change the trail
    PGresult *res = PQexec (s_producer, "UPDATE trail SET actor = 'x'");
    PW_CHECK_STR (PQresultErrorField (res, PG_DIAG_SQLSTATE), "42501");
    PQclear (res);
    res = PQexec (s_producer, "DELETE FROM trail");
    PW_CHECK_STR (PQresultErrorField (res, PG_DIAG_SQLSTATE), "42501");
    PQclear (res);

    //  Edited
    s_admin_exec ("UPDATE trail SET actor = 'mallory' WHERE tenant_id = 'tamper' AND seq = 5");
    s_expect_verdict ("edited", "edited", 5);
    PW_CHECK_INT (s_pwctl_verify (&err), 1);
    PW_CHECK (err && strstr (err, "seq 5") && strstr (err, "edited"));
    PW_CHECK (err && strchr (err, '\n') == err + strlen (err) - 1);
    free (err);
    s_admin_exec ("UPDATE trail SET actor = 'alice@msp' WHERE tenant_id = 'tamper' AND seq = 5");
    s_expect_verdict ("restored", NULL, 0);

    //  Removed
    s_admin_exec ("CREATE TEMP TABLE saved AS SELECT * FROM trail "
                  "WHERE tenant_id = 'tamper' AND seq IN (7, 20)");
    s_admin_exec ("DELETE FROM trail WHERE tenant_id = 'tamper' AND seq = 7");
    s_expect_verdict ("removed", "removed", 8);
    s_admin_exec ("INSERT INTO trail SELECT * FROM saved WHERE seq = 7");
    s_expect_verdict ("reinserted", NULL, 0);

    //  Swapped (reordered)
    s_admin_exec ("UPDATE trail SET seq = 1000003 WHERE tenant_id = 'tamper' AND seq = 3");
    s_admin_exec ("UPDATE trail SET seq = 3 WHERE tenant_id = 'tamper' AND seq = 4");
    s_admin_exec ("UPDATE trail SET seq = 4 WHERE tenant_id = 'tamper' AND seq = 1000003");
    s_expect_verdict ("swapped", "reordered", 3);
    s_admin_exec ("UPDATE trail SET seq = 1000003 WHERE tenant_id = 'tamper' AND seq = 3");
    s_admin_exec ("UPDATE trail SET seq = 3 WHERE tenant_id = 'tamper' AND seq = 4");
    s_admin_exec ("UPDATE trail SET seq = 4 WHERE tenant_id = 'tamper' AND seq = 1000003");
    s_expect_verdict ("swapped back", NULL, 0);

    //  Cut off the end
    s_admin_exec ("DELETE FROM trail WHERE tenant_id = 'tamper' AND seq = 20");
    s_expect_verdict ("truncated", "truncated", 20);
    s_admin_exec ("INSERT INTO trail SELECT * FROM saved WHERE seq = 20");
    s_admin_exec ("DROP TABLE saved");
    s_expect_verdict ("whole again", NULL, 0);

    //  The trail lists with reasons from the payload
    char audit [96];
    snprintf (audit, sizeof audit, "--audit-endpoint=%s", s_audit.router);
    const char *args [] = {audit, "--tenant=tamper", "--json", "trail", NULL};
    char *out = NULL;
    PW_CHECK_INT (pw_itest_pwctl (args, &out, &err), 0);
    pw_json_t *reader = pw_json_new (out, strlen (out));
    const pw_json_value_t *doc = pw_json_parse (reader);
    PW_CHECK (doc != NULL);
    const pw_json_value_t *records = pw_json_get (doc, "records");
    PW_CHECK_INT (pw_json_size (records), 20);
    PW_CHECK_STR (pw_json_string (pw_json_get (pw_json_at (records, 0), "reason")),
                  "monthly import");
    PW_CHECK_STR (pw_json_string (pw_json_get (pw_json_at (records, 0), "action")),
                  "import.agents");
    pw_json_destroy (&reader);
    free (out);
    free (err);
}

//  --- a real producer restarted mid-burst ---------------------------------

//  A free TCP endpoint on 127.0.0.1 (bound once, then released).
static void
s_free_endpoint (char *endpoint, size_t size)
{
    zsock_t *probe = zsock_new (ZMQ_PUB);
    int port = zsock_bind (probe, "tcp://127.0.0.1:*");
    zsock_destroy (&probe);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", port);
}

//  Starts the policy service with its PUB on the fixed PUB endpoint, so the
//  audit's SUB finds it again after a restart.
static int
s_start_policy (pw_itest_service_t *policy, const char *pub)
{
    char pub_arg [96];
    snprintf (pub_arg, sizeof pub_arg, "--pub=%s", pub);
    const char *extra [] = {pub_arg, NULL};
    int rc = pw_itest_service_start (policy, "policy", s_db_url, extra);
    snprintf (policy->pub, sizeof policy->pub, "%s", pub);
    return rc;
}

static int
s_policy_ctl (pw_itest_service_t *policy, const char *a1, const char *a2, const char *a3,
              const char *a4)
{
    char endpoint [96];
    snprintf (endpoint, sizeof endpoint, "--policy-endpoint=%s", policy->router);
    //  Short for the decisions, to see a killed service soon; an import
    //  takes several requests, and a slow machine (sanitizers) needs longer.
    bool import = a1 && strcmp (a1, "import") == 0;
    const char *args [16] = {endpoint, "--tenant=relay", "--actor=alice@msp",
                             import ? "--timeout-ms=30000" : "--timeout-ms=3000",
                             "--reason=monthly review"};
    int n = 5;
    const char *more [] = {a1, a2, a3, a4};
    for (int i = 0; i < 4 && more [i]; i++)
        args [n++] = more [i];
    const char *kbs [] = {"KB5030216", "KB5031364", "KB5034441", "KB5031005", NULL};
    if (a1 && strcmp (a1, "review") == 0)
        for (int i = 0; kbs [i]; i++)
            args [n++] = kbs [i];
    args [n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = pw_itest_pwctl (args, &out, &err);
    if (rc != 0 && s_pw_verbose)
        fprintf (stderr, "    pwctl %s %s: %s", a1, a2 ? a2 : "", err);
    free (out);
    free (err);
    return rc;
}

#define S_RELAY_HEAD                                                                               \
    "SELECT coalesce(max(last_seq), 0) FROM event_seq WHERE tenant_id = '%s' AND producer = "      \
    "'policy'"

static void
s_test_producer_restart (void)
{
    //  The real policy service produces; the audit hears it on its
    //  scheduler SUB (the producer is named in each event, not by socket).
    char pub [64];
    s_free_endpoint (pub, sizeof pub);
    PW_CHECK_INT (pw_itest_service_stop (&s_audit), 0);
    snprintf (s_scheduler_pub, sizeof s_scheduler_pub, "%s", pub);
    PW_CHECK_INT (s_start_audit (), 0);
    pw_itest_service_t policy;
    if (s_start_policy (&policy, pub)) {
        PW_FAIL_AT ("policy service did not start");
        return;
    }
    //  A patch policy to decide in (seeded: `apply` needs the scheduler
    //  too), and the catalogue imported through the service.
    s_admin_exec ("INSERT INTO tenants VALUES ('relay');"
                  "INSERT INTO patch_policies (tenant_id, name, baseline) "
                  "  VALUES ('relay', 'Baseline', true)");
    PW_CHECK_INT (
        s_policy_ctl (&policy, "import", "patches", "tests/data/policy/patches.csv", NULL), 0);
    //  A burst of decisions, four events per transaction; halfway through
    //  the producer is killed (SIGKILL), and restarted as soon as a call
    //  fails. The kill is tied to the burst, not to a clock, so a fast or a
    //  slow machine kills it mid-burst all the same.
    int ok = 0, failed = 0, restarts = 0;
    bool killed = false;
    for (int i = 0; ok < 40 && failed < 10; i++) {
        if (ok == 20 && !killed) {
            kill (policy.pid, SIGKILL);
            killed = true;
        }
        if (s_policy_ctl (&policy, "review", i % 2 ? "deny" : "approve", "--policy=Baseline",
                          NULL) == 0) {
            ok++;
            continue;
        }
        failed++;
        if (!pw_itest_service_alive (&policy)) {
            policy.pid = 0;
            restarts++;
            if (s_start_policy (&policy, pub)) {
                PW_FAIL_AT ("policy service did not restart");
                break;
            }
        }
    }
    PW_CHECK_INT (restarts, 1);
    PW_CHECK_INT (ok, 40);
    long head = s_count (S_RELAY_HEAD, "relay");
    PW_CHECK (head >= 40 * 4);
    //  Everything committed is recorded once, in order, with its trail record
    PW_CHECK_INT (s_wait_count (S_RECORDED, "relay", head, 15000), head);
    PW_CHECK_INT (
        s_count ("SELECT count(DISTINCT seq) FROM audit_events WHERE tenant_id = '%s'", "relay"),
        head);
    PW_CHECK_INT (s_count ("SELECT max(seq) FROM audit_events WHERE tenant_id = '%s'", "relay"),
                  head);
    PW_CHECK_INT (s_count (S_TRAIL, "relay"), head);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM audit_events a JOIN events e USING (tenant_id, "
                           "producer, seq) WHERE a.tenant_id = '%s' AND a.kind = e.kind AND "
                           "a.payload = e.payload",
                           "relay"),
                  head);
    pw_reply_t *reply = s_verify ("relay");
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY &&
              reply->trail_verify->ok && reply->trail_verify->records == (uint64_t)head);
    pw_reply_free (&reply);
    fprintf (stderr, "    producer restart: %d calls failed around the kill, %ld events recorded\n",
             failed, head);
    PW_CHECK_INT (pw_itest_service_stop (&policy), 0);
}

//  --- one transaction, many events ------------------------------------------

#define S_BATCH_KBS 1000

//  Reads the events SUB has within WAIT_MS (then 300 ms after each) into
//  SEQS and SUBJECTS (at most MAX); returns how many.
static int
s_read_events (zsock_t *sub, int wait_ms, uint64_t *seqs, char **subjects, int max)
{
    int count = 0;
    zpoller_t *poller = zpoller_new (sub, NULL);
    while (zpoller_wait (poller, wait_ms)) {
        bool malformed = false;
        pw_event_t *event = pw_wire_recv_event (sub, 1 << 20, &malformed);
        if (event && count < max) {
            seqs [count] = event->seq;
            subjects [count] = pw_strdup (event->subject);
        }
        count += event != NULL;
        pw_event_free (&event);
        wait_ms = 300;
    }
    zpoller_destroy (&poller);
    return count;
}

static pw_reply_t *
s_decide (const char *router, const char *tenant, int count)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ReviewDecideRequest call = PATCHWARDEN__V1__REVIEW_DECIDE_REQUEST__INIT;
    char **kbs = pw_calloc ((size_t)count, sizeof (char *));
    for (int i = 0; i < count; i++)
        kbs [i] = pw_sprintf ("KB%d", 9000001 + i);
    call.policy = "Baseline";
    call.action = "approve";
    call.reason = "bulk review";
    call.n_kbs = (size_t)count;
    call.kbs = kbs;
    request.tenant = (char *)tenant;
    request.actor = "alice@msp";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_REVIEW_DECIDE;
    request.review_decide = &call;
    pw_reply_t *reply = pw_itest_call (router, &request, 30000);
    for (int i = 0; i < count; i++)
        free (kbs [i]);
    free (kbs);
    return reply;
}

//  Checks that SEQS (COUNT of them) run on from FIRST without a gap and
//  that each SUBJECT names the KB decided in that place.
static void
s_check_order (const char *what, const uint64_t *seqs, char **subjects, int count, uint64_t first)
{
    for (int i = 0; i < count; i++) {
        char expected [64];
        snprintf (expected, sizeof expected, "Baseline/KB%d", 9000001 + i);
        if (seqs [i] != first + (uint64_t)i || strcmp (subjects [i], expected) != 0) {
            PW_FAIL_AT ("%s: event %d is seq %llu \"%s\", expected seq %llu \"%s\"", what, i,
                        (unsigned long long)seqs [i], subjects [i],
                        (unsigned long long)(first + (uint64_t)i), expected);
            return;
        }
    }
}

static void
s_test_batch_emit (void)
{
    //  The real policy service decides 1,000 KBs in one call: one
    //  transaction, 1,000 events, written in one statement at commit.
    char pub [64];
    s_free_endpoint (pub, sizeof pub);
    PW_CHECK_INT (pw_itest_service_stop (&s_audit), 0);
    snprintf (s_scheduler_pub, sizeof s_scheduler_pub, "%s", pub);
    PW_CHECK_INT (s_start_audit (), 0);
    pw_itest_service_t policy;
    if (s_start_policy (&policy, pub)) {
        PW_FAIL_AT ("policy service did not start");
        return;
    }
    char *sql = pw_sprintf (
        "INSERT INTO tenants VALUES ('batch'), ('batch-fail');"
        "INSERT INTO patch_policies (tenant_id, name, baseline) "
        "  VALUES ('batch', 'Baseline', true), ('batch-fail', 'Baseline', true);"
        "INSERT INTO patches (tenant_id, ident, kb, classification, severity, released_at) "
        "  SELECT t, 'KB' || (9000000 + i), 'KB' || (9000000 + i), 'security', 'Important', "
        "         now() - interval '10 days' "
        "    FROM generate_series(1, %d) i, unnest(ARRAY['batch', 'batch-fail']) t",
        S_BATCH_KBS);
    s_admin_exec (sql);
    free (sql);
    zsock_t *direct = zsock_new (ZMQ_SUB); //  the producer's publications
    zsock_set_rcvhwm (direct, 100000);
    zsock_set_subscribe (direct, "batch");
    zsock_connect (direct, "%s", pub);
    zsock_t *recorded = zsock_new (ZMQ_SUB); //  the audit's republications
    zsock_set_rcvhwm (recorded, 100000);
    zsock_set_subscribe (recorded, "batch");
    zsock_connect (recorded, "%s", s_audit.pub);
    usleep (300 * 1000);

    pw_reply_t *reply = s_decide (policy.router, "batch", S_BATCH_KBS);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_REVIEW_DECIDE)
        PW_CHECK_INT (reply->review_decide->n_kbs, S_BATCH_KBS);
    pw_reply_free (&reply);
    //  In the outbox: contiguous seqs in emit order, times in that order too
    long first = s_count ("SELECT min(seq) FROM events WHERE tenant_id = '%s' "
                          "AND kind = 'decision.approve'",
                          "batch");
    PW_CHECK_INT (s_count ("SELECT count(*) FROM events WHERE tenant_id = '%s' "
                           "AND kind = 'decision.approve' AND seq - (SELECT min(seq) FROM events "
                           "  WHERE tenant_id = 'batch' AND kind = 'decision.approve') "
                           "  = substr(subject, 12)::int - 9000001",
                           "batch"),
                  S_BATCH_KBS);
    PW_CHECK_INT (s_count ("SELECT max(seq) - min(seq) + 1 FROM events WHERE tenant_id = '%s' "
                           "AND kind = 'decision.approve'",
                           "batch"),
                  S_BATCH_KBS);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM (SELECT time < lag(time) OVER (ORDER BY seq) "
                           "  AS back FROM events WHERE tenant_id = '%s') x WHERE back",
                           "batch"),
                  0);
    //  Published by the producer after the commit, in order, with their seqs
    uint64_t seqs [S_BATCH_KBS + 16];
    char *subjects [S_BATCH_KBS + 16];
    int got = s_read_events (direct, 5000, seqs, subjects, S_BATCH_KBS + 16);
    PW_CHECK (got >= S_BATCH_KBS);
    if (got >= S_BATCH_KBS)
        s_check_order ("published", seqs, subjects, S_BATCH_KBS, (uint64_t)first);
    for (int i = 0; i < got && i < S_BATCH_KBS + 16; i++)
        free (subjects [i]);
    //  Recorded once, each with its trail record, and republished in order
    long head = s_count (S_RELAY_HEAD, "batch");
    PW_CHECK (head >= S_BATCH_KBS);
    PW_CHECK_INT (s_wait_count (S_CURSOR, "batch", head, 15000), head);
    PW_CHECK_INT (s_count (S_RECORDED, "batch"), head);
    PW_CHECK_INT (s_count (S_TRAIL, "batch"), head);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM trail WHERE tenant_id = '%s' "
                           "AND action = 'decision.approve' AND reason = 'bulk review'",
                           "batch"),
                  S_BATCH_KBS);
    got = s_read_events (recorded, 5000, seqs, subjects, S_BATCH_KBS + 16);
    PW_CHECK (got >= S_BATCH_KBS);
    if (got >= S_BATCH_KBS)
        s_check_order ("republished", seqs, subjects, S_BATCH_KBS, (uint64_t)first);
    for (int i = 0; i < got && i < S_BATCH_KBS + 16; i++)
        free (subjects [i]);
    reply = s_verify ("batch");
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY &&
              reply->trail_verify->ok && reply->trail_verify->records == (uint64_t)head);
    pw_reply_free (&reply);

    //  A commit whose events cannot be written fails whole: nothing stored,
    //  nothing published, no seq used up
    s_admin_exec ("CREATE FUNCTION pw_test_refuse() RETURNS trigger LANGUAGE plpgsql "
                  "  AS $$ BEGIN RAISE EXCEPTION 'outbox refused by the test'; END $$;"
                  "CREATE TRIGGER pw_test_refuse BEFORE INSERT ON events FOR EACH ROW "
                  "  WHEN (NEW.tenant_id = 'batch-fail') EXECUTE FUNCTION pw_test_refuse()");
    reply = s_decide (policy.router, "batch-fail", 10);
    PW_CHECK (reply && reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
        PW_CHECK (strstr (reply->message, "outbox refused by the test") != NULL);
    pw_reply_free (&reply);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM events WHERE tenant_id = '%s'", "batch-fail"), 0);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM decisions WHERE tenant_id = '%s'", "batch-fail"),
                  0);
    PW_CHECK_INT (s_count (S_RELAY_HEAD, "batch-fail"), 0);
    got = s_read_events (direct, 1000, seqs, subjects, S_BATCH_KBS + 16);
    PW_CHECK_INT (got, 0);
    for (int i = 0; i < got && i < S_BATCH_KBS + 16; i++)
        free (subjects [i]);
    //  Once the outbox takes them, the same call commits from seq 1
    s_admin_exec ("DROP TRIGGER pw_test_refuse ON events; DROP FUNCTION pw_test_refuse()");
    reply = s_decide (policy.router, "batch-fail", 10);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    got = s_read_events (direct, 5000, seqs, subjects, S_BATCH_KBS + 16);
    PW_CHECK (got >= 10);
    if (got >= 10)
        s_check_order ("published after the failure", seqs, subjects, 10, 1);
    for (int i = 0; i < got && i < S_BATCH_KBS + 16; i++)
        free (subjects [i]);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM decisions WHERE tenant_id = '%s'", "batch-fail"),
                  10);
    zsock_destroy (&direct);
    zsock_destroy (&recorded);
    PW_CHECK_INT (pw_itest_service_stop (&policy), 0);
}

//  --- the store going away while a burst is recorded ----------------------

static void
s_test_store_outage (void)
{
    const int count = 100000;
    char *sql = pw_sprintf (
        "BEGIN;"
        "INSERT INTO tenants VALUES ('outage');"
        "INSERT INTO events (tenant_id, producer, seq, time, kind, subject, actor, payload) "
        "  SELECT 'outage', 'policy', i, clock_timestamp(), 'import.scans', 'scans.csv', "
        "         'rmm-sync', jsonb_build_object('reason', 'nightly sync', 'row', i) "
        "    FROM generate_series(1, %d) i;"
        "INSERT INTO event_seq (tenant_id, producer, last_seq) VALUES ('outage', 'policy', %d);"
        "COMMIT",
        count, count);
    s_admin_exec (sql);
    free (sql);
    pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
    event.tenant = "outage";
    event.producer = "policy";
    event.seq = (uint64_t)count;
    event.kind = "import.scans";
    pw_wire_publish (s_pub, &event);
    //  The store stops once recording is under way (mid-burst)
    long before =
        pw_itest_wait_for (s_admin,
                           "SELECT CASE WHEN coalesce(max(last_seq), 0) > 0 THEN 1 ELSE 0 END "
                           "FROM audit_cursor WHERE tenant_id = 'outage'",
                           1, 20000);
    PW_CHECK_INT (before, 1);
    PW_CHECK_INT (pw_itest_pg ("stop"), 0);
    usleep (1500 * 1000);
    PW_CHECK (pw_itest_service_alive (&s_audit));
    PW_CHECK_INT (pw_itest_pg ("start"), 0);
    PQreset (s_admin);
    PQreset (s_producer);
    long when_stopped = s_count (S_CURSOR, "outage");
    PW_CHECK_INT (s_wait_count (S_RECORDED, "outage", count, 30000), count);
    PW_CHECK_INT (s_count (S_CURSOR, "outage"), count);
    PW_CHECK_INT (s_count (S_TRAIL, "outage"), count);
    PW_CHECK_INT (s_count ("SELECT count(DISTINCT (details->>'row')) FROM trail "
                           "WHERE tenant_id = '%s'",
                           "outage"),
                  count);
    pw_reply_t *reply = s_verify ("outage");
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY &&
              reply->trail_verify->ok);
    pw_reply_free (&reply);
    char *body = NULL;
    PW_CHECK_INT (pw_itest_http_get (s_audit.http_port, "/metrics", &body), 200);
    PW_CHECK (body && strstr (body, "pw_audit_record_failures_total") &&
              !strstr (body, "pw_audit_record_failures_total 0\n"));
    free (body);
    fprintf (stderr,
             "    store outage: %ld of %d recorded before the stop came through; all "
             "after the restart\n",
             when_stopped, count);
}

//  --- pwctl events --follow -----------------------------------------------

static void
s_test_follow (void)
{
    char out_path [] = "/tmp/pw-follow-XXXXXX";
    int fd = mkstemp (out_path);
    if (fd < 0) {
        PW_FAIL_AT ("mkstemp: %s", strerror (errno));
        return;
    }
    char pub [96];
    snprintf (pub, sizeof pub, "--audit-pub=%s", s_audit.pub);
    char *binary = pw_sprintf ("%s/pwctl", getenv ("PW_TEST_BIN"));
    pid_t child = fork ();
    if (child == 0) {
        dup2 (fd, 1);
        close (fd);
        execl (binary, binary, pub, "--tenant=follow", "events", "--follow", "--kind=decision",
               (char *)NULL);
        _exit (127);
    }
    close (fd);
    free (binary);
    usleep (500 * 1000); //  its SUB connects
    //  Seen: follow's decision.* events. Not seen: another kind of the same
    //  tenant, the same kind of another tenant, a kind that only starts alike.
    s_produce_kind ("follow", "decision.approve", 3, 1);
    s_produce_kind ("follow", "import.agents", 4, 1);
    s_produce_kind ("follower", "decision.approve", 5, 1);
    s_produce_kind ("follow", "decisions.bulk", 2, 1);
    s_produce_kind ("follow", "decision.deny", 2, 1);
    PW_CHECK_INT (s_wait_count (S_RECORDED, "follow", 11, 10000), 11);
    PW_CHECK_INT (s_wait_count (S_RECORDED, "follower", 5, 10000), 5);
    usleep (300 * 1000);
    kill (child, SIGINT);
    int status = -1;
    for (int waited = 0; waited < 3000; waited += 50) {
        if (waitpid (child, &status, WNOHANG) == child)
            break;
        usleep (50 * 1000);
    }
    if (waitpid (child, NULL, WNOHANG) == 0) {
        PW_FAIL_AT ("pwctl events --follow did not stop on SIGINT");
        kill (child, SIGKILL);
        waitpid (child, NULL, 0);
    } else
        PW_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    FILE *file = fopen (out_path, "r");
    char line [2048];
    int lines = 0, approve = 0, deny = 0;
    while (file && fgets (line, sizeof line, file)) {
        lines++;
        approve += strstr (line, " follow/policy #") && strstr (line, " decision.approve ");
        deny += strstr (line, " follow/policy #") && strstr (line, " decision.deny ");
        if (!strstr (line, " follow/policy #"))
            PW_FAIL_AT ("unexpected line: %s", line);
    }
    if (file)
        fclose (file);
    unlink (out_path);
    PW_CHECK_INT (approve, 3);
    PW_CHECK_INT (deny, 2);
    PW_CHECK_INT (lines, 5);
}

//  --- findings -------------------------------------------------------------

static pw_reply_t *
s_run (const char *tenant)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__AuditRunRequest call = PATCHWARDEN__V1__AUDIT_RUN_REQUEST__INIT;
    request.tenant = (char *)tenant;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_AUDIT_RUN;
    request.audit_run = &call;
    return pw_itest_call (s_audit.router, &request, 10000);
}

#define S_OPEN "SELECT count(*) FROM findings WHERE tenant_id = 'shop' AND open AND code = '%s'"

static long
s_open (const char *code)
{
    return s_count (S_OPEN, code);
}

//  Reads the topics the SUB has ready within WAIT_MS into one string.
static char *
s_topics (zsock_t *sub, int wait_ms)
{
    pw_strbuf_t topics;
    pw_strbuf_init (&topics);
    zpoller_t *poller = zpoller_new (sub, NULL);
    while (zpoller_wait (poller, wait_ms)) {
        zmsg_t *msg = zmsg_recv (sub);
        char *topic = zmsg_popstr (msg);
        pw_strbuf_appendf (&topics, "%s\n", topic);
        free (topic);
        zmsg_destroy (&msg);
        wait_ms = 200;
    }
    zpoller_destroy (&poller);
    return pw_strbuf_take (&topics);
}

static void
s_test_findings (void)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_subscribe (sub, "shop/finding/");
    zsock_connect (sub, "%s", s_audit.pub);
    usleep (200 * 1000);
    //  A minimal shop: WS1 has nothing set (but its status profile), SRV1 is fine but for a failed
    //  install and a reboot, OLD1 is unsubscribed with a scan left; one
    //  patch waits for review for 30 days.
    s_admin_exec (
        "INSERT INTO tenants VALUES ('shop');"
        "INSERT INTO orgs (tenant_id, name) VALUES ('shop', 'contoso');"
        "INSERT INTO patch_policies (tenant_id, name, baseline) VALUES ('shop', 'Baseline', true);"
        "INSERT INTO agents (tenant_id, hostname, org, class, last_scan) "
        "  VALUES ('shop', 'WS1', 'contoso', 'workstation', NULL),"
        "         ('shop', 'SRV1', 'contoso', 'server', now()),"
        "         ('shop', 'OLD1', 'contoso', 'server', now());"
        "INSERT INTO agent_settings (tenant_id, agent_id, subscribed, patch_policies, scan, "
        "                            update_window) "
        "  SELECT 'shop', agent_id, hostname <> 'OLD1', '{Baseline}', 'mon 04:00', 'SAT-1' "
        "    FROM agents WHERE tenant_id = 'shop' AND hostname IN ('SRV1', 'OLD1');"
        "INSERT INTO patches (tenant_id, ident, kb, classification, severity, released_at) "
        "  VALUES ('shop', 'KB1', 'KB1', 'security', 'Critical', now() - interval '30 days'),"
        "         ('shop', 'KB2', 'KB2', 'security', 'Important', now() - interval '30 days');"
        "INSERT INTO scan_states (tenant_id, agent_id, patch_id, state, scanned_at) "
        "  SELECT 'shop', a.agent_id, p.patch_id, "
        "         CASE p.kb WHEN 'KB1' THEN 'failed' ELSE 'pending_reboot' END, now() "
        "    FROM agents a, patches p WHERE a.tenant_id = 'shop' AND p.tenant_id = 'shop' "
        "     AND a.hostname = 'SRV1';"
        //  WS1 misses KB1, in review in its status profile (SRV1 has
        //  none: its failed and waiting installs come from its scan alone)
        "INSERT INTO scan_states (tenant_id, agent_id, patch_id, state, scanned_at) "
        "  SELECT 'shop', a.agent_id, p.patch_id, 'missing', now() "
        "    FROM agents a, patches p WHERE a.tenant_id = 'shop' AND p.tenant_id = 'shop' "
        "     AND a.hostname = 'WS1' AND p.kb = 'KB1';"
        "INSERT INTO agent_settings (tenant_id, agent_id, subscribed, profile_id) "
        "  SELECT 'shop', agent_id, true, 1 FROM agents "
        "   WHERE tenant_id = 'shop' AND hostname = 'WS1';"
        "INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, source_kind, "
        "                            source_policy) "
        "  SELECT 'shop', 1, patch_id, 'review', 'rule', 'Baseline' "
        "    FROM patches WHERE tenant_id = 'shop' AND kb = 'KB1';");
    //  The audit finds the new tenant by itself and audits it soon; let
    //  that happen first, so the counts below are this run's.
    usleep (700 * 1000);
    pw_reply_t *reply = s_run ("shop");
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN) {
        PW_CHECK_INT (reply->audit_run->agents, 3);
        PW_CHECK_INT (reply->audit_run->open, 9);
        PW_CHECK (reply->audit_run->total_us >= reply->audit_run->compute_us);
        PW_CHECK (reply->audit_run->load_us > 0);
        PW_CHECK (reply->audit_run->total_us >=
                  reply->audit_run->load_us + reply->audit_run->compute_us);
    }
    pw_reply_free (&reply);
    const char *codes [] = {
        "NO_PATCH_POLICY", "NO_BASELINE",    "NO_SCAN_SCHEDULE", "NO_UPDATE_SCHEDULE",
        "STALE_SCAN",      "INSTALL_FAILED", "PENDING_REBOOT",   "UNSUBSCRIBED_SCHEDULED",
        "REVIEW_BACKLOG"};
    for (size_t i = 0; i < sizeof codes / sizeof codes [0]; i++)
        if (s_open (codes [i]) != 1)
            PW_FAIL_AT ("%s: %ld open, expected 1", codes [i], s_open (codes [i]));
    char *topics = s_topics (sub, 2000);
    PW_CHECK (strstr (topics, "shop/finding/opened/NO_UPDATE_SCHEDULE\n") != NULL);
    PW_CHECK (strstr (topics, "shop/finding/opened/INSTALL_FAILED\n") != NULL);
    PW_CHECK (strstr (topics, "shop/finding/opened/REVIEW_BACKLOG\n") != NULL);
    free (topics);
    //  The events are in the outbox too, as the audit's own stream
    PW_CHECK (s_count ("SELECT count(*) FROM events WHERE tenant_id = '%s' AND producer = 'audit' "
                       "AND kind = 'finding.opened'",
                       "shop") >= 8);

    //  A second run changes nothing
    reply = s_run ("shop");
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN) {
        PW_CHECK_INT (reply->audit_run->opened, 0);
        PW_CHECK_INT (reply->audit_run->resolved, 0);
    }
    pw_reply_free (&reply);

    //  pwctl audit --json parses; the table prints
    char audit [96];
    snprintf (audit, sizeof audit, "--audit-endpoint=%s", s_audit.router);
    const char *json_args [] = {audit, "--tenant=shop", "--json", "audit", NULL};
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (pw_itest_pwctl (json_args, &out, &err), 0);
    pw_json_t *reader = pw_json_new (out, strlen (out));
    const pw_json_value_t *doc = pw_json_parse (reader);
    PW_CHECK (doc != NULL);
    const pw_json_value_t *totals = pw_json_get (doc, "totals");
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "agents")), 3);
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "subscribed")), 2);
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "failed")), 1);
    PW_CHECK_INT (
        (long)pw_json_number (pw_json_get (pw_json_get (totals, "findings"), "INSTALL_FAILED")), 1);
    PW_CHECK_STR (pw_json_string (pw_json_get (pw_json_at (pw_json_get (doc, "orgs"), 0), "org")),
                  "contoso");
    pw_json_destroy (&reader);
    free (out);
    free (err);
    const char *table_args [] = {audit, "--tenant=shop", "audit", NULL};
    PW_CHECK_INT (pw_itest_pwctl (table_args, &out, &err), 0);
    PW_CHECK (strstr (out, "contoso") && strstr (out, "INSTALL_FAILED"));
    free (out);
    free (err);
    const char *report_args [] = {
        audit, "--tenant=shop", "audit", "report", "--month=2024-05", "--org=contoso", NULL};
    PW_CHECK_INT (pw_itest_pwctl (report_args, &out, &err), 0);
    PW_CHECK (strstr (out, "# Patch compliance report: contoso, 2024-05") != NULL);
    free (out);
    free (err);
    const char *html_args [] = {
        audit,           "--tenant=shop", "audit", "report", "--month=2024-05",
        "--org=contoso", "--format=html", NULL};
    PW_CHECK_INT (pw_itest_pwctl (html_args, &out, &err), 0);
    PW_CHECK (strstr (out, "<table>") && strstr (out, "<h1>"));
    free (out);
    free (err);
    const char *bad_args [] = {audit, "--tenant=shop", "audit", "report", "--month=2024-13", NULL};
    PW_CHECK_INT (pw_itest_pwctl (bad_args, &out, &err), 1);
    PW_CHECK (strstr (err, "month"));
    free (out);
    free (err);

    //  Fix everything: findings resolve, with their events
    s_admin_exec ("UPDATE agent_settings SET patch_policies = '{Baseline}', scan = 'mon 04:00', "
                  "                          update_window = 'SAT-1' "
                  " WHERE agent_id IN (SELECT agent_id FROM agents "
                  "                     WHERE tenant_id = 'shop' AND hostname = 'WS1');"
                  "UPDATE agents SET last_scan = now() WHERE tenant_id = 'shop';"
                  "UPDATE agent_settings SET scan = NULL, update_window = NULL "
                  " WHERE tenant_id = 'shop' AND NOT subscribed;"
                  "DELETE FROM scan_states WHERE tenant_id = 'shop';"
                  "INSERT INTO decisions (tenant_id, policy, kb, action) "
                  "  VALUES ('shop', 'Baseline', 'KB1', 'approve');");
    reply = s_run ("shop");
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN) {
        PW_CHECK_INT (reply->audit_run->opened, 0);
        PW_CHECK (reply->audit_run->resolved >= 9);
        PW_CHECK_INT (reply->audit_run->open, 0);
    } else
        PW_FAIL_AT ("audit_run: no reply");
    pw_reply_free (&reply);
    for (size_t i = 0; i < sizeof codes / sizeof codes [0]; i++)
        PW_CHECK_INT (s_open (codes [i]), 0);
    PW_CHECK (s_count ("SELECT count(*) FROM findings WHERE tenant_id = '%s' AND NOT open "
                       "AND resolved_at IS NOT NULL",
                       "shop") >= 9);
    topics = s_topics (sub, 2000);
    PW_CHECK (strstr (topics, "shop/finding/resolved/NO_UPDATE_SCHEDULE\n") != NULL);
    PW_CHECK (strstr (topics, "shop/finding/resolved/REVIEW_BACKLOG\n") != NULL);
    free (topics);
    zsock_destroy (&sub);
}

//  The detail of the open finding CODE of SUBJECT in tenant "facts" (caller
//  frees), or NULL when none is open.
static char *
s_facts_detail (const char *code, const char *subject)
{
    const char *params [] = {code, subject};
    PGresult *res = PQexecParams (s_admin,
                                  "SELECT severity || ': ' || detail FROM findings "
                                  "WHERE tenant_id = 'facts' AND open AND code = $1 "
                                  "AND subject = $2",
                                  2, NULL, params, NULL, NULL, 0);
    char *detail = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1
                       ? pw_strdup (PQgetvalue (res, 0, 0))
                       : NULL;
    PQclear (res);
    return detail;
}

static long
s_json_count (const pw_json_value_t *totals, const char *figure, const char *severity)
{
    return (long)pw_json_number (pw_json_get (pw_json_get (totals, figure), severity));
}

//  Missing approved patches as the store has them (scan states, statuses,
//  decisions, overrides, deferrals) and the planned windows of the last
//  three cycles: which are past window + grace, how the findings name
//  them, and how compliance counts them. Every patch is approved at a
//  different time from a different source, and the windows are chosen so
//  that taking the time from the wrong source changes the outcome.
static void
s_test_patch_facts (void)
{
    s_admin_exec (
        "INSERT INTO tenants VALUES ('facts');"
        "INSERT INTO orgs (tenant_id, name) VALUES ('facts', 'contoso');"
        "INSERT INTO patch_policies (tenant_id, name, baseline) VALUES ('facts', 'Base', true);"
        "INSERT INTO agents (tenant_id, hostname, org, class, last_scan) "
        "  VALUES ('facts', 'SRV', 'contoso', 'server', now()),"
        "         ('facts', 'MAN', 'contoso', 'server', now()),"
        "         ('facts', 'WS', 'contoso', 'workstation', now());"
        "INSERT INTO agent_settings (tenant_id, agent_id, subscribed, patch_policies, scan, "
        "                            update_window, manual_patching) "
        "  SELECT 'facts', agent_id, true, '{Base}', 'mon 04:00', "
        "         CASE WHEN hostname <> 'MAN' THEN 'SAT-1' END, "
        "         CASE WHEN hostname = 'MAN' THEN 'vendor signs off' END "
        "    FROM agents WHERE tenant_id = 'facts';"
        //  KBC by release, KBM by a decision, KBL by an override, KBU by
        //  the end of its deferral; KBR waits for review; KBY is installed
        "INSERT INTO patches (tenant_id, ident, kb, classification, severity, released_at) "
        "  VALUES ('facts', 'KBC', 'KBC', 'security', 'Critical', now() - interval '60 days'),"
        "         ('facts', 'KBI', 'KBI', 'security', 'important', now() - interval '10 days'),"
        "         ('facts', 'KBM', 'KBM', 'security', 'Moderate', now() - interval '90 days'),"
        "         ('facts', 'KBL', 'KBL', 'security', 'Low', now() - interval '90 days'),"
        "         ('facts', 'KBU', 'KBU', 'update', '', now() - interval '100 days'),"
        "         ('facts', 'KBR', 'KBR', 'security', 'Critical', now() - interval '100 days'),"
        "         ('facts', 'KBY', 'KBY', 'security', 'Critical', now() - interval '100 days'),"
        "         ('facts', 'KBF2', 'KBF2', 'security', 'Low', now() - interval '5 days'),"
        "         ('facts', 'KBF1', 'KBF1', 'security', 'Low', now() - interval '5 days');"
        "INSERT INTO decisions (tenant_id, policy, kb, action, decided_at) "
        "  VALUES ('facts', 'Base', 'KBM', 'approve', now() - interval '30 days');"
        "INSERT INTO kb_overrides (tenant_id, kb, action, note, updated_at) "
        "  VALUES ('facts', 'KBL', 'approve', 'everywhere', now() - interval '25 days');"
        "INSERT INTO scan_states (tenant_id, agent_id, patch_id, state, scanned_at) "
        "  SELECT 'facts', a.agent_id, p.patch_id, "
        "         CASE WHEN p.kb = 'KBY' THEN 'installed' "
        "              WHEN p.kb LIKE 'KBF%' THEN CASE a.hostname WHEN 'SRV' THEN 'failed' "
        "                                                         ELSE 'pending_reboot' END "
        "              ELSE 'missing' END, now() "
        "    FROM agents a, patches p WHERE a.tenant_id = 'facts' AND p.tenant_id = 'facts' "
        "     AND (p.kb NOT LIKE 'KBF%' OR a.hostname <> 'MAN');"
        //  The three agents are subscribed members of Base ignoring
        //  nothing: one status profile, with a status for every patch one
        //  of them misses or failed to install
        "UPDATE agent_settings SET profile_id = pw_profile_id(pw_profile_key(true, '{Base}', "
        "'{}')) "
        " WHERE tenant_id = 'facts';"
        "INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, until, "
        "                            source_kind, source_policy) "
        "  SELECT 'facts', pw_profile_id(pw_profile_key(true, '{Base}', '{}')), p.patch_id, "
        "         CASE p.kb WHEN 'KBR' THEN 'review' ELSE 'approved' END, "
        "         CASE p.kb WHEN 'KBU' THEN now() - interval '35 days' END, "
        "         CASE p.kb WHEN 'KBM' THEN 'decision' WHEN 'KBL' THEN 'override' "
        "                   ELSE 'rule' END, 'Base' "
        "    FROM patches p "
        "   WHERE p.tenant_id = 'facts' "
        "     AND EXISTS (SELECT 1 FROM scan_states s "
        "                  WHERE s.tenant_id = 'facts' AND s.patch_id = p.patch_id "
        "                    AND s.state IN ('missing', 'failed'));"
        //  Three cycles: windows that ended 45 and 20 days ago, and the
        //  current one, still to come; WS only has the current one, MAN
        //  none (it is patched by hand)
        "INSERT INTO plans (tenant_id, cycle, anchor, computed_at, inputs_digest, agents, "
        "                   planned, unscheduled, violations, document) "
        "  VALUES ('facts', 'c1', current_date, now() - interval '50 days', '', 0, 0, 0, 0, '{}'),"
        "         ('facts', 'c2', current_date, now() - interval '25 days', '', 0, 0, 0, 0, '{}'),"
        "         ('facts', 'c3', current_date, now(), '', 0, 0, 0, 0, '{}');"
        "INSERT INTO plan_agents (tenant_id, cycle, agent_id, hostname, org, status, \"window\", "
        "                         start_utc, end_utc) "
        "  SELECT 'facts', c.cycle, a.agent_id, a.hostname, a.org, 'planned', 'SAT-1', "
        "         c.ends - interval '4 hours', c.ends "
        "    FROM agents a, (VALUES ('c1', now() - interval '45 days'), "
        "                           ('c2', now() - interval '20 days'), "
        "                           ('c3', now() + interval '5 days')) AS c(cycle, ends) "
        "   WHERE a.tenant_id = 'facts' AND (a.hostname = 'SRV' OR "
        "                                    (a.hostname = 'WS' AND c.cycle = 'c3'));");
    usleep (700 * 1000);
    for (int run = 0; run < 2; run++) {
        pw_reply_t *reply = s_run ("facts");
        PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
        if (run == 1 && reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN) {
            PW_CHECK_INT (reply->audit_run->opened, 0);
            PW_CHECK_INT (reply->audit_run->resolved, 0);
        }
        pw_reply_free (&reply);
    }
    //  SRV: KBC's window is the one of 45 days ago (released before it),
    //  KBM's the one of 20 days ago (decided after the first); KBL was
    //  overridden after the first too, and is within its 30 days; KBU's
    //  deferral ended after the first; KBI came after the second
    char *detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV");
    PW_CHECK_STR (detail, "critical: 2 approved patches missing past window + grace: KBC "
                          "(Critical, window ended 45 days ago), KBM (Moderate, window ended 20 "
                          "days ago)");
    free (detail);
    //  MAN is measured from the approvals themselves: the worst first
    detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "MAN");
    PW_CHECK_STR (detail, "critical: 4 approved patches missing past window + grace: KBC "
                          "(Critical, window ended 60 days ago), KBI (Important, window ended 10 "
                          "days ago), KBM (Moderate, window ended 30 days ago), KBU (Unspecified, "
                          "window ended 35 days ago)");
    free (detail);
    //  WS's only window is still to come
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "WS") == NULL);
    detail = s_facts_detail ("INSTALL_FAILED", "SRV");
    PW_CHECK_STR (detail, "high: 2 installs failed: KBF1, KBF2");
    free (detail);
    detail = s_facts_detail ("PENDING_REBOOT", "WS");
    PW_CHECK_STR (detail, "low: 2 installed patches wait for a reboot: KBF1, KBF2");
    free (detail);

    char audit [96];
    snprintf (audit, sizeof audit, "--audit-endpoint=%s", s_audit.router);
    const char *json_args [] = {audit, "--tenant=facts", "--json", "audit", NULL};
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (pw_itest_pwctl (json_args, &out, &err), 0);
    pw_json_t *reader = pw_json_new (out, strlen (out));
    const pw_json_value_t *totals = pw_json_get (pw_json_parse (reader), "totals");
    //  Five approved patches missing on each of the three agents (not the
    //  one in review, not the installed one, not the failed ones)
    const char *severities [] = {"critical", "important", "moderate", "low", "unspecified"};
    const long overdue [] = {2, 1, 2, 0, 1};
    for (int i = 0; i < 5; i++) {
        PW_CHECK_INT (s_json_count (totals, "missing", severities [i]), 3);
        PW_CHECK_INT (s_json_count (totals, "overdue", severities [i]), overdue [i]);
    }
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "failed")), 2);
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "pending_reboot")), 1);
    PW_CHECK_INT ((long)pw_json_number (pw_json_get (totals, "compliant")), 1);
    pw_json_destroy (&reader);
    free (out);
    free (err);
}

//  The value of the unlabelled metric NAME on the audit's /metrics; -1
//  when it is not there.
static long
s_metric (const char *name)
{
    return pw_itest_metric (s_audit.http_port, name);
}

//  Runs a full audit of 'facts' and returns how the patch facts were found:
//  1 in the cache, 0 read from the store, 2 brought up to date with what
//  writes changed, -1 when the audit failed.
static int
s_facts_run_cached (void)
{
    long hits = s_metric ("pw_audit_facts_cache_hits_total");
    long misses = s_metric ("pw_audit_facts_cache_misses_total");
    long updates = s_metric ("pw_audit_facts_cache_updates_total");
    pw_reply_t *reply = s_run ("facts");
    bool ok = reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK;
    pw_reply_free (&reply);
    long new_hits = s_metric ("pw_audit_facts_cache_hits_total");
    long new_misses = s_metric ("pw_audit_facts_cache_misses_total");
    long new_updates = s_metric ("pw_audit_facts_cache_updates_total");
    if (!ok || new_hits + new_misses + new_updates != hits + misses + updates + 1)
        return -1;
    return new_hits == hits + 1 ? 1 : new_updates == updates + 1 ? 2 : 0;
}

//  The patch facts are kept between audits while the tenant's scan states
//  and statuses stay as they are; any write to them, by the service role
//  for the tenant or by an administrator, is seen by the next audit.
static void
s_test_facts_cache (void)
{
    //  The facts as s_test_patch_facts left them, read once more
    PW_CHECK (s_facts_run_cached () >= 0);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    //  KBC installed on SRV, written by the service role for the tenant:
    //  the scan state (the profile's status of KBC stays, MAN and WS
    //  still miss it), declaring nothing
    PGresult *res = PQexec (
        s_producer, "BEGIN; SELECT set_config('pw.tenant', 'facts', true);"
                    "UPDATE scan_states SET state = 'installed' "
                    " WHERE patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBC') "
                    "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV');"
                    "COMMIT");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    PW_CHECK_INT (s_facts_run_cached (), 0);
    char *detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV");
    PW_CHECK_STR (detail, "medium: 1 approved patch missing past window + grace: KBM "
                          "(Moderate, window ended 20 days ago)");
    free (detail);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    //  KBM installed too, by an administrator (no tenant in the session)
    s_admin_exec ("UPDATE scan_states SET state = 'installed' "
                  " WHERE tenant_id = 'facts' "
                  "   AND patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBM') "
                  "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV')");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV") == NULL);
    //  The review queue of Base: KBR, in review on every agent, counted
    //  once, since its release 100 days ago
    detail = s_facts_detail ("REVIEW_BACKLOG", "Base");
    PW_CHECK (detail && strncmp (detail,
                                 "medium: 1 patch waits for review, the oldest for 100 "
                                 "days",
                                 51) == 0);
    free (detail);
    //  A status rewritten (KBI back to review in the profile of all three)
    //  is a change too
    s_admin_exec ("UPDATE profile_status SET status = 'review', source_kind = 'rule' "
                  " WHERE tenant_id = 'facts' "
                  "   AND patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBI')");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    detail = s_facts_detail ("REVIEW_BACKLOG", "Base");
    PW_CHECK (detail && strncmp (detail, "medium: 2 patches wait for review", 33) == 0);
    free (detail);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    //  The plan is kept by its own version: WS's window of this cycle
    //  moved to 20 days ago, written as the scheduler writes a plan, is
    //  seen though the patch facts come from the cache
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "WS") == NULL);
    res =
        PQexec (s_producer, "BEGIN; SELECT set_config('pw.tenant', 'facts', true);"
                            "UPDATE plan_agents SET start_utc = now() - interval '20 days 4 hours',"
                            "                       end_utc = now() - interval '20 days' "
                            " WHERE hostname = 'WS' AND cycle = 'c3';"
                            "COMMIT");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "WS");
    PW_CHECK (detail && strncmp (detail,
                                 "critical: 2 approved patches missing past window + "
                                 "grace: KBC (Critical, window ended 20 days ago)",
                                 98) == 0);
    free (detail);
    //  A decision on KBR takes it out of the queue though no status moved
    //  yet (the decisions are read on every run)
    s_admin_exec ("INSERT INTO decisions (tenant_id, policy, kb, action, decided_at) "
                  "  VALUES ('facts', 'Base', 'KBR', 'deny', now())");
    PW_CHECK_INT (s_facts_run_cached (), 1);
    detail = s_facts_detail ("REVIEW_BACKLOG", "Base");
    PW_CHECK (detail == NULL); //  KBI, 10 days old, is within the 14 days
    free (detail);
    //  An agent moved to another status profile is a change too: in one
    //  with no statuses WS misses no approved patch, back in its own it
    //  misses KBC again
    s_admin_exec ("UPDATE agent_profiles SET profile_id = 0 WHERE tenant_id = 'facts' "
                  "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'WS')");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "WS") == NULL);
    s_admin_exec ("UPDATE agent_profiles "
                  "   SET profile_id = pw_profile_id(pw_profile_key(true, '{Base}', '{}')) "
                  " WHERE tenant_id = 'facts' "
                  "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'WS')");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "WS");
    PW_CHECK (detail && strstr (detail, "KBC (Critical, window ended 20 days ago)"));
    free (detail);
}

//  Runs a full audit of 'facts'; its open, opened and resolved counts into
//  the pointers (any NULL); false when it failed.
static bool
s_facts_run_counts (long *open_p, long *opened_p, long *resolved_p)
{
    pw_reply_t *reply = s_run ("facts");
    bool ok = reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK && reply->audit_run;
    if (ok && open_p)
        *open_p = reply->audit_run->open;
    if (ok && opened_p)
        *opened_p = reply->audit_run->opened;
    if (ok && resolved_p)
        *resolved_p = reply->audit_run->resolved;
    pw_reply_free (&reply);
    return ok;
}

static void s_facts_write (const char *sql);

#define S_FACTS_OPEN "SELECT count(*) FROM findings WHERE tenant_id = '%s' AND open"

//  An audit that opens and resolves findings keeps the open findings as its
//  own writes leave them, with the ids the store gave the ones it opened:
//  the next audits read none from the store, and resolve in the store the
//  finding opened before (by that id). The open counts replied are the
//  store's throughout.
static void
s_test_findings_kept (void)
{
    long open = 0, opened = 0, resolved = 0;
    PW_CHECK (s_facts_run_counts (NULL, NULL, NULL));
    long loads = s_metric ("pw_audit_findings_loads_total");
    PW_CHECK (loads >= 0);
    //  KBM missing on SRV again, written by the service role for the tenant
    //  (an administrator's write would move the epoch, and every kept
    //  thing with it): its approved patch past the window opens
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV") == NULL);
    s_facts_write ("UPDATE scan_states SET state = 'missing' "
                   " WHERE patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBM') "
                   "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV')");
    PW_CHECK (s_facts_run_counts (&open, &opened, &resolved));
    PW_CHECK_INT (opened, 1);
    PW_CHECK_INT (resolved, 0);
    PW_CHECK_INT (open, s_count (S_FACTS_OPEN, "facts"));
    char *detail = s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV");
    PW_CHECK (detail && strstr (detail, "KBM"));
    free (detail);
    //  Nothing changed: nothing opens or resolves
    PW_CHECK (s_facts_run_counts (&open, &opened, &resolved));
    PW_CHECK_INT (opened + resolved, 0);
    PW_CHECK_INT (open, s_count (S_FACTS_OPEN, "facts"));
    //  Installed again: the finding opened above resolves, in the store
    s_facts_write ("UPDATE scan_states SET state = 'installed' "
                   " WHERE patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBM') "
                   "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV')");
    PW_CHECK (s_facts_run_counts (&open, &opened, &resolved));
    PW_CHECK_INT (opened, 0);
    PW_CHECK_INT (resolved, 1);
    PW_CHECK (s_facts_detail ("APPROVED_NOT_INSTALLED", "SRV") == NULL);
    PW_CHECK_INT (open, s_count (S_FACTS_OPEN, "facts"));
    //  None of the three read the open findings from the store
    PW_CHECK_INT (s_metric ("pw_audit_findings_loads_total"), loads);
    //  A finding written by another (an administrator resolving one) is
    //  seen: the next audit reads them again and opens it anew
    s_admin_exec ("UPDATE findings SET open = false, resolved_at = now() "
                  " WHERE tenant_id = 'facts' AND open AND code = 'APPROVED_NOT_INSTALLED' "
                  "   AND subject = 'WS'");
    PW_CHECK (s_facts_run_counts (&open, &opened, &resolved));
    PW_CHECK_INT (opened, 1);
    PW_CHECK_INT (s_metric ("pw_audit_findings_loads_total"), loads + 1);
    PW_CHECK_INT (open, s_count (S_FACTS_OPEN, "facts"));
}

//  Writes SQL for tenant 'facts' in one transaction of the service role,
//  as the policy service writes.
static void
s_facts_write (const char *sql)
{
    char *script =
        pw_sprintf ("BEGIN; SELECT set_config('pw.tenant', 'facts', true); %s; COMMIT", sql);
    PGresult *res = PQexec (s_producer, script);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        PW_FAIL_AT ("%s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    free (script);
}

//  Every open finding of 'facts', as one string.
static char *
s_facts_open (void)
{
    PGresult *res = PQexec (s_admin, "SELECT string_agg(code || ' ' || subject || ' ' || severity "
                                     "  || ' ' || detail, E'\n' ORDER BY code, subject, detail) "
                                     "  FROM findings WHERE tenant_id = 'facts' AND open");
    char *open = PQresultStatus (res) == PGRES_TUPLES_OK ? pw_strdup (PQgetvalue (res, 0, 0))
                                                         : pw_strdup ("(failed)");
    PQclear (res);
    return open;
}

//  The findings of an audit that kept its facts up to date by what changed
//  are those of an audit that reads every fact again: an administrator's
//  write moves the epoch, so the next audit reads all.
static void
s_facts_match_whole_read (void)
{
    char *kept = s_facts_open ();
    s_admin_exec ("UPDATE facts_epoch SET epoch = epoch + 1");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    char *whole = s_facts_open ();
    PW_CHECK_STR (kept, whole);
    free (kept);
    free (whole);
}

//  True when the open finding CODE on SUBJECT of 'facts' says TEXT ("":
//  when it is open at all).
static bool
s_facts_says (const char *code, const char *subject, const char *text)
{
    char *detail = s_facts_detail (code, subject);
    bool says = detail && strstr (detail, text);
    free (detail);
    return says;
}

//  The ids of ROWS (a table and a condition: "agents WHERE ...") as a
//  bigint[] literal, in SQL; NULL: '' (any), "": '{}' (none).
static char *
s_ids_of (const char *column, const char *rows)
{
    return !rows    ? pw_strdup ("''")
           : !*rows ? pw_strdup ("'{}'")
                    : pw_sprintf ("(SELECT '{' || string_agg(%s::text, ',') || '}' FROM %s)",
                                  column, rows);
}

//  Writes SQL for 'facts' as s_facts_write does, first declaring every
//  patch of PATCHES on every agent of AGENTS (rows as s_ids_of takes them).
static void
s_facts_write_declared (const char *agents, const char *patches, const char *sql)
{
    char *agent_ids = s_ids_of ("agent_id", agents), *patch_ids = s_ids_of ("patch_id", patches);
    char *script = pw_sprintf ("SELECT set_config('pw.facts_agents', %s, true), "
                               "       set_config('pw.facts_patches', %s, true); %s",
                               agent_ids, patch_ids, sql);
    s_facts_write (script);
    free (script);
    free (agent_ids);
    free (patch_ids);
}

#define S_HOST(name) "agents WHERE hostname = '" name "'"
#define S_KB(kb)     "patches WHERE kb = '" kb "'"
//  In SQL: the status profiles of SRV and WS, the ids of KBC, KBI, KBM
#define S_SRV_PROFILE                                                                              \
    "(SELECT profile_id FROM agent_profiles "                                                      \
    "  WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV'))"
#define S_WS_PROFILE                                                                               \
    "(SELECT profile_id FROM agent_profiles "                                                      \
    "  WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = 'WS'))"
#define S_KBC "(SELECT patch_id FROM patches WHERE kb = 'KBC')"
#define S_KBI "(SELECT patch_id FROM patches WHERE kb = 'KBI')"
#define S_KBM "(SELECT patch_id FROM patches WHERE kb = 'KBM')"
//  The (agent, patch) pairs s_test_facts_changes declares
#define S_PAIRS "(('MAN', 'KBM'), ('SRV', 'KBC'), ('WS', 'KBM'), ('WS', 'KBC'))"

//  SQL that gives the agent HOST of 'facts' a status profile of its own
//  (as a resolution does when the agent's policies or ignore list change),
//  its id derived from KEY, its statuses a copy of those of its profile
//  until the write goes on to change them; then SQL. Caller frees.
static char *
s_own_profile (const char *host, const char *key, const char *sql)
{
    return pw_sprintf (
        "INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, until, "
        "                            source_kind, source_policy, source_rule) "
        "  SELECT tenant_id, pw_profile_id('%s'), patch_id, status, until, "
        "         source_kind, source_policy, source_rule "
        "    FROM profile_status "
        "   WHERE profile_id = (SELECT profile_id FROM agent_profiles "
        "                        WHERE agent_id = (SELECT agent_id FROM agents "
        "                                           WHERE hostname = '%s'));"
        "UPDATE agent_profiles SET profile_id = pw_profile_id('%s') "
        " WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = '%s');"
        "%s",
        key, host, key, host, sql);
}

//  s_run ("facts") on a thread of its own: ARG is where its reply goes.
static void *
s_run_facts_thread (void *arg)
{
    *(pw_reply_t **)arg = s_run ("facts");
    return NULL;
}

//  A whole read of the patch facts takes three statements, and a write
//  that commits between them is not seen by part of the read only: here
//  WS moves to a profile of its own, a copy of its statuses, while the
//  audit's read of the statuses waits at a lock (it reads them as they
//  were before); its read of the agents' profiles comes after. The audit
//  reads again and joins statuses and profiles of one moment: no finding
//  of WS resolves, and the facts it keeps are those of the write's version
//  (the next audit finds them in the cache).
static void
s_test_facts_moment (void)
{
    PW_CHECK (s_facts_run_cached () >= 0);
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));
    PGconn *writer = pw_itest_connect (s_db_url);
    if (!writer)
        PW_FAIL_AT ("no connection");
    s_admin_exec ("UPDATE facts_epoch SET epoch = epoch + 1"); //  read everything next
    char *move = s_own_profile ("WS", "moved WS", "SELECT 1");
    char *sql = pw_sprintf ("BEGIN; SELECT set_config('pw.tenant', 'facts', true);"
                            "LOCK TABLE profile_status IN ACCESS EXCLUSIVE MODE; %s",
                            move);
    PGresult *res = writer ? PQexec (writer, sql) : NULL;
    PW_CHECK_INT (PQresultStatus (res), PGRES_TUPLES_OK);
    PQclear (res);
    free (sql);
    free (move);
    long misses = s_metric ("pw_audit_facts_cache_misses_total");
    pw_reply_t *reply = NULL;
    pthread_t thread;
    bool running = pthread_create (&thread, NULL, s_run_facts_thread, &reply) == 0;
    PW_CHECK (running);
    PW_CHECK_INT (
        pw_itest_wait_for (s_admin,
                           "SELECT count(*) FROM pg_stat_activity "
                           " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
                           "   AND query LIKE '%profile_id, patch_id, status, source_kind%'",
                           1, 5000),
        1);
    res = writer ? PQexec (writer, "COMMIT") : NULL;
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    if (running)
        pthread_join (thread, NULL);
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN) {
        PW_CHECK_INT (reply->audit_run->opened, 0);
        PW_CHECK_INT (reply->audit_run->resolved, 0);
    }
    pw_reply_free (&reply);
    PW_CHECK_INT (s_metric ("pw_audit_facts_cache_misses_total"), misses + 1);
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM agent_profiles JOIN agents USING (tenant_id, agent_id) "
                 " WHERE tenant_id = '%s' AND hostname = 'WS' "
                 "   AND profile_id = pw_profile_id('moved WS')",
                 "facts"),
        1);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    if (writer)
        PQfinish (writer);
}

//  Writes that declare the agents and patches they touch (as the policy
//  service declares its status writes, 009_facts_changes) are followed by
//  reading those again, alone; the facts so kept give the findings a whole
//  read gives. A write that declares nothing reads everything again.
static void
s_test_facts_changes (void)
{
    PW_CHECK (s_facts_run_cached () >= 0);
    PW_CHECK_INT (s_facts_run_cached (), 1);
    //  KBI approved on SRV alone, deferred until 30 days ago: SRV gets a
    //  profile of its own where KBI is approved (the copy changes nothing
    //  else of SRV's, so the pair is all the write changes); overdue since
    //  the window that ended 20 days ago
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "SRV", "KBI"));
    char *sql = s_own_profile (
        "SRV", "own SRV",
        "UPDATE profile_status SET status = 'approved', until = now() - interval '30 days' "
        " WHERE profile_id = " S_SRV_PROFILE " AND patch_id = " S_KBI);
    s_facts_write_declared (S_HOST ("SRV"), S_KB ("KBI"), sql);
    free (sql);
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "SRV",
                            "KBI (Important, window ended 20 days ago)"));
    //  The review queue lost nothing: KBI is still in review on WS and MAN
    PW_CHECK (
        !s_facts_says ("REVIEW_BACKLOG", "Base", "")); //  KBI, 10 days old, is within the 14 days
    s_facts_match_whole_read ();

    //  WS moved to a profile of its own that ignores KBC, every other
    //  status the same: declared by agent only (any patch), as a
    //  resolution of some agents declares them
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));
    sql = s_own_profile ("WS", "own WS",
                         "UPDATE profile_status SET status = 'denied', source_kind = 'ignore', "
                         "       source_policy = NULL, source_rule = 'ignore list' "
                         " WHERE profile_id = " S_WS_PROFILE " AND patch_id = " S_KBC);
    s_facts_write_declared (S_HOST ("WS"), NULL, sql);
    free (sql);
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));
    s_facts_match_whole_read ();

    //  Declared as pairs (agent i with patch i), as a decision declares
    //  the agents that miss its KB: KBC approved again in WS's profile, and
    //  KBM deferred until 3 days ago in every profile, which changes it on
    //  MAN and WS (SRV installed it): neither is overdue any more. SRV with
    //  KBC is named too (a declaration may name more than changed): it
    //  installed KBC, approved in its profile, which stays so
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "MAN", "KBM"));
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBM"));
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "SRV", "KBC"));
    s_facts_write ("SELECT set_config('pw.facts_agents', "
                   "  (SELECT '{' || string_agg(a.agent_id::text, ',' ORDER BY a.hostname, p.kb) "
                   "          || '}' "
                   "     FROM agents a, patches p WHERE (a.hostname, p.kb) IN " S_PAIRS "), true), "
                   "  set_config('pw.facts_patches', "
                   "  (SELECT '{' || string_agg(p.patch_id::text, ',' ORDER BY a.hostname, p.kb) "
                   "          || '}' "
                   "     FROM agents a, patches p WHERE (a.hostname, p.kb) IN " S_PAIRS "), true), "
                   "  set_config('pw.facts_paired', 'on', true);"
                   "UPDATE profile_status SET status = 'approved', source_kind = 'rule', "
                   "       source_policy = 'Base', source_rule = 'paired' "
                   " WHERE profile_id = " S_WS_PROFILE " AND patch_id = " S_KBC ";"
                   "UPDATE profile_status SET until = now() - interval '3 days' "
                   " WHERE patch_id = " S_KBM);
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "MAN", "KBM"));
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBM"));
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "SRV", "KBC"));
    s_facts_match_whole_read ();
    s_facts_write_declared (S_HOST ("WS"), S_KB ("KBC"),
                            "UPDATE profile_status SET status = 'denied' "
                            " WHERE profile_id = " S_WS_PROFILE " AND patch_id = " S_KBC);
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (!s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));

    //  A declared write of scan states: KBI's install failed on SRV
    s_facts_write_declared (
        S_HOST ("SRV"), S_KB ("KBI"),
        "UPDATE scan_states SET state = 'failed' "
        " WHERE patch_id = (SELECT patch_id FROM patches WHERE kb = 'KBI') "
        "   AND agent_id = (SELECT agent_id FROM agents WHERE hostname = 'SRV')");
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (s_facts_says ("INSTALL_FAILED", "SRV", "3 installs failed: KBF1, KBF2, KBI"));
    s_facts_match_whole_read ();

    //  A write that declares agents but touches nothing reads nothing new
    s_facts_write_declared ("", "", "UPDATE profile_status SET status = 'denied' WHERE false");
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK_INT (s_facts_run_cached (), 1);

    //  A declared write followed by one that declares nothing (KBC back on
    //  WS): everything is read again, and seen
    s_facts_write_declared (
        S_HOST ("WS"), "",
        "UPDATE profile_status SET source_rule = 'again' WHERE false;"
        "SELECT set_config('pw.facts_agents', '', true), set_config('pw.facts_patches', '', true);"
        "UPDATE profile_status SET status = 'approved' "
        " WHERE profile_id = " S_WS_PROFILE " AND patch_id = " S_KBC);
    PW_CHECK_INT (s_facts_run_cached (), 0);
    PW_CHECK (s_facts_says ("APPROVED_NOT_INSTALLED", "WS", "KBC"));

    //  The agents' settings are kept by a version of their own: WS's
    //  window taken away, as a resolution writes it, is seen though the
    //  patch facts come from the cache. The settings row holds the
    //  agent's status profile too (015_profiles_in_settings), so the write
    //  moves the facts counter, declaring that no agent's facts change:
    //  an update that reads nothing again
    PW_CHECK (!s_facts_says ("NO_UPDATE_SCHEDULE", "WS", ""));
    s_facts_write ("SELECT set_config('pw.facts_agents', '{}', true);"
                   "UPDATE agent_settings SET update_window = NULL "
                   " WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = 'WS')");
    PW_CHECK_INT (s_facts_run_cached (), 2);
    PW_CHECK (s_facts_says ("NO_UPDATE_SCHEDULE", "WS", ""));
    //  So are the open findings: one resolved behind the audit's back (by
    //  another audit instance) is opened again, not taken as still open
    s_facts_write ("UPDATE findings SET open = false, resolved_at = now() "
                   " WHERE code = 'NO_UPDATE_SCHEDULE' AND subject = 'WS'");
    PW_CHECK (!s_facts_says ("NO_UPDATE_SCHEDULE", "WS", ""));
    pw_reply_t *reply = s_run ("facts");
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN &&
              reply->audit_run->opened == 1);
    pw_reply_free (&reply);
    PW_CHECK (s_facts_says ("NO_UPDATE_SCHEDULE", "WS", ""));
    s_facts_write ("UPDATE agent_settings SET update_window = 'SAT-1' "
                   " WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = 'WS')");
    reply = s_run ("facts");
    PW_CHECK (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN &&
              reply->audit_run->resolved == 1);
    pw_reply_free (&reply);
    PW_CHECK (!s_facts_says ("NO_UPDATE_SCHEDULE", "WS", ""));

    //  A declaration the audit could not take is refused with its write,
    //  by the rule it breaks; the facts stay as they were
    const char *bad [][2] = {
        {"SELECT set_config('pw.facts_agents', '{1,2}', true), "
         "       set_config('pw.facts_patches', '{1}', true), "
         "       set_config('pw.facts_paired', 'on', true)",
         "facts_changes_pairs"},
        {"SELECT set_config('pw.facts_agents', '{1,NULL}', true)", "facts_changes_no_null_ids"},
        {"SELECT set_config('pw.facts_agents', '{1,x}', true)", "invalid input syntax"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char *script = pw_sprintf ("BEGIN; SELECT set_config('pw.tenant', 'facts', true); %s; "
                                   "UPDATE profile_status SET source_rule = 'refused' "
                                   " WHERE profile_id = " S_WS_PROFILE,
                                   bad [i][0]);
        PGresult *res = PQexec (s_producer, script);
        PW_CHECK (PQresultStatus (res) == PGRES_FATAL_ERROR &&
                  strstr (PQresultErrorMessage (res), bad [i][1]));
        PQclear (res);
        PQclear (PQexec (s_producer, "ROLLBACK"));
        free (script);
    }
    PW_CHECK_INT (s_count ("SELECT count(*) FROM profile_status WHERE tenant_id = '%s' "
                           "   AND source_rule = 'refused'",
                           "facts"),
                  0);
    PW_CHECK_INT (s_facts_run_cached (), 1);

    //  Versions the change log no longer holds (pruned, or written before
    //  it) read everything again
    s_facts_write_declared (
        S_HOST ("WS"), NULL,
        "UPDATE profile_status SET source_rule = 'pruned' WHERE profile_id = " S_WS_PROFILE);
    s_admin_exec ("DELETE FROM facts_changes WHERE tenant_id = 'facts' "
                  "   AND version = (SELECT max(version) FROM facts_changes "
                  "                   WHERE tenant_id = 'facts')");
    PW_CHECK_INT (s_facts_run_cached (), 0);
    PW_CHECK_INT (s_facts_run_cached (), 1);
}

static void
s_test_bad_input (void)
{
    //  Garbage on the event stream is dropped and counted; the service goes on
    zstr_sendm (s_pub, "burst/policy/x");
    zstr_send (s_pub, "\xff\xff\xff\xff");
    zstr_send (s_pub, "lonely-frame");
    usleep (300 * 1000);
    PW_CHECK (pw_itest_service_alive (&s_audit));
    pw_reply_t *reply = pw_itest_ping (s_audit.router, 2000);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    char *body = NULL;
    PW_CHECK_INT (pw_itest_http_get (s_audit.http_port, "/metrics", &body), 200);
    PW_CHECK (body && strstr (body, "pw_audit_events_malformed_total 2"));
    PW_CHECK (body && strstr (body, "pw_audit_findings_open"));
    free (body);
    //  Bad calls answer errors
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__EventsSinceRequest call = PATCHWARDEN__V1__EVENTS_SINCE_REQUEST__INIT;
    call.producer = "nobody";
    request.tenant = "burst";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_EVENTS_SINCE;
    request.events_since = &call;
    reply = pw_itest_call (s_audit.router, &request, 2000);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    pw_reply_free (&reply);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    s_db_url = pw_itest_db_create ("pw_test_audit");
    s_admin_url = pw_itest_admin_url ("pw_test_audit");
    s_admin = s_db_url ? pw_itest_connect (s_admin_url) : NULL;
    s_producer = s_db_url ? pw_itest_connect (s_db_url) : NULL;
    s_pub = zsock_new (ZMQ_PUB);
    zsock_set_sndhwm (s_pub, 1000000);
    int port = zsock_bind (s_pub, "tcp://127.0.0.1:*");
    snprintf (s_pub_endpoint, sizeof s_pub_endpoint, "tcp://127.0.0.1:%d", port);
    if (!s_admin || !s_producer || port < 0 || s_start_audit ()) {
        PW_RUN (s_test_burst); //  fails, and says so
    } else {
        usleep (300 * 1000); //  the audit's SUB connects
        PW_RUN (s_test_burst);
        PW_RUN (s_test_gap);
        PW_RUN (s_test_sigkill);
        PW_RUN (s_test_throughput);
        PW_RUN (s_test_trail);
        PW_RUN (s_test_findings);
        PW_RUN (s_test_patch_facts);
        PW_RUN (s_test_facts_cache);
        PW_RUN (s_test_findings_kept);
        PW_RUN (s_test_facts_moment);
        PW_RUN (s_test_facts_changes);
        PW_RUN (s_test_follow);
        PW_RUN (s_test_producer_restart);
        PW_RUN (s_test_batch_emit);
        PW_RUN (s_test_bad_input);
        PW_RUN (s_test_store_outage);
    }
    if (s_audit.pid > 0 && pw_itest_service_stop (&s_audit) != 0)
        fprintf (stderr, "    audit did not stop cleanly\n");
    zsock_destroy (&s_pub);
    if (s_admin)
        PQfinish (s_admin);
    if (s_producer)
        PQfinish (s_producer);
    free (s_admin_url);
    free (s_db_url);
    return PW_TEST_END ();
}
