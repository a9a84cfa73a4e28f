/*
 * test_fsm.c - the generic machine engine (esip/fsm.h): generation from a
 * .def table, dispatch, both unhandled-event policies, effects, the trace
 * hook, the invariant on the state byte, the checker (on a sound and a
 * deliberately unsound table) and the Mermaid and Markdown writers.
 * Group rows, any rows and SAME: test_fsm_groups.c.
 */
#include "fsm_capture.h"
#include "testutil.h"

#include <esip/fsm.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* ---- a sound machine ---------------------------------------------------- */
typedef struct door {
	int creaks, clicks, crashes;
} door;

#define FSM_PREFIX door
#define FSM_FILE "toy.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE

void door_act_creak(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	((door *)ctx)->creaks++;
	esip_fsm_fx_push(fx, ESIP_FX_SEND, 1, arg ? *(const uint32_t *)arg : 0);
}
void door_act_click(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	((door *)ctx)->clicks++;
	esip_fsm_fx_push(fx, ESIP_FX_TIMER_START, 2, 500);
}
void door_act_crash(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	((door *)ctx)->crashes++;
	esip_fsm_fx_push(fx, ESIP_FX_TIMER_STOP, 2, 0);
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, 7, 0);
	esip_fsm_fx_push(fx, ESIP_FX_DESTROY, 0, 0);
}

/* ---- the ERROR policy ---------------------------------------------------- */
#define FSM_PREFIX strict
#define FSM_FILE "toy_error.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
void strict_act_step(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void strict_act_fail(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, 99, 0);
}

/* ---- an unsound machine (its duplicate cell also trips the compiler's
 * override warning, and its final-state row and missing reference fail
 * fsm_gen.h's static assertions, which is the point: both silenced here
 * only) ------------------------------------------------------------------- */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#endif
#define FSM_GEN_LENIENT
#define FSM_PREFIX bad
#define FSM_FILE "toy_bad.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_GEN_LENIENT
#pragma GCC diagnostic pop
void bad_act_a(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void bad_act_unused(void *ctx, const void *arg, esip_fsm_fx *fx) {}

/* ---- trace capture ---------------------------------------------------------- */
static char trace_log[1024];
static void trace(void *ud, const char *machine, const void *inst, const char *from,
		  const char *ev, const char *to)
{
	size_t n = strlen(trace_log);
	snprintf(trace_log + n, sizeof trace_log - n, "%s:%s-%s->%s;", machine, from, ev,
		 to ? to : "(none)");
}

START_TEST(generated_names_and_enums)
{
	ck_assert_int_eq(door_S__COUNT, 4);
	ck_assert_int_eq(door_E__COUNT, 5);
	ck_assert_int_eq(door_A__COUNT, 3);
	ck_assert_int_eq(door_machine.n_rows, 6);
	ck_assert_str_eq(door_machine.name, "DOOR");
	ck_assert_str_eq(esip_fsm_state_name(&door_machine, door_S_Locked), "Locked");
	ck_assert_str_eq(esip_fsm_event_name(&door_machine, door_E_unlock), "unlock");
	ck_assert_str_eq(esip_fsm_state_name(&door_machine, 200), "?");
	ck_assert_str_eq(esip_fsm_event_name(&door_machine, 200), "?");
	ck_assert(esip_fsm_is_final(&door_machine, door_S_Broken));
	ck_assert(!esip_fsm_is_final(&door_machine, door_S_Open));
	ck_assert_int_eq(door_machine.initial, door_S_Closed);
	ck_assert_ptr_nonnull(esip_fsm_lookup(&door_machine, door_S_Closed, door_E_push));
	ck_assert_ptr_null(esip_fsm_lookup(&door_machine, door_S_Open, door_E_push));
	ck_assert_ptr_null(esip_fsm_lookup(&door_machine, 99, door_E_push));
	ck_assert_ptr_null(esip_fsm_lookup(&door_machine, door_S_Closed, 99));
	/* no groups, no group rows; every action described */
	ck_assert_uint_eq(door_machine.n_groups, 0);
	ck_assert_uint_eq(door_machine.n_group_rows, 0);
	ck_assert_str_eq(esip_fsm_group_name(&door_machine, 0), "?");
	ck_assert_str_eq(door_machine.effects[door_A_click], "start timer 2 (500 ms)");
	ck_assert_uint_eq(door_machine.error_event, ESIP_FSM_NONE);
	ck_assert_uint_eq(strict_machine.error_event, strict_E_error);
}
END_TEST

START_TEST(dispatch_runs_action_and_moves)
{
	door d = {0};
	uint8_t st = door_S_Closed;
	uint32_t arg = 42;
	esip_fsm_fx fx;
	esip_fsm_tracer tr = {trace, NULL};

	trace_log[0] = 0;
	esip_fsm_fx_init(&fx);
	ck_assert_int_eq(esip_fsm_dispatch(&door_machine, &st, door_E_push, &d, &arg, &fx, &tr, &d),
			 ESIP_FSM_HANDLED);
	ck_assert_int_eq(st, door_S_Open);
	ck_assert_int_eq(d.creaks, 1);
	ck_assert_uint_eq(fx.n, 1);
	ck_assert_uint_eq(fx.fx[0].kind, ESIP_FX_SEND);
	ck_assert_uint_eq(fx.fx[0].value, 42);
	ck_assert_str_eq(trace_log, "DOOR:Closed-push->Open;");
}
END_TEST

START_TEST(every_row_exercised)
{
	unsigned i;

	/* each row of the table from its own from-state gives its to-state
	 * and its action's effects */
	for (i = 0; i < door_machine.n_rows; i++) {
		const esip_fsm_row *r = &door_machine.rows[i];
		door d = {0};
		uint8_t st = r->from;
		esip_fsm_fx fx;
		esip_fsm_fx_init(&fx);
		ck_assert_int_eq(esip_fsm_dispatch(&door_machine, &st, r->event, &d, NULL, &fx,
						   NULL, NULL),
				 ESIP_FSM_HANDLED);
		ck_assert_uint_eq(st, r->to);
		ck_assert_uint_ge(fx.n, 1);
		ck_assert_int_eq(d.creaks + d.clicks + d.crashes, 1);
	}
}
END_TEST

START_TEST(ignore_policy_leaves_state)
{
	door d = {0};
	uint8_t st = door_S_Open;
	esip_fsm_fx fx;
	esip_fsm_tracer tr = {trace, NULL};

	trace_log[0] = 0;
	esip_fsm_fx_init(&fx);
	ck_assert_int_eq(esip_fsm_dispatch(&door_machine, &st, door_E_lock, &d, NULL, &fx, &tr, NULL),
			 ESIP_FSM_UNHANDLED);
	ck_assert_int_eq(st, door_S_Open);
	ck_assert_uint_eq(fx.n, 0);
	ck_assert_str_eq(trace_log, "DOOR:Open-lock->(none);");
}
END_TEST

/* A state byte or an event number out of range is a bug, never input:
 * without NDEBUG the dispatch aborts on it (NEVER), with NDEBUG it
 * returns ESIP_EINVAL and does nothing. */
static int bad_dispatch(uint8_t st, unsigned ev)
{
	door d = {0};
	esip_fsm_fx fx;
	uint8_t before = st;
	int rc;

	esip_fsm_fx_init(&fx);
	rc = esip_fsm_dispatch(&door_machine, &st, ev, &d, NULL, &fx, NULL, NULL);
	ck_assert_uint_eq(st, before);
	ck_assert_uint_eq(fx.n, 0);
	ck_assert_int_eq(d.creaks + d.clicks + d.crashes, 0);
	return rc;
}

START_TEST(bad_state_is_loud)
{
	ck_assert_int_eq(bad_dispatch(66, door_E_push), ESIP_EINVAL);
}
END_TEST

START_TEST(bad_event_is_loud)
{
	ck_assert_int_eq(bad_dispatch(door_S_Closed, 77), ESIP_EINVAL);
}
END_TEST

START_TEST(error_policy_raises_error_event)
{
	uint8_t st = strict_S_B;
	esip_fsm_fx fx;

	esip_fsm_fx_init(&fx);
	/* B has no row for `other`: the machine's `error` row applies */
	ck_assert_int_eq(esip_fsm_dispatch(&strict_machine, &st, strict_E_other, NULL, NULL, &fx,
					   NULL, NULL),
			 ESIP_FSM_HANDLED);
	ck_assert_int_eq(st, strict_S_Failed);
	ck_assert_uint_eq(fx.n, 1);
	ck_assert_uint_eq(fx.fx[0].what, 99);
	/* in a final state there is no error row either: unhandled */
	esip_fsm_fx_init(&fx);
	ck_assert_int_eq(esip_fsm_dispatch(&strict_machine, &st, strict_E_go, NULL, NULL, &fx,
					   NULL, NULL),
			 ESIP_FSM_UNHANDLED);
}
END_TEST

START_TEST(effects_in_order)
{
	door d = {0};
	uint8_t st = door_S_Locked;
	esip_fsm_fx fx;

	esip_fsm_fx_init(&fx);
	esip_fsm_dispatch(&door_machine, &st, door_E_kick, &d, NULL, &fx, NULL, NULL);
	ck_assert_uint_eq(fx.n, 3);
	ck_assert_uint_eq(fx.fx[0].kind, ESIP_FX_TIMER_STOP);
	ck_assert_uint_eq(fx.fx[1].kind, ESIP_FX_REPORT);
	ck_assert_uint_eq(fx.fx[1].what, 7);
	ck_assert_uint_eq(fx.fx[2].kind, ESIP_FX_DESTROY);
}
END_TEST

START_TEST(effect_overflow_aborts)
{
	esip_fsm_fx fx;
	int i;

	esip_fsm_fx_init(&fx);
	for (i = 0; i <= ESIP_FSM_MAX_FX; i++)
		esip_fsm_fx_push(&fx, ESIP_FX_SEND, 0, 0);
}
END_TEST

START_TEST(checker_accepts_sound_tables)
{
	int n;
	char *out = fsm_check_output(&door_machine, &n);

	ck_assert_msg(n == 0, "%s", out);
	free(out);
	out = fsm_check_output(&strict_machine, &n);
	ck_assert_msg(n == 0, "%s", out);
	free(out);
}
END_TEST

START_TEST(checker_finds_every_problem)
{
	int n;
	char *out = fsm_check_output(&bad_machine, &n);

	ck_assert_ptr_nonnull(strstr(out, "duplicate cell (S0, e1)"));
	ck_assert_ptr_nonnull(strstr(out, "state Island is unreachable"));
	ck_assert_ptr_nonnull(strstr(out, "leaves the final state End"));
	ck_assert_ptr_nonnull(strstr(out, "state DeadEnd is a dead end"));
	ck_assert_ptr_nonnull(strstr(out, "action unused is never used"));
	ck_assert_ptr_nonnull(strstr(out, "(S1, e2) cites no RFC section"));
	/* the dense table kept the later duplicate: that disagreement is
	 * reported too */
	ck_assert_ptr_nonnull(strstr(out, "dense table disagrees"));
	/* toy_bad.def describes no action */
	ck_assert_ptr_nonnull(strstr(out, "action a has no FSM_EFFECTS description"));
	ck_assert_ptr_nonnull(strstr(out, "action unused has no FSM_EFFECTS description"));
	ck_assert_int_ge(n, 9);
	free(out);
}
END_TEST

START_TEST(mermaid_diagram)
{
	char *buf = fsm_draw(esip_fsm_mermaid, &door_machine);

	ck_assert_ptr_nonnull(strstr(buf, "stateDiagram-v2\n"));
	ck_assert_ptr_nonnull(strstr(buf, "[*] --> Closed\n"));
	/* every edge shows its action's effects */
	ck_assert_ptr_nonnull(
		strstr(buf, "Closed --> Open : push / creak (send 1 (the argument as value)) "
			    "[test 1]\n"));
	/* ';' and ':' would end a Mermaid label: written as entities */
	ck_assert_ptr_nonnull(
		strstr(buf, "Locked --> Broken : kick / crash (stop timer 2#59; report 7#59; "
			    "destroy) [test 5]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Broken --> [*]\n"));
	/* no group boxes without groups */
	ck_assert_ptr_null(strstr(buf, "group__"));
	ck_assert_ptr_null(strstr(buf, "any__state"));
	free(buf);
}
END_TEST

START_TEST(markdown_section)
{
	char *buf = fsm_draw(esip_fsm_markdown, &door_machine);

	ck_assert_ptr_nonnull(strstr(buf, "## DOOR - a door (test machine)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "```mermaid\nstateDiagram-v2\n"));
	ck_assert_ptr_nonnull(strstr(buf, "| from | event | to | action | effects | RFC |\n"));
	ck_assert_ptr_nonnull(
		strstr(buf, "| Locked | kick | Broken | crash | stop timer 2; report 7; destroy "
			    "| test 5 |\n"));
	ck_assert_ptr_null(strstr(buf, "Groups:"));
	free(buf);
}
END_TEST

static Suite *suite_fsm(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, generated_names_and_enums);
	tcase_add_test(tc, dispatch_runs_action_and_moves);
	tcase_add_test(tc, every_row_exercised);
	tcase_add_test(tc, ignore_policy_leaves_state);
	tcase_add_test(tc, error_policy_raises_error_event);
	tcase_add_test(tc, effects_in_order);
	tcase_add_test_raise_signal(tc, effect_overflow_aborts, SIGABRT);
	tcase_add_test(tc, checker_accepts_sound_tables);
	tcase_add_test(tc, checker_finds_every_problem);
	tcase_add_test(tc, mermaid_diagram);
	tcase_add_test(tc, markdown_section);
#ifdef NDEBUG
	tcase_add_test(tc, bad_state_is_loud);
	tcase_add_test(tc, bad_event_is_loud);
#else
	tcase_add_test_raise_signal(tc, bad_state_is_loud, SIGABRT);
	tcase_add_test_raise_signal(tc, bad_event_is_loud, SIGABRT);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_fsm()};
	return test_run(s, 1);
}
