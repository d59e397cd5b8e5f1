/* pack — see pack.h. */
#include "pack.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"

/* The most answer bytes one pack carries (its Response must encode
 * within WIRE_MAX_REQUEST_BYTES); an answer past it is replaced by "send
 * it alone" — the call was applied and recorded, so the client's retry
 * gets the recorded answer on its own. */
#define PACK_ANSWER_BUDGET (WIRE_MAX_REQUEST_BYTES - 64u * 1024)

struct pack {
	struct server_slot *slot;
	struct wire_request req;    /* owns the packed bytes */
	struct wire_bytes *answers; /* owned copies, one per position */
	size_t bytes;		    /* sum of the answers' lengths */
	size_t left; /* unanswered positions, plus the dispatcher's */
};

struct pack *pack_new(struct server_slot *slot, struct wire_request *req)
{
	struct pack *p = calloc(1, sizeof *p);

	if (p == NULL ||
	    (p->answers = calloc(req->n_packed, sizeof *p->answers)) == NULL) {
		free(p);
		return NULL;
	}
	p->slot = slot;
	p->req = *req;
	memset(req, 0, sizeof *req);
	p->left = p->req.n_packed + 1;
	return p;
}

const struct wire_bytes *pack_request(const struct pack *p, size_t index)
{
	return &p->req.packed[index];
}

size_t pack_size(const struct pack *p)
{
	return p->req.n_packed;
}

static void write_answers(void *ctx, uint8_t *body)
{
	const struct pack *p = ctx;

	wire_pack_response_write(p->answers, p->req.n_packed, body);
}

static void pack_complete(struct pack *p)
{
	uint8_t *buf = NULL;
	size_t i, len = 0;

	/* Straight into the reply message: each answer is copied once. */
	if (server_reply_write(
		p->slot, wire_pack_response_size(p->answers, p->req.n_packed),
		write_answers, p) != 0) {
		if (wire_response_encode_error(WIRE_ERR_UNAVAILABLE,
					       "cannot answer this pack: retry",
					       0, NULL, &buf, &len) == 0) {
			server_reply(p->slot, buf, len);
		} else {
			/* Out of memory even for that: a static answer;
			 * the slot is never left unanswered. */
			const uint8_t *b;
			log_error("pack of %zu: cannot encode the answer",
				  p->req.n_packed);
			wire_response_unavailable(&b, &len);
			server_reply(p->slot, b, len);
		}
	}
	free(buf);
	for (i = 0; i < p->req.n_packed; i++) {
		free((void *)p->answers[i].data);
	}
	free(p->answers);
	wire_request_release(&p->req);
	free(p);
}

void pack_answer(struct pack *p, size_t index, const uint8_t *response,
		 size_t len)
{
	uint8_t *copy = NULL, *alone = NULL;

	if (len > 0 && p->bytes + len > PACK_ANSWER_BUDGET &&
	    wire_response_encode_error(WIRE_ERR_WOULD_WAIT,
				       "the answer does not fit its pack: "
				       "send it alone",
				       0, NULL, &alone, &len) == 0) {
		response = alone;
	}
	if (len > 0 && (copy = malloc(len)) != NULL) {
		memcpy(copy, response, len);
		p->answers[index].data = copy;
		p->answers[index].len = len;
		p->bytes += len;
	}
	if (len > 0 && p->answers[index].data == NULL) {
		/* Out of memory: the static ServiceUnavailable (copied, as
		 * every answer is owned). */
		const uint8_t *b;
		size_t n;
		wire_response_unavailable(&b, &n);
		if ((copy = malloc(n)) != NULL) {
			memcpy(copy, b, n);
			p->answers[index].data = copy;
			p->answers[index].len = n;
		}
	}
	free(alone);
	if (--p->left == 0) {
		pack_complete(p);
	}
}

void pack_dispatched(struct pack *p)
{
	if (--p->left == 0) {
		pack_complete(p);
	}
}
