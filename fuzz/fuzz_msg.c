/*
 * fuzz_msg.c - the whole-message parser, as a datagram and as a stream
 * head, and everything a receiver does with a parsed message: header
 * iteration, Via list, printing and re-parsing, UAS validation.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <string.h>

static void exercise(const esip_msg *m)
{
	esip_list_iter it;
	esip_via v;
	esip_validation val;
	char out[70000];
	long n;

	esip_list_iter_init(&it, m, ESIP_HDR_VIA);
	while (esip_via_next(&it, &v) == 1)
		;
	if (m->kind == ESIP_MSG_REQUEST)
		(void)esip_msg_validate_request(m, NULL, &val);
	else
		(void)esip_msg_response_must_drop(m);
	n = esip_msg_print(m, out, sizeof out);
	if (n > 0) {
		/* a printed message parses again with the same key fields */
		esip_hdr hdrs2[128];
		esip_msg m2;
		esip_msg_init(&m2, hdrs2, 128);
		if (esip_msg_parse(&m2, out, (size_t)n, ESIP_PARSE_STREAM, NULL) > 0) {
			assert(m2.kind == m->kind);
			assert(m2.body.len == m->body.len);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	esip_hdr hdrs[128];
	esip_msg m;
	int rc;

	esip_msg_init(&m, hdrs, 128);
	rc = esip_msg_parse(&m, (const char *)data, size, ESIP_PARSE_DATAGRAM, NULL);
	if (rc > 0) {
		assert((size_t)rc <= size);
		exercise(&m);
	}
	esip_msg_init(&m, hdrs, 128);
	rc = esip_msg_parse(&m, (const char *)data, size, ESIP_PARSE_STREAM, NULL);
	assert(rc != 0);
	if (rc > 0)
		assert((size_t)rc <= size);
	return 0;
}
