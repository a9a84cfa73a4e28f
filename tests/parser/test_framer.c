/*
 * test_framer.c - the TCP stream framer (RFC 3261 7.5 and 18.3, RFC 5626
 * 3.5.1 and 4.4.1).
 *
 * The central check: a stream fed whole, split at every point, one byte at
 * a time, in seeded random chunks or through space/commit gives the same
 * frames, byte for byte (every field of every message is rendered into a
 * log and the logs compared).  Every chunk fed ends at a guard page, and
 * the framer's own buffer comes from an allocator that fills it with
 * "\r\n\r\n" and message text, so reading past the data held would change
 * the frames.  Then keep-alives, limits and errors one by one, allocation
 * failures, and the linearity of byte-at-a-time framing.
 */
#include "ptest.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A check on a hot path.  ck_assert records its location on every call
 * (a write to Check's pipe), which for the millions of checks on every
 * field of every frame of every split costs more than the framing. */
#define CHECK(c)                                                   \
	do {                                                       \
		if (!(c))                                          \
			ck_abort_msg("check failed: %s", #c);      \
	} while (0)

/* ---- a poisoning allocator ------------------------------------------ */

/* Bytes past the data held look like keep-alives and whole messages. */
static const char poison[] = "\r\n\r\nINVITE sip:p@x SIP/2.0\r\nContent-Length: 0\r\n\r\n";

#define PHDR 16 /* size header in front of each block */

static void *px_alloc(size_t size, void *ud)
{
	char *b = malloc(size + PHDR);
	size_t i;

	if (!b)
		return NULL;
	memcpy(b, &size, sizeof size);
	for (i = 0; i < size; i += sizeof poison - 1)
		memcpy(b + PHDR + i, poison,
		       size - i < sizeof poison - 1 ? size - i : sizeof poison - 1);
	(*(long *)ud)++;
	return b + PHDR;
}

static void px_free(void *ptr, void *ud)
{
	if (!ptr)
		return;
	(*(long *)ud)--;
	free((char *)ptr - PHDR);
}

static void *px_realloc(void *ptr, size_t size, void *ud)
{
	size_t old;
	char *n;

	if (!ptr)
		return px_alloc(size, ud);
	memcpy(&old, (char *)ptr - PHDR, sizeof old);
	n = px_alloc(size, ud);
	if (!n)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	px_free(ptr, ud);
	return n;
}

static long px_live;
static const esip_allocator px = {px_alloc, px_realloc, px_free, &px_live};

/* ---- a growable text (frame logs, generated streams) ----------------- */

typedef struct text {
	char *p;
	size_t len, cap;
} text;

static void tput(text *t, const void *s, size_t n)
{
	if (t->cap - t->len < n + 1) {
		size_t nc = (t->cap + n + 1) * 2;
		char *np = realloc(t->p, nc);
		CHECK(np != NULL);
		t->p = np;
		t->cap = nc;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = 0;
}

static void tputs(text *t, const char *s) { tput(t, s, strlen(s)); }

static void tprintf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(text *t, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	CHECK(n >= 0 && (size_t)n < sizeof b);
	tput(t, b, (size_t)n);
}

/* A view, with its offset from the message start (so that a view into
 * the wrong place shows), control bytes escaped. */
static void tview(text *t, const esip_msg *m, esip_str s)
{
	size_t i;

	if (!s.p) {
		tputs(t, "-");
		return;
	}
	tprintf(t, "@%td[", s.p - m->buf);
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			tprintf(t, "\\%02x", c);
		else
			tput(t, &c, 1);
	}
	tputs(t, "]");
}

static void tfree(text *t)
{
	free(t->p);
	memset(t, 0, sizeof *t);
}

/* ---- frames -------------------------------------------------------- */

static bool inside(const esip_msg *m, esip_str s)
{
	return !s.p || (s.p >= m->buf && s.p + s.len <= m->buf + m->len);
}

/* A returned message views the framer's buffer and stays in its limits. */
static void check_msg(const esip_framer *f, int k, const esip_msg *m)
{
	uint32_t i;

	CHECK(m->buf >= f->buf && m->buf + m->len <= f->buf + f->len);
	CHECK(m->len > 0);
	CHECK(m->len <= f->lim.max_msg_size);
	CHECK(m->flags & ESIP_MSGF_FRAMED);
	CHECK(k == ESIP_FRAME_MESSAGE ? m->err == 0 : m->err < 0);
	CHECK(m->body.p && m->body.p + m->body.len == m->buf + m->len);
	CHECK(m->content_length == (int64_t)m->body.len);
	for (i = 0; i < m->nhdrs; i++)
		CHECK(inside(m, m->hdrs[i].name) && inside(m, m->hdrs[i].value));
}

/* Renders one frame: every field a receiver looks at. */
static void log_frame(text *t, const esip_framer *f, int k, const esip_msg *m)
{
	uint32_t i;

	if (k == ESIP_FRAME_PING || k == ESIP_FRAME_PONG) {
		tputs(t, k == ESIP_FRAME_PING ? "PING\n" : "PONG\n");
		return;
	}
	CHECK(k == ESIP_FRAME_MESSAGE || k == ESIP_FRAME_BAD_MESSAGE);
	check_msg(f, k, m);
	tprintf(t, "%s len=%zu flags=%x kind=%u st=%u err=%s off=%zu ",
		k == ESIP_FRAME_MESSAGE ? "MSG" : "BAD", m->len, m->flags, m->kind, m->status,
		esip_errname(m->err), m->err_off);
	tview(t, m, m->method);
	tview(t, m, m->ruri_raw);
	tview(t, m, m->ruri.host);
	tview(t, m, m->reason);
	tview(t, m, m->version);
	tview(t, m, m->via.branch);
	tview(t, m, m->via.host);
	tview(t, m, m->from.tag);
	tview(t, m, m->to.tag);
	tview(t, m, m->call_id);
	tview(t, m, m->cseq_method);
	tview(t, m, m->content_type);
	tprintf(t, " vias=%u cseq=%u mf=%d cl=%lld dup=%x hdrs=%u\n", m->via_count, m->cseq,
		m->max_forwards, (long long)m->content_length, m->dup_mask, m->nhdrs);
	for (i = 0; i < m->nhdrs; i++) {
		tprintf(t, "  %u ", m->hdrs[i].id);
		tview(t, m, m->hdrs[i].name);
		tview(t, m, m->hdrs[i].value);
		tputs(t, "\n");
	}
	tputs(t, "  body ");
	tview(t, m, m->body);
	tputs(t, "\n");
}

static esip_hdr hdrs[NHDR];

/* Calls next until NONE or an error; logs every frame and the error.
 * Returns 0 or the error. */
static int drain(esip_framer *f, text *t, int *msgs)
{
	esip_msg m;
	int k;

	for (;;) {
		esip_msg_init(&m, hdrs, NHDR);
		k = esip_framer_next(f, &m);
		if (k == ESIP_FRAME_NONE)
			return 0;
		if (k < 0) {
			/* the framer and the parser never disagree */
			CHECK(k != ESIP_EBAD_FRAMING);
			tprintf(t, "ERR %s\n", esip_errname(k));
			return k;
		}
		if (msgs && k == ESIP_FRAME_MESSAGE)
			++*msgs;
		log_frame(t, f, k, &m);
	}
}

/* After a fatal error every call gives it again. */
static void check_sticky(esip_framer *f, int err)
{
	esip_msg m;
	char *sp = (char *)1;
	size_t len = f->len, consumed = f->consumed;

	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(f->err, err);
	ck_assert_int_eq(esip_framer_next(f, &m), err);
	ck_assert_int_eq(esip_framer_next(f, &m), err);
	ck_assert_int_eq(esip_framer_feed(f, "\r\n\r\n", 4), err);
	ck_assert_int_eq(esip_framer_space(f, 100, &sp), err);
	ck_assert_ptr_null(sp);
	esip_framer_commit(f, 1);
	ck_assert_uint_eq(f->len, len);
	ck_assert_uint_eq(f->consumed, consumed);
	ck_assert_int_eq(esip_framer_next(f, &m), err);
}

enum { VIA_FEED = 0, VIA_SPACE = 1 };

typedef struct run_out {
	text log;
	int err;
	int msgs;
	size_t left;     /* bytes held, not returned, at the end */
	size_t max_cap;  /* largest buffer seen */
	size_t max_chunk;
} run_out;

/*
 * Feeds s[0..len) in chunks of sizes[0], sizes[1], ... (cycled; the last
 * chunk is cut to what is left), each from a guard-page copy, draining
 * after each.  VIA_SPACE reads through esip_framer_space/commit instead,
 * asking for the chunk size.
 */
static void run(const char *s, size_t len, const size_t *sizes, size_t nsizes, int via,
		const esip_parse_limits *lim, run_out *o)
{
	esip_framer f;
	size_t off = 0, i = 0;
	long live0 = px_live;

	memset(o, 0, sizeof *o);
	CHECK(esip_framer_init(&f, &px, lim) == 0);
	while (off < len && !o->err) {
		size_t n = nsizes ? sizes[i++ % nsizes] : 0;
		guard_buf g;
		const char *in;

		if (n == 0 || n > len - off)
			n = len - off;
		if (n > o->max_chunk)
			o->max_chunk = n;
		in = guard_copy(&g, s + off, n);
		if (via == VIA_FEED) {
			CHECK(esip_framer_feed(&f, in, n) == 0);
		} else {
			char *sp;
			long room = esip_framer_space(&f, n, &sp);
			CHECK(room >= (long)n);
			CHECK(sp == f.buf + f.len);
			memcpy(sp, in, n);
			esip_framer_commit(&f, n);
		}
		guard_free(&g);
		off += n;
		if (f.cap > o->max_cap)
			o->max_cap = f.cap;
		o->err = drain(&f, &o->log, &o->msgs);
	}
	if (o->err)
		check_sticky(&f, o->err);
	o->left = f.len - f.consumed;
	esip_framer_deinit(&f);
	CHECK(px_live == live0);
}

static void run_free(run_out *o) { tfree(&o->log); }

/* Both runs gave the same frames, error and leftover. */
static void same(const run_out *a, const run_out *b, const char *what, size_t at)
{
	const char *pa = a->log.p ? a->log.p : "", *pb = b->log.p ? b->log.p : "";

	if (strcmp(pa, pb)) {
		size_t i = 0;
		while (pa[i] && pa[i] == pb[i])
			i++;
		ck_abort_msg("%s %zu: frames differ at log byte %zu:\n%.200s\n---\n%.200s", what,
			     at, i, pa + (i > 80 ? i - 80 : 0), pb + (i > 80 ? i - 80 : 0));
	}
	ck_assert_msg(a->err == b->err, "%s %zu: %s vs %s", what, at, esip_errname(a->err),
		      esip_errname(b->err));
	if (!a->err) /* after an error the feeding stopped */
		ck_assert_uint_eq(a->left, b->left);
	ck_assert_int_eq(a->msgs, b->msgs);
}

/* ---- test streams -------------------------------------------------- */

#define VIA "Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK"
#define DLG "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n" \
	    "To: <sip:bob@example.com>\r\nCall-ID: call1@client\r\n"
#define SDP "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" \
	    "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"

/* Appends head, the Content-Length header (name given) and the body. */
static void put_msg(text *t, const char *head, const char *clname, const char *body)
{
	tputs(t, head);
	tprintf(t, "%s: %zu\r\n\r\n", clname, strlen(body));
	tputs(t, body);
}

/* A message of tests/data, as far as a stream parse takes it. */
static void put_file(text *t, const char *sub, const char *name)
{
	size_t len;
	char *b = load(sub, name, &len);
	parsed p;

	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_STREAM), 0);
	tput(t, b, (size_t)p.rc);
	done(&p);
	free(b);
}

static const int mixed_kinds[] = {
	ESIP_FRAME_PONG,    ESIP_FRAME_MESSAGE, ESIP_FRAME_PING,        ESIP_FRAME_MESSAGE,
	ESIP_FRAME_PING,    ESIP_FRAME_PONG,    ESIP_FRAME_MESSAGE,     ESIP_FRAME_BAD_MESSAGE,
	ESIP_FRAME_MESSAGE, ESIP_FRAME_PONG,    ESIP_FRAME_MESSAGE,     ESIP_FRAME_MESSAGE,
	ESIP_FRAME_PING,    ESIP_FRAME_MESSAGE, ESIP_FRAME_BAD_MESSAGE, ESIP_FRAME_MESSAGE,
};

/*
 * Bodies, compact headers, folded lines, bare-LF lines, leading CRLFs,
 * pings and pongs between messages, stray CR and LF, malformed messages
 * that stay framed, and three torture messages of RFC 4475 / RFC 5118.
 * Frames: mixed_kinds.
 */
static void mixed_stream(text *t)
{
	tputs(t, "\r\n"); /* a CRLF before a start line: a pong */
	put_msg(t, "INVITE sip:bob@example.com SIP/2.0\r\n" VIA "1\r\nMax-Forwards: 70\r\n" DLG
		   "CSeq: 1 INVITE\r\nContact: <sip:alice@client.example.com;transport=tcp>\r\n"
		   "Content-Type: application/sdp\r\n",
		"Content-Length", SDP);
	tputs(t, "\r\n\r\n"); /* ping */
	put_msg(t, "SIP/2.0 200 OK\r\nv: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK1\r\n"
		   "f: \"Alice\" <sip:alice@example.com>;tag=a1\r\nt: <sip:bob@example.com>;tag=b1\r\n"
		   "i: call1@client\r\nCSeq: 1 INVITE\r\nm: <sip:bob@192.0.2.4>\r\n"
		   "c: application/sdp\r\n",
		"l", SDP);
	tputs(t, "\r\n\r\n\r\n"); /* ping, pong */
	put_msg(t, "BYE sip:bob@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/TCP client.example.com:5060\r\n"
		   "  ;branch=z9hG4bK3\r\nMax-Forwards: 70\r\n" DLG "Subject: a subject\r\n"
		   "\tthat is folded\r\n  twice\r\nCSeq: 2 BYE\r\n",
		"Content-Length", "");
	/* framed, but From is malformed: BAD_MESSAGE, then the stream goes on */
	put_msg(t, "OPTIONS sip:bob@example.com SIP/2.0\r\n" VIA "4\r\nFrom: <sip:alice@\r\n"
		   "To: <sip:bob@example.com>\r\nCall-ID: c4\r\nCSeq: 4 OPTIONS\r\n",
		"Content-Length", "hello");
	tputs(t, "\n\r"); /* stray LF and CR: skipped */
	/* bare LF line ends (esip_msg_parse accepts them) */
	tputs(t, "MESSAGE sip:bob@example.com SIP/2.0\n" VIA "5\nFrom: <sip:a@example.com>;tag=5\n"
		 "To: <sip:bob@example.com>\nCall-ID: c5\nCSeq: 5 MESSAGE\n"
		 "Content-Type: text/plain\nContent-Length: 5\n\nhello");
	tputs(t, "\r\n\r"); /* a pong, a stray CR */
	put_file(t, "rfc4475", "wsinv.dat");
	put_file(t, "rfc4475", "unreason.dat");
	tputs(t, "\r\n\r\n");
	put_file(t, "rfc5118", "ipv6-good.sip");
	/* a bad CSeq; the body holds what looks like a message and a ping */
	put_msg(t, "INFO sip:bob@example.com SIP/2.0\r\n" VIA "6\r\n" DLG "CSeq: x INFO\r\n",
		"Content-Length", "\r\n\r\nACK sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n");
	put_msg(t, "ACK sip:bob@192.0.2.4 SIP/2.0\r\n" VIA "7\r\nMax-Forwards: 70\r\n" DLG
		   "CSeq: 1 ACK\r\n",
		"Content-Length", "");
}

/* The whole stream fed in one piece. */
static void run_whole(const text *s, const esip_parse_limits *lim, run_out *o)
{
	size_t whole = 0;

	run(s->p, s->len, &whole, 1, VIA_FEED, lim, o);
}

/* ---- basics -------------------------------------------------------- */

#define OPTS "OPTIONS sip:bob@example.com SIP/2.0\r\n" VIA "o\r\n" DLG "CSeq: 9 OPTIONS\r\n"

START_TEST(single_message)
{
	text s = {0};
	esip_framer f;
	esip_msg m;
	guard_buf g;
	const char *in;

	put_msg(&s, OPTS, "Content-Length", "body");
	in = guard_copy(&g, s.p, s.len);
	ck_assert_int_eq(esip_framer_init(&f, NULL, NULL), 0);
	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	ck_assert_int_eq(esip_framer_feed(&f, in, s.len), 0);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_MESSAGE);
	ck_assert_int_eq(m.err, 0);
	ck_assert_uint_eq(m.len, s.len);
	ck_assert(m.buf == f.buf);
	ck_assert(str_is(m.method, "OPTIONS"));
	ck_assert(str_is(m.call_id, "call1@client"));
	ck_assert(str_is(m.body, "body"));
	ck_assert_uint_eq(m.cseq, 9);
	ck_assert_uint_eq(f.parses, 1); /* a whole message: one parse */
	ck_assert_uint_eq(f.scanned, 0);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	esip_framer_deinit(&f);
	esip_framer_deinit(&f); /* twice is harmless */
	guard_free(&g);
	tfree(&s);
}
END_TEST

START_TEST(several_in_one_feed_in_place)
{
	/* many messages in one read: each returned where it lies, no copy,
	 * no move, one parse each */
	text s = {0};
	size_t offs[200], i;
	esip_framer f;
	esip_msg m;
	const char *base;

	for (i = 0; i < 200; i++) {
		char body[32];
		offs[i] = s.len;
		snprintf(body, sizeof body, "%zu", i * 7919);
		put_msg(&s, OPTS, i % 2 ? "l" : "Content-Length", body);
	}
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_int_eq(esip_framer_feed(&f, s.p, s.len), 0);
	base = f.buf;
	for (i = 0; i < 200; i++) {
		char body[32];
		esip_msg_init(&m, hdrs, NHDR);
		ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_MESSAGE);
		ck_assert(f.buf == base);
		ck_assert(m.buf == base + offs[i]);
		snprintf(body, sizeof body, "%zu", i * 7919);
		ck_assert(str_is(m.body, body));
	}
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	ck_assert_uint_eq(f.parses, 200);
	ck_assert_uint_eq(f.scanned, 0);
	esip_framer_deinit(&f);
	ck_assert_int_eq(px_live, 0);
	tfree(&s);
}
END_TEST

START_TEST(mixed_stream_frames)
{
	text s = {0};
	run_out o;
	size_t n = 0, i;
	const char *p;

	mixed_stream(&s);
	run_whole(&s, NULL, &o);
	ck_assert_int_eq(o.err, 0);
	ck_assert_uint_eq(o.left, 0);
	/* the kinds, in order */
	for (p = o.log.p; *p; p = strchr(p, '\n') + 1) {
		int k = !strncmp(p, "MSG", 3)    ? ESIP_FRAME_MESSAGE
			: !strncmp(p, "BAD", 3)  ? ESIP_FRAME_BAD_MESSAGE
			: !strncmp(p, "PING", 4) ? ESIP_FRAME_PING
			: !strncmp(p, "PONG", 4) ? ESIP_FRAME_PONG
						 : -1;
		if (k < 0)
			continue; /* a header or body line of the log */
		ck_assert_uint_lt(n, sizeof mixed_kinds / sizeof mixed_kinds[0]);
		ck_assert_msg(k == mixed_kinds[n], "frame %zu: %d, want %d", n, k, mixed_kinds[n]);
		n++;
	}
	ck_assert_uint_eq(n, sizeof mixed_kinds / sizeof mixed_kinds[0]);
	/* a few fields: the folded Via, the compact response, the bad ones */
	ck_assert_ptr_nonnull(strstr(o.log.p, "[z9hG4bK3]"));
	ck_assert_ptr_nonnull(strstr(o.log.p, "BAD len="));
	ck_assert_ptr_nonnull(strstr(o.log.p, "err=EBAD_NAMEADDR"));
	ck_assert_ptr_nonnull(strstr(o.log.p, "err=EBAD_CSEQ"));
	i = (size_t)(strstr(o.log.p, "st=200") - o.log.p);
	ck_assert_ptr_nonnull(strstr(o.log.p + i, "[b1]"));
	run_free(&o);
	tfree(&s);
}
END_TEST

/* ---- chunking never changes the frames ------------------------------ */

START_TEST(every_two_way_split)
{
	text s = {0};
	run_out whole, o;
	size_t k;

	mixed_stream(&s);
	run_whole(&s, NULL, &whole);
	for (k = 1; k < s.len; k++) {
		size_t sizes[2] = {k, 0};
		run(s.p, s.len, sizes, 2, k % 3 == 0 ? VIA_SPACE : VIA_FEED, NULL, &o);
		same(&whole, &o, "split at", k);
		run_free(&o);
	}
	run_free(&whole);
	tfree(&s);
}
END_TEST

START_TEST(every_three_way_split_small)
{
	/* three pieces over a shorter stream: a ping, a message, a pong... */
	text s = {0};
	run_out whole, o;
	size_t a, b;

	tputs(&s, "\r\n\r\n\r\n");
	put_msg(&s, OPTS, "l", "xy");
	tputs(&s, "\r\n");
	put_msg(&s, "SIP/2.0 100 Trying\r\n" VIA "1\r\n" DLG "CSeq: 1 INVITE\r\n", "Content-Length",
		"");
	run_whole(&s, NULL, &whole);
	/* every first cut, with second pieces of 1..16 bytes and the rest
	 * but one byte (all pairs would be 60,000 runs) */
	for (a = 1; a < s.len; a++)
		for (b = 1; a + b < s.len; b++) {
			size_t sizes[3] = {a, b, 0};
			if (b > 16 && a + b + 1 != s.len)
				continue;
			run(s.p, s.len, sizes, 3, VIA_FEED, NULL, &o);
			same(&whole, &o, "3-split", a * 10000 + b);
			run_free(&o);
		}
	run_free(&whole);
	tfree(&s);
}
END_TEST

START_TEST(byte_at_a_time)
{
	text s = {0};
	run_out whole, o;
	size_t one = 1;

	mixed_stream(&s);
	run_whole(&s, NULL, &whole);
	run(s.p, s.len, &one, 1, VIA_FEED, NULL, &o);
	same(&whole, &o, "bytes", 1);
	run_free(&o);
	run(s.p, s.len, &one, 1, VIA_SPACE, NULL, &o);
	same(&whole, &o, "bytes via space", 1);
	run_free(&o);
	run_free(&whole);
	tfree(&s);
}
END_TEST

START_TEST(every_prefix_is_none)
{
	/* a message cut anywhere before its last byte is not a frame yet */
	static const char *files[][2] = {{"rfc4475", "wsinv.dat"},   {"rfc4475", "mpart01.dat"},
					 {"rfc4475", "longreq.dat"}, {"rfc4475", "unreason.dat"},
					 {"rfc5118", "ipv6-good.sip"}};
	size_t i, n;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		text s = {0};
		put_file(&s, files[i][0], files[i][1]);
		for (n = 1; n < s.len; n++) {
			esip_framer f;
			esip_msg m;
			guard_buf g;
			const char *in = guard_copy(&g, s.p, n);

			ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
			ck_assert_int_eq(esip_framer_feed(&f, in, n), 0);
			guard_free(&g);
			esip_msg_init(&m, hdrs, NHDR);
			ck_assert_msg(esip_framer_next(&f, &m) == ESIP_FRAME_NONE, "%s prefix %zu",
				      files[i][1], n);
			ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
			/* the rest completes it */
			in = guard_copy(&g, s.p + n, s.len - n);
			ck_assert_int_eq(esip_framer_feed(&f, in, s.len - n), 0);
			guard_free(&g);
			ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_MESSAGE);
			ck_assert_uint_eq(m.len, s.len);
			ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
			esip_framer_deinit(&f);
		}
		tfree(&s);
	}
}
END_TEST

/* xorshift64*: the seeded chunk sizes */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* n messages of four shapes with keep-alives between some of them. */
static void long_stream(text *t, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char head[1024], body[300];
		int bl = (i * 37) % 260, j;

		for (j = 0; j < bl; j++)
			body[j] = (char)('a' + (i + j) % 26);
		body[bl] = 0;
		switch (i % 4) {
		case 0:
			snprintf(head, sizeof head,
				 "INVITE sip:u%d@example.com SIP/2.0\r\n" VIA "%d\r\n"
				 "From: <sip:a@example.com>;tag=f%d\r\nTo: <sip:u%d@example.com>\r\n"
				 "Call-ID: k%d@h\r\nCSeq: %d INVITE\r\nMax-Forwards: 70\r\n"
				 "Content-Type: application/sdp\r\n",
				 i, i, i, i, i, i);
			break;
		case 1:
			snprintf(head, sizeof head,
				 "SIP/2.0 180 Ringing\r\nv: SIP/2.0/TCP h;branch=z9hG4bK%d\r\n"
				 "f: <sip:a@example.com>;tag=f%d\r\nt: <sip:u@example.com>;tag=t%d\r\n"
				 "i: k%d@h\r\nCSeq: %d INVITE\r\n",
				 i, i, i, i, i);
			break;
		case 2:
			snprintf(head, sizeof head,
				 "NOTIFY sip:a@example.com SIP/2.0\r\n" VIA "%d\r\nEvent: refer\r\n"
				 "Subscription-State: active;\r\n expires=60\r\n"
				 "From: <sip:b@example.com>;tag=n%d\r\nTo: <sip:a@example.com>;tag=m\r\n"
				 "Call-ID: k%d@h\r\nCSeq: %d NOTIFY\r\nContent-Type: message/sipfrag\r\n",
				 i, i, i, i);
			break;
		default:
			/* every 8th a malformed one that stays framed */
			snprintf(head, sizeof head,
				 "OPTIONS sip:u@example.com SIP/2.0\r\n" VIA "%d\r\n"
				 "From: <sip:a@example.com>;tag=o%d\r\nTo: %s\r\n"
				 "Call-ID: k%d@h\r\nCSeq: %d OPTIONS\r\n",
				 i, i, i % 8 == 3 ? "<sip:broken" : "<sip:u@example.com>", i, i);
			break;
		}
		put_msg(t, head, i % 3 ? "Content-Length" : "l", body);
		if (i % 13 == 0)
			tputs(t, "\r\n\r\n");
		else if (i % 17 == 0)
			tputs(t, "\r\n");
	}
}

START_TEST(thousand_messages_random_chunks)
{
	text s = {0};
	run_out whole, o;
	size_t sizes[4096], i;
	uint64_t seed = 0x5eed5eed1234ull;
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
	int round;

	long_stream(&s, 1000);
	run_whole(&s, NULL, &whole);
	ck_assert_int_eq(whole.err, 0);
	ck_assert_int_eq(whole.msgs, 1000 - 125); /* every 8th is BAD */
	for (round = 0; round < 4; round++) {
		/* small chunks, mostly a few hundred bytes, sometimes large */
		for (i = 0; i < 4096; i++) {
			uint64_t r = rnd(&seed);
			sizes[i] = (size_t)(r % 8 == 0 ? 1 + (r >> 8) % 9000 : 1 + (r >> 8) % 700);
		}
		run(s.p, s.len, sizes, 4096, round & 1 ? VIA_SPACE : VIA_FEED, NULL, &o);
		same(&whole, &o, "random round", (size_t)round);
		/* memory: at most one unfinished message plus the chunk */
		ck_assert_uint_le(o.max_cap, lim.max_msg_size + o.max_chunk);
		run_free(&o);
	}
	run_free(&whole);
	tfree(&s);
}
END_TEST

START_TEST(small_limits_split_invariance)
{
	/* the limit errors too do not depend on the chunking */
	static const esip_parse_limits lims[] = {
		{300, 8192, 128}, {2000, 40, 128}, {2000, 8192, 3}, {120, 60, 5}};
	text s = {0};
	size_t li, k;

	mixed_stream(&s);
	for (li = 0; li < sizeof lims / sizeof lims[0]; li++) {
		run_out whole, o;
		size_t one = 1;
		run_whole(&s, &lims[li], &whole);
		ck_assert_int_lt(whole.err, 0);
		for (k = 1; k < s.len; k += 7) {
			size_t sizes[2] = {k, 0};
			run(s.p, s.len, sizes, 2, VIA_FEED, &lims[li], &o);
			same(&whole, &o, "limits split", li * 100000 + k);
			run_free(&o);
		}
		run(s.p, s.len, &one, 1, VIA_FEED, &lims[li], &o);
		same(&whole, &o, "limits bytes", li);
		run_free(&o);
		run_free(&whole);
	}
	tfree(&s);
}
END_TEST

/* ---- keep-alives ---------------------------------------------------- */

/* Feeds s (a C string) and returns the kinds of the frames until NONE or
 * an error, as letters: M message, B bad, I ping, O pong, E error. */
static const char *frames_of(esip_framer *f, const char *s)
{
	static char out[64];
	size_t n = 0;
	esip_msg m;
	guard_buf g;
	const char *in;
	int k;

	if (*s) {
		in = guard_copy(&g, s, strlen(s));
		ck_assert_int_eq(esip_framer_feed(f, in, strlen(s)), 0);
		guard_free(&g);
	}
	for (;;) {
		esip_msg_init(&m, hdrs, NHDR);
		k = esip_framer_next(f, &m);
		if (k == ESIP_FRAME_NONE)
			break;
		ck_assert_uint_lt(n, sizeof out - 1);
		out[n++] = k < 0 ? 'E' : "-MBIO"[k];
		if (k < 0)
			break;
	}
	out[n] = 0;
	return out;
}

#define MIN_MSG "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n"

START_TEST(ping_pong)
{
	esip_framer f;

	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_str_eq(frames_of(&f, "\r\n\r\n"), "I");        /* RFC 5626 4.4.1 ping */
	ck_assert_str_eq(frames_of(&f, "\r\n\r\n\r\n\r\n"), "II");
	ck_assert_str_eq(frames_of(&f, "\r\n"), "");             /* pong or half a ping? */
	ck_assert_str_eq(frames_of(&f, "\r\n"), "I");            /* a ping split in two */
	ck_assert_str_eq(frames_of(&f, "\r\n"), "");
	ck_assert_str_eq(frames_of(&f, MIN_MSG), "OM");          /* a pong, then a message */
	ck_assert_str_eq(frames_of(&f, "\r\n\r"), "");           /* still undecided */
	ck_assert_str_eq(frames_of(&f, "X\r\n\r\n"), "OE");      /* pong, stray CR, garbage */
	esip_framer_deinit(&f);

	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_str_eq(frames_of(&f, "\r\n\r\n\r\n" MIN_MSG), "IOM");
	ck_assert_str_eq(frames_of(&f, "\r"), "");
	ck_assert_str_eq(frames_of(&f, "\n"), "");
	ck_assert_str_eq(frames_of(&f, "\r\n"), "I");
	/* stray line ends are skipped, not reported */
	ck_assert_str_eq(frames_of(&f, "\n\n\r\r" MIN_MSG), "M");
	ck_assert_str_eq(frames_of(&f, "\r\n\n" MIN_MSG), "OM");
	ck_assert_str_eq(frames_of(&f, "\r\n\r" MIN_MSG), "OM");
	ck_assert_str_eq(frames_of(&f, MIN_MSG "\r\n\r\n" MIN_MSG "\r\n" MIN_MSG), "MIMOM");
	ck_assert_uint_eq(f.len - f.consumed, 0);
	esip_framer_deinit(&f);
}
END_TEST

START_TEST(expect_pong)
{
	esip_framer f;

	/* RFC 5626 4.4.1: the client that sent a ping sees the pong at once */
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	esip_framer_expect_pong(&f, true);
	ck_assert_str_eq(frames_of(&f, "\r\n"), "O");
	ck_assert(!f.expect_pong);
	/* not awaited any more: a lone CRLF waits again */
	ck_assert_str_eq(frames_of(&f, "\r\n"), "");
	ck_assert_str_eq(frames_of(&f, MIN_MSG), "OM");
	/* awaited: the first CRLF is the pong whatever follows */
	esip_framer_expect_pong(&f, true);
	ck_assert_str_eq(frames_of(&f, "\r\n\r\n\r\n\r\n"), "OI");
	ck_assert_str_eq(frames_of(&f, ""), "");
	ck_assert_str_eq(frames_of(&f, "X\r\n\r\n"), "OE");
	esip_framer_deinit(&f);
	/* a half CRLF is no pong; the hint can be withdrawn */
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	esip_framer_expect_pong(&f, true);
	ck_assert_str_eq(frames_of(&f, "\r"), "");
	ck_assert_str_eq(frames_of(&f, "\n"), "O");
	esip_framer_expect_pong(&f, true);
	esip_framer_expect_pong(&f, false);
	ck_assert_str_eq(frames_of(&f, "\r\n"), "");
	esip_framer_deinit(&f);
	/* not in the middle of a message */
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	esip_framer_expect_pong(&f, true);
	ck_assert_str_eq(frames_of(&f, "\r\nOPTIONS sip:x SIP/2.0\r\n"), "O");
	esip_framer_expect_pong(&f, true);
	ck_assert_str_eq(frames_of(&f, "Content-Length: 2\r\n\r\n\r\n"), "M");
	ck_assert(f.expect_pong);
	esip_framer_deinit(&f);
}
END_TEST

/* ---- malformed messages and errors ---------------------------------- */

START_TEST(bad_message_then_good)
{
	esip_framer f;
	esip_msg m;
	text s = {0};

	put_msg(&s, "OPTIONS sip:bob@example.com SIP/2.0\r\n" VIA "1\r\nFrom: sip:a@b;tag\r\n"
		    "To: <sip:b@c>\r\nCall-ID: x y\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 300\r\n",
		"Content-Length", "12345");
	put_msg(&s, OPTS, "Content-Length", "ok");
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_int_eq(esip_framer_feed(&f, s.p, s.len), 0);
	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_BAD_MESSAGE);
	ck_assert_int_lt(m.err, 0);
	ck_assert(esip_err_is_peer(m.err));
	ck_assert(m.flags & ESIP_MSGF_FRAMED);
	ck_assert(str_is(m.body, "12345"));
	ck_assert(str_is(m.via.branch, "z9hG4bK1")); /* enough to answer 400 */
	ck_assert_uint_lt(m.err_off, m.len);
	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_MESSAGE);
	ck_assert(str_is(m.body, "ok"));
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	ck_assert_int_eq(f.err, 0);
	esip_framer_deinit(&f);
	tfree(&s);
}
END_TEST

/* Frames s whole and one byte at a time: both end in err (0: none) with
 * the same frames before it. */
static void expect_error(const char *s, size_t len, const esip_parse_limits *lim, int err)
{
	run_out whole, o;
	size_t one = 1;

	run(s, len, &one, 0, VIA_FEED, lim, &whole); /* nsizes 0: whole */
	ck_assert_msg(whole.err == err, "got %s want %s", esip_errname(whole.err),
		      esip_errname(err));
	run(s, len, &one, 1, VIA_FEED, lim, &o);
	same(&whole, &o, "error bytes", 0);
	run_free(&o);
	run_free(&whole);
}

static void expect_error_str(const char *s, const esip_parse_limits *lim, int err)
{
	expect_error(s, strlen(s), lim, err);
}

#define HEAD "INVITE sip:bob@example.com SIP/2.0\r\n" VIA "e\r\n" DLG "CSeq: 1 INVITE\r\n"

START_TEST(content_length_errors)
{
	/* RFC 3261 18.3: Content-Length MUST be used on streams */
	expect_error_str(HEAD "\r\n", NULL, ESIP_ENO_CONTENT_LENGTH);
	expect_error_str(MIN_MSG HEAD "\r\nbody", NULL, ESIP_ENO_CONTENT_LENGTH);
	/* RFC 4475 3.1.2.3: never use a bad value as a count */
	expect_error_str(HEAD "Content-Length: -1\r\n\r\n", NULL, ESIP_EBAD_CONTENT_LENGTH);
	expect_error_str(HEAD "Content-Length: 12a\r\n\r\n", NULL, ESIP_EBAD_CONTENT_LENGTH);
	expect_error_str(HEAD "Content-Length: \r\n\r\n", NULL, ESIP_EBAD_CONTENT_LENGTH);
	expect_error_str(HEAD "l: 99999999999999999999\r\n\r\n", NULL, ESIP_EBAD_CONTENT_LENGTH);
	/* RFC 4475 3.3.9: conflicting values cannot be framed */
	expect_error_str(HEAD "Content-Length: 2\r\nl: 3\r\n\r\nabc", NULL, ESIP_EBAD_CONTENT_LENGTH);
	/* the same value twice frames (and is reported as a duplicate) */
	expect_error_str(HEAD "Content-Length: 2\r\nl: 2\r\n\r\nab" HEAD "\r\n", NULL,
			 ESIP_ENO_CONTENT_LENGTH);
}
END_TEST

START_TEST(sticky_after_error)
{
	esip_framer f;
	esip_msg m;

	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_str_eq(frames_of(&f, MIN_MSG "\r\n\r\n" HEAD "\r\n"), "MIE");
	check_sticky(&f, ESIP_ENO_CONTENT_LENGTH);
	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_ENO_CONTENT_LENGTH);
	/* m NULL is the caller's bug, not the stream's */
	esip_framer_deinit(&f);
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_int_eq(esip_framer_next(&f, NULL), ESIP_EINVAL);
	ck_assert_int_eq(f.err, 0);
	ck_assert_int_eq(esip_framer_feed(&f, NULL, 3), ESIP_EINVAL);
	ck_assert_int_eq(esip_framer_feed(&f, NULL, 0), 0);
	ck_assert_str_eq(frames_of(&f, MIN_MSG), "M");
	esip_framer_deinit(&f);
	ck_assert_int_eq(px_live, 0);
}
END_TEST

START_TEST(header_section_too_big)
{
	esip_parse_limits lim = {200, 8192, 128};
	esip_framer f;
	esip_msg m;
	text s = {0};
	size_t i;

	/* no end of the header section within max_msg_size: EMSG_TOO_BIG
	 * as soon as one byte more than that is held, not later */
	tputs(&s, "\r\n\r\n");
	tputs(&s, "INVITE sip:bob@example.com SIP/2.0\r\n");
	while (s.len < 4 + 200 + 10)
		tputs(&s, "X-Filler: 0123456789\r\n");
	ck_assert_int_eq(esip_framer_init(&f, &px, &lim), 0);
	esip_msg_init(&m, hdrs, NHDR);
	for (i = 0; i < 4 + 200; i++) {
		ck_assert_int_eq(esip_framer_feed(&f, s.p + i, 1), 0);
		ck_assert_int_ge(esip_framer_next(&f, &m), 0);
	}
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	ck_assert_uint_le(f.cap, 256);
	ck_assert_int_eq(esip_framer_feed(&f, s.p + i, 1), 0);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_EMSG_TOO_BIG);
	check_sticky(&f, ESIP_EMSG_TOO_BIG);
	esip_framer_deinit(&f);
	expect_error(s.p, s.len, &lim, ESIP_EMSG_TOO_BIG);
	/* exactly max_msg_size bytes with the empty line last: fine */
	tfree(&s);
	tputs(&s, "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\nX: ");
	while (s.len < 200 - 4)
		tputs(&s, "y");
	tputs(&s, "\r\n\r\n");
	ck_assert_uint_eq(s.len, 200);
	ck_assert_int_eq(esip_framer_init(&f, &px, &lim), 0);
	ck_assert_str_eq(frames_of(&f, s.p), "M");
	esip_framer_deinit(&f);
	/* one more byte: too big (and so a CR at the limit cannot end it) */
	lim.max_msg_size = 199;
	expect_error(s.p, s.len, &lim, ESIP_EMSG_TOO_BIG);
	lim.max_msg_size = 201;
	expect_error(s.p, s.len - 1, &lim, 0); /* the last LF missing: NONE */
	tfree(&s);
}
END_TEST

START_TEST(body_too_big)
{
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
	esip_framer f;
	text s = {0};

	/* refused as soon as the header section is in, the body not sent */
	tputs(&s, HEAD "Content-Length: 70000\r\n\r\n");
	expect_error(s.p, s.len, NULL, ESIP_EBODY_TOO_BIG);
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_str_eq(frames_of(&f, s.p), "E");
	ck_assert_int_eq(f.err, ESIP_EBODY_TOO_BIG);
	esip_framer_deinit(&f);
	/* the limit counts the start line and headers too */
	tfree(&s);
	tputs(&s, HEAD);
	lim.max_msg_size = (uint32_t)(s.len + strlen("Content-Length: 10\r\n\r\n") + 10);
	tputs(&s, "Content-Length: 10\r\n\r\n0123456789");
	expect_error(s.p, s.len, &lim, 0);
	tfree(&s);
	tputs(&s, HEAD "Content-Length: 11\r\n\r\n01234567890");
	expect_error(s.p, s.len, &lim, ESIP_EBODY_TOO_BIG);
	tfree(&s);
}
END_TEST

START_TEST(header_limits)
{
	esip_parse_limits lim = {65535, 60, 6};
	esip_framer f;
	esip_msg m;
	esip_hdr few[3];

	/* DLG + Via + CSeq + Content-Length = 6 headers: at the limit */
	expect_error_str(HEAD "Content-Length: 0\r\n\r\n", &lim, 0);
	expect_error_str(HEAD "X: 1\r\nContent-Length: 0\r\n\r\n", &lim, ESIP_ETOO_MANY_HEADERS);
	lim.max_headers = 128;
	/* 60 bytes is the limit, 61 too long */
	expect_error_str(HEAD "X-Long: 0123456789012345678901234567890123456789012345678901\r\n"
			      "Content-Length: 0\r\n\r\n",
			 &lim, 0);
	expect_error_str(HEAD "X-Long: 01234567890123456789012345678901234567890123456789012\r\n"
			      "Content-Length: 0\r\n\r\n",
			 &lim, ESIP_ELINE_TOO_LONG);
	/* the line limit counts folded lines as one */
	expect_error_str(HEAD "X-Long: 01234567890123456789\r\n 012345678901234567890123456789\r\n"
			      "Content-Length: 0\r\n\r\n",
			 &lim, ESIP_ELINE_TOO_LONG);
	/* the caller's header array is a limit too */
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	ck_assert_int_eq(esip_framer_feed(&f, HEAD "l: 0\r\n\r\n", strlen(HEAD "l: 0\r\n\r\n")), 0);
	esip_msg_init(&m, few, 3);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_ETOO_MANY_HEADERS);
	ck_assert_int_eq(m.err, ESIP_ETOO_MANY_HEADERS);
	esip_framer_deinit(&f);
	/* a start line that cannot be parsed cannot be framed */
	expect_error_str(MIN_MSG "GET / HTTP/1.1\r\nHost: x\r\n\r\n", NULL, ESIP_EBAD_START_LINE);
	expect_error_str("SIP/2.0 2000 OK\r\nl: 0\r\n\r\n", NULL, ESIP_EBAD_STATUS);
}
END_TEST

START_TEST(init_arguments)
{
	esip_framer f;
	esip_parse_limits lim = {0, 10, 10};
	char *sp;

	ck_assert_int_eq(esip_framer_init(NULL, NULL, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_framer_init(&f, NULL, &lim), ESIP_EINVAL);
	ck_assert_int_eq(esip_framer_feed(&f, "x", 1), ESIP_EINVAL);
	esip_framer_deinit(&f);
	lim.max_msg_size = 0x80000000u;
	ck_assert_int_eq(esip_framer_init(&f, NULL, &lim), ESIP_EINVAL);
	esip_framer_deinit(&f);
	lim.max_msg_size = 1;
	ck_assert_int_eq(esip_framer_init(&f, NULL, &lim), 0);
	ck_assert_uint_eq(f.lim.max_line_len, 10);
	ck_assert_str_eq(frames_of(&f, "\r\n\r\n"), "I");
	ck_assert_str_eq(frames_of(&f, "O"), "");
	ck_assert_str_eq(frames_of(&f, "P"), "E");
	esip_framer_deinit(&f);
	/* after deinit the framer refuses work instead of starting anew */
	ck_assert_int_eq(esip_framer_space(&f, 10, &sp), ESIP_ECLOSED);
	ck_assert_int_eq(esip_framer_init(&f, NULL, NULL), 0);
	ck_assert_uint_eq(f.lim.max_msg_size, 65535);
	ck_assert_str_eq(frames_of(&f, MIN_MSG), "M");
	esip_framer_deinit(&f);
}
END_TEST

/* ---- space / commit ------------------------------------------------- */

START_TEST(space_commit)
{
	esip_framer f;
	char *sp;
	long room;
	text s = {0};
	esip_msg m;

	put_msg(&s, OPTS, "Content-Length", "abc");
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	room = esip_framer_space(&f, 0, &sp);
	ck_assert_int_ge(room, 1);
	ck_assert(sp == f.buf);
	esip_framer_commit(&f, 0); /* a read that got nothing (EAGAIN) */
	room = esip_framer_space(&f, 10, &sp);
	ck_assert_int_ge(room, 10);
	memcpy(sp, s.p, 10);
	esip_framer_commit(&f, 10);
	esip_msg_init(&m, hdrs, NHDR);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_NONE);
	/* a read bigger than the buffer: the room grows to it */
	room = esip_framer_space(&f, 100000, &sp);
	ck_assert_int_ge(room, 100000);
	memcpy(sp, s.p + 10, s.len - 10);
	esip_framer_commit(&f, s.len - 10);
	ck_assert_int_eq(esip_framer_next(&f, &m), ESIP_FRAME_MESSAGE);
	ck_assert(str_is(m.body, "abc"));
	ck_assert_int_eq(esip_framer_space(&f, 1, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_framer_space(&f, (size_t)-1, &sp), ESIP_EINVAL);
	ck_assert_ptr_null(sp);
	/* committing bytes that were never given: the stream is lost */
	room = esip_framer_space(&f, 16, &sp);
	esip_framer_commit(&f, (size_t)room + 1);
	check_sticky(&f, ESIP_EINVAL);
	esip_framer_deinit(&f);
	ck_assert_int_eq(px_live, 0);
	tfree(&s);
}
END_TEST

/* ---- allocation failures -------------------------------------------- */

START_TEST(allocation_failure_sweep)
{
	/* fail the 1st, 2nd, ... allocation: ENOMEM is reported, nothing is
	 * lost (the same bytes fed again give the same frames), no leak */
	static const size_t sizes[] = {50, 3000, 7, 20000, 1, 70000, 400};
	text s = {0};
	run_out whole;
	long fail;
	bool via_space;

	mixed_stream(&s);
	long_stream(&s, 300);
	run_whole(&s, NULL, &whole);
	for (via_space = false;; via_space = true) {
		for (fail = 1;; fail++) {
			test_alloc ta;
			esip_framer f;
			text log = {0};
			size_t off = 0, i = 0;
			int msgs = 0, failures = 0, err = 0;

			test_alloc_init(&ta, fail);
			ck_assert_int_eq(esip_framer_init(&f, &ta.a, NULL), 0);
			while (off < s.len) {
				size_t n = sizes[i++ % 7], held = f.len - f.consumed;
				int rc;
				if (n > s.len - off)
					n = s.len - off;
				if (via_space) {
					char *sp;
					long room = esip_framer_space(&f, n, &sp);
					rc = room < 0 ? (int)room : 0;
					if (!rc) {
						memcpy(sp, s.p + off, n);
						esip_framer_commit(&f, n);
					}
				} else {
					rc = esip_framer_feed(&f, s.p + off, n);
				}
				if (rc) {
					/* unchanged: the caller may try again */
					ck_assert_int_eq(rc, ESIP_ENOMEM);
					ck_assert_uint_eq(f.len - f.consumed, held);
					ck_assert_int_eq(f.err, 0);
					failures++;
					i--;
					continue;
				}
				off += n;
				err = drain(&f, &log, &msgs);
				ck_assert_int_eq(err, 0);
			}
			ck_assert_int_eq(failures, (int)ta.failed);
			ck_assert_str_eq(log.p, whole.log.p);
			esip_framer_deinit(&f);
			ck_assert_int_eq(ta.live, 0);
			tfree(&log);
			if (!ta.failed) {
				ck_assert_int_gt(fail, 2); /* the sweep met allocations */
				break;
			}
			/* a framer whose allocation failed deinitialises cleanly */
			test_alloc_init(&ta, fail);
			ck_assert_int_eq(esip_framer_init(&f, &ta.a, NULL), 0);
			off = i = 0;
			while (off < s.len) {
				size_t n = sizes[i++ % 7];
				if (n > s.len - off)
					n = s.len - off;
				if (esip_framer_feed(&f, s.p + off, n))
					break;
				off += n;
				(void)drain(&f, &log, NULL);
			}
			ck_assert_int_le(ta.failed, 1);
			esip_framer_deinit(&f);
			ck_assert_int_eq(ta.live, 0);
			tfree(&log);
		}
		if (via_space)
			break;
	}
	run_free(&whole);
	tfree(&s);
}
END_TEST

/* ---- linear cost ---------------------------------------------------- */

START_TEST(big_message_byte_at_a_time_is_linear)
{
	/* 60 KB arriving one byte at a time: a bounded number of parses and
	 * each byte passed about once by the search, not once per feed */
	text s = {0}, h = {0};
	esip_framer f;
	esip_msg m;
	guard_buf g;
	const char *in;
	size_t i;
	int k = ESIP_FRAME_NONE;

	tputs(&h, "MESSAGE sip:bob@example.com SIP/2.0\r\n" VIA "big\r\n" DLG "CSeq: 1 MESSAGE\r\n");
	for (i = 0; i < 100; i++) {
		tprintf(&h, "X-Header-%03zu: ", i);
		while (h.len % 500 != 498)
			tputs(&h, "v");
		tputs(&h, "\r\n");
	}
	for (i = 0; s.len < 10000; i++)
		tputs(&s, "body text ");
	put_msg(&h, "", "Content-Length", s.p);
	ck_assert_uint_gt(h.len, 60000);
	in = guard_copy(&g, h.p, h.len);
	ck_assert_int_eq(esip_framer_init(&f, &px, NULL), 0);
	for (i = 0; i < h.len; i++) {
		ck_assert_int_eq(esip_framer_feed(&f, in + i, 1), 0);
		esip_msg_init(&m, hdrs, NHDR);
		k = esip_framer_next(&f, &m);
		if (i + 1 < h.len)
			ck_assert_int_eq(k, ESIP_FRAME_NONE);
	}
	ck_assert_int_eq(k, ESIP_FRAME_MESSAGE);
	ck_assert_uint_eq(m.len, h.len);
	ck_assert_uint_eq(m.body.len, s.len);
	ck_assert_uint_eq(m.nhdrs, 106);
	/* on arrival, at the end of the headers, at the end of the body */
	ck_assert_uint_le(f.parses, 3);
	ck_assert_uint_le(f.scanned, h.len);
	ck_assert_uint_le(f.cap, 65535);
	esip_framer_deinit(&f);
	guard_free(&g);
	tfree(&s);
	tfree(&h);
}
END_TEST

Suite *suite_framer(void);
Suite *suite_framer(void)
{
	Suite *s = suite_create("parser-framer");
	TCase *basics = tcase_create("basics");
	TCase *chunking = tcase_create("chunking");
	TCase *keepalive = tcase_create("keepalive");
	TCase *errors = tcase_create("errors");
	TCase *resources = tcase_create("resources");

	tcase_add_test(basics, single_message);
	tcase_add_test(basics, several_in_one_feed_in_place);
	tcase_add_test(basics, mixed_stream_frames);
	tcase_add_test(basics, space_commit);
	tcase_add_test(basics, init_arguments);
	tcase_set_timeout(chunking, 120);
	tcase_add_test(chunking, every_two_way_split);
	tcase_add_test(chunking, every_three_way_split_small);
	tcase_add_test(chunking, byte_at_a_time);
	tcase_add_test(chunking, every_prefix_is_none);
	tcase_add_test(chunking, thousand_messages_random_chunks);
	tcase_add_test(chunking, small_limits_split_invariance);
	tcase_add_test(keepalive, ping_pong);
	tcase_add_test(keepalive, expect_pong);
	tcase_add_test(errors, bad_message_then_good);
	tcase_add_test(errors, content_length_errors);
	tcase_add_test(errors, sticky_after_error);
	tcase_add_test(errors, header_section_too_big);
	tcase_add_test(errors, body_too_big);
	tcase_add_test(errors, header_limits);
	tcase_set_timeout(resources, 120);
	tcase_add_test(resources, allocation_failure_sweep);
	tcase_add_test(resources, big_message_byte_at_a_time_is_linear);
	suite_add_tcase(s, basics);
	suite_add_tcase(s, chunking);
	suite_add_tcase(s, keepalive);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, resources);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_framer()};
	return test_run(s, 1);
}
