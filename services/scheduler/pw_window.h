/*  pw_window - patch windows and their instances in one cycle.

    A window is a slot in the patch cycle: a day offset from the cycle's
    anchor, a local start time, a duration and a capacity, in the org's zone
    unless it names its own; windows of a window group carry their position.
    For a given cycle the scheduler asks for each window's instance: the
    local start put on the anchor date plus the offset, converted to UTC
    with the DST rules (a start in a spring-forward gap moves to the first
    valid minute after it; a start that occurs twice takes the first), and
    skipped when the org has a blackout on that local date. The scheduler's
    planner and pwctl's plan output read the instances; the audit's window
    checks read them from the plan.

    The structs are plain data and own nothing: strings and arrays are
    borrowed from whoever built them (the store loader, a test) and must
    outlive every instance that points at them. No global state; safe from
    any thread (the zone cache handles its own locking).
*/
#ifndef PW_WINDOW_H_INCLUDED
#define PW_WINDOW_H_INCLUDED

#include "pw_cycle.h"
#include "pw_tz.h"

#ifdef __cplusplus
extern "C" {
#endif

//  One window definition.
typedef struct {
    const char *name;     //  unique inside a tenant, e.g. "SAT-2200"
    int offset_days;      //  from the cycle anchor; may cross a month or year end
    int start_minute;     //  local start, minutes after midnight, 0..1439
    int duration_minutes; //  elapsed minutes, 1..10080
    int capacity;         //  agents at once, >= 1
    const char *tz;       //  IANA zone; NULL = the agent's org zone
    const char *group;    //  window group name; NULL = none
    int position;         //  1-based position in GROUP; 0 without a group
} pw_window_t;

//  An inclusive range of civil dates in the org's zone with no patching.
typedef struct {
    pw_date_t first;
    pw_date_t last;
    const char *reason; //  shown when an instance is skipped; may be NULL
} pw_blackout_t;

//  What instance computation needs to know about one org.
typedef struct {
    pw_tz_cache_t *zones;           //  where zones come from (borrowed)
    const char *tz;                 //  the org's zone; may be NULL when every window names one
    const pw_blackout_t *blackouts; //  the org's blackouts, any order
    size_t blackout_count;
} pw_org_calendar_t;

//  One window in one cycle.
typedef struct {
    const pw_window_t *window;     //  borrowed from the caller's window array
    const char *tz;                //  zone the start was computed in (borrowed)
    pw_date_t anchor;              //  the cycle's anchor
    pw_date_t date;                //  anchor + offset_days: the local start date
    int64_t start;                 //  UTC
    int64_t end;                   //  UTC, start + duration
    int32_t utc_offset;            //  seconds east of UTC at the start
    char local_start [48];         //  "2027-03-14 03:00 EDT"
    bool moved;                    //  the start fell in a DST gap and was moved later
    bool repeated;                 //  the start occurs twice; the first was taken
    bool skipped;                  //  a blackout covers the start's date
    const pw_blackout_t *blackout; //  the blackout that skipped it (borrowed), or NULL
} pw_window_instance_t;

//  Checks a window definition for CYCLE: name set, start 00:00..23:59,
//  duration 1 minute..7 days, capacity >= 1, offset 0..27 days (monthly) or
//  0..6 (weekly), a group position >= 1 exactly when a group is named, and,
//  when ZONES is not NULL, a zone that loads. Returns -1 with *ERROR_P set
//  (caller frees; ERROR_P may be NULL) naming the window.
int pw_window_check (const pw_window_t *window, const pw_cycle_t *cycle, pw_tz_cache_t *zones,
                     char **error_p);

//  Checks a blackout: real dates, first <= last.
int pw_blackout_check (const pw_blackout_t *blackout, char **error_p);

//  Computes WINDOW's instance in the cycle anchored on ANCHOR into
//  *INSTANCE. The start is taken in the window's zone, else the calendar's;
//  blackouts are matched against the start's civil date in the calendar's
//  zone (the window's when the calendar has none). A skipped instance is
//  still returned (skipped = true, with its blackout), so a plan can say
//  why the slot is empty. Returns -1 with *ERROR_P set on a bad window or
//  an unknown zone.
int pw_window_instance (const pw_window_t *window, pw_date_t anchor,
                        const pw_org_calendar_t *calendar, pw_window_instance_t *instance,
                        char **error_p);

//  Instances of all COUNT windows in the cycle anchored on ANCHOR, skipped
//  ones included, in time order (start, then group and position, then
//  name). Returns a new array of *COUNT_P (= COUNT) instances that the
//  caller frees with free(), or NULL with *ERROR_P set when any window
//  fails.
pw_window_instance_t *pw_window_instances (const pw_window_t *windows, size_t count,
                                           pw_date_t anchor, const pw_org_calendar_t *calendar,
                                           size_t *count_p, char **error_p);

//  The first instance of WINDOW in CYCLE that starts at or after AFTER
//  (UTC) and is not skipped by a blackout. Returns -1 with *ERROR_P set on
//  a bad window or zone, or when blackouts skip every instance for the
//  next 24 cycles.
int pw_window_next_instance (const pw_window_t *window, const pw_cycle_t *cycle, int64_t after,
                             const pw_org_calendar_t *calendar, pw_window_instance_t *instance,
                             char **error_p);

#ifdef __cplusplus
}
#endif

#endif
