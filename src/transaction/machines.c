/*
 * machines.c - the four transaction machines, generated from their .def
 * tables (esip/fsm.h, src/fsm/fsm_gen.h).  The actions are in actions.c.
 */
#include "txn_int.h"

#define FSM_MACHINE_EXTERN
#define FSM_GEN_SKIP_DECLS /* the enums and prototypes come with txn_int.h */
#include "txn_machines.h"
#undef FSM_GEN_SKIP_DECLS
#undef FSM_MACHINE_EXTERN

/* The interpreter feeds every machine the shared event numbers of
 * txn_events.def: each .def includes that list first, so they agree. */
_Static_assert((int)esip__ict_E__COUNT == (int)TXEV__COUNT, "ICT events");
_Static_assert((int)esip__nict_E__COUNT == (int)TXEV__COUNT, "NICT events");
_Static_assert((int)esip__ist_E__COUNT == (int)TXEV__COUNT, "IST events");
_Static_assert((int)esip__nist_E__COUNT == (int)TXEV__COUNT, "NIST events");
_Static_assert((int)esip__ist_E_tp_error == (int)TXEV_tp_error, "event order");

/* The interpreter and the layer rely on these state numbers. */
_Static_assert(esip__ict_S_Init == 0 && esip__nict_S_Init == 0 && esip__ist_S_Init == 0 &&
		       esip__nist_S_Init == 0,
	       "Init is the initial state of every machine");

static const esip_fsm_machine *const machines[] = {
	&esip__ict_machine,
	&esip__nict_machine,
	&esip__ist_machine,
	&esip__nist_machine,
};

const esip_fsm_machine *esip__txn_machine(esip_txn_kind kind)
{
	switch (kind) {
	case ESIP_TXN_ICT: return &esip__ict_machine;
	case ESIP_TXN_NICT: return &esip__nict_machine;
	case ESIP_TXN_IST: return &esip__ist_machine;
	case ESIP_TXN_NIST: return &esip__nist_machine;
	}
	return NULL;
}

const esip_fsm_machine *const *esip__txn_machines(size_t *n)
{
	*n = sizeof machines / sizeof machines[0];
	return machines;
}
