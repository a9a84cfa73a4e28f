/*
 * esip-ua - a command-line SIP user agent on the esip stack (esip/stack.h
 * only; issue 8).
 *
 *   esip-ua -l udp:ADDR -l tcp:ADDR [--answer-after MS | --reject CODE] ...
 *       listens and answers every incoming call (180, then 200 with an
 *       SDP answer, or a rejection), until SIGINT/SIGTERM or -d seconds;
 *   esip-ua call URI [--hangup-after MS] [--sdp FILE] [-H 'Name: value']...
 *       places one call, hangs up once established, and exits with a
 *       status that says how the call ended (ua_args.c has the table).
 *
 * Every call state change is printed as one line with the seconds since
 * start; --trace adds every message on the wire, -v the stack's log.
 *
 * The stack runs in this program's own loop (esip_stack_fd, _timeout_ms,
 * _process), so the callbacks and main() share one thread and the
 * program needs no lock: poll() waits for the stack's fd, the signal
 * pipe and the next of our own timers (answer after MS, hang up after
 * MS, -d).
 */
#include "ua_args.h"
#include "ua_sdp.h"

#include <esip/stack.h>

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
/* how long calls may take to end (BYE, CANCEL answered) when we stop */
#define STOP_GRACE_MS 4000

typedef enum ua_act { ACT_NONE, ACT_ANSWER, ACT_HANGUP } ua_act;

/* A call we hold a reference to, until it reaches a final state. */
typedef struct ua_call {
	struct ua_call *next;
	esip_call *call;
	char id[16];          /* the Call-ID, shortened for the lines */
	ua_act todo;
	uint64_t due;         /* ms since start */
	uint64_t established_at;
	bool established;
	bool hung_up;         /* we sent BYE or CANCEL */
	bool rejected;        /* we answered 300..699 */
} ua_call;

typedef struct ua_app {
	const ua_opts *o;
	esip_stack *s;
	ua_call *calls;
	char *sdp_file;       /* --sdp contents (CRLF) or NULL */
	size_t sdp_file_len;
	ua_media media;
	bool listen_wildcard; /* our SDP address must be chosen per peer */
	bool stopping, interrupted;
	uint64_t stop_at;
	int result;           /* call mode: the exit status once the call ended */
	/* listen mode */
	unsigned n_in, n_answered, n_rejected, n_cancelled, n_peer_bye, n_our_bye, n_other;
} ua_app;

static struct timespec t0;
static int sig_pipe[2] = {-1, -1};

/* Milliseconds since start. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)((long long)(ts.tv_sec - t0.tv_sec) * 1000 +
			  (ts.tv_nsec - t0.tv_nsec) / 1000000);
}

/* "12.345" (seconds since start) */
static const char *stamp(char buf[32])
{
	uint64_t ms = now_ms();

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
	fprintf(stderr, "%s [%s] %s\n", stamp(ts), names[level], msg);
}

static void on_trace(void *ud, const esip_trace_msg *t)
{
	char local[ESIP_ADDR_STRLEN], peer[ESIP_ADDR_STRLEN], ts[32];

	(void)ud;
	esip_addr_str(t->local, local, sizeof local);
	esip_addr_str(t->peer, peer, sizeof peer);
	printf("%s ---- %s %s %s %s %s (%zu bytes)\n%.*s\n", stamp(ts),
	       t->outgoing ? "sent" : "received", esip_tp_name(t->tp), local,
	       t->outgoing ? "->" : "<-", peer, t->len, (int)t->len, t->bytes);
}

static void short_id(const char *call_id, char out[16])
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

/* Tracks c in uc (the caller's reference to c becomes uc's). */
static void call_link(ua_app *app, ua_call *uc, esip_call *c)
{
	uc->call = c;
	short_id(esip_call_id(c), uc->id);
	uc->next = app->calls;
	app->calls = uc;
}

static void call_forget(ua_app *app, ua_call *uc)
{
	ua_call **pp;

	for (pp = &app->calls; *pp; pp = &(*pp)->next)
		if (*pp == uc) {
			*pp = uc->next;
			break;
		}
	esip_call_unref(uc->call);
	free(uc);
}

static void schedule(ua_call *uc, ua_act act, long after_ms)
{
	uc->todo = act;
	uc->due = now_ms() + (uint64_t)after_ms;
}

static void call_hangup(ua_call *uc)
{
	int rc = esip_call_hangup(uc->call);
	char ts[32];

	uc->todo = ACT_NONE;
	if (rc == 0)
		uc->hung_up = true;
	else if (rc != ESIP_ESTATE)
		printf("%s call %s hangup failed: %s\n", stamp(ts), uc->id, esip_strerror(rc));
}

/* Listen mode: the 200 with our SDP answer, or the --reject status. */
static void call_answer(ua_app *app, ua_call *uc)
{
	char offer[SDP_MAX], sdp[SDP_MAX], peer[512], ts[32];
	const char *body = sdp;
	long n;
	int rc;

	uc->todo = ACT_NONE;
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
		printf("%s call %s answer failed: %s\n", stamp(ts), uc->id, esip_strerror(rc));
}

static void on_incoming(void *ud, esip_call *c)
{
	ua_app *app = ud;
	ua_call *uc;
	char ts[32];
	int rc;

	uc = calloc(1, sizeof *uc);
	if (!uc) {
		esip_call_reject(c, 500, "Out Of Memory");
		return;
	}
	esip_call_ref(c);
	call_link(app, uc, c);
	esip_call_set_user_data(c, uc);
	app->n_in++;
	printf("%s call %s incoming from %s to %s\n", stamp(ts), uc->id, esip_call_remote_uri(c),
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
		printf("%s call %s ring failed: %s\n", stamp(ts), uc->id, esip_strerror(rc));
	if (app->o->answer_after_ms)
		schedule(uc, ACT_ANSWER, app->o->answer_after_ms);
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
				 (unsigned long long)(now_ms() - uc->established_at));
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

/* Listen mode: count how the call ended. */
static void count_end(ua_app *app, const ua_call *uc, const esip_call_event *ev)
{
	if (uc->established && !strcmp(ev->event, "receive_bye"))
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
	ua_call *uc = esip_call_user_data(c);
	char ts[32], id[16], why[200], t[160];

	if (uc)
		snprintf(id, sizeof id, "%s", uc->id);
	else
		short_id(esip_call_id(c), id);
	printf("%s call %s %s %s -> %s (%s)\n", stamp(ts), id, dir_name(ev->dir),
	       esip_call_state_name(ev->prev), esip_call_state_name(ev->state),
	       ev_text(ev, t, sizeof t));
	if (!uc)
		return;
	if (ev->state == ESIP_CALL_ESTABLISHED && !uc->established) {
		uc->established = true;
		uc->established_at = now_ms();
		if (ev->dir == ESIP_CALL_INCOMING_DIR)
			app->n_answered++;
		if (app->stopping)
			call_hangup(uc);
		else if (app->o->hangup_after_ms >= 0)
			schedule(uc, ACT_HANGUP, app->o->hangup_after_ms);
	}
	if (!esip_call_state_is_final(ev->state))
		return;
	if (app->o->mode == UA_MODE_CALL) {
		app->result = call_outcome(app, uc, ev, why, sizeof why);
		printf("%s result: %s (exit %d)\n", stamp(ts), why, app->result);
	} else {
		count_end(app, uc, ev);
	}
	call_forget(app, uc);
}

static void on_request(void *ud, esip_call *c, const char *method, int status)
{
	ua_call *uc = esip_call_user_data(c);
	char ts[32], id[16];

	(void)ud;
	if (uc)
		snprintf(id, sizeof id, "%s", uc->id);
	else
		short_id(esip_call_id(c), id);
	printf("%s call %s request %s answered %d\n", stamp(ts), id, method, status);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void begin_stop(ua_app *app, bool interrupted)
{
	ua_call *uc, *next;

	if (app->stopping) {
		if (interrupted) /* a second signal: do not wait */
			app->stop_at = now_ms();
		return;
	}
	app->stopping = true;
	app->interrupted = interrupted;
	app->stop_at = now_ms() + STOP_GRACE_MS;
	for (uc = app->calls; uc; uc = next) {
		next = uc->next; /* hangup never runs callbacks here: they are deferred */
		call_hangup(uc);
	}
}

static void run_due(ua_app *app)
{
	uint64_t now = now_ms();
	ua_call *uc;

	for (uc = app->calls; uc; uc = uc->next)
		if (uc->todo != ACT_NONE && uc->due <= now) {
			if (uc->todo == ACT_ANSWER)
				call_answer(app, uc);
			else
				call_hangup(uc);
		}
}

static int poll_timeout(ua_app *app, uint64_t deadline)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	int t = esip_stack_timeout_ms(app->s);
	ua_call *uc;

	for (uc = app->calls; uc; uc = uc->next)
		if (uc->todo != ACT_NONE && uc->due < next)
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
				begin_stop(app, true);
		}
		esip_stack_process(app->s);
		run_due(app);
		if (!app->stopping && now_ms() >= deadline)
			begin_stop(app, false);
		if (app->o->mode == UA_MODE_CALL && app->result >= 0)
			break;
		if (app->stopping && (!app->calls || now_ms() >= app->stop_at))
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
					printf("%s listening on %s %s\n", stamp(ts),
					       esip_tp_name(tps[k]), txt);
				}
				break;
			}
}

/* Call mode: place the call; UA_ARGS_RUN, or an exit status. */
static int place_call(ua_app *app)
{
	char sdp[SDP_MAX], ts[32];
	esip_call_params p;
	esip_call *c;
	ua_call *uc;
	ua_media m;
	long n;
	int rc;

	memset(&p, 0, sizeof p);
	p.target = app->o->target;
	if (app->sdp_file) {
		p.sdp = app->sdp_file;
		p.sdp_len = app->sdp_file_len;
	} else {
		m = media_for(app, app->o->target);
		n = ua_sdp_offer(&m, sdp, sizeof sdp);
		p.sdp = sdp;
		p.sdp_len = (size_t)n;
	}
	p.headers = app->o->headers;
	p.n_headers = app->o->n_headers;
	/* the user data is immutable for outgoing calls: set it before the
	 * call exists, through a placeholder filled below */
	uc = calloc(1, sizeof *uc);
	if (!uc)
		return UA_EXIT_LOST;
	p.user_data = uc;
	rc = esip_call_make(app->s, &p, &c);
	if (rc) {
		free(uc);
		fprintf(stderr, "esip-ua: cannot call %s: %s\n", app->o->target,
			rc == ESIP_ENOTFOUND ? "no listener of that address family (see -l)"
					     : esip_strerror(rc));
		if (rc == ESIP_EINVAL || rc == ESIP_ENOTSUP)
			return UA_EXIT_USAGE;
		if (rc == ESIP_ENOTFOUND)
			return UA_EXIT_NO_LISTEN;
		return UA_EXIT_UNREACHABLE;
	}
	call_link(app, uc, c);
	printf("%s call %s outgoing to %s from %s\n", stamp(ts), uc->id, esip_call_remote_uri(c),
	       esip_call_local_uri(c));
	return UA_ARGS_RUN;
}

static void print_summary(const ua_app *app)
{
	char ts[32];

	printf("%s summary: %u calls, %u answered, %u rejected, %u cancelled by the caller, "
	       "%u hung up by the caller, %u hung up by us, %u other\n",
	       stamp(ts), app->n_in, app->n_answered, app->n_rejected, app->n_cancelled,
	       app->n_peer_bye, app->n_our_bye, app->n_other);
}

int main(int argc, char **argv)
{
	ua_opts o;
	ua_app app;
	esip_stack_config cfg;
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
	app.result = -1;
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
	cfg.log_level = o.verbose >= 2 ? ESIP_LOG_TRACE
			: o.verbose   ? ESIP_LOG_DEBUG
				      : ESIP_LOG_WARN;
	cfg.cb.log = on_log;
	cfg.cb.trace = o.trace ? on_trace : NULL;
	cfg.cb.incoming_call = o.mode == UA_MODE_LISTEN ? on_incoming : NULL;
	cfg.cb.call_state = on_state;
	cfg.cb.call_request = on_request;
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

	rc = o.mode == UA_MODE_CALL ? place_call(&app) : UA_ARGS_RUN;
	if (rc == UA_ARGS_RUN) {
		run(&app);
		if (o.mode == UA_MODE_CALL && app.result < 0) {
			char ts[32];
			app.result = app.interrupted ? UA_EXIT_INTERRUPTED : UA_EXIT_NO_ANSWER;
			printf("%s result: %s (exit %d)\n", stamp(ts),
			       app.interrupted ? "interrupted" : "no answer", app.result);
		}
		rc = o.mode == UA_MODE_CALL ? app.result : UA_EXIT_OK;
		if (o.mode == UA_MODE_LISTEN)
			print_summary(&app);
	}
	/* calls still up (the grace ran out) end with the stack: their last
	 * state changes may still come, so our records go after it */
	esip_stack_free(app.s);
	while (app.calls)
		call_forget(&app, app.calls);
	close(media_fd);
	free(app.sdp_file);
	fflush(stdout);
	return rc;
}
