/*  pw_metrics - counters and gauges, rendered in the Prometheus text format.

    A process has one registry. Services register their metrics at start-up
    (name, help, optional label set) and bump them from any thread with atomic
    adds; the HTTP thread renders them at /metrics. Every error class a service
    can meet has a counter here, so `rate(pw_errors_total[5m])` is an alert.
*/
#ifndef PW_METRICS_H_INCLUDED
#define PW_METRICS_H_INCLUDED

#include <stdint.h>

#include "pw_util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_metric_t pw_metric_t;

//  Returns the counter NAME{LABELS}, creating it on first use. LABELS is the
//  Prometheus label text without braces (`code="BAD_REQUEST"`) or NULL. The
//  metric lives as long as the process; callers keep the pointer.
pw_metric_t *pw_metrics_counter (const char *name, const char *help, const char *labels);
pw_metric_t *pw_metrics_gauge (const char *name, const char *help, const char *labels);

void pw_metric_add (pw_metric_t *self, int64_t delta);
void pw_metric_set (pw_metric_t *self, int64_t value);
int64_t pw_metric_value (const pw_metric_t *self);

//  Appends every metric in the text exposition format.
void pw_metrics_render (pw_strbuf_t *out);

//  Frees the registry (at process exit, so leak checkers stay quiet).
void pw_metrics_shutdown (void);

#ifdef __cplusplus
}
#endif

#endif
