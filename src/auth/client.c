/*
 * client.c - the UAC side of Digest (RFC 3261 22.2-22.3, RFC 7616 3.4,
 * 3.6, RFC 8760 2.4): credentials per realm, one remembered protection
 * space per realm and challenge kind (401 WWW-Authenticate or 407
 * Proxy-Authenticate) with its nonce, nonce count and cnonce, and the
 * refusal memory that keeps a UA from looping on wrong credentials.
 *
 * All storage is allocated at init: max_credentials + max_realms slots
 * with room for max_value_len bytes per value.  Answering a challenge
 * copies the few values it keeps into a slot and allocates nothing.
 */
#include "auth_int.h"

#include <string.h>

/* A value kept in a slot: room for cfg.max_value_len bytes. */
typedef struct kept {
	char *p;
	size_t len;
} kept;

struct esip__auth_cred {
	bool used;
	bool any;      /* for any realm without its own */
	uint32_t gen;  /* changes when replaced: lifts refusals */
	kept realm, user, password;
};

struct esip__auth_space {
	bool used;
	bool proxy;     /* from Proxy-Authenticate (answered in
			 * Proxy-Authorization) */
	bool answered;  /* credentials were sent for this nonce or realm */
	bool refused;   /* the server refused the credentials of generation
			 * refused_gen */
	bool userhash;
	bool has_opaque;
	uint8_t alg;    /* esip_auth_alg chosen */
	uint8_t qop;    /* 0 or one ESIP_AUTH_QOP_* */
	uint32_t refused_gen;
	uint32_t answered_gen; /* generation of the credentials last sent */
	uint32_t nc;    /* requests sent with this nonce */
	uint64_t tick;  /* last use, for replacement */
	char cnonce[33];
	kept realm, nonce, opaque;
};

#define CNONCE_LEN 32 /* hex digits: 128 random bits */

void esip_auth_client_config_init(esip_auth_client_config *cfg)
{
	cfg->max_realms = 8;
	cfg->max_credentials = 8;
	cfg->max_value_len = 256;
	cfg->min_alg = ESIP_AUTH_MD5;
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

int esip_auth_client_init(esip_auth_client *c, const esip_auth_client_config *cfg,
			  const esip_allocator *a)
{
	size_t i, per, slots;
	char *m;

	memset(c, 0, sizeof *c);
	if (cfg)
		c->cfg = *cfg;
	else
		esip_auth_client_config_init(&c->cfg);
	if (!c->cfg.max_realms || !c->cfg.max_credentials || !c->cfg.max_value_len ||
	    c->cfg.max_value_len > SIZE_MAX / 8)
		return ESIP_EINVAL;
	c->alloc = a ? a : esip_allocator_default();
	per = 3 * c->cfg.max_value_len; /* three values per slot of either kind */
	slots = c->cfg.max_credentials + c->cfg.max_realms;
	c->creds = esip_calloc(c->alloc, c->cfg.max_credentials, sizeof *c->creds);
	c->spaces = esip_calloc(c->alloc, c->cfg.max_realms, sizeof *c->spaces);
	c->pool = esip_calloc(c->alloc, slots, per);
	if (!c->creds || !c->spaces || !c->pool) {
		esip_auth_client_deinit(c);
		return ESIP_ENOMEM;
	}
	m = c->pool;
	for (i = 0; i < c->cfg.max_credentials; i++, m += per) {
		c->creds[i].realm.p = m;
		c->creds[i].user.p = m + c->cfg.max_value_len;
		c->creds[i].password.p = m + 2 * c->cfg.max_value_len;
	}
	for (i = 0; i < c->cfg.max_realms; i++, m += per) {
		c->spaces[i].realm.p = m;
		c->spaces[i].nonce.p = m + c->cfg.max_value_len;
		c->spaces[i].opaque.p = m + 2 * c->cfg.max_value_len;
	}
	esip_rand_init(&c->rand);
	return 0;
}

void esip_auth_client_deinit(esip_auth_client *c)
{
	if (c->pool)
		wipe(c->pool, (c->cfg.max_credentials + c->cfg.max_realms) * 3 * c->cfg.max_value_len);
	if (c->alloc) {
		esip_free(c->alloc, c->creds);
		esip_free(c->alloc, c->spaces);
		esip_free(c->alloc, c->pool);
	}
	wipe(&c->rand, sizeof c->rand);
	c->creds = NULL;
	c->spaces = NULL;
	c->pool = NULL;
}

static esip_str kv(kept k) { return esip_str_make(k.p, k.len); }

static void keep(kept *k, esip_str v)
{
	if (v.len)
		memcpy(k->p, v.p, v.len);
	k->len = v.len;
}

/* ---- credentials ---------------------------------------------------- */

int esip_auth_client_add_credentials(esip_auth_client *c, const char *realm, const char *user,
				     const char *password)
{
	esip_str r = esip_str_cstr(realm), u = esip_str_cstr(user), pw = esip_str_cstr(password);
	struct esip__auth_cred *slot = NULL;
	size_t i;

	/* the password is only hashed, never written */
	if (!u.len || esip__auth_unquotable(u) || esip__auth_unquotable(r))
		return ESIP_EINVAL;
	if (r.len > c->cfg.max_value_len || u.len > c->cfg.max_value_len ||
	    pw.len > c->cfg.max_value_len)
		return ESIP_ELIMIT;
	for (i = 0; i < c->cfg.max_credentials; i++) {
		struct esip__auth_cred *k = &c->creds[i];
		if (k->used && k->any == !realm && (!realm || esip_str_eq(kv(k->realm), r))) {
			slot = k; /* replaced */
			break;
		}
		if (!k->used && !slot)
			slot = k;
	}
	if (!slot)
		return ESIP_ELIMIT;
	wipe(slot->password.p, c->cfg.max_value_len);
	slot->used = true;
	slot->any = !realm;
	slot->gen = ++c->gen;
	keep(&slot->realm, r);
	keep(&slot->user, u);
	keep(&slot->password, pw);
	return 0;
}

/* The credentials for a realm (as written in a header, or plain): its
 * own, else the ones for any realm. */
static struct esip__auth_cred *find_cred(esip_auth_client *c, esip_str realm, bool as_written)
{
	struct esip__auth_cred *any = NULL;
	size_t i;

	for (i = 0; i < c->cfg.max_credentials; i++) {
		struct esip__auth_cred *k = &c->creds[i];
		if (!k->used)
			continue;
		if (k->any) {
			any = k;
			continue;
		}
		if (as_written ? esip__auth_unq_eq(realm, kv(k->realm)) : esip_str_eq(realm, kv(k->realm)))
			return k;
	}
	return any;
}

void esip_auth_client_forget(esip_auth_client *c, const char *realm)
{
	size_t i;

	for (i = 0; i < c->cfg.max_realms; i++) {
		struct esip__auth_space *sp = &c->spaces[i];
		if (sp->used && (!realm || esip_str_eq(kv(sp->realm), esip_str_cstr(realm)))) {
			wipe(sp->nonce.p, c->cfg.max_value_len);
			sp->used = false;
		}
	}
}

/* ---- protection spaces ---------------------------------------------- */

static struct esip__auth_space *find_space(esip_auth_client *c, bool proxy, esip_str realm)
{
	size_t i;

	for (i = 0; i < c->cfg.max_realms; i++) {
		struct esip__auth_space *sp = &c->spaces[i];
		if (sp->used && sp->proxy == proxy && esip__auth_unq_eq(realm, kv(sp->realm)))
			return sp;
	}
	return NULL;
}

/* A free slot, else the least recently used one. */
static struct esip__auth_space *take_space(esip_auth_client *c)
{
	struct esip__auth_space *best = &c->spaces[0];
	size_t i;

	for (i = 0; i < c->cfg.max_realms; i++) {
		struct esip__auth_space *sp = &c->spaces[i];
		if (!sp->used)
			return sp;
		if (sp->tick < best->tick)
			best = sp;
	}
	best->used = false;
	return best;
}

/* Copies unq(v) into k; false when too long or not writable back. */
static bool keep_unq(esip_auth_client *c, kept *k, esip_str v)
{
	long n = esip__auth_unq_copy(v, k->p, c->cfg.max_value_len);

	if (n < 0)
		return false;
	k->len = (size_t)n;
	return !esip__auth_unquotable(kv(*k));
}

/* Claims a slot for (proxy, realm as written); NULL when the realm is
 * too long or cannot be written back. */
static struct esip__auth_space *new_space(esip_auth_client *c, bool proxy, esip_str realm)
{
	struct esip__auth_space *sp = take_space(c);
	kept r = sp->realm, n = sp->nonce, o = sp->opaque;

	memset(sp, 0, sizeof *sp);
	sp->realm = r;
	sp->nonce = n;
	sp->opaque = o;
	sp->nonce.len = sp->opaque.len = 0;
	if (!keep_unq(c, &sp->realm, realm))
		return NULL;
	sp->used = true;
	sp->proxy = proxy;
	sp->tick = ++c->tick;
	return sp;
}

/* ---- writing credentials ---------------------------------------------- */

static int new_cnonce(esip_auth_client *c, struct esip__auth_space *sp)
{
	int rc = esip_rand_hex(&c->rand, sp->cnonce, CNONCE_LEN);

	sp->cnonce[rc ? 0 : CNONCE_LEN] = '\0';
	return rc;
}

static void put_param(esip_buf *b, const char *name, esip_str plain)
{
	esip_buf_puts(b, name);
	esip__auth_put_quoted(b, plain);
}

/*
 * One Authorization / Proxy-Authorization line for sp, the next nc of
 * its nonce (RFC 7616 3.4).  Parameters in the order of RFC 7616 3.9.1;
 * quoted as 3.4 requires: username, realm, nonce, uri, response, cnonce,
 * opaque quoted; algorithm, qop, nc not.
 */
static int write_line(esip_auth_client *c, struct esip__auth_space *sp,
		      const struct esip__auth_cred *k, esip_str method, esip_str uri,
		      esip_str body, esip_buf *out)
{
	char resp[ESIP_AUTH_HEX_MAX + 1], uh[ESIP_AUTH_HEX_MAX + 1];
	esip_auth_digest_input in;
	esip_str user = kv(k->user);
	int rc, n;

	if (sp->nc == UINT32_MAX)
		return ESIP_ELIMIT; /* the nonce is used up: a new challenge is due */
	sp->nc++;
	/* a new cnonce per request, except that a -sess key is made from the
	 * first one of the nonce (RFC 7616 3.4.2) */
	if (sp->qop && (!esip_auth_alg_sess((esip_auth_alg)sp->alg) || sp->nc == 1)) {
		rc = new_cnonce(c, sp);
		if (rc)
			return rc;
	}
	memset(&in, 0, sizeof in);
	in.alg = (esip_auth_alg)sp->alg;
	in.username = user;
	in.realm = kv(sp->realm);
	in.password = kv(k->password);
	in.nonce = kv(sp->nonce);
	in.cnonce = esip_str_cstr(sp->cnonce);
	in.nc = sp->nc;
	in.qop = sp->qop;
	in.method = method;
	in.uri = uri;
	in.body = body;
	n = esip_auth_digest_response(&in, resp);
	if (n < 0)
		return n;
	if (sp->userhash) {
		/* RFC 7616 3.4.4: hashed after every other calculation */
		rc = esip_auth_digest_userhash(in.alg, user, in.realm, uh);
		if (rc < 0)
			return rc;
		user = esip_str_make(uh, (size_t)rc);
	}

	esip_buf_puts(out, sp->proxy ? "Proxy-Authorization: Digest " : "Authorization: Digest ");
	put_param(out, "username=", user);
	put_param(out, ", realm=", in.realm);
	put_param(out, ", nonce=", in.nonce);
	put_param(out, ", uri=", uri);
	put_param(out, ", response=", esip_str_make(resp, (size_t)n));
	esip_buf_puts(out, ", algorithm=");
	esip_buf_puts(out, esip_auth_alg_name(in.alg));
	if (sp->qop)
		put_param(out, ", cnonce=", in.cnonce);
	if (sp->has_opaque)
		put_param(out, ", opaque=", kv(sp->opaque));
	if (sp->qop) {
		char nc[9];
		esip__auth_nc_hex(sp->nc, nc);
		esip_buf_puts(out, sp->qop == ESIP_AUTH_QOP_AUTH ? ", qop=auth, nc=" : ", qop=auth-int, nc=");
		esip_buf_put(out, nc, 8);
	}
	if (sp->userhash)
		esip_buf_puts(out, ", userhash=true");
	esip_buf_puts(out, "\r\n");
	sp->answered = true;
	sp->answered_gen = k->gen;
	sp->tick = ++c->tick;
	return 0;
}

/* ---- answering challenges ------------------------------------------- */

/* One challenge kept for answering: the strongest of its space. */
typedef struct cand {
	esip_auth_challenge ch;
	bool proxy;
} cand;

/* Whether req carried credentials for (proxy, realm), and with which
 * nonce (as written). */
static bool request_answered(const esip_msg *req, bool proxy, esip_str realm, esip_str *nonce)
{
	esip_auth a;

	if (!esip__auth_find(req, proxy ? ESIP_HDR_PROXY_AUTHORIZATION : ESIP_HDR_AUTHORIZATION, realm,
			     true, &a))
		return false;
	*nonce = ESIP_STR_NULL;
	esip_auth_param(&a, "nonce", nonce);
	return true;
}

/* Gathers the Digest challenges of one header kind: per protection space
 * the strongest algorithm, the topmost on a tie. */
static void gather(esip_auth_client *c, const esip_msg *resp, bool proxy, cand *cs, size_t *n,
		   esip_auth_report *rep)
{
	const esip_hdr *h;

	for (h = esip_msg_hdr(resp, proxy ? ESIP_HDR_PROXY_AUTHENTICATE : ESIP_HDR_WWW_AUTHENTICATE); h;
	     h = esip_msg_hdr_next(resp, h)) {
		esip_auth_challenge ch;
		int strength;
		size_t i;

		if (esip_auth_challenge_parse(h->value, &ch)) {
			rep->ignored++;
			continue;
		}
		strength = esip_auth_alg_strength((esip_auth_alg)ch.alg);
		if (!strength || strength < esip_auth_alg_strength(c->cfg.min_alg) ||
		    (ch.has_qop && !ch.qop) ||
		    (!ch.has_qop && esip_auth_alg_sess((esip_auth_alg)ch.alg))) {
			rep->ignored++; /* RFC 7616 3.3: not understood, ignored */
			continue;
		}
		for (i = 0; i < *n; i++)
			if (cs[i].proxy == proxy && esip_str_quoted_eq(cs[i].ch.realm, ch.realm, false))
				break;
		if (i < *n) {
			if (strength > esip_auth_alg_strength((esip_auth_alg)cs[i].ch.alg))
				cs[i].ch = ch;
			continue;
		}
		if (*n == ESIP_AUTH_MAX_CHALLENGES) {
			rep->ignored++;
			continue;
		}
		cs[*n].ch = ch;
		cs[*n].proxy = proxy;
		(*n)++;
	}
}

static void note_realm(esip_auth_report *rep, esip_str realm)
{
	if (!rep->realm.p)
		rep->realm = realm;
}

/* Answers one chosen challenge: 0 (answered, or counted in the report
 * as not answerable) or a local error. */
static int answer(esip_auth_client *c, const cand *cd, const esip_msg *req, esip_str method,
		  esip_str uri, esip_str body, esip_buf *out, esip_auth_report *rep)
{
	const esip_auth_challenge *ch = &cd->ch;
	struct esip__auth_cred *k = find_cred(c, ch->realm, true);
	struct esip__auth_space *sp = find_space(c, cd->proxy, ch->realm);
	esip_str used_nonce = ESIP_STR_NULL;
	bool answered, same_nonce;
	int rc;

	if (!k) {
		rep->no_credentials++;
		note_realm(rep, ch->realm);
		return 0;
	}
	if (req)
		answered = request_answered(req, cd->proxy, ch->realm, &used_nonce);
	else if ((answered = sp && sp->answered))
		used_nonce = kv(sp->nonce);
	if (sp && sp->refused) {
		if (sp->refused_gen == k->gen) {
			rep->refused++; /* still the refused credentials */
			note_realm(rep, ch->realm);
			return 0;
		}
		sp->refused = false; /* replaced since: try the new ones */
	}
	/* RFC 7616 3.3 stale: false or absent after these credentials were
	 * sent means they are wrong; true with the very nonce just used
	 * would only loop.  Credentials replaced since the last answer
	 * deserve a try. */
	if (answered && !(sp && sp->answered && sp->answered_gen != k->gen) &&
	    (!ch->stale || (used_nonce.p && (req ? esip_str_quoted_eq(ch->nonce, used_nonce, false)
						 : esip__auth_unq_eq(ch->nonce, used_nonce))))) {
		if (!sp && !(sp = new_space(c, cd->proxy, ch->realm))) {
			rep->ignored++;
			return 0;
		}
		sp->refused = true;
		sp->refused_gen = k->gen;
		rep->refused++;
		note_realm(rep, ch->realm);
		return 0;
	}

	same_nonce = sp && sp->nonce.len && esip__auth_unq_eq(ch->nonce, kv(sp->nonce));
	if (!sp && !(sp = new_space(c, cd->proxy, ch->realm))) {
		rep->ignored++;
		return 0;
	}
	if (!same_nonce) {
		if (!keep_unq(c, &sp->nonce, ch->nonce) || !sp->nonce.len) {
			sp->used = false;
			rep->ignored++;
			return 0;
		}
		sp->nc = 0; /* RFC 7616 3.4 nc: counts per nonce */
		sp->answered = false;
	}
	sp->has_opaque = ch->opaque.p != NULL;
	if (sp->has_opaque && !keep_unq(c, &sp->opaque, ch->opaque)) {
		sp->used = false;
		rep->ignored++;
		return 0;
	}
	/* RFC 8760 2.6 item 8: answer with qop when offered; auth over
	 * auth-int, which breaks when anything on the path rewrites the body */
	sp->qop = ch->qop & ESIP_AUTH_QOP_AUTH ? ESIP_AUTH_QOP_AUTH : ch->qop & ESIP_AUTH_QOP_AUTH_INT;
	sp->alg = ch->alg;
	sp->userhash = ch->userhash;
	rc = write_line(c, sp, k, method, uri, body, out);
	if (rc)
		return rc;
	rep->answered++;
	return 0;
}

int esip_auth_client_respond(esip_auth_client *c, const esip_msg *response,
			     const esip_msg *request, esip_str method, esip_str uri,
			     esip_str body, esip_buf *out, esip_auth_report *report)
{
	cand cs[ESIP_AUTH_MAX_CHALLENGES];
	esip_auth_report local;
	size_t n = 0, i;
	int rc;

	if (!report)
		report = &local;
	memset(report, 0, sizeof *report);
	if (!response || response->kind != ESIP_MSG_RESPONSE ||
	    (response->status != 401 && response->status != 407) || !method.len || !uri.len ||
	    esip__auth_unquotable(uri) || esip__auth_unquotable(method))
		return ESIP_EINVAL;
	/* RFC 3261 22.3: a 401 carries WWW-Authenticate and a 407
	 * Proxy-Authenticate; a forking proxy may merge both into one
	 * response (RFC 8760 2.5), so both kinds are read */
	gather(c, response, false, cs, &n, report);
	gather(c, response, true, cs, &n, report);
	for (i = 0; i < n; i++) {
		rc = answer(c, &cs[i], request, method, uri, body, out, report);
		if (rc)
			return rc;
	}
	if (esip_buf_error(out))
		return esip_buf_error(out);
	if (report->refused)
		return ESIP_EAUTH;
	if (report->answered)
		return 0;
	return report->no_credentials ? ESIP_ENOCRED : ESIP_ENOTSUP;
}

int esip_auth_client_authorize(esip_auth_client *c, unsigned kinds, esip_str method,
			       esip_str uri, esip_str body, esip_buf *out)
{
	int lines = 0, rc;
	size_t i;

	if (!method.len || !uri.len || esip__auth_unquotable(uri) || esip__auth_unquotable(method))
		return ESIP_EINVAL;
	for (i = 0; i < c->cfg.max_realms; i++) {
		struct esip__auth_space *sp = &c->spaces[i];
		struct esip__auth_cred *k;
		if (!sp->used || !sp->nonce.len || !(kinds & (sp->proxy ? ESIP_AUTH_KIND_PROXY : ESIP_AUTH_KIND_WWW)))
			continue;
		k = find_cred(c, kv(sp->realm), false);
		if (!k || (sp->refused && sp->refused_gen == k->gen) || sp->nc == UINT32_MAX)
			continue;
		rc = write_line(c, sp, k, method, uri, body, out);
		if (rc)
			return rc;
		lines++;
	}
	return esip_buf_error(out) ? esip_buf_error(out) : lines;
}
