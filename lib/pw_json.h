/*  pw_json - a small strict JSON reader for the shapes RMM exports use.

    pw_import reads agent, patch and scan exports written as one array of
    flat objects (strings, numbers, booleans, null, arrays of strings, one
    nested object for custom fields). The reader follows RFC 8259 strictly
    (no comments, no trailing commas, no single quotes, valid UTF-8, no
    duplicate keys), limits nesting depth, and names the line and column of
    the first error. A top-level array can be read one element at a time,
    so a file of millions of rows never needs a tree of millions of values.
*/
#ifndef PW_JSON_H_INCLUDED
#define PW_JSON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Values nested deeper than this are an error (the top level is depth 1).
#define PW_JSON_MAX_DEPTH 32

typedef enum {
    PW_JSON_NULL = 0,
    PW_JSON_BOOL,
    PW_JSON_NUMBER,
    PW_JSON_STRING,
    PW_JSON_ARRAY,
    PW_JSON_OBJECT
} pw_json_type_t;

typedef struct _pw_json_t pw_json_t;
typedef struct _pw_json_value_t pw_json_value_t;

//  A reader over LEN bytes of TEXT (borrowed: the caller keeps it alive
//  while the reader is in use). Caller owns the reader. A leading UTF-8
//  byte-order mark is skipped.
pw_json_t *pw_json_new (const char *text, size_t len);

//  Destroys the reader, and every value it returned, and nulls the
//  caller's pointer. NULL-safe.
void pw_json_destroy (pw_json_t **self_p);

//  Parses the whole text as one value. Returns it (owned by the reader,
//  valid until the reader is used again or destroyed), or NULL on an error
//  (pw_json_error).
const pw_json_value_t *pw_json_parse (pw_json_t *self);

//  Reads a top-level array one element at a time. pw_json_array_begin
//  returns 0, or -1 when the text does not start with an array.
//  pw_json_array_next returns 1 with *ITEM_P set to the next element (owned
//  by the reader, valid until the next call), 0 after the closing bracket
//  when nothing but white space follows it, or -1 on an error. An error
//  ends the reading: what follows a syntax error cannot be trusted.
int pw_json_array_begin (pw_json_t *self);
int pw_json_array_next (pw_json_t *self, const pw_json_value_t **item_p);

//  Bytes of text the last element from pw_json_array_next spans.
size_t pw_json_item_bytes (pw_json_t *self);

//  The last error as `line L, column C: MESSAGE`; "" when there was none.
//  Columns count bytes from 1.
const char *pw_json_error (pw_json_t *self);
int pw_json_error_line (pw_json_t *self);
int pw_json_error_column (pw_json_t *self);

//  Accessors. Every one takes NULL (the type of NULL is PW_JSON_NULL) and
//  answers a neutral value for a value of another type.
pw_json_type_t pw_json_type (const pw_json_value_t *value);
//  "null", "boolean", "number", "string", "array", "object".
const char *pw_json_type_name (pw_json_type_t type);
//  Where the value starts, from 1.
int pw_json_line (const pw_json_value_t *value);
int pw_json_column (const pw_json_value_t *value);
bool pw_json_bool (const pw_json_value_t *value);
double pw_json_number (const pw_json_value_t *value);
//  The number as written, or NULL.
const char *pw_json_number_text (const pw_json_value_t *value);
//  The decoded string (UTF-8, never contains NUL), or NULL.
const char *pw_json_string (const pw_json_value_t *value);
//  Elements of an array or members of an object; 0 for other types.
size_t pw_json_size (const pw_json_value_t *value);
//  Element or member value INDEX; NULL when out of range.
const pw_json_value_t *pw_json_at (const pw_json_value_t *value, size_t index);
//  Key of member INDEX of an object; NULL when out of range.
const char *pw_json_key (const pw_json_value_t *value, size_t index);
//  Member KEY (exact) of an object, or NULL.
const pw_json_value_t *pw_json_get (const pw_json_value_t *value, const char *key);

#ifdef __cplusplus
}
#endif

#endif
