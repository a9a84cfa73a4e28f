/*
 * machines.c - the UA core's two machines, generated from their .def
 * tables (esip/fsm.h, src/fsm/fsm_gen.h): the unified dialog machine
 * (dialog.def; actions in dlg_actions.c) and the request machine
 * (req.def; actions in request.c) and the REFER subscription
 * (refer.def; actions in refer.c) and the registration (reg.def; actions
 * in register.c).
 */
#include "dialog_int.h"

#define FSM_GEN_SKIP_DECLS

#define FSM_ACT_PREFIX esip__dlga_
#define FSM_PREFIX dlg
#define FSM_FILE "dialog.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX

#define FSM_ACT_PREFIX esip__reqa_
#define FSM_PREFIX req
#define FSM_FILE "req.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX

#define FSM_ACT_PREFIX esip__refa_
#define FSM_PREFIX ref
#define FSM_FILE "refer.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX

#define FSM_ACT_PREFIX esip__rega_
#define FSM_PREFIX reg
#define FSM_FILE "reg.def"
#include "fsm_gen.h"
#undef FSM_PREFIX
#undef FSM_FILE
#undef FSM_ACT_PREFIX

const esip_fsm_machine *const esip__dlg_machine = &dlg_machine;
const esip_fsm_machine *const esip__reg_machine = &reg_machine;
const esip_fsm_machine *const esip__req_machine = &req_machine;
const esip_fsm_machine *const esip__ref_machine = &ref_machine;

static const esip_fsm_machine *const machines[] = {&dlg_machine, &req_machine, &ref_machine,
						  &reg_machine};

const esip_fsm_machine *const *esip_ua_machines(size_t *n)
{
	*n = sizeof machines / sizeof machines[0];
	return machines;
}
