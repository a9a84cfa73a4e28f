/*
 * hash.c - SipHash-1-3, the keyed hash of the matching tables.
 *
 * Written from the SipHash paper (Aumasson & Bernstein, 2012): 64-bit
 * state v0..v3 initialised from the key and the constants
 * "somepseudorandomlygeneratedbytes", one SipRound per 8-byte word
 * (c = 1), the length in the top byte of the last word, three final
 * rounds (d = 3).  Little-endian word loads, whatever the host.
 */
#include <esip/core.h>

#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

/* One load (the compiler turns the memcpy into a mov), byte-swapped on a
 * big-endian host: the byte loop it replaces cost 40 instructions a word. */
static inline uint64_t load_le64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

void esip_hash_begin(esip_hash_state *st, const esip_hash_key *key)
{
	st->v[0] = key->k0 ^ 0x736f6d6570736575ull;
	st->v[1] = key->k1 ^ 0x646f72616e646f6dull;
	st->v[2] = key->k0 ^ 0x6c7967656e657261ull;
	st->v[3] = key->k1 ^ 0x7465646279746573ull;
	st->total = 0;
	st->ntail = 0;
}

static inline void compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v); /* c = 1 */
	v[0] ^= m;
}

void esip_hash_update(esip_hash_state *st, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!len)
		return; /* an empty view may have no bytes at all (data NULL) */
	st->total += len;
	if (st->ntail) {
		size_t k = 8 - st->ntail < len ? 8 - st->ntail : len;

		memcpy(st->tail + st->ntail, p, k);
		st->ntail += (unsigned)k;
		p += k;
		len -= k;
		if (st->ntail < 8)
			return;
		compress(st->v, load_le64(st->tail));
		st->ntail = 0;
	}
	for (; len >= 8; p += 8, len -= 8)
		compress(st->v, load_le64(p));
	memcpy(st->tail, p, len);
	st->ntail = (unsigned)len;
}

uint64_t esip_hash_end(esip_hash_state *st)
{
	unsigned char last[8] = {0};
	uint64_t *v = st->v;

	memcpy(last, st->tail, st->ntail);
	compress(v, load_le64(last) | ((st->total & 0xff) << 56));
	v[2] ^= 0xff;
	sipround(v); /* d = 3 */
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t esip_hash(const esip_hash_key *key, const void *data, size_t len)
{
	esip_hash_state st;

	esip_hash_begin(&st, key);
	esip_hash_update(&st, data, len);
	return esip_hash_end(&st);
}

int esip_hash_key_init(esip_hash_key *key, esip_rand *r)
{
	unsigned char b[16];
	int rc = esip_rand_bytes(r, b, sizeof b);

	if (rc)
		return rc;
	key->k0 = load_le64(b);
	key->k1 = load_le64(b + 8);
	return 0;
}
