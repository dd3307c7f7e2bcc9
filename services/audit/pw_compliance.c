/*  pw_compliance - streaming aggregation and the Markdown report.

    Agents are counted as they arrive, so a tenant of any size costs one
    pass and no per-agent storage beyond a hostname -> org map (needed to
    attribute findings) and the short list of unscheduled agents. Orgs and
    hostnames are looked up through one small open-addressing string map.
*/
#include "pw_compliance.h"
#include "pw_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  String -> index map

typedef struct {
    char **keys;
    size_t *values;
    size_t count, slots;
} s_map_t;

static uint64_t
s_hash (const char *text)
{
    uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        hash ^= *p;
        hash *= 1099511628211ULL;
    }
    return hash ^ (hash >> 29);
}

static size_t
s_map_slot (const s_map_t *map, const char *key)
{
    size_t slot = s_hash (key) & (map->slots - 1);
    while (map->keys [slot] && strcmp (map->keys [slot], key) != 0)
        slot = (slot + 1) & (map->slots - 1);
    return slot;
}

//  The value of KEY, or SIZE_MAX
static size_t
s_map_get (const s_map_t *map, const char *key)
{
    if (!map->slots)
        return SIZE_MAX;
    size_t slot = s_map_slot (map, key);
    return map->keys [slot] ? map->values [slot] : SIZE_MAX;
}

//  Sets KEY to VALUE; returns the map's own copy of KEY
static const char *
s_map_put (s_map_t *map, const char *key, size_t value)
{
    if ((map->count + 1) * 2 > map->slots) {
        s_map_t bigger = {NULL, NULL, 0, map->slots ? map->slots * 2 : 64};
        bigger.keys = pw_calloc (bigger.slots, sizeof (char *));
        bigger.values = pw_calloc (bigger.slots, sizeof (size_t));
        for (size_t i = 0; i < map->slots; i++)
            if (map->keys [i]) {
                size_t slot = s_map_slot (&bigger, map->keys [i]);
                bigger.keys [slot] = map->keys [i];
                bigger.values [slot] = map->values [i];
                bigger.count++;
            }
        free (map->keys);
        free (map->values);
        *map = bigger;
    }
    size_t slot = s_map_slot (map, key);
    if (!map->keys [slot]) {
        map->keys [slot] = pw_strdup (key);
        map->count++;
    }
    map->values [slot] = value;
    return map->keys [slot];
}

static void
s_map_free (s_map_t *map)
{
    for (size_t i = 0; i < map->slots; i++)
        free (map->keys [i]);
    free (map->keys);
    free (map->values);
}

//  --------------------------------------------------------------------------

typedef struct {
    const char *name; //  owned by the org map
    pw_compliance_stats_t stats;
} s_org_t;

struct _pw_compliance_t {
    pw_checks_config_t config;
    int64_t now_us;
    pw_compliance_stats_t tenant;
    s_org_t *orgs;
    size_t org_count, org_cap;
    s_map_t org_index;
    s_map_t host_org; //  hostname -> org index
    pw_compliance_unscheduled_t *unscheduled;
    size_t unscheduled_count, unscheduled_cap;
};

pw_compliance_t *
pw_compliance_new (const pw_checks_config_t *config, int64_t now_us)
{
    pw_compliance_t *self = pw_calloc (1, sizeof *self);
    if (config)
        self->config = *config;
    else
        pw_checks_config_defaults (&self->config);
    //  Not needed here, and not ours to keep pointing at
    self->config.baseline_policy = NULL;
    self->now_us = now_us;
    return self;
}

void
pw_compliance_destroy (pw_compliance_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_compliance_t *self = *self_p;
    for (size_t i = 0; i < self->unscheduled_count; i++) {
        free ((char *)self->unscheduled [i].hostname);
        free ((char *)self->unscheduled [i].reason);
    }
    free (self->unscheduled);
    free (self->orgs);
    s_map_free (&self->org_index);
    s_map_free (&self->host_org);
    free (self);
    *self_p = NULL;
}

static size_t
s_org (pw_compliance_t *self, const char *name)
{
    size_t index = s_map_get (&self->org_index, name);
    if (index != SIZE_MAX)
        return index;
    if (self->org_count == self->org_cap) {
        self->org_cap = self->org_cap ? self->org_cap * 2 : 16;
        self->orgs = pw_realloc (self->orgs, self->org_cap * sizeof (s_org_t));
    }
    index = self->org_count++;
    memset (&self->orgs [index], 0, sizeof (s_org_t));
    self->orgs [index].name = s_map_put (&self->org_index, name, index);
    return index;
}

//  Adds AGENT to the figures of one scope
static void
s_count (const pw_compliance_t *self, pw_compliance_stats_t *stats, const pw_check_agent_t *agent,
         size_t installed)
{
    stats->agents++;
    stats->installed += installed;
    if (!agent->subscribed)
        return;
    stats->subscribed++;
    bool scheduled = pw_checks_scheduled (agent);
    stats->scheduled += scheduled;
    if (!scheduled) {
        stats->unscheduled++;
        stats->exceptions += agent->manual_patching != NULL;
    }
    size_t overdue = 0;
    for (size_t i = 0; i < agent->missing_count; i++) {
        const pw_check_patch_t *p = &agent->missing [i];
        unsigned sev = (unsigned)p->severity < PW_PATCH_SEVERITY_COUNT
                           ? (unsigned)p->severity
                           : PW_PATCH_SEVERITY_UNSPECIFIED;
        stats->missing [sev]++;
        if (pw_checks_overdue (&self->config, p, self->now_us)) {
            stats->overdue [sev]++;
            overdue++;
        }
    }
    stats->failed += agent->failed_count;
    stats->pending_reboot += agent->pending_reboot_count > 0;
    bool covered = scheduled || (agent->manual_patching && agent->has_scan_schedule);
    bool fresh_scan = agent->last_scan_us != 0 &&
                      self->now_us - agent->last_scan_us <= self->config.scan_max_age_us;
    if (covered && fresh_scan && overdue == 0 && agent->failed_count == 0)
        stats->compliant++;
}

int
pw_compliance_add_agent (pw_compliance_t *self, const pw_check_agent_t *agent,
                         size_t installed_in_period)
{
    if (!self || !agent || !agent->hostname || !*agent->hostname ||
        (agent->missing_count && !agent->missing))
        return -1;
    const char *org_name = agent->org ? agent->org : "";
    size_t org = s_org (self, org_name);
    s_map_put (&self->host_org, agent->hostname, org);
    s_count (self, &self->tenant, agent, installed_in_period);
    s_count (self, &self->orgs [org].stats, agent, installed_in_period);
    if (agent->subscribed && !pw_checks_scheduled (agent)) {
        if (self->unscheduled_count == self->unscheduled_cap) {
            self->unscheduled_cap = self->unscheduled_cap ? self->unscheduled_cap * 2 : 16;
            self->unscheduled =
                pw_realloc (self->unscheduled, self->unscheduled_cap * sizeof *self->unscheduled);
        }
        pw_compliance_unscheduled_t *u = &self->unscheduled [self->unscheduled_count++];
        u->org = self->orgs [org].name;
        u->hostname = pw_strdup (agent->hostname);
        u->reason = pw_strdup (agent->manual_patching);
    }
    return 0;
}

int
pw_compliance_add_findings (pw_compliance_t *self, const pw_findings_t *set)
{
    if (!self || !set)
        return -1;
    int counted = 0;
    for (size_t i = 0; i < pw_findings_size (set); i++) {
        const pw_finding_t *f = pw_findings_get (set, i);
        if (f->resolved_us != 0)
            continue;
        self->tenant.findings [f->code]++;
        self->tenant.findings_total++;
        counted++;
        if (f->scope != PW_SCOPE_AGENT)
            continue;
        size_t org = s_map_get (&self->host_org, f->owner);
        if (org != SIZE_MAX) {
            self->orgs [org].stats.findings [f->code]++;
            self->orgs [org].stats.findings_total++;
        }
    }
    return counted;
}

int
pw_compliance_add_policy (pw_compliance_t *self, const pw_check_policy_t *policy)
{
    if (!self || !policy || !policy->name)
        return -1;
    self->tenant.review_waiting += policy->review_waiting;
    if (policy->review_waiting && policy->oldest_waiting_since_us &&
        self->now_us - policy->oldest_waiting_since_us > self->config.review_max_age_us)
        self->tenant.review_backlog++;
    return 0;
}

const pw_compliance_stats_t *
pw_compliance_tenant (const pw_compliance_t *self)
{
    return self ? &self->tenant : NULL;
}

const pw_compliance_stats_t *
pw_compliance_org (const pw_compliance_t *self, const char *org)
{
    if (!self || !org)
        return NULL;
    size_t index = s_map_get (&self->org_index, org);
    return index == SIZE_MAX ? NULL : &self->orgs [index].stats;
}

size_t
pw_compliance_org_count (const pw_compliance_t *self)
{
    return self ? self->org_count : 0;
}

const char *
pw_compliance_org_name (const pw_compliance_t *self, size_t index)
{
    return self && index < self->org_count ? self->orgs [index].name : NULL;
}

size_t
pw_compliance_unscheduled_count (const pw_compliance_t *self)
{
    return self ? self->unscheduled_count : 0;
}

const pw_compliance_unscheduled_t *
pw_compliance_unscheduled (const pw_compliance_t *self, size_t index)
{
    return self && index < self->unscheduled_count ? &self->unscheduled [index] : NULL;
}

int
pw_compliance_permille (const pw_compliance_stats_t *stats)
{
    if (!stats || stats->subscribed == 0)
        return -1;
    return (int)((stats->compliant * 1000 + stats->subscribed / 2) / stats->subscribed);
}

//  --------------------------------------------------------------------------
//  Report

//  Text from inventory goes into table cells: nothing in it may end the
//  cell, the row, or start Markdown emphasis or links
static void
s_append_cell (pw_strbuf_t *buf, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            pw_strbuf_append (buf, " ");
        else {
            if (strchr ("\\|*_`[]<>#", *p))
                pw_strbuf_append (buf, "\\");
            pw_strbuf_append_len (buf, p, 1);
        }
    }
}

static bool
s_valid_month (const char *month)
{
    if (!month || strlen (month) != 7 || month [4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit ((unsigned char)month [i]))
            return false;
    int mm = (month [5] - '0') * 10 + (month [6] - '0');
    return mm >= 1 && mm <= 12;
}

static void
s_append_percent (pw_strbuf_t *buf, const pw_compliance_stats_t *stats)
{
    int permille = pw_compliance_permille (stats);
    if (permille < 0)
        pw_strbuf_append (buf, "n/a");
    else
        pw_strbuf_appendf (buf, "%d.%d%%", permille / 10, permille % 10);
}

char *
pw_compliance_report (const pw_compliance_t *self, const char *org, const char *month)
{
    if (!self || !s_valid_month (month))
        return NULL;
    const pw_compliance_stats_t *s = org ? pw_compliance_org (self, org) : &self->tenant;
    if (!s)
        return NULL;
    pw_strbuf_t md;
    pw_strbuf_init (&md);
    pw_strbuf_append (&md, "# Patch compliance report: ");
    if (org)
        s_append_cell (&md, org);
    else
        pw_strbuf_append (&md, "all customers");
    pw_strbuf_appendf (&md, ", %s\n\n", month);

    pw_strbuf_append (&md, "## Summary\n\n| Figure | Value |\n|---|---:|\n");
    pw_strbuf_appendf (&md, "| Managed machines | %zu |\n", s->agents);
    pw_strbuf_appendf (&md, "| Machines in patching | %zu |\n", s->subscribed);
    pw_strbuf_appendf (&md, "| Fully compliant | %zu of %zu (", s->compliant, s->subscribed);
    s_append_percent (&md, s);
    pw_strbuf_append (&md, ") |\n");
    pw_strbuf_appendf (&md, "| Patches installed this month | %zu |\n", s->installed);
    pw_strbuf_appendf (&md, "| Failed installs | %zu |\n", s->failed);
    pw_strbuf_appendf (&md, "| Machines waiting for a reboot | %zu |\n", s->pending_reboot);
    if (!org)
        pw_strbuf_appendf (&md, "| Patches waiting for review | %zu |\n", s->review_waiting);

    pw_strbuf_append (&md, "\n## Missing approved patches\n\n"
                           "| Severity | Missing | Past grace period |\n|---|---:|---:|\n");
    size_t missing = 0, overdue = 0;
    for (int sev = PW_PATCH_SEVERITY_CRITICAL; sev >= 0; sev--) {
        pw_strbuf_appendf (&md, "| %s | %zu | %zu |\n",
                           pw_patch_severity_name ((pw_patch_severity_t)sev), s->missing [sev],
                           s->overdue [sev]);
        missing += s->missing [sev];
        overdue += s->overdue [sev];
    }
    pw_strbuf_appendf (&md, "| Total | %zu | %zu |\n", missing, overdue);

    pw_strbuf_append (&md, "\n## Machines without an update schedule\n\n");
    size_t listed = 0;
    for (size_t i = 0; i < self->unscheduled_count; i++) {
        const pw_compliance_unscheduled_t *u = &self->unscheduled [i];
        if (org && strcmp (u->org, org) != 0)
            continue;
        if (listed++ == 0)
            pw_strbuf_append (&md, org ? "| Machine | Documented exception |\n|---|---|\n"
                                       : "| Customer | Machine | Documented exception |\n"
                                         "|---|---|---|\n");
        pw_strbuf_append (&md, "| ");
        if (!org) {
            s_append_cell (&md, u->org);
            pw_strbuf_append (&md, " | ");
        }
        s_append_cell (&md, u->hostname);
        pw_strbuf_append (&md, " | ");
        if (u->reason) {
            pw_strbuf_append (&md, "yes: ");
            s_append_cell (&md, u->reason);
        } else
            pw_strbuf_append (&md, "no");
        pw_strbuf_append (&md, " |\n");
    }
    if (listed == 0)
        pw_strbuf_append (&md, "None: every machine in patching has a schedule.\n");

    pw_strbuf_append (&md, "\n## Open findings\n\n");
    if (s->findings_total == 0)
        pw_strbuf_append (&md, "None.\n");
    else {
        pw_strbuf_append (&md, "| Finding | Open |\n|---|---:|\n");
        for (int code = 0; code < PW_CODE_COUNT; code++)
            if (s->findings [code])
                pw_strbuf_appendf (&md, "| `%s` | %zu |\n",
                                   pw_finding_code_name ((pw_finding_code_t)code),
                                   s->findings [code]);
        pw_strbuf_appendf (&md, "| Total | %zu |\n", s->findings_total);
    }
    return pw_strbuf_take (&md);
}
