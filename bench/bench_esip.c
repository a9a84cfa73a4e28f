/*
 * bench_esip.c - esip's adapter for the shared SIP parser harness
 * (../shared/bench/parsers, protocol in its bench.h and README).
 *
 * Entry point: esip_msg_parse(), the same call the UDP receive path makes
 * on the datagram in its receive buffer.  esip parses in place and never
 * copies: the receive buffer IS the message buffer (zero-copy), so no copy
 * is made here either.  Like a transport's receive slot, one esip_msg with
 * its header array is prepared once (esip_msg_init) and every parse
 * resets and refills it; nothing is allocated and nothing is cached
 * between parses.
 * esip does not rely on the '\0' after the buffer: it never reads past len.
 *
 * Fields: all of them come straight from the up-front parse (top Via,
 * From/To tags, Call-ID, CSeq, Content-Length, Request-URI host).
 *
 * Build it with the harness (see bench/README.md):
 *   EXTRA_SRC=$PWD/bench/bench_esip.c CFLAGS_esip="-I$PWD/include" \
 *   LIBS_esip="$PWD/build-release/libesip.a" ... ../shared/bench/parsers/run.sh
 */
#include "bench.h"

#include <esip/parser.h>

/* bench/profile_parser.sh with ESIP_PATH=scalar|sse2|avx2|ref compiles
 * this adapter with one of the parser's paths forced (src/parser/simd.h)
 * to count that path's instructions; harness runs use esip_msg_parse,
 * which takes the best path this CPU has. */
#ifdef ESIP_BENCH_PATH
#include "simd.h"
#define PARSE(m, b, l) \
	esip__msg_parse_path((m), (b), (l), ESIP_PARSE_DATAGRAM, NULL, ESIP_BENCH_PATH)
#else
#define PARSE(m, b, l) esip_msg_parse((m), (b), (l), ESIP_PARSE_DATAGRAM, NULL)
#endif

const char bench_lib_name[] = "esip";
const unsigned bench_lib_fields = F_ALL;

static esip_hdr hdrs[64];
static esip_msg slot;

int bench_lib_init(void)
{
	esip_msg_init(&slot, hdrs, 64);
	return 0;
}
void bench_lib_fini(void) {}

static inline bstr from_str(esip_str s)
{
	bstr b = {s.p, s.len};
	return b;
}

int bench_parse(const char *buf, size_t len, fields_sink sink, void *ctx)
{
	esip_msg *m = &slot;
	sip_fields f;

	if (PARSE(m, buf, len) <= 0)
		return -1;
	f.is_request = m->kind == ESIP_MSG_REQUEST;
	f.method = from_str(m->method);
	f.status = m->status;
	f.ruri_host = from_str(m->ruri.host);
	f.via_branch = from_str(m->via.branch);
	f.from_tag = from_str(m->from.tag);
	f.to_tag = from_str(m->to.tag);
	f.call_id = from_str(m->call_id);
	f.call_id_host = (bstr){NULL, 0};
	f.cseq_num = m->cseq;
	f.cseq_method = from_str(m->cseq_method);
	f.content_length = (long)m->content_length;
	f.body_len = (long)m->body.len;
	sink(&f, ctx);
	return 0;
}

/* -v diagnostics (not timed) */
void bench_lib_diag(const char *buf, size_t len)
{
	esip_hdr hdrs[64];
	esip_msg m;
	int rc;

	esip_msg_init(&m, hdrs, 64);
	rc = esip_msg_parse(&m, buf, len, ESIP_PARSE_DATAGRAM, NULL);
	if (rc < 0) {
		bench_diag("error", m.err_reason, m.err_reason ? __builtin_strlen(m.err_reason) : 0);
		return;
	}
	bench_diag_num("via values", (long)m.via_count);
	bench_diag_num("header fields", (long)m.nhdrs);
	bench_diag("top Via host", m.via.host.p, m.via.host.len);
}
