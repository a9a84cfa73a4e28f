/*
 * fuzz_simd.c - the parser's vector paths agree (src/parser/simd.h): each
 * input is parsed on every path this CPU has (scalar, SSE2, AVX2), as a
 * datagram and as a stream, with default and with small limits, and every
 * result (return value, the whole esip_msg, every header view) must equal
 * the scalar path's.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>

#include "simd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const esip_parse_limits small = {200, 40, 6};
	const char *in = (const char *)data;

	assert(!esip__msg_paths_disagree(in, size, ESIP_PARSE_DATAGRAM, NULL));
	assert(!esip__msg_paths_disagree(in, size, ESIP_PARSE_STREAM, NULL));
	assert(!esip__msg_paths_disagree(in, size, ESIP_PARSE_DATAGRAM, &small));
	assert(!esip__msg_paths_disagree(in, size, ESIP_PARSE_STREAM, &small));
	return 0;
}
