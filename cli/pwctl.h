/*  pwctl - the command-line client: shared context and the command table.

    Every command is a function over pwctl_t (endpoints, tenant, actor,
    output mode). Commands print tables for people by default and one JSON
    document with --json; every error is one line on stderr and a non-zero
    exit.
*/
#ifndef PWCTL_H_INCLUDED
#define PWCTL_H_INCLUDED

#include <stdbool.h>

#include "pw_config.h"
#include "pw_wire.h"

typedef struct {
    pw_config_t *config;
    bool json;
    const char *tenant;
    const char *actor;
    int timeout_ms;
    int argc; //  arguments after the command name
    char **argv;
} pwctl_t;

//  Exit codes.
#define PWCTL_OK     0
#define PWCTL_FAILED 1 //  the service said no, or a check failed
#define PWCTL_USAGE  2 //  bad command line
#define PWCTL_DOWN   3 //  a service did not answer

//  Prints "pwctl: MESSAGE" on stderr.
void pwctl_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

//  Endpoint of SERVICE ("policy", "scheduler", "audit") from the config.
const char *pwctl_endpoint (pwctl_t *self, const char *service);

//  Sends REQUEST (tenant, actor, request id filled in here) to SERVICE and
//  returns the reply (caller frees with pw_reply_free), or NULL after
//  printing why. A reply whose status is not OK is returned as is.
pw_reply_t *pwctl_call (pwctl_t *self, const char *service, pw_request_t *request);

//  One command. Each cli/pwctl_*.c registers its commands with
//  PWCTL_COMMAND; pwctl.c finds them all in the `pwctl_commands` section, so
//  adding a command touches no shared file. KEYS are the command's own
//  options (ended by {NULL}), or NULL; option names are unique across
//  commands.
typedef struct {
    const char *name; //  "plan", or "review" for `review list`
    int (*fn) (pwctl_t *self);
    const char *usage; //  "plan [--cycle YYYY-MM] [--org ORG]"
    const char *doc;   //  one line
    const pw_config_key_t *keys;
} pwctl_command_t;

#define PWCTL_COMMAND(id, name_, fn_, usage_, doc_, keys_)                                         \
    __attribute__ ((used, section ("pwctl_commands"), aligned (sizeof (void *))))                  \
    const pwctl_command_t pwctl_command_##id = {name_, fn_, usage_, doc_, keys_}

#endif
