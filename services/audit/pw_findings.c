/*  pw_findings - finding vocabulary, an arena-backed set, and the diff.

    A full audit holds a few findings for each of tens of thousands of
    agents, so a set keeps its strings in large arena blocks (one allocation
    per 64 KiB, not three per finding) and the diff indexes the fresh set in
    an open-addressing hash table on code + subject: one pass to build, one
    pass to probe.
*/
#include "pw_findings.h"
#include "pw_util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    pw_finding_sev_t severity;
    pw_finding_scope_t scope;
} s_codes [PW_CODE_COUNT] = {
    [PW_CODE_NO_PATCH_POLICY] = {"NO_PATCH_POLICY", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_NO_BASELINE] = {"NO_BASELINE", PW_FINDING_SEV_MEDIUM, PW_SCOPE_AGENT},
    [PW_CODE_NO_SCAN_SCHEDULE] = {"NO_SCAN_SCHEDULE", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_NO_UPDATE_SCHEDULE] = {"NO_UPDATE_SCHEDULE", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_UNSUBSCRIBED_SCHEDULED] = {"UNSUBSCRIBED_SCHEDULED", PW_FINDING_SEV_MEDIUM,
                                        PW_SCOPE_AGENT},
    [PW_CODE_UNKNOWN_WINDOW] = {"UNKNOWN_WINDOW", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_STALE_SCAN] = {"STALE_SCAN", PW_FINDING_SEV_MEDIUM, PW_SCOPE_AGENT},
    [PW_CODE_SCAN_GAP] = {"SCAN_GAP", PW_FINDING_SEV_MEDIUM, PW_SCOPE_AGENT},
    [PW_CODE_DEPENDENCY_CYCLE] = {"DEPENDENCY_CYCLE", PW_FINDING_SEV_HIGH, PW_SCOPE_PLAN},
    [PW_CODE_DEPENDENCY_ORDER] = {"DEPENDENCY_ORDER", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_CHAIN_TOO_DEEP] = {"CHAIN_TOO_DEEP", PW_FINDING_SEV_MEDIUM, PW_SCOPE_PLAN},
    [PW_CODE_WINDOW_OVER_CAPACITY] = {"WINDOW_OVER_CAPACITY", PW_FINDING_SEV_MEDIUM, PW_SCOPE_PLAN},
    [PW_CODE_WINDOW_OVERRUN] = {"WINDOW_OVERRUN", PW_FINDING_SEV_MEDIUM, PW_SCOPE_PLAN},
    [PW_CODE_REVIEW_BACKLOG] = {"REVIEW_BACKLOG", PW_FINDING_SEV_MEDIUM, PW_SCOPE_POLICY},
    [PW_CODE_APPROVED_NOT_INSTALLED] = {"APPROVED_NOT_INSTALLED", PW_FINDING_SEV_LOW,
                                        PW_SCOPE_AGENT},
    [PW_CODE_INSTALL_FAILED] = {"INSTALL_FAILED", PW_FINDING_SEV_HIGH, PW_SCOPE_AGENT},
    [PW_CODE_PENDING_REBOOT] = {"PENDING_REBOOT", PW_FINDING_SEV_LOW, PW_SCOPE_AGENT},
    [PW_CODE_POLICY_OVERRIDDEN] = {"POLICY_OVERRIDDEN", PW_FINDING_SEV_INFO, PW_SCOPE_AGENT},
};

static const char *s_sev_names [PW_FINDING_SEV_COUNT] = {"info", "low", "medium", "high",
                                                         "critical"};

const char *
pw_finding_code_name (pw_finding_code_t code)
{
    return (unsigned)code < PW_CODE_COUNT ? s_codes [code].name : "UNKNOWN";
}

int
pw_finding_code_parse (const char *text, pw_finding_code_t *code_p)
{
    if (!text || !code_p)
        return -1;
    for (int i = 0; i < PW_CODE_COUNT; i++)
        if (strcmp (text, s_codes [i].name) == 0) {
            *code_p = (pw_finding_code_t)i;
            return 0;
        }
    return -1;
}

pw_finding_sev_t
pw_finding_code_severity (pw_finding_code_t code)
{
    return (unsigned)code < PW_CODE_COUNT ? s_codes [code].severity : PW_FINDING_SEV_INFO;
}

pw_finding_scope_t
pw_finding_code_scope (pw_finding_code_t code)
{
    return (unsigned)code < PW_CODE_COUNT ? s_codes [code].scope : PW_SCOPE_TENANT;
}

const char *
pw_finding_sev_name (pw_finding_sev_t severity)
{
    return (unsigned)severity < PW_FINDING_SEV_COUNT ? s_sev_names [severity] : "unknown";
}

int
pw_finding_sev_parse (const char *text, pw_finding_sev_t *severity_p)
{
    if (!text || !severity_p)
        return -1;
    for (int i = 0; i < PW_FINDING_SEV_COUNT; i++)
        if (strcasecmp (text, s_sev_names [i]) == 0) {
            *severity_p = (pw_finding_sev_t)i;
            return 0;
        }
    return -1;
}

const char *
pw_finding_scope_name (pw_finding_scope_t scope)
{
    switch (scope) {
        case PW_SCOPE_TENANT: return "tenant";
        case PW_SCOPE_AGENT: return "agent";
        case PW_SCOPE_POLICY: return "policy";
        case PW_SCOPE_PLAN: return "plan";
        default: return "unknown";
    }
}

//  --------------------------------------------------------------------------
//  The set

#define S_BLOCK_SIZE 65536

typedef struct s_block_t {
    struct s_block_t *next;
    size_t used, size;
    char data [];
} s_block_t;

struct _pw_findings_t {
    pw_finding_t *items;
    size_t count, cap;
    s_block_t *blocks; //  newest first; strings never move
};

pw_findings_t *
pw_findings_new (void)
{
    return pw_calloc (1, sizeof (pw_findings_t));
}

void
pw_findings_destroy (pw_findings_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_findings_t *self = *self_p;
    while (self->blocks) {
        s_block_t *next = self->blocks->next;
        free (self->blocks);
        self->blocks = next;
    }
    free (self->items);
    free (self);
    *self_p = NULL;
}

static const char *
s_intern (pw_findings_t *self, const char *text)
{
    if (!text || !*text)
        return "";
    size_t len = strlen (text) + 1;
    s_block_t *block = self->blocks;
    if (!block || block->size - block->used < len) {
        size_t size = len > S_BLOCK_SIZE / 4 ? len : S_BLOCK_SIZE;
        block = pw_malloc (sizeof (s_block_t) + size);
        block->used = 0;
        block->size = size;
        //  A string bigger than a quarter block gets a block of its own,
        //  kept behind the current one so the current one fills on
        if (len > S_BLOCK_SIZE / 4 && self->blocks) {
            block->next = self->blocks->next;
            self->blocks->next = block;
        } else {
            block->next = self->blocks;
            self->blocks = block;
        }
    }
    char *copy = block->data + block->used;
    memcpy (copy, text, len);
    block->used += len;
    return copy;
}

int
pw_findings_add (pw_findings_t *self, const pw_finding_t *finding)
{
    if (!self || !finding || !finding->subject || !*finding->subject ||
        (unsigned)finding->code >= PW_CODE_COUNT ||
        (unsigned)finding->severity >= PW_FINDING_SEV_COUNT ||
        (unsigned)finding->scope > PW_SCOPE_PLAN)
        return -1;
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 64;
        self->items = pw_realloc (self->items, self->cap * sizeof (pw_finding_t));
    }
    pw_finding_t *copy = &self->items [self->count++];
    *copy = *finding;
    copy->owner = s_intern (self, finding->owner);
    copy->subject = s_intern (self, finding->subject);
    copy->detail = s_intern (self, finding->detail);
    return 0;
}

int
pw_findings_addf (pw_findings_t *self, pw_finding_code_t code, pw_finding_sev_t severity,
                  const char *owner, const char *subject, const char *format, ...)
{
    if ((unsigned)code >= PW_CODE_COUNT)
        return -1;
    pw_strbuf_t detail;
    pw_strbuf_init (&detail);
    if (format) {
        va_list args;
        va_start (args, format);
        pw_strbuf_vappendf (&detail, format, args);
        va_end (args);
    }
    pw_finding_t finding = {.code = code,
                            .severity = severity,
                            .scope = pw_finding_code_scope (code),
                            .owner = owner,
                            .subject = subject,
                            .detail = detail.data};
    int rc = pw_findings_add (self, &finding);
    pw_strbuf_free (&detail);
    return rc;
}

size_t
pw_findings_size (const pw_findings_t *self)
{
    return self ? self->count : 0;
}

const pw_finding_t *
pw_findings_get (const pw_findings_t *self, size_t index)
{
    return self && index < self->count ? &self->items [index] : NULL;
}

const pw_finding_t *
pw_findings_find (const pw_findings_t *self, pw_finding_code_t code, const char *subject)
{
    if (!self || !subject)
        return NULL;
    for (size_t i = 0; i < self->count; i++)
        if (self->items [i].code == code && strcmp (self->items [i].subject, subject) == 0)
            return &self->items [i];
    return NULL;
}

size_t
pw_findings_count_code (const pw_findings_t *self, pw_finding_code_t code)
{
    size_t count = 0;
    for (size_t i = 0; self && i < self->count; i++)
        count += self->items [i].code == code;
    return count;
}

//  --------------------------------------------------------------------------
//  The diff

struct _pw_findings_diff_t {
    pw_finding_t **opened, **kept, **resolved;
    size_t opened_count, kept_count, resolved_count;
};

//  FNV-1a over the subject, seeded with the code
static uint64_t
s_key_hash (pw_finding_code_t code, const char *subject)
{
    uint64_t hash = 14695981039346656037ULL ^ (uint64_t)code;
    hash *= 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)subject; *p; p++) {
        hash ^= *p;
        hash *= 1099511628211ULL;
    }
    return hash ^ (hash >> 29);
}

static bool
s_in_scope (const pw_finding_t *finding, pw_finding_scope_t scope, const char *owner)
{
    if (scope == PW_SCOPE_TENANT)
        return true;
    return finding->scope == scope && strcmp (finding->owner, owner ? owner : "") == 0;
}

pw_findings_diff_t *
pw_findings_diff (pw_findings_t *open, pw_findings_t *fresh, pw_finding_scope_t scope,
                  const char *owner, int64_t now_us)
{
    if (!open || !fresh)
        return NULL;
    pw_findings_diff_t *self = pw_calloc (1, sizeof *self);
    self->opened = pw_malloc ((fresh->count + 1) * sizeof (pw_finding_t *));
    self->kept = pw_malloc ((fresh->count + 1) * sizeof (pw_finding_t *));
    self->resolved = pw_malloc ((open->count + 1) * sizeof (pw_finding_t *));

    //  Index FRESH by key; slots hold index + 1, 0 is empty. State per fresh
    //  entry: 0 unique and unmatched, 1 matched, 2 duplicate (ignored).
    size_t slots = 16;
    while (slots < fresh->count * 2)
        slots *= 2;
    uint32_t *table = pw_calloc (slots, sizeof (uint32_t));
    uint8_t *state = pw_calloc (fresh->count + 1, 1);
    for (size_t i = 0; i < fresh->count; i++) {
        const pw_finding_t *f = &fresh->items [i];
        size_t slot = s_key_hash (f->code, f->subject) & (slots - 1);
        while (table [slot]) {
            const pw_finding_t *other = &fresh->items [table [slot] - 1];
            if (other->code == f->code && strcmp (other->subject, f->subject) == 0) {
                state [i] = 2;
                break;
            }
            slot = (slot + 1) & (slots - 1);
        }
        if (state [i] == 0)
            table [slot] = (uint32_t)(i + 1);
    }
    for (size_t i = 0; i < open->count; i++) {
        pw_finding_t *o = &open->items [i];
        if (o->resolved_us != 0 || !s_in_scope (o, scope, owner))
            continue;
        size_t slot = s_key_hash (o->code, o->subject) & (slots - 1);
        pw_finding_t *match = NULL;
        size_t match_index = 0;
        while (table [slot]) {
            pw_finding_t *f = &fresh->items [table [slot] - 1];
            if (f->code == o->code && strcmp (f->subject, o->subject) == 0) {
                match = f;
                match_index = table [slot] - 1;
                break;
            }
            slot = (slot + 1) & (slots - 1);
        }
        if (match && state [match_index] == 0) {
            state [match_index] = 1;
            match->id = o->id;
            match->first_seen_us = o->first_seen_us;
            match->last_seen_us = now_us;
            match->resolved_us = 0;
            self->kept [self->kept_count++] = match;
        } else {
            o->resolved_us = now_us;
            self->resolved [self->resolved_count++] = o;
        }
    }
    for (size_t i = 0; i < fresh->count; i++) {
        if (state [i] != 0)
            continue;
        pw_finding_t *f = &fresh->items [i];
        f->id = 0;
        f->first_seen_us = now_us;
        f->last_seen_us = now_us;
        f->resolved_us = 0;
        self->opened [self->opened_count++] = f;
    }
    free (table);
    free (state);
    return self;
}

void
pw_findings_diff_destroy (pw_findings_diff_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_findings_diff_t *self = *self_p;
    free (self->opened);
    free (self->kept);
    free (self->resolved);
    free (self);
    *self_p = NULL;
}

size_t
pw_findings_diff_opened_size (const pw_findings_diff_t *self)
{
    return self ? self->opened_count : 0;
}

size_t
pw_findings_diff_kept_size (const pw_findings_diff_t *self)
{
    return self ? self->kept_count : 0;
}

size_t
pw_findings_diff_resolved_size (const pw_findings_diff_t *self)
{
    return self ? self->resolved_count : 0;
}

const pw_finding_t *
pw_findings_diff_opened (const pw_findings_diff_t *self, size_t index)
{
    return self && index < self->opened_count ? self->opened [index] : NULL;
}

const pw_finding_t *
pw_findings_diff_kept (const pw_findings_diff_t *self, size_t index)
{
    return self && index < self->kept_count ? self->kept [index] : NULL;
}

const pw_finding_t *
pw_findings_diff_resolved (const pw_findings_diff_t *self, size_t index)
{
    return self && index < self->resolved_count ? self->resolved [index] : NULL;
}
