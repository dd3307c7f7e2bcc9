/*  pw_graph - dependency graph, adjacency and strongly connected components.

    Edges are collected as packed 64-bit keys, then sorted once: that gives
    de-duplicated, ascending adjacency lists (so results never depend on the
    order edges were added) in compressed rows. Tarjan's algorithm runs with
    an explicit frame stack instead of recursion; since edges point from an
    agent to what it depends on, Tarjan emits a component only after every
    component it depends on, which is exactly the dependency-first numbering
    the planner wants.
*/
#include "pw_graph.h"
#include "pw_util.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct _pw_graph_t {
    size_t size;
    bool analyzed;
    char error [160];

    uint64_t *keys; //  (agent << 32) | depends_on, as added
    size_t key_count;
    size_t key_cap;
    size_t duplicates;
    size_t edge_count;

    bool *self_loop;
    size_t *dep_start; //  size + 1 offsets into deps
    int *deps;
    size_t *rdep_start; //  size + 1 offsets into rdeps
    int *rdeps;

    size_t *component;
    size_t component_count;
    int *order;         //  nodes by component, dependencies first
    size_t *comp_start; //  component_count + 1 offsets into order
    size_t *cycle_comp; //  component ids that are cycles
    size_t cycle_count;
};

pw_graph_t *
pw_graph_new (size_t node_count)
{
    assert (node_count <= INT_MAX);
    pw_graph_t *self = pw_calloc (1, sizeof (pw_graph_t));
    self->size = node_count;
    self->self_loop = pw_calloc (node_count, sizeof (bool));
    return self;
}

void
pw_graph_destroy (pw_graph_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_graph_t *self = *self_p;
    free (self->keys);
    free (self->self_loop);
    free (self->dep_start);
    free (self->deps);
    free (self->rdep_start);
    free (self->rdeps);
    free (self->component);
    free (self->order);
    free (self->comp_start);
    free (self->cycle_comp);
    free (self);
    *self_p = NULL;
}

int
pw_graph_add_edge (pw_graph_t *self, int agent, int depends_on)
{
    assert (self);
    if (self->analyzed) {
        snprintf (self->error, sizeof self->error,
                  "graph is already analyzed; edge %d -> %d not added", agent, depends_on);
        return -1;
    }
    if (agent < 0 || (size_t)agent >= self->size || depends_on < 0 ||
        (size_t)depends_on >= self->size) {
        snprintf (self->error, sizeof self->error,
                  "edge %d -> %d names an unknown node (graph has %zu)", agent, depends_on,
                  self->size);
        return -1;
    }
    if (self->key_count == self->key_cap) {
        self->key_cap = self->key_cap ? self->key_cap * 2 : 64;
        self->keys = pw_realloc (self->keys, self->key_cap * sizeof (uint64_t));
    }
    self->keys [self->key_count++] = ((uint64_t)agent << 32) | (uint32_t)depends_on;
    return 0;
}

static int
s_compare_key (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

//  Sorts and de-duplicates the keys, then fills both compressed adjacency
//  tables. Reverse lists come out ascending because keys are visited in
//  ascending agent order.
static void
s_build_adjacency (pw_graph_t *self)
{
    if (self->key_count > 1)
        qsort (self->keys, self->key_count, sizeof (uint64_t), s_compare_key);
    size_t unique = 0;
    for (size_t i = 0; i < self->key_count; i++)
        if (unique == 0 || self->keys [unique - 1] != self->keys [i])
            self->keys [unique++] = self->keys [i];
    self->duplicates = self->key_count - unique;
    self->key_count = unique;
    self->edge_count = unique;

    size_t n = self->size;
    self->dep_start = pw_calloc (n + 1, sizeof (size_t));
    self->rdep_start = pw_calloc (n + 1, sizeof (size_t));
    size_t proper = 0;
    for (size_t i = 0; i < unique; i++) {
        int from = (int)(self->keys [i] >> 32);
        int to = (int)(self->keys [i] & 0xffffffffu);
        if (from == to) {
            self->self_loop [from] = true;
            continue;
        }
        self->dep_start [from + 1]++;
        self->rdep_start [to + 1]++;
        proper++;
    }
    for (size_t v = 0; v < n; v++) {
        self->dep_start [v + 1] += self->dep_start [v];
        self->rdep_start [v + 1] += self->rdep_start [v];
    }
    self->deps = pw_malloc (proper * sizeof (int));
    self->rdeps = pw_malloc (proper * sizeof (int));
    size_t *fill = pw_malloc ((n + 1) * sizeof (size_t));
    for (size_t v = 0; v <= n; v++)
        fill [v] = self->rdep_start [v];
    size_t d = 0;
    for (size_t i = 0; i < unique; i++) {
        int from = (int)(self->keys [i] >> 32);
        int to = (int)(self->keys [i] & 0xffffffffu);
        if (from == to)
            continue;
        self->deps [d++] = to;
        self->rdeps [fill [to]++] = from;
    }
    free (fill);
    free (self->keys);
    self->keys = NULL;
    self->key_cap = 0;
}

//  Iterative Tarjan. FRAME_NODE/FRAME_POS are the explicit call stack: the
//  node being visited and how far through its dependency list it has got.
static void
s_find_components (pw_graph_t *self)
{
    size_t n = self->size;
    const size_t unvisited = SIZE_MAX;
    size_t *index = pw_malloc (n * sizeof (size_t));
    size_t *low = pw_malloc (n * sizeof (size_t));
    bool *on_stack = pw_calloc (n, sizeof (bool));
    int *stack = pw_malloc (n * sizeof (int));
    int *frame_node = pw_malloc (n * sizeof (int));
    size_t *frame_pos = pw_malloc (n * sizeof (size_t));
    self->component = pw_malloc (n * sizeof (size_t));
    for (size_t v = 0; v < n; v++)
        index [v] = unvisited;

    size_t counter = 0, stack_len = 0, comp_count = 0;
    for (size_t root = 0; root < n; root++) {
        if (index [root] != unvisited)
            continue;
        size_t depth = 0;
        frame_node [depth] = (int)root;
        frame_pos [depth] = self->dep_start [root];
        depth++;
        index [root] = low [root] = counter++;
        stack [stack_len++] = (int)root;
        on_stack [root] = true;

        while (depth > 0) {
            int v = frame_node [depth - 1];
            size_t *pos = &frame_pos [depth - 1];
            if (*pos < self->dep_start [v + 1]) {
                int w = self->deps [(*pos)++];
                if (index [w] == unvisited) {
                    index [w] = low [w] = counter++;
                    stack [stack_len++] = w;
                    on_stack [w] = true;
                    frame_node [depth] = w;
                    frame_pos [depth] = self->dep_start [w];
                    depth++;
                } else if (on_stack [w] && index [w] < low [v])
                    low [v] = index [w];
                continue;
            }
            //  V is finished: close its component when it is the root of one.
            if (low [v] == index [v]) {
                int w;
                do {
                    w = stack [--stack_len];
                    on_stack [w] = false;
                    self->component [w] = comp_count;
                } while (w != v);
                comp_count++;
            }
            depth--;
            if (depth > 0) {
                int parent = frame_node [depth - 1];
                if (low [v] < low [parent])
                    low [parent] = low [v];
            }
        }
    }
    self->component_count = comp_count;
    free (index);
    free (low);
    free (on_stack);
    free (stack);
    free (frame_node);
    free (frame_pos);
}

//  Counting sort of nodes by component; ascending node index inside each.
static void
s_build_order (pw_graph_t *self)
{
    size_t n = self->size, c = self->component_count;
    self->comp_start = pw_calloc (c + 1, sizeof (size_t));
    for (size_t v = 0; v < n; v++)
        self->comp_start [self->component [v] + 1]++;
    for (size_t k = 0; k < c; k++)
        self->comp_start [k + 1] += self->comp_start [k];
    size_t *fill = pw_malloc ((c + 1) * sizeof (size_t));
    for (size_t k = 0; k <= c; k++)
        fill [k] = self->comp_start [k];
    self->order = pw_malloc ((n ? n : 1) * sizeof (int));
    for (size_t v = 0; v < n; v++)
        self->order [fill [self->component [v]]++] = (int)v;
    free (fill);

    self->cycle_comp = pw_malloc ((c ? c : 1) * sizeof (size_t));
    for (size_t k = 0; k < c; k++) {
        size_t members = self->comp_start [k + 1] - self->comp_start [k];
        int first = self->order [self->comp_start [k]];
        if (members > 1 || self->self_loop [first])
            self->cycle_comp [self->cycle_count++] = k;
    }
}

void
pw_graph_analyze (pw_graph_t *self)
{
    assert (self);
    if (self->analyzed)
        return;
    s_build_adjacency (self);
    s_find_components (self);
    s_build_order (self);
    self->analyzed = true;
}

const char *
pw_graph_error (const pw_graph_t *self)
{
    assert (self);
    return self->error;
}

size_t
pw_graph_size (const pw_graph_t *self)
{
    assert (self);
    return self->size;
}

size_t
pw_graph_edge_count (const pw_graph_t *self)
{
    assert (self && self->analyzed);
    return self->edge_count;
}

size_t
pw_graph_duplicate_count (const pw_graph_t *self)
{
    assert (self && self->analyzed);
    return self->duplicates;
}

const int *
pw_graph_depends_on (const pw_graph_t *self, int node, size_t *count_p)
{
    assert (self && self->analyzed && count_p);
    assert (node >= 0 && (size_t)node < self->size);
    *count_p = self->dep_start [node + 1] - self->dep_start [node];
    return self->deps + self->dep_start [node];
}

const int *
pw_graph_dependents (const pw_graph_t *self, int node, size_t *count_p)
{
    assert (self && self->analyzed && count_p);
    assert (node >= 0 && (size_t)node < self->size);
    *count_p = self->rdep_start [node + 1] - self->rdep_start [node];
    return self->rdeps + self->rdep_start [node];
}

bool
pw_graph_has_self_loop (const pw_graph_t *self, int node)
{
    assert (self && self->analyzed);
    assert (node >= 0 && (size_t)node < self->size);
    return self->self_loop [node];
}

size_t
pw_graph_component (const pw_graph_t *self, int node)
{
    assert (self && self->analyzed);
    assert (node >= 0 && (size_t)node < self->size);
    return self->component [node];
}

size_t
pw_graph_component_count (const pw_graph_t *self)
{
    assert (self && self->analyzed);
    return self->component_count;
}

bool
pw_graph_on_cycle (const pw_graph_t *self, int node)
{
    assert (self && self->analyzed);
    assert (node >= 0 && (size_t)node < self->size);
    size_t k = self->component [node];
    return self->comp_start [k + 1] - self->comp_start [k] > 1 || self->self_loop [node];
}

size_t
pw_graph_cycle_count (const pw_graph_t *self)
{
    assert (self && self->analyzed);
    return self->cycle_count;
}

const int *
pw_graph_cycle (const pw_graph_t *self, size_t index, size_t *count_p)
{
    assert (self && self->analyzed && count_p);
    assert (index < self->cycle_count);
    size_t k = self->cycle_comp [index];
    *count_p = self->comp_start [k + 1] - self->comp_start [k];
    return self->order + self->comp_start [k];
}

const int *
pw_graph_order (const pw_graph_t *self)
{
    assert (self && self->analyzed);
    return self->order;
}
