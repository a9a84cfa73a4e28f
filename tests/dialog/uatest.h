/*
 * uatest.h - UA-core nodes on simnet for the dialog suites: one esip_ua
 * per node with its own timer wheel, fed by simnet's virtual clock,
 * sending through simnet; a scriptable application that records every
 * event and answers incoming calls by policy (ring, accept after a delay,
 * reject), always outside the core's own call stack (like the stack's
 * deferred callbacks); and a small stateless forking proxy for the
 * forking tests.
 */
#ifndef ESIP_UATEST_H
#define ESIP_UATEST_H

#include "simnet.h"
#include "testutil.h"

#include <esip/dialog.h>

#define UAT_MAX_EVENTS 512
#define UAT_MAX_CALLS 256
#define UAT_MAX_ACTIONS 64
#define UAT_MAX_LOOKUPS 8

typedef struct uat_event {
	esip_ua_event_kind kind;
	esip_call *call;        /* compare only (may be freed) */
	esip_call *other;       /* the same */
	esip_call_state prev, state;
	char event[32];
	int status;
	char method[16];
	bool final, ok;         /* REFER_STATUS */
	int reg_state;          /* REG_STATE */
	uint32_t expires;
	uint64_t now;
} uat_event;

/* What the application does with each incoming call. */
typedef struct uat_policy {
	unsigned ring;          /* 0 = none, else 180/183 at once */
	int64_t accept_after;   /* ms after the INVITE; < 0 = never */
	unsigned reject;        /* a status to reject with (instead of accepting) */
	int64_t reject_after;   /* ms after the INVITE */
	int64_t hangup_after;   /* ms after established; < 0 = never */
	const char *sdp;        /* the answer */
} uat_policy;

typedef enum uat_act { UAT_RING = 1, UAT_ACCEPT, UAT_REJECT, UAT_HANGUP, UAT_CANCEL } uat_act;

typedef struct uatnode {
	simnet *net;
	int id;
	esip_addr addr;
	char host[64];
	uint16_t port;
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_ua *ua;
	esip_ua_config cfg;
	uat_policy policy;
	uat_event events[UAT_MAX_EVENTS];
	size_t n_events;
	esip_call *calls[UAT_MAX_CALLS]; /* every call seen, with a reference */
	size_t n_calls;
	struct {
		uint64_t at;
		uat_act act;
		esip_call *call;
		unsigned status;
	} actions[UAT_MAX_ACTIONS];
	size_t n_actions;
	uint64_t parse_errors;
	uint64_t responses;     /* ESIP_UA_RESPONSE events */
	int last_response;
	bool lenient;           /* actions may fail (allocation sweeps) */
	bool resolve_hang;      /* host names are looked up for ever */
	/* Else, when resolve_to is set (or resolve_err non-zero), a lookup
	 * is answered at the node's next run with that address (or error),
	 * as a resolver would (the port the lookup was for); with neither,
	 * it fails at once. */
	esip_addr resolve_to;
	int resolve_err;
	struct {
		uint64_t id;
		uint16_t port;
	} lookups[UAT_MAX_LOOKUPS]; /* started, not yet answered */
	size_t n_lookups;
	size_t tcp_over;        /* > 0: a UDP request over this many bytes goes
				 * over TCP (RFC 3261 18.1.1; the stack says 1300) */
} uatnode;

/* Every state machine transition of every node created afterwards
 * (esip_ua_callbacks.trace), NULL for none. */
typedef void (*uat_trace_fn)(const char *machine, const char *from, const char *event,
			     const char *to);
void uat_set_trace(uat_trace_fn fn);
/* Host names given to nodes created afterwards are looked up for ever
 * (the lookup never answers) when on; else they fail at once. */
void uat_set_resolve_hang(bool on);

/* A node at "127.0.0.1:<port>" with cfg (NULL = defaults). */
void uat_node_init(uatnode *n, simnet *net, const char *name, uint16_t port,
		   const esip_ua_config *cfg);
bool uat_node_try_init(uatnode *n, simnet *net, const char *name, uint16_t port,
		       const esip_ua_config *cfg);
/* Frees the UA (its live calls end, reported) and drops the references. */
void uat_node_deinit(uatnode *n);

/* Places a call to "sip:<user>@<to's host:port>" (;transport=tcp for TCP).
 * The node keeps a reference (uat_call(n, i)). */
esip_call *uat_call_to(uatnode *n, const uatnode *to, esip_tp tp, const char *sdp);
/* Schedules an action on a call at now + after ms. */
void uat_schedule(uatnode *n, esip_call *c, uat_act act, uint64_t after, unsigned status);

/* Recorded events: the count of a kind, the nth (0-based) of a kind. */
size_t uat_count(const uatnode *n, esip_ua_event_kind kind);
const uat_event *uat_find(const uatnode *n, esip_ua_event_kind kind, size_t nth);
/* The state transitions of call c as "idle>calling>ringing>established",
 * written into out. */
const char *uat_path(const uatnode *n, const esip_call *c, char *out, size_t cap);
/* The node's last call (NULL if none). */
esip_call *uat_last_call(const uatnode *n);
/* Live calls and transactions of the node. */
uint32_t uat_live_calls(const uatnode *n);
uint32_t uat_live_txns(const uatnode *n);

/* ---- a stateless forking proxy (RFC 3261 16.11 style, just enough) ---- */
typedef struct uatproxy {
	simnet *net;
	int id;
	esip_addr addr;
	char host[64];
	uint16_t port;
	const uatnode *targets[4];
	size_t n_targets;
	bool record_route;
	uint64_t forwarded;
} uatproxy;

/* A proxy at 127.0.0.1:port that forks every INVITE (and forwards every
 * other request) to each target over UDP, adding its Via (and
 * Record-Route), and relays responses back by the Via it removes. */
void uat_proxy_init(uatproxy *p, simnet *net, const char *name, uint16_t port);
void uat_proxy_add(uatproxy *p, const uatnode *target);

/* ---- a raw peer: sends hand-written messages, keeps what it receives ---- */
#define UAT_RAW_KEEP 64
typedef struct uatraw {
	simnet *net;
	int id;
	esip_addr addr;
	uint16_t port;
	char msgs[UAT_RAW_KEEP][4096];
	size_t n;
	/* optional: called for each message received (after it is kept),
	 * may answer with uat_raw_send */
	void (*on_msg)(struct uatraw *r, const esip_msg *m, const esip_rx_info *rx, uint64_t now);
	void *ud;
} uatraw;

void uat_raw_init(uatraw *r, simnet *net, const char *name, uint16_t port);
/* Sends text (\n line ends are sent as CRLF) to a node over UDP. */
void uat_raw_send(uatraw *r, const esip_addr *to, const char *text);
/* The same over tp (a reliable one opens or reuses a connection). */
void uat_raw_send_tp(uatraw *r, const esip_addr *to, esip_tp tp, const char *text);
/* The last received message whose first line starts with prefix (NULL
 * if none); *hdr copies the value of header name of it into out. */
const char *uat_raw_last(const uatraw *r, const char *prefix);
bool uat_raw_hdr(const char *msg, const char *name, char *out, size_t cap);
/* The last received response whose CSeq names method (NULL if none). */
const char *uat_raw_last_response(const uatraw *r, const char *method);
/* A response to request m (Via, From, To (+ to_tag if it has none),
 * Call-ID, CSeq copied), with extra header lines (CRLF-ended, may be
 * NULL), sent back to rx->peer. */
void uat_raw_reply(uatraw *r, const esip_msg *m, const esip_rx_info *rx, unsigned status,
		   const char *to_tag, const char *extra);

/* A Digest server on the raw peer (RFC 3261 22.2, 22.3; realm
 * "esip.test"): 0 when request m carries credentials the server accepts
 * for user and password (as a proxy: Proxy-Authorization), and the caller
 * answers it; else m has been answered 401 (407 as a proxy) with a fresh
 * challenge (stale when its nonce was) and the result says why:
 * ESIP_ENOTFOUND (no credentials) or the verification's error. */
int uat_raw_authorize(uatraw *r, esip_auth_server *as, const esip_msg *m,
		      const esip_rx_info *rx, bool proxy, const char *user, const char *password,
		      uint64_t now);

/* The node's nth call (0 = the first it saw), NULL if none. */
esip_call *uat_call_of(const uatnode *n, size_t nth);

#endif
