/*
 * fuzz_ua.h - the world of the UA-core fuzz target (fuzz_ua.c): two UA
 * cores on one virtual clock, a scripted peer, the packets the cores sent
 * (captured, deliverable to either core, answerable by the peer), the
 * calls the application knows from events, and the program decoder.
 *
 *   fuzz_ua.c        the target: configuration, the program's steps, the
 *                    owner's callbacks, the end (quiescence, free)
 *   fuzz_ua_msgs.c   messages the peer sends, built from fragments
 *   fuzz_ua_check.c  the invariants checked after every step
 */
#ifndef ESIP_FUZZ_UA_H
#define ESIP_FUZZ_UA_H

#include "dialog_int.h"

#include <esip/dialog.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the program ------------------------------------------------------------ */

typedef struct fz_in {
	const uint8_t *p;
	size_t n;
} fz_in;

/* The next input byte modulo mod (0 = the byte itself); 0 once the input
 * is exhausted. */
unsigned fz_take(fz_in *s, unsigned mod);

/* ---- the world -------------------------------------------------------------- */

#define FZ_NODES 2          /* UA cores: "a" at 127.0.0.1:5070, "b" at :5080 */
#define FZ_PEER_PORT 5060   /* the scripted peer */
#define FZ_CAPTURE 32       /* packets the cores sent, kept (a ring) */
#define FZ_PEER_INVITES 8   /* INVITEs the peer sent outside dialogs (a ring) */
#define FZ_LOOKUPS 16       /* name lookups in progress */
#define FZ_APP_REQS 64      /* esip_ua_send_request calls per input */

/* What the application knows of a call: its last reported state. */
typedef struct fz_call {
	esip_call *call;        /* NULL once gone (dropped and ended) */
	bool held;              /* the target holds a reference (else the
				 * core's keeps it while it is live) */
	int node;
	esip_call_state state;  /* the last CALL_STATE event's */
} fz_call;

/* A packet a core sent. */
typedef struct fz_pkt {
	int src;                /* the sending node */
	esip_dest dest;
	char *bytes;
	size_t len;
	bool request;
} fz_pkt;

/* An INVITE the peer sent outside a dialog: its CANCEL and ACK reuse it. */
typedef struct fz_pinv {
	int node;
	char call_id[48], from_tag[24], branch[40], ruri[64];
	uint32_t cseq;
	bool tcp;
} fz_pinv;

typedef struct fz_lookup {
	uint64_t id;
	int node;
} fz_lookup;

/* The last CSeq a core used in a dialog (a hash of Call-ID and tags). */
typedef struct fz_seen {
	uint64_t ours, theirs;  /* node, Call-ID, our tag; their tag */
	uint32_t cseq;
} fz_seen;
#define FZ_SEEN 256
#define FZ_BRANCHES 512

struct fz_world;

typedef struct fz_node {
	struct fz_world *w;
	int idx;
	uint16_t port;
	esip_addr addr;
	esip_ua *ua;
	esip_ua_config cfg;
	esip_hdr_kv custom[1];
} fz_node;

typedef struct fz_world {
	fz_in *in;
	esip_timerwheel wheel;  /* shared by both cores */
	esip_rand rnd;
	uint64_t seed;          /* refills rnd: the run is reproducible */
	uint64_t now;
	fz_node nodes[FZ_NODES];
	fz_call *calls;         /* every call ever reported */
	size_t n_calls, cap_calls;
	fz_pkt cap[FZ_CAPTURE];
	size_t n_cap;           /* packets captured so far (cap[n % FZ_CAPTURE]) */
	fz_pinv pinv[FZ_PEER_INVITES];
	size_t n_pinv;
	fz_lookup lookups[FZ_LOOKUPS];
	size_t n_lookups;
	uint64_t next_lookup;
	uint32_t next_conn;     /* connections the cores open: 10, 11, ... */
	unsigned fail_sends;    /* the next sends fail (a transport error) */
	unsigned branch;        /* the peer's branch counter */
	unsigned answered[FZ_APP_REQS]; /* RESPONSE events per application request */
	size_t n_app_reqs;
	fz_seen seen[FZ_SEEN];  /* dialogs of the messages sent (fz_check_sent) */
	uint64_t branches[FZ_BRANCHES]; /* branches of the requests sent (hashes) */
	size_t n_branches;
	bool in_callback;       /* the application decides inside events too */
	bool no_tcp;            /* no TCP listener: local() refuses TCP */
	bool upgrade_tcp;       /* request_tp: UDP over 1300 bytes goes TCP */
	bool freed;             /* the cores are freed (the end) */
	bool bad_input;         /* a message that did not parse is being received */
	bool reordered;         /* lookups were answered out of order */
} fz_world;

/* fuzz_ua.c */
/* The call the program picks (k modulo the calls known), NULL if none. */
fz_call *fz_pick_call(fz_world *w, unsigned k);
/* The known call c, NULL if not known. */
fz_call *fz_find_call(fz_world *w, const esip_call *c);
/* Delivers bytes to node as if they came from peer over tp/conn. */
void fz_deliver(fz_world *w, int node, const char *bytes, size_t len, esip_tp tp,
		uint32_t conn, const esip_addr *peer);
/* Keeps the randomness deterministic (refilled from the seed). */
void fz_reseed(fz_world *w);

/* fuzz_ua_msgs.c: the peer's messages, built into out (cap bytes); each
 * returns the length, 0 if nothing could be built. */
size_t fz_msg_invite(fz_world *w, fz_in *s, int node, char *out, size_t cap, bool *tcp);
size_t fz_msg_in_dialog(fz_world *w, fz_in *s, fz_call *fc, char *out, size_t cap, bool *tcp);
size_t fz_msg_response(fz_world *w, fz_in *s, const fz_pkt *req, char *out, size_t cap);

/* fuzz_ua_check.c: asserts every invariant of the world (after a step);
 * quiescent: after the clock ran out with nothing delivered, nothing may
 * be left but established calls. */
void fz_check(fz_world *w, bool quiescent);
/* Asserts what every message a core sends must be (m: it, parsed). */
void fz_check_sent(fz_world *w, int node, const esip_msg *m);
/* A call ended: the numbering of its dialogs is over. */
void fz_dialog_ended(fz_world *w, int node, const esip_call *c);

#endif
