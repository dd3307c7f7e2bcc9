/*  pw_log - one line per event, key=value, to stderr.

    Every service and pwctl log through this: `ts=... level=... service=...
    msg="..." key=value ...`. The caller passes its context (tenant, request,
    reason) as a printf-formatted key=value tail, so a grep for `tenant=acme`
    finds every line about one tenant.
*/
#ifndef PW_LOG_H_INCLUDED
#define PW_LOG_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { PW_LOG_DEBUG = 0, PW_LOG_INFO, PW_LOG_WARN, PW_LOG_ERROR } pw_log_level_t;

//  Sets the service name written on every line and the lowest level logged.
void pw_log_init (const char *service, pw_log_level_t level);

//  Parses "debug", "info", "warn", "error"; -1 on anything else.
int pw_log_level_parse (const char *text, pw_log_level_t *level_p);

//  Logs MSG (quoted) followed by the formatted key=value TAIL (may be NULL).
void pw_log (pw_log_level_t level, const char *msg, const char *tail, ...)
    __attribute__ ((format (printf, 3, 4)));

#define pw_log_debug(msg, ...) pw_log (PW_LOG_DEBUG, msg, __VA_ARGS__)
#define pw_log_info(msg, ...)  pw_log (PW_LOG_INFO, msg, __VA_ARGS__)
#define pw_log_warn(msg, ...)  pw_log (PW_LOG_WARN, msg, __VA_ARGS__)
#define pw_log_error(msg, ...) pw_log (PW_LOG_ERROR, msg, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
