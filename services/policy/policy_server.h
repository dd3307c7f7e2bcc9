/*  policy_server - wires the policy service's domain to its calls, events and
    store. main() creates the service, then calls policy_server_register.
*/
#ifndef PW_POLICY_SERVER_H_INCLUDED
#define PW_POLICY_SERVER_H_INCLUDED

#include "pw_service.h"

//  The service's own config keys (besides the common ones), ended by {NULL}.
const pw_config_key_t *policy_server_config_keys (void);

//  Registers the service's calls and timers; returns its state (caller owns).
void *policy_server_register (pw_service_t *service);

//  Destroys the state policy_server_register returned. NULL-safe.
void policy_server_destroy (void **state_p);

#endif
