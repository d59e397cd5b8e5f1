/* pack — answering a pack: many independent requests in one message.
 *
 * A client with many calls in flight to one node sends some of them
 * together, as one Request whose `packed` holds their encoded Requests
 * (wire.h). Each packed request is handled exactly like one arriving on
 * its own (authenticated, deduplicated, committed, answered) — the pack
 * only saves the per-message work: one nng receive and send, one wake-up
 * of the loop, one TCP write for dozens of calls. This module gathers the
 * answers: each call hands its encoded Response to pack_answer(), and once
 * every position is answered the pack replies on its server slot with a
 * Response whose `packed` holds them in request order.
 *
 * Everything runs on the loop thread. */
#ifndef STRATUS_PACK_H
#define STRATUS_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct server_slot;
struct pack;

/* A pack of req->n_packed calls answered on slot. Takes over req (the
 * packed bytes stay valid until the pack is answered: handlers may borrow
 * them). The pack holds one extra position, the dispatcher's, released by
 * pack_dispatched() once every call has been handed out — so an answer
 * given while dispatching cannot complete (and free) it early. NULL when
 * out of memory (req is then left to the caller). */
struct pack *pack_new(struct server_slot *slot, struct wire_request *req);

/* The packed request at index (borrowed from the pack). */
const struct wire_bytes *pack_request(const struct pack *p, size_t index);
size_t pack_size(const struct pack *p);

/* Answer position index (the response is copied); exactly once each. */
void pack_answer(struct pack *p, size_t index, const uint8_t *response,
		 size_t len);

/* The dispatcher is done handing out calls (see pack_new). */
void pack_dispatched(struct pack *p);

#endif
