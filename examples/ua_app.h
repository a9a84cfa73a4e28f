/*
 * ua_app.h - esip-ua's state, shared by its parts: the program and its
 * calls (esip-ua.c), transfers (ua_transfer.c) and registration
 * (ua_reg.c).  Everything runs on one thread, esip-ua's own poll() loop
 * (the stack's callbacks too), so nothing here is locked.
 */
#ifndef ESIP_UA_APP_H
#define ESIP_UA_APP_H

#include "ua_args.h"
#include "ua_sdp.h"

#include <esip/stack.h>

#include <stdint.h>

/* What a call waits for (at its due time). */
typedef enum ua_act { ACT_NONE, ACT_ANSWER, ACT_HANGUP, ACT_TRANSFER } ua_act;

/* Why we hold a call. */
typedef enum ua_role {
	ROLE_PLACED,    /* call mode: the call to URI */
	ROLE_CONSULT,   /* call mode, --consult: the call to URI2 */
	ROLE_INCOMING,  /* listen mode: an incoming call */
	ROLE_REFERRED,  /* placed by the stack on a REFER we accepted (RFC 3515) */
	ROLE_REPLACING  /* an INVITE with Replaces that took one of ours (RFC 3891) */
} ua_role;

/* Where our transfer of a call is. */
typedef enum ua_xfer { XF_NONE, XF_REFERRING, XF_DONE, XF_FAILED } ua_xfer;

/* A call we hold a reference to, until it reaches a final state. */
typedef struct ua_app ua_app;

typedef struct ua_call {
	struct ua_call *next, *prev; /* every call (ua_app.calls) */
	struct ua_call *hnext;       /* the same hash slot */
	ua_app *app;
	long heap_at;                /* in ua_app.due, -1 if nothing is due */
	esip_call *call;
	char id[16];          /* the Call-ID, shortened for the lines */
	ua_role role;
	ua_act todo;
	uint64_t due;         /* ms since start */
	uint64_t established_at;
	bool established;
	bool hung_up;         /* we sent BYE or CANCEL */
	bool rejected;        /* we answered 300..699 */
	ua_xfer xfer;
	struct ua_call *consult; /* attended: the call the REFER hands over */
} ua_call;

struct ua_app {
	const ua_opts *o;
	esip_stack *s;
	/* the calls held (ua_calls.c): a list, a hash by handle, and those
	 * with something due in a heap by due time */
	ua_call *calls;
	size_t n_calls;
	ua_call **slots;
	size_t n_slots;
	ua_call **due;
	size_t n_due, due_cap;
	char *sdp_file;       /* --sdp contents (CRLF) or NULL */
	size_t sdp_file_len;
	ua_media media;
	bool listen_wildcard; /* our SDP address must be chosen per peer */
	bool stopping, interrupted;
	uint64_t stop_at;
	/* the exit status when something ended the run before its calls could
	 * (a call that cannot be placed, a failed registration), else -1 */
	int result;
	char result_why[240];
	/* call mode: what decides the exit status otherwise */
	bool placed;          /* the call to URI was placed */
	int end_result;       /* the outcome of the call the user ends up with */
	uint64_t end_rank;    /* ... chosen by this (ua_call_ended) */
	char end_why[240];
	int xfer_result;      /* our transfer's outcome, -1 none */
	char xfer_why[240];
	/* registration */
	esip_reg *reg;
	char aor[300];
	esip_reg_state reg_state;
	bool reg_ever;        /* it was registered once */
	bool reg_stopped;     /* unregistering asked for (or impossible) */
	char domain[256];     /* the registrar's host: our From's */
	/* listen mode */
	unsigned n_in, n_answered, n_rejected, n_cancelled, n_peer_bye, n_our_bye, n_other;
	unsigned n_replaced, n_xfer_ok, n_xfer_failed, n_referred;
};

/* ---- esip-ua.c ---------------------------------------------------------------- */

/* Milliseconds since start; "12.345" (seconds since start). */
uint64_t ua_now_ms(void);
const char *ua_stamp(char buf[32]);
/* The id of c for the lines: ours, or its Call-ID shortened. */
void ua_call_label(ua_app *app, esip_call *c, char out[16]);
/* A Call-ID shortened for the lines. */
void ua_short_id(const char *call_id, char out[16]);
void ua_call_hangup(ua_call *uc);
/* Places a call to uri in role (our SDP offer, the -H headers); prints it.
 * NULL with a message on stderr and *rc an exit status. */
ua_call *ua_call_place(ua_app *app, const char *uri, ua_role role, int *rc);
/* Call mode: place the call to URI (once registered, with --registrar). */
void ua_start_call(ua_app *app);
/* Ends the run: hangs every call up, unregisters, waits for both. */
void ua_begin_stop(ua_app *app, bool interrupted);

/* ---- ua_calls.c: the calls held ---------------------------------------------------- */

/* The call we hold for c, or NULL. */
ua_call *ua_call_find(ua_app *app, esip_call *c);
/* Holds c (a reference of ours) in role; NULL when out of memory. */
ua_call *ua_call_hold(ua_app *app, esip_call *c, ua_role role);
/* Lets go of it (its reference, its record). */
void ua_call_forget(ua_app *app, ua_call *uc);
/* Forgets every call and frees the table. */
void ua_calls_free(ua_app *app);
/* act is due for uc in after_ms (replacing what was due); unschedule:
 * nothing is (todo = ACT_NONE). */
void ua_schedule(ua_call *uc, ua_act act, long after_ms);
void ua_unschedule(ua_call *uc);
/* The call whose todo is due first, NULL if none. */
ua_call *ua_next_due(const ua_app *app);

/* ---- ua_transfer.c: REFER out (blind, attended) and in --------------------------- */

/* A call was established: plan its transfer or place the --consult call;
 * false when transfers have nothing to do with it (then --hangup-after
 * applies). */
bool ua_xfer_established(ua_app *app, ua_call *uc);
/* ACT_TRANSFER is due: send the REFER. */
void ua_xfer_send(ua_app *app, ua_call *uc);
/* A call we do not hold showed up (placed on a REFER, or replacing one of
 * ours): hold it; NULL when out of memory. */
ua_call *ua_xfer_adopt(ua_app *app, esip_call *c, const esip_call_event *ev);
/* A call of ours ended: what it means for the transfers. */
void ua_xfer_call_ended(ua_app *app, ua_call *uc, const esip_call_event *ev);
/* The stack's callbacks. */
void ua_on_incoming_refer(void *ud, esip_call *c, const esip_refer_info *info);
void ua_on_refer_status(void *ud, esip_call *c, int status, bool final, bool ok);

/* ---- ua_reg.c: --user, --password, --registrar, --proxy ---------------------------- */

/* Puts identity, credentials and the proxy into the stack config (the
 * strings stay the options'). */
void ua_reg_config(ua_app *app, esip_stack_config *cfg, esip_credentials *cred);
/* Starts the registration (call mode places its call once registered);
 * without --registrar starts the call at once.  0, or an exit status. */
int ua_reg_start(ua_app *app);
/* Removes the binding at the end (the reg_state callback reports it). */
void ua_reg_stop(ua_app *app);
/* True while a REGISTER of ours is under way at the end. */
bool ua_reg_busy(const ua_app *app);
void ua_on_reg_state(void *ud, esip_reg *r, esip_reg_state st, int status, uint32_t expires);

#endif
