/*
 * rand.c - random bytes from getrandom(2), buffered per instance.
 *
 * Branches, tags and Call-IDs must be globally unique and unguessable
 * (RFC 3261 8.1.1.7, 19.3).  getrandom() gives kernel CSPRNG output; we
 * fetch 1 KiB at a time so that a 16-character tag costs a few loads, not
 * a system call.
 */
#include <esip/core.h>

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void esip_rand_init(esip_rand *r) { r->pos = sizeof r->buf; }

static int refill(esip_rand *r)
{
	size_t got = 0;

	while (got < sizeof r->buf) {
		ssize_t n = getrandom(r->buf + got, sizeof r->buf - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ESIP_ESYS;
		}
		got += (size_t)n;
	}
	r->pos = 0;
	return 0;
}

int esip_rand_bytes(esip_rand *r, void *out, size_t n)
{
	unsigned char *o = out;

	while (n) {
		size_t take;
		if (r->pos >= sizeof r->buf) {
			int rc = refill(r);
			if (rc)
				return rc;
		}
		take = sizeof r->buf - r->pos;
		if (take > n)
			take = n;
		memcpy(o, r->buf + r->pos, take);
		/* consumed randomness is not left behind in the buffer */
		memset(r->buf + r->pos, 0, take);
		r->pos += take;
		o += take;
		n -= take;
	}
	return 0;
}

/* The next byte of the buffer, consumed (zeroed: used randomness is not
 * left behind). */
static int take_byte(esip_rand *r, unsigned char *b)
{
	if (r->pos >= sizeof r->buf) {
		int rc = refill(r);
		if (rc)
			return rc;
	}
	*b = r->buf[r->pos];
	r->buf[r->pos++] = 0;
	return 0;
}

int esip_rand_alnum(esip_rand *r, char *out, size_t n)
{
	static const char sym[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t i = 0;

	/* straight from the buffer: a tag per response is on the hot path */
	while (i < n) {
		unsigned char b;
		int rc = take_byte(r, &b);
		if (rc)
			return rc;
		/* rejection sampling: 248 = 4 * 62, so b % 62 is unbiased */
		if (b >= 248)
			continue;
		out[i++] = sym[b % 62];
	}
	return 0;
}

int esip_rand_hex(esip_rand *r, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	while (i < n) {
		unsigned char b;
		int rc = take_byte(r, &b);
		if (rc)
			return rc;
		out[i++] = hex[b & 15];
		if (i < n)
			out[i++] = hex[b >> 4];
	}
	return 0;
}
