/*  pw_config - parse and hold configuration from the key tables. */
#include "pw_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_log.h"
#include "pw_util.h"

typedef struct {
    const pw_config_key_t *key;
    char *value;
} s_entry_t;

struct _pw_config_t {
    s_entry_t *entries;
    size_t count;
    char **args;
    int argc;
};

pw_config_t *
pw_config_new (const pw_config_key_t *const *tables)
{
    pw_config_t *self = pw_calloc (1, sizeof *self);
    for (size_t t = 0; tables [t]; t++)
        for (const pw_config_key_t *key = tables [t]; key->name; key++)
            self->count++;
    self->entries = pw_calloc (self->count, sizeof (s_entry_t));
    size_t index = 0;
    for (size_t t = 0; tables [t]; t++)
        for (const pw_config_key_t *key = tables [t]; key->name; key++) {
            self->entries [index].key = key;
            self->entries [index].value = pw_strdup (key->fallback ? key->fallback : "");
            index++;
        }
    return self;
}

void
pw_config_destroy (pw_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_config_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free (self->entries [i].value);
    free (self->entries);
    for (int i = 0; i < self->argc; i++)
        free (self->args [i]);
    free (self->args);
    free (self);
    *self_p = NULL;
}

static s_entry_t *
s_find (pw_config_t *self, const char *name, size_t len)
{
    for (size_t i = 0; i < self->count; i++)
        if (strlen (self->entries [i].key->name) == len &&
            strncmp (self->entries [i].key->name, name, len) == 0)
            return &self->entries [i];
    return NULL;
}

static char *
s_trim (char *text)
{
    while (isspace ((unsigned char)*text))
        text++;
    char *end = text + strlen (text);
    while (end > text && isspace ((unsigned char)end [-1]))
        *--end = '\0';
    return text;
}

static int
s_check (const pw_config_key_t *key, const char *value, const char *origin, char **error_p)
{
    if (key->type == PW_CFG_INT) {
        char *end;
        errno = 0;
        long long number = strtoll (value, &end, 10);
        (void)number;
        if (!*value || *end || errno) {
            *error_p =
                pw_sprintf ("config %s: %s: \"%s\" is not an integer", origin, key->name, value);
            return -1;
        }
    } else if (key->type == PW_CFG_BOOL) {
        if (strcasecmp (value, "true") && strcasecmp (value, "false") && strcmp (value, "1") &&
            strcmp (value, "0") && strcasecmp (value, "yes") && strcasecmp (value, "no")) {
            *error_p = pw_sprintf ("config %s: %s: \"%s\" is not a boolean (true/false)", origin,
                                   key->name, value);
            return -1;
        }
    }
    return 0;
}

//  Stores VALUE for NAME; a NAME_file key reads the secret from the file.
static int
s_store (pw_config_t *self, const char *name, size_t name_len, const char *value,
         const char *origin, char **error_p)
{
    s_entry_t *entry = s_find (self, name, name_len);
    if (!entry && name_len > 5 && strncmp (name + name_len - 5, "_file", 5) == 0) {
        entry = s_find (self, name, name_len - 5);
        if (entry && entry->key->type == PW_CFG_SECRET) {
            FILE *file = fopen (value, "r");
            if (!file) {
                *error_p = pw_sprintf ("config %s: %.*s: cannot read \"%s\": %s", origin,
                                       (int)name_len, name, value, strerror (errno));
                return -1;
            }
            char line [4096] = "";
            if (!fgets (line, sizeof line, file))
                line [0] = '\0';
            fclose (file);
            line [strcspn (line, "\r\n")] = '\0';
            free (entry->value);
            entry->value = pw_strdup (line);
            return 0;
        }
        entry = NULL;
    }
    if (!entry) {
        *error_p = pw_sprintf ("config %s: unknown key \"%.*s\" (see --help)", origin,
                               (int)name_len, name);
        return -1;
    }
    if (s_check (entry->key, value, origin, error_p))
        return -1;
    free (entry->value);
    entry->value = pw_strdup (value);
    return 0;
}

static int
s_load_file (pw_config_t *self, const char *path, char **error_p)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        *error_p = pw_sprintf ("config file \"%s\": %s", path, strerror (errno));
        return -1;
    }
    char line [8192];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets (line, sizeof line, file)) {
        lineno++;
        char *text = s_trim (line);
        if (*text == '\0' || *text == '#' || *text == ';')
            continue;
        char *eq = strchr (text, '=');
        if (!eq) {
            *error_p = pw_sprintf ("config file %s:%d: expected `key = value`", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *name = s_trim (text);
        char *value = s_trim (eq + 1);
        char origin [512];
        snprintf (origin, sizeof origin, "file %s:%d", path, lineno);
        rc = s_store (self, name, strlen (name), value, origin, error_p);
    }
    fclose (file);
    return rc;
}

int
pw_config_set (pw_config_t *self, const char *name, const char *value, char **error_p)
{
    char *error = NULL;
    int rc = s_store (self, name, strlen (name), value, "set", &error);
    if (error_p)
        *error_p = error;
    else
        free (error);
    return rc;
}

int
pw_config_load (pw_config_t *self, int argc, char **argv, char **error_p)
{
    *error_p = NULL;
    //  The config file comes first, whatever its position on the line.
    const char *path = getenv ("PW_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv [i], "--help") == 0 || strcmp (argv [i], "-h") == 0)
            return 1;
        if (strncmp (argv [i], "--config=", 9) == 0)
            path = argv [i] + 9;
        else if (strcmp (argv [i], "--config") == 0 && i + 1 < argc)
            path = argv [++i];
    }
    if (path && *path && s_load_file (self, path, error_p))
        return -1;

    for (size_t i = 0; i < self->count; i++) {
        char env [256] = "PW_";
        size_t at = 3;
        for (const char *p = self->entries [i].key->name; *p && at < sizeof env - 6; p++)
            env [at++] = (char)toupper ((unsigned char)*p);
        env [at] = '\0';
        const char *value = getenv (env);
        if (value && s_store (self, self->entries [i].key->name,
                              strlen (self->entries [i].key->name), value, "env", error_p))
            return -1;
        if (self->entries [i].key->type == PW_CFG_SECRET) {
            strcat (env, "_FILE");
            value = getenv (env);
            char name [256];
            snprintf (name, sizeof name, "%s_file", self->entries [i].key->name);
            if (value && s_store (self, name, strlen (name), value, "env", error_p))
                return -1;
        }
    }

    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (strncmp (arg, "--", 2) != 0 || arg [2] == '\0') {
            if (strcmp (arg, "--") == 0) {
                for (i++; i < argc; i++) {
                    self->args =
                        pw_realloc (self->args, sizeof (char *) * (size_t)(self->argc + 1));
                    self->args [self->argc++] = pw_strdup (argv [i]);
                }
                break;
            }
            self->args = pw_realloc (self->args, sizeof (char *) * (size_t)(self->argc + 1));
            self->args [self->argc++] = pw_strdup (arg);
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr (name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen (name);
        if (name_len == 6 && strncmp (name, "config", 6) == 0) {
            if (!eq)
                i++;
            continue;
        }
        //  Options are spelled with dashes on the command line, underscores
        //  in files: --db-url and db_url are the same key.
        char key [256];
        if (name_len >= sizeof key) {
            *error_p = pw_sprintf ("option --%.*s is too long", 40, name);
            return -1;
        }
        for (size_t c = 0; c < name_len; c++)
            key [c] = name [c] == '-' ? '_' : name [c];
        key [name_len] = '\0';
        const char *value;
        if (eq)
            value = eq + 1;
        else {
            s_entry_t *entry = s_find (self, key, name_len);
            if (entry && entry->key->type == PW_CFG_BOOL)
                value = "true";
            else if (i + 1 < argc)
                value = argv [++i];
            else {
                *error_p = pw_sprintf ("option --%s needs a value", key);
                return -1;
            }
        }
        if (s_store (self, key, name_len, value, "option", error_p))
            return -1;
    }
    return 0;
}

void
pw_config_help (pw_config_t *self, FILE *out, const char *program, const char *synopsis)
{
    fprintf (out,
             "usage: %s %s\n\noptions (file key, or --key-with-dashes, or PW_KEY in the "
             "environment):\n",
             program, synopsis ? synopsis : "[options]");
    fprintf (out, "  %-26s %s\n", "--config FILE", "read `key = value` lines from FILE first");
    for (size_t i = 0; i < self->count; i++) {
        const pw_config_key_t *key = self->entries [i].key;
        const char *type = key->type == PW_CFG_INT      ? "int"
                           : key->type == PW_CFG_BOOL   ? "bool"
                           : key->type == PW_CFG_SECRET ? "secret"
                                                        : "text";
        fprintf (out, "  %-26s %s (%s", key->name, key->doc, type);
        if (key->fallback && *key->fallback)
            fprintf (out, ", default %s", key->fallback);
        if (key->type == PW_CFG_SECRET)
            fprintf (out, "; or %s_file", key->name);
        fprintf (out, ")\n");
    }
}

static s_entry_t *
s_get (pw_config_t *self, const char *name)
{
    s_entry_t *entry = s_find (self, name, strlen (name));
    //  Asking for a key no table declares is a programming error.
    if (!entry) {
        fprintf (stderr, "pw_config: undeclared key \"%s\"\n", name);
        abort ();
    }
    return entry;
}

const char *
pw_config_str (pw_config_t *self, const char *name)
{
    return s_get (self, name)->value;
}

int64_t
pw_config_int (pw_config_t *self, const char *name)
{
    return strtoll (s_get (self, name)->value, NULL, 10);
}

int64_t
pw_config_int_within (pw_config_t *self, const char *name, int64_t low, int64_t high)
{
    int64_t value = pw_config_int (self, name), bound = value < low ? low : high;
    if (value >= low && value <= high)
        return value;
    pw_log_warn ("config value out of range", "key=%s value=%lld used=%lld range=%lld..%lld", name,
                 (long long)value, (long long)bound, (long long)low, (long long)high);
    return bound;
}

bool
pw_config_bool (pw_config_t *self, const char *name)
{
    const char *value = s_get (self, name)->value;
    return strcasecmp (value, "true") == 0 || strcmp (value, "1") == 0 ||
           strcasecmp (value, "yes") == 0;
}

int
pw_config_argc (pw_config_t *self)
{
    return self->argc;
}

const char *
pw_config_arg (pw_config_t *self, int index)
{
    return index >= 0 && index < self->argc ? self->args [index] : NULL;
}
