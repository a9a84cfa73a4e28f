/*
 * dialog_int.h - internals of the UA core (esip/dialog.h), shared by:
 *
 *   ua.c          the UA object: config, the receive path, the glue to the
 *                 transaction layer, statistics
 *   request.c     requests the UA sends (req.def): target, resolution,
 *                 client transaction, the 18.1.1 UDP retry, the outcome
 *   uas.c         requests outside dialogs: validation (8.2), OPTIONS
 *                 (11.2), a new INVITE (a call), 481 (12.2.2), 482 (8.2.2.2)
 *   calls.c       call objects: allocation, references, the dialog table,
 *                 accessors
 *   dlg_state.c   dialog state from messages (12.1.1, 12.1.2, 12.2)
 *   dlg_build.c   the messages a call sends: INVITE, ACK, BYE, CANCEL,
 *                 responses (8.1.1, 12.2.1.1, 13.2.2.4, 8.2.6)
 *   dlg_actions.c the rows' actions of dialog.def: effects only
 *   dlg_interp.c  the one interpreter of call effects, timers, the event
 *                 queue, state reports
 *   dlg_events.c  transaction and request outcomes -> dialog events
 *   sdp.c         the few SDP edits an answer needs (RFC 3264 6.1)
 *   api.c         esip_ua_call_* and the accessors
 */
#ifndef ESIP_DIALOG_INT_H
#define ESIP_DIALOG_INT_H

#include <esip/dialog.h>
#include <esip/fsm.h>
#include <esip/transaction.h>

#include <stdatomic.h>

/* ---- machines (generated from dialog.def and req.def) ------------------ */
#define FSM_GEN_DECLS_ONLY
#define FSM_ACT_PREFIX esip__dlga_
#define FSM_PREFIX dlg
#define FSM_FILE "dialog.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX
#define FSM_ACT_PREFIX esip__reqa_
#define FSM_PREFIX req
#define FSM_FILE "req.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX
#define FSM_ACT_PREFIX esip__refa_
#define FSM_PREFIX ref
#define FSM_FILE "refer.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX
#define FSM_ACT_PREFIX esip__rega_
#define FSM_PREFIX reg
#define FSM_FILE "reg.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX
#undef FSM_GEN_DECLS_ONLY

extern const esip_fsm_machine *const esip__dlg_machine, *const esip__req_machine,
	*const esip__ref_machine, *const esip__reg_machine;

/* ---- limits ------------------------------------------------------------- */
#define UA_MAX_CUSTOM 32        /* custom headers of the config and of a call */
#define UA_MAX_ROUTES 16        /* route set entries kept (RFC 3261 12.1) */
#define UA_MAX_STR 1024         /* one URI or header value we keep */
#define UA_MAX_SDP 16384        /* an SDP body we keep */
#define UA_REQ_QUEUE 4          /* events a request queues while busy */
#define DLG_QUEUE 6             /* events a call queues while busy */
#define UA_MSG_MAX 65535        /* largest message the UA builds */

typedef struct ua_req ua_req;

/* ---- requests (request.c, req.def) ---------------------------------------- */

/* What a request tells its owner (ua_req_ops.outcome). */
typedef enum req_outcome {
	REQ_PROVISIONAL = 1, /* msg: the 1xx */
	REQ_FINAL,           /* msg: the 2xx-6xx (each 2xx retransmission too) */
	REQ_TIMEOUT,         /* 408 (8.1.3.1) */
	REQ_FAILED           /* 503: transport or resolution failure (8.1.3.1) */
} req_outcome;

typedef struct ua_req_ops {
	/* Writes the request into b for transport tp from our address local
	 * (Via sent-by, Contact); branch is fresh for each call.  0 or an
	 * error (the request then fails with 503). */
	int (*build)(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		     esip_buf *b);
	/* An outcome (may be NULL: an ownerless request). */
	void (*outcome)(ua_req *r, req_outcome what, const esip_msg *msg, uint64_t now);
	/* The request is over (also when abandoned: owner is then NULL); the
	 * place to release data.  Optional. */
	void (*done)(ua_req *r, uint64_t now);
	/* A 401/407 is to be answered: the CSeq the request is sent again
	 * with (RFC 3261 22.2: "the CSeq header field value ... MUST be
	 * incremented"), or 0 if it must not be sent again (an INVITE
	 * cancelled meanwhile).  NULL: never answered. */
	uint32_t (*next_cseq)(ua_req *r);
} ua_req_ops;

/* How to start a request (esip__req_start). */
typedef struct req_params {
	const ua_req_ops *ops;
	void *owner;        /* gets the outcomes; NULL = ownerless */
	void *data;         /* what ops->build reads (kept until done) */
	struct ua_req **slot; /* the owner's pointer, cleared at the end */
	unsigned flags;     /* REQF_RAW */
	uint32_t conn_hint; /* a connection to prefer (a dialog's) */
	uint8_t method;     /* esip_method, for the builder */
	uint32_t cseq;      /* chosen once: the 18.1.1 rebuilds keep it */
	/* what this request carries beyond its dialog's (copied): headers
	 * (REFER's Refer-To, NOTIFY's Event ...), a body and its type */
	const esip_hdr_kv *extra;
	size_t n_extra;
	esip_str ctype, body;
} req_params;

#define UA_REQ_EXTRA 8 /* headers a request may carry of its own */

#define REQF_RAW 0x01u        /* no transaction (an ACK for a 2xx) */
#define REQF_UPGRADED 0x02u   /* moved to TCP by size (18.1.1) */
#define REQF_GOT_RESP 0x04u   /* a response arrived */
#define REQF_UDP_TRIED 0x08u  /* the 18.1.1 retry was made */
#define REQF_FORCE_UDP 0x10u  /* the retry: no size upgrade */

struct ua_req {
	struct ua_req *next, *prev; /* ua->reqs */
	esip_ua *ua;
	const ua_req_ops *ops;
	void *owner;                /* gets the outcomes (a call, an app request) */
	void *data;                 /* the builder's context */
	struct ua_req **slot;       /* the owner's pointer to this, cleared at the end */
	esip_txn *txn;
	uint64_t resolve_id;
	esip_dest dest;
	esip_tp tp;                 /* the transport the target chose */
	uint8_t state;
	uint8_t flags;              /* REQF_* */
	uint8_t depth;
	uint8_t pending_n;
	uint8_t pending[UA_REQ_QUEUE];
	uint32_t conn_hint;         /* a dialog's connection to prefer */
	uint16_t status;            /* the last final status reported */
	uint8_t method;             /* esip_method (a call's requests) */
	uint32_t cseq;              /* chosen once: the 18.1.1 rebuilds keep it */
	uint8_t n_extra;
	esip_hdr_kv extra[UA_REQ_EXTRA]; /* copies, in mem[] */
	esip_str ctype, body;       /* copies, in mem[] */
	char host[256];             /* the next hop to resolve */
	uint16_t port;
	uint8_t auth_rounds;        /* 401/407 answered so far */
	char *auth;                 /* our Authorization / Proxy-Authorization
				     * lines (CRLF-ended), or NULL */
	char mem[];
};

/* The request's credentials as header fields (views into r->auth), for
 * the builders.  Returns how many were written (at most cap). */
size_t esip__req_auth_headers(const ua_req *r, esip_hdr_kv *out, size_t cap);
#define UA_AUTH_ROUNDS 2 /* challenges answered per request (a loop guard) */

/*
 * Starts a request to next_hop (a URI, RFC 3261 8.1.2): its target per 18
 * / 19.1, then (after a lookup when it is a name) ops->build and a client
 * transaction, or one send when REQF_RAW.  *p->slot (if any) receives the
 * request and is cleared when it ends, which may be inside this call.
 * Returns 0 (the outcomes come through ops, done always follows), or
 * ESIP_EINVAL (not a URI), ESIP_ENOTSUP, ESIP_ENOTFOUND (no listener for a
 * numeric target), ESIP_ENOMEM, with nothing started (and no done); a
 * failure after that (a lookup, the build, a send) is an outcome
 * REQ_FAILED.  An owner that goes calls esip__req_abandon().
 */
int esip__req_start(esip_ua *ua, const char *next_hop, size_t len, const req_params *p,
		    uint64_t now);
/* The owner leaves: no more outcomes (a lookup is cancelled, a
 * transaction goes on without an owner). */
void esip__req_abandon(ua_req *r, uint64_t now);
/* The owner lets go of a request that is not over (from inside its own
 * outcome): no more outcomes, its pointer cleared; it runs to its end. */
void esip__req_detach(ua_req *r);
/* Transaction events for a request (ua.c routes them here). */
void esip__req_txn_event(ua_req *r, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
			 uint64_t now);
void esip__req_resolved(esip_ua *ua, uint64_t id, int err, const esip_addr *addrs, size_t n,
			uint64_t now);
/* Abandons every request (esip_ua_free). */
void esip__req_abandon_all(esip_ua *ua, uint64_t now);

/* ---- refer subscriptions (refer.c, refer.def) -------------------------------- */

typedef enum ref_role { REF_SUBSCRIBER = 1, REF_NOTIFIER } ref_role;

/* One REFER's implicit subscription (RFC 3515 2.4.4), in the call whose
 * dialog carried the REFER. */
typedef struct refer_sub {
	struct refer_sub *next;     /* call->subs */
	struct esip_call *call;
	uint8_t state;              /* refer.def */
	uint8_t role;               /* ref_role */
	uint8_t depth, pending_n;
	uint8_t pending[4];
	uint16_t pending_status[4];
	bool no_sub;                /* Refer-Sub: false agreed (RFC 4488) */
	bool replaces;              /* the Refer-To carries Replaces */
	bool notify_final_queued;   /* notifier: the final NOTIFY waits */
	uint16_t last_status;       /* the last sipfrag status sent or received */
	uint16_t queued_status;     /* notifier: a NOTIFY waits for the one in flight */
	uint32_t id;                /* the Event id: the REFER's CSeq (3515 2.4.6) */
	esip_timer t;               /* the expiry */
	struct ua_req *refer;       /* subscriber: our REFER in flight */
	struct ua_req *notify;      /* notifier: our NOTIFY in flight */
	esip_txn *refer_txn;        /* notifier: the REFER's transaction, undecided */
	struct esip_call *referred; /* notifier: the call placed (a reference) */
	char *refer_to;             /* notifier: the Refer-To value */
	char *referred_by;          /* notifier: the Referred-By value, or NULL */
} refer_sub;

/* refer.c */
/* A request in a call's dialog that belongs to the REFER module: a REFER
 * (the dialog already moved to referred) or a NOTIFY with Event: refer.
 * Returns true if it took (and answered) it. */
bool esip__refer_request(struct esip_call *c, esip_txn *txn, const esip_msg *m,
			 const esip_rx_info *rx, uint64_t now);
/* A NOTIFY with Event: refer names a subscription of this call. */
bool esip__refer_is_ours(const struct esip_call *c, const esip_msg *m);
/* The referred call changed state: the notifier's NOTIFYs follow it. */
void esip__refer_call_progress(refer_sub *s, struct esip_call *rc, unsigned from, unsigned to,
			       unsigned status, uint64_t now);
/* The call ends: its subscriptions end (terminate) and are freed. */
void esip__refer_call_ended(struct esip_call *c, uint64_t now);
/* The notifier subscription waiting for the application's decision. */
refer_sub *esip__refer_pending(struct esip_call *c);
/* Subscriptions of a role still live in the call. */
unsigned esip__refer_live(const struct esip_call *c, ref_role role);
/* Feeds a subscription event (refer.def); the arg is a message or none. */
void esip__refer_event(refer_sub *s, unsigned ev, const esip_msg *m, esip_txn *txn,
		       unsigned status, uint64_t now);
refer_sub *esip__refer_new(struct esip_call *c, ref_role role);

/* replaces.c */
/* An INVITE outside a dialog with Replaces (RFC 3891 3).  Returns 0 when
 * Replaces does not apply (none, or replaces_policy REJECT: an ordinary
 * call), 1 when it was handled (answered with 481, 486 or 603, or a
 * replacing call made and answered). */
int esip__replaces_invite(esip_ua *ua, esip_txn *txn, const esip_msg *m,
			  const esip_rx_info *rx, uint64_t now);

/* register.c */
void esip__reg_conn_failed(esip_ua *ua, uint32_t conn, uint64_t now);
void esip__reg_stop_all(esip_ua *ua, uint64_t now);
void esip__reg_free_all(esip_ua *ua, uint64_t now);

/* registrar.c */
typedef struct esip_registrar esip_registrar;
int esip__registrar_new(esip_ua *ua, uint32_t max_bindings, esip_registrar **out);
void esip__registrar_free(esip_registrar *r);
void esip__registrar_request(esip_ua *ua, esip_txn *txn, const esip_msg *m, uint64_t now);

/* ---- calls ------------------------------------------------------------------ */

/* One early dialog of an outgoing call (12.1.2): the peer's tag and what a
 * request in it needs.  The first 2xx of any leg makes it the dialog. */
typedef struct dlg_leg {
	struct dlg_leg *next;
	char *tag;
} dlg_leg;

/* call flags */
#define CF_CONFIRMED 0x0001u   /* the ACK for our 2xx came (UAS) */
#define CF_CANCEL_WAIT 0x0002u /* CANCEL waits for a provisional (9.1) */
#define CF_CANCEL_SENT 0x0004u
#define CF_GOT_1XX 0x0008u     /* a provisional response arrived (UAC) */
#define CF_LIVE 0x0010u        /* linked in ua->calls and the live list */
#define CF_REINV_IN 0x0020u    /* a re-INVITE from the peer is unanswered (14.2) */
#define CF_BYE_WAIT 0x0040u    /* UAS hung up before the ACK: BYE on it (15) */
#define CF_ESTABLISHED 0x0080u /* a 2xx was accepted (UAC) or sent (UAS) */
#define CF_COUNTED 0x0100u     /* counted in calls_established */

struct esip_call {
	atomic_uint refs;
	atomic_uint pub;            /* state | status << 8, for readers on any thread */
	esip_ua *ua;                /* NULL once ended (detached) */
	void *ua_ud;                /* the UA's owner pointer (immutable) */
	const esip_allocator *alloc;
	esip_hnode node;            /* ua->calls: Call-ID + local tag */
	esip_hnode node_in;         /* ua->incoming (incoming calls): Call-ID +
				     * remote tag */
	struct esip_call *next, *prev; /* ua->live */
	void *user_data;
	uint8_t state;              /* dialog.def */
	uint8_t dir;                /* esip_call_dir */
	uint8_t depth;              /* nested interpreter calls */
	uint8_t pending_n;
	uint8_t pending[DLG_QUEUE];
	uint16_t pending_status[DLG_QUEUE];
	uint16_t flags;             /* CF_* */
	uint16_t status;            /* last response received (UAC) or sent (UAS) */
	uint16_t sent_status;       /* the response this event's effects sent, 0 if none */
	uint8_t ta_id, tb_id;       /* which timer each slot runs (dlg_interp.c) */
	esip_tp tp;                 /* the transport of the dialog */
	uint32_t conn;              /* its connection (reliable), 0 if none */
	esip_timer t_a;             /* 2xx retransmission */
	esip_timer t_b;             /* guard: no answer, ACK wait, teardown */
	uint32_t retx_ms;           /* the current 2xx retransmission interval */
	uint32_t local_cseq;        /* the last CSeq we used (12.2.1.1) */
	uint32_t remote_cseq;       /* the peer's last, 0 = none yet (12.2.2) */
	uint32_t invite_cseq;       /* our INVITE's (UAC) or theirs (UAS) */
	esip_txn *ist;              /* UAS: the INVITE server transaction */
	ua_req *inv;                /* UAC: the INVITE */
	ua_req *bye;                /* our BYE */
	/* dialog state (12.1): immutable after creation */
	const char *call_id;
	const char *local_tag;
	const char *local_uri;      /* From (UAC) / To (UAS) URI, no tag */
	const char *remote_uri;     /* To (UAC) / From (UAS) URI, no tag */
	const char *local_display;  /* "" if none */
	/* dialog state that changes */
	char *remote_tag;           /* NULL until known */
	char *remote_target;        /* the peer's Contact URI; UAC: the Request-URI
				     * until a Contact arrives */
	char *routes;               /* route set: n_routes NUL-separated URIs */
	uint16_t n_routes;
	uint16_t routes_len;
	dlg_leg *legs;              /* UAC: early dialogs (12.1.2) */
	char *local_sdp;            /* offer (UAC) or answer (UAS) */
	uint32_t local_sdp_len;
	char *remote_sdp;
	uint32_t remote_sdp_len;
	esip_hdr_kv *headers;       /* per-call custom headers (copies) */
	uint8_t n_headers;
	char *replaces_hdr;         /* our INVITE's Replaces value (RFC 3891 4) */
	refer_sub *subs;            /* REFER subscriptions in this dialog */
	refer_sub *notify_sub;      /* the subscription this call reports to (it
				     * was placed because of a REFER) */
	struct esip_call *replacing; /* RFC 3891: the call this one replaces (a
				     * reference while replacing), or the one that
				     * replaced this one (for the report) */
	uint32_t bytes;             /* accounted in ua->stats.call_bytes */
	char strings[];             /* the immutable strings */
};

/* api.c: places a call (replaces: the Replaces value of its INVITE, or
 * absent) */
int esip__call_make(esip_ua *ua, const esip_call_params *p, esip_str replaces, uint64_t now,
		    esip_call **out);

/* calls.c */
/* A call with its immutable dialog strings copied in (call_id, local_tag,
 * local_uri, remote_uri, local display); one reference (the core's),
 * not yet linked. */
esip_call *esip__call_new(esip_ua *ua, esip_call_dir dir, esip_str call_id, esip_str local_tag,
			  esip_str local_uri, esip_str remote_uri, esip_str local_display);
/* Links it in the dialog table and the live list (calls_live counted). */
int esip__call_link(esip_call *c);
/* Unlinks a call that reached a final state (the core's reference stays
 * with the caller of this, who releases it). */
void esip__call_unlink(esip_call *c);
/* The call whose dialog has this Call-ID and local tag, or NULL. */
esip_call *esip__call_find(esip_ua *ua, esip_str call_id, esip_str local_tag);
/* RFC 4538 4: the live call of ours the request's Target-Dialog names
 * (either tag orientation: see calls.c), or NULL (none, or no header). */
esip_call *esip__call_target_dialog(esip_ua *ua, const esip_msg *m);
/* The incoming call with this Call-ID and peer's tag, or NULL. */
esip_call *esip__call_find_incoming(esip_ua *ua, esip_str call_id, esip_str remote_tag);
/* Replaces *slot by a copy of s (NULL for an absent s), accounting bytes.
 * 0 or ESIP_ENOMEM (the old value stays). */
int esip__call_setstr(esip_call *c, char **slot, esip_str s);
int esip__call_setbytes(esip_call *c, char **slot, uint32_t *len, esip_str s);
void esip__call_free_strings(esip_call *c);

/* dlg_state.c */
/* 12.1.1 (UAS): the dialog state from the INVITE: remote tag = From tag,
 * remote target = Contact, route set = Record-Route in order, remote
 * CSeq.  0 or an error. */
int esip__dlg_from_request(esip_call *c, const esip_msg *inv);
/* 12.1.2 (UAC): from a 1xx-with-tag or 2xx: remote tag = To tag, remote
 * target = Contact, route set = Record-Route reversed.  0 or an error. */
int esip__dlg_from_response(esip_call *c, const esip_msg *resp);
/* 12.2.1.2 / 12.2.2: a target refresh updates the remote target. */
void esip__dlg_refresh_target(esip_call *c, const esip_msg *m);
/* The leg with this tag, NULL if none. */
dlg_leg *esip__dlg_leg_find(esip_call *c, esip_str tag);
int esip__dlg_leg_add(esip_call *c, esip_str tag);
void esip__dlg_legs_free(esip_call *c);
/* The body if the message carries application/sdp, else absent. */
esip_str esip__dlg_sdp_of(const esip_msg *m);

/* dlg_build.c */
/* The route plan of a request in the dialog (12.2.1.1, 8.1.2): the
 * Request-URI, the Route values and the next hop (a URI to resolve). */
typedef struct dlg_plan {
	esip_str ruri;
	esip_str routes[UA_MAX_ROUTES + 1];
	size_t n_routes;
	esip_str next_hop;
} dlg_plan;
void esip__dlg_plan(const esip_call *c, dlg_plan *p);
/* ua_req_ops.next_cseq of a call's requests. */
uint32_t esip__dlg_next_cseq(ua_req *r);
/* ua_req_ops.build of a call's requests (the call is r->data). */
int esip__dlg_build(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		    esip_buf *b);
/* Starts a request of method in the dialog into *slot (may be NULL: an
 * ACK), with the call as owner (outcomes through ops; NULL ops: none).
 * CSeq: the next local one (12.2.1.1); an ACK takes the INVITE's
 * (13.2.2.4).  0 or a synchronous error. */
int esip__dlg_request(esip_call *c, esip_method method, const ua_req_ops *ops, ua_req **slot,
		      uint64_t now);
/* The same with everything a request may carry (rp->owner: who gets the
 * outcomes, NULL = the call; the chosen CSeq is written back to rp). */
int esip__dlg_request_with(esip_call *c, req_params *rp, uint64_t now);
/* A response on a server transaction of the call (8.2.6, 12.1.1:
 * Contact for 101-299 to INVITE, our tag, the body given). */
int esip__dlg_respond(esip_call *c, esip_txn *txn, unsigned status, const char *reason,
		      esip_str sdp, uint64_t now);
/* 13.2.2.4 for a 2xx whose dialog the UA does not keep (another fork's,
 * or a stray one): ACK it from the response alone and, when bye, end it
 * with a BYE.  Ownerless requests. */
void esip__ack_bye_from_2xx(esip_ua *ua, const esip_msg *resp, bool bye, uint64_t now);
/* The CANCEL for the call's INVITE (9.1). */
int esip__dlg_cancel(esip_call *c, uint64_t now);

/* dlg_interp.c */
/* The argument of a dialog event. */
typedef struct dlg_arg {
	const esip_msg *msg;     /* the message that caused it, or NULL */
	esip_call *other;        /* replace_success: the other call of the pair */
	const esip_rx_info *rx;
	esip_txn *txn;           /* the server transaction of a received request */
	unsigned status;         /* a status for the event (received or to send) */
	const char *reason;      /* a reason phrase to send (reject) */
} dlg_arg;

/* Feeds one event into the call's machine and applies the effects; an
 * event raised while the call is busy is queued (its arg must then carry
 * no message).  Returns ESIP_FSM_HANDLED or ESIP_FSM_UNHANDLED (a request
 * without a row has been answered). */
int esip__dlg_event(esip_call *c, unsigned ev, const dlg_arg *arg, uint64_t now);
/* The two embedded timers' callbacks. */
void esip__dlg_timer_a(esip_timer *t, uint64_t now);
void esip__dlg_timer_b(esip_timer *t, uint64_t now);
/* Ends every live call (esip_ua_free: terminate). */
void esip__dlg_terminate_all(esip_ua *ua, uint64_t now);

/* Effects of dialog actions (esip_fx.what). */
enum dlg_send {
	DS_INVITE = 1,   /* start our INVITE */
	DS_ACK,          /* ACK the 2xx at hand (or re-send the stored one) */
	DS_BYE,          /* start a BYE */
	DS_CANCEL,       /* CANCEL our INVITE (9.1) */
	DS_FORK_ACK_BYE, /* ACK and BYE the dialog of the 2xx at hand */
	DS_PROVISIONAL,  /* value = status: on our INVITE server transaction */
	DS_FINAL,        /* value = status: final response to the INVITE */
	DS_ANSWER,       /* value = status: response to the request at hand */
	DS_ACKED_2XX     /* the ACK came: the INVITE server transaction drops its
			  * 2xx copy (RFC 6026 7.1, esip_txn_confirm) */
};
enum dlg_timer {
	DT_NONE = 0,
	DT_2XX,          /* slot a: 2xx retransmission (13.3.1.4) */
	DT_NO_ANSWER,    /* slot b: no answer (UAS incoming_timeout, UAC no_answer) */
	DT_ACK_WAIT,     /* slot b: 64*T1 for the ACK (13.3.1.4) */
	DT_GUARD,        /* slot b: teardown guard (64*T1) */
	DT_ALL = 0xff
};
enum dlg_report {
	DR_INCOMING = 1, /* the incoming-call event */
	DR_REQUEST       /* value = status: the request-hook event */
};

/* dlg_events.c */
/* Outcomes of the call's requests, mapped to dialog events. */
extern const ua_req_ops esip__dlg_invite_ops, esip__dlg_bye_ops, esip__dlg_plain_ops;
/* A server transaction event for a call (owner = the call). */
void esip__dlg_txn_event(esip_call *c, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
			 const esip_rx_info *rx, uint64_t now);
/* An ACK for a 2xx matched by dialog. */
void esip__dlg_ack(esip_ua *ua, const esip_msg *m, const esip_rx_info *rx, uint64_t now);
/* A request with a To tag: in a dialog (12.2.2) or 481. */
void esip__dlg_in_dialog(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
			 uint64_t now);
/* A response no client transaction wanted: a 2xx to INVITE of a live
 * dialog is ACKed again (13.2.2.4). */
void esip__dlg_stray_response(esip_ua *ua, const esip_msg *m, uint64_t now);

/* sdp.c */
/* An answer to offer from our current SDP (RFC 3264 6.1): the direction
 * attribute mirrored (sendonly <-> recvonly, inactive stays), the o= line's
 * version incremented when the body changed.  Writes into b.  0 or an
 * error. */
int esip__sdp_answer(esip_str ours, esip_str offer, esip_buf *b);

/* ---- the UA -------------------------------------------------------------------- */

struct esip_ua {
	esip_ua_config cfg;
	esip_ua_callbacks cb;
	void *ud;
	const esip_allocator *alloc;
	esip_timerwheel *wheel;
	esip_rand *rnd;
	esip_hash_key hkey;
	esip_txl *txl;
	char user[64];
	char display[128];
	char domain[256];
	char user_agent[128];
	char public_host[256];       /* "" if none */
	uint16_t public_port;
	esip_hdr_kv custom[UA_MAX_CUSTOM];
	size_t n_custom;
	char *custom_mem;
	esip_htab calls;             /* live calls by Call-ID + local tag */
	esip_htab incoming;          /* live incoming calls by Call-ID + remote tag */
	esip_call *live;             /* live calls, a list */
	uint32_t n_live;
	ua_req *reqs;                /* every request in flight */
	uint32_t cseq;               /* CSeq of the next request outside dialogs */
	bool closing;                /* esip_ua_free or shutdown began */
	esip_buf scratch;            /* messages are built here */
	esip_auth_client auth;       /* Digest credentials and nonces */
	size_t n_credentials;
	struct esip_reg *regs;       /* registrations (register.c) */
	esip_registrar *registrar;   /* REGISTER answered here, or NULL */
	char *proxy_mem;             /* the outbound proxy as configured */
	esip_str proxy_route;        /* its Route value (8.1.2) */
	esip_str proxy_uri;          /* its URI: the next hop */
	esip_fsm_tracer tracer;
	esip_ua_stats stats;
};

/* ua.c */
void esip__ua_log(esip_ua *ua, esip_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void esip__ua_emit(esip_ua *ua, const esip_ua_event *ev);
/* The headers every message of the UA carries first (User-Agent or
 * Server, then the custom ones); returns how many were written. */
size_t esip__ua_common_headers(esip_ua *ua, bool response, esip_hdr_kv *out, size_t cap);
/* Allow / Supported / Accept values of this UA. */
extern const char esip__ua_allow[], esip__ua_supported[], esip__ua_accept[];
/* Supported as this UA's config has it (without "replaces" when its
 * replaces_policy is REJECT). */
const char *esip__ua_supported_of(const esip_ua *ua);
/* Counts a message the UA sends from its first line. */
void esip__ua_count_out(esip_ua *ua, const void *bytes, size_t len);
/* Our address towards dst over tp (public_addr when configured). */
int esip__ua_local(esip_ua *ua, esip_tp tp, const esip_addr *dst, esip_ua_local *out);

/* uas.c */
void esip__uas_request(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
		       uint64_t now);
void esip__uas_bad_request(esip_ua *ua, const esip_msg *m, int rc, const esip_rx_info *rx);
/* The UA's capabilities for validation (8.2.1-8.2.3). */
extern const esip_uas_caps esip__uas_caps;

#endif /* ESIP_DIALOG_INT_H */
