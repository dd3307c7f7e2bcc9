/*  pw_model - the plain inventory structs every domain module reads.

    Organizations and agents as the policy service loads them from the store
    and as tests build them by hand. The structs own nothing: every string and
    array is borrowed from whoever built them (a loader's arena, a test's
    static data) and outlives the domain objects that point at it. Domain
    modules (views, resolution, planning, audit checks) take these and never
    touch SQL or sockets.
*/
#ifndef PW_MODEL_H_INCLUDED
#define PW_MODEL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PW_CLASS_UNKNOWN = 0, PW_CLASS_SERVER, PW_CLASS_WORKSTATION } pw_class_t;

//  One custom field of an agent (`cf.NAME`); values are strings.
typedef struct {
    const char *name;
    const char *value;
} pw_field_t;

//  One customer of the MSP.
typedef struct {
    const char *name; //  unique inside a tenant
    const char *tz;   //  IANA time zone, e.g. "Europe/Berlin"
    bool subscribed;  //  patching subscription: subscribed / unsubscribed
} pw_org_t;

//  One managed machine.
typedef struct {
    int64_t id;           //  store id, unique inside a tenant
    const char *hostname; //  unique inside a tenant
    const pw_org_t *org;  //  never NULL
    const char *group;    //  dotted path inside the org; "" = org root
    pw_class_t klass;
    const char *os;         //  "Windows Server 2022 Standard"
    const char *os_version; //  "10.0.20348"
    const pw_field_t *cf;   //  sorted by name (strcmp), no duplicates
    size_t cf_count;
    const char *const *tags; //  sorted (strcmp), no duplicates
    size_t tag_count;
    bool subscribed; //  the agent's own inventory flag (default true)
} pw_agent_t;

//  "server", "workstation" or "unknown".
const char *pw_class_name (pw_class_t klass);

//  Parses "server" / "workstation" (ASCII case-insensitive). Returns -1 on
//  anything else.
int pw_class_parse (const char *text, pw_class_t *klass_p);

//  Value of custom field NAME, or NULL when the agent does not have it.
const char *pw_agent_cf (const pw_agent_t *agent, const char *name);

//  True when the agent carries tag NAME.
bool pw_agent_has_tag (const pw_agent_t *agent, const char *name);

//  True when GROUP lies in the subtree rooted at ROOT: ROOT itself or any
//  dotted path under it ("servers.sql" is under "servers", "serversx" is
//  not). The empty root is the whole org.
bool pw_group_under (const char *group, const char *root);

//  True when the agent is in patching as far as inventory knows: its own
//  flag and its org's subscription. (The effective setting `subscribed` of
//  system policies can still take it out.)
bool pw_agent_inventory_subscribed (const pw_agent_t *agent);

#ifdef __cplusplus
}
#endif

#endif
