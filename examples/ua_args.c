/*
 * ua_args.c - esip-ua's command line (ua_args.h): both modes, their
 * defaults, what goes with what, and the help text with the exit table.
 */
#include "ua_args.h"
#include "listen_arg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In sections: C99 compilers need not take string literals over 4095 bytes. */
static const char *const help_text[] = {
	"usage: esip-ua [-l udp:ADDR] [-l tcp:ADDR]... [--answer-after MS | --reject CODE]\n"
	"               [--hangup-after MS] [--transfer-to URI2 [--transfer-after MS]]\n"
	"               [--no-refer] [--no-replaces] [REGISTRATION] [-d SECONDS]\n"
	"               [--sdp FILE] [-H 'Name: value']... [--trace] [-v]\n"
	"       esip-ua call URI [-l udp:ADDR] [-l tcp:ADDR]... [--hangup-after MS]\n"
	"               [--transfer-to URI2 | --consult URI2] [--transfer-after MS]\n"
	"               [--no-refer] [--no-replaces] [REGISTRATION] [-d SECONDS]\n"
	"               [--sdp FILE] [-H 'Name: value']... [--trace] [-v]\n"
	"REGISTRATION: [--user NAME [--password PASSWORD]] [--registrar URI] [--proxy URI]\n"
	"\n",
	"A SIP user agent on the esip stack.  Without \"call\" it listens and answers\n"
	"every incoming call; \"call URI\" places one call and exits with how it ended.\n"
	"\n",
	"Listen mode:\n"
	"  -l udp:ADDR, -l tcp:ADDR\n"
	"                     listen on ADDR, IPv4:port or [IPv6]:port; port 0 = any free\n"
	"                     port (repeatable; default udp and tcp on 127.0.0.1:5060)\n"
	"  --answer-after MS  180 Ringing at once, then 200 OK with an SDP answer after\n"
	"                     MS milliseconds (default 0)\n"
	"  --reject CODE      answer every call with CODE (300..699) instead: at once, or\n"
	"                     after 180 Ringing and MS ms when --answer-after is given\n"
	"  --hangup-after MS  send BYE MS ms after a call was answered (default: never)\n"
	"  -d SECONDS         exit after SECONDS (default: at SIGINT or SIGTERM); calls\n"
	"                     still up are hung up first\n"
	"\n",
	"Call mode:\n"
	"  URI                sip:user@host[:port][;transport=tcp]\n"
	"  -l ...             as above (default: udp and tcp on 0.0.0.0:0, or on [::]:0\n"
	"                     when the URI's host is an IPv6 reference)\n"
	"  --hangup-after MS  once established, send BYE after MS ms (default 0: at once)\n"
	"  -d SECONDS         give up after SECONDS (CANCEL, or BYE once established)\n"
	"\n",
	"Transfer (RFC 3515 REFER, RFC 3891 Replaces), both modes unless said:\n"
	"  --transfer-to URI2 blind transfer: --transfer-after MS after a call is\n"
	"                     established (listen: each call we answered; call: the call\n"
	"                     we placed) send REFER asking the peer to call URI2, print\n"
	"                     each NOTIFY's status, and hang up when the final one\n"
	"                     reports success; after a failure the call goes on as\n"
	"                     without the option (BYE --hangup-after MS later)\n"
	"  --consult URI2     call mode, attended transfer: once URI answers, call URI2;\n"
	"                     --transfer-after MS after URI2 answers, REFER the URI party\n"
	"                     to URI2 with Replaces naming the second call, so that its\n"
	"                     new call takes that call's place; on success hang up the\n"
	"                     first call (the transfer target ends the second; if it does\n"
	"                     not, we do 2 s later), on failure both\n"
	"  --transfer-after MS\n"
	"                     the REFER MS ms after the call (--consult: the second call)\n"
	"                     is established (default 0)\n"
	"  --no-refer         answer REFERs 603 Decline.  By default a REFER in a call is\n"
	"                     accepted (202) and the call it asks for is placed, with the\n"
	"                     Replaces and Referred-By it carries; NOTIFYs report that\n"
	"                     call's progress to the transferor\n"
	"  --no-replaces      Replaces is not supported: an INVITE that requires it gets\n"
	"                     420, one that does not is an ordinary new call.  By\n"
	"                     default an INVITE with Replaces takes the place of the call\n"
	"                     it names (which ends with BYE), or gets 481 (no such call)\n"
	"                     or 486 (early-only, but that call was answered)\n"
	"  --hangup-after applies to every call once established, also to a call placed\n"
	"  on a REFER and to one that replaced another.\n"
	"\n",
	"Registration and proxy (RFC 3261 10, 22, 8.1.2), both modes:\n"
	"  --user NAME        our user part (From, Contact; default \"esip\") and the\n"
	"                     Digest user name\n"
	"  --password PASSWORD\n"
	"                     answer 401 and 407 challenges (to any request) with NAME\n"
	"                     and PASSWORD; credentials refused once are not sent again\n"
	"  --registrar URI    first register sip:NAME@HOST (HOST: the URI's host, also\n"
	"                     the host of our From) at URI; call mode places its call\n"
	"                     once registered; the binding is removed at exit.  A refused\n"
	"                     or failed registration ends esip-ua at once (exit 10, 11)\n"
	"  --proxy URI        send the requests that start something (INVITE, REGISTER)\n"
	"                     through this outbound proxy, a loose router (\";lr\" added)\n"
	"\n",
	"Both modes:\n"
	"  --sdp FILE         the SDP to offer (call) or to answer with (listen); default\n"
	"                     generated: one audio stream, PCMU/PCMA, answered in kind\n"
	"  -H 'Name: value'   add a header to the INVITE and the call's requests (call),\n"
	"                     to every request esip-ua sends (listen); repeatable\n"
	"  --trace            print every SIP message sent and received\n"
	"  -v                 log on stderr at debug level (-v -v: every state machine\n"
	"                     transition)\n"
	"  -h, --help         this text\n"
	"\n",
	"Output (stdout), seconds since start:\n"
	"  12.345 call CALLID DIR PREV -> NEW (EVENT [STATUS REASON])\n"
	"(CALLID: the Call-ID; over 12 characters, its first 10 and \"..\"), one line per\n"
	"call state change; \"call CALLID refer ...\" lines for each step of a transfer\n"
	"(REFER sent or received, each NOTIFY's status, the outcome); \"registration AOR\n"
	"PREV -> NEW (STATUS)\" for each registration change; and at the end a \"result:\"\n"
	"line (call mode) or a \"summary:\" line (listen mode).\n"
	"\n",
	"Exit status:\n"
	"  0  call: established, and ended by our BYE, or transferred (--transfer-to,\n"
	"     --consult); listen: stopped normally\n"
	"  1  cannot listen or start (address in use, bad address, no listener for\n"
	"     the URI's address family, unreadable --sdp file)\n"
	"  2  bad arguments\n"
	"  3  call rejected: a final response 300..699 (shown on the result line)\n"
	"  4  no answer: the INVITE timed out, or -d ran out before an answer\n"
	"  5  unreachable: a transport error (connection refused, no route, a name\n"
	"     that does not resolve; nothing listening on a UDP port is not seen:\n"
	"     that ends with 4 when the INVITE times out, after 32 s)\n"
	"  6  established, then the peer hung up (BYE)\n"
	"  7  interrupted by SIGINT or SIGTERM (the call was cancelled or hung up)\n"
	"  8  established, then lost (no ACK, the dialog failed) or another failure\n"
	"  9  call mode: our transfer failed (--transfer-to, --consult): the REFER was\n"
	"     refused, the referred call failed, or URI2 did not answer; our calls\n"
	"     were hung up\n"
	"  10 registration refused: wrong user or password (the registrar challenged\n"
	"     our credentials again, or 403), or no --password for a registrar that\n"
	"     asks for one\n"
	"  11 registration failed otherwise: no answer, unreachable, another response\n"
	"In call mode 0 and 3..8 describe the call you end up with: after a REFER that\n"
	"esip-ua accepted, the call it placed once that was answered.\n",
};

static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"-l",	   "--answer-after", "--reject",   "--hangup-after", "-d",
		"--sdp",   "-H",	     "--transfer-to", "--transfer-after", "--consult",
		"--user",  "--password",     "--registrar",   "--proxy"};
	size_t i;

	for (i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
		if (!strcmp(opt, with_value[i]))
			return true;
	return false;
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "esip-ua: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(esip-ua --help shows the options)\n");
	return UA_EXIT_USAGE;
}

/* A whole decimal number in [min, max]. */
static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e7)
		return false;
	*out = v;
	return true;
}

/* RFC 3261 25.1: a header name is a token. */
static bool is_token(const char *s)
{
	static const char extra[] = "-.!%*_+`'~";

	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

/* "Name: value" split in place into h (untouched when it is not one). */
static int parse_header(char *arg, esip_hdr_kv *h)
{
	char *colon = strchr(arg, ':'), *v, *end;
	char save;

	if (!colon || strpbrk(arg, "\r\n"))
		return -1;
	for (end = colon; end > arg && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	save = *end;
	*end = 0;
	if (!is_token(arg)) {
		*end = save;
		return -1;
	}
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	h->name = arg;
	h->value = esip_str_cstr(v);
	return 0;
}

/* A sip: or sips: URI (what --transfer-to, --consult, --registrar and
 * --proxy name). */
static bool is_sip_uri(const char *v)
{
	esip_uri u;

	return v[0] && !strpbrk(v, "<>\r\n \t") && esip_uri_parse(esip_str_cstr(v), &u) == 0 &&
	       (u.scheme_id == ESIP_SCHEME_SIP || u.scheme_id == ESIP_SCHEME_SIPS) && u.host.len;
}

/* RFC 3261 25.1: the user part of a URI, unescaped characters only (no
 * '@', ':', white space or brackets). */
static bool is_user(const char *v)
{
	static const char extra[] = "-_.!~*'()&=+$,;?/";

	if (!*v || strlen(v) > 64)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || strchr(extra, *v)))
			return false;
	return true;
}

/* "<URI;lr>": RFC 3261 8.1.2 pre-loads the outbound proxy as a route, and
 * a route without lr would be a strict router (16.12.1.1). */
static int proxy_route(ua_opts *o, const char *v)
{
	esip_uri u;
	int n;

	if (!is_sip_uri(v) || esip_uri_parse(esip_str_cstr(v), &u))
		return -1;
	n = snprintf(o->proxy_route, sizeof o->proxy_route, esip_uri_lr(&u) ? "<%s>" : "<%s;lr>", v);
	if (u.headers.len || n < 0 || (size_t)n >= sizeof o->proxy_route)
		return -1;
	o->proxy = v;
	return 0;
}

/* The options that go together (and those that do not). */
static int check_combinations(const ua_opts *o, bool answer_set, bool transfer_after_set)
{
	if (o->mode == UA_MODE_CALL && (answer_set || o->reject_code))
		return bad("--answer-after and --reject are listen-mode options");
	if (o->consult && o->mode != UA_MODE_CALL)
		return bad("--consult is a call-mode option (esip-ua call URI --consult URI2)");
	if (o->consult && o->transfer_to)
		return bad("--transfer-to (blind) and --consult (attended) exclude each other");
	if (transfer_after_set && !o->transfer_to && !o->consult)
		return bad("--transfer-after needs --transfer-to or --consult");
	if (o->password && !o->user)
		return bad("--password needs --user");
	return UA_ARGS_RUN;
}

int ua_parse_args(int argc, char **argv, ua_opts *o)
{
	bool hangup_set = false, answer_set = false, transfer_after_set = false;
	int i, rc;

	memset(o, 0, sizeof *o);
	o->duration_s = -1;
	o->mode = UA_MODE_LISTEN;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			for (n = 0; n < (long)(sizeof help_text / sizeof help_text[0]); n++)
				fputs(help_text[n], stdout);
			return UA_EXIT_OK;
		} else if (!strcmp(a, "call") && o->mode == UA_MODE_LISTEN && !o->target) {
			if (!v || v[0] == '-')
				return bad("call needs a URI");
			o->mode = UA_MODE_CALL;
			o->target = argv[++i];
			continue;
		} else if (!strcmp(a, "--trace")) {
			o->trace = true;
			continue;
		} else if (!strcmp(a, "-v")) {
			o->verbose++;
			continue;
		} else if (!strcmp(a, "-vv")) {
			o->verbose += 2;
			continue;
		} else if (!strcmp(a, "--no-refer")) {
			o->no_refer = true;
			continue;
		} else if (!strcmp(a, "--no-replaces")) {
			o->no_replaces = true;
			continue;
		}
		/* every other option takes a value */
		if (a[0] != '-')
			return bad("unexpected argument '%s'", a);
		if (!takes_value(a))
			return bad("unknown option %s", a);
		if (!v)
			return bad("%s needs a value", a);
		i++;
		if (!strcmp(a, "-l")) {
			if (o->n_listen == UA_MAX_LISTEN)
				return bad("at most 8 -l");
			if (listen_arg_parse(v, &o->listen[o->n_listen++]))
				return bad("-l %s: expected udp:IP:PORT or tcp:IP:PORT "
					   "(IPv6: tcp:[::1]:5060)",
					   v);
		} else if (!strcmp(a, "--answer-after")) {
			if (!parse_long(v, 0, 86400000L, &o->answer_after_ms))
				return bad("--answer-after %s: expected milliseconds", v);
			answer_set = true;
		} else if (!strcmp(a, "--reject")) {
			if (!parse_long(v, 300, 699, &n))
				return bad("--reject %s: expected a status code 300..699", v);
			o->reject_code = (int)n;
		} else if (!strcmp(a, "--hangup-after")) {
			if (!parse_long(v, 0, 86400000L, &o->hangup_after_ms))
				return bad("--hangup-after %s: expected milliseconds", v);
			hangup_set = true;
		} else if (!strcmp(a, "-d")) {
			if (!parse_seconds(v, &o->duration_s))
				return bad("-d %s: expected seconds", v);
		} else if (!strcmp(a, "--sdp")) {
			o->sdp_file = v;
		} else if (!strcmp(a, "-H")) {
			if (o->n_headers == UA_MAX_HEADERS)
				return bad("at most 32 -H");
			if (parse_header(argv[i], &o->headers[o->n_headers++]))
				return bad("-H %s: expected 'Name: value'", v);
		} else if (!strcmp(a, "--transfer-to") || !strcmp(a, "--consult")) {
			if (!is_sip_uri(v))
				return bad("%s %s: expected a sip: URI", a, v);
			*(a[2] == 't' ? &o->transfer_to : &o->consult) = v;
		} else if (!strcmp(a, "--transfer-after")) {
			if (!parse_long(v, 0, 86400000L, &o->transfer_after_ms))
				return bad("--transfer-after %s: expected milliseconds", v);
			transfer_after_set = true;
		} else if (!strcmp(a, "--user")) {
			if (!is_user(v))
				return bad("--user %s: expected a user name (no '@', ':' or spaces)", v);
			o->user = v;
		} else if (!strcmp(a, "--password")) {
			if (strpbrk(v, "\r\n"))
				return bad("--password: no line breaks");
			o->password = v;
		} else if (!strcmp(a, "--registrar")) {
			if (!is_sip_uri(v))
				return bad("--registrar %s: expected a sip: URI (sip:example.com)", v);
			o->registrar = v;
		} else if (!strcmp(a, "--proxy")) {
			if (proxy_route(o, v))
				return bad("--proxy %s: expected a sip: URI (sip:proxy.example.com)", v);
		}
	}
	rc = check_combinations(o, answer_set, transfer_after_set);
	if (rc != UA_ARGS_RUN)
		return rc;
	if (!hangup_set)
		o->hangup_after_ms = o->mode == UA_MODE_CALL ? 0 : -1;
	return UA_ARGS_RUN;
}
