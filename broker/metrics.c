/* metrics — see metrics.h. */
#include "metrics.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the histogram buckets, seconds: 0.5 ms .. 10 s. */
static const double bucket_bounds[METRICS_HISTOGRAM_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,	   1,	  2.5,	5,     10};

void metrics_family(struct strbuf *b, const char *name, const char *type,
		    const char *help)
{
	strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

/* A label value: backslash, double quote and newline escaped. */
static void append_escaped(struct strbuf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"') {
			strbuf_printf(b, "\\%c", *v);
		} else if (*v == '\n') {
			strbuf_printf(b, "\\n");
		} else {
			strbuf_printf(b, "%c", *v);
		}
	}
}

static void append_value(struct strbuf *b, double value)
{
	if (value == (double)(int64_t)value && value < 1e15 && value > -1e15) {
		strbuf_printf(b, " %lld\n", (long long)value);
	} else {
		strbuf_printf(b, " %.9g\n", value);
	}
}

void metrics_sample(struct strbuf *b, const char *name, double value, ...)
{
	const char *k, *v;
	va_list ap;
	bool first = true;

	strbuf_printf(b, "%s", name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		strbuf_printf(b, "%s%s=\"", first ? "{" : ",", k);
		append_escaped(b, v != NULL ? v : "");
		strbuf_printf(b, "\"");
		first = false;
	}
	va_end(ap);
	if (!first) {
		strbuf_printf(b, "}");
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

void metrics_histogram_write(struct strbuf *b, const char *name,
			     const char *help,
			     const struct metrics_histogram *h)
{
	uint64_t cumulative = 0;
	size_t i;

	metrics_family(b, name, "histogram", help);
	for (i = 0; i < METRICS_HISTOGRAM_BUCKETS; i++) {
		cumulative += h->counts[i];
		strbuf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
			      bucket_bounds[i], (unsigned long long)cumulative);
	}
	cumulative += h->counts[METRICS_HISTOGRAM_BUCKETS];
	strbuf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
		      (unsigned long long)cumulative);
	strbuf_printf(b, "%s_sum %.9g\n%s_count %llu\n", name, h->sum_seconds,
		      name, (unsigned long long)h->count);
}
