/*
 * sdp.c - the one SDP edit the UA core makes by itself: answering an offer
 * in a re-INVITE or UPDATE with the session it already has (RFC 3264 8:
 * "modifying the session"), so that a peer's hold or session refresh
 * never kills a call.  RFC 3264 6.1: a stream offered sendonly is
 * answered recvonly, recvonly with sendonly, inactive with inactive,
 * sendrecv (or no attribute) with our own direction.  RFC 3264 8: when
 * the answer differs from the previous SDP, the o= line's version is
 * incremented by one.  Nothing else of the offer is looked at: codecs and
 * addresses stay ours (the application owns media).  Our own direction
 * lines give way to the answer's.
 */
#include "dialog_int.h"

#include <string.h>

typedef enum dir { DIR_NONE = 0, DIR_SENDRECV, DIR_SENDONLY, DIR_RECVONLY, DIR_INACTIVE } dir;

static esip_str next_line(esip_str *rest)
{
	const char *nl = memchr(rest->p, '\n', rest->len);
	size_t n = nl ? (size_t)(nl - rest->p) + 1 : rest->len;
	esip_str line = esip_str_make(rest->p, n);

	rest->p += n;
	rest->len -= n;
	/* the line without its CRLF / LF */
	while (line.len && (line.p[line.len - 1] == '\n' || line.p[line.len - 1] == '\r'))
		line.len--;
	return line;
}

static dir dir_of(esip_str line)
{
	if (esip_str_eq_cstr(line, "a=sendrecv"))
		return DIR_SENDRECV;
	if (esip_str_eq_cstr(line, "a=sendonly"))
		return DIR_SENDONLY;
	if (esip_str_eq_cstr(line, "a=recvonly"))
		return DIR_RECVONLY;
	if (esip_str_eq_cstr(line, "a=inactive"))
		return DIR_INACTIVE;
	return DIR_NONE;
}

/* The direction the offer asks for: the first media's, else the
 * session's (RFC 4566 6: a media attribute overrides the session one). */
static dir offered(esip_str offer)
{
	dir session = DIR_NONE, media = DIR_NONE;
	bool in_media = false;

	while (offer.len) {
		esip_str l = next_line(&offer);
		if (l.len >= 2 && l.p[0] == 'm' && l.p[1] == '=') {
			if (in_media)
				break; /* only the first stream decides */
			in_media = true;
			continue;
		}
		if (dir_of(l) != DIR_NONE) {
			if (in_media)
				media = dir_of(l);
			else
				session = dir_of(l);
		}
	}
	return media != DIR_NONE ? media : session;
}

static const char *answer_attr(dir off)
{
	switch (off) {
	case DIR_SENDONLY: return "a=recvonly";
	case DIR_RECVONLY: return "a=sendonly";
	case DIR_INACTIVE: return "a=inactive";
	default: return NULL;
	}
}

/* o=<username> <sess-id> <sess-version> ...: writes the line with the
 * version plus bump. */
static void put_origin(esip_buf *b, esip_str l, uint32_t bump)
{
	const char *p = l.p, *end = l.p + l.len, *v, *ve;
	uint64_t ver = 0;
	int field = 0;

	/* find the third space-separated field */
	v = p;
	while (v < end && field < 2) {
		if (*v == ' ')
			field++;
		v++;
	}
	ve = v;
	while (ve < end && *ve >= '0' && *ve <= '9')
		ve++;
	if (field < 2 || ve == v || ve - v > 18 || !bump) {
		esip_buf_putstr(b, l);
		return;
	}
	for (const char *q = v; q < ve; q++)
		ver = ver * 10 + (uint64_t)(*q - '0');
	ver += bump;
	esip_buf_put(b, p, (size_t)(v - p));
	{
		char tmp[24];
		int n = 0;
		char rev[24];
		do {
			rev[n++] = (char)('0' + ver % 10);
			ver /= 10;
		} while (ver);
		for (int i = 0; i < n; i++)
			tmp[i] = rev[n - 1 - i];
		esip_buf_put(b, tmp, (size_t)n);
	}
	esip_buf_put(b, ve, (size_t)(end - ve));
}

static void write_answer(esip_str ours, const char *attr, uint32_t bump, esip_buf *b)
{
	bool in_media = false;

	esip_buf_reset(b);
	while (ours.len) {
		esip_str l = next_line(&ours);
		if (l.len >= 2 && l.p[0] == 'm' && l.p[1] == '=') {
			if (in_media && attr) {
				esip_buf_puts(b, attr);
				esip_buf_puts(b, "\r\n");
			}
			in_media = true;
		}
		/* our own direction lines give way to the answer's (none:
		 * sendrecv, the default, RFC 4566 6) */
		if (dir_of(l) != DIR_NONE)
			continue;
		if (!l.len)
			continue;
		if (l.len >= 2 && l.p[0] == 'o' && l.p[1] == '=')
			put_origin(b, l, bump);
		else
			esip_buf_putstr(b, l);
		esip_buf_puts(b, "\r\n");
	}
	/* the last stream's (or, with none, a session attribute) */
	if (attr) {
		esip_buf_puts(b, attr);
		esip_buf_puts(b, "\r\n");
	}
}

int esip__sdp_answer(esip_str ours, esip_str offer, esip_buf *b)
{
	const char *attr = answer_attr(offered(offer));

	if (!ours.p || !ours.len)
		return ESIP_EINVAL;
	write_answer(ours, attr, 0, b);
	if (esip_buf_error(b))
		return esip_buf_error(b);
	/* RFC 3264 8: a changed SDP has the next version */
	if (b->len != ours.len || memcmp(b->p, ours.p, ours.len))
		write_answer(ours, attr, 1, b);
	return esip_buf_error(b);
}
