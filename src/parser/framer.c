/*
 * framer.c - the TCP stream framer: a byte stream in arbitrary chunks in,
 * whole messages (views into the framer's buffer) and CRLF keep-alives out
 * (RFC 3261 7.5 and 18.3, RFC 5626 3.5.1 and 4.4.1).
 *
 * The buffer holds buf[consumed..len), the bytes not yet returned.  Frames
 * are cut from the front; the bytes of returned frames are dropped only
 * when a feed needs room (reserve), by one memmove of what is left, never
 * one per message: a read holding many messages returns each in place.
 *
 * Between messages (PH_IDLE) the front may hold CRLF keep-alives: CRLF
 * CRLF is a ping, a CRLF not followed by CRLF a pong (RFC 5626 4.4.1);
 * CR and LF octets that form no CRLF are skipped (RFC 3261 7.5 ignores
 * CRLFs before a start line).  Which one a CRLF is may depend on the next
 * two bytes; when they are not held yet the framer waits for them, so the
 * frames are the same however the stream is chunked.  The exception is a
 * pong the transport awaits (esip_framer_expect_pong): the flow's client
 * must see it at once, and nothing may follow it for minutes.
 *
 * A message is framed in at most three parses, each linear in its size,
 * plus one resumable search, so bytes trickling in one at a time cost
 * O(n) and not O(n^2):
 *  1. When its first byte is at the front, one esip_msg_parse over all
 *     that is held.  A read usually holds whole messages: then this is the
 *     only pass over them.
 *  2. Otherwise (PH_HEADERS) the end of the header section is searched
 *     for, resuming at `scan` on each call, with the line ends of
 *     esip_msg_parse and never past max_msg_size bytes.  Once it is in,
 *     the second parse gives the limits' verdict and Content-Length at
 *     once, so an oversized body is refused before it arrives.
 *  3. (PH_BODY) when all `need` bytes are held: the last parse.
 * Errors that leave the message framed (a malformed header value) return
 * it as BAD_MESSAGE and the stream goes on (RFC 3261 21.4.1: answer 400);
 * errors that make framing impossible are sticky in f->err.  Such an
 * error seen by the first parse of an incomplete message (a line too
 * long...) is reported only once the header section is in or too big,
 * as it would be had the message come in pieces: the outcome, like the
 * frames, never depends on the chunking.
 */
#include "parse_int.h"
#include "scan.h"

#include <limits.h>
#include <string.h>

enum {
	PH_IDLE = 0, /* between messages */
	PH_HEADERS,  /* searching for the end of the header section */
	PH_BODY      /* header section parsed, waiting for `need` bytes */
};

/* First buffer: a typical message (an INVITE with SDP) plus a read. */
#define FRAMER_MIN_CAP 4096u

/* What the keep-alive step returns when a start line is at the front. */
#define FRAME_START (-1000)

int esip_framer_init(esip_framer *f, const esip_allocator *a, const esip_parse_limits *lim)
{
	static const esip_parse_limits defaults = ESIP_PARSE_LIMITS_INIT;

	if (!f)
		return ESIP_EINVAL;
	memset(f, 0, sizeof *f);
	f->alloc = a;
	f->lim = lim ? *lim : defaults;
	/* esip_msg_parse returns a message's length as an int */
	if (f->lim.max_msg_size == 0 || f->lim.max_msg_size > INT32_MAX) {
		f->err = ESIP_EINVAL;
		return ESIP_EINVAL;
	}
	return 0;
}

void esip_framer_deinit(esip_framer *f)
{
	const esip_allocator *a;

	if (!f)
		return;
	a = f->alloc;
	esip_free(a, f->buf);
	memset(f, 0, sizeof *f);
	f->alloc = a;
	/* a use after deinit fails instead of starting a new stream */
	f->err = ESIP_ECLOSED;
}

/*
 * Makes room for n more bytes after the data held.  Dropping the bytes of
 * returned frames happens only here, when the room is short: one memmove
 * of what is left.  When the caller drains the frames after each read,
 * what is left is the unfinished message, and that message cannot be
 * moved again before it is returned (nothing before it is left to drop),
 * so every byte moves at most once.  The buffer doubles, but not past
 * max_msg_size unless this chunk needs it: an unfinished message never
 * takes more.  On failure the data held is unchanged (maybe moved).
 */
static int reserve(esip_framer *f, size_t n)
{
	size_t live = f->len - f->consumed, want, soft;

	if (!live)
		f->len = f->consumed = 0; /* nothing to move */
	if (n <= f->cap - f->len)
		return 0;
	if (f->consumed) {
		memmove(f->buf, f->buf + f->consumed, live);
		f->len = live;
		f->consumed = 0;
		if (n <= f->cap - f->len)
			return 0;
	}
	if (n > SIZE_MAX / 4 - live)
		return ESIP_ENOMEM;
	want = live + n;
	soft = f->lim.max_msg_size > want ? f->lim.max_msg_size : want;
	if (esip_grow(f->alloc, &f->buf, &f->cap, want, 1, FRAMER_MIN_CAP, soft) < 0)
		return ESIP_ENOMEM;
	return 0;
}

int esip_framer_feed(esip_framer *f, const void *data, size_t n)
{
	int rc;

	if (f->err)
		return f->err;
	if (!n)
		return 0;
	if (!data)
		return ESIP_EINVAL;
	rc = reserve(f, n);
	if (rc)
		return rc;
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	return 0;
}

long esip_framer_space(esip_framer *f, size_t want, char **space)
{
	size_t room;
	int rc;

	if (space)
		*space = NULL;
	if (f->err)
		return f->err;
	if (!space || want > LONG_MAX)
		return ESIP_EINVAL;
	rc = reserve(f, want ? want : 1);
	if (rc)
		return rc;
	*space = f->buf + f->len;
	room = f->cap - f->len;
	return room > LONG_MAX ? LONG_MAX : (long)room;
}

void esip_framer_commit(esip_framer *f, size_t n)
{
	if (f->err)
		return;
	if (n > f->cap - f->len) {
		/* bytes that were never written: the stream is lost */
		f->err = ESIP_EINVAL;
		return;
	}
	f->len += n;
}

void esip_framer_expect_pong(esip_framer *f, bool on) { f->expect_pong = on; }

static int fatal(esip_framer *f, int err)
{
	f->err = err;
	f->phase = PH_IDLE;
	return err;
}

/*
 * Between messages: consumes the keep-alives and stray line ends at the
 * front (RFC 5626 4.4.1: CRLF CRLF = ping, CRLF = pong; RFC 3261 7.5).
 * Returns a frame kind, or FRAME_START when a start line begins at the
 * front.  A CR at the end waits for its LF; a CRLF waits for the byte
 * after it, and CRLF CR for the one after that, which tell a pong from a
 * ping split across reads.
 */
static int keepalive(esip_framer *f)
{
	for (;;) {
		size_t avail = f->len - f->consumed;
		const char *p;

		if (!avail)
			return ESIP_FRAME_NONE; /* (buf may still be NULL) */
		p = f->buf + f->consumed;
		if (p[0] != '\r' && p[0] != '\n')
			return FRAME_START;
		if (p[0] == '\n') {
			f->consumed++; /* a bare LF: no keep-alive, skipped */
			continue;
		}
		if (avail < 2)
			return ESIP_FRAME_NONE;
		if (p[1] != '\n') {
			f->consumed++; /* a bare CR */
			continue;
		}
		/* a CRLF: an awaited pong needs no look-ahead */
		if (f->expect_pong) {
			f->expect_pong = false;
			f->consumed += 2;
			return ESIP_FRAME_PONG;
		}
		if (avail < 3 || (p[2] == '\r' && avail < 4))
			return ESIP_FRAME_NONE;
		if (p[2] == '\r' && p[3] == '\n') {
			f->consumed += 4;
			return ESIP_FRAME_PING;
		}
		f->consumed += 2;
		return ESIP_FRAME_PONG;
	}
}

/*
 * Searches for the end of the header section of the message at the front,
 * resuming at f->scan so that each byte is passed about once however the
 * stream is chunked.  The line ends are those of esip_msg_parse (CRLF, a
 * bare LF or a bare CR) and the section ends at the first line end
 * followed by CR or LF; a CR needs the byte after it to tell CR from CRLF,
 * so the search stops before a CR at the end of the data and resumes
 * there.  Only the first max_msg_size bytes count: the parser never looks
 * further.  Returns 1 with *hend (the body offset), 0 (not yet), or -1:
 * more than max_msg_size bytes are held and the end is not among them.
 */
static int find_header_end(esip_framer *f, size_t *hend)
{
	const char *b = f->buf + f->consumed;
	size_t avail = f->len - f->consumed, lim = avail, i = f->scan;

	if (lim > f->lim.max_msg_size)
		lim = f->lim.max_msg_size;
	while (i < lim) {
		const char *e = find_eol(b + i, b + lim);
		size_t nx;

		f->scanned += (uint64_t)(e - (b + i));
		i = (size_t)(e - b);
		if (i == lim)
			break;
		/* a line end at i; the next line starts at nx */
		if (b[i] == '\r') {
			if (i + 1 == lim)
				break;
			nx = i + (b[i + 1] == '\n' ? 2 : 1);
		} else {
			nx = i + 1;
		}
		if (nx == lim)
			break;
		if (b[nx] == '\r' || b[nx] == '\n') {
			if (b[nx] == '\r' && nx + 1 == lim)
				break;
			*hend = nx + eol_len(b + nx, b + lim);
			return 1;
		}
		i = nx; /* the next line, or a continuation (RFC 3261 7.3.1) */
	}
	f->scan = i;
	return avail > f->lim.max_msg_size ? -1 : 0;
}

static int parse(esip_framer *f, esip_msg *m)
{
	f->parses++;
	return esip_msg_parse(m, f->buf + f->consumed, f->len - f->consumed,
			      ESIP_PARSE_STREAM, &f->lim);
}

/* The outcome of a parse that did not ask for more. */
static int settle(esip_framer *f, esip_msg *m, int rc)
{
	size_t avail = f->len - f->consumed, end;

	if (rc > 0) {
		f->consumed += (size_t)rc;
		f->phase = PH_IDLE;
		return ESIP_FRAME_MESSAGE;
	}
	if (rc == ESIP_ENEEDMORE || !(m->flags & ESIP_MSGF_FRAMED))
		return fatal(f, rc == ESIP_ENEEDMORE ? ESIP_EBAD_FRAMING : rc);
	/* framed despite the error: skip it, the stream goes on (RFC 3261
	 * 18.3: its Content-Length said where it ends) */
	end = (size_t)(m->buf - (f->buf + f->consumed)) + m->len;
	if (end == 0 || end > avail)
		return fatal(f, ESIP_EBAD_FRAMING); /* cannot happen */
	f->consumed += end;
	f->phase = PH_IDLE;
	return ESIP_FRAME_BAD_MESSAGE;
}

/* PH_HEADERS: parse once the header section is in. */
static int headers(esip_framer *f, esip_msg *m)
{
	size_t hend = 0, avail;
	int rc = find_header_end(f, &hend);

	if (rc == 0)
		return ESIP_FRAME_NONE;
	if (rc < 0) {
		/* too big; the parser may have found an earlier fault in the
		 * same bytes (a line too long...): its verdict is the error, as
		 * when the same bytes arrive in one read */
		rc = parse(f, m);
		if (rc >= 0 || rc == ESIP_ENEEDMORE || (m->flags & ESIP_MSGF_FRAMED))
			rc = ESIP_EMSG_TOO_BIG;
		return fatal(f, rc);
	}
	rc = parse(f, m);
	if (rc != ESIP_ENEEDMORE)
		return settle(f, m, rc);
	/* only the body is missing: the parse checked Content-Length, its
	 * presence (RFC 3261 18.3) and the size limit */
	avail = f->len - f->consumed;
	if (m->content_length < 0 || hend + (size_t)m->content_length <= avail)
		return fatal(f, ESIP_EBAD_FRAMING); /* cannot happen */
	f->need = hend + (size_t)m->content_length;
	f->phase = PH_BODY;
	return ESIP_FRAME_NONE;
}

int esip_framer_next(esip_framer *f, esip_msg *m)
{
	int rc;

	if (f->err)
		return f->err;
	if (!m)
		return ESIP_EINVAL;
	if (f->phase == PH_HEADERS)
		return headers(f, m);
	if (f->phase == PH_BODY) {
		if (f->len - f->consumed < f->need)
			return ESIP_FRAME_NONE;
		return settle(f, m, parse(f, m));
	}
	rc = keepalive(f);
	if (rc != FRAME_START)
		return rc;
	/* a message begins: when the read holds all of it, one parse is the
	 * only pass (the common case) */
	rc = parse(f, m);
	if (rc > 0 || (rc < 0 && rc != ESIP_ENEEDMORE && (m->flags & ESIP_MSGF_FRAMED)))
		return settle(f, m, rc);
	/* incomplete, or a fault that stops the parse (a line too long, a bad
	 * start line...): a fault is reported once the header section is in
	 * or too big, exactly as when the message comes in pieces, so that
	 * the outcome never depends on the chunking */
	f->phase = PH_HEADERS;
	f->scan = 0;
	f->need = 0;
	return headers(f, m);
}
