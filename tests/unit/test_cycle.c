/*  test_cycle - Patch Tuesday, cycle ids, window instances across DST in
    several zones, blackouts, the reference 48 windows, and the scan rules.
    Expected dates and instants were worked out by hand from the calendar
    and the DST rules, and checked with `date` and `TZ=... date -d ...`;
    instants are written as UTC text and converted with timegm(), which is
    independent of the code under test. */
#include "pw_cycle.h"
#include "pw_window.h"
#include "../pw_test.h"

#include <stdint.h>
#include <time.h>

static int64_t
s_utc (const char *text)
{
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    if (sscanf (text, "%d-%d-%dT%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                &tm.tm_min) != 5) {
        fprintf (stderr, "bad test instant %s\n", text);
        abort ();
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm (&tm);
}

static int
s_ymd (pw_date_t date)
{
    return date.year * 10000 + date.month * 100 + date.day;
}

static pw_date_t
s_date (int ymd)
{
    pw_date_t date = {ymd / 10000, ymd / 100 % 100, ymd % 100};
    return date;
}

//  --- cycles --------------------------------------------------------------

static void
s_test_patch_tuesday (void)
{
    //  Second Tuesday = first Tuesday + 7; the first Tuesday is day
    //  1 + (Tuesday - weekday of the 1st) mod 7.
    static const struct {
        int year, month, ymd;
    } cases [] = {
        {2025, 1, 20250114}, {2025, 2, 20250211},  {2025, 3, 20250311},  {2025, 4, 20250408},
        {2025, 5, 20250513}, {2025, 6, 20250610},  {2025, 7, 20250708},  {2025, 8, 20250812},
        {2025, 9, 20250909}, {2025, 10, 20251014}, {2025, 11, 20251111}, {2025, 12, 20251209},
        {2026, 1, 20260113}, {2026, 2, 20260210},  {2026, 3, 20260310},  {2026, 4, 20260414},
        {2026, 5, 20260512}, {2026, 6, 20260609},  {2026, 7, 20260714},  {2026, 8, 20260811},
        {2026, 9, 20260908}, {2026, 10, 20261013}, {2026, 11, 20261110}, {2026, 12, 20261208},
        {2027, 1, 20270112}, {2027, 2, 20270209},  {2027, 3, 20270309},  {2027, 4, 20270413},
        {2027, 5, 20270511}, {2027, 6, 20270608},  {2027, 7, 20270713},  {2027, 8, 20270810},
        {2027, 9, 20270914}, {2027, 10, 20271012}, {2027, 11, 20271109}, {2027, 12, 20271214},
        {2028, 1, 20280111}, {2028, 2, 20280208},  {2028, 3, 20280314},
    };
    int eighths = 0, fourteenths = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_date_t date = {0, 0, 0};
        PW_CHECK_INT (pw_cycle_patch_tuesday (cases [i].year, cases [i].month, &date), 0);
        PW_CHECK_INT (s_ymd (date), cases [i].ymd);
        eighths += date.day == 8;
        fourteenths += date.day == 14;
    }
    //  The table covers both extremes several times.
    PW_CHECK_INT (eighths, 6);
    PW_CHECK_INT (fourteenths, 7);
    pw_date_t date = {1, 2, 3};
    PW_CHECK_INT (pw_cycle_patch_tuesday (2026, 13, &date), -1);
    PW_CHECK_INT (pw_cycle_patch_tuesday (2026, 0, &date), -1);
    PW_CHECK_INT (pw_cycle_patch_tuesday (0, 5, &date), -1);
    PW_CHECK_INT (s_ymd (date), 10203);
}

static void
s_test_cycle_ids (void)
{
    pw_cycle_t monthly, weekly;
    char *error = NULL;
    PW_CHECK_INT (pw_cycle_parse ("monthly", &monthly, NULL), 0);
    PW_CHECK_INT (monthly.kind, PW_CYCLE_MONTHLY);
    PW_CHECK_INT (pw_cycle_parse (" weekly  Saturday ", &weekly, NULL), 0);
    PW_CHECK_INT (weekly.kind, PW_CYCLE_WEEKLY);
    PW_CHECK_INT (weekly.weekday, 6);
    static const char *bad_cycles [] = {
        "", "yearly", "weekly", "weekly someday", "monthly tue", "weekly sat sun"};
    for (size_t i = 0; i < sizeof bad_cycles / sizeof bad_cycles [0]; i++) {
        pw_cycle_t cycle = {PW_CYCLE_WEEKLY, 4};
        error = NULL;
        PW_CHECK_INT (pw_cycle_parse (bad_cycles [i], &cycle, &error), -1);
        PW_CHECK (error != NULL);
        PW_CHECK_INT (cycle.weekday, 4);
        free (error);
    }
    PW_CHECK_INT (pw_cycle_parse (NULL, &weekly, NULL), -1);

    static const struct {
        const char *id;
        int ymd; //  0: refused
    } monthly_ids [] = {
        {"2026-07", 20260714}, {"2025-10", 20251014}, {"2028-02", 20280208},
        {"2026-13", 0},        {"2026-00", 0},        {"2026-7", 0},
        {"2026/07", 0},        {"2026-07-14", 0},     {"", 0},
        {"0000-01", 0},        {"20a6-07", 0},
    };
    for (size_t i = 0; i < sizeof monthly_ids / sizeof monthly_ids [0]; i++) {
        pw_date_t anchor = {0, 0, 0};
        error = NULL;
        int rc = pw_cycle_anchor (&monthly, monthly_ids [i].id, &anchor, &error);
        PW_CHECK_INT (rc, monthly_ids [i].ymd ? 0 : -1);
        PW_CHECK_INT (s_ymd (anchor), monthly_ids [i].ymd);
        if (!monthly_ids [i].ymd)
            PW_CHECK (error && strstr (error, "YYYY-MM"));
        free (error);
    }
    //  Weekly on Saturday: the week containing a date starts on the latest
    //  Saturday on or before it.
    static const struct {
        const char *id;
        int ymd;
    } weekly_ids [] = {
        {"2026-07-15", 20260711}, //  a Wednesday
        {"2026-07-11", 20260711}, //  the Saturday itself
        {"2026-07-17", 20260711}, //  the Friday ending that week
        {"2027-01-01", 20261226}, //  across the year end
        {"2028-03-03", 20280226}, //  across a leap day
        {"2026-02-30", 0},        {"2026-07", 0},
    };
    for (size_t i = 0; i < sizeof weekly_ids / sizeof weekly_ids [0]; i++) {
        pw_date_t anchor = {0, 0, 0};
        error = NULL;
        int rc = pw_cycle_anchor (&weekly, weekly_ids [i].id, &anchor, &error);
        PW_CHECK_INT (rc, weekly_ids [i].ymd ? 0 : -1);
        PW_CHECK_INT (s_ymd (anchor), weekly_ids [i].ymd);
        PW_CHECK ((error != NULL) == (weekly_ids [i].ymd == 0));
        free (error);
    }

    //  The current cycle on a date, and the next one.
    PW_CHECK_INT (s_ymd (pw_cycle_anchor_on_or_before (&monthly, s_date (20260714))), 20260714);
    PW_CHECK_INT (s_ymd (pw_cycle_anchor_on_or_before (&monthly, s_date (20260713))), 20260609);
    PW_CHECK_INT (s_ymd (pw_cycle_anchor_on_or_before (&monthly, s_date (20260105))), 20251209);
    PW_CHECK_INT (s_ymd (pw_cycle_anchor_on_or_before (&weekly, s_date (20260710))), 20260704);
    PW_CHECK_INT (s_ymd (pw_cycle_next_anchor (&monthly, s_date (20261208))), 20270112);
    PW_CHECK_INT (s_ymd (pw_cycle_next_anchor (&monthly, s_date (20280208))), 20280314);
    PW_CHECK_INT (s_ymd (pw_cycle_next_anchor (&weekly, s_date (20261226))), 20270102);
    char id [16];
    pw_cycle_id_format (&monthly, s_date (20260714), id, sizeof id);
    PW_CHECK_STR (id, "2026-07");
    pw_cycle_id_format (&weekly, s_date (20260711), id, sizeof id);
    PW_CHECK_STR (id, "2026-07-11");
}

//  --- window instances ----------------------------------------------------

static void
s_test_instances (void)
{
    static const struct {
        const char *zone;
        const char *cycle; //  monthly id
        int offset;
        int start;         //  minutes
        int date;          //  expected local start date
        const char *utc;   //  expected start
        const char *local; //  expected local start text
        bool moved, repeated;
    } cases [] = {
        //  US spring forward 2027-03-14: 02:30 does not exist -> 03:00 EDT.
        {"America/New_York", "2027-03", 5, 150, 20270314, "2027-03-14T07:00",
         "2027-03-14 03:00 EDT", true, false},
        //  US fall back 2026-11-01: 01:30 twice -> the first, EDT.
        {"America/New_York", "2026-10", 19, 90, 20261101, "2026-11-01T05:30",
         "2026-11-01 01:30 EDT", false, true},
        {"America/New_York", "2026-07", 1, 1320, 20260715, "2026-07-16T02:00",
         "2026-07-15 22:00 EDT", false, false},
        //  Offset across a month end: July 14 + 20 = August 3.
        {"America/New_York", "2026-07", 20, 1320, 20260803, "2026-08-04T02:00",
         "2026-08-03 22:00 EDT", false, false},
        //  EU: 2027-03-28 02:30 -> 03:00 CEST; 2026-10-25 02:30 twice -> CEST.
        {"Europe/Berlin", "2027-03", 19, 150, 20270328, "2027-03-28T01:00", "2027-03-28 03:00 CEST",
         true, false},
        {"Europe/Berlin", "2026-10", 12, 150, 20261025, "2026-10-25T00:30", "2026-10-25 02:30 CEST",
         false, true},
        {"Europe/Berlin", "2026-07", 4, 1320, 20260718, "2026-07-18T20:00", "2026-07-18 22:00 CEST",
         false, false},
        //  Across a year end: December 8 + 24 = January 1; December 14 + 20.
        {"Europe/Berlin", "2026-12", 24, 180, 20270101, "2027-01-01T02:00", "2027-01-01 03:00 CET",
         false, false},
        {"Europe/Berlin", "2027-12", 20, 1320, 20280103, "2028-01-03T21:00", "2028-01-03 22:00 CET",
         false, false},
        //  Sydney: the anchor is the local Tuesday, which starts on Monday UTC.
        {"Australia/Sydney", "2026-07", 0, 480, 20260714, "2026-07-13T22:00",
         "2026-07-14 08:00 AEST", false, false},
        {"Australia/Sydney", "2026-09", 26, 150, 20261004, "2026-10-03T16:00",
         "2026-10-04 03:00 AEDT", true, false},
        {"Australia/Sydney", "2027-03", 26, 150, 20270404, "2027-04-03T15:30",
         "2027-04-04 02:30 AEDT", false, true},
        {"Australia/Sydney", "2027-01", 4, 1320, 20270116, "2027-01-16T11:00",
         "2027-01-16 22:00 AEDT", false, false},
        {"Asia/Kolkata", "2026-07", 1, 1320, 20260715, "2026-07-15T16:30", "2026-07-15 22:00 IST",
         false, false},
        //  Auckland: 2026-09-27 02:15 -> 03:00 NZDT; 2027-04-04 02:30 twice.
        {"Pacific/Auckland", "2026-09", 19, 135, 20260927, "2026-09-26T14:00",
         "2026-09-27 03:00 NZDT", true, false},
        {"Pacific/Auckland", "2027-03", 26, 150, 20270404, "2027-04-03T13:30",
         "2027-04-04 02:30 NZDT", false, true},
        {"UTC", "2026-07", 4, 1320, 20260718, "2026-07-18T22:00", "2026-07-18 22:00 UTC", false,
         false},
        //  Leap day: February 8 2028 + 21.
        {"UTC", "2028-02", 21, 1320, 20280229, "2028-02-29T22:00", "2028-02-29 22:00 UTC", false,
         false},
    };
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    pw_cycle_t monthly = {PW_CYCLE_MONTHLY, 2};
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_window_t window = {"W", cases [i].offset, cases [i].start, 240, 10, NULL, NULL, 0};
        pw_org_calendar_t calendar = {zones, cases [i].zone, NULL, 0};
        pw_date_t anchor;
        PW_CHECK_INT (pw_cycle_anchor (&monthly, cases [i].cycle, &anchor, NULL), 0);
        pw_window_instance_t instance;
        char *error = NULL;
        PW_CHECK_INT (pw_window_check (&window, &monthly, zones, NULL), 0);
        int rc = pw_window_instance (&window, anchor, &calendar, &instance, &error);
        PW_CHECK_INT (rc, 0);
        if (rc) {
            fprintf (stderr, "    %s\n", error);
            free (error);
            continue;
        }
        if (instance.start != s_utc (cases [i].utc))
            fprintf (stderr, "    case %zu: %s %s+%d\n", i, cases [i].zone, cases [i].cycle,
                     cases [i].offset);
        PW_CHECK_INT (s_ymd (instance.date), cases [i].date);
        PW_CHECK_INT (instance.start, s_utc (cases [i].utc));
        PW_CHECK_INT (instance.end, s_utc (cases [i].utc) + 4 * 3600);
        PW_CHECK_STR (instance.local_start, cases [i].local);
        PW_CHECK_INT (instance.moved, cases [i].moved);
        PW_CHECK_INT (instance.repeated, cases [i].repeated);
        PW_CHECK (!instance.skipped);
        PW_CHECK (instance.window == &window);
        PW_CHECK_STR (instance.tz, cases [i].zone);
    }
    //  A window naming its own zone ignores the org's.
    pw_window_t own = {"OWN", 1, 1320, 60, 5, "Asia/Kolkata", NULL, 0};
    pw_org_calendar_t berlin = {zones, "Europe/Berlin", NULL, 0};
    pw_window_instance_t instance;
    PW_CHECK_INT (pw_window_instance (&own, s_date (20260714), &berlin, &instance, NULL), 0);
    PW_CHECK_INT (instance.start, s_utc ("2026-07-15T16:30"));
    PW_CHECK_INT (instance.utc_offset, 19800);
    PW_CHECK_STR (instance.tz, "Asia/Kolkata");
    pw_tz_cache_destroy (&zones);
}

static void
s_test_weekly_instances (void)
{
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    pw_cycle_t weekly;
    PW_CHECK_INT (pw_cycle_parse ("weekly sat", &weekly, NULL), 0);
    pw_org_calendar_t calendar = {zones, "Europe/Berlin", NULL, 0};
    pw_window_t sat = {"SAT-2200", 0, 1320, 240, 10, NULL, NULL, 0};
    pw_window_t sun = {"SUN-0230", 1, 150, 60, 10, NULL, NULL, 0};
    pw_date_t anchor;
    pw_window_instance_t instance;
    PW_CHECK_INT (pw_cycle_anchor (&weekly, "2026-07-15", &anchor, NULL), 0);
    PW_CHECK_INT (pw_window_instance (&sat, anchor, &calendar, &instance, NULL), 0);
    PW_CHECK_INT (instance.start, s_utc ("2026-07-11T20:00"));
    //  The week of 2027-03-27 holds the EU spring-forward Sunday.
    PW_CHECK_INT (pw_cycle_anchor (&weekly, "2027-03-27", &anchor, NULL), 0);
    PW_CHECK_INT (pw_window_instance (&sun, anchor, &calendar, &instance, NULL), 0);
    PW_CHECK_INT (instance.start, s_utc ("2027-03-28T01:00"));
    PW_CHECK (instance.moved);
    //  Weekly on Tuesday, across the year end: Tue 2026-12-29 + 5 = Sun 2027-01-03.
    pw_cycle_t tuesday = {PW_CYCLE_WEEKLY, 2};
    pw_window_t off5 = {"SUN-1000", 5, 600, 60, 10, NULL, NULL, 0};
    PW_CHECK_INT (pw_cycle_anchor (&tuesday, "2026-12-31", &anchor, NULL), 0);
    PW_CHECK_INT (s_ymd (anchor), 20261229);
    PW_CHECK_INT (pw_window_instance (&off5, anchor, &calendar, &instance, NULL), 0);
    PW_CHECK_INT (s_ymd (instance.date), 20270103);
    PW_CHECK_INT (instance.start, s_utc ("2027-01-03T09:00"));
    //  Offsets beyond the week are refused for weekly cycles.
    pw_window_t far = {"FAR", 7, 600, 60, 10, NULL, NULL, 0};
    char *error = NULL;
    PW_CHECK_INT (pw_window_check (&far, &weekly, NULL, &error), -1);
    PW_CHECK (error && strstr (error, "outside 0..6"));
    free (error);
    pw_tz_cache_destroy (&zones);
}

static void
s_test_blackouts (void)
{
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    static const pw_blackout_t blackouts [] = {
        {{2026, 12, 21}, {2027, 1, 3}, "year-end freeze"},
        {{2026, 7, 18}, {2026, 7, 18}, "datacenter move"},
    };
    pw_org_calendar_t calendar = {zones, "Europe/Berlin", blackouts, 2};
    static const struct {
        const char *name;
        int offset, start;
        const char *tz;
        int anchor;
        int skipped_by; //  -1: not skipped
    } cases [] = {
        {"DEC-18", 10, 1320, NULL, 20261208, -1}, //  Dec 18
        {"DEC-21", 13, 0, NULL, 20261208, 0},     //  first day, inclusive
        {"JAN-03", 26, 1439, NULL, 20261208, 0},  //  last day, inclusive
        {"JAN-04", 27, 0, NULL, 20261208, -1},
        {"JUL-18", 4, 1320, NULL, 20260714, 1}, //  Saturday July 18
        {"JUL-17", 3, 1320, NULL, 20260714, -1},
        //  In UTC still Dec 20, but 00:30 Dec 21 for the org: skipped.
        {"UTC-2330", 12, 1410, "UTC", 20261208, 0},
        //  Jan 3 22:00 in New York is Jan 4 04:00 for the org: not skipped.
        {"NY-2200", 26, 1320, "America/New_York", 20261208, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_window_t window = {
            cases [i].name, cases [i].offset, cases [i].start, 60, 10, cases [i].tz, NULL, 0};
        pw_window_instance_t instance;
        PW_CHECK_INT (
            pw_window_instance (&window, s_date (cases [i].anchor), &calendar, &instance, NULL), 0);
        if (instance.skipped != (cases [i].skipped_by >= 0))
            fprintf (stderr, "    case %s\n", cases [i].name);
        PW_CHECK_INT (instance.skipped, cases [i].skipped_by >= 0);
        if (cases [i].skipped_by >= 0) {
            PW_CHECK (instance.blackout == &blackouts [cases [i].skipped_by]);
            PW_CHECK_STR (instance.blackout ? instance.blackout->reason : NULL,
                          blackouts [cases [i].skipped_by].reason);
        } else
            PW_CHECK (instance.blackout == NULL);
    }
    char *error = NULL;
    pw_blackout_t reversed = {{2027, 1, 3}, {2026, 12, 21}, "oops"};
    PW_CHECK_INT (pw_blackout_check (&reversed, &error), -1);
    PW_CHECK (error && strstr (error, "2027-01-03..2026-12-21"));
    free (error);
    pw_blackout_t bad_date = {{2026, 2, 30}, {2026, 3, 1}, NULL};
    PW_CHECK_INT (pw_blackout_check (&bad_date, NULL), -1);
    PW_CHECK_INT (pw_blackout_check (&blackouts [0], NULL), 0);
    pw_tz_cache_destroy (&zones);
}

//  --- the reference 48 windows -----------------------------------------

#define S_DAY(w, day, off, hhmm, start, dur, cap)                                                  \
    {                                                                                              \
        "W" #w "-" day "-" hhmm, 7 * ((w)-1) + (off), (start), (dur), (cap), NULL, NULL, 0         \
    }
#define S_WEEK(w)                                                                                  \
    S_DAY (w, "WED", 1, "1000", 600, 120, 100), S_DAY (w, "WED", 1, "1200", 720, 120, 100),        \
        S_DAY (w, "WED", 1, "1900", 1140, 120, 100), S_DAY (w, "WED", 1, "2200", 1320, 240, 25),   \
        S_DAY (w, "THU", 2, "1000", 600, 120, 100), S_DAY (w, "THU", 2, "1200", 720, 120, 100),    \
        S_DAY (w, "THU", 2, "1900", 1140, 120, 100), S_DAY (w, "THU", 2, "2200", 1320, 240, 25),   \
        S_DAY (w, "FRI", 3, "1000", 600, 120, 100), S_DAY (w, "FRI", 3, "1200", 720, 120, 100),    \
        S_DAY (w, "FRI", 3, "1900", 1140, 120, 100), S_DAY (w, "FRI", 3, "2200", 1320, 240, 25),   \
        S_DAY (w, "SAT", 4, "1000", 600, 240, 100), S_DAY (w, "SUN", 5, "1400", 840, 240, 100)

static const pw_window_t s_reference [] = {
    S_WEEK (1),
    S_WEEK (2),
    S_WEEK (3),
    {"W2-SAT-2200", 11, 1320, 60, 10, NULL, "SAT-NIGHT", 1},
    {"W2-SAT-2300", 11, 1380, 60, 10, NULL, "SAT-NIGHT", 2},
    {"W2-SUN-0000", 12, 0, 60, 10, NULL, "SAT-NIGHT", 3},
    {"W2-SUN-0100", 12, 60, 60, 10, NULL, "SAT-NIGHT", 4},
    {"W2-SUN-0200", 12, 120, 60, 10, NULL, "SAT-NIGHT", 5},
    {"W2-SUN-0300", 12, 180, 60, 10, NULL, "SAT-NIGHT", 6},
};

static void
s_test_reference_windows (void)
{
    size_t total = sizeof s_reference / sizeof s_reference [0];
    PW_CHECK_INT (total, 48);
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    pw_cycle_t monthly = {PW_CYCLE_MONTHLY, 2};
    for (size_t i = 0; i < total; i++)
        PW_CHECK_INT (pw_window_check (&s_reference [i], &monthly, zones, NULL), 0);

    //  October 2026 (anchor Tuesday Oct 13): the Saturday-night group runs
    //  into the EU fall-back night of Sunday Oct 25.
    static const struct {
        const char *zone;
        const char *utc [6];
        bool repeated [6];
    } sat_night [] = {
        {"Europe/Berlin",
         {"2026-10-24T20:00", "2026-10-24T21:00", "2026-10-24T22:00", "2026-10-24T23:00",
          "2026-10-25T00:00", "2026-10-25T02:00"},
         {false, false, false, false, true, false}},
        {"America/New_York",
         {"2026-10-25T02:00", "2026-10-25T03:00", "2026-10-25T04:00", "2026-10-25T05:00",
          "2026-10-25T06:00", "2026-10-25T07:00"},
         {false, false, false, false, false, false}},
    };
    for (size_t z = 0; z < 2; z++) {
        pw_org_calendar_t calendar = {zones, sat_night [z].zone, NULL, 0};
        size_t count = 0;
        char *error = NULL;
        pw_window_instance_t *list =
            pw_window_instances (s_reference, total, s_date (20261013), &calendar, &count, &error);
        PW_CHECK (list != NULL);
        if (!list) {
            fprintf (stderr, "    %s\n", error);
            free (error);
            continue;
        }
        PW_CHECK_INT (count, 48);
        int out_of_order = 0;
        for (size_t i = 1; i < count; i++)
            out_of_order += list [i].start < list [i - 1].start;
        PW_CHECK_INT (out_of_order, 0);
        PW_CHECK_STR (list [0].window->name, "W1-WED-1000");
        PW_CHECK_STR (list [count - 1].window->name, "W3-SUN-1400");
        //  The group's six windows are consecutive and in position order.
        size_t first = 0;
        while (first < count && !list [first].window->group)
            first++;
        for (size_t p = 0; p < 6 && first + p < count; p++) {
            const pw_window_instance_t *in = &list [first + p];
            PW_CHECK_STR (in->window->group, "SAT-NIGHT");
            PW_CHECK_INT (in->window->position, (int)p + 1);
            PW_CHECK_INT (in->start, s_utc (sat_night [z].utc [p]));
            PW_CHECK_INT (in->repeated, sat_night [z].repeated [p]);
        }
        free (list);
    }
    //  Berlin: first window Wed Oct 14 10:00 CEST, last Sun Nov 1 14:00 CET.
    pw_org_calendar_t berlin = {zones, "Europe/Berlin", NULL, 0};
    size_t count = 0;
    pw_window_instance_t *list =
        pw_window_instances (s_reference, total, s_date (20261013), &berlin, &count, NULL);
    PW_CHECK (list && count == 48);
    if (list && count == 48) {
        PW_CHECK_INT (list [0].start, s_utc ("2026-10-14T08:00"));
        PW_CHECK_INT (list [47].start, s_utc ("2026-11-01T13:00"));
        PW_CHECK_STR (list [47].local_start, "2026-11-01 14:00 CET");
    }
    free (list);
    pw_tz_cache_destroy (&zones);
}

static void
s_test_listing_order_and_errors (void)
{
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    pw_org_calendar_t calendar = {zones, "UTC", NULL, 0};
    static const pw_window_t same_time [] = {
        {"G2", 1, 600, 60, 1, NULL, "G", 2}, {"B", 1, 600, 60, 1, NULL, NULL, 0},
        {"G1", 1, 600, 60, 1, NULL, "G", 1}, {"EARLY", 1, 599, 60, 1, NULL, NULL, 0},
        {"A", 1, 600, 60, 1, NULL, NULL, 0},
    };
    static const char *expected [] = {"EARLY", "A", "B", "G1", "G2"};
    size_t count = 0;
    pw_window_instance_t *list =
        pw_window_instances (same_time, 5, s_date (20260714), &calendar, &count, NULL);
    PW_CHECK (list && count == 5);
    for (size_t i = 0; list && i < count && i < 5; i++)
        PW_CHECK_STR (list [i].window->name, expected [i]);
    free (list);

    //  No windows: an empty list, not an error.
    list = pw_window_instances (same_time, 0, s_date (20260714), &calendar, &count, NULL);
    PW_CHECK (list != NULL);
    PW_CHECK_INT (count, 0);
    free (list);

    //  One bad window fails the whole list, naming the window.
    static const pw_window_t with_bad_zone [] = {
        {"OK", 1, 600, 60, 1, NULL, NULL, 0},
        {"MARS", 1, 600, 60, 1, "Mars/Olympus_Mons", NULL, 0},
    };
    char *error = NULL;
    count = 99;
    PW_CHECK (pw_window_instances (with_bad_zone, 2, s_date (20260714), &calendar, &count,
                                   &error) == NULL);
    PW_CHECK (error && strstr (error, "window \"MARS\"") && strstr (error, "unknown time zone"));
    free (error);

    //  No zone anywhere.
    pw_org_calendar_t no_zone = {zones, NULL, NULL, 0};
    pw_window_instance_t instance;
    error = NULL;
    PW_CHECK_INT (
        pw_window_instance (&same_time [1], s_date (20260714), &no_zone, &instance, &error), -1);
    PW_CHECK (error && strstr (error, "no time zone"));
    free (error);

    static const struct {
        pw_window_t window;
        const char *problem;
    } bad [] = {
        {{"", 1, 600, 60, 1, NULL, NULL, 0}, "has no name"},
        {{NULL, 1, 600, 60, 1, NULL, NULL, 0}, "has no name"},
        {{"X", 1, 1440, 60, 1, NULL, NULL, 0}, "start must lie"},
        {{"X", 1, -1, 60, 1, NULL, NULL, 0}, "start must lie"},
        {{"X", 1, 600, 0, 1, NULL, NULL, 0}, "duration"},
        {{"X", 1, 600, 10081, 1, NULL, NULL, 0}, "duration"},
        {{"X", 1, 600, 60, 0, NULL, NULL, 0}, "capacity"},
        {{"X", 1, 600, 60, 1, NULL, "G", 0}, "needs a position"},
        {{"X", 1, 600, 60, 1, NULL, NULL, 3}, "position but no group"},
        {{"X", 1, 600, 60, 1, "../etc/passwd", NULL, 0}, "malformed time zone"},
        {{"X", 28, 600, 60, 1, NULL, NULL, 0}, "outside 0..27"},
        {{"X", -1, 600, 60, 1, NULL, NULL, 0}, "outside 0..27"},
        {{"X", 1, 600, 60, 1, "Mars/Olympus_Mons", NULL, 0}, "unknown time zone"},
    };
    pw_cycle_t monthly = {PW_CYCLE_MONTHLY, 2};
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        error = NULL;
        PW_CHECK_INT (pw_window_check (&bad [i].window, &monthly, zones, &error), -1);
        if (!error || !strstr (error, bad [i].problem))
            fprintf (stderr, "    case %zu: %s\n", i, error ? error : "(none)");
        PW_CHECK (error && strstr (error, bad [i].problem));
        free (error);
    }
    pw_window_t last_day = {"X", 27, 600, 60, 1, NULL, NULL, 0};
    PW_CHECK_INT (pw_window_check (&last_day, &monthly, zones, NULL), 0);
    pw_tz_cache_destroy (&zones);
}

static void
s_test_next_instance (void)
{
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    pw_cycle_t monthly = {PW_CYCLE_MONTHLY, 2};
    const pw_window_t *sat = NULL;
    for (size_t i = 0; i < 48; i++)
        if (strcmp (s_reference [i].name, "W2-SAT-2200") == 0)
            sat = &s_reference [i];
    PW_CHECK (sat != NULL);
    if (!sat)
        return;
    pw_org_calendar_t calendar = {zones, "Europe/Berlin", NULL, 0};
    pw_window_instance_t instance;
    //  June's instance (Sat June 20) is past on July 1; July's is Sat July 25.
    PW_CHECK_INT (pw_window_next_instance (sat, &monthly, s_utc ("2026-07-01T00:00"), &calendar,
                                           &instance, NULL),
                  0);
    PW_CHECK_INT (instance.start, s_utc ("2026-07-25T20:00"));
    //  Exactly at the start counts.
    PW_CHECK_INT (pw_window_next_instance (sat, &monthly, s_utc ("2026-07-25T20:00"), &calendar,
                                           &instance, NULL),
                  0);
    PW_CHECK_INT (instance.start, s_utc ("2026-07-25T20:00"));
    //  A blackout on July 25 moves it to August's cycle: Aug 11 + 11 = Aug 22.
    static const pw_blackout_t summer = {{2026, 7, 25}, {2026, 7, 26}, "summer party"};
    calendar.blackouts = &summer;
    calendar.blackout_count = 1;
    PW_CHECK_INT (pw_window_next_instance (sat, &monthly, s_utc ("2026-07-01T00:00"), &calendar,
                                           &instance, NULL),
                  0);
    PW_CHECK_INT (instance.start, s_utc ("2026-08-22T20:00"));
    //  Blackouts that never end.
    static const pw_blackout_t forever = {{2026, 1, 1}, {2099, 12, 31}, "frozen"};
    calendar.blackouts = &forever;
    char *error = NULL;
    PW_CHECK_INT (pw_window_next_instance (sat, &monthly, s_utc ("2026-07-01T00:00"), &calendar,
                                           &instance, &error),
                  -1);
    PW_CHECK (error && strstr (error, "blackouts skip every instance"));
    free (error);
    pw_tz_cache_destroy (&zones);
}

//  --- scans ---------------------------------------------------------------

static void
s_test_scan_schedule_parse (void)
{
    static const struct {
        const char *text;
        int weekday, start; //  weekday -1: refused
    } cases [] = {
        {"mon 04:00", 1, 240}, {"Sunday 23:30", 0, 1410}, {"06:00", 1, 360},
        {"fri", 5, 240},       {"  tue   2:15 ", 2, 135}, {"", -1, 0},
        {"mon 25:00", -1, 0},  {"funday 04:00", -1, 0},   {"mon 04:00 extra", -1, 0},
        {"04:00 mon", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_scan_schedule_t schedule = {9, 9, 9};
        char *error = NULL;
        int rc = pw_scan_schedule_parse (cases [i].text, &schedule, &error);
        if (cases [i].weekday < 0) {
            PW_CHECK_INT (rc, -1);
            PW_CHECK (error && strstr (error, "bad scan schedule"));
            PW_CHECK_INT (schedule.weekday, 9);
        } else {
            PW_CHECK_INT (rc, 0);
            PW_CHECK_INT (schedule.weekday, cases [i].weekday);
            PW_CHECK_INT (schedule.start_minute, cases [i].start);
            PW_CHECK_INT (schedule.duration_minutes, 60);
        }
        free (error);
    }
    pw_scan_schedule_t schedule;
    pw_scan_schedule_default (&schedule);
    PW_CHECK_INT (schedule.weekday, 1);
    PW_CHECK_INT (schedule.start_minute, 240);
    PW_CHECK_INT (schedule.duration_minutes, 60);
    pw_scan_rules_t rules;
    pw_scan_rules_default (&rules);
    PW_CHECK_INT (rules.gap, 86400);
    PW_CHECK_INT (rules.max_age, 7 * 86400);
}

static void
s_test_scan_check (void)
{
    //  Berlin, Monday 04:00 CEST (02:00Z), 60 minutes: the scan of July 13
    //  2026 ends at 03:00Z; the one before, July 6, ends 2026-07-06T03:00Z.
    static const struct {
        const char *label;
        const char *window; //  window start, UTC
        int64_t max_age;    //  0: the default
        const char *not_before;
        pw_scan_verdict_t verdict;
        const char *scan; //  expected scan start, UTC (NULL: none)
        int64_t gap;      //  seconds
        const char *says; //  part of the message
    } cases [] = {
        {"wed night", "2026-07-15T20:00", 0, NULL, PW_SCAN_OK, "2026-07-13T02:00",
         2 * 86400 + 17 * 3600, "ends 2d17h before"},
        {"exactly 24h", "2026-07-14T03:00", 0, NULL, PW_SCAN_OK, "2026-07-13T02:00", 86400, NULL},
        {"a minute short", "2026-07-14T02:59", 0, NULL, PW_SCAN_TOO_SOON, "2026-07-13T02:00", 86340,
         "starts 23h59m after the scan"},
        {"during the scan", "2026-07-13T02:30", 0, NULL, PW_SCAN_TOO_SOON, "2026-07-13T02:00",
         -1800, "before the scan"},
        //  A scan starting with the window is not before it: last week's counts.
        {"same start", "2026-07-13T02:00", 0, NULL, PW_SCAN_OK, "2026-07-06T02:00",
         6 * 86400 + 23 * 3600, NULL},
        {"stale", "2026-07-18T20:00", 3 * 86400, NULL, PW_SCAN_STALE, "2026-07-13T02:00",
         5 * 86400 + 17 * 3600, "is 5d17h old"},
        {"exactly max age", "2026-07-16T03:00", 3 * 86400, NULL, PW_SCAN_OK, "2026-07-13T02:00",
         3 * 86400, NULL},
        {"a minute over", "2026-07-16T03:01", 3 * 86400, NULL, PW_SCAN_STALE, "2026-07-13T02:00",
         3 * 86400 + 60, "scan_max_age is 3d"},
        {"enrolled after the scan", "2026-07-15T20:00", 0, "2026-07-14T00:00", PW_SCAN_NONE, NULL,
         0, "no scan starts before"},
        {"enrolled at the scan", "2026-07-15T20:00", 0, "2026-07-13T02:00", PW_SCAN_OK,
         "2026-07-13T02:00", 2 * 86400 + 17 * 3600, NULL},
    };
    pw_tz_cache_t *zones = pw_tz_cache_new (NULL);
    const pw_tz_t *berlin = pw_tz_cache_get (zones, "Europe/Berlin", NULL);
    pw_scan_schedule_t schedule;
    pw_scan_schedule_default (&schedule);
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_scan_rules_t rules;
        pw_scan_rules_default (&rules);
        if (cases [i].max_age)
            rules.max_age = cases [i].max_age;
        pw_scan_result_t result;
        int64_t not_before = cases [i].not_before ? s_utc (cases [i].not_before) : INT64_MIN;
        PW_CHECK_INT (pw_scan_check (&schedule, berlin, &rules, s_utc (cases [i].window),
                                     not_before, &result, NULL),
                      0);
        if (result.verdict != cases [i].verdict)
            fprintf (stderr, "    case %s: %s\n", cases [i].label, result.message);
        PW_CHECK_INT (result.verdict, cases [i].verdict);
        PW_CHECK_INT (result.window_start, s_utc (cases [i].window));
        PW_CHECK_INT (result.has_scan, cases [i].scan != NULL);
        if (cases [i].scan) {
            PW_CHECK_INT (result.scan_start, s_utc (cases [i].scan));
            PW_CHECK_INT (result.scan_end, s_utc (cases [i].scan) + 3600);
            PW_CHECK_INT (result.gap, cases [i].gap);
        }
        if (cases [i].says && !strstr (result.message, cases [i].says)) {
            fprintf (stderr, "    case %s: message \"%s\"\n", cases [i].label, result.message);
            PW_CHECK (false);
        }
    }
    PW_CHECK (pw_scan_verdict_code (PW_SCAN_OK) == NULL);
    PW_CHECK_STR (pw_scan_verdict_code (PW_SCAN_TOO_SOON), "SCAN_GAP");
    PW_CHECK_STR (pw_scan_verdict_code (PW_SCAN_NONE), "SCAN_GAP");
    PW_CHECK_STR (pw_scan_verdict_code (PW_SCAN_STALE), "STALE_SCAN");

    //  The scan itself obeys the DST rules: New York, Sunday 02:30, on the
    //  spring-forward day 2027-03-14 runs at 03:00 EDT (07:00Z) and ends at
    //  08:00Z; a window at noon EDT that day (16:00Z) is only 8 hours later.
    const pw_tz_t *ny = pw_tz_cache_get (zones, "America/New_York", NULL);
    pw_scan_schedule_t sunday = {0, 150, 60};
    pw_scan_rules_t rules;
    pw_scan_rules_default (&rules);
    pw_scan_result_t result;
    PW_CHECK_INT (
        pw_scan_check (&sunday, ny, &rules, s_utc ("2027-03-14T16:00"), INT64_MIN, &result, NULL),
        0);
    PW_CHECK_INT (result.verdict, PW_SCAN_TOO_SOON);
    PW_CHECK_INT (result.scan_start, s_utc ("2027-03-14T07:00"));
    PW_CHECK_INT (result.gap, 8 * 3600);
    //  Sydney: Monday 04:00 AEST is Sunday 18:00Z; a Tuesday 08:00 window
    //  (Monday 22:00Z) is 27 hours after the scan ends.
    const pw_tz_t *sydney = pw_tz_cache_get (zones, "Australia/Sydney", NULL);
    pw_scan_schedule_t monday;
    pw_scan_schedule_default (&monday);
    PW_CHECK_INT (pw_scan_check (&monday, sydney, &rules, s_utc ("2026-07-13T22:00"), INT64_MIN,
                                 &result, NULL),
                  0);
    PW_CHECK_INT (result.verdict, PW_SCAN_OK);
    PW_CHECK_INT (result.scan_start, s_utc ("2026-07-12T18:00"));
    PW_CHECK_INT (result.gap, 27 * 3600);

    //  Next scan at or after an instant.
    int64_t start = 0;
    PW_CHECK_INT (pw_scan_next (&schedule, berlin, s_utc ("2026-07-15T20:00"), &start, NULL), 0);
    PW_CHECK_INT (start, s_utc ("2026-07-20T02:00"));
    PW_CHECK_INT (pw_scan_next (&schedule, berlin, s_utc ("2026-07-13T02:00"), &start, NULL), 0);
    PW_CHECK_INT (start, s_utc ("2026-07-13T02:00"));
    PW_CHECK_INT (pw_scan_last_before (&schedule, berlin, s_utc ("2026-07-13T02:01"), &start, NULL),
                  0);
    PW_CHECK_INT (start, s_utc ("2026-07-13T02:00"));

    //  Bad rules and schedules are errors, not verdicts.
    char *error = NULL;
    pw_scan_rules_t bad_rules = {-1, 86400};
    PW_CHECK_INT (pw_scan_check (&schedule, berlin, &bad_rules, 0, INT64_MIN, &result, &error), -1);
    PW_CHECK (error && strstr (error, "bad scan rules"));
    free (error);
    bad_rules.gap = 2 * 86400;
    PW_CHECK_INT (pw_scan_check (&schedule, berlin, &bad_rules, 0, INT64_MIN, &result, NULL), -1);
    pw_scan_schedule_t bad_schedule = {7, 240, 60};
    error = NULL;
    PW_CHECK_INT (pw_scan_check (&bad_schedule, berlin, &rules, 0, INT64_MIN, &result, &error), -1);
    PW_CHECK (error && strstr (error, "bad scan schedule"));
    free (error);
    bad_schedule.weekday = 1;
    bad_schedule.duration_minutes = 0;
    PW_CHECK_INT (pw_scan_next (&bad_schedule, berlin, 0, &start, NULL), -1);
    pw_tz_cache_destroy (&zones);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    PW_RUN (s_test_patch_tuesday);
    PW_RUN (s_test_cycle_ids);
    PW_RUN (s_test_instances);
    PW_RUN (s_test_weekly_instances);
    PW_RUN (s_test_blackouts);
    PW_RUN (s_test_reference_windows);
    PW_RUN (s_test_listing_order_and_errors);
    PW_RUN (s_test_next_instance);
    PW_RUN (s_test_scan_schedule_parse);
    PW_RUN (s_test_scan_check);
    return PW_TEST_END ();
}
