/*  pw_import - agent, patch and scan files into plain records; see
    pw_import.h and docs/import.md.

    One pass over the file: each row is read through a small field
    abstraction (a CSV column or a JSON member), checked, and either stored
    or reported. Strings live in one arena; the repetitive ones (hostnames,
    orgs, patch idents, tags) are interned, which keeps a file of millions of
    scan rows to a few bytes per row beyond the row itself. Lookups that
    repeat per row (a scan's patch against the catalogue, its hostname
    against the agents) are resolved once per distinct string and cached on
    the interned entry, so the cost per row stays constant.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_csv.h"
#include "pw_import.h"
#include "pw_json.h"
#include "pw_util.h"

//  --------------------------------------------------------------------------
//  Arena: blocks freed all at once with the import.

typedef struct s_block_t {
    struct s_block_t *next;
    size_t size, used;
    max_align_t data [];
} s_block_t;

typedef struct {
    s_block_t *head;
} s_arena_t;

static void *
s_alloc (s_arena_t *arena, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    s_block_t *block = arena->head;
    if (!block || block->size - block->used < size) {
        size_t want = size > 65536 ? size : 65536;
        block = pw_malloc (sizeof (s_block_t) + want);
        block->size = want;
        block->used = 0;
        block->next = arena->head;
        arena->head = block;
    }
    void *result = (char *)block->data + block->used;
    block->used += size;
    return result;
}

static char *
s_strndup (s_arena_t *arena, const char *text, size_t len)
{
    char *copy = s_alloc (arena, len + 1);
    memcpy (copy, text, len);
    copy [len] = '\0';
    return copy;
}

static void
s_arena_free (s_arena_t *arena)
{
    s_block_t *block = arena->head;
    while (block) {
        s_block_t *next = block->next;
        free (block);
        block = next;
    }
    arena->head = NULL;
}

//  --------------------------------------------------------------------------
//  String map: open addressing, keys copied into the arena. Entry pointers
//  are valid until the next insert into the same map.

typedef struct {
    const char *key; //  NULL: empty slot
    uint32_t hash;
    uint32_t len;
    int line;        //  where the key was first seen
    size_t index;    //  a record index
    size_t count;    //  rows sharing the key
    const char *aux; //  a cached resolution
    int state;       //  S_UNRESOLVED, S_RESOLVED, ...
} s_entry_t;

typedef struct {
    s_entry_t *slots;
    size_t cap; //  a power of two, or 0
    size_t count;
} s_map_t;

enum { S_UNRESOLVED = 0, S_RESOLVED, S_UNKNOWN, S_AMBIGUOUS };

static uint32_t
s_fnv1a (const char *text, size_t len)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)text [i];
        hash *= 16777619u;
    }
    return hash;
}

static size_t
s_slot_of (uint32_t hash, size_t cap)
{
    //  FNV's low bits are weak for short keys; fold the high bits in.
    return (size_t)(hash ^ (hash >> 15) ^ (hash >> 27)) & (cap - 1);
}

static s_entry_t *
s_map_find (const s_map_t *map, const char *text, size_t len)
{
    if (!map->cap)
        return NULL;
    uint32_t hash = s_fnv1a (text, len);
    for (size_t i = s_slot_of (hash, map->cap);; i = (i + 1) & (map->cap - 1)) {
        s_entry_t *entry = &map->slots [i];
        if (!entry->key)
            return NULL;
        if (entry->hash == hash && entry->len == len && memcmp (entry->key, text, len) == 0)
            return entry;
    }
}

static void
s_map_grow (s_map_t *map)
{
    size_t cap = map->cap ? map->cap * 2 : 64;
    s_entry_t *slots = pw_calloc (cap, sizeof (s_entry_t));
    for (size_t i = 0; i < map->cap; i++) {
        s_entry_t *entry = &map->slots [i];
        if (!entry->key)
            continue;
        size_t j = s_slot_of (entry->hash, cap);
        while (slots [j].key)
            j = (j + 1) & (cap - 1);
        slots [j] = *entry;
    }
    free (map->slots);
    map->slots = slots;
    map->cap = cap;
}

//  Finds or adds TEXT; *CREATED_P says which.
static s_entry_t *
s_map_put (s_map_t *map, s_arena_t *arena, const char *text, size_t len, bool *created_p)
{
    if ((map->count + 1) * 2 > map->cap)
        s_map_grow (map);
    uint32_t hash = s_fnv1a (text, len);
    size_t i = s_slot_of (hash, map->cap);
    for (;; i = (i + 1) & (map->cap - 1)) {
        s_entry_t *entry = &map->slots [i];
        if (!entry->key)
            break;
        if (entry->hash == hash && entry->len == len && memcmp (entry->key, text, len) == 0) {
            if (created_p)
                *created_p = false;
            return entry;
        }
    }
    s_entry_t *entry = &map->slots [i];
    memset (entry, 0, sizeof *entry);
    entry->key = s_strndup (arena, text, len);
    entry->hash = hash;
    entry->len = (uint32_t)len;
    map->count++;
    if (created_p)
        *created_p = true;
    return entry;
}

static void
s_map_free (s_map_t *map)
{
    free (map->slots);
    memset (map, 0, sizeof *map);
}

//  --------------------------------------------------------------------------
//  The import object

typedef struct {
    pw_import_issue_t *items;
    size_t stored, count;
} s_issues_t;

struct pw_import_t {
    pw_import_kind_t kind;
    pw_import_format_t format;
    pw_import_catalogue_t catalogue;
    char *name;
    s_arena_t arena;
    s_map_t strings; //  interned strings
    s_map_t hosts;   //  lowercased hostname -> first line / agent index
    s_map_t idents;  //  patch ident -> first line / patch index
    s_map_t kbs;     //  KB -> rows / first patch index
    s_map_t warned;  //  unknown keys already warned about

    pw_import_agent_t *agents;
    size_t agent_count, agent_cap;
    pw_import_patch_t *patches;
    size_t patch_count, patch_cap;
    pw_import_scan_t *scans;
    size_t scan_count, scan_cap;
    size_t rows;

    //  Scans: (host key, patch) of every row, to find duplicates.
    const char **pair_host;
    const char **pair_patch;
    int *pair_line;
    size_t pair_count, pair_cap;
    uint64_t *pair_slots; //  hash << 32 | (pair index + 1)
    size_t pair_slot_cap;

    s_issues_t errors, warnings;
    const pw_import_options_t *options; //  during the parse only

    const char **list; //  items of the list being read
    size_t list_len, list_cap;
    pw_field_t *cf; //  custom fields of the row being read
    size_t cf_len, cf_cap;
};

//  DESIGN section 1's order, which pw_classification_t and the setup file share.
static const char *s_class_order [PW_IMPORT_CLASSIFICATION_COUNT] = {
    "critical", "security", "definition", "update_rollup", "service_pack", "feature_pack",
    "update",   "tool",     "driver",     "upgrade",       "optional"};

enum { S_CRITICAL = 0, S_SECURITY, S_DEFINITION, S_UPDATE = 6 };

static void
s_issue (pw_import_t *self, s_issues_t *list, int line, const char *field, const char *format,
         va_list args)
{
    list->count++;
    if (list->stored >= PW_IMPORT_MAX_ISSUES)
        return;
    if (!list->items)
        list->items = pw_malloc (PW_IMPORT_MAX_ISSUES * sizeof (pw_import_issue_t));
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    pw_strbuf_vappendf (&text, format, args);
    pw_import_issue_t *issue = &list->items [list->stored++];
    issue->line = line;
    issue->field = field ? s_strndup (&self->arena, field, strlen (field)) : NULL;
    issue->message = s_strndup (&self->arena, text.data, text.len);
    pw_strbuf_free (&text);
}

static void s_error (pw_import_t *self, int line, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));
static void s_warning (pw_import_t *self, int line, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_error (pw_import_t *self, int line, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_issue (self, &self->errors, line, field, format, args);
    va_end (args);
}

static void
s_warning (pw_import_t *self, int line, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_issue (self, &self->warnings, line, field, format, args);
    va_end (args);
}

static const char *
s_intern (pw_import_t *self, const char *text)
{
    return s_map_put (&self->strings, &self->arena, text, strlen (text), NULL)->key;
}

//  A value for a message: quoted, escaped, at most about 60 bytes.
typedef struct {
    char text [100];
} s_quote_t;

static s_quote_t
s_q (const char *value)
{
    s_quote_t quote;
    size_t out = 0, len = strlen (value), i = 0;
    quote.text [out++] = '"';
    for (; i < len && out < 66; i++) {
        unsigned char c = (unsigned char)value [i];
        if (c == '"' || c == '\\') {
            quote.text [out++] = '\\';
            quote.text [out++] = (char)c;
        } else if (c < 0x20 || c == 0x7F)
            out += (size_t)snprintf (quote.text + out, 8, "\\x%02X", c);
        else
            quote.text [out++] = (char)c;
    }
    if (i < len) {
        //  Cut at a character boundary, not inside a UTF-8 sequence.
        while (out > 1 && ((unsigned char)quote.text [out - 1] & 0xC0) == 0x80)
            out--;
        if (out > 1 && ((unsigned char)quote.text [out - 1] & 0xC0) == 0xC0)
            out--;
        memcpy (quote.text + out, "...", 3);
        out += 3;
    }
    quote.text [out++] = '"';
    quote.text [out] = '\0';
    return quote;
}

//  --------------------------------------------------------------------------
//  Small parsers

static bool
s_valid_utf8 (const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (*p >= 0xC2 && *p <= 0xDF) {
            n = 2;
            cp = *p & 0x1F;
        } else if (*p >= 0xE0 && *p <= 0xEF) {
            n = 3;
            cp = *p & 0x0F;
        } else if (*p >= 0xF0 && *p <= 0xF4) {
            n = 4;
            cp = *p & 0x07;
        } else
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p [i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p [i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n;
    }
    return true;
}

static bool
s_has_control (const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return true;
    return false;
}

static bool
s_all_digits (const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++)
        if (*text < '0' || *text > '9')
            return false;
    return true;
}

//  Days from 1970-01-01 to Y-M-D (proleptic Gregorian).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
s_fixed_digits (const char **p, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p) [i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    *p += n;
    *out = value;
    return 0;
}

int
pw_import_parse_time (const char *text, int64_t *seconds_p)
{
    if (!text)
        return -1;
    const char *p = text;
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (s_fixed_digits (&p, 4, &year) || *p++ != '-' || s_fixed_digits (&p, 2, &month) ||
        *p++ != '-' || s_fixed_digits (&p, 2, &day))
        return -1;
    static const int mdays [] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > mdays [month - 1] ||
        (month == 2 && day == 29 && !leap))
        return -1;
    int64_t offset = 0;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if (s_fixed_digits (&p, 2, &hour) || *p++ != ':' || s_fixed_digits (&p, 2, &minute))
            return -1;
        if (*p == ':') {
            p++;
            if (s_fixed_digits (&p, 2, &second))
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (*p < '0' || *p > '9')
                    return -1;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (hour > 23 || minute > 59 || second > 60)
            return -1;
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (s_fixed_digits (&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (s_fixed_digits (&p, 2, &om) || oh > 14 || om > 59)
                return -1;
            offset = sign * (oh * 3600 + om * 60);
        } else
            return -1; //  a local time: which zone is unknown
        if (*p)
            return -1;
    }
    *seconds_p = s_days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 +
                 (second > 59 ? 59 : second) - offset;
    return 0;
}

//  Normalises "KB123", "kb123" or "123" to "KB123" into OUT. Returns -1
//  when TEXT is not a KB number.
static int
s_kb (const char *text, char *out, size_t size)
{
    const char *digits = text;
    if ((text [0] == 'K' || text [0] == 'k') && (text [1] == 'B' || text [1] == 'b'))
        digits = text + 2;
    size_t len = strlen (digits);
    if (!s_all_digits (digits) || len > 10 || len + 3 > size)
        return -1;
    snprintf (out, size, "KB%s", digits);
    return 0;
}

//  CVE-YYYY-NNNN..., normalised to upper case into OUT.
static int
s_cve (const char *text, char *out, size_t size)
{
    size_t len = strlen (text);
    if (len < 13 || len + 1 > size || strncasecmp (text, "CVE-", 4) != 0 || text [8] != '-')
        return -1;
    for (size_t i = 4; i < len; i++)
        if (i != 8 && (text [i] < '0' || text [i] > '9'))
            return -1;
    memcpy (out, text, len + 1);
    memcpy (out, "CVE", 3);
    return 0;
}

static bool
s_hostname_ok (const char *text)
{
    size_t len = strlen (text);
    if (len == 0 || len > 255)
        return false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static bool
s_group_ok (const char *text)
{
    //  Dotted names of letters, digits, '-', '_' (as the setup file has them).
    bool at_start = true;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '.') {
            if (at_start)
                return false;
            at_start = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_')
            at_start = false;
        else
            return false;
    }
    return !at_start;
}

static void
s_lower (const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text [i] && i + 1 < size; i++) {
        char c = text [i];
        out [i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out [i] = '\0';
}

int
pw_import_classification_parse (const char *text, int *classification_p)
{
    if (!text)
        return -1;
    char word [40];
    size_t len = 0;
    for (const char *p = text; *p; p++) {
        if (len + 1 >= sizeof word)
            return -1;
        char c = *p;
        if (c == ' ' || c == '-' || c == '_') {
            if (len == 0 || word [len - 1] == '_')
                continue;
            c = '_';
        } else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        word [len++] = c;
    }
    while (len > 0 && word [len - 1] == '_')
        len--;
    if (len > 1 && word [len - 1] == 's')
        len--; //  plural
    word [len] = '\0';
    static const struct {
        const char *alias;
        int index;
    } aliases [] = {{"critical_update", 0},
                    {"security_update", 1},
                    {"definition_update", 2},
                    {"optional_update", 10}};
    for (int i = 0; i < PW_IMPORT_CLASSIFICATION_COUNT; i++)
        if (strcmp (word, s_class_order [i]) == 0) {
            *classification_p = i;
            return 0;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases [0]; i++)
        if (strcmp (word, aliases [i].alias) == 0) {
            *classification_p = aliases [i].index;
            return 0;
        }
    return -1;
}

//  --------------------------------------------------------------------------
//  Rows: a CSV record or a JSON object, read field by field.

#define S_MAX_FIELDS 16

typedef struct {
    const char *name;
    bool required;
} s_spec_t;

typedef struct {
    pw_import_t *import;
    const s_spec_t *spec;
    size_t spec_count;
    int line;
    bool bad;
    pw_csv_t *csv;                 //  CSV rows
    const int *columns;            //  column of each spec field, -1 when absent
    const pw_json_value_t *object; //  JSON rows
    const pw_json_value_t *values [S_MAX_FIELDS];
} s_row_t;

static int
s_field_line (s_row_t *row, int field)
{
    if (row->object && row->values [field])
        return pw_json_line (row->values [field]);
    return row->line;
}

static void s_row_error (s_row_t *row, int field, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_row_error (s_row_t *row, int field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_issue (row->import, &row->import->errors, s_field_line (row, field),
             field >= 0 ? row->spec [field].name : NULL, format, args);
    va_end (args);
    row->bad = true;
}

//  Trims TEXT; the result is TEXT itself when nothing needed trimming,
//  else a copy in the arena.
static const char *
s_trim (pw_import_t *self, const char *text)
{
    const char *start = text;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen (start);
    size_t end = len;
    while (end > 0 && (start [end - 1] == ' ' || start [end - 1] == '\t'))
        end--;
    if (start == text && end == len)
        return text;
    return s_strndup (&self->arena, start, end);
}

//  Checks a text value: valid UTF-8 and no control characters.
static int
s_check_text (s_row_t *row, int field, const char *text)
{
    if (!s_valid_utf8 (text)) {
        s_row_error (row, field, "is not valid UTF-8 (save the file as UTF-8)");
        return -1;
    }
    if (s_has_control (text)) {
        s_row_error (row, field, "%s contains a control character (a line break or tab)",
                     s_q (text).text);
        return -1;
    }
    return 0;
}

//  *TEXT_P: the trimmed text of FIELD, or NULL when absent, blank or null.
//  Returns -1 after reporting a value of the wrong type or bad text.
static int
s_text (s_row_t *row, int field, const char **text_p)
{
    *text_p = NULL;
    const char *raw = NULL;
    if (row->csv) {
        if (row->columns [field] >= 0)
            raw = pw_csv_field (row->csv, (size_t)row->columns [field]);
    } else {
        const pw_json_value_t *value = row->values [field];
        pw_json_type_t type = pw_json_type (value);
        if (type == PW_JSON_NULL)
            return 0;
        if (type != PW_JSON_STRING) {
            s_row_error (row, field, "expected a string, found %s", pw_json_type_name (type));
            return -1;
        }
        raw = pw_json_string (value);
    }
    if (!raw)
        return 0;
    const char *text = s_trim (row->import, raw);
    if (!*text)
        return 0;
    if (s_check_text (row, field, text) != 0)
        return -1;
    *text_p = text;
    return 0;
}

//  Like s_text, and reports a missing value of a required field.
static int
s_required (s_row_t *row, int field, const char **text_p)
{
    if (s_text (row, field, text_p) != 0)
        return -1;
    if (!*text_p) {
        s_row_error (row, field, "is required");
        return -1;
    }
    return 0;
}

static void
s_list_push (pw_import_t *self, const char *item)
{
    if (self->list_len == self->list_cap) {
        self->list_cap = self->list_cap ? self->list_cap * 2 : 16;
        self->list = pw_realloc (self->list, self->list_cap * sizeof (char *));
    }
    self->list [self->list_len++] = item;
}

//  Reads list FIELD into self->list: CSV `;`-separated, JSON an array of
//  strings; items trimmed and interned, blanks dropped.
static int
s_list (s_row_t *row, int field)
{
    pw_import_t *self = row->import;
    self->list_len = 0;
    if (row->csv) {
        const char *text;
        if (s_text (row, field, &text) != 0)
            return -1;
        while (text && *text) {
            const char *end = strchr (text, ';');
            size_t len = end ? (size_t)(end - text) : strlen (text);
            while (len && (*text == ' ' || *text == '\t')) {
                text++;
                len--;
            }
            while (len && (text [len - 1] == ' ' || text [len - 1] == '\t'))
                len--;
            if (len)
                s_list_push (self, s_map_put (&self->strings, &self->arena, text, len, NULL)->key);
            text = end ? end + 1 : NULL;
        }
        return 0;
    }
    const pw_json_value_t *value = row->values [field];
    pw_json_type_t type = pw_json_type (value);
    if (type == PW_JSON_NULL)
        return 0;
    if (type != PW_JSON_ARRAY) {
        s_row_error (row, field, "expected an array of strings, found %s",
                     pw_json_type_name (type));
        return -1;
    }
    for (size_t i = 0; i < pw_json_size (value); i++) {
        const char *item = pw_json_string (pw_json_at (value, i));
        if (!item) {
            s_row_error (row, field, "item %zu: expected a string, found %s", i + 1,
                         pw_json_type_name (pw_json_type (pw_json_at (value, i))));
            return -1;
        }
        item = s_trim (self, item);
        if (s_check_text (row, field, item) != 0)
            return -1;
        if (*item)
            s_list_push (self, s_intern (self, item));
    }
    return 0;
}

static int
s_string_compare (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

//  Copies self->list into the arena; SORTED: sorted without duplicates.
static const char *const *
s_list_store (pw_import_t *self, bool sorted, size_t *count_p)
{
    size_t count = self->list_len;
    if (sorted && count > 1) {
        qsort (self->list, count, sizeof (char *), s_string_compare);
        size_t kept = 1;
        for (size_t i = 1; i < count; i++)
            if (strcmp (self->list [i], self->list [kept - 1]) != 0)
                self->list [kept++] = self->list [i];
        count = kept;
    }
    *count_p = count;
    if (!count)
        return NULL;
    const char **array = s_alloc (&self->arena, count * sizeof (char *));
    memcpy (array, self->list, count * sizeof (char *));
    return array;
}

static int
s_bool (s_row_t *row, int field, bool fallback, bool *value_p)
{
    *value_p = fallback;
    if (row->object) {
        const pw_json_value_t *value = row->values [field];
        pw_json_type_t type = pw_json_type (value);
        if (type == PW_JSON_BOOL)
            *value_p = pw_json_bool (value);
        else if (type != PW_JSON_NULL) {
            s_row_error (row, field, "expected true or false, found %s", pw_json_type_name (type));
            return -1;
        }
        return 0;
    }
    const char *text;
    if (s_text (row, field, &text) != 0)
        return -1;
    if (!text)
        return 0;
    static const char *yes [] = {"true", "yes", "1", NULL}, *no [] = {"false", "no", "0", NULL};
    for (int i = 0; yes [i]; i++)
        if (strcasecmp (text, yes [i]) == 0) {
            *value_p = true;
            return 0;
        }
    for (int i = 0; no [i]; i++)
        if (strcasecmp (text, no [i]) == 0) {
            *value_p = false;
            return 0;
        }
    s_row_error (row, field, "%s is not true or false", s_q (text).text);
    return -1;
}

//  An integer in MIN..MAX; *VALUE_P untouched when absent.
static int
s_int (s_row_t *row, int field, long min, long max, int *value_p)
{
    const char *text = NULL;
    if (row->object) {
        const pw_json_value_t *value = row->values [field];
        pw_json_type_t type = pw_json_type (value);
        if (type == PW_JSON_NULL)
            return 0;
        if (type != PW_JSON_NUMBER) {
            s_row_error (row, field, "expected a number, found %s", pw_json_type_name (type));
            return -1;
        }
        text = pw_json_number_text (value);
    } else if (s_text (row, field, &text) != 0)
        return -1;
    if (!text)
        return 0;
    const char *digits = text [0] == '-' ? text + 1 : text;
    if (!s_all_digits (digits) || strlen (digits) > 9) {
        s_row_error (row, field, "%s is not a whole number", s_q (text).text);
        return -1;
    }
    long value = strtol (text, NULL, 10);
    if (value < min || value > max) {
        s_row_error (row, field, "%ld is out of range (%ld to %ld)", value, min, max);
        return -1;
    }
    *value_p = (int)value;
    return 0;
}

static int
s_time (s_row_t *row, int field, bool required, int64_t *value_p)
{
    *value_p = 0;
    const char *text;
    if ((required ? s_required (row, field, &text) : s_text (row, field, &text)) != 0)
        return -1;
    if (!text)
        return 0;
    if (pw_import_parse_time (text, value_p) != 0) {
        s_row_error (row, field,
                     "%s is not an ISO 8601 UTC time (like 2024-09-10 or "
                     "2024-09-10T02:00:00Z)",
                     s_q (text).text);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Agents

enum {
    A_HOSTNAME = 0,
    A_ORG,
    A_GROUP,
    A_CLASS,
    A_OS,
    A_OS_VERSION,
    A_SUBSCRIBED,
    A_EXPECTED,
    A_CHECKIN,
    A_SCAN,
    A_TAGS,
    A_IGNORED,
    A_COUNT
};

static const s_spec_t s_agent_spec [A_COUNT] = {
    {"hostname", true},      {"org", true},
    {"group", false},        {"class", true},
    {"os", false},           {"os_version", false},
    {"subscribed", false},   {"expected_minutes", false},
    {"last_checkin", false}, {"last_scan", false},
    {"tags", false},         {"ignored_kbs", false}};

//  Custom field columns of a CSV agents file.
typedef struct {
    const char *name; //  without "cf."
    int column;
} s_cf_column_t;

static void
s_cf_push (pw_import_t *self, const char *name, const char *value)
{
    if (self->cf_len == self->cf_cap) {
        self->cf_cap = self->cf_cap ? self->cf_cap * 2 : 8;
        self->cf = pw_realloc (self->cf, self->cf_cap * sizeof (pw_field_t));
    }
    self->cf [self->cf_len++] = (pw_field_t){name, value};
}

static int
s_field_compare (const void *a, const void *b)
{
    return strcmp (((const pw_field_t *)a)->name, ((const pw_field_t *)b)->name);
}

//  Collects one custom field value (NAME is interned). Blank means absent.
static void
s_cf_value (s_row_t *row, const char *name, const char *raw, int line)
{
    pw_import_t *self = row->import;
    const char *text = s_trim (self, raw);
    if (!*text)
        return;
    char field [300];
    snprintf (field, sizeof field, "cf.%s", name);
    if (!s_valid_utf8 (text) || s_has_control (text)) {
        s_error (self, line, field, "%s is not valid UTF-8 text without control characters",
                 s_q (text).text);
        row->bad = true;
        return;
    }
    for (size_t i = 0; i < self->cf_len; i++)
        if (strcmp (self->cf [i].name, name) == 0) {
            s_error (self, line, field, "custom field given twice");
            row->bad = true;
            return;
        }
    s_cf_push (self, name, s_intern (self, text));
}

static void
s_agent_row (s_row_t *row, const s_cf_column_t *cf_columns, size_t cf_column_count)
{
    pw_import_t *self = row->import;
    pw_import_agent_t agent = {.line = row->line, .group = "", .subscribed = true};
    const char *hostname, *org, *group, *klass;

    if (s_required (row, A_HOSTNAME, &hostname) == 0) {
        if (!s_hostname_ok (hostname))
            s_row_error (row, A_HOSTNAME,
                         "%s is not a hostname (letters, digits, \"-\", \"_\", \".\")",
                         s_q (hostname).text);
        else {
            char key [256];
            s_lower (hostname, key, sizeof key);
            bool created;
            s_entry_t *entry = s_map_put (&self->hosts, &self->arena, key, strlen (key), &created);
            if (!created)
                s_row_error (row, A_HOSTNAME, "%s appears again (first on line %d)",
                             s_q (hostname).text, entry->line);
            else {
                entry->line = row->line;
                entry->index = self->agent_count;
            }
            agent.hostname = s_intern (self, hostname);
        }
    }
    if (s_required (row, A_ORG, &org) == 0)
        agent.org = s_intern (self, org);
    if (s_text (row, A_GROUP, &group) == 0 && group) {
        if (!s_group_ok (group))
            s_row_error (row, A_GROUP,
                         "%s is not a group path (dotted names of letters, digits, \"-\", \"_\")",
                         s_q (group).text);
        else
            agent.group = s_intern (self, group);
    }
    if (s_required (row, A_CLASS, &klass) == 0 && pw_class_parse (klass, &agent.klass) != 0)
        s_row_error (row, A_CLASS, "%s is not one of server, workstation", s_q (klass).text);
    const char *os, *os_version;
    if (s_text (row, A_OS, &os) == 0 && os)
        agent.os = s_intern (self, os);
    if (s_text (row, A_OS_VERSION, &os_version) == 0 && os_version)
        agent.os_version = s_intern (self, os_version);
    s_bool (row, A_SUBSCRIBED, true, &agent.subscribed);
    s_int (row, A_EXPECTED, 1, 1440, &agent.expected_minutes);
    s_time (row, A_CHECKIN, false, &agent.last_checkin);
    s_time (row, A_SCAN, false, &agent.last_scan);
    if (s_list (row, A_TAGS) == 0) {
        for (size_t i = 0; i < self->list_len; i++)
            if (!s_valid_utf8 (self->list [i])) {
                s_row_error (row, A_TAGS, "is not valid UTF-8");
                break;
            }
        agent.tags = s_list_store (self, true, &agent.tag_count);
    }
    if (s_list (row, A_IGNORED) == 0) {
        for (size_t i = 0; i < self->list_len; i++)
            if (!s_valid_utf8 (self->list [i]) || strpbrk (self->list [i], " \t")) {
                s_row_error (row, A_IGNORED, "%s is not a KB or patch id",
                             s_q (self->list [i]).text);
                break;
            }
        agent.ignored_kbs = s_list_store (self, true, &agent.ignored_kb_count);
    }

    //  Custom fields: `cf.NAME` columns or keys, and a JSON `custom_fields` object.
    self->cf_len = 0;
    if (row->csv)
        for (size_t i = 0; i < cf_column_count; i++)
            s_cf_value (row, cf_columns [i].name,
                        pw_csv_field (row->csv, (size_t)cf_columns [i].column), row->line);
    else
        for (size_t i = 0; i < pw_json_size (row->object); i++) {
            const char *key = pw_json_key (row->object, i);
            const pw_json_value_t *value = pw_json_at (row->object, i);
            if (strncasecmp (key, "cf.", 3) == 0 && key [3]) {
                if (pw_json_type (value) == PW_JSON_NULL)
                    continue;
                if (!pw_json_string (value)) {
                    s_error (self, pw_json_line (value), key, "expected a string, found %s",
                             pw_json_type_name (pw_json_type (value)));
                    row->bad = true;
                    continue;
                }
                s_cf_value (row, s_intern (self, key + 3), pw_json_string (value),
                            pw_json_line (value));
            } else if (strcasecmp (key, "custom_fields") == 0) {
                if (pw_json_type (value) == PW_JSON_NULL)
                    continue;
                if (pw_json_type (value) != PW_JSON_OBJECT) {
                    s_error (self, pw_json_line (value), "custom_fields",
                             "expected an object of strings, found %s",
                             pw_json_type_name (pw_json_type (value)));
                    row->bad = true;
                    continue;
                }
                for (size_t j = 0; j < pw_json_size (value); j++) {
                    const char *name = s_trim (self, pw_json_key (value, j));
                    const pw_json_value_t *field = pw_json_at (value, j);
                    if (pw_json_type (field) == PW_JSON_NULL)
                        continue;
                    if (!*name || !pw_json_string (field)) {
                        s_error (self, pw_json_line (field), "custom_fields",
                                 !*name ? "a custom field has no name"
                                        : "%s: expected a string value",
                                 s_q (name).text);
                        row->bad = true;
                        continue;
                    }
                    s_cf_value (row, s_intern (self, name), pw_json_string (field),
                                pw_json_line (field));
                }
            }
        }
    if (self->cf_len) {
        qsort (self->cf, self->cf_len, sizeof (pw_field_t), s_field_compare);
        pw_field_t *cf = s_alloc (&self->arena, self->cf_len * sizeof (pw_field_t));
        memcpy (cf, self->cf, self->cf_len * sizeof (pw_field_t));
        agent.cf = cf;
        agent.cf_count = self->cf_len;
    }
    if (row->bad)
        return;
    if (self->agent_count == self->agent_cap) {
        self->agent_cap = self->agent_cap ? self->agent_cap * 2 : 64;
        self->agents = pw_realloc (self->agents, self->agent_cap * sizeof (pw_import_agent_t));
    }
    self->agents [self->agent_count++] = agent;
}

//  --------------------------------------------------------------------------
//  Patches

enum {
    W_KB = 0,
    W_TITLE,
    W_CLASS,
    W_PRODUCT,
    W_SEVERITY,
    W_RELEASED,
    W_SUPERSEDES,
    W_CVES,
    W_COUNT
};
static const s_spec_t s_windows_spec [W_COUNT] = {
    {"kb", true},        {"title", true},        {"classification", true}, {"product", true},
    {"severity", false}, {"release_date", true}, {"supersedes", false},    {"cves", false}};

enum {
    D_PACKAGE = 0,
    D_VERSION,
    D_ADVISORY,
    D_DATE,
    D_RELEASE,
    D_URGENCY,
    D_DESCRIPTION,
    D_CVES,
    D_COUNT
};
static const s_spec_t s_debian_spec [D_COUNT] = {
    {"package", true}, {"version", true},  {"advisory", true},     {"date", true},
    {"release", true}, {"urgency", false}, {"description", false}, {"cves", false}};

enum {
    G_IDENT = 0,
    G_KB,
    G_TITLE,
    G_CLASS,
    G_PRODUCTS,
    G_SEVERITY,
    G_RELEASED,
    G_SUPERSEDES,
    G_REBOOT,
    G_CVES,
    G_COUNT
};
static const s_spec_t s_generic_spec [G_COUNT] = {
    {"ident", false},           {"kb", true},        {"title", false},   {"classification", true},
    {"products", true},         {"severity", false}, {"released", true}, {"supersedes", false},
    {"reboot_required", false}, {"cves", false}};

char *
pw_import_windows_ident (const char *kb, const char *title)
{
    if (!kb || !title)
        return NULL;
    return pw_sprintf ("%s:%08x", kb, s_fnv1a (title, strlen (title)));
}

static void
s_severity (s_row_t *row, int field, pw_import_patch_t *patch)
{
    const char *text;
    if (s_text (row, field, &text) != 0 || !text)
        return;
    static const char *names [] = {"Critical", "Important", "Moderate", "Low", NULL};
    for (int i = 0; names [i]; i++)
        if (strcasecmp (text, names [i]) == 0) {
            patch->severity = names [i];
            return;
        }
    if (strcasecmp (text, "Unspecified") == 0)
        return;
    s_row_error (row, field, "%s is not one of Critical, Important, Moderate, Low",
                 s_q (text).text);
}

static void
s_cves (s_row_t *row, int field, pw_import_patch_t *patch)
{
    pw_import_t *self = row->import;
    if (s_list (row, field) != 0)
        return;
    for (size_t i = 0; i < self->list_len; i++) {
        char cve [64];
        if (s_cve (self->list [i], cve, sizeof cve) != 0) {
            s_row_error (row, field, "%s is not a CVE id (like CVE-2024-38063)",
                         s_q (self->list [i]).text);
            return;
        }
        self->list [i] = s_intern (self, cve);
    }
    patch->cves = s_list_store (self, false, &patch->cve_count);
}

static void
s_supersedes (s_row_t *row, int field, bool kb_only, pw_import_patch_t *patch)
{
    pw_import_t *self = row->import;
    if (s_list (row, field) != 0)
        return;
    for (size_t i = 0; i < self->list_len && kb_only; i++) {
        char kb [32];
        if (s_kb (self->list [i], kb, sizeof kb) != 0) {
            s_row_error (row, field, "%s is not a KB number", s_q (self->list [i]).text);
            return;
        }
        self->list [i] = s_intern (self, kb);
    }
    patch->supersedes = s_list_store (self, false, &patch->supersedes_count);
}

static void
s_products (s_row_t *row, int field, bool blank_ok, pw_import_patch_t *patch)
{
    pw_import_t *self = row->import;
    if (s_list (row, field) != 0)
        return;
    if (self->list_len == 0) {
        if (!blank_ok) {
            s_row_error (row, field, "is required");
            return;
        }
        //  WSUS exports leave the product blank for some .NET rollups. A
        //  row needs a product; "Unknown" is matched by product rules like
        //  any other name, and the warning says so.
        s_warning (self, row->line, row->spec [field].name, "blank; taken as \"Unknown\"");
        s_list_push (self, s_intern (self, "Unknown"));
    }
    patch->products = s_list_store (self, false, &patch->product_count);
}

static void
s_patch_store (pw_import_t *self, s_row_t *row, pw_import_patch_t *patch)
{
    if (row->bad)
        return;
    if (self->patch_count == self->patch_cap) {
        self->patch_cap = self->patch_cap ? self->patch_cap * 2 : 256;
        self->patches = pw_realloc (self->patches, self->patch_cap * sizeof (pw_import_patch_t));
    }
    self->patches [self->patch_count++] = *patch;
}

//  Registers IDENT; reports a duplicate. Returns the entry of the first
//  row when IDENT was seen before, else NULL.
static s_entry_t *
s_ident_seen (pw_import_t *self, s_row_t *row, const char *ident)
{
    bool created;
    s_entry_t *entry = s_map_put (&self->idents, &self->arena, ident, strlen (ident), &created);
    if (created) {
        entry->line = row->line;
        entry->index = row->bad ? (size_t)-1 : self->patch_count;
        return NULL;
    }
    return entry;
}

static void
s_windows_row (s_row_t *row)
{
    pw_import_t *self = row->import;
    pw_import_patch_t patch = {.line = row->line};
    const char *kb_text, *title, *classification;
    char kb [32] = "";
    if (s_required (row, W_KB, &kb_text) == 0) {
        if (s_kb (kb_text, kb, sizeof kb) != 0) {
            s_row_error (row, W_KB, "%s is not a KB number (KB followed by digits)",
                         s_q (kb_text).text);
            kb [0] = '\0';
        } else
            patch.kb = s_intern (self, kb);
    }
    if (s_required (row, W_TITLE, &title) == 0)
        patch.title = s_strndup (&self->arena, title, strlen (title));
    if (s_text (row, W_CLASS, &classification) == 0) {
        if (!classification) {
            //  Eight rows of the public WSUS catalogue have none; such
            //  rows are plain updates until a reviewer says otherwise.
            patch.classification = S_UPDATE;
            s_warning (self, row->line, "classification", "blank; taken as \"update\"");
        } else if (pw_import_classification_parse (classification, &patch.classification) != 0)
            s_row_error (row, W_CLASS,
                         "%s is not a classification (Security Updates, Critical Updates, "
                         "Definition Updates, Update Rollups, Service Packs, Feature Packs, "
                         "Updates, Tools, Drivers, Upgrades)",
                         s_q (classification).text);
    }
    s_products (row, W_PRODUCT, true, &patch);
    s_severity (row, W_SEVERITY, &patch);
    s_time (row, W_RELEASED, true, &patch.released);
    s_supersedes (row, W_SUPERSEDES, true, &patch);
    s_cves (row, W_CVES, &patch);
    //  Definition updates are the one kind that never needs a restart;
    //  for the rest the catalogue does not say, and planning must assume
    //  the machine goes down.
    patch.reboot_required = patch.classification != S_DEFINITION;
    if (kb [0] && patch.title) {
        char *ident = pw_import_windows_ident (kb, patch.title);
        s_entry_t *first = s_ident_seen (self, row, ident);
        if (first)
            s_row_error (row, W_TITLE, "the same kb and title appear again (first on line %d)",
                         first->line);
        else
            patch.ident = s_intern (self, ident);
        free (ident);
    }
    s_patch_store (self, row, &patch);
}

static bool
s_debian_name_ok (const char *text, bool version)
{
    for (const char *p = text; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
                  c == '-' || (version && ((c >= 'A' && c <= 'Z') || c == '~' || c == ':'));
        if (!ok)
            return false;
    }
    return *text != '\0';
}

static bool
s_advisory_ok (const char *text)
{
    if (strncmp (text, "DSA-", 4) != 0 && strncmp (text, "DLA-", 4) != 0)
        return false;
    const char *p = text + 4;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '-') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static void
s_debian_row (s_row_t *row)
{
    pw_import_t *self = row->import;
    pw_import_patch_t patch = {.line = row->line, .classification = S_SECURITY};
    const char *package = NULL, *version = NULL, *advisory, *release = NULL, *urgency, *description;
    if (s_required (row, D_PACKAGE, &package) == 0 && !s_debian_name_ok (package, false)) {
        s_row_error (row, D_PACKAGE, "%s is not a Debian package name", s_q (package).text);
        package = NULL;
    }
    if (s_required (row, D_VERSION, &version) == 0 && !s_debian_name_ok (version, true)) {
        s_row_error (row, D_VERSION, "%s is not a Debian version", s_q (version).text);
        version = NULL;
    }
    if (s_required (row, D_ADVISORY, &advisory) == 0) {
        if (!s_advisory_ok (advisory))
            s_row_error (row, D_ADVISORY, "%s is not a DSA-N or DLA-N advisory id",
                         s_q (advisory).text);
        else
            patch.kb = s_intern (self, advisory);
    }
    s_time (row, D_DATE, true, &patch.released);
    if (s_required (row, D_RELEASE, &release) == 0) {
        bool ok = true;
        for (const char *p = release; *p; p++)
            ok = ok && *p >= 'a' && *p <= 'z';
        if (!ok) {
            s_row_error (row, D_RELEASE, "%s is not a Debian release name (like bookworm)",
                         s_q (release).text);
            release = NULL;
        }
    }
    if (s_text (row, D_URGENCY, &urgency) == 0 && urgency)
        patch.severity = s_intern (self, urgency);
    s_text (row, D_DESCRIPTION, &description);
    s_cves (row, D_CVES, &patch);
    if (!package || !version || !release)
        row->bad = true;
    if (row->bad)
        return;

    char *product = pw_sprintf ("Debian %s", release);
    self->list_len = 0;
    s_list_push (self, s_intern (self, product));
    free (product);
    patch.products = s_list_store (self, false, &patch.product_count);
    char *title = description ? pw_sprintf ("%s %s: %s", package, version, description)
                              : pw_sprintf ("%s %s", package, version);
    patch.title = s_strndup (&self->arena, title, strlen (title));
    free (title);
    //  A new kernel or firmware only runs after a restart; other packages
    //  restart their own services.
    size_t plen = strlen (package);
    patch.reboot_required = strncmp (package, "linux", 5) == 0 ||
                            strncmp (package, "firmware-", 9) == 0 ||
                            (plen >= 9 && strcmp (package + plen - 9, "microcode") == 0);
    char *ident = pw_sprintf ("%s=%s~%s", package, version, release);
    s_entry_t *first = s_ident_seen (self, row, ident);
    if (!first) {
        patch.ident = s_intern (self, ident);
        s_patch_store (self, row, &patch);
    } else if (first->index != (size_t)-1) {
        //  The tracker sometimes lists one fixed version under two
        //  advisories (an update and its regression notice). The install
        //  is the same, so the rows become one: the first row's advisory
        //  stays, and the CVEs of both are kept.
        pw_import_patch_t *kept = &self->patches [first->index];
        s_warning (self, row->line, "advisory",
                   "%s fixes the same version as %s (line %d); merged into that row", patch.kb,
                   kept->kb, first->line);
        self->list_len = 0;
        for (size_t i = 0; i < kept->cve_count; i++)
            s_list_push (self, kept->cves [i]);
        for (size_t i = 0; i < patch.cve_count; i++) {
            bool present = false;
            for (size_t j = 0; j < kept->cve_count && !present; j++)
                present = strcmp (kept->cves [j], patch.cves [i]) == 0;
            if (!present)
                s_list_push (self, patch.cves [i]);
        }
        kept->cves = s_list_store (self, false, &kept->cve_count);
    }
    free (ident);
}

static void
s_generic_row (s_row_t *row)
{
    pw_import_t *self = row->import;
    pw_import_patch_t patch = {.line = row->line};
    const char *ident = NULL, *kb, *title, *classification;
    s_text (row, G_IDENT, &ident);
    if (ident && strpbrk (ident, " \t")) {
        s_row_error (row, G_IDENT, "%s contains spaces", s_q (ident).text);
        ident = NULL;
    }
    if (s_required (row, G_KB, &kb) == 0) {
        char normal [32];
        if (strpbrk (kb, " \t"))
            s_row_error (row, G_KB, "%s contains spaces", s_q (kb).text);
        else
            patch.kb = s_intern (self, s_kb (kb, normal, sizeof normal) == 0 ? normal : kb);
    }
    if (s_text (row, G_TITLE, &title) == 0 && title)
        patch.title = s_strndup (&self->arena, title, strlen (title));
    if (s_required (row, G_CLASS, &classification) == 0 &&
        pw_import_classification_parse (classification, &patch.classification) != 0)
        s_row_error (row, G_CLASS,
                     "%s is not one of critical, security, definition, update_rollup, "
                     "service_pack, feature_pack, update, tool, driver, upgrade, optional",
                     s_q (classification).text);
    s_products (row, G_PRODUCTS, false, &patch);
    s_severity (row, G_SEVERITY, &patch);
    s_time (row, G_RELEASED, true, &patch.released);
    s_supersedes (row, G_SUPERSEDES, false, &patch);
    s_bool (row, G_REBOOT, true, &patch.reboot_required);
    s_cves (row, G_CVES, &patch);

    char *derived = NULL;
    if (!ident && patch.kb && patch.title)
        ident = derived = pw_import_windows_ident (patch.kb, patch.title);
    if (!ident && !row->bad)
        s_row_error (row, G_IDENT, "is required when there is no title");
    if (ident) {
        s_entry_t *first = s_ident_seen (self, row, ident);
        if (first)
            s_row_error (row, G_IDENT, "%s appears again (first on line %d)", s_q (ident).text,
                         first->line);
        else
            patch.ident = s_intern (self, ident);
    }
    free (derived);
    s_patch_store (self, row, &patch);
}

//  --------------------------------------------------------------------------
//  Scans

enum { S_HOST = 0, S_PATCH, S_STATE, S_SCANNED, S_FIELD_COUNT };
static const s_spec_t s_scan_spec [S_FIELD_COUNT] = {
    {"hostname", true}, {"patch", true}, {"state", true}, {"scanned_at", true}};

static const char *s_state_names [] = {"missing", "installed", "pending_reboot", "failed",
                                       "not_applicable"};

//  The catalogue's answer for TEXT, cached on TEXT's interned entry.
static s_entry_t *
s_resolve_patch (pw_import_t *self, const char *text)
{
    size_t len = strlen (text);
    s_entry_t *entry = s_map_put (&self->strings, &self->arena, text, len, NULL);
    if (entry->state != S_UNRESOLVED)
        return entry;
    const pw_import_t *catalogue = self->options->catalogue;
    const pw_import_patch_t *patch = pw_import_patch_find (catalogue, text);
    int state = S_RESOLVED;
    size_t count = 1;
    const char *alternatives = NULL;
    if (!patch) {
        char kb [32];
        const char *key = s_kb (text, kb, sizeof kb) == 0 ? kb : text;
        count = pw_import_kb_rows (catalogue, key, &patch);
        if (count == 0)
            state = S_UNKNOWN;
        else if (count > 1) {
            state = S_AMBIGUOUS;
            pw_strbuf_t list;
            pw_strbuf_init (&list);
            size_t shown = 0;
            for (size_t i = 0; i < catalogue->patch_count && shown < 3; i++)
                if (strcmp (catalogue->patches [i].kb, key) == 0)
                    pw_strbuf_appendf (&list, "%s%s", shown++ ? ", " : "",
                                       catalogue->patches [i].ident);
            if (count > shown)
                pw_strbuf_append (&list, ", ...");
            alternatives = s_strndup (&self->arena, list.data, list.len);
            pw_strbuf_free (&list);
        }
    }
    const char *ident = state == S_RESOLVED ? s_intern (self, patch->ident) : alternatives;
    //  Interning may have moved the entry.
    entry = s_map_find (&self->strings, text, len);
    entry->state = state;
    entry->aux = ident;
    entry->count = count;
    return entry;
}

//  Finds or adds the pair (HOST_KEY, PATCH); returns the line it was first
//  seen on, or 0 when it is new.
static int
s_pair_seen (pw_import_t *self, const char *host_key, const char *patch, int line)
{
    if ((self->pair_count + 1) * 2 > self->pair_slot_cap) {
        size_t cap = self->pair_slot_cap ? self->pair_slot_cap * 2 : 1024;
        uint64_t *slots = pw_calloc (cap, sizeof (uint64_t));
        for (size_t i = 0; i < self->pair_slot_cap; i++) {
            uint64_t slot = self->pair_slots [i];
            if (!slot)
                continue;
            size_t j = s_slot_of ((uint32_t)(slot >> 32), cap);
            while (slots [j])
                j = (j + 1) & (cap - 1);
            slots [j] = slot;
        }
        free (self->pair_slots);
        self->pair_slots = slots;
        self->pair_slot_cap = cap;
    }
    //  Both strings are interned: their addresses identify them.
    uintptr_t a = (uintptr_t)host_key, b = (uintptr_t)patch;
    uint64_t mix = (uint64_t)a * 0x9E3779B97F4A7C15ull ^ ((uint64_t)b + (b << 17) + (b >> 9));
    mix ^= mix >> 29;
    mix *= 0xBF58476D1CE4E5B9ull;
    uint32_t hash = (uint32_t)(mix >> 32);
    size_t i = s_slot_of (hash, self->pair_slot_cap);
    for (;; i = (i + 1) & (self->pair_slot_cap - 1)) {
        uint64_t slot = self->pair_slots [i];
        if (!slot)
            break;
        size_t index = (size_t)(slot & 0xFFFFFFFFu) - 1;
        if ((uint32_t)(slot >> 32) == hash && self->pair_host [index] == host_key &&
            self->pair_patch [index] == patch)
            return self->pair_line [index];
    }
    if (self->pair_count == self->pair_cap) {
        self->pair_cap = self->pair_cap ? self->pair_cap * 2 : 1024;
        self->pair_host = pw_realloc (self->pair_host, self->pair_cap * sizeof (char *));
        self->pair_patch = pw_realloc (self->pair_patch, self->pair_cap * sizeof (char *));
        self->pair_line = pw_realloc (self->pair_line, self->pair_cap * sizeof (int));
    }
    self->pair_host [self->pair_count] = host_key;
    self->pair_patch [self->pair_count] = patch;
    self->pair_line [self->pair_count] = line;
    self->pair_count++;
    self->pair_slots [i] = (uint64_t)hash << 32 | (uint64_t)self->pair_count;
    return 0;
}

static void
s_scan_row (s_row_t *row)
{
    pw_import_t *self = row->import;
    pw_import_scan_t scan = {.line = row->line};
    const char *hostname, *patch, *state;
    const char *host_key = NULL;
    if (s_required (row, S_HOST, &hostname) == 0) {
        if (!s_hostname_ok (hostname))
            s_row_error (row, S_HOST, "%s is not a hostname (letters, digits, \"-\", \"_\", \".\")",
                         s_q (hostname).text);
        else {
            char key [256];
            s_lower (hostname, key, sizeof key);
            s_entry_t *entry = s_map_put (&self->hosts, &self->arena, key, strlen (key), NULL);
            host_key = entry->key;
            if (entry->state == S_UNRESOLVED) {
                const pw_import_agent_t *agent =
                    self->options->agents ? pw_import_agent_find (self->options->agents, key)
                                          : NULL;
                entry->state = !self->options->agents || agent ? S_RESOLVED : S_UNKNOWN;
                //  Interning into `strings` does not move `hosts` entries.
                entry->aux = s_intern (self, agent ? agent->hostname : hostname);
            }
            if (entry->state == S_UNKNOWN)
                s_row_error (row, S_HOST, "%s is not in the agents", s_q (hostname).text);
            scan.hostname = entry->aux;
        }
    }
    if (s_required (row, S_PATCH, &patch) == 0) {
        if (self->options->catalogue) {
            s_entry_t *entry = s_resolve_patch (self, patch);
            if (entry->state == S_UNKNOWN)
                s_row_error (row, S_PATCH, "%s is not in the catalogue", s_q (patch).text);
            else if (entry->state == S_AMBIGUOUS)
                s_row_error (row, S_PATCH,
                             "%s is ambiguous: %zu catalogue rows have that KB (%s); name the row "
                             "by its ident",
                             s_q (patch).text, entry->count, entry->aux);
            else
                scan.patch = entry->aux;
        } else
            scan.patch = s_intern (self, patch);
    }
    if (s_required (row, S_STATE, &state) == 0 && pw_import_state_parse (state, &scan.state) != 0)
        s_row_error (row, S_STATE,
                     "%s is not one of missing, installed, pending_reboot, failed, "
                     "not_applicable",
                     s_q (state).text);
    s_time (row, S_SCANNED, true, &scan.scanned_at);
    if (host_key && scan.patch) {
        int first = s_pair_seen (self, host_key, scan.patch, row->line);
        if (first)
            s_row_error (row, S_PATCH, "%s on %s appears again (first on line %d)",
                         s_q (scan.patch).text, hostname, first);
    }
    if (row->bad)
        return;
    if (self->scan_count == self->scan_cap) {
        self->scan_cap = self->scan_cap ? self->scan_cap * 2 : 1024;
        self->scans = pw_realloc (self->scans, self->scan_cap * sizeof (pw_import_scan_t));
    }
    self->scans [self->scan_count++] = scan;
}

//  --------------------------------------------------------------------------
//  Driver

typedef struct {
    const s_spec_t *spec;
    size_t count;
    void (*row_fn) (s_row_t *row);
} s_form_t;

static s_form_t
s_form (pw_import_t *self)
{
    switch (self->catalogue) {
        case PW_IMPORT_CATALOGUE_WINDOWS: return (s_form_t){s_windows_spec, W_COUNT, s_windows_row};
        case PW_IMPORT_CATALOGUE_DEBIAN: return (s_form_t){s_debian_spec, D_COUNT, s_debian_row};
        case PW_IMPORT_CATALOGUE_GENERIC: return (s_form_t){s_generic_spec, G_COUNT, s_generic_row};
        case PW_IMPORT_CATALOGUE_NONE: break;
    }
    if (self->kind == PW_IMPORT_SCANS)
        return (s_form_t){s_scan_spec, S_FIELD_COUNT, s_scan_row};
    return (s_form_t){s_agent_spec, A_COUNT, NULL};
}

//  Which catalogue form a set of column names is: HAS answers whether a
//  name is present.
static pw_import_catalogue_t
s_detect (bool (*has) (void *context, const char *name), void *context)
{
    if (has (context, "package") && has (context, "advisory"))
        return PW_IMPORT_CATALOGUE_DEBIAN;
    if (has (context, "ident") || has (context, "products") || has (context, "released"))
        return PW_IMPORT_CATALOGUE_GENERIC;
    if (has (context, "product") || has (context, "release_date"))
        return PW_IMPORT_CATALOGUE_WINDOWS;
    return PW_IMPORT_CATALOGUE_GENERIC;
}

static bool
s_csv_has (void *context, const char *name)
{
    return pw_csv_column ((pw_csv_t *)context, name) >= 0;
}

static bool
s_json_has (void *context, const char *name)
{
    const pw_json_value_t *object = context;
    for (size_t i = 0; i < pw_json_size (object); i++)
        if (strcasecmp (pw_json_key (object, i), name) == 0)
            return true;
    return false;
}

static void
s_read_csv (pw_import_t *self, const char *text, size_t len)
{
    pw_csv_t *csv = pw_csv_new (text, len);
    pw_csv_set_max_record (csv, PW_IMPORT_MAX_ROW);
    int columns [S_MAX_FIELDS];
    s_cf_column_t *cf_columns = NULL;
    size_t cf_count = 0;
    if (pw_csv_read_header (csv) != 0) {
        s_error (self, pw_csv_line (csv), NULL, "header: %s", pw_csv_error (csv));
        goto done;
    }
    if (self->kind == PW_IMPORT_PATCHES)
        self->catalogue = s_detect (s_csv_has, csv);
    s_form_t form = s_form (self);
    int header_line = pw_csv_line (csv);
    pw_csv_set_line (csv, self->options->first_line);
    bool missing = false;
    for (size_t f = 0; f < form.count; f++) {
        columns [f] = pw_csv_column (csv, form.spec [f].name);
        if (columns [f] < 0 && form.spec [f].required) {
            s_error (self, header_line, form.spec [f].name, "required column is missing");
            missing = true;
        }
    }
    cf_columns = pw_calloc (pw_csv_column_count (csv) + 1, sizeof (s_cf_column_t));
    for (size_t c = 0; c < pw_csv_column_count (csv); c++) {
        const char *name = pw_csv_column_name (csv, c);
        bool known = false;
        for (size_t f = 0; f < form.count && !known; f++)
            known = columns [f] == (int)c;
        if (known)
            continue;
        if (self->kind == PW_IMPORT_AGENTS && strncasecmp (name, "cf.", 3) == 0) {
            const char *cf_name = s_trim (self, name + 3);
            if (!*cf_name) {
                s_error (self, header_line, name, "custom field column has no name after \"cf.\"");
                missing = true;
            } else
                cf_columns [cf_count++] = (s_cf_column_t){s_intern (self, cf_name), (int)c};
        } else
            s_warning (self, header_line, name, "column is not used");
    }
    if (missing)
        goto done;

    s_row_t row = {.import = self,
                   .spec = form.spec,
                   .spec_count = form.count,
                   .csv = csv,
                   .columns = columns};
    for (;;) {
        int rc = pw_csv_next (csv);
        if (rc == 0)
            break;
        self->rows++;
        if (rc < 0) {
            s_error (self, pw_csv_line (csv), NULL, "%s", pw_csv_error (csv));
            continue;
        }
        row.line = pw_csv_line (csv);
        row.bad = false;
        if (self->kind == PW_IMPORT_AGENTS)
            s_agent_row (&row, cf_columns, cf_count);
        else
            form.row_fn (&row);
    }
done:
    free (cf_columns);
    pw_csv_destroy (&csv);
}

static void
s_read_json (pw_import_t *self, const char *text, size_t len)
{
    pw_json_t *json = pw_json_new (text, len);
    if (pw_json_array_begin (json) != 0) {
        s_error (self, pw_json_error_line (json), NULL, "%s", pw_json_error (json));
        pw_json_destroy (&json);
        return;
    }
    s_row_t row = {.import = self};
    bool first = true;
    for (;;) {
        const pw_json_value_t *item;
        int rc = pw_json_array_next (json, &item);
        if (rc == 0)
            break;
        if (rc < 0) {
            s_error (self, pw_json_error_line (json), NULL, "%s", pw_json_error (json));
            break;
        }
        self->rows++;
        if (pw_json_type (item) != PW_JSON_OBJECT) {
            s_error (self, pw_json_line (item), NULL, "row %zu is %s %s, expected an object",
                     self->rows, pw_json_type (item) == PW_JSON_ARRAY ? "an" : "a",
                     pw_json_type_name (pw_json_type (item)));
            continue;
        }
        if (pw_json_item_bytes (json) > PW_IMPORT_MAX_ROW) {
            s_error (self, pw_json_line (item), NULL, "row longer than %zu bytes",
                     (size_t)PW_IMPORT_MAX_ROW);
            continue;
        }
        if (first) {
            if (self->kind == PW_IMPORT_PATCHES)
                self->catalogue = s_detect (s_json_has, (void *)item);
            s_form_t form = s_form (self);
            row.spec = form.spec;
            row.spec_count = form.count;
            first = false;
        }
        row.object = item;
        row.line = pw_json_line (item);
        row.bad = false;
        memset (row.values, 0, sizeof row.values);
        for (size_t i = 0; i < pw_json_size (item); i++) {
            const char *key = pw_json_key (item, i);
            size_t f = 0;
            while (f < row.spec_count && strcasecmp (key, row.spec [f].name) != 0)
                f++;
            if (f < row.spec_count) {
                if (row.values [f]) {
                    s_error (self, pw_json_line (pw_json_at (item, i)), row.spec [f].name,
                             "given twice (keys differ only in case)");
                    row.bad = true;
                }
                row.values [f] = pw_json_at (item, i);
                continue;
            }
            if (self->kind == PW_IMPORT_AGENTS &&
                (strncasecmp (key, "cf.", 3) == 0 || strcasecmp (key, "custom_fields") == 0))
                continue;
            bool created;
            s_map_put (&self->warned, &self->arena, key, strlen (key), &created);
            if (created)
                s_warning (self, pw_json_line (pw_json_at (item, i)), key, "key is not used");
        }
        if (self->kind == PW_IMPORT_AGENTS)
            s_agent_row (&row, NULL, 0);
        else
            s_form (self).row_fn (&row);
    }
    pw_json_destroy (&json);
}

static pw_import_t *
s_new (pw_import_kind_t kind, const char *name)
{
    pw_import_t *self = pw_calloc (1, sizeof (pw_import_t));
    self->kind = kind;
    self->name = pw_strdup (name && *name ? name : "input");
    return self;
}

static void
s_finish (pw_import_t *self)
{
    //  All or nothing: a file with any bad row offers no records.
    if (self->errors.count) {
        self->agent_count = self->patch_count = self->scan_count = 0;
        return;
    }
    if (self->kind != PW_IMPORT_PATCHES)
        return;
    for (size_t i = 0; i < self->patch_count; i++) {
        const pw_import_patch_t *patch = &self->patches [i];
        bool created;
        s_entry_t *entry =
            s_map_put (&self->kbs, &self->arena, patch->kb, strlen (patch->kb), &created);
        if (created)
            entry->index = i;
        entry->count++;
    }
}

pw_import_t *
pw_import_parse (pw_import_kind_t kind, const char *name, const char *text, size_t len,
                 const pw_import_options_t *options)
{
    pw_import_t *self = s_new (kind, name);
    static const pw_import_options_t defaults = {0};
    self->options = options ? options : &defaults;
    if (kind != PW_IMPORT_AGENTS && kind != PW_IMPORT_PATCHES && kind != PW_IMPORT_SCANS) {
        self->kind = PW_IMPORT_AGENTS;
        s_error (self, 0, NULL, "unknown kind of import file");
    } else if (len > PW_IMPORT_MAX_FILE)
        s_error (self, 0, NULL, "file is %zu bytes, more than the limit of %zu", len,
                 (size_t)PW_IMPORT_MAX_FILE);
    else {
        if (!text)
            len = 0;
        pw_import_format_t format = self->options->format;
        if (format == PW_IMPORT_AUTO) {
            size_t p = len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
            while (p < len && strchr (" \t\r\n", text [p]))
                p++;
            format =
                p < len && (text [p] == '[' || text [p] == '{') ? PW_IMPORT_JSON : PW_IMPORT_CSV;
        }
        self->format = format;
        if (format == PW_IMPORT_JSON)
            s_read_json (self, text, len);
        else
            s_read_csv (self, text, len);
    }
    s_finish (self);
    self->options = NULL;
    return self;
}

pw_import_t *
pw_import_load (pw_import_kind_t kind, const char *filename, const pw_import_options_t *options)
{
    const char *slash = filename ? strrchr (filename, '/') : NULL;
    const char *name = slash ? slash + 1 : filename;
    int fd = filename ? open (filename, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    char *text = NULL;
    pw_import_t *self = NULL;
    if (fd < 0 || fstat (fd, &st) != 0) {
        self = s_new (kind, name);
        s_error (self, 0, NULL, "cannot read %s: %s", filename ? filename : "(no file)",
                 strerror (filename ? errno : EINVAL));
        goto done;
    }
    if (!S_ISREG (st.st_mode) || (uint64_t)st.st_size > PW_IMPORT_MAX_FILE) {
        self = s_new (kind, name);
        if (!S_ISREG (st.st_mode))
            s_error (self, 0, NULL, "cannot read %s: not a regular file", filename);
        else
            s_error (self, 0, NULL, "file is %lld bytes, more than the limit of %zu",
                     (long long)st.st_size, (size_t)PW_IMPORT_MAX_FILE);
        goto done;
    }
    size_t size = (size_t)st.st_size, got = 0;
    text = pw_malloc (size + 1);
    while (got < size) {
        ssize_t n = read (fd, text + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < size) {
        self = s_new (kind, name);
        s_error (self, 0, NULL, "cannot read %s: %s", filename,
                 errno ? strerror (errno) : "file shrank while being read");
        goto done;
    }
    self = pw_import_parse (kind, name, text, size, options);
done:
    if (fd >= 0)
        close (fd);
    free (text);
    return self;
}

void
pw_import_destroy (pw_import_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_import_t *self = *self_p;
    s_arena_free (&self->arena);
    s_map_free (&self->strings);
    s_map_free (&self->hosts);
    s_map_free (&self->idents);
    s_map_free (&self->kbs);
    s_map_free (&self->warned);
    free (self->agents);
    free (self->patches);
    free (self->scans);
    free (self->pair_host);
    free (self->pair_patch);
    free (self->pair_line);
    free (self->pair_slots);
    free (self->errors.items);
    free (self->warnings.items);
    free (self->list);
    free (self->cf);
    free (self->name);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Accessors

bool
pw_import_ok (const pw_import_t *self)
{
    return self && self->errors.count == 0;
}

pw_import_kind_t
pw_import_kind (const pw_import_t *self)
{
    return self ? self->kind : PW_IMPORT_AGENTS;
}

pw_import_format_t
pw_import_format (const pw_import_t *self)
{
    return self ? self->format : PW_IMPORT_AUTO;
}

pw_import_catalogue_t
pw_import_catalogue (const pw_import_t *self)
{
    return self ? self->catalogue : PW_IMPORT_CATALOGUE_NONE;
}

size_t
pw_import_rows (const pw_import_t *self)
{
    return self ? self->rows : 0;
}

size_t
pw_import_error_count (const pw_import_t *self)
{
    return self ? self->errors.count : 0;
}

const pw_import_issue_t *
pw_import_error (const pw_import_t *self, size_t index)
{
    return self && index < self->errors.stored ? &self->errors.items [index] : NULL;
}

size_t
pw_import_warning_count (const pw_import_t *self)
{
    return self ? self->warnings.count : 0;
}

const pw_import_issue_t *
pw_import_warning (const pw_import_t *self, size_t index)
{
    return self && index < self->warnings.stored ? &self->warnings.items [index] : NULL;
}

static char *
s_render (const pw_import_t *self, const s_issues_t *list, const char *noun)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "");
    if (!self)
        return pw_strbuf_take (&out);
    for (size_t i = 0; i < list->stored; i++) {
        const pw_import_issue_t *issue = &list->items [i];
        pw_strbuf_append (&out, self->name);
        if (issue->line > 0)
            pw_strbuf_appendf (&out, ":%d", issue->line);
        pw_strbuf_append (&out, ": ");
        if (issue->field)
            pw_strbuf_appendf (&out, "%s: ", issue->field);
        pw_strbuf_appendf (&out, "%s\n", issue->message);
    }
    if (list->count > list->stored)
        pw_strbuf_appendf (&out, "%s: %zu more %s not shown\n", self->name,
                           list->count - list->stored, noun);
    return pw_strbuf_take (&out);
}

char *
pw_import_render_errors (const pw_import_t *self)
{
    return s_render (self, self ? &self->errors : NULL, "errors");
}

char *
pw_import_render_warnings (const pw_import_t *self)
{
    return s_render (self, self ? &self->warnings : NULL, "warnings");
}

const pw_import_agent_t *
pw_import_agents (const pw_import_t *self, size_t *count_p)
{
    size_t count = self && self->kind == PW_IMPORT_AGENTS ? self->agent_count : 0;
    if (count_p)
        *count_p = count;
    return count ? self->agents : NULL;
}

const pw_import_patch_t *
pw_import_patches (const pw_import_t *self, size_t *count_p)
{
    size_t count = self && self->kind == PW_IMPORT_PATCHES ? self->patch_count : 0;
    if (count_p)
        *count_p = count;
    return count ? self->patches : NULL;
}

const pw_import_scan_t *
pw_import_scans (const pw_import_t *self, size_t *count_p)
{
    size_t count = self && self->kind == PW_IMPORT_SCANS ? self->scan_count : 0;
    if (count_p)
        *count_p = count;
    return count ? self->scans : NULL;
}

const pw_import_agent_t *
pw_import_agent_find (const pw_import_t *self, const char *hostname)
{
    if (!pw_import_ok (self) || self->kind != PW_IMPORT_AGENTS || !hostname)
        return NULL;
    char key [256];
    if (strlen (hostname) >= sizeof key)
        return NULL;
    s_lower (hostname, key, sizeof key);
    const s_entry_t *entry = s_map_find (&self->hosts, key, strlen (key));
    return entry ? &self->agents [entry->index] : NULL;
}

const pw_import_patch_t *
pw_import_patch_find (const pw_import_t *self, const char *ident)
{
    if (!pw_import_ok (self) || self->kind != PW_IMPORT_PATCHES || !ident)
        return NULL;
    const s_entry_t *entry = s_map_find (&self->idents, ident, strlen (ident));
    return entry ? &self->patches [entry->index] : NULL;
}

size_t
pw_import_kb_rows (const pw_import_t *self, const char *kb, const pw_import_patch_t **first_p)
{
    if (first_p)
        *first_p = NULL;
    if (!pw_import_ok (self) || self->kind != PW_IMPORT_PATCHES || !kb)
        return 0;
    const s_entry_t *entry = s_map_find (&self->kbs, kb, strlen (kb));
    if (!entry)
        return 0;
    if (first_p)
        *first_p = &self->patches [entry->index];
    return entry->count;
}

size_t
pw_import_kb_count (const pw_import_t *self)
{
    return pw_import_ok (self) && self->kind == PW_IMPORT_PATCHES ? self->kbs.count : 0;
}

//  --------------------------------------------------------------------------
//  Names

const char *
pw_import_kind_name (pw_import_kind_t kind)
{
    switch (kind) {
        case PW_IMPORT_AGENTS: return "agents";
        case PW_IMPORT_PATCHES: return "patches";
        case PW_IMPORT_SCANS: return "scans";
    }
    return "unknown";
}

int
pw_import_kind_parse (const char *text, pw_import_kind_t *kind_p)
{
    for (int k = PW_IMPORT_AGENTS; k <= PW_IMPORT_SCANS; k++)
        if (text && strcasecmp (text, pw_import_kind_name ((pw_import_kind_t)k)) == 0) {
            *kind_p = (pw_import_kind_t)k;
            return 0;
        }
    return -1;
}

const char *
pw_import_format_name (pw_import_format_t format)
{
    switch (format) {
        case PW_IMPORT_AUTO: return "auto";
        case PW_IMPORT_CSV: return "csv";
        case PW_IMPORT_JSON: return "json";
    }
    return "unknown";
}

const char *
pw_import_catalogue_name (pw_import_catalogue_t catalogue)
{
    switch (catalogue) {
        case PW_IMPORT_CATALOGUE_NONE: return "none";
        case PW_IMPORT_CATALOGUE_GENERIC: return "generic";
        case PW_IMPORT_CATALOGUE_WINDOWS: return "windows";
        case PW_IMPORT_CATALOGUE_DEBIAN: return "debian";
    }
    return "unknown";
}

const char *
pw_import_state_name (pw_import_state_t state)
{
    return (unsigned)state < sizeof s_state_names / sizeof s_state_names [0] ? s_state_names [state]
                                                                             : "unknown";
}

int
pw_import_state_parse (const char *text, pw_import_state_t *state_p)
{
    for (size_t i = 0; text && i < sizeof s_state_names / sizeof s_state_names [0]; i++)
        if (strcasecmp (text, s_state_names [i]) == 0) {
            *state_p = (pw_import_state_t)i;
            return 0;
        }
    return -1;
}

const char *
pw_import_classification_name (int classification)
{
    return classification >= 0 && classification < PW_IMPORT_CLASSIFICATION_COUNT
               ? s_class_order [classification]
               : "unknown";
}
