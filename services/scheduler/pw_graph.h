/*  pw_graph - the dependency graph over a tenant's agents.

    Nodes are agent indices 0..N-1; an edge "agent depends on depends_on"
    means the agent is patched only after depends_on is patched, rebooted and
    healthy. The planner (pw_plan) builds one per plan, seals it with
    pw_graph_analyze, and then reads adjacency, strongly connected components
    (cycles) and a dependency-first order from it; the failure policy
    (pw_failure) walks its dependents lists. Components are found with an
    iterative Tarjan, so a 5,000-node chain needs no deep stack.

    After pw_graph_analyze the graph is read-only and may be shared between
    threads. Arrays returned by accessors belong to the graph and live as
    long as it does.
*/
#ifndef PW_GRAPH_H_INCLUDED
#define PW_GRAPH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_graph_t pw_graph_t;

//  Creates an empty graph over NODE_COUNT nodes (at most INT_MAX). Caller
//  owns; free with pw_graph_destroy.
pw_graph_t *pw_graph_new (size_t node_count);

//  Destroys the graph and nulls the caller's pointer. NULL-safe.
void pw_graph_destroy (pw_graph_t **self_p);

//  Adds "AGENT depends on DEPENDS_ON". Returns 0 when the edge is accepted,
//  -1 when a node index is out of range or the graph is already analyzed
//  (pw_graph_error says which). A self-loop is accepted and makes its node a
//  cycle of one; a duplicate edge is accepted and collapsed by
//  pw_graph_analyze (pw_graph_duplicate_count counts them).
int pw_graph_add_edge (pw_graph_t *self, int agent, int depends_on);

//  Seals the graph: builds sorted, de-duplicated adjacency lists and finds
//  the strongly connected components. Idempotent. Runs in O(V + E log E).
void pw_graph_analyze (pw_graph_t *self);

//  The message of the last failed call, "" when none. Owned by the graph.
const char *pw_graph_error (const pw_graph_t *self);

//  Number of nodes.
size_t pw_graph_size (const pw_graph_t *self);

//  Number of distinct edges, self-loops included (after analyze).
size_t pw_graph_edge_count (const pw_graph_t *self);

//  How many added edges repeated an earlier one (after analyze).
size_t pw_graph_duplicate_count (const pw_graph_t *self);

//  The nodes NODE depends on, ascending, without duplicates and without NODE
//  itself (a self-loop shows in pw_graph_has_self_loop). Sets *COUNT_P.
//  The graph must be analyzed.
const int *pw_graph_depends_on (const pw_graph_t *self, int node, size_t *count_p);

//  The nodes that depend on NODE, ascending, same rules.
const int *pw_graph_dependents (const pw_graph_t *self, int node, size_t *count_p);

//  True when an edge NODE -> NODE was added.
bool pw_graph_has_self_loop (const pw_graph_t *self, int node);

//  Strongly connected component of NODE. Components are numbered so that
//  every edge goes from a higher number to a lower or equal one: component
//  0 depends on nothing outside itself.
size_t pw_graph_component (const pw_graph_t *self, int node);

size_t pw_graph_component_count (const pw_graph_t *self);

//  True when NODE sits on a cycle: its component has more than one member,
//  or it depends on itself.
bool pw_graph_on_cycle (const pw_graph_t *self, int node);

//  Cycles: the components for which pw_graph_on_cycle holds, in component
//  order. Members are returned ascending; sets *COUNT_P.
size_t pw_graph_cycle_count (const pw_graph_t *self);

const int *pw_graph_cycle (const pw_graph_t *self, size_t index, size_t *count_p);

//  Every node once, dependencies before their dependents (members of one
//  cycle are adjacent, ascending). pw_graph_size entries.
const int *pw_graph_order (const pw_graph_t *self);

#ifdef __cplusplus
}
#endif

#endif
