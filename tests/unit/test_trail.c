/*  test_trail - the canonical serialization byte by byte, chaining, and
    every kind of tampering pw_trail_verify must name. The expected hashes
    were computed outside Patchwarden (printf | sha256sum, and Python's
    hashlib over struct.pack) from the layout in docs/audit.md. */
#include "pw_trail.h"
#include "pw_util.h"
#include "../pw_test.h"

//  The first record of docs/audit.md's worked example
static pw_trail_record_t
s_example (void)
{
    pw_trail_record_t r = {.tenant = "t",
                           .time_us = 256,
                           .actor = "alice",
                           .action = "decision.approve",
                           .subject = NULL,
                           .reason = "ok",
                           .details = "{}"};
    return r;
}

static void
s_test_canonical_bytes (void)
{
    pw_trail_record_t r = s_example ();
    PW_CHECK_INT (pw_trail_append (&r, NULL), 0);
    PW_CHECK_INT (r.seq, 1);
    PW_CHECK_STR (r.prev_hash, PW_TRAIL_GENESIS);

    static const char expected [] =
        "\x00\x00\x00\x14patchwarden-trail-v1"
        "\x00\x00\x00\x01t"
        "\x00\x00\x00\x00\x00\x00\x00\x01"
        "\x00\x00\x00\x00\x00\x00\x01\x00"
        "\x00\x00\x00\x05"
        "alice"
        "\x00\x00\x00\x10"
        "decision.approve"
        "\x00\x00\x00\x00"
        "\x00\x00\x00\x02ok"
        "\x00\x00\x00\x02{}"
        "\x00\x00\x00\x40"
        "0000000000000000000000000000000000000000000000000000000000000000";
    size_t len = 0;
    uint8_t *bytes = pw_trail_canonical (&r, &len);
    PW_CHECK_INT (len, 158);
    PW_CHECK (bytes && len == sizeof expected - 1 && memcmp (bytes, expected, len) == 0);
    free (bytes);
    PW_CHECK_STR (r.hash, "9db8e8ba6cf86650aec8352b7466f85e6005048d9698edbd2034e3ceef42cafa");

    //  Second record: a negative time is two's complement, prev_hash chains
    pw_trail_record_t r2 = {.tenant = "t",
                            .time_us = -1,
                            .actor = "bob",
                            .action = "override.set",
                            .subject = "KB5031364",
                            .reason = "",
                            .details = NULL};
    PW_CHECK_INT (pw_trail_append (&r2, &r), 0);
    PW_CHECK_INT (r2.seq, 2);
    PW_CHECK_STR (r2.prev_hash, r.hash);
    PW_CHECK_STR (r2.hash, "6e923367fde98c0c884af9dbd0648ba55f5ce8ac9e8b82179acb4571e7e2b537");

    //  NULL and "" are the same field; moving text between fields is not
    pw_trail_record_t a = s_example (), b = s_example ();
    a.subject = "";
    char ha [PW_SHA256_HEX], hb [PW_SHA256_HEX];
    PW_CHECK_INT (pw_trail_append (&a, NULL), 0);
    PW_CHECK_STR (a.hash, r.hash);
    b.reason = "o";
    b.subject = "k";
    pw_trail_record_t c = s_example ();
    c.reason = "ko";
    c.subject = NULL;
    PW_CHECK_INT (pw_trail_hash (&b, ha), 0);
    PW_CHECK_INT (pw_trail_hash (&c, hb), 0);
    PW_CHECK (strcmp (ha, hb) != 0);
}

static void
s_test_append_bad_input (void)
{
    pw_trail_record_t first = s_example ();
    PW_CHECK_INT (pw_trail_append (&first, NULL), 0);

    struct {
        const char *name;
        const char *tenant, *actor, *action;
        int prev_kind; //  0 good, 1 other tenant, 2 bad hash, 3 seq 0
    } cases [] = {
        {"no tenant", NULL, "alice", "x", 0},    {"empty tenant", "", "alice", "x", 0},
        {"no actor", "t", NULL, "x", 0},         {"no action", "t", "alice", "", 0},
        {"other tenant", "u", "alice", "x", 0},  {"prev of other tenant", "t", "a", "x", 1},
        {"prev bad hash", "t", "alice", "x", 2}, {"prev seq 0", "t", "alice", "x", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_trail_record_t prev = first;
        if (cases [i].prev_kind == 1)
            prev.tenant = "u";
        if (cases [i].prev_kind == 2)
            prev.hash [10] = 'G';
        if (cases [i].prev_kind == 3)
            prev.seq = 0;
        pw_trail_record_t r = {.tenant = cases [i].tenant,
                               .actor = cases [i].actor,
                               .action = cases [i].action,
                               .seq = 77};
        if (pw_trail_append (&r, &prev) != -1 || r.seq != 77)
            PW_FAIL_AT ("%s: accepted", cases [i].name);
    }
    PW_CHECK_INT (pw_trail_append (NULL, NULL), -1);
    PW_CHECK_INT (pw_trail_hash (NULL, (char [PW_SHA256_HEX]){0}), -1);
    size_t len = 5;
    PW_CHECK (pw_trail_canonical (NULL, &len) == NULL);
}

#define S_CHAIN 1000

static const char *s_actions [] = {"setup.applied", "decision.approve", "override.set",
                                   "import.agents", "plan.published"};

static pw_trail_record_t *
s_chain (size_t count)
{
    pw_trail_record_t *chain = pw_calloc (count, sizeof *chain);
    for (size_t i = 0; i < count; i++) {
        pw_trail_record_t *r = &chain [i];
        r->tenant = "acme-msp";
        r->time_us = 1700000000000000LL + (int64_t)i * 1000;
        r->actor = i % 3 ? "alice" : "system";
        r->action = s_actions [i % 5];
        r->subject = i % 2 ? "KB5031364 in Servers" : "2024-05";
        r->reason = i % 7 ? NULL : "LOB app breaks";
        r->details = "{\"count\":1}";
        if (pw_trail_append (r, i ? &chain [i - 1] : NULL) != 0)
            PW_FAIL_AT ("append %zu failed", i);
    }
    return chain;
}

static pw_trail_anchor_t
s_head (const pw_trail_record_t *chain, size_t count)
{
    pw_trail_anchor_t head = {.seq = chain [count - 1].seq};
    memcpy (head.hash, chain [count - 1].hash, PW_SHA256_HEX);
    return head;
}

static void
s_test_chain_verifies (void)
{
    pw_trail_record_t *chain = s_chain (S_CHAIN);
    PW_CHECK_INT (chain [S_CHAIN - 1].seq, S_CHAIN);
    pw_trail_verdict_t v;
    pw_trail_anchor_t head = s_head (chain, S_CHAIN);
    PW_CHECK_INT (pw_trail_verify (chain, S_CHAIN, NULL, NULL, &v), 0);
    PW_CHECK_INT (v.fault, PW_TRAIL_OK);
    PW_CHECK_INT (pw_trail_verify (chain, S_CHAIN, NULL, &head, &v), 0);
    //  Page by page: the last record of a page anchors the next
    pw_trail_anchor_t after = s_head (chain, 400);
    PW_CHECK_INT (pw_trail_verify (chain, 400, NULL, NULL, &v), 0);
    PW_CHECK_INT (pw_trail_verify (chain + 400, S_CHAIN - 400, &after, &head, &v), 0);
    PW_CHECK_INT (pw_trail_verify (chain + 401, S_CHAIN - 401, &after, &head, &v), -1);
    PW_CHECK_INT (v.fault, PW_TRAIL_REMOVED);
    PW_CHECK_INT (v.seq, 402);
    //  Empty trail: fine alone, and its head is seq 0 with the genesis hash
    pw_trail_anchor_t empty = {.seq = 0, .hash = PW_TRAIL_GENESIS};
    PW_CHECK_INT (pw_trail_verify (NULL, 0, NULL, NULL, &v), 0);
    PW_CHECK_INT (pw_trail_verify (NULL, 0, NULL, &empty, &v), 0);
    PW_CHECK_INT (pw_trail_verify (chain, S_CHAIN, NULL, &head, NULL), 0);
    free (chain);
}

typedef enum {
    S_EDIT_ACTOR,   //  change a field, keep the stored hash
    S_EDIT_SEQ,     //  renumber a record
    S_EDIT_HASH,    //  change the stored hash itself
    S_REMOVE,       //  delete one record
    S_REMOVE_FIRST, //  delete seq 1
    S_REMOVE_THREE, //  delete a run
    S_SWAP,         //  swap two neighbours
    S_SWAP_FAR,     //  swap two records far apart
    S_DUPLICATE,    //  a record repeated
    S_REHASH,       //  edit and re-hash, next link left alone
    S_FAKE_GENESIS, //  first record re-hashed with another prev_hash
    S_OTHER_TENANT, //  another tenant's valid record spliced in
    S_TRUNCATE,     //  cut the tail, head kept
    S_REWRITE_TAIL, //  re-hash everything from a point on
    S_PAST_HEAD,    //  a valid record appended without moving the head
} s_tamper_t;

static const struct {
    const char *name;
    s_tamper_t tamper;
    size_t at;
    pw_trail_fault_t fault;
    size_t index; //  first bad record expected
    int64_t seq;  //  seq the message names
    const char *needle;
} s_tamper_cases [] = {
    {"edit actor", S_EDIT_ACTOR, 500, PW_TRAIL_EDITED, 500, 501, "seq 501: hash does not match"},
    {"edit seq", S_EDIT_SEQ, 10, PW_TRAIL_EDITED, 10, 99, "seq 99:"},
    {"edit hash", S_EDIT_HASH, 0, PW_TRAIL_EDITED, 0, 1, "seq 1: hash does not match"},
    {"remove", S_REMOVE, 300, PW_TRAIL_REMOVED, 300, 302, "seq 302: seq 301 before it is missing"},
    {"remove first", S_REMOVE_FIRST, 0, PW_TRAIL_REMOVED, 0, 2, "seq 1 before it is missing"},
    {"remove run", S_REMOVE_THREE, 700, PW_TRAIL_REMOVED, 700, 704, "seq 701 to 703"},
    {"swap", S_SWAP, 41, PW_TRAIL_REORDERED, 41, 43, "seq 43: found where seq 42 was expected"},
    {"swap far", S_SWAP_FAR, 100, PW_TRAIL_REORDERED, 100, 901, "seq 901: found where seq 101"},
    {"duplicate", S_DUPLICATE, 600, PW_TRAIL_REORDERED, 601, 601, "seq 601: comes after seq 601"},
    {"re-hash", S_REHASH, 250, PW_TRAIL_BROKEN_LINK, 251, 252,
     "seq 252: prev_hash does not match "
     "the hash of seq 251"},
    {"fake genesis", S_FAKE_GENESIS, 0, PW_TRAIL_BROKEN_LINK, 0, 1, "genesis"},
    {"other tenant", S_OTHER_TENANT, 5, PW_TRAIL_EDITED, 5, 6, "tenant \"other\""},
    {"truncate", S_TRUNCATE, 990, PW_TRAIL_TRUNCATED, 990, 991, "seq 991 to 1000 are missing"},
    {"rewrite tail", S_REWRITE_TAIL, 800, PW_TRAIL_EDITED, 999, 1000, "recorded head"},
    {"past head", S_PAST_HEAD, 0, PW_TRAIL_PAST_HEAD, 1000, 1001, "seq 1001: written after"},
};

static void
s_test_tampering (void)
{
    for (size_t c = 0; c < sizeof s_tamper_cases / sizeof s_tamper_cases [0]; c++) {
        pw_trail_record_t *chain = s_chain (S_CHAIN);
        pw_trail_record_t *copy = pw_calloc (S_CHAIN + 1, sizeof *copy);
        memcpy (copy, chain, S_CHAIN * sizeof *copy);
        pw_trail_anchor_t head = s_head (chain, S_CHAIN);
        size_t count = S_CHAIN, at = s_tamper_cases [c].at;
        switch (s_tamper_cases [c].tamper) {
            case S_EDIT_ACTOR: copy [at].actor = "mallory"; break;
            case S_EDIT_SEQ: copy [at].seq = 99; break;
            case S_EDIT_HASH: copy [at].hash [63] = copy [at].hash [63] == '0' ? '1' : '0'; break;
            case S_REMOVE:
            case S_REMOVE_FIRST:
                memmove (copy + at, copy + at + 1, (count - at - 1) * sizeof *copy);
                count--;
                break;
            case S_REMOVE_THREE:
                memmove (copy + at, copy + at + 3, (count - at - 3) * sizeof *copy);
                count -= 3;
                break;
            case S_SWAP:
            case S_SWAP_FAR: {
                size_t other = s_tamper_cases [c].tamper == S_SWAP ? at + 1 : 900;
                pw_trail_record_t tmp = copy [at];
                copy [at] = copy [other];
                copy [other] = tmp;
                break;
            }
            case S_DUPLICATE:
                memmove (copy + at + 1, copy + at, (count - at) * sizeof *copy);
                count++;
                break;
            case S_REHASH:
                copy [at].reason = "nothing to see";
                PW_CHECK_INT (pw_trail_hash (&copy [at], copy [at].hash), 0);
                break;
            case S_FAKE_GENESIS:
                memset (copy [0].prev_hash, 'f', 64);
                PW_CHECK_INT (pw_trail_hash (&copy [0], copy [0].hash), 0);
                break;
            case S_OTHER_TENANT:
                copy [at].tenant = "other";
                PW_CHECK_INT (pw_trail_hash (&copy [at], copy [at].hash), 0);
                break;
            case S_TRUNCATE: count = at; break;
            case S_REWRITE_TAIL:
                copy [at].actor = "mallory";
                for (size_t i = at; i < count; i++)
                    PW_CHECK_INT (pw_trail_append (&copy [i], &copy [i - 1]), 0);
                break;
            case S_PAST_HEAD:
                copy [count] = s_example ();
                copy [count].tenant = "acme-msp";
                PW_CHECK_INT (pw_trail_append (&copy [count], &copy [count - 1]), 0);
                count++;
                break;
        }
        pw_trail_verdict_t v;
        int rc = pw_trail_verify (copy, count, NULL, &head, &v);
        if (rc != -1 || v.fault != s_tamper_cases [c].fault ||
            v.index != s_tamper_cases [c].index || v.seq != s_tamper_cases [c].seq ||
            !strstr (v.message, s_tamper_cases [c].needle))
            PW_FAIL_AT ("%s: rc=%d fault=%s index=%zu seq=%lld message=\"%s\"",
                        s_tamper_cases [c].name, rc, pw_trail_fault_name (v.fault), v.index,
                        (long long)v.seq, v.message);
        //  Without the head, truncation and a rewritten tail are invisible:
        //  that is why the store keeps the head
        if (s_tamper_cases [c].tamper == S_TRUNCATE ||
            s_tamper_cases [c].tamper == S_REWRITE_TAIL || s_tamper_cases [c].tamper == S_PAST_HEAD)
            PW_CHECK_INT (pw_trail_verify (copy, count, NULL, NULL, &v), 0);
        else
            PW_CHECK_INT (pw_trail_verify (copy, count, NULL, NULL, &v), -1);
        free (copy);
        free (chain);
    }
}

static void
s_test_damaged_fields (void)
{
    pw_trail_record_t *chain = s_chain (3);
    //  A stored hash that is not even hex, or lacks its NUL, is an edit
    memset (chain [1].hash, 'Z', sizeof chain [1].hash);
    pw_trail_verdict_t v;
    PW_CHECK_INT (pw_trail_verify (chain, 3, NULL, NULL, &v), -1);
    PW_CHECK_INT (v.fault, PW_TRAIL_EDITED);
    PW_CHECK_INT (v.seq, 2);
    free (chain);
    chain = s_chain (3);
    memset (chain [1].prev_hash, 'x', sizeof chain [1].prev_hash);
    PW_CHECK_INT (pw_trail_verify (chain, 3, NULL, NULL, &v), -1);
    PW_CHECK_INT (v.fault, PW_TRAIL_EDITED);
    PW_CHECK_INT (pw_trail_verify (NULL, 3, NULL, NULL, &v), -1);
    //  A head beyond an empty page is truncation from seq 1
    pw_trail_anchor_t head = {.seq = 3};
    memcpy (head.hash, chain [2].hash, PW_SHA256_HEX);
    PW_CHECK_INT (pw_trail_verify (chain, 0, NULL, &head, &v), -1);
    PW_CHECK_INT (v.fault, PW_TRAIL_TRUNCATED);
    PW_CHECK_INT (v.seq, 1);
    PW_CHECK_STR (pw_trail_fault_name (PW_TRAIL_BROKEN_LINK), "broken_link");
    PW_CHECK_STR (pw_trail_fault_name ((pw_trail_fault_t)42), "unknown");
    free (chain);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_canonical_bytes);
    PW_RUN (s_test_append_bad_input);
    PW_RUN (s_test_chain_verifies);
    PW_RUN (s_test_tampering);
    PW_RUN (s_test_damaged_fields);
    return PW_TEST_END ();
}
