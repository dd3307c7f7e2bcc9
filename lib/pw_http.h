/*  pw_http - the small HTTP endpoint of every service (libevent).

    Serves /healthz, /metrics and whatever a service routes (the audit
    dashboard) from its own thread, so a slow scrape never delays a request
    on the ZeroMQ side. Handlers run on the HTTP thread: they may only read
    thread-safe state (metrics, the db up flag, snapshots the service
    publishes under a lock).
*/
#ifndef PW_HTTP_H_INCLUDED
#define PW_HTTP_H_INCLUDED

#include "pw_util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_http_t pw_http_t;

//  Fills BODY and *CONTENT_TYPE_P for PATH (query string included) and
//  returns the HTTP status code.
typedef int (pw_http_handler_fn) (void *arg, const char *uri, pw_strbuf_t *body,
                                  const char **content_type_p);

//  Binds ADDRESS:PORT (PORT 0 picks a free port). NULL with *ERROR_P when the
//  address cannot be bound.
pw_http_t *pw_http_new (const char *address, int port, char **error_p);
void pw_http_destroy (pw_http_t **self_p);

//  Routes an exact path ("/healthz") to HANDLER. Call before pw_http_start.
void pw_http_route (pw_http_t *self, const char *path, pw_http_handler_fn *handler, void *arg);

//  Starts serving on a thread of its own. 0 or -1.
int pw_http_start (pw_http_t *self);

//  The bound port.
int pw_http_port (pw_http_t *self);

#ifdef __cplusplus
}
#endif

#endif
