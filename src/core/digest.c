/*
 * digest.c - one interface over the message digests (MD5, SHA-256,
 * SHA-512/256) so that Digest authentication is written once for every
 * algorithm; lowercase hex (RFC 7616 3.2, RFC 8760 2.2); HMAC-SHA-256
 * (RFC 2104) for keyed tags such as stateless nonces; a comparison whose
 * time does not depend on where the inputs differ.
 */
#include <esip/core.h>

#include "md_int.h"

#include <string.h>

void esip__md_update(void *h, esip__md_block_fn fn, unsigned char *buf, size_t bsize,
		     uint64_t *len, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t have = (size_t)(*len % bsize);

	if (!n)
		return; /* data may be NULL */
	*len += n;
	if (have) {
		size_t take = bsize - have < n ? bsize - have : n;
		memcpy(buf + have, p, take);
		p += take;
		n -= take;
		if (have + take < bsize)
			return;
		fn(h, buf);
	}
	for (; n >= bsize; p += bsize, n -= bsize)
		fn(h, p);
	if (n)
		memcpy(buf, p, n);
}

void esip__md_pad(void *h, esip__md_block_fn fn, unsigned char *buf, size_t bsize,
		  uint64_t len, size_t len_bytes, int big_endian)
{
	size_t have = (size_t)(len % bsize), i;
	uint64_t bits = len << 3;

	buf[have++] = 0x80;
	if (have > bsize - len_bytes) {
		memset(buf + have, 0, bsize - have);
		fn(h, buf);
		have = 0;
	}
	memset(buf + have, 0, bsize - have);
	/* the bit length: 8 bytes of len * 8, and for a 16-byte field the
	 * three bits shifted out of a 64-bit byte count above them */
	for (i = 0; i < 8; i++) {
		unsigned char b = (unsigned char)(bits >> (8 * i));
		if (big_endian)
			buf[bsize - 1 - i] = b;
		else
			buf[bsize - len_bytes + i] = b;
	}
	if (len_bytes == 16 && big_endian)
		buf[bsize - 9] = (unsigned char)(len >> 61);
	fn(h, buf);
}

size_t esip_digest_len(esip_digest_alg alg)
{
	switch (alg) {
	case ESIP_DIGEST_MD5:
		return ESIP_MD5_LEN;
	case ESIP_DIGEST_SHA256:
		return ESIP_SHA256_LEN;
	case ESIP_DIGEST_SHA512_256:
		return ESIP_SHA512_256_LEN;
	}
	return 0;
}

void esip_digest_init(esip_digest *d, esip_digest_alg alg)
{
	d->alg = alg;
	switch (alg) {
	case ESIP_DIGEST_MD5:
		esip_md5_init(&d->u.md5);
		break;
	case ESIP_DIGEST_SHA256:
		esip_sha256_init(&d->u.sha256);
		break;
	case ESIP_DIGEST_SHA512_256:
		esip_sha512_256_init(&d->u.sha512_256);
		break;
	}
}

void esip_digest_update(esip_digest *d, const void *data, size_t n)
{
	switch (d->alg) {
	case ESIP_DIGEST_MD5:
		esip_md5_update(&d->u.md5, data, n);
		break;
	case ESIP_DIGEST_SHA256:
		esip_sha256_update(&d->u.sha256, data, n);
		break;
	case ESIP_DIGEST_SHA512_256:
		esip_sha512_256_update(&d->u.sha512_256, data, n);
		break;
	}
}

size_t esip_digest_final(esip_digest *d, unsigned char out[ESIP_DIGEST_MAX_LEN])
{
	esip_digest_alg alg = d->alg;

	switch (alg) {
	case ESIP_DIGEST_MD5:
		esip_md5_final(&d->u.md5, out);
		break;
	case ESIP_DIGEST_SHA256:
		esip_sha256_final(&d->u.sha256, out);
		break;
	case ESIP_DIGEST_SHA512_256:
		esip_sha512_256_final(&d->u.sha512_256, out);
		break;
	}
	return esip_digest_len(alg);
}

size_t esip_digest_final_hex(esip_digest *d, char out[2 * ESIP_DIGEST_MAX_LEN + 1])
{
	unsigned char bin[ESIP_DIGEST_MAX_LEN];
	size_t n = esip_digest_final(d, bin);

	esip_hex_encode(bin, n, out);
	return 2 * n;
}

void esip_hex_encode(const void *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

bool esip_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= (unsigned char)(x[i] ^ y[i]);
	return acc == 0;
}

/* RFC 2104 2: H(K xor opad, H(K xor ipad, text)); keys longer than the
 * block are hashed first. */
void esip_hmac_sha256_init(esip_hmac_sha256 *h, const void *key, size_t key_len)
{
	unsigned char k[64], pad[64];
	size_t i;

	memset(k, 0, sizeof k);
	if (key_len > sizeof k)
		esip_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	esip_sha256_init(&h->inner);
	esip_sha256_update(&h->inner, pad, sizeof pad);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	esip_sha256_init(&h->outer);
	esip_sha256_update(&h->outer, pad, sizeof pad);
	memset(k, 0, sizeof k);
	memset(pad, 0, sizeof pad);
}

void esip_hmac_sha256_update(esip_hmac_sha256 *h, const void *data, size_t n)
{
	esip_sha256_update(&h->inner, data, n);
}

void esip_hmac_sha256_final(esip_hmac_sha256 *h, unsigned char out[ESIP_SHA256_LEN])
{
	unsigned char ih[ESIP_SHA256_LEN];

	esip_sha256_final(&h->inner, ih);
	esip_sha256_update(&h->outer, ih, sizeof ih);
	esip_sha256_final(&h->outer, out);
	memset(ih, 0, sizeof ih);
}
