/* sqs — the Amazon SQS service: standard and FIFO queues as a replicated
 * state machine behind the service seam (service.h). */
#ifndef STRATUS_SQS_H
#define STRATUS_SQS_H

#include "service.h"

/* A new SQS service (name "sqs") with empty state. env is copied (its
 * strings are borrowed and must outlive the service). Returns owned; free
 * with svc->destroy(svc). NULL when out of memory. */
struct service *sqs_service_new(const struct service_env *env);

#endif
