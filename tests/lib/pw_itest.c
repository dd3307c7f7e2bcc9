/*  pw_itest - integration-test support over real processes and sockets. */
#include "pw_itest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_migrate.h"
#include "pw_util.h"

bool
pw_itest_available (void)
{
    if (getenv ("PW_TEST_ADMIN_URL") && getenv ("PW_TEST_BIN"))
        return true;
    printf ("[integ] skipped: PW_TEST_ADMIN_URL / PW_TEST_BIN not set (run through tests/run)\n");
    return false;
}

char *
pw_itest_admin_url (const char *name)
{
    //  PW_TEST_ADMIN_URL ends in "/postgres": swap the database name.
    const char *base = getenv ("PW_TEST_ADMIN_URL");
    const char *slash = strrchr (base, '/');
    return pw_sprintf ("%.*s/%s", (int)(slash - base), base, name);
}

PGconn *
pw_itest_connect (const char *url)
{
    PGconn *conn = PQconnectdb (url);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "    connect %s: %s", url, PQerrorMessage (conn));
        PQfinish (conn);
        return NULL;
    }
    PQsetNoticeProcessor (conn, NULL, NULL);
    return conn;
}

char *
pw_itest_db_create (const char *name)
{
    PGconn *admin = pw_itest_connect (getenv ("PW_TEST_ADMIN_URL"));
    if (!admin)
        return NULL;
    char sql [256];
    snprintf (sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    PQclear (PQexec (admin, sql));
    snprintf (sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    PGresult *res = PQexec (admin, sql);
    bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf (stderr, "    %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    PQfinish (admin);
    if (!ok)
        return NULL;
    char *url = pw_itest_admin_url (name);
    PGconn *conn = pw_itest_connect (url);
    free (url);
    if (!conn)
        return NULL;
    pw_strbuf_t log;
    pw_strbuf_init (&log);
    char *error = NULL;
    int applied = pw_migrate_run (conn, &log, &error);
    if (applied < 0)
        fprintf (stderr, "    migrate: %s\n", error);
    free (error);
    pw_strbuf_free (&log);
    PQfinish (conn);
    if (applied < 0)
        return NULL;
    //  The services' URL: same host and port, role pw_service.
    const char *base = getenv ("PW_TEST_ADMIN_URL");
    const char *at = strchr (base, '@');
    const char *slash = strrchr (base, '/');
    return pw_sprintf ("postgresql://pw_service@%.*s/%s", (int)(slash - at - 1), at + 1, name);
}

static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind (fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname (fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs (addr.sin_port);
    close (fd);
    return port;
}

pw_reply_t *
pw_itest_call (const char *endpoint, pw_request_t *request, int timeout_ms)
{
    zsock_t *dealer = pw_wire_client (endpoint);
    char *error = NULL;
    if (!request->request_id || !*request->request_id)
        request->request_id = "itest";
    request->protocol = PW_PROTOCOL_VERSION;
    pw_reply_t *reply = pw_wire_call (dealer, request, timeout_ms, &error);
    free (error);
    zsock_destroy (&dealer);
    return reply;
}

pw_reply_t *
pw_itest_call_raw (const char *endpoint, int nframes, const void *const *frames,
                   const size_t *sizes, int timeout_ms)
{
    zsock_t *dealer = pw_wire_client (endpoint);
    zframe_t *empty = zframe_new_empty ();
    zframe_send (&empty, dealer, nframes ? ZFRAME_MORE : 0);
    for (int i = 0; i < nframes; i++) {
        zframe_t *frame = zframe_new (frames [i], sizes [i]);
        zframe_send (&frame, dealer, i + 1 < nframes ? ZFRAME_MORE : 0);
    }
    pw_reply_t *reply = NULL;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    if (zpoller_wait (poller, timeout_ms)) {
        zmsg_t *msg = zmsg_recv (dealer);
        zframe_t *frame = zmsg_first (msg);
        if (frame && zframe_size (frame) == 0)
            frame = zmsg_next (msg);
        if (frame)
            reply = patchwarden__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
    return reply;
}

pw_reply_t *
pw_itest_ping (const char *endpoint, int timeout_ms)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PingRequest ping = PATCHWARDEN__V1__PING_REQUEST__INIT;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PING;
    request.ping = &ping;
    request.request_id = "itest-ping";
    return pw_itest_call (endpoint, &request, timeout_ms);
}

int
pw_itest_service_start (pw_itest_service_t *svc, const char *name, const char *db_url,
                        const char *const *extra)
{
    memset (svc, 0, sizeof *svc);
    snprintf (svc->name, sizeof svc->name, "%s", name);
    snprintf (svc->router, sizeof svc->router, "tcp://127.0.0.1:%d", s_free_port ());
    snprintf (svc->pub, sizeof svc->pub, "tcp://127.0.0.1:%d", s_free_port ());
    svc->http_port = s_free_port ();
    char *binary = pw_sprintf ("%s/pw-%s", getenv ("PW_TEST_BIN"), name);
    char http [32], router [80], pub [80], db [512];
    snprintf (router, sizeof router, "--router=%s", svc->router);
    snprintf (pub, sizeof pub, "--pub=%s", svc->pub);
    snprintf (http, sizeof http, "--http-port=%d", svc->http_port);
    snprintf (db, sizeof db, "--db-url=%s", db_url);
    const char *argv [32] = {
        binary, router, pub, http, db, "--http-address=127.0.0.1", "--health-interval-ms=200"};
    int argc = 7;
    for (int i = 0; extra && extra [i] && argc < 31; i++)
        argv [argc++] = extra [i];
    argv [argc] = NULL;
    //  Service logs go to a file per service, so test output stays readable.
    char *log_path = pw_sprintf ("%s/../itest-%s.log", getenv ("PW_TEST_BIN"), name);
    svc->pid = fork ();
    if (svc->pid == 0) {
        int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2 (fd, 2);
            close (fd);
        }
        execv (binary, (char **)argv);
        _exit (127);
    }
    free (log_path);
    free (binary);
    for (int attempt = 0; attempt < 100; attempt++) {
        pw_reply_t *reply = pw_itest_ping (svc->router, 100);
        if (reply) {
            pw_reply_free (&reply);
            return 0;
        }
        if (!pw_itest_service_alive (svc)) {
            fprintf (stderr, "    %s exited during start\n", name);
            return -1;
        }
    }
    fprintf (stderr, "    %s did not answer a ping within 10 s\n", name);
    return -1;
}

bool
pw_itest_service_alive (pw_itest_service_t *svc)
{
    if (svc->pid <= 0)
        return false;
    int status;
    return waitpid (svc->pid, &status, WNOHANG) == 0;
}

int
pw_itest_service_stop (pw_itest_service_t *svc)
{
    if (svc->pid <= 0)
        return -1;
    kill (svc->pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; i++) {
        pid_t done = waitpid (svc->pid, &status, WNOHANG);
        if (done == svc->pid) {
            svc->pid = 0;
            return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
        usleep (50 * 1000);
    }
    kill (svc->pid, SIGKILL);
    waitpid (svc->pid, &status, 0);
    svc->pid = 0;
    return -1;
}

long
pw_itest_scalar (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    long value = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1)
        value = PQgetisnull (res, 0, 0) ? 0 : atol (PQgetvalue (res, 0, 0));
    else
        fprintf (stderr, "    %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    return value;
}

long
pw_itest_wait_for (PGconn *conn, const char *sql, long expected, int timeout_ms)
{
    long value = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        value = pw_itest_scalar (conn, sql);
        if (value == expected)
            break;
        usleep (50 * 1000);
    }
    return value;
}

int
pw_itest_pg (const char *command)
{
    const char *dir = getenv ("PW_TEST_PG_DIR");
    if (!dir)
        return -1;
    char *cmd = pw_sprintf ("deploy/pg %s '%s' >/dev/null", command, dir);
    int rc = system (cmd);
    free (cmd);
    return rc == 0 ? 0 : -1;
}

int
pw_itest_http_get (int port, const char *path, char **body_p)
{
    *body_p = NULL;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t)port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (connect (fd, (struct sockaddr *)&addr, sizeof addr)) {
        close (fd);
        return -1;
    }
    char request [256];
    int len = snprintf (request, sizeof request,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (write (fd, request, (size_t)len) != len) {
        close (fd);
        return -1;
    }
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    char chunk [4096];
    ssize_t n;
    while ((n = read (fd, chunk, sizeof chunk)) > 0)
        pw_strbuf_append_len (&buf, chunk, (size_t)n);
    close (fd);
    int code = -1;
    if (sscanf (buf.data, "HTTP/1.%*d %d", &code) != 1)
        code = -1;
    const char *body = strstr (buf.data, "\r\n\r\n");
    *body_p = pw_strdup (body ? body + 4 : "");
    pw_strbuf_free (&buf);
    return code;
}

long
pw_itest_metric (int port, const char *name)
{
    char *body = NULL;
    long value = -1;
    if (pw_itest_http_get (port, "/metrics", &body) == 200 && body) {
        char *line = pw_sprintf ("\n%s ", name);
        const char *at = strstr (body, line);
        if (at)
            value = strtol (at + strlen (line), NULL, 10);
        free (line);
    }
    free (body);
    return value;
}

static char *
s_slurp (int fd)
{
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    char chunk [4096];
    ssize_t n;
    while ((n = read (fd, chunk, sizeof chunk)) > 0)
        pw_strbuf_append_len (&buf, chunk, (size_t)n);
    return pw_strbuf_take (&buf);
}

int
pw_itest_pwctl (const char *const *args, char **out_p, char **err_p)
{
    char out_path [] = "/tmp/pwctl-out-XXXXXX";
    char err_path [] = "/tmp/pwctl-err-XXXXXX";
    int out_fd = mkstemp (out_path);
    int err_fd = mkstemp (err_path);
    char *binary = pw_sprintf ("%s/pwctl", getenv ("PW_TEST_BIN"));
    const char *argv [64] = {binary};
    int argc = 1;
    for (int i = 0; args [i] && argc < 63; i++)
        argv [argc++] = args [i];
    argv [argc] = NULL;
    pid_t pid = fork ();
    if (pid == 0) {
        dup2 (out_fd, 1);
        dup2 (err_fd, 2);
        execv (binary, (char **)argv);
        _exit (127);
    }
    int status = 0;
    waitpid (pid, &status, 0);
    free (binary);
    lseek (out_fd, 0, SEEK_SET);
    lseek (err_fd, 0, SEEK_SET);
    char *out = s_slurp (out_fd);
    char *err = s_slurp (err_fd);
    close (out_fd);
    close (err_fd);
    unlink (out_path);
    unlink (err_path);
    if (out_p)
        *out_p = out;
    else
        free (out);
    if (err_p)
        *err_p = err;
    else
        free (err);
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}
