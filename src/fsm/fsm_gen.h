/*
 * fsm_gen.h - expands one machine's .def table into C (see esip/fsm.h).
 *
 * Usage, in the one .c file that owns the machine:
 *
 *     #define FSM_PREFIX ict            names: ict_S_<state>, ict_E_<event>,
 *                                       ict_A_<action>, ict_machine
 *     #define FSM_ACT_PREFIX txa_       action functions: txa_<action>
 *                                       (default: <FSM_PREFIX>_act_)
 *     #define FSM_FILE "ict.def"
 *     #include "fsm_gen.h"
 *
 * With FSM_GEN_DECLS_ONLY defined only the enums and the action
 * prototypes are produced (for a header shared by several .c files); the
 * .c file that then generates the rest defines FSM_GEN_SKIP_DECLS.
 * Without it, also the name strings, the dense table, the row list and
 *     const esip_fsm_machine <FSM_PREFIX>_machine;
 * (static unless FSM_MACHINE_EXTERN is defined).
 *
 * The .def file uses only these macros, one per line:
 *     FSM_MACHINE(name, title, IGNORE | ERROR)
 *     FSM_STATE(s)  FSM_FINAL(s)  FSM_EVENT(e)  FSM_ACTION(a)
 *     FSM_ROW(from, event, to, action, "RFC section")
 * The first FSM_STATE is the initial state.  A machine with the ERROR
 * policy must declare FSM_EVENT(error).
 *
 * A duplicated (state, event) cell is caught twice: the compiler warns on
 * the overridden designated initializer (-Woverride-init, part of -Wextra;
 * an error with -Werror) and esip_fsm_check() reports it from the rows.
 * An unknown name in a row does not compile.
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
#define FSM_N_(x) FSM_CAT2(FSM_PREFIX, x)
#ifdef FSM_ACT_PREFIX
#define FSM_AFN_(x) FSM_CAT2(FSM_ACT_PREFIX, x)
#else
#define FSM_AFN_(x) FSM_CAT2(FSM_PREFIX, _act_##x)
#endif

#define FSM_MACHINE(name, title, policy)
#ifndef FSM_GEN_SKIP_DECLS
/* ---- enums ---------------------------------------------------------- */
#define FSM_STATE(s) FSM_S_(s),
#define FSM_FINAL(s) FSM_S_(s),
#define FSM_EVENT(e)
#define FSM_ACTION(a)
#define FSM_ROW(f, e, t, a, ref)
enum FSM_N_(_state) {
#include FSM_FILE
	FSM_S_(_COUNT)
};
#undef FSM_STATE
#undef FSM_FINAL
#define FSM_STATE(s)
#define FSM_FINAL(s)
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

/* ---- action prototypes ----------------------------------------------- */
#define FSM_ACTION(a) void FSM_AFN_(a)(void *ctx, const void *arg, esip_fsm_fx *fx);
#include FSM_FILE
#undef FSM_ACTION
#else
#define FSM_STATE(s)
#define FSM_FINAL(s)
#define FSM_EVENT(e)
#define FSM_ROW(f, e, t, a, ref)
#endif /* !FSM_GEN_SKIP_DECLS */

#ifndef FSM_GEN_DECLS_ONLY

#ifdef FSM_MACHINE_EXTERN
#define FSM_STORAGE_
#else
#define FSM_STORAGE_ static
#endif

/* ---- names ------------------------------------------------------------ */
#define FSM_ACTION(a)
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

/* ---- the table and the rows --------------------------------------------- */
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref) [FSM_S_(f)][FSM_E_(e)] = {(uint8_t)(FSM_S_(t) + 1), FSM_A_(a)},
static const esip_fsm_cell FSM_N_(_table)[FSM_S_(_COUNT)][FSM_E_(_COUNT)] = {
#include FSM_FILE
};
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref) {FSM_S_(f), FSM_E_(e), FSM_S_(t), FSM_A_(a), ref},
static const esip_fsm_row FSM_N_(_rows)[] = {
#include FSM_FILE
};
#undef FSM_ROW
#define FSM_ROW(f, e, t, a, ref)

/* ---- the machine ------------------------------------------------------- */
#undef FSM_MACHINE
#define FSM_MACHINE(name, title, policy)                                             \
	FSM_STORAGE_ const esip_fsm_machine FSM_N_(_machine) = {                     \
		name,                                                                \
		title,                                                               \
		FSM_S_(_COUNT),                                                      \
		FSM_E_(_COUNT),                                                      \
		FSM_A_(_COUNT),                                                      \
		0,                                                                   \
		ESIP_FSM_POLICY_##policy,                                            \
		FSM_N_(_state_names),                                                \
		FSM_N_(_event_names),                                                \
		FSM_N_(_action_names),                                               \
		FSM_N_(_final),                                                      \
		&FSM_N_(_table)[0][0],                                               \
		FSM_N_(_rows),                                                       \
		(uint16_t)(sizeof FSM_N_(_rows) / sizeof FSM_N_(_rows)[0]),          \
		FSM_N_(_actions),                                                    \
	};
#include FSM_FILE

#undef FSM_STORAGE_
#endif /* !FSM_GEN_DECLS_ONLY */

#undef FSM_MACHINE
#undef FSM_STATE
#undef FSM_FINAL
#undef FSM_EVENT
#undef FSM_ACTION
#undef FSM_ROW
#undef FSM_CAT2_
#undef FSM_CAT2
#undef FSM_S_
#undef FSM_E_
#undef FSM_A_
#undef FSM_N_
#undef FSM_AFN_
