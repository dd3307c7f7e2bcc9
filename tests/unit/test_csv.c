/*  test_csv - the RFC 4180 reader: quoting, line ends, BOM, line numbers,
    header mapping, ragged rows and every kind of bad record; and the
    splitting of a file into parts that each read, behind the header row,
    as the same records on the same lines as the whole file.

    Each case renders what the reader returns as text, one line per call:
    `LINE:field|field|...` for a record and `LINE!message` for a bad one,
    and compares it with the expected text, written by hand.
*/
#include "pw_csv.h"
#include "pw_util.h"
#include "../pw_test.h"

//  Reads every record of LEN bytes of TEXT and renders them.
static char *
s_render (const char *text, size_t len, bool header, size_t max_record)
{
    pw_csv_t *csv = pw_csv_new (text, len);
    if (max_record)
        pw_csv_set_max_record (csv, max_record);
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "");
    if (header && pw_csv_read_header (csv) != 0)
        pw_strbuf_appendf (&out, "H%d!%s\n", pw_csv_line (csv), pw_csv_error (csv));
    for (;;) {
        int rc = pw_csv_next (csv);
        if (rc == 0)
            break;
        if (rc < 0) {
            pw_strbuf_appendf (&out, "%d!%s\n", pw_csv_line (csv), pw_csv_error (csv));
            continue;
        }
        pw_strbuf_appendf (&out, "%d:", pw_csv_line (csv));
        for (size_t i = 0; i < pw_csv_field_count (csv); i++)
            pw_strbuf_appendf (&out, "%s%s", i ? "|" : "", pw_csv_field (csv, i));
        pw_strbuf_append (&out, "\n");
    }
    pw_csv_destroy (&csv);
    return pw_strbuf_take (&out);
}

typedef struct {
    const char *name;
    const char *text;
    size_t len; //  0: strlen (text)
    const char *expected;
} s_case_t;

static const s_case_t s_records [] = {
    {"plain", "a,b,c\n1,2,3\n", 0, "1:a|b|c\n2:1|2|3\n"},
    {"no final newline", "a,b\n1,2", 0, "1:a|b\n2:1|2\n"},
    {"CRLF", "a,b\r\n1,2\r\n", 0, "1:a|b\n2:1|2\n"},
    {"comma inside quotes", "\"x,y\",z\n", 0, "1:x,y|z\n"},
    {"doubled quotes", "\"he said \"\"hi\"\"\",2\n", 0, "1:he said \"hi\"|2\n"},
    {"only a doubled quote", "\"\"\"\"\n", 0, "1:\"\n"},
    {"newline inside quotes", "\"line1\nline2\",b\nnext,c\n", 0, "1:line1\nline2|b\n3:next|c\n"},
    {"CRLF inside quotes kept", "\"a\r\nb\",c\r\nd,e\r\n", 0, "1:a\r\nb|c\n3:d|e\n"},
    {"two newlines inside quotes", "\"1\n2\n3\"\nx\n", 0, "1:1\n2\n3\n4:x\n"},
    {"BOM", "\xEF\xBB\xBFkb,title\nKB1,t\n", 0, "1:kb|title\n2:KB1|t\n"},
    {"empty fields", ",,\n", 0, "1:||\n"},
    {"empty quoted field", "\"\",x\n", 0, "1:|x\n"},
    {"trailing comma", "a,\n", 0, "1:a|\n"},
    {"blank lines skipped, numbers kept", "a\n\n\r\nb\n", 0, "1:a\n4:b\n"},
    {"spaces are data", " a , b \n", 0, "1: a | b \n"},
    {"lone CR is data", "a\rb,c\n", 0, "1:a\rb|c\n"},
    {"empty text", "", 0, ""},
    {"only a BOM", "\xEF\xBB\xBF", 0, ""},
    {"UTF-8 passes through", "Zürich,東京\n", 0, "1:Zürich|東京\n"},
    {"unterminated quote", "a,\"bc\nd\n", 0,
     "1!unterminated quoted field (its quote opens on line 1)\n"},
    {"unterminated quote on a later line", "ok\nx,\"never closed", 0,
     "1:ok\n2!unterminated quoted field (its quote opens on line 2)\n"},
    {"quote inside an unquoted field", "ab\"c,d\nx,y\n", 0,
     "1!quote inside unquoted field 1 (quote the whole field and double the quote)\n2:x|y\n"},
    {"text after a closing quote", "\"ab\"c,d\nx\n", 0,
     "1!unexpected text after the closing quote of field 1\n2:x\n"},
    {"NUL byte", "a\0b,c\nx\n", 8, "1!NUL byte in field 1\n2:x\n"},
    {"NUL byte inside quotes", "a,\"b\0\"\nx\n", 9, "1!NUL byte in field 2\n2:x\n"},
};

static void
s_test_records (void)
{
    for (size_t i = 0; i < sizeof s_records / sizeof s_records [0]; i++) {
        const s_case_t *c = &s_records [i];
        char *got = s_render (c->text, c->len ? c->len : strlen (c->text), false, 0);
        if (strcmp (got, c->expected) != 0)
            PW_FAIL_AT ("%s: got\n%s\nexpected\n%s", c->name, got, c->expected);
        free (got);
    }
}

static const s_case_t s_headers [] = {
    {"ragged rows", "a,b,c\n1,2\n1,2,3\n1,2,3,4\n", 0,
     "2!ragged row: 2 fields, the header has 3\n3:1|2|3\n4!ragged row: 4 fields, the header has "
     "3\n"},
    {"one field where three are due", "a,b,c\nlonely\n", 0,
     "2!ragged row: 1 field, the header has 3\n"},
    {"duplicate column (case)", "kb,title,KB\n1,2,3\n", 0,
     "H1!header column \"KB\" appears twice (columns 1 and 3)\n2:1|2|3\n"},
    {"unnamed column", "a,,b\n", 0, "H1!header column 2 has no name\n"},
    {"empty file", "", 0, "H1!the file is empty: no header row\n"},
    {"header after blank lines", "\n\nx,y\n1,2\n", 0, "4:1|2\n"},
    {"bad header", "\"a,b\n", 0, "H1!unterminated quoted field (its quote opens on line 1)\n"},
};

static void
s_test_headers (void)
{
    for (size_t i = 0; i < sizeof s_headers / sizeof s_headers [0]; i++) {
        const s_case_t *c = &s_headers [i];
        char *got = s_render (c->text, strlen (c->text), true, 0);
        if (strcmp (got, c->expected) != 0)
            PW_FAIL_AT ("%s: got\n%s\nexpected\n%s", c->name, got, c->expected);
        free (got);
    }
}

static void
s_test_columns (void)
{
    const char *text = "\xEF\xBB\xBF"
                       "KB, Title ,cf.PatchWindow\r\nKB1,t,SAT-1\r\n";
    pw_csv_t *csv = pw_csv_new (text, strlen (text));
    PW_CHECK_INT (pw_csv_read_header (csv), 0);
    PW_CHECK_INT (pw_csv_column_count (csv), 3);
    PW_CHECK_INT (pw_csv_column (csv, "kb"), 0);
    PW_CHECK_INT (pw_csv_column (csv, "TITLE"), 1);
    PW_CHECK_INT (pw_csv_column (csv, "cf.patchwindow"), 2);
    PW_CHECK_INT (pw_csv_column (csv, "product"), -1);
    PW_CHECK_INT (pw_csv_column (csv, NULL), -1);
    PW_CHECK_STR (pw_csv_column_name (csv, 1), "Title");
    PW_CHECK_STR (pw_csv_column_name (csv, 2), "cf.PatchWindow");
    PW_CHECK (pw_csv_column_name (csv, 3) == NULL);
    PW_CHECK_INT (pw_csv_next (csv), 1);
    PW_CHECK_INT (pw_csv_line (csv), 2);
    PW_CHECK_STR (pw_csv_field (csv, 2), "SAT-1");
    PW_CHECK_INT (pw_csv_field_len (csv, 2), 5);
    PW_CHECK (pw_csv_field (csv, 3) == NULL);
    PW_CHECK_INT (pw_csv_field_len (csv, 9), 0);
    PW_CHECK_STR (pw_csv_error (csv), "");
    PW_CHECK_INT (pw_csv_next (csv), 0);
    PW_CHECK_INT (pw_csv_next (csv), 0);
    pw_csv_destroy (&csv);
    PW_CHECK (csv == NULL);
}

//  A record over the limit is refused by line; the reader goes on.
static void
s_test_max_record (void)
{
    const char *text = "short\n0123456789abcdef\n\"quoted,0123456789\"\nok\n";
    char *got = s_render (text, strlen (text), false, 10);
    PW_CHECK_STR (got, "1:short\n2!row longer than 10 bytes\n3!row longer than 10 bytes\n4:ok\n");
    free (got);
    //  Exactly at the limit is fine.
    got = s_render ("0123456789\n", 11, false, 10);
    PW_CHECK_STR (got, "1:0123456789\n");
    free (got);
    //  The default limit is 1 MiB.
    size_t len = PW_CSV_MAX_RECORD + 10;
    char *big = pw_malloc (len + 8);
    memset (big, 'x', len);
    memcpy (big + len, "\nok\n", 4);
    got = s_render (big, len + 4, false, 0);
    PW_CHECK_STR (got, "1!row longer than 1048576 bytes\n2:ok\n");
    free (got);
    free (big);
}

//  Many records and long fields: the buffer grows and nothing is lost.
static void
s_test_many (void)
{
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    for (int i = 0; i < 5000; i++)
        pw_strbuf_appendf (&text, "%d,\"v%d,\"\"q\"\"\",%0*d\n", i, i, i % 300 + 1, 0);
    pw_csv_t *csv = pw_csv_new (text.data, text.len);
    int count = 0, bad = 0;
    int rc;
    while ((rc = pw_csv_next (csv)) != 0) {
        if (rc < 0) {
            bad++;
            continue;
        }
        char expected [32];
        snprintf (expected, sizeof expected, "v%d,\"q\"", count);
        if (strcmp (pw_csv_field (csv, 1), expected) != 0 || pw_csv_line (csv) != count + 1 ||
            pw_csv_field_len (csv, 2) != (size_t)(count % 300 + 1))
            bad++;
        count++;
    }
    PW_CHECK_INT (count, 5000);
    PW_CHECK_INT (bad, 0);
    pw_csv_destroy (&csv);
    pw_strbuf_free (&text);
}

static void
s_test_null_safe (void)
{
    PW_CHECK_INT (pw_csv_next (NULL), 0);
    PW_CHECK_INT (pw_csv_read_header (NULL), -1);
    PW_CHECK_INT (pw_csv_field_count (NULL), 0);
    PW_CHECK (pw_csv_field (NULL, 0) == NULL);
    PW_CHECK_STR (pw_csv_error (NULL), "");
    PW_CHECK_INT (pw_csv_column (NULL, "a"), -1);
    pw_csv_destroy (NULL);
    pw_csv_t *csv = NULL;
    pw_csv_destroy (&csv);
    //  A NULL text reads as empty.
    csv = pw_csv_new (NULL, 5);
    PW_CHECK_INT (pw_csv_next (csv), 0);
    pw_csv_destroy (&csv);
}

//  Splits TEXT into parts of at most MAX bytes and reads each part behind
//  the header, as the service reads an upload: every record rendered as
//  s_render renders it, the parts one after the other. *PARTS_P gets the
//  parts as `LINE+LEN` (caller frees). Checks that the parts cover the text
//  after the header, but empty lines between them, and that each fits, but
//  a part of one record.
static char *
s_render_parts (const char *text, size_t len, size_t max, char **parts_p)
{
    size_t header_len = 0, count = 0;
    pw_csv_part_t *parts = pw_csv_split (text, len, max, &header_len, &count);
    pw_strbuf_t out, list;
    pw_strbuf_init (&out);
    pw_strbuf_init (&list);
    pw_strbuf_append (&out, "");
    pw_strbuf_append (&list, "");
    size_t at = header_len;
    for (size_t p = 0; p < count; p++) {
        while (at < parts [p].offset &&
               (text [at] == '\n' || (text [at] == '\r' && text [at + 1] == '\n')))
            at += text [at] == '\n' ? 1 : 2;
        if (parts [p].offset != at)
            PW_FAIL_AT ("part %zu begins at %zu, the part before ends at %zu", p, parts [p].offset,
                        at);
        at = parts [p].offset + parts [p].len;
        pw_strbuf_appendf (&list, "%s%d+%zu", p ? " " : "", parts [p].line, parts [p].len);
        pw_strbuf_t part;
        pw_strbuf_init (&part);
        pw_strbuf_append_len (&part, text, header_len);
        pw_strbuf_append_len (&part, text + parts [p].offset, parts [p].len);
        pw_csv_t *csv = pw_csv_new (part.data, part.len);
        if (pw_csv_read_header (csv) != 0)
            pw_strbuf_appendf (&out, "H%d!%s\n", pw_csv_line (csv), pw_csv_error (csv));
        pw_csv_set_line (csv, parts [p].line);
        int records = 0, rc;
        while ((rc = pw_csv_next (csv)) != 0) {
            records++;
            if (rc < 0) {
                pw_strbuf_appendf (&out, "%d!%s\n", pw_csv_line (csv), pw_csv_error (csv));
                continue;
            }
            pw_strbuf_appendf (&out, "%d:", pw_csv_line (csv));
            for (size_t i = 0; i < pw_csv_field_count (csv); i++)
                pw_strbuf_appendf (&out, "%s%s", i ? "|" : "", pw_csv_field (csv, i));
            pw_strbuf_append (&out, "\n");
        }
        if (part.len > max && records > 1)
            PW_FAIL_AT ("part %zu: %zu bytes with the header, %d records", p, part.len, records);
        pw_csv_destroy (&csv);
        pw_strbuf_free (&part);
    }
    while (at < len && (text [at] == '\n' || (text [at] == '\r' && text [at + 1] == '\n')))
        at += text [at] == '\n' ? 1 : 2;
    if (at != len)
        PW_FAIL_AT ("the parts end at %zu, the text at %zu", at, len);
    free (parts);
    *parts_p = pw_strbuf_take (&list);
    return pw_strbuf_take (&out);
}

typedef struct {
    const char *name;
    const char *text;
    size_t max;
    const char *parts; //  LINE+LEN of each part
} s_split_case_t;

static const s_split_case_t s_splits [] = {
    //  A 6-byte header and 4-byte records: two records fit in 14 bytes.
    {"two records a part", "h1,h2\n1,a\n2,b\n3,c\n4,d\n", 14, "2+8 4+8"},
    {"one byte short of two", "h1,h2\n1,a\n2,b\n3,c\n4,d\n", 13, "2+4 3+4 4+4 5+4"},
    {"the whole file fits", "h1,h2\n1,a\n2,b\n3,c\n4,d\n", 22, "2+16"},
    {"no final newline", "h\n1\n2\n3", 5, "2+2 3+3"},
    {"CRLF", "h,n\r\n1,a\r\n2,b\r\n3,c\r\n", 15, "2+10 4+5"},
    {"quoted line breaks stay in their record", "h,n\n1,\"x\ny\"\n2,z\n3,\"p\nq\nr\"\n4,w\n", 16,
     "2+12 5+10 8+4"},
    {"byte-order mark and empty lines", "\xEF\xBB\xBFh\n\n1\n\n\n2\n3\n\n", 8, "2+3 6+2 7+2"},
    {"a record larger than a part", "h\n1234567890\n1\n", 5, "2+11 3+2"},
    {"header only", "h1,h2\n", 4, "2+0"},
    {"empty", "", 10, "1+0"},
    {"broken quoting ends where the reader ends it", "h\nab\"c\nx\n\"y\"z\nw\n", 4,
     "2+5 3+2 4+5 5+2"},
    {"unterminated quote runs to the end", "h\n1\n\"2\n3\n4\n", 4, "2+2 3+7"},
};

static void
s_test_split (void)
{
    for (size_t i = 0; i < sizeof s_splits / sizeof s_splits [0]; i++) {
        const s_split_case_t *c = &s_splits [i];
        size_t len = strlen (c->text);
        char *parts = NULL;
        char *got = s_render_parts (c->text, len, c->max, &parts);
        char *whole = s_render (c->text, len, true, 0);
        if (strcmp (got, whole) != 0)
            PW_FAIL_AT ("%s: in parts\n%s\nwhole\n%s", c->name, got, whole);
        if (strcmp (parts, c->parts) != 0)
            PW_FAIL_AT ("%s: parts %s, expected %s", c->name, parts, c->parts);
        free (parts);
        free (got);
        free (whole);
    }
    //  The header goes in front of every part, as written.
    const char *text = "\xEF\xBB\xBF"
                       "Host ,\"Pa\ntch\"\r\nA,1\r\nB,2\r\n";
    size_t header_len = 0, count = 0;
    pw_csv_part_t *parts = pw_csv_split (text, strlen (text), 20, &header_len, &count);
    PW_CHECK_INT (header_len, 19);
    PW_CHECK_INT (count, 2);
    PW_CHECK_INT (parts [0].line, 3);
    PW_CHECK_INT (parts [1].line, 4);
    free (parts);
}

//  A large file with quoted line breaks, in parts of several sizes.
static void
s_test_split_many (void)
{
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    pw_strbuf_append (&text, "host,patch,note\n");
    for (int i = 0; i < 3000; i++) {
        if (i % 7 == 3)
            pw_strbuf_appendf (&text, "H%d,KB%d,\"a\nb, \"\"c\"\"\n\"\r\n", i, i);
        else if (i % 11 == 5)
            pw_strbuf_appendf (&text, "\nH%d,KB%d,\n", i, i);
        else
            pw_strbuf_appendf (&text, "H%d,KB%d,x%0*d\n", i, i, i % 40 + 1, 0);
    }
    char *whole = s_render (text.data, text.len, true, 0);
    static const size_t sizes [] = {17, 64, 100, 1000, 4096, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++) {
        char *parts = NULL;
        char *got = s_render_parts (text.data, text.len, sizes [s], &parts);
        if (strcmp (got, whole) != 0)
            PW_FAIL_AT ("parts of %zu bytes read differently from the whole file", sizes [s]);
        free (parts);
        free (got);
    }
    free (whole);
    pw_strbuf_free (&text);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_records);
    PW_RUN (s_test_headers);
    PW_RUN (s_test_columns);
    PW_RUN (s_test_max_record);
    PW_RUN (s_test_many);
    PW_RUN (s_test_null_safe);
    PW_RUN (s_test_split);
    PW_RUN (s_test_split_many);
    return PW_TEST_END ();
}
