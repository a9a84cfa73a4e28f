/*
 * test_rows.c - every row of dialog.def (explicit, group and any rows) is
 * taken at least once, on simnet's virtual clock, against a hand-written
 * peer that can send whatever a row needs (a 183 after a 180, a 2xx from
 * another fork after the CANCEL, a 500 to a cancelled INVITE, a BYE that
 * crosses ours ...) and against other UA cores for transfers.  The
 * scenarios run in one process; the machine's trace says which row each
 * transition took; the last check lists any row no scenario reached.
 */
#include "uatest.h"

#include <esip/fsm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEEN 512
static char seen[MAX_SEEN][64];
static size_t n_seen;

static void on_trace(const char *machine, const char *from, const char *event, const char *to)
{
	char key[64];
	size_t i;

	if (getenv("ROWS_TRACE"))
		fprintf(stderr, "  %s: %s --%s--> %s\n", machine, from, event, to ? to : "(none)");
	if (!to)
		return;
	snprintf(key, sizeof key, "%s|%s|%s", machine, from, event);
	for (i = 0; i < n_seen; i++)
		if (!strcmp(seen[i], key))
			return;
	if (n_seen < MAX_SEEN)
		snprintf(seen[n_seen++], sizeof seen[0], "%s", key);
}

static bool was_seen(const char *machine, const char *from, const char *event)
{
	char key[64];
	size_t i;

	snprintf(key, sizeof key, "%s|%s|%s", machine, from, event);
	for (i = 0; i < n_seen; i++)
		if (!strcmp(seen[i], key))
			return true;
	return false;
}

/* The rows of machine m that no scenario took, each named on stderr. */
static size_t rows_not_taken(const esip_fsm_machine *m)
{
	size_t i, missing = 0;
	unsigned s;

	for (i = 0; i < m->n_rows; i++) {
		const esip_fsm_row *r = &m->rows[i];
		const char *from = m->state_names[r->from], *ev = m->event_names[r->event];
		if (!was_seen(m->name, from, ev)) {
			fprintf(stderr, "%s row not taken: %s --%s-->\n", m->name, from, ev);
			missing++;
		}
	}
	for (i = 0; i < m->n_group_rows; i++) {
		const esip_fsm_group_row *g = &m->group_rows[i];
		const char *ev = m->event_names[g->event];
		bool any = false;
		for (s = 0; s < m->n_states && !any; s++) {
			if (esip_fsm_is_final(m, s))
				continue;
			if (g->group != ESIP_FSM_ANY && !esip_fsm_in_group(m, g->group, s))
				continue;
			/* the state has its own row for the event: not this one */
			if (m->table[s * m->n_events + g->event].to_plus1)
				continue;
			any = was_seen(m->name, m->state_names[s], ev);
		}
		if (!any) {
			fprintf(stderr, "%s group row not taken: %s --%s-->\n", m->name,
				g->group == ESIP_FSM_ANY ? "(any)" : esip_fsm_group_name(m, g->group), ev);
			missing++;
		}
	}
	return missing;
}

static const char SDP[] = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

/* ---- the peer ---------------------------------------------------------------------------------- */

typedef struct world {
	simnet *net;
	uatnode a;        /* the UA under test */
	uatraw r;         /* the scripted peer */
	esip_call *call;  /* A's call */
	char call_id[128], atag[64], via[256], from[256], to[256];
	unsigned cseq, rcseq, branch;
} world;

static void world_up(world *w, const esip_ua_config *cfg)
{
	simnet_link l = SIMNET_LINK_PERFECT;

	memset(w, 0, sizeof *w);
	w->net = simnet_new(99);
	l.delay_ms = 2;
	simnet_link_default(w->net, &l);
	uat_node_init(&w->a, w->net, "alice", 5060, cfg);
	uat_raw_init(&w->r, w->net, "peer", 5070);
	w->a.policy.sdp = SDP;
	w->rcseq = 500;
}

static void world_down(world *w)
{
	size_t i;

	for (i = 0; i < w->a.n_calls; i++)
		esip_ua_call_hangup(w->a.calls[i], simnet_now(w->net));
	simnet_run(w->net, 3600000);
	uat_node_deinit(&w->a);
	simnet_free(w->net);
}

static void run(world *w, uint64_t ms) { simnet_run_until(w->net, simnet_now(w->net) + ms); }

/* The last request with this method the peer got, parsed into m. */
static bool last_req(world *w, const char *method, esip_msg *m, esip_hdr *h, size_t cap)
{
	char pre[32];
	const char *t;

	snprintf(pre, sizeof pre, "%s ", method);
	t = uat_raw_last(&w->r, pre);
	if (!t)
		return false;
	esip_msg_init(m, h, cap);
	return esip_msg_parse(m, t, strlen(t), ESIP_PARSE_DATAGRAM, NULL) > 0;
}

/* The peer answers the last `method` with status (To tag given). */
static void answer(world *w, const char *method, unsigned status, const char *tag, const char *extra)
{
	esip_hdr h[64];
	esip_msg m;
	esip_rx_info rx;

	ck_assert_msg(last_req(w, method, &m, h, 64), "no %s", method);
	memset(&rx, 0, sizeof rx);
	rx.tp = ESIP_TP_UDP;
	rx.peer = w->a.addr;
	uat_raw_reply(&w->r, &m, &rx, status, tag, extra);
}

/* A calls the peer (Contact of the peer's answers: extra may change it). */
static void a_calls(world *w)
{
	esip_call_params p;
	esip_hdr h[64];
	esip_msg m;

	memset(&p, 0, sizeof p);
	p.target = "sip:peer@127.0.0.1:5070";
	p.sdp = SDP;
	ck_assert_int_eq(esip_ua_call_make(w->a.ua, &p, simnet_now(w->net), &w->call), 0);
	esip_call_unref(w->call); /* the node keeps it */
	w->a.calls[w->a.n_calls++] = w->call, esip_call_ref(w->call);
	run(w, 5);
	ck_assert(last_req(w, "INVITE", &m, h, 64));
	snprintf(w->call_id, sizeof w->call_id, "%.*s", ESIP_STR_FMT(m.call_id));
	snprintf(w->atag, sizeof w->atag, "%.*s", ESIP_STR_FMT(m.from.tag));
}

/* The peer sends a request in A's dialog (A the caller: A's tag is the
 * From tag of A's INVITE; ours is `tag`). */
static void peer_req(world *w, const char *method, const char *tag, const char *extra,
		     const char *body)
{
	char buf[4096];

	snprintf(buf, sizeof buf,
		 "%s sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr%u\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=%s\nTo: <sip:alice@127.0.0.1>;tag=%s\n"
		 "Call-ID: %s\nCSeq: %u %s\nContact: <sip:peer@127.0.0.1:5070>\n%s"
		 "Content-Length: %zu\n\n%s",
		 method, ++w->branch, tag, w->atag, w->call_id, ++w->rcseq, method, extra ? extra : "",
		 body ? strlen(body) : 0, body ? body : "");
	uat_raw_send(&w->r, &w->a.addr, buf);
}

/* The peer calls A (an INVITE outside a dialog); A's tag is read back
 * from its first tagged response. */
static void peer_invites(world *w, esip_tp tp, const char *sentby)
{
	char buf[4096];

	snprintf(w->call_id, sizeof w->call_id, "in%u@peer", ++w->branch);
	snprintf(buf, sizeof buf,
		 "INVITE sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/%s %s;branch=z9hG4bKi%u\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pt\nTo: <sip:alice@127.0.0.1>\n"
		 "Call-ID: %s\nCSeq: 1 INVITE\nContact: <sip:peer@127.0.0.1:5070>\n"
		 "Content-Type: application/sdp\nContent-Length: %zu\n\n%s",
		 tp == ESIP_TP_TCP ? "TCP" : "UDP", sentby ? sentby : "127.0.0.1:5070", w->branch,
		 w->call_id, strlen(SDP), SDP);
	uat_raw_send_tp(&w->r, &w->a.addr, tp, buf);
	run(w, 5);
	w->call = uat_last_call(&w->a);
	ck_assert_ptr_nonnull(w->call);
	snprintf(w->atag, sizeof w->atag, "%s", esip_call_local_tag(w->call));
}

/* The peer (the caller) sends in that dialog: From pt, To A's tag. */
static void peer_in(world *w, const char *method, unsigned cseq, const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof buf,
		 "%s sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKq%u\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pt\nTo: <sip:alice@127.0.0.1>;tag=%s\n"
		 "Call-ID: %s\nCSeq: %u %s\n%sContent-Length: 0\n\n",
		 method, ++w->branch, w->atag, w->call_id, cseq, method, extra ? extra : "");
	uat_raw_send(&w->r, &w->a.addr, buf);
}

/* The peer CANCELs its INVITE (same branch: the last i-branch). */
static void peer_cancel(world *w, unsigned inv_branch)
{
	char buf[1024];

	snprintf(buf, sizeof buf,
		 "CANCEL sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKi%u\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pt\nTo: <sip:alice@127.0.0.1>\n"
		 "Call-ID: %s\nCSeq: 1 CANCEL\nContent-Length: 0\n\n",
		 inv_branch, w->call_id);
	uat_raw_send(&w->r, &w->a.addr, buf);
}

/* ---- the scenarios --------------------------------------------------------------------------------- */

/* A calls: 100, 183, 180, 183, 180 (a fork's too), 200, the 200 again,
 * the fork's 200; UPDATE, INFO, a re-INVITE and its ACK; A hangs up. */
static void uac_progress(void)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	answer(&w, "INVITE", 100, NULL, NULL);
	run(&w, 5);
	answer(&w, "INVITE", 183, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 183, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 5);
	peer_req(&w, "UPDATE", "t1", NULL, NULL); /* in the early dialog */
	run(&w, 5);
	answer(&w, "INVITE", 180, "t2", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 200, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_ESTABLISHED);
	answer(&w, "INVITE", 200, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 200, "t2", NULL);
	run(&w, 5);
	answer(&w, "BYE", 200, NULL, NULL); /* the fork's BYE */
	peer_req(&w, "UPDATE", "t1", NULL, NULL);
	run(&w, 5);
	peer_req(&w, "INFO", "t1", NULL, NULL);
	run(&w, 5);
	peer_req(&w, "INVITE", "t1", NULL, NULL);
	run(&w, 5);
	peer_req(&w, "ACK", "t1", NULL, NULL);
	run(&w, 5);
	esip_ua_call_hangup(w.call, simnet_now(w.net));
	run(&w, 5);
	answer(&w, "BYE", 200, NULL, NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_TERMINATED);
	world_down(&w);
}

/* 2xx straight from calling and from proceeding */
static void uac_direct_2xx(unsigned first)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	if (first) {
		answer(&w, "INVITE", first, NULL, NULL);
		run(&w, 5);
	}
	answer(&w, "INVITE", 200, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_ESTABLISHED);
	world_down(&w);
}

/* a final failure after provisional `pre` (0: none) */
static void uac_failure(unsigned pre, unsigned status)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	if (pre) {
		answer(&w, "INVITE", pre, "t1", NULL);
		run(&w, 5);
	}
	answer(&w, "INVITE", status, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_FAILED);
	world_down(&w);
}

/* nobody answers: Timer B (calling transaction_timeout) */
static void uac_silent(void)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	run(&w, 40000);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_FAILED);
	world_down(&w);
}

/* a TCP target nobody listens at: transaction_error */
static void uac_refused(void)
{
	world w;
	esip_call_params p;
	esip_call *c;

	world_up(&w, NULL);
	memset(&p, 0, sizeof p);
	p.target = "sip:nobody@127.0.0.1:5999;transport=tcp";
	ck_assert_int_eq(esip_ua_call_make(w.a.ua, &p, 0, &c), 0);
	run(&w, 100);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_FAILED);
	esip_call_unref(c);
	world_down(&w);
}

/* the no-answer timer: CANCEL, then 487 (terminating receive_4xx) */
static void uac_no_answer(void)
{
	world w;
	esip_ua_config cfg;

	esip_ua_config_init(&cfg);
	cfg.no_answer_ms = 1000;
	world_up(&w, &cfg);
	a_calls(&w);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 1100);
	answer(&w, "CANCEL", 200, "t1", NULL);
	answer(&w, "INVITE", 487, "t1", NULL);
	run(&w, 10);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_TERMINATED);
	world_down(&w);
}

/* CANCEL before any provisional; then 180, 183, a fork's 183 (all in
 * terminating); then a final of class `final` to the INVITE (2xx: the
 * race: ACK and BYE; the 2xx again; a fork's 2xx) */
static void uac_cancel(unsigned final)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	esip_ua_call_cancel(w.call, simnet_now(w.net));
	run(&w, 5);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 183, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 183, "t9", NULL);
	run(&w, 5);
	answer(&w, "CANCEL", 200, "t1", NULL);
	answer(&w, "INVITE", final, "t1", NULL);
	run(&w, 5);
	if (final == 200) {
		answer(&w, "INVITE", 200, "t1", NULL);
		run(&w, 5);
		answer(&w, "INVITE", 200, "t3", NULL);
		run(&w, 5);
		answer(&w, "BYE", 200, NULL, NULL);
		run(&w, 5);
	}
	run(&w, 100);
	world_down(&w);
}

/* CANCEL; the INVITE never answered: Timer C's 64*T1 (terminating
 * transaction_timeout) */
static void uac_cancel_silent(void)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 5);
	esip_ua_call_cancel(w.call, simnet_now(w.net));
	run(&w, 40000);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_TERMINATED);
	world_down(&w);
}

/* a host name that never resolves: the CANCEL cannot go, the guard ends
 * it (terminating timeout) */
static void uac_cancel_unresolved(void)
{
	world w;
	esip_call_params p;
	esip_call *c;

	uat_set_resolve_hang(true);
	world_up(&w, NULL);
	uat_set_resolve_hang(false);
	memset(&p, 0, sizeof p);
	p.target = "sip:bob@never.invalid";
	ck_assert_int_eq(esip_ua_call_make(w.a.ua, &p, 0, &c), 0);
	esip_ua_call_cancel(c, 10);
	run(&w, 70000);
	ck_assert(esip_call_state_is_final(esip_ua_call_state(c)));
	esip_call_unref(c);
	world_down(&w);
}

/* the BYE's fates: timeout; refused (its Contact a dead TCP address);
 * crossed by the peer's BYE; its target never resolves (the guard) */
static void bye_fates(int which)
{
	world w;

	static const char *const contact[] = {
		NULL, "Contact: <sip:peer@127.0.0.1:5999;transport=tcp>\r\n", NULL,
		"Contact: <sip:peer@never.invalid>\r\n"};

	uat_set_resolve_hang(which == 3);
	world_up(&w, NULL);
	uat_set_resolve_hang(false);
	a_calls(&w);
	answer(&w, "INVITE", 200, "t1", contact[which]);
	run(&w, 5);
	esip_ua_call_hangup(w.call, simnet_now(w.net));
	run(&w, 5);
	if (which == 2) {
		peer_req(&w, "BYE", "t1", NULL, NULL);
		run(&w, 5);
	}
	run(&w, which == 3 ? 140000 : 40000);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_TERMINATED);
	world_down(&w);
}

/* a REFER of A's answered 481 (confirmed error), and one answered 481
 * while A hangs up (terminating error) */
static void refer_481(bool hangup_first)
{
	world w;

	world_up(&w, NULL);
	a_calls(&w);
	answer(&w, "INVITE", 200, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_refer(w.call, "sip:x@127.0.0.1:5080", NULL, NULL,
					    simnet_now(w.net)),
			 0);
	run(&w, 5);
	if (hangup_first) {
		/* REFER pending; BYE sent; the REFER's answer comes first */
		esip_ua_call_hangup(w.call, simnet_now(w.net));
		run(&w, 5);
	}
	answer(&w, "REFER", 481, NULL, NULL);
	run(&w, 5);
	ck_assert(esip_call_state_is_final(esip_ua_call_state(w.call)));
	world_down(&w);
}

/* A answers the peer's INVITE: ring twice, then accept / reject / be
 * cancelled / time out / get an early BYE / an early UPDATE */
static void uas(int which)
{
	world w;
	esip_ua_config cfg;

	esip_ua_config_init(&cfg);
	cfg.incoming_timeout_ms = 2000;
	world_up(&w, &cfg);
	peer_invites(&w, ESIP_TP_UDP, NULL);
	esip_ua_call_ring(w.call, 180, NULL, 0, simnet_now(w.net));
	run(&w, 5);
	esip_ua_call_ring(w.call, 183, SDP, 0, simnet_now(w.net));
	run(&w, 5);
	switch (which) {
	case 0:
		esip_ua_call_accept(w.call, SDP, 0, simnet_now(w.net));
		run(&w, 5);
		peer_in(&w, "ACK", 1, NULL);
		run(&w, 5);
		peer_in(&w, "BYE", 2, NULL);
		break;
	case 1:
		esip_ua_call_reject(w.call, 486, NULL, simnet_now(w.net));
		break;
	case 2:
		peer_cancel(&w, w.branch);
		break;
	case 3:
		run(&w, 3000); /* 480 */
		break;
	case 4:
		peer_in(&w, "BYE", 2, NULL);
		break;
	case 5:
		peer_in(&w, "UPDATE", 2, NULL);
		run(&w, 5);
		esip_ua_call_reject(w.call, 603, NULL, simnet_now(w.net));
		break;
	}
	run(&w, 100);
	world_down(&w);
}

/* A accepts; the ACK never comes: 2xx retransmissions, then BYE (ack
 * timeout); or A hangs up before the ACK (BYE waits: terminating
 * retransmit_2xx, then the ACK comes - or never: terminating ack_timeout) */
static void uas_no_ack(int which)
{
	world w;

	world_up(&w, NULL);
	peer_invites(&w, ESIP_TP_UDP, NULL);
	esip_ua_call_accept(w.call, SDP, 0, simnet_now(w.net));
	run(&w, 5);
	if (which >= 1) {
		esip_ua_call_hangup(w.call, simnet_now(w.net));
		run(&w, 1000);
		if (which == 1)
			peer_in(&w, "ACK", 1, NULL);
	}
	run(&w, 40000);
	answer(&w, "BYE", 200, NULL, NULL);
	run(&w, 100);
	world_down(&w);
}

/* the peer calls over TCP with a Via sent-by nobody listens at; the
 * connection breaks: A's 180 cannot go (uas_early transaction_error) */
static void uas_tp_error(void)
{
	world w;
	uint32_t conn;

	world_up(&w, NULL);
	peer_invites(&w, ESIP_TP_TCP, "127.0.0.1:5999");
	conn = simnet_conn_find(w.net, w.a.id, w.r.id, ESIP_TP_TCP);
	ck_assert_uint_ne(conn, 0);
	simnet_conn_break(w.net, conn);
	esip_ua_call_ring(w.call, 180, NULL, 0, simnet_now(w.net));
	run(&w, 100);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_FAILED);
	world_down(&w);
}

/* A places a call with Replaces to the peer, which rings (183, 180)
 * and answers */
static void uac_replacing(void)
{
	world w;
	esip_call_params p;
	esip_replaces_params r;

	world_up(&w, NULL);
	memset(&p, 0, sizeof p);
	p.target = "sip:peer@127.0.0.1:5070";
	p.sdp = SDP;
	memset(&r, 0, sizeof r);
	r.call_id = "old@peer";
	r.to_tag = "x1";
	r.from_tag = "x2";
	ck_assert_int_eq(esip_ua_call_make_replacing(w.a.ua, &p, &r, 0, &w.call), 0);
	w.a.calls[w.a.n_calls++] = w.call; /* the node drops our reference */
	run(&w, 5);
	answer(&w, "INVITE", 183, "t1", NULL);
	run(&w, 5);
	answer(&w, "INVITE", 180, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_REPLACING);
	answer(&w, "INVITE", 200, "t1", NULL);
	run(&w, 5);
	ck_assert_int_eq(esip_ua_call_state(w.call), ESIP_CALL_ESTABLISHED);
	world_down(&w);
}

/* ---- transfers and replacements between UA cores ---------------------------------------------------- */

static void transfers(void)
{
	simnet *net = simnet_new(7);
	uatnode a, b, c, d, e;
	esip_ua_config rej;
	esip_call *ab, *ba;
	char uri[64];
	simnet_link l = SIMNET_LINK_PERFECT;

	l.delay_ms = 2;
	simnet_link_default(net, &l);
	esip_ua_config_init(&rej);
	rej.refer_policy = ESIP_POLICY_REJECT;
	uat_node_init(&a, net, "alice", 5060, NULL);
	uat_node_init(&b, net, "bob", 5061, NULL);
	uat_node_init(&c, net, "carol", 5062, NULL);
	uat_node_init(&d, net, "dave", 5063, &rej);
	a.policy.accept_after = b.policy.accept_after = c.policy.accept_after = 0;
	d.policy.accept_after = 0;
	/* A calls B; B refers A to C twice (two subscriptions), C answers
	 * the first, rejects the second (after one on its own) */
	ab = uat_call_to(&a, &b, ESIP_TP_UDP, SDP);
	simnet_run_until(net, 50);
	ba = uat_last_call(&b);
	snprintf(uri, sizeof uri, "sip:carol@127.0.0.1:5062");
	esip_ua_call_refer(ba, uri, NULL, NULL, simnet_now(net));
	simnet_run_until(net, 300);
	esip_ua_call_refer(ba, uri, NULL, NULL, simnet_now(net));
	esip_ua_call_refer(ba, uri, NULL, NULL, simnet_now(net));
	simnet_run_until(net, 600);
	/* B refers A to D, which is busy: refer_failed on both sides */
	c.policy.accept_after = -1;
	c.policy.reject = 486;
	esip_ua_call_refer(ba, uri, NULL, NULL, simnet_now(net));
	simnet_run_until(net, 1000);
	/* A calls D, which rejects REFERs: D refers nothing, B refers D */
	{
		esip_call *ad = uat_call_to(&a, &d, ESIP_TP_UDP, SDP);
		simnet_run_until(net, 1100);
		esip_ua_call_refer(ad, uri, NULL, NULL, simnet_now(net));
		simnet_run_until(net, 1200);
		(void)ad;
	}
	/* replacements: B calls C (ringing, never answered); A replaces that
	 * early dialog at B (uac_early replace_success); then A's call with
	 * B is replaced by a call C places (confirmed replace_success) */
	c.policy.reject = 0;
	c.policy.accept_after = -1;
	c.policy.ring = 180;
	{
		esip_call *bc = uat_call_to(&b, &c, ESIP_TP_UDP, SDP);
		esip_call_params p;
		esip_replaces_params r;
		esip_call *x;
		char rt[64];
		simnet_run_until(net, 1300);
		ck_assert_int_eq(esip_ua_call_state(bc), ESIP_CALL_RINGING);
		/* to B: its tag is the local one of bc, the other is C's */
		esip_ua_call_remote_tag(bc, rt, sizeof rt);
		memset(&p, 0, sizeof p);
		p.target = "sip:bob@127.0.0.1:5061";
		r.call_id = esip_call_id(bc);
		r.to_tag = esip_call_local_tag(bc);
		r.from_tag = rt;
		r.early_only = false;
		b.policy.ring = 183;
		ck_assert_int_eq(esip_ua_call_make_replacing(a.ua, &p, &r, simnet_now(net), &x), 0);
		simnet_run_until(net, 1500);
		esip_call_unref(x);
		/* the confirmed one: A-B replaced by D's call to A */
		r.call_id = esip_call_id(ab);
		r.to_tag = esip_call_local_tag(ab);
		esip_ua_call_remote_tag(ab, rt, sizeof rt);
		r.from_tag = rt;
		p.target = "sip:alice@127.0.0.1:5060";
		a.policy.ring = 180;
		ck_assert_int_eq(esip_ua_call_make_replacing(d.ua, &p, &r, simnet_now(net), &x), 0);
		simnet_run_until(net, 1700);
		esip_call_unref(x);
		/* one that matches nothing: replace_failed */
		r.to_tag = "nope";
		ck_assert_int_eq(esip_ua_call_make_replacing(d.ua, &p, &r, simnet_now(net), &x), 0);
		simnet_run_until(net, 1900);
		esip_call_unref(x);
	}
	/* A calls E, whose application never decides a REFER: at the
	 * subscription's expiry E declines it (603) and its dialog leaves
	 * referred (RFC 3515 2.4.2, RFC 6665 4.2.2) */
	{
		esip_ua_config ask;
		esip_call *ae;

		esip_ua_config_init(&ask);
		ask.refer_policy = ESIP_POLICY_ASK;
		ask.refer_expires_ms = 100;
		uat_node_init(&e, net, "erin", 5064, &ask);
		e.policy.accept_after = 0;
		ae = uat_call_to(&a, &e, ESIP_TP_UDP, SDP);
		simnet_run_until(net, 1950);
		esip_ua_call_refer(ae, uri, NULL, NULL, simnet_now(net));
		simnet_run_until(net, 1960);
		ck_assert_int_eq(esip_ua_call_state(uat_last_call(&e)), ESIP_CALL_REFERRED);
		simnet_run_until(net, 2100);
		ck_assert_int_eq(esip_ua_call_state(uat_last_call(&e)), ESIP_CALL_ESTABLISHED);
	}
	/* the UA goes with calls up: terminate in several states */
	c.policy.ring = 180;
	uat_call_to(&a, &c, ESIP_TP_UDP, SDP);
	simnet_run_until(net, 2200);
	uat_node_deinit(&a);
	uat_node_deinit(&b);
	uat_node_deinit(&c);
	uat_node_deinit(&d);
	uat_node_deinit(&e);
	simnet_free(net);
}

/* Runs one scenario (named on stderr when ROWS_TRACE is set). */
#define SCENARIO(call)                                                                    \
	do {                                                                              \
		if (getenv("ROWS_TRACE"))                                                 \
			fprintf(stderr, "%s\n", #call);                                   \
		call;                                                                     \
	} while (0)

/* ---- the check ---------------------------------------------------------------------------------------- */

START_TEST(every_row)
{
	const esip_fsm_machine *const *ms;
	size_t nm, i, missing = 0;
	unsigned s;

	uat_set_trace(on_trace);
	SCENARIO(uac_progress());
	SCENARIO(uac_direct_2xx(0));
	SCENARIO(uac_direct_2xx(100));
	SCENARIO(uac_direct_2xx(180));
	SCENARIO(uac_failure(0, 302));
	SCENARIO(uac_failure(183, 486));
	SCENARIO(uac_failure(180, 503));
	SCENARIO(uac_failure(0, 603));
	SCENARIO(uac_silent());
	SCENARIO(uac_refused());
	SCENARIO(uac_no_answer());
	SCENARIO(uac_cancel(200));
	SCENARIO(uac_cancel(302));
	SCENARIO(uac_cancel(500));
	SCENARIO(uac_cancel(600));
	SCENARIO(uac_cancel_silent());
	SCENARIO(uac_cancel_unresolved());
	SCENARIO(bye_fates(0));
	SCENARIO(bye_fates(1));
	SCENARIO(bye_fates(2));
	SCENARIO(bye_fates(3));
	SCENARIO(refer_481(false));
	SCENARIO(refer_481(true));
	for (s = 0; s < 6; s++)
		SCENARIO(uas((int)s));
	SCENARIO(uas_no_ack(0));
	SCENARIO(uas_no_ack(1));
	SCENARIO(uas_no_ack(2));
	SCENARIO(uas_tp_error());
	SCENARIO(uac_replacing());
	SCENARIO(transfers());
	uat_set_trace(NULL);

	/* every machine of the UA core: dialog.def, the request machine,
	 * refer.def and the registration's */
	ms = esip_ua_machines(&nm);
	ck_assert_str_eq(ms[0]->name, "DIALOG");
	for (i = 0; i < nm; i++)
		missing += rows_not_taken(ms[i]);
	ck_assert_msg(!missing, "%zu rows of the UA core's tables not taken", missing);
}
END_TEST

Suite *rows_suite(void);
Suite *rows_suite(void)
{
	Suite *s = suite_create("dialog-rows");
	TCase *t = tcase_create("rows");

	tcase_add_test(t, every_row);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {rows_suite()};

	return test_run(s, 1);
}
