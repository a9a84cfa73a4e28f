/*
 * fsm_gen.h - expands one machine's .def table into C (see esip/fsm.h).
 *
 * Usage, in the one .c file that owns the machine:
 *
 *     #define FSM_PREFIX ict            names: ict_S_<state>, ict_E_<event>,
 *                                       ict_A_<action>, ict_G_<group>,
 *                                       ict_machine
 *     #define FSM_ACT_PREFIX txa_       action functions: txa_<action>
 *                                       (default: <FSM_PREFIX>_act_)
 *     #define FSM_FILE "ict.def"
 *     #include "fsm_gen.h"
 *
 * With FSM_GEN_DECLS_ONLY defined only the enums and the action
 * prototypes are produced (for a header shared by several .c files); the
 * .c file that then generates the rest defines FSM_GEN_SKIP_DECLS.
 * Without it, also the name strings, the effects texts, the group
 * membership, the dense table, the row lists and
 *     const esip_fsm_machine <FSM_PREFIX>_machine;
 * (static unless FSM_MACHINE_EXTERN is defined).
 *
 * The .def file uses only these macros, one per line, in any order (only
 * the order of the states, the first being the initial one, and the
 * order of the group and any rows among themselves matter):
 *
 *     FSM_MACHINE(name, title, IGNORE | ERROR)
 *     FSM_STATE(s)  FSM_FINAL(s)  FSM_EVENT(e)  FSM_ACTION(a)
 *     FSM_EFFECTS(a, "what the action does, in words")
 *     FSM_GROUP(g)                              a set of states, at most 16
 *     FSM_IN(g, s)                              state s is in group g
 *     FSM_ROW(from, event, to, action, "RFC section")
 *     FSM_ROW_GROUP(g, event, to, action, "RFC section")
 *     FSM_ROW_ANY(event, to, action, "RFC section")
 *
 * `to` may be SAME (stay in the current state) in every kind of row; SAME
 * is reserved and cannot name a state.  esip/fsm.h gives which row
 * applies where.  A machine with the ERROR policy must declare
 * FSM_EVENT(error) (it does not compile otherwise).
 *
 * Checked by the compiler:
 *   - an unknown name in any line does not compile;
 *   - a duplicated FSM_ROW cell, FSM_IN pair or FSM_EFFECTS line trips
 *     the overridden-initializer warning (-Woverride-init, in -Wextra; an
 *     error with -Werror); esip_fsm_check() reports the duplicate cell too;
 *   - _Static_assert: the counts fit the byte-sized fields (at most 254
 *     states, 255 events, 255 actions, 16 groups, 65535 rows), no FSM_ROW
 *     leaves a final state, every row cites a section, no FSM_EFFECTS text
 *     is empty.
 * A deliberately unsound table (the checker's own tests) defines
 * FSM_GEN_LENIENT to skip the per-row assertions.  What needs the whole
 * table (reachability, dead ends, overlapping or unusable group rows,
 * empty groups, actions without FSM_EFFECTS) is esip_fsm_check()'s.
 *
 * This header has no include guard: it is included once per machine.
 */
#include <esip/fsm.h>

#ifndef FSM_PREFIX
#error "define FSM_PREFIX before including fsm_gen.h"
#endif
#ifndef FSM_FILE
#error "define FSM_FILE before including fsm_gen.h"
#endif

#define FSM_CAT2_(a, b) a##b
#define FSM_CAT2(a, b) FSM_CAT2_(a, b)
#define FSM_S_(x) FSM_CAT2(FSM_PREFIX, _S_##x)
#define FSM_E_(x) FSM_CAT2(FSM_PREFIX, _E_##x)
#define FSM_A_(x) FSM_CAT2(FSM_PREFIX, _A_##x)
#define FSM_G_(x) FSM_CAT2(FSM_PREFIX, _G_##x)
#define FSM_F_(x) FSM_CAT2(FSM_PREFIX, _F_##x)
#define FSM_N_(x) FSM_CAT2(FSM_PREFIX, x)
#ifdef FSM_ACT_PREFIX
#define FSM_AFN_(x) FSM_CAT2(FSM_ACT_PREFIX, x)
#else
#define FSM_AFN_(x) FSM_CAT2(FSM_PREFIX, _act_##x)
#endif
/* A row's target: SAME resolved to the row's own state (FSM_ROW), or kept
 * as ESIP_FSM_SAME in a cell (group and any rows). */
#define FSM_IS_SAME_(t) ((int)FSM_S_(t) == ESIP_FSM_SAME)
#define FSM_TO_(f, t) (FSM_IS_SAME_(t) ? (int)FSM_S_(f) : (int)FSM_S_(t))
#define FSM_CELL_TO_(t) (uint8_t)(FSM_IS_SAME_(t) ? ESIP_FSM_SAME : (int)FSM_S_(t) + 1)

/* Every line expands to nothing, except in the pass that reads it. */
#define FSM_MACHINE(name, title, policy)
#define FSM_STATE(s)
#define FSM_FINAL(s)
#define FSM_EVENT(e)
#define FSM_ACTION(a)
#define FSM_EFFECTS(a, text)
#define FSM_GROUP(g)
#define FSM_IN(g, s)
#define FSM_ROW(f, e, t, a, ref)
#define FSM_ROW_GROUP(g, e, t, a, ref)
#define FSM_ROW_ANY(e, t, a, ref)

#ifndef FSM_GEN_SKIP_DECLS
/* ---- enums ---------------------------------------------------------- */
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s) FSM_S_(s),
#define FSM_FINAL(s) FSM_S_(s),
enum FSM_N_(_state) {
#include FSM_FILE
	FSM_S_(_COUNT)
};
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s)
#define FSM_FINAL(s)
/* the target SAME (a state named SAME collides here) */
enum { FSM_S_(SAME) = ESIP_FSM_SAME };

#undef FSM_EVENT
#define FSM_EVENT(e) FSM_E_(e),
enum FSM_N_(_event) {
	FSM_E_(_NONE) = -1,
#include FSM_FILE
	FSM_E_(_COUNT)
};
#undef FSM_EVENT
#define FSM_EVENT(e)

#undef FSM_ACTION
#define FSM_ACTION(a) FSM_A_(a),
enum FSM_N_(_action) {
#include FSM_FILE
	FSM_A_(_COUNT)
};
#undef FSM_ACTION
#define FSM_ACTION(a)

#undef FSM_GROUP
#define FSM_GROUP(g) FSM_G_(g),
enum FSM_N_(_group) {
#include FSM_FILE
	FSM_G_(_COUNT)
};
#undef FSM_GROUP
#define FSM_GROUP(g)

/* ---- action prototypes ----------------------------------------------- */
#undef FSM_ACTION
#define FSM_ACTION(a) void FSM_AFN_(a)(void *ctx, const void *arg, esip_fsm_fx *fx);
#include FSM_FILE
#undef FSM_ACTION
#define FSM_ACTION(a)
#endif /* !FSM_GEN_SKIP_DECLS */

#ifndef FSM_GEN_DECLS_ONLY

#ifdef FSM_MACHINE_EXTERN
#define FSM_STORAGE_
#else
#define FSM_STORAGE_ static
#endif

/* ---- compile-time checks ------------------------------------------------ */
_Static_assert(FSM_S_(_COUNT) >= 1 && FSM_S_(_COUNT) <= ESIP_FSM_MAX_STATES,
	       FSM_FILE ": 1 to 254 states (state numbers are bytes, 0xff is SAME)");
_Static_assert(FSM_E_(_COUNT) >= 1 && FSM_E_(_COUNT) <= ESIP_FSM_MAX_EVENTS,
	       FSM_FILE ": 1 to 255 events (event numbers are bytes)");
_Static_assert(FSM_A_(_COUNT) >= 1 && FSM_A_(_COUNT) <= ESIP_FSM_MAX_ACTIONS,
	       FSM_FILE ": 1 to 255 actions (action numbers are bytes)");
_Static_assert(FSM_G_(_COUNT) <= ESIP_FSM_MAX_GROUPS, FSM_FILE ": at most 16 groups");

#ifndef FSM_GEN_LENIENT
/* which states are final, as constants for the row assertions */
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s) FSM_F_(s) = 0,
#define FSM_FINAL(s) FSM_F_(s) = 1,
enum {
#include FSM_FILE
};
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s)
#define FSM_FINAL(s)

#undef FSM_ROW
#undef FSM_ROW_GROUP
#undef FSM_ROW_ANY
#undef FSM_EFFECTS
#define FSM_ROW(f, e, t, a, ref)                                                     \
	_Static_assert(!FSM_F_(f), FSM_FILE ": FSM_ROW(" #f ", " #e ", ...) leaves a " \
					    "final state");                            \
	_Static_assert(sizeof(ref) > 1, FSM_FILE ": FSM_ROW(" #f ", " #e ", ...) "     \
					    "cites no RFC section");
#define FSM_ROW_GROUP(g, e, t, a, ref)                                                \
	_Static_assert(sizeof(ref) > 1, FSM_FILE ": FSM_ROW_GROUP(" #g ", " #e ", ...) " \
					    "cites no RFC section");
#define FSM_ROW_ANY(e, t, a, ref)                                                     \
	_Static_assert(sizeof(ref) > 1, FSM_FILE ": FSM_ROW_ANY(" #e ", ...) cites no " \
					    "RFC section");
#define FSM_EFFECTS(a, text)                                                          \
	_Static_assert(sizeof(text) > 1, FSM_FILE ": FSM_EFFECTS(" #a ", ...) is empty");
#include FSM_FILE
#undef FSM_ROW
#undef FSM_ROW_GROUP
#undef FSM_ROW_ANY
#undef FSM_EFFECTS
#define FSM_ROW(f, e, t, a, ref)
#define FSM_ROW_GROUP(g, e, t, a, ref)
#define FSM_ROW_ANY(e, t, a, ref)
#define FSM_EFFECTS(a, text)
#endif /* !FSM_GEN_LENIENT */

/* ---- names and texts ------------------------------------------------------ */
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s) #s,
#define FSM_FINAL(s) #s,
static const char *const FSM_N_(_state_names)[] = {
#include FSM_FILE
};
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s) 0,
#define FSM_FINAL(s) 1,
static const uint8_t FSM_N_(_final)[] = {
#include FSM_FILE
};
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s)
#define FSM_FINAL(s)

#undef FSM_EVENT
#define FSM_EVENT(e) #e,
static const char *const FSM_N_(_event_names)[] = {
#include FSM_FILE
};
#undef FSM_EVENT
#define FSM_EVENT(e)

#undef FSM_ACTION
#define FSM_ACTION(a) #a,
static const char *const FSM_N_(_action_names)[] = {
#include FSM_FILE
};
#undef FSM_ACTION
#define FSM_ACTION(a) FSM_AFN_(a),
static const esip_fsm_action_fn FSM_N_(_actions)[] = {
#include FSM_FILE
};
#undef FSM_ACTION
#define FSM_ACTION(a)

/* the extra last element keeps each initializer non-empty when the file
 * has no line of that kind */
#undef FSM_EFFECTS
#define FSM_EFFECTS(a, text) [FSM_A_(a)] = text,
static const char *const FSM_N_(_effects)[FSM_A_(_COUNT) + 1] = {
	[FSM_A_(_COUNT)] = NULL,
#include FSM_FILE
};
#undef FSM_EFFECTS
#define FSM_EFFECTS(a, text)

#undef FSM_GROUP
#define FSM_GROUP(g) #g,
static const char *const FSM_N_(_group_names)[FSM_G_(_COUNT) + 1] = {
#include FSM_FILE
	NULL
};
#undef FSM_GROUP
#define FSM_GROUP(g)

#undef FSM_IN
#define FSM_IN(g, s) [FSM_G_(g)][FSM_S_(s)] = 1,
static const uint8_t FSM_N_(_in_group)[FSM_G_(_COUNT) + 1][FSM_S_(_COUNT)] = {
	[FSM_G_(_COUNT)] = {0},
#include FSM_FILE
};
#undef FSM_IN
#define FSM_IN(g, s)

/* ---- the table and the rows --------------------------------------------- */
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref) \
	[FSM_S_(f)][FSM_E_(e)] = {(uint8_t)(FSM_TO_(f, t) + 1), FSM_A_(a)},
static const esip_fsm_cell FSM_N_(_table)[FSM_S_(_COUNT)][FSM_E_(_COUNT)] = {
#include FSM_FILE
};
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref) {FSM_S_(f), FSM_E_(e), (uint8_t)FSM_TO_(f, t), FSM_A_(a), ref},
static const esip_fsm_row FSM_N_(_rows)[] = {
#include FSM_FILE
};
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref)

#undef FSM_ROW_GROUP
#undef FSM_ROW_ANY
#define FSM_ROW_GROUP(g, e, t, a, ref) {FSM_G_(g), FSM_E_(e), {FSM_CELL_TO_(t), FSM_A_(a)}, ref},
#define FSM_ROW_ANY(e, t, a, ref) {ESIP_FSM_ANY, FSM_E_(e), {FSM_CELL_TO_(t), FSM_A_(a)}, ref},
static const esip_fsm_group_row FSM_N_(_group_rows)[] = {
#include FSM_FILE
	{ESIP_FSM_ANY, ESIP_FSM_NONE, {0, 0}, NULL} /* not counted */
};
#undef FSM_ROW_GROUP
#undef FSM_ROW_ANY
#define FSM_ROW_GROUP(g, e, t, a, ref)
#define FSM_ROW_ANY(e, t, a, ref)

_Static_assert(sizeof FSM_N_(_rows) / sizeof FSM_N_(_rows)[0] <= 65535,
	       FSM_FILE ": at most 65535 rows");
_Static_assert(sizeof FSM_N_(_group_rows) / sizeof FSM_N_(_group_rows)[0] <= 65536,
	       FSM_FILE ": at most 65535 group and any rows");

/* ---- the machine ------------------------------------------------------- */
/* The ERROR policy raises the event named `error`: naming it here makes a
 * machine without one fail to compile. */
#define FSM_ERROR_EVENT_IGNORE ESIP_FSM_NONE
#define FSM_ERROR_EVENT_ERROR FSM_E_(error)
#undef FSM_MACHINE
#define FSM_MACHINE(name_, title_, policy_)                                             \
	FSM_STORAGE_ const esip_fsm_machine FSM_N_(_machine) = {                        \
		.name = name_,                                                          \
		.title = title_,                                                        \
		.n_states = FSM_S_(_COUNT),                                             \
		.n_events = FSM_E_(_COUNT),                                             \
		.n_actions = FSM_A_(_COUNT),                                            \
		.n_groups = FSM_G_(_COUNT),                                             \
		.initial = 0,                                                           \
		.policy = ESIP_FSM_POLICY_##policy_,                                    \
		.error_event = FSM_ERROR_EVENT_##policy_,                               \
		.state_names = FSM_N_(_state_names),                                    \
		.event_names = FSM_N_(_event_names),                                    \
		.action_names = FSM_N_(_action_names),                                  \
		.group_names = FSM_N_(_group_names),                                    \
		.effects = FSM_N_(_effects),                                            \
		.final = FSM_N_(_final),                                                \
		.in_group = &FSM_N_(_in_group)[0][0],                                   \
		.table = &FSM_N_(_table)[0][0],                                         \
		.rows = FSM_N_(_rows),                                                  \
		.group_rows = FSM_N_(_group_rows),                                      \
		.n_rows = (uint16_t)(sizeof FSM_N_(_rows) / sizeof FSM_N_(_rows)[0]),   \
		.n_group_rows = (uint16_t)(sizeof FSM_N_(_group_rows) /                 \
						   sizeof FSM_N_(_group_rows)[0] -      \
					   1),                                          \
		.actions = FSM_N_(_actions),                                            \
	};
#include FSM_FILE
#undef FSM_ERROR_EVENT_IGNORE
#undef FSM_ERROR_EVENT_ERROR

#undef FSM_STORAGE_
#endif /* !FSM_GEN_DECLS_ONLY */

#undef FSM_MACHINE
#undef FSM_STATE
#undef FSM_FINAL
#undef FSM_EVENT
#undef FSM_ACTION
#undef FSM_EFFECTS
#undef FSM_GROUP
#undef FSM_IN
#undef FSM_ROW
#undef FSM_ROW_GROUP
#undef FSM_ROW_ANY
#undef FSM_CAT2_
#undef FSM_CAT2
#undef FSM_S_
#undef FSM_E_
#undef FSM_A_
#undef FSM_G_
#undef FSM_F_
#undef FSM_N_
#undef FSM_AFN_
#undef FSM_IS_SAME_
#undef FSM_TO_
#undef FSM_CELL_TO_
