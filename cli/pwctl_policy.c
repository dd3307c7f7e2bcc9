/*  pwctl apply / import / explain / review - the policy side of pwctl.

    `apply` sends the whole setup file to the policy service and to the
    scheduler: both validate it (dry run) before either applies anything, so
    a file wrong in any part changes nothing anywhere.

    `import` sends a CSV file larger than --chunk-bytes in parts of one
    upload (pw_csv_split), each the header row and a run of whole records;
    the service checks and stages each and imports them all with the last.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pw_csv.h"
#include "pw_json.h"
#include "pw_util.h"
#include "pwctl.h"

static char *
s_read_file (const char *path, size_t *len_p)
{
    FILE *file = strcmp (path, "-") == 0 ? stdin : fopen (path, "rb");
    if (!file) {
        pwctl_error ("%s: %s", path, strerror (errno));
        return NULL;
    }
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    char chunk [65536];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, file)) > 0)
        pw_strbuf_append_len (&buf, chunk, n);
    if (file != stdin)
        fclose (file);
    *len_p = buf.len;
    return pw_strbuf_take (&buf);
}

//  --- apply ----------------------------------------------------------------

static void
s_print_setup_errors (const char *service, const Patchwarden__V1__ApplyReply *reply)
{
    (void)service;
    for (size_t i = 0; i < reply->n_errors; i++) {
        const Patchwarden__V1__SetupError *e = reply->errors [i];
        if (*e->path)
            fprintf (stderr, "%s: %s (line %d)\n", e->path, e->message, e->line);
        else
            fprintf (stderr, "line %d, column %d: %s\n", e->line, e->column, e->message);
    }
}

//  One apply call; returns the reply (caller frees) or NULL after printing.
static pw_reply_t *
s_apply_one (pwctl_t *self, const char *service, const char *yaml, const char *file, bool dry)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ApplyRequest apply = PATCHWARDEN__V1__APPLY_REQUEST__INIT;
    apply.yaml = (char *)yaml;
    apply.filename = (char *)file;
    apply.dry_run = dry;
    bool policy = strcmp (service, "policy") == 0;
    request.call_case = policy ? PATCHWARDEN__V1__REQUEST__CALL_APPLY
                               : PATCHWARDEN__V1__REQUEST__CALL_SCHEDULE_APPLY;
    if (policy)
        request.apply = &apply;
    else
        request.schedule_apply = &apply;
    pw_reply_t *reply = pwctl_call (self, service, &request);
    if (!reply)
        return NULL;
    const Patchwarden__V1__ApplyReply *result = policy ? reply->apply : reply->schedule_apply;
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        //  The scheduler is asked only once the policy service accepted the
        //  file, so its errors (unknown agents in dependencies) are new.
        if (result && result->n_errors)
            s_print_setup_errors (service, result);
        if (!(result && result->n_errors && !policy))
            pwctl_error ("%s: %s", service, reply->message);
        pw_reply_free (&reply);
        return NULL;
    }
    return reply;
}

//  Reads the setup: -f FILE, and any further files named after it, whose
//  top-level sections are joined (a section may appear in one file only),
//  so dependencies can live in a file of their own.
static char *
s_read_setup (pwctl_t *self, const char **name_p)
{
    const char *file = pw_config_str (self->config, "file");
    int first = 0;
    if (!*file && self->argc > 0)
        file = self->argv [first++];
    if (!*file) {
        pwctl_error ("apply: -f FILE is required");
        return NULL;
    }
    *name_p = file;
    pw_strbuf_t all;
    pw_strbuf_init (&all);
    for (int i = first - 1; i < self->argc; i++) {
        const char *path = i < first ? file : self->argv [i];
        size_t len;
        char *text = s_read_file (path, &len);
        if (!text) {
            pw_strbuf_free (&all);
            return NULL;
        }
        if (strlen (text) != len) {
            pwctl_error ("%s: the file contains a NUL byte", path);
            free (text);
            pw_strbuf_free (&all);
            return NULL;
        }
        if (all.len && all.data [all.len - 1] != '\n')
            pw_strbuf_append (&all, "\n");
        pw_strbuf_append (&all, text);
        free (text);
    }
    return pw_strbuf_take (&all);
}

static int
s_apply (pwctl_t *self)
{
    const char *file = NULL;
    char *yaml = s_read_setup (self, &file);
    if (!yaml)
        return PWCTL_USAGE;
    bool dry = pw_config_bool (self->config, "dry_run");
    int rc = PWCTL_OK;
    pw_reply_t *replies [2] = {NULL, NULL};
    const char *services [] = {"policy", "scheduler"};
    //  Both validate first; only then does either apply.
    for (int i = 0; i < 2 && rc == PWCTL_OK; i++) {
        replies [i] = s_apply_one (self, services [i], yaml, file, true);
        if (!replies [i])
            rc = PWCTL_FAILED;
    }
    if (rc == PWCTL_OK && !dry)
        for (int i = 0; i < 2 && rc == PWCTL_OK; i++) {
            pw_reply_free (&replies [i]);
            replies [i] = s_apply_one (self, services [i], yaml, file, false);
            if (!replies [i])
                rc = PWCTL_FAILED;
        }
    if (rc == PWCTL_OK) {
        const Patchwarden__V1__ApplyReply *p = replies [0]->apply;
        const Patchwarden__V1__ApplyReply *s = replies [1]->schedule_apply;
        if (self->json) {
            printf ("{\"dry_run\":%s,\"policy\":{\"changed\":[", dry ? "true" : "false");
            for (size_t i = 0; p && i < p->n_changed_sections; i++)
                printf ("%s\"%s\"", i ? "," : "", p->changed_sections [i]);
            printf ("],\"agents_affected\":%u},\"scheduler\":{\"changed\":[",
                    p ? p->agents_affected : 0);
            for (size_t i = 0; s && i < s->n_changed_sections; i++)
                printf ("%s\"%s\"", i ? "," : "", s->changed_sections [i]);
            printf ("],\"agents_affected\":%u}}\n", s ? s->agents_affected : 0);
        } else {
            printf ("policy:    %s\n", p && *p->summary ? p->summary : "ok");
            printf ("scheduler: %s\n", s && *s->summary ? s->summary : "ok");
        }
    }
    pw_reply_free (&replies [0]);
    pw_reply_free (&replies [1]);
    free (yaml);
    return rc;
}

static const pw_config_key_t s_apply_keys [] = {
    {"file", PW_CFG_STRING, "", "apply: the setup file (-f)"},
    {"dry_run", PW_CFG_BOOL, "false", "apply: validate only, change nothing"},
    {NULL, 0, NULL, NULL}};

PWCTL_COMMAND (apply, "apply", s_apply, "apply -f setup.yaml [MORE.yaml...] [--dry-run]",
               "apply a setup file (declarative, idempotent; all or nothing)", s_apply_keys);

//  --- import ---------------------------------------------------------------

//  Whether the service reads CONTENT as JSON: the --format given, else the
//  first character after a byte-order mark and white space.
static bool
s_is_json (const char *format, const char *content, size_t len)
{
    if (*format)
        return strcmp (format, "json") == 0;
    size_t p = len >= 3 && memcmp (content, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (p < len && strchr (" \t\r\n", content [p]))
        p++;
    return p < len && (content [p] == '[' || content [p] == '{');
}

//  A random upload id: 32 hex digits.
static void
s_upload_id (char *id, size_t size)
{
    uint8_t bytes [16];
    if (getrandom (bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
        uint64_t seed = (uint64_t)zclock_usecs () ^ ((uint64_t)getpid () << 40);
        for (size_t i = 0; i < sizeof bytes; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            bytes [i] = (uint8_t)(seed >> 56);
        }
    }
    for (size_t i = 0; i < sizeof bytes && 2 * i + 2 < size; i++)
        snprintf (id + 2 * i, 3, "%02x", bytes [i]);
}

//  Prints a refused import's errors and message; returns PWCTL_FAILED.
static int
s_import_refused (const pw_reply_t *reply, const char *file, bool json)
{
    const Patchwarden__V1__ImportReply *result = reply->import;
    for (size_t i = 0; result && i < result->n_errors; i++)
        fprintf (stderr, "%s\n", result->errors [i]->message);
    pwctl_error ("import: %s", reply->message);
    if (reply->status == PATCHWARDEN__V1__STATUS__STATUS_TOO_LARGE)
        pwctl_error (json ? "import: %s is JSON, which is sent in one request: export it as CSV "
                            "(sent in parts of --chunk-bytes), or raise max_request_bytes of the "
                            "policy service"
                          : "import: %s: send it in smaller parts (--chunk-bytes)",
                     file);
    return PWCTL_FAILED;
}

static int
s_import (pwctl_t *self)
{
    if (self->argc != 2 ||
        (strcmp (self->argv [0], "agents") && strcmp (self->argv [0], "patches") &&
         strcmp (self->argv [0], "scans"))) {
        pwctl_error ("usage: pwctl import agents|patches|scans FILE [--chunk-bytes N]");
        return PWCTL_USAGE;
    }
    int64_t chunk = pw_config_int (self->config, "chunk_bytes");
    if (chunk < 1024) {
        pwctl_error ("import: --chunk-bytes must be at least 1024");
        return PWCTL_USAGE;
    }
    size_t len;
    char *content = s_read_file (self->argv [1], &len);
    if (!content)
        return PWCTL_FAILED;
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ImportRequest import = PATCHWARDEN__V1__IMPORT_REQUEST__INIT;
    import.kind = self->argv [0];
    const char *slash = strrchr (self->argv [1], '/');
    import.filename = (char *)(slash ? slash + 1 : self->argv [1]);
    import.content.data = (uint8_t *)content;
    import.content.len = len;
    import.format = (char *)pw_config_str (self->config, "format");
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_IMPORT;
    request.import = &import;
    //  A CSV file larger than a chunk goes in parts, each the header row
    //  and a run of whole records; anything else in one request.
    bool json = s_is_json (import.format, content, len);
    size_t count = 1, header_len = 0;
    pw_csv_part_t *parts = NULL;
    if (!json && len > (uint64_t)chunk)
        parts = pw_csv_split (content, len, (size_t)chunk, &header_len, &count);
    char upload_id [40] = "";
    pw_strbuf_t part;
    pw_strbuf_init (&part);
    if (count > 1) {
        s_upload_id (upload_id, sizeof upload_id);
        import.upload_id = upload_id;
        import.format = "csv";
    }
    pw_reply_t *reply = NULL;
    int rc = PWCTL_OK;
    for (size_t i = 0; i < count && rc == PWCTL_OK; i++) {
        if (count > 1) {
            pw_strbuf_reset (&part);
            pw_strbuf_append_len (&part, content, header_len);
            pw_strbuf_append_len (&part, content + parts [i].offset, parts [i].len);
            import.content.data = (uint8_t *)part.data;
            import.content.len = part.len;
            import.part = (uint32_t)i;
            import.last = i + 1 == count;
            import.first_line = parts [i].line;
        }
        pw_reply_free (&reply);
        reply = pwctl_call (self, "policy", &request);
        if (!reply) {
            if (count > 1)
                pwctl_error (i + 1 < count
                                 ? "import: %s: no reply to part %zu of %zu; nothing was imported"
                                 : "import: %s: no reply to the last part (%zu of %zu); the "
                                   "import may still complete",
                             import.filename, i + 1, count);
            rc = PWCTL_DOWN;
        } else if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
            rc = s_import_refused (reply, import.filename, json);
    }
    pw_strbuf_free (&part);
    free (parts);
    free (content);
    if (rc != PWCTL_OK) {
        pw_reply_free (&reply);
        return rc;
    }
    const Patchwarden__V1__ImportReply *result = reply->import;
    if (self->json)
        printf ("{\"kind\":\"%s\",\"rows\":%u,\"inserted\":%u,\"updated\":%u,\"unchanged\":%u,"
                "\"warnings\":%zu,\"agents_affected\":%u}\n",
                import.kind, result->rows, result->inserted, result->updated, result->unchanged,
                result->n_warnings, result->agents_affected);
    else {
        for (size_t i = 0; i < result->n_warnings && i < 20; i++)
            fprintf (stderr, "warning: %s\n", result->warnings [i]);
        if (result->n_warnings > 20)
            fprintf (stderr, "warning: ... %zu more\n", result->n_warnings - 20);
        printf ("%s: %u rows: %u inserted, %u updated, %u unchanged; %u agents re-resolved\n",
                import.kind, result->rows, result->inserted, result->updated, result->unchanged,
                result->agents_affected);
    }
    pw_reply_free (&reply);
    return PWCTL_OK;
}

static const pw_config_key_t s_import_keys [] = {
    {"format", PW_CFG_STRING, "", "import: csv or json (default: from the file)"},
    {"chunk_bytes", PW_CFG_INT, "33554432",
     "import: a CSV file larger than this is sent in parts of at most this many bytes"},
    {NULL, 0, NULL, NULL}};

PWCTL_COMMAND (import, "import", s_import, "import agents|patches|scans FILE [--chunk-bytes N]",
               "import an RMM export (CSV or JSON); all or nothing", s_import_keys);

//  --- explain --------------------------------------------------------------

static const char *
s_str (const pw_json_value_t *value)
{
    if (!value || pw_json_type (value) == PW_JSON_NULL)
        return "-";
    if (pw_json_type (value) == PW_JSON_STRING)
        return pw_json_string (value);
    if (pw_json_type (value) == PW_JSON_BOOL)
        return pw_json_bool (value) ? "true" : "false";
    return "?";
}

static void
s_value_text (const pw_json_value_t *value, pw_strbuf_t *out)
{
    if (value && pw_json_type (value) == PW_JSON_ARRAY) {
        for (size_t i = 0; i < pw_json_size (value); i++)
            pw_strbuf_appendf (out, "%s%s", i ? ", " : "", s_str (pw_json_at (value, i)));
        if (pw_json_size (value) == 0)
            pw_strbuf_append (out, "(none)");
    } else
        pw_strbuf_append (out, s_str (value));
}

static void
s_source_text (const pw_json_value_t *source, pw_strbuf_t *out)
{
    if (!source || pw_json_type (source) != PW_JSON_OBJECT) {
        pw_strbuf_append (out, "-");
        return;
    }
    pw_strbuf_appendf (out, "%s @ %s", s_str (pw_json_get (source, "policy")),
                       s_str (pw_json_get (source, "level")));
    const pw_json_value_t *target = pw_json_get (source, "target");
    if (target && pw_json_type (target) == PW_JSON_STRING)
        pw_strbuf_appendf (out, " %s", pw_json_string (target));
    const pw_json_value_t *view = pw_json_get (source, "view");
    if (view && pw_json_type (view) == PW_JSON_STRING)
        pw_strbuf_appendf (out, " [view %s]", pw_json_string (view));
}

static void
s_print_explain (const pw_json_value_t *doc)
{
    printf ("agent %s  org %s  group %s  class %s  subscribed %s\n\n",
            s_str (pw_json_get (doc, "agent")), s_str (pw_json_get (doc, "org")),
            s_str (pw_json_get (doc, "group")), s_str (pw_json_get (doc, "class")),
            s_str (pw_json_get (doc, "subscribed")));
    printf ("%-22s %-34s %s\n", "SETTING", "VALUE", "FROM");
    const pw_json_value_t *settings = pw_json_get (doc, "settings");
    for (size_t i = 0; settings && i < pw_json_size (settings); i++) {
        const pw_json_value_t *s = pw_json_at (settings, i);
        pw_strbuf_t value, source;
        pw_strbuf_init (&value);
        pw_strbuf_init (&source);
        const pw_json_value_t *members = pw_json_get (s, "members");
        if (members && pw_json_type (members) == PW_JSON_ARRAY && pw_json_size (members)) {
            for (size_t m = 0; m < pw_json_size (members); m++) {
                const pw_json_value_t *member = pw_json_at (members, m);
                const pw_json_value_t *removed = pw_json_get (member, "removed_by");
                bool gone = removed && pw_json_type (removed) == PW_JSON_OBJECT;
                pw_strbuf_reset (&source);
                s_source_text (pw_json_get (member, "source"), &source);
                printf ("%-22s %-34s %s%s\n", m ? "" : pw_json_key (settings, i),
                        s_str (pw_json_get (member, "value")), source.data,
                        gone ? "  (removed)" : "");
            }
        } else {
            s_value_text (pw_json_get (s, "value"), &value);
            s_source_text (pw_json_get (s, "source"), &source);
            printf ("%-22s %-34s %s\n", pw_json_key (settings, i), value.data, source.data);
            const pw_json_value_t *over = pw_json_get (s, "overridden");
            for (size_t o = 0; over && o < pw_json_size (over); o++) {
                pw_strbuf_reset (&value);
                pw_strbuf_reset (&source);
                s_value_text (pw_json_get (pw_json_at (over, o), "value"), &value);
                s_source_text (pw_json_at (over, o), &source);
                printf ("%-22s   overridden: %-21s %s\n", "", value.data, source.data);
            }
        }
        pw_strbuf_free (&value);
        pw_strbuf_free (&source);
    }
    const pw_json_value_t *patches = pw_json_get (doc, "patches");
    printf ("\n%-26s %-14s %-10s %-10s %s\n", "PATCH", "KB", "STATE", "STATUS", "WHY");
    for (size_t i = 0; patches && i < pw_json_size (patches); i++) {
        const pw_json_value_t *p = pw_json_at (patches, i);
        const pw_json_value_t *source = pw_json_get (p, "source");
        char status [64];
        const pw_json_value_t *until = pw_json_get (p, "until");
        if (until && pw_json_type (until) == PW_JSON_STRING)
            snprintf (status, sizeof status, "%s until %.10s", s_str (pw_json_get (p, "status")),
                      pw_json_string (until));
        else
            snprintf (status, sizeof status, "%s", s_str (pw_json_get (p, "status")));
        printf ("%-26.26s %-14s %-10s %-10s %s: %s%s%s\n", s_str (pw_json_get (p, "id")),
                s_str (pw_json_get (p, "kb")), s_str (pw_json_get (p, "scan_state")), status,
                s_str (pw_json_get (source, "kind")), s_str (pw_json_get (source, "rule")),
                pw_json_get (source, "policy") &&
                        pw_json_type (pw_json_get (source, "policy")) == PW_JSON_STRING
                    ? " in "
                    : "",
                pw_json_get (source, "policy") &&
                        pw_json_type (pw_json_get (source, "policy")) == PW_JSON_STRING
                    ? pw_json_string (pw_json_get (source, "policy"))
                    : "");
    }
    if (!patches || pw_json_size (patches) == 0)
        printf ("(the last scan reports no missing patch)\n");
}

static int
s_explain (pwctl_t *self)
{
    if (self->argc != 1) {
        pwctl_error ("usage: pwctl explain AGENT");
        return PWCTL_USAGE;
    }
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ExplainRequest explain = PATCHWARDEN__V1__EXPLAIN_REQUEST__INIT;
    explain.agent = self->argv [0];
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_EXPLAIN;
    request.explain = &explain;
    pw_reply_t *reply = pwctl_call (self, "policy", &request);
    if (!reply)
        return PWCTL_DOWN;
    int rc = PWCTL_OK;
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pwctl_error ("%s", reply->message);
        rc = PWCTL_FAILED;
    } else if (self->json)
        printf ("%s\n", reply->explain->json);
    else {
        pw_json_t *json = pw_json_new (reply->explain->json, strlen (reply->explain->json));
        const pw_json_value_t *doc = pw_json_parse (json);
        if (doc)
            s_print_explain (doc);
        else {
            pwctl_error ("explain: the reply does not parse: %s", pw_json_error (json));
            rc = PWCTL_FAILED;
        }
        pw_json_destroy (&json);
    }
    pw_reply_free (&reply);
    return rc;
}

PWCTL_COMMAND (explain, "explain", s_explain, "explain AGENT",
               "effective settings and patch statuses of an agent, with where each came from",
               NULL);

//  --- review ---------------------------------------------------------------

static int
s_review_list (pwctl_t *self)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ReviewListRequest list = PATCHWARDEN__V1__REVIEW_LIST_REQUEST__INIT;
    list.policy = (char *)pw_config_str (self->config, "policy");
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_REVIEW_LIST;
    request.review_list = &list;
    pw_reply_t *reply = pwctl_call (self, "policy", &request);
    if (!reply)
        return PWCTL_DOWN;
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pwctl_error ("%s", reply->message);
        pw_reply_free (&reply);
        return PWCTL_FAILED;
    }
    const Patchwarden__V1__ReviewListReply *result = reply->review_list;
    if (self->json) {
        pw_strbuf_t out;
        pw_strbuf_init (&out);
        pw_strbuf_append (&out, "{\"policies\":[");
        for (size_t p = 0; p < result->n_policies; p++) {
            pw_strbuf_append (&out, p ? ",{\"policy\":" : "{\"policy\":");
            pw_strbuf_append_json (&out, result->policies [p]->policy);
            pw_strbuf_append (&out, ",\"items\":[");
            for (size_t i = 0; i < result->policies [p]->n_items; i++) {
                const Patchwarden__V1__ReviewItem *item = result->policies [p]->items [i];
                pw_strbuf_append (&out, i ? ",{\"kb\":" : "{\"kb\":");
                pw_strbuf_append_json (&out, item->kb);
                pw_strbuf_append (&out, ",\"title\":");
                pw_strbuf_append_json (&out, item->title);
                pw_strbuf_appendf (&out,
                                   ",\"classification\":\"%s\",\"age_days\":%lld,"
                                   "\"agents\":%u}",
                                   item->classification, (long long)item->age_days, item->agents);
            }
            pw_strbuf_append (&out, "]}");
        }
        pw_strbuf_append (&out, "]}\n");
        fputs (out.data, stdout);
        pw_strbuf_free (&out);
    } else {
        size_t total = 0;
        for (size_t p = 0; p < result->n_policies; p++) {
            const Patchwarden__V1__ReviewPolicy *policy = result->policies [p];
            total += policy->n_items;
            printf ("%s: %zu waiting for review\n", policy->policy, policy->n_items);
            if (policy->n_items)
                printf ("  %-12s %-14s %5s %6s  %s\n", "KB", "CLASS", "AGE", "AGENTS", "TITLE");
            for (size_t i = 0; i < policy->n_items; i++) {
                const Patchwarden__V1__ReviewItem *item = policy->items [i];
                printf ("  %-12s %-14s %4lldd %6u  %.70s\n", item->kb, item->classification,
                        (long long)item->age_days, item->agents, item->title);
            }
        }
        printf ("%zu review item%s in %zu polic%s\n", total, total == 1 ? "" : "s",
                result->n_policies, result->n_policies == 1 ? "y" : "ies");
    }
    pw_reply_free (&reply);
    return PWCTL_OK;
}

static int
s_review_decide (pwctl_t *self, const char *action)
{
    const char *policy = pw_config_str (self->config, "policy");
    if (!*policy) {
        pwctl_error ("review %s: --policy POLICY is required", action);
        return PWCTL_USAGE;
    }
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ReviewDecideRequest decide = PATCHWARDEN__V1__REVIEW_DECIDE_REQUEST__INIT;
    decide.policy = (char *)policy;
    decide.action = (char *)action;
    decide.n_kbs = (size_t)(self->argc - 1);
    decide.kbs = self->argv + 1;
    decide.all = pw_config_bool (self->config, "all");
    decide.classification = (char *)pw_config_str (self->config, "classification");
    decide.product = (char *)pw_config_str (self->config, "product");
    decide.reason = (char *)pw_config_str (self->config, "reason");
    const char *before = pw_config_str (self->config, "released_before");
    if (*before) {
        struct tm tm = {0};
        char *end = strptime (before, "%Y-%m-%d", &tm);
        if (!end || *end) {
            pwctl_error ("review: --released-before \"%s\" is not a date YYYY-MM-DD", before);
            return PWCTL_USAGE;
        }
        decide.released_before_us = (int64_t)timegm (&tm) * 1000000;
    }
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_REVIEW_DECIDE;
    request.review_decide = &decide;
    pw_reply_t *reply = pwctl_call (self, "policy", &request);
    if (!reply)
        return PWCTL_DOWN;
    int rc = PWCTL_OK;
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pwctl_error ("%s", reply->message);
        rc = PWCTL_FAILED;
    } else {
        const Patchwarden__V1__ReviewDecideReply *result = reply->review_decide;
        if (self->json) {
            printf ("{\"policy\":\"%s\",\"action\":\"%s\",\"kbs\":[", policy, action);
            for (size_t i = 0; i < result->n_kbs; i++)
                printf ("%s\"%s\"", i ? "," : "", result->kbs [i]);
            printf ("],\"agents_affected\":%u}\n", result->agents_affected);
        } else
            printf ("%s: %s %zu KB%s; %u agent%s affected\n", policy,
                    strcmp (action, "approve") == 0 ? "approved" : "denied", result->n_kbs,
                    result->n_kbs == 1 ? "" : "s", result->agents_affected,
                    result->agents_affected == 1 ? "" : "s");
    }
    pw_reply_free (&reply);
    return rc;
}

static int
s_review (pwctl_t *self)
{
    const char *sub = self->argc > 0 ? self->argv [0] : "list";
    if (strcmp (sub, "list") == 0)
        return s_review_list (self);
    if (strcmp (sub, "approve") == 0 || strcmp (sub, "deny") == 0)
        return s_review_decide (self, sub);
    pwctl_error ("usage: pwctl review list|approve|deny ...");
    return PWCTL_USAGE;
}

static const pw_config_key_t s_review_keys [] = {
    {"policy", PW_CFG_STRING, "", "review: the patch policy"},
    {"all", PW_CFG_BOOL, "false", "review: the whole queue of the policy"},
    {"classification", PW_CFG_STRING, "", "review: select by classification"},
    {"product", PW_CFG_STRING, "", "review: select by product glob"},
    {"released_before", PW_CFG_STRING, "", "review: select KBs released before YYYY-MM-DD"},
    {"reason", PW_CFG_STRING, "", "review: why (kept with the decision and in the trail)"},
    {NULL, 0, NULL, NULL}};

PWCTL_COMMAND (review, "review", s_review,
               "review list|approve|deny [--policy P] [KB...|--all|--classification C ...]",
               "the monthly review: list the queue, approve or deny (one KB or in bulk)",
               s_review_keys);
