/*
 * fuzz_framer.c - the TCP stream framer, the entry point for every byte a
 * TCP peer sends.
 *
 * Input: byte 0 picks the limits, the feeding path and the keep-alive
 * hint; bytes 1..4 are chunk sizes (cycled; 0 = the whole rest); the rest
 * is the stream.  The stream is framed twice, fed whole and fed in those
 * chunks, draining the frames after each feed; both must give the same
 * frames, the same fatal error and the same bytes left over (unless the
 * hint, which depends on timing by design, is in use).  Every message
 * returned must view the framer's buffer and respect the limits; after a
 * fatal error every call must return it again.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define NHDRS 64

typedef struct outcome {
	uint64_t hash;  /* of the frame sequence */
	unsigned frames;
	int err;
	size_t left;
} outcome;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t mix_view(uint64_t h, const esip_msg *m, esip_str s)
{
	size_t i;

	if (!s.p)
		return mix(h, 0xabad1deaull);
	h = mix(h, (uint64_t)(s.p - m->buf));
	h = mix(h, s.len);
	for (i = 0; i < s.len; i++)
		h = mix(h, (unsigned char)s.p[i]);
	return h;
}

static bool inside(const esip_msg *m, esip_str s)
{
	return !s.p || (s.p >= m->buf && s.p + s.len <= m->buf + m->len);
}

static void check_msg(const esip_framer *f, int k, const esip_msg *m)
{
	uint32_t i;

	assert(m->buf >= f->buf && m->buf + m->len <= f->buf + f->len);
	assert(m->len > 0 && m->len <= f->lim.max_msg_size);
	assert(m->flags & ESIP_MSGF_FRAMED);
	assert(k == ESIP_FRAME_MESSAGE ? m->err == 0 : m->err < 0);
	assert(m->body.p && m->body.p + m->body.len == m->buf + m->len);
	assert(m->content_length == (int64_t)m->body.len);
	assert(m->nhdrs <= f->lim.max_headers && m->nhdrs <= NHDRS);
	for (i = 0; i < m->nhdrs; i++)
		assert(inside(m, m->hdrs[i].name) && inside(m, m->hdrs[i].value));
	assert(inside(m, m->call_id) && inside(m, m->via.branch) && inside(m, m->from.tag));
	if (k == ESIP_FRAME_BAD_MESSAGE)
		assert(m->err_off <= m->len);
}

static void check_sticky(esip_framer *f, esip_msg *m, int err)
{
	char *sp = (char *)1;

	assert(f->err == err);
	assert(esip_framer_next(f, m) == err);
	assert(esip_framer_feed(f, "\r\n", 2) == err);
	assert(esip_framer_space(f, 16, &sp) == err && sp == NULL);
	esip_framer_commit(f, 1);
	assert(esip_framer_next(f, m) == err);
}

/* Drains the frames into o; false once a fatal error ended the stream. */
static bool drain(esip_framer *f, esip_msg *m, esip_hdr *hdrs, outcome *o)
{
	for (;;) {
		int k;

		esip_msg_init(m, hdrs, NHDRS);
		k = esip_framer_next(f, m);
		if (k == ESIP_FRAME_NONE)
			return true;
		if (k < 0) {
			/* EBAD_FRAMING: the framer and the parser disagree on
			 * where a header section ends (cannot happen) */
			assert(esip_err_is_peer(k) && k != ESIP_EBAD_FRAMING);
			o->err = k;
			check_sticky(f, m, k);
			return false;
		}
		assert(k <= ESIP_FRAME_PONG);
		o->frames++;
		o->hash = mix(o->hash, (uint64_t)k);
		if (k == ESIP_FRAME_MESSAGE || k == ESIP_FRAME_BAD_MESSAGE) {
			check_msg(f, k, m);
			o->hash = mix(o->hash, m->len);
			o->hash = mix(o->hash, (uint64_t)(uint32_t)m->err);
			o->hash = mix(o->hash, m->err_off);
			o->hash = mix(o->hash, m->nhdrs);
			o->hash = mix(o->hash, m->status);
			o->hash = mix_view(o->hash, m, m->call_id);
			o->hash = mix_view(o->hash, m, m->via.branch);
			o->hash = mix_view(o->hash, m, m->body);
			if (m->nhdrs)
				o->hash = mix_view(o->hash, m, m->hdrs[m->nhdrs - 1].value);
		}
	}
}

/*
 * Frames stream[0..len) fed in chunks (sizes cycled, 0 = the rest; NULL =
 * one feed), through space/commit if via_space, calling
 * esip_framer_expect_pong before each feed if hint.
 */
static void frame(const uint8_t *stream, size_t len, const uint8_t *sizes,
		  const esip_parse_limits *lim, bool via_space, bool hint, outcome *o)
{
	esip_hdr hdrs[NHDRS];
	esip_msg m;
	esip_framer f;
	size_t off = 0, i = 0, maxn = 0;

	memset(o, 0, sizeof *o);
	assert(esip_framer_init(&f, NULL, lim) == 0);
	while (off < len) {
		size_t n = sizes ? sizes[i++ % 4] : 0;

		if (n == 0 || n > len - off)
			n = len - off;
		if (hint)
			esip_framer_expect_pong(&f, true);
		if (via_space) {
			char *sp;
			long room = esip_framer_space(&f, n, &sp);
			assert(room >= (long)n && sp == f.buf + f.len);
			memcpy(sp, stream + off, n);
			esip_framer_commit(&f, n);
		} else {
			assert(esip_framer_feed(&f, stream + off, n) == 0);
		}
		off += n;
		if (n > maxn)
			maxn = n;
		/* drained, the framer holds at most one unfinished message;
		 * with a chunk, that plus the chunk */
		assert(f.len - f.consumed <= (size_t)f.lim.max_msg_size + n);
		assert(f.cap <= (size_t)f.lim.max_msg_size + maxn);
		if (!drain(&f, &m, hdrs, o))
			break;
	}
	o->left = f.len - f.consumed;
	esip_framer_deinit(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
	uint8_t sizes[4];
	outcome whole, chunked;
	bool via_space, hint;

	if (size < 5)
		return 0;
	/* small limits half of the time, so that every limit path is met */
	switch (data[0] & 3) {
	case 0:
		break;
	case 1:
		lim = (esip_parse_limits){256, 64, 8};
		break;
	case 2:
		lim = (esip_parse_limits){1024, 200, 24};
		break;
	default:
		lim.max_msg_size = 16 + (uint32_t)data[1] * 4;
		lim.max_line_len = 8 + data[2];
		lim.max_headers = 1 + data[3] % 32;
		break;
	}
	via_space = (data[0] & 4) != 0;
	hint = (data[0] & 8) != 0;
	memcpy(sizes, data + 1, 4);
	data += 5;
	size -= 5;

	frame(data, size, NULL, &lim, false, false, &whole);
	frame(data, size, sizes, &lim, via_space, hint, &chunked);
	if (!hint) {
		assert(whole.hash == chunked.hash && whole.frames == chunked.frames);
		assert(whole.err == chunked.err);
		if (!whole.err)
			assert(whole.left == chunked.left);
	}
	return 0;
}
