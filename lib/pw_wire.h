/*  pw_wire - requests, replies and events on ZeroMQ sockets.

    The service side reads a request from its ROUTER one frame at a time, so a
    frame over the size limit or a message with too many frames is refused
    before anything is unpacked, and answered with an error reply whenever
    the peer can be answered. The client side (pwctl, tests, services calling
    each other) uses a DEALER with a timeout, so a dead service costs a clear
    error, never a hang. Events go out on PUB as [topic][Event].
*/
#ifndef PW_WIRE_H_INCLUDED
#define PW_WIRE_H_INCLUDED

#include <czmq.h>

#include "common.pb-c.h"
#include "policy.pb-c.h"
#include "scheduler.pb-c.h"
#include "audit.pb-c.h"
#include "envelope.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef Patchwarden__V1__Request pw_request_t;
typedef Patchwarden__V1__Reply pw_reply_t;
typedef Patchwarden__V1__Event pw_event_t;
typedef Patchwarden__V1__Status pw_wire_status_t;

#define PW_PROTOCOL_VERSION 1
#define PW_WIRE_MAX_FRAMES  4 //  identity, delimiter, body, one spare

//  Outcome of reading one request from a ROUTER.
typedef enum {
    PW_WIRE_OK = 0,      //  request unpacked
    PW_WIRE_INTERRUPTED, //  signal or context shut down: stop
    PW_WIRE_MALFORMED    //  refused: reply with status/message if identity set
} pw_wire_result_t;

typedef struct {
    zframe_t *identity;      //  routing id of the peer (owned)
    bool delimiter;          //  peer sent the empty REQ-style delimiter
    pw_request_t *request;   //  owned; free with pw_wire_in_reset
    pw_wire_status_t status; //  when MALFORMED: why
    char message [256];
    size_t bytes; //  size of the body frame
} pw_wire_in_t;

//  Reads one request. MAX_BYTES caps the body frame.
pw_wire_result_t pw_wire_recv_request (zsock_t *router, size_t max_bytes, pw_wire_in_t *in);

//  Sends REPLY to the peer IN came from. Returns 0 or -1.
int pw_wire_send_reply (zsock_t *router, pw_wire_in_t *in, const pw_reply_t *reply);

//  Frees what IN holds and clears it for the next request.
void pw_wire_in_reset (pw_wire_in_t *in);

//  Human name of a status ("OK", "BAD_REQUEST", ...).
const char *pw_wire_status_name (pw_wire_status_t status);

//  Client side: sends REQUEST on a DEALER (delimiter + body) and waits up to
//  TIMEOUT_MS for the reply with the same request_id (stale replies from
//  earlier timed-out calls are dropped). Returns the reply (caller frees with
//  pw_reply_free) or NULL with *ERROR_P (caller frees).
pw_reply_t *pw_wire_call (zsock_t *dealer, const pw_request_t *request, int timeout_ms,
                          char **error_p);
void pw_reply_free (pw_reply_t **reply_p);

//  Creates a DEALER connected to ENDPOINT with linger 0.
zsock_t *pw_wire_client (const char *endpoint);

//  Publishes EVENT on PUB with topic "TENANT/PRODUCER/KIND". 0 or -1.
int pw_wire_publish (zsock_t *pub, const pw_event_t *event);

//  Receives one event from a SUB: returns the event (caller frees with
//  pw_event_free) or NULL (interrupted or malformed; *MALFORMED_P says which).
pw_event_t *pw_wire_recv_event (zsock_t *sub, size_t max_bytes, bool *malformed_p);
void pw_event_free (pw_event_t **event_p);

#ifdef __cplusplus
}
#endif

#endif
