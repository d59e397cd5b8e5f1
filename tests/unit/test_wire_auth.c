/* Unit tests for proto/wire_auth: a signed request decodes with its key,
 * time and signature and verifies with the right secret only; any change
 * to a signed byte, a truncation, a missing or misplaced trailer, or a
 * different secret fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"
#include "wire_auth.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static void encode_signed(uint8_t **buf, size_t *len)
{
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = "sqs",
			     .action = "ListQueues",
			     .input = (const uint8_t *)"{}",
			     .input_len = 2,
			     .endpoint = "http://127.0.0.1:7102"};
	struct wire_request r = {.client_id = 7,
				 .seq = 9,
				 .ops = &op,
				 .n_ops = 1,
				 .access_key_id = "AKIAEXAMPLE",
				 .signed_at_ms = 1795770000000ull};

	assert_int_equal(wire_request_encode(&r, buf, len), 0);
	assert_int_equal(wire_auth_sign(buf, len, SECRET), 0);
}

static void test_sign_decode_verify(void **state)
{
	struct wire_request d;
	uint8_t *buf;
	size_t len;

	(void)state;
	encode_signed(&buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &d), 0);
	assert_string_equal(d.access_key_id, "AKIAEXAMPLE");
	assert_true(d.signed_at_ms == 1795770000000ull);
	assert_int_equal(d.signature_len, WIRE_AUTH_SIG_BYTES);
	assert_string_equal(d.ops[0].endpoint, "http://127.0.0.1:7102");
	assert_int_equal(wire_auth_verify(buf, len, SECRET), 0);
	assert_int_not_equal(wire_auth_verify(buf, len, SECRET "x"), 0);
	wire_request_release(&d);
	free(buf);
}

static void test_every_change_fails(void **state)
{
	uint8_t *buf;
	size_t len, i;

	(void)state;
	encode_signed(&buf, &len);
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(wire_auth_verify(buf, len, SECRET), 0);
		buf[i] ^= 0x01;
	}
	for (i = 0; i < len; i++) {
		assert_int_not_equal(wire_auth_verify(buf, i, SECRET), 0);
	}
	assert_int_equal(wire_auth_verify(buf, len, SECRET), 0);
	free(buf);
}

static void test_unsigned_fails(void **state)
{
	struct wire_op op = {.type = WIRE_OP_KV_GET, .key = "k"};
	struct wire_request r = {.ops = &op, .n_ops = 1}, d;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(wire_request_encode(&r, &buf, &len), 0);
	assert_int_not_equal(wire_auth_verify(buf, len, SECRET), 0);
	assert_int_not_equal(wire_auth_verify(NULL, 0, SECRET), 0);
	assert_int_equal(wire_request_decode(buf, len, &d), 0);
	assert_null(d.signature);
	assert_string_equal(d.access_key_id, "");
	wire_request_release(&d);
	free(buf);
}

/* A long poll's retry (client.c): the first attempt's unsigned bytes
 * with waited_ms appended, signed again. It decodes with the same
 * session, ops and key, carries waited_ms, and verifies; the first
 * attempt's bytes carry none (0). */
static void test_retry_with_waited(void **state)
{
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = "sqs",
			     .action = "ReceiveMessage",
			     .input =
				 (const uint8_t *)"{\"WaitTimeSeconds\":20}",
			     .input_len = 22,
			     .endpoint = ""};
	struct wire_request r = {.client_id = 7,
				 .seq = 9,
				 .ops = &op,
				 .n_ops = 1,
				 .access_key_id = "AKIAEXAMPLE",
				 .signed_at_ms = 1795770000000ull},
			    d;
	uint8_t *base, *retry;
	size_t base_len, len;

	(void)state;
	assert_int_equal(wire_request_encode(&r, &base, &base_len), 0);
	assert_int_equal(wire_request_decode(base, base_len, &d), 0);
	assert_int_equal(d.waited_ms, 0);
	wire_request_release(&d);

	retry = malloc(base_len);
	memcpy(retry, base, base_len);
	len = base_len;
	assert_int_equal(wire_request_append_waited(&retry, &len, 0), 0);
	assert_int_equal(len, base_len); /* 0: nothing to say */
	assert_int_equal(wire_request_append_waited(&retry, &len, 4321), 0);
	assert_true(len > base_len);
	assert_int_equal(wire_auth_sign(&retry, &len, SECRET), 0);
	assert_int_equal(wire_auth_verify(retry, len, SECRET), 0);
	assert_int_equal(wire_request_decode(retry, len, &d), 0);
	assert_int_equal(d.waited_ms, 4321);
	assert_true(d.client_id == 7 && d.seq == 9);
	assert_int_equal(d.n_ops, 1);
	assert_string_equal(d.ops[0].action, "ReceiveMessage");
	assert_int_equal(d.ops[0].input_len, 22);
	assert_string_equal(d.access_key_id, "AKIAEXAMPLE");
	assert_int_equal(d.signature_len, WIRE_AUTH_SIG_BYTES);
	wire_request_release(&d);
	/* The old signature does not cover the new bytes. */
	assert_int_equal(wire_auth_sign(&base, &base_len, SECRET), 0);
	assert_int_not_equal(memcmp(base + base_len - WIRE_AUTH_SIG_BYTES,
				    retry + len - WIRE_AUTH_SIG_BYTES,
				    WIRE_AUTH_SIG_BYTES),
			     0);
	free(base);
	free(retry);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_decode_verify),
	    cmocka_unit_test(test_every_change_fails),
	    cmocka_unit_test(test_unsigned_fails),
	    cmocka_unit_test(test_retry_with_waited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
