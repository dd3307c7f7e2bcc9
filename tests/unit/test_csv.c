/*  test_csv - the RFC 4180 reader: quoting, line ends, BOM, line numbers,
    header mapping, ragged rows and every kind of bad record.

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
    return PW_TEST_END ();
}
