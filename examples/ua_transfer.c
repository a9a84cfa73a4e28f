/*
 * ua_transfer.c - esip-ua's transfers (issue 9), in both roles.
 *
 * Transferor: --transfer-to URI2 (blind, RFC 5589 6) sends REFER
 * --transfer-after MS after a call is established; --consult URI2
 * (attended, RFC 5589 7) first places a second call and then REFERs the
 * first call's peer to URI2 with Replaces naming that second call (RFC
 * 3891 4: the Refer-To URI carries it escaped).  Each NOTIFY's sipfrag
 * status is printed; on success we end our call (RFC 5589 6.1: the
 * transferor sends BYE after the final NOTIFY; in an attended transfer
 * the target ends the replaced call); on failure the calls go on as
 * without the option.
 *
 * Transferee: a REFER is printed and accepted (the stack's refer_policy
 * is ASK; --no-refer makes it REJECT: 603 without asking), and the stack
 * places the call it asks for; that call, and a call that replaced one of
 * ours (an INVITE with Replaces), are adopted here so that they are
 * printed, hung up after --hangup-after and, in call mode, decide the
 * exit status.
 */
#include "ua_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After a successful attended transfer the target ends the replaced call
 * (RFC 3891 3); if it does not, we do after this long. */
#define CONSULT_END_MS 2000

static ua_call *first_call(ua_app *app)
{
	ua_call *uc;

	for (uc = app->calls; uc; uc = uc->next)
		if (uc->role == ROLE_PLACED)
			return uc;
	return NULL;
}

/* The transfer of uc is over, as ok says, for the reason why (printed
 * unless the final NOTIFY's line said it). */
static void transfer_over(ua_app *app, ua_call *uc, bool ok, const char *why, bool print)
{
	ua_call *cs = uc->consult;
	char ts[32];

	uc->xfer = ok ? XF_DONE : XF_FAILED;
	if (print)
		printf("%s call %s refer %s: %s\n", ua_stamp(ts), uc->id,
		       ok ? "transfer succeeded" : "transfer failed", why);
	if (ok)
		app->n_xfer_ok++;
	else
		app->n_xfer_failed++;
	if (app->o->mode == UA_MODE_CALL) {
		const char *to = app->o->consult ? app->o->consult : app->o->transfer_to;
		app->xfer_result = ok ? UA_EXIT_OK : UA_EXIT_TRANSFER;
		if (ok)
			snprintf(app->xfer_why, sizeof app->xfer_why,
				 "transferred to %s (%s), then hung up by us", to, why);
		else
			snprintf(app->xfer_why, sizeof app->xfer_why, "transfer to %s failed: %s",
				 to, why);
	}
	if (ok) {
		ua_call_hangup(uc);
		if (cs)
			ua_schedule(cs, ACT_HANGUP, CONSULT_END_MS);
		return;
	}
	/* the calls go on as without the option */
	if (app->o->hangup_after_ms >= 0) {
		ua_schedule(uc, ACT_HANGUP, app->o->hangup_after_ms);
		if (cs)
			ua_schedule(cs, ACT_HANGUP, app->o->hangup_after_ms);
	}
}

/* --transfer-to: a blind transfer of this call once the delay is over */
static bool schedule_blind(ua_call *uc, const ua_opts *o)
{
	if (!o->transfer_to)
		return false;
	ua_schedule(uc, ACT_TRANSFER, o->transfer_after_ms);
	return true;
}

bool ua_xfer_established(ua_app *app, ua_call *uc)
{
	const ua_opts *o = app->o;
	ua_call *first, *cs;
	char why[300];
	int rc;

	switch (uc->role) {
	case ROLE_PLACED:
		if (o->consult) {
			/* RFC 5589 7: the transferor consults the target first */
			cs = ua_call_place(app, o->consult, ROLE_CONSULT, &rc);
			if (!cs) {
				snprintf(why, sizeof why, "cannot call %s", o->consult);
				transfer_over(app, uc, false, why, true);
			}
			return true;
		}
		return schedule_blind(uc, o);
	case ROLE_INCOMING:
		return schedule_blind(uc, o);
	case ROLE_CONSULT:
		first = first_call(app);
		if (!first || !first->established || first->xfer != XF_NONE) {
			ua_call_hangup(uc); /* nothing left to join it with */
			return true;
		}
		first->consult = uc;
		ua_schedule(first, ACT_TRANSFER, o->transfer_after_ms);
		return true;
	default:
		return false;
	}
}

void ua_xfer_send(ua_app *app, ua_call *uc)
{
	const char *target = uc->consult ? NULL : app->o->transfer_to;
	char ts[32], to[512], why[300];
	int rc;

	ua_unschedule(uc);
	if (uc->consult) {
		/* RFC 5589 7.1: Refer-To is the target's contact, with Replaces
		 * naming our dialog with it (the stack escapes it) */
		if (esip_call_remote_target(uc->consult->call, to, sizeof to) < 0)
			snprintf(to, sizeof to, "%s", esip_call_remote_uri(uc->consult->call));
	} else {
		snprintf(to, sizeof to, "%s", target);
	}
	rc = esip_call_refer(uc->call, target, uc->consult ? uc->consult->call : NULL, NULL);
	if (rc) {
		snprintf(why, sizeof why, "cannot send REFER: %s", esip_strerror(rc));
		transfer_over(app, uc, false, why, true);
		return;
	}
	uc->xfer = XF_REFERRING;
	if (uc->consult)
		printf("%s call %s refer sent: attended, to %s replacing call %s\n", ua_stamp(ts),
		       uc->id, to, uc->consult->id);
	else
		printf("%s call %s refer sent: blind, to %s\n", ua_stamp(ts), uc->id, to);
}

void ua_on_refer_status(void *ud, esip_call *c, int status, bool final, bool ok)
{
	ua_app *app = ud;
	ua_call *uc = ua_call_find(app, c);
	char ts[32], id[16], why[160];

	ua_call_label(app, c, id);
	/* RFC 3515 2.4.5: each NOTIFY's message/sipfrag status; the REFER's
	 * own rejection, the expiry (408) or RFC 4488's 202 with no NOTIFY
	 * to come end it too */
	if (!final) {
		printf("%s call %s refer progress %d %s\n", ua_stamp(ts), id, status,
		       esip_reason_phrase((unsigned)status));
		return;
	}
	printf("%s call %s refer final %d %s: transfer %s\n", ua_stamp(ts), id, status,
	       esip_reason_phrase((unsigned)status), ok ? "succeeded" : "failed");
	if (!uc || uc->xfer != XF_REFERRING)
		return;
	snprintf(why, sizeof why, "%d %s", status, esip_reason_phrase((unsigned)status));
	transfer_over(app, uc, ok, why, false);
}

void ua_on_incoming_refer(void *ud, esip_call *c, const esip_refer_info *info)
{
	ua_app *app = ud;
	char ts[32], id[16];
	int rc;

	ua_call_label(app, c, id);
	printf("%s call %s refer received: %s to %s, referred by %s\n", ua_stamp(ts), id,
	       info->replaces ? "attended (Replaces)" : "blind", info->refer_to,
	       info->referred_by[0] ? info->referred_by : "nobody");
	if (app->stopping) {
		/* RFC 3515 2.4.2: refused */
		rc = esip_call_refer_reject(c, 603);
		printf("%s call %s refer declined (stopping)\n", ua_stamp(ts), id);
	} else {
		rc = esip_call_refer_accept(c);
	}
	if (rc)
		printf("%s call %s refer: cannot answer: %s\n", ua_stamp(ts), id, esip_strerror(rc));
}

ua_call *ua_xfer_adopt(ua_app *app, esip_call *c, const esip_call_event *ev)
{
	ua_call *uc;
	char ts[32], other[16];

	if (ev->dir == ESIP_CALL_OUTGOING) {
		/* RFC 3515 2.4.2: the stack placed it for a REFER we accepted */
		uc = ua_call_hold(app, c, ROLE_REFERRED);
		if (!uc)
			return NULL;
		app->n_referred++;
		printf("%s call %s outgoing to %s, placed on the REFER\n", ua_stamp(ts), uc->id,
		       esip_call_remote_uri(c));
		return uc;
	}
	if (ev->state != ESIP_CALL_REPLACING)
		return NULL;
	/* RFC 3891 3: an INVITE with Replaces took the place of one of ours */
	uc = ua_call_hold(app, c, ROLE_REPLACING);
	if (!uc)
		return NULL;
	app->n_in++;
	if (ev->other)
		ua_call_label(app, ev->other, other);
	else
		snprintf(other, sizeof other, "?");
	printf("%s call %s incoming from %s, replacing call %s\n", ua_stamp(ts), uc->id,
	       esip_call_remote_uri(c), other);
	return uc;
}

void ua_xfer_call_ended(ua_app *app, ua_call *uc, const esip_call_event *ev)
{
	ua_call *first;
	char ts[32], why[300];

	if (uc->xfer == XF_REFERRING)
		/* RFC 6665 4.4.1: the subscription ends with the dialog */
		printf("%s call %s refer: the call ended before the transfer's outcome\n",
		       ua_stamp(ts), uc->id);
	if (uc->role == ROLE_PLACED && (uc->xfer == XF_NONE || uc->xfer == XF_REFERRING)) {
		/* nothing left to join the second call with */
		ua_call *cs;
		for (cs = app->calls; cs; cs = cs->next)
			if (cs->role == ROLE_CONSULT)
				ua_call_hangup(cs);
	}
	if (uc->role != ROLE_CONSULT)
		return;
	first = first_call(app);
	if (!first || first->xfer != XF_NONE)
		return; /* the REFER went: the target ends this call (RFC 3891 3) */
	/* nothing to join the first call with any more */
	ua_unschedule(first);
	if (ev->status)
		snprintf(why, sizeof why, "the call to %s ended before the REFER (%s %d %s)",
			 app->o->consult, ev->event, ev->status, ev->reason);
	else
		snprintf(why, sizeof why, "the call to %s ended before the REFER (%s)",
			 app->o->consult, ev->event);
	transfer_over(app, first, false, why, true);
}
