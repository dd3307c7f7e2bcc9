/*  pw_csv - a streaming RFC 4180 reader; see pw_csv.h.

    The reader walks the caller's text once. Each record is unquoted into
    one reusable buffer, fields as offsets into it, so a record costs no
    allocation once the buffer has grown to the longest row. Errors come in
    two kinds: a record whose shape is intact but whose content is refused
    (too long, a NUL byte, ragged) is read to its end, so its fields can
    still be shown; a record whose quoting is broken is skipped to the next
    line end, as nothing better can be known about where it ends.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_csv.h"
#include "pw_util.h"

typedef struct {
    size_t start; //  offset in buf
    size_t len;
} s_field_t;

struct _pw_csv_t {
    const char *text;
    size_t len;
    size_t pos;
    int line;            //  line of text [pos]
    int record_line;     //  first line of the current record
    size_t record_start; //  offset of the current record's first byte
    size_t max_record;

    char *buf; //  unquoted fields, each NUL-terminated
    size_t buf_len, buf_cap;
    s_field_t *fields;
    size_t field_count, field_cap;
    bool overflow; //  the record outgrew max_record: stop storing

    char **columns; //  header names as written (trimmed)
    size_t column_count;

    char error [160];
};

pw_csv_t *
pw_csv_new (const char *text, size_t len)
{
    pw_csv_t *self = pw_calloc (1, sizeof (pw_csv_t));
    self->text = text ? text : "";
    self->len = text ? len : 0;
    self->line = 1;
    self->max_record = PW_CSV_MAX_RECORD;
    //  A UTF-8 byte-order mark is what spreadsheet programs write; it is
    //  not part of the first column's name.
    if (self->len >= 3 && memcmp (self->text, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    return self;
}

void
pw_csv_destroy (pw_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_csv_t *self = *self_p;
    for (size_t i = 0; i < self->column_count; i++)
        free (self->columns [i]);
    free (self->columns);
    free (self->buf);
    free (self->fields);
    free (self);
    *self_p = NULL;
}

void
pw_csv_set_max_record (pw_csv_t *self, size_t bytes)
{
    if (self)
        self->max_record = bytes ? bytes : PW_CSV_MAX_RECORD;
}

static void s_fail (pw_csv_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_fail (pw_csv_t *self, const char *format, ...)
{
    //  The first problem of a record is the one worth reporting.
    if (self->error [0])
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (self->error, sizeof self->error, format, args);
    va_end (args);
}

static void
s_put (pw_csv_t *self, const char *data, size_t len)
{
    if (self->overflow)
        return;
    if (self->buf_len + len + 1 > self->max_record + self->field_count + 1) {
        self->overflow = true;
        return;
    }
    if (self->buf_len + len + 1 > self->buf_cap) {
        size_t cap = self->buf_cap ? self->buf_cap : 256;
        while (cap < self->buf_len + len + 1)
            cap *= 2;
        self->buf = pw_realloc (self->buf, cap);
        self->buf_cap = cap;
    }
    memcpy (self->buf + self->buf_len, data, len);
    self->buf_len += len;
}

static void
s_field_begin (pw_csv_t *self)
{
    if (self->field_count == self->field_cap) {
        self->field_cap = self->field_cap ? self->field_cap * 2 : 16;
        self->fields = pw_realloc (self->fields, self->field_cap * sizeof (s_field_t));
    }
    self->fields [self->field_count].start = self->buf_len;
    self->fields [self->field_count].len = 0;
    self->field_count++;
}

static void
s_field_end (pw_csv_t *self)
{
    s_field_t *field = &self->fields [self->field_count - 1];
    if (self->overflow) {
        field->start = 0;
        field->len = 0;
        return;
    }
    field->len = self->buf_len - field->start;
    s_put (self, "", 0);
    if (!self->overflow)
        self->buf [self->buf_len++] = '\0';
}

//  Skips to just after the next line end; used when the quoting of a
//  record is broken and its true end cannot be known.
static void
s_skip_line (pw_csv_t *self)
{
    const char *nl = memchr (self->text + self->pos, '\n', self->len - self->pos);
    if (nl) {
        self->pos = (size_t)(nl - self->text) + 1;
        self->line++;
    } else
        self->pos = self->len;
}

//  Reads one quoted field, from its opening quote. Returns 0, or -1 when
//  the text ends before the closing quote.
static int
s_read_quoted (pw_csv_t *self)
{
    const char *text = self->text;
    int open_line = self->line;
    self->pos++;
    for (;;) {
        size_t run = self->pos;
        while (run < self->len && text [run] != '"' && text [run] != '\n' && text [run] != '\0')
            run++;
        s_put (self, text + self->pos, run - self->pos);
        self->pos = run;
        if (run >= self->len) {
            s_fail (self, "unterminated quoted field (its quote opens on line %d)", open_line);
            return -1;
        }
        char c = text [run];
        if (c == '"') {
            if (run + 1 < self->len && text [run + 1] == '"') {
                s_put (self, "\"", 1);
                self->pos += 2;
                continue;
            }
            self->pos++;
            return 0;
        }
        if (c == '\n') {
            self->line++;
            s_put (self, &c, 1);
        } else
            s_fail (self, "NUL byte in field %zu", self->field_count);
        self->pos++;
    }
}

int
pw_csv_next (pw_csv_t *self)
{
    if (!self)
        return 0;
    const char *text = self->text;
    self->field_count = 0;
    self->buf_len = 0;
    self->overflow = false;
    self->error [0] = '\0';

    while (self->pos < self->len) {
        if (text [self->pos] == '\n') {
            self->pos++;
            self->line++;
        } else if (text [self->pos] == '\r' && self->pos + 1 < self->len &&
                   text [self->pos + 1] == '\n') {
            self->pos += 2;
            self->line++;
        } else
            break;
    }
    if (self->pos >= self->len)
        return 0;
    self->record_line = self->line;
    self->record_start = self->pos;
    size_t record_start = self->pos, record_end = self->pos;

    for (;;) {
        s_field_begin (self);
        bool quoted = self->pos < self->len && text [self->pos] == '"';
        if (quoted) {
            if (s_read_quoted (self) != 0) {
                s_field_end (self);
                return -1;
            }
        } else {
            for (;;) {
                size_t run = self->pos;
                while (run < self->len) {
                    char c = text [run];
                    if (c == ',' || c == '\n' || c == '"' || c == '\0')
                        break;
                    if (c == '\r' && run + 1 < self->len && text [run + 1] == '\n')
                        break;
                    run++;
                }
                s_put (self, text + self->pos, run - self->pos);
                self->pos = run;
                if (run < self->len && text [run] == '\0') {
                    //  Dropped, and the record read to its end so that it
                    //  still ends where it should.
                    s_fail (self, "NUL byte in field %zu", self->field_count);
                    self->pos++;
                    continue;
                }
                break;
            }
            if (self->pos < self->len && text [self->pos] == '"') {
                s_fail (self,
                        "quote inside unquoted field %zu (quote the whole field and double the "
                        "quote)",
                        self->field_count);
                s_field_end (self);
                s_skip_line (self);
                return -1;
            }
        }
        s_field_end (self);
        record_end = self->pos;
        if (self->pos >= self->len)
            break;
        char c = text [self->pos];
        if (c == ',') {
            self->pos++;
            continue;
        }
        if (c == '\n') {
            self->pos++;
            self->line++;
            break;
        }
        if (c == '\r' && self->pos + 1 < self->len && text [self->pos + 1] == '\n') {
            self->pos += 2;
            self->line++;
            break;
        }
        s_fail (self, "unexpected text after the closing quote of field %zu", self->field_count);
        s_skip_line (self);
        return -1;
    }
    if (self->overflow || record_end - record_start > self->max_record) {
        self->error [0] = '\0';
        s_fail (self, "row longer than %zu bytes", self->max_record);
        //  Its fields were not kept: show none rather than half of them.
        self->field_count = 0;
        return -1;
    }
    if (self->error [0])
        return -1;
    if (self->column_count && self->field_count != self->column_count) {
        s_fail (self, "ragged row: %zu field%s, the header has %zu", self->field_count,
                self->field_count == 1 ? "" : "s", self->column_count);
        return -1;
    }
    return 1;
}

static char *
s_trimmed (const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t len = strlen (text);
    while (len > 0 && (text [len - 1] == ' ' || text [len - 1] == '\t'))
        len--;
    return pw_strndup (text, len);
}

int
pw_csv_read_header (pw_csv_t *self)
{
    if (!self)
        return -1;
    for (size_t i = 0; i < self->column_count; i++)
        free (self->columns [i]);
    free (self->columns);
    self->columns = NULL;
    self->column_count = 0;

    int rc = pw_csv_next (self);
    if (rc == 0) {
        self->record_line = self->line;
        s_fail (self, "the file is empty: no header row");
        return -1;
    }
    if (rc < 0)
        return -1;
    char **names = pw_calloc (self->field_count, sizeof (char *));
    for (size_t i = 0; i < self->field_count; i++) {
        names [i] = s_trimmed (pw_csv_field (self, i));
        if (!*names [i])
            s_fail (self, "header column %zu has no name", i + 1);
        for (size_t j = 0; j < i && *names [i]; j++)
            if (strcasecmp (names [i], names [j]) == 0)
                s_fail (self, "header column \"%s\" appears twice (columns %zu and %zu)", names [i],
                        j + 1, i + 1);
    }
    if (self->error [0]) {
        for (size_t i = 0; i < self->field_count; i++)
            free (names [i]);
        free (names);
        return -1;
    }
    self->columns = names;
    self->column_count = self->field_count;
    return 0;
}

size_t
pw_csv_field_count (pw_csv_t *self)
{
    return self ? self->field_count : 0;
}

const char *
pw_csv_field (pw_csv_t *self, size_t index)
{
    if (!self || index >= self->field_count)
        return NULL;
    return self->buf ? self->buf + self->fields [index].start : "";
}

size_t
pw_csv_field_len (pw_csv_t *self, size_t index)
{
    if (!self || index >= self->field_count)
        return 0;
    return self->fields [index].len;
}

int
pw_csv_line (pw_csv_t *self)
{
    return self ? self->record_line : 0;
}

void
pw_csv_set_line (pw_csv_t *self, int line)
{
    if (self && line > 0)
        self->line = line;
}

const char *
pw_csv_error (pw_csv_t *self)
{
    return self ? self->error : "";
}

int
pw_csv_column (pw_csv_t *self, const char *name)
{
    if (!self || !name)
        return -1;
    for (size_t i = 0; i < self->column_count; i++)
        if (strcasecmp (self->columns [i], name) == 0)
            return (int)i;
    return -1;
}

size_t
pw_csv_column_count (pw_csv_t *self)
{
    return self ? self->column_count : 0;
}

const char *
pw_csv_column_name (pw_csv_t *self, size_t index)
{
    if (!self || index >= self->column_count)
        return NULL;
    return self->columns [index];
}

pw_csv_part_t *
pw_csv_split (const char *text, size_t len, size_t max_bytes, size_t *header_len_p, size_t *count_p)
{
    //  A record over the reader's limit is refused but still read to its
    //  end, so the limit does not move any boundary.
    pw_csv_t *csv = pw_csv_new (text, len);
    pw_csv_next (csv);
    size_t header_len = csv->pos;
    size_t budget = max_bytes > header_len ? max_bytes - header_len : 0;
    size_t count = 0, cap = 16;
    pw_csv_part_t *parts = pw_calloc (cap, sizeof (pw_csv_part_t));
    pw_csv_part_t part = {.offset = header_len, .line = csv->line};
    size_t end = header_len; //  where the open part's last record ends
    while (pw_csv_next (csv) != 0) {
        //  The record does not fit: the open part ends with the record
        //  before it, and the next begins with it (empty lines between
        //  them, which the reader skips, are in neither).
        if (end > part.offset && csv->pos - part.offset > budget) {
            if (count == cap) {
                cap *= 2;
                parts = pw_realloc (parts, cap * sizeof (pw_csv_part_t));
            }
            part.len = end - part.offset;
            parts [count++] = part;
            part.offset = csv->record_start;
            part.line = csv->record_line;
        }
        end = csv->pos;
    }
    part.len = end - part.offset;
    parts [count++] = part;
    pw_csv_destroy (&csv);
    *header_len_p = header_len;
    *count_p = count;
    return parts;
}
