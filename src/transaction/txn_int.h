/*
 * txn_int.h - internals of the transaction layer, shared by its files:
 *
 *   machines.c  the four machines, expanded from ict/nict/ist/nist.def
 *               (txn_machines.h names them once)
 *   actions.c   the rows' actions: effects only, no I/O
 *   interp.c    the one effect interpreter, timers, destruction
 *   lifeq.c     queues of life timers of one duration (instead of the wheel)
 *   match.c     transaction keys and the matching of 17.1.3 / 17.2.3
 *   client.c    client transactions, the ACK of 17.1.1.3, CANCEL of 9.1
 *   server.c    server transactions, responses, CANCEL of 9.2, 503
 *   conns.c     which transactions use which connection or destination
 *               (17.1.4, 18.2.2, 18.4)
 *   txl.c       the layer object: config, receive path, stats
 */
#ifndef ESIP_TXN_INT_H
#define ESIP_TXN_INT_H

#include <esip/fsm.h>
#include <esip/transaction.h>

#include "invariant.h" /* ESIP_ASSERT, ALWAYS, NEVER (src/core) */

/* ---- events: one vocabulary for the four machines ------------------- */
enum txev {
#define FSM_EVENT(e) TXEV_##e,
#include "txn_events.def"
#undef FSM_EVENT
	TXEV__COUNT
};

/* ---- what the actions ask for (esip_fx.what) -------------------------- */

/* ESIP_FX_SEND */
enum txn_send {
	TXS_REQUEST = 1, /* client: the stored request (first send or retransmit) */
	TXS_ACK,         /* client INVITE: the ACK for the 300-699 at hand (17.1.1.3) */
	TXS_RESPONSE,    /* server: the last response the TU passed */
	TXS_TRYING,      /* server: a 100 Trying built by the layer (17.2.1) */
	TXS_CANCEL       /* client INVITE: the layer's CANCEL on Timer C (ict.def) */
};

/* ESIP_FX_TIMER_START / STOP: RFC 3261 timer names.  A transaction has two
 * embedded timers: the retransmission one (A, E, G, and the 100 Trying
 * delay) and the lifetime one (B, C, D, F, H, I, J, K, L, M); a machine
 * never needs two timers of the same group at once. */
enum txn_timer {
	TM_NONE = 0,
	TM_A, TM_E, TM_G, TM_TRYING,                         /* retransmission */
	TM_B, TM_C, TM_D, TM_F, TM_H, TM_I, TM_J, TM_K, TM_L, TM_M, /* lifetime */
	TM__COUNT,
	TM_ALL = 0xff  /* TIMER_STOP: both */
};
#define TM_IS_RETX(id) ((id) >= TM_A && (id) <= TM_TRYING)
/* The timers that end an absorbing state (esip_txl_config.cleanup_slot_ms). */
#define TM_IS_CLEANUP(id)                                                              \
	((id) == TM_D || (id) == TM_I || (id) == TM_J || (id) == TM_K || (id) == TM_L ||  \
	 (id) == TM_M)

/* at rounded up to a multiple of slot ms (0: at itself). */
static inline uint64_t txn_slot_round(uint64_t at, uint32_t slot)
{
	return slot ? (at + slot - 1) / slot * slot : at;
}

/* ---- machines (machines.c) -------------------------------------------- */
/* The four tables' enums (esip__ict_S_Calling, esip__nist_E_timer_j, ...)
 * and their actions' prototypes (esip__txa_<action>, actions.c), for
 * every file of the layer; machines.c generates the rest. */
#define FSM_GEN_DECLS_ONLY
#include "txn_machines.h"
#undef FSM_GEN_DECLS_ONLY

extern const esip_fsm_machine esip__ict_machine, esip__nict_machine, esip__ist_machine,
	esip__nist_machine;
/* The machine of a transaction kind. */
const esip_fsm_machine *esip__txn_machine(esip_txn_kind kind);
/* All four, for the checker / diagram tool. */
const esip_fsm_machine *const *esip__txn_machines(size_t *n);

/* ---- the objects ---------------------------------------------------------- */

/* Key parts, stored one after the other in esip_txn.kb[] (their lengths
 * in klen[], which are present in kmask). */
enum {
	TK_BRANCH,   /* top Via branch (both sides) */
	TK_METHOD,   /* method of the request that created it */
	TK_HOST,     /* top Via sent-by host: the server's 17.2.3 key, the
		      * client's own sent-by (18.1.2) */
	/* server, RFC 2543 requests only (17.2.3 fallback) */
	TK_RURI,
	TK_FROM_TAG,
	TK_TO_TAG,
	TK_CALL_ID,
	TK_VIA,      /* the whole top Via value, compared by its parts */
	TK__COUNT
};

/* esip_txn.flags */
#define TXF_RELIABLE 0x01u   /* dest.tp is reliable: no retransmissions */
#define TXF_INTERNAL 0x02u   /* the layer's own (a CANCEL's NIST): no reports */
#define TXF_RFC2543 0x04u    /* server: matched by the 17.2.3 fallback */
#define TXF_GOT_1XX 0x08u    /* client: a provisional response arrived */
#define TXF_DEAD 0x10u       /* destroyed; freed when the last call returns */
#define TXF_IN_TABLE 0x40u   /* linked in txl->table */
#define TXF_SERVER 0x80u

/* esip_txn.flags2 */
#define TXF2_CONN_UNLISTED 0x01u /* belongs in a list of conns.c, in none (no memory) */
#define TXF2_IN_WALK 0x02u       /* held in the list of esip_txl_conn_failed's walk */
#define TXF2_LIFE_QUEUED 0x04u   /* t_life is in a txn_lifeq, not in the wheel */
#define TXF2_LIFE_QSHIFT 5       /* ... in txl->lifeq[(flags2 & QMASK) >> QSHIFT] */
#define TXF2_LIFE_QMASK 0x60u
#define TXF2_TRYING_OUT 0x10u    /* server: its last response is the layer's
				  * 100 Trying, built again when needed */

/*
 * What a server transaction keeps when the TU has not sent a final
 * response by the time the request's event returned: a copy of the
 * header fields a response needs (start line, Via, From, To, Call-ID,
 * CSeq, Record-Route, Timestamp) as a small message of its own, and the
 * source address for the Via stamp (18.2.1, RFC 3581).  Freed with the
 * first response other than 100: later ones are built from that one
 * (server.c, build_from_kept).
 */
typedef struct txn_srvctx {
	esip_addr peer;      /* rx->peer of the request */
	uint32_t skel_hdrs;  /* header fields in the skeleton */
	uint32_t skel_len;
	char skel[]; /* a parseable request: the fields above, Content-Length 0 */
} txn_srvctx;

/*
 * One transaction.  Memory follows the state (esip__txn_shed): what a
 * state no longer needs is freed on entering it, so a transaction that
 * only absorbs retransmissions (Timer D, I, J, K, L, M) keeps its key
 * and at most its last message:
 *   - the client's request (req) lives while it may be retransmitted or
 *     a CANCEL or an ACK be built from it: Calling, Trying, Proceeding;
 *   - the server's skeleton (ctx) lives until a response other than 100;
 *   - out holds the last response (server) or the ACK (client); an
 *     INVITE server transaction keeps the To tag of its responses in
 *     front of it (a non-INVITE one has one tagged response, its final).
 */
struct esip_txn {
	/* First, in 72 bytes, what ending (Timer D ... M, txn_free) and
	 * absorbing a retransmission touch: a transaction that sat for 32 s
	 * costs two cold cache lines when it ends (three when malloc placed
	 * it 48 bytes into a line). */
	esip_hnode node;       /* in txl->table */
	esip_timer t_life;     /* B / C / D / F / H / I / J / K / L / M */
	esip_txl *txl;
	char *out;             /* [To tag][last response] or the ACK */
	uint32_t bytes;        /* allocated for it: struct, key, out, req, ctx */
	uint8_t kind;          /* esip_txn_kind */
	uint8_t state;
	uint8_t retx_id, life_id; /* enum txn_timer armed in each slot */
	uint8_t flags;
	uint8_t flags2;        /* TXF2_* */
	uint8_t depth;         /* nested interpreter calls on this transaction */
	uint8_t pending_n;     /* events queued by effects (zero timers, send errors) */
	char *req;             /* client: the whole request (see above) */
	txn_srvctx *ctx;       /* server: see above (NULL while not needed) */
	struct txn_route *route; /* the list of conns.c it is in, NULL if none */
	/* the rest: the machine at work, sending, matching */
	uint32_t out_len;      /* bytes of the last message in out */
	uint32_t out_cap;      /* bytes allocated at out */
	uint32_t tag_len;      /* server: bytes of the To tag at out[0] */
	uint32_t req_len;
	uint32_t retx_ms;      /* the current A / E / G interval */
	uint16_t status;       /* last response status received / sent */
	uint8_t method_id;     /* esip_method of the request */
	uint8_t pending[4];
	void *owner;
	esip_timer t_retx;     /* A / E / G / 100 Trying delay */
	esip_tlink conn_link;  /* in the list of its connection or destination */
	esip_dest dest;        /* where the requests (client) or responses (server) go */
	uint32_t cseq;         /* CSeq number of the request */
	uint16_t sent_by_port; /* top Via sent-by port (0 = absent) */
	uint16_t klen[TK__COUNT]; /* key part lengths (esip__txn_key_size bounds them) */
	uint8_t kmask;         /* bit k: key part k is present */
	char kb[];             /* the key parts, in order */
};

/* A queue of life timers of one duration (lifeq.c). */
typedef struct txn_lifeq {
	esip_tlink head;  /* esip_txn.t_life.link, in expiry order */
	esip_timer timer; /* in the wheel, at the head's expiry */
	esip_txl *txl;
	uint32_t ms;      /* the duration */
	uint32_t slot;    /* expiries rounded up to a multiple of it (0 = exact) */
	bool cleanup;     /* for the ends of absorbing states (TM_IS_CLEANUP) */
	bool firing;      /* inside its expiry */
} txn_lifeq;

/*
 * txl->lifeq[]: the life timers of 64*T1 that are timeouts (B, F, H with
 * their defaults: exact), the ends of absorbing states of T4 (I, K) and
 * of 64*T1 (D, J, L, M), both in cleanup_slot_ms slots.  A queue stays in
 * expiry order either way: the rounding never moves a later start before
 * an earlier one.
 */
enum { LQ_TIMEOUT, LQ_END_T4, LQ_END_64T1, LQ__COUNT };

struct esip_txl {
	esip_txl_config cfg;
	esip_txl_callbacks cb;
	void *ud;
	const esip_allocator *alloc;
	esip_timerwheel *wheel;
	esip_hash_key hkey;
	esip_htab table;       /* every live transaction, by key hash */
	esip_htab routes;      /* connection / destination -> its transactions (conns.c) */
	txn_lifeq lifeq[LQ__COUNT]; /* life timers of one duration (lifeq.c) */
	uint32_t unlisted;     /* transactions that belong in a list but are in none */
	esip_rand *rnd;
	esip_buf scratch;      /* responses, ACKs, skeletons are built here */
	esip_fsm_tracer tracer;
	esip_txl_stats stats;
	/* the request whose ESIP_TXE_REQUEST event is running, so that a
	 * response sent inside it is built straight from it */
	esip_txn *cur_txn;
	const esip_msg *cur_req;
	const esip_rx_info *cur_rx;
	uint32_t live_total;
};

static inline esip_str txn_key(const esip_txn *t, int k)
{
	esip_str s = ESIP_STR_NULL;
	size_t off = 0;
	int i;

	if (t->kmask & (1u << k)) {
		for (i = 0; i < k; i++)
			off += t->klen[i];
		s.p = t->kb + off;
		s.len = t->klen[k];
	}
	return s;
}

/* The last response (server) or the ACK (client). */
static inline const char *txn_out(const esip_txn *t) { return t->out + t->tag_len; }

/* Server: the To tag its responses carry (absent until one is chosen). */
static inline esip_str txn_resp_tag(const esip_txn *t)
{
	esip_str s = {t->out, t->tag_len};
	if (!t->tag_len)
		s.p = NULL;
	return s;
}

static inline bool txn_is_server(const esip_txn *t) { return (t->flags & TXF_SERVER) != 0; }

/* ---- interp.c -------------------------------------------------------------- */
/* Feeds one event into t's machine and applies the effects (re-entrant:
 * an owner callback may feed another event into the same transaction).
 * msg/rx: the message that caused it (NULL for timers and errors). */
void esip__txn_event(esip_txn *t, unsigned ev, const esip_msg *msg, const esip_rx_info *rx,
		     uint64_t now);
/* Allocates a transaction with room for `extra` key bytes (kb[]). */
esip_txn *esip__txn_alloc(esip_txl *txl, esip_txn_kind kind, size_t extra);
/* Bytes allocated for t: the struct with its key, out, req, ctx, as
 * counted from its parts (t->bytes keeps the sum; esip__txl_check). */
size_t esip__txn_bytes(const esip_txn *t);
/* Counts delta bytes more (or fewer) for t, in t->bytes and the stats. */
void esip__txn_account(esip_txn *t, int64_t delta);
/* Frees a transaction that never entered the interpreter (creation errors). */
void esip__txn_discard(esip_txn *t);
/* Keeps t allocated across calls that may destroy it (an owner callback);
 * release frees it if it died meanwhile.  Do not touch t after release. */
void esip__txn_hold(esip_txn *t);
void esip__txn_release(esip_txn *t);
/* Sends bytes to t->dest; a failure queues tp_error.  Returns the result. */
int esip__txn_send(esip_txn *t, const void *bytes, size_t len);
/* Copies bytes into t->out as the last message (growing it; the To tag in
 * front stays).  0 or ESIP_ENOMEM. */
int esip__txn_store_out(esip_txn *t, const void *bytes, size_t len);
/* Server: makes tag the To tag of t's responses (the last message stays).
 * 0 or ESIP_ENOMEM. */
int esip__txn_store_tag(esip_txn *t, esip_str tag);
/* Server: both at once, the response as the last message and tag (absent:
 * the kept one stays) as the To tag.  0 or ESIP_ENOMEM. */
int esip__txn_store_response(esip_txn *t, esip_str tag, const void *bytes, size_t len);
/* Frees what t's state no longer needs (see struct esip_txn). */
void esip__txn_shed(esip_txn *t);
/* Whether t's state still needs its request (client). */
bool esip__txn_needs_req(const esip_txn *t);

/* The machine event of an expired timer (enum txn_timer). */
unsigned esip__txn_timer_event(unsigned tm);

/* ---- lifeq.c ---------------------------------------------------------------- */
/* A queue of timers of ms; cleanup: for the ends of absorbing states,
 * their expiries rounded up to a multiple of slot ms (0 = exact). */
void esip__lifeq_init(txn_lifeq *q, esip_txl *txl, uint32_t ms, bool cleanup, uint32_t slot);
void esip__lifeq_deinit(txn_lifeq *q);
/* Arms t's life timer (not armed) to expire q->ms after now (rounded up
 * to q's slot), at the tail of q; false (nothing done) if that expiry is
 * before the tail's. */
bool esip__lifeq_start(txn_lifeq *q, esip_txn *t, uint64_t now);
/* Disarms t's life timer, which is in q. */
void esip__lifeq_stop(txn_lifeq *q, esip_txn *t);

/* ---- match.c ---------------------------------------------------------------- */
/* The key of request m (17.1.3 / 17.2.3, with the parts of the RFC 2543
 * fallback for a server transaction flagged TXF_RFC2543): its size, and
 * the copy into t's key bytes (which esip__txn_alloc sized so), with the
 * sent-by port, CSeq number and method. */
size_t esip__txn_key_size(const esip_msg *m, bool rfc2543);
void esip__txn_set_key(esip_txn *t, const esip_msg *m);
uint64_t esip__txn_hash_client(const esip_txl *txl, esip_str branch);
uint64_t esip__txn_hash_server(const esip_txl *txl, esip_str branch, esip_str host,
			       uint32_t port);
uint64_t esip__txn_hash_2543(const esip_txl *txl, esip_str call_id, uint32_t cseq,
			     esip_str from_tag);
/* 0, or ESIP_ENOMEM when the table is full and cannot grow. */
int esip__txn_table_insert(esip_txl *txl, esip_txn *t);
/* The same with the hash a lookup for t's key already computed. */
int esip__txn_table_insert_hashed(esip_txl *txl, esip_txn *t, uint64_t hash);
void esip__txn_table_remove(esip_txl *txl, esip_txn *t);
/* 17.1.3: the client transaction a response belongs to, or NULL. */
esip_txn *esip__match_response(esip_txl *txl, const esip_msg *m);
/* 17.2.3: the server transaction of request m.  method_as is the method
 * to match (INVITE for ACK); a CANCEL looking for what it cancels sets
 * any_but_cancel instead.  *hash (may be NULL) receives the key's hash,
 * the one a new server transaction for m is inserted with; *same (may be
 * NULL) how many live transactions share that hashed key. */
esip_txn *esip__match_request(esip_txl *txl, const esip_msg *m, esip_str method_as,
			      bool any_but_cancel, uint64_t *hash, unsigned *same);

/* More server transactions than this on one hashed key (one branch and
 * sent-by with other methods, one RFC 2543 Call-ID/CSeq/From tag with
 * other Request-URIs or Vias) are refused: legitimate traffic has two
 * (an INVITE and its CANCEL), a flood would make every lookup walk them. */
#define TXN_SAME_KEY_MAX 8
/* 17.1.3 for the TU's CANCEL: the client INVITE with this branch. */
esip_txn *esip__match_client_invite(esip_txl *txl, esip_str branch);

/* ---- conns.c ---------------------------------------------------------------- */
typedef struct txn_route txn_route;
/* Puts t in the list of its connection (dest.conn) or, a client over an
 * unreliable transport, of its destination (moving it from an old one);
 * call whenever dest.conn may have changed. */
void esip__txn_conn_attach(esip_txn *t);
void esip__txn_conn_detach(esip_txn *t);
/* Whether t is listed where it belongs (esip__txl_check). */
bool esip__txn_route_ok(const esip_txn *t);

/* ---- txl.c ------------------------------------------------------------------ */
/* The default of esip_txl_config.max_bytes. */
#define TXL_DEFAULT_MAX_BYTES (64ull << 20)
/* Whether a new transaction that starts with `need` bytes is over a
 * limit: 0 no, 1 max_transactions, 2 max_bytes. */
int esip__txl_full(const esip_txl *txl, size_t need);
/* Counts a request refused for esip__txl_full's answer. */
void esip__txl_count_refusal(esip_txl *txl, int full);
/* Walks every live transaction and checks the layer's invariants (each in
 * the table alive, not final, timers consistent with their ids, counts and
 * bytes as the statistics say, each on a connection listed under it, no
 * memory its state does not need).  0 if sound, else a bit mask of what is
 * wrong.  For tests and fuzzers; O(live transactions). */
int esip__txl_check(esip_txl *txl);

/* Parses bytes the layer keeps (a client request, a server skeleton) into
 * m with hdrs[cap].  0 or the parse error. */
int esip__txn_parse_own(const char *p, size_t len, esip_msg *m, esip_hdr *hdrs, size_t cap);

/* ---- client.c / server.c -------------------------------------------------- */
int esip__txn_build_ack(esip_txn *t, const esip_msg *resp);
/* Sends the CANCEL of client INVITE t (9.1) on an internal non-INVITE
 * client transaction of the layer's (over the limits if need be: there is
 * at most one per INVITE).  0 or an error (nothing sent). */
int esip__client_send_cancel(esip_txn *t, uint64_t now);
int esip__server_recv(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t now);
/* Builds and sends the layer's 100 Trying (17.2.1, RFC 4320 4.1), which
 * becomes the last response without being kept (server.c). */
int esip__server_send_trying(esip_txn *t);
/* Builds response spec for req (the request msg) into the scratch buffer
 * and copies it into t->out.  0 or an error. */
int esip__server_build(esip_txn *t, const esip_msg *req, const esip_rx_info *rx,
		       const esip_response_spec *spec, bool keep);

#endif /* ESIP_TXN_INT_H */
