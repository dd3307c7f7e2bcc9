/*  pw_view - the view filter language: tokenizer, parser and evaluator.

    The policy service compiles a view once, when it is defined, and then
    evaluates it for every agent of a tenant against every assignment that
    carries a view (tens of thousands of agents times dozens of views), so
    the compiled form is built for evaluation: a flat program of leaf tests
    and short-circuit jumps that runs in a loop with one boolean register, no
    recursion and no allocation. Literals are lower-cased and globs are
    classified (exact, prefix, suffix, contains) at compile time so that most
    tests are one ASCII case-folding compare. A compiled view is immutable and
    may be shared between threads. docs/views.md is the language reference.
*/
#include "pw_view.h"
#include "pw_util.h"

#include <assert.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Fields

typedef enum {
    FIELD_CLASS,
    FIELD_OS,
    FIELD_OS_VERSION,
    FIELD_HOSTNAME,
    FIELD_ORG,
    FIELD_GROUP,
    FIELD_ORG_PATCHING,
    FIELD_CF,
    FIELD_TAG,
    FIELD_SUBSCRIBED
} field_t;

//  How a field may be compared: free text, one of a closed set of words, or
//  a boolean.
typedef enum { KIND_TEXT, KIND_CLOSED, KIND_BOOL } kind_t;

//  The fixed fields; cf.NAME and tag.NAME are recognized by prefix.
static const struct {
    const char *name;
    field_t field;
} s_fields [] = {
    {"class", FIELD_CLASS},
    {"os", FIELD_OS},
    {"os_version", FIELD_OS_VERSION},
    {"hostname", FIELD_HOSTNAME},
    {"org", FIELD_ORG},
    {"group", FIELD_GROUP},
    {"org.patching", FIELD_ORG_PATCHING},
    {"subscribed", FIELD_SUBSCRIBED},
};

#define FIELD_LIST                                                                                 \
    "class, os, os_version, hostname, org, group, org.patching, cf.NAME, tag.NAME, subscribed"

static kind_t
s_field_kind (field_t field)
{
    switch (field) {
        case FIELD_CLASS:
        case FIELD_ORG_PATCHING: return KIND_CLOSED;
        case FIELD_TAG:
        case FIELD_SUBSCRIBED: return KIND_BOOL;
        default: return KIND_TEXT;
    }
}

//  --------------------------------------------------------------------------
//  Compiled form

typedef enum {
    TEST_IN,     //  text field equals one of VALUES (== is a list of one)
    TEST_GLOB,   //  text field matches the glob
    TEST_UNDER,  //  group lies in the subtree rooted at VALUES [0]
    TEST_MASK,   //  closed field: bit of the agent's value is set in MASK
    TEST_EXISTS, //  cf / tag present
    TEST_BOOL    //  boolean field is true
} test_t;

typedef enum {
    GLOB_EXACT,    //  no wildcard at all
    GLOB_PREFIX,   //  "abc*"
    GLOB_SUFFIX,   //  "*abc"
    GLOB_CONTAINS, //  "*abc*"
    GLOB_ANY,      //  "*"
    GLOB_FNMATCH   //  anything else: handed to fnmatch
} globkind_t;

typedef struct {
    char *text; //  lower-cased (except an fnmatch pattern, kept as written)
    size_t len;
} value_t;

typedef struct {
    field_t field;
    test_t test;
    bool negate;     //  for != and == false
    unsigned mask;   //  TEST_MASK
    globkind_t glob; //  TEST_GLOB
    char *name;      //  cf / tag name, as written
    value_t *values; //  TEST_IN, TEST_GLOB (the literal piece), TEST_UNDER
    size_t value_count;
    char *pattern; //  GLOB_FNMATCH: the pattern as written
} leaf_t;

typedef enum { OP_TEST, OP_JUMP_FALSE, OP_JUMP_TRUE, OP_NOT } opcode_t;

//  One instruction: OP_TEST evaluates leaf ARG into the register; the jumps
//  go to ARG when the register is false / true; OP_NOT flips the register.
typedef struct {
    opcode_t op;
    uint32_t arg;
} instr_t;

//  Marks the end of a chain of jumps still to be patched.
#define CHAIN_END UINT32_MAX

//  Mask bits for closed fields.
#define MASK_SERVER       (1u << PW_CLASS_SERVER)
#define MASK_WORKSTATION  (1u << PW_CLASS_WORKSTATION)
#define MASK_UNSUBSCRIBED 1u
#define MASK_SUBSCRIBED   2u

struct _pw_view_t {
    char *text;
    instr_t *code;
    size_t code_count;
    size_t code_cap;
    leaf_t *leaves;
    size_t leaf_count;
    size_t leaf_cap;
};

//  --------------------------------------------------------------------------
//  ASCII case folding: RMM names are ASCII in practice, and folding must not
//  depend on the process locale.

static inline unsigned char
s_lower (unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static char *
s_lower_dup (const char *text, size_t len)
{
    char *copy = pw_strndup (text, len);
    for (size_t i = 0; i < len; i++)
        copy [i] = (char)s_lower ((unsigned char)copy [i]);
    return copy;
}

//  True when TEXT equals LOWER (already lower-case, LEN bytes) ignoring case.
static bool
s_ieq (const char *text, const value_t *lower)
{
    const unsigned char *a = (const unsigned char *)text;
    const unsigned char *b = (const unsigned char *)lower->text;
    size_t i = 0;
    for (; i < lower->len; i++)
        if (s_lower (a [i]) != b [i])
            return false; //  also stops at the end of TEXT (NUL != any byte of b)
    return a [i] == '\0';
}

static bool
s_iprefix (const char *text, const value_t *lower)
{
    const unsigned char *a = (const unsigned char *)text;
    const unsigned char *b = (const unsigned char *)lower->text;
    for (size_t i = 0; i < lower->len; i++)
        if (s_lower (a [i]) != b [i])
            return false;
    return true;
}

static bool
s_isuffix (const char *text, const value_t *lower)
{
    size_t len = strlen (text);
    if (len < lower->len)
        return false;
    return s_iprefix (text + len - lower->len, lower);
}

static bool
s_icontains (const char *text, const value_t *lower)
{
    size_t len = strlen (text);
    if (len < lower->len)
        return false;
    for (size_t start = 0; start + lower->len <= len; start++)
        if (s_iprefix (text + start, lower))
            return true;
    return false;
}

//  Like pw_group_under, but ASCII case-insensitive so that `group under`
//  agrees with `group ==`; ROOT is lower-case.
static bool
s_group_under (const char *group, const value_t *root)
{
    if (root->len == 0)
        return true;
    if (!s_iprefix (group, root))
        return false;
    return group [root->len] == '\0' || group [root->len] == '.';
}

//  --------------------------------------------------------------------------
//  Evaluation

static const char *
s_text_of (const leaf_t *leaf, const pw_agent_t *agent)
{
    const char *text = NULL;
    switch (leaf->field) {
        case FIELD_OS: text = agent->os; break;
        case FIELD_OS_VERSION: text = agent->os_version; break;
        case FIELD_HOSTNAME: text = agent->hostname; break;
        case FIELD_ORG: text = agent->org ? agent->org->name : NULL; break;
        case FIELD_GROUP: text = agent->group; break;
        case FIELD_CF: text = pw_agent_cf (agent, leaf->name); break;
        default: assert (false);
    }
    //  A missing custom field reads as the empty string, as RMMs show it.
    return text ? text : "";
}

static bool
s_leaf_match (const leaf_t *leaf, const pw_agent_t *agent)
{
    bool result = false;
    switch (leaf->test) {
        case TEST_IN: {
            const char *text = s_text_of (leaf, agent);
            for (size_t i = 0; i < leaf->value_count && !result; i++)
                result = s_ieq (text, &leaf->values [i]);
            break;
        }
        case TEST_GLOB: {
            const char *text = s_text_of (leaf, agent);
            switch (leaf->glob) {
                case GLOB_EXACT: result = s_ieq (text, &leaf->values [0]); break;
                case GLOB_PREFIX: result = s_iprefix (text, &leaf->values [0]); break;
                case GLOB_SUFFIX: result = s_isuffix (text, &leaf->values [0]); break;
                case GLOB_CONTAINS: result = s_icontains (text, &leaf->values [0]); break;
                case GLOB_ANY: result = true; break;
                case GLOB_FNMATCH: result = fnmatch (leaf->pattern, text, FNM_CASEFOLD) == 0; break;
            }
            break;
        }
        case TEST_UNDER: result = s_group_under (s_text_of (leaf, agent), &leaf->values [0]); break;
        case TEST_MASK: {
            unsigned bit;
            if (leaf->field == FIELD_CLASS)
                bit = (unsigned)agent->klass < 8 ? 1u << agent->klass : 0;
            else
                bit = (agent->org && agent->org->subscribed) ? MASK_SUBSCRIBED : MASK_UNSUBSCRIBED;
            result = (leaf->mask & bit) != 0;
            break;
        }
        case TEST_EXISTS:
            if (leaf->field == FIELD_CF)
                result = pw_agent_cf (agent, leaf->name) != NULL;
            else
                result = pw_agent_has_tag (agent, leaf->name);
            break;
        case TEST_BOOL:
            if (leaf->field == FIELD_TAG)
                result = pw_agent_has_tag (agent, leaf->name);
            else
                result = pw_agent_inventory_subscribed (agent);
            break;
    }
    return result != leaf->negate;
}

bool
pw_view_match (const pw_view_t *self, const pw_agent_t *agent)
{
    assert (self);
    assert (agent);
    //  An empty program is the match-all view.
    bool reg = true;
    size_t pc = 0;
    while (pc < self->code_count) {
        const instr_t *instr = &self->code [pc];
        switch (instr->op) {
            case OP_TEST:
                reg = s_leaf_match (&self->leaves [instr->arg], agent);
                pc++;
                break;
            case OP_JUMP_FALSE: pc = reg ? pc + 1 : instr->arg; break;
            case OP_JUMP_TRUE: pc = reg ? instr->arg : pc + 1; break;
            case OP_NOT:
                reg = !reg;
                pc++;
                break;
        }
    }
    return reg;
}

const char *
pw_view_text (const pw_view_t *self)
{
    assert (self);
    return self->text;
}

//  --------------------------------------------------------------------------
//  Construction and destruction

static void
s_leaf_free (leaf_t *leaf)
{
    free (leaf->name);
    for (size_t i = 0; i < leaf->value_count; i++)
        free (leaf->values [i].text);
    free (leaf->values);
    free (leaf->pattern);
}

void
pw_view_destroy (pw_view_t **self_p)
{
    assert (self_p);
    pw_view_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->leaf_count; i++)
        s_leaf_free (&self->leaves [i]);
    free (self->leaves);
    free (self->code);
    free (self->text);
    free (self);
    *self_p = NULL;
}

static uint32_t
s_emit (pw_view_t *self, opcode_t op, uint32_t arg)
{
    if (self->code_count == self->code_cap) {
        self->code_cap = self->code_cap ? self->code_cap * 2 : 16;
        self->code = pw_realloc (self->code, self->code_cap * sizeof (instr_t));
    }
    self->code [self->code_count].op = op;
    self->code [self->code_count].arg = arg;
    return (uint32_t)self->code_count++;
}

//  Points every jump on the chain starting at HEAD at the next instruction.
static void
s_patch_chain (pw_view_t *self, uint32_t head)
{
    while (head != CHAIN_END) {
        uint32_t next = self->code [head].arg;
        self->code [head].arg = (uint32_t)self->code_count;
        head = next;
    }
}

//  Appends a zeroed leaf and the OP_TEST that runs it; the view owns the
//  leaf from here on, so a later parse error frees whatever it holds.
static leaf_t *
s_add_leaf (pw_view_t *self, field_t field, const char *name, size_t name_len)
{
    if (self->leaf_count == self->leaf_cap) {
        self->leaf_cap = self->leaf_cap ? self->leaf_cap * 2 : 8;
        self->leaves = pw_realloc (self->leaves, self->leaf_cap * sizeof (leaf_t));
    }
    leaf_t *leaf = &self->leaves [self->leaf_count];
    memset (leaf, 0, sizeof (*leaf));
    leaf->field = field;
    if (name)
        leaf->name = pw_strndup (name, name_len);
    s_emit (self, OP_TEST, (uint32_t)self->leaf_count++);
    return leaf;
}

//  Adds VALUE (the caller's, now the leaf's) to LEAF's values.
static void
s_leaf_add_value (leaf_t *leaf, char *value)
{
    leaf->values = pw_realloc (leaf->values, (leaf->value_count + 1) * sizeof (value_t));
    leaf->values [leaf->value_count].text = value;
    leaf->values [leaf->value_count].len = strlen (value);
    leaf->value_count++;
}

//  --------------------------------------------------------------------------
//  Tokenizer

typedef enum {
    TOK_END,
    TOK_WORD,   //  field names, keywords, true / false
    TOK_STRING, //  "..." with \" and \\ escapes
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_EQ,
    TOK_NE,
    TOK_TILDE
} tokkind_t;

typedef struct {
    tokkind_t kind;
    size_t start; //  byte offset in the text
    size_t len;   //  bytes, quotes included for strings
} token_t;

typedef struct {
    const char *text;
    size_t pos;      //  next byte to scan
    token_t tok;     //  the current token
    int depth;       //  open parentheses
    char *error;     //  the first error; owned until handed to the caller
    pw_view_t *view; //  being built
} parser_t;

static bool
s_is_word_char (unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

//  Hands out BUF's text (caller frees) and releases BUF. Written here rather
//  than with pw_strbuf_take, which leaves a fresh buffer behind to free.
static char *
s_take (pw_strbuf_t *buf)
{
    char *text = pw_strndup (buf->data, buf->len);
    pw_strbuf_free (buf);
    return text;
}

static char *s_printf (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static char *
s_printf (const char *format, ...)
{
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    va_list args;
    va_start (args, format);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    return s_take (&buf);
}

//  Names the 1-based position of byte OFFSET: the column in characters
//  (UTF-8 continuation bytes do not count), and the line too when the text
//  spans several lines (views written as YAML block scalars do).
static void
s_append_position (pw_strbuf_t *buf, const char *text, size_t offset)
{
    size_t line = 1, column = 1;
    bool multiline = strchr (text, '\n') != NULL;
    for (size_t i = 0; i < offset && text [i]; i++) {
        unsigned char c = (unsigned char)text [i];
        if (c == '\n') {
            line++;
            column = 1;
        } else if ((c & 0xC0) != 0x80)
            column++;
    }
    if (multiline)
        pw_strbuf_appendf (buf, "line %zu, column %zu: ", line, column);
    else
        pw_strbuf_appendf (buf, "column %zu: ", column);
}

//  Records the first error at byte OFFSET and returns -1.
static int s_error (parser_t *self, size_t offset, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_error (parser_t *self, size_t offset, const char *format, ...)
{
    if (self->error)
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    s_append_position (&buf, self->text, offset);
    va_list args;
    va_start (args, format);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    self->error = s_take (&buf);
    return -1;
}

//  Appends LEN bytes of TEXT so that a message stays printable on one line,
//  cut after 40 bytes: what a person typed is quoted back, whatever it is.
static void
s_append_raw (pw_strbuf_t *buf, const char *text, size_t len)
{
    size_t shown = len > 40 ? 40 : len;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)text [i];
        if (c < 0x20 || c >= 0x7F)
            pw_strbuf_appendf (buf, "\\x%02X", c);
        else
            pw_strbuf_append_len (buf, (const char *)&c, 1);
    }
    if (shown < len)
        pw_strbuf_append (buf, "...");
}

static void
s_append_quoted (pw_strbuf_t *buf, const char *text, size_t len)
{
    pw_strbuf_append (buf, "\"");
    s_append_raw (buf, text, len);
    pw_strbuf_append (buf, "\"");
}

//  What the current token is, for "found ..." (caller frees).
static char *
s_describe (parser_t *self)
{
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    switch (self->tok.kind) {
        case TOK_END: pw_strbuf_append (&buf, "end of text"); break;
        case TOK_STRING:
            //  A string is shown as written, its own quotes included.
            pw_strbuf_append (&buf, "string ");
            s_append_raw (&buf, self->text + self->tok.start, self->tok.len);
            break;
        default: s_append_quoted (&buf, self->text + self->tok.start, self->tok.len); break;
    }
    return s_take (&buf);
}

//  Records "expected WHAT, found <current token>" and returns -1.
static int
s_expected (parser_t *self, const char *what)
{
    char *found = s_describe (self);
    s_error (self, self->tok.start, "expected %s, found %s", what, found);
    free (found);
    return -1;
}

//  Scans the next token into self->tok. Returns -1 on a lexical error.
static int
s_advance (parser_t *self)
{
    const char *text = self->text;
    size_t pos = self->pos;
    while (text [pos] == ' ' || text [pos] == '\t' || text [pos] == '\n' || text [pos] == '\r')
        pos++;
    token_t *tok = &self->tok;
    tok->start = pos;
    tok->len = 1;
    unsigned char c = (unsigned char)text [pos];
    if (c == '\0') {
        tok->kind = TOK_END;
        tok->len = 0;
    } else if (c == '(')
        tok->kind = TOK_LPAREN;
    else if (c == ')')
        tok->kind = TOK_RPAREN;
    else if (c == ',')
        tok->kind = TOK_COMMA;
    else if (c == '~')
        tok->kind = TOK_TILDE;
    else if (c == '=' && text [pos + 1] == '=') {
        tok->kind = TOK_EQ;
        tok->len = 2;
    } else if (c == '!' && text [pos + 1] == '=') {
        tok->kind = TOK_NE;
        tok->len = 2;
    } else if (c == '=')
        return s_error (self, pos, "expected \"==\" to compare, found a single \"=\"");
    else if (c == '!')
        return s_error (self, pos, "expected \"!=\" or \"not\", found \"!\"");
    else if (c == '"') {
        size_t end = pos + 1;
        while (text [end] != '"') {
            if (text [end] == '\0' || text [end] == '\n')
                return s_error (self, pos, "unterminated string; expected a closing '\"' before %s",
                                text [end] ? "the end of the line" : "the end of the text");
            if (text [end] == '\\') {
                if (text [end + 1] != '"' && text [end + 1] != '\\') {
                    pw_strbuf_t buf;
                    pw_strbuf_init (&buf);
                    s_append_quoted (&buf, text + end, text [end + 1] ? 2 : 1);
                    s_error (self, end,
                             "expected \\\" or \\\\ after a backslash in a string, found %s",
                             buf.data);
                    pw_strbuf_free (&buf);
                    return -1;
                }
                end++;
            }
            end++;
        }
        tok->kind = TOK_STRING;
        tok->len = end + 1 - pos;
    } else if (s_is_word_char (c)) {
        size_t end = pos;
        while (s_is_word_char ((unsigned char)text [end]))
            end++;
        tok->kind = TOK_WORD;
        tok->len = end - pos;
    } else {
        pw_strbuf_t buf;
        pw_strbuf_init (&buf);
        s_append_quoted (&buf, text + pos, 1);
        s_error (self, pos,
                 "expected a field, an operator, a string or a parenthesis, found character %s",
                 buf.data);
        pw_strbuf_free (&buf);
        return -1;
    }
    self->pos = pos + tok->len;
    return 0;
}

//  True when the current token is the word WORD (ASCII case-insensitive).
static bool
s_is_word (parser_t *self, const char *word)
{
    if (self->tok.kind != TOK_WORD || strlen (word) != self->tok.len)
        return false;
    const char *text = self->text + self->tok.start;
    for (size_t i = 0; i < self->tok.len; i++)
        if (s_lower ((unsigned char)text [i]) != (unsigned char)word [i])
            return false;
    return true;
}

static bool
s_is_keyword (parser_t *self)
{
    static const char *keywords [] = {"and", "or", "not", "in", "under", "exists", "true", "false"};
    for (size_t i = 0; i < sizeof (keywords) / sizeof (keywords [0]); i++)
        if (s_is_word (self, keywords [i]))
            return true;
    return false;
}

//  The value of the current string token without quotes and escapes
//  (caller frees).
static char *
s_string_value (parser_t *self)
{
    assert (self->tok.kind == TOK_STRING);
    const char *text = self->text + self->tok.start + 1;
    size_t len = self->tok.len - 2;
    char *value = pw_malloc (len + 1);
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        if (text [i] == '\\')
            i++; //  the tokenizer checked it is \" or \\ .
        value [out++] = text [i];
    }
    value [out] = '\0';
    return value;
}

//  --------------------------------------------------------------------------
//  Value checks

//  Checks a glob the way fnmatch reads it, which silently treats a broken
//  bracket as literal text; a person who wrote "[ab" meant a set.
static int
s_check_glob (parser_t *self, size_t offset, const char *glob)
{
    static const char *classes [] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                     "lower", "print", "punct", "space", "upper", "xdigit"};
    for (size_t i = 0; glob [i]; i++) {
        if (glob [i] == '\\') {
            if (glob [i + 1] == '\0')
                return s_error (self, offset,
                                "malformed glob: expected a character after the final "
                                "backslash, found the end of the pattern");
            i++;
        } else if (glob [i] == '[') {
            size_t open = i;
            size_t j = i + 1;
            if (glob [j] == '!' || glob [j] == '^')
                j++;
            if (glob [j] == ']')
                j++; //  a leading ] is a literal member of the set
            while (glob [j] && glob [j] != ']') {
                if (glob [j] == '\\' && glob [j + 1])
                    j++;
                else if (glob [j] == '[' && glob [j + 1] == ':') {
                    const char *name = glob + j + 2;
                    const char *close = strstr (name, ":]");
                    bool known = false;
                    for (size_t k = 0; close && k < sizeof (classes) / sizeof (classes [0]); k++)
                        known = known || (strlen (classes [k]) == (size_t)(close - name) &&
                                          strncmp (classes [k], name, (size_t)(close - name)) == 0);
                    if (!known)
                        return s_error (self, offset,
                                        "malformed glob: expected a character class such as "
                                        "[:digit:] after \"[:\" at character %zu of the pattern",
                                        j + 1);
                    j = (size_t)(close - glob) + 1;
                }
                j++;
            }
            if (!glob [j])
                return s_error (self, offset,
                                "malformed glob: expected \"]\" to close \"[\" at character %zu "
                                "of the pattern, found the end of the pattern",
                                open + 1);
            i = j;
        }
    }
    return 0;
}

//  Checks the root of `group under`: a dotted path, not a pattern.
static int
s_check_group_path (parser_t *self, size_t offset, const char *path)
{
    if (strpbrk (path, "*?[")) {
        pw_strbuf_t found;
        pw_strbuf_init (&found);
        s_append_raw (&found, self->text + self->tok.start, self->tok.len);
        s_error (self, offset,
                 "expected a group path such as \"servers.sql\" after \"under\", found the "
                 "pattern %s (use ~ for patterns)",
                 found.data);
        pw_strbuf_free (&found);
        return -1;
    }
    size_t len = strlen (path);
    if (len > 0 && (path [0] == '.' || path [len - 1] == '.' || strstr (path, ".."))) {
        char *found = s_describe (self);
        s_error (self, offset,
                 "expected a group path of dot-separated names after \"under\", found %s "
                 "with an empty name",
                 found);
        free (found);
        return -1;
    }
    return 0;
}

//  The mask bit for a value of a closed field, or 0 when it is not one.
static unsigned
s_closed_bit (field_t field, const char *value)
{
    if (field == FIELD_CLASS) {
        pw_class_t klass;
        if (pw_class_parse (value, &klass) != 0)
            return 0;
        return klass == PW_CLASS_SERVER ? MASK_SERVER : MASK_WORKSTATION;
    }
    value_t sub = {"subscribed", 10}, unsub = {"unsubscribed", 12};
    if (s_ieq (value, &sub))
        return MASK_SUBSCRIBED;
    if (s_ieq (value, &unsub))
        return MASK_UNSUBSCRIBED;
    return 0;
}

//  Takes the current string token as a value of LEAF's field: checks it,
//  stores it and advances.
static int
s_take_value (parser_t *self, leaf_t *leaf)
{
    size_t offset = self->tok.start;
    char *value = s_string_value (self);
    int rc = 0;
    if (leaf->test == TEST_MASK) {
        unsigned bit = s_closed_bit (leaf->field, value);
        if (bit == 0)
            rc = s_expected (self, leaf->field == FIELD_CLASS
                                       ? "\"server\" or \"workstation\" for class"
                                       : "\"subscribed\" or \"unsubscribed\" for org.patching");
        leaf->mask |= bit;
    } else if (leaf->test == TEST_GLOB) {
        rc = s_check_glob (self, offset, value);
        if (rc == 0) {
            //  Literal pieces are compared without fnmatch; see globkind_t.
            size_t len = strlen (value);
            size_t lead = 0, trail = 0;
            while (value [lead] == '*')
                lead++;
            while (len - trail > lead && value [len - trail - 1] == '*')
                trail++;
            bool plain = !strpbrk (value, "?[\\");
            const char *piece = value + lead;
            size_t piece_len = len - lead - trail;
            if (!plain || memchr (piece, '*', piece_len))
                leaf->glob = GLOB_FNMATCH;
            else if (piece_len == 0 && (lead || trail))
                leaf->glob = GLOB_ANY;
            else if (!lead && !trail)
                leaf->glob = GLOB_EXACT;
            else if (!lead)
                leaf->glob = GLOB_PREFIX;
            else if (!trail)
                leaf->glob = GLOB_SUFFIX;
            else
                leaf->glob = GLOB_CONTAINS;
            s_leaf_add_value (leaf, s_lower_dup (piece, piece_len));
            if (leaf->glob == GLOB_FNMATCH)
                leaf->pattern = pw_strdup (value);
        }
    } else {
        if (leaf->test == TEST_UNDER)
            rc = s_check_group_path (self, offset, value);
        if (rc == 0)
            s_leaf_add_value (leaf, s_lower_dup (value, strlen (value)));
    }
    free (value);
    if (rc == 0)
        rc = s_advance (self);
    return rc;
}

//  --------------------------------------------------------------------------
//  Parser
//
//      expr      = and_expr { "or" and_expr }
//      and_expr  = not_expr { "and" not_expr }
//      not_expr  = { "not" } primary
//      primary   = "(" expr ")" | "exists" field | condition
//      condition = field [ op value | "in" "(" string { "," string } ")" ]
//
//  Each level emits code as it goes: "a and b and c" becomes
//  TEST a, JF end, TEST b, JF end, TEST c, end:  so a false operand leaves
//  the register false and skips the rest.

static int s_parse_or (parser_t *self);

typedef struct {
    field_t field;
    const char *name; //  cf / tag name (points into the text)
    size_t name_len;
    size_t start; //  where the field was written
    size_t len;
} fieldref_t;

//  Parses the current word as a field into REF and advances.
static int
s_parse_field (parser_t *self, fieldref_t *ref)
{
    if (self->tok.kind != TOK_WORD || s_is_keyword (self))
        return s_expected (self, "a field, \"not\", \"exists\" or \"(\"");
    const char *word = self->text + self->tok.start;
    size_t len = self->tok.len;
    ref->start = self->tok.start;
    ref->len = len;
    ref->name = NULL;
    ref->name_len = 0;
    for (size_t i = 0; i < sizeof (s_fields) / sizeof (s_fields [0]); i++)
        if (s_is_word (self, s_fields [i].name)) {
            ref->field = s_fields [i].field;
            return s_advance (self);
        }
    size_t prefix = 0;
    if (len >= 3 && s_lower ((unsigned char)word [0]) == 'c' &&
        s_lower ((unsigned char)word [1]) == 'f' && word [2] == '.') {
        ref->field = FIELD_CF;
        prefix = 3;
    } else if (len >= 4 && s_lower ((unsigned char)word [0]) == 't' &&
               s_lower ((unsigned char)word [1]) == 'a' &&
               s_lower ((unsigned char)word [2]) == 'g' && word [3] == '.') {
        ref->field = FIELD_TAG;
        prefix = 4;
    } else {
        char *found = s_describe (self);
        s_error (self, self->tok.start, "unknown field %s; expected one of " FIELD_LIST, found);
        free (found);
        return -1;
    }
    if (len > prefix) {
        ref->name = word + prefix;
        ref->name_len = len - prefix;
        return s_advance (self);
    }
    //  cf."Patch Window": a name with spaces, quoted right after the dot.
    const char *what =
        ref->field == FIELD_CF ? "a custom field name after \"cf.\"" : "a tag name after \"tag.\"";
    if (s_advance (self))
        return -1;
    if (self->tok.kind != TOK_STRING || self->tok.start != ref->start + prefix ||
        self->tok.len == 2)
        return s_expected (self, what);
    ref->name = self->text + self->tok.start + 1;
    ref->name_len = self->tok.len - 2;
    if (memchr (ref->name, '\\', ref->name_len))
        return s_expected (self, "a quoted name without backslashes");
    ref->len = self->tok.start + self->tok.len - ref->start;
    return s_advance (self);
}

static char *
s_field_display (parser_t *self, const fieldref_t *ref)
{
    return pw_strndup (self->text + ref->start, ref->len);
}

//  After "==" / "!=" on a boolean field: true or false.
static int
s_parse_bool_compare (parser_t *self, leaf_t *leaf, bool not_equal, const char *display)
{
    if (s_advance (self))
        return -1;
    bool value;
    if (s_is_word (self, "true"))
        value = true;
    else if (s_is_word (self, "false"))
        value = false;
    else {
        char *what = s_printf ("true or false after \"%s\" (%s is a boolean)",
                               not_equal ? "!=" : "==", display);
        s_expected (self, what);
        free (what);
        return -1;
    }
    leaf->negate = (value == not_equal);
    return s_advance (self);
}

static int
s_parse_condition (parser_t *self)
{
    fieldref_t ref;
    if (s_parse_field (self, &ref))
        return -1;
    kind_t kind = s_field_kind (ref.field);
    leaf_t *leaf = s_add_leaf (self->view, ref.field, ref.name, ref.name_len);
    char *display = s_field_display (self, &ref);
    int rc = -1;
    const char *op = NULL; //  the operator as written, for messages
    if (self->tok.kind == TOK_EQ || self->tok.kind == TOK_NE)
        op = self->tok.kind == TOK_EQ ? "==" : "!=";
    else if (self->tok.kind == TOK_TILDE)
        op = "~";
    else if (s_is_word (self, "in"))
        op = "in";
    else if (s_is_word (self, "under"))
        op = "under";

    if (kind == KIND_BOOL) {
        leaf->test = TEST_BOOL;
        if (self->tok.kind == TOK_EQ || self->tok.kind == TOK_NE)
            rc = s_parse_bool_compare (self, leaf, self->tok.kind == TOK_NE, display);
        else if (op)
            rc = s_error (self, self->tok.start,
                          "operator \"%s\" does not apply to boolean field %s; expected %s "
                          "alone, or \"==\" / \"!=\" with true or false",
                          op, display, display);
        else
            rc = 0; //  the field alone is the condition
        goto cleanup;
    }
    if (!op) {
        const char *ops = kind == KIND_CLOSED        ? "==, != or in"
                          : ref.field == FIELD_GROUP ? "==, !=, ~, in or under"
                                                     : "==, !=, ~ or in";
        char *what = s_printf ("an operator (%s) after %s", ops, display);
        s_expected (self, what);
        free (what);
        if (s_is_word (self, "not")) {
            //  "os not in (...)" reads naturally but is not the syntax.
            char *hinted = s_printf ("%s; write \"not %s ...\" to negate", self->error, display);
            free (self->error);
            self->error = hinted;
        }
        goto cleanup;
    }
    if (strcmp (op, "under") == 0 && ref.field != FIELD_GROUP) {
        rc = s_error (self, self->tok.start,
                      "operator \"under\" applies only to field group; expected %s after %s",
                      kind == KIND_CLOSED ? "==, != or in" : "==, !=, ~ or in", display);
        goto cleanup;
    }
    if (strcmp (op, "~") == 0 && kind == KIND_CLOSED) {
        rc = s_error (self, self->tok.start,
                      "operator \"~\" does not apply to %s, which has fixed values; expected "
                      "==, != or in",
                      display);
        goto cleanup;
    }
    leaf->test = kind == KIND_CLOSED ? TEST_MASK
                 : op [0] == '~'     ? TEST_GLOB
                 : op [0] == 'u'     ? TEST_UNDER
                                     : TEST_IN;
    leaf->negate = op [0] == '!';
    if (s_advance (self))
        goto cleanup;
    if (strcmp (op, "in") != 0) {
        if (self->tok.kind != TOK_STRING) {
            char *what = s_printf ("a string after \"%s\"", op);
            s_expected (self, what);
            free (what);
            goto cleanup;
        }
        rc = s_take_value (self, leaf);
        goto cleanup;
    }
    //  in ( "a", "b", ... )
    if (self->tok.kind != TOK_LPAREN) {
        s_expected (self, "\"(\" after \"in\"");
        goto cleanup;
    }
    if (s_advance (self))
        goto cleanup;
    if (self->tok.kind == TOK_RPAREN) {
        s_expected (self, "at least one string in the list after \"in\"");
        goto cleanup;
    }
    while (true) {
        if (self->tok.kind != TOK_STRING) {
            s_expected (self, "a string in the list after \"in\"");
            goto cleanup;
        }
        if (s_take_value (self, leaf))
            goto cleanup;
        if (self->tok.kind == TOK_RPAREN)
            break;
        if (self->tok.kind != TOK_COMMA) {
            s_expected (self, "\",\" or \")\" in the list after \"in\"");
            goto cleanup;
        }
        if (s_advance (self))
            goto cleanup;
    }
    rc = s_advance (self);

cleanup:
    free (display);
    return rc;
}

static int
s_parse_primary (parser_t *self)
{
    if (self->tok.kind == TOK_LPAREN) {
        size_t open = self->tok.start;
        if (++self->depth > PW_VIEW_MAX_DEPTH)
            return s_error (self, open,
                            "expected at most %d nested parentheses, found deeper nesting",
                            PW_VIEW_MAX_DEPTH);
        if (s_advance (self) || s_parse_or (self))
            return -1;
        if (self->tok.kind != TOK_RPAREN) {
            pw_strbuf_t buf;
            pw_strbuf_init (&buf);
            s_append_position (&buf, self->text, open);
            //  "column 3: " -> "column 3"
            buf.data [buf.len - 2] = '\0';
            char *what = s_printf ("\"and\", \"or\" or \")\" to close the \"(\" at %s", buf.data);
            s_expected (self, what);
            free (what);
            pw_strbuf_free (&buf);
            return -1;
        }
        self->depth--;
        return s_advance (self);
    }
    if (s_is_word (self, "exists")) {
        if (s_advance (self))
            return -1;
        fieldref_t ref;
        size_t start = self->tok.start;
        if (self->tok.kind != TOK_WORD || s_is_keyword (self))
            return s_expected (self, "a cf.NAME or tag.NAME field after \"exists\"");
        if (s_parse_field (self, &ref))
            return -1;
        if (ref.field != FIELD_CF && ref.field != FIELD_TAG) {
            char *display = s_field_display (self, &ref);
            s_error (self, start,
                     "expected a cf.NAME or tag.NAME field after \"exists\", found %s, "
                     "which every agent has",
                     display);
            free (display);
            return -1;
        }
        leaf_t *leaf = s_add_leaf (self->view, ref.field, ref.name, ref.name_len);
        leaf->test = TEST_EXISTS;
        return 0;
    }
    return s_parse_condition (self);
}

static int
s_parse_not (parser_t *self)
{
    //  Iterative, so that a long run of "not" costs no stack.
    bool negate = false;
    while (s_is_word (self, "not")) {
        negate = !negate;
        if (s_advance (self))
            return -1;
    }
    if (s_parse_primary (self))
        return -1;
    if (negate)
        s_emit (self->view, OP_NOT, 0);
    return 0;
}

static int
s_parse_and (parser_t *self)
{
    if (s_parse_not (self))
        return -1;
    uint32_t chain = CHAIN_END;
    while (s_is_word (self, "and")) {
        chain = s_emit (self->view, OP_JUMP_FALSE, chain);
        if (s_advance (self) || s_parse_not (self))
            return -1;
    }
    s_patch_chain (self->view, chain);
    return 0;
}

static int
s_parse_or (parser_t *self)
{
    if (s_parse_and (self))
        return -1;
    uint32_t chain = CHAIN_END;
    while (s_is_word (self, "or")) {
        chain = s_emit (self->view, OP_JUMP_TRUE, chain);
        if (s_advance (self) || s_parse_and (self))
            return -1;
    }
    s_patch_chain (self->view, chain);
    return 0;
}

pw_view_t *
pw_view_compile (const char *text, char **error_p)
{
    parser_t parser = {.text = text ? text : ""};
    pw_view_t *self = pw_calloc (1, sizeof (pw_view_t));
    self->text = pw_strdup (parser.text);
    parser.view = self;

    size_t len = strlen (parser.text);
    if (!text)
        s_error (&parser, 0, "expected a view text, found none");
    else if (len > PW_VIEW_MAX_TEXT)
        s_error (&parser, PW_VIEW_MAX_TEXT,
                 "expected a view text of at most %d bytes, found %zu bytes", PW_VIEW_MAX_TEXT,
                 len);
    else if (s_advance (&parser) == 0 && parser.tok.kind != TOK_END && s_parse_or (&parser) == 0 &&
             parser.tok.kind != TOK_END) {
        if (parser.tok.kind == TOK_RPAREN)
            s_error (&parser, parser.tok.start,
                     "expected \"and\", \"or\" or end of text, found \")\" with no \"(\" to "
                     "close");
        else
            s_expected (&parser, "\"and\", \"or\" or end of text");
    }
    if (parser.error) {
        pw_view_destroy (&self);
        if (error_p)
            *error_p = parser.error;
        else
            free (parser.error);
    } else if (error_p)
        *error_p = NULL;
    return self;
}
