/*  pwctl audit - compliance per tenant and org, and the monthly customer
    report. `--org` and `--format` are the shared options of the same names.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_json.h"
#include "pw_util.h"
#include "pwctl.h"

static const pw_config_key_t s_keys [] = {
    {"month", PW_CFG_STRING, "", "audit report: the month, YYYY-MM"}, {NULL, 0, NULL, NULL}};

//  A reply that is not OK: one line on stderr, the exit code.
static int
s_failed (const char *what, pw_reply_t *reply)
{
    if (!reply)
        return PWCTL_DOWN;
    pwctl_error ("%s: %s (%s)", what, reply->message, pw_wire_status_name (reply->status));
    return reply->status == PATCHWARDEN__V1__STATUS__STATUS_UNAVAILABLE ? PWCTL_DOWN : PWCTL_FAILED;
}

static long
s_num (const pw_json_value_t *object, const char *key)
{
    return (long)pw_json_number (pw_json_get (object, key));
}

static void
s_row (pw_strbuf_t *out, const char *name, const pw_json_value_t *s)
{
    const pw_json_value_t *missing = pw_json_get (s, "missing");
    const pw_json_value_t *pct = pw_json_get (s, "compliance_pct");
    char percent [16] = "n/a";
    if (pw_json_type (pct) == PW_JSON_NUMBER)
        snprintf (percent, sizeof percent, "%s%%", pw_json_number_text (pct));
    char sev [48];
    snprintf (sev, sizeof sev, "%ld/%ld/%ld/%ld", s_num (missing, "critical"),
              s_num (missing, "important"), s_num (missing, "moderate"),
              s_num (missing, "low") + s_num (missing, "unspecified"));
    pw_strbuf_appendf (out, "%-20.20s %7ld %9ld %9ld %9ld %7s %-15s %6ld %6ld %11ld %8ld\n", name,
                       s_num (s, "agents"), s_num (s, "subscribed"), s_num (s, "scheduled"),
                       s_num (s, "compliant"), percent, sev, s_num (s, "failed"),
                       s_num (s, "pending_reboot"), s_num (s, "unscheduled"),
                       s_num (s, "findings_total"));
}

static int
s_table (const char *json)
{
    pw_json_t *reader = pw_json_new (json, strlen (json));
    const pw_json_value_t *doc = pw_json_parse (reader);
    if (!doc) {
        pwctl_error ("audit: the summary does not parse: %s", pw_json_error (reader));
        pw_json_destroy (&reader);
        return PWCTL_FAILED;
    }
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_appendf (&out, "%-20s %7s %9s %9s %9s %7s %-15s %6s %6s %11s %8s\n", "ORG", "AGENTS",
                       "PATCHING", "SCHEDULED", "COMPLIANT", "%", "MISSING C/I/M/L", "FAILED",
                       "REBOOT", "UNSCHEDULED", "FINDINGS");
    const pw_json_value_t *orgs = pw_json_get (doc, "orgs");
    for (size_t i = 0; i < pw_json_size (orgs); i++) {
        const pw_json_value_t *org = pw_json_at (orgs, i);
        s_row (&out, pw_json_string (pw_json_get (org, "org")), org);
    }
    const pw_json_value_t *totals = pw_json_get (doc, "totals");
    s_row (&out, "(all)", totals);

    const pw_json_value_t *findings = pw_json_get (totals, "findings");
    if (pw_json_size (findings)) {
        pw_strbuf_append (&out, "\nOPEN FINDINGS\n");
        for (size_t i = 0; i < pw_json_size (findings); i++)
            pw_strbuf_appendf (&out, "  %-24s %ld\n", pw_json_key (findings, i),
                               (long)pw_json_number (pw_json_at (findings, i)));
    }
    const pw_json_value_t *review = pw_json_get (totals, "review");
    pw_strbuf_appendf (&out, "\nREVIEW BACKLOG  %ld patches waiting, %ld policies past the limit\n",
                       s_num (review, "waiting"), s_num (review, "policies_past_limit"));
    const pw_json_value_t *unscheduled = pw_json_get (doc, "unscheduled");
    if (pw_json_size (unscheduled)) {
        pw_strbuf_append (&out, "\nWITHOUT A SCHEDULE\n");
        for (size_t i = 0; i < pw_json_size (unscheduled); i++) {
            const pw_json_value_t *u = pw_json_at (unscheduled, i);
            const char *reason = pw_json_string (pw_json_get (u, "reason"));
            pw_strbuf_appendf (&out, "  %-20s %-24s %s%s\n",
                               pw_json_string (pw_json_get (u, "org")),
                               pw_json_string (pw_json_get (u, "hostname")),
                               reason ? "exception: " : "no exception", reason ? reason : "");
        }
    }
    fputs (out.data, stdout);
    pw_strbuf_free (&out);
    pw_json_destroy (&reader);
    return PWCTL_OK;
}

static int
s_report (pwctl_t *self)
{
    const char *month = pw_config_str (self->config, "month");
    const char *org = pw_config_str (self->config, "org");
    const char *format = pw_config_str (self->config, "format");
    if (!*month) {
        pwctl_error ("audit report: --month YYYY-MM is required");
        return PWCTL_USAGE;
    }
    if (*format && strcmp (format, "markdown") != 0 && strcmp (format, "html") != 0) {
        pwctl_error ("audit report: --format must be markdown or html");
        return PWCTL_USAGE;
    }
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__AuditReportRequest call = PATCHWARDEN__V1__AUDIT_REPORT_REQUEST__INIT;
    call.month = (char *)month;
    call.org = (char *)org;
    call.format = *format ? (char *)format : "markdown";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_AUDIT_REPORT;
    request.audit_report = &call;
    pw_reply_t *reply = pwctl_call (self, "audit", &request);
    int rc;
    if (!reply || reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK ||
        reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_AUDIT_REPORT)
        rc = s_failed ("audit report", reply);
    else {
        fputs (reply->audit_report->content, stdout);
        rc = PWCTL_OK;
    }
    pw_reply_free (&reply);
    return rc;
}

static int
s_audit (pwctl_t *self)
{
    if (self->argc > 0 && strcmp (self->argv [0], "report") == 0) {
        if (self->argc > 1) {
            pwctl_error ("audit report: unexpected argument \"%s\"", self->argv [1]);
            return PWCTL_USAGE;
        }
        return s_report (self);
    }
    if (self->argc > 0) {
        pwctl_error ("audit: unknown argument \"%s\" (audit [--org ORG] or audit report)",
                     self->argv [0]);
        return PWCTL_USAGE;
    }
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__AuditSummaryRequest call = PATCHWARDEN__V1__AUDIT_SUMMARY_REQUEST__INIT;
    call.org = (char *)pw_config_str (self->config, "org");
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_AUDIT_SUMMARY;
    request.audit_summary = &call;
    pw_reply_t *reply = pwctl_call (self, "audit", &request);
    int rc;
    if (!reply || reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK ||
        reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_AUDIT_SUMMARY)
        rc = s_failed ("audit", reply);
    else if (self->json) {
        printf ("%s\n", reply->audit_summary->json);
        rc = PWCTL_OK;
    } else
        rc = s_table (reply->audit_summary->json);
    pw_reply_free (&reply);
    return rc;
}

PWCTL_COMMAND (audit, "audit", s_audit,
               "audit [--org ORG] | audit report --month YYYY-MM [--org ORG] [--format F]",
               "compliance and open findings; the monthly customer report (markdown or html)",
               s_keys);
