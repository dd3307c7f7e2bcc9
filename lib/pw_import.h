/*  pw_import - agent, patch and scan files (CSV or JSON) into plain records,
    with every bad row named.

    `pwctl import agents|patches|scans FILE` and the policy service read
    what an RMM exports, and pw_gen's files, through this class. A file is
    read whole and checked row by row: every bad row is reported with its
    line and field (`agents.csv:17: class: "laptop" is not one of server,
    workstation`), and when any row is bad nothing is importable (all or
    nothing). Catalogue files come in three forms, told apart by their
    columns: the Windows update export (kb, title, classification,
    product, ...), the Debian security list (package, version, advisory,
    ...), and a generic form with explicit columns. docs/import.md is the
    reference for the shapes, rules and messages.
*/
#ifndef PW_IMPORT_H_INCLUDED
#define PW_IMPORT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_model.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Files larger than this are refused unread; so is a row (a CSV record or
//  a JSON array element) larger than PW_IMPORT_MAX_ROW.
#define PW_IMPORT_MAX_FILE ((size_t)256 << 20)
#define PW_IMPORT_MAX_ROW  ((size_t)1 << 20)
//  Errors and warnings past this many are counted but not kept.
#define PW_IMPORT_MAX_ISSUES 1000

typedef enum { PW_IMPORT_AGENTS = 0, PW_IMPORT_PATCHES, PW_IMPORT_SCANS } pw_import_kind_t;

typedef enum { PW_IMPORT_AUTO = 0, PW_IMPORT_CSV, PW_IMPORT_JSON } pw_import_format_t;

//  The form of a patch catalogue, from its columns (or its first object's keys).
typedef enum {
    PW_IMPORT_CATALOGUE_NONE = 0, //  not a patch file
    PW_IMPORT_CATALOGUE_GENERIC,  //  ident, kb, title, classification, products, ...
    PW_IMPORT_CATALOGUE_WINDOWS,  //  kb, title, classification, product, release_date, ...
    PW_IMPORT_CATALOGUE_DEBIAN    //  package, version, advisory, date, release, ...
} pw_import_catalogue_t;

//  Patch states, as DESIGN section 1 names them.
typedef enum {
    PW_IMPORT_MISSING = 0,
    PW_IMPORT_INSTALLED,
    PW_IMPORT_PENDING_REBOOT,
    PW_IMPORT_FAILED,
    PW_IMPORT_NOT_APPLICABLE
} pw_import_state_t;

//  Number of classifications; a patch's `classification` indexes them in
//  the order of DESIGN section 1 (critical, security, definition,
//  update_rollup, service_pack, feature_pack, update, tool, driver,
//  upgrade, optional), the same order as pw_classification_t.
#define PW_IMPORT_CLASSIFICATION_COUNT 11

//  Every string and array in a record is owned by the import object and
//  lives until pw_import_destroy. Times are unix seconds, UTC; 0 = absent.

typedef struct {
    int line;             //  where the row starts in the file
    const char *hostname; //  unique in the file (ASCII case-insensitive)
    const char *org;
    const char *group; //  dotted path; "" = org root
    pw_class_t klass;
    const char *os;         //  NULL when absent
    const char *os_version; //  NULL when absent
    bool subscribed;        //  default true
    int expected_minutes;   //  install + reboot estimate; 0 when absent
    int64_t last_checkin;
    int64_t last_scan;
    const char *const *tags; //  sorted (strcmp), no duplicates
    size_t tag_count;
    const char *const *ignored_kbs; //  sorted, no duplicates
    size_t ignored_kb_count;
    const pw_field_t *cf; //  `cf.NAME` without the prefix; sorted by name
    size_t cf_count;
} pw_import_agent_t;

typedef struct {
    int line;
    const char *ident;           //  unique row identity (see docs/import.md)
    const char *kb;              //  "KB5031364", or the advisory for Debian rows
    const char *title;           //  NULL when absent
    int classification;          //  0 .. PW_IMPORT_CLASSIFICATION_COUNT - 1
    const char *const *products; //  at least one
    size_t product_count;
    const char *severity; //  "Critical", "Important", ...; NULL when blank
    int64_t released;
    const char *const *supersedes;
    size_t supersedes_count;
    bool reboot_required;
    const char *const *cves;
    size_t cve_count;
} pw_import_patch_t;

typedef struct {
    int line;
    const char *hostname;
    const char *patch; //  a catalogue ident (resolved from a KB when a
                       //  catalogue was given), else the text as written
    pw_import_state_t state;
    int64_t scanned_at;
} pw_import_scan_t;

//  One error or warning. `field` is the column or key it concerns, NULL for
//  the row or file as a whole; `line` is 0 for the file as a whole.
typedef struct {
    int line;
    const char *field;
    const char *message;
} pw_import_issue_t;

typedef struct pw_import_t pw_import_t;

typedef struct {
    pw_import_format_t format; //  AUTO: JSON when the text starts with '[' or '{'
    //  Scans only, both optional and borrowed for the call: with a
    //  catalogue, every `patch` must name one of its rows (by ident, or by
    //  a KB that has exactly one row); with agents, every hostname must be
    //  one of them.
    const pw_import_t *catalogue;
    const pw_import_t *agents;
    //  CSV only, when the text is one part of a larger file (its header row,
    //  then a run of the file's records, see pw_csv_split): the line of the
    //  file on which the text after the header row begins, so that rows and
    //  messages name lines of the file. 0: the text is the whole file.
    int first_line;
} pw_import_options_t;

//  Reads LEN bytes of TEXT as a file of KIND. NAME is what messages call
//  the file (`agents.csv`). Always returns a new object (caller owns);
//  check pw_import_ok. OPTIONS may be NULL.
pw_import_t *pw_import_parse (pw_import_kind_t kind, const char *name, const char *text, size_t len,
                              const pw_import_options_t *options);

//  Reads FILENAME (messages use its base name). A file that cannot be read
//  or is too large gives one error.
pw_import_t *pw_import_load (pw_import_kind_t kind, const char *filename,
                             const pw_import_options_t *options);

//  Destroys the import and nulls the caller's pointer. NULL-safe.
void pw_import_destroy (pw_import_t **self_p);

//  True when the file had no error: its records are importable.
bool pw_import_ok (const pw_import_t *self);
pw_import_kind_t pw_import_kind (const pw_import_t *self);
pw_import_format_t pw_import_format (const pw_import_t *self);
pw_import_catalogue_t pw_import_catalogue (const pw_import_t *self);

//  Rows read, good or bad (header not counted).
size_t pw_import_rows (const pw_import_t *self);

//  Errors and warnings: how many there were, and the first
//  PW_IMPORT_MAX_ISSUES of them in file order (NULL past those).
size_t pw_import_error_count (const pw_import_t *self);
const pw_import_issue_t *pw_import_error (const pw_import_t *self, size_t index);
size_t pw_import_warning_count (const pw_import_t *self);
const pw_import_issue_t *pw_import_warning (const pw_import_t *self, size_t index);

//  The errors (or warnings), one per line: `NAME:LINE: FIELD: MESSAGE`,
//  ending with `NAME: N more errors not shown` when some were not kept.
//  "" when there are none. Caller frees.
char *pw_import_render_errors (const pw_import_t *self);
char *pw_import_render_warnings (const pw_import_t *self);

//  The records, in file order. Empty (count 0, NULL) when the file had an
//  error or is of another kind. COUNT_P may be NULL.
const pw_import_agent_t *pw_import_agents (const pw_import_t *self, size_t *count_p);
const pw_import_patch_t *pw_import_patches (const pw_import_t *self, size_t *count_p);
const pw_import_scan_t *pw_import_scans (const pw_import_t *self, size_t *count_p);

//  Lookups over a good import; NULL when absent. The agent lookup ignores
//  ASCII case.
const pw_import_agent_t *pw_import_agent_find (const pw_import_t *self, const char *hostname);
const pw_import_patch_t *pw_import_patch_find (const pw_import_t *self, const char *ident);
//  How many catalogue rows share KB, and the first of them in *FIRST_P
//  (may be NULL).
size_t pw_import_kb_rows (const pw_import_t *self, const char *kb,
                          const pw_import_patch_t **first_p);
//  Distinct KBs of a good catalogue.
size_t pw_import_kb_count (const pw_import_t *self);

//  The ident of a Windows catalogue row: KB, ':', and the 32-bit FNV-1a
//  hash of TITLE in 8 lowercase hex digits ("KB5043936:1c9d2a7f"). Caller
//  frees.
char *pw_import_windows_ident (const char *kb, const char *title);

//  Names: "agents", "patches", "scans"; "csv", "json"; "generic",
//  "windows", "debian"; "missing", "installed", "pending_reboot", "failed",
//  "not_applicable"; and the canonical classification names ("unknown"
//  out of range).
const char *pw_import_kind_name (pw_import_kind_t kind);
const char *pw_import_format_name (pw_import_format_t format);
const char *pw_import_catalogue_name (pw_import_catalogue_t catalogue);
const char *pw_import_state_name (pw_import_state_t state);
const char *pw_import_classification_name (int classification);

//  Parsers for the names above (ASCII case-insensitive). Return 0, or -1
//  when TEXT names nothing. The classification parser also takes WSUS
//  titles ("Security Updates", "Update Rollups"), singular or plural, with
//  spaces, '-' or '_' between words.
int pw_import_kind_parse (const char *text, pw_import_kind_t *kind_p);
int pw_import_state_parse (const char *text, pw_import_state_t *state_p);
int pw_import_classification_parse (const char *text, int *classification_p);

//  Parses an ISO 8601 UTC time: `YYYY-MM-DD`, or a date and time
//  (`YYYY-MM-DDTHH:MM[:SS[.fff]]`) ending in `Z` or a `+HH:MM` offset.
//  Returns 0 with *SECONDS_P set, or -1.
int pw_import_parse_time (const char *text, int64_t *seconds_p);

#ifdef __cplusplus
}
#endif

#endif
