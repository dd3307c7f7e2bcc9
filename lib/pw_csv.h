/*  pw_csv - a streaming RFC 4180 reader: one record at a time, each with the
    line it starts on.

    pw_import reads agent, patch and scan exports with it. Quoted fields,
    doubled quotes, commas and line breaks inside quotes, CRLF or LF line
    ends and a leading UTF-8 byte-order mark are handled. A bad record is
    reported with its line and skipped, so a caller can go on and report
    every bad row of a file in one pass. The reader works over text the
    caller holds and copies nothing but the current record.
*/
#ifndef PW_CSV_H_INCLUDED
#define PW_CSV_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  A record longer than this (in bytes, as written) is refused by default.
#define PW_CSV_MAX_RECORD (1u << 20)

typedef struct _pw_csv_t pw_csv_t;

//  A reader over LEN bytes of TEXT. TEXT is borrowed: the caller keeps it
//  alive and unchanged while the reader is in use. Caller owns the reader.
pw_csv_t *pw_csv_new (const char *text, size_t len);

//  Destroys the reader and nulls the caller's pointer. NULL-safe.
void pw_csv_destroy (pw_csv_t **self_p);

//  Records longer than BYTES are errors (default PW_CSV_MAX_RECORD).
void pw_csv_set_max_record (pw_csv_t *self, size_t bytes);

//  Reads the next record. Returns 1 when a record was read, 0 at the end of
//  the text, -1 when the record is bad: pw_csv_error says why and
//  pw_csv_line where, and the next call goes on after it. Completely empty
//  lines are skipped. After pw_csv_read_header, a record whose field count
//  differs from the header's is bad ("ragged row"), but its fields stay
//  readable.
int pw_csv_next (pw_csv_t *self);

//  Reads the next record as the header row. Column names are trimmed of
//  spaces and tabs and matched by pw_csv_column without regard to ASCII
//  case. Returns 0, or -1 (pw_csv_error) when there is no record, the record
//  is bad, a name is empty or two names are the same.
int pw_csv_read_header (pw_csv_t *self);

//  Fields of the current record. A field is NUL-terminated and borrowed
//  until the next pw_csv_next; NULL when INDEX is out of range. A field
//  never contains a NUL byte (such a record is bad).
size_t pw_csv_field_count (pw_csv_t *self);
const char *pw_csv_field (pw_csv_t *self, size_t index);
size_t pw_csv_field_len (pw_csv_t *self, size_t index);

//  Line (from 1) on which the current record, or the bad one, starts.
int pw_csv_line (pw_csv_t *self);

//  Why the last call returned -1, without the line; "" when it did not.
const char *pw_csv_error (pw_csv_t *self);

//  Header columns: the index of NAME (ASCII case-insensitive), or -1.
int pw_csv_column (pw_csv_t *self, const char *name);
size_t pw_csv_column_count (pw_csv_t *self);
//  The name as written (trimmed); NULL when INDEX is out of range.
const char *pw_csv_column_name (pw_csv_t *self, size_t index);

#ifdef __cplusplus
}
#endif

#endif
