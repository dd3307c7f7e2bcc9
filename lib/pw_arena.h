/*  pw_arena - a bump allocator for data that lives and dies together.

    A tenant's loaded state (strings of agents, catalogue rows, policies) is
    built once and freed at once; an arena makes that one free and keeps the
    strings close together. Allocations are never freed one by one.
*/
#ifndef PW_ARENA_H_INCLUDED
#define PW_ARENA_H_INCLUDED

#include <stddef.h>

typedef struct _pw_arena_t pw_arena_t;

pw_arena_t *pw_arena_new (void);
//  Frees everything allocated from the arena. NULL-safe.
void pw_arena_destroy (pw_arena_t **self_p);
//  SIZE bytes, zeroed, aligned for any type.
void *pw_arena_alloc (pw_arena_t *self, size_t size);
//  A copy of TEXT (NULL stays NULL).
char *pw_arena_strdup (pw_arena_t *self, const char *text);
char *pw_arena_strndup (pw_arena_t *self, const char *text, size_t len);
//  Bytes held, for metrics.
size_t pw_arena_size (const pw_arena_t *self);

#endif
