/*  pwctl gen - writes a deterministic synthetic fleet (agents.csv,
    scans.csv, orgs.yaml, dependencies.yaml) for `pwctl import` and
    `pwctl apply`. Needs no service: it is pw_gen over a patch catalogue.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pw_gen.h"
#include "pw_import.h"
#include "pw_util.h"
#include "pwctl.h"

#define S_DEFAULT_CATALOGUE "examples/data/windows-updates.csv"

static const pw_config_key_t s_keys [] = {
    {"seed", PW_CFG_STRING, "1", "gen: seed of the fleet (same seed and size, same files)"},
    {"agents", PW_CFG_STRING, "2000", "gen: number of agents (1 to 100000)"},
    {"out", PW_CFG_STRING, "", "gen: directory to write the fleet's files into"},
    {"catalogue", PW_CFG_STRING, "",
     "gen: patch catalogue scans are drawn from (default " S_DEFAULT_CATALOGUE ")"},
    {"cycles", PW_CFG_STRING, "1", "gen: deliberate dependency cycles to plant (0 to 2)"},
    {"now", PW_CFG_STRING, "",
     "gen: the fleet's present for check-ins and scans: unix seconds or `now` "
     "(default 2024-09-16T06:00:00Z)"},
    {"windows", PW_CFG_STRING, "",
     "gen: comma-separated cf.PatchWindow names outside dependency chains"},
    {"chain_windows", PW_CFG_STRING, "",
     "gen: comma-separated ordered windows for servers in dependency chains"},
    {NULL, 0, NULL, NULL}};

//  Parses a whole unsigned number in MIN..MAX; -1 on anything else.
static int
s_number (const char *text, unsigned long long min, unsigned long long max,
          unsigned long long *value_p)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long value = strtoull (text, &end, 10);
    if (errno || *end || value < min || value > max)
        return -1;
    *value_p = value;
    return 0;
}

//  Splits a comma-separated list in place; returns the item count.
static size_t
s_split (char *text, const char **items, size_t max)
{
    size_t count = 0;
    for (char *item = strtok (text, ","); item && count < max; item = strtok (NULL, ",")) {
        while (*item == ' ')
            item++;
        size_t len = strlen (item);
        while (len && item [len - 1] == ' ')
            item [--len] = '\0';
        if (len)
            items [count++] = item;
    }
    return count;
}

int
pwctl_cmd_gen (pwctl_t *self)
{
    if (self->argc > 0) {
        pwctl_error ("gen takes no arguments, only options (--seed N --agents N --out DIR)");
        return PWCTL_USAGE;
    }
    unsigned long long seed, agents, cycles;
    const char *out = pw_config_str (self->config, "out");
    if (s_number (pw_config_str (self->config, "seed"), 0, UINT64_MAX, &seed) != 0) {
        pwctl_error ("gen: --seed must be a whole number");
        return PWCTL_USAGE;
    }
    if (s_number (pw_config_str (self->config, "agents"), 1, PW_GEN_MAX_AGENTS, &agents) != 0) {
        pwctl_error ("gen: --agents must be a whole number from 1 to %d", PW_GEN_MAX_AGENTS);
        return PWCTL_USAGE;
    }
    if (s_number (pw_config_str (self->config, "cycles"), 0, 2, &cycles) != 0) {
        pwctl_error ("gen: --cycles must be 0, 1 or 2");
        return PWCTL_USAGE;
    }
    if (!out || !*out) {
        pwctl_error ("gen: --out DIR is required");
        return PWCTL_USAGE;
    }
    //  A fleet scanned "this week" for a live demo; the fixed default keeps
    //  the files byte-identical from run to run.
    const char *now_text = pw_config_str (self->config, "now");
    unsigned long long now = 0;
    if (strcmp (now_text, "now") == 0)
        now = (unsigned long long)time (NULL);
    else if (*now_text && s_number (now_text, 1, INT64_MAX, &now) != 0) {
        pwctl_error ("gen: --now must be unix seconds or the word now");
        return PWCTL_USAGE;
    }
    const char *catalogue_file = pw_config_str (self->config, "catalogue");
    if (!*catalogue_file && access (S_DEFAULT_CATALOGUE, R_OK) == 0)
        catalogue_file = S_DEFAULT_CATALOGUE;

    int rc = PWCTL_OK;
    char *windows_text = pw_strdup (pw_config_str (self->config, "windows"));
    char *chain_text = pw_strdup (pw_config_str (self->config, "chain_windows"));
    const char *windows [64], *chain_windows [64];
    pw_gen_options_t options = {
        .seed = seed, .agents = (size_t)agents, .cycles = (int)cycles, .now = (int64_t)now};
    if (*windows_text) {
        options.windows = windows;
        options.window_count = s_split (windows_text, windows, 64);
    }
    if (*chain_text) {
        options.chain_windows = chain_windows;
        options.chain_window_count = s_split (chain_text, chain_windows, 64);
    }
    pw_import_t *catalogue = NULL;
    pw_gen_t *fleet = NULL;
    char *error = NULL;
    if (*catalogue_file) {
        catalogue = pw_import_load (PW_IMPORT_PATCHES, catalogue_file, NULL);
        if (!pw_import_ok (catalogue)) {
            char *errors = pw_import_render_errors (catalogue);
            fputs (errors, stderr);
            free (errors);
            pwctl_error ("gen: the catalogue %s has %zu errors", catalogue_file,
                         pw_import_error_count (catalogue));
            rc = PWCTL_FAILED;
            goto done;
        }
        options.catalogue = catalogue;
    } else
        fprintf (stderr, "pwctl: gen: no catalogue (%s not found): scans.csv has no rows\n",
                 S_DEFAULT_CATALOGUE);
    fleet = pw_gen_new (&options, &error);
    if (!fleet || pw_gen_write (fleet, out, &error) != 0) {
        pwctl_error ("gen: %s", error);
        rc = fleet ? PWCTL_FAILED : PWCTL_USAGE;
        goto done;
    }
    size_t org_count, agent_count, dep_count, scan_count, unsubscribed = 0;
    const pw_gen_org_t *orgs = pw_gen_orgs (fleet, &org_count);
    pw_gen_agents (fleet, &agent_count);
    pw_gen_dependencies (fleet, &dep_count);
    pw_gen_scans (fleet, &scan_count);
    for (size_t i = 0; i < org_count; i++)
        unsubscribed += !orgs [i].subscribed;
    if (self->json) {
        pw_strbuf_t json;
        pw_strbuf_init (&json);
        pw_strbuf_append (&json, "{\"dir\":");
        pw_strbuf_append_json (&json, out);
        pw_strbuf_appendf (&json,
                           ",\"seed\":%llu,\"agents\":%zu,\"orgs\":%zu,\"unsubscribed_orgs\":%zu,"
                           "\"dependencies\":%zu,\"cycles\":%d,\"scans\":%zu,\"catalogue\":",
                           seed, agent_count, org_count, unsubscribed, dep_count,
                           pw_gen_cycles (fleet), scan_count);
        pw_strbuf_append_json (&json, *catalogue_file ? catalogue_file : NULL);
        pw_strbuf_append (&json, "}\n");
        fputs (json.data, stdout);
        pw_strbuf_free (&json);
    } else {
        printf ("%-22s %zu agents in %zu orgs\n", "agents.csv", agent_count, org_count);
        printf ("%-22s %zu scan rows\n", "scans.csv", scan_count);
        printf ("%-22s %zu orgs, %zu unsubscribed\n", "orgs.yaml", org_count, unsubscribed);
        printf ("%-22s %zu agents with dependencies, %d deliberate cycle%s\n", "dependencies.yaml",
                dep_count, pw_gen_cycles (fleet), pw_gen_cycles (fleet) == 1 ? "" : "s");
        printf ("written to %s (seed %llu)\n", out, seed);
    }
done:
    free (error);
    pw_gen_destroy (&fleet);
    pw_import_destroy (&catalogue);
    free (windows_text);
    free (chain_text);
    return rc;
}

PWCTL_COMMAND (gen, "gen", pwctl_cmd_gen, "gen --seed N --agents N --out DIR [--catalogue FILE]",
               "write a deterministic synthetic fleet (agents, scans, orgs, dependencies)", s_keys);
