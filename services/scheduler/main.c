/*  pw-scheduler - the scheduler service: loads its config, registers its calls, serves
    until SIGINT/SIGTERM. See docs/architecture.md for what it owns.
*/
#include "pw_metrics.h"
#include "pw_service.h"
#include "scheduler_server.h"

int
main (int argc, char **argv)
{
    pw_service_t *service = pw_service_new ("scheduler", 7200, scheduler_server_config_keys ());
    int rc = pw_service_configure (service, argc, argv);
    if (rc == 0) {
        void *state = scheduler_server_register (service);
        rc = pw_service_run (service) == 0 ? 0 : 1;
        scheduler_server_destroy (&state);
    } else
        rc = rc == 1 ? 0 : 2;
    pw_service_destroy (&service);
    pw_metrics_shutdown ();
    return rc;
}
