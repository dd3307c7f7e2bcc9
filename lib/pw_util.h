/*  pw_util - allocation that aborts on out-of-memory, and a growable string.

    Out of memory is not an error Patchwarden recovers from (see STYLE): every
    allocation goes through these wrappers, which abort with a message. The
    string builder is what error messages, JSON output and tables are built
    with.
*/
#ifndef PW_UTIL_H_INCLUDED
#define PW_UTIL_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void *pw_malloc (size_t size);
void *pw_calloc (size_t count, size_t size);
void *pw_realloc (void *ptr, size_t size);
//  Returns a copy of TEXT, or NULL when TEXT is NULL.
char *pw_strdup (const char *text);
char *pw_strndup (const char *text, size_t len);
//  printf into a new string; caller owns.
char *pw_sprintf (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
//  The strings given, up to a NULL, as one new string; caller owns. For
//  text built often enough that printf's parsing is the cost.
char *pw_concat (const char *first, ...) __attribute__ ((sentinel));

//  Sets *ERROR_P to a new message (caller frees); does nothing when ERROR_P
//  is NULL. The one way domain classes report what is wrong.
//  Sorts COUNT items of SIZE bytes each by their leading int64_t, stably, in
//  time linear in COUNT (a radix sort on the key less the least key, 16 bits
//  a pass: two passes for keys within 4 billion of each other, four at
//  most). Uses a copy of the items as scratch.
void pw_sort_by_i64 (void *items, size_t count, size_t size);

void pw_set_error (char **error_p, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

//  Index of ID in the ascending array IDS of COUNT, or -1.
long pw_find_id (const int64_t *ids, size_t count, int64_t id);

//  The head of every entry of a cache kept per tenant (the audit's patch
//  facts, the scheduler's agents): the tenant it holds (NULL: none) and the
//  cache's clock when it was last used.
typedef struct {
    char *tenant;
    uint64_t used;
} pw_tenant_slot_t;

//  True when SLOT holds TENANT.
bool pw_tenant_slot_holds (const pw_tenant_slot_t *slot, const char *tenant);
//  Of ENTRIES (COUNT of SIZE bytes each, each beginning with a
//  pw_tenant_slot_t), the one that holds TENANT, else the one to give it: a
//  free one, else the least recently used. COUNT is at least 1.
void *pw_tenant_slot_find (void *entries, size_t count, size_t size, const char *tenant);

//  Reads the next element of a bigint[] literal as PostgreSQL writes it
//  ("{1,-2,3}"), *P_P just past its "{" or after an element: true with the
//  id in *ID_P and *P_P past it and its comma; false at the closing "}" (or
//  anything else), *P_P left there. Digits only: no spaces, no NULLs.
bool pw_array_next_id (const char **p_p, int64_t *id_p);

//  A growable, always NUL-terminated string.
typedef struct {
    char *data; //  NULL only after pw_strbuf_take, until the next append
    size_t len;
    size_t cap;
} pw_strbuf_t;

//  The allocator keeps what the process frees for its next allocations
//  instead of handing it back to the system: every block comes from its
//  heap (none from a fresh mapping) and the heap is never trimmed. For
//  services that rebuild a large state whole, right after freeing the last
//  one (a tenant at 50,000 agents: some hundred megabytes): a fresh page
//  costs a page fault and zeroing on its first touch, which on a virtual
//  machine where faults are dear was half of a warm resolution (610 ms
//  against 306 ms). Called once, at start (pw_service_new).
void pw_memory_keep (void);

//  Hands the memory the process holds free back to the system (after a
//  transient peak, such as a parsed import file).
void pw_memory_release (void);

void pw_strbuf_init (pw_strbuf_t *self);
void pw_strbuf_free (pw_strbuf_t *self);
void pw_strbuf_reset (pw_strbuf_t *self);
void pw_strbuf_append (pw_strbuf_t *self, const char *text);
void pw_strbuf_append_len (pw_strbuf_t *self, const char *text, size_t len);
//  Appends VALUE in decimal (no printf: for long lists of ids).
void pw_strbuf_append_i64 (pw_strbuf_t *self, int64_t value);
void pw_strbuf_appendf (pw_strbuf_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));
void pw_strbuf_vappendf (pw_strbuf_t *self, const char *format, va_list args);
//  Appends TEXT as a JSON string literal, quotes included; NULL gives `null`.
void pw_strbuf_append_json (pw_strbuf_t *self, const char *text);
//  Hands the buffer to the caller (who frees it) and leaves SELF empty.
char *pw_strbuf_take (pw_strbuf_t *self);

#ifdef __cplusplus
}
#endif

#endif
