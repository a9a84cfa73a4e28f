/*
 * esip/dialog.h - the UA core: calls (one unified per-dialog state machine
 * each, src/dialog/dialog.def), the requests a user agent originates and
 * its answers to requests outside dialogs, as a sans-I/O core over the
 * transaction layer (esip/transaction.h).
 *
 * In:  parsed messages with where they came from (esip_ua_recv), the
 *      current time (an argument everywhere), transport events
 *      (esip_ua_conn_failed, esip_ua_dest_unreachable), resolver results
 *      (esip_ua_resolved), the application's decisions (esip_ua_call_*).
 * Out: bytes to send, name lookups to start, "where am I" questions for
 *      Via and Contact, and application events, all through one
 *      esip_ua_callbacks struct.  Timers are embedded in calls and
 *      transactions, in the owner's wheel, which the owner runs.
 *
 * The core never reads a clock, opens a socket or takes a lock: the
 * stack (esip/stack.h) is one adapter over it (sockets, the epoll loop,
 * threads, the deferred callbacks), the tests' simnet another.  All
 * functions of this header but the call reference counting must be
 * called from one thread (the owner's loop); esip_call_ref/unref and the
 * accessors of what never changes (marked "immutable") are safe from any
 * thread.
 *
 * Calls.  An esip_call is one INVITE session as the application sees it:
 * one dialog (RFC 3261 12) and the state machine that is the single truth
 * about it.  States are esip_call_state; every transition is reported
 * (ESIP_UA_CALL_STATE) with the previous state, the new one and the event
 * that caused it.  A call placed with esip_ua_call_make() may see several
 * early dialogs when its INVITE forks (12.1.2, 13.2.2.4): the call tracks
 * each, the first 2xx wins, every other 2xx is acknowledged and ended with
 * BYE, and the application sees one call.
 *
 * Ownership.  Calls are reference counted.  The core holds one reference
 * while the call is live (not in a final state).  esip_ua_call_make()
 * returns a call with one more reference, which the caller owns.  An
 * event carries a call that is valid during the callback; esip_call_ref()
 * keeps it longer.  Whoever holds a reference releases it with
 * esip_call_unref(); the last release frees the call (with the allocator
 * of the esip_ua_config, which must outlive every call handle).  A call
 * that reached a final state (or whose UA was freed) is detached from the
 * core: every operation on it returns ESIP_ESTATE, its accessors still
 * work.
 */
#ifndef ESIP_DIALOG_H
#define ESIP_DIALOG_H

#include <esip/auth.h>
#include <esip/core.h>
#include <esip/net.h>
#include <esip/parser.h>
#include <esip/transaction.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esip_ua esip_ua;
typedef struct esip_call esip_call;
typedef struct esip_reg esip_reg;

/* A registration's states (src/dialog/reg.def, in its order). */
typedef enum esip_reg_state {
	ESIP_REG_IDLE = 0,
	ESIP_REG_REGISTERING,   /* REGISTER sent, no answer yet */
	ESIP_REG_REGISTERED,    /* bound; refreshed before it expires */
	ESIP_REG_REFRESHING,    /* a refresh is under way (still bound) */
	ESIP_REG_FAILED,        /* the last attempt failed; tried again later */
	ESIP_REG_UNREGISTERING, /* REGISTER with Expires: 0 sent */
	ESIP_REG_UNREGISTERED,  /* final */
	ESIP_REG__STATE_COUNT
} esip_reg_state;

/* "registered", ... */
const char *esip_reg_state_name(esip_reg_state st);

/* ---- call states (the states of src/dialog/dialog.def, in its order) --- */

typedef enum esip_call_state {
	ESIP_CALL_IDLE = 0,      /* created, nothing sent or received yet */
	ESIP_CALL_CALLING,       /* outgoing: INVITE sent */
	ESIP_CALL_PROCEEDING,    /* outgoing: a provisional response other than 180 */
	ESIP_CALL_RINGING,       /* outgoing: 180 Ringing received */
	ESIP_CALL_ESTABLISHED,   /* 2xx sent or received: the dialog is confirmed
				  * (a UAS stops retransmitting the 2xx on ACK) */
	ESIP_CALL_TERMINATING,   /* BYE or CANCEL sent, waiting for its outcome */
	ESIP_CALL_TERMINATED,    /* final: ended normally (BYE, CANCEL) */
	ESIP_CALL_FAILED,        /* final: never established (rejected, timeout,
				  * transport error) */
	ESIP_CALL_INCOMING,      /* incoming: INVITE received, not answered */
	ESIP_CALL_ALERTING,      /* incoming: 180/183 sent */
	ESIP_CALL_REFERRING,     /* REFER sent in the dialog (RFC 3515) */
	ESIP_CALL_REFERRED,      /* REFER received, being decided */
	ESIP_CALL_REFER_PENDING, /* REFER accepted (202), the referred call runs */
	ESIP_CALL_REPLACING,     /* outgoing call with Replaces (RFC 3891) */
	ESIP_CALL_REPLACED,      /* final: replaced by another call (RFC 3891) */
	ESIP_CALL__STATE_COUNT
} esip_call_state;

/* "idle", "calling", ... (the names of dialog.def); "?" out of range. */
const char *esip_call_state_name(esip_call_state st);
/* True for TERMINATED, FAILED and REPLACED. */
bool esip_call_state_is_final(esip_call_state st);

typedef enum esip_call_dir {
	ESIP_CALL_OUTGOING = 1, /* we sent the INVITE (UAC) */
	ESIP_CALL_INCOMING_DIR  /* we received it (UAS) */
} esip_call_dir;

/* ---- configuration ------------------------------------------------------ */

/* What the UA does with a request it may take or refuse by itself. */
typedef enum esip_policy {
	ESIP_POLICY_ACCEPT = 0,
	ESIP_POLICY_REJECT,
	ESIP_POLICY_ASK       /* the application decides (an event) */
} esip_policy;

/* A user's credentials for Digest authentication (RFC 3261 22, RFC 7616). */
typedef struct esip_credentials {
	const char *realm;          /* NULL = any realm */
	const char *user;
	const char *password;
} esip_credentials;

typedef struct esip_ua_config {
	esip_txl_config txl;        /* timers (T1, T2, T4, B, F ...) and transaction
				     * limits; zero fields take their defaults */
	const char *user;           /* user part of our From and Contact; NULL = "esip" */
	const char *display_name;   /* of our From; NULL = none */
	const char *domain;         /* host of our From (address-of-record); NULL =
				     * the address we send from */
	const char *user_agent;     /* User-Agent and Server; NULL = "esip/<version>" */
	const char *public_addr;    /* "host[:port]" for Via and Contact; NULL = the
				     * address the owner's local() callback gives */
	esip_tp default_tp;         /* for URIs without ;transport= (NONE = UDP) */
	uint32_t max_dialogs;       /* live calls; 0 = 100000; over it a new INVITE
				     * gets 503 with Retry-After, esip_ua_call_make
				     * ESIP_ELIMIT */
	uint32_t retry_after_s;     /* in those 503s; 0 = 5 */
	uint32_t incoming_timeout_ms; /* an incoming call neither accepted nor
				     * rejected by then gets 480; 0 = 180000 */
	uint32_t no_answer_ms;      /* an outgoing call without a final response by
				     * then is cancelled; 0 = never (the INVITE
				     * transaction's Timer C still bounds it) */
	/* REFER (RFC 3515): what to do with one that arrives in a call
	 * (ASK: the ESIP_UA_CALL_REFER event, answered with
	 * esip_ua_call_refer_accept / _reject); the subscription's expiry */
	esip_policy refer_policy;    /* default ACCEPT */
	uint32_t refer_expires_ms;   /* 0 = 180000 */
	/* Replaces (RFC 3891): ACCEPT matches and replaces dialogs; REJECT
	 * treats Replaces as unsupported (420 when required, else an
	 * ordinary new call) */
	esip_policy replaces_policy; /* default ACCEPT */
	/* Digest (RFC 3261 22.2, 22.3; RFC 7616, RFC 8760): a 401 or 407 to
	 * any request (INVITE, REGISTER, BYE, REFER ...) is answered with
	 * these, the request sent again with a new branch and CSeq (the
	 * strongest algorithm offered; stale nonces without asking; never
	 * twice with credentials already refused); copied */
	const esip_credentials *credentials;
	size_t n_credentials;
	/* An outbound proxy (RFC 3261 8.1.2: a pre-loaded route), e.g.
	 * "sip:proxy.example.com;lr": every request outside a dialog goes
	 * through it; NULL = none */
	const char *outbound_proxy;
	const esip_hdr_kv *custom_headers; /* added verbatim to every request the
				     * UA originates (copied) */
	size_t n_custom_headers;
	uint32_t registrar_max_bindings; /* > 0: answer REGISTER as a registrar
				     * (esip_ua_registrar_lookup); 0 = 405 */
	uint32_t registrar_min_expires;  /* 0 = 60 */
	const esip_allocator *alloc; /* NULL = libc; must outlive every call handle */
} esip_ua_config;

/* Fills c with the defaults (zero fields of a config also mean default). */
void esip_ua_config_init(esip_ua_config *c);

/* ---- what the core asks of its owner -------------------------------------- */

/* Our address for a message to dst over tp: the sent-by of Via and the
 * host:port of Contact (RFC 3261 18.1.1, 20.42), and the listener a UDP
 * datagram leaves from (0 = any). */
typedef struct esip_ua_local {
	char host[256];     /* numeric IPv4/IPv6 (no brackets) or a name */
	uint16_t port;
	uint32_t listener;
} esip_ua_local;

/* ---- events for the application ------------------------------------------- */

typedef enum esip_ua_event_kind {
	/* a new incoming call (INVITE outside a dialog), in state INCOMING: the
	 * application rings, accepts or rejects it (esip_ua_call_*) now or
	 * later; unanswered it gets 480 after incoming_timeout_ms */
	ESIP_UA_INCOMING_CALL = 1,
	/* a call changed state: prev -> state, because of `event` (the
	 * dialog.def event name); status/reason: the response that caused it
	 * (received, or sent by this change), or the failure's status (408
	 * timeout, 503 transport), 0 if none.  An incoming call's
	 * INCOMING_CALL comes before its first CALL_STATE */
	ESIP_UA_CALL_STATE,
	/* a request inside a call's dialog that does not change its state
	 * (re-INVITE, UPDATE, INFO, MESSAGE, OPTIONS ...): method, the status
	 * the core answered with; msg is the request.  Also the ACK that
	 * confirms our 2xx (13.3.1.4: the dialog is confirmed), status 0 */
	ESIP_UA_CALL_REQUEST,
	/* the outcome of a request the application started with
	 * esip_ua_send_request(): status (408 on a timeout, 503 on a transport
	 * or resolution failure, RFC 3261 8.1.3.1) and reason */
	ESIP_UA_RESPONSE,
	/* refer_policy ASK: a REFER arrived in the call (state REFERRED);
	 * refer_to / referred_by / replaces say what it asks; answer with
	 * esip_ua_call_refer_accept or _reject (unanswered: 603 after the
	 * refer expiry) */
	ESIP_UA_CALL_REFER,
	/* a REFER we sent: a NOTIFY's progress (status: the sipfrag's, e.g.
	 * 100, 180, 200, 486) or, with final set, the outcome (ok: the
	 * referred call succeeded; status 202 with ok when the peer accepted
	 * Refer-Sub: false and no NOTIFY comes; 408 on the expiry) */
	ESIP_UA_REFER_STATUS,
	/* a registration changed state: reg, reg_state, status (the response
	 * that caused it: 200, 401, 408 ...), expires (the granted expiry in
	 * seconds when registered) */
	ESIP_UA_REG_STATE
} esip_ua_event_kind;

typedef void (*esip_ua_response_fn)(void *ud, int status, const char *reason);

typedef struct esip_ua_event {
	esip_ua_event_kind kind;
	esip_call *call;           /* calls: valid during the callback */
	esip_call_state prev, state;
	const char *event;         /* CALL_STATE: the dialog.def event name */
	int status;                /* see the kinds above; 0 = none */
	esip_str reason;           /* reason phrase (may be empty) */
	esip_str method;           /* CALL_REQUEST */
	const esip_msg *msg;       /* the message that caused it, if any; valid
				    * during the callback only */
	esip_ua_response_fn fn;    /* RESPONSE: the application's callback */
	void *fn_ud;
	esip_call *other;          /* CALL_STATE: the call this one replaces or is
				    * replaced by (RFC 3891), NULL if none.
				    * INCOMING_CALL: the live call of this UA the
				    * INVITE's Target-Dialog names (RFC 4538: the
				    * caller knows that dialog, grounds to accept
				    * it), NULL if none.  Valid during the callback
				    * (take a reference to keep it) */
	esip_str refer_to;         /* CALL_REFER: the Refer-To value */
	esip_str referred_by;      /* CALL_REFER: the Referred-By value (may be absent) */
	bool replaces;             /* CALL_REFER: the Refer-To URI carries Replaces */
	bool final, ok;            /* REFER_STATUS */
	esip_reg *reg;             /* REG_STATE */
	esip_reg_state reg_state;
	uint32_t expires;
} esip_ua_event;

typedef struct esip_ua_callbacks {
	/* Send bytes to dest (as esip_txl_callbacks.send: the callee may set
	 * dest->conn).  0 or a negative esip_err.  Required. */
	int (*send)(void *ud, esip_dest *dest, const void *bytes, size_t len);
	/* Fill *out with our address towards dst over tp.  0, or an esip_err
	 * (ESIP_ENOTFOUND: no listener of that transport and family).
	 * Required. */
	int (*local)(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out);
	/* RFC 3261 18.1.1: the transport a request of len bytes meant for tp
	 * really takes (UDP becomes TCP over 1300 bytes when TCP is there).
	 * Optional (NULL: tp unchanged). */
	esip_tp (*request_tp)(void *ud, esip_tp tp, size_t len);
	/* Start resolving host (a name) for port and tp; the result comes
	 * later through esip_ua_resolved(*id, ...).  0 or an esip_err.
	 * Optional: without it only numeric hosts can be reached. */
	int (*resolve)(void *ud, const char *host, uint16_t port, esip_tp tp, uint64_t *id);
	/* Forget a lookup: its result must not be delivered.  Optional. */
	void (*resolve_cancel)(void *ud, uint64_t id);
	/* An application event (above).  Required. */
	void (*event)(void *ud, const esip_ua_event *ev);
	/* Diagnostics (level, a NUL-terminated line).  Optional. */
	void (*log)(void *ud, esip_log_level level, const char *msg);
	/* Every state machine transition of calls, requests and transactions
	 * (to NULL: an unhandled event).  Optional. */
	void (*trace)(void *ud, const char *machine, const void *instance, const char *from,
		      const char *event, const char *to);
} esip_ua_callbacks;

/* ---- the UA ------------------------------------------------------------------ */

/*
 * Creates a UA core (and its transaction layer).  The wheel and the random
 * source are the owner's and must outlive it.  0, ESIP_EINVAL (a required
 * callback missing, a bad public_addr or custom header), ESIP_ENOMEM.
 */
int esip_ua_new(const esip_ua_config *c, const esip_ua_callbacks *cb, void *ud,
		esip_timerwheel *wheel, esip_rand *rnd, esip_ua **out);
/*
 * Ends every live call at once (state TERMINATED or FAILED, event
 * "terminate", reported), answers every pending request's callback (503
 * "Stack Stopped"), frees the transaction layer and the UA.  Calls still
 * referenced by the application stay allocated, detached.  NULL is a
 * no-op.  Not from inside one of its own callbacks.
 */
void esip_ua_free(esip_ua *ua);
/* Ends every live call the way esip_ua_call_hangup does (BYE, CANCEL, 480)
 * and sends nothing new afterwards: the start of a graceful stop.  The
 * owner keeps running the loop until esip_ua_live_calls() is 0 or its
 * patience ends, then frees. */
void esip_ua_shutdown(esip_ua *ua, uint64_t now);
/* The owner's pointer given to esip_ua_new. */
void *esip_ua_userdata(const esip_ua *ua);

/*
 * A received message.  rc is the parse result: > 0 parsed; < 0 it failed
 * (a framed request still gets its 400 statelessly, RFC 3261 8.2 / 21.4.1,
 * with a Warning saying what was wrong; anything else is dropped and
 * counted).  m and rx are valid only during the call.
 */
void esip_ua_recv(esip_ua *ua, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now);
/* A TCP connection failed or closed: its transactions get transport errors
 * (17.1.4); calls that used it send later requests over a new one. */
void esip_ua_conn_failed(esip_ua *ua, uint32_t conn, uint64_t now);
/* An ICMP error (RFC 3261 18.4) says nothing listens at tp:addr: the
 * client transactions sending there fail at once with a transport error
 * (the application sees 503, 8.1.3.1) instead of waiting for Timer B or
 * F.  Unreliable transports only; server transactions are left alone. */
void esip_ua_dest_unreachable(esip_ua *ua, esip_tp tp, const esip_addr *addr, uint64_t now);
/* True while a transaction or a call uses that connection (an idle
 * timeout must not close it). */
bool esip_ua_conn_in_use(const esip_ua *ua, uint32_t conn);
/* The result of a lookup started through the resolve callback. */
void esip_ua_resolved(esip_ua *ua, uint64_t id, int err, const esip_addr *addrs, size_t n,
		      uint64_t now);

/* ---- requests outside dialogs ------------------------------------------------ */

/*
 * Sends `method` (OPTIONS, MESSAGE, INFO ...; not INVITE, ACK, CANCEL,
 * BYE) to uri in a client transaction: target from the URI (RFC 3261 18,
 * 19.1; no SRV), a fresh branch with rport (RFC 3581), From tag, Call-ID,
 * User-Agent, the custom headers; 18.1.1 (over 1300 bytes over TCP when
 * it can; a TCP failure before any response retried once over UDP).
 * headers (may be NULL) are added verbatim.  Then fn runs exactly once,
 * through an ESIP_UA_RESPONSE event: the final status, 408 on a timeout,
 * 503 on a transport or resolution failure or when the UA is freed first.
 * Returns 0, or at once (and fn never runs) ESIP_EINVAL (not a URI, a
 * method that needs a dialog), ESIP_ENOTSUP (sips:, a transport other than
 * UDP and TCP), ESIP_ENOTFOUND (no listener for the destination),
 * ESIP_ELIMIT, ESIP_ENOMEM, ESIP_ECLOSED (shutting down).
 */
int esip_ua_send_request(esip_ua *ua, const char *method, const char *uri,
			 const esip_hdr_kv *headers, size_t n_headers, esip_ua_response_fn fn,
			 void *fn_ud, uint64_t now);

/* ---- calls ---------------------------------------------------------------------- */

typedef struct esip_call_params {
	const char *target;         /* Request-URI and To: "sip:bob@192.0.2.7:5060",
				     * ";transport=tcp" chooses TCP.  Required. */
	const char *from;           /* our From URI; NULL = sip:<user>@<domain> */
	const char *display_name;   /* of From; NULL = the config's */
	const char *sdp;            /* the offer (application/sdp); NULL = none */
	size_t sdp_len;             /* 0 = strlen(sdp) */
	const esip_hdr_kv *headers; /* added verbatim to the INVITE and to every
				     * request of the call (copied) */
	size_t n_headers;
	const char *const *route;   /* a pre-loaded route set (an outbound proxy,
				     * RFC 3261 8.1.2: "<sip:proxy;lr>"); NULL = none */
	size_t n_route;
	void *user_data;            /* esip_call_user_data() */
} esip_call_params;

/*
 * Places a call: sends INVITE (send_invite, idle -> calling).  *out
 * receives the call with a reference the caller owns.  0, or ESIP_EINVAL
 * (no or a malformed target, a header that breaks the line), ESIP_ENOTSUP,
 * ESIP_ELIMIT (max_dialogs), ESIP_ENOMEM, ESIP_ECLOSED.  A failure after
 * this returns (no route, resolution, transport) comes as a state change
 * to FAILED.
 */
int esip_ua_call_make(esip_ua *ua, const esip_call_params *p, uint64_t now, esip_call **out);

/* Incoming call, INCOMING or ALERTING: sends a provisional response, 180
 * Ringing or 183 Session Progress (status 180..199) with an optional SDP
 * (early media).  ESIP_ESTATE in another state, ESIP_EINVAL for a status
 * outside 101..199. */
int esip_ua_call_ring(esip_call *c, unsigned status, const char *sdp, size_t sdp_len,
		      uint64_t now);
/* Incoming call, INCOMING or ALERTING: 200 OK with the SDP answer (NULL =
 * none) -> ESTABLISHED; the 2xx is retransmitted until the ACK comes
 * (RFC 3261 13.3.1.4), a BYE follows if none came in 64*T1. */
int esip_ua_call_accept(esip_call *c, const char *sdp, size_t sdp_len, uint64_t now);
/* Incoming call, INCOMING or ALERTING: a final response 300..699 with an
 * optional reason phrase (NULL = the standard one) -> FAILED. */
int esip_ua_call_reject(esip_call *c, unsigned status, const char *reason, uint64_t now);
/* Outgoing call before its final response: CANCEL (RFC 3261 9.1; sent as
 * soon as a provisional response arrived) -> TERMINATING, then TERMINATED
 * on the 487 (or, when a 200 crossed the CANCEL, after ACK and BYE). */
int esip_ua_call_cancel(esip_call *c, uint64_t now);
/*
 * Ends the call whatever its state: BYE when established (-> TERMINATING
 * -> TERMINATED), CANCEL when outgoing and early, 480 when incoming and
 * unanswered (603 with esip_ua_call_reject).  ESIP_ESTATE when the call
 * is already ending or ended.
 */
int esip_ua_call_hangup(esip_call *c, uint64_t now);

/* ---- transfer (RFC 3515, RFC 3891, RFC 3892, RFC 4488) ------------------ */

typedef struct esip_refer_opts {
	bool no_subscription;       /* Refer-Sub: false (RFC 4488): no NOTIFY wanted */
	bool early_only;            /* with replaces: ;early-only (RFC 3891 6.1) */
	const esip_hdr_kv *headers; /* added to the REFER (copied) */
	size_t n_headers;
} esip_refer_opts;

/*
 * Asks the peer of an established call to call target (REFER, RFC 3515
 * 2.4.1) with Referred-By (RFC 3892): a blind transfer; or, with
 * replaces (another call of this UA), to replace that call's dialog
 * (attended transfer: Refer-To carries its Replaces header, RFC 3891 4;
 * target NULL = the replaced call's remote target).  The call moves to
 * REFERRING (send_refer); ESIP_UA_REFER_STATUS events report the
 * subscription's NOTIFYs; the outcome moves it back to ESTABLISHED
 * (refer_accepted / refer_failed).  Several REFERs may run at once (each
 * its own subscription, RFC 3515 2.4.6).  opts may be NULL.
 * 0, ESIP_ESTATE (not established), ESIP_EINVAL (target not a URI,
 * replaces not a confirmed call of this UA), ESIP_ENOMEM.
 */
int esip_ua_call_refer(esip_call *c, const char *target, esip_call *replaces,
		       const esip_refer_opts *opts, uint64_t now);
/* A REFER the application was asked about (ESIP_UA_CALL_REFER): accept
 * (202, then the referred call is placed and NOTIFYs report it) or reject
 * (status 300..699, e.g. 603 Decline or 403 Forbidden).  ESIP_ESTATE if
 * no REFER waits. */
int esip_ua_call_refer_accept(esip_call *c, uint64_t now);
int esip_ua_call_refer_reject(esip_call *c, unsigned status, uint64_t now);

/* The dialog a call with Replaces takes over (RFC 3891 6.1). */
typedef struct esip_replaces_params {
	const char *call_id;
	const char *to_tag;         /* the tag of the UA that receives the INVITE */
	const char *from_tag;       /* the other tag (ours in that dialog) */
	bool early_only;
} esip_replaces_params;

/*
 * Places a call with a Replaces header (the brief's MakeCallWithReplaces):
 * idle -> replacing (send_replaces), then established (replace_success)
 * or failed (replace_failed).  As esip_ua_call_make otherwise.
 */
int esip_ua_call_make_replacing(esip_ua *ua, const esip_call_params *p,
				const esip_replaces_params *r, uint64_t now, esip_call **out);

/* ---- registration (RFC 3261 10) -------------------------------------------- */

typedef struct esip_register_params {
	const char *registrar;   /* the Request-URI, "sip:example.com" (10.2); the
				  * next hop unless an outbound proxy is set */
	const char *aor;         /* the address-of-record (To, From); NULL =
				  * sip:<user>@<registrar's host> */
	uint32_t expires_s;      /* asked for; 0 = 3600 */
	uint32_t retry_s;        /* pause after a failure; 0 = 30 */
	void *user_data;
} esip_register_params;

/*
 * Registers this UA's Contact (its address towards the registrar) for aor
 * (RFC 3261 10.2): REGISTER with Expires, a 401/407 answered with the
 * configured credentials, the binding refreshed before the granted expiry
 * (the expires of our Contact in the 2xx, else its Expires), 423 answered
 * with the registrar's Min-Expires, a failure retried after retry_s, a
 * lost connection registered again at once.  Every state change is an
 * ESIP_UA_REG_STATE event.  *out (may be NULL) is valid until the UA is
 * freed.  0, ESIP_EINVAL (not a sip URI), ESIP_ELIMIT (16 registrations),
 * ESIP_ENOMEM, ESIP_ECLOSED.
 */
int esip_ua_register(esip_ua *ua, const esip_register_params *p, uint64_t now, esip_reg **out);
/* Removes the binding (REGISTER with Expires: 0, 10.2.2) -> unregistered.
 * esip_ua_shutdown unregisters every registration; esip_ua_free sends the
 * REGISTER with Expires: 0 once, without waiting for its answer. */
int esip_ua_unregister(esip_reg *r, uint64_t now);
esip_reg_state esip_reg_get_state(const esip_reg *r);
void *esip_reg_user_data(const esip_reg *r);

/* ---- a registrar, for tests and simple servers (RFC 3261 10.3) ------------- */

/*
 * With registrar_max_bindings > 0 in the config, the UA answers REGISTER
 * as a registrar (10.3): Contact: * only alone and with Expires: 0, else
 * 400 (step 6); each Contact bound for its expires (the Expires header,
 * 3600 by default, at most 86400; below min_expires 423 with Min-Expires,
 * step 7); 200 with every current binding of the address-of-record and
 * its remaining expiry (step 8).  No authentication, no forwarding:
 * lookups only.  Returns the contacts bound to aor (their URIs, at most
 * cap), or ESIP_ENOTFOUND.
 */
long esip_ua_registrar_lookup(esip_ua *ua, const char *aor, uint64_t now, char out[][256],
			      size_t cap);

/* ---- references and accessors ------------------------------------------------ */

/* Thread-safe (atomic).  unref of the last reference frees the call. */
void esip_call_ref(esip_call *c);
void esip_call_unref(esip_call *c);

/* The call's UA (NULL once the call ended; owner thread only). */
esip_ua *esip_call_ua(const esip_call *c);
/* Immutable: the UA's owner pointer (esip_ua_new's ud; the esip_stack for
 * calls of a stack), valid while that owner lives. */
void *esip_call_ua_userdata(const esip_call *c);
/* Immutable: the direction, the Call-ID, our tag, our URI and the peer's
 * URI (From/To as sent or received, without tags), NUL-terminated and
 * valid while a reference is held. */
esip_call_dir esip_call_direction(const esip_call *c);
const char *esip_call_id(const esip_call *c);
const char *esip_call_local_tag(const esip_call *c);
const char *esip_call_local_uri(const esip_call *c);
const char *esip_call_remote_uri(const esip_call *c);
/* The application's pointer (immutable for outgoing calls: set by
 * esip_call_params; for incoming ones set it from the INCOMING_CALL
 * callback before anything else reads it). */
void *esip_call_user_data(const esip_call *c);
void esip_call_set_user_data(esip_call *c, void *ud);

/* Any thread, any time a reference is held (also after the UA or the
 * stack was freed): the state and the last status as of the end of the
 * call's last event (atomic). */
esip_call_state esip_call_state_now(const esip_call *c);
unsigned esip_call_status_now(const esip_call *c);

/* Owner thread only (the stack's esip_call_* wrappers lock):
 * the state; the peer's tag ("" before it is known); the remote target
 * (the peer's Contact URI); the last SDP the peer sent ("" if none); the
 * last response status (received for outgoing calls, sent for incoming
 * ones).  The copying ones return the length, or ESIP_ENOSPC (out holds a
 * truncated NUL-terminated prefix). */
esip_call_state esip_ua_call_state(const esip_call *c);
long esip_ua_call_remote_tag(const esip_call *c, char *out, size_t cap);
long esip_ua_call_remote_target(const esip_call *c, char *out, size_t cap);
long esip_ua_call_remote_sdp(const esip_call *c, char *out, size_t cap);
unsigned esip_ua_call_status(const esip_call *c);

/* ---- statistics ------------------------------------------------------------------ */

typedef struct esip_ua_stats {
	uint64_t requests_in[ESIP_METHOD__COUNT];   /* by method (OTHER = unknown) */
	uint64_t requests_out[ESIP_METHOD__COUNT];
	uint64_t responses_in[7];                   /* by class: [1]..[6] */
	uint64_t responses_out[7];
	uint64_t parse_errors;     /* received messages that failed to parse */
	uint64_t dropped;          /* stray responses and ACKs, undeliverable */
	uint32_t calls_live;       /* calls not in a final state (active dialogs) */
	uint64_t calls_in, calls_out;       /* calls created by direction */
	uint64_t calls_established;         /* calls that reached ESTABLISHED */
	uint64_t calls_failed;              /* calls that ended in FAILED */
	uint64_t invites, byes, refers;     /* sent + received, retransmissions not
					     * counted */
	uint64_t replaces;         /* RFC 3891 replacements done */
	uint64_t refers_ok, refers_failed; /* REFER outcomes, both roles */
	uint64_t over_limit;       /* INVITEs refused over max_dialogs */
	uint64_t unhandled_events; /* dialog events with no row (counted) */
	uint64_t call_bytes;       /* memory held by live calls */
	esip_txl_stats txl;        /* the transaction layer's own */
} esip_ua_stats;

void esip_ua_get_stats(const esip_ua *ua, esip_ua_stats *out);
/* Live calls (not in a final state). */
uint32_t esip_ua_live_calls(const esip_ua *ua);

/* What the UA handles (methods: 405 / 501 for others), understands
 * (bodies: 415) and supports (option tags: 420), RFC 3261 8.2 - for
 * esip_msg_validate_request and tools that answer as the UA would. */
const esip_uas_caps *esip_ua_caps(void);

/* The dialog and request machine tables, for the checker and diagrams. */
const esip_fsm_machine *const *esip_ua_machines(size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_DIALOG_H */
