/*
 * txn_machines.h - the four transaction tables through fsm_gen.h, once:
 * included by txn_int.h with FSM_GEN_DECLS_ONLY (the enums and the action
 * prototypes for every file) and by machines.c with FSM_GEN_SKIP_DECLS
 * (the tables and the esip_fsm_machine objects).  Names: esip__ict_S_...,
 * esip__nist_E_..., esip__ist_machine; actions esip__txa_<action>.
 * No include guard: included once per purpose.
 */
#define FSM_ACT_PREFIX esip__txa_

#define FSM_PREFIX esip__ict
#define FSM_FILE "ict.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE

#define FSM_PREFIX esip__nict
#define FSM_FILE "nict.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE

#define FSM_PREFIX esip__ist
#define FSM_FILE "ist.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE

#define FSM_PREFIX esip__nist
#define FSM_FILE "nist.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE

#undef FSM_ACT_PREFIX
