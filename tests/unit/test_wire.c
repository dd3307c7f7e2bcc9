/*  test_wire - envelope framing over real ZeroMQ sockets (inproc): round
    trips, and every malformed shape refused before unpacking.
*/
#include "pw_wire.h"
#include "../pw_test.h"

static zsock_t *s_router;
static zsock_t *s_dealer;

static void
s_send_frames (int n, const void *const *data, const size_t *sizes)
{
    for (int i = 0; i < n; i++) {
        zframe_t *f = zframe_new (data [i], sizes [i]);
        zframe_send (&f, s_dealer, i + 1 < n ? ZFRAME_MORE : 0);
    }
}

static void
s_test_round_trip (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PingRequest ping = PATCHWARDEN__V1__PING_REQUEST__INIT;
    request.protocol = 1;
    request.tenant = "acme";
    request.request_id = "r-1";
    request.actor = "alice@msp";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PING;
    request.ping = &ping;
    size_t size = patchwarden__v1__request__get_packed_size (&request);
    uint8_t *buf = malloc (size);
    patchwarden__v1__request__pack (&request, buf);
    const void *frames [] = {"", buf};
    size_t sizes [] = {0, size};
    s_send_frames (2, frames, sizes);
    free (buf);

    pw_wire_in_t in = {0};
    PW_CHECK_INT (pw_wire_recv_request (s_router, 1 << 20, &in), PW_WIRE_OK);
    PW_CHECK (in.delimiter);
    PW_CHECK (in.request != NULL);
    if (!in.request)
        return;
    PW_CHECK_STR (in.request->tenant, "acme");
    PW_CHECK_STR (in.request->actor, "alice@msp");
    PW_CHECK_STR (in.request->request_id, "r-1");
    PW_CHECK_INT (in.request->call_case, PATCHWARDEN__V1__REQUEST__CALL_PING);

    pw_reply_t reply = PATCHWARDEN__V1__REPLY__INIT;
    reply.request_id = "r-1";
    reply.status = PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND;
    reply.message = "agent \"x\" not found";
    reply.service = "policy";
    PW_CHECK_INT (pw_wire_send_reply (s_router, &in, &reply), 0);
    pw_wire_in_reset (&in);

    zmsg_t *msg = zmsg_recv (s_dealer);
    PW_CHECK_INT (zmsg_size (msg), 2);
    zframe_t *first = zmsg_first (msg);
    PW_CHECK_INT (zframe_size (first), 0);
    zframe_t *body = zmsg_next (msg);
    pw_reply_t *back =
        patchwarden__v1__reply__unpack (NULL, zframe_size (body), zframe_data (body));
    PW_CHECK (back != NULL);
    if (back) {
        PW_CHECK_STR (back->request_id, "r-1");
        PW_CHECK_INT (back->status, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND);
        PW_CHECK_STR (back->message, "agent \"x\" not found");
        PW_CHECK_STR (pw_wire_status_name (back->status), "NOT_FOUND");
        pw_reply_free (&back);
    }
    zmsg_destroy (&msg);
}

static void
s_expect_refused (const char *what, int n, const void *const *frames, const size_t *sizes,
                  size_t max_bytes, pw_wire_status_t status)
{
    s_send_frames (n, frames, sizes);
    pw_wire_in_t in = {0};
    pw_wire_result_t result = pw_wire_recv_request (s_router, max_bytes, &in);
    if (result != PW_WIRE_MALFORMED || in.status != status)
        PW_FAIL_AT ("%s: result %d status %s, expected MALFORMED %s (%s)", what, (int)result,
                    pw_wire_status_name (in.status), pw_wire_status_name (status), in.message);
    PW_CHECK (in.identity != NULL); //  so the peer can still be answered
    PW_CHECK (in.message [0] != '\0');
    pw_wire_in_reset (&in);
}

static void
s_test_refusals (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    request.tenant = "acme-with-a-long-name";
    request.request_id = "r-2";
    uint8_t good [128];
    size_t good_size = patchwarden__v1__request__pack (&request, good);
    const char garbage [] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    char big [5000];
    memset (big, 'x', sizeof big);

    const void *truncated [] = {"", good};
    size_t truncated_sizes [] = {0, good_size - 2}; //  cut inside "r-2"
    s_expect_refused ("truncated", 2, truncated, truncated_sizes, 4096,
                      PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST);

    const void *garbled [] = {"", garbage};
    size_t garbled_sizes [] = {0, sizeof garbage - 1};
    s_expect_refused ("garbage", 2, garbled, garbled_sizes, 4096,
                      PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST);

    const void *oversized [] = {"", big};
    size_t oversized_sizes [] = {0, sizeof big};
    s_expect_refused ("oversized", 2, oversized, oversized_sizes, 4096,
                      PATCHWARDEN__V1__STATUS__STATUS_TOO_LARGE);

    const void *many [] = {"", good, good, good};
    size_t many_sizes [] = {0, good_size, good_size, good_size};
    s_expect_refused ("too many frames", 4, many, many_sizes, 4096,
                      PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST);

    const void *empty [] = {""};
    size_t empty_sizes [] = {0};
    s_expect_refused ("empty", 1, empty, empty_sizes, 4096,
                      PATCHWARDEN__V1__STATUS__STATUS_BAD_REQUEST);

    //  After all that, a good request still reads cleanly.
    const void *fine [] = {"", good};
    size_t fine_sizes [] = {0, good_size};
    s_send_frames (2, fine, fine_sizes);
    pw_wire_in_t in = {0};
    PW_CHECK_INT (pw_wire_recv_request (s_router, 4096, &in), PW_WIRE_OK);
    PW_CHECK (in.request && strcmp (in.request->request_id, "r-2") == 0);
    pw_wire_in_reset (&in);
}

static void
s_test_events (void)
{
    zsock_t *pub = zsock_new_pub ("inproc://test-events");
    zsock_t *sub = zsock_new_sub ("inproc://test-events", "acme/");
    zclock_sleep (50);
    pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
    event.tenant = "other";
    event.producer = "policy";
    event.seq = 1;
    event.kind = "setup.applied";
    PW_CHECK_INT (pw_wire_publish (pub, &event), 0);
    event.tenant = "acme";
    event.seq = 7;
    event.subject = "SQL01";
    event.payload_json = "{\"n\":1}";
    PW_CHECK_INT (pw_wire_publish (pub, &event), 0);
    zsock_set_rcvtimeo (sub, 1000);
    bool malformed = true;
    pw_event_t *got = pw_wire_recv_event (sub, 1 << 20, &malformed);
    PW_CHECK (got != NULL);
    PW_CHECK (!malformed);
    if (got) {
        //  The "other" tenant's event was filtered by topic.
        PW_CHECK_STR (got->tenant, "acme");
        PW_CHECK_INT (got->seq, 7);
        PW_CHECK_STR (got->subject, "SQL01");
        PW_CHECK_STR (got->payload_json, "{\"n\":1}");
        pw_event_free (&got);
    }
    zsock_destroy (&sub);
    zsock_destroy (&pub);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    zsys_init ();
    zsys_set_logstream (NULL);
    s_router = zsock_new_router ("inproc://test-wire");
    s_dealer = zsock_new_dealer ("inproc://test-wire");
    zsock_set_rcvtimeo (s_router, 2000);
    zsock_set_rcvtimeo (s_dealer, 2000);
    PW_RUN (s_test_round_trip);
    PW_RUN (s_test_refusals);
    PW_RUN (s_test_events);
    zsock_destroy (&s_dealer);
    zsock_destroy (&s_router);
    return PW_TEST_END ();
}
