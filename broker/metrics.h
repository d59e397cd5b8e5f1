/* metrics — Prometheus text exposition (format 0.0.4) for /metrics, into a
 * strbuf: family headers, samples with escaped label values, and a
 * fixed-bucket latency histogram.
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

#include "strbuf.h"

/* "# HELP name help\n# TYPE name type\n" */
void metrics_family(struct strbuf *b, const char *name, const char *type,
		    const char *help);
/* name{labels} value — labels: NULL, or "k1", "v1", "k2", "v2", ...,
 * NULL (values escaped here). */
void metrics_sample(struct strbuf *b, const char *name, double value, ...);

/* Latency histogram, seconds, with fixed bucket bounds. */
#define METRICS_HISTOGRAM_BUCKETS 14
struct metrics_histogram {
	uint64_t counts[METRICS_HISTOGRAM_BUCKETS + 1]; /* last: +Inf */
	uint64_t count;
	double sum_seconds;
};

void metrics_histogram_observe(struct metrics_histogram *h, double seconds);
/* The whole family: HELP/TYPE, cumulative _bucket lines, _sum, _count. */
void metrics_histogram_write(struct strbuf *b, const char *name,
			     const char *help,
			     const struct metrics_histogram *h);

#endif
