/*  pw_model - helpers over the plain inventory structs.

    Lookups are binary searches over the sorted arrays the loader builds.
*/
#include "pw_model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *
pw_class_name (pw_class_t klass)
{
    switch (klass) {
        case PW_CLASS_SERVER: return "server";
        case PW_CLASS_WORKSTATION: return "workstation";
        default: return "unknown";
    }
}

int
pw_class_parse (const char *text, pw_class_t *klass_p)
{
    if (!text)
        return -1;
    if (strcasecmp (text, "server") == 0)
        *klass_p = PW_CLASS_SERVER;
    else if (strcasecmp (text, "workstation") == 0)
        *klass_p = PW_CLASS_WORKSTATION;
    else
        return -1;
    return 0;
}

const char *
pw_agent_cf (const pw_agent_t *agent, const char *name)
{
    size_t lo = 0, hi = agent->cf_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp (agent->cf [mid].name, name);
        if (cmp == 0)
            return agent->cf [mid].value;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool
pw_agent_has_tag (const pw_agent_t *agent, const char *name)
{
    size_t lo = 0, hi = agent->tag_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp (agent->tags [mid], name);
        if (cmp == 0)
            return true;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool
pw_group_under (const char *group, const char *root)
{
    if (!root || !*root)
        return true;
    if (!group)
        return false;
    size_t len = strlen (root);
    if (strncmp (group, root, len) != 0)
        return false;
    return group [len] == '\0' || group [len] == '.';
}

bool
pw_agent_inventory_subscribed (const pw_agent_t *agent)
{
    return agent->subscribed && agent->org && agent->org->subscribed;
}
