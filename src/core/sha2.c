/*
 * sha2.c - SHA-256 and SHA-512/256 (FIPS 180-4), for Digest
 * authentication (RFC 7616 "SHA-256" and "SHA-512-256", RFC 8760) and the
 * HMAC that keys stateless nonces.
 *
 * FIPS 180-4 5.1 (padding), 6.2 (SHA-256), 6.4 (SHA-512) and 6.7
 * (SHA-512/t with t = 256: SHA-512's compression function with the
 * initial hash value of 5.3.6.2, truncated to 256 bits).  SHA-512/256 is
 * not SHA-512 cut short: the initial value differs, so the output does.
 * Big-endian words; contexts are the caller's, no global state.
 */
#include <esip/core.h>

#include "md_int.h"

#include <string.h>

static inline uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
static inline uint64_t ror64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static inline uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static inline void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ---- SHA-256 ----------------------------------------------------- */

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes. */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 6.2.2 */
static void block256(void *state, const unsigned char *p)
{
	uint32_t *h = state;
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
			      K256[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void esip_sha256_init(esip_sha256_ctx *c)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
}

void esip_sha256_update(esip_sha256_ctx *c, const void *data, size_t n)
{
	esip__md_update(c->h, block256, c->buf, sizeof c->buf, &c->len, data, n);
}

void esip_sha256_final(esip_sha256_ctx *c, unsigned char out[ESIP_SHA256_LEN])
{
	unsigned i;

	/* FIPS 180-4 5.1.1: a 1 bit, zeros to 448 mod 512 bits, the 64-bit
	 * big-endian length in bits */
	esip__md_pad(c->h, block256, c->buf, sizeof c->buf, c->len, 8, 1);
	for (i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void esip_sha256(const void *data, size_t n, unsigned char out[ESIP_SHA256_LEN])
{
	esip_sha256_ctx c;

	esip_sha256_init(&c);
	esip_sha256_update(&c, data, n);
	esip_sha256_final(&c, out);
}

/* ---- SHA-512/256 -------------------------------------------------- */

/* FIPS 180-4 4.2.3: the first 64 bits of the fractional parts of the
 * cube roots of the first 80 primes. */
static const uint64_t K512[80] = {
	0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
	0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
	0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
	0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
	0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
	0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
	0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
	0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
	0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
	0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
	0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
	0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
	0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
	0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
	0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
	0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
	0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
	0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
	0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
	0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

/* FIPS 180-4 6.4.2 */
static void block512(void *state, const unsigned char *p)
{
	uint64_t *h = state;
	uint64_t w[80], a, b, c, d, e, f, g, hh;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = be64(p + 8 * i);
	for (; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 80; i++) {
		uint64_t t1 = hh + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) + ((e & f) ^ (~e & g)) +
			      K512[i] + w[i];
		uint64_t t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void esip_sha512_256_init(esip_sha512_256_ctx *c)
{
	/* FIPS 180-4 5.3.6.2: the SHA-512/256 initial hash value */
	static const uint64_t iv[8] = {
		0x22312194fc2bf72cull, 0x9f555fa3c84c64c2ull, 0x2393b86b6f53b151ull,
		0x963877195940eabdull, 0x96283ee2a88effe3ull, 0xbe5e1e2553863992ull,
		0x2b0199fc2c85b8aaull, 0x0eb72ddc81c52ca2ull,
	};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
}

void esip_sha512_256_update(esip_sha512_256_ctx *c, const void *data, size_t n)
{
	esip__md_update(c->h, block512, c->buf, sizeof c->buf, &c->len, data, n);
}

void esip_sha512_256_final(esip_sha512_256_ctx *c, unsigned char out[ESIP_SHA512_256_LEN])
{
	unsigned i;

	/* FIPS 180-4 5.1.2: zeros to 896 mod 1024 bits, a 128-bit length */
	esip__md_pad(c->h, block512, c->buf, sizeof c->buf, c->len, 16, 1);
	/* FIPS 180-4 6.7: the leftmost 256 bits */
	for (i = 0; i < 4; i++)
		put_be64(out + 8 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void esip_sha512_256(const void *data, size_t n, unsigned char out[ESIP_SHA512_256_LEN])
{
	esip_sha512_256_ctx c;

	esip_sha512_256_init(&c);
	esip_sha512_256_update(&c, data, n);
	esip_sha512_256_final(&c, out);
}
