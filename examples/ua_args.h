/*
 * ua_args.h - esip-ua's command line: the options of both modes, the
 * exit status table and the help text (ua_args.c).  The command lines
 * are a contract (issue 8): outside checks start esip-ua exactly so.
 */
#ifndef ESIP_UA_ARGS_H
#define ESIP_UA_ARGS_H

#include <esip/stack.h>

#include <stdbool.h>

#define UA_MAX_LISTEN 8
#define UA_MAX_HEADERS 32

/* How esip-ua ends: call mode uses all of them, listen mode 0, 1 and 2. */
enum {
	UA_EXIT_OK = 0,          /* established, and ended by our BYE */
	UA_EXIT_NO_LISTEN = 1,   /* cannot listen or start */
	UA_EXIT_USAGE = 2,       /* bad arguments, reserved options */
	UA_EXIT_REJECTED = 3,    /* a final response 300..699 */
	UA_EXIT_NO_ANSWER = 4,   /* timeout before a final response */
	UA_EXIT_UNREACHABLE = 5, /* transport error: refused, unreachable, no name */
	UA_EXIT_REMOTE_BYE = 6,  /* established, then the peer hung up */
	UA_EXIT_INTERRUPTED = 7, /* SIGINT or SIGTERM */
	UA_EXIT_LOST = 8         /* established, then lost (no ACK, 481 ...), or other */
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
} ua_opts;

#define UA_ARGS_RUN (-1)

/*
 * Parses argv (the -H arguments are split in place).  Returns UA_ARGS_RUN,
 * or an exit status for main after printing why: UA_EXIT_USAGE (the error
 * on stderr) or UA_EXIT_OK for --help (the help text on stdout).
 */
int ua_parse_args(int argc, char **argv, ua_opts *o);

#endif
