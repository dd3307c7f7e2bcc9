/*  pw_config - table-driven configuration for services and pwctl.

    Each program declares its keys once, in a table of name, type, default and
    doc; that table drives parsing of the config file, the environment
    overrides, the command line and `--help`. Precedence, lowest first:
    default, config file (`key = value` lines), environment (`PW_KEY`, upper
    case), command line (`--key=value` or `--key value`). A key ending in
    `_file` names a file whose first line is the value of the key without the
    suffix (secrets come from files, never from the image). Any unknown or
    malformed key fails fast with its name.
*/
#ifndef PW_CONFIG_H_INCLUDED
#define PW_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PW_CFG_STRING, PW_CFG_INT, PW_CFG_BOOL, PW_CFG_SECRET } pw_cfg_type_t;

typedef struct {
    const char *name; //  "db_url"
    pw_cfg_type_t type;
    const char *fallback; //  default, as text; NULL = empty
    const char *doc;      //  one line for --help and docs
} pw_config_key_t;

typedef struct _pw_config_t pw_config_t;

//  Creates a config over one or more key tables, each ended by {NULL}.
pw_config_t *pw_config_new (const pw_config_key_t *const *tables);
void pw_config_destroy (pw_config_t **self_p);

//  Loads file (from --config or PW_CONFIG), environment and ARGV. Returns 0;
//  1 when --help was asked (help printed to stdout); -1 with *ERROR_P (caller
//  frees) naming the bad key. Positional arguments (not starting with --) are
//  left for the caller: see pw_config_args.
int pw_config_load (pw_config_t *self, int argc, char **argv, char **error_p);

//  Prints usage: PROGRAM, then every key with type, default and doc.
void pw_config_help (pw_config_t *self, FILE *out, const char *program, const char *synopsis);

const char *pw_config_str (pw_config_t *self, const char *name);
int64_t pw_config_int (pw_config_t *self, const char *name);
//  The value of NAME within LOW..HIGH: a value outside is replaced by the
//  nearer bound, with a warning that names the key, the value and the bound.
int64_t pw_config_int_within (pw_config_t *self, const char *name, int64_t low, int64_t high);
bool pw_config_bool (pw_config_t *self, const char *name);

//  Positional arguments left after options, in order.
int pw_config_argc (pw_config_t *self);
const char *pw_config_arg (pw_config_t *self, int index);

//  Sets a value programmatically (tests, derived defaults); -1 if unknown key
//  or bad value.
int pw_config_set (pw_config_t *self, const char *name, const char *value, char **error_p);

#ifdef __cplusplus
}
#endif

#endif
