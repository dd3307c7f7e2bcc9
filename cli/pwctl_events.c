/*  pwctl events --follow - the audit's live event stream, one line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pw_util.h"
#include "pwctl.h"

static const pw_config_key_t s_keys [] = {
    {"follow", PW_CFG_BOOL, "false", "events: follow the live stream until Ctrl-C"},
    {"kind", PW_CFG_STRING, "",
     "events: only this kind (finding.opened), or a family (finding, setup, plan)"},
    {NULL, 0, NULL, NULL}};

static bool
s_kind_matches (const char *kind, const char *filter)
{
    if (!*filter || strcmp (kind, filter) == 0)
        return true;
    size_t len = strlen (filter);
    return strncmp (kind, filter, len) == 0 && kind [len] == '.';
}

static void
s_print (pwctl_t *self, const pw_event_t *e)
{
    char when [32];
    time_t seconds = (time_t)(e->time_us / 1000000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    if (self->json) {
        pw_strbuf_append (&out, "{\"tenant\":");
        pw_strbuf_append_json (&out, e->tenant);
        pw_strbuf_append (&out, ",\"producer\":");
        pw_strbuf_append_json (&out, e->producer);
        pw_strbuf_appendf (
            &out, ",\"seq\":%llu,\"time\":\"%s\",\"kind\":", (unsigned long long)e->seq, when);
        pw_strbuf_append_json (&out, e->kind);
        pw_strbuf_append (&out, ",\"subject\":");
        pw_strbuf_append_json (&out, e->subject);
        pw_strbuf_append (&out, ",\"actor\":");
        pw_strbuf_append_json (&out, e->actor);
        pw_strbuf_appendf (&out, ",\"payload\":%s}\n", *e->payload_json ? e->payload_json : "null");
    } else
        pw_strbuf_appendf (&out, "%s %s/%s #%llu %s subject=\"%s\" actor=%s %s\n", when, e->tenant,
                           e->producer, (unsigned long long)e->seq, e->kind, e->subject,
                           *e->actor ? e->actor : "-", e->payload_json);
    fputs (out.data, stdout);
    fflush (stdout);
    pw_strbuf_free (&out);
}

static int
s_events (pwctl_t *self)
{
    if (self->argc > 0) {
        pwctl_error ("events: unexpected argument \"%s\"", self->argv [0]);
        return PWCTL_USAGE;
    }
    if (!pw_config_bool (self->config, "follow")) {
        pwctl_error ("events: --follow is required (the stream is live)");
        return PWCTL_USAGE;
    }
    const char *endpoint = pw_config_str (self->config, "audit_pub");
    const char *kind = pw_config_str (self->config, "kind");
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_linger (sub, 0);
    zsock_set_rcvhwm (sub, 100000);
    //  Topics start with the tenant: the server sends only this tenant's
    char *prefix = pw_sprintf ("%s/", self->tenant);
    zsock_set_subscribe (sub, prefix);
    free (prefix);
    if (zsock_connect (sub, "%s", endpoint) < 0) {
        pwctl_error ("events: cannot connect to %s", endpoint);
        zsock_destroy (&sub);
        return PWCTL_DOWN;
    }
    zpoller_t *poller = zpoller_new (sub, NULL);
    while (!zsys_interrupted) {
        if (!zpoller_wait (poller, 500)) {
            if (zpoller_terminated (poller))
                break;
            continue;
        }
        bool malformed = false;
        pw_event_t *event = pw_wire_recv_event (sub, 16 << 20, &malformed);
        if (!event) {
            if (!malformed)
                break;
            continue;
        }
        if (strcmp (event->tenant, self->tenant) == 0 && s_kind_matches (event->kind, kind))
            s_print (self, event);
        pw_event_free (&event);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&sub);
    return PWCTL_OK;
}

PWCTL_COMMAND (events, "events", s_events, "events --follow [--kind K]",
               "print the audit's live event stream of the tenant (Ctrl-C stops)", s_keys);
