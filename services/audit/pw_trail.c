/*  pw_trail - canonical serialization, chaining and verification.

    The serialization feeds a sink that is either a SHA-256 context (hashing
    allocates nothing) or a growable buffer (pw_trail_canonical), so the bytes
    hashed and the bytes shown to other tools can never drift apart.
*/
#include "pw_trail.h"
#include "pw_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    pw_sha256_t *sha; //  hash into this, or
    pw_strbuf_t *buf; //  append into this
} s_sink_t;

static void
s_emit (s_sink_t *sink, const void *data, size_t len)
{
    if (sink->sha)
        pw_sha256_update (sink->sha, data, len);
    else
        pw_strbuf_append_len (sink->buf, data, len);
}

static void
s_emit_int (s_sink_t *sink, int64_t value)
{
    uint64_t bits = (uint64_t)value;
    uint8_t bytes [8];
    for (int i = 0; i < 8; i++)
        bytes [i] = (uint8_t)(bits >> (56 - 8 * i));
    s_emit (sink, bytes, 8);
}

//  Length-prefixed so that no two different field lists serialize alike
static int
s_emit_text (s_sink_t *sink, const char *text, size_t max)
{
    size_t len = text ? strnlen (text, max) : 0;
    if (len > UINT32_MAX)
        return -1;
    uint8_t prefix [4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                          (uint8_t)len};
    s_emit (sink, prefix, 4);
    if (len)
        s_emit (sink, text, len);
    return 0;
}

static int
s_serialize (const pw_trail_record_t *record, s_sink_t *sink)
{
    int rc = 0;
    rc |= s_emit_text (sink, PW_TRAIL_FORMAT, SIZE_MAX);
    rc |= s_emit_text (sink, record->tenant, SIZE_MAX);
    s_emit_int (sink, record->seq);
    s_emit_int (sink, record->time_us);
    rc |= s_emit_text (sink, record->actor, SIZE_MAX);
    rc |= s_emit_text (sink, record->action, SIZE_MAX);
    rc |= s_emit_text (sink, record->subject, SIZE_MAX);
    rc |= s_emit_text (sink, record->reason, SIZE_MAX);
    rc |= s_emit_text (sink, record->details, SIZE_MAX);
    //  A damaged record may lack the NUL; never read past the field
    rc |= s_emit_text (sink, record->prev_hash, PW_SHA256_HEX - 1);
    return rc ? -1 : 0;
}

const char *
pw_trail_fault_name (pw_trail_fault_t fault)
{
    switch (fault) {
        case PW_TRAIL_OK: return "ok";
        case PW_TRAIL_EDITED: return "edited";
        case PW_TRAIL_REMOVED: return "removed";
        case PW_TRAIL_REORDERED: return "reordered";
        case PW_TRAIL_BROKEN_LINK: return "broken_link";
        case PW_TRAIL_TRUNCATED: return "truncated";
        case PW_TRAIL_PAST_HEAD: return "past_head";
        default: return "unknown";
    }
}

int
pw_trail_hash (const pw_trail_record_t *record, char hash [PW_SHA256_HEX])
{
    if (!record)
        return -1;
    pw_sha256_t sha;
    pw_sha256_init (&sha);
    s_sink_t sink = {&sha, NULL};
    if (s_serialize (record, &sink))
        return -1;
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256_final (&sha, digest);
    pw_sha256_hex (digest, hash);
    return 0;
}

uint8_t *
pw_trail_canonical (const pw_trail_record_t *record, size_t *len_p)
{
    if (!record || !len_p)
        return NULL;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    s_sink_t sink = {NULL, &buf};
    if (s_serialize (record, &sink)) {
        pw_strbuf_free (&buf);
        return NULL;
    }
    *len_p = buf.len;
    return (uint8_t *)pw_strbuf_take (&buf);
}

static bool
s_is_hex64 (const char *text)
{
    for (int i = 0; i < 64; i++)
        if (!((text [i] >= '0' && text [i] <= '9') || (text [i] >= 'a' && text [i] <= 'f')))
            return false;
    return text [64] == '\0';
}

static bool
s_blank (const char *text)
{
    return !text || !*text;
}

static const char *
s_str (const char *text)
{
    return text ? text : "";
}

int
pw_trail_append (pw_trail_record_t *record, const pw_trail_record_t *prev)
{
    if (!record || s_blank (record->tenant) || s_blank (record->actor) || s_blank (record->action))
        return -1;
    if (prev && (prev->seq < 1 || !s_is_hex64 (prev->hash) ||
                 strcmp (s_str (prev->tenant), record->tenant) != 0))
        return -1;
    pw_trail_record_t next = *record;
    next.seq = prev ? prev->seq + 1 : 1;
    memcpy (next.prev_hash, prev ? prev->hash : PW_TRAIL_GENESIS, PW_SHA256_HEX);
    if (pw_trail_hash (&next, next.hash))
        return -1;
    *record = next;
    return 0;
}

static int s_fail (pw_trail_verdict_t *verdict, pw_trail_fault_t fault, size_t index, int64_t seq,
                   const char *format, ...) __attribute__ ((format (printf, 5, 6)));

static int
s_fail (pw_trail_verdict_t *verdict, pw_trail_fault_t fault, size_t index, int64_t seq,
        const char *format, ...)
{
    if (verdict) {
        verdict->fault = fault;
        verdict->index = index;
        verdict->seq = seq;
        va_list args;
        va_start (args, format);
        vsnprintf (verdict->message, sizeof verdict->message, format, args);
        va_end (args);
    }
    return -1;
}

//  A seq gap is a removal unless the missing seq turns up further on, in
//  which case records were moved rather than deleted.
static bool
s_appears_later (const pw_trail_record_t *records, size_t from, size_t count, int64_t seq)
{
    for (size_t i = from; i < count; i++)
        if (records [i].seq == seq)
            return true;
    return false;
}

int
pw_trail_verify (const pw_trail_record_t *records, size_t count, const pw_trail_anchor_t *after,
                 const pw_trail_anchor_t *head, pw_trail_verdict_t *verdict)
{
    if (verdict) {
        verdict->fault = PW_TRAIL_OK;
        verdict->index = 0;
        verdict->seq = 0;
        snprintf (verdict->message, sizeof verdict->message, "ok");
    }
    if (!records && count > 0)
        return s_fail (verdict, PW_TRAIL_REMOVED, 0, 0, "no records given");

    int64_t expected_seq = after ? after->seq + 1 : 1;
    char expected_prev [PW_SHA256_HEX];
    memcpy (expected_prev, after ? after->hash : PW_TRAIL_GENESIS, PW_SHA256_HEX);
    expected_prev [64] = '\0';
    const char *tenant = count > 0 ? s_str (records [0].tenant) : "";

    for (size_t i = 0; i < count; i++) {
        const pw_trail_record_t *r = &records [i];
        char hash [PW_SHA256_HEX];
        if (pw_trail_hash (r, hash) || strncmp (hash, r->hash, PW_SHA256_HEX) != 0)
            return s_fail (verdict, PW_TRAIL_EDITED, i, r->seq,
                           "seq %lld: hash does not match the record's content (edited)",
                           (long long)r->seq);
        if (strcmp (s_str (r->tenant), tenant) != 0)
            return s_fail (verdict, PW_TRAIL_EDITED, i, r->seq,
                           "seq %lld: belongs to tenant \"%.40s\", not \"%.40s\"",
                           (long long)r->seq, s_str (r->tenant), tenant);
        if (r->seq < expected_seq)
            return s_fail (verdict, PW_TRAIL_REORDERED, i, r->seq,
                           "seq %lld: comes after seq %lld (out of order or repeated)",
                           (long long)r->seq, (long long)(expected_seq - 1));
        if (r->seq > expected_seq) {
            if (s_appears_later (records, i + 1, count, expected_seq))
                return s_fail (verdict, PW_TRAIL_REORDERED, i, r->seq,
                               "seq %lld: found where seq %lld was expected, which comes "
                               "later (out of order)",
                               (long long)r->seq, (long long)expected_seq);
            if (r->seq == expected_seq + 1)
                return s_fail (verdict, PW_TRAIL_REMOVED, i, r->seq,
                               "seq %lld: seq %lld before it is missing (removed)",
                               (long long)r->seq, (long long)expected_seq);
            return s_fail (verdict, PW_TRAIL_REMOVED, i, r->seq,
                           "seq %lld: seq %lld to %lld before it are missing (removed)",
                           (long long)r->seq, (long long)expected_seq, (long long)(r->seq - 1));
        }
        if (strncmp (r->prev_hash, expected_prev, 64) != 0) {
            if (expected_seq == 1)
                return s_fail (verdict, PW_TRAIL_BROKEN_LINK, i, r->seq,
                               "seq 1: prev_hash is not the genesis value (64 zeros)");
            return s_fail (verdict, PW_TRAIL_BROKEN_LINK, i, r->seq,
                           "seq %lld: prev_hash does not match the hash of seq %lld "
                           "(seq %lld was changed or replaced)",
                           (long long)r->seq, (long long)(r->seq - 1), (long long)(r->seq - 1));
        }
        memcpy (expected_prev, r->hash, PW_SHA256_HEX);
        expected_prev [64] = '\0';
        expected_seq = r->seq + 1;
    }
    if (!head)
        return 0;

    //  The chain is consistent in itself; the head says whether it is whole
    int64_t last_seq = expected_seq - 1;
    if (head->seq > last_seq)
        return s_fail (verdict, PW_TRAIL_TRUNCATED, count, last_seq + 1,
                       "the trail ends at seq %lld but its head is seq %lld: seq %lld to %lld "
                       "are missing (truncated)",
                       (long long)last_seq, (long long)head->seq, (long long)(last_seq + 1),
                       (long long)head->seq);
    int64_t beyond = last_seq - head->seq;
    if ((uint64_t)beyond >= (uint64_t)count && beyond > 0)
        return s_fail (verdict, PW_TRAIL_PAST_HEAD, 0, count ? records [0].seq : last_seq,
                       "every record given lies after the recorded head seq %lld",
                       (long long)head->seq);
    size_t head_index = count - 1 - (size_t)beyond;
    const char *head_hash = count ? records [head_index].hash : expected_prev;
    if (strncmp (head_hash, head->hash, 64) != 0)
        return s_fail (verdict, PW_TRAIL_EDITED, count ? head_index : 0, head->seq,
                       "seq %lld: hash differs from the recorded head (the chain was "
                       "rewritten)",
                       (long long)head->seq);
    if (beyond > 0)
        return s_fail (verdict, PW_TRAIL_PAST_HEAD, head_index + 1, head->seq + 1,
                       "seq %lld: written after the recorded head seq %lld (not appended "
                       "through the trail)",
                       (long long)(head->seq + 1), (long long)head->seq);
    return 0;
}
