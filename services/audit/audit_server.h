/*  audit_server - wires the audit service's domain to its calls, events and
    store. main() creates the service, then calls audit_server_register.
*/
#ifndef PW_AUDIT_SERVER_H_INCLUDED
#define PW_AUDIT_SERVER_H_INCLUDED

#include "pw_service.h"

//  The service's own config keys (besides the common ones), ended by {NULL}.
const pw_config_key_t *audit_server_config_keys (void);

//  Registers the service's calls and timers; returns its state (caller owns).
void *audit_server_register (pw_service_t *service);

//  Destroys the state audit_server_register returned. NULL-safe.
void audit_server_destroy (void **state_p);

#endif
