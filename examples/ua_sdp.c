/*
 * ua_sdp.c - esip-ua's SDP (ua_sdp.h): a fixed audio offer, an answer
 * to a peer's offer per RFC 3264 6, and --sdp files.  Only what a test
 * UA needs: no media is sent, so the answer only has to be valid and to
 * name one codec both sides know.
 */
#include "ua_sdp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SDP_FILE_MAX 65536

typedef struct sbuf {
	char *p;
	size_t cap, len;
	bool full;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	b->len += (size_t)n;
}

static const char *ip_kind(const char *ip) { return strchr(ip, ':') ? "IP6" : "IP4"; }

/* RFC 4566 5: v=, o=, s=, c=, t= */
static void put_session(sbuf *b, const ua_media *m)
{
	put(b, "v=0\r\no=esip-ua %llu 1 IN %s %s\r\ns=esip-ua\r\nc=IN %s %s\r\nt=0 0\r\n",
	    (unsigned long long)m->session_id, ip_kind(m->ip), m->ip, ip_kind(m->ip), m->ip);
}

long ua_sdp_offer(const ua_media *m, char *out, size_t cap)
{
	sbuf b = {out, cap, 0, false};

	put_session(&b, m);
	/* RFC 3551 6: PCMU is 0 and PCMA 8 (static); RFC 4733 telephone-event */
	put(&b, "m=audio %u RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n",
	    (unsigned)m->port);
	return b.full ? -1 : (long)b.len;
}

/* One line of text (without its line end) and the rest after it. */
static size_t line_at(const char *s, const char **next)
{
	size_t n = strcspn(s, "\r\n");

	*next = s + n;
	while (**next == '\r' || **next == '\n')
		(*next)++;
	return n;
}

/* The line at s copied (truncated) into out, NUL-terminated; *next as
 * line_at. */
static void copy_line(const char *s, char *out, size_t cap, const char **next)
{
	size_t n = line_at(s, next);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* The rtpmap encoding name of payload type pt within [from, to), into
 * name (empty if none). */
static void rtpmap_of(const char *from, const char *to, const char *pt, char *name, size_t cap)
{
	const char *l = from, *next;
	size_t ptlen = strlen(pt);

	name[0] = 0;
	while (l < to && *l) {
		size_t n = line_at(l, &next);
		if (n > 9 + ptlen && !strncmp(l, "a=rtpmap:", 9) && !strncmp(l + 9, pt, ptlen) &&
		    l[9 + ptlen] == ' ') {
			size_t k = n - 10 - ptlen;
			if (k >= cap)
				k = cap - 1;
			memcpy(name, l + 10 + ptlen, k);
			name[k] = 0;
			return;
		}
		l = next;
	}
}

/* RFC 3264 6.1: the direction answering the one offered (from the first
 * direction attribute in [from, to), else sendrecv). */
static const char *answer_dir(const char *from, const char *to)
{
	const char *l = from, *next;

	while (l < to && *l) {
		size_t n = line_at(l, &next);
		if (n == 10 && !strncmp(l, "a=sendonly", 10))
			return "recvonly";
		if (n == 10 && !strncmp(l, "a=recvonly", 10))
			return "sendonly";
		if (n == 10 && !strncmp(l, "a=inactive", 10))
			return "inactive";
		l = next;
	}
	return "sendrecv";
}

static bool name_is(const char *rtpmap, const char *codec)
{
	size_t n = strlen(codec);

	return !strncasecmp(rtpmap, codec, n) && rtpmap[n] == '/';
}

/* The answer's m= line for the accepted audio stream [m, end). */
static void put_audio(sbuf *b, const ua_media *me, const char *m, const char *end,
		      const char *session_dir)
{
	char media[16], proto[32], line[256], fmts[256], name[64];
	char pick[8] = "", te[8] = "", pick_name[64] = "";
	const char *dir;
	char *tok, *save = NULL;
	const char *next;

	copy_line(m, line, sizeof line, &next);
	memcpy(fmts, line, sizeof fmts);
	if (sscanf(line, "m=%15s %*s %31s", media, proto) != 2)
		return;
	/* the formats: after "m=audio PORT PROTO " */
	tok = strtok_r(fmts, " ", &save);
	for (int skip = 0; tok && skip < 3; skip++)
		tok = strtok_r(NULL, " ", &save);
	for (; tok; tok = strtok_r(NULL, " ", &save)) {
		rtpmap_of(m, end, tok, name, sizeof name);
		/* RFC 3551 6: 0 and 8 need no rtpmap */
		if (!pick[0] && (name_is(name, "PCMU") || name_is(name, "PCMA") ||
				 (!name[0] && (!strcmp(tok, "0") || !strcmp(tok, "8"))))) {
			snprintf(pick, sizeof pick, "%s", tok);
			snprintf(pick_name, sizeof pick_name, "%s", name);
		}
		if (!te[0] && name_is(name, "telephone-event"))
			snprintf(te, sizeof te, "%s", tok);
	}
	if (!pick[0]) {
		/* no G.711: take the first format; the answer is still valid */
		if (sscanf(line, "m=%*s %*s %*s %7s", pick) != 1)
			return; /* no format at all: not a stream we can answer */
		rtpmap_of(m, end, pick, pick_name, sizeof pick_name);
	}
	dir = answer_dir(m, end);
	if (!strcmp(dir, "sendrecv"))
		dir = session_dir;
	put(b, "m=%s %u %s %s%s%s\r\n", media, (unsigned)me->port, proto, pick, te[0] ? " " : "",
	    te);
	if (pick_name[0])
		put(b, "a=rtpmap:%s %s\r\n", pick, pick_name);
	if (te[0])
		put(b, "a=rtpmap:%s telephone-event/8000\r\na=fmtp:%s 0-16\r\n", te, te);
	put(b, "a=%s\r\n", dir);
}

/* The first m= line at or after s (at a line start), or NULL. */
static const char *media_from(const char *s)
{
	const char *p;

	if (!strncmp(s, "m=", 2))
		return s;
	p = strstr(s, "\nm=");
	return p ? p + 1 : NULL;
}

long ua_sdp_answer(const ua_media *me, const char *offer, char *out, size_t cap)
{
	sbuf b = {out, cap, 0, false};
	const char *first = media_from(offer), *m, *after;
	const char *session_dir;
	bool audio_taken = false;

	if (!first) /* an offer without streams: answer with ours */
		return ua_sdp_offer(me, out, cap);
	session_dir = answer_dir(offer, first);
	put_session(&b, me);
	for (m = first; m; m = after) {
		char media[16], port[16], line[256];
		const char *rest, *end;

		copy_line(m, line, sizeof line, &rest);
		/* this stream's lines run to the next m= */
		after = media_from(rest);
		end = after ? after : rest + strlen(rest);
		if (sscanf(line, "m=%15s %15s", media, port) != 2)
			break;
		if (!audio_taken && !strcmp(media, "audio") && strcmp(port, "0")) {
			put_audio(&b, me, m, end, session_dir);
			audio_taken = true;
		} else {
			/* RFC 3264 6: a refused stream keeps its line with port 0 */
			char *p = strchr(line + 2, ' ');
			char *fmt = p ? strchr(p + 1, ' ') : NULL;
			if (fmt)
				put(&b, "m=%s 0%s\r\n", media, fmt);
		}
	}
	return b.full ? -1 : (long)b.len;
}

int ua_sdp_load(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *raw, *sdp;
	size_t n, i, k = 0;

	if (!f)
		return -1;
	raw = malloc(SDP_FILE_MAX + 1);
	if (!raw) {
		fclose(f);
		return -1;
	}
	n = fread(raw, 1, SDP_FILE_MAX + 1, f);
	fclose(f);
	if (n > SDP_FILE_MAX) {
		free(raw);
		errno = EFBIG;
		return -1;
	}
	/* every line end CRLF, and the last line ended */
	sdp = malloc(2 * n + 3);
	if (!sdp) {
		free(raw);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (raw[i] == '\r')
			continue;
		if (raw[i] == '\n')
			sdp[k++] = '\r';
		sdp[k++] = raw[i];
	}
	if (k && sdp[k - 1] != '\n') {
		sdp[k++] = '\r';
		sdp[k++] = '\n';
	}
	sdp[k] = 0;
	free(raw);
	*out = sdp;
	*len = k;
	return 0;
}
