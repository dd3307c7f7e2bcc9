/*  test_util - pw_sort_by_i64 against a comparison sort: keys of every
    range (one pass, two, four), negative keys, ties kept in their order;
    pw_strbuf_append_i64 against printf at the edges of the range, bigint[]
    literals read back element by element, a per-tenant cache's entry
    picked; memory kept by the allocator for the next rebuild, and handed
    back on demand. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pw_util.h"
#include "../pw_test.h"

typedef struct {
    int64_t key;
    uint32_t order; //  position before the sort
} s_item_t;

static int
s_by_key_order (const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  Sorts COUNT items with keys drawn from [LEAST, LEAST + SPAN) (SPAN 0:
//  the whole int64 range) both ways and compares: a stable sort gives the
//  same order as sorting by key, then by position.
static void
s_check (size_t count, int64_t least, uint64_t span, unsigned seed)
{
    s_item_t *items = pw_calloc (count + 1, sizeof *items);
    s_item_t *expected = pw_calloc (count + 1, sizeof *items);
    uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < count; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        uint64_t offset = span ? state % span : state;
        items [i] = (s_item_t){(int64_t)((uint64_t)least + offset), (uint32_t)i};
    }
    memcpy (expected, items, count * sizeof *items);
    qsort (expected, count, sizeof *expected, s_by_key_order);
    pw_sort_by_i64 (items, count, sizeof *items);
    size_t wrong = 0;
    for (size_t i = 0; i < count; i++)
        wrong += items [i].key != expected [i].key || items [i].order != expected [i].order;
    if (wrong)
        PW_FAIL_AT ("%zu items, keys from %lld over %llu: %zu out of place", count,
                    (long long)least, (unsigned long long)span, wrong);
    free (items);
    free (expected);
}

static void
s_test_ranges (void)
{
    s_check (0, 0, 10, 1);
    s_check (1, 5, 10, 1);
    s_check (1000, 1, 50000, 2);                  //  agent ids of a tenant: one pass
    s_check (5000, 1, 100, 3);                    //  many ties
    s_check (20000, 100000, 1ULL << 20, 4);       //  two passes
    s_check (20000, -(1LL << 40), 1ULL << 41, 5); //  negative keys, three passes
    s_check (20000, INT64_MIN, 0, 6);             //  the whole range: four passes
}

static void
s_test_sorted_and_reversed (void)
{
    size_t count = 70000;
    s_item_t *items = pw_calloc (count, sizeof *items);
    for (size_t i = 0; i < count; i++)
        items [i] = (s_item_t){(int64_t)(count - i) * 3, (uint32_t)i};
    pw_sort_by_i64 (items, count, sizeof *items);
    size_t wrong = 0;
    for (size_t i = 0; i < count; i++)
        wrong += items [i].key != (int64_t)(i + 1) * 3;
    PW_CHECK_INT (wrong, 0);
    pw_sort_by_i64 (items, count, sizeof *items);
    for (size_t i = 0; i < count; i++)
        wrong += items [i].key != (int64_t)(i + 1) * 3 || items [i].order != count - 1 - i;
    PW_CHECK_INT (wrong, 0);
    free (items);
}

static void
s_test_append_i64 (void)
{
    const int64_t values [] = {
        0, 1, -1, 9, 10, 99, 100, 1234567890123LL, -42, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    pw_strbuf_t got, expected;
    pw_strbuf_init (&got);
    pw_strbuf_init (&expected);
    for (size_t i = 0; i < sizeof values / sizeof values [0]; i++) {
        pw_strbuf_append_len (&got, ",", i > 0);
        pw_strbuf_append_i64 (&got, values [i]);
        pw_strbuf_appendf (&expected, "%s%" PRId64, i ? "," : "", values [i]);
    }
    PW_CHECK_STR (got.data, expected.data);
    PW_CHECK_STR (got.data, "0,1,-1,9,10,99,100,1234567890123,-42,9223372036854775807,"
                            "-9223372036854775808,-9223372036854775807");
    pw_strbuf_free (&got);
    pw_strbuf_free (&expected);
}

//  bigint[] literals as PostgreSQL writes them, read back element by
//  element: the edges of the range, the empty array, and where a reader
//  stops on what is not an element.
static void
s_test_array_ids (void)
{
    const char *text = "{0,7,-42,9223372036854775807,-9223372036854775808}";
    const int64_t expected [] = {0, 7, -42, INT64_MAX, INT64_MIN};
    const char *p = text + 1;
    int64_t id;
    size_t n = 0;
    while (pw_array_next_id (&p, &id)) {
        PW_CHECK (n < sizeof expected / sizeof expected [0]);
        if (n < sizeof expected / sizeof expected [0])
            PW_CHECK (id == expected [n]);
        n++;
    }
    PW_CHECK_INT (n, 5);
    PW_CHECK_STR (p, "}");
    p = "{}" + 1;
    PW_CHECK (!pw_array_next_id (&p, &id));
    PW_CHECK_STR (p, "}");
    p = "{NULL}" + 1;
    PW_CHECK (!pw_array_next_id (&p, &id));
    PW_CHECK_STR (p, "NULL}");
    p = "{-}" + 1;
    PW_CHECK (!pw_array_next_id (&p, &id));
}

//  A cache's entry for a tenant: the one that holds it, else a free one,
//  else the least recently used.
static void
s_test_tenant_slots (void)
{
    struct {
        pw_tenant_slot_t slot;
        int payload;
    } entries [3] = {{{"a", 5}, 0}, {{NULL, 0}, 1}, {{"c", 2}, 2}};
    PW_CHECK (pw_tenant_slot_find (entries, 3, sizeof entries [0], "c") == &entries [2]);
    PW_CHECK (pw_tenant_slot_holds (&entries [0].slot, "a"));
    PW_CHECK (!pw_tenant_slot_holds (&entries [1].slot, "a"));
    PW_CHECK (!pw_tenant_slot_holds (&entries [2].slot, "a"));
    //  Not held: the free entry, though another was used longer ago
    PW_CHECK (pw_tenant_slot_find (entries, 3, sizeof entries [0], "d") == &entries [1]);
    //  None free: the least recently used
    entries [1].slot = (pw_tenant_slot_t){"b", 9};
    PW_CHECK (pw_tenant_slot_find (entries, 3, sizeof entries [0], "d") == &entries [2]);
    entries [2].slot.used = 7;
    PW_CHECK (pw_tenant_slot_find (entries, 3, sizeof entries [0], "d") == &entries [0]);
}

#if !defined(__SANITIZE_ADDRESS__)
//  Page faults taken so far by this process.
static long
s_faults (void)
{
    struct rusage usage;
    getrusage (RUSAGE_SELF, &usage);
    return usage.ru_minflt + usage.ru_majflt;
}

//  Faults taken touching every page of a fresh block of BYTES, which is
//  then freed.
static long
s_faults_touching (size_t bytes)
{
    long before = s_faults ();
    char *block = malloc (bytes);
    if (!block)
        return -1;
    memset (block, 1, bytes);
    //  The block is used: the compiler may not drop it with its writes
    __asm__ volatile("" : : "r"(block) : "memory");
    long faults = s_faults () - before;
    free (block);
    return faults;
}
#endif

//  After pw_memory_keep a block of 64 MB (past the allocator's largest
//  mmap threshold) comes from its heap and is kept when freed: the next
//  one of the same size reuses its pages without faulting. After
//  pw_memory_release the pages are gone and fault again. (The sanitizers
//  bring their own allocator, which the settings do not reach.)
static void
s_test_memory_kept (void)
{
#if defined(__SANITIZE_ADDRESS__)
    fprintf (stderr, "    skipped: the sanitizer's allocator\n");
#else
    const size_t bytes = 64u << 20;
    const long pages = (long)(bytes / 4096);
    pw_memory_keep ();
    long first = s_faults_touching (bytes);
    long again = s_faults_touching (bytes);
    PW_CHECK (first >= pages / 2);
    PW_CHECK (again >= 0 && again < pages / 20);
    pw_memory_release ();
    long released = s_faults_touching (bytes);
    PW_CHECK (released >= pages / 2);
    if (again >= pages / 20 || released < pages / 2)
        fprintf (stderr, "    faults: first %ld, again %ld, after release %ld of %ld pages\n",
                 first, again, released, pages);
#endif
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_ranges);
    PW_RUN (s_test_sorted_and_reversed);
    PW_RUN (s_test_append_i64);
    PW_RUN (s_test_array_ids);
    PW_RUN (s_test_tenant_slots);
    PW_RUN (s_test_memory_kept);
    return PW_TEST_END ();
}
