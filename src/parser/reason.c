/*
 * reason.c - default Reason-Phrases: every code of RFC 3261 21 and the
 * extension codes of the IANA "Response Codes" registry that a UA meets,
 * each with the RFC that defines it.  The phrase is only a courtesy to
 * humans (RFC 3261 7.2: the code alone carries the meaning), so an
 * unlisted code gets "Unknown".  A switch: the compiler turns it into a
 * jump table, and a code and its phrase sit on one line.
 */
#include <esip/parser.h>

static const char *reason_1xx_2xx(unsigned status)
{
	switch (status) {
	case 100: return "Trying";                       /* RFC 3261 21.1.1 */
	case 180: return "Ringing";                      /* 21.1.2 */
	case 181: return "Call Is Being Forwarded";      /* 21.1.3 */
	case 182: return "Queued";                       /* 21.1.4 */
	case 183: return "Session Progress";             /* 21.1.5 */
	case 199: return "Early Dialog Terminated";      /* RFC 6228 */
	case 200: return "OK";                           /* 21.2.1 */
	case 202: return "Accepted";                     /* RFC 3515, RFC 6665 */
	case 204: return "No Notification";              /* RFC 5839 */
	default: return NULL;
	}
}

static const char *reason_3xx(unsigned status)
{
	switch (status) {
	case 300: return "Multiple Choices";             /* 21.3.1 */
	case 301: return "Moved Permanently";            /* 21.3.2 */
	case 302: return "Moved Temporarily";            /* 21.3.3 */
	case 305: return "Use Proxy";                    /* 21.3.4 */
	case 380: return "Alternative Service";          /* 21.3.5 */
	default: return NULL;
	}
}

static const char *reason_4xx(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";                  /* 21.4.1 */
	case 401: return "Unauthorized";                 /* 21.4.2 */
	case 402: return "Payment Required";             /* 21.4.3 */
	case 403: return "Forbidden";                    /* 21.4.4 */
	case 404: return "Not Found";                    /* 21.4.5 */
	case 405: return "Method Not Allowed";           /* 21.4.6 */
	case 406: return "Not Acceptable";               /* 21.4.7 */
	case 407: return "Proxy Authentication Required"; /* 21.4.8 */
	case 408: return "Request Timeout";              /* 21.4.9 */
	case 410: return "Gone";                         /* 21.4.10 */
	case 412: return "Conditional Request Failed";   /* RFC 3903 */
	case 413: return "Request Entity Too Large";     /* 21.4.11 */
	case 414: return "Request-URI Too Long";         /* 21.4.12 */
	case 415: return "Unsupported Media Type";       /* 21.4.13 */
	case 416: return "Unsupported URI Scheme";       /* 21.4.14 */
	case 417: return "Unknown Resource-Priority";    /* RFC 4412 */
	case 420: return "Bad Extension";                /* 21.4.15 */
	case 421: return "Extension Required";           /* 21.4.16 */
	case 422: return "Session Interval Too Small";   /* RFC 4028 */
	case 423: return "Interval Too Brief";           /* 21.4.17 */
	case 424: return "Bad Location Information";     /* RFC 6442 */
	case 428: return "Use Identity Header";          /* RFC 8224 */
	case 429: return "Provide Referrer Identity";    /* RFC 3892 */
	case 430: return "Flow Failed";                  /* RFC 5626 */
	case 433: return "Anonymity Disallowed";         /* RFC 5079 */
	case 436: return "Bad Identity Info";            /* RFC 8224 */
	case 437: return "Unsupported Credential";       /* RFC 8224 */
	case 438: return "Invalid Identity Header";      /* RFC 8224 */
	case 439: return "First Hop Lacks Outbound Support"; /* RFC 5626 */
	case 440: return "Max-Breadth Exceeded";         /* RFC 5393 */
	case 469: return "Bad Info Package";             /* RFC 6086 */
	case 470: return "Consent Needed";               /* RFC 5360 */
	case 480: return "Temporarily Unavailable";      /* 21.4.18 */
	case 481: return "Call/Transaction Does Not Exist"; /* 21.4.19 */
	case 482: return "Loop Detected";                /* 21.4.20 */
	case 483: return "Too Many Hops";                /* 21.4.21 */
	case 484: return "Address Incomplete";           /* 21.4.22 */
	case 485: return "Ambiguous";                    /* 21.4.23 */
	case 486: return "Busy Here";                    /* 21.4.24 */
	case 487: return "Request Terminated";           /* 21.4.25 */
	case 488: return "Not Acceptable Here";          /* 21.4.26 */
	case 489: return "Bad Event";                    /* RFC 6665 */
	case 491: return "Request Pending";              /* 21.4.27 */
	case 493: return "Undecipherable";               /* 21.4.28 */
	case 494: return "Security Agreement Required";  /* RFC 3329 */
	default: return NULL;
	}
}

static const char *reason_5xx_6xx(unsigned status)
{
	switch (status) {
	case 500: return "Server Internal Error";        /* 21.5.1 */
	case 501: return "Not Implemented";              /* 21.5.2 */
	case 502: return "Bad Gateway";                  /* 21.5.3 */
	case 503: return "Service Unavailable";          /* 21.5.4 */
	case 504: return "Server Time-out";              /* 21.5.5 */
	case 505: return "Version Not Supported";        /* 21.5.6 */
	case 513: return "Message Too Large";            /* 21.5.7 */
	case 555: return "Push Notification Service Not Supported"; /* RFC 8599 */
	case 580: return "Precondition Failure";         /* RFC 3312 */
	case 600: return "Busy Everywhere";              /* 21.6.1 */
	case 603: return "Decline";                      /* 21.6.2 */
	case 604: return "Does Not Exist Anywhere";      /* 21.6.3 */
	case 606: return "Not Acceptable";               /* 21.6.4 */
	case 607: return "Unwanted";                     /* RFC 8197 */
	case 608: return "Rejected";                     /* RFC 8688 */
	default: return NULL;
	}
}

const char *esip_reason_phrase(unsigned status)
{
	const char *r;

	if (status < 300)
		r = reason_1xx_2xx(status);
	else if (status < 400)
		r = reason_3xx(status);
	else if (status < 500)
		r = reason_4xx(status);
	else
		r = reason_5xx_6xx(status);
	return r ? r : "Unknown";
}
