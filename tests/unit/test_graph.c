/*  test_graph - dependency graph: adjacency, components, cycles, order. */
#include "pw_graph.h"
#include "../pw_test.h"

//  Position of each node in pw_graph_order, to check "dependencies first".
static void
s_positions (const pw_graph_t *graph, int *pos)
{
    const int *order = pw_graph_order (graph);
    for (size_t i = 0; i < pw_graph_size (graph); i++)
        pos [order [i]] = (int)i;
}

static void
s_test_empty (void)
{
    pw_graph_t *graph = pw_graph_new (0);
    pw_graph_analyze (graph);
    PW_CHECK_INT (pw_graph_size (graph), 0);
    PW_CHECK_INT (pw_graph_component_count (graph), 0);
    PW_CHECK_INT (pw_graph_cycle_count (graph), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 0, 0), -1);
    pw_graph_destroy (&graph);
    PW_CHECK (graph == NULL);
    pw_graph_destroy (&graph); //  NULL-safe
    pw_graph_destroy (NULL);
}

//  0 <- 1 <- 2: node 2 depends on 1, 1 on 0.
static void
s_test_chain (void)
{
    pw_graph_t *graph = pw_graph_new (3);
    PW_CHECK_INT (pw_graph_add_edge (graph, 2, 1), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 1, 0), 0);
    pw_graph_analyze (graph);
    PW_CHECK_INT (pw_graph_component_count (graph), 3);
    PW_CHECK_INT (pw_graph_cycle_count (graph), 0);
    const int *order = pw_graph_order (graph);
    PW_CHECK_INT (order [0], 0);
    PW_CHECK_INT (order [1], 1);
    PW_CHECK_INT (order [2], 2);
    PW_CHECK_INT (pw_graph_component (graph, 0), 0);
    PW_CHECK_INT (pw_graph_component (graph, 2), 2);
    size_t count;
    const int *deps = pw_graph_depends_on (graph, 2, &count);
    PW_CHECK_INT (count, 1);
    PW_CHECK_INT (deps [0], 1);
    const int *dependents = pw_graph_dependents (graph, 0, &count);
    PW_CHECK_INT (count, 1);
    PW_CHECK_INT (dependents [0], 1);
    pw_graph_depends_on (graph, 0, &count);
    PW_CHECK_INT (count, 0);
    PW_CHECK (!pw_graph_on_cycle (graph, 1));
    pw_graph_destroy (&graph);
}

//  Diamond: 3 depends on 1 and 2, both depend on 0; edges added in a
//  scrambled order, one of them twice.
static void
s_test_diamond_and_duplicates (void)
{
    pw_graph_t *graph = pw_graph_new (4);
    PW_CHECK_INT (pw_graph_add_edge (graph, 3, 2), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 2, 0), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 3, 1), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 1, 0), 0);
    PW_CHECK_INT (pw_graph_add_edge (graph, 3, 2), 0);
    pw_graph_analyze (graph);
    PW_CHECK_INT (pw_graph_edge_count (graph), 4);
    PW_CHECK_INT (pw_graph_duplicate_count (graph), 1);
    size_t count;
    const int *deps = pw_graph_depends_on (graph, 3, &count);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (deps [0], 1);
    PW_CHECK_INT (deps [1], 2);
    const int *dependents = pw_graph_dependents (graph, 0, &count);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (dependents [0], 1);
    PW_CHECK_INT (dependents [1], 2);
    int pos [4];
    s_positions (graph, pos);
    PW_CHECK (pos [0] < pos [1] && pos [0] < pos [2]);
    PW_CHECK (pos [1] < pos [3] && pos [2] < pos [3]);
    PW_CHECK_INT (pw_graph_cycle_count (graph), 0);
    pw_graph_destroy (&graph);
}

//  Nodes 0-1 form a 2-cycle, 2..6 a 5-cycle, 7 loops on itself, 8 depends
//  on 0 (outside the cycle), 9 and 10 are a healthy pair.
static void
s_test_cycles (void)
{
    pw_graph_t *graph = pw_graph_new (11);
    pw_graph_add_edge (graph, 0, 1);
    pw_graph_add_edge (graph, 1, 0);
    pw_graph_add_edge (graph, 2, 3);
    pw_graph_add_edge (graph, 3, 4);
    pw_graph_add_edge (graph, 4, 5);
    pw_graph_add_edge (graph, 5, 6);
    pw_graph_add_edge (graph, 6, 2);
    PW_CHECK_INT (pw_graph_add_edge (graph, 7, 7), 0);
    pw_graph_add_edge (graph, 8, 0);
    pw_graph_add_edge (graph, 10, 9);
    pw_graph_analyze (graph);

    PW_CHECK_INT (pw_graph_cycle_count (graph), 3);
    PW_CHECK_INT (pw_graph_component_count (graph), 6);
    for (int v = 0; v <= 7; v++)
        PW_CHECK (pw_graph_on_cycle (graph, v));
    PW_CHECK (!pw_graph_on_cycle (graph, 8));
    PW_CHECK (!pw_graph_on_cycle (graph, 9));
    PW_CHECK (!pw_graph_on_cycle (graph, 10));
    PW_CHECK (pw_graph_has_self_loop (graph, 7));
    PW_CHECK (!pw_graph_has_self_loop (graph, 0));
    size_t count;
    pw_graph_depends_on (graph, 7, &count);
    PW_CHECK_INT (count, 0); //  the self-loop is not in the list

    //  Each cycle once, members ascending.
    int seen_two = 0, seen_five = 0, seen_one = 0;
    for (size_t k = 0; k < pw_graph_cycle_count (graph); k++) {
        const int *members = pw_graph_cycle (graph, k, &count);
        if (count == 2) {
            seen_two++;
            PW_CHECK_INT (members [0], 0);
            PW_CHECK_INT (members [1], 1);
        } else if (count == 5) {
            seen_five++;
            for (int i = 0; i < 5; i++)
                PW_CHECK_INT (members [i], 2 + i);
        } else if (count == 1) {
            seen_one++;
            PW_CHECK_INT (members [0], 7);
        }
    }
    PW_CHECK_INT (seen_two, 1);
    PW_CHECK_INT (seen_five, 1);
    PW_CHECK_INT (seen_one, 1);
    PW_CHECK (pw_graph_component (graph, 0) == pw_graph_component (graph, 1));
    PW_CHECK (pw_graph_component (graph, 2) == pw_graph_component (graph, 6));
    PW_CHECK (pw_graph_component (graph, 0) != pw_graph_component (graph, 2));
    //  8 depends on the 2-cycle, so it comes after it.
    PW_CHECK (pw_graph_component (graph, 8) > pw_graph_component (graph, 0));
    PW_CHECK (pw_graph_component (graph, 10) > pw_graph_component (graph, 9));
    pw_graph_destroy (&graph);
}

static void
s_test_bad_input (void)
{
    pw_graph_t *graph = pw_graph_new (3);
    PW_CHECK_INT (pw_graph_add_edge (graph, 3, 0), -1);
    PW_CHECK (strstr (pw_graph_error (graph), "unknown node") != NULL);
    PW_CHECK_INT (pw_graph_add_edge (graph, 0, -1), -1);
    PW_CHECK_INT (pw_graph_add_edge (graph, -5, 1), -1);
    PW_CHECK_INT (pw_graph_add_edge (graph, 1, 0), 0);
    pw_graph_analyze (graph);
    pw_graph_analyze (graph); //  idempotent
    PW_CHECK_INT (pw_graph_add_edge (graph, 2, 0), -1);
    PW_CHECK (strstr (pw_graph_error (graph), "already analyzed") != NULL);
    PW_CHECK_INT (pw_graph_edge_count (graph), 1);
    PW_CHECK_INT (pw_graph_component_count (graph), 3);
    pw_graph_destroy (&graph);
}

//  Every edge goes from a higher (or equal) component to a lower one, on a
//  graph with cycles hanging off a tree.
static void
s_test_component_numbering (void)
{
    enum { N = 200 };
    pw_graph_t *graph = pw_graph_new (N);
    unsigned seed = 12345;
    int from [600], to [600];
    for (int e = 0; e < 600; e++) {
        seed = seed * 1103515245u + 12345u;
        from [e] = (int)((seed >> 8) % N);
        seed = seed * 1103515245u + 12345u;
        to [e] = (int)((seed >> 8) % N);
        pw_graph_add_edge (graph, from [e], to [e]);
    }
    pw_graph_analyze (graph);
    for (int e = 0; e < 600; e++)
        PW_CHECK (pw_graph_component (graph, from [e]) >= pw_graph_component (graph, to [e]));
    //  The order lists every node once.
    int seen [N] = {0};
    const int *order = pw_graph_order (graph);
    for (int i = 0; i < N; i++)
        seen [order [i]]++;
    for (int i = 0; i < N; i++)
        PW_CHECK_INT (seen [i], 1);
    pw_graph_destroy (&graph);
}

//  5,000-node chain and a 5,000-node ring: no recursion, so no deep stack.
static void
s_test_deep (void)
{
    enum { N = 5000 };
    pw_graph_t *chain = pw_graph_new (N);
    for (int i = 1; i < N; i++)
        pw_graph_add_edge (chain, i, i - 1);
    pw_graph_analyze (chain);
    PW_CHECK_INT (pw_graph_component_count (chain), N);
    PW_CHECK_INT (pw_graph_cycle_count (chain), 0);
    const int *order = pw_graph_order (chain);
    int in_order = 1;
    for (int i = 0; i < N; i++)
        if (order [i] != i)
            in_order = 0;
    PW_CHECK (in_order);
    pw_graph_destroy (&chain);

    pw_graph_t *ring = pw_graph_new (N);
    for (int i = 0; i < N; i++)
        pw_graph_add_edge (ring, i, (i + 1) % N);
    pw_graph_analyze (ring);
    PW_CHECK_INT (pw_graph_component_count (ring), 1);
    PW_CHECK_INT (pw_graph_cycle_count (ring), 1);
    size_t count;
    pw_graph_cycle (ring, 0, &count);
    PW_CHECK_INT (count, N);
    pw_graph_destroy (&ring);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_empty);
    PW_RUN (s_test_chain);
    PW_RUN (s_test_diamond_and_duplicates);
    PW_RUN (s_test_cycles);
    PW_RUN (s_test_bad_input);
    PW_RUN (s_test_component_numbering);
    PW_RUN (s_test_deep);
    return PW_TEST_END ();
}
