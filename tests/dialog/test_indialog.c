/*
 * test_indialog.c - requests inside a call, from a hand-written peer
 * (RFC 3261 12.2.2, 14.2, RFC 3311, RFC 3264): a re-INVITE putting the
 * call on hold is answered with our session (recvonly, o= version + 1)
 * and retransmitted until its ACK; UPDATE and INFO are answered 200,
 * MESSAGE 405, NOTIFY without a subscription 481; a request with a lower
 * CSeq 500; a request naming no dialog 481; an INVITE outside a dialog
 * without Contact 400; a merged INVITE 482; then BYE.  Also what the UA
 * answers outside dialogs (OPTIONS, 501, 405).
 */
#include "uatest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SDP_A[] = "v=0\r\no=a 10 10 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";

typedef struct env {
	simnet *net;
	uatnode a;
	uatraw r;
	esip_call *call;
	char call_id[128], ftag[64], ttag[64], via[256];
	unsigned cseq;
} env;

/* A calls R; R answers 200 by hand; A's ACK comes. */
static void env_up(env *e)
{
	const char *inv;
	char buf[4096], from[256], to[256], cseq[64];

	e->net = simnet_new(7);
	uat_node_init(&e->a, e->net, "alice", 5060, NULL);
	uat_raw_init(&e->r, e->net, "raw", 5070);
	{
		esip_call_params p;
		memset(&p, 0, sizeof p);
		p.target = "sip:raw@127.0.0.1:5070";
		p.sdp = SDP_A;
		ck_assert_int_eq(esip_ua_call_make(e->a.ua, &p, 0, &e->call), 0);
	}
	simnet_run_until(e->net, 10);
	inv = uat_raw_last(&e->r, "INVITE");
	ck_assert_ptr_nonnull(inv);
	ck_assert(uat_raw_hdr(inv, "Via", e->via, sizeof e->via));
	ck_assert(uat_raw_hdr(inv, "From", from, sizeof from));
	ck_assert(uat_raw_hdr(inv, "To", to, sizeof to));
	ck_assert(uat_raw_hdr(inv, "Call-ID", e->call_id, sizeof e->call_id));
	ck_assert(uat_raw_hdr(inv, "CSeq", cseq, sizeof cseq));
	ck_assert_ptr_nonnull(strstr(from, ";tag="));
	snprintf(e->ftag, sizeof e->ftag, "%s", strstr(from, ";tag=") + 5);
	snprintf(e->ttag, sizeof e->ttag, "rawtag1");
	snprintf(buf, sizeof buf,
		 "SIP/2.0 200 OK\nVia: %s\nFrom: %s\nTo: %s;tag=%s\nCall-ID: %s\nCSeq: %s\n"
		 "Contact: <sip:raw@127.0.0.1:5070>\nContent-Type: application/sdp\n"
		 "Content-Length: 0\n\n",
		 e->via, from, to, e->ttag, e->call_id, cseq);
	uat_raw_send(&e->r, &e->a.addr, buf);
	simnet_run_until(e->net, 20);
	ck_assert_int_eq(esip_ua_call_state(e->call), ESIP_CALL_ESTABLISHED);
	ck_assert_ptr_nonnull(uat_raw_last(&e->r, "ACK sip:raw@127.0.0.1:5070"));
	e->cseq = 100;
}

/* R sends a request in the dialog; returns A's response (after the run). */
static const char *in_dialog(env *e, const char *method, unsigned cseq, const char *ftag,
			     const char *extra, const char *body)
{
	static unsigned branch;
	char buf[4096];

	/* a new transaction each time (a new branch), whatever its CSeq */
	snprintf(buf, sizeof buf,
		 "%s sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK%s%u.%u\n"
		 "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1>;tag=%s\nTo: <sip:alice@127.0.0.1>;tag=%s\n"
		 "Call-ID: %s\nCSeq: %u %s\nContact: <sip:raw@127.0.0.1:5070>\n%s"
		 "Content-Length: %zu\n\n%s",
		 method, method, cseq, ++branch, ftag ? ftag : e->ttag, e->ftag, e->call_id, cseq, method,
		 extra ? extra : "", body ? strlen(body) : 0, body ? body : "");
	uat_raw_send(&e->r, &e->a.addr, buf);
	simnet_run_until(e->net, simnet_now(e->net) + 10);
	return uat_raw_last(&e->r, "SIP/2.0");
}

static void env_down(env *e)
{
	simnet_run(e->net, 600000);
	ck_assert_uint_eq(uat_live_calls(&e->a), 0);
	ck_assert_uint_eq(uat_live_txns(&e->a), 0);
	esip_call_unref(e->call);
	uat_node_deinit(&e->a);
	simnet_free(e->net);
}

START_TEST(reinvite_hold)
{
	env e;
	const char *resp;
	char sdp[1024];
	static const char HOLD[] = "v=0\r\no=r 5 6 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
				   "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=sendonly\r\n";

	env_up(&e);
	resp = in_dialog(&e, "INVITE", ++e.cseq, NULL, "Content-Type: application/sdp\n", HOLD);
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	/* RFC 3264 6.1: sendonly is answered recvonly; RFC 3264 8: o= + 1 */
	ck_assert_ptr_nonnull(strstr(resp, "a=recvonly"));
	ck_assert_ptr_null(strstr(resp, "a=sendrecv"));
	ck_assert_ptr_nonnull(strstr(resp, "o=a 10 11 IN IP4"));
	ck_assert_ptr_nonnull(strstr(resp, "Contact: <sip:alice@"));
	/* no ACK yet: the 2xx is retransmitted (13.3.1.4) */
	simnet_run_until(e.net, simnet_now(e.net) + 1600);
	ck_assert_uint_ge(simnet_count(e.net, e.a.id, e.r.id, "SIP/2.0 200"), 3);
	/* the remote SDP is the hold offer; the state did not change */
	ck_assert_int_gt(esip_ua_call_remote_sdp(e.call, sdp, sizeof sdp), 0);
	ck_assert_str_eq(sdp, HOLD);
	ck_assert_int_eq(esip_ua_call_state(e.call), ESIP_CALL_ESTABLISHED);
	ck_assert_uint_eq(uat_count(&e.a, ESIP_UA_CALL_REQUEST), 1);
	/* the ACK stops them */
	{
		char buf[1024];
		snprintf(buf, sizeof buf,
			 "ACK sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKack%u\n"
			 "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1>;tag=%s\nTo: <sip:alice@127.0.0.1>;tag=%s\n"
			 "Call-ID: %s\nCSeq: %u ACK\nContent-Length: 0\n\n",
			 e.cseq, e.ttag, e.ftag, e.call_id, e.cseq);
		uat_raw_send(&e.r, &e.a.addr, buf);
	}
	simnet_run_until(e.net, simnet_now(e.net) + 10);
	{
		size_t before = simnet_count(e.net, e.a.id, e.r.id, "SIP/2.0 200");
		simnet_run_until(e.net, simnet_now(e.net) + 10000);
		ck_assert_uint_eq(simnet_count(e.net, e.a.id, e.r.id, "SIP/2.0 200"), before);
	}
	/* back from hold: sendrecv again, version + 1 again */
	resp = in_dialog(&e, "INVITE", ++e.cseq, NULL, "Content-Type: application/sdp\n",
			 "v=0\r\no=r 5 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			 "m=audio 6000 RTP/AVP 0\r\n");
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	ck_assert_ptr_null(strstr(resp, "a=recvonly"));
	ck_assert_ptr_nonnull(strstr(resp, "o=a 10 12 IN IP4"));
	esip_ua_call_hangup(e.call, simnet_now(e.net));
	env_down(&e);
}
END_TEST

START_TEST(other_requests)
{
	env e;
	const char *resp;
	const uat_event *ev;

	env_up(&e);
	resp = in_dialog(&e, "UPDATE", ++e.cseq, NULL, NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	resp = in_dialog(&e, "INFO", ++e.cseq, NULL, "Content-Type: application/dtmf-relay\n",
			 "Signal=1\r\nDuration=100\r\n");
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	ev = uat_find(&e.a, ESIP_UA_CALL_REQUEST, 1);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->method, "INFO");
	ck_assert_int_eq(ev->status, 200);
	/* RFC 6665 4.1.3: a NOTIFY for no subscription */
	resp = in_dialog(&e, "NOTIFY", ++e.cseq, NULL, "Event: dialog\nSubscription-State: active\n",
			 NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 481", 11), "%s", resp);
	/* 8.2.1: a known method the UA does not take */
	resp = in_dialog(&e, "MESSAGE", ++e.cseq, NULL, NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 405", 11), "%s", resp);
	/* 12.2.2: a lower CSeq is out of order */
	resp = in_dialog(&e, "INFO", e.cseq - 2, NULL, NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 500", 11), "%s", resp);
	/* 12.2.2: a dialog we do not have */
	resp = in_dialog(&e, "INFO", ++e.cseq, "not-their-tag", NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 481", 11), "%s", resp);
	ck_assert_int_eq(esip_ua_call_state(e.call), ESIP_CALL_ESTABLISHED);
	/* the peer hangs up */
	resp = in_dialog(&e, "BYE", ++e.cseq, NULL, NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 200", 11), "%s", resp);
	ck_assert_int_eq(esip_ua_call_state(e.call), ESIP_CALL_TERMINATED);
	/* and again (the call is gone): 481 */
	resp = in_dialog(&e, "BYE", ++e.cseq, NULL, NULL, NULL);
	ck_assert_msg(!strncmp(resp, "SIP/2.0 481", 11), "%s", resp);
	env_down(&e);
}
END_TEST

/* Outside dialogs: OPTIONS, an unknown method, a known one not handled,
 * an INVITE without Contact, a BYE naming no dialog, a merged INVITE. */
START_TEST(outside_dialogs)
{
	simnet *net = simnet_new(3);
	uatnode a;
	uatraw r;
	const char *resp;
	char buf[2048];
	static const char *const cases[][2] = {
		{"OPTIONS", "SIP/2.0 200"},
		{"FOO", "SIP/2.0 501"},
		{"SUBSCRIBE", "SIP/2.0 405"},
		{"invite", "SIP/2.0 501"}, /* methods are case-sensitive (8.2.1) */
		{"INFO", "SIP/2.0 481"},
	};
	size_t i;

	uat_node_init(&a, net, "alice", 5060, NULL);
	uat_raw_init(&r, net, "raw", 5070);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf,
			 "%s sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKo%zu\n"
			 "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1>;tag=r%zu\nTo: <sip:alice@127.0.0.1>\n"
			 "Call-ID: out%zu\nCSeq: 1 %s\n%sContent-Length: 0\n\n",
			 cases[i][0], i, i, i, cases[i][0],
			 !strcmp(cases[i][0], "SUBSCRIBE") ? "Event: presence\n" : "");
		uat_raw_send(&r, &a.addr, buf);
		simnet_run_until(net, simnet_now(net) + 10);
		resp = uat_raw_last(&r, "SIP/2.0");
		ck_assert_msg(resp && !strncmp(resp, cases[i][1], 11), "%s: %s", cases[i][0],
			      resp ? resp : "(none)");
	}
	/* 8.1.1.8: an INVITE needs a Contact to make a dialog */
	snprintf(buf, sizeof buf,
		 "INVITE sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnc\n"
		 "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1>;tag=nc\nTo: <sip:alice@127.0.0.1>\n"
		 "Call-ID: nocontact\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
	uat_raw_send(&r, &a.addr, buf);
	simnet_run_until(net, simnet_now(net) + 10);
	resp = uat_raw_last(&r, "SIP/2.0");
	ck_assert_msg(resp && !strncmp(resp, "SIP/2.0 400", 11), "%s", resp ? resp : "(none)");
	/* 8.2.2.2: the same INVITE by another path (other branch) while the
	 * first rings: 482 */
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof buf,
			 "INVITE sip:alice@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm%zu\n"
			 "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1>;tag=mm\nTo: <sip:alice@127.0.0.1>\n"
			 "Call-ID: merged\nCSeq: 1 INVITE\nContact: <sip:raw@127.0.0.1:5070>\n"
			 "Content-Length: 0\n\n",
			 i);
		uat_raw_send(&r, &a.addr, buf);
		simnet_run_until(net, simnet_now(net) + 10);
	}
	resp = uat_raw_last(&r, "SIP/2.0 482");
	ck_assert_ptr_nonnull(resp);
	ck_assert_uint_eq(uat_count(&a, ESIP_UA_INCOMING_CALL), 1);
	uat_node_deinit(&a);
	simnet_free(net);
}
END_TEST

Suite *indialog_suite(void);
Suite *indialog_suite(void)
{
	Suite *s = suite_create("dialog-indialog");
	TCase *t = tcase_create("indialog");

	tcase_add_test(t, reinvite_hold);
	tcase_add_test(t, other_requests);
	tcase_add_test(t, outside_dialogs);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {indialog_suite()};

	return test_run(s, 1);
}
