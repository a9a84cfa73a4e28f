/*
 * fuzz_fastval.c - the fast value parsers (src/parser/fast.h) give what
 * the reference parsers give.  The first input byte picks a line of a
 * template request or response (the start line, Via, From, To, Call-ID,
 * CSeq, Max-Forwards, Content-Length, or a second Via line), the rest is
 * that line's value; the message is parsed on every path this CPU has,
 * as a datagram and as a stream, whole and cut right after the value
 * (so the value ends where the input does), and every result must equal
 * the reference path's (ESIP__PATH_REF: the reference parsers only).
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

static void agree(const char *m, size_t n)
{
	/* exactly n bytes, so a read past the input is caught by ASan */
	char *c = malloc(n ? n : 1);

	assert(c);
	memcpy(c, m, n);
	assert(!esip__msg_paths_disagree(c, n, ESIP_PARSE_DATAGRAM, NULL));
	assert(!esip__msg_paths_disagree(c, n, ESIP_PARSE_STREAM, NULL));
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const req[] = {
		"INVITE sip:bob@biloxi.example.com SIP/2.0",
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
		"To: Bob <sip:bob@biloxi.example.com>",
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
		"CSeq: 314159 INVITE",
		"Max-Forwards: 70",
		"Content-Length: 0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7",
	};
	enum { NL = sizeof req / sizeof req[0] };
	char *m;
	size_t i, n = 0, cut = 0, slot, vlen;

	if (!size)
		return 0;
	slot = data[0] % NL;
	vlen = size - 1;
	m = malloc(1024 + vlen);
	if (!m)
		return 0;
	for (i = 0; i < NL; i++) {
		const char *l = req[i];
		if (i == 0 && data[0] >= 128)
			l = "SIP/2.0 200 OK"; /* a response instead */
		if (i == slot) {
			size_t k = i ? strcspn(l, ":") + 2 : 0; /* "Name: " */
			memcpy(m + n, l, k);
			memcpy(m + n + k, data + 1, vlen);
			n += k + vlen;
			cut = n;
		} else {
			memcpy(m + n, l, strlen(l));
			n += strlen(l);
		}
		memcpy(m + n, "\r\n", 2);
		n += 2;
	}
	memcpy(m + n, "\r\n", 2);
	n += 2;
	agree(m, n);
	agree(m, cut);
	free(m);
	return 0;
}
