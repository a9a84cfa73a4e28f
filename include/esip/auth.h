/*
 * esip/auth.h - SIP Digest authentication (RFC 3261 22, RFC 7616,
 * RFC 8760): challenges and credentials parsed into structs, the response
 * computation for MD5, SHA-256 and SHA-512-256 (and their -sess
 * variants), a client that answers 401/407 responses and remembers one
 * nonce per protection space, and server helpers (stateless nonces,
 * verification, an optional nonce-count replay window).
 *
 * Sans-I/O and pure: no socket, no clock (time is an argument), no thread,
 * no global state.  Objects allocate once, at init, through their
 * allocator; answering a challenge or building one allocates nothing.
 * Builds on esip/core.h (digests, random) and esip/parser.h (the
 * auth-param scanner, messages, esip_buf).
 *
 * Header values are views "as written": a quoted-string keeps its quotes
 * and quoted-pairs, exactly as esip_auth_param_next() returns it.  What
 * RFC 7616 calls unq(X) (quotes removed, quoted-pairs undone) is applied
 * where values are hashed or compared.
 */
#ifndef ESIP_AUTH_H
#define ESIP_AUTH_H

#include <esip/core.h>
#include <esip/parser.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Algorithms (RFC 7616 6.1 registry, RFC 8760 2.7)                     */
/* ------------------------------------------------------------------ */

/* X(id, name, digest, sess) */
#define ESIP_AUTH_ALGS(X)                                                      \
	X(MD5, "MD5", ESIP_DIGEST_MD5, 0)                                      \
	X(MD5_SESS, "MD5-sess", ESIP_DIGEST_MD5, 1)                            \
	X(SHA256, "SHA-256", ESIP_DIGEST_SHA256, 0)                            \
	X(SHA256_SESS, "SHA-256-sess", ESIP_DIGEST_SHA256, 1)                  \
	X(SHA512_256, "SHA-512-256", ESIP_DIGEST_SHA512_256, 0)                \
	X(SHA512_256_SESS, "SHA-512-256-sess", ESIP_DIGEST_SHA512_256, 1)

typedef enum esip_auth_alg {
	ESIP_AUTH_ALG_UNKNOWN = 0, /* a token we do not understand */
#define ESIP_AUTH_ALG_ENUM_(id, name, digest, sess) ESIP_AUTH_##id,
	ESIP_AUTH_ALGS(ESIP_AUTH_ALG_ENUM_)
#undef ESIP_AUTH_ALG_ENUM_
	ESIP_AUTH_ALG__COUNT
} esip_auth_alg;

/* "SHA-256" ...; NULL for UNKNOWN or out of range. */
const char *esip_auth_alg_name(esip_auth_alg alg);
/* Registry name -> id, ASCII case-insensitive ("md5-SESS" is MD5-sess);
 * UNKNOWN for anything else. */
esip_auth_alg esip_auth_alg_lookup(esip_str name);
/* The hash behind an algorithm (MD5 for UNKNOWN). */
esip_digest_alg esip_auth_alg_digest(esip_auth_alg alg);
/* True for the "-sess" variants (RFC 7616 3.4.2). */
bool esip_auth_alg_sess(esip_auth_alg alg);
/* Strength for choosing among challenges: MD5 1 < SHA-256 2 <
 * SHA-512-256 3 (a -sess variant ranks with its hash); UNKNOWN 0. */
int esip_auth_alg_strength(esip_auth_alg alg);

/* Quality of protection (RFC 7616 3.3 qop). */
#define ESIP_AUTH_QOP_AUTH 0x1u
#define ESIP_AUTH_QOP_AUTH_INT 0x2u

/* ------------------------------------------------------------------ */
/* Parsing challenges and credentials                                   */
/* ------------------------------------------------------------------ */

/* One WWW-Authenticate / Proxy-Authenticate value (RFC 7616 3.3). */
typedef struct esip_auth_challenge {
	esip_str realm;     /* as written */
	esip_str nonce;     /* as written */
	esip_str opaque;    /* as written; absent if none */
	esip_str domain;    /* as written; absent if none */
	esip_str algorithm; /* as written; absent means MD5 */
	uint8_t alg;        /* esip_auth_alg; UNKNOWN: not understood, so
			     * the challenge is to be ignored (7616 3.3) */
	uint8_t qop;        /* ESIP_AUTH_QOP_* offered; unknown options ignored */
	bool has_qop;       /* a qop parameter was present (RFC 2069
			     * compatibility applies without one) */
	bool stale;         /* stale=true (case-insensitive) */
	bool userhash;      /* userhash=true */
} esip_auth_challenge;

/*
 * Parses one challenge.  Returns 0; ESIP_ENOTSUP for a scheme other than
 * Digest (a client ignores it, RFC 8760 2.4); ESIP_EBAD_VALUE when the
 * parameter list is malformed, realm or nonce is missing, or a Digest
 * parameter repeats.  An unknown algorithm is not an error (alg UNKNOWN).
 */
int esip_auth_challenge_parse(esip_str value, esip_auth_challenge *c);

/* One Authorization / Proxy-Authorization value (RFC 7616 3.4). */
typedef struct esip_auth_credentials {
	esip_str username;  /* as written (a hash when userhash) */
	esip_str realm;
	esip_str nonce;
	esip_str uri;
	esip_str response;
	esip_str cnonce;    /* absent without qop */
	esip_str opaque;    /* absent if none */
	esip_str algorithm; /* absent means MD5 */
	uint8_t alg;        /* esip_auth_alg (UNKNOWN: not understood) */
	uint8_t qop;        /* 0 (RFC 2069 form) or one ESIP_AUTH_QOP_* */
	bool userhash;
	uint32_t nc;        /* nonce count (with qop) */
} esip_auth_credentials;

/*
 * Parses one credentials value.  Returns 0; ESIP_ENOTSUP for another
 * scheme or for username* (RFC 7616 3.4, not supported); ESIP_EBAD_VALUE
 * when malformed: a missing username, realm, nonce, uri or response, a
 * repeated parameter, a qop other than auth / auth-int, qop without
 * cnonce and nc or either without qop (RFC 7616 3.4), nc not 8 hex
 * digits, a -sess algorithm without qop (RFC 3261 22.4 item 8).
 */
int esip_auth_credentials_parse(esip_str value, esip_auth_credentials *cr);

/* ------------------------------------------------------------------ */
/* The computation (RFC 7616 3.4.1-3.4.4)                               */
/* ------------------------------------------------------------------ */

/*
 * Everything the response depends on.  username, realm, nonce, cnonce
 * and uri are plain bytes, or, with as_written, values as written in a
 * header (a quoted-string is unquoted while hashed).  password is always
 * plain.
 */
typedef struct esip_auth_digest_input {
	esip_auth_alg alg;
	esip_str username; /* the user's name, never its hash */
	esip_str realm;
	esip_str password; /* used when ha1 is empty */
	esip_str ha1;      /* hex H(username ":" realm ":" password) in the
			    * algorithm's hash, instead of the password */
	esip_str nonce;
	esip_str cnonce;   /* with qop, or a -sess algorithm */
	uint32_t nc;       /* with qop */
	unsigned qop;      /* 0: RFC 2069 form KD(HA1, nonce ":" HA2); or
			    * ESIP_AUTH_QOP_AUTH or ESIP_AUTH_QOP_AUTH_INT */
	esip_str method;
	esip_str uri;      /* digest-uri: the Request-URI (RFC 8760 2.6) */
	esip_str body;     /* auth-int: the body; empty hashes "" (8760 2.6 item 7) */
	bool as_written;
} esip_auth_digest_input;

/* Hex digits of an algorithm's hashes: 32 (MD5) or 64. */
#define ESIP_AUTH_HEX_MAX (2 * ESIP_DIGEST_MAX_LEN)

/*
 * The response (lowercase hex, NUL-terminated) into out
 * (ESIP_AUTH_HEX_MAX + 1 bytes).  Returns the number of hex digits, or
 * ESIP_EINVAL: UNKNOWN algorithm, a qop value that is not exactly one
 * option, a -sess algorithm without qop, an ha1 of the wrong length.
 */
int esip_auth_digest_response(const esip_auth_digest_input *in, char *out);
/* H(username ":" realm ":" password) as hex: what a server may store
 * instead of the password (one per hash algorithm; RFC 7616 5.2).
 * Returns the number of hex digits or ESIP_EINVAL. */
int esip_auth_digest_ha1(esip_auth_alg alg, esip_str username, esip_str realm,
			 esip_str password, char *out);
/* RFC 7616 3.4.4: H(username ":" realm) as hex, the hashed username. */
int esip_auth_digest_userhash(esip_auth_alg alg, esip_str username, esip_str realm, char *out);

/* ------------------------------------------------------------------ */
/* Client                                                               */
/* ------------------------------------------------------------------ */

typedef struct esip_auth_client_config {
	size_t max_realms;      /* protection spaces (realm + 401/407) kept,
				 * least recently used replaced; default 8 */
	size_t max_credentials; /* default 8 */
	size_t max_value_len;   /* longest user, password, realm, nonce or
				 * opaque (bytes, unescaped); default 256 */
	esip_auth_alg min_alg;  /* weakest algorithm answered: challenges of
				 * a lower esip_auth_alg_strength are ignored
				 * (RFC 8760 3: refuse an MD5 downgrade by
				 * setting ESIP_AUTH_SHA256); default MD5 */
} esip_auth_client_config;

void esip_auth_client_config_init(esip_auth_client_config *cfg);

struct esip__auth_cred;
struct esip__auth_space;

/* Caller storage; fields are private. */
typedef struct esip_auth_client {
	const esip_allocator *alloc;
	esip_auth_client_config cfg;
	struct esip__auth_cred *creds;
	struct esip__auth_space *spaces;
	char *pool;
	uint64_t tick;  /* recency of the protection spaces */
	uint32_t gen;   /* credential generations */
	esip_rand rand; /* cnonces */
} esip_auth_client;

/* cfg NULL = defaults; a NULL allocator is libc's.  0, ESIP_EINVAL (a
 * zero limit) or ESIP_ENOMEM.  All memory the client will use is
 * allocated here. */
int esip_auth_client_init(esip_auth_client *c, const esip_auth_client_config *cfg,
			  const esip_allocator *a);
/* Frees and wipes (passwords, nonces). */
void esip_auth_client_deinit(esip_auth_client *c);

/*
 * Credentials for realm (exact, case-sensitive match of the unquoted
 * realm; NULL: any realm without its own).  Replaces earlier credentials
 * for the same realm, and lifts a refusal of them (the user typed a new
 * password).  0; ESIP_EINVAL for an empty user, or a user or realm
 * with a control character (CR, LF ...: not in a quoted-string; the
 * password is only hashed);
 * ESIP_ELIMIT when longer than max_value_len or every slot is taken.
 */
int esip_auth_client_add_credentials(esip_auth_client *c, const char *realm, const char *user,
				     const char *password);
/* Drops the remembered nonce and any refusal for realm (NULL: every
 * realm); credentials stay. */
void esip_auth_client_forget(esip_auth_client *c, const char *realm);

/* What esip_auth_client_respond did with the challenges it was given. */
typedef struct esip_auth_report {
	unsigned answered;       /* header lines written */
	unsigned no_credentials; /* realms without credentials */
	unsigned refused;        /* realms whose credentials were refused */
	unsigned ignored;        /* challenges not understood: another scheme,
				  * an unknown or too weak algorithm, only
				  * unknown qop options, malformed, values
				  * over max_value_len or with control
				  * characters, over the challenge limit */
	esip_str realm;          /* the first realm without credentials or
				  * refused, as written (a view into the
				  * response), to prompt the user; else absent */
} esip_auth_report;

/* Challenges looked at in one response (the rest are ignored). */
#define ESIP_AUTH_MAX_CHALLENGES 16

/*
 * Answers a 401 or 407 (RFC 3261 22.2, 22.3): appends to out one
 * "Authorization: ..." or "Proxy-Authorization: ..." line (CRLF-ended)
 * per protection space (realm, and whether it came in WWW-Authenticate
 * or Proxy-Authenticate) that it can answer, for the request to resend
 * with method, uri (its Request-URI) and body.
 *
 *  - Among several challenges of one protection space it takes the
 *    strongest algorithm offered (SHA-512-256 > SHA-256 > MD5; the
 *    topmost on a tie), a local policy RFC 8760 2.4 allows; challenges it
 *    does not understand are ignored (RFC 7616 3.3, RFC 8760 2.4).
 *  - qop: auth when offered, else auth-int (H(body), RFC 8760 2.6 item 7),
 *    none when the challenge has no qop (RFC 2069 form, RFC 3261 22.4).
 *  - nc counts the requests sent with one nonce (RFC 7616 3.4); a new
 *    nonce starts at 00000001.  The cnonce is 32 random hex digits
 *    (esip_rand); with a -sess algorithm it stays for the nonce's life.
 *  - userhash=true in the challenge: the username is sent hashed.
 *  - request is the request that drew this response: its
 *    Authorization / Proxy-Authorization lines tell which realms it
 *    already answered.  A challenge for such a realm without stale=true
 *    means the credentials were refused (RFC 7616 3.3 stale): the realm
 *    is marked refused and not answered again until its credentials are
 *    replaced or forgotten.  stale=true takes the new nonce with the same
 *    credentials and no prompt, unless it repeats the nonce the request
 *    used (a loop).  request NULL: a realm counts as answered once this
 *    client has answered it.
 *
 * Returns 0 when at least one line was written and no realm was refused;
 * ESIP_EAUTH when credentials were refused (the request cannot succeed;
 * out may hold lines for other realms); ESIP_ENOCRED when nothing could
 * be answered for want of credentials; ESIP_ENOTSUP when no challenge was
 * understood; ESIP_EINVAL (not a 401/407 response, method or uri empty
 * or with control characters);
 * ESIP_ESYS (getrandom failed); the buffer's error (ESIP_ENOSPC,
 * ESIP_ENOMEM).  report (may be NULL) tells the details.
 */
int esip_auth_client_respond(esip_auth_client *c, const esip_msg *response,
			     const esip_msg *request, esip_str method, esip_str uri,
			     esip_str body, esip_buf *out, esip_auth_report *report);

#define ESIP_AUTH_KIND_WWW 0x1u   /* spaces challenged by 401 WWW-Authenticate */
#define ESIP_AUTH_KIND_PROXY 0x2u /* spaces challenged by 407 Proxy-Authenticate */

/*
 * Credentials for a new request before any challenge (RFC 7616 3.6: the
 * nonce of the last challenge is reused with the next nc): appends one
 * line per remembered protection space of the given kinds that is not
 * refused and still has credentials.  Send them only towards the server
 * that issued the nonce (e.g. REGISTER refreshes to the registrar).
 * Returns the number of lines written (0 if none), ESIP_EINVAL, ESIP_ESYS
 * or the buffer's error.
 */
int esip_auth_client_authorize(esip_auth_client *c, unsigned kinds, esip_str method,
			       esip_str uri, esip_str body, esip_buf *out);

/* ------------------------------------------------------------------ */
/* Server helpers                                                       */
/* ------------------------------------------------------------------ */

typedef struct esip_auth_server_config {
	/* algorithms offered, most preferred first, one challenge line each
	 * (RFC 8760 2.3); NULL: SHA-256 then MD5 */
	const esip_auth_alg *algs;
	size_t n_algs;            /* at most ESIP_AUTH_ALG__COUNT - 1 */
	unsigned qop;             /* offered; default ESIP_AUTH_QOP_AUTH (RFC 8760
				   * 2.6 item 8: always sent) */
	uint64_t nonce_max_age_ms; /* older nonces are stale; default 300000 */
	size_t replay_slots;      /* nonces whose nc values are tracked to refuse
				   * replays; 0 (default) = no replay check */
	bool userhash;            /* offer userhash=true (RFC 7616 3.4.4) */
	const void *key;          /* nonce key shared by servers that must accept
				   * each other's nonces; NULL: random */
	size_t key_len;
} esip_auth_server_config;

void esip_auth_server_config_init(esip_auth_server_config *cfg);

struct esip__auth_replay_set;

/* Caller storage; fields are private. */
typedef struct esip_auth_server {
	const esip_allocator *alloc;
	esip_auth_alg algs[ESIP_AUTH_ALG__COUNT];
	size_t n_algs;
	unsigned qop;
	uint64_t max_age;
	bool userhash;
	esip_hmac_sha256 mac; /* keyed once */
	esip_rand rand;       /* nonce salts */
	struct esip__auth_replay_set *sets;
	size_t nsets;         /* a power of two, or 0 */
} esip_auth_server;

/* 0, ESIP_EINVAL (an unknown algorithm, none, too many, a qop outside
 * auth/auth-int) or ESIP_ENOMEM (the replay table). */
int esip_auth_server_init(esip_auth_server *s, const esip_auth_server_config *cfg,
			  const esip_allocator *a);
void esip_auth_server_deinit(esip_auth_server *s);

/*
 * Appends the challenge lines for a 401 (proxy false: WWW-Authenticate)
 * or 407 (Proxy-Authenticate), one per offered algorithm, all with one new
 * nonce (RFC 7616 3.9.1 shows the same): realm, nonce, algorithm, qop and,
 * when asked, stale=true and userhash=true.  The nonce is stateless:
 * 16 hex digits of now_ms, 16 of a random salt, 32 of
 * HMAC-SHA-256(key, time | salt | realm) cut to 128 bits, so verification
 * needs no per-nonce state (RFC 7616 3.3 nonce).  realm is plain bytes.
 * 0, ESIP_EINVAL (realm empty or with a control character), ESIP_ESYS
 * or the buffer's error.
 */
int esip_auth_server_challenge(esip_auth_server *s, bool proxy, esip_str realm, bool stale,
			       uint64_t now_ms, esip_buf *out);

/* Finds and parses the credentials for realm (plain bytes, compared with
 * the unquoted realm) in req's Authorization (proxy false) or
 * Proxy-Authorization lines.  0, ESIP_ENOTFOUND, or the parse error of
 * the first line for that realm (ESIP_EBAD_VALUE, ESIP_ENOTSUP). */
int esip_auth_server_find(const esip_msg *req, bool proxy, esip_str realm,
			  esip_auth_credentials *cr);

/* The secret the server holds for the credentials' user. */
typedef struct esip_auth_secret {
	esip_str username; /* plain: needed when cr->userhash (the hash is
			    * checked against it); otherwise ignored */
	esip_str password; /* or: */
	esip_str ha1;      /* esip_auth_digest_ha1() in cr->alg's hash */
} esip_auth_secret;

/*
 * Verifies credentials cr (from req) against secret at time now_ms (the
 * clock of the challenges).  The response is compared in constant time.
 *  0                 the user knows the password and the nonce is good;
 *  ESIP_EAUTH        wrong response, or an algorithm or qop not offered,
 *                    or a userhash not offered or not matching: challenge
 *                    again (and count the failure, RFC 7616 3.4);
 *  ESIP_ESTALE       the response is right but the nonce is not one of
 *                    ours (another format or key), older than
 *                    nonce_max_age_ms, or its nc was seen before (replay
 *                    window): challenge again with stale=true (RFC 2617
 *                    3.2.1 stale: the client knows the password);
 *  ESIP_EINVAL       req is not a request, no password or ha1, or an
 *                    ha1 of the wrong length.
 * The digest-uri is not compared with the Request-URI: RFC 8760 2.6
 * item 6 leaves that to the UAS (compare cr->uri if you need to).
 */
int esip_auth_server_verify(esip_auth_server *s, const esip_msg *req,
			    const esip_auth_credentials *cr, const esip_auth_secret *secret,
			    uint64_t now_ms);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_AUTH_H */
