/*  test_setup - the setup file: the good fixture parses into the expected
    structs, every kind of bad input is reported with its path and line, a
    file with many errors reports all of them, layout does not change the
    canonical form, mutated files never crash, and docs/setup-file.md matches
    the key tables.

    Run with `--reference` to print the key tables docs/setup-file.md embeds.
*/
#include "pw_setup.h"
#include "pw_util.h"
#include "../pw_test.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_root [4096] = ".";     //  source tree, for fixtures and docs
static char s_zoneinfo [64];         //  a fake zoneinfo tree, removed at exit
static pw_setup_options_t s_options; //  points at s_zoneinfo

//  True when SECTION has the same digest in A and B.
static bool
s_same (const pw_setup_t *a, const pw_setup_t *b, pw_setup_section_t section)
{
    char x [PW_SETUP_DIGEST_HEX], y [PW_SETUP_DIGEST_HEX];
    pw_setup_digest (a, section, x);
    pw_setup_digest (b, section, y);
    return strlen (x) == 64 && strcmp (x, y) == 0;
}

//  --------------------------------------------------------------------------
//  Helpers

static char *
s_read (const char *relative, size_t *len_p)
{
    char *path = pw_sprintf ("%s/%s", s_root, relative);
    FILE *file = fopen (path, "rb");
    free (path);
    if (!file)
        return NULL;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    char chunk [4096];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, file)) > 0)
        pw_strbuf_append_len (&buf, chunk, n);
    fclose (file);
    if (len_p)
        *len_p = buf.len;
    return pw_strbuf_take (&buf);
}

static void
s_write_zone (const char *name, const char *content)
{
    char *path = pw_sprintf ("%s/%s", s_zoneinfo, name);
    char *slash = strrchr (path, '/');
    *slash = '\0';
    mkdir (path, 0700);
    *slash = '/';
    FILE *file = fopen (path, "wb");
    if (file) {
        fputs (content, file);
        fclose (file);
    }
    free (path);
}

static const char *const s_zones [] = {"Europe/Berlin", "America/New_York", "Asia/Tokyo",
                                       "zone.tab"};

static void
s_zoneinfo_create (void)
{
    snprintf (s_zoneinfo, sizeof s_zoneinfo, "/tmp/pw-test-setup-XXXXXX");
    if (!mkdtemp (s_zoneinfo)) {
        perror ("mkdtemp");
        exit (1);
    }
    for (size_t i = 0; i < 3; i++)
        s_write_zone (s_zones [i], "TZif2 fake zone for tests\n");
    s_write_zone ("zone.tab", "# not a zone file\n");
    s_options.zoneinfo_root = s_zoneinfo;
}

static void
s_zoneinfo_remove (void)
{
    for (size_t i = 0; i < 4; i++) {
        char *path = pw_sprintf ("%s/%s", s_zoneinfo, s_zones [i]);
        unlink (path);
        free (path);
    }
    char *dir = pw_sprintf ("%s/Europe", s_zoneinfo);
    rmdir (dir);
    free (dir);
    dir = pw_sprintf ("%s/America", s_zoneinfo);
    rmdir (dir);
    free (dir);
    dir = pw_sprintf ("%s/Asia", s_zoneinfo);
    rmdir (dir);
    free (dir);
    rmdir (s_zoneinfo);
}

static pw_setup_t *
s_parse (const char *text, pw_setup_errors_t **errors_p)
{
    return pw_setup_parse (text, strlen (text), &s_options, errors_p);
}

static pw_setup_t *
s_load_fixture (const char *name)
{
    char *path = pw_sprintf ("%s/tests/data/setup/%s", s_root, name);
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *setup = pw_setup_load (path, &s_options, &errors);
    free (path);
    if (errors) {
        char *text = pw_setup_errors_render (errors);
        fprintf (stderr, "    %s:\n%s", name, text);
        free (text);
        pw_setup_errors_destroy (&errors);
    }
    return setup;
}

static const pw_setup_error_t *
s_find_error (const pw_setup_errors_t *errors, const char *path, const char *fragment)
{
    for (size_t i = 0; errors && i < errors->count; i++)
        if (strcmp (errors->items [i].path, path) == 0 &&
            strstr (errors->items [i].message, fragment))
            return &errors->items [i];
    return NULL;
}

//  --------------------------------------------------------------------------
//  The good fixture

static void
s_test_good_fixture (void)
{
    pw_setup_t *s = s_load_fixture ("good.yaml");
    PW_CHECK (s != NULL);
    if (!s)
        return;
    PW_CHECK_STR (s->tenant, "acme-it");
    PW_CHECK_INT (s->settings.scan_gap, 24 * 3600);
    PW_CHECK_INT (s->settings.scan_max_age, 7 * 86400);
    PW_CHECK_INT (s->settings.review_max_age, 14 * 86400);
    PW_CHECK_STR (s->settings.timezone, "Europe/Berlin");

    //  orgs: implied parent `servers` added, sorted
    PW_CHECK_INT (s->org_count, 2);
    const pw_setup_org_t *contoso = pw_setup_org (s, "contoso");
    PW_CHECK (contoso == &s->orgs [0]);
    PW_CHECK_STR (contoso->timezone, "Europe/Berlin");
    PW_CHECK (contoso->subscribed);
    PW_CHECK_INT (contoso->group_count, 4);
    if (contoso->group_count == 4) {
        PW_CHECK_STR (contoso->groups [0], "servers");
        PW_CHECK_STR (contoso->groups [1], "servers.app");
        PW_CHECK_STR (contoso->groups [2], "servers.sql");
        PW_CHECK_STR (contoso->groups [3], "workstations");
    }
    PW_CHECK_INT (contoso->line, 11);
    PW_CHECK_STR (s->orgs [1].timezone, "America/New_York");
    PW_CHECK (!s->orgs [1].subscribed);

    //  views
    PW_CHECK_INT (s->view_count, 3);
    PW_CHECK_STR (s->views [0].filter, "class == \"server\"");
    PW_CHECK (s->views [0].description == NULL);
    PW_CHECK_STR (pw_setup_view (s, "sat-night")->description,
                  "servers that name their Saturday window");

    //  patch policies
    PW_CHECK_INT (s->patch_policy_count, 4);
    const pw_setup_patch_policy_t *base = pw_setup_patch_policy (s, "Baseline");
    PW_CHECK (base && base->baseline && base->deny_superseded);
    PW_CHECK_INT (base->default_action, PW_SETUP_APPROVE);
    PW_CHECK (base->classifications [0].set); //  critical
    PW_CHECK_INT (base->classifications [0].action, PW_SETUP_APPROVE);
    PW_CHECK (base->classifications [3].set); //  update_rollup
    PW_CHECK_INT (base->classifications [3].action, PW_SETUP_APPROVE);
    PW_CHECK_INT (base->classifications [3].after_days, 7);
    PW_CHECK_INT (base->classifications [5].action, PW_SETUP_REVIEW); //  feature_pack
    PW_CHECK_INT (base->classifications [10].action, PW_SETUP_DENY);  //  optional
    PW_CHECK (!base->classifications [8].set);                        //  driver
    PW_CHECK_INT (base->product_count, 1);
    PW_CHECK_STR (base->products [0].match, "Zune*");
    PW_CHECK_INT (base->products [0].action, PW_SETUP_DENY);
    const pw_setup_patch_policy_t *ws = pw_setup_patch_policy (s, "Workstations");
    PW_CHECK (ws && !ws->baseline);
    PW_CHECK_INT (ws->classifications [8].action, PW_SETUP_APPROVE); //  shorthand form
    PW_CHECK_INT (ws->classifications [8].after_days, 14);
    const pw_setup_patch_policy_t *dotnet = pw_setup_patch_policy (s, "Block DotNET");
    PW_CHECK_INT (dotnet->product_count, 2);
    PW_CHECK_STR (dotnet->products [1].match, "*.NET*");
    PW_CHECK_INT (dotnet->products [1].action, PW_SETUP_REVIEW);
    PW_CHECK_INT (dotnet->products [1].line, 61);

    PW_CHECK_INT (s->kb_override_count, 1);
    PW_CHECK_STR (s->kb_overrides [0].kb, "KB5034441");
    PW_CHECK_INT (s->kb_overrides [0].action, PW_SETUP_DENY);

    //  system policies: which settings are set, and their values
    PW_CHECK_INT (s->system_policy_count, 7);
    const pw_setup_policy_settings_t *b = &pw_setup_system_policy (s, "Patch - Baseline")->settings;
    PW_CHECK_INT (b->set, PW_SETUP_HAS_PATCH_POLICIES | PW_SETUP_HAS_SUBSCRIBED |
                              PW_SETUP_HAS_SCAN | PW_SETUP_HAS_REBOOT);
    PW_CHECK_INT (b->patch_policy_count, 1);
    PW_CHECK_STR (b->patch_policies [0], "Baseline");
    PW_CHECK (b->subscribed);
    PW_CHECK_INT (b->scan.day, PW_SETUP_MON);
    PW_CHECK_INT (b->scan.minute, 120);
    PW_CHECK_INT (b->reboot, PW_SETUP_REBOOT_WHEN_REQUIRED);
    const pw_setup_policy_settings_t *sv = &pw_setup_system_policy (s, "Patch - Servers")->settings;
    PW_CHECK_STR (sv->update_window, "{cf.PatchWindow}");
    PW_CHECK (sv->update_window_template);
    PW_CHECK_INT (sv->pre_task_count, 2);
    PW_CHECK_INT (sv->pre_tasks [1].kind, PW_SETUP_TASK_REBOOT_BEFORE);
    PW_CHECK_INT (sv->post_task_count, 2);
    PW_CHECK_INT (sv->post_tasks [1].kind, PW_SETUP_TASK_RUN);
    PW_CHECK_STR (sv->post_tasks [1].script, "Check-Services.ps1");
    PW_CHECK_INT (sv->health_check.kind, PW_SETUP_CHECK_AGENT_CHECKIN);
    PW_CHECK_INT (sv->health_check.timeout, 1200);
    const pw_setup_policy_settings_t *sql =
        &pw_setup_system_policy (s, "Patch - SQL first")->settings;
    PW_CHECK_INT (sql->set, PW_SETUP_HAS_UPDATE_WINDOW | PW_SETUP_HAS_HEALTH_CHECK);
    PW_CHECK (!sql->update_window_template);
    PW_CHECK_INT (sql->health_check.kind, PW_SETUP_CHECK_TCP);
    PW_CHECK_INT (sql->health_check.port, 1433);
    PW_CHECK_INT (sql->health_check.timeout, 1800);
    const pw_setup_policy_settings_t *un =
        &pw_setup_system_policy (s, "Patch - Unsubscribed")->settings;
    PW_CHECK_INT (un->set, PW_SETUP_HAS_SUBSCRIBED);
    PW_CHECK (!un->subscribed);
    const pw_setup_policy_settings_t *lob =
        &pw_setup_system_policy (s, "Patch - Manual LOB")->settings;
    PW_CHECK_INT (lob->patch_policy_remove_count, 1);
    PW_CHECK_STR (lob->manual_patching_reason, "the LOB vendor patches this machine by hand");

    //  assignments at every level
    PW_CHECK_INT (s->assignment_count, 7);
    const pw_setup_assignment_t *a = s->assignments;
    PW_CHECK_INT (a [0].level, PW_SETUP_LEVEL_TENANT);
    PW_CHECK (a [0].target == NULL && a [0].view == NULL);
    PW_CHECK_INT (a [0].priority, 100);
    PW_CHECK_STR (a [1].view, "servers");
    PW_CHECK_INT (a [3].level, PW_SETUP_LEVEL_ORG);
    PW_CHECK_STR (a [3].org, "fabrikam");
    PW_CHECK_INT (a [4].level, PW_SETUP_LEVEL_GROUP);
    PW_CHECK_STR (a [4].org, "contoso");
    PW_CHECK_STR (a [4].group, "servers.sql");
    PW_CHECK_STR (a [4].target, "contoso/servers.sql");
    PW_CHECK_INT (a [4].priority, 50);
    PW_CHECK_INT (a [6].level, PW_SETUP_LEVEL_AGENT);
    PW_CHECK_STR (a [6].target, "CONTOSO-WS042");
    PW_CHECK (a [6].org == NULL);
    PW_CHECK_INT (a [6].line, 112);

    PW_CHECK_INT (s->cycle.kind, PW_SETUP_CYCLE_MONTHLY);
    PW_CHECK_INT (s->cycle.anchor, PW_SETUP_ANCHOR_PATCH_TUESDAY);

    //  windows and the 3-window group, in position order
    PW_CHECK_INT (s->window_count, 5);
    const pw_setup_window_t *w = pw_setup_window (s, "SAT-3");
    PW_CHECK_INT (w->offset_days, 5);
    PW_CHECK_INT (w->start, 0);
    PW_CHECK_INT (w->duration, 5400);
    PW_CHECK_INT (w->capacity, 10);
    PW_CHECK_INT (w->position, 3);
    PW_CHECK (w->timezone == NULL);
    PW_CHECK_STR (pw_setup_window (s, "SUN-EARLY")->timezone, "UTC");
    PW_CHECK_INT (pw_setup_window (s, "SUN-EARLY")->duration, 5400);
    PW_CHECK_INT (pw_setup_window (s, "WED-DAY")->start, 720);
    PW_CHECK_INT (pw_setup_window (s, "WED-DAY")->position, 0);
    const pw_setup_window_group_t *g = pw_setup_window_group (s, "SAT-NIGHT");
    PW_CHECK (g != NULL);
    PW_CHECK_INT (g->failure_policy, PW_SETUP_FAILURE_HOLD_DEPENDENTS);
    PW_CHECK_INT (g->budget_kind, PW_SETUP_BUDGET_PERCENT);
    PW_CHECK_INT (g->budget_value, 10);
    PW_CHECK_INT (g->window_count, 3);
    if (g->window_count == 3) {
        PW_CHECK_STR (g->windows [0]->name, "SAT-1");
        PW_CHECK_STR (g->windows [1]->name, "SAT-2");
        PW_CHECK_STR (g->windows [2]->name, "SAT-3");
    }

    PW_CHECK_INT (s->blackout_count, 1);
    PW_CHECK_STR (s->blackouts [0].org, "contoso");
    PW_CHECK_INT (s->blackouts [0].from.year, 2024);
    PW_CHECK_INT (s->blackouts [0].from.month, 12);
    PW_CHECK_INT (s->blackouts [0].from.day, 23);
    PW_CHECK_INT (s->blackouts [0].to.year, 2025);
    PW_CHECK_INT (s->blackouts [0].to.day, 2);

    PW_CHECK_INT (s->dependency_count, 2);
    PW_CHECK_STR (s->dependencies [1].agent, "CONTOSO-WEB01");
    PW_CHECK_INT (s->dependencies [1].after_count, 2);
    PW_CHECK_STR (s->dependencies [1].after [0], "CONTOSO-APP01");

    //  lookups of what is not there
    PW_CHECK (pw_setup_org (s, "initech") == NULL);
    PW_CHECK (pw_setup_window (s, "SAT-NIGHT") == NULL);
    PW_CHECK (pw_setup_org (s, NULL) == NULL);
    pw_setup_destroy (&s);
    PW_CHECK (s == NULL);
    pw_setup_destroy (&s); //  NULL-safe
    pw_setup_destroy (NULL);
}

//  A minimal file: everything else comes from the documented defaults.
static void
s_test_defaults (void)
{
    const char *text = "settings:\n"
                       "orgs:\n"
                       "  - name: solo\n"
                       "patch_policies:\n"
                       "  - name: Only\n"
                       "assignments:\n"
                       "  - {policy: P, level: tenant}\n"
                       "system_policies:\n"
                       "  - {name: P, settings: {health_check: {check: agent_checkin}}}\n"
                       "windows:\n"
                       "window_groups: ~\n";
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *s = s_parse (text, &errors);
    PW_CHECK (s != NULL && errors == NULL);
    if (!s) {
        pw_setup_errors_destroy (&errors);
        return;
    }
    PW_CHECK (s->tenant == NULL);
    PW_CHECK_INT (s->settings.scan_gap, 86400);
    PW_CHECK_INT (s->settings.scan_max_age, 7 * 86400);
    PW_CHECK_INT (s->settings.review_max_age, 14 * 86400);
    PW_CHECK_STR (s->settings.timezone, "UTC");
    PW_CHECK_STR (s->orgs [0].timezone, "UTC");
    PW_CHECK (s->orgs [0].subscribed);
    PW_CHECK_INT (s->orgs [0].group_count, 0);
    PW_CHECK_INT (s->patch_policies [0].default_action, PW_SETUP_REVIEW);
    PW_CHECK (!s->patch_policies [0].baseline);
    PW_CHECK_INT (s->assignments [0].priority, 100);
    PW_CHECK_INT (s->system_policies [0].settings.set, PW_SETUP_HAS_HEALTH_CHECK);
    PW_CHECK_INT (s->system_policies [0].settings.health_check.timeout, 900);
    PW_CHECK_INT (s->cycle.kind, PW_SETUP_CYCLE_MONTHLY);
    PW_CHECK_INT (s->window_count, 0);
    PW_CHECK_INT (s->window_group_count, 0);
    pw_setup_destroy (&s);

    //  A weekly cycle, a count budget, a leap day, group target on an
    //  implied parent, a template with text around the placeholder.
    text = "cycle: {kind: weekly, weekday: sat}\n"
           "orgs: [{name: o, groups: [a.b.c]}]\n"
           "windows:\n"
           "  - {name: W, offset_days: 6, start: '7:05', duration: 1d, capacity: 1, group: G, "
           "position: 1}\n"
           "window_groups: [{name: G, failure_policy: stop, error_budget: 3}]\n"
           "blackouts: [{org: o, from: 2024-02-29, to: 2024-02-29, reason: leap}]\n"
           "system_policies: [{name: P, settings: {update_window: 'SAT-{cf.Slot}'}}]\n"
           "assignments: [{policy: P, level: group, target: o/a.b}]\n";
    s = s_parse (text, &errors);
    PW_CHECK (s != NULL);
    if (s) {
        PW_CHECK_INT (s->cycle.kind, PW_SETUP_CYCLE_WEEKLY);
        PW_CHECK_INT (s->cycle.weekday, PW_SETUP_SAT);
        PW_CHECK_INT (s->windows [0].start, 7 * 60 + 5);
        PW_CHECK_INT (s->windows [0].duration, 86400);
        PW_CHECK_INT (s->window_groups [0].failure_policy, PW_SETUP_FAILURE_STOP);
        PW_CHECK_INT (s->window_groups [0].budget_kind, PW_SETUP_BUDGET_COUNT);
        PW_CHECK_INT (s->window_groups [0].budget_value, 3);
        PW_CHECK_INT (s->orgs [0].group_count, 3);
        PW_CHECK_STR (s->orgs [0].groups [1], "a.b");
        PW_CHECK (s->system_policies [0].settings.update_window_template);
    }
    pw_setup_destroy (&s);
    pw_setup_errors_destroy (&errors);
}

//  --------------------------------------------------------------------------
//  Bad input: each case has one expected error (path, message part, line)

typedef struct {
    const char *text;
    const char *path;
    const char *message; //  a part of the message
    int line;
} s_bad_t;

#define S_SP(settings) "system_policies: [{name: P, settings: " settings "}]\n"
#define S_WIN_G                                                                                    \
    "windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: G, "    \
    "position: 1}]\n"
#define S_ORG "orgs: [{name: contoso, groups: [servers.sql]}]\n"

static const s_bad_t s_bad [] = {
    //  file shape
    {"", "", "the setup file is empty", 0},
    {"# only a comment\n", "", "the setup file is empty", 0},
    {"- a\n- b\n", "", "expected a mapping of sections, found a list", 1},
    {"hello\n", "", "expected a mapping of sections, found \"hello\"", 1},
    {"orgs: []\nbogus: 1\n", "bogus",
     "unknown section; known sections: tenant, settings, orgs, views, patch_policies, "
     "kb_overrides, system_policies, assignments, cycle, windows, window_groups, blackouts, "
     "dependencies",
     2},
    {"window: []\n", "window", "unknown section (did you mean \"windows\"?)", 1},
    {"orgs: []\norgs: []\n", "orgs", "duplicate key (first at line 1)", 2},
    {"? [a]\n: b\n", "", "keys must be plain text, found a list", 1},
    {"orgs: {name: x}\n", "orgs", "expected a list, found a mapping", 1},
    {"settings: 5\n", "settings", "expected a mapping, found \"5\"", 1},
    {"tenant: \"a\\0b\"\n", "tenant", "contains a NUL character", 1},
    {"tenant: a/b\n", "tenant", "\"a/b\" is not a valid name: it contains", 1},
    {"tenant: [a]\n", "tenant", "expected a name, found a list", 1},
    {"tenant: \" x\"\n", "tenant", "it starts or ends with a blank", 1},
    //  YAML
    {"orgs: &x []\nviews: *x\n", "", "YAML aliases (*x) are not supported", 2},
    {"orgs: []\n---\nviews: []\n", "", "one YAML document", 2},
    //  settings
    {"settings: {scan_gap: 7d, scan_max_age: 7d}\n", "settings.scan_gap",
     "must be shorter than scan_max_age", 1},
    {"settings: {review_max_age: forever}\n", "settings.review_max_age",
     "expected a duration like 4h, 90m or 1h30m, found \"forever\"", 1},
    {"settings: {scan_max_age: 30m1h}\n", "settings.scan_max_age", "expected a duration", 1},
    {"settings: {scan_max_age: 100d}\n", "settings.scan_max_age", "100d is out of range 1h..90d",
     1},
    {"settings: {timezone: Mars/Base}\n", "settings.timezone",
     "\"Mars/Base\" is not a known IANA time zone", 1},
    //  orgs
    {"orgs:\n  - name: a\n    timezon: UTC\n", "orgs[0].timezon",
     "unknown key (did you mean \"timezone\"?); known keys: name, timezone, patching, groups", 3},
    {"orgs:\n  - {name: a, patching: maybe}\n", "orgs[0].patching",
     "\"maybe\" is not one of subscribed, unsubscribed", 2},
    {"orgs:\n  - {timezone: UTC}\n", "orgs[0]", "required key \"name\" is missing", 2},
    {"orgs: [{name: a, timezone: Europe/Nowhere}]\n", "orgs[0].timezone",
     "\"Europe/Nowhere\" is not a known IANA time zone", 1},
    {"orgs: [{name: a, timezone: zone.tab}]\n", "orgs[0].timezone", "is not a known IANA", 1},
    {"orgs: [{name: a, timezone: ../Europe/Berlin}]\n", "orgs[0].timezone", "is not a known IANA",
     1},
    {"orgs: [{name: a, timezone: Europe}]\n", "orgs[0].timezone", "is not a known IANA", 1},
    {"orgs: [{name: a, groups: [.x]}]\n", "orgs[0].groups[0]", "\".x\" is not a group path", 1},
    {"orgs: [{name: a, groups: [a b]}]\n", "orgs[0].groups[0]", "is not a group path", 1},
    {"orgs: [{name: a, groups: servers}]\n", "orgs[0].groups", "expected a list, found", 1},
    {"orgs:\n  - {name: a}\n  - {name: a}\n", "orgs[1].name",
     "duplicate org \"a\" (first at line 2)", 3},
    {"orgs:\n  - name: a\n    name: b\n", "orgs[0].name", "duplicate key (first at line 2)", 3},
    //  views
    {"views: [{name: v, filter: \"\"}]\n", "views[0].filter", "must not be empty", 1},
    {"views: [{name: v}]\n", "views[0]", "required key \"filter\" is missing", 1},
    {"views: [{name: v, filter: 'class == \"server\"'}, {name: v, filter: 'os ~ \"W*\"'}]\n",
     "views[1].name", "duplicate view \"v\"", 1},
    //  patch policies
    {"patch_policies: [{name: P, default: maybe}]\n", "patch_policies[0].default",
     "\"maybe\" is not one of approve, review, deny", 1},
    {"patch_policies: [{name: P, classifications: {hotfix: approve}}]\n",
     "patch_policies[0].classifications.hotfix",
     "unknown key; known keys: critical, security, definition, update_rollup, service_pack, "
     "feature_pack, update, tool, driver, upgrade, optional",
     1},
    {"patch_policies: [{name: P, classifications: {driver: sometimes}}]\n",
     "patch_policies[0].classifications.driver",
     "\"sometimes\" is not one of approve, review, deny", 1},
    {"patch_policies: [{name: P, classifications: {driver: [approve]}}]\n",
     "patch_policies[0].classifications.driver",
     "expected approve, review, deny or a mapping {action: approve, after_days: N}, found a list",
     1},
    {"patch_policies:\n  - name: P\n    classifications:\n      security: {action: deny, "
     "after_days: 3}\n",
     "patch_policies[0].classifications.security.after_days",
     "only an approve rule can wait; this one is deny", 4},
    {"patch_policies: [{name: P, classifications: {driver: {review, after_days: 3}}}]\n",
     "patch_policies[0].classifications.driver.after_days", "only an approve rule can wait", 1},
    {"patch_policies: [{name: P, classifications: {driver: {after_days: 3}}}]\n",
     "patch_policies[0].classifications.driver", "required key \"action\" is missing", 1},
    {"patch_policies: [{name: P, classifications: {driver: {approve, deny}}}]\n",
     "patch_policies[0].classifications.driver.action", "duplicate key", 1},
    {"patch_policies: [{name: P, classifications: {driver: {action: approve, after: 3}}}]\n",
     "patch_policies[0].classifications.driver.after",
     "unknown key; known keys: action, after_days", 1},
    {"patch_policies:\n  - name: P\n    products:\n      - {action: deny}\n",
     "patch_policies[0].products[0]", "required key \"match\" is missing", 4},
    {"patch_policies: [{name: P, products: [{match: x, action: approve, after_days: 400}]}]\n",
     "patch_policies[0].products[0].after_days", "400 is out of range 0..365", 1},
    {"patch_policies: [{name: P, products: [{match: x, action: deny, after_days: 4}]}]\n",
     "patch_policies[0].products[0].after_days", "only an approve rule can wait", 1},
    {"patch_policies:\n  - {name: A, baseline: true}\n  - {name: B, baseline: true}\n",
     "patch_policies[1].baseline",
     "only one patch policy can be the baseline; \"A\" (line 2) already is", 3},
    {"patch_policies: [{name: A, baseline: yes}]\n", "patch_policies[0].baseline",
     "expected true or false, found \"yes\"", 1},
    //  kb overrides
    {"kb_overrides: [{kb: KB1, action: review, note: n}]\n", "kb_overrides[0].action",
     "\"review\" is not one of approve, deny", 1},
    {"kb_overrides: [{kb: KB1, action: deny}]\n", "kb_overrides[0]",
     "required key \"note\" is missing", 1},
    {"kb_overrides: [{kb: KB1, action: deny, note: \" \"}]\n", "kb_overrides[0].note",
     "must not be empty", 1},
    {"kb_overrides:\n  - {kb: KB1, action: deny, note: n}\n  - {kb: kb1, action: approve, note: "
     "n}\n",
     "kb_overrides[1].kb", "duplicate KB override \"kb1\" (first at line 2)", 3},
    {"kb_overrides: [{kb: KB 1, action: deny, note: n}]\n", "kb_overrides[0].kb",
     "\"KB 1\" is not a valid identifier", 1},
    //  system policies
    {"system_policies:\n  - name: P\n    settings:\n      reboot: sometimes\n",
     "system_policies[0].settings.reboot",
     "\"sometimes\" is not one of never, when_required, always", 4},
    {"system_policies: [{name: P}]\n", "system_policies[0]", "required key \"settings\" is missing",
     1},
    {"system_policies: [{name: P, settings: {reboots: never}}]\n",
     "system_policies[0].settings.reboots", "unknown key (did you mean \"reboot\"?)", 1},
    {S_SP ("{patch_policies: [X]}"), "system_policies[0].settings.patch_policies[0]",
     "\"X\" is not a patch policy in this file", 1},
    {S_SP ("{patch_policies_remove: [X]}"), "system_policies[0].settings.patch_policies_remove[0]",
     "\"X\" is not a patch policy in this file", 1},
    {"patch_policies: [{name: X}]\n" S_SP ("{patch_policies: [X], patch_policies_remove: [X]}"),
     "system_policies[0].settings.patch_policies_remove[0]",
     "\"X\" is both added and removed by this policy", 2},
    {"patch_policies: [{name: X}]\n" S_SP ("{patch_policies: [X, X]}"),
     "system_policies[0].settings.patch_policies[1]", "\"X\" is listed twice", 2},
    {S_SP ("{update_window: NOWHERE}"), "system_policies[0].settings.update_window",
     "\"NOWHERE\" is not a window or window group in this file", 1},
    {S_SP ("{update_window: '{PatchWindow}'}"), "system_policies[0].settings.update_window",
     "is not a valid template", 1},
    {S_SP ("{update_window: '{cf.}'}"), "system_policies[0].settings.update_window",
     "is not a valid template", 1},
    {S_SP ("{update_window: 'x}'}"), "system_policies[0].settings.update_window",
     "is not a valid template", 1},
    {S_SP ("{pre_tasks: [reboot_after]}"), "system_policies[0].settings.pre_tasks[0]",
     "\"reboot_after\" is not one of disable_monitors, enable_monitors, reboot_before, "
     "run:<script>",
     1},
    {S_SP ("{pre_tasks: ['run:']}"), "system_policies[0].settings.pre_tasks[0]",
     "run: needs a script name", 1},
    {S_SP ("{post_tasks: [enable_monitors, reboot_before]}"),
     "system_policies[0].settings.post_tasks[1]", "reboot_before is a pre-task", 1},
    {S_SP ("{scan: {day: funday, time: '01:00'}}"), "system_policies[0].settings.scan.day",
     "\"funday\" is not one of mon, tue, wed, thu, fri, sat, sun", 1},
    {S_SP ("{scan: {time: 2am}}"), "system_policies[0].settings.scan.time",
     "expected a time \"HH:MM\" (00:00..23:59), found \"2am\"", 1},
    {S_SP ("{scan: {time: '24:00'}}"), "system_policies[0].settings.scan.time", "expected a time",
     1},
    {S_SP ("{scan: {day: mon}}"), "system_policies[0].settings.scan",
     "required key \"time\" is missing", 1},
    {S_SP ("{health_check: {check: 'tcp:70000'}}"),
     "system_policies[0].settings.health_check.check", "the port must be 1..65535", 1},
    {S_SP ("{health_check: {check: ping}}"), "system_policies[0].settings.health_check.check",
     "\"ping\" is not one of agent_checkin, tcp:<port>", 1},
    {S_SP ("{health_check: {check: agent_checkin, timeout: 2d}}"),
     "system_policies[0].settings.health_check.timeout", "2d is out of range 1m..1d", 1},
    {S_SP ("{manual_patching: {}}"), "system_policies[0].settings.manual_patching",
     "required key \"reason\" is missing", 1},
    {S_SP ("{manual_patching: }"), "system_policies[0].settings.manual_patching",
     "required key \"reason\" is missing", 1},
    {S_SP ("{subscribed: no}"), "system_policies[0].settings.subscribed",
     "expected true or false, found \"no\"", 1},
    {"system_policies:\n  - {name: P, settings: {}}\n  - {name: P, settings: {}}\n",
     "system_policies[1].name", "duplicate system policy \"P\" (first at line 2)", 3},
    //  assignments
    {"assignments: [{policy: Q, level: tenant}]\n", "assignments[0].policy",
     "\"Q\" is not a system policy in this file", 1},
    {S_SP ("{}") "assignments: [{policy: P, level: tenant, view: nope}]\n", "assignments[0].view",
     "\"nope\" is not a view in this file", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: tenant, target: x}]\n", "assignments[0].target",
     "a tenant-level assignment has no target", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: org}]\n", "assignments[0].target",
     "required with level org", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: planet}]\n", "assignments[0].level",
     "\"planet\" is not one of tenant, org, group, agent", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: org, target: initech}]\n",
     "assignments[0].target", "\"initech\" is not an org in this file", 2},
    {S_ORG S_SP ("{}") "assignments: [{policy: P, level: group, target: contoso}]\n",
     "assignments[0].target", "\"contoso\" is not ORG/group.path", 3},
    {S_ORG S_SP ("{}") "assignments: [{policy: P, level: group, target: initech/servers}]\n",
     "assignments[0].target", "\"initech\" is not an org in this file", 3},
    {S_ORG S_SP ("{}") "assignments: [{policy: P, level: group, target: contoso/servers.web}]\n",
     "assignments[0].target", "group \"servers.web\" is not declared in org \"contoso\"", 3},
    {S_SP ("{}") "assignments: [{policy: P, level: agent, target: web 01}]\n",
     "assignments[0].target", "\"web 01\" is not a valid hostname", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: tenant, priority: -1}]\n",
     "assignments[0].priority", "-1 is out of range 0..1000000", 2},
    {S_SP ("{}") "assignments: [{policy: P, level: tenant, priority: high}]\n",
     "assignments[0].priority", "expected an integer, found \"high\"", 2},
    {S_SP ("{}") "assignments:\n  - {policy: P, level: tenant}\n  - {policy: P, level: tenant}\n",
     "assignments[1]", "the same assignment as assignments[0] (line 3)", 4},
    //  cycle
    {"cycle: {kind: weekly}\n", "cycle", "a weekly cycle needs \"weekday\"", 1},
    {"cycle: {kind: monthly, weekday: sat}\n", "cycle.weekday", "only a weekly cycle has a weekday",
     1},
    {"cycle: {kind: weekly, weekday: sat, anchor: patch_tuesday}\n", "cycle.anchor",
     "only a monthly cycle has an anchor", 1},
    {"cycle: {kind: yearly}\n", "cycle.kind", "\"yearly\" is not one of monthly, weekly", 1},
    {"cycle: {anchor: first_monday}\n", "cycle.anchor", "is not one of patch_tuesday", 1},
    //  windows and groups
    {"windows: [{name: W, offset_days: 28, start: '01:00', duration: 1h, capacity: 1}]\n",
     "windows[0].offset_days", "28 is out of range 0..27", 1},
    {"cycle: {kind: weekly, weekday: sat}\n"
     "windows: [{name: W, offset_days: 7, start: '01:00', duration: 1h, capacity: 1}]\n",
     "windows[0].offset_days", "7 is out of range 0..6 for a weekly cycle", 2},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 0m, capacity: 1}]\n",
     "windows[0].duration", "0m is out of range 1m..7d", 1},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 90s, capacity: 1}]\n",
     "windows[0].duration", "expected a duration like 4h, 90m or 1h30m, found \"90s\"", 1},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 0}]\n",
     "windows[0].capacity", "0 is out of range 1..1000000", 1},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h}]\n", "windows[0]",
     "required key \"capacity\" is missing", 1},
    {"window_groups: [{name: G}]\n"
     "windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: G}]\n",
     "windows[0].position", "required with \"group\"", 2},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, position: "
     "1}]\n",
     "windows[0].group", "required with \"position\"", 1},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: G, "
     "position: 1}]\n",
     "windows[0].group", "\"G\" is not a window group in this file", 1},
    {"window_groups: [{name: G}]\n"
     "windows:\n"
     "  - {name: A, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: G, position: "
     "1}\n"
     "  - {name: B, offset_days: 0, start: '02:00', duration: 1h, capacity: 1, group: G, position: "
     "3}\n",
     "windows[1].position", "3 is outside 1..2: window group \"G\" has 2 windows", 4},
    {"window_groups: [{name: G}]\n"
     "windows:\n"
     "  - {name: A, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: G, position: "
     "1}\n"
     "  - {name: B, offset_days: 0, start: '02:00', duration: 1h, capacity: 1, group: G, position: "
     "1}\n",
     "windows[1].position", "position 1 of window group \"G\" is already taken by \"A\"", 4},
    {"window_groups: [{name: G}]\n"
     "windows:\n"
     "  - {name: A, offset_days: 1, start: '01:00', duration: 1h, capacity: 1, group: G, position: "
     "1}\n"
     "  - {name: B, offset_days: 0, start: '23:00', duration: 1h, capacity: 1, group: G, position: "
     "2}\n",
     "windows[1].position", "position 2 (\"B\") starts before position 1 (\"A\")", 4},
    {"windows:\n  - {name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1}\n"
     "  - {name: W, offset_days: 1, start: '01:00', duration: 1h, capacity: 1}\n",
     "windows[1].name", "duplicate window \"W\" (first at line 2)", 3},
    {"windows: [{name: W, offset_days: 0, start: '01:00', duration: 1h, capacity: 1, group: W, "
     "position: 1}]\nwindow_groups: [{name: W}]\n",
     "window_groups[0].name", "\"W\" is also a window (line 1); names must differ", 2},
    {"window_groups: [{name: G}]\n", "window_groups[0]",
     "window group \"G\" has no windows; a window joins it with \"group\" and \"position\"", 1},
    {"window_groups: [{name: G, error_budget: abc}]\n" S_WIN_G, "window_groups[0].error_budget",
     "expected a count 0..100000 or a percent 0%..100%, found \"abc\"", 1},
    {"window_groups: [{name: G, error_budget: 101%}]\n" S_WIN_G, "window_groups[0].error_budget",
     "found \"101%\"", 1},
    {"window_groups: [{name: G, failure_policy: panic}]\n" S_WIN_G,
     "window_groups[0].failure_policy", "\"panic\" is not one of hold_dependents, stop, continue",
     1},
    //  blackouts
    {S_ORG "blackouts: [{org: contoso, from: 2025-01-02, to: 2024-12-23, reason: r}]\n",
     "blackouts[0].to", "2024-12-23 is before from (2025-01-02)", 2},
    {S_ORG "blackouts: [{org: contoso, from: 2025-02-29, to: 2025-03-01, reason: r}]\n",
     "blackouts[0].from", "expected a date YYYY-MM-DD, found \"2025-02-29\"", 2},
    {S_ORG "blackouts: [{org: contoso, from: 2025-1-2, to: 2025-03-01, reason: r}]\n",
     "blackouts[0].from", "expected a date YYYY-MM-DD", 2},
    {"blackouts: [{org: initech, from: 2025-01-01, to: 2025-01-01, reason: r}]\n",
     "blackouts[0].org", "\"initech\" is not an org in this file", 1},
    {S_ORG "blackouts: [{org: contoso, from: 2025-01-01, to: 2025-01-01}]\n", "blackouts[0]",
     "required key \"reason\" is missing", 2},
    //  dependencies
    {"dependencies: [{agent: APP01, after: [SQL01, app01]}]\n", "dependencies[0].after[1]",
     "\"app01\" cannot wait for itself", 1},
    {"dependencies: [{agent: APP01, after: [SQL01, sql01]}]\n", "dependencies[0].after[1]",
     "\"sql01\" is listed twice", 1},
    {"dependencies: [{agent: APP01, after: []}]\n", "dependencies[0].after", "lists no agent", 1},
    {"dependencies: [{agent: APP01}]\n", "dependencies[0]", "required key \"after\" is missing", 1},
    {"dependencies:\n  - {agent: APP01, after: [SQL01]}\n  - {agent: app01, after: [DC01]}\n",
     "dependencies[1].agent", "duplicate dependency entry for agent \"app01\" (first at line 2)",
     3},
    {"dependencies: [{agent: -x, after: [SQL01]}]\n", "dependencies[0].agent",
     "\"-x\" is not a valid hostname", 1},
    {"dependencies: [{agent: A, after: [b..c]}]\n", "dependencies[0].after[0]",
     "\"b..c\" is not a valid hostname", 1},
};

static void
s_test_bad_inputs (void)
{
    size_t cases = sizeof s_bad / sizeof s_bad [0];
    for (size_t i = 0; i < cases; i++) {
        const s_bad_t *c = &s_bad [i];
        pw_setup_errors_t *errors = NULL;
        pw_setup_t *s = s_parse (c->text, &errors);
        const pw_setup_error_t *e = s_find_error (errors, c->path, c->message);
        if (s || !errors || !e || e->line != c->line) {
            PW_FAIL_AT ("case %zu: expected `%s: ...%s... (line %d)` for:\n%s", i, c->path,
                        c->message, c->line, c->text);
            char *text = pw_setup_errors_render (errors);
            fprintf (stderr, "      got:\n%s", text ? text : "(nothing)\n");
            free (text);
        }
        //  Each case has one mistake, so one error.
        else if (errors->count != 1) {
            char *text = pw_setup_errors_render (errors);
            PW_FAIL_AT ("case %zu: %zu errors, expected 1:\n%s", i, errors->count, text);
            free (text);
        }
        pw_setup_destroy (&s);
        pw_setup_errors_destroy (&errors);
    }
}

//  The view filter is checked with the view compiler; its message names the
//  column inside the filter.
static void
s_test_view_filter (void)
{
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *s = s_parse ("views:\n  - name: v\n    filter: class == \"server\" and bogus == "
                             "\"x\"\n",
                             &errors);
    PW_CHECK (s == NULL);
    const pw_setup_error_t *e = s_find_error (errors, "views[0].filter", "column 23");
    PW_CHECK (e != NULL);
    PW_CHECK_INT (e ? e->line : 0, 3);
    PW_CHECK_INT (errors ? errors->count : 0, 1);
    pw_setup_errors_destroy (&errors);
}

static void
s_test_syntax_errors (void)
{
    pw_setup_errors_t *errors = NULL;
    PW_CHECK (s_parse ("orgs:\n  - name: a\n   bad: [\n", &errors) == NULL);
    PW_CHECK_INT (errors ? errors->count : 0, 1);
    if (errors && errors->count) {
        PW_CHECK_INT (errors->items [0].line, 3);
        PW_CHECK (errors->items [0].column > 0);
        PW_CHECK (strstr (errors->items [0].message, "YAML syntax error") != NULL);
        char *text = pw_setup_errors_render (errors);
        char *expected = pw_sprintf ("line 3, column %d: ", errors->items [0].column);
        PW_CHECK (strncmp (text, expected, strlen (expected)) == 0);
        free (expected);
        free (text);
    }
    pw_setup_errors_destroy (&errors);

    PW_CHECK (s_parse ("orgs: [a, b\n", &errors) == NULL);
    PW_CHECK (errors && errors->items [0].line == 2 && errors->items [0].column == 1);
    pw_setup_errors_destroy (&errors);

    PW_CHECK (s_parse ("orgs:\n\t- a\n", &errors) == NULL);
    PW_CHECK (errors && errors->items [0].line == 2);
    pw_setup_errors_destroy (&errors);

    //  Invalid UTF-8 is a reader error, still with a line.
    PW_CHECK (s_parse ("tenant: \xff\xfe\xfd\n", &errors) == NULL);
    PW_CHECK (errors && errors->count == 1 && errors->items [0].line >= 1);
    pw_setup_errors_destroy (&errors);

    //  Errors can be dropped by passing NULL.
    PW_CHECK (s_parse ("orgs: [", NULL) == NULL);
}

static void
s_test_limits (void)
{
    pw_setup_errors_t *errors = NULL;
    //  32 levels are fine (they fail on meaning, not on depth); 33 are not.
    pw_strbuf_t deep;
    pw_strbuf_init (&deep);
    pw_strbuf_append (&deep, "tenant: ");
    for (int i = 0; i < 31; i++)
        pw_strbuf_append (&deep, "[");
    for (int i = 0; i < 31; i++)
        pw_strbuf_append (&deep, "]");
    pw_strbuf_append (&deep, "\n");
    PW_CHECK (s_parse (deep.data, &errors) == NULL);
    PW_CHECK (s_find_error (errors, "tenant", "expected a name, found a list") != NULL);
    pw_setup_errors_destroy (&errors);
    pw_strbuf_reset (&deep);
    pw_strbuf_append (&deep, "tenant: ");
    for (int i = 0; i < 32; i++)
        pw_strbuf_append (&deep, "[");
    for (int i = 0; i < 32; i++)
        pw_strbuf_append (&deep, "]");
    PW_CHECK (s_parse (deep.data, &errors) == NULL);
    PW_CHECK (s_find_error (errors, "", "nesting deeper than 32 levels") != NULL);
    PW_CHECK_INT (errors ? errors->count : 0, 1);
    pw_setup_errors_destroy (&errors);
    pw_strbuf_free (&deep);

    //  Over 8 MiB is refused before parsing; the text is never read.
    const char *small = "tenant: x\n";
    PW_CHECK (pw_setup_parse (small, PW_SETUP_MAX_BYTES + 1, &s_options, &errors) == NULL);
    PW_CHECK (s_find_error (errors, "", "larger than 8 MiB") != NULL);
    pw_setup_errors_destroy (&errors);

    //  So is a file over 8 MiB; and a missing one names the file.
    char path [] = "/tmp/pw-test-setup-big-XXXXXX";
    int fd = mkstemp (path);
    PW_CHECK (fd >= 0);
    if (fd >= 0) {
        PW_CHECK (ftruncate (fd, PW_SETUP_MAX_BYTES + 1) == 0);
        close (fd);
        PW_CHECK (pw_setup_load (path, &s_options, &errors) == NULL);
        PW_CHECK (s_find_error (errors, "", "is larger than 8 MiB") != NULL);
        pw_setup_errors_destroy (&errors);
        unlink (path);
    }
    PW_CHECK (pw_setup_load ("/nonexistent/setup.yaml", &s_options, &errors) == NULL);
    PW_CHECK (s_find_error (errors, "", "cannot read /nonexistent/setup.yaml: No such file") !=
              NULL);
    pw_setup_errors_destroy (&errors);
    PW_CHECK (pw_setup_load ("/tmp", &s_options, &errors) == NULL);
    PW_CHECK (s_find_error (errors, "", "not a regular file") != NULL);
    pw_setup_errors_destroy (&errors);

    //  Many errors stop at the cap, with a closing note.
    pw_strbuf_t many;
    pw_strbuf_init (&many);
    pw_strbuf_append (&many, "orgs:\n");
    for (int i = 0; i < 500; i++)
        pw_strbuf_appendf (&many, "  - {name: o%d, patching: maybe}\n", i);
    PW_CHECK (s_parse (many.data, &errors) == NULL);
    PW_CHECK_INT (errors ? errors->count : 0, PW_SETUP_MAX_ERRORS);
    if (errors && errors->count == PW_SETUP_MAX_ERRORS) {
        PW_CHECK_STR (errors->items [0].path, "orgs[0].patching");
        PW_CHECK (strstr (errors->items [PW_SETUP_MAX_ERRORS - 1].message, "too many errors"));
    }
    pw_setup_errors_destroy (&errors);
    pw_strbuf_free (&many);
}

static void
s_test_tenant_option (void)
{
    pw_setup_options_t options = s_options;
    options.tenant = "other-msp";
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *s = pw_setup_parse ("tenant: acme-it\n", 16, &options, &errors);
    PW_CHECK (s == NULL);
    PW_CHECK (s_find_error (errors, "tenant",
                            "this file is for tenant \"acme-it\", not \"other-msp\"") != NULL);
    pw_setup_errors_destroy (&errors);
    options.tenant = "acme-it";
    s = pw_setup_parse ("tenant: acme-it\n", 16, &options, &errors);
    PW_CHECK (s != NULL && errors == NULL);
    pw_setup_destroy (&s);
    //  A file without `tenant:` applies anywhere.
    s = pw_setup_parse ("orgs: []\n", 9, &options, &errors);
    PW_CHECK (s != NULL);
    pw_setup_destroy (&s);
}

//  The system's own zoneinfo, when the machine has one.
static void
s_test_system_zoneinfo (void)
{
    if (access ("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0)
        return;
    pw_setup_errors_t *errors = NULL;
    const char *text =
        "orgs: [{name: a, timezone: Europe/Berlin}, {name: b, timezone: Etc/GMT+5}]\n";
    pw_setup_t *s = pw_setup_parse (text, strlen (text), NULL, &errors);
    PW_CHECK (s != NULL);
    pw_setup_destroy (&s);
    pw_setup_errors_destroy (&errors);
    text = "orgs: [{name: a, timezone: Europe/Berlinn}]\n";
    PW_CHECK (pw_setup_parse (text, strlen (text), NULL, &errors) == NULL);
    pw_setup_errors_destroy (&errors);
}

//  --------------------------------------------------------------------------
//  A file with many errors reports all of them, in line order

static void
s_test_many_errors (void)
{
    static const struct {
        const char *path;
        int line;
    } expected [] = {
        {"settings.scan_gap", 4},
        {"settings.timezone", 6},
        {"orgs[0].timezon", 9},
        {"orgs[0].groups[0]", 10},
        {"orgs[1].name", 11},
        {"views[0].filter", 14},
        {"patch_policies[0].default", 18},
        {"patch_policies[0].classifications.security.after_days", 20},
        {"patch_policies[0].classifications.hotfix", 21},
        {"patch_policies[1].baseline", 23},
        {"kb_overrides[0]", 25},
        {"kb_overrides[0].action", 26},
        {"system_policies[0].settings.patch_policies[1]", 30},
        {"system_policies[0].settings.reboot", 31},
        {"system_policies[0].settings.post_tasks[0]", 32},
        {"system_policies[0].settings.update_window", 33},
        {"assignments[0].policy", 35},
        {"assignments[0].target", 35},
        {"assignments[1].target", 36},
        {"assignments[2].level", 37},
        {"cycle", 38},
        {"windows[0].start", 40},
        {"windows[0].duration", 40},
        {"windows[0].capacity", 40},
        {"windows[0].offset_days", 40},
        {"windows[1].group", 41},
        {"window_groups[0].error_budget", 43},
        {"window_groups[0]", 43},
        {"blackouts[0].from", 45},
        {"blackouts[0].org", 45},
        {"dependencies[0].after[0]", 47},
    };
    size_t count = sizeof expected / sizeof expected [0];
    char *path = pw_sprintf ("%s/tests/data/setup/many-errors.yaml", s_root);
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *s = pw_setup_load (path, &s_options, &errors);
    free (path);
    PW_CHECK (s == NULL);
    PW_CHECK_INT (errors ? errors->count : 0, count);
    for (size_t i = 0; errors && i < count && i < errors->count; i++) {
        PW_CHECK_STR (errors->items [i].path, expected [i].path);
        PW_CHECK_INT (errors->items [i].line, expected [i].line);
    }
    //  The rendered form: one line each, path first, line last.
    char *text = pw_setup_errors_render (errors);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    PW_CHECK_INT (lines, count);
    PW_CHECK (strstr (text, "system_policies[0].settings.reboot: \"sometimes\" is not one of "
                            "never, when_required, always (line 31)\n") != NULL);
    PW_CHECK (strstr (text, "kb_overrides[0]: required key \"note\" is missing (line 25)\n") !=
              NULL);
    free (text);
    pw_setup_errors_destroy (&errors);
    text = pw_setup_errors_render (NULL);
    PW_CHECK_STR (text, "");
    free (text);
}

//  --------------------------------------------------------------------------
//  Canonical form: layout does not matter, meaning does

static void
s_test_canonical (void)
{
    pw_setup_t *a = s_load_fixture ("good.yaml");
    pw_setup_t *b = s_load_fixture ("good-reordered.yaml");
    PW_CHECK (a && b);
    if (!a || !b) {
        pw_setup_destroy (&a);
        pw_setup_destroy (&b);
        return;
    }
    for (int i = 0; i <= PW_SETUP_SECTION_COUNT; i++) {
        pw_setup_section_t section = (pw_setup_section_t)i;
        if (!s_same (a, b, section))
            PW_FAIL_AT ("section %s differs", pw_setup_section_name (section));
    }
    char *text = pw_setup_canonical (a, PW_SETUP_SECTION_WINDOWS);
    PW_CHECK_STR (text, "window \"SAT-1\" offset_days=4 start=22:00 duration=1h capacity=10 "
                        "timezone=null group=\"SAT-NIGHT\" position=1\n"
                        "window \"SAT-2\" offset_days=4 start=23:00 duration=1h capacity=10 "
                        "timezone=null group=\"SAT-NIGHT\" position=2\n"
                        "window \"SAT-3\" offset_days=5 start=00:00 duration=1h30m capacity=10 "
                        "timezone=null group=\"SAT-NIGHT\" position=3\n"
                        "window \"SUN-EARLY\" offset_days=5 start=06:00 duration=1h30m capacity=5 "
                        "timezone=\"UTC\" group=null position=0\n"
                        "window \"WED-DAY\" offset_days=1 start=12:00 duration=2h capacity=50 "
                        "timezone=null group=null position=0\n");
    free (text);
    text = pw_setup_canonical (a, PW_SETUP_SECTION_ORGS);
    PW_CHECK_STR (text, "org \"contoso\" timezone=\"Europe/Berlin\" patching=subscribed "
                        "groups=[\"servers\",\"servers.app\",\"servers.sql\",\"workstations\"]\n"
                        "org \"fabrikam\" timezone=\"America/New_York\" patching=unsubscribed "
                        "groups=[\"servers\"]\n");
    free (text);
    text = pw_setup_canonical (a, PW_SETUP_SECTION_CYCLE);
    PW_CHECK_STR (text, "cycle kind=monthly anchor=patch_tuesday\n");
    free (text);
    text = pw_setup_canonical (a, PW_SETUP_SECTION_COUNT);
    PW_CHECK (strncmp (text,
                       "[settings]\nsettings scan_gap=1d scan_max_age=7d review_max_age=14d "
                       "timezone=\"Europe/Berlin\"\n[orgs]\n",
                       60) == 0);
    free (text);
    PW_CHECK_STR (pw_setup_section_name (PW_SETUP_SECTION_WINDOW_GROUPS), "window_groups");
    PW_CHECK_STR (pw_setup_section_name (PW_SETUP_SECTION_COUNT), "all");
    PW_CHECK (pw_setup_section_name ((pw_setup_section_t)99) == NULL);
    pw_setup_destroy (&b);

    //  One changed value changes its own section and the whole, nothing else.
    size_t len = 0;
    char *good = s_read ("tests/data/setup/good.yaml", &len);
    PW_CHECK (good != NULL);
    if (good) {
        char *at = strstr (good, "capacity: 50");
        PW_CHECK (at != NULL);
        if (at)
            at [10] = '4'; //  capacity 40
        b = pw_setup_parse (good, len, &s_options, NULL);
        if (at)
            at [10] = '5';
        PW_CHECK (b != NULL);
        for (int i = 0; b && i <= PW_SETUP_SECTION_COUNT; i++) {
            pw_setup_section_t section = (pw_setup_section_t)i;
            bool changed = !s_same (a, b, section);
            bool expect = section == PW_SETUP_SECTION_WINDOWS || section == PW_SETUP_SECTION_COUNT;
            if (changed != expect)
                PW_FAIL_AT ("section %s: changed=%d", pw_setup_section_name (section), changed);
        }
        pw_setup_destroy (&b);
        //  Assignment order is meaning: swapping two changes the section.
        char *swapped = pw_strdup (good);
        char *first =
            strstr (swapped, "  - {policy: Patch - Servers, level: tenant, view: servers}\n");
        char *second = strstr (swapped, "  - {policy: Patch - Workstations,");
        PW_CHECK (first && second);
        if (first && second) {
            const char *line1 = "  - {policy: Patch - Servers, level: tenant, view: servers}\n";
            const char *line2 = "  - {policy: Patch - Workstations, level: tenant, view: "
                                "workstations}\n";
            char *rebuilt = pw_sprintf ("%.*s%s%s%s", (int)(first - swapped), swapped, line2, line1,
                                        second + strlen (line2));
            b = pw_setup_parse (rebuilt, strlen (rebuilt), &s_options, NULL);
            PW_CHECK (b != NULL);
            PW_CHECK (b && !s_same (a, b, PW_SETUP_SECTION_ASSIGNMENTS));
            PW_CHECK (b && s_same (a, b, PW_SETUP_SECTION_WINDOWS));
            pw_setup_destroy (&b);
            free (rebuilt);
        }
        free (swapped);
    }
    free (good);
    pw_setup_destroy (&a);
}

//  --------------------------------------------------------------------------
//  Random mutations of the good file never crash (deterministic seed)

static uint64_t s_seed = 0x9e3779b97f4a7c15ULL;

static uint32_t
s_random (void)
{
    s_seed ^= s_seed << 13;
    s_seed ^= s_seed >> 7;
    s_seed ^= s_seed << 17;
    return (uint32_t)(s_seed >> 11);
}

static void
s_test_mutations (void)
{
    size_t len = 0;
    char *good = s_read ("tests/data/setup/good.yaml", &len);
    PW_CHECK (good != NULL);
    if (!good)
        return;
    static const char alphabet [] = ":-[]{}\"'#&*!|>%@`,? \n\t0aZ~.\\";
    int iterations = getenv ("PW_SETUP_FUZZ") ? atoi (getenv ("PW_SETUP_FUZZ")) : 600;
    int valid = 0, invalid = 0;
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    for (int i = 0; i < iterations; i++) {
        pw_strbuf_reset (&text);
        pw_strbuf_append_len (&text, good, len);
        int edits = 1 + (int)(s_random () % 4);
        for (int e = 0; e < edits && text.len > 2; e++) {
            size_t at = s_random () % text.len;
            switch (s_random () % 5) {
                case 0: text.data [at] = alphabet [s_random () % (sizeof alphabet - 1)]; break;
                case 1: {
                    //  delete a span
                    size_t n = 1 + s_random () % 20;
                    if (at + n > text.len)
                        n = text.len - at;
                    memmove (text.data + at, text.data + at + n, text.len - at - n + 1);
                    text.len -= n;
                    break;
                }
                case 2: {
                    //  duplicate a span somewhere else
                    size_t n = 1 + s_random () % 80;
                    if (at + n > text.len)
                        n = text.len - at;
                    char *span = pw_strndup (text.data + at, n);
                    size_t to = s_random () % text.len;
                    char *rest = pw_strdup (text.data + to);
                    text.len = to;
                    text.data [to] = '\0';
                    pw_strbuf_append (&text, span);
                    pw_strbuf_append (&text, rest);
                    free (span);
                    free (rest);
                    break;
                }
                case 3: text.data [at] = (char)(s_random () % 256); break;
                default: {
                    //  change indentation at a line start
                    char *nl = memchr (text.data + at, '\n', text.len - at);
                    if (nl && nl + 1 < text.data + text.len)
                        nl [1] = (s_random () & 1) ? ' ' : '-';
                    break;
                }
            }
        }
        pw_setup_errors_t *errors = NULL;
        pw_setup_t *s = pw_setup_parse (text.data, text.len, &s_options, &errors);
        if ((s == NULL) == (errors == NULL)) {
            PW_FAIL_AT ("iteration %d: setup and errors both %s", i, s ? "set" : "NULL");
            break;
        }
        if (s) {
            valid++;
            char *canon = pw_setup_canonical (s, PW_SETUP_SECTION_COUNT);
            PW_CHECK (canon && *canon);
            free (canon);
        } else {
            invalid++;
            PW_CHECK (errors->count > 0 && errors->count <= PW_SETUP_MAX_ERRORS);
            char *rendered = pw_setup_errors_render (errors);
            PW_CHECK (rendered && *rendered);
            free (rendered);
        }
        pw_setup_destroy (&s);
        pw_setup_errors_destroy (&errors);
    }
    //  Both outcomes occur, so the mutations reach past the YAML reader.
    PW_CHECK (valid > 0 || iterations < 100);
    PW_CHECK (invalid > 0 || iterations < 100);
    pw_strbuf_free (&text);
    free (good);
}

//  --------------------------------------------------------------------------
//  docs/setup-file.md carries every key table verbatim, and its complete
//  example is the good fixture.

static void
s_test_reference_docs (void)
{
    char *doc = s_read ("docs/setup-file.md", NULL);
    PW_CHECK (doc != NULL);
    if (!doc)
        return;
    char *reference = pw_setup_reference ();
    size_t tables = 0;
    char *chunk = reference;
    while (chunk && *chunk) {
        char *next = strstr (chunk + 1, "#### ");
        size_t n = next ? (size_t)(next - chunk) : strlen (chunk);
        char *table = pw_strndup (chunk, n);
        //  Blank lines between tables are layout, not content.
        while (n > 0 && table [n - 1] == '\n')
            table [--n] = '\0';
        if (!strstr (doc, table)) {
            char *eol = strchr (table, '\n');
            PW_FAIL_AT ("docs/setup-file.md lacks or differs in the table %.*s",
                        eol ? (int)(eol - table) : (int)n, table);
        }
        free (table);
        tables++;
        chunk = next;
    }
    PW_CHECK_INT (tables, 20);
    PW_CHECK (
        strstr (reference, "| `reboot` | enum | no |  | `never`, `when_required`, `always` |"));
    free (reference);

    const char *marker = strstr (doc, "## Complete example");
    const char *start = marker ? strstr (marker, "```yaml\n") : NULL;
    const char *end = start ? strstr (start + 8, "\n```") : NULL;
    PW_CHECK (start && end);
    if (start && end) {
        start += 8;
        pw_setup_errors_t *errors = NULL;
        pw_setup_t *example =
            pw_setup_parse (start, (size_t)(end - start) + 1, &s_options, &errors);
        if (errors) {
            char *text = pw_setup_errors_render (errors);
            PW_FAIL_AT ("the complete example has errors:\n%s", text);
            free (text);
            pw_setup_errors_destroy (&errors);
        }
        pw_setup_t *good = s_load_fixture ("good.yaml");
        PW_CHECK (example && good && s_same (example, good, PW_SETUP_SECTION_COUNT));
        pw_setup_destroy (&example);
        pw_setup_destroy (&good);
    }
    free (doc);
}

static void
s_test_classification_names (void)
{
    PW_CHECK_STR (pw_setup_classification_name (0), "critical");
    PW_CHECK_STR (pw_setup_classification_name (3), "update_rollup");
    PW_CHECK_STR (pw_setup_classification_name (10), "optional");
    PW_CHECK (pw_setup_classification_name (11) == NULL);
    PW_CHECK (pw_setup_classification_name (-1) == NULL);
    pw_setup_errors_destroy (NULL);
}

//  Finds the source tree from the binary's place (build/tests/unit or
//  build/san/tests/unit) when not run from the top.
static void
s_find_root (const char *argv0)
{
    const char *env = getenv ("PW_SOURCE_DIR");
    if (env) {
        snprintf (s_root, sizeof s_root, "%s", env);
        return;
    }
    if (access ("tests/data/setup/good.yaml", R_OK) == 0)
        return;
    const char *ups [] = {"/../../..", "/../../../.."};
    char dir [2048];
    snprintf (dir, sizeof dir, "%s", argv0);
    char *slash = strrchr (dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (size_t i = 0; i < 2; i++) {
        char *probe = pw_sprintf ("%s%s/tests/data/setup/good.yaml", dir, ups [i]);
        bool found = access (probe, R_OK) == 0;
        free (probe);
        if (found) {
            snprintf (s_root, sizeof s_root, "%s%s", dir, ups [i]);
            return;
        }
    }
}

int
main (int argc, char **argv)
{
    if (argc > 1 && strcmp (argv [1], "--reference") == 0) {
        char *reference = pw_setup_reference ();
        fputs (reference, stdout);
        free (reference);
        return 0;
    }
    PW_TEST_BEGIN (argc, argv);
    s_find_root (argv [0]);
    s_zoneinfo_create ();
    PW_RUN (s_test_good_fixture);
    PW_RUN (s_test_defaults);
    PW_RUN (s_test_bad_inputs);
    PW_RUN (s_test_view_filter);
    PW_RUN (s_test_syntax_errors);
    PW_RUN (s_test_limits);
    PW_RUN (s_test_tenant_option);
    PW_RUN (s_test_system_zoneinfo);
    PW_RUN (s_test_many_errors);
    PW_RUN (s_test_canonical);
    PW_RUN (s_test_mutations);
    PW_RUN (s_test_reference_docs);
    PW_RUN (s_test_classification_names);
    s_zoneinfo_remove ();
    return PW_TEST_END ();
}
