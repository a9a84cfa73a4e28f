/*
 * md5.c - MD5 (RFC 1321), for HTTP/SIP Digest authentication only
 * (RFC 2617, RFC 7616 "MD5" and "MD5-sess", RFC 8760).  MD5 is broken as a
 * collision-resistant hash (RFC 6151); Digest still needs it for peers
 * that offer nothing else.  Never use it for anything new.
 *
 * Straight from RFC 1321 3.1-3.5: pad to 448 mod 512 bits, append the
 * length in bits as a little-endian 64-bit number, four rounds of sixteen
 * steps per 64-byte block.  The context is the caller's: no global state.
 */
#include <esip/core.h>

#include "md_int.h"

#include <string.h>

static inline uint32_t rol(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static inline uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* RFC 1321 3.4: T[i] = floor(2^32 * abs(sin(i + 1))), per step. */
static const uint32_t T[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Per-round shift amounts (RFC 1321 3.4, the S11..S44 constants). */
static const unsigned char S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static void block(void *state, const unsigned char *p)
{
	uint32_t *h = state;
	uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3];
	unsigned i;

	for (i = 0; i < 16; i++)
		x[i] = le32(p + 4 * i);
	for (i = 0; i < 64; i++) {
		uint32_t f, t;
		unsigned k, r = i / 16;

		switch (r) {
		case 0: /* F(X,Y,Z) = XY v not(X) Z */
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1: /* G(X,Y,Z) = XZ v Y not(Z) */
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) & 15;
			break;
		case 2: /* H(X,Y,Z) = X xor Y xor Z */
			f = b ^ c ^ d;
			k = (3 * i + 5) & 15;
			break;
		default: /* I(X,Y,Z) = Y xor (X v not(Z)) */
			f = c ^ (b | ~d);
			k = (7 * i) & 15;
			break;
		}
		t = d;
		d = c;
		c = b;
		b = b + rol(a + f + T[i] + x[k], S[r][i & 3]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void esip_md5_init(esip_md5_ctx *c)
{
	/* RFC 1321 3.3: words A, B, C, D, low-order bytes first */
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
	c->len = 0;
}

void esip_md5_update(esip_md5_ctx *c, const void *data, size_t n)
{
	esip__md_update(c->h, block, c->buf, sizeof c->buf, &c->len, data, n);
}

void esip_md5_final(esip_md5_ctx *c, unsigned char out[ESIP_MD5_LEN])
{
	unsigned i;

	/* RFC 1321 3.1-3.2: a 1 bit, zeros to 56 mod 64 bytes, the bit
	 * length as two little-endian words */
	esip__md_pad(c->h, block, c->buf, sizeof c->buf, c->len, 8, 0);
	for (i = 0; i < 4; i++)
		put_le32(out + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c); /* no key material left behind */
}

void esip_md5(const void *data, size_t n, unsigned char out[ESIP_MD5_LEN])
{
	esip_md5_ctx c;

	esip_md5_init(&c);
	esip_md5_update(&c, data, n);
	esip_md5_final(&c, out);
}
