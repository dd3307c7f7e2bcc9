/*  test_gen - the synthetic fleet: determinism, sizes and ratios, the
    dependency graph (edges per size, depth, cycles), re-import of its
    files through pw_import and the setup parser, and speed.

    Run from the repository root (the catalogue is examples/data). With -v
    the timings are printed.
*/
#include <czmq.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_gen.h"
#include "pw_import.h"
#include "pw_setup.h"
#include "pw_util.h"
#include "../pw_test.h"

#define WINDOWS_CSV "examples/data/windows-updates.csv"

static pw_import_t *s_catalogue;

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static pw_gen_t *
s_fleet (uint64_t seed, size_t agents, int cycles)
{
    pw_gen_options_t options = {
        .seed = seed, .agents = agents, .catalogue = s_catalogue, .cycles = cycles};
    char *error = NULL;
    pw_gen_t *fleet = pw_gen_new (&options, &error);
    if (!fleet)
        PW_FAIL_AT ("pw_gen_new: %s", error);
    free (error);
    return fleet;
}

static size_t
s_index_of (const pw_import_agent_t *agents, size_t count, const char *hostname)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (agents [i].hostname, hostname) == 0)
            return i;
    return (size_t)-1;
}

//  The dependency graph as adjacency lists over agent indexes.
typedef struct {
    size_t count;
    size_t **after;
    size_t *after_count;
} s_graph_t;

static void
s_graph_build (s_graph_t *graph, const pw_gen_t *fleet)
{
    size_t count, dep_count;
    const pw_import_agent_t *agents = pw_gen_agents (fleet, &count);
    const pw_gen_dependency_t *deps = pw_gen_dependencies (fleet, &dep_count);
    zhashx_t *index = zhashx_new ();
    for (size_t i = 0; i < count; i++)
        zhashx_insert (index, agents [i].hostname, (void *)(i + 1));
    graph->count = count;
    graph->after = pw_calloc (count, sizeof (size_t *));
    graph->after_count = pw_calloc (count, sizeof (size_t));
    for (size_t d = 0; d < dep_count; d++) {
        size_t from = (size_t)zhashx_lookup (index, deps [d].agent) - 1;
        graph->after [from] = pw_calloc (deps [d].after_count, sizeof (size_t));
        for (size_t k = 0; k < deps [d].after_count; k++)
            graph->after [from][graph->after_count [from]++] =
                (size_t)zhashx_lookup (index, deps [d].after [k]) - 1;
    }
    zhashx_destroy (&index);
}

static size_t
s_edge_count (const s_graph_t *graph)
{
    size_t edges = 0;
    for (size_t v = 0; v < graph->count; v++)
        edges += graph->after_count [v];
    return edges;
}

static void
s_graph_free (s_graph_t *graph)
{
    for (size_t i = 0; i < graph->count; i++)
        free (graph->after [i]);
    free (graph->after);
    free (graph->after_count);
}

//  Tarjan's strongly connected components: the number of components with
//  more than one member (cycles), recursively (the graph is shallow).
typedef struct {
    s_graph_t *graph;
    int *index, *low;
    bool *on_stack;
    size_t *stack;
    size_t depth;
    int next;
    int cyclic;
    bool *member; //  on a cycle; may be NULL
} s_tarjan_t;

static void
s_strongconnect (s_tarjan_t *t, size_t v)
{
    t->index [v] = t->low [v] = t->next++;
    t->stack [t->depth++] = v;
    t->on_stack [v] = true;
    for (size_t k = 0; k < t->graph->after_count [v]; k++) {
        size_t w = t->graph->after [v][k];
        if (t->index [w] < 0) {
            s_strongconnect (t, w);
            if (t->low [w] < t->low [v])
                t->low [v] = t->low [w];
        } else if (t->on_stack [w] && t->index [w] < t->low [v])
            t->low [v] = t->index [w];
    }
    if (t->low [v] == t->index [v]) {
        size_t members = 0, w, top = t->depth;
        do {
            w = t->stack [--t->depth];
            t->on_stack [w] = false;
            members++;
        } while (w != v);
        if (members > 1)
            t->cyclic++;
        for (size_t k = t->depth; members > 1 && t->member && k < top; k++)
            t->member [t->stack [k]] = true;
    }
}

static int
s_cycle_count (s_graph_t *graph, bool *member)
{
    s_tarjan_t t = {graph,
                    pw_calloc (graph->count, sizeof (int)),
                    pw_calloc (graph->count, sizeof (int)),
                    pw_calloc (graph->count, sizeof (bool)),
                    pw_calloc (graph->count, sizeof (size_t)),
                    0,
                    0,
                    0,
                    member};
    for (size_t i = 0; i < graph->count; i++)
        t.index [i] = -1;
    for (size_t i = 0; i < graph->count; i++)
        if (t.index [i] < 0)
            s_strongconnect (&t, i);
    free (t.index);
    free (t.low);
    free (t.on_stack);
    free (t.stack);
    return t.cyclic;
}

//  Longest chain (in agents) of an acyclic graph.
static size_t
s_longest (s_graph_t *graph, size_t v, size_t *memo)
{
    if (memo [v])
        return memo [v];
    size_t best = 0;
    for (size_t k = 0; k < graph->after_count [v]; k++) {
        size_t length = s_longest (graph, graph->after [v][k], memo);
        if (length > best)
            best = length;
    }
    return memo [v] = best + 1;
}

//  --------------------------------------------------------------------------

static void
s_test_determinism (void)
{
    pw_gen_t *a = s_fleet (42, 600, 1), *b = s_fleet (42, 600, 1), *c = s_fleet (43, 600, 1);
    for (int f = 0; f < PW_GEN_FILE_COUNT; f++) {
        char *ta = pw_gen_render (a, (pw_gen_file_t)f);
        char *tb = pw_gen_render (b, (pw_gen_file_t)f);
        char *tc = pw_gen_render (c, (pw_gen_file_t)f);
        if (strcmp (ta, tb) != 0)
            PW_FAIL_AT ("%s differs for the same seed", pw_gen_file_name ((pw_gen_file_t)f));
        if (f != PW_GEN_DEPENDENCIES_YAML && strcmp (ta, tc) == 0)
            PW_FAIL_AT ("%s is the same for another seed", pw_gen_file_name ((pw_gen_file_t)f));
        free (ta);
        free (tb);
        free (tc);
    }
    //  Another size is another fleet.
    pw_gen_t *d = s_fleet (42, 601, 1);
    char *ta = pw_gen_render (a, PW_GEN_AGENTS_CSV), *td = pw_gen_render (d, PW_GEN_AGENTS_CSV);
    PW_CHECK (strcmp (ta, td) != 0);
    free (ta);
    free (td);
    pw_gen_destroy (&a);
    pw_gen_destroy (&b);
    pw_gen_destroy (&c);
    pw_gen_destroy (&d);
    PW_CHECK (a == NULL);
}

static void
s_test_ratios (void)
{
    double started = s_now_ms ();
    pw_gen_t *fleet = s_fleet (7, 2000, 1);
    double elapsed = s_now_ms () - started;
    size_t scan_count;
    pw_gen_scans (fleet, &scan_count);
    if (s_pw_verbose)
        fprintf (stderr, "    2000 agents, %zu scan rows: %.1f ms\n", scan_count, elapsed);

    size_t org_count, count;
    const pw_gen_org_t *orgs = pw_gen_orgs (fleet, &org_count);
    const pw_import_agent_t *agents = pw_gen_agents (fleet, &count);
    PW_CHECK_INT (org_count, 80); //  2000 / 25
    PW_CHECK_INT (count, 2000);
    size_t unsubscribed = 0, zones = 0;
    const char *seen_zones [32];
    for (size_t i = 0; i < org_count; i++) {
        unsubscribed += !orgs [i].subscribed;
        bool seen = false;
        for (size_t z = 0; z < zones && !seen; z++)
            seen = strcmp (seen_zones [z], orgs [i].timezone) == 0;
        if (!seen && zones < 32)
            seen_zones [zones++] = orgs [i].timezone;
    }
    PW_CHECK_INT (unsubscribed, 4); //  one in twenty
    PW_CHECK (zones >= 8);
    size_t servers = 0, no_window = 0, unknown_window = 0, manual = 0, stale = 0, chained = 0;
    size_t win10 = 0, ws2022 = 0, sql_group = 0;
    int64_t now = 1726466400;
    for (size_t i = 0; i < count; i++) {
        const pw_import_agent_t *a = &agents [i];
        servers += a->klass == PW_CLASS_SERVER;
        const char *window = NULL, *reason = NULL;
        for (size_t f = 0; f < a->cf_count; f++) {
            if (strcmp (a->cf [f].name, "PatchWindow") == 0)
                window = a->cf [f].value;
            if (strcmp (a->cf [f].name, "ManualPatchReason") == 0)
                reason = a->cf [f].value;
        }
        no_window += !window;
        manual += reason != NULL;
        if (window && strncmp (window, "SAT-", 4) == 0 && strcmp (window, "SAT-7") != 0)
            chained++;
        if (window && strncmp (window, "WED-", 4) != 0 && strncmp (window, "THU-", 4) != 0 &&
            strncmp (window, "FRI-", 4) != 0 && strncmp (window, "SUN-", 4) != 0 &&
            !(strncmp (window, "SAT-", 4) == 0 && window [4] >= '1' && window [4] <= '6' &&
              !window [5]))
            unknown_window++;
        else if (window && (strcmp (window, "WED-0230") == 0 || strcmp (window, "FRI-2500") == 0))
            unknown_window++;
        stale += now - a->last_scan > 7 * 86400;
        win10 += a->os && strncmp (a->os, "Windows 10 ", 11) == 0;
        ws2022 += a->os && strncmp (a->os, "Windows Server 2022 ", 20) == 0;
        sql_group += strcmp (a->group, "servers.sql") == 0;
        if (a->klass == PW_CLASS_SERVER && strncmp (a->os, "Windows Server 20", 17) != 0)
            PW_FAIL_AT ("%s: server with %s", a->hostname, a->os);
    }
    if (s_pw_verbose)
        fprintf (stderr,
                 "    servers %zu, no window %zu, unknown window %zu, manual %zu, stale %zu, "
                 "chained %zu\n",
                 servers, no_window, unknown_window, manual, stale, chained);
    PW_CHECK_INT (servers, 200);
    PW_CHECK (no_window >= 20 && no_window <= 70);          //  ~2 %
    PW_CHECK (unknown_window >= 8 && unknown_window <= 40); //  ~1 %
    PW_CHECK (manual >= 8 && manual <= 40);                 //  ~1 %
    PW_CHECK (stale >= 30 && stale <= 100);                 //  ~3 %
    PW_CHECK (chained >= 80 && chained <= 200);
    PW_CHECK (win10 > 700 && win10 < 1300);
    PW_CHECK (ws2022 > 30 && ws2022 < 110);
    PW_CHECK (sql_group > 20);

    //  About 40 missing patches per agent, and every scan state but
    //  not_applicable present; rows only for patches of the agent's OS.
    const pw_import_scan_t *scans = pw_gen_scans (fleet, &scan_count);
    size_t states [5] = {0};
    size_t wrong_os = 0;
    for (size_t i = 0; i < scan_count; i++) {
        states [scans [i].state]++;
        if (i % 97 == 0) {
            const pw_import_agent_t *agent =
                &agents [s_index_of (agents, count, scans [i].hostname)];
            const pw_import_patch_t *patch = pw_import_patch_find (s_catalogue, scans [i].patch);
            bool ok = false;
            const char *want = strstr (agent->os, "2016")   ? "Windows Server 2016"
                               : strstr (agent->os, "2019") ? "Windows Server 2019"
                               : strstr (agent->os, "2022")
                                   ? "Microsoft Server operating system-21H2"
                               : strstr (agent->os, "11") ? "Windows 11"
                                                          : "Windows 10";
            for (size_t p = 0; patch && p < patch->product_count; p++)
                ok = ok || strncmp (patch->products [p], want, strlen (want)) == 0;
            wrong_os += !ok || strstr (patch->title, "x86") != NULL;
        }
    }
    double missing = (double)states [PW_IMPORT_MISSING] / 2000.0;
    if (s_pw_verbose)
        fprintf (stderr, "    missing %.1f per agent; installed %zu failed %zu pending %zu\n",
                 missing, states [PW_IMPORT_INSTALLED], states [PW_IMPORT_FAILED],
                 states [PW_IMPORT_PENDING_REBOOT]);
    PW_CHECK (missing > 35.0 && missing < 45.0);
    PW_CHECK (states [PW_IMPORT_INSTALLED] > 60000);
    PW_CHECK (states [PW_IMPORT_FAILED] > 100 && states [PW_IMPORT_FAILED] < 600);
    PW_CHECK (states [PW_IMPORT_PENDING_REBOOT] > 100 && states [PW_IMPORT_PENDING_REBOOT] < 600);
    PW_CHECK_INT (states [PW_IMPORT_NOT_APPLICABLE], 0);
    PW_CHECK_INT (wrong_os, 0);
    pw_gen_destroy (&fleet);
}

static void
s_test_graph (void)
{
    for (int cycles = 0; cycles <= 2; cycles++) {
        pw_gen_t *fleet = s_fleet (11, 2000, cycles);
        PW_CHECK_INT (pw_gen_cycles (fleet), cycles);
        s_graph_t graph;
        s_graph_build (&graph, fleet);
        size_t count;
        const pw_import_agent_t *agents = pw_gen_agents (fleet, &count);
        bool *member = pw_calloc (count, sizeof (bool));
        PW_CHECK_INT (s_cycle_count (&graph, member), cycles);
        //  A planted cycle is the only mistake of its members: subscribed,
        //  patched in a chain window, not by hand.
        size_t org_count, members = 0, unclean = 0;
        const pw_gen_org_t *orgs = pw_gen_orgs (fleet, &org_count);
        for (size_t v = 0; v < count; v++) {
            if (!member [v])
                continue;
            members++;
            const char *window = NULL, *reason = NULL;
            for (size_t f = 0; f < agents [v].cf_count; f++) {
                if (strcmp (agents [v].cf [f].name, "PatchWindow") == 0)
                    window = agents [v].cf [f].value;
                if (strcmp (agents [v].cf [f].name, "ManualPatchReason") == 0)
                    reason = agents [v].cf [f].value;
            }
            bool org_subscribed = false;
            for (size_t o = 0; o < org_count; o++)
                if (strcmp (orgs [o].name, agents [v].org) == 0)
                    org_subscribed = orgs [o].subscribed;
            unclean += !agents [v].subscribed || !org_subscribed || reason || !window ||
                       strncmp (window, "SAT-", 4) != 0 || strcmp (window, "SAT-7") == 0;
        }
        PW_CHECK_INT (members, cycles == 0 ? 0 : cycles == 1 ? 2 : 5);
        PW_CHECK_INT (unclean, 0);
        free (member);
        //  Dependencies stay inside an org and among servers.
        size_t crossing = 0, fan_in = 0, two_deps = 0;
        size_t *dependents = pw_calloc (count, sizeof (size_t));
        for (size_t v = 0; v < count; v++) {
            two_deps += graph.after_count [v] >= 2;
            for (size_t k = 0; k < graph.after_count [v]; k++) {
                size_t w = graph.after [v][k];
                crossing += strcmp (agents [v].org, agents [w].org) != 0 ||
                            agents [v].klass != PW_CLASS_SERVER ||
                            agents [w].klass != PW_CLASS_SERVER;
                dependents [w]++;
            }
        }
        for (size_t v = 0; v < count; v++)
            fan_in += dependents [v] >= 3;
        PW_CHECK_INT (crossing, 0);
        PW_CHECK (two_deps > 5); //  diamonds
        PW_CHECK (fan_in > 3);   //  one server many depend on
        if (cycles == 0) {
            size_t *memo = pw_calloc (count, sizeof (size_t));
            size_t deepest = 0;
            for (size_t v = 0; v < count; v++) {
                size_t length = s_longest (&graph, v, memo);
                if (length > deepest)
                    deepest = length;
            }
            if (s_pw_verbose)
                fprintf (stderr, "    deepest chain: %zu agents\n", deepest);
            PW_CHECK (deepest >= 5 && deepest <= 8);
            free (memo);
        }
        free (dependents);
        s_graph_free (&graph);
        pw_gen_destroy (&fleet);
    }
}

//  About two dependency edges per server (0.2 per agent) as far as the
//  customers' tiers allow, so about 10,000 at 50,000 agents; no chain
//  deeper than eight servers, the deepest at eight in large fleets.
static void
s_test_edges (void)
{
    static const struct {
        size_t agents;
        size_t min_edges, max_edges;
    } sizes [] = {{1000, 60, 120}, {10000, 1600, 2100}, {50000, 9500, 10500}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++) {
        pw_gen_options_t options = {.seed = 7, .agents = sizes [s].agents};
        double started = s_now_ms ();
        pw_gen_t *fleet = pw_gen_new (&options, NULL);
        double elapsed = s_now_ms () - started;
        s_graph_t graph;
        s_graph_build (&graph, fleet);
        size_t edges = s_edge_count (&graph), count, crossing = 0;
        const pw_import_agent_t *agents = pw_gen_agents (fleet, &count);
        for (size_t v = 0; v < count; v++)
            for (size_t k = 0; k < graph.after_count [v]; k++)
                crossing += strcmp (agents [v].org, agents [graph.after [v][k]].org) != 0;
        size_t *memo = pw_calloc (count, sizeof (size_t));
        size_t deepest = 0;
        for (size_t v = 0; v < count; v++) {
            size_t length = s_longest (&graph, v, memo);
            if (length > deepest)
                deepest = length;
        }
        if (s_pw_verbose)
            fprintf (stderr, "    %zu agents: %zu edges, deepest chain %zu (%.1f ms)\n",
                     sizes [s].agents, edges, deepest, elapsed);
        PW_CHECK (edges >= sizes [s].min_edges && edges <= sizes [s].max_edges);
        PW_CHECK (deepest <= 8);
        PW_CHECK (sizes [s].agents < 10000 || deepest == 8);
        PW_CHECK_INT (crossing, 0);
        PW_CHECK_INT (s_cycle_count (&graph, NULL), 0);
        free (memo);
        s_graph_free (&graph);
        pw_gen_destroy (&fleet);
    }
    //  The same seed and size, the same edges.
    pw_gen_options_t options = {.seed = 7, .agents = 10000, .cycles = 2};
    pw_gen_t *a = pw_gen_new (&options, NULL), *b = pw_gen_new (&options, NULL);
    char *ta = pw_gen_render (a, PW_GEN_DEPENDENCIES_YAML);
    char *tb = pw_gen_render (b, PW_GEN_DEPENDENCIES_YAML);
    PW_CHECK_STR (ta, tb);
    free (ta);
    free (tb);
    pw_gen_destroy (&a);
    pw_gen_destroy (&b);
}

//  The files read back through pw_import and the setup parser.
static void
s_test_reimport (void)
{
    pw_gen_t *fleet = s_fleet (5, 1000, 2);
    size_t count, scan_count, dep_count, org_count;
    pw_gen_agents (fleet, &count);
    pw_gen_scans (fleet, &scan_count);
    pw_gen_dependencies (fleet, &dep_count);
    pw_gen_orgs (fleet, &org_count);

    char *text = pw_gen_render (fleet, PW_GEN_AGENTS_CSV);
    pw_import_t *agents =
        pw_import_parse (PW_IMPORT_AGENTS, "agents.csv", text, strlen (text), NULL);
    char *errors = pw_import_render_errors (agents);
    PW_CHECK_STR (errors, "");
    free (errors);
    PW_CHECK_INT (pw_import_warning_count (agents), 0);
    size_t imported;
    const pw_import_agent_t *back = pw_import_agents (agents, &imported);
    const pw_import_agent_t *orig = pw_gen_agents (fleet, NULL);
    PW_CHECK_INT (imported, count);
    size_t differ = 0;
    for (size_t i = 0; i < imported && i < count; i++) {
        const pw_import_agent_t *a = &back [i], *b = &orig [i];
        differ += strcmp (a->hostname, b->hostname) != 0 || strcmp (a->org, b->org) != 0 ||
                  strcmp (a->group, b->group) != 0 || a->klass != b->klass ||
                  strcmp (a->os, b->os) != 0 || a->subscribed != b->subscribed ||
                  a->expected_minutes != b->expected_minutes || a->last_scan != b->last_scan ||
                  a->last_checkin != b->last_checkin || a->tag_count != b->tag_count ||
                  a->cf_count != b->cf_count || a->ignored_kb_count != b->ignored_kb_count;
        for (size_t f = 0; f < a->cf_count && f < b->cf_count; f++)
            differ += strcmp (a->cf [f].name, b->cf [f].name) != 0 ||
                      strcmp (a->cf [f].value, b->cf [f].value) != 0;
    }
    PW_CHECK_INT (differ, 0);
    free (text);

    text = pw_gen_render (fleet, PW_GEN_SCANS_CSV);
    pw_import_options_t options = {.catalogue = s_catalogue, .agents = agents};
    pw_import_t *scans =
        pw_import_parse (PW_IMPORT_SCANS, "scans.csv", text, strlen (text), &options);
    errors = pw_import_render_errors (scans);
    PW_CHECK_STR (errors, "");
    free (errors);
    pw_import_scans (scans, &imported);
    PW_CHECK_INT (imported, scan_count);
    PW_CHECK (scan_count > 1000 * 60);
    free (text);
    pw_import_destroy (&scans);
    pw_import_destroy (&agents);

    for (int f = PW_GEN_ORGS_YAML; f <= PW_GEN_DEPENDENCIES_YAML; f++) {
        text = pw_gen_render (fleet, (pw_gen_file_t)f);
        pw_setup_errors_t *setup_errors = NULL;
        pw_setup_t *setup = pw_setup_parse (text, strlen (text), NULL, &setup_errors);
        if (!setup) {
            char *rendered = pw_setup_errors_render (setup_errors);
            PW_FAIL_AT ("%s: %s", pw_gen_file_name ((pw_gen_file_t)f), rendered);
            free (rendered);
            pw_setup_errors_destroy (&setup_errors);
        } else if (f == PW_GEN_ORGS_YAML) {
            PW_CHECK_INT (setup->org_count, org_count);
            const pw_gen_org_t *orgs = pw_gen_orgs (fleet, NULL);
            const pw_setup_org_t *org = pw_setup_org (setup, orgs [0].name);
            PW_CHECK (org && strcmp (org->timezone, orgs [0].timezone) == 0 &&
                      org->subscribed == orgs [0].subscribed);
        } else {
            PW_CHECK_INT (setup->dependency_count, dep_count);
            const pw_gen_dependency_t *deps = pw_gen_dependencies (fleet, NULL);
            PW_CHECK_STR (setup->dependencies [0].agent, deps [0].agent);
            PW_CHECK_INT (setup->dependencies [0].after_count, deps [0].after_count);
        }
        pw_setup_destroy (&setup);
        free (text);
    }
    pw_gen_destroy (&fleet);
}

//  Written files are the rendered texts; a directory that cannot be made
//  is one clear error.
static void
s_test_write (void)
{
    char dir [] = "/tmp/pw-test-gen-XXXXXX";
    PW_CHECK (mkdtemp (dir) != NULL);
    char *sub = pw_sprintf ("%s/fleet", dir);
    pw_gen_t *fleet = s_fleet (3, 120, 1);
    char *error = NULL;
    PW_CHECK_INT (pw_gen_write (fleet, sub, &error), 0);
    PW_CHECK (error == NULL);
    for (int f = 0; f < PW_GEN_FILE_COUNT; f++) {
        char *path = pw_sprintf ("%s/%s", sub, pw_gen_file_name ((pw_gen_file_t)f));
        char *expected = pw_gen_render (fleet, (pw_gen_file_t)f);
        FILE *file = fopen (path, "rb");
        PW_CHECK (file != NULL);
        if (file) {
            char *got = pw_calloc (1, strlen (expected) + 2);
            size_t n = fread (got, 1, strlen (expected) + 1, file);
            fclose (file);
            PW_CHECK_INT (n, strlen (expected));
            PW_CHECK (memcmp (got, expected, strlen (expected)) == 0);
            free (got);
        }
        //  Rewriting replaces the file; no temporary is left behind.
        char *temp = pw_sprintf ("%s.tmp", path);
        PW_CHECK (access (temp, F_OK) != 0);
        free (temp);
        free (expected);
        free (path);
    }
    PW_CHECK_INT (pw_gen_write (fleet, sub, &error), 0);
    for (int f = 0; f < PW_GEN_FILE_COUNT; f++) {
        char *path = pw_sprintf ("%s/%s", sub, pw_gen_file_name ((pw_gen_file_t)f));
        unlink (path);
        free (path);
    }
    rmdir (sub);
    rmdir (dir);
    char *bad = pw_sprintf ("%s/no/such/dir", dir);
    PW_CHECK_INT (pw_gen_write (fleet, bad, &error), -1);
    PW_CHECK (error && strstr (error, "cannot create ") && strstr (error, "No such file"));
    free (error);
    free (bad);
    free (sub);
    pw_gen_destroy (&fleet);
}

static void
s_test_options (void)
{
    static const struct {
        size_t agents;
        int cycles;
        const char *error;
    } bad [] = {{0, 0, "agents must be 1 to 100000"},
                {100001, 0, "agents must be 1 to 100000"},
                {10, 3, "cycles must be 0, 1 or 2"},
                {10, -1, "cycles must be 0, 1 or 2"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        pw_gen_options_t options = {.seed = 1, .agents = bad [i].agents, .cycles = bad [i].cycles};
        char *error = NULL;
        PW_CHECK (pw_gen_new (&options, &error) == NULL);
        PW_CHECK_STR (error, bad [i].error);
        free (error);
    }
    PW_CHECK (pw_gen_new (NULL, NULL) == NULL);
    pw_gen_options_t options = {.seed = 1, .agents = 10, .windows = (const char *[]){"X"}};
    PW_CHECK (pw_gen_new (&options, NULL) == NULL); //  a list of zero windows

    //  A tiny fleet: three orgs (one with no agent), no catalogue, no scans,
    //  and a cycle asked for but impossible.
    options = (pw_gen_options_t){.seed = 9, .agents = 2, .cycles = 2};
    pw_gen_t *fleet = pw_gen_new (&options, NULL);
    size_t count;
    pw_gen_orgs (fleet, &count);
    PW_CHECK_INT (count, 3);
    pw_gen_agents (fleet, &count);
    PW_CHECK_INT (count, 2);
    PW_CHECK (pw_gen_scans (fleet, &count) == NULL && count == 0);
    PW_CHECK_INT (pw_gen_cycles (fleet), 0);
    char *text = pw_gen_render (fleet, PW_GEN_SCANS_CSV);
    PW_CHECK_STR (text, "hostname,patch,state,scanned_at\n");
    free (text);
    text = pw_gen_render (fleet, PW_GEN_ORGS_YAML);
    pw_setup_t *setup = pw_setup_parse (text, strlen (text), NULL, NULL);
    PW_CHECK (setup != NULL);
    pw_setup_destroy (&setup);
    free (text);
    pw_gen_destroy (&fleet);

    //  The caller's window names.
    const char *windows [] = {"A", "B"}, *chain [] = {"C1", "C2"};
    options = (pw_gen_options_t){.seed = 4,
                                 .agents = 1500,
                                 .windows = windows,
                                 .window_count = 2,
                                 .chain_windows = chain,
                                 .chain_window_count = 2};
    fleet = pw_gen_new (&options, NULL);
    const pw_import_agent_t *agents = pw_gen_agents (fleet, &count);
    size_t other = 0, c2 = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t f = 0; f < agents [i].cf_count; f++)
            if (strcmp (agents [i].cf [f].name, "PatchWindow") == 0) {
                const char *w = agents [i].cf [f].value;
                c2 += strcmp (w, "C2") == 0;
                other += strcmp (w, "A") && strcmp (w, "B") && strcmp (w, "C1") &&
                         strcmp (w, "C2") && strcmp (w, "WED-0230");
            }
    PW_CHECK_INT (other, 0);
    PW_CHECK (c2 > 0); //  deeper chain tiers share the last window
    pw_gen_destroy (&fleet);
    pw_gen_destroy (NULL);
    PW_CHECK_STR (pw_gen_file_name (PW_GEN_FILE_COUNT), "unknown");
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    s_catalogue = pw_import_load (PW_IMPORT_PATCHES, WINDOWS_CSV, NULL);
    if (!pw_import_ok (s_catalogue))
        fprintf (stderr, "test_gen: cannot import %s (run from the repository root)\n",
                 WINDOWS_CSV);
    PW_RUN (s_test_determinism);
    PW_RUN (s_test_ratios);
    PW_RUN (s_test_graph);
    PW_RUN (s_test_edges);
    PW_RUN (s_test_reimport);
    PW_RUN (s_test_write);
    PW_RUN (s_test_options);
    pw_import_destroy (&s_catalogue);
    return PW_TEST_END ();
}
