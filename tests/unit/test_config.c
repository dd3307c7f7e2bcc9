/*  test_config - the key table drives the file, the environment, the
    command line and --help; a bad key fails fast with its name.
*/
#include <stdlib.h>
#include <unistd.h>

#include "pw_config.h"
#include "pw_util.h"
#include "../pw_test.h"

static const pw_config_key_t s_keys [] = {{"db_url", PW_CFG_STRING, "postgresql:///x", "store URL"},
                                          {"http_port", PW_CFG_INT, "7103", "HTTP port"},
                                          {"verbose", PW_CFG_BOOL, "false", "talk more"},
                                          {"db_password", PW_CFG_SECRET, "", "store password"},
                                          {NULL, 0, NULL, NULL}};

static pw_config_t *
s_config (void)
{
    const pw_config_key_t *tables [] = {s_keys, NULL};
    return pw_config_new (tables);
}

//  A value outside a range is brought to the nearer bound.
static void
s_test_within (void)
{
    const char *values [] = {"-5", "7", "5000"};
    const int64_t expected [] = {0, 7, 1024};
    for (size_t i = 0; i < 3; i++) {
        pw_config_t *config = s_config ();
        char *arg = pw_sprintf ("--http-port=%s", values [i]);
        char *argv [] = {"prog", arg, NULL};
        char *error = NULL;
        PW_CHECK_INT (pw_config_load (config, 2, argv, &error), 0);
        PW_CHECK (pw_config_int_within (config, "http_port", 0, 1024) == expected [i]);
        free (error);
        free (arg);
        pw_config_destroy (&config);
    }
}

static void
s_test_precedence (void)
{
    char path [] = "/tmp/pw-config-XXXXXX";
    int fd = mkstemp (path);
    const char *text = "# comment\n db_url = postgresql://file/x \nhttp_port=1000\nverbose = yes\n";
    PW_CHECK (write (fd, text, strlen (text)) == (ssize_t)strlen (text));
    close (fd);
    char secret [] = "/tmp/pw-secret-XXXXXX";
    fd = mkstemp (secret);
    PW_CHECK (write (fd, "s3cret\nignored\n", 15) == 15);
    close (fd);
    setenv ("PW_HTTP_PORT", "2000", 1);
    setenv ("PW_DB_PASSWORD_FILE", secret, 1);
    pw_config_t *config = s_config ();
    char *config_arg = pw_sprintf ("--config=%s", path);
    char *argv [] = {"prog", config_arg, "--http-port", "3000", "positional", NULL};
    char *error = NULL;
    PW_CHECK_INT (pw_config_load (config, 5, argv, &error), 0);
    PW_CHECK (error == NULL);
    //  default < file < environment < command line
    PW_CHECK_STR (pw_config_str (config, "db_url"), "postgresql://file/x");
    PW_CHECK_INT (pw_config_int (config, "http_port"), 3000);
    PW_CHECK (pw_config_bool (config, "verbose"));
    PW_CHECK_STR (pw_config_str (config, "db_password"), "s3cret");
    PW_CHECK_INT (pw_config_argc (config), 1);
    PW_CHECK_STR (pw_config_arg (config, 0), "positional");
    pw_config_destroy (&config);
    PW_CHECK (config == NULL);
    unsetenv ("PW_HTTP_PORT");
    unsetenv ("PW_DB_PASSWORD_FILE");
    free (config_arg);
    unlink (path);
    unlink (secret);
}

static void
s_test_bad_keys (void)
{
    static const struct {
        const char *file;   //  file content, or NULL
        const char *arg;    //  one argument, or NULL
        const char *needle; //  in the error
    } cases [] = {
        {"db_ulr = x\n", NULL, "unknown key \"db_ulr\""},
        {"http_port = seven\n", NULL, "http_port: \"seven\" is not an integer"},
        {"verbose = maybe\n", NULL, "verbose: \"maybe\" is not a boolean"},
        {"just words\n", NULL, ":1: expected `key = value`"},
        {NULL, "--nope=1", "unknown key \"nope\""},
        {NULL, "--http-port=12x", "http_port: \"12x\" is not an integer"},
        {NULL, "--db-url", "option --db_url needs a value"},
        {NULL, "--db-password-file=/nonexistent/secret", "cannot read \"/nonexistent/secret\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char path [] = "/tmp/pw-config-XXXXXX";
        char *config_arg = NULL;
        char *argv [3] = {"prog", NULL, NULL};
        int argc = 1;
        if (cases [i].file) {
            int fd = mkstemp (path);
            PW_CHECK (write (fd, cases [i].file, strlen (cases [i].file)) > 0);
            close (fd);
            config_arg = pw_sprintf ("--config=%s", path);
            argv [argc++] = config_arg;
        } else
            argv [argc++] = (char *)cases [i].arg;
        pw_config_t *config = s_config ();
        char *error = NULL;
        int rc = pw_config_load (config, argc, argv, &error);
        if (rc != -1 || !error || !strstr (error, cases [i].needle))
            PW_FAIL_AT ("case %zu: rc %d, error \"%s\", expected \"%s\"", i, rc,
                        error ? error : "(none)", cases [i].needle);
        free (error);
        free (config_arg);
        pw_config_destroy (&config);
        if (cases [i].file)
            unlink (path);
    }
}

static void
s_test_help (void)
{
    pw_config_t *config = s_config ();
    char *argv [] = {"prog", "--help", NULL};
    char *error = NULL;
    PW_CHECK_INT (pw_config_load (config, 2, argv, &error), 1);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    pw_config_help (config, out, "prog", NULL);
    fclose (out);
    PW_CHECK (strstr (text, "http_port") && strstr (text, "HTTP port (int, default 7103)"));
    PW_CHECK (strstr (text, "db_password") && strstr (text, "or db_password_file"));
    free (text);
    pw_config_destroy (&config);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_precedence);
    PW_RUN (s_test_within);
    PW_RUN (s_test_bad_keys);
    PW_RUN (s_test_help);
    return PW_TEST_END ();
}
