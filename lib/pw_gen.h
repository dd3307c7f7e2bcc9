/*  pw_gen - a deterministic synthetic fleet: customers, agents, server
    dependencies and scan results, from a seed and a size.

    `pwctl gen` writes the example fleet with it, and tests and benchmarks
    build fleets of any size with it. The same seed and size always give
    the same records and byte-identical files. Scan results are drawn from
    a real patch catalogue (a pw_import of windows-updates.csv): each agent
    gets rows whose products match its operating system. The files are the
    shapes pw_import and the setup file read: agents.csv, scans.csv,
    orgs.yaml (an `orgs:` list) and dependencies.yaml (a `dependencies:`
    list). docs/import.md describes what a fleet contains.
*/
#ifndef PW_GEN_H_INCLUDED
#define PW_GEN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_import.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PW_GEN_MAX_AGENTS 100000

typedef struct {
    uint64_t seed;
    size_t agents; //  1 .. PW_GEN_MAX_AGENTS
    //  A good patches import (borrowed for the call); NULL: no scans.
    const pw_import_t *catalogue;
    //  cf.PatchWindow names for workstations and servers outside
    //  dependency chains; NULL: the defaults (WED-0200 ... SUN-0200).
    const char *const *windows;
    size_t window_count;
    //  Ordered windows for servers in dependency chains, by depth; NULL:
    //  SAT-1 .. SAT-6.
    const char *const *chain_windows;
    size_t chain_window_count;
    //  Deliberate dependency cycles to plant: 0, 1 or 2.
    int cycles;
    //  The fleet's "now" (unix seconds) for check-ins and scans; 0:
    //  2024-09-16T06:00:00Z, the Monday after the catalogue's last release.
    int64_t now;
} pw_gen_options_t;

typedef struct {
    const char *name;
    const char *timezone;      //  IANA zone
    bool subscribed;           //  patching: subscribed / unsubscribed
    const char *const *groups; //  the groups its agents use, sorted
    size_t group_count;
} pw_gen_org_t;

//  `agent` is patched only after every host in `after`.
typedef struct {
    const char *agent;
    const char *const *after;
    size_t after_count;
} pw_gen_dependency_t;

typedef enum {
    PW_GEN_AGENTS_CSV = 0,
    PW_GEN_SCANS_CSV,
    PW_GEN_ORGS_YAML,
    PW_GEN_DEPENDENCIES_YAML,
    PW_GEN_FILE_COUNT
} pw_gen_file_t;

typedef struct _pw_gen_t pw_gen_t;

//  Generates a fleet. Returns NULL, with *ERROR_P set to a new message
//  (caller frees; ERROR_P may be NULL), when the options are out of range.
//  Caller owns the result. Nothing in it points into the catalogue.
pw_gen_t *pw_gen_new (const pw_gen_options_t *options, char **error_p);

//  Destroys the fleet and nulls the caller's pointer. NULL-safe.
void pw_gen_destroy (pw_gen_t **self_p);

//  The records, owned by the fleet. Agents carry line 0.
const pw_gen_org_t *pw_gen_orgs (const pw_gen_t *self, size_t *count_p);
const pw_import_agent_t *pw_gen_agents (const pw_gen_t *self, size_t *count_p);
const pw_gen_dependency_t *pw_gen_dependencies (const pw_gen_t *self, size_t *count_p);
const pw_import_scan_t *pw_gen_scans (const pw_gen_t *self, size_t *count_p);

//  How many dependency cycles were planted (fewer than asked when the fleet
//  has too few servers in chains).
int pw_gen_cycles (const pw_gen_t *self);

//  "agents.csv", "scans.csv", "orgs.yaml", "dependencies.yaml".
const char *pw_gen_file_name (pw_gen_file_t file);

//  The text of FILE. Caller frees.
char *pw_gen_render (const pw_gen_t *self, pw_gen_file_t file);

//  Writes every file into DIR (created when missing; files replaced
//  atomically). Returns 0, or -1 with *ERROR_P set (caller frees).
int pw_gen_write (const pw_gen_t *self, const char *dir, char **error_p);

#ifdef __cplusplus
}
#endif

#endif
