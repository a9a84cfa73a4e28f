/*
 * esip-ua - a command-line SIP user agent on the esip stack (esip/stack.h
 * only; issues 8, 9 and 10).
 *
 *   esip-ua -l udp:ADDR -l tcp:ADDR [--answer-after MS | --reject CODE] ...
 *       listens and answers every incoming call (180, then 200 with an
 *       SDP answer, or a rejection), until SIGINT/SIGTERM or -d seconds;
 *   esip-ua call URI [--hangup-after MS] [--sdp FILE] [-H 'Name: value']...
 *       places one call, hangs up once established, and exits with a
 *       status that says how the call ended (ua_args.c has the table).
 *
 * Both modes transfer calls (--transfer-to, --consult: ua_transfer.c),
 * accept transfers (REFER, Replaces), and register and use a proxy
 * (--registrar, --proxy: ua_reg.c).
 *
 * Every call state change is printed as one line with the seconds since
 * start; --trace adds every message on the wire, -v the stack's log.
 *
 * The stack runs in this program's own loop (esip_stack_fd, _timeout_ms,
 * _process), so the callbacks and main() share one thread and the
 * program needs no lock: poll() waits for the stack's fd, the signal
 * pipe and the next of our own timers (answer, hang up, transfer after
 * MS, -d).
 */
#include "ua_app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SDP_MAX 8192
/* how long calls (BYE, CANCEL answered) and the registration (REGISTER
 * with Expires: 0) may take to end when we stop */
#define STOP_GRACE_MS 4000

static struct timespec t0;
static int sig_pipe[2] = {-1, -1};

uint64_t ua_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)((long long)(ts.tv_sec - t0.tv_sec) * 1000 +
			  (ts.tv_nsec - t0.tv_nsec) / 1000000);
}

const char *ua_stamp(char buf[32])
{
	uint64_t ms = ua_now_ms();

	snprintf(buf, 32, "%llu.%03llu", (unsigned long long)(ms / 1000),
		 (unsigned long long)(ms % 1000));
	return buf;
}

static void on_signal(int sig)
{
	char c = (char)sig;
	int e = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a stop is pending anyway */
	}
	errno = e;
}

/* ---- output ---------------------------------------------------------------------- */

static void on_log(void *ud, esip_log_level level, const char *msg)
{
	static const char *names[] = {"error", "warn", "info", "debug", "trace"};
	char ts[32];

	(void)ud;
	fprintf(stderr, "%s [%s] %s\n", ua_stamp(ts), names[level], msg);
}

static void on_trace(void *ud, const esip_trace_msg *t)
{
	char local[ESIP_ADDR_STRLEN], peer[ESIP_ADDR_STRLEN], ts[32];

	(void)ud;
	esip_addr_str(t->local, local, sizeof local);
	esip_addr_str(t->peer, peer, sizeof peer);
	printf("%s ---- %s %s %s %s %s (%zu bytes)\n%.*s\n", ua_stamp(ts),
	       t->outgoing ? "sent" : "received", esip_tp_name(t->tp), local,
	       t->outgoing ? "->" : "<-", peer, t->len, (int)t->len, t->bytes);
}

void ua_short_id(const char *call_id, char out[16])
{
	size_t n = strlen(call_id);

	if (n <= 12)
		snprintf(out, 16, "%s", call_id);
	else
		snprintf(out, 16, "%.10s..", call_id);
}

static const char *dir_name(esip_call_dir d)
{
	return d == ESIP_CALL_OUTGOING ? "outgoing" : "incoming";
}

/* ---- our SDP ----------------------------------------------------------------------- */

/* Our address towards host (a name or a numeric address): the kernel's
 * route choice through a connected UDP socket (no packet is sent). */
static int local_ip_towards(const char *host, char *out, size_t cap)
{
	struct addrinfo hints, *ai;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd, ok;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, "9", &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	     getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	     getnameinfo((struct sockaddr *)&ss, len, out, (socklen_t)cap, NULL, 0,
			 NI_NUMERICHOST) == 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ok ? 0 : -1;
}

/* The host of a SIP URI ("sip:bob@[::1]:5060;transport=tcp" -> "::1"). */
static int uri_host(const char *uri, char *out, size_t cap)
{
	esip_uri u;

	if (esip_uri_parse(esip_str_cstr(uri), &u) || !u.host.len || u.host.len >= cap)
		return -1;
	memcpy(out, u.host.p, u.host.len);
	out[u.host.len] = 0;
	return 0;
}

/*
 * A UDP socket for the media port our SDP names: bound next to the first
 * listener, never read (esip-ua sends no media; what arrives is dropped
 * when the socket's buffer is full).  Fills app->media.
 */
static int open_media(ua_app *app, esip_tp tp)
{
	esip_addr la;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	if (esip_stack_local_addr(app->s, tp, &la))
		return -1;
	esip_addr_set_port(&la, 0);
	fd = socket(esip_addr_family(&la), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, &la.u.sa, la.len) || getsockname(fd, (struct sockaddr *)&ss, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	app->media.port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							: ((struct sockaddr_in6 *)&ss)->sin6_port);
	esip_addr_ip_str(&la, app->media.ip, sizeof app->media.ip);
	app->listen_wildcard = !strcmp(app->media.ip, "0.0.0.0") || !strcmp(app->media.ip, "::");
	app->media.session_id = (uint64_t)time(NULL);
	return fd;
}

/* Our media description for a call with a peer at peer_uri. */
static ua_media media_for(const ua_app *app, const char *peer_uri)
{
	ua_media m = app->media;
	char host[256];

	if (app->listen_wildcard && (uri_host(peer_uri, host, sizeof host) ||
				     local_ip_towards(host, m.ip, sizeof m.ip)))
		snprintf(m.ip, sizeof m.ip, "%s", strchr(m.ip, ':') ? "::1" : "127.0.0.1");
	return m;
}

/* ---- calls ------------------------------------------------------------------------- */

void ua_call_label(ua_app *app, esip_call *c, char out[16])
{
	ua_call *uc = ua_call_find(app, c);

	if (uc)
		snprintf(out, 16, "%s", uc->id);
	else
		ua_short_id(esip_call_id(c), out);
}

void ua_call_hangup(ua_call *uc)
{
	int rc = esip_call_hangup(uc->call);
	char ts[32];

	ua_unschedule(uc);
	if (rc == 0)
		uc->hung_up = true;
	else if (rc != ESIP_ESTATE)
		printf("%s call %s hangup failed: %s\n", ua_stamp(ts), uc->id, esip_strerror(rc));
}

/* Listen mode: the 200 with our SDP answer, or the --reject status. */
static void call_answer(ua_app *app, ua_call *uc)
{
	char offer[SDP_MAX], sdp[SDP_MAX], peer[512], ts[32];
	const char *body = sdp;
	long n;
	int rc;

	ua_unschedule(uc);
	if (app->o->reject_code) {
		rc = esip_call_reject(uc->call, (unsigned)app->o->reject_code, NULL);
		if (rc == 0)
			uc->rejected = true;
	} else {
		if (app->sdp_file) {
			body = app->sdp_file;
			n = (long)app->sdp_file_len;
		} else {
			ua_media m;
			if (esip_call_remote_target(uc->call, peer, sizeof peer) < 0)
				peer[0] = 0;
			m = media_for(app, peer);
			if (esip_call_remote_sdp(uc->call, offer, sizeof offer) > 0)
				n = ua_sdp_answer(&m, offer, sdp, sizeof sdp);
			else /* no offer in the INVITE: ours goes in the 200 (RFC 3261 13.2.1) */
				n = ua_sdp_offer(&m, sdp, sizeof sdp);
		}
		rc = n < 0 ? ESIP_ENOSPC : esip_call_accept(uc->call, body, (size_t)n);
	}
	if (rc && rc != ESIP_ESTATE)
		printf("%s call %s answer failed: %s\n", ua_stamp(ts), uc->id, esip_strerror(rc));
}

static void on_incoming(void *ud, esip_call *c)
{
	ua_app *app = ud;
	ua_call *uc = ua_call_hold(app, c, ROLE_INCOMING);
	char ts[32];
	int rc;

	if (!uc) {
		esip_call_reject(c, 500, "Out Of Memory");
		return;
	}
	app->n_in++;
	printf("%s call %s incoming from %s to %s\n", ua_stamp(ts), uc->id, esip_call_remote_uri(c),
	       esip_call_local_uri(c));
	if (app->stopping) {
		esip_call_reject(c, 480, NULL);
		return;
	}
	if (app->o->reject_code && !app->o->answer_after_ms) {
		call_answer(app, uc);
		return;
	}
	rc = esip_call_ring(c, 180, NULL, 0);
	if (rc)
		printf("%s call %s ring failed: %s\n", ua_stamp(ts), uc->id, esip_strerror(rc));
	if (app->o->answer_after_ms)
		ua_schedule(uc, ACT_ANSWER, app->o->answer_after_ms);
	else
		call_answer(app, uc);
}

/* "event 486 Busy Here" / "event" */
static const char *ev_text(const esip_call_event *ev, char *buf, size_t cap)
{
	if (!ev->status)
		snprintf(buf, cap, "%s", ev->event);
	else
		snprintf(buf, cap, "%s %d%s%s", ev->event, ev->status,
			 ev->reason && ev->reason[0] ? " " : "", ev->reason ? ev->reason : "");
	return buf;
}

/* Call mode: the exit status of the call that ended with ev. */
static int call_outcome(const ua_app *app, const ua_call *uc, const esip_call_event *ev,
			char *why, size_t cap)
{
	const char *e = ev->event;
	char t[160];

	if (app->interrupted) {
		snprintf(why, cap, "interrupted");
		return UA_EXIT_INTERRUPTED;
	}
	if (uc->established) {
		if (uc->hung_up) {
			snprintf(why, cap, "established, hung up by us after %llu ms",
				 (unsigned long long)(ua_now_ms() - uc->established_at));
			return UA_EXIT_OK;
		}
		if (!strcmp(e, "receive_bye")) {
			snprintf(why, cap, "established, the peer hung up");
			return UA_EXIT_REMOTE_BYE;
		}
		snprintf(why, cap, "established, then lost (%s)", ev_text(ev, t, sizeof t));
		return UA_EXIT_LOST;
	}
	if (uc->hung_up) {
		snprintf(why, cap, "no answer within -d %g s", app->o->duration_s);
		return UA_EXIT_NO_ANSWER;
	}
	if (!strncmp(e, "receive_", 8) && ev->status >= 300) {
		snprintf(why, cap, "rejected %d %s", ev->status, ev->reason);
		return UA_EXIT_REJECTED;
	}
	if (!strcmp(e, "transaction_timeout") || !strcmp(e, "timeout")) {
		snprintf(why, cap, "no answer (%s)", ev_text(ev, t, sizeof t));
		return UA_EXIT_NO_ANSWER;
	}
	if (!strcmp(e, "transaction_error")) {
		snprintf(why, cap, "unreachable (%s)", ev_text(ev, t, sizeof t));
		return UA_EXIT_UNREACHABLE;
	}
	snprintf(why, cap, "failed (%s)", ev_text(ev, t, sizeof t));
	return UA_EXIT_LOST;
}

/*
 * Call mode: the exit status says how the call the user ends up with
 * ended - the one established last (a call placed on a REFER, or one that
 * replaced ours, takes over from the first), else the last that failed.
 * The --consult call is the transfer's business (xfer_result).
 */
static void call_ended(ua_app *app, const ua_call *uc, const esip_call_event *ev)
{
	uint64_t rank = uc->established ? uc->established_at + 1 : 0;
	char why[200];
	int rc;

	if (uc->role == ROLE_CONSULT)
		return;
	rc = call_outcome(app, uc, ev, why, sizeof why);
	if (app->end_result >= 0 && rank < app->end_rank)
		return;
	app->end_result = rc;
	app->end_rank = rank;
	if (uc->role == ROLE_REFERRED)
		snprintf(app->end_why, sizeof app->end_why, "the call placed on the REFER to %s: %s",
			 esip_call_remote_uri(uc->call), why);
	else if (uc->role == ROLE_REPLACING)
		snprintf(app->end_why, sizeof app->end_why, "the call that replaced ours: %s", why);
	else
		snprintf(app->end_why, sizeof app->end_why, "%s", why);
}

/* Listen mode: count how the call ended. */
static void count_end(ua_app *app, const ua_call *uc, const esip_call_event *ev)
{
	if (uc->role == ROLE_REFERRED)
		return; /* ours, not an incoming call: counted when placed */
	if (ev->state == ESIP_CALL_REPLACED)
		app->n_replaced++;
	else if (uc->established && !strcmp(ev->event, "receive_bye"))
		app->n_peer_bye++;
	else if (uc->established && uc->hung_up)
		app->n_our_bye++;
	else if (!uc->established && !strcmp(ev->event, "receive_cancel"))
		app->n_cancelled++;
	else if (uc->rejected)
		app->n_rejected++;
	else
		app->n_other++;
}

static void on_state(void *ud, esip_call *c, const esip_call_event *ev)
{
	ua_app *app = ud;
	ua_call *uc = ua_call_find(app, c);
	char ts[32], id[16], t[160];

	if (!uc && ev->prev == ESIP_CALL_IDLE && !esip_call_state_is_final(ev->state))
		uc = ua_xfer_adopt(app, c, ev);
	ua_call_label(app, c, id);
	printf("%s call %s %s %s -> %s (%s)\n", ua_stamp(ts), id, dir_name(ev->dir),
	       esip_call_state_name(ev->prev), esip_call_state_name(ev->state),
	       ev_text(ev, t, sizeof t));
	if (!uc)
		return;
	if (ev->state == ESIP_CALL_ESTABLISHED && !uc->established) {
		uc->established = true;
		uc->established_at = ua_now_ms();
		if (ev->dir == ESIP_CALL_INCOMING_DIR)
			app->n_answered++;
		if (app->stopping)
			ua_call_hangup(uc);
		else if (!ua_xfer_established(app, uc) && app->o->hangup_after_ms >= 0)
			ua_schedule(uc, ACT_HANGUP, app->o->hangup_after_ms);
	}
	if (!esip_call_state_is_final(ev->state))
		return;
	ua_xfer_call_ended(app, uc, ev);
	if (app->o->mode == UA_MODE_CALL)
		call_ended(app, uc, ev);
	else
		count_end(app, uc, ev);
	ua_call_forget(app, uc);
}

static void on_request(void *ud, esip_call *c, const char *method, int status)
{
	char ts[32], id[16];

	ua_call_label(ud, c, id);
	printf("%s call %s request %s answered %d\n", ua_stamp(ts), id, method, status);
}

/* ---- the loop -------------------------------------------------------------------------- */

void ua_begin_stop(ua_app *app, bool interrupted)
{
	ua_call *uc, *next;

	if (app->stopping) {
		if (interrupted) /* a second signal: do not wait */
			app->stop_at = ua_now_ms();
		return;
	}
	app->stopping = true;
	app->interrupted = interrupted;
	app->stop_at = ua_now_ms() + STOP_GRACE_MS;
	for (uc = app->calls; uc; uc = next) {
		next = uc->next; /* hangup never runs callbacks here: they are deferred */
		ua_call_hangup(uc);
	}
	ua_reg_stop(app);
}

static void run_due(ua_app *app)
{
	uint64_t now = ua_now_ms();
	ua_call *uc;

	/* what runs here defers its callbacks; it may schedule others */
	while ((uc = ua_next_due(app)) && uc->due <= now) {
		ua_act act = uc->todo;
		ua_unschedule(uc);
		if (act == ACT_ANSWER)
			call_answer(app, uc);
		else if (act == ACT_TRANSFER)
			ua_xfer_send(app, uc);
		else
			ua_call_hangup(uc);
	}
}

static int poll_timeout(ua_app *app, uint64_t deadline)
{
	uint64_t now = ua_now_ms(), next = UINT64_MAX;
	int t = esip_stack_timeout_ms(app->s);
	const ua_call *uc = ua_next_due(app);

	if (uc)
		next = uc->due;
	if (!app->stopping && deadline < next)
		next = deadline;
	if (app->stopping && app->stop_at < next)
		next = app->stop_at;
	if (next != UINT64_MAX) {
		uint64_t d = next > now ? next - now : 0;
		if (d > 60000)
			d = 60000;
		if (t < 0 || (uint64_t)t > d)
			t = (int)d;
	}
	return t;
}

static void run(ua_app *app)
{
	uint64_t deadline =
		app->o->duration_s >= 0 ? (uint64_t)(app->o->duration_s * 1000.0) : UINT64_MAX;

	for (;;) {
		struct pollfd fds[2] = {{esip_stack_fd(app->s), POLLIN, 0}, {sig_pipe[0], POLLIN, 0}};
		int n = poll(fds, 2, poll_timeout(app, deadline));

		fflush(stdout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (fds[1].revents & POLLIN)) {
			char buf[16];
			if (read(sig_pipe[0], buf, sizeof buf) > 0)
				ua_begin_stop(app, true);
		}
		esip_stack_process(app->s);
		run_due(app);
		if (!app->stopping && ua_now_ms() >= deadline)
			ua_begin_stop(app, false);
		/* call mode ends when its calls did (a transfer may add some) */
		if (!app->stopping && app->o->mode == UA_MODE_CALL && app->placed && !app->calls)
			ua_begin_stop(app, false);
		if (app->stopping &&
		    ((!app->calls && !ua_reg_busy(app)) || ua_now_ms() >= app->stop_at))
			break;
	}
	fflush(stdout);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int setup_signals(void)
{
	struct sigaction sa;

	if (pipe(sig_pipe))
		return -1;
	fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Call mode's default listeners: udp and tcp on any address and port of
 * the target's family. */
static void default_listen(ua_opts *o)
{
	esip_uri u;
	const char *any = "127.0.0.1:5060";

	if (o->mode == UA_MODE_CALL)
		any = esip_uri_parse(esip_str_cstr(o->target), &u) == 0 &&
				      u.host_type == ESIP_HOST_IPV6
			      ? "[::]:0"
			      : "0.0.0.0:0";
	o->listen[0] = (esip_listen){ESIP_TP_UDP, any};
	o->listen[1] = (esip_listen){ESIP_TP_TCP, any};
	o->n_listen = 2;
}

static void print_listening(esip_stack *s, const ua_opts *o)
{
	static const esip_tp tps[] = {ESIP_TP_UDP, ESIP_TP_TCP};
	char ts[32], txt[ESIP_ADDR_STRLEN];
	size_t i, k;
	esip_addr a;

	for (k = 0; k < 2; k++)
		for (i = 0; i < o->n_listen; i++)
			if (o->listen[i].tp == tps[k]) {
				if (esip_stack_local_addr(s, tps[k], &a) == 0) {
					esip_addr_str(&a, txt, sizeof txt);
					printf("%s listening on %s %s\n", ua_stamp(ts),
					       esip_tp_name(tps[k]), txt);
				}
				break;
			}
}

/* Places a call to uri; NULL (and *rc an exit status) when it cannot. */
ua_call *ua_call_place(ua_app *app, const char *uri, ua_role role, int *rc)
{
	char sdp[SDP_MAX], ts[32];
	esip_call_params p;
	esip_call *c;
	ua_call *uc;
	ua_media m;
	int e;

	memset(&p, 0, sizeof p);
	p.target = uri;
	if (app->sdp_file) {
		p.sdp = app->sdp_file;
		p.sdp_len = app->sdp_file_len;
	} else {
		m = media_for(app, uri);
		p.sdp = sdp;
		p.sdp_len = (size_t)ua_sdp_offer(&m, sdp, sizeof sdp);
	}
	p.headers = app->o->headers;
	p.n_headers = app->o->n_headers;
	e = esip_call_make(app->s, &p, &c);
	if (e) {
		fprintf(stderr, "esip-ua: cannot call %s: %s\n", uri,
			e == ESIP_ENOTFOUND ? "no listener of that address family (see -l)"
					    : esip_strerror(e));
		*rc = e == ESIP_EINVAL || e == ESIP_ENOTSUP ? UA_EXIT_USAGE
		      : e == ESIP_ENOTFOUND		    ? UA_EXIT_NO_LISTEN
							    : UA_EXIT_UNREACHABLE;
		return NULL;
	}
	/* its events are deferred: held before the first one runs */
	uc = ua_call_hold(app, c, role);
	if (!uc) {
		esip_call_hangup(c);
		esip_call_unref(c);
		*rc = UA_EXIT_LOST;
		return NULL;
	}
	esip_call_unref(c); /* uc holds its own */
	printf("%s call %s outgoing to %s from %s\n", ua_stamp(ts), uc->id, esip_call_remote_uri(c),
	       esip_call_local_uri(c));
	return uc;
}

void ua_start_call(ua_app *app)
{
	int rc;

	if (app->o->mode != UA_MODE_CALL || app->placed || app->stopping)
		return;
	if (ua_call_place(app, app->o->target, ROLE_PLACED, &rc)) {
		app->placed = true;
		return;
	}
	app->result = rc;
	snprintf(app->result_why, sizeof app->result_why, "cannot call %s", app->o->target);
	ua_begin_stop(app, false);
}

/* Call mode: the exit status and its "result:" line. */
static int call_result(ua_app *app)
{
	const char *why;
	char ts[32];
	int rc;

	if (app->result >= 0) {
		rc = app->result;
		why = app->result_why;
	} else if (app->xfer_result >= 0) {
		rc = app->xfer_result;
		why = app->xfer_why;
	} else if (app->end_result >= 0) {
		rc = app->end_result;
		why = app->end_why;
	} else {
		rc = app->interrupted ? UA_EXIT_INTERRUPTED : UA_EXIT_NO_ANSWER;
		why = app->interrupted ? "interrupted" : "no answer";
	}
	printf("%s result: %s (exit %d)\n", ua_stamp(ts), why, rc);
	return rc;
}

static void print_summary(const ua_app *app)
{
	char ts[32];

	printf("%s summary: %u calls, %u answered, %u rejected, %u cancelled by the caller, "
	       "%u hung up by the caller, %u hung up by us, %u other, %u replaced, "
	       "%u transferred by us, %u transfers failed, %u calls placed on REFER\n",
	       ua_stamp(ts), app->n_in, app->n_answered, app->n_rejected, app->n_cancelled,
	       app->n_peer_bye, app->n_our_bye, app->n_other, app->n_replaced, app->n_xfer_ok,
	       app->n_xfer_failed, app->n_referred);
}

int main(int argc, char **argv)
{
	ua_opts o;
	ua_app app;
	esip_stack_config cfg;
	esip_credentials cred;
	int rc, media_fd = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = ua_parse_args(argc, argv, &o);
	if (rc != UA_ARGS_RUN)
		return rc;
	if (!o.n_listen)
		default_listen(&o);
	memset(&app, 0, sizeof app);
	app.o = &o;
	app.result = app.end_result = app.xfer_result = -1;
	if (o.sdp_file && ua_sdp_load(o.sdp_file, &app.sdp_file, &app.sdp_file_len)) {
		fprintf(stderr, "esip-ua: cannot read %s: %s\n", o.sdp_file, strerror(errno));
		return UA_EXIT_NO_LISTEN;
	}
	if (setup_signals()) {
		fprintf(stderr, "esip-ua: pipe: %s\n", strerror(errno));
		return UA_EXIT_NO_LISTEN;
	}

	esip_stack_config_init(&cfg);
	cfg.listen = o.listen;
	cfg.n_listen = o.n_listen;
	cfg.ua.user_agent = "esip-ua";
	if (o.mode == UA_MODE_LISTEN) {
		cfg.ua.custom_headers = o.headers;
		cfg.ua.n_custom_headers = o.n_headers;
	}
	/* RFC 3515 2.4.2: we decide on each REFER (the incoming_refer
	 * callback prints it and accepts); --no-refer: 603 from the stack.
	 * RFC 3891: --no-replaces treats Replaces as unsupported. */
	cfg.ua.refer_policy = o.no_refer ? ESIP_POLICY_REJECT : ESIP_POLICY_ASK;
	cfg.ua.replaces_policy = o.no_replaces ? ESIP_POLICY_REJECT : ESIP_POLICY_ACCEPT;
	ua_reg_config(&app, &cfg, &cred);
	cfg.log_level = o.verbose >= 2 ? ESIP_LOG_TRACE
			: o.verbose   ? ESIP_LOG_DEBUG
				      : ESIP_LOG_WARN;
	cfg.cb.log = on_log;
	cfg.cb.trace = o.trace ? on_trace : NULL;
	cfg.cb.incoming_call = o.mode == UA_MODE_LISTEN ? on_incoming : NULL;
	cfg.cb.call_state = on_state;
	cfg.cb.call_request = on_request;
	cfg.cb.incoming_refer = ua_on_incoming_refer;
	cfg.cb.refer_status = ua_on_refer_status;
	cfg.cb.reg_state = ua_on_reg_state;
	cfg.cb.ud = &app;
	errno = 0;
	rc = esip_stack_new(&cfg, &app.s);
	if (rc) {
		int e = errno;
		size_t i;
		fprintf(stderr, "esip-ua: cannot listen on");
		for (i = 0; i < o.n_listen; i++)
			fprintf(stderr, " %s:%s", o.listen[i].tp == ESIP_TP_UDP ? "udp" : "tcp",
				o.listen[i].addr);
		fprintf(stderr, ": %s\n", rc == ESIP_ESYS && e ? strerror(e) : esip_strerror(rc));
		free(app.sdp_file);
		return UA_EXIT_NO_LISTEN;
	}
	print_listening(app.s, &o);
	media_fd = open_media(&app, o.listen[0].tp);
	if (media_fd < 0) {
		fprintf(stderr, "esip-ua: cannot open a media port: %s\n", strerror(errno));
		esip_stack_free(app.s);
		free(app.sdp_file);
		return UA_EXIT_NO_LISTEN;
	}

	/* registered first (then the call), or the call at once */
	rc = ua_reg_start(&app);
	if (rc == 0) {
		run(&app);
		if (o.mode == UA_MODE_CALL) {
			rc = call_result(&app);
		} else {
			print_summary(&app);
			rc = app.result >= 0 ? app.result : UA_EXIT_OK;
		}
	}
	/* calls still up (the grace ran out) end with the stack: their last
	 * state changes may still come, so our records go after it */
	esip_stack_free(app.s);
	ua_calls_free(&app);
	close(media_fd);
	free(app.sdp_file);
	fflush(stdout);
	return rc;
}
