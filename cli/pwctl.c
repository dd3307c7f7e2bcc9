/*  pwctl - entry point: options, the command table, dispatch. */
#include "pwctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_log.h"
#include "pw_util.h"

//  The linker gathers every PWCTL_COMMAND into this section.
extern const pwctl_command_t __start_pwctl_commands [];
extern const pwctl_command_t __stop_pwctl_commands [];

static const pw_config_key_t s_keys [] = {
    {"policy_endpoint", PW_CFG_STRING, "tcp://127.0.0.1:7101", "policy service ROUTER endpoint"},
    {"scheduler_endpoint", PW_CFG_STRING, "tcp://127.0.0.1:7201",
     "scheduler service ROUTER endpoint"},
    {"audit_endpoint", PW_CFG_STRING, "tcp://127.0.0.1:7301", "audit service ROUTER endpoint"},
    {"audit_pub", PW_CFG_STRING, "tcp://127.0.0.1:7302", "audit service PUB endpoint (events)"},
    {"tenant", PW_CFG_STRING, "default", "tenant to act on"},
    {"actor", PW_CFG_STRING, "", "who is acting, for the audit trail (default: $USER)"},
    {"timeout_ms", PW_CFG_INT, "5000", "how long to wait for a reply"},
    {"json", PW_CFG_BOOL, "false", "print one JSON document instead of a table"},
    {NULL, 0, NULL, NULL}};

void
pwctl_error (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (stderr, "pwctl: ");
    vfprintf (stderr, format, args);
    fputc ('\n', stderr);
    va_end (args);
}

const char *
pwctl_endpoint (pwctl_t *self, const char *service)
{
    char key [64];
    snprintf (key, sizeof key, "%s_endpoint", service);
    return pw_config_str (self->config, key);
}

pw_reply_t *
pwctl_call (pwctl_t *self, const char *service, pw_request_t *request)
{
    const char *endpoint = pwctl_endpoint (self, service);
    zsock_t *dealer = pw_wire_client (endpoint);
    if (!dealer) {
        pwctl_error ("%s: cannot connect to %s", service, endpoint);
        return NULL;
    }
    char request_id [48];
    snprintf (request_id, sizeof request_id, "pwctl-%d-%lld", (int)getpid (),
              (long long)zclock_usecs ());
    request->protocol = PW_PROTOCOL_VERSION;
    request->tenant = (char *)self->tenant;
    request->actor = (char *)self->actor;
    request->request_id = request_id;
    char *error = NULL;
    pw_reply_t *reply = pw_wire_call (dealer, request, self->timeout_ms, &error);
    if (!reply) {
        pwctl_error ("%s service at %s: %s", service, endpoint, error);
        free (error);
    }
    zsock_destroy (&dealer);
    return reply;
}

static int
s_by_name (const void *a, const void *b)
{
    const pwctl_command_t *const *x = a, *const *y = b;
    return strcmp ((*x)->usage, (*y)->usage);
}

static void
s_usage (pw_config_t *config)
{
    printf ("usage: pwctl [options] COMMAND [arguments]\n\ncommands:\n");
    size_t count = (size_t)(__stop_pwctl_commands - __start_pwctl_commands);
    const pwctl_command_t **sorted = pw_calloc (count, sizeof *sorted);
    for (size_t i = 0; i < count; i++)
        sorted [i] = &__start_pwctl_commands [i];
    qsort (sorted, count, sizeof *sorted, s_by_name);
    for (size_t i = 0; i < count; i++)
        printf ("  %-44s %s\n", sorted [i]->usage, sorted [i]->doc);
    free (sorted);
    printf ("\n");
    pw_config_help (config, stdout, "pwctl", "[options] COMMAND [arguments]");
}

int
main (int argc, char **argv)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    pw_log_init ("pwctl", PW_LOG_WARN);
    //  The global options, then every command's own.
    size_t count = (size_t)(__stop_pwctl_commands - __start_pwctl_commands);
    const pw_config_key_t **tables = pw_calloc (count + 2, sizeof *tables);
    size_t ntables = 0;
    tables [ntables++] = s_keys;
    for (size_t i = 0; i < count; i++)
        if (__start_pwctl_commands [i].keys)
            tables [ntables++] = __start_pwctl_commands [i].keys;
    pwctl_t self = {.config = pw_config_new (tables)};
    free (tables);
    //  `-f FILE` is the one short option (apply -f setup.yaml).
    char **args = pw_calloc ((size_t)argc + 1, sizeof (char *));
    for (int i = 0; i < argc; i++)
        args [i] = strcmp (argv [i], "-f") == 0 ? "--file" : argv [i];
    char *error = NULL;
    int rc = pw_config_load (self.config, argc, args, &error);
    free (args);
    if (rc == 1 || (rc == 0 && pw_config_argc (self.config) == 0)) {
        s_usage (self.config);
        pw_config_destroy (&self.config);
        return rc == 1 ? PWCTL_OK : PWCTL_USAGE;
    }
    if (rc) {
        pwctl_error ("%s", error);
        free (error);
        pw_config_destroy (&self.config);
        return PWCTL_USAGE;
    }
    self.json = pw_config_bool (self.config, "json");
    self.tenant = pw_config_str (self.config, "tenant");
    self.actor = pw_config_str (self.config, "actor");
    if (!*self.actor)
        self.actor = getenv ("USER") ? getenv ("USER") : "pwctl";
    self.timeout_ms = (int)pw_config_int (self.config, "timeout_ms");
    const char *name = pw_config_arg (self.config, 0);
    self.argc = pw_config_argc (self.config) - 1;
    self.argv = pw_calloc ((size_t)self.argc + 1, sizeof (char *));
    for (int i = 0; i < self.argc; i++)
        self.argv [i] = (char *)pw_config_arg (self.config, i + 1);
    rc = PWCTL_USAGE;
    const pwctl_command_t *cmd = NULL;
    for (size_t i = 0; i < count && !cmd; i++)
        if (strcmp (__start_pwctl_commands [i].name, name) == 0)
            cmd = &__start_pwctl_commands [i];
    if (cmd)
        rc = cmd->fn (&self);
    else
        pwctl_error ("unknown command \"%s\" (pwctl --help lists them)", name);
    free (self.argv);
    pw_config_destroy (&self.config);
    return rc;
}
