/*  pw_itest - what integration tests stand on: a fresh database per test
    binary, real service processes on 127.0.0.1 with free ports, real
    ZeroMQ clients, and control of the test PostgreSQL (stop/start).

    tests/run exports PW_TEST_ADMIN_URL (a superuser URL of the test cluster),
    PW_TEST_PG_DIR (the cluster's folder, for deploy/pg) and PW_TEST_BIN
    (where the binaries are). A binary run without them skips, saying why.
*/
#ifndef PW_ITEST_H_INCLUDED
#define PW_ITEST_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <sys/types.h>

#include "pw_wire.h"

//  True when the environment of tests/run is there; prints why not.
bool pw_itest_available (void);

//  Creates (dropping first) database NAME, migrates it, and returns the URL
//  the services use (role pw_service over TCP). Caller frees. NULL on error.
char *pw_itest_db_create (const char *name);
//  Superuser URL of database NAME. Caller frees.
char *pw_itest_admin_url (const char *name);
//  Connects with URL; NULL after printing why.
PGconn *pw_itest_connect (const char *url);

typedef struct {
    char name [32]; //  "policy"
    pid_t pid;
    char router [64]; //  tcp://127.0.0.1:PORT
    char pub [64];
    int http_port;
} pw_itest_service_t;

//  Starts build/bin/pw-NAME against DB_URL with free ports and EXTRA
//  arguments (NULL-terminated list, may be NULL); waits until it answers a
//  ping. Returns 0 or -1.
int pw_itest_service_start (pw_itest_service_t *svc, const char *name, const char *db_url,
                            const char *const *extra);
//  SIGTERM, wait; returns the exit status (0 = clean), -1 if it had to be killed.
int pw_itest_service_stop (pw_itest_service_t *svc);
//  True while the process is alive.
bool pw_itest_service_alive (pw_itest_service_t *svc);

//  One request/reply with a fresh DEALER. Caller frees the reply.
pw_reply_t *pw_itest_call (const char *endpoint, pw_request_t *request, int timeout_ms);
//  Sends raw frames (FRAMES of SIZES) on a DEALER and returns the reply.
pw_reply_t *pw_itest_call_raw (const char *endpoint, int nframes, const void *const *frames,
                               const size_t *sizes, int timeout_ms);
//  Ping; returns the reply or NULL.
pw_reply_t *pw_itest_ping (const char *endpoint, int timeout_ms);

//  The single value of SQL on CONN as a number (NULL counts as 0), or -1
//  after printing the error.
long pw_itest_scalar (PGconn *conn, const char *sql);
//  Polls pw_itest_scalar until it gives EXPECTED or TIMEOUT_MS pass;
//  returns the last value.
long pw_itest_wait_for (PGconn *conn, const char *sql, long expected, int timeout_ms);

//  deploy/pg COMMAND on the test cluster ("stop", "start"). 0 or -1.
int pw_itest_pg (const char *command);

//  HTTP GET on 127.0.0.1:PORT PATH; returns the status code and fills BODY
//  (caller frees) or -1.
int pw_itest_http_get (int port, const char *path, char **body_p);

//  The value of metric NAME (a line "NAME VALUE") on the /metrics page of
//  the service on 127.0.0.1:PORT; -1 when it is not there.
long pw_itest_metric (int port, const char *name);

//  Runs pwctl with ARGS (NULL-terminated); captures stdout/stderr (caller
//  frees) and returns the exit code.
int pw_itest_pwctl (const char *const *args, char **out_p, char **err_p);

#endif
