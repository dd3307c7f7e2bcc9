/*  pw_cycle - cycle anchors, cycle ids and the scan rules.

    Anchors are civil dates; instants only appear once a local time is put on
    a date in a zone (pw_tz_from_local), so a cycle never depends on the
    zone of the machine the scheduler runs on.
*/
#include "pw_cycle.h"
#include "pw_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  Second Tuesday without range checks (callers near year 1 still get a
//  proleptic date rather than a failure).
static pw_date_t
s_patch_tuesday (int year, int month)
{
    pw_date_t first = {year, month, 1};
    int first_tuesday = 1 + (2 - pw_tz_weekday (first) + 7) % 7;
    pw_date_t date = {year, month, first_tuesday + 7};
    return date;
}

int
pw_cycle_patch_tuesday (int year, int month, pw_date_t *date_p)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12)
        return -1;
    *date_p = s_patch_tuesday (year, month);
    return 0;
}

int
pw_cycle_parse (const char *text, pw_cycle_t *cycle, char **error_p)
{
    char kind [16], day [16], extra [2];
    int fields = text ? sscanf (text, " %15s %15s %1s", kind, day, extra) : 0;
    if (fields == 1 && strcasecmp (kind, "monthly") == 0) {
        cycle->kind = PW_CYCLE_MONTHLY;
        cycle->weekday = 2; //  Patch Tuesday
        return 0;
    }
    if (fields == 2 && strcasecmp (kind, "weekly") == 0) {
        int weekday;
        if (pw_tz_parse_weekday (day, &weekday, error_p))
            return -1;
        cycle->kind = PW_CYCLE_WEEKLY;
        cycle->weekday = weekday;
        return 0;
    }
    pw_set_error (error_p, "bad cycle \"%s\": expected \"monthly\" or \"weekly DAY\"",
                  text ? text : "(null)");
    return -1;
}

int
pw_cycle_parse_month (const char *text, int *year_p, int *month_p, char **error_p)
{
    int year = 0, month = 0;
    bool ok = text && strlen (text) == 7 && text [4] == '-';
    for (int i = 0; ok && i < 7; i++) {
        if (i == 4)
            continue;
        if (!isdigit ((unsigned char)text [i]))
            ok = false;
        else if (i < 4)
            year = year * 10 + (text [i] - '0');
        else
            month = month * 10 + (text [i] - '0');
    }
    if (!ok || year < 1 || month < 1 || month > 12) {
        pw_set_error (error_p, "bad cycle \"%s\": expected a month as YYYY-MM",
                      text ? text : "(null)");
        return -1;
    }
    *year_p = year;
    *month_p = month;
    return 0;
}

static pw_date_t
s_week_anchor (int weekday, pw_date_t date)
{
    return pw_tz_date_add (date, -((pw_tz_weekday (date) - weekday + 7) % 7));
}

int
pw_cycle_anchor (const pw_cycle_t *cycle, const char *id, pw_date_t *anchor_p, char **error_p)
{
    if (cycle->kind == PW_CYCLE_MONTHLY) {
        int year, month;
        if (pw_cycle_parse_month (id, &year, &month, error_p))
            return -1;
        *anchor_p = s_patch_tuesday (year, month);
        return 0;
    }
    pw_date_t date;
    char *why = NULL;
    if (cycle->weekday < 0 || cycle->weekday > 6 || pw_tz_parse_date (id, &date, &why)) {
        pw_set_error (error_p, "bad weekly cycle \"%s\": expected a date of the week as YYYY-MM-DD",
                      id ? id : "(null)");
        free (why);
        return -1;
    }
    *anchor_p = s_week_anchor (cycle->weekday, date);
    return 0;
}

pw_date_t
pw_cycle_anchor_on_or_before (const pw_cycle_t *cycle, pw_date_t date)
{
    if (cycle->kind == PW_CYCLE_WEEKLY)
        return s_week_anchor (cycle->weekday, date);
    pw_date_t anchor = s_patch_tuesday (date.year, date.month);
    if (pw_tz_date_compare (anchor, date) <= 0)
        return anchor;
    return date.month == 1 ? s_patch_tuesday (date.year - 1, 12)
                           : s_patch_tuesday (date.year, date.month - 1);
}

pw_date_t
pw_cycle_next_anchor (const pw_cycle_t *cycle, pw_date_t anchor)
{
    if (cycle->kind == PW_CYCLE_WEEKLY)
        return pw_tz_date_add (anchor, 7);
    return anchor.month == 12 ? s_patch_tuesday (anchor.year + 1, 1)
                              : s_patch_tuesday (anchor.year, anchor.month + 1);
}

void
pw_cycle_id_format (const pw_cycle_t *cycle, pw_date_t anchor, char *buf, size_t size)
{
    if (cycle->kind == PW_CYCLE_MONTHLY)
        snprintf (buf, size, "%04d-%02d", anchor.year, anchor.month);
    else
        pw_tz_date_format (anchor, buf, size);
}

//  --- scans -------------------------------------------------------------

void
pw_scan_schedule_default (pw_scan_schedule_t *self)
{
    self->weekday = PW_SCAN_DEFAULT_WEEKDAY;
    self->start_minute = PW_SCAN_DEFAULT_START;
    self->duration_minutes = PW_SCAN_DEFAULT_DURATION;
}

void
pw_scan_rules_default (pw_scan_rules_t *rules)
{
    rules->gap = PW_SCAN_DEFAULT_GAP;
    rules->max_age = PW_SCAN_DEFAULT_MAX_AGE;
}

int
pw_scan_schedule_parse (const char *text, pw_scan_schedule_t *self, char **error_p)
{
    char first [16], second [16], extra [2];
    pw_scan_schedule_t schedule;
    pw_scan_schedule_default (&schedule);
    int fields = text ? sscanf (text, " %15s %15s %1s", first, second, extra) : 0;
    int rc = -1;
    char *why = NULL;
    if (fields == 1 && strchr (first, ':'))
        rc = pw_tz_parse_hhmm (first, &schedule.start_minute, &why);
    else if (fields == 1)
        rc = pw_tz_parse_weekday (first, &schedule.weekday, &why);
    else if (fields == 2) {
        rc = pw_tz_parse_weekday (first, &schedule.weekday, &why);
        if (rc == 0)
            rc = pw_tz_parse_hhmm (second, &schedule.start_minute, &why);
    }
    if (rc) {
        pw_set_error (error_p, "bad scan schedule \"%s\": %s", text ? text : "(null)",
                      why ? why : "expected \"DAY HH:MM\" such as \"mon 04:00\"");
        free (why);
        return -1;
    }
    *self = schedule;
    return 0;
}

static int
s_schedule_check (const pw_scan_schedule_t *self, char **error_p)
{
    if (self->weekday < 0 || self->weekday > 6 || self->start_minute < 0 ||
        self->start_minute > 1439 || self->duration_minutes < 1 || self->duration_minutes > 1440) {
        pw_set_error (error_p,
                      "bad scan schedule: weekday %d (0..6), start minute %d (0..1439), "
                      "duration %d minutes (1..1440)",
                      self->weekday, self->start_minute, self->duration_minutes);
        return -1;
    }
    return 0;
}

static int
s_scan_on (const pw_scan_schedule_t *self, const pw_tz_t *zone, pw_date_t date, int64_t *start_p,
           char **error_p)
{
    return pw_tz_from_local (zone, date, self->start_minute / 60, self->start_minute % 60, 0,
                             start_p, NULL, error_p);
}

int
pw_scan_last_before (const pw_scan_schedule_t *self, const pw_tz_t *zone, int64_t before,
                     int64_t *start_p, char **error_p)
{
    pw_tz_local_t local;
    int64_t start;
    if (s_schedule_check (self, error_p) || pw_tz_to_local (zone, before, &local, error_p))
        return -1;
    pw_date_t date = s_week_anchor (self->weekday, local.date);
    if (s_scan_on (self, zone, date, &start, error_p))
        return -1;
    if (start >= before && s_scan_on (self, zone, pw_tz_date_add (date, -7), &start, error_p))
        return -1;
    *start_p = start;
    return 0;
}

int
pw_scan_next (const pw_scan_schedule_t *self, const pw_tz_t *zone, int64_t after, int64_t *start_p,
              char **error_p)
{
    pw_tz_local_t local;
    int64_t start;
    if (s_schedule_check (self, error_p) || pw_tz_to_local (zone, after, &local, error_p))
        return -1;
    pw_date_t date = pw_tz_date_add (local.date, (self->weekday - local.weekday + 7) % 7);
    if (s_scan_on (self, zone, date, &start, error_p))
        return -1;
    if (start < after && s_scan_on (self, zone, pw_tz_date_add (date, 7), &start, error_p))
        return -1;
    *start_p = start;
    return 0;
}

int
pw_scan_check (const pw_scan_schedule_t *self, const pw_tz_t *zone, const pw_scan_rules_t *rules,
               int64_t window_start, int64_t not_before, pw_scan_result_t *result, char **error_p)
{
    if (rules->gap < 0 || rules->max_age < rules->gap || rules->max_age > 366LL * 86400) {
        pw_set_error (error_p,
                      "bad scan rules: scan_gap %llds must be >= 0 and scan_max_age %llds "
                      "between scan_gap and 366 days",
                      (long long)rules->gap, (long long)rules->max_age);
        return -1;
    }
    int64_t start;
    if (pw_scan_last_before (self, zone, window_start, &start, error_p))
        return -1;
    memset (result, 0, sizeof *result);
    result->window_start = window_start;

    char window_text [32], start_text [32], end_text [32], gap_text [32], rule_text [32];
    pw_tz_utc_format (window_start, window_text, sizeof window_text);
    if (start < not_before) {
        result->verdict = PW_SCAN_NONE;
        snprintf (result->message, sizeof result->message, "no scan starts before the window at %s",
                  window_text);
        return 0;
    }
    result->has_scan = true;
    result->scan_start = start;
    result->scan_end = start + (int64_t)self->duration_minutes * 60;
    result->gap = window_start - result->scan_end;
    pw_tz_utc_format (result->scan_start, start_text, sizeof start_text);
    pw_tz_utc_format (result->scan_end, end_text, sizeof end_text);
    pw_tz_duration_format (result->gap, gap_text, sizeof gap_text);

    if (result->gap < rules->gap) {
        result->verdict = PW_SCAN_TOO_SOON;
        pw_tz_duration_format (rules->gap, rule_text, sizeof rule_text);
        if (result->gap < 0)
            snprintf (result->message, sizeof result->message,
                      "window at %s starts before the scan %s..%s ends; scan_gap is %s",
                      window_text, start_text, end_text, rule_text);
        else
            snprintf (result->message, sizeof result->message,
                      "window at %s starts %s after the scan %s..%s ends; scan_gap is %s",
                      window_text, gap_text, start_text, end_text, rule_text);
    } else if (result->gap > rules->max_age) {
        result->verdict = PW_SCAN_STALE;
        pw_tz_duration_format (rules->max_age, rule_text, sizeof rule_text);
        snprintf (result->message, sizeof result->message,
                  "scan %s..%s is %s old when the window starts at %s; scan_max_age is %s",
                  start_text, end_text, gap_text, window_text, rule_text);
    } else {
        result->verdict = PW_SCAN_OK;
        snprintf (result->message, sizeof result->message,
                  "scan %s..%s ends %s before the window at %s", start_text, end_text, gap_text,
                  window_text);
    }
    return 0;
}

const char *
pw_scan_verdict_code (pw_scan_verdict_t verdict)
{
    switch (verdict) {
        case PW_SCAN_NONE:
        case PW_SCAN_TOO_SOON: return "SCAN_GAP";
        case PW_SCAN_STALE: return "STALE_SCAN";
        default: return NULL;
    }
}
