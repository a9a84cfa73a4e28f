/*
 * test_stack_calls.c - calls between stacks on real loopback sockets, each
 * stack in its own loop thread: the public call API (esip/stack.h), the
 * callbacks (incoming call, every state change, REFER), reference
 * counting, and operations from inside callbacks - over UDP and TCP, IPv4
 * and IPv6; blind and attended transfer among three stacks.
 */
#include "stk_harness.h"

static const char SDP[] = "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

/* What one stack saw, under g_mu. */
typedef struct seen {
	int incoming;
	int states;
	esip_call *calls[16];   /* references, in order of first sight */
	int ncalls;
	char path[16][256];     /* per call: "idle>calling>..." */
	int refer_finals, refer_ok;
	int refers_in;
	bool auto_answer;       /* ring, then accept at once */
	int reject;             /* or reject with this */
} seen;

static int call_index(seen *w, esip_call *c)
{
	int i;

	for (i = 0; i < w->ncalls; i++)
		if (w->calls[i] == c)
			return i;
	ck_assert_int_lt(w->ncalls, 16);
	esip_call_ref(c);
	w->calls[w->ncalls] = c;
	w->path[w->ncalls][0] = 0;
	return w->ncalls++;
}

static void on_incoming(void *ud, esip_call *c)
{
	seen *w = ud;

	pthread_mutex_lock(&g_mu);
	w->incoming++;
	call_index(w, c);
	pthread_mutex_unlock(&g_mu);
	/* from inside the callback, like an application would */
	if (w->reject) {
		ck_assert_int_eq(esip_call_reject(c, (unsigned)w->reject, NULL), 0);
	} else if (w->auto_answer) {
		ck_assert_int_eq(esip_call_ring(c, 180, NULL, 0), 0);
		ck_assert_int_eq(esip_call_accept(c, SDP, 0), 0);
	}
	stk_signal();
}

static void on_state(void *ud, esip_call *c, const esip_call_event *ev)
{
	seen *w = ud;
	int i;

	pthread_mutex_lock(&g_mu);
	i = call_index(w, c);
	if (!w->path[i][0])
		snprintf(w->path[i], sizeof w->path[i], "%s", esip_call_state_name(ev->prev));
	snprintf(w->path[i] + strlen(w->path[i]), sizeof w->path[i] - strlen(w->path[i]), ">%s",
		 esip_call_state_name(ev->state));
	w->states++;
	pthread_mutex_unlock(&g_mu);
	stk_signal();
}

static void on_refer_status(void *ud, esip_call *c, int status, bool final, bool ok)
{
	seen *w = ud;

	pthread_mutex_lock(&g_mu);
	if (final) {
		w->refer_finals++;
		w->refer_ok += ok;
	}
	pthread_mutex_unlock(&g_mu);
	stk_signal();
}

static void on_refer(void *ud, esip_call *c, const esip_refer_info *info)
{
	seen *w = ud;

	pthread_mutex_lock(&g_mu);
	w->refers_in++;
	pthread_mutex_unlock(&g_mu);
	ck_assert_ptr_nonnull(strstr(info->refer_to, "sip:"));
	ck_assert_int_eq(esip_call_refer_accept(c), 0);
	stk_signal();
}

static esip_stack *mk(seen *w, const esip_listen *l, size_t n, bool ask_refer)
{
	esip_stack_config c;
	esip_stack *s;

	stk_config(&c, l, n);
	c.cb.ud = w;
	c.cb.incoming_call = on_incoming;
	c.cb.call_state = on_state;
	c.cb.refer_status = on_refer_status;
	c.cb.incoming_refer = on_refer;
	if (ask_refer)
		c.ua.refer_policy = ESIP_POLICY_ASK;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	return s;
}

static void drop_all(seen *w)
{
	int i;

	for (i = 0; i < w->ncalls; i++)
		esip_call_unref(w->calls[i]);
	w->ncalls = 0;
}

static void uri_of(esip_stack *s, esip_tp tp, const char *user, char *out, size_t cap)
{
	esip_addr a;
	char hp[ESIP_ADDR_STRLEN];

	ck_assert_int_eq(esip_stack_local_addr(s, tp, &a), 0);
	esip_addr_str(&a, hp, sizeof hp);
	snprintf(out, cap, "sip:%s@%s%s", user, hp, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
}

static const esip_listen l4a[] = {{ESIP_TP_UDP, "127.0.0.1:0"}, {ESIP_TP_TCP, "127.0.0.1:0"}};
static const esip_listen l4b[] = {{ESIP_TP_UDP, "127.0.0.1:0"}, {ESIP_TP_TCP, "127.0.0.1:0"}};
static const esip_listen l4c[] = {{ESIP_TP_UDP, "127.0.0.1:0"}, {ESIP_TP_TCP, "127.0.0.1:0"}};
static const esip_listen l6a[] = {{ESIP_TP_UDP, "[::1]:0"}, {ESIP_TP_TCP, "[::1]:0"}};
static const esip_listen l6b[] = {{ESIP_TP_UDP, "[::1]:0"}, {ESIP_TP_TCP, "[::1]:0"}};

static bool have_ipv6(void)
{
	esip_addr a;
	int fd = net_peer_sock(SOCK_DGRAM, "::1", &a);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void call_both_ways(const esip_listen *la, const esip_listen *lb, esip_tp tp)
{
	seen wa, wb;
	esip_stack *a, *b;
	esip_call_params p;
	esip_call *c;
	char uri[128], sdp[512];
	esip_stack_stats st;

	memset(&wa, 0, sizeof wa);
	memset(&wb, 0, sizeof wb);
	wb.auto_answer = true;
	a = mk(&wa, la, 2, false);
	b = mk(&wb, lb, 2, false);
	uri_of(b, tp, "bob", uri, sizeof uri);
	memset(&p, 0, sizeof p);
	p.target = uri;
	p.sdp = SDP;
	ck_assert_int_eq(esip_call_make(a, &p, &c), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_ESTABLISHED, STK_WAIT_MS));
	ck_assert(STK_WAIT(wb.ncalls == 1 && esip_call_get_state(wb.calls[0]) == ESIP_CALL_ESTABLISHED,
			   STK_WAIT_MS));
	ck_assert_int_gt(esip_call_remote_sdp(c, sdp, sizeof sdp), 0);
	ck_assert_str_eq(sdp, SDP);
	ck_assert_str_eq(esip_call_id(c), esip_call_id(wb.calls[0]));
	ck_assert_int_eq(esip_call_hangup(c), 0);
	/* the callbacks (deferred) report every step, in order */
	ck_assert(STK_WAIT(!strcmp(wa.path[0], "idle>calling>ringing>established>terminating>terminated"),
			   STK_WAIT_MS));
	ck_assert(STK_WAIT(!strcmp(wb.path[0], "idle>incoming>alerting>established>terminated"),
			   STK_WAIT_MS));
	esip_stack_get_stats(a, &st);
	ck_assert_uint_eq(st.calls_out, 1);
	ck_assert_uint_eq(st.calls_established, 1);
	ck_assert_uint_eq(st.active_dialogs, 0);
	/* the caller's handle outlives the stack (esip/stack.h) */
	esip_stack_free(a);
	esip_stack_free(b);
	ck_assert_int_eq(esip_call_get_state(c), ESIP_CALL_TERMINATED);
	esip_call_unref(c);
	drop_all(&wa);
	drop_all(&wb);
}

START_TEST(call_udp4) { call_both_ways(l4a, l4b, ESIP_TP_UDP); }
END_TEST
START_TEST(call_tcp4) { call_both_ways(l4a, l4b, ESIP_TP_TCP); }
END_TEST
START_TEST(call_udp6)
{
	if (have_ipv6())
		call_both_ways(l6a, l6b, ESIP_TP_UDP);
}
END_TEST
START_TEST(call_tcp6)
{
	if (have_ipv6())
		call_both_ways(l6a, l6b, ESIP_TP_TCP);
}
END_TEST

START_TEST(call_rejected_and_cancelled)
{
	seen wa, wb;
	esip_stack *a, *b;
	esip_call_params p;
	esip_call *c;
	char uri[128];

	memset(&wa, 0, sizeof wa);
	memset(&wb, 0, sizeof wb);
	wb.reject = 486;
	a = mk(&wa, l4a, 2, false);
	b = mk(&wb, l4b, 2, false);
	uri_of(b, ESIP_TP_UDP, "bob", uri, sizeof uri);
	memset(&p, 0, sizeof p);
	p.target = uri;
	ck_assert_int_eq(esip_call_make(a, &p, &c), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_FAILED, STK_WAIT_MS));
	ck_assert_uint_eq(esip_call_get_status(c), 486);
	esip_call_unref(c);
	/* now B lets it ring: A cancels */
	pthread_mutex_lock(&g_mu);
	wb.reject = 0;
	wb.auto_answer = false;
	pthread_mutex_unlock(&g_mu);
	ck_assert_int_eq(esip_call_make(a, &p, &c), 0);
	ck_assert(STK_WAIT(wb.incoming == 2, STK_WAIT_MS));
	ck_assert_int_eq(esip_call_ring(wb.calls[1], 180, NULL, 0), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_RINGING, STK_WAIT_MS));
	ck_assert_int_eq(esip_call_cancel(c), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_TERMINATED, STK_WAIT_MS));
	ck_assert(STK_WAIT(esip_call_get_state(wb.calls[1]) == ESIP_CALL_TERMINATED, STK_WAIT_MS));
	ck_assert_uint_eq(esip_call_get_status(c), 487);
	/* a handle of an ended call: operations say so */
	ck_assert_int_eq(esip_call_hangup(c), ESIP_ESTATE);
	esip_call_unref(c);
	esip_stack_free(a);
	esip_stack_free(b);
	drop_all(&wa);
	drop_all(&wb);
}
END_TEST

/* A call to a UDP port where nothing listens: the ICMP error fails the
 * INVITE at once (RFC 3261 18.4, 8.1.3.1), FAILED with 503, not after
 * Timer B's 32 s (far beyond the wait). */
START_TEST(call_udp_unreachable_503)
{
	seen wa;
	esip_stack *a;
	esip_call_params p;
	esip_call *c;
	esip_addr pa;
	char uri[128];
	int fd;

	memset(&wa, 0, sizeof wa);
	a = mk(&wa, l4a, 2, false);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	close(fd); /* nobody listens there now */
	snprintf(uri, sizeof uri, "sip:nobody@127.0.0.1:%u", esip_addr_port(&pa));
	memset(&p, 0, sizeof p);
	p.target = uri;
	p.sdp = SDP;
	ck_assert_int_eq(esip_call_make(a, &p, &c), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_FAILED, 10000));
	ck_assert_uint_eq(esip_call_get_status(c), 503);
	esip_call_unref(c);
	esip_stack_free(a);
	drop_all(&wa);
}
END_TEST

/* esip_stack_free with a call up: the call ends (BYE on the wire), its
 * state reported, the peer sees the BYE. */
START_TEST(free_with_calls_up)
{
	seen wa, wb;
	esip_stack *a, *b;
	esip_call_params p;
	esip_call *c;
	char uri[128];

	memset(&wa, 0, sizeof wa);
	memset(&wb, 0, sizeof wb);
	wb.auto_answer = true;
	a = mk(&wa, l4a, 2, false);
	b = mk(&wb, l4b, 2, false);
	uri_of(b, ESIP_TP_UDP, "bob", uri, sizeof uri);
	memset(&p, 0, sizeof p);
	p.target = uri;
	ck_assert_int_eq(esip_call_make(a, &p, &c), 0);
	ck_assert(STK_WAIT(esip_call_get_state(c) == ESIP_CALL_ESTABLISHED, STK_WAIT_MS));
	esip_stack_free(a);
	/* free ran the last callbacks before it returned */
	pthread_mutex_lock(&g_mu);
	ck_assert_ptr_nonnull(strstr(wa.path[0], ">terminated"));
	pthread_mutex_unlock(&g_mu);
	ck_assert(STK_WAIT(wb.ncalls == 1 && esip_call_get_state(wb.calls[0]) == ESIP_CALL_TERMINATED,
			   STK_WAIT_MS));
	esip_call_unref(c);
	esip_stack_free(b);
	drop_all(&wa);
	drop_all(&wb);
}
END_TEST

/* ---- transfer among three stacks ------------------------------------------------------------ */

static void transfer(bool attended, esip_tp tp)
{
	seen wa, wb, wc;
	esip_stack *a, *b, *c;
	esip_call_params p;
	esip_call *ab, *bc = NULL;
	char uri[128];

	memset(&wa, 0, sizeof wa);
	memset(&wb, 0, sizeof wb);
	memset(&wc, 0, sizeof wc);
	wa.auto_answer = wb.auto_answer = wc.auto_answer = true;
	a = mk(&wa, l4a, 2, true);
	b = mk(&wb, l4b, 2, false);
	c = mk(&wc, l4c, 2, false);
	/* A calls B */
	uri_of(b, tp, "bob", uri, sizeof uri);
	memset(&p, 0, sizeof p);
	p.target = uri;
	p.sdp = SDP;
	ck_assert_int_eq(esip_call_make(a, &p, &ab), 0);
	ck_assert(STK_WAIT(wb.ncalls == 1 && esip_call_get_state(wb.calls[0]) == ESIP_CALL_ESTABLISHED,
			   STK_WAIT_MS));
	uri_of(c, tp, "carol", uri, sizeof uri);
	if (attended) {
		/* B calls C too, then joins A and C */
		ck_assert_int_eq(esip_call_make(b, &p, &bc), 0);
		ck_assert(STK_WAIT(esip_call_get_state(bc) == ESIP_CALL_ESTABLISHED, STK_WAIT_MS));
		ck_assert_int_eq(esip_call_refer(wb.calls[0], NULL, bc, NULL), 0);
	} else {
		ck_assert_int_eq(esip_call_refer(wb.calls[0], uri, NULL, NULL), 0);
	}
	ck_assert(STK_WAIT(wb.refer_finals == 1, STK_WAIT_MS));
	ck_assert_int_eq(wb.refer_ok, 1);
	ck_assert_int_eq(wa.refers_in, 1);
	/* A has a call with C now */
	ck_assert(STK_WAIT(wa.ncalls == 2 && esip_call_get_state(wa.calls[1]) == ESIP_CALL_ESTABLISHED,
			   STK_WAIT_MS));
	if (attended) {
		/* C's call with B was replaced and ended */
		ck_assert(STK_WAIT(esip_call_get_state(bc) == ESIP_CALL_TERMINATED, STK_WAIT_MS));
		ck_assert(STK_WAIT(!strcmp(wc.path[0], "idle>incoming>alerting>established>replaced"),
				   STK_WAIT_MS));
		ck_assert(STK_WAIT(!strcmp(wa.path[1], "idle>replacing>established"), STK_WAIT_MS));
		esip_call_unref(bc);
	}
	/* the transferor leaves */
	ck_assert_int_eq(esip_call_hangup(wb.calls[0]), 0);
	ck_assert(STK_WAIT(esip_call_get_state(ab) == ESIP_CALL_TERMINATED, STK_WAIT_MS));
	ck_assert_int_eq(esip_call_get_state(wa.calls[1]), ESIP_CALL_ESTABLISHED);
	esip_call_unref(ab);
	esip_stack_free(a);
	esip_stack_free(b);
	esip_stack_free(c);
	drop_all(&wa);
	drop_all(&wb);
	drop_all(&wc);
}

START_TEST(blind_transfer_udp) { transfer(false, ESIP_TP_UDP); }
END_TEST
START_TEST(blind_transfer_tcp) { transfer(false, ESIP_TP_TCP); }
END_TEST
START_TEST(attended_transfer_udp) { transfer(true, ESIP_TP_UDP); }
END_TEST

Suite *calls_suite(void);
Suite *calls_suite(void)
{
	Suite *s = suite_create("stack-calls");
	TCase *t = tcase_create("calls");
	TCase *x = tcase_create("transfer");

	tcase_add_test(t, call_udp4);
	tcase_add_test(t, call_tcp4);
	tcase_add_test(t, call_udp6);
	tcase_add_test(t, call_tcp6);
	tcase_add_test(t, call_rejected_and_cancelled);
	tcase_add_test(t, call_udp_unreachable_503);
	tcase_add_test(t, free_with_calls_up);
	tcase_add_test(x, blind_transfer_udp);
	tcase_add_test(x, blind_transfer_tcp);
	tcase_add_test(x, attended_transfer_udp);
	tcase_set_timeout(t, 60);
	tcase_set_timeout(x, 60);
	suite_add_tcase(s, t);
	suite_add_tcase(s, x);
	return s;
}

int main(void)
{
	Suite *s[] = {calls_suite()};

	return test_run(s, 1);
}
