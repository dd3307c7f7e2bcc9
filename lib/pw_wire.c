/*  pw_wire - envelope framing over CZMQ sockets.

    Frames are read with zframe_recv and checked for size and count before
    protobuf-c sees a byte. Every refusal leaves the socket at a message
    boundary, so the next request is read cleanly.
*/
#include "pw_wire.h"

#include <stdio.h>
#include <string.h>

#include "pw_util.h"

const char *
pw_wire_status_name (pw_wire_status_t status)
{
    const ProtobufCEnumValue *value =
        protobuf_c_enum_descriptor_get_value (&patchwarden__v1__status__descriptor, (int)status);
    //  "STATUS_BAD_REQUEST" -> "BAD_REQUEST"
    return value ? value->name + 7 : "UNKNOWN";
}

void
pw_wire_in_reset (pw_wire_in_t *in)
{
    zframe_destroy (&in->identity);
    if (in->request)
        patchwarden__v1__request__free_unpacked (in->request, NULL);
    memset (in, 0, sizeof *in);
}

static void
s_drain (zsock_t *sock)
{
    while (zsock_rcvmore (sock)) {
        zframe_t *frame = zframe_recv (sock);
        if (!frame)
            break;
        zframe_destroy (&frame);
    }
}

static pw_wire_result_t
s_refuse (pw_wire_in_t *in, pw_wire_status_t status, const char *message)
{
    in->status = status;
    snprintf (in->message, sizeof in->message, "%s", message);
    return PW_WIRE_MALFORMED;
}

pw_wire_result_t
pw_wire_recv_request (zsock_t *router, size_t max_bytes, pw_wire_in_t *in)
{
    pw_wire_in_reset (in);
    in->identity = zframe_recv (router);
    if (!in->identity)
        return PW_WIRE_INTERRUPTED;
    if (!zsock_rcvmore (router))
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST,
                         "empty message: expected a request frame");
    zframe_t *body = zframe_recv (router);
    if (!body)
        return PW_WIRE_INTERRUPTED;
    if (zframe_size (body) == 0 && zsock_rcvmore (router)) {
        //  REQ and DEALER-with-delimiter peers put an empty frame first.
        in->delimiter = true;
        zframe_destroy (&body);
        body = zframe_recv (router);
        if (!body)
            return PW_WIRE_INTERRUPTED;
    }
    if (zsock_rcvmore (router)) {
        zframe_destroy (&body);
        s_drain (router);
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST,
                         "too many frames: a request is one protobuf frame");
    }
    in->bytes = zframe_size (body);
    if (in->bytes == 0) {
        zframe_destroy (&body);
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST, "empty request frame");
    }
    if (in->bytes > max_bytes) {
        char message [128];
        snprintf (message, sizeof message, "request of %zu bytes is over the limit of %zu",
                  in->bytes, max_bytes);
        zframe_destroy (&body);
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_TOO_LARGE, message);
    }
    in->request = patchwarden__v1__request__unpack (NULL, zframe_size (body), zframe_data (body));
    zframe_destroy (&body);
    if (!in->request)
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST,
                         "request does not parse as patchwarden.v1.Request");
    if (in->request->protocol > PW_PROTOCOL_VERSION)
        return s_refuse (in, PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST,
                         "protocol version not supported (this service speaks 1)");
    return PW_WIRE_OK;
}

int
pw_wire_send_reply (zsock_t *router, pw_wire_in_t *in, const pw_reply_t *reply)
{
    if (!in->identity)
        return -1;
    size_t size = patchwarden__v1__reply__get_packed_size (reply);
    zframe_t *body = zframe_new (NULL, size);
    patchwarden__v1__reply__pack (reply, zframe_data (body));
    zframe_t *identity = zframe_dup (in->identity);
    int rc = zframe_send (&identity, router, ZFRAME_MORE);
    if (rc == 0 && in->delimiter) {
        zframe_t *empty = zframe_new_empty ();
        rc = zframe_send (&empty, router, ZFRAME_MORE);
    }
    if (rc == 0)
        rc = zframe_send (&body, router, 0);
    zframe_destroy (&identity);
    zframe_destroy (&body);
    return rc;
}

zsock_t *
pw_wire_client (const char *endpoint)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    if (!dealer)
        return NULL;
    zsock_set_linger (dealer, 0);
    if (zsock_connect (dealer, "%s", endpoint)) {
        zsock_destroy (&dealer);
        return NULL;
    }
    return dealer;
}

void
pw_reply_free (pw_reply_t **reply_p)
{
    if (reply_p && *reply_p) {
        patchwarden__v1__reply__free_unpacked (*reply_p, NULL);
        *reply_p = NULL;
    }
}

pw_reply_t *
pw_wire_call (zsock_t *dealer, const pw_request_t *request, int timeout_ms, char **error_p)
{
    *error_p = NULL;
    size_t size = patchwarden__v1__request__get_packed_size (request);
    zframe_t *body = zframe_new (NULL, size);
    patchwarden__v1__request__pack (request, zframe_data (body));
    zframe_t *empty = zframe_new_empty ();
    if (zframe_send (&empty, dealer, ZFRAME_MORE) || zframe_send (&body, dealer, 0)) {
        zframe_destroy (&empty);
        zframe_destroy (&body);
        *error_p = pw_strdup ("cannot send request");
        return NULL;
    }
    int64_t deadline = zclock_mono () + timeout_ms;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    pw_reply_t *reply = NULL;
    while (!reply) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0) {
            *error_p = pw_sprintf ("no reply within %d ms", timeout_ms);
            break;
        }
        if (!zpoller_wait (poller, (int)left)) {
            if (zpoller_terminated (poller)) {
                *error_p = pw_strdup ("interrupted");
                break;
            }
            continue;
        }
        zmsg_t *msg = zmsg_recv (dealer);
        if (!msg) {
            *error_p = pw_strdup ("interrupted");
            break;
        }
        zframe_t *frame = zmsg_first (msg);
        if (frame && zframe_size (frame) == 0)
            frame = zmsg_next (msg);
        if (frame) {
            reply = patchwarden__v1__reply__unpack (NULL, zframe_size (frame), zframe_data (frame));
            //  A late reply to an earlier call is dropped. A refusal of a
            //  frame that never parsed cannot echo our id: it is ours.
            if (reply && request->request_id && *request->request_id &&
                strcmp (reply->request_id, request->request_id) != 0 &&
                !(*reply->request_id == '\0' &&
                  reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK))
                pw_reply_free (&reply);
        }
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    return reply;
}

int
pw_wire_publish (zsock_t *pub, const pw_event_t *event)
{
    char *topic = pw_sprintf ("%s/%s/%s", event->tenant, event->producer, event->kind);
    size_t size = patchwarden__v1__event__get_packed_size (event);
    zframe_t *body = zframe_new (NULL, size);
    patchwarden__v1__event__pack (event, zframe_data (body));
    zframe_t *head = zframe_new (topic, strlen (topic));
    free (topic);
    int rc = zframe_send (&head, pub, ZFRAME_MORE);
    if (rc == 0)
        rc = zframe_send (&body, pub, 0);
    zframe_destroy (&head);
    zframe_destroy (&body);
    return rc;
}

pw_event_t *
pw_wire_recv_event (zsock_t *sub, size_t max_bytes, bool *malformed_p)
{
    *malformed_p = false;
    zframe_t *topic = zframe_recv (sub);
    if (!topic)
        return NULL;
    zframe_destroy (&topic);
    if (!zsock_rcvmore (sub)) {
        *malformed_p = true;
        return NULL;
    }
    zframe_t *body = zframe_recv (sub);
    if (!body)
        return NULL;
    pw_event_t *event = NULL;
    if (zsock_rcvmore (sub) || zframe_size (body) > max_bytes)
        s_drain (sub);
    else
        event = patchwarden__v1__event__unpack (NULL, zframe_size (body), zframe_data (body));
    zframe_destroy (&body);
    if (!event)
        *malformed_p = true;
    return event;
}

void
pw_event_free (pw_event_t **event_p)
{
    if (event_p && *event_p) {
        patchwarden__v1__event__free_unpacked (*event_p, NULL);
        *event_p = NULL;
    }
}
