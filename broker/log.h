/* log — the node's diagnostic log: one line per event on stderr, with a
 * millisecond wall-clock timestamp, the level and the node id.
 * Thread-safe (one fprintf per line). Never log secrets or message bodies. */
#ifndef STRATUS_LOG_H
#define STRATUS_LOG_H

#include "config.h"

/* Set once at start-up (before other threads exist). */
void log_setup(enum config_log_level level, unsigned long long node_id);

void log_at(enum config_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_at(LOGLEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_at(LOGLEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_at(LOGLEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOGLEVEL_ERROR, __VA_ARGS__)

#endif
