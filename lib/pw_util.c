/*  pw_util - allocation wrappers and the string builder. */
#include "pw_util.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_out_of_memory (size_t size)
{
    fprintf (stderr, "level=fatal msg=\"out of memory\" bytes=%zu\n", size);
    abort ();
}

void *
pw_malloc (size_t size)
{
    void *ptr = malloc (size ? size : 1);
    if (!ptr)
        s_out_of_memory (size);
    return ptr;
}

void *
pw_calloc (size_t count, size_t size)
{
    void *ptr = calloc (count ? count : 1, size ? size : 1);
    if (!ptr)
        s_out_of_memory (count * size);
    return ptr;
}

void *
pw_realloc (void *ptr, size_t size)
{
    void *new_ptr = realloc (ptr, size ? size : 1);
    if (!new_ptr)
        s_out_of_memory (size);
    return new_ptr;
}

char *
pw_strdup (const char *text)
{
    return text ? pw_strndup (text, strlen (text)) : NULL;
}

char *
pw_strndup (const char *text, size_t len)
{
    char *copy = pw_malloc (len + 1);
    memcpy (copy, text, len);
    copy [len] = '\0';
    return copy;
}

char *
pw_sprintf (const char *format, ...)
{
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    va_list args;
    va_start (args, format);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    return pw_strbuf_take (&buf);
}

char *
pw_concat (const char *first, ...)
{
    va_list args;
    size_t len = 0;
    va_start (args, first);
    for (const char *part = first; part; part = va_arg (args, const char *))
        len += strlen (part);
    va_end (args);
    char *text = pw_malloc (len + 1), *at = text;
    va_start (args, first);
    for (const char *part = first; part; part = va_arg (args, const char *)) {
        size_t n = strlen (part);
        memcpy (at, part, n);
        at += n;
    }
    va_end (args);
    *at = '\0';
    return text;
}

void
pw_strbuf_init (pw_strbuf_t *self)
{
    self->cap = 64;
    self->len = 0;
    self->data = pw_malloc (self->cap);
    self->data [0] = '\0';
}

void
pw_strbuf_free (pw_strbuf_t *self)
{
    free (self->data);
    self->data = NULL;
    self->len = self->cap = 0;
}

void
pw_strbuf_reset (pw_strbuf_t *self)
{
    self->len = 0;
    if (self->data)
        self->data [0] = '\0';
}

static void
s_reserve (pw_strbuf_t *self, size_t extra)
{
    if (self->len + extra + 1 <= self->cap)
        return;
    size_t cap = self->cap ? self->cap : 64;
    while (cap < self->len + extra + 1)
        cap *= 2;
    self->data = pw_realloc (self->data, cap);
    self->cap = cap;
}

void
pw_strbuf_append_len (pw_strbuf_t *self, const char *text, size_t len)
{
    s_reserve (self, len);
    memcpy (self->data + self->len, text, len);
    self->len += len;
    self->data [self->len] = '\0';
}

bool
pw_tenant_slot_holds (const pw_tenant_slot_t *slot, const char *tenant)
{
    return slot->tenant && strcmp (slot->tenant, tenant) == 0;
}

void *
pw_tenant_slot_find (void *entries, size_t count, size_t size, const char *tenant)
{
    char *base = entries;
    pw_tenant_slot_t *victim = entries;
    for (size_t i = 0; i < count; i++) {
        pw_tenant_slot_t *slot = (pw_tenant_slot_t *)(base + i * size);
        if (pw_tenant_slot_holds (slot, tenant))
            return slot;
        if (!slot->tenant ? victim->tenant != NULL : victim->tenant && slot->used < victim->used)
            victim = slot;
    }
    return victim;
}

bool
pw_array_next_id (const char **p_p, int64_t *id_p)
{
    const char *p = *p_p;
    bool negative = *p == '-';
    p += negative;
    if (*p < '0' || *p > '9')
        return false;
    uint64_t id = 0;
    while (*p >= '0' && *p <= '9')
        id = id * 10 + (uint64_t)(*p++ - '0');
    *id_p = (int64_t)(negative ? 0 - id : id);
    *p_p = *p == ',' ? p + 1 : p;
    return true;
}

void
pw_strbuf_append_i64 (pw_strbuf_t *self, int64_t value)
{
    char digits [24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits [sizeof digits - 1 - n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        digits [sizeof digits - 1 - n++] = '-';
    pw_strbuf_append_len (self, digits + sizeof digits - n, n);
}

void
pw_strbuf_append (pw_strbuf_t *self, const char *text)
{
    pw_strbuf_append_len (self, text, strlen (text));
}

void
pw_strbuf_vappendf (pw_strbuf_t *self, const char *format, va_list args)
{
    va_list copy;
    va_copy (copy, args);
    int need = vsnprintf (NULL, 0, format, copy);
    va_end (copy);
    if (need < 0)
        return;
    s_reserve (self, (size_t)need);
    vsnprintf (self->data + self->len, (size_t)need + 1, format, args);
    self->len += (size_t)need;
}

void
pw_strbuf_appendf (pw_strbuf_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    pw_strbuf_vappendf (self, format, args);
    va_end (args);
}

void
pw_strbuf_append_json (pw_strbuf_t *self, const char *text)
{
    if (!text) {
        pw_strbuf_append (self, "null");
        return;
    }
    pw_strbuf_append_len (self, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
            case '"': pw_strbuf_append_len (self, "\\\"", 2); break;
            case '\\': pw_strbuf_append_len (self, "\\\\", 2); break;
            case '\n': pw_strbuf_append_len (self, "\\n", 2); break;
            case '\r': pw_strbuf_append_len (self, "\\r", 2); break;
            case '\t': pw_strbuf_append_len (self, "\\t", 2); break;
            default:
                if (*p < 0x20)
                    pw_strbuf_appendf (self, "\\u%04x", *p);
                else
                    pw_strbuf_append_len (self, (const char *)p, 1);
        }
    }
    pw_strbuf_append_len (self, "\"", 1);
}

char *
pw_strbuf_take (pw_strbuf_t *self)
{
    //  Leaves the builder empty without allocating; it grows again on the
    //  next append, and pw_strbuf_free is a no-op until then.
    char *data = self->data ? self->data : pw_strdup ("");
    self->data = NULL;
    self->len = self->cap = 0;
    return data;
}

void
pw_set_error (char **error_p, const char *format, ...)
{
    if (!error_p)
        return;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    va_list args;
    va_start (args, format);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    *error_p = pw_strbuf_take (&buf);
}

long
pw_find_id (const int64_t *ids, size_t count, int64_t id)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids [mid] == id)
            return (long)mid;
        if (ids [mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static uint64_t
s_key (const char *item, int64_t least)
{
    int64_t key;
    memcpy (&key, item, sizeof key);
    return (uint64_t)key - (uint64_t)least;
}

void
pw_sort_by_i64 (void *items, size_t count, size_t size)
{
    if (count < 2)
        return;
    char *base = items;
    int64_t least, most;
    memcpy (&least, base, sizeof least);
    most = least;
    for (size_t i = 1; i < count; i++) {
        int64_t key;
        memcpy (&key, base + i * size, sizeof key);
        least = key < least ? key : least;
        most = key > most ? key : most;
    }
    uint64_t range = (uint64_t)most - (uint64_t)least;
    char *buf = pw_malloc (count * size), *from = base, *to = buf;
    size_t *offset = pw_malloc ((1 << 16) * sizeof *offset);
    for (unsigned shift = 0; shift < 64 && (shift == 0 || range >> shift); shift += 16) {
        memset (offset, 0, (1 << 16) * sizeof *offset);
        for (size_t i = 0; i < count; i++)
            offset [(s_key (from + i * size, least) >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 1 << 16; d++) {
            size_t n = offset [d];
            offset [d] = sum;
            sum += n;
        }
        for (size_t i = 0; i < count; i++) {
            size_t at = offset [(s_key (from + i * size, least) >> shift) & 0xffff]++;
            memcpy (to + at * size, from + i * size, size);
        }
        char *swap = from;
        from = to;
        to = swap;
    }
    if (from != base)
        memcpy (base, from, count * size);
    free (offset);
    free (buf);
}

void
pw_memory_keep (void)
{
    mallopt (M_MMAP_MAX, 0);
    mallopt (M_TRIM_THRESHOLD, INT_MAX);
}

void
pw_memory_release (void)
{
    malloc_trim (0);
}
