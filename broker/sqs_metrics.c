/* sqs_metrics — the SQS service's /metrics families: per queue, the
 * messages available / in flight / delayed (as GetQueueAttributes counts
 * them, at the state machine's clock) and the messages sent, received and
 * deleted since this node started applying. */
#include "metrics.h"
#include "sqs.h"
#include "sqs_int.h"

struct family {
	const char *name, *type, *help;
};

static const struct family families[] = {
    {"stratus_sqs_messages_visible", "gauge",
     "Messages available for retrieval (ApproximateNumberOfMessages)."},
    {"stratus_sqs_messages_inflight", "gauge",
     "Messages received and not yet deleted or visible again."},
    {"stratus_sqs_messages_delayed", "gauge",
     "Messages not yet available because of a delay."},
    {"stratus_sqs_messages_sent_total", "counter",
     "Messages sent to the queue (applied on this node)."},
    {"stratus_sqs_messages_received_total", "counter",
     "Messages returned by ReceiveMessage (applied on this node)."},
    {"stratus_sqs_messages_deleted_total", "counter",
     "Messages deleted (applied on this node)."},
};

void sqs_metrics(const void *state, struct strbuf *b)
{
	const struct sqs_state *st = state;
	size_t f, i, vis, nvis, del;

	metrics_family(b, "stratus_sqs_queues", "gauge", "Queues.");
	metrics_sample(b, "stratus_sqs_queues", (double)st->n_queues, NULL);
	for (f = 0; f < sizeof families / sizeof *families; f++) {
		metrics_family(b, families[f].name, families[f].type,
			       families[f].help);
		for (i = 0; i < st->n_queues; i++) {
			struct sqs_queue *q = st->queues[i];
			double v;

			sqs_queue_counts(q, q->clock_ms, &vis, &nvis, &del);
			switch (f) {
			case 0:
				v = (double)vis;
				break;
			case 1:
				v = (double)nvis;
				break;
			case 2:
				v = (double)del;
				break;
			case 3:
				v = (double)q->n_sent;
				break;
			case 4:
				v = (double)q->n_received;
				break;
			default:
				v = (double)q->n_deleted;
				break;
			}
			metrics_sample(b, families[f].name, v, "queue", q->name,
				       NULL);
		}
	}
}
