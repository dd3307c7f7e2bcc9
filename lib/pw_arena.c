/*  pw_arena - chunks of 64 KiB (or larger for big requests), freed together. */
#include "pw_arena.h"

#include <stdlib.h>
#include <string.h>

#include "pw_util.h"

typedef struct s_chunk {
    struct s_chunk *next;
    size_t used;
    size_t cap;
    max_align_t data [];
} s_chunk_t;

struct _pw_arena_t {
    s_chunk_t *head;
    size_t total;
};

pw_arena_t *
pw_arena_new (void)
{
    return pw_calloc (1, sizeof (pw_arena_t));
}

void
pw_arena_destroy (pw_arena_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_chunk_t *chunk = (*self_p)->head;
    while (chunk) {
        s_chunk_t *next = chunk->next;
        free (chunk);
        chunk = next;
    }
    free (*self_p);
    *self_p = NULL;
}

void *
pw_arena_alloc (pw_arena_t *self, size_t size)
{
    size_t align = sizeof (max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (!self->head || self->head->used + size > self->head->cap) {
        size_t cap = size > 65536 ? size : 65536;
        s_chunk_t *chunk = pw_malloc (sizeof (s_chunk_t) + cap);
        chunk->used = 0;
        chunk->cap = cap;
        chunk->next = self->head;
        self->head = chunk;
        self->total += cap;
    }
    void *ptr = (char *)self->head->data + self->head->used;
    self->head->used += size;
    memset (ptr, 0, size);
    return ptr;
}

char *
pw_arena_strndup (pw_arena_t *self, const char *text, size_t len)
{
    char *copy = pw_arena_alloc (self, len + 1);
    memcpy (copy, text, len);
    copy [len] = '\0';
    return copy;
}

char *
pw_arena_strdup (pw_arena_t *self, const char *text)
{
    return text ? pw_arena_strndup (self, text, strlen (text)) : NULL;
}

size_t
pw_arena_size (const pw_arena_t *self)
{
    return self->total;
}
