/*
 * test_fsm_groups.c - rows that hold in a group of states or in any
 * state (FSM_GROUP, FSM_IN, FSM_ROW_GROUP, FSM_ROW_ANY) and the target
 * SAME: generation, which row applies where (explicit > group > any,
 * never in a final state, first of two overlapping rows), esip_fsm_lookup
 * on every kind of row, the ERROR policy through an any row, the checker
 * on sound and unsound group tables, and the diagrams.
 */
#include "fsm_capture.h"
#include "testutil.h"

#include <esip/fsm.h>

#include <stdlib.h>
#include <string.h>

/* Every action appends one effect whose `what` tells which action ran. */
enum { W_START = 1, W_ALERT, W_CONNECT, W_PARK, W_UNPARK, W_STOP, W_PONG, W_EXPIRE, W_NOTE };

#define ACT(prefix, name, what)                                                     \
	void prefix##_act_##name(void *ctx, const void *arg, esip_fsm_fx *fx)       \
	{                                                                           \
		esip_fsm_fx_push(fx, ESIP_FX_REPORT, what, 0);                      \
	}

/* ---- a sound machine with groups --------------------------------------- */
#define FSM_PREFIX call
#define FSM_FILE "toy_call.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
ACT(call, start, W_START)
ACT(call, alert, W_ALERT)
ACT(call, connect, W_CONNECT)
ACT(call, park, W_PARK)
ACT(call, unpark, W_UNPARK)
ACT(call, stop, W_STOP)
ACT(call, pong, W_PONG)
ACT(call, expire, W_EXPIRE)
ACT(call, note, W_NOTE)

/* ---- the ERROR policy through an any row --------------------------------- */
#define FSM_PREFIX sany
#define FSM_FILE "toy_error_any.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
ACT(sany, step, 1)
ACT(sany, fail, 99)
ACT(sany, shrug, 98)

/* ---- unsound group rows (its row without a reference fails fsm_gen.h's
 * static assertion: allowed here only) ------------------------------------ */
#define FSM_GEN_LENIENT
#define FSM_PREFIX badg
#define FSM_FILE "toy_bad_groups.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_GEN_LENIENT
ACT(badg, a, 1)
ACT(badg, b, 2)
ACT(badg, undescribed, 3)

/* Dispatches ev from st; returns the new state, *what the action's mark
 * (0 when unhandled). */
static unsigned run(const esip_fsm_machine *m, unsigned st, unsigned ev, unsigned *what,
		    int *rc)
{
	uint8_t s = (uint8_t)st;
	esip_fsm_fx fx;

	esip_fsm_fx_init(&fx);
	*rc = esip_fsm_dispatch(m, &s, ev, NULL, NULL, &fx, NULL, NULL);
	*what = fx.n ? fx.fx[0].what : 0;
	ck_assert_uint_le(fx.n, 1);
	return s;
}

/* (state, event) gives `to` with action mark `what`, or is unhandled
 * when what == 0. */
static void expect(const esip_fsm_machine *m, unsigned st, unsigned ev, unsigned to,
		   unsigned what)
{
	unsigned got_what;
	int rc;
	unsigned got = run(m, st, ev, &got_what, &rc);

	ck_assert_msg(got == to && got_what == what &&
			      rc == (what ? ESIP_FSM_HANDLED : ESIP_FSM_UNHANDLED),
		      "%s (%s, %s): got %s by %u (rc %d), want %s by %u", m->name,
		      esip_fsm_state_name(m, st), esip_fsm_event_name(m, ev),
		      esip_fsm_state_name(m, got), got_what, rc, esip_fsm_state_name(m, to), what);
}

START_TEST(generated_groups)
{
	const esip_fsm_machine *m = &call_machine;

	ck_assert_int_eq(call_G__COUNT, 3);
	ck_assert_uint_eq(m->n_groups, 3);
	ck_assert_uint_eq(m->n_rows, 6);
	ck_assert_uint_eq(m->n_group_rows, 7);
	ck_assert_str_eq(esip_fsm_group_name(m, call_G_Live), "Live");
	ck_assert_str_eq(esip_fsm_group_name(m, 3), "?");
	ck_assert(esip_fsm_in_group(m, call_G_Early, call_S_Ringing));
	ck_assert(esip_fsm_in_group(m, call_G_Busy, call_S_Ringing));
	ck_assert(esip_fsm_in_group(m, call_G_Busy, call_S_Done));
	ck_assert(!esip_fsm_in_group(m, call_G_Early, call_S_Talking));
	ck_assert(!esip_fsm_in_group(m, 3, call_S_Talking));
	ck_assert(!esip_fsm_in_group(m, call_G_Early, 200));
	/* group and any rows in file order, SAME kept as the cell's marker */
	ck_assert_uint_eq(m->group_rows[0].group, call_G_Early);
	ck_assert_uint_eq(m->group_rows[0].event, call_E_ring);
	ck_assert_uint_eq(m->group_rows[0].cell.to_plus1, call_S_Ringing + 1);
	ck_assert_uint_eq(m->group_rows[0].cell.action, call_A_alert);
	ck_assert_str_eq(m->group_rows[0].ref, "g1");
	ck_assert_uint_eq(m->group_rows[4].cell.to_plus1, ESIP_FSM_SAME);
	ck_assert_uint_eq(m->group_rows[5].group, ESIP_FSM_ANY);
	ck_assert_uint_eq(m->group_rows[5].cell.to_plus1, ESIP_FSM_SAME);
	ck_assert_uint_eq(m->group_rows[6].cell.to_plus1, call_S_Idle + 1);
	/* an FSM_ROW to SAME names its own state, in the row and the table */
	ck_assert_uint_eq(m->rows[5].from, call_S_Held);
	ck_assert_uint_eq(m->rows[5].to, call_S_Held);
	ck_assert_uint_eq(m->table[call_S_Held * m->n_events + call_E_ping].to_plus1,
			  call_S_Held + 1);
	ck_assert_int_eq(call_S_SAME, ESIP_FSM_SAME);
}
END_TEST

START_TEST(group_rows_apply_in_their_states)
{
	const esip_fsm_machine *m = &call_machine;

	/* Early = Dialing, Ringing: ring and hangup from either */
	expect(m, call_S_Dialing, call_E_ring, call_S_Ringing, W_ALERT);
	expect(m, call_S_Ringing, call_E_ring, call_S_Ringing, W_ALERT);
	expect(m, call_S_Dialing, call_E_hangup, call_S_Done, W_STOP);
	expect(m, call_S_Ringing, call_E_hangup, call_S_Done, W_STOP);
	/* Live = Talking, Held */
	expect(m, call_S_Talking, call_E_hangup, call_S_Done, W_STOP);
	/* not in any group with a hangup row: unhandled */
	expect(m, call_S_Idle, call_E_hangup, call_S_Idle, 0);
	/* Ringing is in Early and in Busy: rows of both apply */
	expect(m, call_S_Ringing, call_E_noise, call_S_Ringing, W_NOTE);
	expect(m, call_S_Talking, call_E_noise, call_S_Talking, W_NOTE);
	expect(m, call_S_Dialing, call_E_noise, call_S_Dialing, 0);
}
END_TEST

START_TEST(explicit_row_wins)
{
	const esip_fsm_machine *m = &call_machine;

	/* Held is in Live (hangup -> Done) but has its own hangup row */
	expect(m, call_S_Held, call_E_hangup, call_S_Talking, W_UNPARK);
	/* Held's own ping row (SAME) wins over the any row */
	expect(m, call_S_Held, call_E_ping, call_S_Held, W_NOTE);
	/* Ringing's own answer row */
	expect(m, call_S_Ringing, call_E_answer, call_S_Talking, W_CONNECT);
}
END_TEST

START_TEST(group_row_wins_over_any_row)
{
	const esip_fsm_machine *m = &call_machine;

	/* Early has a timeout row; the any row (-> Idle) covers the rest */
	expect(m, call_S_Dialing, call_E_timeout, call_S_Done, W_EXPIRE);
	expect(m, call_S_Ringing, call_E_timeout, call_S_Done, W_EXPIRE);
	expect(m, call_S_Talking, call_E_timeout, call_S_Idle, W_EXPIRE);
	expect(m, call_S_Held, call_E_timeout, call_S_Idle, W_EXPIRE);
	expect(m, call_S_Idle, call_E_timeout, call_S_Idle, W_EXPIRE);
}
END_TEST

START_TEST(any_row_with_same_keeps_every_state)
{
	const esip_fsm_machine *m = &call_machine;
	unsigned s;

	for (s = 0; s < m->n_states; s++) {
		if (m->final[s] || s == call_S_Held)
			continue;
		expect(m, s, call_E_ping, s, W_PONG);
	}
}
END_TEST

START_TEST(never_in_a_final_state)
{
	const esip_fsm_machine *m = &call_machine;

	/* Done is in Busy (noise) and any rows cover ping and timeout */
	expect(m, call_S_Done, call_E_noise, call_S_Done, 0);
	expect(m, call_S_Done, call_E_ping, call_S_Done, 0);
	expect(m, call_S_Done, call_E_timeout, call_S_Done, 0);
	ck_assert_ptr_null(esip_fsm_lookup(m, call_S_Done, call_E_ping));
}
END_TEST

START_TEST(lookup_answers_every_kind_of_row)
{
	const esip_fsm_machine *m = &call_machine;
	const esip_fsm_cell *c;

	/* explicit: the dense table's cell */
	c = esip_fsm_lookup(m, call_S_Idle, call_E_dial);
	ck_assert_ptr_eq(c, &m->table[call_S_Idle * m->n_events + call_E_dial]);
	ck_assert_uint_eq(esip_fsm_cell_target(c, call_S_Idle), call_S_Dialing);
	/* group row */
	c = esip_fsm_lookup(m, call_S_Ringing, call_E_hangup);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->action, call_A_stop);
	ck_assert_uint_eq(esip_fsm_cell_target(c, call_S_Ringing), call_S_Done);
	/* group row to SAME: the target is the asking state */
	c = esip_fsm_lookup(m, call_S_Talking, call_E_noise);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(esip_fsm_cell_target(c, call_S_Talking), call_S_Talking);
	/* any row */
	c = esip_fsm_lookup(m, call_S_Dialing, call_E_ping);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->action, call_A_pong);
	ck_assert_uint_eq(esip_fsm_cell_target(c, call_S_Dialing), call_S_Dialing);
	/* nothing */
	ck_assert_ptr_null(esip_fsm_lookup(m, call_S_Dialing, call_E_noise));
	ck_assert_ptr_null(esip_fsm_lookup(m, call_S_Idle, call_E_answer));
	ck_assert_ptr_null(esip_fsm_lookup(m, 200, call_E_ping));
	ck_assert_ptr_null(esip_fsm_lookup(m, call_S_Idle, 200));
}
END_TEST

START_TEST(dispatch_agrees_with_lookup_everywhere)
{
	const esip_fsm_machine *m = &call_machine;
	unsigned s, e, handled = 0;

	for (s = 0; s < m->n_states; s++) {
		for (e = 0; e < m->n_events; e++) {
			const esip_fsm_cell *c = esip_fsm_lookup(m, s, e);
			unsigned what;
			int rc;
			unsigned to = run(m, s, e, &what, &rc);
			if (!c) {
				ck_assert_int_eq(rc, ESIP_FSM_UNHANDLED);
				ck_assert_uint_eq(to, s);
				continue;
			}
			ck_assert_int_eq(rc, ESIP_FSM_HANDLED);
			ck_assert_uint_eq(to, esip_fsm_cell_target(c, s));
			handled++;
		}
	}
	/* worked out by hand from toy_call.def: 6 explicit cells; group rows
	 * ring 2, hangup 2 + 1, timeout 2, noise 2; any rows ping 4,
	 * timeout 3 */
	ck_assert_uint_eq(handled, 6 + 9 + 7);
}
END_TEST

START_TEST(error_policy_through_any_row)
{
	const esip_fsm_machine *m = &sany_machine;

	/* `other` has no row: `error` is raised, the any row takes it */
	expect(m, sany_S_A, sany_E_other, sany_S_Failed, 99);
	expect(m, sany_S_B, sany_E_other, sany_S_Failed, 99);
	/* C's own error row (SAME) wins */
	expect(m, sany_S_C, sany_E_other, sany_S_C, 98);
	expect(m, sany_S_C, sany_E_error, sany_S_C, 98);
	/* final: no any row, no error row */
	expect(m, sany_S_Failed, sany_E_other, sany_S_Failed, 0);
}
END_TEST

START_TEST(overlapping_rows_first_applies)
{
	const esip_fsm_machine *m = &badg_machine;

	/* S1 is in First and Second, both with a stop row: First's, declared
	 * first, runs */
	expect(m, badg_S_S1, badg_E_stop, badg_S_End, 1);
	/* two any rows for wait: the first (SAME, a) runs */
	expect(m, badg_S_S0, badg_E_wait, badg_S_S0, 1);
}
END_TEST

START_TEST(checker_accepts_sound_group_tables)
{
	int n;
	char *out = fsm_check_output(&call_machine, &n);

	/* Done is reached only through group rows, Dialing leaves only
	 * through them: neither is reported */
	ck_assert_msg(n == 0, "%s", out);
	free(out);
	out = fsm_check_output(&sany_machine, &n);
	ck_assert_msg(n == 0, "%s", out);
	free(out);
}
END_TEST

START_TEST(checker_finds_group_problems)
{
	int n;
	char *out = fsm_check_output(&badg_machine, &n);
	static const char *const want[] = {
		"BADG: group Empty has no state\n",
		"BADG: group row (Empty, poke) applies in no state\n",
		/* its only state has its own row */
		"BADG: group row (Only0, go) applies in no state\n",
		/* its only state is final */
		"BADG: group row (Finals, poke) applies in no state\n",
		"BADG: cell (S1, stop) is covered by two rows, group row (First, stop) and "
		"group row (Second, stop): the first applies\n",
		"BADG: group row (Second, stop) applies in no state\n",
		"BADG: cell (S0, wait) is covered by two rows, any row (wait) and any row "
		"(wait): the first applies\n",
		"BADG: any row (wait) applies in no state\n",
		"BADG: group row (Stuckies, poke) cites no RFC section\n",
		/* Stuck's only rows (a group row and an any row) keep it */
		"BADG: state Stuck is a dead end (no row leaves it)\n",
		"BADG: action undescribed has no FSM_EFFECTS description\n",
	};
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(out, want[i]), "missing: %s\nin:\n%s", want[i], out);
	/* each overlap once, whatever the number of cells */
	ck_assert_ptr_null(strstr(out, "cell (S1, wait)"));
	ck_assert_int_eq(n, (int)(sizeof want / sizeof want[0]));
	free(out);
}
END_TEST

START_TEST(mermaid_draws_group_boxes)
{
	char *buf = fsm_draw(esip_fsm_mermaid, &call_machine);

	/* a box per group with rows, listing its states, and one for "any" */
	ck_assert_ptr_nonnull(strstr(buf, "    state \"group Early (Dialing, Ringing)\" as "
					  "group__Early\n"));
	ck_assert_ptr_nonnull(strstr(buf, "    state \"group Busy (Ringing, Talking, Done)\" "
					  "as group__Busy\n"));
	ck_assert_ptr_nonnull(strstr(buf, "    state \"any non-final state\" as any__state\n"));
	/* edges with effects; SAME of a group or any row is a loop on its box */
	ck_assert_ptr_nonnull(strstr(buf, "    group__Early --> Done : hangup / stop (report 6#59; "
					  "destroy) [g2]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "    any__state --> any__state : ping / pong (send 7) "
					  "[a1]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "    any__state --> Idle : timeout / expire (report 8) "
					  "[a2]\n"));
	/* an explicit SAME row is a loop on its state; ':' and ';' escaped */
	ck_assert_ptr_nonnull(strstr(buf, "    Held --> Held : ping / note (report 9 | a pipe, a "
					  "*star* and a semicolon#59; a colon#58; here) [t6]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "    group__Busy --> group__Busy : noise / note"));
	free(buf);
}
END_TEST

START_TEST(markdown_lists_groups_and_rows)
{
	char *buf = fsm_draw(esip_fsm_markdown, &call_machine);

	ck_assert_ptr_nonnull(strstr(buf, "Groups: `Early` = Dialing, Ringing; `Live` = Talking, "
					  "Held; `Busy` = Ringing, Talking, Done.\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| Idle | dial | Dialing | start | send 1 | t1 |\n"));
	ck_assert_ptr_nonnull(
		strstr(buf, "| group Early | hangup | Done | stop | report 6; destroy | g2 |\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| (any) | ping | (same) | pong | send 7 | a1 |\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| group Busy | noise | (same) | note |"));
	/* '|' and '*' in a cell are escaped */
	ck_assert_ptr_nonnull(strstr(buf, "| Held | ping | Held | note | report 9 \\| a pipe, a "
					  "\\*star\\* and a semicolon; a colon: here | t6 |\n"));
	free(buf);
}
END_TEST

static Suite *suite_groups(void)
{
	Suite *s = suite_create("fsm-groups");
	TCase *tc = tcase_create("groups");

	tcase_add_test(tc, generated_groups);
	tcase_add_test(tc, group_rows_apply_in_their_states);
	tcase_add_test(tc, explicit_row_wins);
	tcase_add_test(tc, group_row_wins_over_any_row);
	tcase_add_test(tc, any_row_with_same_keeps_every_state);
	tcase_add_test(tc, never_in_a_final_state);
	tcase_add_test(tc, lookup_answers_every_kind_of_row);
	tcase_add_test(tc, dispatch_agrees_with_lookup_everywhere);
	tcase_add_test(tc, error_policy_through_any_row);
	tcase_add_test(tc, overlapping_rows_first_applies);
	tcase_add_test(tc, checker_accepts_sound_group_tables);
	tcase_add_test(tc, checker_finds_group_problems);
	tcase_add_test(tc, mermaid_draws_group_boxes);
	tcase_add_test(tc, markdown_lists_groups_and_rows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_groups()};
	return test_run(s, 1);
}
