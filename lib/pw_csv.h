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

//  Renumbers the lines from here on: the text at the reader's position (just
//  after the last record read) is on LINE. A reader over one part of a
//  larger file (see pw_csv_split) names the lines of the whole file.
void pw_csv_set_line (pw_csv_t *self, int line);

//  Why the last call returned -1, without the line; "" when it did not.
const char *pw_csv_error (pw_csv_t *self);

//  Header columns: the index of NAME (ASCII case-insensitive), or -1.
int pw_csv_column (pw_csv_t *self, const char *name);
size_t pw_csv_column_count (pw_csv_t *self);
//  The name as written (trimmed); NULL when INDEX is out of range.
const char *pw_csv_column_name (pw_csv_t *self, size_t index);

//  A run of whole records of a file, for sending a file too large for one
//  request in parts: each part is sent as the file's header row followed by
//  the part's records, so every part reads as a file of its own.
typedef struct {
    size_t offset; //  where the part's records begin in the text
    size_t len;    //  bytes of records (with their line ends)
    int line;      //  line of the text on which they begin
} pw_csv_part_t;

//  Splits LEN bytes of TEXT into parts at record boundaries, as pw_csv_next
//  reads them (a quoted line break stays inside its record; a bad record
//  ends where the reader ends it), so that the header row plus each part
//  is at most MAX_BYTES. A record that does not fit with the header is a
//  part of its own. The first part begins just after the header row, every
//  other one with a record; each ends with its last record (empty lines
//  between two parts or at the end, which the reader skips, are in none).
//  *HEADER_LEN_P gets the header row's length, from the start of the text
//  (a byte-order mark included) to just after its line end. Returns the
//  parts (caller frees) and their number in *COUNT_P: one empty part when
//  the text has no record after the header.
pw_csv_part_t *pw_csv_split (const char *text, size_t len, size_t max_bytes, size_t *header_len_p,
                             size_t *count_p);

#ifdef __cplusplus
}
#endif

#endif
