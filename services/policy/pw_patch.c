/*  pw_patch - catalogue rows: classification names, validation, copies.

    pw_approval keeps one pw_patch_dup copy per row so the loader can free
    its own buffers; the copy is a single allocation because a catalogue has
    thousands of rows and each has a handful of strings and arrays.
*/
#include "pw_patch.h"
#include "pw_util.h"

#include <assert.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const s_classification_names [PW_CLASSIFICATION_COUNT] = {
    "critical", "security", "definition", "update_rollup", "service_pack", "feature_pack",
    "update",   "tool",     "driver",     "upgrade",       "optional"};

//  WSUS titles that do not reduce to a canonical name by folding case,
//  separators and a plural `s`.
static const struct {
    const char *alias;
    pw_classification_t classification;
} s_aliases [] = {
    {"security_update", PW_CLASSIFICATION_SECURITY},
    {"critical_update", PW_CLASSIFICATION_CRITICAL},
    {"definition_update", PW_CLASSIFICATION_DEFINITION},
};

const char *
pw_classification_name (pw_classification_t classification)
{
    if ((int)classification < 0 || classification >= PW_CLASSIFICATION_COUNT)
        return "unknown";
    return s_classification_names [classification];
}

int
pw_classification_parse (const char *text, pw_classification_t *classification_p)
{
    if (!text)
        return -1;
    while (isspace ((unsigned char)*text))
        text++;
    size_t len = strlen (text);
    while (len > 0 && isspace ((unsigned char)text [len - 1]))
        len--;
    //  The longest accepted spelling is "definition updates"; anything far
    //  longer names no classification.
    char folded [32];
    if (len == 0 || len >= sizeof (folded))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text [i];
        folded [i] = (c == ' ' || c == '-') ? '_' : (char)tolower (c);
    }
    //  No canonical name ends in `s`, so one trailing `s` is the plural.
    if (len > 1 && folded [len - 1] == 's')
        len--;
    folded [len] = '\0';

    for (int i = 0; i < PW_CLASSIFICATION_COUNT; i++) {
        if (strcmp (folded, s_classification_names [i]) == 0) {
            *classification_p = (pw_classification_t)i;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof (s_aliases) / sizeof (s_aliases [0]); i++) {
        if (strcmp (folded, s_aliases [i].alias) == 0) {
            *classification_p = s_aliases [i].classification;
            return 0;
        }
    }
    return -1;
}

static int
s_fail (char **error_p, char *message)
{
    if (error_p)
        *error_p = message;
    else
        free (message);
    return -1;
}

int
pw_patch_validate (const pw_patch_t *patch, char **error_p)
{
    assert (patch);
    const char *id = patch->id && *patch->id ? patch->id : "(no id)";
    if (!patch->id || !*patch->id)
        return s_fail (error_p, pw_sprintf ("patch %s: missing id", id));
    if (!patch->kb || !*patch->kb)
        return s_fail (error_p, pw_sprintf ("patch %s: missing kb", id));
    if ((int)patch->classification < 0 || patch->classification >= PW_CLASSIFICATION_COUNT)
        return s_fail (error_p, pw_sprintf ("patch %s: classification %d out of range", id,
                                            (int)patch->classification));
    if (patch->product_count == 0 || !patch->products)
        return s_fail (error_p, pw_sprintf ("patch %s: no product", id));
    for (size_t i = 0; i < patch->product_count; i++)
        if (!patch->products [i] || !*patch->products [i])
            return s_fail (error_p, pw_sprintf ("patch %s: product %zu is empty", id, i + 1));
    if (patch->supersedes_count && !patch->supersedes)
        return s_fail (error_p, pw_sprintf ("patch %s: supersedes-list missing", id));
    for (size_t i = 0; i < patch->supersedes_count; i++)
        if (!patch->supersedes [i] || !*patch->supersedes [i])
            return s_fail (error_p,
                           pw_sprintf ("patch %s: supersedes entry %zu is empty", id, i + 1));
    if (patch->cve_count && !patch->cves)
        return s_fail (error_p, pw_sprintf ("patch %s: CVE list missing", id));
    for (size_t i = 0; i < patch->cve_count; i++)
        if (!patch->cves [i])
            return s_fail (error_p, pw_sprintf ("patch %s: CVE %zu is missing", id, i + 1));
    return 0;
}

static size_t
s_str_size (const char *text)
{
    return text ? strlen (text) + 1 : 0;
}

//  Copies TEXT to *CURSOR and advances it; NULL stays NULL.
static const char *
s_put_str (char **cursor, const char *text)
{
    if (!text)
        return NULL;
    size_t size = strlen (text) + 1;
    char *copy = *cursor;
    memcpy (copy, text, size);
    *cursor += size;
    return copy;
}

static const char *const *
s_put_array (const char ***slots, char **cursor, const char *const *src, size_t count)
{
    if (count == 0)
        return NULL;
    const char **array = *slots;
    for (size_t i = 0; i < count; i++)
        array [i] = s_put_str (cursor, src [i]);
    *slots += count;
    return array;
}

pw_patch_t *
pw_patch_dup (const pw_patch_t *patch)
{
    assert (patch);
    assert (pw_patch_validate (patch, NULL) == 0);
    size_t slots = patch->product_count + patch->supersedes_count + patch->cve_count;
    size_t text = s_str_size (patch->id) + s_str_size (patch->kb) + s_str_size (patch->title) +
                  s_str_size (patch->severity);
    for (size_t i = 0; i < patch->product_count; i++)
        text += s_str_size (patch->products [i]);
    for (size_t i = 0; i < patch->supersedes_count; i++)
        text += s_str_size (patch->supersedes [i]);
    for (size_t i = 0; i < patch->cve_count; i++)
        text += s_str_size (patch->cves [i]);

    //  Layout: the struct, the pointer arrays, then the characters, so every
    //  part is suitably aligned.
    char *block = pw_malloc (sizeof (pw_patch_t) + slots * sizeof (char *) + text);
    pw_patch_t *copy = (pw_patch_t *)block;
    const char **slot = (const char **)(block + sizeof (pw_patch_t));
    char *cursor = (char *)(slot + slots);

    *copy = *patch;
    copy->id = s_put_str (&cursor, patch->id);
    copy->kb = s_put_str (&cursor, patch->kb);
    copy->title = s_put_str (&cursor, patch->title);
    copy->severity = s_put_str (&cursor, patch->severity);
    copy->products = s_put_array (&slot, &cursor, patch->products, patch->product_count);
    copy->supersedes = s_put_array (&slot, &cursor, patch->supersedes, patch->supersedes_count);
    copy->cves = s_put_array (&slot, &cursor, patch->cves, patch->cve_count);
    return copy;
}

void
pw_patch_destroy (pw_patch_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

bool
pw_patch_matches_product (const pw_patch_t *self, const char *glob)
{
    assert (self && glob);
    for (size_t i = 0; i < self->product_count; i++)
        if (fnmatch (glob, self->products [i], FNM_CASEFOLD) == 0)
            return true;
    return false;
}

bool
pw_patch_supersedes (const pw_patch_t *self, const char *kb)
{
    assert (self && kb);
    for (size_t i = 0; i < self->supersedes_count; i++)
        if (strcasecmp (self->supersedes [i], kb) == 0)
            return true;
    return false;
}
