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
		/* a message that parsed prints to one that parses again, on a
		 * stream (Content-Length is always written), to the same key */
		esip_hdr hdrs2[130];
		esip_msg m2;
		/* printing adds Content-Length when the datagram had none */
		esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
		lim.max_headers = 129;
		lim.max_msg_size = sizeof out;
		esip_msg_init(&m2, hdrs2, 130);
		assert(esip_msg_parse(&m2, out, (size_t)n, ESIP_PARSE_STREAM, &lim) == n);
		assert(m2.kind == m->kind && m2.status == m->status);
		assert(m2.body.len == m->body.len && m2.cseq == m->cseq);
		assert(m2.call_id.len == m->call_id.len && m2.via_count == m->via_count);
		assert(m2.from.tag.len == m->from.tag.len && m2.to.tag.len == m->to.tag.len);
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
