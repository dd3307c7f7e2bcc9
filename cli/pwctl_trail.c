/*  pwctl trail - the audit trail: list it, and verify its hash chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pw_util.h"
#include "pwctl.h"

static const pw_config_key_t s_keys [] = {
    {"since", PW_CFG_STRING, "",
     "trail: records at or after this time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])"},
    {NULL, 0, NULL, NULL}};

#define S_PAGE 5000

//  Parses an ISO 8601 date or UTC/offset time into unix microseconds.
static int
s_parse_time (const char *text, int64_t *us_p)
{
    int year, mon, day, hour = 0, min = 0, sec = 0, consumed = 0;
    if (sscanf (text, "%4d-%2d-%2d%n", &year, &mon, &day, &consumed) != 3 || consumed != 10)
        return -1;
    const char *p = text + consumed;
    if (*p == 'T' || *p == ' ') {
        int n = 0;
        if (sscanf (p + 1, "%2d:%2d%n", &hour, &min, &n) != 2 || n != 5)
            return -1;
        p += 1 + n;
        if (*p == ':') {
            if (sscanf (p + 1, "%2d%n", &sec, &n) != 1 || n != 2)
                return -1;
            p += 1 + n;
        }
    }
    int64_t offset = 0;
    if (*p == 'Z')
        p++;
    else if (*p == '+' || *p == '-') {
        int oh, om, n = 0;
        if (sscanf (p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 1 + n;
    }
    if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = day,
                    .tm_hour = hour,
                    .tm_min = min,
                    .tm_sec = sec};
    *us_p = ((int64_t)timegm (&tm) - offset) * 1000000;
    return 0;
}

static void
s_time (char *buf, size_t size, int64_t us)
{
    time_t seconds = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
s_failed (const char *what, pw_reply_t *reply)
{
    if (!reply)
        return PWCTL_DOWN;
    pwctl_error ("%s: %s (%s)", what, reply->message, pw_wire_status_name (reply->status));
    return reply->status == PATCHWARDEN__V1__STATUS__STATUS_UNAVAILABLE ? PWCTL_DOWN : PWCTL_FAILED;
}

static int
s_verify (pwctl_t *self)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__TrailVerifyRequest call = PATCHWARDEN__V1__TRAIL_VERIFY_REQUEST__INIT;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_TRAIL_VERIFY;
    request.trail_verify = &call;
    pw_reply_t *reply = pwctl_call (self, "audit", &request);
    if (!reply || reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK ||
        reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY) {
        int rc = s_failed ("trail verify", reply);
        pw_reply_free (&reply);
        return rc;
    }
    const Patchwarden__V1__TrailVerifyReply *v = reply->trail_verify;
    if (self->json) {
        pw_strbuf_t out;
        pw_strbuf_init (&out);
        pw_strbuf_appendf (&out, "{\"ok\":%s,\"records\":%llu,\"first_bad_seq\":",
                           v->ok ? "true" : "false", (unsigned long long)v->records);
        if (v->ok)
            pw_strbuf_append (&out, "null,\"kind\":null");
        else {
            pw_strbuf_appendf (&out, "%llu,\"kind\":", (unsigned long long)v->first_bad_seq);
            pw_strbuf_append_json (&out, v->kind);
        }
        pw_strbuf_append (&out, ",\"message\":");
        pw_strbuf_append_json (&out, v->message);
        pw_strbuf_append (&out, ",\"head_hash\":");
        pw_strbuf_append_json (&out, *v->head_hash ? v->head_hash : NULL);
        pw_strbuf_append (&out, "}\n");
        fputs (out.data, stdout);
        pw_strbuf_free (&out);
    } else if (v->ok)
        printf ("trail intact: %llu records%s%s\n", (unsigned long long)v->records,
                *v->head_hash ? ", head " : "", v->head_hash);
    int rc = v->ok ? PWCTL_OK : PWCTL_FAILED;
    if (!v->ok)
        pwctl_error ("trail verify: %s [%s]", v->message, v->kind);
    pw_reply_free (&reply);
    return rc;
}

static int
s_list (pwctl_t *self)
{
    const char *since = pw_config_str (self->config, "since");
    int64_t since_us = 0;
    if (*since && s_parse_time (since, &since_us)) {
        pwctl_error ("trail: --since \"%s\" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]", since);
        return PWCTL_USAGE;
    }
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    if (self->json)
        pw_strbuf_append (&out, "{\"records\":[");
    else
        pw_strbuf_appendf (&out, "%-6s %-20s %-18s %-18s %-28s %s\n", "SEQ", "TIME", "ACTOR",
                           "ACTION", "SUBJECT", "REASON");
    uint64_t after = 0;
    size_t total = 0;
    int rc = PWCTL_OK;
    for (;;) {
        pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
        Patchwarden__V1__TrailListRequest call = PATCHWARDEN__V1__TRAIL_LIST_REQUEST__INIT;
        call.since_us = since_us;
        call.after_seq = after;
        call.limit = S_PAGE;
        request.call_case = PATCHWARDEN__V1__REQUEST__CALL_TRAIL_LIST;
        request.trail_list = &call;
        pw_reply_t *reply = pwctl_call (self, "audit", &request);
        if (!reply || reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK ||
            reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_TRAIL_LIST) {
            rc = s_failed ("trail", reply);
            pw_reply_free (&reply);
            break;
        }
        const Patchwarden__V1__TrailListReply *list = reply->trail_list;
        for (size_t i = 0; i < list->n_records; i++) {
            const Patchwarden__V1__TrailRecord *r = list->records [i];
            char when [32];
            s_time (when, sizeof when, r->time_us);
            if (self->json) {
                pw_strbuf_appendf (&out, "%s{\"seq\":%llu,\"time\":\"%s\",\"time_us\":%lld,",
                                   total ? "," : "", (unsigned long long)r->seq, when,
                                   (long long)r->time_us);
                pw_strbuf_append (&out, "\"actor\":");
                pw_strbuf_append_json (&out, r->actor);
                pw_strbuf_append (&out, ",\"action\":");
                pw_strbuf_append_json (&out, r->action);
                pw_strbuf_append (&out, ",\"subject\":");
                pw_strbuf_append_json (&out, r->subject);
                pw_strbuf_append (&out, ",\"reason\":");
                pw_strbuf_append_json (&out, r->reason);
                //  details is JSON already
                pw_strbuf_appendf (&out, ",\"details\":%s,\"prev_hash\":\"%s\",\"hash\":\"%s\"}",
                                   *r->details_json ? r->details_json : "null", r->prev_hash,
                                   r->hash);
            } else
                pw_strbuf_appendf (&out, "%-6llu %-20s %-18.18s %-18.18s %-28.28s %s\n",
                                   (unsigned long long)r->seq, when, r->actor, r->action,
                                   r->subject, r->reason);
            after = r->seq;
            total++;
        }
        bool more = list->n_records == S_PAGE;
        pw_reply_free (&reply);
        if (!more)
            break;
    }
    if (self->json)
        pw_strbuf_append (&out, "]}\n");
    if (rc == PWCTL_OK)
        fputs (out.data, stdout);
    pw_strbuf_free (&out);
    return rc;
}

static int
s_trail (pwctl_t *self)
{
    if (self->argc > 0 && strcmp (self->argv [0], "verify") == 0 && self->argc == 1)
        return s_verify (self);
    if (self->argc > 0) {
        pwctl_error ("trail: unknown argument \"%s\" (trail [--since TIME] or trail verify)",
                     self->argv [self->argc > 1 ? 1 : 0]);
        return PWCTL_USAGE;
    }
    return s_list (self);
}

PWCTL_COMMAND (trail, "trail", s_trail, "trail [--since ISO8601] | trail verify",
               "list the audit trail; verify its hash chain (exit 1 naming the first bad record)",
               s_keys);
