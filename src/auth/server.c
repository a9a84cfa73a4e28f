/*
 * server.c - the UAS / proxy side of Digest (RFC 3261 22.1-22.3,
 * RFC 7616 3.3, 3.4, 5.4-5.5, RFC 8760 2.3): challenges with stateless
 * nonces, verification, and an optional nonce-count replay window.
 *
 * Nonce (64 hex digits): time (16) | salt (16) | tag (32), where tag is
 * HMAC-SHA-256(key, time | salt | realm) cut to 128 bits.  The server
 * recomputes the tag instead of remembering nonces (RFC 7616 3.3 nonce:
 * "recalculate the hash portion ... and reject the request if it did not
 * match ... or if the timestamp value is not recent enough"), so a flood
 * of unauthenticated requests costs no memory.
 *
 * Replays (RFC 7616 5.5) need memory; the optional window keeps, for
 * replay_slots recently used nonces, the highest nc seen and a 64-bit
 * map of the nc values below it, in sets of four selected by the tag.
 * When a set is full the nonce issued earliest leaves it, and the set
 * remembers that time: a nonce not in its set and issued no later than
 * that may have been evicted, so it is treated as stale (the client gets
 * a fresh nonce) instead of accepting an nc that might be a replay.
 */
#include "auth_int.h"

#include <string.h>

#define NONCE_HEX 64
#define TAG_LEN 16 /* bytes of the HMAC kept */
#define WAYS 4
#define NC_WINDOW 64

struct esip__auth_replay_set {
	uint64_t evicted_upto; /* nonces issued no later than this may be gone */
	struct {
		uint64_t time; /* issue time; 0 = empty (time 0 is stored as 1) */
		uint64_t tag;  /* first 8 bytes of the tag */
		uint64_t seen; /* bit i: nc max_nc - i seen */
		uint32_t max_nc;
	} way[WAYS];
};

void esip_auth_server_config_init(esip_auth_server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->qop = ESIP_AUTH_QOP_AUTH;
	cfg->nonce_max_age_ms = 300000;
}

int esip_auth_server_init(esip_auth_server *s, const esip_auth_server_config *cfg,
			  const esip_allocator *a)
{
	static const esip_auth_alg dflt[] = {ESIP_AUTH_SHA256, ESIP_AUTH_MD5};
	esip_auth_server_config d;
	unsigned char key[32];
	size_t i;

	memset(s, 0, sizeof *s);
	if (!cfg) {
		esip_auth_server_config_init(&d);
		cfg = &d;
	}
	if (!cfg->algs) {
		memcpy(s->algs, dflt, sizeof dflt);
		s->n_algs = sizeof dflt / sizeof dflt[0];
	} else {
		if (!cfg->n_algs || cfg->n_algs >= ESIP_AUTH_ALG__COUNT)
			return ESIP_EINVAL;
		for (i = 0; i < cfg->n_algs; i++) {
			if (!esip_auth_alg_name(cfg->algs[i]))
				return ESIP_EINVAL;
			s->algs[i] = cfg->algs[i];
		}
		s->n_algs = cfg->n_algs;
	}
	if (!cfg->qop || (cfg->qop & ~(ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT)))
		return ESIP_EINVAL;
	s->qop = cfg->qop;
	s->max_age = cfg->nonce_max_age_ms;
	s->userhash = cfg->userhash;
	s->alloc = a ? a : esip_allocator_default();
	esip_rand_init(&s->rand);
	if (cfg->key) {
		esip_hmac_sha256_init(&s->mac, cfg->key, cfg->key_len);
	} else {
		if (esip_rand_bytes(&s->rand, key, sizeof key))
			return ESIP_ESYS;
		esip_hmac_sha256_init(&s->mac, key, sizeof key);
		memset(key, 0, sizeof key);
	}
	if (cfg->replay_slots) {
		size_t want = (cfg->replay_slots + WAYS - 1) / WAYS;
		s->nsets = 1;
		while (s->nsets < want && s->nsets <= SIZE_MAX / 2 / sizeof *s->sets)
			s->nsets *= 2;
		s->sets = esip_calloc(s->alloc, s->nsets, sizeof *s->sets);
		if (!s->sets) {
			s->nsets = 0;
			return ESIP_ENOMEM;
		}
	}
	return 0;
}

void esip_auth_server_deinit(esip_auth_server *s)
{
	if (s->sets)
		esip_free(s->alloc, s->sets);
	memset(s, 0, sizeof *s);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static void hmac_update(void *h, const void *p, size_t n) { esip_hmac_sha256_update(h, p, n); }

/* The tag of (time | salt) for a realm (as written or plain). */
static void nonce_tag(const esip_auth_server *s, const unsigned char ts_salt[16], esip_str realm,
		      bool as_written, unsigned char tag[ESIP_SHA256_LEN])
{
	esip_hmac_sha256 h = s->mac;

	esip_hmac_sha256_update(&h, ts_salt, 16);
	esip__auth_feed_fn(hmac_update, &h, realm, as_written);
	esip_hmac_sha256_final(&h, tag);
}

int esip_auth_server_challenge(esip_auth_server *s, bool proxy, esip_str realm, bool stale,
			       uint64_t now_ms, esip_buf *out)
{
	unsigned char raw[16 + ESIP_SHA256_LEN];
	char nonce[NONCE_HEX + 1];
	size_t i;

	if (!realm.len || esip__auth_unquotable(realm))
		return ESIP_EINVAL;
	put_be64(raw, now_ms);
	if (esip_rand_bytes(&s->rand, raw + 8, 8))
		return ESIP_ESYS;
	nonce_tag(s, raw, realm, false, raw + 16);
	esip_hex_encode(raw, 16 + TAG_LEN, nonce);
	for (i = 0; i < s->n_algs; i++) {
		esip_buf_puts(out, proxy ? "Proxy-Authenticate: Digest realm=" : "WWW-Authenticate: Digest realm=");
		esip__auth_put_quoted(out, realm);
		esip_buf_puts(out, ", nonce=\"");
		esip_buf_put(out, nonce, NONCE_HEX);
		/* RFC 7616 3.3: algorithm and stale unquoted, qop quoted */
		esip_buf_puts(out, "\", algorithm=");
		esip_buf_puts(out, esip_auth_alg_name(s->algs[i]));
		esip_buf_puts(out, s->qop == ESIP_AUTH_QOP_AUTH         ? ", qop=\"auth\""
				   : s->qop == ESIP_AUTH_QOP_AUTH_INT ? ", qop=\"auth-int\""
								      : ", qop=\"auth,auth-int\"");
		if (stale)
			esip_buf_puts(out, ", stale=true");
		if (s->userhash)
			esip_buf_puts(out, ", userhash=true");
		esip_buf_puts(out, "\r\n");
	}
	return esip_buf_error(out);
}

int esip_auth_server_find(const esip_msg *req, bool proxy, esip_str realm,
			  esip_auth_credentials *cr)
{
	esip_auth a;
	const esip_hdr *h = esip__auth_find(req, proxy ? ESIP_HDR_PROXY_AUTHORIZATION : ESIP_HDR_AUTHORIZATION,
					    realm, false, &a);

	return h ? esip_auth_credentials_parse(h->value, cr) : ESIP_ENOTFOUND;
}

/* Lowercase hex of n chars equal in constant time (for the response). */
static bool hex_ct_eq(esip_str got, const char *want, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	if (got.len != n)
		return false;
	for (i = 0; i < n; i++) {
		char c = got.p[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		acc |= (unsigned char)(c ^ want[i]);
	}
	return acc == 0;
}

/* Decodes our nonce (as written): 0 with its bytes, or ESIP_ESTALE when it
 * cannot be one of ours. */
static int nonce_decode(esip_str v, unsigned char raw[16 + TAG_LEN])
{
	bool q;
	size_t i;

	v = esip__auth_unquote(v, &q);
	if (v.len != NONCE_HEX)
		return ESIP_ESTALE;
	for (i = 0; i < NONCE_HEX / 2; i++) {
		int hi = esip__auth_hexval(v.p[2 * i]), lo = esip__auth_hexval(v.p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ESIP_ESTALE;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* RFC 7616 5.5: each nc of a nonce is accepted once.  0 or ESIP_ESTALE. */
static int replay_check(esip_auth_server *s, uint64_t issued, const unsigned char *tagb, uint32_t nc)
{
	struct esip__auth_replay_set *set;
	uint64_t tag = get_be64(tagb);
	uint64_t t = issued ? issued : 1;
	int i, victim = 0;

	set = &s->sets[tag & (s->nsets - 1)];
	for (i = 0; i < WAYS; i++) {
		if (set->way[i].time != t || set->way[i].tag != tag)
			continue;
		if (nc > set->way[i].max_nc) {
			uint32_t shift = nc - set->way[i].max_nc;
			set->way[i].seen = shift >= NC_WINDOW ? 1 : set->way[i].seen << shift | 1;
			set->way[i].max_nc = nc;
			return 0;
		}
		if (set->way[i].max_nc - nc >= NC_WINDOW)
			return ESIP_ESTALE; /* too far behind to tell */
		if (set->way[i].seen & (1ull << (set->way[i].max_nc - nc)))
			return ESIP_ESTALE; /* seen: a replay */
		set->way[i].seen |= 1ull << (set->way[i].max_nc - nc);
		return 0;
	}
	if (t <= set->evicted_upto)
		return ESIP_ESTALE; /* perhaps evicted: its history is gone */
	for (i = 0; i < WAYS; i++) {
		if (!set->way[i].time) {
			victim = i;
			break;
		}
		if (set->way[i].time < set->way[victim].time)
			victim = i;
	}
	if (set->way[victim].time > set->evicted_upto)
		set->evicted_upto = set->way[victim].time;
	set->way[victim].time = t;
	set->way[victim].tag = tag;
	set->way[victim].max_nc = nc;
	set->way[victim].seen = 1;
	return 0;
}

/* H(name ":" unq(realm)) (RFC 7616 3.4.4), or with password
 * H(name ":" unq(realm) ":" password), the HA1 of a hashed username:
 * name and password plain, realm as written.  Returns the hex length. */
static int name_hash(esip_auth_alg alg, esip_str name, esip_str realm, const esip_str *password,
		     char *out)
{
	esip_digest d;

	esip_digest_init(&d, esip_auth_alg_digest(alg));
	esip_digest_update(&d, name.p, name.len);
	esip_digest_update(&d, ":", 1);
	esip__auth_feed(&d, realm, true);
	if (password) {
		esip_digest_update(&d, ":", 1);
		esip_digest_update(&d, password->p, password->len);
	}
	return (int)esip_digest_final_hex(&d, out);
}

int esip_auth_server_verify(esip_auth_server *s, const esip_msg *req,
			    const esip_auth_credentials *cr, const esip_auth_secret *secret,
			    uint64_t now_ms)
{
	char want[ESIP_AUTH_HEX_MAX + 1], h1[ESIP_AUTH_HEX_MAX + 1];
	unsigned char raw[16 + TAG_LEN], tag[ESIP_SHA256_LEN];
	esip_auth_digest_input in;
	uint64_t issued;
	bool offered = false, ok, q;
	size_t i;
	int n;

	if (!req || req->kind != ESIP_MSG_REQUEST || (!secret->password.p && !secret->ha1.len))
		return ESIP_EINVAL;
	/* RFC 8760 3: only what we offered, or MD5 could be forced on us */
	for (i = 0; i < s->n_algs; i++)
		offered |= s->algs[i] == cr->alg;
	if (!offered || (cr->qop && !(cr->qop & s->qop)) || (cr->userhash && !s->userhash))
		return ESIP_EAUTH;

	memset(&in, 0, sizeof in);
	in.as_written = true;
	in.alg = (esip_auth_alg)cr->alg;
	in.username = cr->username;
	in.password = secret->password;
	in.ha1 = secret->ha1;
	if (cr->userhash) {
		/* RFC 7616 3.4.4: the hash H(name ":" realm) stands for the
		 * name, and A1 is made with the name itself */
		n = name_hash(in.alg, secret->username, cr->realm, NULL, h1);
		if (!hex_ct_eq(esip__auth_unquote(cr->username, &q), h1, (size_t)n))
			return ESIP_EAUTH;
		if (!in.ha1.len) {
			n = name_hash(in.alg, secret->username, cr->realm, &secret->password, h1);
			in.ha1 = esip_str_make(h1, (size_t)n);
		}
	}
	in.realm = cr->realm;
	in.nonce = cr->nonce;
	in.cnonce = cr->cnonce;
	in.nc = cr->nc;
	in.qop = cr->qop;
	in.method = req->method;
	in.uri = cr->uri;
	in.body = req->body;
	n = esip_auth_digest_response(&in, want);
	memset(h1, 0, sizeof h1);
	if (n < 0)
		return n;
	ok = hex_ct_eq(esip__auth_unquote(cr->response, &q), want, (size_t)n);
	memset(want, 0, sizeof want);
	if (!ok)
		return ESIP_EAUTH;

	/* the user knows the password; is the nonce ours and fresh? */
	if (nonce_decode(cr->nonce, raw))
		return ESIP_ESTALE;
	nonce_tag(s, raw, cr->realm, true, tag);
	if (!esip_ct_eq(tag, raw + 16, TAG_LEN))
		return ESIP_ESTALE;
	issued = get_be64(raw);
	if (now_ms > issued && now_ms - issued > s->max_age)
		return ESIP_ESTALE;
	if (s->nsets)
		return replay_check(s, issued, raw + 16, cr->qop ? cr->nc : 0);
	return 0;
}
