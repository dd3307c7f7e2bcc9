/*  pw_window - window checks, instances, blackouts and time-ordered lists.

    Durations are elapsed time: a four-hour window that spans a fall-back
    night still lasts four hours, so capacity planning is in real minutes.
    A start moved by a DST gap keeps its full duration from the moved start.
*/
#include "pw_window.h"
#include "pw_util.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
s_name (const pw_window_t *window)
{
    return window->name ? window->name : "(unnamed)";
}

//  The checks that do not depend on the cycle kind; instance computation
//  runs them so that a bad row never yields a nonsense instant.
static int
s_window_sane (const pw_window_t *window, char **error_p)
{
    const char *problem = NULL;
    if (!window->name || !*window->name)
        problem = "has no name";
    else if (window->start_minute < 0 || window->start_minute > 1439)
        problem = "start must lie between 00:00 and 23:59";
    else if (window->duration_minutes < 1 || window->duration_minutes > 7 * 1440)
        problem = "duration must lie between 1 minute and 7 days";
    else if (window->capacity < 1)
        problem = "capacity must be at least 1";
    else if (window->offset_days < -366 || window->offset_days > 366)
        problem = "offset must lie within a year of the anchor";
    else if (window->group && *window->group && window->position < 1)
        problem = "a window in a group needs a position of 1 or more";
    else if ((!window->group || !*window->group) && window->position != 0)
        problem = "has a position but no group";
    else if (window->tz && !pw_tz_name_valid (window->tz))
        problem = "has a malformed time zone name";
    if (problem) {
        pw_set_error (error_p, "window \"%s\" %s", s_name (window), problem);
        return -1;
    }
    return 0;
}

int
pw_window_check (const pw_window_t *window, const pw_cycle_t *cycle, pw_tz_cache_t *zones,
                 char **error_p)
{
    if (s_window_sane (window, error_p))
        return -1;
    int max =
        cycle->kind == PW_CYCLE_MONTHLY ? PW_CYCLE_MONTHLY_MAX_OFFSET : PW_CYCLE_WEEKLY_MAX_OFFSET;
    if (window->offset_days < 0 || window->offset_days > max) {
        pw_set_error (error_p, "window \"%s\": offset %d days is outside 0..%d for a %s cycle",
                      s_name (window), window->offset_days, max,
                      cycle->kind == PW_CYCLE_MONTHLY ? "monthly" : "weekly");
        return -1;
    }
    if (zones && window->tz) {
        char *why = NULL;
        if (!pw_tz_cache_get (zones, window->tz, &why)) {
            pw_set_error (error_p, "window \"%s\": %s", s_name (window), why);
            free (why);
            return -1;
        }
    }
    return 0;
}

int
pw_blackout_check (const pw_blackout_t *blackout, char **error_p)
{
    if (!pw_tz_date_valid (blackout->first) || !pw_tz_date_valid (blackout->last) ||
        pw_tz_date_compare (blackout->first, blackout->last) > 0) {
        char first [16], last [16];
        pw_tz_date_format (blackout->first, first, sizeof first);
        pw_tz_date_format (blackout->last, last, sizeof last);
        pw_set_error (error_p, "bad blackout %s..%s%s%s: needs real dates, first <= last", first,
                      last, blackout->reason ? " " : "", blackout->reason ? blackout->reason : "");
        return -1;
    }
    return 0;
}

static const pw_tz_t *
s_zone (const pw_window_t *window, const pw_org_calendar_t *calendar, const char **name_p,
        char **error_p)
{
    const char *name = window->tz ? window->tz : calendar->tz;
    if (!name) {
        pw_set_error (error_p,
                      "window \"%s\": no time zone (neither the window nor the org has one)",
                      s_name (window));
        return NULL;
    }
    char *why = NULL;
    const pw_tz_t *zone = pw_tz_cache_get (calendar->zones, name, &why);
    if (!zone) {
        pw_set_error (error_p, "window \"%s\": %s", s_name (window), why);
        free (why);
        return NULL;
    }
    *name_p = name;
    return zone;
}

int
pw_window_instance (const pw_window_t *window, pw_date_t anchor, const pw_org_calendar_t *calendar,
                    pw_window_instance_t *instance, char **error_p)
{
    const char *tz_name = NULL;
    char *why = NULL;
    int rc = -1;
    pw_tz_fold_t fold;
    pw_tz_local_t local;
    assert (window && calendar && calendar->zones && instance);
    if (s_window_sane (window, error_p))
        goto cleanup;
    if (!pw_tz_date_valid (anchor)) {
        pw_set_error (error_p, "window \"%s\": bad anchor date %04d-%02d-%02d", s_name (window),
                      anchor.year, anchor.month, anchor.day);
        goto cleanup;
    }
    const pw_tz_t *zone = s_zone (window, calendar, &tz_name, error_p);
    if (!zone)
        goto cleanup;

    memset (instance, 0, sizeof *instance);
    instance->window = window;
    instance->tz = tz_name;
    instance->anchor = anchor;
    instance->date = pw_tz_date_add (anchor, window->offset_days);
    if (pw_tz_from_local (zone, instance->date, window->start_minute / 60,
                          window->start_minute % 60, 0, &instance->start, &fold, &why) ||
        pw_tz_to_local (zone, instance->start, &local, &why)) {
        pw_set_error (error_p, "window \"%s\": %s", s_name (window), why);
        goto cleanup;
    }
    instance->end = instance->start + (int64_t)window->duration_minutes * 60;
    instance->utc_offset = local.utc_offset;
    instance->moved = fold == PW_TZ_GAP;
    instance->repeated = fold == PW_TZ_REPEATED;
    snprintf (instance->local_start, sizeof instance->local_start, "%04d-%02d-%02d %02d:%02d %s",
              local.date.year, local.date.month, local.date.day, local.hour, local.minute,
              local.abbr);

    if (calendar->blackout_count) {
        //  Blackouts are the org's dates: judge the start in the org's zone
        //  even when the window keeps its own.
        pw_date_t org_date = local.date;
        if (calendar->tz && window->tz && strcmp (calendar->tz, window->tz) != 0) {
            const pw_tz_t *org_zone = pw_tz_cache_get (calendar->zones, calendar->tz, &why);
            if (!org_zone || pw_tz_to_local (org_zone, instance->start, &local, &why)) {
                pw_set_error (error_p, "window \"%s\": org zone: %s", s_name (window), why);
                goto cleanup;
            }
            org_date = local.date;
        }
        for (size_t i = 0; i < calendar->blackout_count; i++) {
            const pw_blackout_t *blackout = &calendar->blackouts [i];
            if (pw_tz_date_compare (blackout->first, org_date) <= 0 &&
                pw_tz_date_compare (org_date, blackout->last) <= 0) {
                instance->skipped = true;
                instance->blackout = blackout;
                break;
            }
        }
    }
    rc = 0;
cleanup:
    free (why);
    return rc;
}

static int
s_compare_instances (const void *a_ptr, const void *b_ptr)
{
    const pw_window_instance_t *a = a_ptr, *b = b_ptr;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    const char *ga = a->window->group ? a->window->group : "";
    const char *gb = b->window->group ? b->window->group : "";
    int cmp = strcmp (ga, gb);
    if (cmp)
        return cmp;
    if (a->window->position != b->window->position)
        return a->window->position < b->window->position ? -1 : 1;
    return strcmp (a->window->name, b->window->name);
}

pw_window_instance_t *
pw_window_instances (const pw_window_t *windows, size_t count, pw_date_t anchor,
                     const pw_org_calendar_t *calendar, size_t *count_p, char **error_p)
{
    pw_window_instance_t *instances = pw_calloc (count ? count : 1, sizeof *instances);
    for (size_t i = 0; i < count; i++) {
        if (pw_window_instance (&windows [i], anchor, calendar, &instances [i], error_p)) {
            free (instances);
            return NULL;
        }
    }
    qsort (instances, count, sizeof *instances, s_compare_instances);
    *count_p = count;
    return instances;
}

int
pw_window_next_instance (const pw_window_t *window, const pw_cycle_t *cycle, int64_t after,
                         const pw_org_calendar_t *calendar, pw_window_instance_t *instance,
                         char **error_p)
{
    const char *tz_name;
    pw_tz_local_t local;
    if (pw_window_check (window, cycle, NULL, error_p))
        return -1;
    const pw_tz_t *zone = s_zone (window, calendar, &tz_name, error_p);
    if (!zone || pw_tz_to_local (zone, after, &local, error_p))
        return -1;
    //  Offsets stay inside one cycle, so no earlier cycle has an instance on
    //  or after AFTER's local date: start from the current cycle.
    pw_date_t anchor = pw_cycle_anchor_on_or_before (cycle, local.date);
    for (int i = 0; i <= 24; i++) {
        pw_window_instance_t candidate;
        if (pw_window_instance (window, anchor, calendar, &candidate, error_p))
            return -1;
        if (candidate.start >= after && !candidate.skipped) {
            *instance = candidate;
            return 0;
        }
        anchor = pw_cycle_next_anchor (cycle, anchor);
    }
    pw_set_error (error_p, "window \"%s\": blackouts skip every instance for the next 24 cycles",
                  s_name (window));
    return -1;
}
