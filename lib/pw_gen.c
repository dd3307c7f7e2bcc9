/*  pw_gen - a deterministic synthetic fleet; see pw_gen.h.

    Every random choice comes from one splitmix64 stream seeded by the
    caller, drawn in a fixed order, with integer arithmetic only: the same
    seed and size give the same fleet on every machine. The fleet follows
    the practice the product automates: about one server in ten, customers
    in many time zones, servers in dependency chains (domain controllers,
    then SQL, then application tiers, then web) that are patched in order on
    Saturday night, and a few deliberate mistakes for the audit to find
    (no window, an unknown window, a stale scan, a dependency cycle).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pw_gen.h"
#include "pw_util.h"

//  --------------------------------------------------------------------------
//  Arena: the fleet's strings and arrays, freed at once.

typedef struct s_block_t {
    struct s_block_t *next;
    size_t size, used;
    max_align_t data [];
} s_block_t;

static void *
s_alloc (s_block_t **head, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    s_block_t *block = *head;
    if (!block || block->size - block->used < size) {
        size_t want = size > 65536 ? size : 65536;
        block = pw_malloc (sizeof (s_block_t) + want);
        block->size = want;
        block->used = 0;
        block->next = *head;
        *head = block;
    }
    void *result = (char *)block->data + block->used;
    block->used += size;
    memset (result, 0, size);
    return result;
}

static char *
s_strdup (s_block_t **head, const char *text)
{
    size_t len = strlen (text);
    char *copy = s_alloc (head, len + 1);
    memcpy (copy, text, len + 1);
    return copy;
}

//  --------------------------------------------------------------------------
//  Fixed vocabulary

static const char *s_org_names [] = {"contoso",       "fabrikam",      "northwind",
                                     "adatum",        "tailspin",      "wingtip",
                                     "litware",       "proseware",     "woodgrove",
                                     "alpineski",     "blueyonder",    "cohowinery",
                                     "lucerne",       "humongous",     "treyresearch",
                                     "wideworld",     "relecloud",     "margiestravel",
                                     "fourthcoffee",  "southridge",    "lamnahealth",
                                     "munsonpickles", "nodpublishers", "bellowscollege",
                                     "woodgrovebank", "cpandl",        "firstupconsultants",
                                     "vanarsdel",     "datumcorp",     "tasmanian",
                                     "fineartschool", "graphicdesign", "consolidated",
                                     "alpineair",     "oceanbakery",   "riverbend",
                                     "stonebridge",   "harborview",    "lakeshore",
                                     "pinecrest"};
#define S_ORG_NAMES (sizeof s_org_names / sizeof s_org_names [0])

static const struct {
    const char *zone;
    int weight;
} s_zones [] = {{"America/New_York", 20},
                {"America/Chicago", 12},
                {"America/Denver", 4},
                {"America/Los_Angeles", 12},
                {"America/Toronto", 4},
                {"Europe/London", 12},
                {"Europe/Berlin", 10},
                {"Europe/Paris", 4},
                {"Australia/Sydney", 6},
                {"Asia/Kolkata", 4},
                {"Pacific/Auckland", 4},
                {"Asia/Tokyo", 2},
                {"UTC", 6}};
#define S_ZONES (sizeof s_zones / sizeof s_zones [0])

static const char *s_default_windows [] = {"WED-0200", "WED-1000", "WED-1200", "WED-2200",
                                           "THU-0200", "THU-1200", "THU-2200", "FRI-0200",
                                           "FRI-1200", "FRI-2200", "SUN-0200"};
static const char *s_default_chain_windows [] = {"SAT-1", "SAT-2", "SAT-3",
                                                 "SAT-4", "SAT-5", "SAT-6"};
//  Plausible typos, used for the agents whose window does not exist.
static const char *s_bogus_windows [] = {"WED-0230", "SAT-7", "FRI-2500", "TUE-0200",
                                         "NO-SUCH-WINDOW"};
//  Dependency edges per server of an org (standalone ones included), as
//  far as its tiers allow: about 10,000 edges for 50,000 agents.
#define S_EDGES_PER_SERVER 2
static const char *s_manual_reasons [] = {"Vendor patches the line-of-business application",
                                          "Customer patches this machine by hand",
                                          "Legacy software: patched only after vendor sign-off"};

//  Operating systems, with the catalogue products whose rows apply to them.
typedef enum { S_WS2016 = 0, S_WS2019, S_WS2022, S_WIN10, S_WIN11, S_OS_COUNT } s_os_t;
static const struct {
    const char *name; //  without the edition
    const char *version;
    const char *products [3];
} s_os [S_OS_COUNT] = {
    {"Windows Server 2016", "10.0.14393", {"Windows Server 2016"}},
    {"Windows Server 2019", "10.0.17763", {"Windows Server 2019"}},
    {"Windows Server 2022", "10.0.20348", {"Microsoft Server operating system-21H2"}},
    {"Windows 10", "10.0.19045", {"Windows 10", "Windows 10, version 1903 and later"}},
    {"Windows 11", "10.0.22631", {"Windows 11"}}};

typedef enum { S_DC = 0, S_SQL, S_APP, S_WEB, S_FS, S_WS, S_ROLE_COUNT } s_role_t;
static const struct {
    const char *code; //  in the hostname
    const char *group;
    const char *tag;
} s_roles [S_ROLE_COUNT] = {{"DC", "servers", "dc"},       {"SQL", "servers.sql", "sql"},
                            {"APP", "servers.app", "app"}, {"WEB", "servers.web", "web"},
                            {"FS", "servers", "file"},     {"WS", "workstations", NULL}};

//  --------------------------------------------------------------------------

typedef struct {
    const char *ident;
    const char *kb;
    int64_t released;
} s_pool_row_t;

typedef struct {
    s_pool_row_t *rows;
    size_t count;
    size_t *perm; //  a permutation, partially reshuffled per agent
} s_pool_t;

typedef struct {
    size_t org;
    s_role_t role;
    int tier; //  position in the org's chain; -1 outside chains
    s_os_t os;
    size_t *after; //  agent indexes
    size_t after_count, after_cap;
} s_info_t;

struct _pw_gen_t {
    s_block_t *arena;
    uint64_t rng;
    uint64_t seed;
    int64_t now;
    const char *const *windows;
    size_t window_count;
    const char *const *chain_windows;
    size_t chain_window_count;

    pw_gen_org_t *orgs;
    size_t org_count;
    pw_import_agent_t *agents;
    s_info_t *info;
    size_t agent_count;
    pw_gen_dependency_t *deps;
    size_t dep_count;
    size_t edges_owed; //  edges the orgs so far had no room for
    pw_import_scan_t *scans;
    size_t scan_count, scan_cap;
    int cycles;
    s_pool_t pools [S_OS_COUNT];
};

static uint64_t
s_next (pw_gen_t *self)
{
    uint64_t z = (self->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

//  Uniform in 0 .. N-1 (0 when N is 0).
static size_t
s_below (pw_gen_t *self, size_t n)
{
    return n ? (size_t)(s_next (self) % n) : 0;
}

//  True with probability PER_MILLE / 1000.
static bool
s_chance (pw_gen_t *self, int per_mille)
{
    return (int)s_below (self, 1000) < per_mille;
}

//  Adds INDEX to what INFO waits for; false when it is there already.
static bool
s_after_add (s_info_t *info, size_t index)
{
    for (size_t i = 0; i < info->after_count; i++)
        if (info->after [i] == index)
            return false;
    if (info->after_count == info->after_cap) {
        info->after_cap = info->after_cap ? info->after_cap * 2 : 4;
        info->after = pw_realloc (info->after, info->after_cap * sizeof (size_t));
    }
    info->after [info->after_count++] = index;
    return true;
}

static bool
s_title_is_x64 (const char *title)
{
    //  The fleet is 64-bit Intel: rows for other architectures do not apply.
    return !title ||
           (!strstr (title, "x86") && !strstr (title, "ARM64") && !strstr (title, "arm64"));
}

static void
s_build_pools (pw_gen_t *self, const pw_import_t *catalogue)
{
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (catalogue, &count);
    for (int os = 0; os < S_OS_COUNT; os++) {
        s_pool_t *pool = &self->pools [os];
        pool->rows = pw_malloc ((count ? count : 1) * sizeof (s_pool_row_t));
        for (size_t i = 0; i < count; i++) {
            const pw_import_patch_t *patch = &patches [i];
            bool applies = false;
            for (size_t p = 0; p < patch->product_count && !applies; p++)
                for (int k = 0; k < 3 && s_os [os].products [k] && !applies; k++)
                    applies = strcmp (patch->products [p], s_os [os].products [k]) == 0;
            if (!applies || !s_title_is_x64 (patch->title))
                continue;
            pool->rows [pool->count++] =
                (s_pool_row_t){s_strdup (&self->arena, patch->ident),
                               s_strdup (&self->arena, patch->kb), patch->released};
        }
        pool->perm = pw_malloc ((pool->count ? pool->count : 1) * sizeof (size_t));
        for (size_t i = 0; i < pool->count; i++)
            pool->perm [i] = i;
    }
}

static int
s_string_compare (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

//  --------------------------------------------------------------------------
//  Orgs

static void
s_make_orgs (pw_gen_t *self, size_t agents, size_t *sizes)
{
    size_t n = agents / 25;
    n = n < 3 ? 3 : n > 200 ? 200 : n;
    self->org_count = n;
    self->orgs = s_alloc (&self->arena, n * sizeof (pw_gen_org_t));

    size_t order [S_ORG_NAMES];
    for (size_t i = 0; i < S_ORG_NAMES; i++)
        order [i] = i;
    for (size_t i = S_ORG_NAMES - 1; i > 0; i--) {
        size_t j = s_below (self, i + 1), t = order [i];
        order [i] = order [j];
        order [j] = t;
    }
    int zone_total = 0;
    for (size_t z = 0; z < S_ZONES; z++)
        zone_total += s_zones [z].weight;

    uint64_t *weights = pw_malloc (n * sizeof (uint64_t));
    uint64_t weight_sum = 0;
    for (size_t i = 0; i < n; i++) {
        pw_gen_org_t *org = &self->orgs [i];
        char name [64];
        if (i < S_ORG_NAMES)
            snprintf (name, sizeof name, "%s", s_org_names [order [i]]);
        else
            snprintf (name, sizeof name, "%s-%zu", s_org_names [order [i % S_ORG_NAMES]],
                      i / S_ORG_NAMES + 1);
        org->name = s_strdup (&self->arena, name);
        int pick = (int)s_below (self, (size_t)zone_total);
        size_t z = 0;
        while (pick >= s_zones [z].weight)
            pick -= s_zones [z++].weight;
        org->timezone = s_zones [z].zone;
        org->subscribed = true;
        //  Customer sizes are skewed: most are small, a few are large.
        uint64_t r = s_below (self, 1000);
        weights [i] = 300 + r * r * r / 125000;
        weight_sum += weights [i];
    }
    //  About one customer in twenty does not pay for patching.
    size_t unsubscribed = n / 20 ? n / 20 : 1;
    for (size_t k = 0; k < unsubscribed;) {
        pw_gen_org_t *org = &self->orgs [s_below (self, n)];
        if (org->subscribed) {
            org->subscribed = false;
            k++;
        }
    }
    //  Every customer gets at least one agent when there are enough; the
    //  rest go by weight, the remainder one by one from a random start.
    size_t base = agents >= n ? 1 : 0, given = 0;
    size_t rest = agents - base * n;
    for (size_t i = 0; i < n; i++) {
        sizes [i] = base + (size_t)((uint64_t)rest * weights [i] / weight_sum);
        given += sizes [i];
    }
    for (size_t i = s_below (self, n); given < agents; i = (i + 1) % n) {
        sizes [i]++;
        given++;
    }
    free (weights);
}

//  --------------------------------------------------------------------------
//  Agents

static const char *
s_window_for (pw_gen_t *self, const s_info_t *info)
{
    int r = (int)s_below (self, 1000);
    if (r < 20)
        return NULL; //  about 2 %: no window at all
    if (r < 30) {
        //  About 1 %: a window that does not exist.
        for (size_t b = 0; b < sizeof s_bogus_windows / sizeof s_bogus_windows [0]; b++) {
            bool taken = false;
            for (size_t i = 0; i < self->window_count && !taken; i++)
                taken = strcmp (self->windows [i], s_bogus_windows [b]) == 0;
            for (size_t i = 0; i < self->chain_window_count && !taken; i++)
                taken = strcmp (self->chain_windows [i], s_bogus_windows [b]) == 0;
            if (!taken)
                return s_bogus_windows [b];
        }
        return "NO-SUCH-WINDOW-1";
    }
    if (info->tier >= 0) {
        size_t position = (size_t)info->tier;
        if (position >= self->chain_window_count)
            position = self->chain_window_count - 1;
        return self->chain_windows [position];
    }
    return self->windows [s_below (self, self->window_count)];
}

static void
s_format_time (int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
s_fill_agent (pw_gen_t *self, size_t index, const char *hostname)
{
    pw_import_agent_t *agent = &self->agents [index];
    s_info_t *info = &self->info [index];
    const pw_gen_org_t *org = &self->orgs [info->org];
    bool server = info->role != S_WS;
    agent->hostname = s_strdup (&self->arena, hostname);
    agent->org = org->name;
    agent->klass = server ? PW_CLASS_SERVER : PW_CLASS_WORKSTATION;
    if (server) {
        int r = (int)s_below (self, 100);
        info->os = r < 25 ? S_WS2016 : r < 65 ? S_WS2019 : S_WS2022;
    } else
        info->os = s_chance (self, 550) ? S_WIN10 : S_WIN11;
    const char *edition = server ? (s_chance (self, 200) ? "Datacenter" : "Standard")
                                 : (s_chance (self, 300) ? "Enterprise" : "Pro");
    char os [80];
    snprintf (os, sizeof os, "%s %s", s_os [info->os].name, edition);
    agent->os = s_strdup (&self->arena, os);
    agent->os_version = s_os [info->os].version;
    if (server)
        agent->group = s_roles [info->role].group;
    else {
        int r = (int)s_below (self, 100);
        agent->group = r < 70   ? "workstations"
                       : r < 90 ? "workstations.finance"
                                : "workstations.sales";
    }
    agent->subscribed = !s_chance (self, 5);
    agent->expected_minutes = server ? 30 + 5 * (int)s_below (self, 13) : 0;
    //  Most agents checked in within the day and scanned this week; a few
    //  percent have a scan older than a week.
    agent->last_checkin = self->now - (int64_t)s_below (self, 24 * 60) * 60;
    if (s_chance (self, 30))
        agent->last_scan = self->now - (int64_t)(8 + s_below (self, 38)) * 86400 -
                           (int64_t)s_below (self, 24 * 60) * 60;
    else
        agent->last_scan = self->now - (int64_t)s_below (self, 6 * 24 * 60) * 60;

    const char *tags [3];
    size_t tag_count = 0;
    if (server)
        tags [tag_count++] = s_roles [info->role].tag;
    if (server && s_chance (self, 30))
        tags [tag_count++] = "vip";
    if (!server && s_chance (self, 100))
        tags [tag_count++] = "laptop";
    if (s_chance (self, 10))
        tags [tag_count++] = "no_patch";
    qsort (tags, tag_count, sizeof (char *), s_string_compare);
    if (tag_count) {
        const char **array = s_alloc (&self->arena, tag_count * sizeof (char *));
        memcpy (array, tags, tag_count * sizeof (char *));
        agent->tags = array;
        agent->tag_count = tag_count;
    }
    const s_pool_t *pool = &self->pools [info->os];
    if (pool->count && s_chance (self, 10)) {
        const char **array = s_alloc (&self->arena, sizeof (char *));
        array [0] = pool->rows [s_below (self, pool->count)].kb;
        agent->ignored_kbs = array;
        agent->ignored_kb_count = 1;
    }
    pw_field_t fields [2];
    size_t field_count = 0;
    const char *reason = s_chance (self, 10)
                             ? s_manual_reasons [s_below (self, sizeof s_manual_reasons /
                                                                    sizeof s_manual_reasons [0])]
                             : NULL;
    if (reason)
        fields [field_count++] = (pw_field_t){"ManualPatchReason", reason};
    const char *window = s_window_for (self, info);
    if (window)
        fields [field_count++] = (pw_field_t){"PatchWindow", window};
    if (field_count) {
        pw_field_t *array = s_alloc (&self->arena, field_count * sizeof (pw_field_t));
        memcpy (array, fields, field_count * sizeof (pw_field_t));
        agent->cf = array;
        agent->cf_count = field_count;
    }
}

//  Draws the org's edges past the first of each server (see below) until
//  the org has S_EDGES_PER_SERVER per server, or as many as its tiers allow.
static void
s_add_edges (pw_gen_t *self, size_t servers, size_t depth, const size_t *tier_start,
             const size_t *tier_size)
{
    if (depth < 2) {
        self->edges_owed += servers * S_EDGES_PER_SERVER;
        return;
    }
    size_t dependents = 0, capacity = 0, earlier = tier_size [0];
    for (size_t t = 1; t < depth; t++) {
        dependents += tier_size [t];
        capacity += tier_size [t] * earlier;
        earlier += tier_size [t];
    }
    //  What earlier orgs could not take, this one takes when it can.
    size_t want = servers * S_EDGES_PER_SERVER + self->edges_owed;
    self->edges_owed = 0;
    size_t edges = dependents;
    if (want > capacity) {
        self->edges_owed = want - capacity;
        want = capacity;
    }
    for (size_t tries = 0; edges < want && tries < 8 * want; tries++) {
        size_t pick = s_below (self, dependents), t = 1;
        while (pick >= tier_size [t])
            pick -= tier_size [t++];
        int r = (int)s_below (self, 100);
        size_t to = r < 55 ? t - 1 : r < 80 ? 0 : s_below (self, t);
        size_t on = tier_start [to] + s_below (self, tier_size [to]);
        if (s_after_add (&self->info [tier_start [t] + pick], on))
            edges++;
    }
}

//  Lays out one org's servers: a few standalone file servers, the rest in
//  tiers (DC, SQL, APP..., WEB) up to eight deep. Each server waits for one
//  of the tier before it; then more edges are drawn, about two per server
//  of the org in all, each from a random server of a tier past the first to
//  one of the tier before it, to a domain controller, or to any earlier
//  tier. Edges only point to earlier tiers, so no chain is deeper than the
//  tiers; the draws give chains, diamonds and fan-in.
static void
s_make_org_agents (pw_gen_t *self, size_t org, size_t size, size_t servers, size_t *next)
{
    const char *name = self->orgs [org].name;
    char prefix [40];
    size_t p = 0;
    for (const char *c = name; *c && p + 1 < sizeof prefix; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
            prefix [p++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    prefix [p] = '\0';

    size_t standalone = servers >= 4 ? servers / 4 : 0;
    size_t chain = servers - standalone;
    size_t depth = chain == 0 ? 0 : 2 + s_below (self, 7);
    if (depth > chain)
        depth = chain;
    size_t tier_size [8] = {0};
    for (size_t t = 0; t < depth; t++)
        tier_size [t] = 1;
    for (size_t extra = chain - depth; extra > 0; extra--) {
        size_t t = s_below (self, depth);
        if (t == 0 && tier_size [0] >= 2)
            t = depth > 1 ? 1 + s_below (self, depth - 1) : 0;
        tier_size [t]++;
    }
    int counters [S_ROLE_COUNT] = {0};
    size_t tier_start [8];
    size_t first = *next;
    for (size_t t = 0; t < depth; t++) {
        tier_start [t] = *next;
        s_role_t role = t == 0                           ? S_DC
                        : t == 1                         ? S_SQL
                        : (t == depth - 1 && depth >= 3) ? S_WEB
                                                         : S_APP;
        for (size_t k = 0; k < tier_size [t]; k++) {
            size_t index = (*next)++;
            s_info_t *info = &self->info [index];
            info->org = org;
            info->role = role;
            info->tier = (int)t;
            char hostname [64];
            snprintf (hostname, sizeof hostname, "%s-%s%02d", prefix, s_roles [role].code,
                      ++counters [role]);
            s_fill_agent (self, index, hostname);
            if (t > 0)
                s_after_add (info, tier_start [t - 1] + s_below (self, tier_size [t - 1]));
        }
    }
    s_add_edges (self, servers, depth, tier_start, tier_size);
    for (size_t k = 0; k < standalone; k++) {
        size_t index = (*next)++;
        s_info_t *info = &self->info [index];
        info->org = org;
        info->role = S_FS;
        info->tier = -1;
        char hostname [64];
        snprintf (hostname, sizeof hostname, "%s-FS%02d", prefix, ++counters [S_FS]);
        s_fill_agent (self, index, hostname);
    }
    for (size_t k = servers; k < size; k++) {
        size_t index = (*next)++;
        s_info_t *info = &self->info [index];
        info->org = org;
        info->role = S_WS;
        info->tier = -1;
        char hostname [64];
        snprintf (hostname, sizeof hostname, "%s-WS%04d", prefix, ++counters [S_WS]);
        s_fill_agent (self, index, hostname);
    }
    //  The org's groups: every group its agents use, sorted.
    const char *groups [8];
    size_t group_count = 0;
    for (size_t i = first; i < *next; i++) {
        const char *group = self->agents [i].group;
        bool seen = false;
        for (size_t g = 0; g < group_count && !seen; g++)
            seen = strcmp (groups [g], group) == 0;
        if (!seen && group_count < 8)
            groups [group_count++] = group;
    }
    qsort (groups, group_count, sizeof (char *), s_string_compare);
    if (group_count) {
        const char **array = s_alloc (&self->arena, group_count * sizeof (char *));
        memcpy (array, groups, group_count * sizeof (char *));
        self->orgs [org].groups = array;
        self->orgs [org].group_count = group_count;
    }
}

static const char *s_cf (const pw_import_agent_t *agent, const char *name);

//  True when the agent has no deliberate mistake of its own: it and its
//  org are subscribed, it is not patched by hand, and its window is a chain
//  window. A planted cycle is then the only thing wrong with its members.
static bool
s_clean (const pw_gen_t *self, size_t index)
{
    const pw_import_agent_t *agent = &self->agents [index];
    if (!agent->subscribed || !self->orgs [self->info [index].org].subscribed ||
        s_cf (agent, "ManualPatchReason"))
        return false;
    const char *window = s_cf (agent, "PatchWindow");
    for (size_t i = 0; window && i < self->chain_window_count; i++)
        if (strcmp (window, self->chain_windows [i]) == 0)
            return true;
    return false;
}

//  Plants the asked number of cycles: the first closes a two-server loop
//  (a SQL server's domain controller made to wait for it), the second a
//  three-server loop, in another org when there is one. Members are clean
//  servers when there are such (s_clean).
static void
s_plant_cycles (pw_gen_t *self, int wanted)
{
    size_t used_org = (size_t)-1;
    for (int c = 0; c < wanted; c++) {
        size_t length = c == 0 ? 2 : 3;
        size_t start = s_below (self, self->agent_count);
        bool planted = false;
        for (int pass = 0; pass < 3 && !planted; pass++)
            for (size_t k = 0; k < self->agent_count && !planted; k++) {
                size_t u = (start + k) % self->agent_count;
                s_info_t *info = &self->info [u];
                if (info->tier != (int)length - 1 || !info->after_count)
                    continue;
                if (pass == 0 && info->org == used_org)
                    continue;
                size_t v = info->after [0];
                size_t w = length == 3 && self->info [v].after_count ? self->info [v].after [0] : v;
                if (length == 3 && w == v)
                    continue;
                if (pass < 2 && (!s_clean (self, u) || !s_clean (self, v) || !s_clean (self, w)))
                    continue;
                s_after_add (&self->info [w], u);
                planted = true;
                used_org = info->org;
            }
        if (planted)
            self->cycles++;
    }
}

//  --------------------------------------------------------------------------
//  Scans

static int
s_pool_row_compare (const void *a, const void *b)
{
    const s_pool_row_t *x = *(const s_pool_row_t *const *)a, *y = *(const s_pool_row_t *const *)b;
    if (x->released != y->released)
        return x->released > y->released ? -1 : 1;
    return strcmp (x->ident, y->ident);
}

static void
s_push_scan (pw_gen_t *self, const pw_import_scan_t *scan)
{
    if (self->scan_count == self->scan_cap) {
        self->scan_cap = self->scan_cap ? self->scan_cap * 2 : 4096;
        self->scans = pw_realloc (self->scans, self->scan_cap * sizeof (pw_import_scan_t));
    }
    self->scans [self->scan_count++] = *scan;
}

//  Draws an agent's scan rows from its OS's pool: about 40 missing, about
//  40 installed, now and then a failed or pending-reboot one. The newest
//  rows are the ones not yet in place.
static void
s_make_scans (pw_gen_t *self, size_t index, const s_pool_row_t **chosen)
{
    const pw_import_agent_t *agent = &self->agents [index];
    s_pool_t *pool = &self->pools [self->info [index].os];
    size_t n = pool->count;
    if (!n)
        return;
    size_t missing = 20 + s_below (self, 41);
    size_t installed = 20 + s_below (self, 41);
    size_t failed = s_chance (self, 100) ? 1 + s_below (self, 2) : 0;
    size_t pending = s_chance (self, 60) ? 1 + s_below (self, 3) : 0;
    size_t counts [4] = {pending, failed, missing, installed};
    size_t total = 0;
    for (int k = 0; k < 4; k++) {
        if (counts [k] > n - total)
            counts [k] = n - total;
        total += counts [k];
    }
    for (size_t j = 0; j < total; j++) {
        size_t k = j + s_below (self, n - j), t = pool->perm [j];
        pool->perm [j] = pool->perm [k];
        pool->perm [k] = t;
        chosen [j] = &pool->rows [pool->perm [j]];
    }
    qsort (chosen, total, sizeof (s_pool_row_t *), s_pool_row_compare);
    static const pw_import_state_t states [4] = {PW_IMPORT_PENDING_REBOOT, PW_IMPORT_FAILED,
                                                 PW_IMPORT_MISSING, PW_IMPORT_INSTALLED};
    size_t j = 0;
    for (int k = 0; k < 4; k++)
        for (size_t c = 0; c < counts [k]; c++, j++) {
            pw_import_scan_t scan = {0, agent->hostname, chosen [j]->ident, states [k],
                                     agent->last_scan};
            s_push_scan (self, &scan);
        }
}

//  --------------------------------------------------------------------------

pw_gen_t *
pw_gen_new (const pw_gen_options_t *options, char **error_p)
{
    const char *error = NULL;
    if (error_p)
        *error_p = NULL;
    if (!options)
        error = "no options";
    else if (options->agents < 1 || options->agents > PW_GEN_MAX_AGENTS)
        error = "agents must be 1 to "
                "100000";
    else if (options->cycles < 0 || options->cycles > 2)
        error = "cycles must be 0, 1 or 2";
    else if (options->catalogue && !pw_import_ok (options->catalogue))
        error = "the catalogue has errors";
    else if ((options->windows && !options->window_count) ||
             (options->chain_windows && !options->chain_window_count))
        error = "a window list is empty";
    if (error) {
        if (error_p)
            *error_p = pw_strdup (error);
        return NULL;
    }
    pw_gen_t *self = pw_calloc (1, sizeof (pw_gen_t));
    self->seed = options->seed;
    self->rng = options->seed;
    self->now = options->now ? options->now : 1726466400; //  2024-09-16T06:00:00Z
    const char *const *lists [2] = {options->windows ? options->windows : s_default_windows,
                                    options->chain_windows ? options->chain_windows
                                                           : s_default_chain_windows};
    size_t counts [2] = {options->windows ? options->window_count
                                          : sizeof s_default_windows / sizeof (char *),
                         options->chain_windows ? options->chain_window_count
                                                : sizeof s_default_chain_windows / sizeof (char *)};
    for (int l = 0; l < 2; l++) {
        const char **copy = s_alloc (&self->arena, counts [l] * sizeof (char *));
        for (size_t i = 0; i < counts [l]; i++)
            copy [i] = s_strdup (&self->arena, lists [l][i] ? lists [l][i] : "");
        if (l == 0) {
            self->windows = copy;
            self->window_count = counts [l];
        } else {
            self->chain_windows = copy;
            self->chain_window_count = counts [l];
        }
    }
    if (options->catalogue)
        s_build_pools (self, options->catalogue);

    size_t n = options->agents;
    size_t *sizes = pw_calloc (200, sizeof (size_t));
    s_make_orgs (self, n, sizes);
    self->agent_count = n;
    self->agents = s_alloc (&self->arena, n * sizeof (pw_import_agent_t));
    self->info = pw_calloc (n, sizeof (s_info_t));
    size_t next = 0, cumulative = 0;
    for (size_t o = 0; o < self->org_count; o++) {
        //  One agent in ten is a server, rounded over the fleet so far.
        size_t servers = (cumulative + sizes [o] + 5) / 10 - (cumulative + 5) / 10;
        if (servers > sizes [o])
            servers = sizes [o];
        cumulative += sizes [o];
        s_make_org_agents (self, o, sizes [o], servers, &next);
    }
    free (sizes);
    s_plant_cycles (self, options->cycles);

    //  Dependencies, in agent order, each `after` list sorted by hostname.
    self->deps = s_alloc (&self->arena, n * sizeof (pw_gen_dependency_t));
    for (size_t i = 0; i < n; i++) {
        s_info_t *info = &self->info [i];
        if (!info->after_count)
            continue;
        const char **after = s_alloc (&self->arena, info->after_count * sizeof (char *));
        for (size_t k = 0; k < info->after_count; k++)
            after [k] = self->agents [info->after [k]].hostname;
        qsort (after, info->after_count, sizeof (char *), s_string_compare);
        self->deps [self->dep_count++] =
            (pw_gen_dependency_t){self->agents [i].hostname, after, info->after_count};
    }
    if (options->catalogue) {
        const s_pool_row_t **chosen = pw_malloc (200 * sizeof (s_pool_row_t *));
        for (size_t i = 0; i < n; i++)
            s_make_scans (self, i, chosen);
        free (chosen);
    }
    return self;
}

void
pw_gen_destroy (pw_gen_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_gen_t *self = *self_p;
    for (size_t i = 0; i < self->agent_count; i++)
        free (self->info [i].after);
    free (self->info);
    for (int os = 0; os < S_OS_COUNT; os++) {
        free (self->pools [os].rows);
        free (self->pools [os].perm);
    }
    free (self->scans);
    s_block_t *block = self->arena;
    while (block) {
        s_block_t *next = block->next;
        free (block);
        block = next;
    }
    free (self);
    *self_p = NULL;
}

const pw_gen_org_t *
pw_gen_orgs (const pw_gen_t *self, size_t *count_p)
{
    if (count_p)
        *count_p = self ? self->org_count : 0;
    return self ? self->orgs : NULL;
}

const pw_import_agent_t *
pw_gen_agents (const pw_gen_t *self, size_t *count_p)
{
    if (count_p)
        *count_p = self ? self->agent_count : 0;
    return self ? self->agents : NULL;
}

const pw_gen_dependency_t *
pw_gen_dependencies (const pw_gen_t *self, size_t *count_p)
{
    if (count_p)
        *count_p = self ? self->dep_count : 0;
    return self ? self->deps : NULL;
}

const pw_import_scan_t *
pw_gen_scans (const pw_gen_t *self, size_t *count_p)
{
    if (count_p)
        *count_p = self ? self->scan_count : 0;
    return self && self->scan_count ? self->scans : NULL;
}

int
pw_gen_cycles (const pw_gen_t *self)
{
    return self ? self->cycles : 0;
}

//  --------------------------------------------------------------------------
//  Files

const char *
pw_gen_file_name (pw_gen_file_t file)
{
    switch (file) {
        case PW_GEN_AGENTS_CSV: return "agents.csv";
        case PW_GEN_SCANS_CSV: return "scans.csv";
        case PW_GEN_ORGS_YAML: return "orgs.yaml";
        case PW_GEN_DEPENDENCIES_YAML: return "dependencies.yaml";
        case PW_GEN_FILE_COUNT: break;
    }
    return "unknown";
}

//  One CSV field, quoted when it must be (RFC 4180).
static void
s_csv_field (pw_strbuf_t *out, const char *text)
{
    if (!text)
        return;
    size_t len = strlen (text);
    bool quote =
        strpbrk (text, ",\"\r\n") != NULL || (len && (text [0] == ' ' || text [len - 1] == ' '));
    if (!quote) {
        pw_strbuf_append_len (out, text, len);
        return;
    }
    pw_strbuf_append (out, "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            pw_strbuf_append (out, "\"\"");
        else
            pw_strbuf_append_len (out, p, 1);
    }
    pw_strbuf_append (out, "\"");
}

static void
s_csv_list (pw_strbuf_t *out, const char *const *items, size_t count)
{
    pw_strbuf_t joined;
    pw_strbuf_init (&joined);
    pw_strbuf_append (&joined, "");
    for (size_t i = 0; i < count; i++)
        pw_strbuf_appendf (&joined, "%s%s", i ? ";" : "", items [i]);
    s_csv_field (out, joined.data);
    pw_strbuf_free (&joined);
}

static const char *
s_cf (const pw_import_agent_t *agent, const char *name)
{
    for (size_t i = 0; i < agent->cf_count; i++)
        if (strcmp (agent->cf [i].name, name) == 0)
            return agent->cf [i].value;
    return NULL;
}

static void
s_render_agents (const pw_gen_t *self, pw_strbuf_t *out)
{
    pw_strbuf_append (out, "hostname,org,group,class,os,os_version,subscribed,expected_minutes,"
                           "last_checkin,last_scan,tags,ignored_kbs,cf.PatchWindow,"
                           "cf.ManualPatchReason\n");
    for (size_t i = 0; i < self->agent_count; i++) {
        const pw_import_agent_t *agent = &self->agents [i];
        char checkin [32], scan [32];
        s_format_time (agent->last_checkin, checkin, sizeof checkin);
        s_format_time (agent->last_scan, scan, sizeof scan);
        s_csv_field (out, agent->hostname);
        pw_strbuf_append (out, ",");
        s_csv_field (out, agent->org);
        pw_strbuf_appendf (out, ",%s,%s,", agent->group, pw_class_name (agent->klass));
        s_csv_field (out, agent->os);
        pw_strbuf_appendf (out, ",%s,%s,", agent->os_version, agent->subscribed ? "true" : "false");
        if (agent->expected_minutes)
            pw_strbuf_appendf (out, "%d", agent->expected_minutes);
        pw_strbuf_appendf (out, ",%s,%s,", checkin, scan);
        s_csv_list (out, agent->tags, agent->tag_count);
        pw_strbuf_append (out, ",");
        s_csv_list (out, agent->ignored_kbs, agent->ignored_kb_count);
        pw_strbuf_append (out, ",");
        s_csv_field (out, s_cf (agent, "PatchWindow"));
        pw_strbuf_append (out, ",");
        s_csv_field (out, s_cf (agent, "ManualPatchReason"));
        pw_strbuf_append (out, "\n");
    }
}

static void
s_render_scans (const pw_gen_t *self, pw_strbuf_t *out)
{
    pw_strbuf_append (out, "hostname,patch,state,scanned_at\n");
    const char *last_host = NULL;
    char when [32] = "";
    for (size_t i = 0; i < self->scan_count; i++) {
        const pw_import_scan_t *scan = &self->scans [i];
        if (scan->hostname != last_host) {
            //  One scan time per agent: format it once.
            s_format_time (scan->scanned_at, when, sizeof when);
            last_host = scan->hostname;
        }
        pw_strbuf_appendf (out, "%s,%s,%s,%s\n", scan->hostname, scan->patch,
                           pw_import_state_name (scan->state), when);
    }
}

char *
pw_gen_render (const pw_gen_t *self, pw_gen_file_t file)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "");
    if (!self)
        return pw_strbuf_take (&out);
    switch (file) {
        case PW_GEN_AGENTS_CSV: s_render_agents (self, &out); break;
        case PW_GEN_SCANS_CSV: s_render_scans (self, &out); break;
        case PW_GEN_ORGS_YAML:
            pw_strbuf_appendf (&out,
                               "# A generated fleet (seed %llu, %zu agents): its customers.\n"
                               "orgs:\n",
                               (unsigned long long)self->seed, self->agent_count);
            for (size_t i = 0; i < self->org_count; i++) {
                const pw_gen_org_t *org = &self->orgs [i];
                pw_strbuf_appendf (&out,
                                   "  - name: %s\n    timezone: %s\n    patching: %s\n"
                                   "    groups: [",
                                   org->name, org->timezone,
                                   org->subscribed ? "subscribed" : "unsubscribed");
                for (size_t g = 0; g < org->group_count; g++)
                    pw_strbuf_appendf (&out, "%s%s", g ? ", " : "", org->groups [g]);
                pw_strbuf_append (&out, "]\n");
            }
            break;
        case PW_GEN_DEPENDENCIES_YAML:
            pw_strbuf_appendf (&out,
                               "# A generated fleet (seed %llu, %zu agents): each agent is "
                               "patched after the agents it lists.\n",
                               (unsigned long long)self->seed, self->agent_count);
            pw_strbuf_append (&out, self->dep_count ? "dependencies:\n" : "dependencies: []\n");
            for (size_t i = 0; i < self->dep_count; i++) {
                const pw_gen_dependency_t *dep = &self->deps [i];
                pw_strbuf_appendf (&out, "  - agent: %s\n    after: [", dep->agent);
                for (size_t k = 0; k < dep->after_count; k++)
                    pw_strbuf_appendf (&out, "%s%s", k ? ", " : "", dep->after [k]);
                pw_strbuf_append (&out, "]\n");
            }
            break;
        case PW_GEN_FILE_COUNT: break;
    }
    return pw_strbuf_take (&out);
}

int
pw_gen_write (const pw_gen_t *self, const char *dir, char **error_p)
{
    if (error_p)
        *error_p = NULL;
    if (!self || !dir || !*dir) {
        if (error_p)
            *error_p = pw_strdup ("no fleet or no directory");
        return -1;
    }
    if (mkdir (dir, 0777) != 0 && errno != EEXIST) {
        if (error_p)
            *error_p = pw_sprintf ("cannot create %s: %s", dir, strerror (errno));
        return -1;
    }
    for (int f = 0; f < PW_GEN_FILE_COUNT; f++) {
        char *text = pw_gen_render (self, (pw_gen_file_t)f);
        char *path = pw_sprintf ("%s/%s", dir, pw_gen_file_name ((pw_gen_file_t)f));
        char *temp = pw_sprintf ("%s.tmp", path);
        FILE *file = fopen (temp, "wb");
        size_t len = strlen (text);
        bool ok = file && fwrite (text, 1, len, file) == len;
        if (file && fclose (file) != 0)
            ok = false;
        int saved = errno;
        if (ok && rename (temp, path) != 0) {
            saved = errno;
            ok = false;
        }
        if (!ok) {
            if (error_p)
                *error_p = pw_sprintf ("cannot write %s: %s", path, strerror (saved));
            unlink (temp);
        }
        free (text);
        free (path);
        free (temp);
        if (!ok)
            return -1;
    }
    return 0;
}
