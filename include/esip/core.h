/*
 * esip/core.h - the core layer: string views, error codes, allocator hooks,
 * random tokens, the hash table, the timer wheel and message digests.
 *
 * Nothing in this layer knows SIP.  Everything else in esip is built on it.
 * The header is self-contained (C11, libc only).
 *
 * Conventions used across every esip header:
 *  - A function returning int returns 0 (or a byte count) on success and a
 *    negative esip_err code on failure.
 *  - esip_str is a view: pointer + length into memory owned by someone else.
 *    p == NULL means "absent"; p != NULL with len == 0 means "present but
 *    empty" (e.g. ";tag=" with no value).
 */
#ifndef ESIP_CORE_H
#define ESIP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Error codes                                                          */
/* ------------------------------------------------------------------ */

/*
 * One X-macro list yields the enum, esip_strerror() and esip_errname().
 * X(name, value, message).  Codes from -1 to -99 are our side (bad argument,
 * out of memory, our limits); codes -100 and below are the peer's fault
 * (malformed input, peer exceeded a limit).  esip_err_is_peer() tells them
 * apart so that callers can answer the peer (400) or log a local failure.
 */
#define ESIP_ERRORS(X)                                                        \
	X(OK, 0, "success")                                                   \
	/* our side */                                                        \
	X(ENOMEM, -1, "out of memory")                                        \
	X(EINVAL, -2, "invalid argument")                                     \
	X(ENOSPC, -3, "output buffer too small")                              \
	X(ENOTFOUND, -4, "not found")                                         \
	X(ENEEDMORE, -5, "incomplete input, more data needed")                \
	X(ESTATE, -6, "operation not allowed in the current state")           \
	X(ESYS, -7, "system call failed (see errno)")                         \
	X(ENOTSUP, -8, "not supported")                                       \
	X(ELIMIT, -9, "configured limit reached")                             \
	X(ECLOSED, -10, "closed or shutting down")                            \
	X(ETIMEDOUT, -11, "timed out")                                        \
	X(ERESOLVE, -12, "host name resolution failed")                       \
	X(EEXIST, -13, "already exists")                                      \
	X(ETRANSPORT, -14, "transport error")                                 \
	X(EAUTH, -15, "authentication failed: credentials refused or wrong")  \
	X(ENOCRED, -16, "no credentials for the challenged realm")            \
	X(ESTALE, -17, "nonce stale or unknown: challenge again with stale=true") \
	/* the peer's fault: malformed or oversized input */                  \
	X(EMSG_TOO_BIG, -100, "message exceeds the size limit")               \
	X(ETOO_MANY_HEADERS, -101, "too many header fields")                  \
	X(ELINE_TOO_LONG, -102, "line exceeds the length limit")              \
	X(EBAD_START_LINE, -103, "malformed start line")                      \
	X(EBAD_STATUS, -104, "malformed or out-of-range status code")         \
	X(EBAD_URI, -105, "malformed URI")                                    \
	X(EBAD_HEADER, -106, "malformed header field")                        \
	X(EBAD_VIA, -107, "malformed Via header field")                       \
	X(EBAD_NAMEADDR, -108, "malformed From/To/Contact address")           \
	X(EBAD_CSEQ, -109, "malformed CSeq header field")                     \
	X(EBAD_CALL_ID, -110, "malformed Call-ID header field")               \
	X(EBAD_MAX_FORWARDS, -111, "malformed Max-Forwards header field")     \
	X(EBAD_CONTENT_LENGTH, -112, "malformed or conflicting Content-Length") \
	X(EBODY_TRUNCATED, -113, "body shorter than Content-Length")          \
	X(ENO_CONTENT_LENGTH, -114, "Content-Length missing on a stream")     \
	X(EBAD_VALUE, -115, "malformed header field value")                   \
	X(EBAD_FRAMING, -116, "unrecoverable stream framing error")           \
	X(EBODY_TOO_BIG, -117, "body exceeds the size limit")

typedef enum esip_err {
#define ESIP_ERR_ENUM_(name, value, msg) ESIP_##name = (value),
	ESIP_ERRORS(ESIP_ERR_ENUM_)
#undef ESIP_ERR_ENUM_
} esip_err;

/* Human message for an error code ("unknown error" for unknown codes). */
const char *esip_strerror(int err);
/* The code's name without prefix, e.g. "EBAD_VIA"; "UNKNOWN" if unknown. */
const char *esip_errname(int err);
/* True for codes that blame the peer's input (-100 and below). */
static inline bool esip_err_is_peer(int err) { return err <= -100; }

/* ------------------------------------------------------------------ */
/* String views                                                         */
/* ------------------------------------------------------------------ */

typedef struct esip_str {
	const char *p;
	size_t len;
} esip_str;

/* A view of a string literal (length without the NUL). */
#define ESIP_STR(lit) ((esip_str){"" lit, sizeof(lit) - 1})
#define ESIP_STR_NULL ((esip_str){NULL, 0})
/* printf("%.*s", ESIP_STR_FMT(s)) */
#define ESIP_STR_FMT(s) (int)(s).len, ((s).p ? (s).p : "")

static inline esip_str esip_str_make(const char *p, size_t len)
{
	esip_str s = {p, len};
	return s;
}
/* View of a NUL-terminated C string (NULL gives the absent view). */
esip_str esip_str_cstr(const char *s);
static inline bool esip_str_present(esip_str s) { return s.p != NULL; }
static inline bool esip_str_empty(esip_str s) { return s.len == 0; }

/* Byte-exact equality. Absent equals only absent-or-empty of length 0. */
bool esip_str_eq(esip_str a, esip_str b);
/* ASCII case-insensitive equality (RFC 3261 7.3.1: header names, tokens). */
bool esip_str_ieq(esip_str a, esip_str b);
bool esip_str_ieq_cstr(esip_str a, const char *lit);
bool esip_str_eq_cstr(esip_str a, const char *lit);
/* memcmp-style ordering, shorter-is-smaller on a common prefix. */
int esip_str_cmp(esip_str a, esip_str b);
bool esip_str_iprefix(esip_str s, const char *prefix);

/* Sub-view [off, off+n) clamped to s. */
esip_str esip_str_sub(esip_str s, size_t off, size_t n);
/* Strip SP, HTAB, CR and LF from both ends (linear white space). */
esip_str esip_str_trim(esip_str s);

/*
 * Decimal conversion with overflow detection: digits only (no sign, no
 * white space), at least one digit.  Returns 0 or ESIP_EINVAL (not digits,
 * empty) or ESIP_ELIMIT (value does not fit).  Leading zeros are allowed.
 */
int esip_str_to_u32(esip_str s, uint32_t *out);
int esip_str_to_u64(esip_str s, uint64_t *out);

/*
 * Quoted-string equality: each side may be a quoted-string ("..." with
 * backslash quoted-pairs) or a bare token; both are compared after removing
 * the quotes and unescaping, byte-exact (ci=false) or ASCII case-insensitive
 * (ci=true).  RFC 3261 25.1 quoted-string / quoted-pair.
 */
bool esip_str_quoted_eq(esip_str a, esip_str b, bool ci);

/*
 * Percent-decoding (RFC 3986 2.1, RFC 3261 19.1.2 "escaped").
 * esip_pct_decode writes the decoded bytes of s to out (cap bytes) and
 * returns the decoded length, ESIP_ENOSPC, or ESIP_EBAD_VALUE for a '%' not
 * followed by two hex digits.  %00 decodes to a NUL byte and does not end
 * anything: the result is a length, never a C string (RFC 4475 3.1.1.4).
 */
long esip_pct_decode(esip_str s, char *out, size_t cap);
/* True if s and t are equal after percent-decoding both; ci compares the
 * decoded bytes ASCII case-insensitively.  Bad escapes compare literally. */
bool esip_pct_eq(esip_str s, esip_str t, bool ci);

/* ------------------------------------------------------------------ */
/* Allocator hooks                                                      */
/* ------------------------------------------------------------------ */

/*
 * Every allocation esip makes goes through one of these, owned by the
 * object that allocates (a stack, a transaction layer, a framer...).  A NULL
 * allocator pointer means the libc default.  Tests install a failing
 * allocator to sweep allocation failures.
 */
typedef struct esip_allocator {
	void *(*alloc)(size_t size, void *ud);
	void *(*realloc)(void *ptr, size_t size, void *ud);
	void (*free)(void *ptr, void *ud);
	void *ud;
} esip_allocator;

const esip_allocator *esip_allocator_default(void);
void *esip_malloc(const esip_allocator *a, size_t size);
/* Zeroed; checks nmemb * size for overflow. */
void *esip_calloc(const esip_allocator *a, size_t nmemb, size_t size);
void *esip_realloc(const esip_allocator *a, void *ptr, size_t size);
void esip_free(const esip_allocator *a, void *ptr);

/*
 * The one growth rule of esip's buffers and arrays (output queues, the
 * stream framer, esip_buf): make room for `need` elements of `elem` bytes
 * in the array *pp (the address of the caller's `T *`, any object type)
 * of capacity *cap elements.  Nothing happens when *cap >= need.
 * Otherwise the capacity doubles from *cap (from first_cap when *cap is
 * 0) until it holds need, and is clamped to max_cap, so a buffer bounded
 * by a limit never takes more than the limit.  The array is allocated
 * with esip_malloc when *pp is NULL and esip_realloc otherwise (an
 * allocator's realloc need not take NULL), with a.  Returns 0,
 * ESIP_ELIMIT (need > max_cap), ESIP_ENOMEM (the size overflows or the
 * allocator failed) or ESIP_EINVAL (elem 0); on failure *pp, *cap and the
 * data are unchanged.
 */
int esip_grow(const esip_allocator *a, void *pp, size_t *cap, size_t need, size_t elem,
	      size_t first_cap, size_t max_cap);

/* ------------------------------------------------------------------ */
/* Log levels                                                           */
/* ------------------------------------------------------------------ */

/* The one severity scale of every layer's log callback (the transport's,
 * the UA core's, the stack's): a callback gets messages at or below the
 * configured level. */
typedef enum esip_log_level {
	ESIP_LOG_ERROR = 0, /* a local failure: a socket, memory, a thread */
	ESIP_LOG_WARN,      /* something was dropped or refused */
	ESIP_LOG_INFO,      /* lifecycle: listening, stopping */
	ESIP_LOG_DEBUG,     /* per message: a peer's bad input, a closed connection */
	ESIP_LOG_TRACE      /* per state machine transition */
} esip_log_level;

/* ------------------------------------------------------------------ */
/* Random bytes and tokens                                              */
/* ------------------------------------------------------------------ */

/*
 * Bytes from getrandom(2), buffered per instance so that generating one
 * token does not cost one system call.  Owned by whoever needs it (no
 * process-global state).  esip_rand_init never fails; a failing getrandom
 * makes esip_rand_bytes return ESIP_ESYS.
 */
typedef struct esip_rand {
	unsigned char buf[1024]; /* one getrandom() per ~60 tags */
	size_t pos; /* next unused byte; == sizeof buf when empty */
} esip_rand;

void esip_rand_init(esip_rand *r);
int esip_rand_bytes(esip_rand *r, void *out, size_t n);
/* n random characters from [0-9A-Za-z] (62 symbols, unbiased). */
int esip_rand_alnum(esip_rand *r, char *out, size_t n);
/* n random characters from [0-9a-f] (4 bits each). */
int esip_rand_hex(esip_rand *r, char *out, size_t n);


/* ------------------------------------------------------------------ */
/* Keyed hash and intrusive hash table                                  */
/* ------------------------------------------------------------------ */

/*
 * SipHash-1-3 (Aumasson & Bernstein) with a 128-bit key: a keyed hash, so
 * that a peer who chooses branch parameters and Call-IDs cannot aim them
 * at one bucket (hash flooding).  The key comes from esip_rand.
 */
typedef struct esip_hash_key {
	uint64_t k0, k1;
} esip_hash_key;

uint64_t esip_hash(const esip_hash_key *key, const void *data, size_t len);
int esip_hash_key_init(esip_hash_key *key, esip_rand *r);

/* The same hash over data given in pieces: begin, update..., end gives
 * esip_hash() of the concatenation. */
typedef struct esip_hash_state {
	uint64_t v[4];
	uint64_t total;
	unsigned char tail[8];
	unsigned ntail;
} esip_hash_state;

void esip_hash_begin(esip_hash_state *st, const esip_hash_key *key);
void esip_hash_update(esip_hash_state *st, const void *data, size_t len);
uint64_t esip_hash_end(esip_hash_state *st);

/*
 * Hash table of nodes embedded in their owners (inserting never allocates
 * a node): open addressing with linear probing over (hash, node) slots,
 * so that a lookup compares stored 64-bit hashes and touches a node only
 * when its hash matches, and a removal (backward shift, no tombstones)
 * touches no other node.  The slot array doubles when it is half full, up
 * to max_slots (a bound fixed by whoever owns the table, from its own limit
 * on entries), incrementally (the old array drains into the new one a few
 * slots per operation); a failed growth keeps the old array, which then
 * fills up to 15/16 before an insert fails.  The caller computes the hash and compares
 * its own keys among the nodes with that hash.
 */
typedef struct esip_hnode {
	uint64_t hash; /* set by esip_htab_insert */
} esip_hnode;

typedef struct esip_hslot {
	uint64_t hash;
	esip_hnode *node; /* NULL = empty */
} esip_hslot;

typedef struct esip_htab {
	esip_hslot *slots;
	size_t mask;        /* slots - 1 (a power of two) */
	size_t count;       /* entries in both arrays */
	size_t max_slots;
	const esip_allocator *alloc;
	/* growth is incremental: the previous array is emptied into the new
	 * one a few slots per insert or remove, so no single call rehashes a
	 * large table (a pause the event loop would feel) */
	esip_hslot *old;    /* NULL when no growth is in progress */
	size_t old_mask;
	size_t old_count;
	size_t mig;         /* next old slot to move */
	/* the next array is allocated ahead (at 3/8 load) and zeroed a
	 * little per operation, so that no call zeroes megabytes at once */
	esip_hslot *next;
	size_t next_zeroed; /* slots of next already zero */
} esip_htab;

/* Iteration over the nodes with one hash. */
typedef struct esip_hiter {
	const esip_htab *t;
	const esip_hslot *slots; /* the array being walked */
	size_t mask;
	size_t pos;
	uint64_t hash;
} esip_hiter;

/* initial and max_slots are rounded up to powers of two (at least 8).
 * 0 or ESIP_ENOMEM. */
int esip_htab_init(esip_htab *t, const esip_allocator *a, size_t initial, size_t max_slots);
void esip_htab_deinit(esip_htab *t);
/* 0, or ESIP_ENOMEM when the table is full and cannot grow. */
int esip_htab_insert(esip_htab *t, esip_hnode *n, uint64_t hash);
/* n must be in the table. */
void esip_htab_remove(esip_htab *t, esip_hnode *n);
/* The first node with this hash, then the next ones (NULL at the end).
 * The table must not change during an iteration. */
esip_hnode *esip_htab_first(const esip_htab *t, uint64_t hash, esip_hiter *it);
esip_hnode *esip_htab_next(esip_hiter *it);
/* Calls fn for every node; fn may remove the node it is given (and no
 * other), and must not insert. */
void esip_htab_foreach(esip_htab *t, void (*fn)(esip_hnode *n, void *ud), void *ud);

/* ------------------------------------------------------------------ */
/* Intrusive helpers                                                    */
/* ------------------------------------------------------------------ */

/* The object that embeds member `m` of type T at pointer p. */
#define ESIP_CONTAINER_OF(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

/* ------------------------------------------------------------------ */
/* Timer wheel                                                          */
/* ------------------------------------------------------------------ */

/*
 * A hierarchical timing wheel (Varghese & Lauck) with millisecond
 * resolution.  Time is an argument: the wheel never reads a clock, so the
 * same code runs on the real monotonic clock (the stack) and on a virtual
 * one (tests, simnet, fuzzers).  Timers are embedded in the objects that
 * own them (arming never allocates); start and stop are O(1).
 *
 * Guarantees:
 *  - a timer never fires early: it fires in the first esip_timerwheel_run()
 *    whose `now` is >= its expiry time;
 *  - within one run, timers fire in non-decreasing order of expiry time
 *    (timers with the same expiry time in an unspecified order);
 *  - a callback may start or stop any timer, itself included; a timer
 *    started during a run with an expiry <= now fires in that same run;
 *  - a timer re-armed from its own callback to a time after the run's now
 *    does not fire again in that run; one re-armed at or before it does
 *    (so a callback that always re-arms itself at `now` never returns);
 *  - esip_timerwheel_next_expiry() never returns a time later than the
 *    earliest pending expiry (so a loop that sleeps until it never misses
 *    one) and returns exactly the earliest expiry.
 * Levels, granularity and range are in the table at the top of
 * src/core/timerwheel.c.  Expiry times beyond the range are clamped to
 * the last slot and re-cascaded, so they still fire on time.  A callback
 * must not call esip_timerwheel_run() on its own wheel.  The wheel holds
 * pointers to itself once initialised: do not copy or move it.
 */
typedef struct esip_timer esip_timer;
typedef void (*esip_timer_cb)(esip_timer *t, uint64_t now);

typedef struct esip_tlink {
	struct esip_tlink *next, *prev;
} esip_tlink;

struct esip_timer {
	esip_tlink link;    /* slot list; link.prev == NULL when not armed */
	uint64_t expire;    /* absolute expiry time in ms (valid when armed;
	                     * never below the wheel's time at start) */
	esip_timer_cb cb;   /* the owner finds itself with ESIP_CONTAINER_OF */
};

#define ESIP_TW_BITS 6                      /* 64 slots per level */
#define ESIP_TW_SLOTS (1u << ESIP_TW_BITS)
#define ESIP_TW_LEVELS 6                    /* 2^36 ms, about 795 days */

typedef struct esip_timerwheel {
	uint64_t now;                       /* time of the last run (ms); in a
	                                     * callback, the expiry being fired */
	size_t count;                       /* armed timers */
	/* per level, bit s describes slot s */
	uint64_t occupied[ESIP_TW_LEVELS];  /* non-empty */
	uint64_t unsorted[ESIP_TW_LEVELS];  /* list not known to be in expiry order */
	uint64_t minstale[ESIP_TW_LEVELS];  /* min[][s] is only a lower bound */
	uint64_t min[ESIP_TW_LEVELS][ESIP_TW_SLOTS]; /* earliest expiry in the slot */
	esip_tlink slots[ESIP_TW_LEVELS][ESIP_TW_SLOTS];
} esip_timerwheel;

/* An empty wheel whose current time is now. */
void esip_timerwheel_init(esip_timerwheel *w, uint64_t now);
/* Prepares a timer (not armed); cb (not NULL) is called when it fires. */
void esip_timer_init(esip_timer *t, esip_timer_cb cb);
/* Arms t to fire at absolute time expire (re-arms if already armed).  An
 * expiry before the wheel's current time (w->now) is stored as w->now: it
 * fires at the next run (or in the current one, from a callback). */
void esip_timer_start(esip_timerwheel *w, esip_timer *t, uint64_t expire);
/* Disarms t; a no-op if it is not armed. */
void esip_timer_stop(esip_timerwheel *w, esip_timer *t);
static inline bool esip_timer_active(const esip_timer *t) { return t->link.prev != NULL; }
/* Earliest pending expiry (absolute ms), UINT64_MAX if none is armed.
 * Cheap: a few bitmap tests and one load; a scan of one slot only after
 * the earliest timer of a slot filled out of order was stopped. */
uint64_t esip_timerwheel_next_expiry(const esip_timerwheel *w);
/* Advances the wheel to now (never backwards) and fires every timer that
 * is due, each callback receiving now.  Returns the number fired. */
size_t esip_timerwheel_run(esip_timerwheel *w, uint64_t now);
/* Armed timers. */
static inline size_t esip_timerwheel_count(const esip_timerwheel *w) { return w->count; }

/* ------------------------------------------------------------------ */
/* Message digests: MD5, SHA-256, SHA-512/256, HMAC-SHA-256             */
/* ------------------------------------------------------------------ */

/*
 * MD5 (RFC 1321), SHA-256 and SHA-512/256 (FIPS 180-4 6.2, 6.7) with a
 * streaming interface (init, update..., final) and a one-shot call.  They
 * exist for SIP Digest authentication (RFC 7616, RFC 8760): MD5 only for
 * peers that offer nothing better (RFC 6151).  Contexts are plain values
 * owned by the caller; final wipes the context, which must be initialised
 * again before reuse.  update accepts any split of the input.
 */
#define ESIP_MD5_LEN 16
#define ESIP_SHA256_LEN 32
#define ESIP_SHA512_256_LEN 32
#define ESIP_DIGEST_MAX_LEN 32

typedef struct esip_md5_ctx {
	uint32_t h[4];
	uint64_t len; /* bytes hashed */
	unsigned char buf[64];
} esip_md5_ctx;

typedef struct esip_sha256_ctx {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
} esip_sha256_ctx;

typedef struct esip_sha512_256_ctx {
	uint64_t h[8];
	uint64_t len; /* bytes: inputs up to 2^64 - 1 bytes */
	unsigned char buf[128];
} esip_sha512_256_ctx;

void esip_md5_init(esip_md5_ctx *c);
void esip_md5_update(esip_md5_ctx *c, const void *data, size_t n);
void esip_md5_final(esip_md5_ctx *c, unsigned char out[ESIP_MD5_LEN]);
void esip_md5(const void *data, size_t n, unsigned char out[ESIP_MD5_LEN]);

void esip_sha256_init(esip_sha256_ctx *c);
void esip_sha256_update(esip_sha256_ctx *c, const void *data, size_t n);
void esip_sha256_final(esip_sha256_ctx *c, unsigned char out[ESIP_SHA256_LEN]);
void esip_sha256(const void *data, size_t n, unsigned char out[ESIP_SHA256_LEN]);

void esip_sha512_256_init(esip_sha512_256_ctx *c);
void esip_sha512_256_update(esip_sha512_256_ctx *c, const void *data, size_t n);
void esip_sha512_256_final(esip_sha512_256_ctx *c, unsigned char out[ESIP_SHA512_256_LEN]);
void esip_sha512_256(const void *data, size_t n, unsigned char out[ESIP_SHA512_256_LEN]);

/* One interface over the three, chosen at run time. */
typedef enum esip_digest_alg {
	ESIP_DIGEST_MD5 = 0,
	ESIP_DIGEST_SHA256,
	ESIP_DIGEST_SHA512_256
} esip_digest_alg;

typedef struct esip_digest {
	esip_digest_alg alg;
	union {
		esip_md5_ctx md5;
		esip_sha256_ctx sha256;
		esip_sha512_256_ctx sha512_256;
	} u;
} esip_digest;

/* Output length in bytes (16 or 32); 0 for an unknown alg. */
size_t esip_digest_len(esip_digest_alg alg);
void esip_digest_init(esip_digest *d, esip_digest_alg alg);
void esip_digest_update(esip_digest *d, const void *data, size_t n);
/* Writes the digest, returns its length. */
size_t esip_digest_final(esip_digest *d, unsigned char out[ESIP_DIGEST_MAX_LEN]);
/* Writes it as lowercase hex with a NUL (RFC 7616 3.2), returns the
 * number of hex digits (32 or 64). */
size_t esip_digest_final_hex(esip_digest *d, char out[2 * ESIP_DIGEST_MAX_LEN + 1]);

/* n bytes as 2n lowercase hex digits and a NUL (out has 2n + 1 bytes). */
void esip_hex_encode(const void *data, size_t n, char *out);

/* Equality of n bytes in a time that depends on n only, for comparing
 * secrets and authenticators (a digest response, a nonce tag). */
bool esip_ct_eq(const void *a, const void *b, size_t n);

/* HMAC-SHA-256 (RFC 2104).  An initialised context may be copied and
 * reused for many messages under the same key (the key is hashed once). */
typedef struct esip_hmac_sha256 {
	esip_sha256_ctx inner, outer;
} esip_hmac_sha256;

void esip_hmac_sha256_init(esip_hmac_sha256 *h, const void *key, size_t key_len);
void esip_hmac_sha256_update(esip_hmac_sha256 *h, const void *data, size_t n);
void esip_hmac_sha256_final(esip_hmac_sha256 *h, unsigned char out[ESIP_SHA256_LEN]);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_CORE_H */
