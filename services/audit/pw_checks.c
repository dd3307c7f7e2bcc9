/*  pw_checks - one function per scope, one block per finding code.

    Each block states its condition exactly as docs/audit.md does, so the
    two can be read side by side. Detail texts name the numbers an engineer
    needs to act (ages, limits, the patches concerned) and stay short: lists
    stop after a few items with "and N more".
*/
#include "pw_checks.h"
#include "pw_util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_LIST_MAX 5 //  items named in a detail before "and N more"

static const char *s_patch_sev_names [PW_PATCH_SEVERITY_COUNT] = {"Unspecified", "Low", "Moderate",
                                                                  "Important", "Critical"};

const char *
pw_patch_severity_name (pw_patch_severity_t severity)
{
    return (unsigned)severity < PW_PATCH_SEVERITY_COUNT ? s_patch_sev_names [severity] : "Unknown";
}

int
pw_patch_severity_parse (const char *text, pw_patch_severity_t *severity_p)
{
    if (!severity_p)
        return -1;
    if (!text || !*text) {
        *severity_p = PW_PATCH_SEVERITY_UNSPECIFIED;
        return 0;
    }
    for (int i = 0; i < PW_PATCH_SEVERITY_COUNT; i++)
        if (strcasecmp (text, s_patch_sev_names [i]) == 0) {
            *severity_p = (pw_patch_severity_t)i;
            return 0;
        }
    return -1;
}

void
pw_checks_config_defaults (pw_checks_config_t *config)
{
    if (!config)
        return;
    memset (config, 0, sizeof *config);
    config->scan_max_age_us = 7 * PW_CHECKS_DAY_US;
    config->scan_gap_us = 24 * PW_CHECKS_HOUR_US;
    config->review_max_age_us = 14 * PW_CHECKS_DAY_US;
    config->install_grace_us [PW_PATCH_SEVERITY_CRITICAL] = 3 * PW_CHECKS_DAY_US;
    config->install_grace_us [PW_PATCH_SEVERITY_IMPORTANT] = 7 * PW_CHECKS_DAY_US;
    config->install_grace_us [PW_PATCH_SEVERITY_MODERATE] = 14 * PW_CHECKS_DAY_US;
    config->install_grace_us [PW_PATCH_SEVERITY_LOW] = 30 * PW_CHECKS_DAY_US;
    config->install_grace_us [PW_PATCH_SEVERITY_UNSPECIFIED] = 30 * PW_CHECKS_DAY_US;
}

pw_finding_sev_t
pw_checks_patch_finding_sev (pw_patch_severity_t severity)
{
    switch (severity) {
        case PW_PATCH_SEVERITY_CRITICAL: return PW_FINDING_SEV_CRITICAL;
        case PW_PATCH_SEVERITY_IMPORTANT: return PW_FINDING_SEV_HIGH;
        case PW_PATCH_SEVERITY_MODERATE: return PW_FINDING_SEV_MEDIUM;
        default: return PW_FINDING_SEV_LOW;
    }
}

bool
pw_checks_overdue (const pw_checks_config_t *config, const pw_check_patch_t *patch, int64_t now_us)
{
    if (!config || !patch || patch->window_end_us == 0)
        return false;
    unsigned sev = (unsigned)patch->severity < PW_PATCH_SEVERITY_COUNT
                       ? (unsigned)patch->severity
                       : PW_PATCH_SEVERITY_UNSPECIFIED;
    return now_us - patch->window_end_us > config->install_grace_us [sev];
}

bool
pw_checks_scheduled (const pw_check_agent_t *agent)
{
    return agent && agent->has_scan_schedule && agent->update_window &&
           agent->update_window_exists && !agent->unscheduled_reason;
}

//  "12 days", "5 h", "40 min": the unit an engineer would say
static void
s_append_duration (pw_strbuf_t *buf, int64_t us)
{
    if (us < 0) {
        pw_strbuf_append (buf, "-");
        us = -us;
    }
    //  Formatted by hand: some of these are written for every agent of a
    //  tenant in every audit
    if (us >= 2 * PW_CHECKS_DAY_US) {
        pw_strbuf_append_i64 (buf, us / PW_CHECKS_DAY_US);
        pw_strbuf_append (buf, " days");
    } else if (us >= PW_CHECKS_HOUR_US) {
        pw_strbuf_append_i64 (buf, us / PW_CHECKS_HOUR_US);
        pw_strbuf_append (buf, " h");
    } else {
        pw_strbuf_append_i64 (buf, us / PW_CHECKS_MINUTE_US);
        pw_strbuf_append (buf, " min");
    }
}

static void
s_append_time (pw_strbuf_t *buf, int64_t us)
{
    time_t seconds = (time_t)(us / 1000000);
    struct tm tm;
    if (gmtime_r (&seconds, &tm)) {
        char text [32];
        strftime (text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
        pw_strbuf_append (buf, text);
    }
}

static const char *
s_str (const char *text)
{
    return text ? text : "";
}

//  Adds the finding with the detail built so far, then empties the buffer
static int
s_emit (pw_findings_t *out, pw_finding_code_t code, pw_finding_sev_t severity, const char *owner,
        const char *subject, pw_strbuf_t *detail)
{
    pw_finding_t finding = {.code = code,
                            .severity = severity,
                            .scope = pw_finding_code_scope (code),
                            .owner = owner,
                            .subject = subject,
                            .detail = detail->len ? detail->data : ""};
    int rc = pw_findings_add (out, &finding);
    pw_strbuf_reset (detail);
    return rc == 0 ? 1 : 0;
}

//  " and N more" after a list cut at S_LIST_MAX of COUNT items
static void
s_append_more (pw_strbuf_t *buf, size_t count)
{
    if (count > S_LIST_MAX) {
        pw_strbuf_append (buf, " and ");
        pw_strbuf_append_i64 (buf, (int64_t)(count - S_LIST_MAX));
        pw_strbuf_append (buf, " more");
    }
}

//  "N WORD" or "N WORDS" (COUNT of one: "1 WORD")
static void
s_append_count (pw_strbuf_t *buf, size_t count, const char *word, const char *plural)
{
    pw_strbuf_append_i64 (buf, (int64_t)count);
    pw_strbuf_append (buf, " ");
    pw_strbuf_append (buf, word);
    if (count != 1)
        pw_strbuf_append (buf, plural);
}

static void
s_append_kbs (pw_strbuf_t *buf, const pw_check_patch_t *patches, size_t count)
{
    for (size_t i = 0; i < count && i < S_LIST_MAX; i++) {
        if (i)
            pw_strbuf_append (buf, ", ");
        pw_strbuf_append (buf, s_str (patches [i].kb));
    }
    s_append_more (buf, count);
}

int
pw_checks_agent (const pw_checks_config_t *config, const pw_check_agent_t *agent, int64_t now_us,
                 pw_findings_t *out)
{
    if (!config || !agent || !out || !agent->hostname || !*agent->hostname ||
        (agent->patch_policy_count && !agent->patch_policies) ||
        (agent->missing_count && !agent->missing) || (agent->failed_count && !agent->failed) ||
        (agent->pending_reboot_count && !agent->pending_reboot) ||
        (agent->violation_count && !agent->violations) ||
        (agent->override_count && !agent->overrides))
        return -1;
    const char *host = agent->hostname;
    pw_strbuf_t d;
    pw_strbuf_init (&d);
    int added = 0;

    //  Settings naming a window that does not exist, subscribed or not
    if (agent->update_window && !agent->update_window_exists) {
        pw_strbuf_appendf (&d, "update_window names \"%s\", which is no window or window group",
                           agent->update_window);
        added += s_emit (out, PW_CODE_UNKNOWN_WINDOW, PW_FINDING_SEV_HIGH, host, host, &d);
    }
    for (size_t i = 0; i < agent->override_count; i++) {
        const pw_check_override_t *o = &agent->overrides [i];
        pw_strbuf_appendf (&d, "%s%s of system policy \"%s\" lost to \"%s\"", i ? "; " : "",
                           s_str (o->setting), s_str (o->policy), s_str (o->winner));
    }
    if (agent->override_count > 0)
        added += s_emit (out, PW_CODE_POLICY_OVERRIDDEN, PW_FINDING_SEV_INFO, host, host, &d);

    if (!agent->subscribed) {
        //  Out of patching: the only thing wrong is a schedule left behind
        if (agent->has_scan_schedule || agent->update_window) {
            pw_strbuf_append (&d, "not subscribed to patching but still has");
            if (agent->has_scan_schedule)
                pw_strbuf_append (&d, " a scan schedule");
            if (agent->update_window)
                pw_strbuf_appendf (&d, "%s update window \"%s\"",
                                   agent->has_scan_schedule ? " and" : "", agent->update_window);
            added +=
                s_emit (out, PW_CODE_UNSUBSCRIBED_SCHEDULED, PW_FINDING_SEV_MEDIUM, host, host, &d);
        }
        pw_strbuf_free (&d);
        return added;
    }

    if (agent->patch_policy_count == 0) {
        pw_strbuf_append (&d, "in no patch policy: no patch is ever approved for it");
        added += s_emit (out, PW_CODE_NO_PATCH_POLICY, PW_FINDING_SEV_HIGH, host, host, &d);
    }
    if (config->baseline_policy && *config->baseline_policy) {
        bool member = false;
        for (size_t i = 0; i < agent->patch_policy_count && !member; i++)
            member = agent->patch_policies [i] &&
                     strcmp (agent->patch_policies [i], config->baseline_policy) == 0;
        if (!member) {
            pw_strbuf_appendf (&d, "not a member of the baseline policy \"%s\"",
                               config->baseline_policy);
            added += s_emit (out, PW_CODE_NO_BASELINE, PW_FINDING_SEV_MEDIUM, host, host, &d);
        }
    }
    if (!agent->has_scan_schedule) {
        pw_strbuf_append (&d, "no scan schedule: missing patches are never discovered");
        added += s_emit (out, PW_CODE_NO_SCAN_SCHEDULE, PW_FINDING_SEV_HIGH, host, host, &d);
    }
    if (!agent->manual_patching) {
        if (!agent->update_window)
            pw_strbuf_append (&d, "no update window and no manual_patching exception");
        else if (agent->update_window_exists && agent->unscheduled_reason)
            pw_strbuf_appendf (&d, "update window \"%s\" is set but the plan has no slot: %s",
                               agent->update_window, agent->unscheduled_reason);
        if (d.len)
            added += s_emit (out, PW_CODE_NO_UPDATE_SCHEDULE, PW_FINDING_SEV_HIGH, host, host, &d);
    }
    if (agent->last_scan_us == 0)
        pw_strbuf_append (&d, "never scanned");
    else if (now_us - agent->last_scan_us > config->scan_max_age_us) {
        pw_strbuf_append (&d, "last scan ");
        s_append_duration (&d, now_us - agent->last_scan_us);
        pw_strbuf_append (&d, " ago (limit ");
        s_append_duration (&d, config->scan_max_age_us);
        pw_strbuf_append (&d, ")");
    }
    if (d.len)
        added += s_emit (out, PW_CODE_STALE_SCAN, PW_FINDING_SEV_MEDIUM, host, host, &d);

    if (agent->window_start_us != 0) {
        int64_t gap = agent->window_start_us - agent->scan_end_us;
        if (agent->scan_end_us == 0)
            pw_strbuf_append (&d, "no scan is planned before the update window at ");
        else if (gap < config->scan_gap_us) {
            pw_strbuf_append (&d, "the scan ends ");
            if (gap >= 0) {
                s_append_duration (&d, gap);
                pw_strbuf_append (&d, " before the update window (needs ");
                s_append_duration (&d, config->scan_gap_us);
                pw_strbuf_append (&d, ") at ");
            } else
                pw_strbuf_append (&d, "after the update window starts at ");
        } else if (gap > config->scan_max_age_us) {
            pw_strbuf_append (&d, "the scan is ");
            s_append_duration (&d, gap);
            pw_strbuf_append (&d, " old when the update window starts (limit ");
            s_append_duration (&d, config->scan_max_age_us);
            pw_strbuf_append (&d, ") at ");
        }
        if (d.len) {
            s_append_time (&d, agent->window_start_us);
            added += s_emit (out, PW_CODE_SCAN_GAP, PW_FINDING_SEV_MEDIUM, host, host, &d);
        }
    }

    for (size_t i = 0; i < agent->violation_count; i++) {
        const pw_check_violation_t *v = &agent->violations [i];
        if (!v->dependency || !*v->dependency)
            continue;
        char *pair = pw_sprintf ("%s -> %s", host, v->dependency);
        pw_strbuf_appendf (&d, "%s depends on %s, which is not planned to finish before %s starts",
                           host, v->dependency, host);
        if (v->reason && *v->reason)
            pw_strbuf_appendf (&d, ": %s", v->reason);
        added += s_emit (out, PW_CODE_DEPENDENCY_ORDER, PW_FINDING_SEV_HIGH, host, pair, &d);
        free (pair);
    }

    //  Approved but missing past window + grace: as severe as the worst
    //  patch. Counted first, then the first S_LIST_MAX listed.
    size_t overdue = 0;
    pw_finding_sev_t worst = PW_FINDING_SEV_LOW;
    for (size_t i = 0; i < agent->missing_count; i++) {
        const pw_check_patch_t *p = &agent->missing [i];
        if (!pw_checks_overdue (config, p, now_us))
            continue;
        overdue++;
        pw_finding_sev_t sev = pw_checks_patch_finding_sev (p->severity);
        if (sev > worst)
            worst = sev;
    }
    if (overdue > 0) {
        s_append_count (&d, overdue, "approved patch", "es");
        pw_strbuf_append (&d, " missing past window + grace: ");
        size_t listed = 0;
        for (size_t i = 0; i < agent->missing_count && listed < S_LIST_MAX; i++) {
            const pw_check_patch_t *p = &agent->missing [i];
            if (!pw_checks_overdue (config, p, now_us))
                continue;
            if (listed++)
                pw_strbuf_append (&d, ", ");
            pw_strbuf_append (&d, s_str (p->kb));
            pw_strbuf_append (&d, " (");
            pw_strbuf_append (&d, pw_patch_severity_name (p->severity));
            pw_strbuf_append (&d, ", window ended ");
            s_append_duration (&d, now_us - p->window_end_us);
            pw_strbuf_append (&d, " ago)");
        }
        s_append_more (&d, overdue);
        added += s_emit (out, PW_CODE_APPROVED_NOT_INSTALLED, worst, host, host, &d);
    }
    if (agent->failed_count > 0) {
        s_append_count (&d, agent->failed_count, "install", "s");
        pw_strbuf_append (&d, " failed: ");
        s_append_kbs (&d, agent->failed, agent->failed_count);
        added += s_emit (out, PW_CODE_INSTALL_FAILED, PW_FINDING_SEV_HIGH, host, host, &d);
    }
    if (agent->pending_reboot_count > 0) {
        s_append_count (&d, agent->pending_reboot_count, "installed patch", "es");
        pw_strbuf_append (&d, agent->pending_reboot_count == 1 ? " waits" : " wait");
        pw_strbuf_append (&d, " for a reboot: ");
        s_append_kbs (&d, agent->pending_reboot, agent->pending_reboot_count);
        added += s_emit (out, PW_CODE_PENDING_REBOOT, PW_FINDING_SEV_LOW, host, host, &d);
    }
    pw_strbuf_free (&d);
    return added;
}

int
pw_checks_policy (const pw_checks_config_t *config, const pw_check_policy_t *policy, int64_t now_us,
                  pw_findings_t *out)
{
    if (!config || !policy || !out || !policy->name || !*policy->name)
        return -1;
    if (policy->review_waiting == 0 || policy->oldest_waiting_since_us == 0)
        return 0;
    int64_t age = now_us - policy->oldest_waiting_since_us;
    if (age <= config->review_max_age_us)
        return 0;
    pw_strbuf_t d;
    pw_strbuf_init (&d);
    pw_strbuf_appendf (&d, "%zu patch%s wait%s for review, the oldest for ", policy->review_waiting,
                       policy->review_waiting == 1 ? "" : "es",
                       policy->review_waiting == 1 ? "s" : "");
    s_append_duration (&d, age);
    pw_strbuf_append (&d, " (limit ");
    s_append_duration (&d, config->review_max_age_us);
    pw_strbuf_append (&d, ")");
    int added =
        s_emit (out, PW_CODE_REVIEW_BACKLOG, PW_FINDING_SEV_MEDIUM, policy->name, policy->name, &d);
    pw_strbuf_free (&d);
    return added;
}

static int
s_compare_str (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static int
s_compare_window (const void *a, const void *b)
{
    const pw_check_window_t *x = *(const pw_check_window_t *const *)a;
    const pw_check_window_t *y = *(const pw_check_window_t *const *)b;
    int cmp = strcmp (x->window, y->window);
    if (cmp)
        return cmp;
    return x->start_us < y->start_us ? -1 : x->start_us > y->start_us;
}

//  One finding per window name, naming the worst of its instances, so a
//  window used by orgs in several time zones is still one thing to fix.
static int
s_check_windows (const pw_check_plan_t *plan, pw_findings_t *out)
{
    size_t count = 0;
    const pw_check_window_t **sorted = pw_malloc ((plan->window_count + 1) * sizeof *sorted);
    for (size_t i = 0; i < plan->window_count; i++)
        if (plan->windows [i].window && *plan->windows [i].window)
            sorted [count++] = &plan->windows [i];
    qsort (sorted, count, sizeof *sorted, s_compare_window);
    pw_strbuf_t d;
    pw_strbuf_init (&d);
    int added = 0;
    for (size_t start = 0, end; start < count; start = end) {
        const char *name = sorted [start]->window;
        const pw_check_window_t *over = NULL, *overrun = NULL;
        size_t over_count = 0, overrun_count = 0;
        for (end = start; end < count && strcmp (sorted [end]->window, name) == 0; end++) {
            const pw_check_window_t *w = sorted [end];
            if (w->capacity > 0 && w->agents > w->capacity) {
                over_count++;
                if (!over || w->agents - w->capacity > over->agents - over->capacity)
                    over = w;
            }
            if (w->expected_minutes > w->duration_minutes) {
                overrun_count++;
                if (!overrun || w->expected_minutes - w->duration_minutes >
                                    overrun->expected_minutes - overrun->duration_minutes)
                    overrun = w;
            }
        }
        if (over) {
            pw_strbuf_appendf (&d, "%zu agents in the instance at ", over->agents);
            s_append_time (&d, over->start_us);
            pw_strbuf_appendf (&d, ", capacity %zu", over->capacity);
            if (over_count > 1)
                pw_strbuf_appendf (&d, " (%zu instances over capacity)", over_count);
            added +=
                s_emit (out, PW_CODE_WINDOW_OVER_CAPACITY, PW_FINDING_SEV_MEDIUM, "", name, &d);
        }
        if (overrun) {
            pw_strbuf_appendf (&d, "%lld min expected in the instance at ",
                               (long long)overrun->expected_minutes);
            s_append_time (&d, overrun->start_us);
            pw_strbuf_appendf (&d, ", the window lasts %lld min",
                               (long long)overrun->duration_minutes);
            if (overrun_count > 1)
                pw_strbuf_appendf (&d, " (%zu instances overrun)", overrun_count);
            added += s_emit (out, PW_CODE_WINDOW_OVERRUN, PW_FINDING_SEV_MEDIUM, "", name, &d);
        }
    }
    pw_strbuf_free (&d);
    free (sorted);
    return added;
}

int
pw_checks_plan (const pw_checks_config_t *config, const pw_check_plan_t *plan, pw_findings_t *out)
{
    if (!config || !plan || !out || (plan->cycle_count && !plan->cycles) ||
        (plan->window_count && !plan->windows) || (plan->chain_count && !plan->chains))
        return -1;
    int added = 0;
    pw_strbuf_t subject, d;
    pw_strbuf_init (&subject);
    pw_strbuf_init (&d);
    for (size_t i = 0; i < plan->cycle_count; i++) {
        const pw_check_cycle_t *c = &plan->cycles [i];
        if (c->member_count && !c->members)
            continue;
        size_t count = 0;
        const char **members = pw_malloc ((c->member_count + 1) * sizeof *members);
        for (size_t m = 0; m < c->member_count; m++)
            if (c->members [m] && *c->members [m])
                members [count++] = c->members [m];
        //  Sorted, so the same cycle has the same subject in every audit
        qsort (members, count, sizeof *members, s_compare_str);
        for (size_t m = 0; m < count; m++)
            pw_strbuf_appendf (&subject, "%s%s", m ? ", " : "", members [m]);
        free (members);
        if (count == 0)
            continue;
        pw_strbuf_appendf (&d, "dependency cycle among %zu agents (%s): they are left unscheduled",
                           count, subject.data);
        added += s_emit (out, PW_CODE_DEPENDENCY_CYCLE, PW_FINDING_SEV_HIGH, "", subject.data, &d);
        pw_strbuf_reset (&subject);
    }
    added += s_check_windows (plan, out);
    for (size_t i = 0; i < plan->chain_count; i++) {
        const pw_check_chain_t *c = &plan->chains [i];
        if (!c->group || !*c->group || c->depth <= c->windows)
            continue;
        pw_strbuf_appendf (&d, "dependency chains need %zu windows, the group has %zu", c->depth,
                           c->windows);
        if (c->excess_agents)
            pw_strbuf_appendf (&d, "; %zu agent%s sequenced in waves in the last window",
                               c->excess_agents, c->excess_agents == 1 ? "" : "s");
        added += s_emit (out, PW_CODE_CHAIN_TOO_DEEP, PW_FINDING_SEV_MEDIUM, "", c->group, &d);
    }
    pw_strbuf_free (&subject);
    pw_strbuf_free (&d);
    return added;
}
