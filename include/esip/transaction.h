/*
 * esip/transaction.h - the RFC 3261 section 17 transaction layer with the
 * RFC 6026 corrections, as a sans-I/O core.
 *
 * In:  parsed messages with where they came from (esip_txl_recv), the
 *      current time (an argument everywhere), transport errors.
 * Out: bytes to send (the send callback), events for the owner (the event
 *      callback).  Timers are esip_timer entries embedded in each
 *      transaction, in a timer wheel the owner passes in and runs.
 *
 * The owner (the stack's UA core today, the dialog layer later) never sees
 * retransmissions: the layer absorbs them and retransmits by itself.
 * Everything hangs off an esip_txl instance; several run in one process.
 * All functions must be called from one thread (the owner's loop).
 */
#ifndef ESIP_TRANSACTION_H
#define ESIP_TRANSACTION_H

#include <esip/core.h>
#include <esip/fsm.h>
#include <esip/parser.h>
#include <esip/net.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esip_txl esip_txl; /* one transaction layer */
typedef struct esip_txn esip_txn; /* one transaction */

typedef enum esip_txn_kind {
	ESIP_TXN_ICT = 1, /* INVITE client (17.1.1) */
	ESIP_TXN_NICT,    /* non-INVITE client (17.1.2) */
	ESIP_TXN_IST,     /* INVITE server (17.2.1) */
	ESIP_TXN_NIST     /* non-INVITE server (17.2.2) */
} esip_txn_kind;

/* What the layer reports to its owner. */
typedef enum esip_txn_event {
	/* server side */
	ESIP_TXE_REQUEST = 1, /* a new request created a server transaction:
			       * respond with esip_txn_respond().  Until the
			       * owner responds the layer sends a 100 by
			       * itself: after 200 ms to an INVITE (17.2.1),
			       * after the time a client's Timer E takes to
			       * reach T2 (3.5 s by default) to another
			       * request (RFC 4320 4.1) */
	ESIP_TXE_CANCEL,      /* CANCEL matching this INVITE server transaction
			       * (RFC 3261 9.2), in Proceeding; the owner decides
			       * about 487 (it may answer inside the event).  The
			       * layer answers the CANCEL itself, 200 right after
			       * this event, with the To tag of this INVITE's
			       * responses (the one the 487 will carry) */
	ESIP_TXE_ACK_2XX,     /* an ACK for a 2xx: not a transaction (17.2.3,
			       * RFC 6026); txn is NULL - except when the ACK
			       * matched an INVITE server transaction in Accepted
			       * (an RFC 2543 ACK, or a peer reusing the branch):
			       * then txn is that transaction */
	/* client side */
	ESIP_TXE_PROVISIONAL, /* 1xx received */
	ESIP_TXE_SUCCESS,     /* 2xx received (every 2xx retransmission of an
			       * INVITE too, RFC 6026 7.1: the owner ACKs) */
	ESIP_TXE_FAILURE,     /* 3xx-6xx received (the layer sent the ACK for
			       * an INVITE itself, 17.1.1.3) */
	/* both */
	ESIP_TXE_TIMEOUT,     /* Timer B, F, the 64*T1 after a CANCEL (9.1;
			       * client) or H (server, no ACK) */
	ESIP_TXE_TRANSPORT_ERROR, /* 17.1.4 / 17.2.4 */
	ESIP_TXE_TERMINATED,  /* the transaction is gone after this call */
	/* no transaction */
	ESIP_TXE_STRAY_RESPONSE /* a response matching no client transaction
				 * (a 2xx retransmission after Timer M is
				 * the typical case); txn is NULL */
} esip_txn_event;

typedef struct esip_txl_callbacks {
	/* Send bytes to dest.  Return 0, or a negative esip_err: the layer
	 * turns a failure into a transport error for that transaction.  For
	 * a reliable transport the callee may set dest->conn to the
	 * connection it used, so that later messages of the transaction
	 * (retransmissions of responses, the ACK) take the same one and a
	 * failure of that connection reaches the transaction. */
	int (*send)(void *ud, esip_dest *dest, const void *bytes, size_t len);
	/* An event.  msg/rx are the message that caused it (NULL for timers
	 * and errors) and are valid only during the call. */
	void (*event)(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *msg,
		      const esip_rx_info *rx, uint64_t now);
	/* Optional FSM trace: machine name, transaction, from/event/to names. */
	void (*trace)(void *ud, const char *machine, const esip_txn *txn,
		      const char *from, const char *event, const char *to);
} esip_txl_callbacks;

typedef struct esip_txl_config {
	uint32_t t1_ms;      /* RTT estimate, default 500 (RFC 3261 17.1.1.1) */
	uint32_t t2_ms;      /* max non-INVITE / response retransmit, default 4000 */
	uint32_t t4_ms;      /* max message lifetime, default 5000 */
	uint32_t timer_b_ms; /* INVITE client timeout; 0 = 64*T1 */
	uint32_t timer_f_ms; /* non-INVITE client timeout; 0 = 64*T1 */
	uint32_t timer_d_ms; /* unreliable ACK absorb time; 0 = 32000 (17.1.1.2) */
	/* Client INVITE in Proceeding (ict.def), restarted by each
	 * provisional response; 0 = 185000.  When it fires the layer sends
	 * the CANCEL itself (RFC 3261 16.8, 9.1) and the INVITE ends with the
	 * peer's final response (a 487: ESIP_TXE_FAILURE) or, 64*T1 later,
	 * ESIP_TXE_TIMEOUT. */
	uint32_t timer_c_ms;
	uint32_t max_transactions; /* live transactions; 0 = 100000 */
	/* Bytes held by live transactions (their state, keys, kept requests,
	 * skeletons and last responses, as esip_txl_stats.bytes_live counts
	 * them); 0 = 64 MiB.  Checked when a transaction starts: a new one
	 * is refused if the bytes held plus what it starts with (its key and
	 * its request's header fields) would pass the limit.  A transaction
	 * admitted may still store its responses, so the layer holds at most
	 * about twice max_bytes. */
	uint64_t max_bytes;
	uint32_t retry_after_s;    /* in the 503 over either limit; 0 = 5 */
	/* The timers that only end a transaction's absorbing state (D, I,
	 * J, K, L, M) are rounded up to a multiple of this many ms of the
	 * owner's clock, so that those of many transactions expire together
	 * and wake the owner's loop once (esip/stack.h sets 64; 0 = exact).
	 * A transaction then lives up to that much longer, absorbing
	 * retransmissions; no timeout or retransmission moves. */
	uint32_t cleanup_slot_ms;
	const esip_allocator *alloc;
} esip_txl_config;

/* Fills c with the RFC defaults (zero fields of a config given to
 * esip_txl_new also mean "default"). */
void esip_txl_config_init(esip_txl_config *c);

/* Creates a layer.  The wheel is the owner's and must outlive the layer;
 * the layer only starts and stops timers in it (the owner runs it).  The
 * random source seeds the matching hash (flood-resistant keys). */
int esip_txl_new(const esip_txl_config *c, const esip_txl_callbacks *cb, void *ud,
		 esip_timerwheel *wheel, esip_rand *rnd, esip_txl **out);
/* Frees every live transaction (no events) and the layer. */
void esip_txl_free(esip_txl *txl);

/*
 * A received message.  Requests are matched to server transactions
 * (17.2.3, with the RFC 2543 fallback) or create one (ESIP_TXE_REQUEST);
 * retransmissions are absorbed; responses are matched to client
 * transactions (17.1.3).  m must have parsed without error; requests that
 * fail UAS validation are still transactions (the owner answers 400 etc.).
 * A new request over max_transactions or max_bytes is answered 503 with
 * Retry-After (RFC 3261 21.5.4, 20.33) and ESIP_ELIMIT is returned.
 */
int esip_txl_recv(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t now);

/*
 * The transport reports a connection that failed or closed: every client
 * transaction whose messages go over it gets ESIP_TXE_TRANSPORT_ERROR
 * (17.1.4); server transactions send their later responses over a new
 * connection to the source address and sent-by port (18.2.2).  The owner
 * may act on any transaction from inside the events.  Cost: the
 * transactions on that connection.
 */
void esip_txl_conn_failed(esip_txl *txl, uint32_t conn, uint64_t now);

/*
 * Whether any live transaction uses TCP connection conn (sends over it):
 * the transport asks before it closes an idle connection, so that an
 * INVITE that rings for minutes keeps its connection (RFC 3261 18.1.1,
 * 18.2.2).  O(1).  After allocation failures it may say true for an
 * unused connection (never false for a used one).
 */
bool esip_txl_conn_in_use(const esip_txl *txl, uint32_t conn);

/*
 * The transport saw an ICMP error (port or host unreachable) for a
 * datagram it sent to addr over tp (an unreliable transport): every client
 * transaction whose destination is that address and transport gets
 * ESIP_TXE_TRANSPORT_ERROR at once (RFC 3261 18.4, 17.1.4: the UAC core
 * takes it as a 503, 8.1.3.1), in whatever state can take one.  Server
 * transactions keep their state (RFC 6026 8.8).  Cost: the transactions
 * sending there (an index by destination, not a scan); a reliable tp is
 * ignored (see esip_txl_conn_failed).
 */
void esip_txl_dest_unreachable(esip_txl *txl, esip_tp tp, const esip_addr *addr, uint64_t now);

/* ---- client transactions ----------------------------------------- */

/*
 * Starts a client transaction for a request the owner built (bytes are
 * copied; the request's top Via branch is its key).  dest is where it
 * goes (its transport decides the timers, 17.1.1.2).  owner is returned
 * by esip_txn_owner().  ESIP_ELIMIT over max_transactions or max_bytes
 * (counting the request's bytes, which it keeps); ESIP_EINVAL if
 * the bytes are not a request with a branch (or an ACK, which is never a
 * transaction), or are larger than 64 KiB.  If the first send already
 * fails, the owner gets ESIP_TXE_TRANSPORT_ERROR and ESIP_TXE_TERMINATED
 * before this returns ESIP_ETRANSPORT (and *out is NULL).  A CANCEL whose
 * branch is that of a pending client INVITE starts that INVITE's 64*T1
 * guard (9.1).
 */
int esip_txl_request(esip_txl *txl, const void *bytes, size_t len, const esip_dest *dest,
		     void *owner, uint64_t now, esip_txn **out);

/*
 * Appends (to b, which is not reset) the CANCEL for a client INVITE
 * transaction (RFC 3261 9.1: same Request-URI, Call-ID, To, From, CSeq
 * number and top Via, Route headers of the INVITE).  The owner sends it
 * with esip_txl_request() to esip_txn_dest() of the INVITE.  ESIP_ESTATE
 * if no provisional response has arrived yet (9.1: wait) or a final one
 * has, or a CANCEL went out already (the TU's, or the layer's own when
 * Timer C fired: see timer_c_ms); ESIP_EINVAL for a transaction that is
 * not a client INVITE.
 */
int esip_txn_build_cancel(const esip_txn *invite, esip_buf *b);

/* ---- server transactions ------------------------------------------ */

/*
 * Sends a response on a server transaction, built from the request per
 * RFC 3261 8.2.6 with the Via stamp of 18.2.1 / RFC 3581, to the address
 * of 18.2.2.  Callable inside the ESIP_TXE_REQUEST event (no copy of the
 * request is made) or later (the transaction kept what it needs: a
 * skeleton of the request's fields, then its last provisional response).
 * ESIP_ESTATE when the machine cannot take this response now (a second
 * final response, a 1xx after the final one, a 100 after another
 * provisional response); ESIP_EINVAL for a status outside 100-699, a
 * client transaction, or - to a non-INVITE request - a provisional
 * response other than 100 (RFC 4320 4.1) or a 408 (RFC 4320 4.2: a
 * non-INVITE transaction that cannot be answered in time gets no final
 * response at all).  In Accepted (RFC 6026 7.1) the TU's 2xx
 * retransmissions go through here too.  A response with a
 * status above 100 to a request without a To tag gets spec->to_tag, or
 * the transaction's tag (the one its last response carried, any length),
 * or one the layer generates: one tag for every response of the
 * transaction (8.2.6.2), the one an RFC 2543 ACK is matched by (17.2.3).
 */
int esip_txn_respond(esip_txn *txn, const esip_response_spec *spec, uint64_t now);

/*
 * The TU has the ACK for the 2xx it sent on this INVITE server
 * transaction (RFC 6026 7.1: its 2xx retransmissions end there).  The
 * transaction frees its copy of the 2xx and, until Timer L, only absorbs
 * INVITE retransmissions; a 2xx passed to esip_txn_respond() after this
 * gets ESIP_ESTATE.  Nothing happens for another transaction or before
 * a 2xx.  An ACK for a 2xx does not match the INVITE's transaction
 * (17.2.3), so the layer cannot know this by itself.
 */
void esip_txn_confirm(esip_txn *txn);

/* Stateless response to a request that did not become a transaction
 * (e.g. a request that failed to parse but is framed). */
int esip_txl_respond_stateless(esip_txl *txl, const esip_msg *req, const esip_rx_info *rx,
			       const esip_response_spec *spec);

/* ---- transactions --------------------------------------------------- */

esip_txn_kind esip_txn_get_kind(const esip_txn *txn);
void *esip_txn_owner(const esip_txn *txn);
void esip_txn_set_owner(esip_txn *txn, void *owner);
/* The FSM state name ("Proceeding", ...). */
const char *esip_txn_state_name(const esip_txn *txn);
/* Method of the transaction's request ("INVITE", or the token as sent). */
esip_str esip_txn_method(const esip_txn *txn);
/* Where its messages go (a CANCEL must go to the same place, 9.1). */
const esip_dest *esip_txn_dest(const esip_txn *txn);
/* The last response status received (client) or sent (server), 0 if none. */
unsigned esip_txn_status(const esip_txn *txn);

/* ---- statistics ----------------------------------------------------- */

typedef struct esip_txl_stats {
	uint32_t live[5];           /* indexed by esip_txn_kind */
	uint64_t created[5];
	uint64_t retransmissions;   /* requests/responses re-sent by timers */
	uint64_t absorbed;          /* retransmissions received and absorbed */
	uint64_t timeouts;
	uint64_t transport_errors;
	uint64_t over_limit;        /* requests refused over a limit: received
				     * ones answered 503, the owner's
				     * ESIP_ELIMIT (both limits) */
	uint64_t over_bytes;        /* of those, refused over max_bytes */
	uint64_t stray_responses;
	uint64_t dropped;           /* responses discarded per 8.1.3.3 */
	uint64_t sent_by_mismatch;  /* responses to one of our branches with
				     * another top Via sent-by, discarded
				     * (18.1.2) */
	uint64_t ack_2xx;
	uint64_t unhandled_events;  /* FSM events with no row (counted) */
	uint64_t bytes_live;        /* allocated for live transactions */
} esip_txl_stats;

void esip_txl_get_stats(const esip_txl *txl, esip_txl_stats *out);

/* The four machine tables (ICT, NICT, IST, NIST), for the table checker
 * and the diagrams (esip/fsm.h). */
const esip_fsm_machine *const *esip_txl_machines(size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_TRANSACTION_H */
