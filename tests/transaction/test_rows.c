/*
 * test_rows.c - every row of the four transaction tables, as effects:
 * for each (machine, state, event) and both kinds of transport, the
 * effects the row's action lists, with no socket, no clock and no
 * owner.  The expected lists below are the RFC 3261 17 / RFC 6026 text
 * restated; a row added to a .def file without a line here fails.
 */
#include "testutil.h"
#include "txn_int.h"

#include <stdio.h>
#include <string.h>

static const char *const timer_names[] = {"-", "A", "E", "G", "Trying", "B", "C", "D",
					  "F", "H", "I", "J", "K", "L", "M"};
static const char *const send_names[] = {"-", "request", "ack", "response", "trying", "cancel"};
static const char *const report_names[] = {"-", "REQUEST", "CANCEL", "ACK_2XX", "PROVISIONAL",
					   "SUCCESS", "FAILURE", "TIMEOUT", "TRANSPORT_ERROR",
					   "TERMINATED", "STRAY"};

static void render(const esip_fsm_fx *fx, char *out, size_t cap)
{
	size_t n = 0;
	unsigned i;

	out[0] = 0;
	for (i = 0; i < fx->n; i++) {
		const esip_fx *e = &fx->fx[i];
		const char *sep = i ? " " : "";
		switch (e->kind) {
		case ESIP_FX_SEND:
			n += (size_t)snprintf(out + n, cap - n, "%ssend(%s)", sep, send_names[e->what]);
			break;
		case ESIP_FX_TIMER_START:
			n += (size_t)snprintf(out + n, cap - n, "%sstart(%s,%u)", sep,
					      timer_names[e->what], e->value);
			break;
		case ESIP_FX_TIMER_STOP:
			n += (size_t)snprintf(out + n, cap - n, "%sstop(%s)", sep,
					      e->what == TM_ALL ? "all" : timer_names[e->what]);
			break;
		case ESIP_FX_REPORT:
			n += (size_t)snprintf(out + n, cap - n, "%sreport(%s)", sep,
					      report_names[e->what]);
			break;
		case ESIP_FX_DESTROY:
			n += (size_t)snprintf(out + n, cap - n, "%sdestroy", sep);
			break;
		}
	}
}

/* machine state event transport -> effects (defaults: T1 500, T2 4000,
 * T4 5000, B = F = H = J = L = M = 32000, D 32000, C 185000; the 100
 * Trying delay 200 for INVITE, 3500 otherwise).  The
 * retransmit interval is 500 (A, E, G doubled from T1) before the row. */
static const char *const expected[] = {
	/* ICT, 17.1.1.2 + RFC 6026 7.2 */
	"ICT Init tu_request udp: send(request) start(A,500) start(B,32000)",
	"ICT Init tu_request tcp: send(request) start(B,32000)",
	"ICT Calling timer_a udp: send(request) start(A,1000)",
	"ICT Calling timer_a tcp: send(request) start(A,1000)",
	"ICT Calling timer_b udp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"ICT Calling timer_b tcp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"ICT Calling rx_1xx udp: stop(A) stop(B) start(C,185000) report(PROVISIONAL)",
	"ICT Calling rx_1xx tcp: stop(A) stop(B) start(C,185000) report(PROVISIONAL)",
	"ICT Calling rx_2xx udp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Calling rx_2xx tcp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Calling rx_3xx_6xx udp: stop(all) send(ack) start(D,32000) report(FAILURE)",
	"ICT Calling rx_3xx_6xx tcp: stop(all) send(ack) start(D,0) report(FAILURE)",
	"ICT Calling tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Calling tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Proceeding rx_1xx udp: stop(A) stop(B) start(C,185000) report(PROVISIONAL)",
	"ICT Proceeding rx_1xx tcp: stop(A) stop(B) start(C,185000) report(PROVISIONAL)",
	"ICT Proceeding rx_2xx udp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Proceeding rx_2xx tcp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Proceeding rx_3xx_6xx udp: stop(all) send(ack) start(D,32000) report(FAILURE)",
	"ICT Proceeding rx_3xx_6xx tcp: stop(all) send(ack) start(D,0) report(FAILURE)",
	"ICT Proceeding tu_cancel udp: start(C,32000)",
	"ICT Proceeding tu_cancel tcp: start(C,32000)",
	/* 16.8: Timer C sends the CANCEL, then the 64*T1 guard of 9.1 */
	"ICT Proceeding timer_c udp: send(cancel) start(C,32000)",
	"ICT Proceeding timer_c tcp: send(cancel) start(C,32000)",
	"ICT Proceeding tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Proceeding tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	/* 9.1: a CANCEL is out; provisional responses no longer restart C */
	"ICT Cancelling rx_1xx udp: report(PROVISIONAL)",
	"ICT Cancelling rx_1xx tcp: report(PROVISIONAL)",
	"ICT Cancelling rx_2xx udp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Cancelling rx_2xx tcp: stop(all) start(M,32000) report(SUCCESS)",
	"ICT Cancelling rx_3xx_6xx udp: stop(all) send(ack) start(D,32000) report(FAILURE)",
	"ICT Cancelling rx_3xx_6xx tcp: stop(all) send(ack) start(D,0) report(FAILURE)",
	"ICT Cancelling timer_c udp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"ICT Cancelling timer_c tcp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"ICT Cancelling tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Cancelling tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Completed rx_3xx_6xx udp: send(ack)",
	"ICT Completed rx_3xx_6xx tcp: send(ack)",
	"ICT Completed tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Completed tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"ICT Completed timer_d udp: stop(all) report(TERMINATED) destroy",
	"ICT Completed timer_d tcp: stop(all) report(TERMINATED) destroy",
	"ICT Accepted rx_2xx udp: report(SUCCESS)",
	"ICT Accepted rx_2xx tcp: report(SUCCESS)",
	"ICT Accepted timer_m udp: stop(all) report(TERMINATED) destroy",
	"ICT Accepted timer_m tcp: stop(all) report(TERMINATED) destroy",
	/* NICT, 17.1.2.2 */
	"NICT Init tu_request udp: send(request) start(E,500) start(F,32000)",
	"NICT Init tu_request tcp: send(request) start(F,32000)",
	"NICT Trying timer_e udp: send(request) start(E,1000)",
	"NICT Trying timer_e tcp: send(request) start(E,1000)",
	"NICT Trying timer_f udp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"NICT Trying timer_f tcp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"NICT Trying tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"NICT Trying tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"NICT Trying rx_1xx udp: report(PROVISIONAL)",
	"NICT Trying rx_1xx tcp: report(PROVISIONAL)",
	"NICT Trying rx_2xx udp: stop(all) start(K,5000) report(SUCCESS)",
	"NICT Trying rx_2xx tcp: stop(all) start(K,0) report(SUCCESS)",
	"NICT Trying rx_3xx_6xx udp: stop(all) start(K,5000) report(FAILURE)",
	"NICT Trying rx_3xx_6xx tcp: stop(all) start(K,0) report(FAILURE)",
	"NICT Proceeding timer_e udp: send(request) start(E,4000)",
	"NICT Proceeding timer_e tcp: send(request) start(E,4000)",
	"NICT Proceeding timer_f udp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"NICT Proceeding timer_f tcp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"NICT Proceeding tp_error udp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"NICT Proceeding tp_error tcp: stop(all) report(TRANSPORT_ERROR) stop(all) report(TERMINATED) destroy",
	"NICT Proceeding rx_1xx udp: report(PROVISIONAL)",
	"NICT Proceeding rx_1xx tcp: report(PROVISIONAL)",
	"NICT Proceeding rx_2xx udp: stop(all) start(K,5000) report(SUCCESS)",
	"NICT Proceeding rx_2xx tcp: stop(all) start(K,0) report(SUCCESS)",
	"NICT Proceeding rx_3xx_6xx udp: stop(all) start(K,5000) report(FAILURE)",
	"NICT Proceeding rx_3xx_6xx tcp: stop(all) start(K,0) report(FAILURE)",
	"NICT Completed rx_2xx udp: ",
	"NICT Completed rx_2xx tcp: ",
	"NICT Completed rx_3xx_6xx udp: ",
	"NICT Completed rx_3xx_6xx tcp: ",
	"NICT Completed timer_k udp: stop(all) report(TERMINATED) destroy",
	"NICT Completed timer_k tcp: stop(all) report(TERMINATED) destroy",
	/* IST, 17.2.1 + RFC 6026 7.1 */
	"IST Init rx_request udp: report(REQUEST)",
	"IST Init rx_request tcp: report(REQUEST)",
	"IST Proceeding tu_silent udp: start(Trying,200)",
	"IST Proceeding tu_silent tcp: start(Trying,200)",
	"IST Proceeding timer_trying udp: send(trying)",
	"IST Proceeding timer_trying tcp: send(trying)",
	"IST Proceeding rx_retransmit udp: send(response)",
	"IST Proceeding rx_retransmit tcp: send(response)",
	"IST Proceeding rx_cancel udp: report(CANCEL)",
	"IST Proceeding rx_cancel tcp: report(CANCEL)",
	"IST Proceeding tu_1xx udp: stop(Trying) send(response)",
	"IST Proceeding tu_1xx tcp: stop(Trying) send(response)",
	"IST Proceeding tu_2xx udp: stop(all) send(response) start(L,32000)",
	"IST Proceeding tu_2xx tcp: stop(all) send(response) start(L,32000)",
	"IST Proceeding tu_3xx_6xx udp: stop(all) send(response) start(G,500) start(H,32000)",
	"IST Proceeding tu_3xx_6xx tcp: stop(all) send(response) start(H,32000)",
	"IST Proceeding tp_error udp: report(TRANSPORT_ERROR)",
	"IST Proceeding tp_error tcp: report(TRANSPORT_ERROR)",
	"IST Completed timer_g udp: send(response) start(G,1000)",
	"IST Completed timer_g tcp: send(response) start(G,1000)",
	"IST Completed rx_retransmit udp: send(response)",
	"IST Completed rx_retransmit tcp: send(response)",
	"IST Completed rx_ack udp: stop(all) start(I,5000)",
	"IST Completed rx_ack tcp: stop(all) start(I,0)",
	"IST Completed timer_h udp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"IST Completed timer_h tcp: stop(all) report(TIMEOUT) stop(all) report(TERMINATED) destroy",
	"IST Completed tp_error udp: report(TRANSPORT_ERROR)",
	"IST Completed tp_error tcp: report(TRANSPORT_ERROR)",
	"IST Confirmed rx_ack udp: ",
	"IST Confirmed rx_ack tcp: ",
	"IST Confirmed rx_retransmit udp: ",
	"IST Confirmed rx_retransmit tcp: ",
	"IST Confirmed timer_i udp: stop(all) report(TERMINATED) destroy",
	"IST Confirmed timer_i tcp: stop(all) report(TERMINATED) destroy",
	"IST Accepted rx_retransmit udp: ",
	"IST Accepted rx_retransmit tcp: ",
	"IST Accepted rx_ack udp: report(ACK_2XX)",
	"IST Accepted rx_ack tcp: report(ACK_2XX)",
	"IST Accepted tu_2xx udp: send(response)",
	"IST Accepted tu_2xx tcp: send(response)",
	"IST Accepted tp_error udp: report(TRANSPORT_ERROR)",
	"IST Accepted tp_error tcp: report(TRANSPORT_ERROR)",
	"IST Accepted timer_l udp: stop(all) report(TERMINATED) destroy",
	"IST Accepted timer_l tcp: stop(all) report(TERMINATED) destroy",
	/* NIST, 17.2.2 (+ RFC 6026 8.8) */
	"NIST Init rx_request udp: report(REQUEST)",
	"NIST Init rx_request tcp: report(REQUEST)",
	/* RFC 4320 4.1: the 100 when a client's Timer E reaches T2 (3.5 s) */
	"NIST Trying tu_silent udp: start(Trying,3500)",
	"NIST Trying tu_silent tcp: start(Trying,3500)",
	"NIST Trying rx_retransmit udp: ",
	"NIST Trying rx_retransmit tcp: ",
	"NIST Trying timer_trying udp: send(trying)",
	"NIST Trying timer_trying tcp: send(trying)",
	"NIST Trying tu_1xx udp: stop(Trying) send(response)",
	"NIST Trying tu_1xx tcp: stop(Trying) send(response)",
	"NIST Trying tu_2xx udp: stop(Trying) send(response) start(J,32000)",
	"NIST Trying tu_2xx tcp: stop(Trying) send(response) start(J,0)",
	"NIST Trying tu_3xx_6xx udp: stop(Trying) send(response) start(J,32000)",
	"NIST Trying tu_3xx_6xx tcp: stop(Trying) send(response) start(J,0)",
	"NIST Proceeding rx_retransmit udp: send(response)",
	"NIST Proceeding rx_retransmit tcp: send(response)",
	"NIST Proceeding tu_1xx udp: send(response)",
	"NIST Proceeding tu_1xx tcp: send(response)",
	"NIST Proceeding tu_2xx udp: stop(Trying) send(response) start(J,32000)",
	"NIST Proceeding tu_2xx tcp: stop(Trying) send(response) start(J,0)",
	"NIST Proceeding tu_3xx_6xx udp: stop(Trying) send(response) start(J,32000)",
	"NIST Proceeding tu_3xx_6xx tcp: stop(Trying) send(response) start(J,0)",
	"NIST Proceeding tp_error udp: report(TRANSPORT_ERROR)",
	"NIST Proceeding tp_error tcp: report(TRANSPORT_ERROR)",
	"NIST Completed rx_retransmit udp: send(response)",
	"NIST Completed rx_retransmit tcp: send(response)",
	"NIST Completed tp_error udp: report(TRANSPORT_ERROR)",
	"NIST Completed tp_error tcp: report(TRANSPORT_ERROR)",
	"NIST Completed timer_j udp: stop(all) report(TERMINATED) destroy",
	"NIST Completed timer_j tcp: stop(all) report(TERMINATED) destroy",
};

static esip_txn_kind kind_of(const char *name)
{
	if (!strcmp(name, "ICT"))
		return ESIP_TXN_ICT;
	if (!strcmp(name, "NICT"))
		return ESIP_TXN_NICT;
	if (!strcmp(name, "IST"))
		return ESIP_TXN_IST;
	return ESIP_TXN_NIST;
}

/* The effects of one row, on a bare transaction (no table, no wheel):
 * a stored response is present, so resend rows show their send. */
static void effects_of(const esip_fsm_machine *m, const esip_fsm_row *r, bool tcp, char *out,
		       size_t cap)
{
	static esip_txl txl;
	/* a transaction with some key room after it, as the layer allocates */
	static _Alignas(esip_txn) unsigned char box[sizeof(esip_txn) + 64];
	esip_txn *t = (esip_txn *)(void *)box;
	esip_fsm_fx fx;
	uint8_t st = r->from;

	memset(&txl, 0, sizeof txl);
	esip_txl_config_init(&txl.cfg);
	txl.cfg.timer_b_ms = txl.cfg.timer_f_ms = 32000;
	txl.cfg.timer_d_ms = 32000;
	txl.cfg.timer_c_ms = 185000;
	memset(box, 0, sizeof box);
	t->txl = &txl;
	t->kind = (uint8_t)kind_of(m->name);
	t->retx_ms = 500;
	t->out_len = 1;
	if (tcp)
		t->flags |= TXF_RELIABLE;
	esip_fsm_fx_init(&fx);
	ck_assert_int_eq(esip_fsm_dispatch(m, &st, r->event, t, NULL, &fx, NULL, NULL),
			 ESIP_FSM_HANDLED);
	ck_assert_uint_eq(st, r->to);
	render(&fx, out, cap);
}

START_TEST(every_row_has_its_effects)
{
	size_t nm, i, k, checked = 0;
	const esip_fsm_machine *const *ms = esip_txl_machines(&nm);

	for (i = 0; i < nm; i++) {
		const esip_fsm_machine *m = ms[i];
		for (k = 0; k < m->n_rows; k++) {
			const esip_fsm_row *r = &m->rows[k];
			int tcp;
			for (tcp = 0; tcp < 2; tcp++) {
				char key[128], got[512], line[700];
				size_t e, kl;
				bool found = false;
				effects_of(m, r, tcp, got, sizeof got);
				snprintf(key, sizeof key, "%s %s %s %s: ", m->name,
					 m->state_names[r->from], m->event_names[r->event],
					 tcp ? "tcp" : "udp");
				kl = strlen(key);
				snprintf(line, sizeof line, "%s%s", key, got);
				for (e = 0; e < sizeof expected / sizeof expected[0]; e++) {
					if (strncmp(expected[e], key, kl))
						continue;
					found = true;
					ck_assert_msg(!strcmp(expected[e], line), "\n got  %s\n want %s",
						      line, expected[e]);
				}
				ck_assert_msg(found, "no expectation for \"%s\"", line);
				checked++;
			}
		}
	}
	/* every expected line belongs to a row */
	ck_assert_uint_eq(checked, sizeof expected / sizeof expected[0]);
}
END_TEST

START_TEST(unhandled_events_leave_state)
{
	/* a few cells the RFC leaves empty: nothing happens, the dispatch
	 * says so (the layer counts it) */
	static esip_txl txl;
	esip_txn t;
	esip_fsm_fx fx;
	uint8_t st;

	memset(&txl, 0, sizeof txl);
	memset(&t, 0, sizeof t);
	t.txl = &txl;
	esip_fsm_fx_init(&fx);
	st = esip__ict_S_Completed;
	ck_assert_int_eq(esip_fsm_dispatch(&esip__ict_machine, &st, TXEV_rx_2xx, &t, NULL, &fx,
					   NULL, NULL),
			 ESIP_FSM_UNHANDLED);
	ck_assert_uint_eq(st, esip__ict_S_Completed);
	ck_assert_uint_eq(fx.n, 0);
	st = esip__nist_S_Completed; /* no second response */
	ck_assert_int_eq(esip_fsm_dispatch(&esip__nist_machine, &st, TXEV_tu_2xx, &t, NULL, &fx,
					   NULL, NULL),
			 ESIP_FSM_UNHANDLED);
}
END_TEST

static Suite *suite_rows(void)
{
	Suite *s = suite_create("transaction-rows");
	TCase *tc = tcase_create("rows");

	tcase_add_test(tc, every_row_has_its_effects);
	tcase_add_test(tc, unhandled_events_leave_state);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_rows()};
	return test_run(s, 1);
}
