/*
 * ua_reg.c - esip-ua's identity, credentials, registration and outbound
 * proxy (issue 10): --user, --password, --registrar URI, --proxy URI.
 *
 * The stack does the protocol: REGISTER (RFC 3261 10.2) with refreshes,
 * 401/407 answered with the credentials (22.2, 22.3; never twice with
 * credentials already refused), every request outside a dialog through
 * the outbound proxy (8.1.2).  Here: the state lines, call mode's call
 * once registered, a first registration that fails ending the run with
 * its own exit status (no retry loop), and the binding removed at exit.
 */
#include "ua_app.h"

#include <stdio.h>
#include <string.h>

void ua_reg_config(ua_app *app, esip_stack_config *cfg, esip_credentials *cred)
{
	const ua_opts *o = app->o;
	esip_uri u;

	if (o->user)
		cfg->ua.user = o->user;
	if (o->password) {
		/* any realm: the one user we are */
		cred->realm = NULL;
		cred->user = o->user;
		cred->password = o->password;
		cfg->ua.credentials = cred;
		cfg->ua.n_credentials = 1;
	}
	if (o->proxy)
		cfg->ua.outbound_proxy = o->proxy_route;
	/* 10.2: our From is the address-of-record we register, whose host is
	 * the registrar's domain */
	if (o->registrar && esip_uri_parse(esip_str_cstr(o->registrar), &u) == 0 &&
	    u.host_type != ESIP_HOST_IPV6 && u.host.len < sizeof app->domain) {
		memcpy(app->domain, u.host.p, u.host.len);
		app->domain[u.host.len] = 0;
		cfg->ua.domain = app->domain;
	}
}

int ua_reg_start(ua_app *app)
{
	const ua_opts *o = app->o;
	esip_register_params p;
	esip_uri u;
	int rc;

	if (!o->registrar) {
		ua_start_call(app);
		return 0;
	}
	memset(&p, 0, sizeof p);
	p.registrar = o->registrar;
	rc = esip_stack_register(app->s, &p, &app->reg);
	if (rc) {
		fprintf(stderr, "esip-ua: cannot register at %s: %s\n", o->registrar,
			esip_strerror(rc));
		return rc == ESIP_EINVAL ? UA_EXIT_USAGE : UA_EXIT_REG_FAILED;
	}
	/* the address-of-record the stack registers (esip_ua_register) */
	if (esip_uri_parse(esip_str_cstr(o->registrar), &u) == 0)
		snprintf(app->aor, sizeof app->aor,
			 u.host_type == ESIP_HOST_IPV6 ? "sip:%s@[%.*s]" : "sip:%s@%.*s",
			 o->user ? o->user : "esip", ESIP_STR_FMT(u.host));
	app->reg_state = ESIP_REG_IDLE;
	return 0;
}

void ua_reg_stop(ua_app *app)
{
	int rc;

	if (!app->reg || app->reg_stopped)
		return;
	app->reg_stopped = true;
	/* 10.2.2: Expires: 0 (a binding never made ends without a word) */
	rc = esip_stack_unregister(app->s, app->reg);
	if (rc)
		app->reg_state = ESIP_REG_UNREGISTERED; /* nothing to wait for */
}

bool ua_reg_busy(const ua_app *app)
{
	return app->reg && app->reg_state != ESIP_REG_UNREGISTERED;
}

/* The first registration failed: the run ends (10 or 11), no retry. */
static void reg_failed(ua_app *app, int status)
{
	const char *reason = esip_reason_phrase((unsigned)status);
	bool refused = status == 401 || status == 407 || status == 403;

	if (refused && !app->o->password)
		snprintf(app->result_why, sizeof app->result_why,
			 "registration at %s refused: %d %s: the registrar asks for credentials "
			 "(--user NAME --password PASSWORD)",
			 app->o->registrar, status, reason);
	else if (refused)
		snprintf(app->result_why, sizeof app->result_why,
			 "registration at %s refused: %d %s: wrong user or password",
			 app->o->registrar, status, reason);
	else
		snprintf(app->result_why, sizeof app->result_why,
			 "registration at %s failed: %d %s", app->o->registrar, status, reason);
	fprintf(stderr, "esip-ua: %s\n", app->result_why);
	app->result = refused ? UA_EXIT_REG_REFUSED : UA_EXIT_REG_FAILED;
	ua_begin_stop(app, false);
}

void ua_on_reg_state(void *ud, esip_reg *r, esip_reg_state st, int status, uint32_t expires)
{
	ua_app *app = ud;
	esip_reg_state prev = app->reg_state;
	char ts[32], what[96];

	(void)r;
	app->reg_state = st;
	/* the status that caused the change: the stack reports the last
	 * final one, which is stale when we start or stop */
	if (!status || st == ESIP_REG_REGISTERING || st == ESIP_REG_UNREGISTERING ||
	    (st == ESIP_REG_UNREGISTERED && prev != ESIP_REG_UNREGISTERING))
		what[0] = 0;
	else if (st == ESIP_REG_REGISTERED)
		snprintf(what, sizeof what, " (%d %s, expires %u s)", status,
			 esip_reason_phrase((unsigned)status), expires);
	else
		snprintf(what, sizeof what, " (%d %s)", status, esip_reason_phrase((unsigned)status));
	printf("%s registration %s %s -> %s%s\n", ua_stamp(ts), app->aor, esip_reg_state_name(prev),
	       esip_reg_state_name(st), what);
	if (st == ESIP_REG_REGISTERED && !app->reg_ever) {
		app->reg_ever = true;
		ua_start_call(app);
	} else if (st == ESIP_REG_FAILED && !app->reg_ever && !app->stopping) {
		reg_failed(app, status);
	} else if (st == ESIP_REG_FAILED && !app->stopping) {
		/* a refresh failed: the stack tries again (reg retry_s) */
		printf("%s registration %s: the stack registers again later\n", ua_stamp(ts),
		       app->aor);
	}
}
