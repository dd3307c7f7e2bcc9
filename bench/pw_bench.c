/*  pw_bench - the measuring half of `make bench`: bench/run prepares a
    store and starts the services, then runs one measure per invocation of
    this program, which prints one JSON object on stdout.

        pw_bench floor       --admin URL --tenant T [--audit EP] [--runs N]
        pw_bench plainsql    --admin URL --tenant T --sql FILE [--runs N]
        pw_bench compare     --admin URL --tenant T
        pw_bench resolve     --policy EP --tenant T [--runs N] [--admin URL --mode cold]
                             [--audit EP]
        pw_bench incremental --policy EP --policy-pub EP --admin URL --tenant T [--changes N]
        pw_bench plan        --scheduler EP --tenant T [--admin URL] [--audit EP] [--runs N]
        pw_bench audit       --audit EP --tenant T [--admin URL [--policy EP
                             [--pwctl PATH --scans A.csv,B.csv]]] [--runs N]
        pw_bench ping        --policy EP [--count N]
        pw_bench events      --db URL --admin URL --pub EP --audit-pub EP --tenant T [--count N]

    Times are microseconds. docs/performance.md says what each one means.
*/
#include <czmq.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pw_db.h"
#include "pw_log.h"
#include "pw_service.h"
#include "pw_util.h"
#include "pw_wire.h"

#define S_TIMEOUT_MS 600000

typedef struct {
    const char *admin, *db, *tenant, *policy, *policy_pub, *scheduler, *audit, *pub, *audit_pub,
        *sql, *mode, *pwctl, *scans;
    int runs, changes, count;
} s_args_t;

static int64_t
s_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

//  Nearest-rank percentile of N sorted values.
static int64_t
s_pct (const int64_t *sorted, size_t n, double pct)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(pct / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted [rank - 1];
}

static int64_t
s_median (int64_t *values, size_t n)
{
    qsort (values, n, sizeof (int64_t), s_cmp_i64);
    return s_pct (values, n, 50);
}

static void
s_die (const char *format, const char *detail)
{
    fprintf (stderr, "pw_bench: ");
    fprintf (stderr, format, detail ? detail : "");
    fprintf (stderr, "\n");
    exit (1);
}

static PGconn *
s_connect (const char *url)
{
    if (!url)
        s_die ("a database URL is missing%s", NULL);
    PGconn *conn = PQconnectdb (url);
    if (PQstatus (conn) != CONNECTION_OK)
        s_die ("cannot connect: %s", PQerrorMessage (conn));
    PQclear (PQexec (conn, "SET client_min_messages = warning"));
    return conn;
}

static void
s_exec (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    ExecStatusType status = PQresultStatus (res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fprintf (stderr, "pw_bench: %.200s\n", sql);
        s_die ("%s", PQerrorMessage (conn));
    }
    PQclear (res);
}

//  A statement with the tenant as its one parameter ($1).
static void
s_exec_tenant (PGconn *conn, const char *sql, const char *tenant)
{
    const char *params [] = {tenant};
    PGresult *res = PQexecParams (conn, sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_COMMAND_OK) {
        fprintf (stderr, "pw_bench: %.200s\n", sql);
        s_die ("%s", PQerrorMessage (conn));
    }
    PQclear (res);
}

static char *
s_value (PGconn *conn, const char *sql, const char *param)
{
    const char *params [] = {param};
    PGresult *res = PQexecParams (conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) < 1)
        s_die ("%s", PQerrorMessage (conn));
    char *value = pw_strdup (PQgetvalue (res, 0, 0));
    PQclear (res);
    return value;
}

//  --- wire --------------------------------------------------------------

static pw_reply_t *
s_call (zsock_t *dealer, pw_request_t *request, const char *tenant)
{
    static unsigned long counter;
    char id [32];
    snprintf (id, sizeof id, "bench-%lu", ++counter);
    request->protocol = PW_PROTOCOL_VERSION;
    request->tenant = (char *)(tenant ? tenant : "");
    request->request_id = id;
    request->actor = "bench@msp";
    char *error = NULL;
    pw_reply_t *reply = pw_wire_call (dealer, request, S_TIMEOUT_MS, &error);
    if (!reply)
        s_die ("call failed: %s", error);
    if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
        s_die ("call refused: %s", reply->message);
    return reply;
}

static zsock_t *
s_client (const char *endpoint)
{
    if (!endpoint)
        s_die ("an endpoint is missing%s", NULL);
    zsock_t *dealer = pw_wire_client (endpoint);
    if (!dealer)
        s_die ("cannot connect to %s", endpoint);
    return dealer;
}

//  --- full resolve ------------------------------------------------------

static void s_audit_once (zsock_t *dealer, const char *tenant, int64_t *total_p, int64_t *service_p,
                          int64_t *compute_p, unsigned *agents_p, unsigned *open_p);

//  With an audit service (AUDITOR, may be NULL): waits until it has audited
//  what the last writes changed. A write's events start an audit of its
//  own half a second after they reach the audit, which is at once for the
//  policy service's (the audit subscribes to its PUB) and within its
//  catch-up interval (a second) for the scheduler's in this bench (the
//  audit subscribes to the events measure's PUB in its place). One asked
//  for SETTLE_MS after the write waits for any under way and clears the
//  one due, so the next timed run has the machine to itself, as the
//  baselines have.
static void
s_audit_quiet (zsock_t *auditor, const char *tenant, int settle_ms)
{
    if (!auditor)
        return;
    zclock_sleep (settle_ms);
    int64_t unused [3];
    unsigned agents, open;
    s_audit_once (auditor, tenant, &unused [0], &unused [1], &unused [2], &agents, &open);
}

static int
s_resolve (s_args_t *args)
{
    zsock_t *dealer = s_client (args->policy);
    zsock_t *auditor = args->audit ? s_client (args->audit) : NULL;
    int64_t total [32], load [32], compute [32], persist [32];
    unsigned long agents = 0, statuses = 0;
    int runs = args->runs > 32 ? 32 : args->runs;
    //  Cold: the tenant's results (settings, agent profiles, profile
    //  statuses) are removed (and the space vacuumed) before each run, so
    //  the service writes every row, as on a tenant's first resolution.
    //  Otherwise the store holds the current results and the service writes
    //  only what differs from them.
    bool cold = args->mode && strcmp (args->mode, "cold") == 0;
    PGconn *admin = cold ? s_connect (args->admin) : NULL;
    for (int r = 0; r < runs; r++) {
        if (cold) {
            s_exec_tenant (admin, "DELETE FROM profile_status WHERE tenant_id = $1", args->tenant);
            s_exec_tenant (admin, "DELETE FROM agent_settings WHERE tenant_id = $1", args->tenant);
            s_exec (admin, "VACUUM ANALYZE profile_status, agent_settings");
        }
        s_audit_quiet (auditor, args->tenant, 200);
        pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
        Patchwarden__V1__ResolveRequest resolve = PATCHWARDEN__V1__RESOLVE_REQUEST__INIT;
        request.call_case = PATCHWARDEN__V1__REQUEST__CALL_RESOLVE;
        request.resolve = &resolve;
        int64_t started = s_now_us ();
        pw_reply_t *reply = s_call (dealer, &request, args->tenant);
        total [r] = s_now_us () - started;
        load [r] = reply->resolve->load_us;
        compute [r] = reply->resolve->compute_us;
        persist [r] = reply->resolve->persist_us;
        agents = reply->resolve->agents;
        statuses = reply->resolve->statuses;
        pw_reply_free (&reply);
    }
    printf ("{\"measure\":\"%s\",\"runs\":%d,\"agents\":%lu,\"statuses\":%lu,"
            "\"total_us\":%lld,\"load_us\":%lld,\"compute_us\":%lld,\"persist_us\":%lld}\n",
            cold ? "resolve_cold" : "resolve", runs, agents, statuses,
            (long long)s_median (total, (size_t)runs), (long long)s_median (load, (size_t)runs),
            (long long)s_median (compute, (size_t)runs),
            (long long)s_median (persist, (size_t)runs));
    s_audit_quiet (auditor, args->tenant, 200);
    if (admin)
        PQfinish (admin);
    zsock_destroy (&auditor);
    zsock_destroy (&dealer);
    return 0;
}

//  --- the floor ---------------------------------------------------------

//  Reads a binary COPY out completely; returns the bytes, keeps them in
//  *KEEP_P when asked.
static size_t
s_copy_out (PGconn *conn, const char *sql, pw_strbuf_t *keep)
{
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_COPY_OUT)
        s_die ("COPY out: %s", PQerrorMessage (conn));
    PQclear (res);
    size_t bytes = 0;
    char *buf;
    int n;
    while ((n = PQgetCopyData (conn, &buf, 0)) > 0) {
        bytes += (size_t)n;
        if (keep)
            pw_strbuf_append_len (keep, buf, (size_t)n);
        PQfreemem (buf);
    }
    if (n == -2)
        s_die ("COPY out: %s", PQerrorMessage (conn));
    res = PQgetResult (conn);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        s_die ("COPY out: %s", PQerrorMessage (conn));
    PQclear (res);
    return bytes;
}

static void
s_copy_in (PGconn *conn, const char *sql, const pw_strbuf_t *data)
{
    PGresult *res = PQexec (conn, sql);
    if (PQresultStatus (res) != PGRES_COPY_IN)
        s_die ("COPY in: %s", PQerrorMessage (conn));
    PQclear (res);
    for (size_t at = 0; at < data->len;) {
        size_t chunk = data->len - at > (1 << 20) ? (1 << 20) : data->len - at;
        if (PQputCopyData (conn, data->data + at, (int)chunk) != 1)
            s_die ("COPY in: %s", PQerrorMessage (conn));
        at += chunk;
    }
    if (PQputCopyEnd (conn, NULL) != 1)
        s_die ("COPY in: %s", PQerrorMessage (conn));
    res = PQgetResult (conn);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        s_die ("COPY in: %s", PQerrorMessage (conn));
    PQclear (res);
}

//  The inputs the service reads (the same rows: inventory, catalogue, each
//  agent's missing and failed patches, configuration), by tenant.
static const char *s_floor_inputs [] = {
    "COPY (SELECT agent_id, hostname, org, group_path, class, os, os_version, subscribed, tags, "
    "ignored_kbs, custom_fields FROM agents WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT patch_id, ident, kb, title, classification, products, severity, released_at, "
    "supersedes, reboot_required, cves FROM patches WHERE tenant_id = %s) TO STDOUT (FORMAT "
    "binary)",
    "COPY (SELECT agent_id, missing, failed FROM scan_open WHERE tenant_id = %s) TO STDOUT "
    "(FORMAT binary)",
    "COPY (SELECT * FROM orgs WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM views WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM patch_policies WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM patch_policy_rules WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM kb_overrides WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM decisions WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM system_policies WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    "COPY (SELECT * FROM assignments WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
    NULL};

//  CREATE TABLE NAME (LIKE TABLE INCLUDING ALL), with TABLE's storage
//  parameters too (profile_status keeps a fifth of each page free), so a
//  scratch copy is written as the table itself is.
static void
s_create_like (PGconn *conn, const char *name, const char *table)
{
    char sql [512];
    snprintf (sql, sizeof sql, "CREATE TABLE %s (LIKE %s INCLUDING ALL)", name, table);
    s_exec (conn, sql);
    char *options = s_value (conn,
                             "SELECT coalesce(array_to_string(reloptions, ', '), '') "
                             "FROM pg_class WHERE oid = $1::regclass",
                             table);
    if (*options) {
        snprintf (sql, sizeof sql, "ALTER TABLE %s SET (%s)", name, options);
        s_exec (conn, sql);
    }
    free (options);
}

//  The tables the service writes in a resolution, and their scratch copies.
static const char *s_floor_outputs [][2] = {{"agent_settings", "bench_floor_settings"},
                                            {"profile_status", "bench_floor_profile_status"}};
#define S_FLOOR_OUTPUTS (sizeof s_floor_outputs / sizeof s_floor_outputs [0])

static int
s_floor (s_args_t *args)
{
    PGconn *conn = s_connect (args->admin);
    char *quoted = PQescapeLiteral (conn, args->tenant, strlen (args->tenant));
    char sql [512];
    //  The output rows, as the service last wrote them (not timed).
    pw_strbuf_t out [S_FLOOR_OUTPUTS];
    size_t write_bytes = 0;
    for (size_t t = 0; t < S_FLOOR_OUTPUTS; t++) {
        snprintf (sql, sizeof sql, "DROP TABLE IF EXISTS %s", s_floor_outputs [t][1]);
        s_exec (conn, sql);
        s_create_like (conn, s_floor_outputs [t][1], s_floor_outputs [t][0]);
        pw_strbuf_init (&out [t]);
        snprintf (sql, sizeof sql,
                  "COPY (SELECT * FROM %s WHERE tenant_id = %s) TO STDOUT (FORMAT binary)",
                  s_floor_outputs [t][0], quoted);
        write_bytes += s_copy_out (conn, sql, &out [t]);
    }
    int64_t total [32], read_us [32];
    int runs = args->runs > 32 ? 32 : args->runs;
    size_t in_bytes = 0;
    //  As a resolve, each run starts once the audit has audited the writes
    //  before it (a cold resolve's: every finding of the tenant changes)
    zsock_t *auditor = args->audit ? s_client (args->audit) : NULL;
    for (int r = 0; r < runs; r++) {
        s_audit_quiet (auditor, args->tenant, 200);
        int64_t started = s_now_us ();
        s_exec (conn, "BEGIN");
        in_bytes = 0;
        for (int i = 0; s_floor_inputs [i]; i++) {
            snprintf (sql, sizeof sql, s_floor_inputs [i], quoted);
            in_bytes += s_copy_out (conn, sql, NULL);
        }
        read_us [r] = s_now_us () - started;
        s_exec (conn, "TRUNCATE bench_floor_settings, bench_floor_profile_status");
        for (size_t t = 0; t < S_FLOOR_OUTPUTS; t++) {
            snprintf (sql, sizeof sql, "COPY %s FROM STDIN (FORMAT binary)",
                      s_floor_outputs [t][1]);
            s_copy_in (conn, sql, &out [t]);
        }
        s_exec (conn, "COMMIT");
        total [r] = s_now_us () - started;
    }
    printf ("{\"measure\":\"floor\",\"runs\":%d,\"total_us\":%lld,\"read_us\":%lld,"
            "\"read_bytes\":%zu,\"write_bytes\":%zu}\n",
            runs, (long long)s_median (total, (size_t)runs),
            (long long)s_median (read_us, (size_t)runs), in_bytes, write_bytes);
    s_exec (conn, "DROP TABLE bench_floor_settings, bench_floor_profile_status");
    zsock_destroy (&auditor);
    for (size_t t = 0; t < S_FLOOR_OUTPUTS; t++)
        pw_strbuf_free (&out [t]);
    PQfreemem (quoted);
    PQfinish (conn);
    return 0;
}

//  --- plain SQL ---------------------------------------------------------

static char *
s_read_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        s_die ("cannot read %s", path);
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    char chunk [8192];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, file)) > 0)
        pw_strbuf_append_len (&buf, chunk, n);
    fclose (file);
    return pw_strbuf_take (&buf);
}

static int
s_plainsql (s_args_t *args)
{
    PGconn *conn = s_connect (args->admin);
    char *script = s_read_file (args->sql);
    char *quoted = PQescapeLiteral (conn, args->tenant, strlen (args->tenant));
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT set_config('bench.tenant', %s, false)", quoted);
    s_exec (conn, sql);
    //  The stored form the service writes (settings, agent profiles,
    //  profile statuses), and the per-agent statuses read through them as
    //  the patch_status view reads the service's (not part of the timing).
    s_exec (conn, "DROP VIEW IF EXISTS bench_sql_status, bench_sql_profiles");
    s_exec (conn, "DROP TABLE IF EXISTS bench_sql_settings, bench_sql_profile_status");
    s_create_like (conn, "bench_sql_settings", "agent_settings");
    s_create_like (conn, "bench_sql_profile_status", "profile_status");
    s_exec (conn, "CREATE VIEW bench_sql_profiles AS "
                  "SELECT tenant_id, agent_id, profile_id FROM bench_sql_settings "
                  " WHERE profile_id IS NOT NULL");
    s_exec (conn, "CREATE VIEW bench_sql_status AS "
                  "SELECT s.tenant_id, s.agent_id, s.patch_id, ps.status, ps.until, "
                  "       ps.source_kind, ps.source_policy, ps.source_rule "
                  "  FROM scan_states s "
                  "  JOIN bench_sql_profiles ap ON ap.tenant_id = s.tenant_id "
                  "                            AND ap.agent_id = s.agent_id "
                  "  JOIN bench_sql_profile_status ps ON ps.tenant_id = s.tenant_id "
                  "                                  AND ps.profile_id = ap.profile_id "
                  "                                  AND ps.patch_id = s.patch_id "
                  " WHERE s.state IN ('missing', 'failed')");
    int64_t total [32];
    int runs = args->runs > 32 ? 32 : args->runs;
    for (int r = 0; r < runs; r++) {
        int64_t started = s_now_us ();
        s_exec (conn, "BEGIN");
        s_exec (conn, script);
        s_exec (conn, "COMMIT");
        total [r] = s_now_us () - started;
    }
    s_exec (conn, "ANALYZE bench_sql_settings, bench_sql_profile_status");
    char *rows = s_value (conn, "SELECT count(*) FROM bench_sql_status", NULL);
    char *profiles =
        s_value (conn, "SELECT count(DISTINCT profile_id) FROM bench_sql_profiles", NULL);
    char *profile_rows = s_value (conn, "SELECT count(*) FROM bench_sql_profile_status", NULL);
    printf ("{\"measure\":\"plainsql\",\"runs\":%d,\"total_us\":%lld,\"rows\":%s,"
            "\"profiles\":%s,\"profile_rows\":%s}\n",
            runs, (long long)s_median (total, (size_t)runs), rows, profiles, profile_rows);
    free (rows);
    free (profiles);
    free (profile_rows);
    free (script);
    PQfreemem (quoted);
    PQfinish (conn);
    return 0;
}

//  The service's results against plain SQL's, three ways: the per-agent
//  statuses (the patch_status view against bench_sql_status: rows that
//  differ in status or deferral date, or exist on one side only), each
//  agent's profile id, and the stored profile statuses themselves (a row
//  on one side only, or with another status, deferral date or
//  provenance). With the sizes of the stored form: agents, profiles,
//  profile_status rows.
static int
s_compare (s_args_t *args)
{
    PGconn *conn = s_connect (args->admin);
    static const char *queries [][2] = {
        {"rows", "SELECT count(*) FROM patch_status WHERE tenant_id = $1"},
        {"mismatches",
         "SELECT count(*) FROM (SELECT * FROM patch_status WHERE tenant_id = $1) s "
         "FULL JOIN (SELECT * FROM bench_sql_status WHERE tenant_id = $1) q "
         "USING (tenant_id, agent_id, patch_id) "
         "WHERE s.status IS DISTINCT FROM q.status OR s.until IS DISTINCT FROM q.until"},
        {"by_status", "SELECT coalesce(json_object_agg(status, n), '{}') FROM "
                      "(SELECT status, count(*) n FROM patch_status "
                      "WHERE tenant_id = $1 GROUP BY status) x"},
        {"agents", "SELECT count(*) FROM agent_profiles WHERE tenant_id = $1"},
        {"profile_mismatches",
         "SELECT count(*) FROM (SELECT * FROM agent_profiles WHERE tenant_id = $1) s "
         "FULL JOIN (SELECT * FROM bench_sql_profiles WHERE tenant_id = $1) q "
         "USING (tenant_id, agent_id) WHERE s.profile_id IS DISTINCT FROM q.profile_id"},
        {"profiles", "SELECT count(DISTINCT profile_id) FROM agent_profiles WHERE tenant_id = $1"},
        {"profile_rows", "SELECT count(*) FROM profile_status WHERE tenant_id = $1"},
        {"profile_row_mismatches",
         "SELECT count(*) FROM (SELECT * FROM profile_status WHERE tenant_id = $1) s "
         "FULL JOIN (SELECT * FROM bench_sql_profile_status WHERE tenant_id = $1) q "
         "USING (tenant_id, profile_id, patch_id) "
         "WHERE (s.status, s.until, s.source_kind, s.source_policy, s.source_rule) "
         "IS DISTINCT FROM (q.status, q.until, q.source_kind, q.source_policy, q.source_rule)"},
    };
    size_t n = sizeof queries / sizeof queries [0];
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "{\"measure\":\"compare\"");
    for (size_t i = 0; i < n; i++) {
        char *value = s_value (conn, queries [i][1], args->tenant);
        pw_strbuf_appendf (&out, ",\"%s\":%s", queries [i][0], value);
        free (value);
    }
    pw_strbuf_append (&out, "}");
    printf ("%s\n", out.data);
    pw_strbuf_free (&out);
    PQfinish (conn);
    return 0;
}

//  --- incremental change ------------------------------------------------

//  One review decision through the policy service: ACTION ("approve",
//  "deny") on KB in POLICY. Returns the agents it affected once the policy
//  service has written their statuses.
static unsigned long
s_decide (zsock_t *dealer, const char *tenant, const char *policy, const char *kb,
          const char *action)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ReviewDecideRequest decide = PATCHWARDEN__V1__REVIEW_DECIDE_REQUEST__INIT;
    char *list [] = {(char *)kb};
    decide.policy = (char *)policy;
    decide.n_kbs = 1;
    decide.kbs = list;
    decide.action = (char *)action;
    decide.reason = "bench";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_REVIEW_DECIDE;
    request.review_decide = &decide;
    pw_reply_t *reply = s_call (dealer, &request, tenant);
    unsigned long affected = reply->review_decide->agents_affected;
    pw_reply_free (&reply);
    return affected;
}

//  The KB most agents miss, and the policy to decide it in (the baseline,
//  else the first by name): *POLICY_P and the KB, both new strings.
static char *
s_widest_kb (PGconn *conn, const char *tenant, char **policy_p)
{
    PGresult *res =
        PQexecParams (conn,
                      "SELECT p.kb FROM scan_states s JOIN patches p USING (tenant_id, patch_id) "
                      " WHERE s.tenant_id = $1 AND s.state IN ('missing', 'failed') "
                      " GROUP BY p.kb ORDER BY count(*) DESC, p.kb LIMIT 1",
                      1, NULL, (const char *[]){tenant}, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
        s_die ("no KB to decide: %s", PQerrorMessage (conn));
    char *kb = pw_strdup (PQgetvalue (res, 0, 0));
    PQclear (res);
    *policy_p = s_value (conn,
                         "SELECT name FROM patch_policies WHERE tenant_id = $1 "
                         "ORDER BY baseline DESC, name LIMIT 1",
                         tenant);
    return kb;
}

static int
s_incremental (s_args_t *args)
{
    PGconn *conn = s_connect (args->admin);
    //  The KBs most agents miss, decided in the first policy that has them
    //  in review (else the baseline): every change reaches many agents.
    char limit [16];
    snprintf (limit, sizeof limit, "%d", args->changes);
    PGresult *res = PQexecParams (
        conn,
        "SELECT p.kb, count(*) n FROM scan_states s JOIN patches p USING (tenant_id, patch_id) "
        " WHERE s.tenant_id = $1 AND s.state IN ('missing', 'failed') "
        " GROUP BY p.kb ORDER BY n DESC, p.kb LIMIT $2",
        2, NULL, (const char *[]){args->tenant, limit}, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) == 0)
        s_die ("no KBs to decide: %s", PQerrorMessage (conn));
    int kbs = PQntuples (res);
    char *policy = s_value (conn,
                            "SELECT name FROM patch_policies WHERE tenant_id = $1 "
                            "ORDER BY baseline DESC, name LIMIT 1",
                            args->tenant);
    zsock_t *dealer = s_client (args->policy);
    zsock_t *sub = zsock_new_sub (args->policy_pub, "");
    if (!sub)
        s_die ("cannot subscribe to %s", args->policy_pub);
    zclock_sleep (300); //  the subscription reaches the PUB
    int count = args->changes;
    int64_t *times = pw_calloc ((size_t)count + 1, sizeof (int64_t));
    unsigned long affected = 0;
    for (int c = 0; c < count; c++) {
        const char *kb = PQgetvalue (res, c % kbs, 0);
        //  A KB is approved, then denied on its second use, and so on.
        const char *action = (c / kbs) % 2 == 0 ? "approve" : "deny";
        char kind [32];
        snprintf (kind, sizeof kind, "decision.%s", action);
        char subject [256];
        snprintf (subject, sizeof subject, "%s/%s", policy, kb);
        int64_t started = s_now_us ();
        affected += s_decide (dealer, args->tenant, policy, kb, action);
        //  Then the event: the change is done when a subscriber has seen it.
        bool seen = false;
        while (!seen) {
            zmq_pollitem_t item = {zsock_resolve (sub), 0, ZMQ_POLLIN, 0};
            if (zmq_poll (&item, 1, 5000) <= 0)
                s_die ("no %s event within 5 s", kind);
            bool malformed = false;
            pw_event_t *event = pw_wire_recv_event (sub, 1 << 24, &malformed);
            if (event && strcmp (event->kind, kind) == 0 && strcmp (event->subject, subject) == 0)
                seen = true;
            pw_event_free (&event);
        }
        times [c] = s_now_us () - started;
    }
    qsort (times, (size_t)count, sizeof (int64_t), s_cmp_i64);
    printf ("{\"measure\":\"incremental\",\"changes\":%d,\"policy\":\"%s\",\"p50_us\":%lld,"
            "\"p99_us\":%lld,\"max_us\":%lld,\"agents_affected_avg\":%lu}\n",
            count, policy, (long long)s_pct (times, (size_t)count, 50),
            (long long)s_pct (times, (size_t)count, 99), (long long)times [count - 1],
            affected / (unsigned long)count);
    free (times);
    free (policy);
    PQclear (res);
    zsock_destroy (&sub);
    zsock_destroy (&dealer);
    PQfinish (conn);
    return 0;
}

//  --- plan and audit ----------------------------------------------------

//  Moves TENANT's COUNTER (facts_version) as a write that says nothing of
//  what it changed does: its readers read again what it vouches for.
static void
s_move_counter (PGconn *admin, const char *tenant, const char *counter)
{
    const char *params [] = {tenant, counter};
    PQclear (PQexecParams (admin,
                           "INSERT INTO facts_version AS f VALUES ($1, $2, 1) "
                           "ON CONFLICT (tenant_id, counter) DO UPDATE SET version = f.version + 1",
                           2, NULL, params, NULL, NULL, 0));
}

//  One full plan through the service: the round trip and the service's
//  own load, compute and persist times.
typedef struct {
    int64_t total [32], load [32], compute [32], persist [32];
    unsigned planned;
} s_plans_t;

static void
s_plan_once (zsock_t *dealer, const char *tenant, s_plans_t *plans, int r)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PlanRequest plan = PATCHWARDEN__V1__PLAN_REQUEST__INIT;
    plan.recompute = true;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PLAN;
    request.plan = &plan;
    int64_t started = s_now_us ();
    pw_reply_t *reply = s_call (dealer, &request, tenant);
    plans->total [r] = s_now_us () - started;
    plans->load [r] = reply->plan->load_us;
    plans->compute [r] = reply->plan->compute_us;
    plans->persist [r] = reply->plan->persist_us;
    plans->planned = reply->plan->planned;
    pw_reply_free (&reply);
}

static void
s_plans_print (const char *prefix, s_plans_t *plans, int runs)
{
    printf (",\"%stotal_us\":%lld,\"%sload_us\":%lld,\"%scompute_us\":%lld,"
            "\"%spersist_us\":%lld",
            prefix, (long long)s_median (plans->total, (size_t)runs), prefix,
            (long long)s_median (plans->load, (size_t)runs), prefix,
            (long long)s_median (plans->compute, (size_t)runs), prefix,
            (long long)s_median (plans->persist, (size_t)runs));
}

//  Full plans of the tenant, recomputed and stored: with --admin, each run
//  first plans after the tenant's 'agents' counter moved (as any write of
//  agents, settings or orgs moves it: the scheduler reads them again),
//  then again with nothing changed (it plans from the agents it kept).
static int
s_plan (s_args_t *args)
{
    zsock_t *dealer = s_client (args->scheduler);
    zsock_t *auditor = args->audit ? s_client (args->audit) : NULL;
    PGconn *admin = args->admin ? s_connect (args->admin) : NULL;
    int runs = args->runs > 32 ? 32 : args->runs;
    static s_plans_t read, kept;
    for (int r = 0; r < runs; r++) {
        if (admin) {
            s_move_counter (admin, args->tenant, "agents");
            s_audit_quiet (auditor, args->tenant, 1200);
            s_plan_once (dealer, args->tenant, &read, r);
        }
        s_audit_quiet (auditor, args->tenant, 1200);
        s_plan_once (dealer, args->tenant, &kept, r);
    }
    zsock_destroy (&auditor);
    printf ("{\"measure\":\"plan\",\"runs\":%d,\"planned\":%u", runs, kept.planned);
    s_plans_print ("", &kept, runs);
    if (admin)
        s_plans_print ("read_", &read, runs);
    printf ("}\n");
    if (admin)
        PQfinish (admin);
    zsock_destroy (&dealer);
    return 0;
}

//  One full audit through the service: the round trip, the service's own
//  time (load, compute, write, commit) and its compute alone.
static void
s_audit_once (zsock_t *dealer, const char *tenant, int64_t *total_p, int64_t *service_p,
              int64_t *compute_p, unsigned *agents_p, unsigned *open_p)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__AuditRunRequest run = PATCHWARDEN__V1__AUDIT_RUN_REQUEST__INIT;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_AUDIT_RUN;
    request.audit_run = &run;
    int64_t started = s_now_us ();
    pw_reply_t *reply = s_call (dealer, &request, tenant);
    *total_p = s_now_us () - started;
    *compute_p = reply->audit_run->compute_us;
    *service_p = reply->audit_run->total_us;
    *agents_p = reply->audit_run->agents;
    *open_p = reply->audit_run->open;
    pw_reply_free (&reply);
}

//  Full audits as the timer runs them, the tenant's scan states and statuses
//  unchanged since the last; with --policy and --admin, audits right after
//  one review decision (a KB on most agents approved, then denied, through
//  the policy service: the audit reads again what it rewrote), and audits
//  after every fact changed (the tenant's facts version moved with no word
//  of what changed, as an import that rewrites every agent moves it), which
//  read every patch fact from the store.
static int
s_audit (s_args_t *args)
{
    zsock_t *dealer = s_client (args->audit);
    PGconn *admin = args->admin ? s_connect (args->admin) : NULL;
    zsock_t *policy_dealer = admin && args->policy ? s_client (args->policy) : NULL;
    char *policy = NULL, *kb = policy_dealer ? s_widest_kb (admin, args->tenant, &policy) : NULL;
    int runs = args->runs > 32 ? 32 : args->runs;
    int64_t total [32], compute [32], service [32];
    int64_t changed_total [32], changed_compute [32], changed_service [32];
    int64_t decided_total [32], decided_compute [32], decided_service [32];
    int64_t imported_total [32], imported_compute [32], imported_service [32];
    //  --scans A,B: two scan files of the same agents, imported in turn
    char *scan_files [2] = {NULL, NULL};
    if (policy_dealer && args->pwctl && args->scans) {
        scan_files [0] = pw_strdup (args->scans);
        char *comma = strchr (scan_files [0], ',');
        if (!comma)
            s_die ("--scans takes two files, A.csv,B.csv: %s", args->scans);
        *comma = '\0';
        scan_files [1] = comma + 1;
    }
    unsigned long affected = 0;
    unsigned agents = 0, open = 0;
    //  The measures before this one (decisions, plans) published events
    //  that start audits of their own: the runs below time an audit, not an
    //  audit queued behind another.
    s_audit_quiet (dealer, args->tenant, 1200);
    for (int r = 0; r < runs; r++) {
        if (admin) {
            s_move_counter (admin, args->tenant, "facts");
            s_audit_once (dealer, args->tenant, &changed_total [r], &changed_service [r],
                          &changed_compute [r], &agents, &open);
        }
        if (policy_dealer) {
            affected +=
                s_decide (policy_dealer, args->tenant, policy, kb, r % 2 == 0 ? "approve" : "deny");
            //  The decision's event reaches the audit first: this run
            //  clears the audit it would start
            zclock_sleep (50);
            s_audit_once (dealer, args->tenant, &decided_total [r], &decided_service [r],
                          &decided_compute [r], &agents, &open);
        }
        if (scan_files [0]) {
            char *command =
                pw_sprintf ("'%s' --tenant '%s' --policy-endpoint '%s' "
                            "--timeout-ms 600000 import scans '%s' >/dev/null",
                            args->pwctl, args->tenant, args->policy, scan_files [(r + 1) % 2]);
            if (system (command) != 0)
                s_die ("the scan import failed: %s", command);
            free (command);
            zclock_sleep (50);
            s_audit_once (dealer, args->tenant, &imported_total [r], &imported_service [r],
                          &imported_compute [r], &agents, &open);
        }
        if (admin) {
            //  Nothing changed since the last audit: the ones above may
            //  have opened or resolved findings (read again once), and an
            //  audit the decision's event started may still be due
            int64_t unused [3];
            zclock_sleep (700);
            s_audit_once (dealer, args->tenant, &unused [0], &unused [1], &unused [2], &agents,
                          &open);
        }
        s_audit_once (dealer, args->tenant, &total [r], &service [r], &compute [r], &agents, &open);
    }
    printf ("{\"measure\":\"audit\",\"runs\":%d,\"agents\":%u,\"open\":%u,\"total_us\":%lld,"
            "\"service_us\":%lld,\"compute_us\":%lld",
            runs, agents, open, (long long)s_median (total, (size_t)runs),
            (long long)s_median (service, (size_t)runs),
            (long long)s_median (compute, (size_t)runs));
    if (admin)
        printf (",\"changed_total_us\":%lld,\"changed_service_us\":%lld,"
                "\"changed_compute_us\":%lld",
                (long long)s_median (changed_total, (size_t)runs),
                (long long)s_median (changed_service, (size_t)runs),
                (long long)s_median (changed_compute, (size_t)runs));
    if (policy_dealer)
        printf (",\"decided_total_us\":%lld,\"decided_service_us\":%lld,"
                "\"decided_compute_us\":%lld,\"decided_agents\":%lu",
                (long long)s_median (decided_total, (size_t)runs),
                (long long)s_median (decided_service, (size_t)runs),
                (long long)s_median (decided_compute, (size_t)runs),
                affected / (unsigned long)runs);
    if (scan_files [0])
        printf (",\"imported_total_us\":%lld,\"imported_service_us\":%lld,"
                "\"imported_compute_us\":%lld",
                (long long)s_median (imported_total, (size_t)runs),
                (long long)s_median (imported_service, (size_t)runs),
                (long long)s_median (imported_compute, (size_t)runs));
    printf ("}\n");
    free (scan_files [0]);
    if (admin)
        PQfinish (admin);
    zsock_destroy (&policy_dealer);
    free (policy);
    free (kb);
    zsock_destroy (&dealer);
    return 0;
}

//  --- request/reply -----------------------------------------------------

static pw_request_t s_ping_request = PATCHWARDEN__V1__REQUEST__INIT;
static Patchwarden__V1__PingRequest s_ping = PATCHWARDEN__V1__PING_REQUEST__INIT;

//  The raw baseline: a ROUTER in its own process echoing every message,
//  as the service's ROUTER answers a DEALER (delimiter + body).
static void s_echo_server (zsock_t *router);
static pid_t s_echo_pid;
static char s_echo_endpoint [64];

//  Forks the echo process before this process starts ZeroMQ (a forked
//  child cannot use its parent's context); it tells its port on a pipe.
static void
s_echo_start (void)
{
    int fds [2];
    if (pipe (fds))
        s_die ("pipe%s", NULL);
    s_echo_pid = fork ();
    if (s_echo_pid == 0) {
        close (fds [0]);
        zsock_t *router = zsock_new (ZMQ_ROUTER);
        int port = router ? zsock_bind (router, "tcp://127.0.0.1:*") : -1;
        if (write (fds [1], &port, sizeof port) != sizeof port || port < 0)
            _exit (1);
        close (fds [1]);
        s_echo_server (router);
    }
    close (fds [1]);
    int port = -1;
    if (read (fds [0], &port, sizeof port) != sizeof port || port < 0)
        s_die ("the echo process did not start%s", NULL);
    close (fds [0]);
    snprintf (s_echo_endpoint, sizeof s_echo_endpoint, "tcp://127.0.0.1:%d", port);
}

static void
s_echo_server (zsock_t *router)
{
    while (true) {
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        zmsg_send (&msg, router);
    }
    zsock_destroy (&router);
    _exit (0);
}

static void
s_ping_series (zsock_t *dealer, bool raw, size_t size, int count, int64_t *times)
{
    uint8_t *body = pw_calloc (size + 1, 1);
    for (int i = 0; i < count; i++) {
        int64_t started = s_now_us ();
        if (raw) {
            zmsg_t *msg = zmsg_new ();
            zmsg_addmem (msg, "", 0);
            zmsg_addmem (msg, body, size);
            zmsg_send (&msg, dealer);
            msg = zmsg_recv (dealer);
            if (!msg)
                s_die ("raw echo: no reply%s", NULL);
            zmsg_destroy (&msg);
        } else {
            pw_reply_t *reply = s_call (dealer, &s_ping_request, NULL);
            pw_reply_free (&reply);
        }
        if (times)
            times [i] = s_now_us () - started;
    }
    free (body);
}

typedef struct {
    const char *endpoint;
    int count;
} s_client_t;

static void *
s_ping_thread (void *arg)
{
    s_client_t *client = arg;
    zsock_t *dealer = s_client (client->endpoint);
    for (int i = 0; i < client->count; i++) {
        char id [32];
        snprintf (id, sizeof id, "t%d", i);
        pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
        Patchwarden__V1__PingRequest ping = PATCHWARDEN__V1__PING_REQUEST__INIT;
        request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PING;
        request.ping = &ping;
        request.protocol = PW_PROTOCOL_VERSION;
        request.request_id = id;
        char *error = NULL;
        pw_reply_t *reply = pw_wire_call (dealer, &request, S_TIMEOUT_MS, &error);
        if (!reply)
            s_die ("ping: %s", error);
        pw_reply_free (&reply);
    }
    zsock_destroy (&dealer);
    return NULL;
}

static int
s_ping_bench (s_args_t *args)
{
    s_ping_request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PING;
    s_ping_request.ping = &s_ping;
    s_ping_request.protocol = PW_PROTOCOL_VERSION;
    s_ping_request.request_id = "bench-00000001";
    size_t size = patchwarden__v1__request__get_packed_size (&s_ping_request);
    zsock_t *raw = s_client (s_echo_endpoint);
    zsock_t *svc = s_client (args->policy);
    int count = args->count;
    int64_t *raw_times = pw_calloc ((size_t)count, sizeof (int64_t));
    int64_t *svc_times = pw_calloc ((size_t)count, sizeof (int64_t));
    //  Warm up both, then interleave blocks so noise hits both alike.
    s_ping_series (raw, true, size, 200, NULL);
    s_ping_series (svc, false, size, 200, NULL);
    for (int at = 0; at < count; at += 100) {
        int n = count - at < 100 ? count - at : 100;
        s_ping_series (raw, true, size, n, raw_times + at);
        s_ping_series (svc, false, size, n, svc_times + at);
    }
    qsort (raw_times, (size_t)count, sizeof (int64_t), s_cmp_i64);
    qsort (svc_times, (size_t)count, sizeof (int64_t), s_cmp_i64);
    //  Throughput: 4 clients at once, each with its own DEALER.
    pthread_t threads [4];
    s_client_t clients [4];
    int64_t started = s_now_us ();
    for (int t = 0; t < 4; t++) {
        clients [t] = (s_client_t){args->policy, count};
        pthread_create (&threads [t], NULL, s_ping_thread, &clients [t]);
    }
    for (int t = 0; t < 4; t++)
        pthread_join (threads [t], NULL);
    int64_t elapsed = s_now_us () - started;
    printf ("{\"measure\":\"ping\",\"count\":%d,\"bytes\":%zu,\"p50_us\":%lld,\"p99_us\":%lld,"
            "\"raw_p50_us\":%lld,\"raw_p99_us\":%lld,\"throughput_4\":%.0f}\n",
            count, size, (long long)s_pct (svc_times, (size_t)count, 50),
            (long long)s_pct (svc_times, (size_t)count, 99),
            (long long)s_pct (raw_times, (size_t)count, 50),
            (long long)s_pct (raw_times, (size_t)count, 99), 4.0 * count * 1e6 / (double)elapsed);
    kill (s_echo_pid, SIGTERM);
    waitpid (s_echo_pid, NULL, 0);
    free (raw_times);
    free (svc_times);
    zsock_destroy (&raw);
    zsock_destroy (&svc);
    return 0;
}

//  --- events ------------------------------------------------------------

#define S_EVENT_BATCH 500

//  Counts the whole messages SUB has ready, keeping none of them.
static long
s_drain (zsock_t *sub)
{
    void *handle = zsock_resolve (sub);
    char frame [256];
    long count = 0;
    while (zmq_recv (handle, frame, sizeof frame, ZMQ_DONTWAIT) >= 0) {
        int more = 0;
        size_t size = sizeof more;
        zmq_getsockopt (handle, ZMQ_RCVMORE, &more, &size);
        count += !more;
    }
    return count;
}

static int
s_events (s_args_t *args)
{
    PGconn *admin = s_connect (args->admin);
    PGresult *res =
        PQexecParams (admin, "INSERT INTO tenants (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING",
                      1, NULL, (const char *[]){args->tenant}, NULL, NULL, 0);
    PQclear (res);
    char *base = s_value (admin,
                          "SELECT coalesce(max(seq), 0) FROM events WHERE tenant_id = $1 "
                          "AND producer = 'scheduler'",
                          args->tenant);
    int64_t first = strtoll (base, NULL, 10);
    free (base);
    //  The producer writes as the services do: each transaction's events in
    //  one statement (pw_outbox_append), published after the commit
    //  (pw_outbox_publish). Only the shared statements are prepared.
    if (!args->db)
        s_die ("a database URL is missing%s", NULL);
    pw_log_init ("pw_bench", PW_LOG_WARN);
    pw_db_t *db = pw_db_new (args->db);
    pw_db_set_prefix (db, "bench_");
    if (!pw_db_ensure (db)) {
        char error [512];
        pw_db_error (db, error, sizeof error);
        s_die ("cannot connect: %s", error);
    }
    zsock_t *pub = zsock_new_pub (args->pub);
    zsock_t *sub = zsock_new_sub (args->audit_pub, "");
    if (!pub || !sub)
        s_die ("cannot bind or subscribe%s", NULL);
    zsock_set_sndhwm (pub, 0);
    zsock_set_rcvhwm (sub, 0);
    zclock_sleep (1000); //  the audit's SUB and ours connect
    int count = args->count;
    int64_t last = first;
    long republished = 0;
    pw_event_t events [S_EVENT_BATCH], *batch [S_EVENT_BATCH];
    char subjects [S_EVENT_BATCH][32];
    int64_t started = s_now_us ();
    for (int at = 0; at < count; at += S_EVENT_BATCH) {
        int n = count - at < S_EVENT_BATCH ? count - at : S_EVENT_BATCH;
        for (int i = 0; i < n; i++) {
            snprintf (subjects [i], sizeof subjects [i], "agent-%d", at + i);
            pw_event_t *event = &events [i];
            patchwarden__v1__event__init (event);
            event->tenant = (char *)args->tenant;
            event->producer = "scheduler";
            event->kind = "bench.event";
            event->subject = subjects [i];
            event->actor = "bench@msp";
            event->payload_json = "{\"n\":1}";
            batch [i] = event;
        }
        if (pw_db_begin (db, args->tenant) ||
            pw_outbox_append (db, "scheduler", batch, (size_t)n) || pw_db_commit (db))
            s_die ("append: %s", pw_db_last_error (db));
        pw_outbox_publish (pub, batch, (size_t)n);
        last = (int64_t)events [n - 1].seq;
        //  Count the audit's republications as they come.
        republished += s_drain (sub);
    }
    int64_t produced = s_now_us ();
    //  Done when the audit's cursor reaches the last seq.
    char last_text [32];
    snprintf (last_text, sizeof last_text, "%lld", (long long)last);
    int64_t deadline = s_now_us () + 120 * 1000000LL;
    while (true) {
        republished += s_drain (sub);
        char *cursor = s_value (admin,
                                "SELECT coalesce((SELECT last_seq FROM audit_cursor WHERE "
                                "tenant_id = $1 AND producer = 'scheduler'), 0)",
                                args->tenant);
        bool done = strtoll (cursor, NULL, 10) >= last;
        free (cursor);
        if (done)
            break;
        if (s_now_us () > deadline)
            s_die ("the audit did not reach the last seq within 120 s%s", NULL);
        zclock_sleep (2);
    }
    int64_t elapsed = s_now_us () - started;
    zclock_sleep (500); //  the last republications arrive
    republished += s_drain (sub);
    char first_text [32];
    snprintf (first_text, sizeof first_text, "%lld", (long long)first);
    //  Recorded: each event's trail record. The tenant has this one stream,
    //  so its trail seqs are the events' seqs.
    res = PQexecParams (admin,
                        "SELECT count(*) FROM trail WHERE tenant_id = $1 AND seq > $2 "
                        "AND seq <= $3",
                        3, NULL, (const char *[]){args->tenant, first_text, last_text}, NULL, NULL,
                        0);
    long recorded = PQresultStatus (res) == PGRES_TUPLES_OK ? atol (PQgetvalue (res, 0, 0)) : -1;
    PQclear (res);
    printf ("{\"measure\":\"events\",\"count\":%d,\"recorded\":%ld,\"republished\":%ld,"
            "\"lost\":%ld,\"produce_us\":%lld,\"total_us\":%lld,\"per_s\":%.0f}\n",
            count, recorded, republished, (long)count - recorded, (long long)(produced - started),
            (long long)elapsed, (double)count * 1e6 / (double)elapsed);
    zsock_destroy (&pub);
    zsock_destroy (&sub);
    pw_db_destroy (&db);
    PQfinish (admin);
    return 0;
}

//  --- main --------------------------------------------------------------

static const char *
s_opt (int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp (argv [i], name) == 0)
            return argv [i + 1];
    return NULL;
}

static int
s_int (int argc, char **argv, const char *name, int fallback)
{
    const char *text = s_opt (argc, argv, name);
    int value = text ? atoi (text) : fallback;
    return value > 0 ? value : fallback;
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: pw_bench MEASURE [--option value ...] (see bench/pw_bench.c)\n");
        return 2;
    }
    if (strcmp (argv [1], "ping") == 0)
        s_echo_start ();
    zsys_init ();
    zsys_set_linger (0);
    s_args_t args = {.admin = s_opt (argc, argv, "--admin"),
                     .db = s_opt (argc, argv, "--db"),
                     .tenant = s_opt (argc, argv, "--tenant"),
                     .policy = s_opt (argc, argv, "--policy"),
                     .policy_pub = s_opt (argc, argv, "--policy-pub"),
                     .scheduler = s_opt (argc, argv, "--scheduler"),
                     .audit = s_opt (argc, argv, "--audit"),
                     .pub = s_opt (argc, argv, "--pub"),
                     .audit_pub = s_opt (argc, argv, "--audit-pub"),
                     .sql = s_opt (argc, argv, "--sql"),
                     .mode = s_opt (argc, argv, "--mode"),
                     .pwctl = s_opt (argc, argv, "--pwctl"),
                     .scans = s_opt (argc, argv, "--scans"),
                     .runs = s_int (argc, argv, "--runs", 3),
                     .changes = s_int (argc, argv, "--changes", 200),
                     .count = s_int (argc, argv, "--count", 2000)};
    const char *measure = argv [1];
    if (strcmp (measure, "ping") != 0 && !args.tenant)
        s_die ("--tenant is missing%s", NULL);
    if (strcmp (measure, "resolve") == 0)
        return s_resolve (&args);
    if (strcmp (measure, "floor") == 0)
        return s_floor (&args);
    if (strcmp (measure, "plainsql") == 0)
        return s_plainsql (&args);
    if (strcmp (measure, "compare") == 0)
        return s_compare (&args);
    if (strcmp (measure, "incremental") == 0)
        return s_incremental (&args);
    if (strcmp (measure, "plan") == 0)
        return s_plan (&args);
    if (strcmp (measure, "audit") == 0)
        return s_audit (&args);
    if (strcmp (measure, "ping") == 0)
        return s_ping_bench (&args);
    if (strcmp (measure, "events") == 0)
        return s_events (&args);
    fprintf (stderr, "pw_bench: unknown measure %s\n", measure);
    return 2;
}
