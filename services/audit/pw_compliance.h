/*  pw_compliance - compliance figures per tenant and per org, and the
    monthly customer report.

    The audit service feeds it every agent of a tenant (the same facts the
    checks read), the open findings and the policies' review queues, then
    reads the totals for its compliance snapshot and renders the Markdown
    report an MSP sends each customer once a month. Pure: counts only what
    it is given, at the "now" it is given.
*/
#ifndef PW_COMPLIANCE_H_INCLUDED
#define PW_COMPLIANCE_H_INCLUDED

#include "pw_checks.h"
#include "pw_findings.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The figures of one org, or of the whole tenant.
typedef struct {
    size_t agents;     //  every agent
    size_t subscribed; //  in patching
    size_t scheduled;  //  subscribed, scan schedule and a planned update window
    //  Subscribed; scheduled, or a manual_patching exception with a scan
    //  schedule; scanned within scan_max_age; no approved patch missing past
    //  window + grace; no failed install.
    size_t compliant;
    size_t missing [PW_PATCH_SEVERITY_COUNT]; //  missing approved patches (agent x patch)
    size_t overdue [PW_PATCH_SEVERITY_COUNT]; //  of those, past window + grace
    size_t failed;                            //  failed installs (agent x patch)
    size_t installed;                         //  patches installed in the reporting period
    size_t pending_reboot;                    //  agents waiting for a reboot
    size_t unscheduled;                       //  subscribed agents that are not scheduled
    size_t exceptions;                        //  of those, with a manual_patching reason
    size_t findings [PW_CODE_COUNT];          //  open findings by code
    size_t findings_total;
    size_t review_waiting; //  patches waiting for review (tenant only)
    size_t review_backlog; //  policies past review_max_age (tenant only)
} pw_compliance_stats_t;

//  A subscribed agent without a schedule. Strings belong to the compliance
//  object.
typedef struct {
    const char *org;
    const char *hostname;
    const char *reason; //  the manual_patching reason; NULL = undocumented
} pw_compliance_unscheduled_t;

typedef struct _pw_compliance_t pw_compliance_t;

//  A new, empty aggregation at NOW_US with CONFIG's thresholds (copied).
//  Caller owns. CONFIG NULL means the defaults.
pw_compliance_t *pw_compliance_new (const pw_checks_config_t *config, int64_t now_us);

//  Destroys it and nulls the caller's pointer. NULL-safe.
void pw_compliance_destroy (pw_compliance_t **self_p);

//  Counts AGENT (copied as needed; AGENT may go away afterwards), with the
//  number of patches installed on it in the reporting period. An agent
//  without an org counts under the org "". Returns 0, or -1 when AGENT or
//  its hostname is missing or a count comes without its array.
int pw_compliance_add_agent (pw_compliance_t *self, const pw_check_agent_t *agent,
                             size_t installed_in_period);

//  Counts the open findings of SET (those with resolved_us 0) by code, for
//  the tenant, and agent-scoped ones also for the org of their agent when
//  that agent was added before. Returns how many were counted, or -1.
int pw_compliance_add_findings (pw_compliance_t *self, const pw_findings_t *set);

//  Counts POLICY's review queue into the tenant's figures. Returns 0 or -1.
int pw_compliance_add_policy (pw_compliance_t *self, const pw_check_policy_t *policy);

//  The tenant's figures.
const pw_compliance_stats_t *pw_compliance_tenant (const pw_compliance_t *self);

//  The figures of ORG, or NULL when no agent of ORG was added.
const pw_compliance_stats_t *pw_compliance_org (const pw_compliance_t *self, const char *org);

//  Orgs in the order their first agent was added.
size_t pw_compliance_org_count (const pw_compliance_t *self);
const char *pw_compliance_org_name (const pw_compliance_t *self, size_t index);

//  Subscribed agents without a schedule, in the order added.
size_t pw_compliance_unscheduled_count (const pw_compliance_t *self);
const pw_compliance_unscheduled_t *pw_compliance_unscheduled (const pw_compliance_t *self,
                                                              size_t index);

//  Compliant agents per thousand subscribed ones, rounded half up; -1 when
//  none is subscribed.
int pw_compliance_permille (const pw_compliance_stats_t *stats);

//  The monthly customer report of ORG (NULL: every org of the tenant) for
//  MONTH ("YYYY-MM") in Markdown. Returns a new string (caller frees), or
//  NULL when ORG is unknown or MONTH malformed.
char *pw_compliance_report (const pw_compliance_t *self, const char *org, const char *month);

#ifdef __cplusplus
}
#endif

#endif
