/* metrics — see metrics.h. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the histogram buckets, seconds: 0.5 ms .. 10 s. */
static const double bucket_bounds[METRICS_HISTOGRAM_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,	   10};

void metrics_buf_release(struct metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static bool reserve(struct metrics_buf *b, size_t more)
{
	size_t cap;
	char *d;

	if (b->oom) {
		return false;
	}
	if (b->len + more + 1 <= b->cap) {
		return true;
	}
	cap = b->cap > 0 ? b->cap : 4096;
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	if ((d = realloc(b->data, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

static void vappend(struct metrics_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !reserve(b, (size_t)n)) {
		return;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(b, fmt, ap);
	va_end(ap);
}

void metrics_family(struct metrics_buf *b, const char *name,
		    const char *type, const char *help)
{
	metrics_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		       type);
}

/* A label value: backslash, double quote and newline escaped. */
static void append_escaped(struct metrics_buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"') {
			metrics_printf(b, "\\%c", *v);
		} else if (*v == '\n') {
			metrics_printf(b, "\\n");
		} else {
			metrics_printf(b, "%c", *v);
		}
	}
}

static void append_value(struct metrics_buf *b, double value)
{
	if (value == (double)(int64_t)value && value < 1e15 && value > -1e15) {
		metrics_printf(b, " %lld\n", (long long)value);
	} else {
		metrics_printf(b, " %.9g\n", value);
	}
}

void metrics_sample(struct metrics_buf *b, const char *name, double value,
		    ...)
{
	const char *k, *v;
	va_list ap;
	bool first = true;

	metrics_printf(b, "%s", name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		metrics_printf(b, "%s%s=\"", first ? "{" : ",", k);
		append_escaped(b, v != NULL ? v : "");
		metrics_printf(b, "\"");
		first = false;
	}
	va_end(ap);
	if (!first) {
		metrics_printf(b, "}");
	}
	append_value(b, value);
}

void metrics_histogram_observe(struct metrics_histogram *h, double seconds)
{
	size_t i = 0;

	while (i < METRICS_HISTOGRAM_BUCKETS && seconds > bucket_bounds[i]) {
		i++;
	}
	h->counts[i]++;
	h->count++;
	h->sum_seconds += seconds;
}

void metrics_histogram_write(struct metrics_buf *b, const char *name,
			     const char *help,
			     const struct metrics_histogram *h)
{
	uint64_t cumulative = 0;
	size_t i;

	metrics_family(b, name, "histogram", help);
	for (i = 0; i < METRICS_HISTOGRAM_BUCKETS; i++) {
		cumulative += h->counts[i];
		metrics_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
			       bucket_bounds[i],
			       (unsigned long long)cumulative);
	}
	cumulative += h->counts[METRICS_HISTOGRAM_BUCKETS];
	metrics_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
		       (unsigned long long)cumulative);
	metrics_printf(b, "%s_sum %.9g\n%s_count %llu\n", name, h->sum_seconds,
		       name, (unsigned long long)h->count);
}
