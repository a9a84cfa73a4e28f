/*
 * txtest.h - a transaction-layer node on simnet for the transaction
 * suites: one esip_txl with its own timer wheel, fed by simnet's virtual
 * clock, sending through simnet, and a scriptable test owner that records
 * every event and can answer requests (inside the event or later).
 */
#ifndef ESIP_TXTEST_H
#define ESIP_TXTEST_H

#include "simnet.h"
#include "testutil.h"

#include <esip/transaction.h>

#define TXT_MAX_EVENTS 4096

typedef struct txt_event {
	esip_txn_event ev;
	esip_txn *txn;     /* may be dangling after TERMINATED: compare only */
	uint16_t status;   /* of the message, if any */
	esip_method method;
	uint64_t now;
	char to_tag[32];
} txt_event;

typedef struct txnode {
	simnet *net;
	int id;
	esip_addr addr;
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_txl *txl;
	esip_txl_config cfg;
	/* test owner: answer each new request with this status inside its
	 * event (0 = leave it to the test); answer_invite for INVITEs */
	unsigned answer;
	unsigned answer_invite;
	unsigned answer_cancelled; /* status for the INVITE on a CANCEL (487) */
	esip_txn *last_server;     /* the last server transaction created */
	txt_event events[TXT_MAX_EVENTS];
	size_t n_events;
	uint64_t parse_errors;
	int fail_sends;            /* > 0: that many sends fail */
	bool reconnect;            /* a send on a broken connection opens a new
				    * one, as the real TCP transport does
				    * (18.2.2); simnet itself refuses it */
	bool lenient;              /* the owner's responses may fail (allocation sweeps) */
} txnode;

/* A node at "127.0.0.1:<port>" (and its txl with cfg, NULL = defaults). */
void txt_node_init(txnode *n, simnet *net, const char *name, uint16_t port,
		   const esip_txl_config *cfg);
/* The same, returning false when esip_txl_new fails (allocation sweeps). */
bool txt_node_try_init(txnode *n, simnet *net, const char *name, uint16_t port,
		       const esip_txl_config *cfg);
/* Replaces the node's layer by one whose owner callback is ev. */
void txt_reinit_with_event(txnode *n,
			   void (*ev)(void *, esip_txn *, esip_txn_event, const esip_msg *,
				      const esip_rx_info *, uint64_t));
void txt_node_deinit(txnode *n);

/* Builds a request from n to `to` (branch, tags, Call-ID given or made
 * up) into out; returns its length. */
size_t txt_request(char *out, size_t cap, const char *method, const txnode *from,
		   const txnode *to, esip_tp tp, const char *branch, uint32_t cseq,
		   const char *call_id);
/* Starts a client transaction for bytes towards `to`. */
int txt_send_request(txnode *n, const txnode *to, esip_tp tp, const char *bytes, size_t len,
		     esip_txn **out);

/* Records an event as the default owner does (for owners of a test's own,
 * installed with txt_reinit_with_event). */
void txt_record(txnode *n, esip_txn *txn, esip_txn_event ev, const esip_msg *m, uint64_t now);

/* Counting helpers over the node's recorded events. */
size_t txt_count(const txnode *n, esip_txn_event ev);
const txt_event *txt_find(const txnode *n, esip_txn_event ev, size_t nth);
/* Live transactions of the node. */
uint32_t txt_live(const txnode *n);

/* Parses bytes as one datagram and feeds them to the node (as if they
 * arrived from `from` over tp). */
int txt_inject(txnode *n, const char *bytes, size_t len, const esip_addr *from, esip_tp tp,
	       uint32_t conn);

#endif
