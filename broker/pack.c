/* pack — see pack.h. */
#include "pack.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"

struct pack {
	struct server_slot *slot;
	struct wire_request req;    /* owns the packed bytes */
	struct wire_bytes *answers; /* owned copies, one per position */
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

static void pack_complete(struct pack *p)
{
	struct wire_response resp;
	uint8_t *buf = NULL;
	size_t i, len = 0;

	memset(&resp, 0, sizeof resp);
	resp.packed = p->answers;
	resp.n_packed = p->req.n_packed;
	if (wire_response_encode(&resp, &buf, &len) == 0) {
		server_reply(p->slot, buf, len);
	} else {
		/* Out of memory: the client times out and retries each
		 * call (deduplicated). */
		log_error("pack of %zu: cannot encode the answer",
			  p->req.n_packed);
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
	uint8_t *copy = len > 0 ? malloc(len) : NULL;

	if (copy != NULL) {
		memcpy(copy, response, len);
		p->answers[index].data = copy;
		p->answers[index].len = len;
	}
	/* else (empty, or out of memory): an empty Response, which the
	 * client reports as undecodable for that call alone. */
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
