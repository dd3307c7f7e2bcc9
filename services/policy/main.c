/*  pw-policy - the policy service: loads its config, registers its calls, serves
    until SIGINT/SIGTERM. See docs/architecture.md for what it owns.
*/
#include "pw_metrics.h"
#include "pw_service.h"
#include "policy_server.h"

int
main (int argc, char **argv)
{
    pw_service_t *service = pw_service_new ("policy", 7100, policy_server_config_keys ());
    int rc = pw_service_configure (service, argc, argv);
    if (rc == 0) {
        void *state = policy_server_register (service);
        rc = pw_service_run (service) == 0 ? 0 : 1;
        policy_server_destroy (&state);
    } else
        rc = rc == 1 ? 0 : 2;
    pw_service_destroy (&service);
    pw_metrics_shutdown ();
    return rc;
}
