/*
 * fuzz_via.c - Via values: esip_via_parse on the input (copied to a
 * buffer of its exact size), and the list iteration over a message whose
 * Via header is the input.
 *
 * Invariants: the views lie inside the input; the iteration ends.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

static void check(const esip_via *v, const char *lo, const char *hi)
{
	const esip_str *f[] = {&v->raw, &v->protocol, &v->version, &v->transport, &v->host,
			       &v->params, &v->branch, &v->received, &v->rport, &v->maddr,
			       &v->ttl};
	uint8_t bin[16];
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i]->p)
			assert(f[i]->p >= lo && f[i]->p + f[i]->len <= hi);
	if (v->host_type == ESIP_HOST_IPV4)
		assert(esip__ipv4_bin(v->host, bin));
	if (v->host_type == ESIP_HOST_IPV6)
		assert(esip__ipv6_bin(v->host, bin));
	(void)esip_via_branch_is_rfc3261(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "OPTIONS sip:x.example.com SIP/2.0\r\nVia: ";
	static const char tail[] = "\r\nCall-ID: c\r\n\r\n";
	size_t hl = sizeof head - 1, tl = sizeof tail - 1, len = hl + size + tl;
	char *v = malloc(size ? size : 1), *m = malloc(len);
	esip_hdr hdrs[64];
	esip_msg msg;
	esip_list_iter it;
	esip_via via;
	int rc, n = 0;

	if (!v || !m)
		goto out;
	memcpy(v, data, size);
	if (esip_via_parse(esip_str_make(v, size), &via) == 0)
		check(&via, v, v + size);

	memcpy(m, head, hl);
	memcpy(m + hl, data, size);
	memcpy(m + hl + size, tail, tl);
	esip_msg_init(&msg, hdrs, 64);
	esip_msg_parse(&msg, m, len, ESIP_PARSE_DATAGRAM, NULL);
	if (!(msg.flags & ESIP_MSGF_FRAMED))
		goto out;
	esip_list_iter_init(&it, &msg, ESIP_HDR_VIA);
	while ((rc = esip_via_next(&it, &via)) != 0) {
		assert(n++ <= (int)len);
		if (rc == 1)
			check(&via, m, m + len);
	}
out:
	free(v);
	free(m);
	return 0;
}
