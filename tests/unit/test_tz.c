/*  test_tz - zone files, UTC <-> local, DST gaps and folds, civil dates and
    the setup-file time formats. Expected instants were worked out by hand
    from the DST rules and checked with `TZ=... date -d ...`; they are
    written as UTC text and turned into numbers with timegm(), which does
    not depend on the code under test. Synthetic zone files (slim, v1,
    corrupt) are written into a temporary zoneinfo root and removed again. */
#include "pw_tz.h"
#include "../pw_test.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  "2027-03-14T07:00" (or with ":SS") as a UTC instant, via timegm.
static int64_t
s_utc (const char *text)
{
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    int sec = 0;
    int n = sscanf (text, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &sec);
    if (n < 5) {
        fprintf (stderr, "bad test instant %s\n", text);
        abort ();
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_sec = sec;
    return (int64_t)timegm (&tm);
}

static pw_date_t
s_date (int y, int m, int d)
{
    pw_date_t date = {y, m, d};
    return date;
}

//  --- civil dates ---------------------------------------------------------

static void
s_test_civil (void)
{
    static const struct {
        int y, m, d;
        int64_t days; //  from 1970-01-01, hand-computed
        int weekday;  //  0 = Sunday
    } cases [] = {
        {1970, 1, 1, 0, 4},                                  //  a Thursday
        {1969, 12, 31, -1, 3},      {2000, 1, 1, 10957, 6},  //  30 years, 7 leap days
        {2000, 3, 1, 11017, 3},                              //  + 31 + 29
        {2028, 2, 29, 21243, 2},                             //  2028-01-01 is 21184, + 59
        {2028, 3, 1, 21244, 3},     {2026, 7, 14, 20648, 2}, //  Patch Tuesday July 2026
        {1, 1, 1, -719162, 1},                               //  proleptic Gregorian
        {9999, 12, 31, 2932896, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        pw_date_t date = s_date (cases [i].y, cases [i].m, cases [i].d);
        PW_CHECK_INT (pw_tz_days_from_civil (date), cases [i].days);
        PW_CHECK_INT (pw_tz_weekday (date), cases [i].weekday);
        pw_date_t back = pw_tz_civil_from_days (cases [i].days);
        PW_CHECK_INT (pw_tz_date_compare (back, date), 0);
    }
    //  Every day from 1899 to 2101 round-trips and counts up by one.
    pw_date_t date = s_date (1899, 1, 1);
    int64_t days = pw_tz_days_from_civil (date);
    int mismatches = 0;
    while (date.year < 2102) {
        pw_date_t next = pw_tz_date_add (date, 1);
        if (pw_tz_days_from_civil (next) != days + 1 || !pw_tz_date_valid (next))
            mismatches++;
        if (next.day != 1 && next.day != date.day + 1)
            mismatches++;
        date = next;
        days++;
    }
    PW_CHECK_INT (mismatches, 0);
}

static void
s_test_leap_and_month_length (void)
{
    PW_CHECK (pw_tz_is_leap_year (2000));
    PW_CHECK (pw_tz_is_leap_year (2024));
    PW_CHECK (pw_tz_is_leap_year (2028));
    PW_CHECK (!pw_tz_is_leap_year (1900));
    PW_CHECK (!pw_tz_is_leap_year (2100));
    PW_CHECK (!pw_tz_is_leap_year (2027));
    PW_CHECK_INT (pw_tz_days_in_month (2028, 2), 29);
    PW_CHECK_INT (pw_tz_days_in_month (2027, 2), 28);
    PW_CHECK_INT (pw_tz_days_in_month (1900, 2), 28);
    PW_CHECK_INT (pw_tz_days_in_month (2000, 2), 29);
    PW_CHECK_INT (pw_tz_days_in_month (2026, 4), 30);
    PW_CHECK_INT (pw_tz_days_in_month (2026, 12), 31);
    PW_CHECK_INT (pw_tz_days_in_month (2026, 13), 0);
    PW_CHECK_INT (pw_tz_days_in_month (2026, 0), 0);
    PW_CHECK (pw_tz_date_valid (s_date (2028, 2, 29)));
    PW_CHECK (!pw_tz_date_valid (s_date (2027, 2, 29)));
    PW_CHECK (!pw_tz_date_valid (s_date (2026, 4, 31)));
    PW_CHECK (!pw_tz_date_valid (s_date (0, 1, 1)));
    PW_CHECK (!pw_tz_date_valid (s_date (10000, 1, 1)));
    PW_CHECK (!pw_tz_date_valid (s_date (2026, 1, 0)));

    pw_date_t d = pw_tz_date_add (s_date (2026, 12, 31), 1);
    PW_CHECK_INT (d.year * 10000 + d.month * 100 + d.day, 20270101);
    d = pw_tz_date_add (s_date (2028, 3, 1), -1);
    PW_CHECK_INT (d.year * 10000 + d.month * 100 + d.day, 20280229);
    d = pw_tz_date_add (s_date (2026, 12, 8), 24);
    PW_CHECK_INT (d.year * 10000 + d.month * 100 + d.day, 20270101);
    PW_CHECK (pw_tz_date_compare (s_date (2026, 7, 14), s_date (2026, 7, 15)) < 0);
    PW_CHECK (pw_tz_date_compare (s_date (2027, 1, 1), s_date (2026, 12, 31)) > 0);
}

//  --- system zones --------------------------------------------------------

static void
s_test_to_local (void)
{
    static const struct {
        const char *zone;
        const char *utc;
        const char *local; //  "YYYY-MM-DD HH:MM:SS"
        int32_t offset;
        bool dst;
        const char *abbr;
        int weekday;
    } cases [] = {
        {"America/New_York", "2027-03-14T06:59", "2027-03-14 01:59:00", -18000, false, "EST", 0},
        {"America/New_York", "2027-03-14T07:00", "2027-03-14 03:00:00", -14400, true, "EDT", 0},
        {"America/New_York", "2026-11-01T05:30", "2026-11-01 01:30:00", -14400, true, "EDT", 0},
        {"America/New_York", "2026-11-01T06:30", "2026-11-01 01:30:00", -18000, false, "EST", 0},
        //  Before the first transition: local mean time, -4:56:02.
        {"America/New_York", "1800-01-01T00:00", "1799-12-31 19:03:58", -17762, false, "LMT", 2},
        //  Past the table of a fat file: the POSIX footer rules.
        {"America/New_York", "2100-07-01T12:00", "2100-07-01 08:00:00", -14400, true, "EDT", 4},
        {"America/New_York", "2100-01-01T12:00", "2100-01-01 07:00:00", -18000, false, "EST", 5},
        {"Europe/Berlin", "2026-07-01T12:00", "2026-07-01 14:00:00", 7200, true, "CEST", 3},
        {"Europe/Berlin", "2026-12-31T23:30", "2027-01-01 00:30:00", 3600, false, "CET", 5},
        {"Australia/Sydney", "2026-07-13T22:00", "2026-07-14 08:00:00", 36000, false, "AEST", 2},
        {"Australia/Sydney", "2100-01-01T00:00", "2100-01-01 11:00:00", 39600, true, "AEDT", 5},
        {"Asia/Kolkata", "2026-07-15T16:30", "2026-07-15 22:00:00", 19800, false, "IST", 3},
        {"Pacific/Auckland", "2026-12-25T00:00", "2026-12-25 13:00:00", 46800, true, "NZDT", 5},
        {"UTC", "2026-07-15T22:00", "2026-07-15 22:00:00", 0, false, "UTC", 3},
        {"Australia/Lord_Howe", "2026-10-03T15:29", "2026-10-04 01:59:00", 37800, false, "+1030",
         0},
        {"Australia/Lord_Howe", "2026-10-03T15:30", "2026-10-04 02:30:00", 39600, true, "+11", 0},
    };
    pw_tz_cache_t *cache = pw_tz_cache_new (NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char *error = NULL;
        const pw_tz_t *zone = pw_tz_cache_get (cache, cases [i].zone, &error);
        PW_CHECK (zone != NULL);
        if (!zone) {
            fprintf (stderr, "    %s\n", error);
            free (error);
            continue;
        }
        pw_tz_local_t local;
        PW_CHECK_INT (pw_tz_to_local (zone, s_utc (cases [i].utc), &local, NULL), 0);
        char text [32];
        snprintf (text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", local.date.year,
                  local.date.month, local.date.day, local.hour, local.minute, local.second);
        PW_CHECK_STR (text, cases [i].local);
        PW_CHECK_INT (local.utc_offset, cases [i].offset);
        PW_CHECK_INT (local.is_dst, cases [i].dst);
        PW_CHECK_STR (local.abbr, cases [i].abbr);
        PW_CHECK_INT (local.weekday, cases [i].weekday);
        PW_CHECK_INT (pw_tz_offset_at (zone, s_utc (cases [i].utc)), cases [i].offset);
    }
    pw_tz_cache_destroy (&cache);
    PW_CHECK (cache == NULL);
    pw_tz_cache_destroy (&cache); //  NULL-safe
    pw_tz_cache_destroy (NULL);
}

static void
s_test_from_local (void)
{
    static const struct {
        const char *zone;
        int y, m, d, hh, mm;
        const char *utc;
        pw_tz_fold_t fold;
    } cases [] = {
        //  US spring forward 2027-03-14 (second Sunday): 02:00 EST -> 03:00 EDT.
        {"America/New_York", 2027, 3, 14, 2, 30, "2027-03-14T07:00", PW_TZ_GAP},
        {"America/New_York", 2027, 3, 14, 2, 0, "2027-03-14T07:00", PW_TZ_GAP},
        {"America/New_York", 2027, 3, 14, 2, 59, "2027-03-14T07:00", PW_TZ_GAP},
        {"America/New_York", 2027, 3, 14, 1, 59, "2027-03-14T06:59", PW_TZ_EXACT},
        {"America/New_York", 2027, 3, 14, 3, 0, "2027-03-14T07:00", PW_TZ_EXACT},
        //  US fall back 2026-11-01 (first Sunday): 01:00..01:59 happens twice.
        {"America/New_York", 2026, 11, 1, 1, 30, "2026-11-01T05:30", PW_TZ_REPEATED},
        {"America/New_York", 2026, 11, 1, 1, 0, "2026-11-01T05:00", PW_TZ_REPEATED},
        {"America/New_York", 2026, 11, 1, 0, 59, "2026-11-01T04:59", PW_TZ_EXACT},
        {"America/New_York", 2026, 11, 1, 2, 0, "2026-11-01T07:00", PW_TZ_EXACT},
        //  Footer era of the fat file: 2100-03-14 is the second Sunday.
        {"America/New_York", 2100, 3, 14, 2, 30, "2100-03-14T07:00", PW_TZ_GAP},
        //  EU: last Sunday of March / October at 01:00 UTC.
        {"Europe/Berlin", 2027, 3, 28, 2, 30, "2027-03-28T01:00", PW_TZ_GAP},
        {"Europe/Berlin", 2026, 10, 25, 2, 30, "2026-10-25T00:30", PW_TZ_REPEATED},
        {"Europe/Berlin", 2026, 10, 25, 3, 0, "2026-10-25T02:00", PW_TZ_EXACT},
        {"Europe/Berlin", 2026, 7, 18, 22, 0, "2026-07-18T20:00", PW_TZ_EXACT},
        //  Sydney: DST from the first Sunday of October to the first of April.
        {"Australia/Sydney", 2026, 10, 4, 2, 30, "2026-10-03T16:00", PW_TZ_GAP},
        {"Australia/Sydney", 2027, 4, 4, 2, 30, "2027-04-03T15:30", PW_TZ_REPEATED},
        {"Australia/Sydney", 2026, 7, 14, 8, 0, "2026-07-13T22:00", PW_TZ_EXACT},
        //  Lord Howe moves by half an hour: 02:00..02:29 does not exist.
        {"Australia/Lord_Howe", 2026, 10, 4, 2, 15, "2026-10-03T15:30", PW_TZ_GAP},
        //  Auckland: last Sunday of September to first Sunday of April.
        {"Pacific/Auckland", 2026, 9, 27, 2, 15, "2026-09-26T14:00", PW_TZ_GAP},
        {"Pacific/Auckland", 2027, 4, 4, 2, 30, "2027-04-03T13:30", PW_TZ_REPEATED},
        {"Asia/Kolkata", 2026, 7, 15, 22, 0, "2026-07-15T16:30", PW_TZ_EXACT},
        {"UTC", 2026, 7, 15, 22, 0, "2026-07-15T22:00", PW_TZ_EXACT},
        //  Samoa skipped all of 2011-12-30: the next valid minute is
        //  2011-12-31 00:00 +14.
        {"Pacific/Apia", 2011, 12, 30, 10, 0, "2011-12-30T10:00", PW_TZ_GAP},
    };
    pw_tz_cache_t *cache = pw_tz_cache_new (NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        const pw_tz_t *zone = pw_tz_cache_get (cache, cases [i].zone, NULL);
        PW_CHECK (zone != NULL);
        if (!zone)
            continue;
        int64_t utc = 0;
        pw_tz_fold_t fold = PW_TZ_EXACT;
        char *error = NULL;
        int rc = pw_tz_from_local (zone, s_date (cases [i].y, cases [i].m, cases [i].d),
                                   cases [i].hh, cases [i].mm, 0, &utc, &fold, &error);
        PW_CHECK_INT (rc, 0);
        if (rc != 0 || utc != s_utc (cases [i].utc))
            fprintf (stderr, "    case %zu: %s %04d-%02d-%02d %02d:%02d\n", i, cases [i].zone,
                     cases [i].y, cases [i].m, cases [i].d, cases [i].hh, cases [i].mm);
        PW_CHECK_INT (utc, s_utc (cases [i].utc));
        PW_CHECK_INT (fold, cases [i].fold);
        free (error);
    }
    pw_tz_cache_destroy (&cache);
}

static void
s_test_bad_input (void)
{
    pw_tz_cache_t *cache = pw_tz_cache_new (NULL);
    static const char *bad_names [] = {
        "",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../Europe/Berlin",
        "Europe//Berlin",
        "Europe/",
        ".hidden",
        "Europe/./Berlin",
        "Europe/Ber lin",
        "Europe/Berlin\n",
        "Europe\\Berlin",
    };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names [0]; i++) {
        char *error = NULL;
        PW_CHECK (!pw_tz_name_valid (bad_names [i]));
        PW_CHECK (pw_tz_cache_get (cache, bad_names [i], &error) == NULL);
        PW_CHECK (error && strstr (error, "bad time zone name"));
        free (error);
    }
    PW_CHECK (!pw_tz_name_valid (NULL));
    PW_CHECK (pw_tz_cache_get (cache, NULL, NULL) == NULL);
    PW_CHECK (pw_tz_name_valid ("Etc/GMT+5"));
    PW_CHECK (pw_tz_name_valid ("America/Port-au-Prince"));

    char *error = NULL;
    PW_CHECK (pw_tz_cache_get (cache, "Mars/Olympus_Mons", &error) == NULL);
    PW_CHECK_STR (error, "unknown time zone \"Mars/Olympus_Mons\"");
    free (error);
    error = NULL;
    //  A directory, and a file of the database that is not a zone.
    PW_CHECK (pw_tz_cache_get (cache, "America", &error) == NULL);
    PW_CHECK (error && strstr (error, "unknown time zone \"America\""));
    free (error);
    error = NULL;
    PW_CHECK (pw_tz_cache_get (cache, "zone.tab", &error) == NULL);
    PW_CHECK (error && strstr (error, "not a TZif file"));
    free (error);
    PW_CHECK_INT (pw_tz_cache_size (cache), 0);

    const pw_tz_t *berlin = pw_tz_cache_get (cache, "Europe/Berlin", NULL);
    PW_CHECK (berlin != NULL);
    PW_CHECK (pw_tz_cache_get (cache, "Europe/Berlin", NULL) == berlin);
    PW_CHECK_INT (pw_tz_cache_size (cache), 1);
    PW_CHECK_STR (pw_tz_name (berlin), "Europe/Berlin");

    static const struct {
        int y, m, d, hh, mm, ss;
    } bad_times [] = {
        {2026, 2, 30, 12, 0, 0},  {2027, 2, 29, 12, 0, 0},  {2026, 13, 1, 12, 0, 0},
        {2026, 7, 14, 24, 0, 0},  {2026, 7, 14, 12, 60, 0}, {2026, 7, 14, -1, 0, 0},
        {2026, 7, 14, 12, 0, 60}, {0, 1, 1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times [0]; i++) {
        int64_t utc = 12345;
        error = NULL;
        PW_CHECK_INT (pw_tz_from_local (
                          berlin, s_date (bad_times [i].y, bad_times [i].m, bad_times [i].d),
                          bad_times [i].hh, bad_times [i].mm, bad_times [i].ss, &utc, NULL, &error),
                      -1);
        PW_CHECK (error && strncmp (error, "bad ", 4) == 0);
        PW_CHECK_INT (utc, 12345);
        free (error);
    }
    pw_tz_local_t local;
    error = NULL;
    PW_CHECK_INT (pw_tz_to_local (berlin, PW_TZ_TIME_MAX + 1, &local, &error), -1);
    PW_CHECK (error && strstr (error, "outside years"));
    free (error);
    PW_CHECK_INT (pw_tz_to_local (berlin, PW_TZ_TIME_MIN - 1, &local, NULL), -1);
    PW_CHECK_INT (pw_tz_to_local (berlin, PW_TZ_TIME_MAX, &local, NULL), 0);
    //  9999-12-31T23:59:59Z is already the next year in Berlin.
    PW_CHECK_INT (local.date.year, 10000);
    pw_tz_cache_destroy (&cache);
}

//  --- synthetic zone files ----------------------------------------------

typedef struct {
    int32_t utoff;
    uint8_t isdst;
    uint8_t abbr_index;
} s_ttype_t;

typedef struct {
    char version; //  0, '2', '3'
    const int64_t *times;
    const uint8_t *idx;
    uint32_t timecnt;
    const s_ttype_t *types;
    uint32_t typecnt;
    const char *chars; //  NUL-separated abbreviations
    uint32_t charcnt;
    const char *footer; //  v2+: text between the newlines
    uint32_t leapcnt;   //  corrupt on purpose when not 0
} s_zonefile_t;

static size_t
s_put32 (uint8_t *p, uint32_t v)
{
    p [0] = (uint8_t)(v >> 24), p [1] = (uint8_t)(v >> 16), p [2] = (uint8_t)(v >> 8);
    p [3] = (uint8_t)v;
    return 4;
}

static size_t
s_put_block (uint8_t *p, const s_zonefile_t *z, int tsize)
{
    size_t n = 0;
    memcpy (p, "TZif", 4);
    p [4] = (uint8_t)z->version;
    memset (p + 5, 0, 15);
    n = 20;
    n += s_put32 (p + n, 0);
    n += s_put32 (p + n, 0);
    n += s_put32 (p + n, z->leapcnt);
    n += s_put32 (p + n, z->timecnt);
    n += s_put32 (p + n, z->typecnt);
    n += s_put32 (p + n, z->charcnt);
    for (uint32_t i = 0; i < z->timecnt; i++) {
        if (tsize == 8) {
            n += s_put32 (p + n, (uint32_t)((uint64_t)z->times [i] >> 32));
            n += s_put32 (p + n, (uint32_t)z->times [i]);
        } else
            n += s_put32 (p + n, (uint32_t)(int32_t)z->times [i]);
    }
    for (uint32_t i = 0; i < z->timecnt; i++)
        p [n++] = z->idx [i];
    for (uint32_t i = 0; i < z->typecnt; i++) {
        n += s_put32 (p + n, (uint32_t)z->types [i].utoff);
        p [n++] = z->types [i].isdst;
        p [n++] = z->types [i].abbr_index;
    }
    memcpy (p + n, z->chars, z->charcnt);
    n += z->charcnt;
    for (uint32_t i = 0; i < z->leapcnt; i++) {
        memset (p + n, 0, (size_t)tsize + 4);
        n += (size_t)tsize + 4;
    }
    return n;
}

static size_t
s_build (uint8_t *buf, const s_zonefile_t *z)
{
    size_t n = s_put_block (buf, z, 4);
    if (z->version) {
        n += s_put_block (buf + n, z, 8);
        n += (size_t)sprintf ((char *)buf + n, "\n%s\n", z->footer ? z->footer : "");
    }
    return n;
}

static char s_root [64];

static void
s_write (const char *name, const uint8_t *data, size_t size)
{
    char path [128];
    snprintf (path, sizeof path, "%s/Test/%s", s_root, name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, size, file) != size) {
        perror (path);
        abort ();
    }
    fclose (file);
}

static void
s_remove (const char *name)
{
    char path [128];
    snprintf (path, sizeof path, "%s/Test/%s", s_root, name);
    unlink (path);
}

static const s_ttype_t s_one_type [] = {{0, 0, 0}};

//  A slim file with no transitions at all: everything comes from the footer.
static void
s_write_footer_zone (const char *name, const char *footer)
{
    uint8_t buf [512];
    s_zonefile_t z = {'2', NULL, NULL, 0, s_one_type, 1, "LMT", 4, footer, 0};
    s_write (name, buf, s_build (buf, &z));
}

static void
s_test_footer_only_zones (void)
{
    static const struct {
        const char *file;
        const char *footer;
    } zones [] = {
        {"SlimNY", "EST5EDT,M3.2.0,M11.1.0"},
        {"SlimSydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
        //  Zero-based day 59 is Feb 29 in a leap year; J60 never counts Feb 29.
        {"DayN", "<-03>3<-02>,59/2,300/2"},
        {"DayJ", "<-03>3<-02>,J60/2,J300/2"},
        //  RFC 8536 extensions: negative rule time (Nuuk), all-year DST.
        {"Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},
        {"AllYearDst", "EST5EDT,0/0,J365/25"},
        {"Fixed", "<+0530>-5:30"},
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones [0]; i++)
        s_write_footer_zone (zones [i].file, zones [i].footer);

    static const struct {
        const char *zone;
        const char *utc;
        int32_t offset;
        const char *abbr;
    } to_local [] = {
        {"Test/SlimNY", "2026-07-01T12:00", -14400, "EDT"},
        {"Test/SlimNY", "2027-03-14T06:59", -18000, "EST"},
        {"Test/SlimNY", "2027-03-14T07:00", -14400, "EDT"},
        {"Test/SlimNY", "2026-11-01T05:59", -14400, "EDT"},
        {"Test/SlimNY", "2026-11-01T06:00", -18000, "EST"},
        {"Test/SlimSydney", "2027-01-15T00:00", 39600, "AEDT"},
        {"Test/SlimSydney", "2026-07-14T00:00", 36000, "AEST"},
        //  2027-04-04 03:00 AEDT = 2027-04-03T16:00Z ends DST.
        {"Test/SlimSydney", "2027-04-03T15:59", 39600, "AEDT"},
        {"Test/SlimSydney", "2027-04-03T16:00", 36000, "AEST"},
        //  2028-02-29 02:00 -03 = 05:00Z for day 59; J60 waits for March 1.
        {"Test/DayN", "2028-02-29T04:59", -10800, "-03"},
        {"Test/DayN", "2028-02-29T05:00", -7200, "-02"},
        {"Test/DayJ", "2028-02-29T05:00", -10800, "-03"},
        {"Test/DayJ", "2028-03-01T05:00", -7200, "-02"},
        //  Day 59 in 2027 is March 1.
        {"Test/DayN", "2027-02-28T12:00", -10800, "-03"},
        {"Test/DayN", "2027-03-01T05:00", -7200, "-02"},
        //  Last Sunday of March 2027 is the 28th; "-1" is 23:00 the day before.
        {"Test/Nuuk", "2027-03-28T00:59", -7200, "-02"},
        {"Test/Nuuk", "2027-03-28T01:00", -3600, "-01"},
        {"Test/AllYearDst", "2026-01-15T12:00", -14400, "EDT"},
        {"Test/AllYearDst", "2026-12-31T23:00", -14400, "EDT"},
        {"Test/Fixed", "2026-07-15T16:30", 19800, "+0530"},
    };
    pw_tz_cache_t *cache = pw_tz_cache_new (s_root);
    for (size_t i = 0; i < sizeof to_local / sizeof to_local [0]; i++) {
        char *error = NULL;
        const pw_tz_t *zone = pw_tz_cache_get (cache, to_local [i].zone, &error);
        PW_CHECK (zone != NULL);
        if (!zone) {
            fprintf (stderr, "    %s\n", error);
            free (error);
            continue;
        }
        pw_tz_local_t local;
        PW_CHECK_INT (pw_tz_to_local (zone, s_utc (to_local [i].utc), &local, NULL), 0);
        if (local.utc_offset != to_local [i].offset)
            fprintf (stderr, "    case %zu: %s %s\n", i, to_local [i].zone, to_local [i].utc);
        PW_CHECK_INT (local.utc_offset, to_local [i].offset);
        PW_CHECK_STR (local.abbr, to_local [i].abbr);
    }
    //  The DST rules hold for footer-only zones too.
    const pw_tz_t *ny = pw_tz_cache_get (cache, "Test/SlimNY", NULL);
    int64_t utc = 0;
    pw_tz_fold_t fold;
    PW_CHECK_INT (pw_tz_from_local (ny, s_date (2027, 3, 14), 2, 30, 0, &utc, &fold, NULL), 0);
    PW_CHECK_INT (utc, s_utc ("2027-03-14T07:00"));
    PW_CHECK_INT (fold, PW_TZ_GAP);
    PW_CHECK_INT (pw_tz_from_local (ny, s_date (2026, 11, 1), 1, 30, 0, &utc, &fold, NULL), 0);
    PW_CHECK_INT (utc, s_utc ("2026-11-01T05:30"));
    PW_CHECK_INT (fold, PW_TZ_REPEATED);
    const pw_tz_t *syd = pw_tz_cache_get (cache, "Test/SlimSydney", NULL);
    PW_CHECK_INT (pw_tz_from_local (syd, s_date (2026, 10, 4), 2, 30, 0, &utc, &fold, NULL), 0);
    PW_CHECK_INT (utc, s_utc ("2026-10-03T16:00"));
    PW_CHECK_INT (fold, PW_TZ_GAP);
    pw_tz_cache_destroy (&cache);
    for (size_t i = 0; i < sizeof zones / sizeof zones [0]; i++)
        s_remove (zones [i].file);
}

//  A zone with a table and a footer, and a version 1 file (no footer).
static void
s_test_table_zones (void)
{
    //  Type 0 (LMT +01:00) until 2000-01-01T00:00Z, then the footer's CET.
    static const int64_t times [] = {946684800};
    static const uint8_t idx [] = {1};
    static const s_ttype_t types [] = {{3600, 0, 0}, {3600, 0, 4}};
    uint8_t buf [512];
    s_zonefile_t z = {'2', times, idx, 1, types, 2, "LMT\0CET", 8, "CET-1CEST,M3.5.0,M10.5.0/3", 0};
    s_write ("Table", buf, s_build (buf, &z));
    //  Version 1: one transition in 2026 from +02 to +03, nothing after.
    static const int64_t v1_times [] = {1782864000}; //  2026-07-01T00:00Z
    static const s_ttype_t v1_types [] = {{7200, 0, 0}, {10800, 1, 4}};
    s_zonefile_t v1 = {0, v1_times, idx, 1, v1_types, 2, "+02\0+03", 8, NULL, 0};
    s_write ("Version1", buf, s_build (buf, &v1));

    pw_tz_cache_t *cache = pw_tz_cache_new (s_root);
    const pw_tz_t *table = pw_tz_cache_get (cache, "Test/Table", NULL);
    const pw_tz_t *old = pw_tz_cache_get (cache, "Test/Version1", NULL);
    PW_CHECK (table && old);
    if (table && old) {
        pw_tz_local_t local;
        pw_tz_to_local (table, s_utc ("1999-07-01T00:00"), &local, NULL);
        PW_CHECK_STR (local.abbr, "LMT");
        pw_tz_to_local (table, s_utc ("2000-01-01T00:00"), &local, NULL);
        PW_CHECK_STR (local.abbr, "CET");
        pw_tz_to_local (table, s_utc ("2026-07-01T00:00"), &local, NULL);
        PW_CHECK_STR (local.abbr, "CEST");
        PW_CHECK_INT (local.utc_offset, 7200);
        //  Last Sunday of October 2026 is the 25th, day 31 minus a week.
        pw_tz_to_local (table, s_utc ("2026-10-25T00:59"), &local, NULL);
        PW_CHECK_STR (local.abbr, "CEST");
        pw_tz_to_local (table, s_utc ("2026-10-25T01:00"), &local, NULL);
        PW_CHECK_STR (local.abbr, "CET");
        pw_tz_to_local (old, s_utc ("2026-06-30T23:59"), &local, NULL);
        PW_CHECK_INT (local.utc_offset, 7200);
        pw_tz_to_local (old, s_utc ("2026-07-01T00:00"), &local, NULL);
        PW_CHECK_INT (local.utc_offset, 10800);
        PW_CHECK_STR (local.abbr, "+03");
        pw_tz_to_local (old, s_utc ("2090-01-01T00:00"), &local, NULL);
        PW_CHECK_INT (local.utc_offset, 10800);
        //  The v1 jump forward: 2026-07-01 02:30 local does not exist.
        int64_t utc;
        pw_tz_fold_t fold;
        PW_CHECK_INT (pw_tz_from_local (old, s_date (2026, 7, 1), 2, 30, 0, &utc, &fold, NULL), 0);
        PW_CHECK_INT (utc, s_utc ("2026-07-01T00:00"));
        PW_CHECK_INT (fold, PW_TZ_GAP);
    }
    pw_tz_cache_destroy (&cache);
    s_remove ("Table");
    s_remove ("Version1");
}

static void
s_test_corrupt_files (void)
{
    static const int64_t times [] = {946684800, 978307200};
    static const uint8_t idx [] = {1, 0};
    static const uint8_t bad_idx [] = {1, 2};
    static const int64_t backwards [] = {978307200, 946684800};
    static const s_ttype_t types [] = {{3600, 0, 0}, {7200, 1, 4}};
    static const s_ttype_t bad_abbr [] = {{3600, 0, 0}, {7200, 1, 9}};
    static const s_ttype_t bad_dst [] = {{3600, 0, 0}, {7200, 2, 4}};
    static const s_ttype_t huge_offset [] = {{3600, 0, 0}, {100000, 0, 4}};
    static const struct {
        const char *label;
        s_zonefile_t zone;
        const char *why;
    } cases [] = {
        {"bad footer month",
         {'2', times, idx, 2, types, 2, "AAA\0BBB", 8, "EST5EDT,M13.2.0,M11.1.0", 0},
         "bad POSIX TZ string"},
        {"footer junk", {'2', times, idx, 2, types, 2, "AAA\0BBB", 8, "EST5 x", 0}, "bad POSIX"},
        {"footer short name", {'2', times, idx, 2, types, 2, "AAA\0BBB", 8, "E5", 0}, "bad POSIX"},
        {"unknown type",
         {'2', times, bad_idx, 2, types, 2, "AAA\0BBB", 8, "", 0},
         "unknown time type"},
        {"backwards", {'2', backwards, idx, 2, types, 2, "AAA\0BBB", 8, "", 0}, "increasing order"},
        {"abbr index", {'2', times, idx, 2, bad_abbr, 2, "AAA\0BBB", 8, "", 0}, "time type record"},
        {"isdst 2", {'2', times, idx, 2, bad_dst, 2, "AAA\0BBB", 8, "", 0}, "time type record"},
        {"offset", {'2', times, idx, 2, huge_offset, 2, "AAA\0BBB", 8, "", 0}, "time type record"},
        {"unterminated", {'2', times, idx, 2, types, 2, "AAA\0BBBB", 7, "", 0}, "unterminated"},
        {"no types", {'2', NULL, NULL, 0, types, 0, "AAA", 4, "", 0}, "header counts"},
        {"leap seconds", {'2', times, idx, 2, types, 2, "AAA\0BBB", 8, "", 1}, "leap-second"},
        {"version 1", {'1', times, idx, 2, types, 2, "AAA\0BBB", 8, "", 0}, "unknown TZif version"},
    };
    pw_tz_cache_t *cache = pw_tz_cache_new (s_root);
    uint8_t buf [1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        s_write ("Corrupt", buf, s_build (buf, &cases [i].zone));
        char *error = NULL;
        PW_CHECK (pw_tz_cache_get (cache, "Test/Corrupt", &error) == NULL);
        if (!error || !strstr (error, cases [i].why))
            fprintf (stderr, "    case %s: %s\n", cases [i].label, error ? error : "(no error)");
        PW_CHECK (error && strstr (error, "corrupt zone file") && strstr (error, cases [i].why));
        free (error);
    }
    //  Every prefix of a good file is refused cleanly, never read past.
    s_zonefile_t good = {'2', times, idx, 2, types, 2, "AAA\0BBB", 8, "AAA-1BBB,M3.5.0,M10.5.0/3",
                         0};
    size_t size = s_build (buf, &good);
    s_write ("Corrupt", buf, size);
    PW_CHECK (pw_tz_cache_get (cache, "Test/Corrupt", NULL) != NULL);
    pw_tz_cache_t *fresh = pw_tz_cache_new (s_root);
    int accepted = 0;
    for (size_t len = 0; len < size; len++) {
        s_write ("Corrupt", buf, len);
        char *error = NULL;
        if (pw_tz_cache_get (fresh, "Test/Corrupt", &error))
            accepted++;
        free (error);
    }
    PW_CHECK_INT (accepted, 0);
    //  Not a zone file at all.
    s_write ("Corrupt", (const uint8_t *)"hello, world\n", 13);
    char *error = NULL;
    PW_CHECK (pw_tz_cache_get (fresh, "Test/Corrupt", &error) == NULL);
    PW_CHECK (error && strstr (error, "not a TZif file"));
    free (error);
    pw_tz_cache_destroy (&fresh);
    pw_tz_cache_destroy (&cache);
    s_remove ("Corrupt");
}

//  --- threads -------------------------------------------------------------

typedef struct {
    pw_tz_cache_t *cache;
    int failures;
} s_thread_arg_t;

static void *
s_thread_main (void *arg_ptr)
{
    s_thread_arg_t *arg = arg_ptr;
    static const char *zones [] = {"Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                   "Australia/Sydney"};
    static const int32_t offsets [] = {7200, -14400, 19800, 36000}; //  on 2026-07-15
    int64_t t = s_utc ("2026-07-15T12:00");
    for (int i = 0; i < 2000; i++) {
        const pw_tz_t *zone = pw_tz_cache_get (arg->cache, zones [i % 4], NULL);
        if (!zone || pw_tz_offset_at (zone, t) != offsets [i % 4])
            arg->failures++;
    }
    return NULL;
}

static void
s_test_shared_cache (void)
{
    pw_tz_cache_t *cache = pw_tz_cache_new (NULL);
    pthread_t threads [4];
    s_thread_arg_t args [4];
    for (int i = 0; i < 4; i++) {
        args [i].cache = cache;
        args [i].failures = 0;
        pthread_create (&threads [i], NULL, s_thread_main, &args [i]);
    }
    int failures = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join (threads [i], NULL);
        failures += args [i].failures;
    }
    PW_CHECK_INT (failures, 0);
    PW_CHECK_INT (pw_tz_cache_size (cache), 4);
    pw_tz_cache_destroy (&cache);
}

//  --- text formats --------------------------------------------------------

static void
s_test_parse_hhmm (void)
{
    static const struct {
        const char *text;
        int minutes; //  -1: refused
    } cases [] = {
        {"00:00", 0},   {"22:00", 1320}, {"23:59", 1439}, {"2:30", 150},
        {"02:30", 150}, {"24:00", -1},   {"12:60", -1},   {"1230", -1},
        {"12:3", -1},   {"", -1},        {"12:30 ", -1},  {" 12:30", -1},
        {"a2:30", -1},  {"-1:30", -1},   {"123:00", -1},  {"12:30:00", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int minutes = -7;
        char *error = NULL;
        int rc = pw_tz_parse_hhmm (cases [i].text, &minutes, &error);
        if (cases [i].minutes < 0) {
            PW_CHECK_INT (rc, -1);
            PW_CHECK_INT (minutes, -7);
            PW_CHECK (error && strstr (error, "bad time"));
        } else {
            PW_CHECK_INT (rc, 0);
            PW_CHECK_INT (minutes, cases [i].minutes);
            PW_CHECK (error == NULL);
        }
        free (error);
    }
    PW_CHECK_INT (pw_tz_parse_hhmm (NULL, &(int){0}, NULL), -1);
}

static void
s_test_parse_duration (void)
{
    static const struct {
        const char *text;
        int minutes; //  -1: refused
    } cases [] = {
        {"4h", 240},      {"90m", 90},      {"1h30m", 90}, {"7d", 10080}, {"24h", 1440},
        {"2d12h", 3600},  {"1d1h1m", 1501}, {"0m", 0},     {"4H", 240},   {"366d", 527040},
        {"367d", -1},     {"", -1},         {"4", -1},     {"h", -1},     {"30m1h", -1},
        {"1h1h", -1},     {"1.5h", -1},     {"4h ", -1},   {"-4h", -1},   {"4x", -1},
        {"1234567m", -1}, {"1w", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int minutes = -7;
        char *error = NULL;
        int rc = pw_tz_parse_duration (cases [i].text, &minutes, &error);
        if (cases [i].minutes < 0) {
            if (rc != -1)
                fprintf (stderr, "    accepted \"%s\"\n", cases [i].text);
            PW_CHECK_INT (rc, -1);
            PW_CHECK_INT (minutes, -7);
            PW_CHECK (error && strstr (error, "bad duration"));
        } else {
            PW_CHECK_INT (rc, 0);
            PW_CHECK_INT (minutes, cases [i].minutes);
        }
        free (error);
    }
}

static void
s_test_parse_weekday_and_date (void)
{
    static const struct {
        const char *text;
        int weekday;
    } days [] = {
        {"sun", 0}, {"mon", 1},    {"Tue", 2},    {"WED", 3},      {"thu", 4},      {"fri", 5},
        {"sat", 6}, {"sunday", 0}, {"Monday", 1}, {"saturday", 6}, {"thursday", 4}, {"tues", -1},
        {"mo", -1}, {"", -1},      {"sat ", -1},  {"funday", -1},
    };
    for (size_t i = 0; i < sizeof days / sizeof days [0]; i++) {
        int weekday = -7;
        char *error = NULL;
        int rc = pw_tz_parse_weekday (days [i].text, &weekday, &error);
        PW_CHECK_INT (rc, days [i].weekday < 0 ? -1 : 0);
        PW_CHECK_INT (weekday, days [i].weekday < 0 ? -7 : days [i].weekday);
        PW_CHECK ((error != NULL) == (days [i].weekday < 0));
        free (error);
    }
    PW_CHECK_STR (pw_tz_weekday_name (0), "sun");
    PW_CHECK_STR (pw_tz_weekday_name (6), "sat");
    PW_CHECK_STR (pw_tz_weekday_name (7), "?");

    static const struct {
        const char *text;
        int ymd; //  0: refused
    } dates [] = {
        {"2026-07-14", 20260714}, {"2028-02-29", 20280229}, {"0001-01-01", 10101},
        {"2027-02-29", 0},        {"2026-13-01", 0},        {"2026-00-10", 0},
        {"2026-7-14", 0},         {"26-07-14", 0},          {"2026/07/14", 0},
        {"2026-07-14x", 0},       {"0000-01-01", 0},        {"", 0},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates [0]; i++) {
        pw_date_t date = {0, 0, 0};
        char *error = NULL;
        int rc = pw_tz_parse_date (dates [i].text, &date, &error);
        PW_CHECK_INT (rc, dates [i].ymd ? 0 : -1);
        PW_CHECK_INT (date.year * 10000 + date.month * 100 + date.day, dates [i].ymd);
        PW_CHECK ((error != NULL) == (dates [i].ymd == 0));
        free (error);
    }
}

static void
s_test_format (void)
{
    char buf [32];
    pw_tz_utc_format (s_utc ("2027-03-14T07:00"), buf, sizeof buf);
    PW_CHECK_STR (buf, "2027-03-14T07:00Z");
    pw_tz_utc_format (s_utc ("1969-12-31T23:59:30"), buf, sizeof buf);
    PW_CHECK_STR (buf, "1969-12-31T23:59:30Z");
    pw_tz_date_format (s_date (2028, 2, 29), buf, sizeof buf);
    PW_CHECK_STR (buf, "2028-02-29");
    static const struct {
        int64_t seconds;
        const char *text;
    } durations [] = {
        {0, "0m"},
        {59, "0m"},
        {60, "1m"},
        {86400, "1d"},
        {86340, "23h59m"},
        {90000, "1d1h"},
        {-1800, "-30m"},
        {7 * 86400 + 60, "7d1m"},
        {3 * 86400 + 2 * 3600 + 5 * 60, "3d2h5m"},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations [0]; i++) {
        pw_tz_duration_format (durations [i].seconds, buf, sizeof buf);
        PW_CHECK_STR (buf, durations [i].text);
    }
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    snprintf (s_root, sizeof s_root, "/tmp/pw_test_tz.XXXXXX");
    if (!mkdtemp (s_root)) {
        perror ("mkdtemp");
        return 1;
    }
    char test_dir [96];
    snprintf (test_dir, sizeof test_dir, "%s/Test", s_root);
    mkdir (test_dir, 0700);

    PW_RUN (s_test_civil);
    PW_RUN (s_test_leap_and_month_length);
    PW_RUN (s_test_to_local);
    PW_RUN (s_test_from_local);
    PW_RUN (s_test_bad_input);
    PW_RUN (s_test_footer_only_zones);
    PW_RUN (s_test_table_zones);
    PW_RUN (s_test_corrupt_files);
    PW_RUN (s_test_shared_cache);
    PW_RUN (s_test_parse_hhmm);
    PW_RUN (s_test_parse_duration);
    PW_RUN (s_test_parse_weekday_and_date);
    PW_RUN (s_test_format);

    rmdir (test_dir);
    rmdir (s_root);
    return PW_TEST_END ();
}
