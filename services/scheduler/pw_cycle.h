/*  pw_cycle - the patch cycle and the weekly scan that must precede it.

    A cycle is monthly, anchored on Patch Tuesday (the second Tuesday of the
    month), or weekly, anchored on a named weekday. The anchor is a civil
    date in the org's own zone: in Australia/Sydney the July 2026 cycle is
    anchored on Tuesday 2026-07-14 local, even though that day begins there
    while it is still Monday in UTC. Windows (pw_window) are placed by
    offset from the anchor. Scans run weekly at a local day and time; the
    scan check says whether the last scan before an update window instance
    leaves enough time for review (scan_gap) and is fresh enough
    (scan_max_age). The scheduler uses this to build plans and to report
    SCAN_GAP; docs/cycle-and-windows.md describes the rules.

    Everything here is plain arithmetic over plain structs: no global state,
    safe from any thread.
*/
#ifndef PW_CYCLE_H_INCLUDED
#define PW_CYCLE_H_INCLUDED

#include "pw_tz.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PW_CYCLE_MONTHLY = 0, //  anchored on Patch Tuesday
    PW_CYCLE_WEEKLY       //  anchored on WEEKDAY every week
} pw_cycle_kind_t;

typedef struct {
    pw_cycle_kind_t kind;
    int weekday; //  weekly only: 0 = Sunday .. 6 = Saturday
} pw_cycle_t;

//  Longest window offset from the anchor: a window never reaches the next
//  cycle's anchor (Patch Tuesdays are 28 or 35 days apart).
#define PW_CYCLE_MONTHLY_MAX_OFFSET 27
#define PW_CYCLE_WEEKLY_MAX_OFFSET  6

//  Parses a cycle definition: "monthly", or "weekly DAY" ("weekly sat",
//  "weekly tuesday"). Returns -1 with *ERROR_P set (caller frees; ERROR_P
//  may be NULL) on anything else.
int pw_cycle_parse (const char *text, pw_cycle_t *cycle, char **error_p);

//  Sets *DATE_P to Patch Tuesday, the second Tuesday of YEAR-MONTH (always
//  the 8th..14th). Returns -1 for a month outside 0001-01..9999-12.
int pw_cycle_patch_tuesday (int year, int month, pw_date_t *date_p);

//  Parses a monthly cycle id "YYYY-MM".
int pw_cycle_parse_month (const char *text, int *year_p, int *month_p, char **error_p);

//  Anchor date of the cycle named ID: for a monthly cycle "YYYY-MM" (its
//  Patch Tuesday); for a weekly cycle any date "YYYY-MM-DD" of the week,
//  which gives the latest anchor weekday on or before that date (a weekly
//  cycle's week runs from its anchor day for seven days).
int pw_cycle_anchor (const pw_cycle_t *cycle, const char *id, pw_date_t *anchor_p, char **error_p);

//  Anchor of the latest cycle that began on or before DATE (the "current"
//  cycle on that date).
pw_date_t pw_cycle_anchor_on_or_before (const pw_cycle_t *cycle, pw_date_t date);

//  Anchor of the cycle after the one anchored on ANCHOR.
pw_date_t pw_cycle_next_anchor (const pw_cycle_t *cycle, pw_date_t anchor);

//  Writes the id of the cycle anchored on ANCHOR: "YYYY-MM" (monthly) or
//  the anchor date "YYYY-MM-DD" (weekly). BUF holds at least 11 bytes.
void pw_cycle_id_format (const pw_cycle_t *cycle, pw_date_t anchor, char *buf, size_t size);

//  --- scans -------------------------------------------------------------

#define PW_SCAN_DEFAULT_WEEKDAY  1        //  Monday
#define PW_SCAN_DEFAULT_START    (4 * 60) //  04:00 local, early morning
#define PW_SCAN_DEFAULT_DURATION 60       //  minutes a scan is expected to run
#define PW_SCAN_DEFAULT_GAP      (24 * 3600)
#define PW_SCAN_DEFAULT_MAX_AGE  (7 * 86400)

//  A weekly scan in the agent's org zone.
typedef struct {
    int weekday;          //  0 = Sunday .. 6 = Saturday
    int start_minute;     //  local minutes after midnight, 0..1439
    int duration_minutes; //  the scan "ends" this long after it starts, 1..1440
} pw_scan_schedule_t;

//  The two scan rules of an update window instance.
typedef struct {
    int64_t gap;     //  seconds the scan must end before the window starts
    int64_t max_age; //  seconds the scan's end may lie before the window start
} pw_scan_rules_t;

typedef enum {
    PW_SCAN_OK = 0,
    PW_SCAN_NONE,     //  no scan before the window (finding SCAN_GAP)
    PW_SCAN_TOO_SOON, //  window starts less than GAP after the scan ends, or before it ends (SCAN_GAP)
    PW_SCAN_STALE     //  the scan ended more than MAX_AGE before the window starts (STALE_SCAN)
} pw_scan_verdict_t;

typedef struct {
    pw_scan_verdict_t verdict;
    bool has_scan;        //  false only with PW_SCAN_NONE
    int64_t window_start; //  UTC
    int64_t scan_start;   //  UTC, the last scan starting before the window
    int64_t scan_end;     //  scan_start + expected duration
    int64_t gap;          //  window_start - scan_end, seconds (negative: window first)
    char message [256];   //  one line for people, with the times in UTC
} pw_scan_result_t;

//  Sets SELF to the defaults: Monday 04:00, 60 minutes.
void pw_scan_schedule_default (pw_scan_schedule_t *self);

//  Sets RULES to the defaults: gap 24 h, max age 7 days.
void pw_scan_rules_default (pw_scan_rules_t *rules);

//  Parses a scan setting: "DAY HH:MM" ("mon 04:00", "Monday 4:00"), "DAY"
//  (04:00) or "HH:MM" (Monday). The duration is set to the default.
int pw_scan_schedule_parse (const char *text, pw_scan_schedule_t *self, char **error_p);

//  Start (UTC) of the last scan that starts strictly before BEFORE, the
//  scan's local time taken in ZONE (DST gaps move it like a window).
int pw_scan_last_before (const pw_scan_schedule_t *self, const pw_tz_t *zone, int64_t before,
                         int64_t *start_p, char **error_p);

//  Start (UTC) of the first scan starting at or after AFTER.
int pw_scan_next (const pw_scan_schedule_t *self, const pw_tz_t *zone, int64_t after,
                  int64_t *start_p, char **error_p);

//  Checks the scan rules for an update window instance starting at
//  WINDOW_START: finds the last scan starting before it (none when that
//  would start before NOT_BEFORE, e.g. the agent's enrolment; pass
//  INT64_MIN for no bound) and fills RESULT. The edges pass: a scan ending
//  exactly GAP before the window, or exactly MAX_AGE before it, is fine.
//  Returns -1 with *ERROR_P set for a bad schedule or bad rules (gap
//  negative, max_age below gap); a failed rule is a verdict, not an error.
int pw_scan_check (const pw_scan_schedule_t *self, const pw_tz_t *zone,
                   const pw_scan_rules_t *rules, int64_t window_start, int64_t not_before,
                   pw_scan_result_t *result, char **error_p);

//  Finding code of a verdict: NULL, "SCAN_GAP" or "STALE_SCAN".
const char *pw_scan_verdict_code (pw_scan_verdict_t verdict);

#ifdef __cplusplus
}
#endif

#endif
