/*  pw_log - key=value logging. A line is built whole, then written with one
    fwrite, so lines from the HTTP thread and the main thread never interleave.
*/
#include "pw_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static const char *s_service = "patchwarden";
static pw_log_level_t s_level = PW_LOG_INFO;
static const char *s_level_names [] = {"debug", "info", "warn", "error"};

void
pw_log_init (const char *service, pw_log_level_t level)
{
    s_service = service;
    s_level = level;
}

int
pw_log_level_parse (const char *text, pw_log_level_t *level_p)
{
    for (int i = 0; i < 4; i++)
        if (text && strcasecmp (text, s_level_names [i]) == 0) {
            *level_p = (pw_log_level_t)i;
            return 0;
        }
    return -1;
}

void
pw_log (pw_log_level_t level, const char *msg, const char *tail, ...)
{
    if (level < s_level)
        return;
    char line [2048];
    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    int len = snprintf (line, sizeof line,
                        "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s service=%s msg=\"",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, (int)(tv.tv_usec / 1000), s_level_names [level], s_service);
    //  Quotes and newlines in the message would break the one-line format.
    for (const char *p = msg; *p && len < (int)sizeof line - 8; p++) {
        if (*p == '"' || *p == '\\')
            line [len++] = '\\';
        line [len++] = (*p == '\n') ? ' ' : *p;
    }
    line [len++] = '"';
    if (tail && *tail && len < (int)sizeof line - 2) {
        line [len++] = ' ';
        va_list args;
        va_start (args, tail);
        int n = vsnprintf (line + len, sizeof line - (size_t)len - 1, tail, args);
        va_end (args);
        if (n > 0)
            len += n < (int)sizeof line - len - 1 ? n : (int)sizeof line - len - 2;
    }
    line [len++] = '\n';
    fwrite (line, 1, (size_t)len, stderr);
}
