/*  pw_tz - TZif reader, UTC <-> local conversion, civil dates, time formats.

    A zone file (RFC 8536) holds a table of transitions and, from version 2
    on, a POSIX TZ string (the "footer") that rules every instant after the
    last transition. Debian ships "slim" files whose table stops early and
    leaves the rest to the footer, so the footer is always honoured. Only the
    64-bit data of v2+ files is used; v1 files fall back to their 32-bit
    table. Leap-second ("right/") files are refused: their times are not
    POSIX times and would be off by half a minute.
*/
#include "pw_tz.h"
#include "pw_util.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

//  Real zone files are a few KB; anything much larger is not one.
#define S_MAX_FILE_SIZE (1024 * 1024)
#define S_MAX_NAME      255
#define S_BUCKETS       128
//  RFC 8536: UT offsets lie in -89999..93599 (a little over a day).
#define S_MAX_OFFSET 93599
#define S_MIN_OFFSET (-89999)

//  One local time type: offset, DST flag, abbreviation.
typedef struct {
    int32_t utoff;
    bool isdst;
    char abbr [PW_TZ_ABBR_MAX];
} s_type_t;

//  One rule date of a POSIX TZ string: Jn, n or Mm.w.d, plus a local time.
typedef struct {
    char kind; //  'J' (1..365, no Feb 29), 'N' (0..365), 'M' (month.week.day)
    int day;
    int month, week, wday;
    int32_t time; //  seconds after local midnight, -167h..167h
} s_rule_t;

//  A parsed POSIX TZ string.
typedef struct {
    bool present;
    bool has_dst;
    s_type_t std;
    s_type_t dst;
    s_rule_t start; //  std -> dst, in standard local time
    s_rule_t end;   //  dst -> std, in daylight local time
} s_posix_t;

struct _pw_tz_t {
    char *name;
    int64_t *times; //  transition instants, strictly increasing
    uint8_t *idx;   //  type index of each transition
    size_t timecnt;
    s_type_t *types;
    size_t typecnt;
    s_posix_t footer;
    pw_tz_t *next; //  hash chain inside the cache
};

struct _pw_tz_cache_t {
    char *root;
    pthread_mutex_t lock;
    pw_tz_t *buckets [S_BUCKETS];
    size_t size;
};

static int64_t
s_floor_div (int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

//  --- civil dates -------------------------------------------------------
//  The day-count algorithms are H. Hinnant's "chrono-compatible low-level
//  date algorithms": branch-light and exact over the whole int range.

bool
pw_tz_is_leap_year (int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
pw_tz_days_in_month (int year, int month)
{
    static const int days [12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && pw_tz_is_leap_year (year))
        return 29;
    return days [month - 1];
}

bool
pw_tz_date_valid (pw_date_t date)
{
    return date.year >= 1 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
           date.day >= 1 && date.day <= pw_tz_days_in_month (date.year, date.month);
}

int64_t
pw_tz_days_from_civil (pw_date_t date)
{
    int64_t y = date.year - (date.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

pw_date_t
pw_tz_civil_from_days (int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    pw_date_t date;
    date.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    date.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    date.year = (int)(yoe + era * 400 + (date.month <= 2));
    return date;
}

pw_date_t
pw_tz_date_add (pw_date_t date, int days)
{
    return pw_tz_civil_from_days (pw_tz_days_from_civil (date) + days);
}

static int
s_weekday_of_days (int64_t days)
{
    //  1970-01-01 was a Thursday (4).
    return (int)(((days % 7) + 7 + 4) % 7);
}

int
pw_tz_weekday (pw_date_t date)
{
    return s_weekday_of_days (pw_tz_days_from_civil (date));
}

int
pw_tz_date_compare (pw_date_t a, pw_date_t b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

//  --- POSIX TZ footer ----------------------------------------------------

static int
s_posix_number (const char **pp, int max_digits, int min, int max, int *value_p)
{
    const char *p = *pp;
    int value = 0, digits = 0;
    while (isdigit ((unsigned char)*p) && digits < max_digits) {
        value = value * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || value < min || value > max)
        return -1;
    *pp = p;
    *value_p = value;
    return 0;
}

//  [+-]hh[:mm[:ss]] with hours up to MAX_HOURS; returns signed seconds.
static int
s_posix_hms (const char **pp, int max_hours, int32_t *seconds_p)
{
    const char *p = *pp;
    int sign = 1, hours = 0, minutes = 0, seconds = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (s_posix_number (&p, 3, 0, max_hours, &hours))
        return -1;
    if (*p == ':') {
        p++;
        if (s_posix_number (&p, 2, 0, 59, &minutes))
            return -1;
        if (*p == ':') {
            p++;
            if (s_posix_number (&p, 2, 0, 59, &seconds))
                return -1;
        }
    }
    *pp = p;
    *seconds_p = sign * (hours * 3600 + minutes * 60 + seconds);
    return 0;
}

static int
s_posix_name (const char **pp, char *abbr)
{
    const char *p = *pp, *start;
    size_t len;
    if (*p == '<') {
        start = ++p;
        while (*p && *p != '>') {
            if (!isalnum ((unsigned char)*p) && *p != '+' && *p != '-')
                return -1;
            p++;
        }
        if (*p != '>')
            return -1;
        len = (size_t)(p - start);
        p++;
    } else {
        start = p;
        while (isalpha ((unsigned char)*p))
            p++;
        len = (size_t)(p - start);
    }
    if (len < 3 || len >= PW_TZ_ABBR_MAX)
        return -1;
    memcpy (abbr, start, len);
    abbr [len] = '\0';
    *pp = p;
    return 0;
}

static int
s_posix_rule (const char **pp, s_rule_t *rule)
{
    const char *p = *pp;
    memset (rule, 0, sizeof *rule);
    if (*p == 'J') {
        p++;
        rule->kind = 'J';
        if (s_posix_number (&p, 3, 1, 365, &rule->day))
            return -1;
    } else if (*p == 'M') {
        p++;
        rule->kind = 'M';
        if (s_posix_number (&p, 2, 1, 12, &rule->month) || *p++ != '.' ||
            s_posix_number (&p, 1, 1, 5, &rule->week) || *p++ != '.' ||
            s_posix_number (&p, 1, 0, 6, &rule->wday))
            return -1;
    } else {
        rule->kind = 'N';
        if (s_posix_number (&p, 3, 0, 365, &rule->day))
            return -1;
    }
    rule->time = 2 * 3600;
    if (*p == '/') {
        p++;
        //  RFC 8536 extends the rule time to -167..167 hours.
        if (s_posix_hms (&p, 167, &rule->time))
            return -1;
    }
    *pp = p;
    return 0;
}

static int
s_posix_parse (const char *text, s_posix_t *posix)
{
    const char *p = text;
    int32_t seconds;
    memset (posix, 0, sizeof *posix);
    if (s_posix_name (&p, posix->std.abbr) || s_posix_hms (&p, 24, &seconds))
        return -1;
    //  POSIX offsets count west of Greenwich; TZif offsets east.
    posix->std.utoff = -seconds;
    if (*p) {
        posix->has_dst = true;
        posix->dst.isdst = true;
        if (s_posix_name (&p, posix->dst.abbr))
            return -1;
        posix->dst.utoff = posix->std.utoff + 3600;
        if (*p && *p != ',') {
            if (s_posix_hms (&p, 24, &seconds))
                return -1;
            posix->dst.utoff = -seconds;
        }
        if (*p == ',') {
            p++;
            if (s_posix_rule (&p, &posix->start) || *p++ != ',' || s_posix_rule (&p, &posix->end))
                return -1;
        } else {
            //  No rule given: the US rules, as the reference tzcode assumes.
            const char *dflt = "M3.2.0,M11.1.0";
            if (s_posix_rule (&dflt, &posix->start) || *dflt++ != ',' ||
                s_posix_rule (&dflt, &posix->end))
                return -1;
        }
    }
    if (*p)
        return -1;
    posix->present = true;
    return 0;
}

//  Local seconds (as if UTC) at which RULE fires in YEAR.
static int64_t
s_rule_local (const s_rule_t *rule, int year)
{
    pw_date_t jan1 = {year, 1, 1};
    int64_t days;
    if (rule->kind == 'J') {
        days = pw_tz_days_from_civil (jan1) + rule->day - 1;
        if (pw_tz_is_leap_year (year) && rule->day >= 60)
            days++;
    } else if (rule->kind == 'N')
        days = pw_tz_days_from_civil (jan1) + rule->day;
    else {
        pw_date_t first = {year, rule->month, 1};
        int64_t first_days = pw_tz_days_from_civil (first);
        int offset = (rule->wday - s_weekday_of_days (first_days) + 7) % 7 + (rule->week - 1) * 7;
        int dim = pw_tz_days_in_month (year, rule->month);
        while (offset >= dim)
            offset -= 7; //  week 5 means "last"
        days = first_days + offset;
    }
    return days * 86400 + rule->time;
}

static const s_type_t *
s_posix_lookup (const s_posix_t *posix, int64_t t)
{
    if (!posix->has_dst)
        return &posix->std;
    int64_t local_std = t + posix->std.utoff;
    int year = pw_tz_civil_from_days (s_floor_div (local_std, 86400)).year;
    int64_t start = s_rule_local (&posix->start, year) - posix->std.utoff;
    int64_t end = s_rule_local (&posix->end, year) - posix->dst.utoff;
    bool dst;
    if (start < end)
        dst = t >= start && t < end; //  northern hemisphere
    else
        dst = !(t >= end && t < start); //  southern: DST spans the new year
    return dst ? &posix->dst : &posix->std;
}

//  --- TZif --------------------------------------------------------------

static uint32_t
s_be32 (const uint8_t *p)
{
    return (uint32_t)p [0] << 24 | (uint32_t)p [1] << 16 | (uint32_t)p [2] << 8 | p [3];
}

static int64_t
s_be64 (const uint8_t *p)
{
    return (int64_t)((uint64_t)s_be32 (p) << 32 | s_be32 (p + 4));
}

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} s_counts_t;

static void
s_read_counts (const uint8_t *header, s_counts_t *counts)
{
    counts->isutcnt = s_be32 (header + 20);
    counts->isstdcnt = s_be32 (header + 24);
    counts->leapcnt = s_be32 (header + 28);
    counts->timecnt = s_be32 (header + 32);
    counts->typecnt = s_be32 (header + 36);
    counts->charcnt = s_be32 (header + 40);
}

static uint64_t
s_body_size (const s_counts_t *c, int tsize)
{
    return (uint64_t)c->timecnt * (uint64_t)(tsize + 1) + (uint64_t)c->typecnt * 6 + c->charcnt +
           (uint64_t)c->leapcnt * (uint64_t)(tsize + 4) + c->isstdcnt + c->isutcnt;
}

//  Reads one data block (TSIZE 4 or 8 byte times) into ZONE. WHY gets a
//  static reason on failure.
static int
s_tzif_body (pw_tz_t *zone, const uint8_t *body, const s_counts_t *c, int tsize, const char **why)
{
    if (c->typecnt == 0 || c->typecnt > 256 || c->charcnt == 0 ||
        (c->isutcnt != 0 && c->isutcnt != c->typecnt) ||
        (c->isstdcnt != 0 && c->isstdcnt != c->typecnt)) {
        *why = "inconsistent header counts";
        return -1;
    }
    if (c->leapcnt != 0) {
        *why = "leap-second zone files are not supported";
        return -1;
    }
    const uint8_t *times = body;
    const uint8_t *idx = times + (size_t)c->timecnt * (size_t)tsize;
    const uint8_t *types = idx + c->timecnt;
    const char *chars = (const char *)(types + (size_t)c->typecnt * 6);

    zone->timecnt = c->timecnt;
    zone->times = pw_malloc ((c->timecnt ? c->timecnt : 1) * sizeof (int64_t));
    zone->idx = pw_malloc (c->timecnt ? c->timecnt : 1);
    for (uint32_t i = 0; i < c->timecnt; i++) {
        zone->times [i] = tsize == 8 ? s_be64 (times + 8 * i) : (int32_t)s_be32 (times + 4 * i);
        zone->idx [i] = idx [i];
        if (idx [i] >= c->typecnt) {
            *why = "transition names an unknown time type";
            return -1;
        }
        if (i > 0 && zone->times [i] <= zone->times [i - 1]) {
            *why = "transitions are not in increasing order";
            return -1;
        }
    }
    zone->typecnt = c->typecnt;
    zone->types = pw_calloc (c->typecnt, sizeof (s_type_t));
    for (uint32_t i = 0; i < c->typecnt; i++) {
        const uint8_t *rec = types + 6 * i;
        int32_t utoff = (int32_t)s_be32 (rec);
        uint8_t isdst = rec [4], desig = rec [5];
        if (utoff < S_MIN_OFFSET || utoff > S_MAX_OFFSET || isdst > 1 || desig >= c->charcnt) {
            *why = "bad local time type record";
            return -1;
        }
        const char *abbr = chars + desig;
        size_t room = c->charcnt - desig;
        size_t len = strnlen (abbr, room);
        if (len == room) {
            *why = "unterminated time zone abbreviation";
            return -1;
        }
        if (len >= PW_TZ_ABBR_MAX)
            len = PW_TZ_ABBR_MAX - 1;
        zone->types [i].utoff = utoff;
        zone->types [i].isdst = isdst;
        memcpy (zone->types [i].abbr, abbr, len);
        zone->types [i].abbr [len] = '\0';
    }
    return 0;
}

static int
s_tzif_parse (pw_tz_t *zone, const uint8_t *data, size_t size, const char **why)
{
    s_counts_t c;
    if (size < 44 || memcmp (data, "TZif", 4) != 0) {
        *why = "not a TZif file";
        return -1;
    }
    uint8_t version = data [4];
    if (version != 0 && version < '2') {
        *why = "unknown TZif version";
        return -1;
    }
    s_read_counts (data, &c);
    uint64_t v1_size = s_body_size (&c, 4);
    if (44 + v1_size > size) {
        *why = "truncated data block";
        return -1;
    }
    if (version == 0)
        return s_tzif_body (zone, data + 44, &c, 4, why);

    //  Version 2+: skip the 32-bit block, use the 64-bit one and the footer.
    size_t pos = 44 + (size_t)v1_size;
    if (pos + 44 > size || memcmp (data + pos, "TZif", 4) != 0) {
        *why = "missing 64-bit header";
        return -1;
    }
    s_read_counts (data + pos, &c);
    uint64_t v2_size = s_body_size (&c, 8);
    if (pos + 44 + v2_size > size) {
        *why = "truncated 64-bit data block";
        return -1;
    }
    if (s_tzif_body (zone, data + pos + 44, &c, 8, why))
        return -1;
    pos += 44 + (size_t)v2_size;
    if (pos >= size || data [pos] != '\n') {
        *why = "missing footer";
        return -1;
    }
    const uint8_t *footer = data + pos + 1;
    const uint8_t *nl = memchr (footer, '\n', size - pos - 1);
    if (!nl) {
        *why = "unterminated footer";
        return -1;
    }
    size_t len = (size_t)(nl - footer);
    if (len > 0) {
        char text [128];
        if (len >= sizeof text || memchr (footer, '\0', len)) {
            *why = "bad footer";
            return -1;
        }
        memcpy (text, footer, len);
        text [len] = '\0';
        if (s_posix_parse (text, &zone->footer)) {
            *why = "bad POSIX TZ string in footer";
            return -1;
        }
    }
    return 0;
}

static void
s_zone_free (pw_tz_t *zone)
{
    if (zone) {
        free (zone->name);
        free (zone->times);
        free (zone->idx);
        free (zone->types);
        free (zone);
    }
}

bool
pw_tz_name_valid (const char *name)
{
    if (!name || !*name || *name == '/' || strlen (name) > S_MAX_NAME)
        return false;
    const char *component = name;
    for (const char *p = name;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t len = (size_t)(p - component);
            //  Empty components, "." and ".." (and hidden files) never name a zone.
            if (len == 0 || *component == '.')
                return false;
            if (*p == '\0')
                break;
            component = p + 1;
        } else if (!isalnum ((unsigned char)*p) && *p != '_' && *p != '-' && *p != '+' && *p != '.')
            return false;
    }
    return true;
}

static pw_tz_t *
s_zone_load (const char *root, const char *name, char **error_p)
{
    pw_tz_t *zone = NULL;
    uint8_t *data = NULL;
    const char *why = NULL;
    char *path = pw_sprintf ("%s/%s", root, name);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            pw_set_error (error_p, "unknown time zone \"%s\"", name);
        else
            pw_set_error (error_p, "time zone \"%s\": cannot open %s: %s", name, path,
                          strerror (errno));
        goto cleanup;
    }
    if (fstat (fd, &st) || !S_ISREG (st.st_mode)) {
        pw_set_error (error_p, "unknown time zone \"%s\" (%s is not a zone file)", name, path);
        goto cleanup;
    }
    if (st.st_size > S_MAX_FILE_SIZE) {
        pw_set_error (error_p, "time zone \"%s\": %s is too large for a zone file", name, path);
        goto cleanup;
    }
    size_t size = (size_t)st.st_size, got = 0;
    data = pw_malloc (size);
    while (got < size) {
        ssize_t rc = read (fd, data + got, size - got);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            pw_set_error (error_p, "time zone \"%s\": cannot read %s", name, path);
            goto cleanup;
        }
        got += (size_t)rc;
    }
    zone = pw_calloc (1, sizeof *zone);
    zone->name = pw_strdup (name);
    if (s_tzif_parse (zone, data, size, &why)) {
        pw_set_error (error_p, "time zone \"%s\": corrupt zone file %s: %s", name, path, why);
        s_zone_free (zone);
        zone = NULL;
    }
cleanup:
    if (fd >= 0)
        close (fd);
    free (data);
    free (path);
    return zone;
}

//  --- cache -------------------------------------------------------------

pw_tz_cache_t *
pw_tz_cache_new (const char *root)
{
    pw_tz_cache_t *self = pw_calloc (1, sizeof *self);
    self->root = pw_strdup (root ? root : PW_TZ_ROOT_DEFAULT);
    pthread_mutex_init (&self->lock, NULL);
    return self;
}

void
pw_tz_cache_destroy (pw_tz_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_tz_cache_t *self = *self_p;
    for (size_t i = 0; i < S_BUCKETS; i++) {
        pw_tz_t *zone = self->buckets [i];
        while (zone) {
            pw_tz_t *next = zone->next;
            s_zone_free (zone);
            zone = next;
        }
    }
    pthread_mutex_destroy (&self->lock);
    free (self->root);
    free (self);
    *self_p = NULL;
}

static size_t
s_hash (const char *name)
{
    uint32_t hash = 2166136261u; //  FNV-1a
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        hash = (hash ^ *p) * 16777619u;
    return hash % S_BUCKETS;
}

const pw_tz_t *
pw_tz_cache_get (pw_tz_cache_t *self, const char *name, char **error_p)
{
    assert (self);
    if (!pw_tz_name_valid (name)) {
        pw_set_error (error_p, "bad time zone name \"%s\"", name ? name : "(null)");
        return NULL;
    }
    size_t bucket = s_hash (name);
    pthread_mutex_lock (&self->lock);
    pw_tz_t *zone = self->buckets [bucket];
    while (zone && strcmp (zone->name, name) != 0)
        zone = zone->next;
    if (!zone) {
        //  Loading under the lock keeps two threads from loading one zone twice.
        zone = s_zone_load (self->root, name, error_p);
        if (zone) {
            zone->next = self->buckets [bucket];
            self->buckets [bucket] = zone;
            self->size++;
        }
    }
    pthread_mutex_unlock (&self->lock);
    return zone;
}

size_t
pw_tz_cache_size (pw_tz_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t size = self->size;
    pthread_mutex_unlock (&self->lock);
    return size;
}

const char *
pw_tz_name (const pw_tz_t *self)
{
    return self->name;
}

//  --- conversion --------------------------------------------------------

static const s_type_t *
s_lookup (const pw_tz_t *self, int64_t t)
{
    size_t n = self->timecnt;
    if (self->footer.present && (n == 0 || t > self->times [n - 1]))
        return s_posix_lookup (&self->footer, t);
    //  RFC 8536: type 0 rules the time before the first transition.
    if (n == 0 || t < self->times [0])
        return &self->types [0];
    size_t lo = 0, hi = n; //  largest i with times [i] <= t
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->times [mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &self->types [self->idx [lo]];
}

static int64_t
s_clamp (int64_t t)
{
    return t < PW_TZ_TIME_MIN ? PW_TZ_TIME_MIN : t > PW_TZ_TIME_MAX ? PW_TZ_TIME_MAX : t;
}

int32_t
pw_tz_offset_at (const pw_tz_t *self, int64_t t)
{
    return s_lookup (self, s_clamp (t))->utoff;
}

int
pw_tz_to_local (const pw_tz_t *self, int64_t t, pw_tz_local_t *local, char **error_p)
{
    if (t < PW_TZ_TIME_MIN || t > PW_TZ_TIME_MAX) {
        pw_set_error (error_p, "time %lld is outside years 0001..9999", (long long)t);
        return -1;
    }
    const s_type_t *type = s_lookup (self, t);
    int64_t seconds = t + type->utoff;
    int64_t days = s_floor_div (seconds, 86400);
    int64_t rest = seconds - days * 86400;
    local->date = pw_tz_civil_from_days (days);
    local->hour = (int)(rest / 3600);
    local->minute = (int)(rest / 60 % 60);
    local->second = (int)(rest % 60);
    local->weekday = s_weekday_of_days (days);
    local->utc_offset = type->utoff;
    local->is_dst = type->isdst;
    memcpy (local->abbr, type->abbr, PW_TZ_ABBR_MAX);
    return 0;
}

int
pw_tz_from_local (const pw_tz_t *self, pw_date_t date, int hour, int minute, int second,
                  int64_t *utc_p, pw_tz_fold_t *fold_p, char **error_p)
{
    if (!pw_tz_date_valid (date)) {
        pw_set_error (error_p, "bad date %04d-%02d-%02d", date.year, date.month, date.day);
        return -1;
    }
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
        pw_set_error (error_p, "bad time of day %02d:%02d:%02d", hour, minute, second);
        return -1;
    }
    int64_t wall = pw_tz_days_from_civil (date) * 86400 + hour * 3600 + minute * 60 + second;
    //  The offsets in force a day either side bracket any transition near
    //  WALL (zones never change twice within two days).
    int32_t before = s_lookup (self, wall - 86400)->utoff;
    int32_t after = s_lookup (self, wall + 86400)->utoff;
    int64_t first = wall - before, second_try = wall - after;
    bool first_ok = s_lookup (self, first)->utoff == before;
    bool second_ok = s_lookup (self, second_try)->utoff == after;
    pw_tz_fold_t fold = PW_TZ_EXACT;
    int64_t utc;
    if (first_ok && second_ok) {
        if (first != second_try)
            fold = PW_TZ_REPEATED;
        utc = first < second_try ? first : second_try;
    } else if (first_ok || second_ok)
        utc = first_ok ? first : second_try;
    else {
        //  A gap: find the first instant whose wall time is past WALL.
        int64_t lo = wall - after, hi = wall - before;
        if (lo >= hi || lo + s_lookup (self, lo)->utoff > wall ||
            hi + s_lookup (self, hi)->utoff <= wall) {
            pw_set_error (error_p, "%s: cannot resolve local time %04d-%02d-%02d %02d:%02d",
                          self->name, date.year, date.month, date.day, hour, minute);
            return -1;
        }
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (mid + s_lookup (self, mid)->utoff > wall)
                hi = mid;
            else
                lo = mid;
        }
        utc = hi;
        //  Some historical transitions fall mid-minute; start on a whole minute.
        int64_t sec = (utc + s_lookup (self, utc)->utoff) % 60;
        if (sec < 0)
            sec += 60;
        if (sec)
            utc += 60 - sec;
        fold = PW_TZ_GAP;
    }
    *utc_p = utc;
    if (fold_p)
        *fold_p = fold;
    return 0;
}

//  --- text formats ------------------------------------------------------

static const char *s_weekdays [7][2] = {
    {"sun", "sunday"},   {"mon", "monday"}, {"tue", "tuesday"},  {"wed", "wednesday"},
    {"thu", "thursday"}, {"fri", "friday"}, {"sat", "saturday"},
};

void
pw_tz_date_format (pw_date_t date, char *buf, size_t size)
{
    snprintf (buf, size, "%04d-%02d-%02d", date.year, date.month, date.day);
}

void
pw_tz_utc_format (int64_t t, char *buf, size_t size)
{
    int64_t days = s_floor_div (t, 86400);
    int64_t rest = t - days * 86400;
    pw_date_t date = pw_tz_civil_from_days (days);
    int hh = (int)(rest / 3600), mm = (int)(rest / 60 % 60), ss = (int)(rest % 60);
    if (ss)
        snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", date.year, date.month, date.day, hh,
                  mm, ss);
    else
        snprintf (buf, size, "%04d-%02d-%02dT%02d:%02dZ", date.year, date.month, date.day, hh, mm);
}

void
pw_tz_duration_format (int64_t seconds, char *buf, size_t size)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    //  Negative values are reported by scan checks (a window before a scan's end).
    uint64_t rest = seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds;
    rest /= 60;
    if (seconds < 0 && rest)
        pw_strbuf_append (&out, "-");
    uint64_t days = rest / 1440, hours = rest / 60 % 24, minutes = rest % 60;
    if (days)
        pw_strbuf_appendf (&out, "%llud", (unsigned long long)days);
    if (hours)
        pw_strbuf_appendf (&out, "%lluh", (unsigned long long)hours);
    if (minutes || (!days && !hours))
        pw_strbuf_appendf (&out, "%llum", (unsigned long long)minutes);
    snprintf (buf, size, "%s", out.data);
    pw_strbuf_free (&out);
}

static int
s_digits (const char *p, int count, int *value_p)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit ((unsigned char)p [i]))
            return -1;
        value = value * 10 + (p [i] - '0');
    }
    *value_p = value;
    return 0;
}

int
pw_tz_parse_date (const char *text, pw_date_t *date_p, char **error_p)
{
    pw_date_t date;
    if (!text || strlen (text) != 10 || text [4] != '-' || text [7] != '-' ||
        s_digits (text, 4, &date.year) || s_digits (text + 5, 2, &date.month) ||
        s_digits (text + 8, 2, &date.day) || !pw_tz_date_valid (date)) {
        pw_set_error (error_p, "bad date \"%s\": expected a real date as YYYY-MM-DD",
                      text ? text : "(null)");
        return -1;
    }
    *date_p = date;
    return 0;
}

int
pw_tz_parse_hhmm (const char *text, int *minutes_p, char **error_p)
{
    int hours, minutes;
    size_t len = text ? strlen (text) : 0;
    int hour_digits = (int)len - 3; //  "H:MM" or "HH:MM"
    if ((len != 4 && len != 5) || text [hour_digits] != ':' ||
        s_digits (text, hour_digits, &hours) || s_digits (text + hour_digits + 1, 2, &minutes) ||
        hours > 23 || minutes > 59) {
        pw_set_error (error_p, "bad time \"%s\": expected HH:MM between 00:00 and 23:59",
                      text ? text : "(null)");
        return -1;
    }
    *minutes_p = hours * 60 + minutes;
    return 0;
}

int
pw_tz_parse_duration (const char *text, int *minutes_p, char **error_p)
{
    static const struct {
        char unit;
        long minutes;
    } units [] = {{'d', 1440}, {'h', 60}, {'m', 1}};
    const char *p = text;
    long total = 0;
    size_t next_unit = 0;
    bool any = false;
    if (!p)
        goto bad;
    while (*p) {
        long value = 0;
        int digits = 0;
        while (isdigit ((unsigned char)*p)) {
            if (++digits > 6)
                goto bad;
            value = value * 10 + (*p++ - '0');
        }
        if (digits == 0 || *p == '\0')
            goto bad;
        char unit = (char)tolower ((unsigned char)*p++);
        //  Units must come in order d, h, m and each at most once.
        while (next_unit < 3 && units [next_unit].unit != unit)
            next_unit++;
        if (next_unit == 3)
            goto bad;
        total += value * units [next_unit].minutes;
        next_unit++;
        any = true;
        if (total > 366L * 1440)
            goto bad;
    }
    if (!any)
        goto bad;
    *minutes_p = (int)total;
    return 0;
bad:
    pw_set_error (error_p,
                  "bad duration \"%s\": expected days, hours and minutes such as 4h, 90m, "
                  "1h30m or 7d (at most 366d)",
                  text ? text : "(null)");
    return -1;
}

int
pw_tz_parse_weekday (const char *text, int *weekday_p, char **error_p)
{
    for (int i = 0; text && i < 7; i++) {
        if (strcasecmp (text, s_weekdays [i][0]) == 0 ||
            strcasecmp (text, s_weekdays [i][1]) == 0) {
            *weekday_p = i;
            return 0;
        }
    }
    pw_set_error (error_p, "bad weekday \"%s\": expected mon..sun or monday..sunday",
                  text ? text : "(null)");
    return -1;
}

const char *
pw_tz_weekday_name (int weekday)
{
    return weekday >= 0 && weekday < 7 ? s_weekdays [weekday][0] : "?";
}
