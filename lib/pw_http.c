/*  pw_http - evhttp on a private event base and thread.

    Stopping uses event_base_loopbreak from the owner thread, which is safe
    because evthread_use_pthreads() is called before the base is made.
*/
#include "pw_http.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_log.h"
#include "pw_metrics.h"

#define S_MAX_ROUTES 16

typedef struct {
    char *path;
    pw_http_handler_fn *handler;
    void *arg;
} s_route_t;

struct _pw_http_t {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    pthread_t thread;
    bool running;
    int port;
    s_route_t routes [S_MAX_ROUTES];
    int route_count;
    pw_metric_t *m_requests;
};

static void
s_dispatch (struct evhttp_request *req, void *arg)
{
    pw_http_t *self = arg;
    pw_metric_add (self->m_requests, 1);
    const char *uri = evhttp_request_get_uri (req);
    const struct evhttp_uri *parsed = evhttp_request_get_evhttp_uri (req);
    const char *path = parsed ? evhttp_uri_get_path (parsed) : NULL;
    if (!path)
        path = "/";
    for (int i = 0; i < self->route_count; i++) {
        if (strcmp (self->routes [i].path, path) != 0)
            continue;
        pw_strbuf_t body;
        pw_strbuf_init (&body);
        const char *type = "text/plain; charset=utf-8";
        int code = self->routes [i].handler (self->routes [i].arg, uri, &body, &type);
        struct evbuffer *out = evbuffer_new ();
        evbuffer_add (out, body.data, body.len);
        evhttp_add_header (evhttp_request_get_output_headers (req), "Content-Type", type);
        evhttp_send_reply (req, code,
                           code == 200   ? "OK"
                           : code == 503 ? "Service Unavailable"
                                         : "Error",
                           out);
        evbuffer_free (out);
        pw_strbuf_free (&body);
        return;
    }
    evhttp_send_error (req, 404, "Not Found");
}

pw_http_t *
pw_http_new (const char *address, int port, char **error_p)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once (&once, (void (*) (void))evthread_use_pthreads);
    pw_http_t *self = pw_calloc (1, sizeof *self);
    self->base = event_base_new ();
    self->http = self->base ? evhttp_new (self->base) : NULL;
    if (self->http)
        self->bound = evhttp_bind_socket_with_handle (self->http, address, (ev_uint16_t)port);
    if (!self->bound) {
        *error_p = pw_sprintf ("cannot bind HTTP on %s:%d", address, port);
        pw_http_destroy (&self);
        return NULL;
    }
    evutil_socket_t fd = evhttp_bound_socket_get_fd (self->bound);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname (fd, (struct sockaddr *)&ss, &len) == 0)
        self->port = ntohs (ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    evhttp_set_gencb (self->http, s_dispatch, self);
    evhttp_set_allowed_methods (self->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    self->m_requests = pw_metrics_counter ("pw_http_requests_total",
                                           "HTTP requests served (health, metrics)", NULL);
    return self;
}

void
pw_http_route (pw_http_t *self, const char *path, pw_http_handler_fn *handler, void *arg)
{
    if (self->route_count == S_MAX_ROUTES)
        abort (); //  a programming error: raise S_MAX_ROUTES
    s_route_t *route = &self->routes [self->route_count++];
    route->path = pw_strdup (path);
    route->handler = handler;
    route->arg = arg;
}

static void *
s_run (void *arg)
{
    pw_http_t *self = arg;
    event_base_dispatch (self->base);
    return NULL;
}

int
pw_http_start (pw_http_t *self)
{
    if (pthread_create (&self->thread, NULL, s_run, self))
        return -1;
    self->running = true;
    return 0;
}

int
pw_http_port (pw_http_t *self)
{
    return self->port;
}

void
pw_http_destroy (pw_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_http_t *self = *self_p;
    if (self->running) {
        event_base_loopbreak (self->base);
        pthread_join (self->thread, NULL);
    }
    if (self->http)
        evhttp_free (self->http);
    if (self->base)
        event_base_free (self->base);
    for (int i = 0; i < self->route_count; i++)
        free (self->routes [i].path);
    free (self);
    *self_p = NULL;
}
