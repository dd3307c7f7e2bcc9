/*  pwctl status - pings policy, scheduler and audit and shows their state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_util.h"
#include "pwctl.h"

static const char *s_services [] = {"policy", "scheduler", "audit"};

static int
s_status (pwctl_t *self)
{
    if (self->argc > 0) {
        pwctl_error ("status takes no arguments");
        return PWCTL_USAGE;
    }
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    int rc = PWCTL_OK;
    if (self->json)
        pw_strbuf_append (&out, "{\"services\":[");
    else
        pw_strbuf_appendf (&out, "%-10s %-26s %-9s %-8s %-5s %-8s %s\n", "SERVICE", "ENDPOINT",
                           "STATE", "VERSION", "DB", "UPTIME", "LATENCY");
    for (size_t i = 0; i < 3; i++) {
        const char *name = s_services [i];
        pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
        Patchwarden__V1__PingRequest ping = PATCHWARDEN__V1__PING_REQUEST__INIT;
        request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PING;
        request.ping = &ping;
        int64_t started = zclock_usecs ();
        pw_reply_t *reply = pwctl_call (self, name, &request);
        double latency_ms = (double)(zclock_usecs () - started) / 1000.0;
        const Patchwarden__V1__PingReply *result =
            reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PING ? reply->ping : NULL;
        const char *state = !result                                ? "down"
                            : strcmp (result->db_state, "up") == 0 ? "healthy"
                                                                   : "degraded";
        if (!result)
            rc = PWCTL_DOWN;
        else if (strcmp (state, "healthy") != 0) {
            pwctl_error ("%s: store is down: %s", name, result->db_error);
            if (rc == PWCTL_OK)
                rc = PWCTL_FAILED;
        }
        if (self->json) {
            pw_strbuf_appendf (&out, "%s{\"service\":\"%s\",\"endpoint\":", i ? "," : "", name);
            pw_strbuf_append_json (&out, pwctl_endpoint (self, name));
            pw_strbuf_appendf (&out, ",\"state\":\"%s\"", state);
            if (result) {
                pw_strbuf_append (&out, ",\"version\":");
                pw_strbuf_append_json (&out, result->version);
                pw_strbuf_appendf (&out, ",\"db\":\"%s\",\"db_error\":", result->db_state);
                pw_strbuf_append_json (&out, *result->db_error ? result->db_error : NULL);
                pw_strbuf_appendf (&out, ",\"uptime_s\":%lld,\"latency_ms\":%.3f",
                                   (long long)result->uptime_s, latency_ms);
            }
            pw_strbuf_append (&out, "}");
        } else {
            char uptime [32] = "-", latency [32] = "-";
            if (result) {
                snprintf (uptime, sizeof uptime, "%llds", (long long)result->uptime_s);
                snprintf (latency, sizeof latency, "%.1fms", latency_ms);
            }
            pw_strbuf_appendf (&out, "%-10s %-26s %-9s %-8s %-5s %-8s %s\n", name,
                               pwctl_endpoint (self, name), state, result ? result->version : "-",
                               result ? result->db_state : "-", uptime, latency);
        }
        pw_reply_free (&reply);
    }
    if (self->json)
        pw_strbuf_append (&out, "]}\n");
    fputs (out.data, stdout);
    pw_strbuf_free (&out);
    return rc;
}

PWCTL_COMMAND (status, "status", s_status, "status", "ping every service and show its state", NULL);
