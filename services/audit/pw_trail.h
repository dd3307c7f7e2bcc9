/*  pw_trail - the append-only, hash-chained audit trail of one tenant.

    Every change Patchwarden makes or is told about (a setup applied, a
    review decision, a KB override, an import, a published plan) becomes one
    trail record. Each record carries the SHA-256 of its own canonical
    serialization, which includes the hash of the record before it, so that
    editing, removing or reordering any record breaks the chain where it
    happened. The audit service appends records and stores them; `pwctl
    trail verify` and the audit's own checks call pw_trail_verify. The byte
    layout is documented in docs/audit.md so that any other tool can verify a
    trail export on its own.
*/
#ifndef PW_TRAIL_H_INCLUDED
#define PW_TRAIL_H_INCLUDED

#include "pw_sha256.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The tag every canonical serialization starts with (format version 1).
#define PW_TRAIL_FORMAT "patchwarden-trail-v1"

//  The prev_hash of a tenant's first record: 64 zeros.
#define PW_TRAIL_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

//  The actions the services write; a trail accepts any non-empty action.
#define PW_TRAIL_SETUP_APPLIED    "setup.applied"
#define PW_TRAIL_DECISION_APPROVE "decision.approve"
#define PW_TRAIL_DECISION_DENY    "decision.deny"
#define PW_TRAIL_OVERRIDE_SET     "override.set"
#define PW_TRAIL_IMPORT_AGENTS    "import.agents"
#define PW_TRAIL_IMPORT_PATCHES   "import.patches"
#define PW_TRAIL_IMPORT_SCANS     "import.scans"
#define PW_TRAIL_PLAN_PUBLISHED   "plan.published"

//  One record. The strings are borrowed from whoever built the record (the
//  store's result, a test's literals); NULL and "" mean the same (both
//  serialize as an empty field). The hashes are held inline, lowercase hex.
typedef struct {
    const char *tenant;  //  required
    int64_t seq;         //  per tenant, from 1, no gaps
    int64_t time_us;     //  unix time, microseconds
    const char *actor;   //  who: a user, "system", a service; required
    const char *action;  //  what: "decision.approve", ...; required
    const char *subject; //  on what: a KB and policy, a plan's cycle, a file
    const char *reason;  //  the note the actor gave, if any
    const char *details; //  JSON text with the particulars
    char prev_hash [PW_SHA256_HEX];
    char hash [PW_SHA256_HEX];
} pw_trail_record_t;

//  A point of the chain known from outside the records: the store keeps the
//  head (last seq and its hash) per tenant, written in the same transaction
//  as the record, so that cutting records off the end is detected too.
typedef struct {
    int64_t seq;
    char hash [PW_SHA256_HEX];
} pw_trail_anchor_t;

typedef enum {
    PW_TRAIL_OK = 0,
    PW_TRAIL_EDITED,      //  a record's hash does not match its content
    PW_TRAIL_REMOVED,     //  a gap in seq: records are missing
    PW_TRAIL_REORDERED,   //  seq goes backwards, repeats, or comes later
    PW_TRAIL_BROKEN_LINK, //  prev_hash is not the previous record's hash
    PW_TRAIL_TRUNCATED,   //  the trail ends before the recorded head
    PW_TRAIL_PAST_HEAD    //  records after the recorded head
} pw_trail_fault_t;

//  What pw_trail_verify found. INDEX is the position in the array of the
//  first bad record (the array length for TRUNCATED); SEQ is the seq the
//  message names.
typedef struct {
    pw_trail_fault_t fault;
    size_t index;
    int64_t seq;
    char message [256];
} pw_trail_verdict_t;

//  "ok", "edited", "removed", "reordered", "broken_link", "truncated",
//  "past_head"; "unknown" out of range.
const char *pw_trail_fault_name (pw_trail_fault_t fault);

//  Computes the hash of RECORD (every field but `hash`) into HASH. Returns 0,
//  or -1 when a field is longer than 4 GiB - 1 bytes.
int pw_trail_hash (const pw_trail_record_t *record, char hash [PW_SHA256_HEX]);

//  The canonical serialization of RECORD, the exact bytes pw_trail_hash
//  hashes. Returns a new buffer (caller frees) and its length in *LEN_P, or
//  NULL when a field is too long. For tools and tests.
uint8_t *pw_trail_canonical (const pw_trail_record_t *record, size_t *len_p);

//  Makes RECORD the next record after PREV (NULL: the tenant's first):
//  fills seq, prev_hash and hash; the caller fills the other fields first.
//  Returns 0, or -1 with RECORD unchanged when tenant, actor or action is
//  missing, PREV is of another tenant, PREV's seq is below 1 or its hash is
//  not 64 lowercase hex digits.
int pw_trail_append (pw_trail_record_t *record, const pw_trail_record_t *prev);

//  Verifies COUNT records of one tenant, in the order given (the store's
//  seq order). AFTER is the last record before RECORDS[0] that is already
//  trusted (NULL: RECORDS starts the trail at seq 1 with the genesis
//  prev_hash); it lets a long trail be verified page by page. HEAD is the
//  recorded head of the trail (NULL: no check of the tail). Returns 0 when
//  all is well, else -1 with VERDICT naming the first bad record. VERDICT
//  is always filled (fault PW_TRAIL_OK on success) and may be NULL.
int pw_trail_verify (const pw_trail_record_t *records, size_t count, const pw_trail_anchor_t *after,
                     const pw_trail_anchor_t *head, pw_trail_verdict_t *verdict);

#ifdef __cplusplus
}
#endif

#endif
