/*  pw_json - a small strict JSON reader; see pw_json.h.

    Recursive descent over the caller's text. Values live in an arena owned
    by the reader: parsing the next array element resets it, so reading a
    long array costs memory for one element only. Containers are built on a
    scratch stack and copied into the arena when they close, which keeps
    every container one contiguous array.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_json.h"
#include "pw_util.h"

struct _pw_json_value_t {
    pw_json_type_t type;
    int line;
    int column;
    bool boolean;
    double number;
    const char *text; //  string, or a number as written
    size_t count;
    const pw_json_value_t **items;
    const char **keys;
};

//  A chunk of the arena; data follows the header.
typedef struct s_chunk_t {
    struct s_chunk_t *next;
    size_t size, used;
} s_chunk_t;

typedef struct {
    const char *key;
    const pw_json_value_t *value;
    int line, column; //  of the key, for duplicate-key errors
} s_slot_t;

struct _pw_json_t {
    const char *text;
    size_t len;
    size_t pos;
    int line;
    size_t line_start;
    int depth;

    s_chunk_t *chunks; //  newest first
    s_slot_t *stack;   //  children of the containers being built
    size_t stack_len, stack_cap;
    char *scratch; //  a string being decoded
    size_t scratch_len, scratch_cap;

    bool in_array; //  between array_begin and its end
    bool failed;
    size_t item_bytes;
    int error_line, error_column;
    char error [200];
};

//  --------------------------------------------------------------------------
//  Arena

static void *
s_alloc (pw_json_t *self, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    s_chunk_t *chunk = self->chunks;
    if (!chunk || chunk->size - chunk->used < size) {
        size_t want = size > 32768 ? size : 32768;
        chunk = pw_malloc (sizeof (s_chunk_t) + 16 + want);
        chunk->size = want;
        chunk->used = 0;
        chunk->next = self->chunks;
        self->chunks = chunk;
    }
    //  The header is padded to 16 bytes so every block stays aligned.
    char *data = (char *)chunk + ((sizeof (s_chunk_t) + 15) & ~(size_t)15);
    void *block = data + chunk->used;
    chunk->used += size;
    return block;
}

//  Keeps the oldest chunk (usually enough for one element) and frees the rest.
static void
s_arena_reset (pw_json_t *self)
{
    s_chunk_t *chunk = self->chunks;
    while (chunk && chunk->next) {
        s_chunk_t *next = chunk->next;
        free (chunk);
        chunk = next;
    }
    self->chunks = chunk;
    if (chunk)
        chunk->used = 0;
}

static char *
s_arena_strndup (pw_json_t *self, const char *text, size_t len)
{
    char *copy = s_alloc (self, len + 1);
    if (len)
        memcpy (copy, text, len);
    copy [len] = '\0';
    return copy;
}

//  --------------------------------------------------------------------------
//  Reader

pw_json_t *
pw_json_new (const char *text, size_t len)
{
    pw_json_t *self = pw_calloc (1, sizeof (pw_json_t));
    self->text = text ? text : "";
    self->len = text ? len : 0;
    self->line = 1;
    if (self->len >= 3 && memcmp (self->text, "\xEF\xBB\xBF", 3) == 0)
        self->pos = self->line_start = 3;
    return self;
}

void
pw_json_destroy (pw_json_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_json_t *self = *self_p;
    s_chunk_t *chunk = self->chunks;
    while (chunk) {
        s_chunk_t *next = chunk->next;
        free (chunk);
        chunk = next;
    }
    free (self->stack);
    free (self->scratch);
    free (self);
    *self_p = NULL;
}

static int
s_column (pw_json_t *self, size_t pos)
{
    return pos >= self->line_start ? (int)(pos - self->line_start) + 1 : 1;
}

static int s_fail_at (pw_json_t *self, size_t pos, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_fail_at (pw_json_t *self, size_t pos, const char *format, ...)
{
    if (self->failed)
        return -1;
    self->failed = true;
    self->error_line = self->line;
    self->error_column = s_column (self, pos);
    char message [160];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    snprintf (self->error, sizeof self->error, "line %d, column %d: %s", self->error_line,
              self->error_column, message);
    return -1;
}

static void
s_skip_space (pw_json_t *self)
{
    while (self->pos < self->len) {
        char c = self->text [self->pos];
        if (c == '\n') {
            self->line++;
            self->line_start = ++self->pos;
        } else if (c == ' ' || c == '\t' || c == '\r')
            self->pos++;
        else
            break;
    }
}

//  What the text holds at POS, for messages.
static const char *
s_what (pw_json_t *self, char *buffer, size_t size)
{
    if (self->pos >= self->len)
        return "the end of the text";
    unsigned char c = (unsigned char)self->text [self->pos];
    if (c >= 0x20 && c < 0x7F)
        snprintf (buffer, size, "'%c'", c);
    else
        snprintf (buffer, size, "byte 0x%02X", c);
    return buffer;
}

static void
s_scratch_put (pw_json_t *self, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (self->scratch_len + len > self->scratch_cap) {
        size_t cap = self->scratch_cap ? self->scratch_cap : 256;
        while (cap < self->scratch_len + len)
            cap *= 2;
        self->scratch = pw_realloc (self->scratch, cap);
        self->scratch_cap = cap;
    }
    memcpy (self->scratch + self->scratch_len, data, len);
    self->scratch_len += len;
}

static int
s_hex4 (const char *p, unsigned *out)
{
    unsigned value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p [i];
        value <<= 4;
        if (c >= '0' && c <= '9')
            value |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            value |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            value |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = value;
    return 0;
}

static void
s_put_utf8 (pw_json_t *self, unsigned cp)
{
    char out [4];
    size_t n;
    if (cp < 0x80) {
        out [0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out [0] = (char)(0xC0 | (cp >> 6));
        out [1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out [0] = (char)(0xE0 | (cp >> 12));
        out [1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out [2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out [0] = (char)(0xF0 | (cp >> 18));
        out [1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out [2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out [3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    s_scratch_put (self, out, n);
}

//  Length of the valid UTF-8 sequence at P (at most AVAIL bytes), or 0.
static size_t
s_utf8_length (const unsigned char *p, size_t avail)
{
    unsigned char c = p [0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else
        return 0;
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p [i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p [i] & 0x3F);
    }
    //  Overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

//  Reads a string from its opening quote into the scratch buffer.
static int
s_read_string (pw_json_t *self)
{
    const char *text = self->text;
    size_t open = self->pos;
    self->scratch_len = 0;
    self->pos++;
    for (;;) {
        size_t run = self->pos;
        while (run < self->len) {
            unsigned char c = (unsigned char)text [run];
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                break;
            run++;
        }
        s_scratch_put (self, text + self->pos, run - self->pos);
        self->pos = run;
        if (run >= self->len)
            return s_fail_at (self, open, "unterminated string");
        unsigned char c = (unsigned char)text [run];
        if (c == '"') {
            self->pos++;
            return 0;
        }
        if (c < 0x20)
            return s_fail_at (self, run, "control character 0x%02X inside a string (escape it)", c);
        if (c >= 0x80) {
            size_t n = s_utf8_length ((const unsigned char *)text + run, self->len - run);
            if (n == 0)
                return s_fail_at (self, run, "invalid UTF-8 inside a string");
            s_scratch_put (self, text + run, n);
            self->pos += n;
            continue;
        }
        //  A backslash escape.
        if (run + 1 >= self->len)
            return s_fail_at (self, open, "unterminated string");
        char e = text [run + 1];
        const char *simple = strchr ("\"\\/bfnrt", e);
        if (e && simple) {
            static const char map [] = "\"\\/\b\f\n\r\t";
            s_scratch_put (self, &map [simple - "\"\\/bfnrt"], 1);
            self->pos += 2;
            continue;
        }
        if (e != 'u')
            return s_fail_at (self, run, "unknown escape \\%c", e >= 0x20 && e < 0x7F ? e : '?');
        unsigned cp;
        if (run + 6 > self->len || s_hex4 (text + run + 2, &cp) != 0)
            return s_fail_at (self, run, "\\u needs four hex digits");
        self->pos += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low;
            if (self->pos + 6 > self->len || text [self->pos] != '\\' ||
                text [self->pos + 1] != 'u' || s_hex4 (text + self->pos + 2, &low) != 0 ||
                low < 0xDC00 || low > 0xDFFF)
                return s_fail_at (self, run, "unpaired surrogate \\u%04X", cp);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            self->pos += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF)
            return s_fail_at (self, run, "unpaired surrogate \\u%04X", cp);
        if (cp == 0)
            return s_fail_at (self, run, "\\u0000 is not allowed in a string");
        s_put_utf8 (self, cp);
    }
}

static bool
s_digit (pw_json_t *self, size_t pos)
{
    return pos < self->len && self->text [pos] >= '0' && self->text [pos] <= '9';
}

static int
s_read_number (pw_json_t *self, pw_json_value_t *value)
{
    size_t start = self->pos, p = self->pos;
    if (p < self->len && self->text [p] == '-')
        p++;
    if (!s_digit (self, p))
        return s_fail_at (self, start, "bad number: a digit must follow '-'");
    if (self->text [p] == '0') {
        p++;
        if (s_digit (self, p))
            return s_fail_at (self, start, "bad number: no leading zeros");
    } else
        while (s_digit (self, p))
            p++;
    if (p < self->len && self->text [p] == '.') {
        p++;
        if (!s_digit (self, p))
            return s_fail_at (self, start, "bad number: a digit must follow '.'");
        while (s_digit (self, p))
            p++;
    }
    if (p < self->len && (self->text [p] == 'e' || self->text [p] == 'E')) {
        p++;
        if (p < self->len && (self->text [p] == '+' || self->text [p] == '-'))
            p++;
        if (!s_digit (self, p))
            return s_fail_at (self, start, "bad number: a digit must follow the exponent");
        while (s_digit (self, p))
            p++;
    }
    char *text = s_arena_strndup (self, self->text + start, p - start);
    value->type = PW_JSON_NUMBER;
    value->text = text;
    value->number = strtod (text, NULL);
    self->pos = p;
    return 0;
}

static void
s_push (pw_json_t *self, const char *key, const pw_json_value_t *value, int line, int column)
{
    if (self->stack_len == self->stack_cap) {
        self->stack_cap = self->stack_cap ? self->stack_cap * 2 : 64;
        self->stack = pw_realloc (self->stack, self->stack_cap * sizeof (s_slot_t));
    }
    self->stack [self->stack_len++] = (s_slot_t){key, value, line, column};
}

static int
s_slot_compare (const void *a, const void *b)
{
    const s_slot_t *x = *(const s_slot_t *const *)a, *y = *(const s_slot_t *const *)b;
    int rc = strcmp (x->key, y->key);
    if (rc)
        return rc;
    return x->line != y->line ? (x->line < y->line ? -1 : 1) : (x->column - y->column);
}

//  Moves the top COUNT slots into VALUE. Returns -1 on a duplicate key.
static int
s_close_container (pw_json_t *self, pw_json_value_t *value, size_t count, bool object)
{
    s_slot_t *slots = self->stack + self->stack_len - count;
    if (object && count > 1) {
        //  Sorting finds duplicates in n log n, so a huge object cannot
        //  make the check quadratic.
        s_slot_t **order = pw_malloc (count * sizeof (s_slot_t *));
        for (size_t i = 0; i < count; i++)
            order [i] = &slots [i];
        qsort (order, count, sizeof (s_slot_t *), s_slot_compare);
        const s_slot_t *dup = NULL;
        for (size_t i = 1; i < count; i++)
            if (strcmp (order [i]->key, order [i - 1]->key) == 0 &&
                (!dup || order [i]->line < dup->line ||
                 (order [i]->line == dup->line && order [i]->column < dup->column)))
                dup = order [i];
        if (dup) {
            self->failed = true;
            self->error_line = dup->line;
            self->error_column = dup->column;
            snprintf (self->error, sizeof self->error,
                      "line %d, column %d: duplicate key \"%.60s\"", dup->line, dup->column,
                      dup->key);
            free (order);
            return -1;
        }
        free (order);
    }
    value->count = count;
    value->items = s_alloc (self, (count ? count : 1) * sizeof (pw_json_value_t *));
    if (object)
        value->keys = s_alloc (self, (count ? count : 1) * sizeof (char *));
    for (size_t i = 0; i < count; i++) {
        value->items [i] = slots [i].value;
        if (object)
            value->keys [i] = slots [i].key;
    }
    self->stack_len -= count;
    return 0;
}

static int s_read_value (pw_json_t *self, const pw_json_value_t **value_p);

static int
s_read_container (pw_json_t *self, pw_json_value_t *value)
{
    bool object = self->text [self->pos] == '{';
    char close = object ? '}' : ']';
    char what [32];
    value->type = object ? PW_JSON_OBJECT : PW_JSON_ARRAY;
    if (++self->depth > PW_JSON_MAX_DEPTH)
        return s_fail_at (self, self->pos, "nested deeper than %d levels", PW_JSON_MAX_DEPTH);
    self->pos++;
    size_t count = 0;
    s_skip_space (self);
    if (self->pos < self->len && self->text [self->pos] == close)
        self->pos++;
    else
        for (;;) {
            const char *key = NULL;
            int key_line = 0, key_column = 0;
            if (object) {
                if (self->pos >= self->len || self->text [self->pos] != '"')
                    return s_fail_at (self, self->pos, "expected a key string, found %s",
                                      s_what (self, what, sizeof what));
                key_line = self->line;
                key_column = s_column (self, self->pos);
                if (s_read_string (self) != 0)
                    return -1;
                key = s_arena_strndup (self, self->scratch, self->scratch_len);
                s_skip_space (self);
                if (self->pos >= self->len || self->text [self->pos] != ':')
                    return s_fail_at (self, self->pos, "expected ':' after the key, found %s",
                                      s_what (self, what, sizeof what));
                self->pos++;
                s_skip_space (self);
            }
            const pw_json_value_t *item;
            if (s_read_value (self, &item) != 0)
                return -1;
            s_push (self, key, item, key_line, key_column);
            count++;
            s_skip_space (self);
            if (self->pos < self->len && self->text [self->pos] == ',') {
                self->pos++;
                s_skip_space (self);
                if (self->pos < self->len && self->text [self->pos] == close)
                    return s_fail_at (self, self->pos, "trailing comma before '%c'", close);
                continue;
            }
            if (self->pos < self->len && self->text [self->pos] == close) {
                self->pos++;
                break;
            }
            return s_fail_at (self, self->pos, "expected ',' or '%c', found %s", close,
                              s_what (self, what, sizeof what));
        }
    self->depth--;
    return s_close_container (self, value, count, object);
}

static int
s_literal (pw_json_t *self, const char *word)
{
    size_t n = strlen (word);
    if (self->len - self->pos < n || memcmp (self->text + self->pos, word, n) != 0)
        return -1;
    self->pos += n;
    return 0;
}

static int
s_read_value (pw_json_t *self, const pw_json_value_t **value_p)
{
    char what [32];
    s_skip_space (self);
    pw_json_value_t *value = s_alloc (self, sizeof (pw_json_value_t));
    memset (value, 0, sizeof *value);
    value->line = self->line;
    value->column = s_column (self, self->pos);
    *value_p = value;
    if (self->pos >= self->len)
        return s_fail_at (self, self->pos, "expected a value, found the end of the text");
    char c = self->text [self->pos];
    if (c == '{' || c == '[')
        return s_read_container (self, value);
    if (c == '"') {
        if (s_read_string (self) != 0)
            return -1;
        value->type = PW_JSON_STRING;
        value->text = s_arena_strndup (self, self->scratch, self->scratch_len);
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return s_read_number (self, value);
    if (s_literal (self, "true") == 0) {
        value->type = PW_JSON_BOOL;
        value->boolean = true;
        return 0;
    }
    if (s_literal (self, "false") == 0) {
        value->type = PW_JSON_BOOL;
        return 0;
    }
    if (s_literal (self, "null") == 0)
        return 0;
    return s_fail_at (self, self->pos, "expected a value, found %s",
                      s_what (self, what, sizeof what));
}

static void
s_restart (pw_json_t *self)
{
    s_arena_reset (self);
    self->stack_len = 0;
    self->depth = 0;
}

const pw_json_value_t *
pw_json_parse (pw_json_t *self)
{
    if (!self || self->failed)
        return NULL;
    s_restart (self);
    const pw_json_value_t *value;
    if (s_read_value (self, &value) != 0)
        return NULL;
    s_skip_space (self);
    if (self->pos < self->len) {
        s_fail_at (self, self->pos, "unexpected text after the value");
        return NULL;
    }
    return value;
}

int
pw_json_array_begin (pw_json_t *self)
{
    if (!self || self->failed)
        return -1;
    s_skip_space (self);
    if (self->pos >= self->len || self->text [self->pos] != '[') {
        char what [32];
        return s_fail_at (self, self->pos, "expected '[' (an array of objects), found %s",
                          s_what (self, what, sizeof what));
    }
    self->pos++;
    self->in_array = true;
    s_skip_space (self);
    if (self->pos < self->len && self->text [self->pos] == ']') {
        //  An empty array: the next call sees the end.
        self->pos++;
        self->in_array = false;
    }
    return 0;
}

int
pw_json_array_next (pw_json_t *self, const pw_json_value_t **item_p)
{
    if (item_p)
        *item_p = NULL;
    if (!self || self->failed)
        return -1;
    char what [32];
    s_restart (self);
    if (!self->in_array) {
        s_skip_space (self);
        if (self->pos < self->len)
            return s_fail_at (self, self->pos, "unexpected text after the array");
        return 0;
    }
    s_skip_space (self);
    size_t start = self->pos;
    const pw_json_value_t *item;
    if (s_read_value (self, &item) != 0)
        return -1;
    self->item_bytes = self->pos - start;
    s_skip_space (self);
    if (self->pos < self->len && self->text [self->pos] == ',') {
        self->pos++;
        s_skip_space (self);
        if (self->pos < self->len && self->text [self->pos] == ']')
            return s_fail_at (self, self->pos, "trailing comma before ']'");
    } else if (self->pos < self->len && self->text [self->pos] == ']') {
        self->pos++;
        self->in_array = false;
    } else
        return s_fail_at (self, self->pos, "expected ',' or ']', found %s",
                          s_what (self, what, sizeof what));
    if (item_p)
        *item_p = item;
    return 1;
}

size_t
pw_json_item_bytes (pw_json_t *self)
{
    return self ? self->item_bytes : 0;
}

const char *
pw_json_error (pw_json_t *self)
{
    return self ? self->error : "";
}

int
pw_json_error_line (pw_json_t *self)
{
    return self ? self->error_line : 0;
}

int
pw_json_error_column (pw_json_t *self)
{
    return self ? self->error_column : 0;
}

//  --------------------------------------------------------------------------
//  Accessors

pw_json_type_t
pw_json_type (const pw_json_value_t *value)
{
    return value ? value->type : PW_JSON_NULL;
}

const char *
pw_json_type_name (pw_json_type_t type)
{
    switch (type) {
        case PW_JSON_NULL: return "null";
        case PW_JSON_BOOL: return "boolean";
        case PW_JSON_NUMBER: return "number";
        case PW_JSON_STRING: return "string";
        case PW_JSON_ARRAY: return "array";
        case PW_JSON_OBJECT: return "object";
    }
    return "unknown";
}

int
pw_json_line (const pw_json_value_t *value)
{
    return value ? value->line : 0;
}

int
pw_json_column (const pw_json_value_t *value)
{
    return value ? value->column : 0;
}

bool
pw_json_bool (const pw_json_value_t *value)
{
    return value && value->type == PW_JSON_BOOL && value->boolean;
}

double
pw_json_number (const pw_json_value_t *value)
{
    return value && value->type == PW_JSON_NUMBER ? value->number : 0.0;
}

const char *
pw_json_number_text (const pw_json_value_t *value)
{
    return value && value->type == PW_JSON_NUMBER ? value->text : NULL;
}

const char *
pw_json_string (const pw_json_value_t *value)
{
    return value && value->type == PW_JSON_STRING ? value->text : NULL;
}

size_t
pw_json_size (const pw_json_value_t *value)
{
    return value && (value->type == PW_JSON_ARRAY || value->type == PW_JSON_OBJECT) ? value->count
                                                                                    : 0;
}

const pw_json_value_t *
pw_json_at (const pw_json_value_t *value, size_t index)
{
    return index < pw_json_size (value) ? value->items [index] : NULL;
}

const char *
pw_json_key (const pw_json_value_t *value, size_t index)
{
    return value && value->type == PW_JSON_OBJECT && index < value->count ? value->keys [index]
                                                                          : NULL;
}

const pw_json_value_t *
pw_json_get (const pw_json_value_t *value, const char *key)
{
    if (!value || value->type != PW_JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < value->count; i++)
        if (strcmp (value->keys [i], key) == 0)
            return value->items [i];
    return NULL;
}
