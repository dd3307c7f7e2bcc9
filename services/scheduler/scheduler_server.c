/*  scheduler_server - the scheduler service's calls. Ping, health and metrics are
    served by pw_service itself; the domain calls register here.
*/
#include "scheduler_server.h"

#include <stdlib.h>

static const pw_config_key_t s_keys [] = {{NULL, 0, NULL, NULL}};

const pw_config_key_t *
scheduler_server_config_keys (void)
{
    return s_keys;
}

void *
scheduler_server_register (pw_service_t *service)
{
    (void) service;
    return NULL;
}

void
scheduler_server_destroy (void **state_p)
{
    if (state_p && *state_p) {
        free (*state_p);
        *state_p = NULL;
    }
}
