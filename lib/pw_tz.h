/*  pw_tz - time zones, civil dates and the time formats of the setup file.

    Windows and scans are defined in local time and stored in UTC. The
    services are multi-tenant and multi-threaded, so the process-wide TZ
    (setenv/tzset/mktime/localtime) cannot be used: this class reads the
    system tz database (/usr/share/zoneinfo, TZif v1 to v4, including "slim"
    files that rely on the POSIX TZ footer) itself and converts both ways.
    The scheduler computes window instances with it, the policy service and
    pwctl parse setup-file times ("22:00", "1h30m", "sat", "2026-07-14")
    with it. docs/cycle-and-windows.md describes the DST rules.

    Threads: a pw_tz_cache_t holds a lock around lookups, so one cache may
    be shared; a loaded pw_tz_t is immutable and may be used from any thread
    until its cache is destroyed. Nothing here touches global state.

    Times are int64_t seconds since 1970-01-01T00:00Z (leap seconds not
    counted, as in POSIX). Supported range: years 0001..9999.
*/
#ifndef PW_TZ_H_INCLUDED
#define PW_TZ_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PW_TZ_ROOT_DEFAULT "/usr/share/zoneinfo"
//  Longest zone abbreviation kept, NUL included ("CEST", "+0530", "-03").
#define PW_TZ_ABBR_MAX 16
//  Bounds of the supported range (0001-01-01T00:00Z, 9999-12-31T23:59:59Z).
#define PW_TZ_TIME_MIN (-62135596800LL)
#define PW_TZ_TIME_MAX (253402300799LL)

typedef struct _pw_tz_cache_t pw_tz_cache_t;
typedef struct _pw_tz_t pw_tz_t;

//  A civil (calendar) date, proleptic Gregorian, no time zone attached.
typedef struct {
    int year;  //  1..9999
    int month; //  1..12
    int day;   //  1..days in month
} pw_date_t;

//  A UTC instant seen in one zone.
typedef struct {
    pw_date_t date;
    int hour;                   //  0..23
    int minute;                 //  0..59
    int second;                 //  0..59
    int weekday;                //  0 = Sunday .. 6 = Saturday
    int32_t utc_offset;         //  seconds east of UTC (+19800 for +05:30)
    bool is_dst;                //  daylight saving time in effect
    char abbr [PW_TZ_ABBR_MAX]; //  "EDT", "AEST", "+13"
} pw_tz_local_t;

//  How a local wall time mapped to UTC.
typedef enum {
    PW_TZ_EXACT = 0, //  the local time occurs exactly once
    PW_TZ_GAP,       //  it does not exist (spring forward): moved to the first valid minute after
    PW_TZ_REPEATED   //  it occurs twice (fall back): the first (earlier) instant was taken
} pw_tz_fold_t;

//  --- zones ------------------------------------------------------------

//  Creates a zone cache reading from ROOT (a zoneinfo directory; NULL means
//  PW_TZ_ROOT_DEFAULT; tests pass their own). Caller owns the cache.
pw_tz_cache_t *pw_tz_cache_new (const char *root);

//  Destroys the cache and every zone it loaded; nulls the caller's pointer.
//  NULL-safe. Zones obtained from it are invalid afterwards.
void pw_tz_cache_destroy (pw_tz_cache_t **self_p);

//  Returns zone NAME ("Europe/Berlin", "UTC"), loading it on first use. The
//  cache owns the zone. Returns NULL with *ERROR_P set to a new message
//  (caller frees; ERROR_P may be NULL) when the name is malformed (empty,
//  absolute, containing "." or ".." components or unusual characters), the
//  zone does not exist, or its file is not valid TZif. Failures are not
//  cached: a zone installed later is found on the next call.
const pw_tz_t *pw_tz_cache_get (pw_tz_cache_t *self, const char *name, char **error_p);

//  Number of zones loaded so far.
size_t pw_tz_cache_size (pw_tz_cache_t *self);

//  True when NAME is syntactically a zone name (does not look it up).
bool pw_tz_name_valid (const char *name);

//  The zone's name as given to pw_tz_cache_get.
const char *pw_tz_name (const pw_tz_t *self);

//  Converts UTC instant T to local time in the zone. Returns 0, or -1 with
//  *ERROR_P set (caller frees) when T is outside the supported range.
int pw_tz_to_local (const pw_tz_t *self, int64_t t, pw_tz_local_t *local, char **error_p);

//  UTC offset (seconds east) in effect at instant T; T is clamped to the
//  supported range.
int32_t pw_tz_offset_at (const pw_tz_t *self, int64_t t);

//  Converts a local wall time in the zone to UTC into *UTC_P. A time in a
//  spring-forward gap moves to the first valid minute after the gap
//  (02:30 on a US spring-forward day gives 03:00 EDT); a time that occurs
//  twice takes the first occurrence. *FOLD_P (may be NULL) says which case
//  applied. Returns -1 with *ERROR_P set (caller frees) on an invalid date
//  or time (Feb 30, 24:00, 12:60).
int pw_tz_from_local (const pw_tz_t *self, pw_date_t date, int hour, int minute, int second,
                      int64_t *utc_p, pw_tz_fold_t *fold_p, char **error_p);

//  --- civil dates (pure arithmetic, no zone) -----------------------------

bool pw_tz_is_leap_year (int year);

//  28..31, or 0 for a month outside 1..12.
int pw_tz_days_in_month (int year, int month);

//  True when DATE is a real date in years 1..9999.
bool pw_tz_date_valid (pw_date_t date);

//  Days from 1970-01-01 to DATE (negative before). DATE must be valid.
int64_t pw_tz_days_from_civil (pw_date_t date);

//  The date DAYS days after 1970-01-01.
pw_date_t pw_tz_civil_from_days (int64_t days);

//  DATE moved by DAYS days (either sign).
pw_date_t pw_tz_date_add (pw_date_t date, int days);

//  0 = Sunday .. 6 = Saturday.
int pw_tz_weekday (pw_date_t date);

//  <0, 0, >0 like strcmp.
int pw_tz_date_compare (pw_date_t a, pw_date_t b);

//  --- text formats -----------------------------------------------------

//  Writes "YYYY-MM-DD" into BUF (at least 11 bytes).
void pw_tz_date_format (pw_date_t date, char *buf, size_t size);

//  Writes UTC instant T as "YYYY-MM-DDTHH:MMZ" (":SS" added when not zero)
//  into BUF (at least 24 bytes).
void pw_tz_utc_format (int64_t t, char *buf, size_t size);

//  Writes a duration in seconds as "1d2h30m" ("0m" for zero, "-" prefix
//  when negative; seconds are truncated) into BUF (at least 24 bytes).
void pw_tz_duration_format (int64_t seconds, char *buf, size_t size);

//  Parses "YYYY-MM-DD" (exactly that shape, a real date).
int pw_tz_parse_date (const char *text, pw_date_t *date_p, char **error_p);

//  Parses "HH:MM" ("H:MM" accepted), 00:00..23:59, into minutes after
//  midnight.
int pw_tz_parse_hhmm (const char *text, int *minutes_p, char **error_p);

//  Parses a duration made of days, hours and minutes in that order, each at
//  most once: "4h", "90m", "1h30m", "7d", "2d12h". Zero is allowed ("0m");
//  the total is at most 366 days. Result in minutes.
int pw_tz_parse_duration (const char *text, int *minutes_p, char **error_p);

//  Parses a weekday name, ASCII case-insensitive: "mon".."sun" or "monday"
//  .."sunday". Result 0 = Sunday .. 6 = Saturday.
int pw_tz_parse_weekday (const char *text, int *weekday_p, char **error_p);

//  "sun".."sat" for 0..6, "?" otherwise.
const char *pw_tz_weekday_name (int weekday);

#ifdef __cplusplus
}
#endif

#endif
