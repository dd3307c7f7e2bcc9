/*  pw_metrics - the process-wide metric registry.

    Registration takes a mutex (start-up and first use only); updates are
    lock-free atomic adds, so the request path never waits on the HTTP thread.
*/
#include "pw_metrics.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct _pw_metric_t {
    char *name;
    char *help;
    char *labels;
    bool gauge;
    int64_t value;
    pw_metric_t *next;
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pw_metric_t *s_head;
static pw_metric_t *s_tail;

static pw_metric_t *
s_lookup (const char *name, const char *help, const char *labels, bool gauge)
{
    pthread_mutex_lock (&s_lock);
    pw_metric_t *metric = s_head;
    for (; metric; metric = metric->next)
        if (strcmp (metric->name, name) == 0 && strcmp (metric->labels, labels ? labels : "") == 0)
            break;
    if (!metric) {
        metric = pw_calloc (1, sizeof *metric);
        metric->name = pw_strdup (name);
        metric->help = pw_strdup (help ? help : "");
        metric->labels = pw_strdup (labels ? labels : "");
        metric->gauge = gauge;
        //  Appended in order, so series of one name stay together as long
        //  as they are registered together; render groups them anyway.
        if (s_tail)
            s_tail->next = metric;
        else
            s_head = metric;
        s_tail = metric;
    }
    pthread_mutex_unlock (&s_lock);
    return metric;
}

pw_metric_t *
pw_metrics_counter (const char *name, const char *help, const char *labels)
{
    return s_lookup (name, help, labels, false);
}

pw_metric_t *
pw_metrics_gauge (const char *name, const char *help, const char *labels)
{
    return s_lookup (name, help, labels, true);
}

void
pw_metric_add (pw_metric_t *self, int64_t delta)
{
    __atomic_add_fetch (&self->value, delta, __ATOMIC_RELAXED);
}

void
pw_metric_set (pw_metric_t *self, int64_t value)
{
    __atomic_store_n (&self->value, value, __ATOMIC_RELAXED);
}

int64_t
pw_metric_value (const pw_metric_t *self)
{
    return __atomic_load_n (&self->value, __ATOMIC_RELAXED);
}

void
pw_metrics_render (pw_strbuf_t *out)
{
    pthread_mutex_lock (&s_lock);
    for (pw_metric_t *first = s_head; first; first = first->next) {
        //  One HELP/TYPE block per name: skip names already rendered.
        bool seen = false;
        for (pw_metric_t *m = s_head; m != first; m = m->next)
            if (strcmp (m->name, first->name) == 0) {
                seen = true;
                break;
            }
        if (seen)
            continue;
        pw_strbuf_appendf (out, "# HELP %s %s\n# TYPE %s %s\n", first->name, first->help,
                           first->name, first->gauge ? "gauge" : "counter");
        for (pw_metric_t *m = first; m; m = m->next) {
            if (strcmp (m->name, first->name) != 0)
                continue;
            if (*m->labels)
                pw_strbuf_appendf (out, "%s{%s} %lld\n", m->name, m->labels,
                                   (long long)pw_metric_value (m));
            else
                pw_strbuf_appendf (out, "%s %lld\n", m->name, (long long)pw_metric_value (m));
        }
    }
    pthread_mutex_unlock (&s_lock);
}

void
pw_metrics_shutdown (void)
{
    pthread_mutex_lock (&s_lock);
    while (s_head) {
        pw_metric_t *next = s_head->next;
        free (s_head->name);
        free (s_head->help);
        free (s_head->labels);
        free (s_head);
        s_head = next;
    }
    s_tail = NULL;
    pthread_mutex_unlock (&s_lock);
}
