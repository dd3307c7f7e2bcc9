/*  pw_patch - one row of a tenant's patch catalogue and its classification.

    The policy service loads catalogue rows from imports and the store and
    hands them to pw_approval, which keeps its own copies (pw_patch_dup). One
    KB can have several rows (one per architecture or edition), so `id` names
    the row and `kb` the update; approval decisions and KB overrides act on
    the KB, that is on every row that shares it.
*/
#ifndef PW_PATCH_H_INCLUDED
#define PW_PATCH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  The classifications of DESIGN section 1, in that order.
typedef enum {
    PW_CLASSIFICATION_CRITICAL = 0,
    PW_CLASSIFICATION_SECURITY,
    PW_CLASSIFICATION_DEFINITION,
    PW_CLASSIFICATION_UPDATE_ROLLUP,
    PW_CLASSIFICATION_SERVICE_PACK,
    PW_CLASSIFICATION_FEATURE_PACK,
    PW_CLASSIFICATION_UPDATE,
    PW_CLASSIFICATION_TOOL,
    PW_CLASSIFICATION_DRIVER,
    PW_CLASSIFICATION_UPGRADE,
    PW_CLASSIFICATION_OPTIONAL,
    PW_CLASSIFICATION_COUNT
} pw_classification_t;

//  One catalogue row. As a value built by a loader or a test, every string
//  and array is borrowed; a copy from pw_patch_dup owns all of them.
typedef struct {
    const char *id;    //  unique row identity inside a tenant
    const char *kb;    //  "KB5031364", or a package/version for Linux
    const char *title; //  may be NULL
    pw_classification_t classification;
    const char *const *products; //  at least one
    size_t product_count;
    const char *severity;          //  "Critical", "Important", ...; may be NULL
    int64_t released;              //  release time, unix seconds UTC
    const char *const *supersedes; //  KBs this patch replaces
    size_t supersedes_count;
    bool reboot_required;
    const char *const *cves;
    size_t cve_count;
} pw_patch_t;

//  The canonical name: "critical", "security", ..., "optional"; "unknown"
//  for a value out of range.
const char *pw_classification_name (pw_classification_t classification);

//  Parses a canonical name or a WSUS classification title ("Security
//  Updates", "Critical Updates", "Updates", "Upgrades", "Update Rollups",
//  "Feature Packs", "Service Packs", "Definition Updates", "Drivers",
//  "Tools"), ASCII case-insensitive, singular or plural, with spaces, `-` or
//  `_` between words. Returns 0, or -1 when TEXT names no classification.
int pw_classification_parse (const char *text, pw_classification_t *classification_p);

//  Returns 0 when PATCH is usable as a catalogue row, else -1 with *ERROR_P
//  set to a new message (caller frees; ERROR_P may be NULL) naming the row
//  and the field that is wrong: missing id or kb, no product, an empty
//  product, or a classification out of range.
int pw_patch_validate (const pw_patch_t *patch, char **error_p);

//  A deep copy of PATCH in one allocation; caller owns, free with
//  pw_patch_destroy. PATCH must be valid (pw_patch_validate).
pw_patch_t *pw_patch_dup (const pw_patch_t *patch);

//  Frees a copy made by pw_patch_dup and nulls the caller's pointer.
//  NULL-safe. Never call it on a loader's borrowed struct.
void pw_patch_destroy (pw_patch_t **self_p);

//  True when any product of PATCH matches GLOB (fnmatch, case-insensitive).
bool pw_patch_matches_product (const pw_patch_t *self, const char *glob);

//  True when PATCH lists KB in its supersedes-list.
bool pw_patch_supersedes (const pw_patch_t *self, const char *kb);

#ifdef __cplusplus
}
#endif

#endif
