/*
 * esip/parser.h - the SIP message layer: zero-copy parser, URIs, typed
 * header accessors, UAS validation, message builder, TCP stream framer.
 *
 * Zero-copy: a parsed message is a set of esip_str views into the caller's
 * buffer.  The caller owns the buffer, the esip_msg and the header array;
 * parsing allocates nothing, never writes the input and never needs a NUL
 * terminator.  The views stay valid as long as the buffer does.
 *
 * Absent vs empty: a view with p == NULL is absent; p != NULL with len 0 is
 * present but empty (";tag=" with no value).
 *
 * Parsing is strict where RFC 3261 is and the torture tests (RFC 4475,
 * RFC 5118) require rejection, and liberal where they ask for robustness:
 * see the comments on each function and the per-file notes in src/parser/.
 */
#ifndef ESIP_PARSER_H
#define ESIP_PARSER_H

#include <esip/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Methods                                                              */
/* ------------------------------------------------------------------ */

/* Methods esip knows by name (RFC 3261 and the extension RFCs).  Method
 * names are case-sensitive (RFC 3261 7.1): "invite" is an unknown method. */
#define ESIP_METHODS(X)                                                        \
	X(INVITE) X(ACK) X(BYE) X(CANCEL) X(OPTIONS) X(REGISTER) X(PRACK)      \
	X(SUBSCRIBE) X(NOTIFY) X(PUBLISH) X(INFO) X(REFER) X(MESSAGE) X(UPDATE)

typedef enum esip_method {
	ESIP_METHOD_OTHER = 0, /* any other token */
#define ESIP_METHOD_ENUM_(m) ESIP_METHOD_##m,
	ESIP_METHODS(ESIP_METHOD_ENUM_)
#undef ESIP_METHOD_ENUM_
	ESIP_METHOD__COUNT
} esip_method;

/* Exact, case-sensitive lookup; ESIP_METHOD_OTHER for anything else. */
esip_method esip_method_lookup(esip_str name);
/* "INVITE" ...; NULL for ESIP_METHOD_OTHER or out of range. */
const char *esip_method_name(esip_method m);

/* ------------------------------------------------------------------ */
/* Header field identities                                              */
/* ------------------------------------------------------------------ */

#define ESIP_HF_LIST 0x1u   /* comma-separated list values (RFC 3261 7.3.1) */
#define ESIP_HF_SINGLE 0x2u /* at most one instance */

typedef enum esip_hdr_id {
	ESIP_HDR_OTHER = 0, /* not in headers.def: kept verbatim, by name */
#define ESIP_HDR(id, name, compact, flags) ESIP_HDR_##id,
#include <esip/headers.def>
#undef ESIP_HDR
	ESIP_HDR__COUNT
} esip_hdr_id;

/*
 * Name -> id.  Accepts full names (any case) and compact forms; always
 * confirms the whole name, never a hash alone.  ESIP_HDR_OTHER if unknown.
 */
esip_hdr_id esip_hdr_lookup(esip_str name);
/* Canonical full name ("Call-ID"); NULL for OTHER / out of range. */
const char *esip_hdr_name(esip_hdr_id id);
/* Compact form letter or 0. */
char esip_hdr_compact(esip_hdr_id id);
/* ESIP_HF_* flags of a header id (0 for OTHER). */
unsigned esip_hdr_flags(esip_hdr_id id);

/* One header field line (with its continuation lines, if folded). */
typedef struct esip_hdr {
	esip_str name;  /* as written, e.g. "v" or "VIA" */
	esip_str value; /* leading/trailing LWS removed; a folded value keeps
			 * its CRLF + WSP inside (they are LWS, RFC 3261 7.3.1) */
	uint16_t id;    /* esip_hdr_id */
} esip_hdr;

/* ------------------------------------------------------------------ */
/* Parameters (";name=value" lists of URIs, Via, name-addr...)         */
/* ------------------------------------------------------------------ */

/*
 * Iterates a parameter list given WITHOUT its leading ';' ("a=1;b;c=2").
 * Names compare case-insensitively (RFC 3261 7.3.1, 19.1.4).  A value may
 * be a token, a quoted-string (returned with its quotes) or, in URIs, an
 * escaped string.  value.p == NULL for a parameter without '='.
 * LWS around ';' and '=' is allowed in header parameters (RFC 3261 7.3.1).
 */
typedef struct esip_param_iter {
	esip_str rest;
} esip_param_iter;

void esip_param_iter_init(esip_param_iter *it, esip_str params);
/* 1 = got one, 0 = end, ESIP_EBAD_VALUE = malformed (e.g. empty name). */
int esip_param_next(esip_param_iter *it, esip_str *name, esip_str *value);
/* Finds the first parameter named `name`; returns true and sets *value
 * (p == NULL if it has no value). */
bool esip_param_find(esip_str params, const char *name, esip_str *value);

/* ------------------------------------------------------------------ */
/* URIs                                                                 */
/* ------------------------------------------------------------------ */

typedef enum esip_scheme {
	ESIP_SCHEME_OTHER = 0, /* absolute URI of any other scheme */
	ESIP_SCHEME_SIP,
	ESIP_SCHEME_SIPS,
	ESIP_SCHEME_TEL /* RFC 3966 */
} esip_scheme;

typedef enum esip_host_type {
	ESIP_HOST_NONE = 0,
	ESIP_HOST_NAME, /* hostname (RFC 3261 25.1 hostname) */
	ESIP_HOST_IPV4,
	ESIP_HOST_IPV6 /* host view excludes the [ ] (RFC 5118) */
} esip_host_type;

typedef struct esip_uri {
	esip_str raw;      /* the whole URI as written */
	esip_str scheme;   /* as written, without ':' */
	esip_str user;     /* sip/sips: user part, still escaped; tel: the number */
	esip_str password; /* absent unless userinfo has ':' */
	esip_str host;     /* IPv6 without brackets */
	esip_str params;   /* uri-parameters without the leading ';' */
	esip_str headers;  /* URI headers after '?', without it */
	esip_str opaque;   /* OTHER schemes: everything after "scheme:" */
	uint16_t port;     /* 0 = absent */
	uint8_t scheme_id; /* esip_scheme */
	uint8_t host_type; /* esip_host_type */
} esip_uri;

/*
 * Parses one URI: sip/sips fully (RFC 3261 19.1.1, 25.1), tel basics
 * (RFC 3966: global or local number, parameters), any other scheme as an
 * absolute URI (scheme ":" opaque, no white space).  The whole view must be
 * the URI.  IPv6 references per RFC 5118 (brackets mandatory in sip URIs;
 * the extra-colon form of RFC 5118 4.10 is tolerated).
 * Returns 0 or ESIP_EBAD_URI.
 */
int esip_uri_parse(esip_str s, esip_uri *u);

/* Looks up a uri-parameter (RFC 3261 19.1.1) by name, case-insensitive
 * and after unescaping ("%6C%72" is "lr", RFC 4475 3.1.1.3); false if
 * absent.  *value is the value as written (still escaped; p == NULL for a
 * parameter without '='). */
bool esip_uri_param(const esip_uri *u, const char *name, esip_str *value);
static inline bool esip_uri_lr(const esip_uri *u)
{
	return esip_uri_param(u, "lr", NULL);
}

/*
 * URI equality of two parsed URIs per RFC 3261 19.1.4: sip never equals
 * sips; user and password case-sensitive, the rest case-insensitive; a
 * character equals its %HH escape unless it is in the RFC 2396 reserved
 * set ("%40" is not "@"); IP hosts compare as binary addresses (RFC 5954
 * 4.2: "[::ffff:c000:280]" equals "[::ffff:192.0.2.128]") and never equal
 * a host name; ports (absent != 5060); the user/ttl/method/maddr/transport
 * parameters must match when present in either, other parameters only
 * when present in both; headers compared as sets (names case-insensitive,
 * values exact after unescaping).  tel: RFC 3966 4 (visual separators
 * ignored, parameters compared as sets).  Other schemes: case-insensitive
 * scheme, the rest equal after unescaping.  URIs with more than 64
 * parameters or headers are equal only if byte-identical (the set
 * comparison is quadratic; this bounds its cost).
 */
bool esip_uri_eq(const esip_uri *a, const esip_uri *b);

/*
 * Looks up URI header `name` (case-insensitive) in u->headers and
 * percent-decodes its value into out (cap bytes).  Returns the decoded
 * length, ESIP_ENOTFOUND, ESIP_ENOSPC or ESIP_EBAD_VALUE.  Used for
 * Refer-To: <sip:x?Replaces=call%40id%3Bto-tag%3D1...> (RFC 3891 3, RFC 3515).
 */
long esip_uri_header(const esip_uri *u, const char *name, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* name-addr / addr-spec with header parameters                         */
/* ------------------------------------------------------------------ */

typedef struct esip_nameaddr {
	esip_str display; /* as written (quotes kept if quoted); absent if none */
	esip_str uri;     /* the URI text (inside the <> for name-addr) */
	esip_str params;  /* header parameters after the address, no leading ';' */
	esip_str tag;     /* value of ";tag=" (From/To); absent if none */
	bool angle;       /* written as name-addr with <> */
} esip_nameaddr;

/*
 * Parses ( name-addr / addr-spec ) *( SEMI param ) as in From, To, Contact,
 * Route, Record-Route, Refer-To, Referred-By, Reply-To (RFC 3261 20).  In the
 * addr-spec form the parameters after the URI belong to the header, not to
 * the URI (RFC 3261 20.10, RFC 4475 3.3.12).  Display names: quoted-string
 * or *(token LWS); no LWS is required before '<' (RFC 4475 3.1.1.6).  The
 * URI is only delimited here; parse it with esip_uri_parse.
 * Returns 0 or ESIP_EBAD_NAMEADDR.
 */
int esip_nameaddr_parse(esip_str s, esip_nameaddr *na);

/* ------------------------------------------------------------------ */
/* Via                                                                  */
/* ------------------------------------------------------------------ */

typedef struct esip_via {
	esip_str raw;       /* this via-parm */
	esip_str protocol;  /* protocol-name, "SIP" */
	esip_str version;   /* protocol-version, "2.0" */
	esip_str transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", ... as written */
	esip_str host;      /* sent-by host; IPv6 without brackets */
	esip_str params;    /* via-params without the leading ';' */
	esip_str branch;    /* absent if none */
	esip_str received;  /* absent if none; RFC 5118 4.5 brackets tolerated */
	esip_str rport;     /* absent if none; present+empty for bare ";rport" */
	esip_str maddr;
	esip_str ttl;
	uint16_t port;      /* 0 = absent */
	uint8_t host_type;  /* esip_host_type */
} esip_via;

/* Parses one via-parm (RFC 3261 20.42): sent-protocol LWS sent-by params.
 * Returns 0 or ESIP_EBAD_VIA. */
int esip_via_parse(esip_str s, esip_via *v);

/* True when the branch carries the RFC 3261 magic cookie "z9hG4bK" (8.1.1.7);
 * otherwise RFC 2543 matching applies (17.2.3). */
bool esip_via_branch_is_rfc3261(const esip_via *v);

/* ------------------------------------------------------------------ */
/* Messages                                                             */
/* ------------------------------------------------------------------ */

typedef enum esip_msg_kind {
	ESIP_MSG_NONE = 0,
	ESIP_MSG_REQUEST,
	ESIP_MSG_RESPONSE
} esip_msg_kind;

/* esip_msg.flags */
#define ESIP_MSGF_FRAMED 0x01u      /* message boundaries are known (m->len) */
#define ESIP_MSGF_VERSION_BAD 0x02u /* SIP-Version is not SIP/2.0 (answer 505) */
#define ESIP_MSGF_DUP_SINGLE 0x04u  /* a single-instance header repeats (dup_mask) */
#define ESIP_MSGF_NO_CLEN 0x08u     /* no Content-Length (datagram: body = rest) */
#define ESIP_MSGF_TRAILING 0x10u    /* datagram had octets after the body (ignored) */

/* Parse flags */
#define ESIP_PARSE_DATAGRAM 0x0u /* the buffer is one whole datagram (UDP) */
#define ESIP_PARSE_STREAM 0x1u   /* the buffer is the head of a byte stream */

/* Limits on what one message may make the parser look at.  Exceeding one
 * is an error with its own code, never a crash or a read past the buffer. */
typedef struct esip_parse_limits {
	uint32_t max_msg_size;   /* start line to end of body; default 65535 */
	uint32_t max_line_len;   /* one header line incl. folding; default 8192 */
	uint32_t max_headers;    /* header fields; default 128 (also <= array cap) */
} esip_parse_limits;

/* esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT; */
#define ESIP_PARSE_LIMITS_INIT {65535, 8192, 128}

typedef struct esip_msg {
	/* framing */
	const char *buf;   /* start of the message (after leading CRLFs) */
	size_t len;        /* bytes from buf to the end of the body */
	uint32_t flags;    /* ESIP_MSGF_* */
	uint8_t kind;      /* esip_msg_kind */

	/* start line */
	uint8_t method_id; /* esip_method (requests) */
	uint16_t status;   /* 100..699 (responses) */
	esip_str method;   /* requests */
	esip_str ruri_raw; /* Request-URI as written */
	esip_uri ruri;     /* parsed Request-URI */
	esip_str reason;   /* Reason-Phrase (may be empty) */
	esip_str version;  /* "SIP/2.0" or whatever version was written */

	/* header fields, in order, in the caller's array */
	esip_hdr *hdrs;
	uint32_t nhdrs;
	uint32_t hdrs_cap;

	/* parsed up front: the transaction key and framing */
	esip_via via;          /* topmost Via value */
	uint32_t via_count;    /* Via values over all Via lines */
	esip_nameaddr from;
	esip_nameaddr to;
	esip_str call_id;
	esip_str cseq_method;
	uint32_t cseq;
	uint8_t cseq_method_id;
	int32_t max_forwards;   /* -1 = absent */
	int64_t content_length; /* -1 = absent */
	esip_str content_type;  /* absent if none */
	esip_str body;          /* p != NULL (maybe len 0) once framed */
	uint32_t dup_mask;      /* bit (1 << ESIP_DUPBIT_x) per repeated single header */

	/* first error (when the parse returned < 0) */
	int err;
	size_t err_off;         /* byte offset from the start of the input */
	const char *err_reason; /* short static text */
} esip_msg;

/* Bits of esip_msg.dup_mask. */
enum {
	ESIP_DUPBIT_CALL_ID,
	ESIP_DUPBIT_CSEQ,
	ESIP_DUPBIT_FROM,
	ESIP_DUPBIT_TO,
	ESIP_DUPBIT_MAX_FORWARDS,
	ESIP_DUPBIT_CONTENT_LENGTH
};

/* Prepares m to parse into the caller's header array (cap entries). */
void esip_msg_init(esip_msg *m, esip_hdr *hdrs, size_t cap);

/*
 * Parses one message from buf[0..len).
 *
 * Returns the number of bytes consumed (> 0) on success.  Leading CRLFs
 * before the start line are skipped and counted (RFC 3261 7.5).
 *  - ESIP_PARSE_DATAGRAM: with Content-Length, the body is that many bytes
 *    and trailing octets are ignored (RFC 3261 18.3, RFC 4475 3.1.1.8; the
 *    return value then is less than len); a Content-Length larger than what
 *    is left is ESIP_EBODY_TRUNCATED (RFC 4475 3.1.2.2); without
 *    Content-Length the body is the rest of the datagram.
 *  - ESIP_PARSE_STREAM: returns ESIP_ENEEDMORE until the whole message is
 *    in the buffer; Content-Length is mandatory (ESIP_ENO_CONTENT_LENGTH).
 *
 * On error returns a negative esip_err and sets m->err, m->err_off (offset
 * into buf) and m->err_reason.  If m->flags has ESIP_MSGF_FRAMED, the
 * message boundaries are still known (m->len) and the up-front fields that
 * did parse are set, so a UAS can try to answer 400 and a stream can skip
 * the message; without it the input cannot be framed.
 *
 * A SIP-Version other than SIP/2.0 is not a parse error: it sets
 * ESIP_MSGF_VERSION_BAD so that a UAS can answer 505 (RFC 4475 3.1.2.16).
 * A repeated single-instance header is not a parse error either: the first
 * one is used and ESIP_MSGF_DUP_SINGLE / dup_mask report it (validation
 * answers 400, RFC 4475 3.3.8).
 */
int esip_msg_parse(esip_msg *m, const char *buf, size_t len, unsigned flags,
		   const esip_parse_limits *lim);

/* First header with this id, or NULL.  For ESIP_HDR_OTHER use _by_name. */
const esip_hdr *esip_msg_hdr(const esip_msg *m, esip_hdr_id id);
/* Next header with the same id as h (or same name for OTHER), or NULL. */
const esip_hdr *esip_msg_hdr_next(const esip_msg *m, const esip_hdr *h);
/* First header whose name matches (case-insensitive; compact forms of
 * known headers match their full name and vice versa), or NULL. */
const esip_hdr *esip_msg_hdr_by_name(const esip_msg *m, esip_str name);
/* Number of header lines with this id. */
unsigned esip_msg_hdr_count(const esip_msg *m, esip_hdr_id id);

/*
 * Values of a list header across all its lines, split at commas outside
 * quotes and <...> (RFC 3261 7.3.1).  Empty elements are skipped.
 */
typedef struct esip_list_iter {
	const esip_msg *m;
	const esip_hdr *h; /* current header line */
	esip_str rest;     /* unconsumed part of h->value */
	uint16_t id;
} esip_list_iter;

void esip_list_iter_init(esip_list_iter *it, const esip_msg *m, esip_hdr_id id);
/* 1 = got a value (LWS-trimmed), 0 = end. */
int esip_list_next(esip_list_iter *it, esip_str *value);

/* Via values in order: 1 = got one, 0 = end, ESIP_EBAD_VIA. */
int esip_via_next(esip_list_iter *it, esip_via *v);

/*
 * Writes the message back as bytes: start line, every header as
 * "Name: value" CRLF (folded values unfolded to single SP, names as
 * written), the empty line and the body.  Content-Length is written as the
 * real body length.  Returns the length or ESIP_ENOSPC.
 * parse -> print -> parse gives the same fields.
 */
long esip_msg_print(const esip_msg *m, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Typed accessors, parsed on demand                                    */
/* ------------------------------------------------------------------ */

/* CSeq value "1234 INVITE" (RFC 3261 20.16): number < 2**32, method token. */
int esip_cseq_parse(esip_str s, uint32_t *num, esip_str *method);

/* Contact (RFC 3261 20.10): the value "*" or name-addr list elements. */
typedef struct esip_contact {
	bool star;          /* "Contact: *" */
	esip_nameaddr na;
	esip_str expires;   /* ;expires= as written, absent if none */
	esip_str q;         /* ;q= as written, absent if none */
} esip_contact;
/* Next Contact value; 1 = got one, 0 = end, ESIP_EBAD_NAMEADDR (also for
 * a repeated expires or q).  The URI is only delimited (esip_uri_parse).
 * A bare ";expires" or ";q" is present-but-empty: a malformed value. */
int esip_contact_next(esip_list_iter *it, esip_contact *c);
/* expires param as seconds (delta-seconds, capped at 2**32-1 as RFC 3261
 * 10.2.1.1 allows); ESIP_ENOTFOUND if absent, ESIP_EBAD_VALUE if not a
 * number (10.2.1.1: a registrar then uses 3600). */
int esip_contact_expires(const esip_contact *c, uint32_t *secs);
/* q value in thousandths (q=0.5 -> 500); ESIP_ENOTFOUND, ESIP_EBAD_VALUE. */
int esip_contact_q(const esip_contact *c, unsigned *q1000);

/* Route / Record-Route / Path / Service-Route elements: name-addr only
 * (the <> are required).  1 = got one, 0 = end, ESIP_EBAD_NAMEADDR. */
int esip_nameaddr_next(esip_list_iter *it, esip_nameaddr *na);

/* Expires header (delta-seconds; the first one if repeated).
 * ESIP_ENOTFOUND / ESIP_EBAD_VALUE, also for a value above 2**32-1 (the
 * range of RFC 3261 20.19; RFC 4475 3.1.2.4). */
int esip_msg_expires(const esip_msg *m, uint32_t *secs);

/* Token lists: Require, Supported, Unsupported, Proxy-Require, Allow,
 * Allow-Events.  1 = got a token, 0 = end, ESIP_EBAD_VALUE (not a token;
 * the iterator has moved past it, so iteration may go on). */
int esip_token_next(esip_list_iter *it, esip_str *token);
/* True if the list header id contains token (malformed elements are
 * skipped).  Case-insensitive for option-tags (RFC 3261 7.3.1); exact for
 * Allow (methods are case-sensitive, 7.1) and Allow-Events (RFC 6665
 * 8.2.1 compares event types byte by byte). */
bool esip_msg_has_token(const esip_msg *m, esip_hdr_id id, const char *token);

/* Event (RFC 6665 8.2.1): event-type with optional ;id= and params. */
typedef struct esip_event {
	esip_str package; /* "refer", "presence", "dialog.winfo" ... */
	esip_str id;      /* ;id= value, absent if none */
	esip_str params;
} esip_event;
/* 0 or ESIP_EBAD_VALUE (also for a repeated or non-token id). */
int esip_event_parse(esip_str s, esip_event *e);

/* Subscription-State (RFC 6665 8.2.3). */
typedef struct esip_substate {
	esip_str state;       /* "active" / "pending" / "terminated" / other */
	esip_str reason;      /* absent if none */
	esip_str params;
	uint32_t expires;     /* valid if has_expires */
	uint32_t retry_after; /* valid if has_retry_after */
	bool has_expires;
	bool has_retry_after;
} esip_substate;
/* 0 or ESIP_EBAD_VALUE: reason must be a token; expires and retry-after
 * delta-seconds up to 2**32-1; none of the three may repeat. */
int esip_substate_parse(esip_str s, esip_substate *st);

/* Replaces (RFC 3891 6.1): callid; to-tag; from-tag; [early-only]. */
typedef struct esip_replaces {
	esip_str call_id;
	esip_str to_tag;
	esip_str from_tag;
	esip_str params;
	bool early_only;
} esip_replaces;
/* 0 or ESIP_EBAD_VALUE; parameters in any order, exactly one to-tag and
 * one from-tag (6.1), early-only without a value. */
int esip_replaces_parse(esip_str s, esip_replaces *r);

/* Target-Dialog (RFC 4538 7): callid; local-tag; remote-tag (the tags as
 * the sender sees them: local-tag is its own, remote-tag the recipient's). */
typedef struct esip_target_dialog {
	esip_str call_id;
	esip_str local_tag;
	esip_str remote_tag;
	esip_str params;
} esip_target_dialog;
/* 0 or ESIP_EBAD_VALUE; both tags exactly once, in any order. */
int esip_target_dialog_parse(esip_str s, esip_target_dialog *td);

/* A message/sipfrag body (RFC 3420) as REFER's NOTIFYs carry it (RFC 3515
 * 2.4.5): its first line must be a Status-Line ("SIP/2.0 180 Ringing");
 * any header lines after it are not looked at.  0 (status 100-699, the
 * reason phrase without its CRLF) or ESIP_EBAD_START_LINE /
 * ESIP_EBAD_STATUS. */
int esip_sipfrag_parse(esip_str body, unsigned *status, esip_str *reason);

/* Refer-Sub (RFC 4488 7.2): "true" / "false" with params.
 * 0 or ESIP_EBAD_VALUE. */
int esip_refer_sub_parse(esip_str s, bool *value);

/* Refer-To (RFC 3515 7.1) and Referred-By (RFC 3892): name-addr/addr-spec
 * with params; the Refer-To URI may carry an escaped Replaces header, read
 * it with esip_uri_header().  0, ESIP_EBAD_NAMEADDR, ESIP_EBAD_URI (the
 * URI does not parse) or, for Referred-By, ESIP_EBAD_VALUE (a cid that is
 * not a quoted sip-clean-msg-id). */
int esip_refer_to_parse(esip_str s, esip_nameaddr *na);
int esip_referred_by_parse(esip_str s, esip_nameaddr *na);

/* Authorization / Proxy-Authorization / WWW-Authenticate /
 * Proxy-Authenticate (RFC 3261 25.1, RFC 7616): scheme LWS auth-params
 * (comma-separated name=token/quoted-string, LWS and folding around ','
 * and '=', empty elements skipped).  esip_auth_parse checks the whole list:
 * 0 or ESIP_EBAD_VALUE.  A token68 after the scheme (RFC 7235 2.1, e.g.
 * RFC 8898 "Bearer <token>") is accepted as params; iterating it then
 * gives ESIP_EBAD_VALUE.  Names are not checked for repeats: lookups
 * return the first. */
typedef struct esip_auth {
	esip_str scheme; /* "Digest", or any token */
	esip_str params; /* the comma-separated auth-param list */
} esip_auth;
int esip_auth_parse(esip_str s, esip_auth *a);
/* Iterates auth-params: 1 = got one (value with quotes if quoted), 0 = end,
 * ESIP_EBAD_VALUE. *rest starts as a->params. */
int esip_auth_param_next(esip_str *rest, esip_str *name, esip_str *value);
/* Finds an auth-param by name (case-insensitive). */
bool esip_auth_param(const esip_auth *a, const char *name, esip_str *value);

/* Retry-After (RFC 3261 20.33): delta-seconds [comment] *(;duration / param). */
typedef struct esip_retry_after {
	uint32_t seconds;
	uint32_t duration; /* valid if has_duration */
	bool has_duration;
	esip_str comment;  /* "(...)" as written, absent if none */
	esip_str params;
} esip_retry_after;
/* 0 or ESIP_EBAD_VALUE (also for seconds or duration above 2**32-1,
 * RFC 4475 3.1.2.5, or a repeated duration). */
int esip_retry_after_parse(esip_str s, esip_retry_after *ra);

/* Accept (RFC 3261 20.1): media-range elements type/subtype;params. */
typedef struct esip_media_range {
	esip_str type;    /* "application", "*" */
	esip_str subtype; /* "sdp", "*" */
	esip_str params;
} esip_media_range;
/* 0 or ESIP_EBAD_VALUE (a "*" type needs a "*" subtype; a q param must
 * be a qvalue). */
int esip_media_range_parse(esip_str s, esip_media_range *mr);
/* 1 = got one, 0 = end (an empty Accept has none), ESIP_EBAD_VALUE. */
int esip_accept_next(esip_list_iter *it, esip_media_range *mr);

/* ------------------------------------------------------------------ */
/* UAS validation (RFC 3261 8.2), separate from parsing                 */
/* ------------------------------------------------------------------ */

#define ESIP_MAX_UNSUPPORTED 16

/* What the UAS supports, for the checks that depend on it. */
typedef struct esip_uas_caps {
	const char *const *extensions; /* option tags we support (Require check) */
	size_t n_extensions;
	const esip_method *methods;    /* methods we accept; NULL = skip 405/501 */
	size_t n_methods;
	const char *const *content_types; /* "type/subtype" we understand;
					   * NULL = skip the 415 check */
	size_t n_content_types;
} esip_uas_caps;

typedef struct esip_validation {
	uint16_t status;     /* 0 = acceptable, else the response to send */
	const char *reason;  /* reason phrase for that response */
	const char *detail;  /* why (for logs and Warning text) */
	/* 420: the Require option-tags we do not support (RFC 3261 8.2.2.3),
	 * to list in the Unsupported header of the response */
	esip_str unsupported[ESIP_MAX_UNSUPPORTED];
	unsigned n_unsupported;
} esip_validation;

/*
 * Which response RFC 3261 8.2 requires for a parsed request, in the RFC's
 * order: 505 for a SIP-Version other than 2.0; 400 for missing or repeated
 * mandatory headers (To, From, Call-ID, CSeq, Via; 8.1.1) or a CSeq method
 * that differs from the request method (RFC 4475 3.1.2.17); 405 / 501 for
 * methods (8.2.1, only if caps->methods); 416 for an unsupported
 * Request-URI scheme (8.2.2.1); 420 with the unsupported Require tags
 * (8.2.2.3); 415 for a body whose Content-Type we do not understand (8.2.3,
 * only if caps->content_types).  A request that failed to parse gets 400
 * (or 505).  Returns out->status (0 = acceptable).
 */
int esip_msg_validate_request(const esip_msg *m, const esip_uas_caps *caps,
			      esip_validation *out);

/* True if a UAC must silently discard a received response: not parsed,
 * a SIP-Version other than 2.0, missing or repeated mandatory headers
 * (RFC 3261 8.1.1, RFC 4475 3.1.2.5, 3.1.2.19), or more than one Via value
 * (RFC 3261 8.1.3.3: it was meant for a proxy, RFC 4475 3.3.10). */
bool esip_msg_response_must_drop(const esip_msg *m);

/* ------------------------------------------------------------------ */
/* Builder                                                              */
/* ------------------------------------------------------------------ */

/*
 * An output buffer: fixed (caller memory) or growable (allocator).  Errors
 * are sticky: after the first failure every put is a no-op and
 * esip_buf_error() returns the error, so builders check once at the end.
 */
typedef struct esip_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;                  /* growable: never grow past this */
	const esip_allocator *alloc; /* NULL for a fixed buffer */
	int err;                     /* first error, 0 if none */
	bool growable;
} esip_buf;

void esip_buf_init_fixed(esip_buf *b, char *mem, size_t cap);
int esip_buf_init_dyn(esip_buf *b, const esip_allocator *a, size_t initial, size_t max);
void esip_buf_free(esip_buf *b); /* growable only */
void esip_buf_reset(esip_buf *b);
void esip_buf_put(esip_buf *b, const void *data, size_t n);
void esip_buf_puts(esip_buf *b, const char *s);
void esip_buf_putstr(esip_buf *b, esip_str s);
void esip_buf_putc(esip_buf *b, char c);
void esip_buf_put_u32(esip_buf *b, uint32_t v);
static inline int esip_buf_error(const esip_buf *b) { return b->err; }

/* A header passed through verbatim: "Name: value" (NULL name: skipped). */
typedef struct esip_hdr_kv {
	const char *name;
	esip_str value;
} esip_hdr_kv;

/*
 * Addresses in the specs (contact, routes[i]): a value that begins with
 * '<', or has a '<' anywhere, is a whole name-addr with any header
 * parameters and is written verbatim: "<sip:p1@x;lr>;foo=1",
 * "\"Bob\" <sip:b@h>;expires=60".  A URI never contains '<' (it must be
 * escaped, RFC 3261 25.1), so any other value is a URI and is written
 * inside < > (the name-addr form keeps URI parameters with the URI,
 * RFC 3261 20.10).
 */

/* Everything an outgoing request needs (RFC 3261 8.1.1). */
typedef struct esip_request_spec {
	esip_str method;
	esip_str ruri;
	/* top Via: SIP/2.0/<transport> <host>[:port];branch=<branch>[;rport] */
	esip_str via_transport; /* absent = "UDP" */
	esip_str via_host;      /* IPv6 literal with or without brackets */
	uint16_t via_port;      /* 0 = omit */
	esip_str via_branch;    /* empty = none (RFC 2543 style; 8.1.1.7
				 * wants one: esip_gen_branch) */
	bool via_rport;         /* add ";rport" (RFC 3581) */
	/* display names: a value beginning with '"' is a quoted-string
	 * written as is; any other is quoted here ('"' and '\' escaped,
	 * CR and LF dropped).  Empty tags and names = none. */
	esip_str from_display, from_uri, from_tag;
	esip_str to_display, to_uri, to_tag; /* to_tag absent outside dialogs */
	esip_str call_id;
	uint32_t cseq;
	esip_str cseq_method;   /* absent = method (ACK/CANCEL keep the INVITE number) */
	int32_t max_forwards;   /* < 0 = 70 (RFC 3261 8.1.1.6); 0..255 */
	esip_str contact;       /* an address (see above), empty = none */
	const esip_str *routes; /* route set in order, one Route line each;
				 * each an address (see above) */
	size_t n_routes;
	const esip_hdr_kv *extra; /* passed through verbatim, in order */
	size_t n_extra;
	esip_str content_type;  /* written when body.len > 0 */
	esip_str body;
} esip_request_spec;

/*
 * Appends the whole request to b: Request-Line, Via, Max-Forwards, Route,
 * From, To, Call-ID, CSeq, Contact, the extra headers, Content-Type,
 * Content-Length (always body.len), the empty line and the body.
 * Returns 0, ESIP_EINVAL (method, ruri, via_host, from_uri, to_uri or
 * call_id empty, max_forwards above 255) or the buffer's error
 * (ESIP_ENOSPC, ESIP_ENOMEM; b then holds a partial message).
 */
int esip_build_request(esip_buf *b, const esip_request_spec *spec);

typedef struct esip_response_spec {
	uint16_t status;        /* 100..699 */
	esip_str reason;        /* absent = esip_reason_phrase(status) */
	esip_str to_tag;        /* added to To if the request had none and
				 * status > 100 (RFC 3261 8.2.6.2); empty =
				 * none (esip_gen_tag makes one) */
	/*
	 * The server transport's stamp for the top Via (RFC 3261 18.2.1,
	 * RFC 3581 4; esip_via_stamp_compute() in esip/transport.h).  A
	 * zeroed spec stamps nothing.  Only the top Via value is rewritten;
	 * its other parameters are copied as written.
	 *  - via_received non-empty: every received parameter of the top Via
	 *    is dropped and ";received=<via_received>" appended (a numeric
	 *    address; IPv6 without brackets, RFC 3261 20.42 grammar);
	 *  - via_rport_set: a bare ";rport" of the top Via becomes
	 *    ";rport=<via_rport>"; an rport with a value, or none, is left
	 *    alone (rport is never added).
	 */
	esip_str via_received;
	bool via_rport_set;
	uint16_t via_rport;
	esip_str contact;       /* an address (see above), empty = none */
	const esip_hdr_kv *extra; /* passed through verbatim, in order */
	size_t n_extra;
	esip_str content_type;  /* written when body.len > 0 */
	esip_str body;
} esip_response_spec;

/*
 * Appends to b a response to req per RFC 3261 8.2.6: Status-Line; every
 * Via line of the request in order, values as written (comma-separated
 * values stay on their line; the top one stamped as above); From; To with
 * spec->to_tag added when needed; Call-ID; CSeq; the Record-Route lines
 * for a 101-299 response to INVITE, SUBSCRIBE or REFER (12.1.1: the
 * responses that can establish a dialog; RFC 6665 4.1.2.1, RFC 3515 2 --
 * 100 Trying never does); Timestamp in a 100 (8.2.6.1); Contact; the extra
 * headers; Content-Type; Content-Length (always body.len); body.  Copied
 * values are unfolded (RFC 3261 7.3.1) and headers written with their full
 * names.  req may be a request that failed to parse but is framed (answer
 * 400): whatever headers it has are copied.
 * Returns 0, ESIP_EINVAL (req is not a request, status outside 100..699)
 * or the buffer's error (ESIP_ENOSPC, ESIP_ENOMEM).
 */
int esip_build_response(esip_buf *b, const esip_msg *req, const esip_response_spec *spec);

/* The RFC 3261 21 reason phrase for a status code ("Unknown" otherwise). */
const char *esip_reason_phrase(unsigned status);

/* Generators (RFC 3261 8.1.1.7, 19.3): out receives a NUL-terminated token.
 * branch: "z9hG4bK" + 20 random alphanumerics (cap >= 28); tag: 16
 * (cap >= 17); Call-ID: 24 random alphanumerics, "@host" appended when
 * host is non-empty (cap >= 25 + 1 + host.len).  Return the length (without
 * the NUL) or ESIP_ENOSPC / ESIP_ESYS; on error out (if cap > 0) is "". */
int esip_gen_branch(esip_rand *r, char *out, size_t cap);
int esip_gen_tag(esip_rand *r, char *out, size_t cap);
int esip_gen_call_id(esip_rand *r, esip_str host, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* TCP stream framer                                                    */
/* ------------------------------------------------------------------ */

/*
 * Turns a byte stream (fed in arbitrary chunks) into whole messages; the
 * frames do not depend on how the stream was chunked.  Content-Length is
 * mandatory on streams (RFC 3261 18.3); header section and body are
 * bounded by the limits.
 *
 * CRLF keep-alives between messages (RFC 5626 3.5.1, 4.4.1): CRLF CRLF is
 * a ping (answer with a single CRLF), a CRLF not followed by a second CRLF
 * is a pong.  Telling them apart may need the bytes after a CRLF: a CRLF
 * (or CRLF CR) at the end of the data held is reported only when the next
 * byte arrives, unless a pong is awaited (esip_framer_expect_pong).  So
 * CRLF CRLF CRLF followed by anything is a ping then a pong, and a CRLF
 * right before a start line is a pong.  CR or LF octets that form no CRLF
 * are skipped (RFC 3261 7.5: CRLFs before a start line are ignored).
 *
 * Use: after each feed (or space + commit), call esip_framer_next until it
 * returns ESIP_FRAME_NONE or an error.  The framer then holds at most
 * max_msg_size bytes between reads (one unfinished message), plus the
 * chunk being fed.  The bytes of returned frames are dropped lazily, when
 * a feed needs room; a read holding many messages returns each of them in
 * place, without a copy.
 */
typedef struct esip_framer {
	char *buf;
	size_t len;        /* bytes held: buf[0..len) */
	size_t cap;
	size_t consumed;   /* bytes of frames already returned, dropped
			    * lazily; the current message starts here */
	size_t scan;       /* where the search for the end of the header
			    * section resumes (from the message start) */
	size_t need;       /* length of the current message once its header
			    * section is in (0 before) */
	esip_parse_limits lim;
	const esip_allocator *alloc;
	int err;           /* sticky fatal error */
	uint8_t phase;     /* internal: between messages, headers, body */
	bool expect_pong;  /* see esip_framer_expect_pong */
	/* counters, for diagnostics and tests */
	uint64_t parses;   /* esip_msg_parse calls */
	uint64_t scanned;  /* bytes passed by the search for the header end */
} esip_framer;

typedef enum esip_frame_kind {
	ESIP_FRAME_NONE = 0,   /* need more bytes */
	ESIP_FRAME_MESSAGE,    /* a whole message: see the esip_msg */
	ESIP_FRAME_BAD_MESSAGE,/* framed, but its headers are malformed: answer
				* 400 if possible; the stream goes on */
	ESIP_FRAME_PING,       /* CRLF CRLF: send CRLF back (RFC 5626 3.5.1) */
	ESIP_FRAME_PONG        /* CRLF */
} esip_frame_kind;

/* Prepares f: lim NULL = ESIP_PARSE_LIMITS_INIT, allocator NULL = libc.
 * Allocates nothing (the buffer comes with the first bytes).  0, or
 * ESIP_EINVAL for a max_msg_size of 0 or above INT32_MAX (f then fails
 * every call). */
int esip_framer_init(esip_framer *f, const esip_allocator *a, const esip_parse_limits *lim);
/* Frees the buffer, also after any error; twice is harmless.  Until the
 * next esip_framer_init every call then returns ESIP_ECLOSED. */
void esip_framer_deinit(esip_framer *f);
/* Copies n bytes in; never parses (esip_framer_next applies the limits).
 * 0, ESIP_ENOMEM (nothing copied, the framer is unchanged: feed the same
 * bytes again or close), ESIP_EINVAL (data NULL) or the sticky error. */
int esip_framer_feed(esip_framer *f, const void *data, size_t n);
/* For reading straight from a socket: makes room for at least `want`
 * bytes (0 counts as 1) after the data held, sets *space to it and returns
 * its size (>= want); or ESIP_ENOMEM (framer unchanged), ESIP_EINVAL or
 * the sticky error, with *space NULL.  Then esip_framer_commit(f, n) with
 * the n bytes read (0 is fine), with no other framer call in between.  An
 * n above the room given is a bug: the stream fails with ESIP_EINVAL. */
long esip_framer_space(esip_framer *f, size_t want, char **space);
void esip_framer_commit(esip_framer *f, size_t n);
/* RFC 5626 4.4.1: the flow's client sends a ping and waits for the pong,
 * after which nothing may come for minutes.  Call with on = true after
 * sending a ping: the next CRLF between messages is then reported as
 * ESIP_FRAME_PONG at once, whatever follows it (or nothing).  Cleared when
 * that pong is reported, or with on = false. */
void esip_framer_expect_pong(esip_framer *f, bool on);
/*
 * Extracts the next frame.  Returns an esip_frame_kind >= 0, or a negative
 * error after which the stream is unusable (close the connection):
 * ESIP_ENO_CONTENT_LENGTH, ESIP_EBAD_CONTENT_LENGTH (malformed, negative or
 * conflicting), ESIP_EMSG_TOO_BIG (no end of the header section within
 * max_msg_size bytes), ESIP_EBODY_TOO_BIG (reported as soon as the header
 * section is in), ESIP_ELINE_TOO_LONG, ESIP_ETOO_MANY_HEADERS (over
 * lim.max_headers or m->hdrs_cap), ESIP_EBAD_START_LINE, ESIP_EBAD_STATUS;
 * m->err, m->err_off (from m->buf, the message start) and m->err_reason
 * then say where.  Such a fault is reported once the header section is in
 * (or has passed max_msg_size), however the bytes were chunked.  Sticky:
 * every later call (feed, space, next) returns it.  ESIP_EINVAL for m NULL
 * (not sticky).
 * For MESSAGE and BAD_MESSAGE, m (initialised with esip_msg_init) views the
 * framer's buffer, valid until the next framer call; a BAD_MESSAGE has
 * ESIP_MSGF_FRAMED and m->err set.  For the other kinds m is unspecified.
 */
int esip_framer_next(esip_framer *f, esip_msg *m);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_PARSER_H */
