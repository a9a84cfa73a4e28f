/*
 * ua_args.c - esip-ua's command line (ua_args.h): both modes, their
 * defaults, the reserved options and the help text with the exit table.
 */
#include "ua_args.h"
#include "listen_arg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
	"usage: esip-ua [-l udp:ADDR] [-l tcp:ADDR]... [--answer-after MS | --reject CODE]\n"
	"               [--hangup-after MS] [-d SECONDS] [--sdp FILE] [-H 'Name: value']...\n"
	"               [--trace] [-v]\n"
	"       esip-ua call URI [-l udp:ADDR] [-l tcp:ADDR]... [--hangup-after MS]\n"
	"               [-d SECONDS] [--sdp FILE] [-H 'Name: value']... [--trace] [-v]\n"
	"\n"
	"A SIP user agent on the esip stack.  Without \"call\" it listens and answers\n"
	"every incoming call; \"call URI\" places one call and exits with how it ended.\n"
	"\n"
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
	"\n"
	"Call mode:\n"
	"  URI                sip:user@host[:port][;transport=tcp]\n"
	"  -l ...             as above (default: udp and tcp on 0.0.0.0:0, or on [::]:0\n"
	"                     when the URI's host is an IPv6 reference)\n"
	"  --hangup-after MS  once established, send BYE after MS ms (default 0: at once)\n"
	"  -d SECONDS         give up after SECONDS (CANCEL, or BYE once established)\n"
	"\n"
	"Both modes:\n"
	"  --sdp FILE         the SDP to offer (call) or to answer with (listen); default\n"
	"                     generated: one audio stream, PCMU/PCMA, answered in kind\n"
	"  -H 'Name: value'   add a header to the INVITE and the call's requests (call),\n"
	"                     to every request esip-ua sends (listen); repeatable\n"
	"  --trace            print every SIP message sent and received\n"
	"  -v                 log on stderr at debug level (-v -v: every state machine\n"
	"                     transition)\n"
	"  -h, --help         this text\n"
	"  Reserved, not supported yet (exit 2): --transfer-to URI, --transfer-after MS,\n"
	"  --no-refer, --no-replaces, --user NAME, --password PASSWORD, --registrar URI,\n"
	"  --proxy URI\n"
	"\n"
	"Output (stdout), one line per call state change, seconds since start:\n"
	"  12.345 call CALLID DIR PREV -> NEW (EVENT [STATUS REASON])\n"
	"(CALLID: the Call-ID; over 12 characters, its first 10 and \"..\"), and at the end a\n"
	"\"result:\" line (call mode) or a \"summary:\" line (listen mode).\n"
	"\n"
	"Exit status:\n"
	"  0  call: established, and ended by our BYE; listen: stopped normally\n"
	"  1  cannot listen or start (address in use, bad address, no listener for\n"
	"     the URI's address family, unreadable --sdp file)\n"
	"  2  bad arguments (also the reserved options)\n"
	"  3  call rejected: a final response 300..699 (shown on the result line)\n"
	"  4  no answer: the INVITE timed out, or -d ran out before an answer\n"
	"  5  unreachable: a transport error (connection refused, no route, a name\n"
	"     that does not resolve; nothing listening on a UDP port is not seen:\n"
	"     that ends with 4 when the INVITE times out, after 32 s)\n"
	"  6  established, then the peer hung up (BYE)\n"
	"  7  interrupted by SIGINT or SIGTERM (the call was cancelled or hung up)\n"
	"  8  established, then lost (no ACK, the dialog failed) or another failure\n";

static const char *const reserved[][2] = {
	/* option, takes a value ("1") */
	{"--transfer-to", "1"}, {"--transfer-after", "1"}, {"--no-refer", ""},
	{"--no-replaces", ""},  {"--user", "1"},           {"--password", "1"},
	{"--registrar", "1"},   {"--proxy", "1"},
};

static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {"-l", "--answer-after", "--reject",
						 "--hangup-after", "-d", "--sdp", "-H"};
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

int ua_parse_args(int argc, char **argv, ua_opts *o)
{
	bool hangup_set = false, answer_set = false;
	int i;
	size_t r;

	memset(o, 0, sizeof *o);
	o->duration_s = -1;
	o->mode = UA_MODE_LISTEN;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;

		for (r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
			if (!strcmp(a, reserved[r][0])) {
				fprintf(stderr, "esip-ua: %s is not supported yet\n", a);
				return UA_EXIT_USAGE;
			}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(help_text, stdout);
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
		}
	}
	if (o->mode == UA_MODE_CALL && (answer_set || o->reject_code))
		return bad("--answer-after and --reject are listen-mode options");
	if (!hangup_set)
		o->hangup_after_ms = o->mode == UA_MODE_CALL ? 0 : -1;
	return UA_ARGS_RUN;
}
