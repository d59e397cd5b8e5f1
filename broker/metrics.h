/* metrics — Prometheus text exposition (format 0.0.4) for /metrics:
 * a growable text buffer, family headers, samples with escaped label
 * values, and a fixed-bucket latency histogram.
 *
 * Each module writes its own families (the node: raft and commit; each
 * service: its resources, via service.metrics; the HTTP layer: requests);
 * names follow Prometheus conventions (stratus_ prefix, _total counters,
 * _seconds / _bytes units). Not thread-safe: one writer per buffer. */
#ifndef STRATUS_METRICS_H
#define STRATUS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct metrics_buf {
	char *data; /* NUL-terminated; malloc'd */
	size_t len, cap;
	bool oom; /* an append failed: the text is incomplete */
};

void metrics_buf_release(struct metrics_buf *b);
void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "# HELP name help\n# TYPE name type\n" */
void metrics_family(struct metrics_buf *b, const char *name,
		    const char *type, const char *help);
/* name{labels} value — labels: NULL, or "k1", "v1", "k2", "v2", ...,
 * NULL (values escaped here). */
void metrics_sample(struct metrics_buf *b, const char *name, double value,
		    ...);

/* Latency histogram, seconds, with fixed bucket bounds. */
#define METRICS_HISTOGRAM_BUCKETS 14
struct metrics_histogram {
	uint64_t counts[METRICS_HISTOGRAM_BUCKETS + 1]; /* last: +Inf */
	uint64_t count;
	double sum_seconds;
};

void metrics_histogram_observe(struct metrics_histogram *h, double seconds);
/* The whole family: HELP/TYPE, cumulative _bucket lines, _sum, _count. */
void metrics_histogram_write(struct metrics_buf *b, const char *name,
			     const char *help,
			     const struct metrics_histogram *h);

#endif
