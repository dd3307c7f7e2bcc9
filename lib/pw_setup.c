/*  pw_setup - the setup file parser and validator.

    Reads YAML with libyaml's event API into a small node tree (so depth,
    aliases and line numbers are under our control), then decodes the tree
    with declarative key tables: one table per mapping, one row per key with
    its type, whether it is required, its default, its allowed values and its
    doc. The same tables refuse unknown keys (naming the known ones) and
    render the reference in docs/setup-file.md. Checks that need the whole
    file (names that must resolve, unique names, window positions) run after
    decoding, over the decoded structs. Used by the policy service, the
    scheduler and pwctl.
*/
#include "pw_setup.h"
#include "pw_sha256.h"
#include "pw_util.h"
#include "pw_view.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define S_DEFAULT_ZONEINFO "/usr/share/zoneinfo"
#define S_MAX_NAME         128
#define S_MAX_TEXT         4096
#define S_MAX_KEYS         32
#define S_DAY              86400

//  --------------------------------------------------------------------------
//  Arena: everything a setup owns is carved from a few big blocks, so the
//  setup is freed in one walk and the decoder never tracks single strings.

typedef struct s_chunk_t {
    struct s_chunk_t *next;
    size_t used;
    size_t size;
    max_align_t data [];
} s_chunk_t;

struct _pw_setup_arena_t {
    s_chunk_t *head;
};
typedef struct _pw_setup_arena_t s_arena_t;

#define S_CHUNK_BYTES 16384

static void *
s_alloc (s_arena_t *arena, size_t size)
{
    size_t align = sizeof (max_align_t);
    size = size ? (size + align - 1) / align * align : align;
    s_chunk_t *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < size) {
        if (size > S_CHUNK_BYTES / 4) {
            //  A big block gets its own chunk, behind the head, so the
            //  head's free space stays usable.
            s_chunk_t *big = pw_malloc (sizeof (s_chunk_t) + size);
            big->used = big->size = size;
            if (chunk) {
                big->next = chunk->next;
                chunk->next = big;
            } else {
                big->next = NULL;
                arena->head = big;
            }
            memset (big->data, 0, size);
            return big->data;
        }
        chunk = pw_malloc (sizeof (s_chunk_t) + S_CHUNK_BYTES);
        chunk->used = 0;
        chunk->size = S_CHUNK_BYTES;
        chunk->next = arena->head;
        arena->head = chunk;
    }
    void *ptr = (char *)chunk->data + chunk->used;
    chunk->used += size;
    memset (ptr, 0, size);
    return ptr;
}

static char *
s_strndup (s_arena_t *arena, const char *text, size_t len)
{
    char *copy = s_alloc (arena, len + 1);
    memcpy (copy, text, len);
    copy [len] = '\0';
    return copy;
}

static char *
s_strdup (s_arena_t *arena, const char *text)
{
    return s_strndup (arena, text, strlen (text));
}

static void
s_arena_free (s_arena_t *arena)
{
    while (arena->head) {
        s_chunk_t *next = arena->head->next;
        free (arena->head);
        arena->head = next;
    }
}

//  --------------------------------------------------------------------------
//  YAML node tree

typedef enum { S_SCALAR, S_SEQ, S_MAP } s_kind_t;

typedef struct s_node_t {
    s_kind_t kind;
    int line;   //  1-based; 0 for defaults that come from the key tables
    int column; //  1-based
    bool null;  //  plain empty, ~ or null
    const char *text;
    size_t len;
    struct s_node_t **items; //  S_SEQ: elements; S_MAP: key, value, key, ...
    size_t count;
} s_node_t;

//  --------------------------------------------------------------------------
//  Decoding context

typedef struct {
    const void *addr; //  a field of the decoded setup
    int line;
    const char *path;
} s_where_t;

typedef struct {
    pw_setup_t *setup;
    s_arena_t *arena; //  the setup's
    s_arena_t temp;   //  nodes and paths, freed after the parse
    pw_setup_errors_t *errors;
    bool too_many;
    pw_strbuf_t path;
    const char *zoneinfo_root;
    const char *tenant;
    s_where_t *where;
    size_t where_count;
    size_t where_cap;
} s_ctx_t;

static void
s_error_add (s_ctx_t *ctx, const char *path, int line, int column, const char *format, va_list args)
{
    pw_setup_errors_t *errors = ctx->errors;
    if (errors->count >= PW_SETUP_MAX_ERRORS) {
        ctx->too_many = true;
        return;
    }
    if (errors->count == errors->cap_) {
        errors->cap_ = errors->cap_ ? errors->cap_ * 2 : 16;
        errors->items = pw_realloc (errors->items, errors->cap_ * sizeof (pw_setup_error_t));
    }
    pw_strbuf_t message;
    pw_strbuf_init (&message);
    pw_strbuf_vappendf (&message, format, args);
    pw_setup_error_t *error = &errors->items [errors->count++];
    error->path = pw_strdup (path);
    error->line = line;
    error->column = column;
    error->message = pw_strbuf_take (&message);
}

//  An error at the current path.
static void __attribute__ ((format (printf, 3, 4)))
s_error (s_ctx_t *ctx, const s_node_t *node, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_error_add (ctx, ctx->path.data, node ? node->line : 0, node ? node->column : 0, format, args);
    va_end (args);
}

static void __attribute__ ((format (printf, 4, 5)))
s_error_path (s_ctx_t *ctx, const char *path, int line, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_error_add (ctx, path, line, 0, format, args);
    va_end (args);
}

static size_t
s_path_push_key (s_ctx_t *ctx, const char *key)
{
    size_t saved = ctx->path.len;
    if (saved)
        pw_strbuf_append (&ctx->path, ".");
    pw_strbuf_append (&ctx->path, key);
    return saved;
}

static size_t
s_path_push_index (s_ctx_t *ctx, size_t index)
{
    size_t saved = ctx->path.len;
    pw_strbuf_appendf (&ctx->path, "[%zu]", index);
    return saved;
}

static void
s_path_pop (s_ctx_t *ctx, size_t saved)
{
    ctx->path.len = saved;
    ctx->path.data [saved] = '\0';
}

//  Remembers where a decoded field came from, so the checks that run after
//  decoding can name its path and line.
static void
s_where_add (s_ctx_t *ctx, const void *addr, int line)
{
    if (ctx->where_count == ctx->where_cap) {
        ctx->where_cap = ctx->where_cap ? ctx->where_cap * 2 : 256;
        ctx->where = pw_realloc (ctx->where, ctx->where_cap * sizeof (s_where_t));
    }
    s_where_t *where = &ctx->where [ctx->where_count++];
    where->addr = addr;
    where->line = line;
    where->path = s_strndup (&ctx->temp, ctx->path.data, ctx->path.len);
}

static int
s_where_compare (const void *a, const void *b)
{
    const s_where_t *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const s_where_t *
s_where (s_ctx_t *ctx, const void *addr)
{
    s_where_t key = {.addr = addr};
    return bsearch (&key, ctx->where, ctx->where_count, sizeof (s_where_t), s_where_compare);
}

//  An error about a decoded field, found by its address.
static void __attribute__ ((format (printf, 3, 4)))
s_error_at (s_ctx_t *ctx, const void *addr, const char *format, ...)
{
    const s_where_t *where = s_where (ctx, addr);
    va_list args;
    va_start (args, format);
    s_error_add (ctx, where ? where->path : "", where ? where->line : 0, 0, format, args);
    va_end (args);
}

static int
s_line_of (s_ctx_t *ctx, const void *addr)
{
    const s_where_t *where = s_where (ctx, addr);
    return where ? where->line : 0;
}

//  How a node looks in a message: `"text"` (shortened), `a list`, ...
static const char *
s_describe (const s_node_t *node, char *buf, size_t size)
{
    if (!node)
        return "nothing";
    if (node->kind == S_SEQ)
        return "a list";
    if (node->kind == S_MAP)
        return "a mapping";
    if (node->null)
        return "nothing";
    size_t out = 0;
    buf [out++] = '"';
    for (size_t i = 0; i < node->len && out + 6 < size; i++) {
        unsigned char c = (unsigned char)node->text [i];
        buf [out++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (out + 6 >= size)
        out = (size_t)snprintf (buf + out, size - out, "...") + out;
    buf [out++] = '"';
    buf [out] = '\0';
    return buf;
}

//  --------------------------------------------------------------------------
//  Loading YAML into nodes

typedef struct {
    s_node_t *node;
    s_node_t **items;
    size_t count;
    size_t cap;
} s_frame_t;

static s_node_t *
s_node_new (s_ctx_t *ctx, s_kind_t kind, yaml_mark_t mark)
{
    s_node_t *node = s_alloc (&ctx->temp, sizeof (s_node_t));
    node->kind = kind;
    node->line = (int)mark.line + 1;
    node->column = (int)mark.column + 1;
    return node;
}

static void
s_frame_add (s_frame_t *frame, s_node_t *node)
{
    if (frame->count == frame->cap) {
        frame->cap = frame->cap ? frame->cap * 2 : 8;
        frame->items = pw_realloc (frame->items, frame->cap * sizeof (s_node_t *));
    }
    frame->items [frame->count++] = node;
}

static void
s_syntax_error (s_ctx_t *ctx, const yaml_parser_t *parser)
{
    pw_strbuf_t message;
    pw_strbuf_init (&message);
    pw_strbuf_appendf (&message, "YAML syntax error: %s",
                       parser->problem ? parser->problem : "malformed input");
    if (parser->context)
        pw_strbuf_appendf (&message, " (%s at line %zu)", parser->context,
                           (size_t)parser->context_mark.line + 1);
    s_error_path (ctx, "", (int)parser->problem_mark.line + 1, "%s", message.data);
    if (ctx->errors->count && !ctx->too_many)
        ctx->errors->items [ctx->errors->count - 1].column = (int)parser->problem_mark.column + 1;
    pw_strbuf_free (&message);
}

//  Returns the document's root node; NULL after an error, or for an empty
//  document (then *EMPTY_P is true).
static s_node_t *
s_load_yaml (s_ctx_t *ctx, const char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize (&parser)) {
        fprintf (stderr, "level=fatal msg=\"out of memory\" where=yaml_parser_initialize\n");
        abort ();
    }
    yaml_parser_set_input_string (&parser, (const unsigned char *)text, len);
    s_frame_t stack [PW_SETUP_MAX_DEPTH];
    int depth = 0;
    s_node_t *root = NULL;
    int documents = 0;
    bool done = false, failed = false;
    while (!done) {
        yaml_event_t event;
        if (!yaml_parser_parse (&parser, &event)) {
            s_syntax_error (ctx, &parser);
            failed = true;
            break;
        }
        s_node_t *node = NULL;
        switch (event.type) {
            case YAML_STREAM_END_EVENT: done = true; break;
            case YAML_DOCUMENT_START_EVENT:
                if (++documents > 1) {
                    s_error_path (ctx, "", (int)event.start_mark.line + 1,
                                  "a setup file holds one YAML document, this is the second");
                    failed = done = true;
                }
                break;
            case YAML_ALIAS_EVENT:
                s_error_path (ctx, "", (int)event.start_mark.line + 1,
                              "YAML aliases (*%s) are not supported: write the value out",
                              (const char *)event.data.alias.anchor);
                failed = done = true;
                break;
            case YAML_SCALAR_EVENT: {
                node = s_node_new (ctx, S_SCALAR, event.start_mark);
                node->text = s_strndup (&ctx->temp, (const char *)event.data.scalar.value,
                                        event.data.scalar.length);
                node->len = event.data.scalar.length;
                bool plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                node->null =
                    plain && (node->len == 0 || strcmp (node->text, "~") == 0 ||
                              strcmp (node->text, "null") == 0 ||
                              strcmp (node->text, "Null") == 0 || strcmp (node->text, "NULL") == 0);
                break;
            }
            case YAML_SEQUENCE_START_EVENT:
            case YAML_MAPPING_START_EVENT:
                if (depth == PW_SETUP_MAX_DEPTH) {
                    s_error_path (ctx, "", (int)event.start_mark.line + 1,
                                  "nesting deeper than %d levels", PW_SETUP_MAX_DEPTH);
                    failed = done = true;
                    break;
                }
                node = s_node_new (ctx, event.type == YAML_SEQUENCE_START_EVENT ? S_SEQ : S_MAP,
                                   event.start_mark);
                break;
            case YAML_SEQUENCE_END_EVENT:
            case YAML_MAPPING_END_EVENT: {
                s_frame_t *frame = &stack [--depth];
                frame->node->count = frame->count;
                frame->node->items = s_alloc (&ctx->temp, frame->count * sizeof (s_node_t *));
                if (frame->count)
                    memcpy (frame->node->items, frame->items, frame->count * sizeof (s_node_t *));
                free (frame->items);
                break;
            }
            default: break;
        }
        if (node) {
            if (depth == 0)
                root = node;
            else
                s_frame_add (&stack [depth - 1], node);
            if (node->kind != S_SCALAR)
                stack [depth++] = (s_frame_t){.node = node};
        }
        yaml_event_delete (&event);
    }
    while (depth > 0)
        free (stack [--depth].items);
    yaml_parser_delete (&parser);
    return failed ? NULL : root;
}

static const s_node_t *
s_map_get (const s_node_t *map, const char *key)
{
    if (!map || map->kind != S_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const s_node_t *k = map->items [i];
        if (k->kind == S_SCALAR && strcmp (k->text, key) == 0)
            return map->items [i + 1];
    }
    return NULL;
}

//  --------------------------------------------------------------------------
//  Key tables: the declaration of the file format

typedef enum {
    T_TEXT,  //  free text, not empty
    T_NAME,  //  a name other sections refer to
    T_HOST,  //  an agent hostname
    T_WORD,  //  an identifier without blanks (KB ids)
    T_GROUP, //  a dotted group path
    T_BOOL,
    T_INT,
    T_ENUM,
    T_DURATION, //  seconds
    T_TIME,     //  minutes after midnight
    T_DATE,
    T_TIMEZONE,
    T_LIST,
    T_OBJECT,
    T_CUSTOM
} s_type_t;

typedef struct {
    const char *name;
    int value;
} s_enum_t;

typedef struct s_key_t s_key_t;
typedef struct s_table_t s_table_t;
typedef void (s_decode_fn) (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base);
typedef void (s_check_fn) (s_ctx_t *ctx, const s_node_t *map, void *dest);

struct s_key_t {
    const char *name;
    s_type_t type;
    size_t offset; //  of the field in the struct being decoded
    bool required;
    const char *dflt;        //  default, written as in the file
    const s_enum_t *values;  //  T_ENUM
    bool is_bool;            //  T_ENUM stored in a bool
    long long min, max;      //  T_INT, T_DURATION bounds
    const s_table_t *table;  //  T_OBJECT
    bool always;             //  T_OBJECT: defaults apply when absent
    const s_key_t *elem;     //  T_LIST: the element
    size_t elem_size;        //  T_LIST
    size_t count_offset;     //  T_LIST: the size_t count field
    unsigned set_bit;        //  presence bit in the table's mask field
    s_decode_fn *decode;     //  T_CUSTOM
    const char *type_doc;    //  T_CUSTOM: type for the reference
    const char *allowed_doc; //  allowed values, when not derived
    const char *default_doc; //  default, when not a plain value
    const char *example;
    const char *doc;
};

struct s_table_t {
    const char *path; //  as in error paths, "orgs[]"; the reference heading
    const s_key_t *keys;
    bool has_line;
    size_t line_offset; //  int field for the mapping's line
    bool has_mask;
    size_t mask_offset; //  unsigned field for set_bit
    s_check_fn *check;  //  after the keys are decoded
};

static const char *const s_classification_names [PW_SETUP_CLASSIFICATION_COUNT] = {
    "critical", "security", "definition", "update_rollup", "service_pack", "feature_pack",
    "update",   "tool",     "driver",     "upgrade",       "optional"};

static const s_enum_t s_action_values [] = {
    {"approve", PW_SETUP_APPROVE}, {"review", PW_SETUP_REVIEW}, {"deny", PW_SETUP_DENY}, {NULL, 0}};
static const s_enum_t s_override_values [] = {
    {"approve", PW_SETUP_APPROVE}, {"deny", PW_SETUP_DENY}, {NULL, 0}};
static const s_enum_t s_patching_values [] = {{"subscribed", 1}, {"unsubscribed", 0}, {NULL, 0}};
static const s_enum_t s_weekday_values [] = {
    {"mon", PW_SETUP_MON}, {"tue", PW_SETUP_TUE}, {"wed", PW_SETUP_WED}, {"thu", PW_SETUP_THU},
    {"fri", PW_SETUP_FRI}, {"sat", PW_SETUP_SAT}, {"sun", PW_SETUP_SUN}, {NULL, 0}};
static const s_enum_t s_reboot_values [] = {{"never", PW_SETUP_REBOOT_NEVER},
                                            {"when_required", PW_SETUP_REBOOT_WHEN_REQUIRED},
                                            {"always", PW_SETUP_REBOOT_ALWAYS},
                                            {NULL, 0}};
static const s_enum_t s_level_values [] = {{"tenant", PW_SETUP_LEVEL_TENANT},
                                           {"org", PW_SETUP_LEVEL_ORG},
                                           {"group", PW_SETUP_LEVEL_GROUP},
                                           {"agent", PW_SETUP_LEVEL_AGENT},
                                           {NULL, 0}};
static const s_enum_t s_cycle_values [] = {
    {"monthly", PW_SETUP_CYCLE_MONTHLY}, {"weekly", PW_SETUP_CYCLE_WEEKLY}, {NULL, 0}};
static const s_enum_t s_anchor_values [] = {{"patch_tuesday", PW_SETUP_ANCHOR_PATCH_TUESDAY},
                                            {NULL, 0}};
static const s_enum_t s_failure_values [] = {{"hold_dependents", PW_SETUP_FAILURE_HOLD_DEPENDENTS},
                                             {"stop", PW_SETUP_FAILURE_STOP},
                                             {"continue", PW_SETUP_FAILURE_CONTINUE},
                                             {NULL, 0}};

static s_decode_fn s_decode_rule, s_decode_task, s_decode_update_window, s_decode_check,
    s_decode_budget;
static s_check_fn s_check_settings, s_check_org, s_check_view, s_check_rule, s_check_product,
    s_check_policy_settings, s_check_assignment, s_check_cycle, s_check_window, s_check_blackout,
    s_check_dependency;

static const s_key_t s_name_elem = {.name = "", .type = T_NAME};
static const s_key_t s_host_elem = {.name = "", .type = T_HOST};
static const s_key_t s_group_elem = {.name = "", .type = T_GROUP};
static const s_key_t s_task_elem = {
    .name = "", .type = T_CUSTOM, .decode = s_decode_task, .type_doc = "task"};

#define S_END                                                                                      \
    {                                                                                              \
        .name = NULL                                                                               \
    }

//  settings ------------------------------------------------------------------
typedef pw_setup_tenant_settings_t s_settings_t;
static const s_key_t s_settings_keys [] = {
    {.name = "scan_gap",
     .type = T_DURATION,
     .offset = offsetof (s_settings_t, scan_gap),
     .dflt = "24h",
     .min = 0,
     .max = 14 * S_DAY,
     .example = "24h",
     .doc = "How long before an update window instance the weekly scan must end."},
    {.name = "scan_max_age",
     .type = T_DURATION,
     .offset = offsetof (s_settings_t, scan_max_age),
     .dflt = "7d",
     .min = 3600,
     .max = 90 * S_DAY,
     .example = "7d",
     .doc =
         "How old a scan may be at the start of an update window instance; older is `STALE_SCAN`."},
    {.name = "review_max_age",
     .type = T_DURATION,
     .offset = offsetof (s_settings_t, review_max_age),
     .dflt = "14d",
     .min = 3600,
     .max = 365 * S_DAY,
     .example = "14d",
     .doc = "How long a patch may wait for review before `REVIEW_BACKLOG`."},
    {.name = "timezone",
     .type = T_TIMEZONE,
     .offset = offsetof (s_settings_t, timezone),
     .dflt = "UTC",
     .example = "Europe/Berlin",
     .doc = "Time zone of every org that names none."},
    S_END};
static const s_table_t s_settings_table = {
    .path = "settings", .keys = s_settings_keys, .check = s_check_settings};

//  orgs ------------------------------------------------------------------------
static const s_key_t s_org_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (pw_setup_org_t, name),
     .required = true,
     .example = "contoso",
     .doc = "The customer's name, unique in the file; must not contain `/`."},
    {.name = "timezone",
     .type = T_TIMEZONE,
     .offset = offsetof (pw_setup_org_t, timezone),
     .default_doc = "`settings.timezone`",
     .example = "Europe/Berlin",
     .doc = "IANA time zone of the customer's windows, scans and blackouts."},
    {.name = "patching",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_org_t, subscribed),
     .values = s_patching_values,
     .is_bool = true,
     .dflt = "subscribed",
     .example = "unsubscribed",
     .doc = "Whether the customer pays for patching; unsubscribed agents are left alone."},
    {.name = "groups",
     .type = T_LIST,
     .offset = offsetof (pw_setup_org_t, groups),
     .count_offset = offsetof (pw_setup_org_t, group_count),
     .elem = &s_group_elem,
     .elem_size = sizeof (char *),
     .example = "[servers.sql, workstations]",
     .doc = "Machine groups as dotted paths; every parent is implied (`servers.sql` declares "
            "`servers`)."},
    S_END};
static const s_table_t s_org_table = {.path = "orgs[]",
                                      .keys = s_org_keys,
                                      .has_line = true,
                                      .line_offset = offsetof (pw_setup_org_t, line),
                                      .check = s_check_org};
static const s_key_t s_org_elem = {.name = "", .type = T_OBJECT, .table = &s_org_table};

//  views -----------------------------------------------------------------------
static const s_key_t s_view_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (pw_setup_view_t, name),
     .required = true,
     .example = "servers",
     .doc = "The view's name, unique in the file."},
    {.name = "filter",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_view_t, filter),
     .required = true,
     .example = "'class == \"server\"'",
     .doc = "A filter expression (see views.md); checked when the file is applied."},
    {.name = "description",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_view_t, description),
     .example = "every server",
     .doc = "Free text for people."},
    S_END};
static const s_table_t s_view_table = {.path = "views[]",
                                       .keys = s_view_keys,
                                       .has_line = true,
                                       .line_offset = offsetof (pw_setup_view_t, line),
                                       .check = s_check_view};
static const s_key_t s_view_elem = {.name = "", .type = T_OBJECT, .table = &s_view_table};

//  patch policies ------------------------------------------------------------------
static const s_key_t s_rule_keys [] = {
    {.name = "action",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_rule_t, action),
     .required = true,
     .values = s_action_values,
     .example = "approve",
     .doc = "What the rule decides."},
    {.name = "after_days",
     .type = T_INT,
     .offset = offsetof (pw_setup_rule_t, after_days),
     .dflt = "0",
     .min = 0,
     .max = 365,
     .example = "7",
     .doc = "With `approve` only: the patch is deferred until its release plus N days."},
    S_END};
static const s_table_t s_rule_table = {
    .path = "patch_policies[].classifications.NAME", .keys = s_rule_keys, .check = s_check_rule};

#define S_CLASS_KEY(label, i, ex, text)                                                            \
    {                                                                                              \
        .name = label, .type = T_CUSTOM,                                                           \
        .offset = offsetof (pw_setup_patch_policy_t, classifications [i]),                         \
        .decode = s_decode_rule, .type_doc = "rule",                                               \
        .allowed_doc = "`approve`, `review`, `deny`, or a rule mapping",                           \
        .default_doc = "the policy's `default`", .example = ex, .doc = text                        \
    }

static const s_key_t s_class_keys [] = {
    S_CLASS_KEY ("critical", 0, "approve", "Critical, non-security fixes."),
    S_CLASS_KEY ("security", 1, "approve", "Security fixes."),
    S_CLASS_KEY ("definition", 2, "approve", "Anti-malware definitions."),
    S_CLASS_KEY ("update_rollup", 3, "{action: approve, after_days: 7}",
                 "Cumulative rollups of fixes."),
    S_CLASS_KEY ("service_pack", 4, "review", "Service packs."),
    S_CLASS_KEY ("feature_pack", 5, "review", "New product features."),
    S_CLASS_KEY ("update", 6, "approve", "Non-critical, non-security fixes."),
    S_CLASS_KEY ("tool", 7, "approve", "Utilities and tools."),
    S_CLASS_KEY ("driver", 8, "review", "Hardware drivers."),
    S_CLASS_KEY ("upgrade", 9, "review", "Upgrades to a new OS release or edition."),
    S_CLASS_KEY ("optional", 10, "deny", "Optional software (the \"Zune player\" category)."),
    S_END};
static const s_table_t s_class_table = {.path = "patch_policies[].classifications",
                                        .keys = s_class_keys};

static const s_key_t s_product_keys [] = {
    {.name = "match",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_product_rule_t, match),
     .required = true,
     .example = "\"*.NET Framework*\"",
     .doc = "Glob on the product name (`*`, `?`, `[...]`, case-insensitive)."},
    {.name = "action",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_product_rule_t, action),
     .required = true,
     .values = s_action_values,
     .example = "deny",
     .doc = "What the rule decides for a matching patch."},
    {.name = "after_days",
     .type = T_INT,
     .offset = offsetof (pw_setup_product_rule_t, after_days),
     .dflt = "0",
     .min = 0,
     .max = 365,
     .example = "7",
     .doc = "With `approve` only: deferred until release plus N days."},
    S_END};
static const s_table_t s_product_table = {.path = "patch_policies[].products[]",
                                          .keys = s_product_keys,
                                          .has_line = true,
                                          .line_offset = offsetof (pw_setup_product_rule_t, line),
                                          .check = s_check_product};
static const s_key_t s_product_elem = {.name = "", .type = T_OBJECT, .table = &s_product_table};

static const s_key_t s_patch_policy_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (pw_setup_patch_policy_t, name),
     .required = true,
     .example = "Baseline",
     .doc = "The policy's name, unique in the file."},
    {.name = "description",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_patch_policy_t, description),
     .example = "approve nearly all",
     .doc = "Free text for people."},
    {.name = "baseline",
     .type = T_BOOL,
     .offset = offsetof (pw_setup_patch_policy_t, baseline),
     .dflt = "false",
     .example = "true",
     .doc = "The tenant's baseline policy (at most one); agents outside it raise `NO_BASELINE`."},
    {.name = "deny_superseded",
     .type = T_BOOL,
     .offset = offsetof (pw_setup_patch_policy_t, deny_superseded),
     .dflt = "false",
     .example = "true",
     .doc = "Deny a patch that another catalogue patch supersedes."},
    {.name = "default",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_patch_policy_t, default_action),
     .values = s_action_values,
     .dflt = "review",
     .example = "approve",
     .doc = "Status of a patch no product or classification rule matches."},
    {.name = "classifications",
     .type = T_OBJECT,
     .offset = 0,
     .table = &s_class_table,
     .example = "{optional: deny}",
     .doc = "One rule per classification."},
    {.name = "products",
     .type = T_LIST,
     .offset = offsetof (pw_setup_patch_policy_t, products),
     .count_offset = offsetof (pw_setup_patch_policy_t, product_count),
     .elem = &s_product_elem,
     .elem_size = sizeof (pw_setup_product_rule_t),
     .example = "[{match: \"Zune*\", action: deny}]",
     .doc = "Product rules in order; the first match wins over the classification rule."},
    S_END};
static const s_table_t s_patch_policy_table = {.path = "patch_policies[]",
                                               .keys = s_patch_policy_keys,
                                               .has_line = true,
                                               .line_offset =
                                                   offsetof (pw_setup_patch_policy_t, line)};
static const s_key_t s_patch_policy_elem = {
    .name = "", .type = T_OBJECT, .table = &s_patch_policy_table};

//  kb overrides ------------------------------------------------------------------
static const s_key_t s_kb_keys [] = {
    {.name = "kb",
     .type = T_WORD,
     .offset = offsetof (pw_setup_kb_override_t, kb),
     .required = true,
     .example = "KB5034441",
     .doc = "The update: a KB number, or a package/version for Linux; unique in the file."},
    {.name = "action",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_kb_override_t, action),
     .required = true,
     .values = s_override_values,
     .example = "deny",
     .doc = "Decides the patch in every policy of the tenant."},
    {.name = "note",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_kb_override_t, note),
     .required = true,
     .example = "breaks the LOB app",
     .doc = "Why: shown wherever the override decides."},
    S_END};
static const s_table_t s_kb_table = {.path = "kb_overrides[]",
                                     .keys = s_kb_keys,
                                     .has_line = true,
                                     .line_offset = offsetof (pw_setup_kb_override_t, line)};
static const s_key_t s_kb_elem = {.name = "", .type = T_OBJECT, .table = &s_kb_table};

//  system policies ---------------------------------------------------------------
static const s_key_t s_scan_keys [] = {{.name = "day",
                                        .type = T_ENUM,
                                        .offset = offsetof (pw_setup_scan_t, day),
                                        .values = s_weekday_values,
                                        .dflt = "mon",
                                        .example = "mon",
                                        .doc = "Day of the weekly scan."},
                                       {.name = "time",
                                        .type = T_TIME,
                                        .offset = offsetof (pw_setup_scan_t, minute),
                                        .required = true,
                                        .example = "\"02:00\"",
                                        .doc = "Local start time of the scan."},
                                       S_END};
static const s_table_t s_scan_table = {.path = "system_policies[].settings.scan",
                                       .keys = s_scan_keys};

static const s_key_t s_health_keys [] = {
    {.name = "check",
     .type = T_CUSTOM,
     .offset = 0,
     .required = true,
     .decode = s_decode_check,
     .type_doc = "text",
     .allowed_doc = "`agent_checkin`, `tcp:<port>`",
     .example = "\"tcp:1433\"",
     .doc = "How \"back up\" is judged: the agent checks in, or a TCP port accepts connections."},
    {.name = "timeout",
     .type = T_DURATION,
     .offset = offsetof (pw_setup_health_check_t, timeout),
     .dflt = "15m",
     .min = 60,
     .max = S_DAY,
     .example = "20m",
     .doc = "How long to wait after the reboot before the agent counts as failed."},
    S_END};
static const s_table_t s_health_table = {.path = "system_policies[].settings.health_check",
                                         .keys = s_health_keys};

static const s_key_t s_manual_keys [] = {
    {.name = "reason",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_policy_settings_t, manual_patching_reason),
     .required = true,
     .example = "vendor patches the LOB server",
     .doc = "Why the agents are patched by hand."},
    S_END};
static const s_table_t s_manual_table = {.path = "system_policies[].settings.manual_patching",
                                         .keys = s_manual_keys};

typedef pw_setup_policy_settings_t s_ps_t;
static const s_key_t s_policy_settings_keys [] = {
    {.name = "patch_policies",
     .type = T_LIST,
     .offset = offsetof (s_ps_t, patch_policies),
     .count_offset = offsetof (s_ps_t, patch_policy_count),
     .elem = &s_name_elem,
     .elem_size = sizeof (char *),
     .set_bit = PW_SETUP_HAS_PATCH_POLICIES,
     .example = "[Baseline, Servers]",
     .doc = "Patch policies the agents become members of (added to those of other levels)."},
    {.name = "patch_policies_remove",
     .type = T_LIST,
     .offset = offsetof (s_ps_t, patch_policies_remove),
     .count_offset = offsetof (s_ps_t, patch_policy_remove_count),
     .elem = &s_name_elem,
     .elem_size = sizeof (char *),
     .set_bit = PW_SETUP_HAS_PATCH_POLICIES_REMOVE,
     .example = "[Workstations]",
     .doc = "Memberships taken away again (only those added at the same or a higher level)."},
    {.name = "subscribed",
     .type = T_BOOL,
     .offset = offsetof (s_ps_t, subscribed),
     .set_bit = PW_SETUP_HAS_SUBSCRIBED,
     .example = "false",
     .doc = "`false` takes the agents out of patching: no schedules are expected."},
    {.name = "scan",
     .type = T_OBJECT,
     .offset = offsetof (s_ps_t, scan),
     .table = &s_scan_table,
     .set_bit = PW_SETUP_HAS_SCAN,
     .example = "{day: mon, time: \"02:00\"}",
     .doc = "The weekly scan."},
    {.name = "update_window",
     .type = T_CUSTOM,
     .offset = 0,
     .decode = s_decode_update_window,
     .set_bit = PW_SETUP_HAS_UPDATE_WINDOW,
     .type_doc = "name or template",
     .allowed_doc = "a window, a window group, or a template like `{cf.PatchWindow}`",
     .example = "SAT-NIGHT",
     .doc = "Where the agents install; a template is filled in from each agent's custom fields."},
    {.name = "reboot",
     .type = T_ENUM,
     .offset = offsetof (s_ps_t, reboot),
     .values = s_reboot_values,
     .set_bit = PW_SETUP_HAS_REBOOT,
     .example = "when_required",
     .doc = "Whether the agent reboots after installing."},
    {.name = "pre_tasks",
     .type = T_LIST,
     .offset = offsetof (s_ps_t, pre_tasks),
     .count_offset = offsetof (s_ps_t, pre_task_count),
     .elem = &s_task_elem,
     .elem_size = sizeof (pw_setup_task_t),
     .set_bit = PW_SETUP_HAS_PRE_TASKS,
     .allowed_doc = "`disable_monitors`, `enable_monitors`, `reboot_before`, `run:<script>`",
     .example = "[disable_monitors, reboot_before]",
     .doc = "Tasks before installing, in order; the whole list is one setting."},
    {.name = "post_tasks",
     .type = T_LIST,
     .offset = offsetof (s_ps_t, post_tasks),
     .count_offset = offsetof (s_ps_t, post_task_count),
     .elem = &s_task_elem,
     .elem_size = sizeof (pw_setup_task_t),
     .set_bit = PW_SETUP_HAS_POST_TASKS,
     .allowed_doc = "`disable_monitors`, `enable_monitors`, `run:<script>`",
     .example = "[enable_monitors, \"run:Check-App.ps1\"]",
     .doc = "Tasks after the agent is back and healthy, in order."},
    {.name = "health_check",
     .type = T_OBJECT,
     .offset = offsetof (s_ps_t, health_check),
     .table = &s_health_table,
     .set_bit = PW_SETUP_HAS_HEALTH_CHECK,
     .example = "{check: agent_checkin, timeout: 15m}",
     .doc = "How \"back up\" is judged after the reboot."},
    {.name = "manual_patching",
     .type = T_OBJECT,
     .offset = 0,
     .table = &s_manual_table,
     .set_bit = PW_SETUP_HAS_MANUAL_PATCHING,
     .example = "{reason: vendor patches it}",
     .doc = "An exception: the agents are patched by hand on purpose (no `NO_UPDATE_SCHEDULE`)."},
    S_END};
static const s_table_t s_policy_settings_table = {.path = "system_policies[].settings",
                                                  .keys = s_policy_settings_keys,
                                                  .has_mask = true,
                                                  .mask_offset = offsetof (s_ps_t, set),
                                                  .check = s_check_policy_settings};

static const s_key_t s_system_policy_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (pw_setup_system_policy_t, name),
     .required = true,
     .example = "Patch - Servers",
     .doc = "The policy's name, unique in the file."},
    {.name = "description",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_system_policy_t, description),
     .example = "servers' schedule",
     .doc = "Free text for people."},
    {.name = "settings",
     .type = T_OBJECT,
     .offset = offsetof (pw_setup_system_policy_t, settings),
     .required = true,
     .table = &s_policy_settings_table,
     .example = "{reboot: always}",
     .doc = "The settings this policy sets; every other setting is left alone."},
    S_END};
static const s_table_t s_system_policy_table = {.path = "system_policies[]",
                                                .keys = s_system_policy_keys,
                                                .has_line = true,
                                                .line_offset =
                                                    offsetof (pw_setup_system_policy_t, line)};
static const s_key_t s_system_policy_elem = {
    .name = "", .type = T_OBJECT, .table = &s_system_policy_table};

//  assignments ---------------------------------------------------------------------
static const s_key_t s_assignment_keys [] = {
    {.name = "policy",
     .type = T_NAME,
     .offset = offsetof (pw_setup_assignment_t, policy),
     .required = true,
     .example = "Patch - Servers",
     .doc = "The system policy assigned."},
    {.name = "level",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_assignment_t, level),
     .required = true,
     .values = s_level_values,
     .example = "group",
     .doc = "The level the policy is put on."},
    {.name = "target",
     .type = T_TEXT,
     .offset = offsetof (pw_setup_assignment_t, target),
     .default_doc = "none (tenant level)",
     .allowed_doc = "org: `ORG`; group: `ORG/group.path`; agent: `HOSTNAME`",
     .example = "contoso/servers.sql",
     .doc = "What on that level; required except at tenant level, where it must be absent."},
    {.name = "view",
     .type = T_NAME,
     .offset = offsetof (pw_setup_assignment_t, view),
     .example = "servers",
     .doc = "Restricts the assignment to agents the view matches."},
    {.name = "priority",
     .type = T_INT,
     .offset = offsetof (pw_setup_assignment_t, priority),
     .dflt = "100",
     .min = 0,
     .max = 1000000,
     .example = "50",
     .doc = "At the same level, the lower number wins; then the earlier assignment."},
    S_END};
static const s_table_t s_assignment_table = {.path = "assignments[]",
                                             .keys = s_assignment_keys,
                                             .has_line = true,
                                             .line_offset = offsetof (pw_setup_assignment_t, line),
                                             .check = s_check_assignment};
static const s_key_t s_assignment_elem = {
    .name = "", .type = T_OBJECT, .table = &s_assignment_table};

//  cycle -----------------------------------------------------------------------------
static const s_key_t s_cycle_keys [] = {
    {.name = "kind",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_cycle_t, kind),
     .values = s_cycle_values,
     .dflt = "monthly",
     .example = "weekly",
     .doc = "Monthly on Patch Tuesday, or weekly on a weekday."},
    {.name = "anchor",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_cycle_t, anchor),
     .values = s_anchor_values,
     .default_doc = "`patch_tuesday` (monthly only)",
     .example = "patch_tuesday",
     .doc = "Monthly only: the second Tuesday of the month, in the org's time zone."},
    {.name = "weekday",
     .type = T_ENUM,
     .offset = offsetof (pw_setup_cycle_t, weekday),
     .values = s_weekday_values,
     .default_doc = "none (required when weekly)",
     .example = "sat",
     .doc = "Weekly only: the day windows are counted from."},
    S_END};
static const s_table_t s_cycle_table = {
    .path = "cycle", .keys = s_cycle_keys, .check = s_check_cycle};

//  windows ---------------------------------------------------------------------------
static const s_key_t s_window_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (pw_setup_window_t, name),
     .required = true,
     .example = "SAT-1",
     .doc = "The window's name, unique among windows and window groups."},
    {.name = "offset_days",
     .type = T_INT,
     .offset = offsetof (pw_setup_window_t, offset_days),
     .required = true,
     .min = 0,
     .max = 27,
     .example = "4",
     .doc = "Days after the cycle's anchor (0..6 with a weekly cycle)."},
    {.name = "start",
     .type = T_TIME,
     .offset = offsetof (pw_setup_window_t, start),
     .required = true,
     .example = "\"22:00\"",
     .doc = "Local start time."},
    {.name = "duration",
     .type = T_DURATION,
     .offset = offsetof (pw_setup_window_t, duration),
     .required = true,
     .min = 60,
     .max = 7 * S_DAY,
     .example = "1h30m",
     .doc = "How long agents may install and reboot."},
    {.name = "capacity",
     .type = T_INT,
     .offset = offsetof (pw_setup_window_t, capacity),
     .required = true,
     .min = 1,
     .max = 1000000,
     .example = "10",
     .doc = "How many agents install at once."},
    {.name = "timezone",
     .type = T_TIMEZONE,
     .offset = offsetof (pw_setup_window_t, timezone),
     .default_doc = "the agent's org",
     .example = "UTC",
     .doc = "A fixed time zone for the window instead of the org's."},
    {.name = "group",
     .type = T_NAME,
     .offset = offsetof (pw_setup_window_t, group),
     .example = "SAT-NIGHT",
     .doc = "The window group this window belongs to."},
    {.name = "position",
     .type = T_INT,
     .offset = offsetof (pw_setup_window_t, position),
     .min = 1,
     .max = 1000,
     .default_doc = "none (required with `group`)",
     .example = "1",
     .doc = "Place in the group: 1..N over the group's N windows, each once, in time order."},
    S_END};
static const s_table_t s_window_table = {.path = "windows[]",
                                         .keys = s_window_keys,
                                         .has_line = true,
                                         .line_offset = offsetof (pw_setup_window_t, line),
                                         .check = s_check_window};
static const s_key_t s_window_elem = {.name = "", .type = T_OBJECT, .table = &s_window_table};

typedef pw_setup_window_group_t s_wg_t;
static const s_key_t s_window_group_keys [] = {
    {.name = "name",
     .type = T_NAME,
     .offset = offsetof (s_wg_t, name),
     .required = true,
     .example = "SAT-NIGHT",
     .doc = "The group's name, unique among windows and window groups."},
    {.name = "description",
     .type = T_TEXT,
     .offset = offsetof (s_wg_t, description),
     .example = "servers in dependency order",
     .doc = "Free text for people."},
    {.name = "failure_policy",
     .type = T_ENUM,
     .offset = offsetof (s_wg_t, failure_policy),
     .values = s_failure_values,
     .dflt = "hold_dependents",
     .example = "stop",
     .doc = "What a failed agent does to the rest of the group."},
    {.name = "error_budget",
     .type = T_CUSTOM,
     .offset = 0,
     .decode = s_decode_budget,
     .type_doc = "count or percent",
     .allowed_doc = "`0`..`100000`, or `0%`..`100%`",
     .default_doc = "none",
     .example = "\"10%\"",
     .doc = "More failed agents than this (exceeded, not reached) stops the group."},
    S_END};
static const s_table_t s_window_group_table = {.path = "window_groups[]",
                                               .keys = s_window_group_keys,
                                               .has_line = true,
                                               .line_offset = offsetof (s_wg_t, line)};
static const s_key_t s_window_group_elem = {
    .name = "", .type = T_OBJECT, .table = &s_window_group_table};

//  blackouts -------------------------------------------------------------------------
static const s_key_t s_blackout_keys [] = {{.name = "org",
                                            .type = T_NAME,
                                            .offset = offsetof (pw_setup_blackout_t, org),
                                            .required = true,
                                            .example = "contoso",
                                            .doc = "The org whose window instances are skipped."},
                                           {.name = "from",
                                            .type = T_DATE,
                                            .offset = offsetof (pw_setup_blackout_t, from),
                                            .required = true,
                                            .example = "2024-12-23",
                                            .doc = "First day, in the org's time zone."},
                                           {.name = "to",
                                            .type = T_DATE,
                                            .offset = offsetof (pw_setup_blackout_t, to),
                                            .required = true,
                                            .example = "2025-01-02",
                                            .doc = "Last day (inclusive), not before `from`."},
                                           {.name = "reason",
                                            .type = T_TEXT,
                                            .offset = offsetof (pw_setup_blackout_t, reason),
                                            .required = true,
                                            .example = "year-end freeze",
                                            .doc = "Why: shown in the plan."},
                                           S_END};
static const s_table_t s_blackout_table = {.path = "blackouts[]",
                                           .keys = s_blackout_keys,
                                           .has_line = true,
                                           .line_offset = offsetof (pw_setup_blackout_t, line),
                                           .check = s_check_blackout};
static const s_key_t s_blackout_elem = {.name = "", .type = T_OBJECT, .table = &s_blackout_table};

//  dependencies ------------------------------------------------------------------------
static const s_key_t s_dependency_keys [] = {
    {.name = "agent",
     .type = T_HOST,
     .offset = offsetof (pw_setup_dependency_t, agent),
     .required = true,
     .example = "CONTOSO-APP01",
     .doc = "The dependent agent, listed once in the file."},
    {.name = "after",
     .type = T_LIST,
     .offset = offsetof (pw_setup_dependency_t, after),
     .count_offset = offsetof (pw_setup_dependency_t, after_count),
     .required = true,
     .elem = &s_host_elem,
     .elem_size = sizeof (char *),
     .example = "[CONTOSO-SQL01]",
     .doc = "Agents patched, rebooted and healthy before `agent` starts; at least one."},
    S_END};
static const s_table_t s_dependency_table = {.path = "dependencies[]",
                                             .keys = s_dependency_keys,
                                             .has_line = true,
                                             .line_offset = offsetof (pw_setup_dependency_t, line),
                                             .check = s_check_dependency};
static const s_key_t s_dependency_elem = {
    .name = "", .type = T_OBJECT, .table = &s_dependency_table};

//  the file --------------------------------------------------------------------------
#define S_SECTION_LIST(field_, count_, elem_, type_)                                               \
    .type = T_LIST, .offset = offsetof (pw_setup_t, field_),                                       \
    .count_offset = offsetof (pw_setup_t, count_), .elem = &elem_, .elem_size = sizeof (type_)

static const s_key_t s_top_keys [] = {
    {.name = "tenant",
     .type = T_NAME,
     .offset = offsetof (pw_setup_t, tenant),
     .example = "acme-it",
     .doc = "The tenant this file is for; when present, applying it to another tenant is refused."},
    {.name = "settings",
     .type = T_OBJECT,
     .offset = offsetof (pw_setup_t, settings),
     .table = &s_settings_table,
     .always = true,
     .example = "{scan_gap: 24h}",
     .doc = "Tenant thresholds and defaults."},
    {.name = "orgs",
     S_SECTION_LIST (orgs, org_count, s_org_elem, pw_setup_org_t),
     .example = "[{name: contoso}]",
     .doc = "The customers and their machine groups."},
    {.name = "views",
     S_SECTION_LIST (views, view_count, s_view_elem, pw_setup_view_t),
     .example = "[{name: servers, filter: 'class == \"server\"'}]",
     .doc = "Named agent filters for assignments."},
    {.name = "patch_policies",
     S_SECTION_LIST (patch_policies, patch_policy_count, s_patch_policy_elem,
                     pw_setup_patch_policy_t),
     .example = "[{name: Baseline, baseline: true}]",
     .doc = "Approval rules."},
    {.name = "kb_overrides",
     S_SECTION_LIST (kb_overrides, kb_override_count, s_kb_elem, pw_setup_kb_override_t),
     .example = "[{kb: KB5034441, action: deny, note: ...}]",
     .doc = "Tenant-wide decisions for single updates."},
    {.name = "system_policies",
     S_SECTION_LIST (system_policies, system_policy_count, s_system_policy_elem,
                     pw_setup_system_policy_t),
     .example = "[{name: Patch - Servers, settings: {...}}]",
     .doc = "Named bundles of settings."},
    {.name = "assignments",
     S_SECTION_LIST (assignments, assignment_count, s_assignment_elem, pw_setup_assignment_t),
     .example = "[{policy: Patch - Baseline, level: tenant}]",
     .doc = "Which system policy applies where, in order."},
    {.name = "cycle",
     .type = T_OBJECT,
     .offset = offsetof (pw_setup_t, cycle),
     .table = &s_cycle_table,
     .always = true,
     .example = "{kind: monthly}",
     .doc = "What windows are counted from."},
    {.name = "windows",
     S_SECTION_LIST (windows, window_count, s_window_elem, pw_setup_window_t),
     .example = "[{name: SAT-1, ...}]",
     .doc = "Patch windows."},
    {.name = "window_groups",
     S_SECTION_LIST (window_groups, window_group_count, s_window_group_elem,
                     pw_setup_window_group_t),
     .example = "[{name: SAT-NIGHT}]",
     .doc = "Ordered sets of windows for dependency order."},
    {.name = "blackouts",
     S_SECTION_LIST (blackouts, blackout_count, s_blackout_elem, pw_setup_blackout_t),
     .example = "[{org: contoso, from: ..., to: ..., reason: ...}]",
     .doc = "Date ranges in which an org's window instances are skipped."},
    {.name = "dependencies",
     S_SECTION_LIST (dependencies, dependency_count, s_dependency_elem, pw_setup_dependency_t),
     .example = "[{agent: APP01, after: [SQL01]}]",
     .doc = "Patch order between agents."},
    S_END};
static const s_table_t s_top_table = {.path = "", .keys = s_top_keys};

//  Every table, in reference order.
static const s_table_t *const s_tables [] = {
    &s_top_table,           &s_settings_table,        &s_org_table,
    &s_view_table,          &s_patch_policy_table,    &s_class_table,
    &s_rule_table,          &s_product_table,         &s_kb_table,
    &s_system_policy_table, &s_policy_settings_table, &s_scan_table,
    &s_health_table,        &s_manual_table,          &s_assignment_table,
    &s_cycle_table,         &s_window_table,          &s_window_group_table,
    &s_blackout_table,      &s_dependency_table,      NULL};

//  --------------------------------------------------------------------------
//  Scalar decoding

static const char *
s_scalar (s_ctx_t *ctx, const s_node_t *node, const char *expected)
{
    char shown [64];
    if (node->kind != S_SCALAR || node->null) {
        s_error (ctx, node, "expected %s, found %s", expected,
                 s_describe (node, shown, sizeof shown));
        return NULL;
    }
    if (strlen (node->text) != node->len) {
        s_error (ctx, node, "contains a NUL character");
        return NULL;
    }
    return node->text;
}

static bool
s_has_control (const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

static bool
s_check_name (s_ctx_t *ctx, const s_node_t *node, const char *text)
{
    size_t len = strlen (text);
    const char *why = NULL;
    if (len == 0)
        why = "it is empty";
    else if (len > S_MAX_NAME)
        why = "it is longer than 128 bytes";
    else if (s_has_control (text))
        why = "it contains a control character";
    else if (isspace ((unsigned char)text [0]) || isspace ((unsigned char)text [len - 1]))
        why = "it starts or ends with a blank";
    else if (strpbrk (text, "/{}"))
        why = "it contains \"/\", \"{\" or \"}\"";
    if (why) {
        char shown [64];
        s_error (ctx, node, "%s is not a valid name: %s", s_describe (node, shown, sizeof shown),
                 why);
        return false;
    }
    return true;
}

static bool
s_host_ok (const char *text)
{
    size_t len = strlen (text);
    if (len == 0 || len > 253 || !isalnum ((unsigned char)text [0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text [i];
        if (!isalnum (c) && c != '-' && c != '_' && c != '.')
            return false;
        if (c == '.' && (text [i + 1] == '.' || text [i + 1] == '\0'))
            return false;
    }
    return true;
}

static bool
s_group_ok (const char *text)
{
    size_t len = strlen (text);
    if (len == 0 || len > 255 || text [0] == '.' || text [len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text [i];
        if (c == '.') {
            if (text [i + 1] == '.')
                return false;
        } else if (!isalnum (c) && c != '-' && c != '_')
            return false;
    }
    return true;
}

static bool
s_enum_parse (s_ctx_t *ctx, const s_node_t *node, const s_enum_t *values, int *value_p)
{
    pw_strbuf_t list;
    pw_strbuf_init (&list);
    for (const s_enum_t *v = values; v->name; v++)
        pw_strbuf_appendf (&list, "%s%s", v == values ? "" : ", ", v->name);
    const char *text = s_scalar (ctx, node, "one of ...");
    bool ok = false;
    if (text) {
        for (const s_enum_t *v = values; v->name && !ok; v++)
            if (strcmp (v->name, text) == 0) {
                *value_p = v->value;
                ok = true;
            }
        if (!ok) {
            char shown [64];
            s_error (ctx, node, "%s is not one of %s", s_describe (node, shown, sizeof shown),
                     list.data);
        }
    } else {
        //  Replace the generic "expected one of ..." with the real list.
        pw_setup_error_t *last = &ctx->errors->items [ctx->errors->count - 1];
        if (!ctx->too_many && strstr (last->message, "one of ...")) {
            char shown [64];
            free (last->message);
            last->message = pw_sprintf ("expected one of %s, found %s", list.data,
                                        s_describe (node, shown, sizeof shown));
        }
    }
    pw_strbuf_free (&list);
    return ok;
}

static const char *
s_enum_name (const s_enum_t *values, int value)
{
    for (const s_enum_t *v = values; v->name; v++)
        if (v->value == value)
            return v->name;
    return "?";
}

//  Parses "1d2h30m" style durations (the grammar pw_tz uses too): each unit
//  at most once, largest first, at least one. Returns seconds, or -1 when
//  malformed.
static long long
s_duration_parse (const char *text)
{
    static const char units [] = "dhm";
    static const long long seconds [] = {S_DAY, 3600, 60};
    long long total = 0;
    int next_unit = 0;
    const char *p = text;
    if (!*p)
        return -1;
    while (*p) {
        if (!isdigit ((unsigned char)*p))
            return -1;
        long long n = 0;
        int digits = 0;
        while (isdigit ((unsigned char)*p)) {
            if (++digits > 9)
                return -1;
            n = n * 10 + (*p++ - '0');
        }
        const char *unit = *p ? strchr (units, *p) : NULL;
        if (!unit || unit - units < next_unit)
            return -1;
        next_unit = (int)(unit - units) + 1;
        total += n * seconds [unit - units];
        p++;
    }
    return total;
}

static void
s_duration_format (pw_strbuf_t *buf, long long seconds)
{
    if (seconds < 60) {
        pw_strbuf_append (buf, "0m");
        return;
    }
    static const char units [] = "dhm";
    static const long long sizes [] = {S_DAY, 3600, 60};
    for (int i = 0; i < 3; i++)
        if (seconds >= sizes [i]) {
            pw_strbuf_appendf (buf, "%lld%c", seconds / sizes [i], units [i]);
            seconds %= sizes [i];
        }
}

//  "HH:MM" or "H:MM" -> minutes, or -1.
static int
s_time_parse (const char *text)
{
    int h = 0, m = 0, i = 0;
    if (!isdigit ((unsigned char)text [i]))
        return -1;
    h = text [i++] - '0';
    if (isdigit ((unsigned char)text [i]))
        h = h * 10 + (text [i++] - '0');
    if (text [i++] != ':' || !isdigit ((unsigned char)text [i]) ||
        !isdigit ((unsigned char)text [i + 1]) || text [i + 2])
        return -1;
    m = (text [i] - '0') * 10 + (text [i + 1] - '0');
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

static bool
s_date_parse (const char *text, pw_setup_date_t *date)
{
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? text [i] != '-' : !isdigit ((unsigned char)text [i]))
            return false;
    }
    if (text [10])
        return false;
    int y = atoi (text), m = atoi (text + 5), d = atoi (text + 8);
    static const int days [] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days [m - 1] + (m == 2 && leap))
        return false;
    date->year = y;
    date->month = m;
    date->day = d;
    return true;
}

static int
s_date_compare (const pw_setup_date_t *a, const pw_setup_date_t *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return a->day < b->day ? -1 : a->day > b->day;
}

//  True when NAME is an IANA zone under ROOT: a readable TZif file. The
//  shape check keeps the name inside ROOT.
static bool
s_timezone_ok (const char *root, const char *name)
{
    if (strcmp (name, "UTC") == 0)
        return true; //  libc knows UTC without tzdata
    size_t len = strlen (name);
    if (len == 0 || len > 64 || name [0] == '/' || name [len - 1] == '/' || strstr (name, "..") ||
        strstr (name, "//"))
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum ((unsigned char)*p) && !strchr ("_+-/", *p))
            return false;
    char *path = pw_sprintf ("%s/%s", root, name);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    free (path);
    if (fd < 0)
        return false;
    char magic [4] = {0};
    struct stat st;
    bool ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) &&
              read (fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
              memcmp (magic, "TZif", 4) == 0;
    close (fd);
    return ok;
}

static void
s_decode_scalar (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    char *dest = (char *)base + key->offset;
    char shown [64];
    const char *text = NULL;
    s_where_add (ctx, dest, node->line);
    switch (key->type) {
        case T_TEXT:
            if (!(text = s_scalar (ctx, node, "text")))
                return;
            if (!*text || strspn (text, " \t\r\n") == strlen (text))
                s_error (ctx, node, "must not be empty");
            else if (strlen (text) > S_MAX_TEXT)
                s_error (ctx, node, "is longer than %d bytes", S_MAX_TEXT);
            else
                *(const char **)dest = s_strdup (ctx->arena, text);
            return;
        case T_NAME:
            if ((text = s_scalar (ctx, node, "a name")) && s_check_name (ctx, node, text))
                *(const char **)dest = s_strdup (ctx->arena, text);
            return;
        case T_HOST:
            if (!(text = s_scalar (ctx, node, "a hostname")))
                return;
            if (s_host_ok (text))
                *(const char **)dest = s_strdup (ctx->arena, text);
            else
                s_error (ctx, node,
                         "%s is not a valid hostname (letters, digits, \"-\", \"_\" and \".\")",
                         s_describe (node, shown, sizeof shown));
            return;
        case T_WORD:
            if (!(text = s_scalar (ctx, node, "an identifier")))
                return;
            if (*text && strlen (text) <= S_MAX_NAME && !strpbrk (text, " \t\r\n") &&
                !s_has_control (text))
                *(const char **)dest = s_strdup (ctx->arena, text);
            else
                s_error (ctx, node, "%s is not a valid identifier (no blanks, at most 128 bytes)",
                         s_describe (node, shown, sizeof shown));
            return;
        case T_GROUP:
            if (!(text = s_scalar (ctx, node, "a group path")))
                return;
            if (s_group_ok (text))
                *(const char **)dest = s_strdup (ctx->arena, text);
            else
                s_error (ctx, node,
                         "%s is not a group path (dotted names of letters, digits, \"-\", \"_\")",
                         s_describe (node, shown, sizeof shown));
            return;
        case T_BOOL:
            if (!(text = s_scalar (ctx, node, "true or false")))
                return;
            if (strcmp (text, "true") == 0 || strcmp (text, "false") == 0)
                *(bool *)dest = text [0] == 't';
            else
                s_error (ctx, node, "expected true or false, found %s",
                         s_describe (node, shown, sizeof shown));
            return;
        case T_INT: {
            if (!(text = s_scalar (ctx, node, "an integer")))
                return;
            char *end = NULL;
            errno = 0;
            long long value = strtoll (text, &end, 10);
            if (!isdigit ((unsigned char)text [text [0] == '-']) || *end || errno)
                s_error (ctx, node, "expected an integer, found %s",
                         s_describe (node, shown, sizeof shown));
            else if (value < key->min || value > key->max)
                s_error (ctx, node, "%lld is out of range %lld..%lld", value, key->min, key->max);
            else
                *(int *)dest = (int)value;
            return;
        }
        case T_ENUM: {
            int value = 0;
            if (s_enum_parse (ctx, node, key->values, &value)) {
                if (key->is_bool)
                    *(bool *)dest = value != 0;
                else
                    *(int *)dest = value;
            }
            return;
        }
        case T_DURATION: {
            if (!(text = s_scalar (ctx, node, "a duration like 4h, 90m or 1h30m")))
                return;
            long long value = s_duration_parse (text);
            if (value < 0)
                s_error (ctx, node, "expected a duration like 4h, 90m or 1h30m, found %s",
                         s_describe (node, shown, sizeof shown));
            else if (value < key->min || value > key->max) {
                pw_strbuf_t range;
                pw_strbuf_init (&range);
                s_duration_format (&range, key->min);
                pw_strbuf_append (&range, "..");
                s_duration_format (&range, key->max);
                s_error (ctx, node, "%s is out of range %s", text, range.data);
                pw_strbuf_free (&range);
            } else
                *(int64_t *)dest = value;
            return;
        }
        case T_TIME: {
            if (!(text = s_scalar (ctx, node, "a time \"HH:MM\"")))
                return;
            int value = s_time_parse (text);
            if (value < 0)
                s_error (ctx, node, "expected a time \"HH:MM\" (00:00..23:59), found %s",
                         s_describe (node, shown, sizeof shown));
            else
                *(int *)dest = value;
            return;
        }
        case T_DATE:
            if (!(text = s_scalar (ctx, node, "a date YYYY-MM-DD")))
                return;
            if (!s_date_parse (text, (pw_setup_date_t *)dest))
                s_error (ctx, node, "expected a date YYYY-MM-DD, found %s",
                         s_describe (node, shown, sizeof shown));
            return;
        case T_TIMEZONE:
            if (!(text = s_scalar (ctx, node, "a time zone")))
                return;
            if (s_timezone_ok (ctx->zoneinfo_root, text))
                *(const char **)dest = s_strdup (ctx->arena, text);
            else
                s_error (ctx, node, "%s is not a known IANA time zone (like Europe/Berlin)",
                         s_describe (node, shown, sizeof shown));
            return;
        default: assert (false); return;
    }
}

//  --------------------------------------------------------------------------
//  Generic decoding over the tables

static void s_decode_object (s_ctx_t *ctx, const s_node_t *node, const s_table_t *table,
                             void *dest);

static void
s_decode_list (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    char shown [64];
    if (node->null)
        return; //  an empty section: the same as an empty list
    if (node->kind != S_SEQ) {
        s_error (ctx, node, "expected a list, found %s", s_describe (node, shown, sizeof shown));
        return;
    }
    char *array = s_alloc (ctx->arena, node->count * key->elem_size);
    for (size_t i = 0; i < node->count; i++) {
        size_t saved = s_path_push_index (ctx, i);
        const s_key_t *elem = key->elem;
        char *item = array + i * key->elem_size;
        if (elem->type == T_OBJECT)
            s_decode_object (ctx, node->items [i], elem->table, item);
        else if (elem->type == T_CUSTOM)
            elem->decode (ctx, node->items [i], elem, item);
        else
            s_decode_scalar (ctx, node->items [i], elem, item);
        s_path_pop (ctx, saved);
    }
    *(void **)((char *)base + key->offset) = array;
    *(size_t *)((char *)base + key->count_offset) = node->count;
}

static void
s_decode_value (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    switch (key->type) {
        case T_LIST: s_decode_list (ctx, node, key, base); break;
        case T_OBJECT: s_decode_object (ctx, node, key->table, (char *)base + key->offset); break;
        case T_CUSTOM: key->decode (ctx, node, key, base); break;
        default: s_decode_scalar (ctx, node, key, base); break;
    }
}

//  Levenshtein distance, for "did you mean".
static size_t
s_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > 40 || lb > 40)
        return 99;
    size_t row [41];
    for (size_t j = 0; j <= lb; j++)
        row [j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row [0];
        row [0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row [j];
            size_t cost = a [i - 1] == b [j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row [j - 1] + 1 < best)
                best = row [j - 1] + 1;
            row [j] = best;
            diag = up;
        }
    }
    return row [lb];
}

static void
s_unknown_key (s_ctx_t *ctx, const s_node_t *key_node, const s_table_t *table)
{
    pw_strbuf_t known;
    pw_strbuf_init (&known);
    const char *closest = NULL;
    size_t best = 3; //  suggest only near misses
    for (const s_key_t *k = table->keys; k->name; k++) {
        pw_strbuf_appendf (&known, "%s%s", k == table->keys ? "" : ", ", k->name);
        size_t d = s_distance (key_node->text, k->name);
        if (d < best) {
            best = d;
            closest = k->name;
        }
    }
    char suggestion [80] = "";
    if (closest)
        snprintf (suggestion, sizeof suggestion, " (did you mean \"%s\"?)", closest);
    s_error (ctx, key_node, "unknown %s%s; known %s: %s", table == &s_top_table ? "section" : "key",
             suggestion, table == &s_top_table ? "sections" : "keys", known.data);
    pw_strbuf_free (&known);
}

//  Decodes mapping NODE into DEST by TABLE. NODE NULL (the key is absent)
//  or null (`key:` with no value) apply the defaults only.
static void
s_decode_object (s_ctx_t *ctx, const s_node_t *node, const s_table_t *table, void *dest)
{
    char shown [64];
    if (node && !node->null && node->kind != S_MAP) {
        s_error (ctx, node, "expected a mapping, found %s", s_describe (node, shown, sizeof shown));
        return;
    }
    if (table->has_line) {
        *(int *)((char *)dest + table->line_offset) = node ? node->line : 0;
        s_where_add (ctx, (char *)dest + table->line_offset, node ? node->line : 0);
    }
    const s_node_t *present [S_MAX_KEYS] = {NULL};
    size_t key_count = 0;
    while (table->keys [key_count].name)
        key_count++;
    assert (key_count <= S_MAX_KEYS);

    for (size_t i = 0; node && node->kind == S_MAP && i + 1 < node->count; i += 2) {
        const s_node_t *k = node->items [i], *v = node->items [i + 1];
        if (k->kind != S_SCALAR || k->null || strlen (k->text) != k->len) {
            s_error (ctx, k, "keys must be plain text, found %s",
                     s_describe (k, shown, sizeof shown));
            continue;
        }
        size_t index = 0;
        while (index < key_count && strcmp (table->keys [index].name, k->text) != 0)
            index++;
        size_t saved = s_path_push_key (ctx, k->text);
        if (index == key_count)
            s_unknown_key (ctx, k, table);
        else if (present [index])
            s_error (ctx, k, "duplicate key (first at line %d)", present [index]->line);
        else {
            const s_key_t *key = &table->keys [index];
            present [index] = v;
            s_decode_value (ctx, v, key, dest);
            if (key->set_bit && table->has_mask)
                *(unsigned *)((char *)dest + table->mask_offset) |= key->set_bit;
        }
        s_path_pop (ctx, saved);
    }
    for (size_t index = 0; index < key_count; index++) {
        const s_key_t *key = &table->keys [index];
        if (present [index])
            continue;
        if (key->required && node)
            s_error (ctx, node, "required key \"%s\" is missing", key->name);
        else if (key->dflt) {
            s_node_t fake = {.kind = S_SCALAR, .text = key->dflt, .len = strlen (key->dflt)};
            size_t saved = s_path_push_key (ctx, key->name);
            s_decode_value (ctx, &fake, key, dest);
            s_path_pop (ctx, saved);
        } else if (key->type == T_OBJECT && key->always) {
            size_t saved = s_path_push_key (ctx, key->name);
            s_decode_object (ctx, NULL, key->table, (char *)dest + key->offset);
            s_path_pop (ctx, saved);
        }
    }
    if (table->check)
        table->check (ctx, node, dest);
}

//  --------------------------------------------------------------------------
//  Custom decoders

static void
s_decode_rule (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    pw_setup_rule_t *rule = (pw_setup_rule_t *)((char *)base + key->offset);
    char shown [64];
    s_where_add (ctx, rule, node->line);
    if (node->kind == S_SCALAR && !node->null) {
        int value = 0;
        if (s_enum_parse (ctx, node, s_action_values, &value)) {
            rule->set = true;
            rule->action = (pw_setup_action_t)value;
        }
        return;
    }
    if (node->kind != S_MAP) {
        s_error (ctx, node,
                 "expected approve, review, deny or a mapping {action: approve, after_days: N}, "
                 "found %s",
                 s_describe (node, shown, sizeof shown));
        return;
    }
    //  The shorthand {approve, after_days: 7} is a key `approve` with no
    //  value: rewrite it to `action: approve` and decode as a rule mapping.
    s_node_t *copy = s_alloc (&ctx->temp, sizeof (s_node_t));
    *copy = *node;
    copy->items = s_alloc (&ctx->temp, (node->count + 1) * sizeof (s_node_t *));
    memcpy (copy->items, node->items, node->count * sizeof (s_node_t *));
    for (size_t i = 0; i + 1 < copy->count; i += 2) {
        const s_node_t *k = copy->items [i], *v = copy->items [i + 1];
        if (k->kind != S_SCALAR || !v->null || v->kind != S_SCALAR)
            continue;
        for (const s_enum_t *a = s_action_values; a->name; a++)
            if (strcmp (k->text, a->name) == 0) {
                s_node_t *new_key = s_alloc (&ctx->temp, sizeof (s_node_t));
                *new_key = *k;
                new_key->text = "action";
                new_key->len = 6;
                s_node_t *new_value = s_alloc (&ctx->temp, sizeof (s_node_t));
                *new_value = *k;
                copy->items [i] = new_key;
                copy->items [i + 1] = new_value;
            }
    }
    s_decode_object (ctx, copy, &s_rule_table, rule);
    rule->set = true;
}

static void
s_decode_task (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    (void)key;
    pw_setup_task_t *task = base;
    char shown [64];
    s_where_add (ctx, task, node->line);
    const char *text = s_scalar (ctx, node, "a task");
    if (!text)
        return;
    static const s_enum_t kinds [] = {{"disable_monitors", PW_SETUP_TASK_DISABLE_MONITORS},
                                      {"enable_monitors", PW_SETUP_TASK_ENABLE_MONITORS},
                                      {"reboot_before", PW_SETUP_TASK_REBOOT_BEFORE},
                                      {NULL, 0}};
    for (const s_enum_t *k = kinds; k->name; k++)
        if (strcmp (text, k->name) == 0) {
            task->kind = (pw_setup_task_kind_t)k->value;
            return;
        }
    if (strncmp (text, "run:", 4) == 0) {
        const char *script = text + 4;
        if (!*script || isspace ((unsigned char)*script) || s_has_control (script) ||
            strlen (script) > 1024)
            s_error (ctx, node, "%s: run: needs a script name (run:<script>)",
                     s_describe (node, shown, sizeof shown));
        else {
            task->kind = PW_SETUP_TASK_RUN;
            task->script = s_strdup (ctx->arena, script);
        }
        return;
    }
    s_error (ctx, node,
             "%s is not one of disable_monitors, enable_monitors, reboot_before, run:<script>",
             s_describe (node, shown, sizeof shown));
}

//  A window name, or a template with `{cf.NAME}` placeholders.
static void
s_decode_update_window (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    (void)key;
    pw_setup_policy_settings_t *settings = base;
    s_where_add (ctx, &settings->update_window, node->line);
    const char *text = s_scalar (ctx, node, "a window name or a template like {cf.PatchWindow}");
    if (!text)
        return;
    if (!strpbrk (text, "{}")) {
        if (s_check_name (ctx, node, text))
            settings->update_window = s_strdup (ctx->arena, text);
        return;
    }
    bool ok = strlen (text) <= S_MAX_NAME && !s_has_control (text) && !strchr (text, '/');
    const char *p = text;
    while (ok && *p) {
        if (*p == '}')
            ok = false;
        else if (*p == '{') {
            if (strncmp (p, "{cf.", 4) != 0)
                ok = false;
            else {
                p += 4;
                size_t n = strspn (p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_-.");
                ok = n > 0 && p [n] == '}';
                p += n + 1;
            }
        } else
            p++;
    }
    if (!ok) {
        char shown [64];
        s_error (ctx, node,
                 "%s is not a valid template: placeholders are {cf.NAME} with NAME a custom "
                 "field",
                 s_describe (node, shown, sizeof shown));
        return;
    }
    settings->update_window = s_strdup (ctx->arena, text);
    settings->update_window_template = true;
}

static void
s_decode_check (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    (void)key;
    pw_setup_health_check_t *check = base;
    char shown [64];
    s_where_add (ctx, &check->kind, node->line);
    const char *text = s_scalar (ctx, node, "agent_checkin or tcp:<port>");
    if (!text)
        return;
    if (strcmp (text, "agent_checkin") == 0) {
        check->kind = PW_SETUP_CHECK_AGENT_CHECKIN;
        return;
    }
    if (strncmp (text, "tcp:", 4) == 0) {
        const char *digits = text + 4;
        size_t n = strspn (digits, "0123456789");
        int port = n > 0 && n <= 5 && !digits [n] ? atoi (digits) : 0;
        if (port >= 1 && port <= 65535) {
            check->kind = PW_SETUP_CHECK_TCP;
            check->port = port;
        } else
            s_error (ctx, node, "%s: the port must be 1..65535",
                     s_describe (node, shown, sizeof shown));
        return;
    }
    s_error (ctx, node, "%s is not one of agent_checkin, tcp:<port>",
             s_describe (node, shown, sizeof shown));
}

static void
s_decode_budget (s_ctx_t *ctx, const s_node_t *node, const s_key_t *key, void *base)
{
    (void)key;
    pw_setup_window_group_t *group = base;
    char shown [64];
    s_where_add (ctx, &group->budget_kind, node->line);
    const char *text = s_scalar (ctx, node, "a count like 3 or a percent like \"10%\"");
    if (!text)
        return;
    size_t n = strspn (text, "0123456789");
    bool percent = n > 0 && text [n] == '%' && !text [n + 1];
    bool count = n > 0 && !text [n];
    long value = (percent || count) && n <= 6 ? atol (text) : -1;
    if (percent && value >= 0 && value <= 100) {
        group->budget_kind = PW_SETUP_BUDGET_PERCENT;
        group->budget_value = (int)value;
    } else if (count && value >= 0 && value <= 100000) {
        group->budget_kind = PW_SETUP_BUDGET_COUNT;
        group->budget_value = (int)value;
    } else
        s_error (ctx, node, "expected a count 0..100000 or a percent 0%%..100%%, found %s",
                 s_describe (node, shown, sizeof shown));
}

//  --------------------------------------------------------------------------
//  Checks on one mapping, after its keys are decoded

//  An error about KEY of MAP: path and line of its value when present.
static void __attribute__ ((format (printf, 4, 5)))
s_error_key (s_ctx_t *ctx, const s_node_t *map, const char *key, const char *format, ...)
{
    const s_node_t *value = s_map_get (map, key);
    size_t saved = s_path_push_key (ctx, key);
    va_list args;
    va_start (args, format);
    const s_node_t *at = value ? value : map;
    s_error_add (ctx, ctx->path.data, at ? at->line : 0, at ? at->column : 0, format, args);
    va_end (args);
    s_path_pop (ctx, saved);
}

static void
s_check_settings (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_tenant_settings_t *settings = dest;
    if (settings->scan_gap && settings->scan_max_age &&
        settings->scan_gap >= settings->scan_max_age)
        s_error_key (ctx, map, "scan_gap",
                     "must be shorter than scan_max_age, or no scan can ever qualify");
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *)a, *(const char *const *)b);
}

//  Adds every implied parent and sorts: `servers.sql` gives `servers`,
//  `servers.sql`.
static void
s_check_org (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    (void)map;
    pw_setup_org_t *org = dest;
    size_t total = 0;
    for (size_t i = 0; i < org->group_count; i++)
        if (org->groups [i])
            for (const char *p = org->groups [i]; *p; p++)
                total += *p == '.';
    total += org->group_count;
    const char **all = s_alloc (ctx->arena, total * sizeof (char *));
    size_t count = 0;
    for (size_t i = 0; i < org->group_count; i++) {
        const char *path = org->groups [i];
        if (!path)
            continue;
        for (const char *p = path; *p; p++)
            if (*p == '.')
                all [count++] = s_strndup (ctx->arena, path, (size_t)(p - path));
        all [count++] = path;
    }
    qsort (all, count, sizeof (char *), s_strcmp_p);
    size_t unique = 0;
    for (size_t i = 0; i < count; i++)
        if (unique == 0 || strcmp (all [unique - 1], all [i]) != 0)
            all [unique++] = all [i];
    org->groups = all;
    org->group_count = unique;
}

static void
s_check_view (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_view_t *view = dest;
    if (!view->filter)
        return;
    char *message = NULL;
    pw_view_t *compiled = pw_view_compile (view->filter, &message);
    if (!compiled)
        s_error_key (ctx, map, "filter", "%s", message ? message : "invalid filter");
    pw_view_destroy (&compiled);
    free (message);
}

static void
s_check_rule (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_rule_t *rule = dest;
    if (rule->after_days > 0 && rule->action != PW_SETUP_APPROVE)
        s_error_key (ctx, map, "after_days", "only an approve rule can wait; this one is %s",
                     s_enum_name (s_action_values, (int)rule->action));
}

static void
s_check_product (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_product_rule_t *rule = dest;
    if (rule->after_days > 0 && rule->action != PW_SETUP_APPROVE)
        s_error_key (ctx, map, "after_days", "only an approve rule can wait; this one is %s",
                     s_enum_name (s_action_values, (int)rule->action));
}

static void
s_check_policy_settings (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_policy_settings_t *settings = dest;
    const s_node_t *post = s_map_get (map, "post_tasks");
    for (size_t i = 0; i < settings->post_task_count; i++)
        if (settings->post_tasks [i].kind == PW_SETUP_TASK_REBOOT_BEFORE) {
            size_t saved = s_path_push_key (ctx, "post_tasks");
            size_t saved2 = s_path_push_index (ctx, i);
            s_error (ctx, post && post->kind == S_SEQ ? post->items [i] : map,
                     "reboot_before is a pre-task; it cannot run after patching");
            s_path_pop (ctx, saved2);
            s_path_pop (ctx, saved);
        }
}

static void
s_check_assignment (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_assignment_t *a = dest;
    if (!s_map_get (map, "level"))
        return;
    const char *target = a->target;
    if (a->level == PW_SETUP_LEVEL_TENANT) {
        if (s_map_get (map, "target"))
            s_error_key (ctx, map, "target", "a tenant-level assignment has no target");
        return;
    }
    if (!target) {
        if (!s_map_get (map, "target"))
            s_error_key (ctx, map, "target", "required with level %s",
                         s_enum_name (s_level_values, (int)a->level));
        return;
    }
    const s_node_t *node = s_map_get (map, "target");
    size_t saved = s_path_push_key (ctx, "target");
    char shown [64];
    if (a->level == PW_SETUP_LEVEL_ORG) {
        if (s_check_name (ctx, node, target))
            a->org = target;
    } else if (a->level == PW_SETUP_LEVEL_GROUP) {
        const char *slash = strchr (target, '/');
        char *org = slash ? s_strndup (ctx->arena, target, (size_t)(slash - target)) : NULL;
        if (!slash || !*org || !s_group_ok (slash + 1) || strlen (org) > S_MAX_NAME)
            s_error (ctx, node, "%s is not ORG/group.path (like contoso/servers.sql)",
                     s_describe (node, shown, sizeof shown));
        else {
            a->org = org;
            a->group = slash + 1;
        }
    } else if (!s_host_ok (target))
        s_error (ctx, node, "%s is not a valid hostname (letters, digits, \"-\", \"_\" and \".\")",
                 s_describe (node, shown, sizeof shown));
    s_path_pop (ctx, saved);
}

static void
s_check_cycle (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_cycle_t *cycle = dest;
    if (cycle->kind == PW_SETUP_CYCLE_WEEKLY) {
        if (s_map_get (map, "anchor"))
            s_error_key (ctx, map, "anchor", "only a monthly cycle has an anchor");
        if (!s_map_get (map, "weekday") && map)
            s_error (ctx, map, "a weekly cycle needs \"weekday\" (mon..sun)");
    } else if (s_map_get (map, "weekday"))
        s_error_key (ctx, map, "weekday",
                     "only a weekly cycle has a weekday; a monthly one is anchored on "
                     "patch_tuesday");
    if (cycle->kind == PW_SETUP_CYCLE_MONTHLY)
        cycle->anchor = PW_SETUP_ANCHOR_PATCH_TUESDAY;
}

static void
s_check_window (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    (void)dest;
    bool has_group = s_map_get (map, "group") != NULL;
    bool has_position = s_map_get (map, "position") != NULL;
    if (has_group && !has_position)
        s_error_key (ctx, map, "position", "required with \"group\"");
    if (has_position && !has_group)
        s_error_key (ctx, map, "group", "required with \"position\"");
}

static void
s_check_blackout (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_blackout_t *b = dest;
    if (b->from.year && b->to.year && s_date_compare (&b->from, &b->to) > 0)
        s_error_key (ctx, map, "to", "%04d-%02d-%02d is before from (%04d-%02d-%02d)", b->to.year,
                     b->to.month, b->to.day, b->from.year, b->from.month, b->from.day);
}

static void
s_check_dependency (s_ctx_t *ctx, const s_node_t *map, void *dest)
{
    pw_setup_dependency_t *d = dest;
    const s_node_t *after = s_map_get (map, "after");
    if (after && after->kind == S_SEQ && after->count == 0)
        s_error_key (ctx, map, "after", "lists no agent; drop the entry or name one");
    if (after && after->null)
        s_error_key (ctx, map, "after", "lists no agent; drop the entry or name one");
    for (size_t i = 0; i < d->after_count; i++) {
        const char *host = d->after [i];
        if (!host)
            continue;
        const s_node_t *at = after && after->kind == S_SEQ ? after->items [i] : map;
        size_t saved = s_path_push_key (ctx, "after");
        size_t saved2 = s_path_push_index (ctx, i);
        if (d->agent && strcasecmp (host, d->agent) == 0)
            s_error (ctx, at, "\"%s\" cannot wait for itself", host);
        else
            for (size_t j = 0; j < i; j++)
                if (d->after [j] && strcasecmp (d->after [j], host) == 0) {
                    s_error (ctx, at, "\"%s\" is listed twice", host);
                    break;
                }
        s_path_pop (ctx, saved2);
        s_path_pop (ctx, saved);
    }
}

//  --------------------------------------------------------------------------
//  Checks across sections

typedef struct {
    const char *name;
    const void *item;
    size_t index;
} s_entry_t;

typedef struct {
    s_entry_t *entries;
    size_t count;
    bool nocase;
} s_index_t;

static int
s_entry_compare (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    int c = strcmp (x->name, y->name);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static int
s_entry_compare_nocase (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    int c = strcasecmp (x->name, y->name);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

//  Indexes ITEMS by the string at NAME_OFFSET, and reports duplicates as
//  "duplicate WHAT" at the later one.
static s_index_t
s_index_build (s_ctx_t *ctx, const void *items, size_t count, size_t size, size_t name_offset,
               const char *what, bool nocase)
{
    s_index_t index = {.entries = pw_malloc ((count ? count : 1) * sizeof (s_entry_t)),
                       .nocase = nocase};
    for (size_t i = 0; i < count; i++) {
        const char *item = (const char *)items + i * size;
        const char *name = *(const char *const *)(item + name_offset);
        if (name)
            index.entries [index.count++] = (s_entry_t){name, item, i};
    }
    qsort (index.entries, index.count, sizeof (s_entry_t),
           nocase ? s_entry_compare_nocase : s_entry_compare);
    for (size_t i = 1; i < index.count; i++) {
        const s_entry_t *first = &index.entries [i - 1];
        const s_entry_t *dup = &index.entries [i];
        if ((nocase ? strcasecmp (first->name, dup->name) : strcmp (first->name, dup->name)) != 0)
            continue;
        //  Walk back to the first of the run for the message.
        size_t j = i - 1;
        while (j > 0 && (nocase ? strcasecmp (index.entries [j - 1].name, dup->name)
                                : strcmp (index.entries [j - 1].name, dup->name)) == 0)
            j--;
        const char *dup_name_field = (const char *)dup->item + name_offset;
        const char *first_name_field = (const char *)index.entries [j].item + name_offset;
        s_error_at (ctx, dup_name_field, "duplicate %s \"%s\" (first at line %d)", what, dup->name,
                    s_line_of (ctx, first_name_field));
    }
    return index;
}

static const void *
s_index_find (const s_index_t *index, const char *name)
{
    size_t lo = 0, hi = index->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = index->nocase ? strcasecmp (index->entries [mid].name, name)
                              : strcmp (index->entries [mid].name, name);
        if (c == 0) {
            //  The first of equal names, so a duplicate never shadows it.
            while (mid > 0 && (index->nocase ? strcasecmp (index->entries [mid - 1].name, name)
                                             : strcmp (index->entries [mid - 1].name, name)) == 0)
                mid--;
            return index->entries [mid].item;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool
s_sorted_has (const char *const *names, size_t count, const char *name)
{
    return bsearch (&name, names, count, sizeof (char *), s_strcmp_p) != NULL;
}

static int
s_window_order (const void *a, const void *b)
{
    const pw_setup_window_t *x = *(const pw_setup_window_t *const *)a;
    const pw_setup_window_t *y = *(const pw_setup_window_t *const *)b;
    int c = strcmp (x->group, y->group);
    if (c)
        return c;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void
s_check_window_groups (s_ctx_t *ctx, const s_index_t *groups)
{
    pw_setup_t *s = ctx->setup;
    const pw_setup_window_t **grouped =
        pw_malloc ((s->window_count ? s->window_count : 1) * sizeof (void *));
    size_t count = 0;
    for (size_t i = 0; i < s->window_count; i++)
        if (s->windows [i].group && s->windows [i].position > 0)
            grouped [count++] = &s->windows [i];
    qsort (grouped, count, sizeof (void *), s_window_order);
    for (size_t first = 0; first < count;) {
        size_t end = first;
        while (end < count && strcmp (grouped [end]->group, grouped [first]->group) == 0)
            end++;
        size_t n = end - first;
        pw_setup_window_group_t *group =
            (pw_setup_window_group_t *)s_index_find (groups, grouped [first]->group);
        bool ok = group != NULL;
        for (size_t i = first; i < end; i++) {
            const pw_setup_window_t *w = grouped [i];
            if (!group)
                s_error_at (ctx, &w->group, "\"%s\" is not a window group in this file", w->group);
            else if ((size_t)w->position > n) {
                s_error_at (ctx, &w->position,
                            "%d is outside 1..%zu: window group \"%s\" has %zu windows",
                            w->position, n, w->group, n);
                ok = false;
            } else if (i > first && grouped [i - 1]->position == w->position) {
                s_error_at (ctx, &w->position,
                            "position %d of window group \"%s\" is already taken by \"%s\"",
                            w->position, w->group,
                            grouped [i - 1]->name ? grouped [i - 1]->name : "?");
                ok = false;
            }
        }
        if (ok) {
            const pw_setup_window_t **windows = s_alloc (ctx->arena, n * sizeof (void *));
            for (size_t i = 0; i < n; i++)
                windows [i] = grouped [first + i];
            group->windows = windows;
            group->window_count = n;
            //  The group exists to order agents in time, so positions must
            //  follow the clock (when the windows share a time zone).
            for (size_t i = 1; i < n; i++) {
                const pw_setup_window_t *a = windows [i - 1], *b = windows [i];
                bool same_zone =
                    (!a->timezone && !b->timezone) ||
                    (a->timezone && b->timezone && strcmp (a->timezone, b->timezone) == 0);
                long long start_a = a->offset_days * 1440LL + a->start;
                long long start_b = b->offset_days * 1440LL + b->start;
                if (same_zone && start_b < start_a)
                    s_error_at (ctx, &b->position,
                                "position %d (\"%s\") starts before position %d (\"%s\"); "
                                "positions must follow time",
                                b->position, b->name ? b->name : "?", a->position,
                                a->name ? a->name : "?");
            }
        }
        first = end;
    }
    free (grouped);
    for (size_t i = 0; i < s->window_group_count; i++) {
        pw_setup_window_group_t *group = &s->window_groups [i];
        if (!group->name || group->window_count)
            continue;
        bool named = false; //  a bad position already reported it
        for (size_t j = 0; j < s->window_count && !named; j++)
            named = s->windows [j].group && strcmp (s->windows [j].group, group->name) == 0;
        if (!named)
            s_error_at (ctx, &group->line,
                        "window group \"%s\" has no windows; a window joins it with "
                        "\"group\" and \"position\"",
                        group->name);
    }
}

static void
s_check_names (s_ctx_t *ctx, const s_index_t *index, const char *const *names, size_t count,
               const char *what)
{
    for (size_t i = 0; i < count; i++)
        if (names [i] && !s_index_find (index, names [i]))
            s_error_at (ctx, &names [i], "\"%s\" is not a %s in this file", names [i], what);
}

static void
s_check_references (s_ctx_t *ctx)
{
    pw_setup_t *s = ctx->setup;
    qsort (ctx->where, ctx->where_count, sizeof (s_where_t), s_where_compare);

#define S_INDEX(field, count, type, name_field, what, nocase)                                      \
    s_index_build (ctx, s->field, s->count, sizeof (type), offsetof (type, name_field), what,      \
                   nocase)
    s_index_t orgs = S_INDEX (orgs, org_count, pw_setup_org_t, name, "org", false);
    s_index_t views = S_INDEX (views, view_count, pw_setup_view_t, name, "view", false);
    s_index_t patch_policies = S_INDEX (patch_policies, patch_policy_count, pw_setup_patch_policy_t,
                                        name, "patch policy", false);
    s_index_t kbs =
        S_INDEX (kb_overrides, kb_override_count, pw_setup_kb_override_t, kb, "KB override", true);
    s_index_t system_policies = S_INDEX (system_policies, system_policy_count,
                                         pw_setup_system_policy_t, name, "system policy", false);
    s_index_t windows = S_INDEX (windows, window_count, pw_setup_window_t, name, "window", false);
    s_index_t window_groups = S_INDEX (window_groups, window_group_count, pw_setup_window_group_t,
                                       name, "window group", false);
    s_index_t dependencies = S_INDEX (dependencies, dependency_count, pw_setup_dependency_t, agent,
                                      "dependency entry for agent", true);
#undef S_INDEX

    //  Settings name windows and window groups alike, so they share names.
    for (size_t i = 0; i < s->window_group_count; i++) {
        const pw_setup_window_group_t *g = &s->window_groups [i];
        const pw_setup_window_t *w = g->name ? s_index_find (&windows, g->name) : NULL;
        if (w)
            s_error_at (ctx, &g->name, "\"%s\" is also a window (line %d); names must differ",
                        g->name, w->line);
    }
    const pw_setup_patch_policy_t *baseline = NULL;
    for (size_t i = 0; i < s->patch_policy_count; i++) {
        const pw_setup_patch_policy_t *p = &s->patch_policies [i];
        if (!p->baseline)
            continue;
        if (baseline)
            s_error_at (ctx, &p->baseline,
                        "only one patch policy can be the baseline; \"%s\" (line %d) already is",
                        baseline->name ? baseline->name : "?", baseline->line);
        else
            baseline = p;
    }
    for (size_t i = 0; i < s->system_policy_count; i++) {
        const pw_setup_policy_settings_t *ps = &s->system_policies [i].settings;
        s_check_names (ctx, &patch_policies, ps->patch_policies, ps->patch_policy_count,
                       "patch policy");
        s_check_names (ctx, &patch_policies, ps->patch_policies_remove,
                       ps->patch_policy_remove_count, "patch policy");
        for (size_t j = 0; j < ps->patch_policy_count; j++)
            for (size_t k = 0; k < j; k++)
                if (ps->patch_policies [j] && ps->patch_policies [k] &&
                    strcmp (ps->patch_policies [j], ps->patch_policies [k]) == 0)
                    s_error_at (ctx, &ps->patch_policies [j], "\"%s\" is listed twice",
                                ps->patch_policies [j]);
        for (size_t j = 0; j < ps->patch_policy_remove_count; j++) {
            const char *name = ps->patch_policies_remove [j];
            for (size_t k = 0; name && k < ps->patch_policy_count; k++)
                if (ps->patch_policies [k] && strcmp (ps->patch_policies [k], name) == 0)
                    s_error_at (ctx, &ps->patch_policies_remove [j],
                                "\"%s\" is both added and removed by this policy", name);
        }
        if (ps->update_window && !ps->update_window_template &&
            !s_index_find (&windows, ps->update_window) &&
            !s_index_find (&window_groups, ps->update_window))
            s_error_at (ctx, &ps->update_window,
                        "\"%s\" is not a window or window group in this file", ps->update_window);
    }
    for (size_t i = 0; i < s->assignment_count; i++) {
        const pw_setup_assignment_t *a = &s->assignments [i];
        if (a->policy && !s_index_find (&system_policies, a->policy))
            s_error_at (ctx, &a->policy, "\"%s\" is not a system policy in this file", a->policy);
        if (a->view && !s_index_find (&views, a->view))
            s_error_at (ctx, &a->view, "\"%s\" is not a view in this file", a->view);
        if (a->org) {
            const pw_setup_org_t *org = s_index_find (&orgs, a->org);
            if (!org)
                s_error_at (ctx, &a->target, "\"%s\" is not an org in this file", a->org);
            else if (a->group && !s_sorted_has (org->groups, org->group_count, a->group))
                s_error_at (ctx, &a->target, "group \"%s\" is not declared in org \"%s\"", a->group,
                            a->org);
        }
        for (size_t j = 0; j < i; j++) {
            const pw_setup_assignment_t *b = &s->assignments [j];
            if (a->policy && b->policy && strcmp (a->policy, b->policy) == 0 &&
                a->level == b->level &&
                (a->target == b->target ||
                 (a->target && b->target && strcmp (a->target, b->target) == 0)) &&
                (a->view == b->view || (a->view && b->view && strcmp (a->view, b->view) == 0))) {
                s_error_at (ctx, &a->line, "the same assignment as assignments[%zu] (line %d)", j,
                            b->line);
                break;
            }
        }
    }
    for (size_t i = 0; i < s->blackout_count; i++) {
        const pw_setup_blackout_t *b = &s->blackouts [i];
        if (b->org && !s_index_find (&orgs, b->org))
            s_error_at (ctx, &b->org, "\"%s\" is not an org in this file", b->org);
    }
    if (s->cycle.kind == PW_SETUP_CYCLE_WEEKLY)
        for (size_t i = 0; i < s->window_count; i++)
            if (s->windows [i].offset_days > 6)
                s_error_at (ctx, &s->windows [i].offset_days,
                            "%d is out of range 0..6 for a weekly cycle",
                            s->windows [i].offset_days);
    s_check_window_groups (ctx, &window_groups);
    if (ctx->tenant && s->tenant && strcmp (ctx->tenant, s->tenant) != 0)
        s_error_at (ctx, &s->tenant, "this file is for tenant \"%s\", not \"%s\"", s->tenant,
                    ctx->tenant);

    free (orgs.entries);
    free (views.entries);
    free (patch_policies.entries);
    free (kbs.entries);
    free (system_policies.entries);
    free (windows.entries);
    free (window_groups.entries);
    free (dependencies.entries);
}

//  Defaults that depend on other sections.
static void
s_finish (s_ctx_t *ctx)
{
    pw_setup_t *s = ctx->setup;
    for (size_t i = 0; i < s->org_count; i++)
        if (!s->orgs [i].timezone)
            s->orgs [i].timezone = s->settings.timezone;
}

//  --------------------------------------------------------------------------
//  Public API

static void
s_errors_sort (pw_setup_errors_t *errors)
{
    //  Insertion sort: stable, and the list is short.
    for (size_t i = 1; i < errors->count; i++) {
        pw_setup_error_t item = errors->items [i];
        size_t j = i;
        while (j > 0 && errors->items [j - 1].line > item.line) {
            errors->items [j] = errors->items [j - 1];
            j--;
        }
        errors->items [j] = item;
    }
}

static pw_setup_t *
s_parse (const char *text, size_t len, const pw_setup_options_t *options,
         pw_setup_errors_t **errors_p, pw_setup_errors_t *errors)
{
    s_ctx_t ctx = {.errors = errors};
    pw_strbuf_init (&ctx.path);
    ctx.zoneinfo_root =
        options && options->zoneinfo_root ? options->zoneinfo_root : S_DEFAULT_ZONEINFO;
    ctx.tenant = options ? options->tenant : NULL;
    pw_setup_t *setup = pw_calloc (1, sizeof (pw_setup_t));
    setup->arena_ = pw_calloc (1, sizeof (s_arena_t));
    ctx.setup = setup;
    ctx.arena = setup->arena_;

    if (errors->count == 0) {
        if (len > PW_SETUP_MAX_BYTES)
            s_error_path (&ctx, "", 0, "the file is larger than 8 MiB (%zu bytes)", len);
        else {
            s_node_t *root = text && len ? s_load_yaml (&ctx, text, len) : NULL;
            char shown [64];
            if (errors->count == 0 && (!root || root->null))
                s_error_path (&ctx, "", 0, "the setup file is empty");
            else if (root && root->kind != S_MAP)
                s_error_path (&ctx, "", root->line, "expected a mapping of sections, found %s",
                              s_describe (root, shown, sizeof shown));
            else if (root) {
                s_decode_object (&ctx, root, &s_top_table, setup);
                s_finish (&ctx);
                s_check_references (&ctx);
            }
        }
    }
    s_errors_sort (errors);
    if (ctx.too_many) {
        ctx.too_many = false;
        errors->count--; //  make room for the closing note
        free (errors->items [errors->count].path);
        free (errors->items [errors->count].message);
        s_error_path (&ctx, "", 0, "too many errors; only the first %d are shown",
                      PW_SETUP_MAX_ERRORS - 1);
    }
    pw_strbuf_free (&ctx.path);
    free (ctx.where);
    s_arena_free (&ctx.temp);
    if (errors->count) {
        pw_setup_destroy (&setup);
        if (errors_p)
            *errors_p = errors;
        else
            pw_setup_errors_destroy (&errors);
        return NULL;
    }
    pw_setup_errors_destroy (&errors);
    if (errors_p)
        *errors_p = NULL;
    return setup;
}

pw_setup_t *
pw_setup_parse (const char *text, size_t len, const pw_setup_options_t *options,
                pw_setup_errors_t **errors_p)
{
    return s_parse (text, len, options, errors_p, pw_calloc (1, sizeof (pw_setup_errors_t)));
}

//  strerror is not thread-safe; services parse on several threads.
static const char *
s_strerror (int code, char reason [128])
{
    return strerror_r (code, reason, 128);
}

pw_setup_t *
pw_setup_load (const char *filename, const pw_setup_options_t *options,
               pw_setup_errors_t **errors_p)
{
    char reason [128];
    pw_setup_errors_t *errors = pw_calloc (1, sizeof (pw_setup_errors_t));
    s_ctx_t ctx = {.errors = errors};
    pw_strbuf_init (&ctx.path);
    char *text = NULL;
    size_t len = 0;
    int fd = open (filename, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat (fd, &st) != 0)
        s_error_path (&ctx, "", 0, "cannot read %s: %s", filename, s_strerror (errno, reason));
    else if (!S_ISREG (st.st_mode))
        s_error_path (&ctx, "", 0, "cannot read %s: not a regular file", filename);
    else if ((size_t)st.st_size > PW_SETUP_MAX_BYTES)
        s_error_path (&ctx, "", 0, "%s is larger than 8 MiB (%lld bytes)", filename,
                      (long long)st.st_size);
    else {
        //  Read to end of file, never past the limit (the file may grow).
        size_t cap = (size_t)st.st_size + 1;
        text = pw_malloc (cap + 1);
        while (true) {
            ssize_t n = read (fd, text + len, cap - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                s_error_path (&ctx, "", 0, "cannot read %s: %s", filename,
                              s_strerror (errno, reason));
                break;
            }
            if (n == 0)
                break;
            len += (size_t)n;
            if (len == cap) {
                if (cap > PW_SETUP_MAX_BYTES) {
                    s_error_path (&ctx, "", 0, "%s is larger than 8 MiB", filename);
                    break;
                }
                cap = cap * 2 > PW_SETUP_MAX_BYTES + 1 ? PW_SETUP_MAX_BYTES + 1 : cap * 2;
                text = pw_realloc (text, cap + 1);
            }
        }
    }
    if (fd >= 0)
        close (fd);
    pw_strbuf_free (&ctx.path);
    pw_setup_t *setup = s_parse (text, len, options, errors_p, errors);
    free (text);
    return setup;
}

void
pw_setup_destroy (pw_setup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_setup_t *self = *self_p;
    if (self->arena_) {
        s_arena_free (self->arena_);
        free (self->arena_);
    }
    free (self);
    *self_p = NULL;
}

#define S_FIND(fn, type, field, count)                                                             \
    const type *fn (const pw_setup_t *self, const char *name)                                      \
    {                                                                                              \
        for (size_t i = 0; self && name && i < self->count; i++)                                   \
            if (self->field [i].name && strcmp (self->field [i].name, name) == 0)                  \
                return &self->field [i];                                                           \
        return NULL;                                                                               \
    }
S_FIND (pw_setup_org, pw_setup_org_t, orgs, org_count)
S_FIND (pw_setup_view, pw_setup_view_t, views, view_count)
S_FIND (pw_setup_patch_policy, pw_setup_patch_policy_t, patch_policies, patch_policy_count)
S_FIND (pw_setup_system_policy, pw_setup_system_policy_t, system_policies, system_policy_count)
S_FIND (pw_setup_window, pw_setup_window_t, windows, window_count)
S_FIND (pw_setup_window_group, pw_setup_window_group_t, window_groups, window_group_count)
#undef S_FIND

const char *
pw_setup_classification_name (int index)
{
    return index >= 0 && index < PW_SETUP_CLASSIFICATION_COUNT ? s_classification_names [index]
                                                               : NULL;
}

//  --------------------------------------------------------------------------
//  Errors

char *
pw_setup_errors_render (const pw_setup_errors_t *self)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    for (size_t i = 0; self && i < self->count; i++) {
        const pw_setup_error_t *e = &self->items [i];
        if (e->path && *e->path)
            pw_strbuf_appendf (&out, "%s: %s", e->path, e->message);
        else if (e->line && e->column)
            pw_strbuf_appendf (&out, "line %d, column %d: %s", e->line, e->column, e->message);
        else
            pw_strbuf_append (&out, e->message);
        if (e->path && *e->path && e->line)
            pw_strbuf_appendf (&out, " (line %d)", e->line);
        else if (!(e->path && *e->path) && e->line && !e->column)
            pw_strbuf_appendf (&out, " (line %d)", e->line);
        pw_strbuf_append (&out, "\n");
    }
    return pw_strbuf_take (&out);
}

void
pw_setup_errors_destroy (pw_setup_errors_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_setup_errors_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free (self->items [i].path);
        free (self->items [i].message);
    }
    free (self->items);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Canonical form

static void
s_canon_str (pw_strbuf_t *out, const char *key, const char *value)
{
    pw_strbuf_appendf (out, " %s=", key);
    pw_strbuf_append_json (out, value);
}

static void
s_canon_names (pw_strbuf_t *out, const char *key, const char *const *names, size_t count, bool sort)
{
    const char **copy = pw_malloc ((count ? count : 1) * sizeof (char *));
    memcpy (copy, names, count * sizeof (char *));
    if (sort)
        qsort (copy, count, sizeof (char *), s_strcmp_p);
    pw_strbuf_appendf (out, " %s=[", key);
    for (size_t i = 0; i < count; i++) {
        if (i)
            pw_strbuf_append (out, ",");
        pw_strbuf_append_json (out, copy [i]);
    }
    pw_strbuf_append (out, "]");
    free (copy);
}

static void
s_canon_duration (pw_strbuf_t *out, const char *key, int64_t seconds)
{
    pw_strbuf_appendf (out, " %s=", key);
    s_duration_format (out, seconds);
}

static void
s_canon_time (pw_strbuf_t *out, const char *key, int minute)
{
    pw_strbuf_appendf (out, " %s=%02d:%02d", key, minute / 60, minute % 60);
}

static void
s_canon_tasks (pw_strbuf_t *out, const char *key, const pw_setup_task_t *tasks, size_t count)
{
    static const char *const names [] = {"disable_monitors", "enable_monitors", "reboot_before"};
    pw_strbuf_appendf (out, " %s=[", key);
    for (size_t i = 0; i < count; i++) {
        if (i)
            pw_strbuf_append (out, ",");
        if (tasks [i].kind == PW_SETUP_TASK_RUN) {
            char *text = pw_sprintf ("run:%s", tasks [i].script);
            pw_strbuf_append_json (out, text);
            free (text);
        } else
            pw_strbuf_append_json (out, names [tasks [i].kind]);
    }
    pw_strbuf_append (out, "]");
}

static void
s_canon_rule (pw_strbuf_t *out, pw_setup_action_t action, int after_days)
{
    pw_strbuf_append (out, s_enum_name (s_action_values, (int)action));
    if (after_days)
        pw_strbuf_appendf (out, "+%dd", after_days);
}

//  Names in canonical order: case-insensitive first, so "sql01" and "SQL01"
//  sit together, then exact, so the order is total.
static int
s_name_compare (const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strcasecmp (x, y);
    return c ? c : strcmp (x, y);
}

typedef struct {
    const char *name; //  first, so s_name_compare sorts these too
    const char *item;
} s_named_t;

//  Returns pointers to ITEMS sorted by the name at NAME_OFFSET (caller
//  frees).
static const char **
s_sorted (const void *items, size_t count, size_t size, size_t name_offset)
{
    s_named_t *named = pw_malloc ((count ? count : 1) * sizeof (s_named_t));
    for (size_t i = 0; i < count; i++) {
        named [i].item = (const char *)items + i * size;
        named [i].name = *(const char *const *)(named [i].item + name_offset);
    }
    qsort (named, count, sizeof (s_named_t), s_name_compare);
    const char **sorted = pw_malloc ((count ? count : 1) * sizeof (char *));
    for (size_t i = 0; i < count; i++)
        sorted [i] = named [i].item;
    free (named);
    return sorted;
}

static int
s_blackout_order (const void *a, const void *b)
{
    const pw_setup_blackout_t *x = *(const pw_setup_blackout_t *const *)a;
    const pw_setup_blackout_t *y = *(const pw_setup_blackout_t *const *)b;
    int c = strcmp (x->org, y->org);
    if (!c)
        c = s_date_compare (&x->from, &y->from);
    if (!c)
        c = s_date_compare (&x->to, &y->to);
    return c ? c : strcmp (x->reason, y->reason);
}

static void
s_canon_section (pw_strbuf_t *out, const pw_setup_t *s, pw_setup_section_t section)
{
    switch (section) {
        case PW_SETUP_SECTION_SETTINGS:
            pw_strbuf_append (out, "settings");
            s_canon_duration (out, "scan_gap", s->settings.scan_gap);
            s_canon_duration (out, "scan_max_age", s->settings.scan_max_age);
            s_canon_duration (out, "review_max_age", s->settings.review_max_age);
            s_canon_str (out, "timezone", s->settings.timezone);
            pw_strbuf_append (out, "\n");
            break;
        case PW_SETUP_SECTION_ORGS: {
            const char **sorted = s_sorted (s->orgs, s->org_count, sizeof (pw_setup_org_t),
                                            offsetof (pw_setup_org_t, name));
            for (size_t i = 0; i < s->org_count; i++) {
                const pw_setup_org_t *o = (const pw_setup_org_t *)sorted [i];
                pw_strbuf_append (out, "org ");
                pw_strbuf_append_json (out, o->name);
                s_canon_str (out, "timezone", o->timezone);
                pw_strbuf_appendf (out, " patching=%s",
                                   o->subscribed ? "subscribed" : "unsubscribed");
                s_canon_names (out, "groups", o->groups, o->group_count, false);
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_VIEWS: {
            const char **sorted = s_sorted (s->views, s->view_count, sizeof (pw_setup_view_t),
                                            offsetof (pw_setup_view_t, name));
            for (size_t i = 0; i < s->view_count; i++) {
                const pw_setup_view_t *v = (const pw_setup_view_t *)sorted [i];
                pw_strbuf_append (out, "view ");
                pw_strbuf_append_json (out, v->name);
                s_canon_str (out, "filter", v->filter);
                s_canon_str (out, "description", v->description);
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_PATCH_POLICIES: {
            const char **sorted = s_sorted (s->patch_policies, s->patch_policy_count,
                                            sizeof (pw_setup_patch_policy_t),
                                            offsetof (pw_setup_patch_policy_t, name));
            for (size_t i = 0; i < s->patch_policy_count; i++) {
                const pw_setup_patch_policy_t *p = (const pw_setup_patch_policy_t *)sorted [i];
                pw_strbuf_append (out, "patch_policy ");
                pw_strbuf_append_json (out, p->name);
                s_canon_str (out, "description", p->description);
                pw_strbuf_appendf (out, " baseline=%s deny_superseded=%s default=%s",
                                   p->baseline ? "true" : "false",
                                   p->deny_superseded ? "true" : "false",
                                   s_enum_name (s_action_values, (int)p->default_action));
                pw_strbuf_append (out, " classifications={");
                bool first = true;
                for (int c = 0; c < PW_SETUP_CLASSIFICATION_COUNT; c++)
                    if (p->classifications [c].set) {
                        pw_strbuf_appendf (out, "%s%s:", first ? "" : ",",
                                           s_classification_names [c]);
                        s_canon_rule (out, p->classifications [c].action,
                                      p->classifications [c].after_days);
                        first = false;
                    }
                pw_strbuf_append (out, "} products=[");
                for (size_t r = 0; r < p->product_count; r++) {
                    pw_strbuf_append (out, r ? ",{" : "{");
                    pw_strbuf_append_json (out, p->products [r].match);
                    pw_strbuf_append (out, ":");
                    s_canon_rule (out, p->products [r].action, p->products [r].after_days);
                    pw_strbuf_append (out, "}");
                }
                pw_strbuf_append (out, "]\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_KB_OVERRIDES: {
            const char **sorted =
                s_sorted (s->kb_overrides, s->kb_override_count, sizeof (pw_setup_kb_override_t),
                          offsetof (pw_setup_kb_override_t, kb));
            for (size_t i = 0; i < s->kb_override_count; i++) {
                const pw_setup_kb_override_t *k = (const pw_setup_kb_override_t *)sorted [i];
                pw_strbuf_append (out, "kb_override ");
                pw_strbuf_append_json (out, k->kb);
                pw_strbuf_appendf (out, " action=%s",
                                   s_enum_name (s_action_values, (int)k->action));
                s_canon_str (out, "note", k->note);
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_SYSTEM_POLICIES: {
            const char **sorted = s_sorted (s->system_policies, s->system_policy_count,
                                            sizeof (pw_setup_system_policy_t),
                                            offsetof (pw_setup_system_policy_t, name));
            for (size_t i = 0; i < s->system_policy_count; i++) {
                const pw_setup_system_policy_t *p = (const pw_setup_system_policy_t *)sorted [i];
                const pw_setup_policy_settings_t *ps = &p->settings;
                pw_strbuf_append (out, "system_policy ");
                pw_strbuf_append_json (out, p->name);
                s_canon_str (out, "description", p->description);
                //  Memberships are sets; task lists keep their order.
                if (ps->set & PW_SETUP_HAS_PATCH_POLICIES)
                    s_canon_names (out, "patch_policies", ps->patch_policies,
                                   ps->patch_policy_count, true);
                if (ps->set & PW_SETUP_HAS_PATCH_POLICIES_REMOVE)
                    s_canon_names (out, "patch_policies_remove", ps->patch_policies_remove,
                                   ps->patch_policy_remove_count, true);
                if (ps->set & PW_SETUP_HAS_SUBSCRIBED)
                    pw_strbuf_appendf (out, " subscribed=%s", ps->subscribed ? "true" : "false");
                if (ps->set & PW_SETUP_HAS_SCAN) {
                    pw_strbuf_appendf (out, " scan=%s@",
                                       s_enum_name (s_weekday_values, (int)ps->scan.day));
                    pw_strbuf_appendf (out, "%02d:%02d", ps->scan.minute / 60,
                                       ps->scan.minute % 60);
                }
                if (ps->set & PW_SETUP_HAS_UPDATE_WINDOW)
                    s_canon_str (out, "update_window", ps->update_window);
                if (ps->set & PW_SETUP_HAS_REBOOT)
                    pw_strbuf_appendf (out, " reboot=%s",
                                       s_enum_name (s_reboot_values, (int)ps->reboot));
                if (ps->set & PW_SETUP_HAS_PRE_TASKS)
                    s_canon_tasks (out, "pre_tasks", ps->pre_tasks, ps->pre_task_count);
                if (ps->set & PW_SETUP_HAS_POST_TASKS)
                    s_canon_tasks (out, "post_tasks", ps->post_tasks, ps->post_task_count);
                if (ps->set & PW_SETUP_HAS_HEALTH_CHECK) {
                    if (ps->health_check.kind == PW_SETUP_CHECK_TCP)
                        pw_strbuf_appendf (out, " health_check=tcp:%d/", ps->health_check.port);
                    else
                        pw_strbuf_append (out, " health_check=agent_checkin/");
                    s_duration_format (out, ps->health_check.timeout);
                }
                if (ps->set & PW_SETUP_HAS_MANUAL_PATCHING)
                    s_canon_str (out, "manual_patching", ps->manual_patching_reason);
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_ASSIGNMENTS:
            //  Order breaks ties, so it is part of the meaning.
            for (size_t i = 0; i < s->assignment_count; i++) {
                const pw_setup_assignment_t *a = &s->assignments [i];
                pw_strbuf_append (out, "assignment");
                s_canon_str (out, "policy", a->policy);
                pw_strbuf_appendf (out, " level=%s", s_enum_name (s_level_values, (int)a->level));
                s_canon_str (out, "target", a->target);
                s_canon_str (out, "view", a->view);
                pw_strbuf_appendf (out, " priority=%d\n", a->priority);
            }
            break;
        case PW_SETUP_SECTION_CYCLE:
            if (s->cycle.kind == PW_SETUP_CYCLE_WEEKLY)
                pw_strbuf_appendf (out, "cycle kind=weekly weekday=%s\n",
                                   s_enum_name (s_weekday_values, (int)s->cycle.weekday));
            else
                pw_strbuf_append (out, "cycle kind=monthly anchor=patch_tuesday\n");
            break;
        case PW_SETUP_SECTION_WINDOWS: {
            const char **sorted = s_sorted (s->windows, s->window_count, sizeof (pw_setup_window_t),
                                            offsetof (pw_setup_window_t, name));
            for (size_t i = 0; i < s->window_count; i++) {
                const pw_setup_window_t *w = (const pw_setup_window_t *)sorted [i];
                pw_strbuf_append (out, "window ");
                pw_strbuf_append_json (out, w->name);
                pw_strbuf_appendf (out, " offset_days=%d", w->offset_days);
                s_canon_time (out, "start", w->start);
                s_canon_duration (out, "duration", w->duration);
                pw_strbuf_appendf (out, " capacity=%d", w->capacity);
                s_canon_str (out, "timezone", w->timezone);
                s_canon_str (out, "group", w->group);
                pw_strbuf_appendf (out, " position=%d\n", w->position);
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_WINDOW_GROUPS: {
            const char **sorted =
                s_sorted (s->window_groups, s->window_group_count, sizeof (pw_setup_window_group_t),
                          offsetof (pw_setup_window_group_t, name));
            for (size_t i = 0; i < s->window_group_count; i++) {
                const pw_setup_window_group_t *g = (const pw_setup_window_group_t *)sorted [i];
                pw_strbuf_append (out, "window_group ");
                pw_strbuf_append_json (out, g->name);
                s_canon_str (out, "description", g->description);
                pw_strbuf_appendf (out, " failure_policy=%s",
                                   s_enum_name (s_failure_values, (int)g->failure_policy));
                if (g->budget_kind == PW_SETUP_BUDGET_COUNT)
                    pw_strbuf_appendf (out, " error_budget=%d", g->budget_value);
                else if (g->budget_kind == PW_SETUP_BUDGET_PERCENT)
                    pw_strbuf_appendf (out, " error_budget=%d%%", g->budget_value);
                else
                    pw_strbuf_append (out, " error_budget=none");
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_BLACKOUTS: {
            const pw_setup_blackout_t **sorted =
                pw_malloc ((s->blackout_count ? s->blackout_count : 1) * sizeof (void *));
            for (size_t i = 0; i < s->blackout_count; i++)
                sorted [i] = &s->blackouts [i];
            qsort (sorted, s->blackout_count, sizeof (void *), s_blackout_order);
            for (size_t i = 0; i < s->blackout_count; i++) {
                const pw_setup_blackout_t *b = sorted [i];
                pw_strbuf_append (out, "blackout");
                s_canon_str (out, "org", b->org);
                pw_strbuf_appendf (out, " from=%04d-%02d-%02d to=%04d-%02d-%02d", b->from.year,
                                   b->from.month, b->from.day, b->to.year, b->to.month, b->to.day);
                s_canon_str (out, "reason", b->reason);
                pw_strbuf_append (out, "\n");
            }
            free (sorted);
            break;
        }
        case PW_SETUP_SECTION_DEPENDENCIES: {
            const char **sorted =
                s_sorted (s->dependencies, s->dependency_count, sizeof (pw_setup_dependency_t),
                          offsetof (pw_setup_dependency_t, agent));
            for (size_t i = 0; i < s->dependency_count; i++) {
                const pw_setup_dependency_t *d = (const pw_setup_dependency_t *)sorted [i];
                const char **after =
                    pw_malloc ((d->after_count ? d->after_count : 1) * sizeof (char *));
                memcpy (after, d->after, d->after_count * sizeof (char *));
                qsort (after, d->after_count, sizeof (char *), s_name_compare);
                pw_strbuf_append (out, "dependency ");
                pw_strbuf_append_json (out, d->agent);
                pw_strbuf_append (out, " after=[");
                for (size_t j = 0; j < d->after_count; j++) {
                    if (j)
                        pw_strbuf_append (out, ",");
                    pw_strbuf_append_json (out, after [j]);
                }
                pw_strbuf_append (out, "]\n");
                free (after);
            }
            free (sorted);
            break;
        }
        default: break;
    }
}

static const char *const s_section_names [PW_SETUP_SECTION_COUNT] = {
    "settings",    "orgs",  "views",   "patch_policies", "kb_overrides", "system_policies",
    "assignments", "cycle", "windows", "window_groups",  "blackouts",    "dependencies"};

const char *
pw_setup_section_name (pw_setup_section_t section)
{
    if (section == PW_SETUP_SECTION_COUNT)
        return "all";
    return (int)section >= 0 && section < PW_SETUP_SECTION_COUNT ? s_section_names [section] : NULL;
}

char *
pw_setup_canonical (const pw_setup_t *self, pw_setup_section_t section)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    if (!self || (int)section < 0 || section > PW_SETUP_SECTION_COUNT)
        return pw_strbuf_take (&out);
    if (section == PW_SETUP_SECTION_COUNT)
        for (int i = 0; i < PW_SETUP_SECTION_COUNT; i++) {
            pw_strbuf_appendf (&out, "[%s]\n", s_section_names [i]);
            s_canon_section (&out, self, (pw_setup_section_t)i);
        }
    else
        s_canon_section (&out, self, section);
    return pw_strbuf_take (&out);
}

void
pw_setup_digest (const pw_setup_t *self, pw_setup_section_t section, char hex [PW_SETUP_DIGEST_HEX])
{
    char *text = pw_setup_canonical (self, section);
    pw_sha256_hex_of (text, strlen (text), hex);
    free (text);
}

//  --------------------------------------------------------------------------
//  Reference

static void
s_reference_type (pw_strbuf_t *out, const s_key_t *key)
{
    static const char *const names [] = {
        [T_TEXT] = "text",        [T_NAME] = "name",        [T_HOST] = "hostname",
        [T_WORD] = "identifier",  [T_GROUP] = "group path", [T_BOOL] = "bool",
        [T_INT] = "integer",      [T_ENUM] = "enum",        [T_DURATION] = "duration",
        [T_TIME] = "time of day", [T_DATE] = "date",        [T_TIMEZONE] = "time zone"};
    if (key->type == T_LIST) {
        pw_strbuf_append (out, "list of ");
        if (key->elem->type == T_OBJECT)
            pw_strbuf_appendf (out, "mappings (`%s`)", key->elem->table->path);
        else {
            s_reference_type (out, key->elem);
            pw_strbuf_append (out, "s");
        }
    } else if (key->type == T_OBJECT)
        pw_strbuf_appendf (out, "mapping (`%s`)", key->table->path);
    else if (key->type == T_CUSTOM)
        pw_strbuf_append (out, key->type_doc);
    else
        pw_strbuf_append (out, names [key->type]);
}

static void
s_reference_allowed (pw_strbuf_t *out, const s_key_t *key)
{
    if (key->allowed_doc) {
        pw_strbuf_append (out, key->allowed_doc);
        return;
    }
    switch (key->type) {
        case T_ENUM:
            for (const s_enum_t *v = key->values; v->name; v++)
                pw_strbuf_appendf (out, "%s`%s`", v == key->values ? "" : ", ", v->name);
            break;
        case T_BOOL: pw_strbuf_append (out, "`true`, `false`"); break;
        case T_INT: pw_strbuf_appendf (out, "%lld..%lld", key->min, key->max); break;
        case T_DURATION:
            pw_strbuf_append (out, "`");
            s_duration_format (out, key->min);
            pw_strbuf_append (out, "`..`");
            s_duration_format (out, key->max);
            pw_strbuf_append (out, "`");
            break;
        case T_TIME: pw_strbuf_append (out, "`\"00:00\"`..`\"23:59\"`"); break;
        case T_DATE: pw_strbuf_append (out, "`YYYY-MM-DD`"); break;
        case T_TIMEZONE: pw_strbuf_append (out, "an IANA zone name"); break;
        case T_NAME: pw_strbuf_append (out, "no `/`, `{`, `}`; 1..128 bytes"); break;
        case T_HOST: pw_strbuf_append (out, "letters, digits, `-`, `_`, `.`"); break;
        case T_GROUP: pw_strbuf_append (out, "dotted letters, digits, `-`, `_`"); break;
        case T_LIST:
            if (key->elem->type == T_NAME)
                pw_strbuf_append (out, "names defined in the file");
            else if (key->elem->type == T_HOST)
                pw_strbuf_append (out, "hostnames");
            else if (key->elem->type == T_GROUP)
                pw_strbuf_append (out, "dotted letters, digits, `-`, `_`");
            break;
        default: break;
    }
}

static void
s_reference_table (pw_strbuf_t *out, const s_table_t *table)
{
    pw_strbuf_appendf (out, "#### %s%s%s\n\n", *table->path ? "`" : "",
                       *table->path ? table->path : "top level", *table->path ? "`" : "");
    pw_strbuf_append (out, "| key | type | required | default | allowed | example | meaning |\n");
    pw_strbuf_append (out, "|---|---|---|---|---|---|---|\n");
    for (const s_key_t *key = table->keys; key->name; key++) {
        pw_strbuf_appendf (out, "| `%s` | ", key->name);
        s_reference_type (out, key);
        pw_strbuf_appendf (out, " | %s | ", key->required ? "yes" : "no");
        if (key->default_doc)
            pw_strbuf_append (out, key->default_doc);
        else if (key->dflt)
            pw_strbuf_appendf (out, "`%s`", key->dflt);
        pw_strbuf_append (out, " | ");
        s_reference_allowed (out, key);
        pw_strbuf_append (out, " | ");
        if (key->example)
            pw_strbuf_appendf (out, "`%s`", key->example);
        pw_strbuf_appendf (out, " | %s |\n", key->doc ? key->doc : "");
    }
    pw_strbuf_append (out, "\n");
}

char *
pw_setup_reference (void)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    for (const s_table_t *const *table = s_tables; *table; table++)
        s_reference_table (&out, *table);
    return pw_strbuf_take (&out);
}
