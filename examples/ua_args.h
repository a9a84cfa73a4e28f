/*
 * ua_args.h - esip-ua's command line: the options of both modes, the
 * exit status table and the help text (ua_args.c).  The command lines
 * are a contract (issues 8, 9 and 10): outside checks start esip-ua
 * exactly so.
 */
#ifndef ESIP_UA_ARGS_H
#define ESIP_UA_ARGS_H

#include <esip/stack.h>

#include <stdbool.h>

#define UA_MAX_LISTEN 8
#define UA_MAX_HEADERS 32

/* How esip-ua ends: call mode uses all of them, listen mode 0, 1, 2, 10
 * and 11. */
enum {
	UA_EXIT_OK = 0,          /* established, and ended by our BYE */
	UA_EXIT_NO_LISTEN = 1,   /* cannot listen or start */
	UA_EXIT_USAGE = 2,       /* bad arguments, reserved options */
	UA_EXIT_REJECTED = 3,    /* a final response 300..699 */
	UA_EXIT_NO_ANSWER = 4,   /* timeout before a final response */
	UA_EXIT_UNREACHABLE = 5, /* transport error: refused, unreachable, no name */
	UA_EXIT_REMOTE_BYE = 6,  /* established, then the peer hung up */
	UA_EXIT_INTERRUPTED = 7, /* SIGINT or SIGTERM */
	UA_EXIT_LOST = 8,        /* established, then lost (no ACK, 481 ...), or other */
	UA_EXIT_TRANSFER = 9,    /* our transfer failed (REFER refused, the referred
				  * or the consultation call failed) */
	UA_EXIT_REG_REFUSED = 10, /* the registrar refused our credentials */
	UA_EXIT_REG_FAILED = 11  /* registration failed otherwise (timeout, 4xx-6xx) */
};

typedef enum ua_mode { UA_MODE_LISTEN, UA_MODE_CALL } ua_mode;

typedef struct ua_opts {
	ua_mode mode;
	const char *target;         /* call mode: the URI */
	esip_listen listen[UA_MAX_LISTEN];
	size_t n_listen;            /* 0 = the mode's default */
	long answer_after_ms;       /* listen: ring this long before answering */
	int reject_code;            /* listen: 0 = accept, else 300..699 */
	long hangup_after_ms;       /* BYE this long after established; -1 = never */
	double duration_s;          /* -d; < 0 = no limit */
	const char *sdp_file;       /* NULL = generated SDP */
	esip_hdr_kv headers[UA_MAX_HEADERS];
	size_t n_headers;
	bool trace;
	int verbose;                /* -v count */
	/* transfer (issue 9) */
	const char *transfer_to;    /* blind: REFER the peer of each call here */
	const char *consult;        /* call mode, attended: the second call's URI */
	long transfer_after_ms;     /* the REFER this long after established */
	bool no_refer;              /* REFERs we receive get 603 */
	bool no_replaces;           /* INVITEs with Replaces are not matched */
	/* registration and proxy (issue 10) */
	const char *user;           /* our user part, and the Digest user name */
	const char *password;       /* the Digest password (needs user) */
	const char *registrar;      /* register there first (RFC 3261 10) */
	const char *proxy;          /* --proxy as given */
	char proxy_route[512];      /* "<URI;lr>": the pre-loaded route (8.1.2) */
} ua_opts;

#define UA_ARGS_RUN (-1)

/*
 * Parses argv (the -H arguments are split in place).  Returns UA_ARGS_RUN,
 * or an exit status for main after printing why: UA_EXIT_USAGE (the error
 * on stderr) or UA_EXIT_OK for --help (the help text on stdout).
 */
int ua_parse_args(int argc, char **argv, ua_opts *o);

#endif
