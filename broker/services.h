/* services — the table of AWS-compatible services a node runs. Adding a
 * service means one line in services.c (and its files in meson.build). */
#ifndef STRATUS_SERVICES_H
#define STRATUS_SERVICES_H

#include "fsm.h"
#include "service.h"

/* Create every service and register it with f. env is borrowed and must
 * outlive f. 0, or -1 (out of memory). */
int services_register(struct fsm *f, const struct service_env *env);

#endif
