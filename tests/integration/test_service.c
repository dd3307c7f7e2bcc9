/*  test_service - a real service process over real sockets and a real
    PostgreSQL: ping, refusals of malformed input (the service stays up),
    /healthz and /metrics, pwctl status, a PostgreSQL restart, SIGTERM.
*/
#include <signal.h>
#include <unistd.h>

#include "pw_itest.h"
#include "pw_util.h"
#include "../pw_test.h"

static char *s_db_url;
static pw_itest_service_t s_policy;

static void
s_test_ping (void)
{
    pw_reply_t *reply = pw_itest_ping (s_policy.router, 2000);
    PW_CHECK (reply != NULL);
    if (!reply)
        return;
    PW_CHECK_INT (reply->status, PATCHWARDEN__V1__STATUS__STATUS_OK);
    PW_CHECK_STR (reply->request_id, "itest-ping");
    PW_CHECK_INT (reply->result_case, PATCHWARDEN__V1__REPLY__RESULT_PING);
    if (reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PING) {
        PW_CHECK_STR (reply->ping->service, "policy");
        PW_CHECK_STR (reply->ping->db_state, "up");
        PW_CHECK_STR (reply->ping->version, PW_VERSION);
        PW_CHECK_INT (reply->ping->protocol, 1);
    }
    pw_reply_free (&reply);
}

static void
s_expect_status (const char *what, int nframes, const void *const *frames, const size_t *sizes,
                 pw_wire_status_t status, const char *needle)
{
    pw_reply_t *reply = pw_itest_call_raw (s_policy.router, nframes, frames, sizes, 2000);
    if (!reply) {
        PW_FAIL_AT ("%s: no reply", what);
        return;
    }
    if (reply->status != status)
        PW_FAIL_AT ("%s: status %s, expected %s (%s)", what, pw_wire_status_name (reply->status),
                    pw_wire_status_name (status), reply->message);
    if (needle && !strstr (reply->message, needle))
        PW_FAIL_AT ("%s: message \"%s\" lacks \"%s\"", what, reply->message, needle);
    PW_CHECK_STR (reply->service, "policy");
    pw_reply_free (&reply);
}

static void
s_test_malformed (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    request.tenant = "acme";
    request.request_id = "req-12345";
    uint8_t good [128];
    size_t size = patchwarden__v1__request__pack (&request, good);
    char *big = pw_calloc (1, 8192);
    memset (big, 0x0a, 8192);
    //  Field 999, length-delimited: a call from a newer protocol.
    const uint8_t unknown [] = {0xba, 0x3e, 0x02, 'h', 'i', 0x12, 0x04, 'a', 'c', 'm', 'e'};
    const uint8_t garbage [] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};

    const void *truncated [] = {good};
    size_t truncated_size [] = {size - 3};
    s_expect_status ("truncated", 1, truncated, truncated_size,
                     PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST, "does not parse");
    const void *oversized [] = {big};
    size_t oversized_size [] = {8192};
    s_expect_status ("oversized", 1, oversized, oversized_size,
                     PATCHWARDEN__V1__STATUS__STATUS_TOO_LARGE, "over the limit of 4096");
    const void *garbled [] = {garbage};
    size_t garbled_size [] = {sizeof garbage};
    s_expect_status ("garbage", 1, garbled, garbled_size,
                     PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST, "does not parse");
    const void *newer [] = {unknown};
    size_t newer_size [] = {sizeof unknown};
    s_expect_status ("unknown call", 1, newer, newer_size,
                     PATCHWARDEN__V1__STATUS__STATUS_UNKNOWN_CALL, "no call set");
    const void *frames [] = {good, good};
    size_t frames_size [] = {size, size};
    s_expect_status ("two bodies", 2, frames, frames_size,
                     PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST, "too many frames");
    const void *empty [] = {""};
    size_t empty_size [] = {0};
    s_expect_status ("empty body", 1, empty, empty_size,
                     PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST, NULL);
    free (big);

    //  Still up, still answering, and the refusals were counted.
    PW_CHECK (pw_itest_service_alive (&s_policy));
    pw_reply_t *reply = pw_itest_ping (s_policy.router, 2000);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    char *body = NULL;
    PW_CHECK_INT (pw_itest_http_get (s_policy.http_port, "/metrics", &body), 200);
    PW_CHECK (body && strstr (body, "pw_protocol_errors_total 5"));
    PW_CHECK (body && strstr (body, "pw_unknown_calls_total 1"));
    PW_CHECK (body && strstr (body, "pw_request_errors_total{code=\"TOO_LARGE\"} 1"));
    free (body);
}

static void
s_test_healthz (void)
{
    char *body = NULL;
    PW_CHECK_INT (pw_itest_http_get (s_policy.http_port, "/healthz", &body), 200);
    PW_CHECK (body && strstr (body, "\"db\":\"up\""));
    PW_CHECK (body && strstr (body, "\"service\":\"policy\""));
    free (body);
    PW_CHECK_INT (pw_itest_http_get (s_policy.http_port, "/nope", &body), 404);
    free (body);
}

static void
s_test_pwctl_status (void)
{
    pw_itest_service_t scheduler, audit;
    PW_CHECK_INT (pw_itest_service_start (&scheduler, "scheduler", s_db_url, NULL), 0);
    PW_CHECK_INT (pw_itest_service_start (&audit, "audit", s_db_url, NULL), 0);
    char policy_ep [96], scheduler_ep [96], audit_ep [96];
    snprintf (policy_ep, sizeof policy_ep, "--policy-endpoint=%s", s_policy.router);
    snprintf (scheduler_ep, sizeof scheduler_ep, "--scheduler-endpoint=%s", scheduler.router);
    snprintf (audit_ep, sizeof audit_ep, "--audit-endpoint=%s", audit.router);
    const char *args [] = {policy_ep, scheduler_ep, audit_ep, "--timeout-ms=1000", "status", NULL};
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (pw_itest_pwctl (args, &out, &err), 0);
    int healthy = 0;
    for (const char *p = out; (p = strstr (p, "healthy")); p++)
        healthy++;
    PW_CHECK_INT (healthy, 3);
    PW_CHECK_STR (err, "");
    free (out);
    free (err);

    const char *json_args [] = {policy_ep, scheduler_ep, audit_ep, "--json", "status", NULL};
    PW_CHECK_INT (pw_itest_pwctl (json_args, &out, &err), 0);
    PW_CHECK (strncmp (out, "{\"services\":[{\"service\":\"policy\"", 32) == 0);
    PW_CHECK (strstr (out, "\"service\":\"audit\""));
    free (out);
    free (err);

    //  One service gone: non-zero exit, one clear line naming it.
    PW_CHECK_INT (pw_itest_service_stop (&scheduler), 0);
    PW_CHECK_INT (pw_itest_pwctl (args, &out, &err), 3);
    PW_CHECK (strstr (err, "pwctl: scheduler service at tcp://127.0.0.1:") != NULL);
    PW_CHECK (strstr (err, "no reply within 1000 ms") != NULL);
    PW_CHECK (strchr (err, '\n') == err + strlen (err) - 1);
    PW_CHECK (strstr (out, "scheduler") && strstr (out, "down"));
    free (out);
    free (err);
    PW_CHECK_INT (pw_itest_service_stop (&audit), 0);
}

//  Polls ping until db_state is EXPECTED (or 10 s pass).
static bool
s_wait_db_state (const char *expected)
{
    for (int i = 0; i < 100; i++) {
        pw_reply_t *reply = pw_itest_ping (s_policy.router, 2000);
        bool match = reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PING &&
                     strcmp (reply->ping->db_state, expected) == 0;
        pw_reply_free (&reply);
        if (match)
            return true;
        usleep (100 * 1000);
    }
    return false;
}

static void
s_test_db_restart (void)
{
    PW_CHECK (s_wait_db_state ("up"));
    PW_CHECK_INT (pw_itest_pg ("stop"), 0);
    //  Within a quarter of a second, ping tells the truth, with the error.
    usleep (300 * 1000);
    pw_reply_t *reply = pw_itest_ping (s_policy.router, 8000);
    PW_CHECK (reply != NULL);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PING) {
        PW_CHECK_STR (reply->ping->db_state, "down");
        PW_CHECK (strlen (reply->ping->db_error) > 0);
        PW_CHECK (reply->ping->db_down_since_us > 0);
    }
    pw_reply_free (&reply);
    usleep (300 * 1000);
    char *body = NULL;
    PW_CHECK_INT (pw_itest_http_get (s_policy.http_port, "/healthz", &body), 503);
    PW_CHECK (body && strstr (body, "\"db\":\"down\""));
    free (body);
    PW_CHECK (pw_itest_service_alive (&s_policy));
    PW_CHECK_INT (pw_itest_pg ("start"), 0);
    PW_CHECK (s_wait_db_state ("up"));
    usleep (400 * 1000);
    PW_CHECK_INT (pw_itest_http_get (s_policy.http_port, "/healthz", &body), 200);
    free (body);
}

static void
s_test_sigterm (void)
{
    PW_CHECK_INT (pw_itest_service_stop (&s_policy), 0);
    PW_CHECK (!pw_itest_service_alive (&s_policy));
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    s_db_url = pw_itest_db_create ("pw_test_service");
    if (!s_db_url || pw_itest_service_start (&s_policy, "policy", s_db_url,
                                             (const char *[]){"--max-request-bytes=4096", NULL})) {
        PW_RUN (s_test_ping); //  fails, and says so
        free (s_db_url);
        return PW_TEST_END ();
    }
    PW_RUN (s_test_ping);
    PW_RUN (s_test_malformed);
    PW_RUN (s_test_healthz);
    PW_RUN (s_test_pwctl_status);
    PW_RUN (s_test_db_restart);
    PW_RUN (s_test_sigterm);
    pw_itest_service_stop (&s_policy);
    free (s_db_url);
    return PW_TEST_END ();
}
