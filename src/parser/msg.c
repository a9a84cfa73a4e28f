/*
 * msg.c - the message parser: start line, header framing, the header
 * fields every message needs (parsed up front) and body framing.
 *
 * One pass over the header section: each line end and colon is found by
 * the path's vector scanner (simd.h: AVX2, SSE2 or SWAR, chosen at run
 * time), each name is identified by the generated lookup (hname.h), and
 * only the transaction-key headers are parsed here (top Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Content-Length, Content-Type), first by
 * the one-pass fast parsers of fast.h and, for what they leave, by the
 * reference parsers.  Everything else is a view parsed on demand by the
 * accessors.
 *
 * Errors in header values do not stop the scan: the first one is recorded
 * and the message is still framed, so a UAS can answer 400 and a stream
 * can skip the message (RFC 3261 21.4.1, 18.3).  Errors that make framing
 * impossible (start line, Content-Length on a stream, limits) stop at once.
 */
#include "fast.h"
#include "hname.h"
#include "parse_int.h"
#include "scan.h"
#include "simd.h"

/* A path's line scanner (simd.h). */
typedef const char *(*eol_fn)(const char *p, const char *end, const char **colon);

/*
 * A path: its line scanner, its value scans, and whether the fast value
 * parsers run (not on ESIP__PATH_REF, the reference they are proven
 * against).  The functions that take one are always inlined into the
 * per-path parse functions at the end of this file, where it is a
 * constant: its scanners are inlined in turn.
 */
typedef struct path_fns {
	eol_fn eol;
	esip__vscan v;
	bool fast;
} path_fns;
#define PATH_INLINE static inline __attribute__((always_inline))

typedef struct pstate {
	esip_msg *m;
	const char *base; /* input start: offsets are relative to it */
	const char *end;  /* end of the input we may look at */
	bool stream;
	uint32_t single_seen; /* ESIP_DUPBIT_* bits seen once */
} pstate;

/* Records the first error; later ones are dropped. */
static void note_err(pstate *ps, int err, const char *at, const char *reason)
{
	esip_msg *m = ps->m;

	if (m->err)
		return;
	m->err = err;
	m->err_off = (size_t)(at - ps->base);
	m->err_reason = reason;
}

/* Records err and returns it (for errors that end the parse); it replaces
 * a value error noted before, because it is the one that stopped us. */
static int fail(pstate *ps, int err, const char *at, const char *reason)
{
	ps->m->err = err;
	ps->m->err_off = (size_t)(at - ps->base);
	ps->m->err_reason = reason;
	return err;
}

/* "SIP/" at p (4 bytes readable), "SIP" in any case */
static inline bool is_sip_slash(const char *p)
{
	return (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	       p[3] == '/';
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ("SIP" case-insensitive as
 * every ABNF literal).  false if malformed; sets VERSION_BAD for a version
 * other than 2.0 (a UAS answers 505, RFC 3261 8.2... RFC 4475 3.1.2.16). */
static bool parse_version(pstate *ps, const char *p, const char *e)
{
	const char *d = p + 4, *dot;

	if (e - p < 7 || !is_sip_slash(p))
		return false;
	dot = scan_class(d, e, CC_DIGIT);
	if (dot == d || dot >= e || *dot != '.' ||
	    scan_class(dot + 1, e, CC_DIGIT) != e || dot + 1 == e)
		return false;
	ps->m->version = mkstr(p, e);
	if (e - p != 7 || p[4] != '2' || p[6] != '0')
		ps->m->flags |= ESIP_MSGF_VERSION_BAD;
	return true;
}

/*
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF
 * Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 * Exactly one SP between the elements (RFC 4475 3.1.2.8/3.1.2.9 may be
 * rejected); trailing white space before CRLF is tolerated (3.1.2.10).
 */
static int parse_start_line(pstate *ps, const char *p, const char *e)
{
	esip_msg *m = ps->m;
	const char *q, *u;

	e = rtrim_lws(p, e);
	if (e - p >= 4 && is_sip_slash(p)) {
		unsigned st;
		q = memchr(p, ' ', (size_t)(e - p));
		if (!q)
			q = e;
		if (!parse_version(ps, p, q))
			return fail(ps, ESIP_EBAD_START_LINE, p, "bad SIP-Version");
		m->kind = ESIP_MSG_RESPONSE;
		if (q == e || e - q < 4)
			return fail(ps, ESIP_EBAD_STATUS, q, "missing status code");
		q++;
		if (scan_class(q, e, CC_DIGIT) != q + 3 || (q + 3 < e && q[3] != ' '))
			return fail(ps, ESIP_EBAD_STATUS, q, "status code is not 3 digits");
		st = (unsigned)(q[0] - '0') * 100 + (unsigned)(q[1] - '0') * 10 +
		     (unsigned)(q[2] - '0');
		if (st < 100 || st > 699)
			return fail(ps, ESIP_EBAD_STATUS, q, "status code out of range");
		m->status = (uint16_t)st;
		/* an absent Reason-Phrase (no SP) is accepted liberally; an empty
		 * one after SP is valid (RFC 4475 3.1.1.13) */
		m->reason = q + 3 < e ? mkstr(q + 4, e) : mkstr(e, e);
		return 0;
	}

	m->kind = ESIP_MSG_REQUEST;
	q = scan_token(p, e);
	if (q == p || q == e || *q != ' ')
		return fail(ps, ESIP_EBAD_START_LINE, q, "bad method");
	m->method = mkstr(p, q);
	m->method_id = (uint8_t)esip_method_lookup(m->method);
	u = q + 1;
	q = memchr(u, ' ', (size_t)(e - u));
	if (!q || q == u)
		return fail(ps, ESIP_EBAD_START_LINE, u, "bad Request-URI");
	m->ruri_raw = mkstr(u, q);
	if (!parse_version(ps, q + 1, e))
		return fail(ps, ESIP_EBAD_START_LINE, q + 1, "bad SIP-Version");
	if (esip_uri_parse(m->ruri_raw, &m->ruri))
		note_err(ps, ESIP_EBAD_URI, u, "malformed Request-URI");
	return 0;
}

/*
 * The common start lines in one pass: "Method SP sip-URI SP SIP/2.0" and
 * "SIP/2.0 SP 3DIGIT [SP Reason-Phrase]" without trailing LWS, with the
 * Request-URI parsed by fast_uri.  Fills what parse_start_line fills, or
 * returns false having written nothing (m->ruri zeroed again) and leaves
 * the line to it.
 */
PATH_INLINE bool fast_start_line(pstate *ps, const char *p, const char *e, path_fns P)
{
	esip_msg *m = ps->m;
	const char *q, *u;

	if (e - p < 11 || (unsigned char)e[-1] <= ' ')
		return false;
	if ((ld64(p) | FOLD_SIP) == W8('s', 'i', 'p', '/', '2', '.', '0', ' ')) {
		unsigned st;
		q = p + 8;
		if ((unsigned char)(q[0] - '0') > 9 || (unsigned char)(q[1] - '0') > 9 ||
		    (unsigned char)(q[2] - '0') > 9 || (q + 3 < e && q[3] != ' '))
			return false;
		st = (unsigned)(q[0] - '0') * 100 + (unsigned)(q[1] - '0') * 10 +
		     (unsigned)(q[2] - '0');
		if (st < 100 || st > 699)
			return false;
		m->kind = ESIP_MSG_RESPONSE;
		m->version = mkstr(p, p + 7);
		m->status = (uint16_t)st;
		m->reason = q + 3 < e ? mkstr(q + 4, e) : mkstr(e, e);
		return true;
	}
	if (e - p < 14 ||
	    (ld64(e - 8) | FOLD_SIP << 8) != W8(' ', 's', 'i', 'p', '/', '2', '.', '0'))
		return false;
	q = P.v.span(p, e - 8, ps->end, CC_TOKEN);
	if (q == p || q == e - 8 || *q != ' ')
		return false;
	u = q + 1;
	if (!fast_uri(u, e - 8, ps->end, &m->ruri, P.v)) {
		memset(&m->ruri, 0, sizeof m->ruri);
		return false;
	}
	m->kind = ESIP_MSG_REQUEST;
	m->method = mkstr(p, q);
	m->method_id = (uint8_t)esip_method_lookup(m->method);
	m->ruri_raw = mkstr(u, e - 8);
	m->version = mkstr(e - 7, e);
	return true;
}

/* First instance of a single-instance header: true; a repeat sets the
 * duplicate flags and returns false (the first one stays in force). */
static bool first_single(pstate *ps, unsigned bit)
{
	if (ps->single_seen & (1u << bit)) {
		ps->m->dup_mask |= 1u << bit;
		ps->m->flags |= ESIP_MSGF_DUP_SINGLE;
		return false;
	}
	ps->single_seen |= 1u << bit;
	return true;
}

/* The header ids key_header parses. */
static const bool key_hdr[ESIP_HDR__COUNT] = {
	[ESIP_HDR_VIA] = true,		  [ESIP_HDR_FROM] = true,
	[ESIP_HDR_TO] = true,		  [ESIP_HDR_CALL_ID] = true,
	[ESIP_HDR_CSEQ] = true,		  [ESIP_HDR_MAX_FORWARDS] = true,
	[ESIP_HDR_CONTENT_LENGTH] = true, [ESIP_HDR_CONTENT_TYPE] = true,
};

/* The top Via and the Via count (reference parsers). */
static void via_ref(pstate *ps, esip_str v)
{
	esip_msg *m = ps->m;

	if (!m->via_count) {
		/* the top value ends at the first comma, unless a quoted
		 * parameter value hides one (rare: take the slow split) */
		const char *e1 = memchr(v.p, ',', v.len);
		if (!e1)
			e1 = v.p + v.len;
		else if (memchr(v.p, '"', (size_t)(e1 - v.p)))
			e1 = esip__list_split(v.p, v.p + v.len);
		if (esip_via_parse(mkstr(v.p, e1), &m->via))
			note_err(ps, ESIP_EBAD_VIA, v.p, "malformed top Via");
	}
	m->via_count += esip__list_count(v);
}

/* A From or To value into *na (first instance only). */
PATH_INLINE void nameaddr_value(pstate *ps, esip_str v, esip_nameaddr *na, const char *what,
				path_fns P)
{
	if (P.fast && fast_nameaddr(v.p, v.p + v.len, ps->end, na, P.v))
		return;
	if (esip_nameaddr_parse(v, na))
		note_err(ps, ESIP_EBAD_NAMEADDR, v.p, what);
}

/* Parses the up-front headers.  Returns < 0 only for errors that make the
 * message impossible to frame. */
PATH_INLINE int key_header(pstate *ps, const esip_hdr *h, path_fns P)
{
	esip_msg *m = ps->m;
	esip_str v = h->value;
	const char *vend = v.p + v.len, *e1;
	uint64_t u64;

	switch (h->id) {
	case ESIP_HDR_VIA:
		if (!P.fast) {
			via_ref(ps, v);
		} else if (m->via_count) {
			m->via_count += fast_list_count(v, ps->end, P.v);
		} else if ((e1 = fast_via(v.p, vend, ps->end, &m->via, P.v))) {
			/* a comma ends the top value: count the others */
			m->via_count = e1 == vend ? 1 : esip__list_count(v);
		} else {
			via_ref(ps, v);
		}
		break;
	case ESIP_HDR_FROM:
		if (first_single(ps, ESIP_DUPBIT_FROM))
			nameaddr_value(ps, v, &m->from, "malformed From", P);
		break;
	case ESIP_HDR_TO:
		if (first_single(ps, ESIP_DUPBIT_TO))
			nameaddr_value(ps, v, &m->to, "malformed To", P);
		break;
	case ESIP_HDR_CALL_ID:
		if (first_single(ps, ESIP_DUPBIT_CALL_ID)) {
			m->call_id = v;
			if (P.fast ? !fast_callid_ok(v.p, vend, ps->end, P.v)
				   : !callid_ok(v.p, vend))
				note_err(ps, ESIP_EBAD_CALL_ID, v.p, "malformed Call-ID");
		}
		break;
	case ESIP_HDR_CSEQ:
		if (first_single(ps, ESIP_DUPBIT_CSEQ)) {
			if (!(P.fast &&
			      fast_cseq(v.p, vend, ps->end, &m->cseq, &m->cseq_method, P.v)) &&
			    esip_cseq_parse(v, &m->cseq, &m->cseq_method))
				note_err(ps, ESIP_EBAD_CSEQ, v.p, "malformed CSeq");
			else
				m->cseq_method_id = (uint8_t)esip_method_lookup(m->cseq_method);
		}
		break;
	case ESIP_HDR_MAX_FORWARDS:
		if (first_single(ps, ESIP_DUPBIT_MAX_FORWARDS)) {
			/* RFC 3261 20.22: an integer in the range 0-255 */
			if (!str_to_uint(v, 255, &u64))
				note_err(ps, ESIP_EBAD_MAX_FORWARDS, v.p,
					 "malformed Max-Forwards");
			else
				m->max_forwards = (int32_t)u64;
		}
		break;
	case ESIP_HDR_CONTENT_LENGTH:
		/* RFC 4475 3.1.2.3: never use a bad value as a count */
		if (!str_to_uint(v, INT32_MAX, &u64)) {
			m->content_length = -1;
			return fail(ps, ESIP_EBAD_CONTENT_LENGTH, v.p,
				    "malformed Content-Length");
		}
		if (!first_single(ps, ESIP_DUPBIT_CONTENT_LENGTH)) {
			/* RFC 4475 3.3.9: conflicting values cannot be framed */
			if ((int64_t)u64 != m->content_length)
				return fail(ps, ESIP_EBAD_CONTENT_LENGTH, v.p,
					    "conflicting Content-Length values");
			break;
		}
		m->content_length = (int64_t)u64;
		break;
	case ESIP_HDR_CONTENT_TYPE:
		if (!m->content_type.p)
			m->content_type = v;
		break;
	default:
		break;
	}
	return 0;
}

void esip_msg_init(esip_msg *m, esip_hdr *hdrs, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->hdrs = hdrs;
	m->hdrs_cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	m->max_forwards = -1;
	m->content_length = -1;
}

/* 32 zero bytes: one store with AVX2, two with SSE2 (GCC's generic
 * vectors are lowered to what the function's target has). */
typedef unsigned char zero32 __attribute__((vector_size(32)));

/* Resets the per-parse fields, keeping the caller's header array.  The
 * zeroing is written out as 32-byte stores: a memset of this constant
 * size becomes `rep stos`, slow to start and one step per 8 bytes. */
PATH_INLINE void msg_reset(esip_msg *m)
{
	esip_hdr *hdrs = m->hdrs;
	uint32_t cap = m->hdrs_cap;
	const zero32 z = {0};
	char *b = (char *)m;

#define Z1(i) memcpy(b + 32 * (i), &z, 32);
#define Z4(i) Z1(i) Z1(i + 1) Z1(i + 2) Z1(i + 3)
	_Static_assert(sizeof *m > 20 * 32 && sizeof *m <= 24 * 32, "msg_reset stores");
	Z4(0) Z4(4) Z4(8) Z4(12) Z4(16)
	if (sizeof *m > 21 * 32)
		Z1(20)
	if (sizeof *m > 22 * 32)
		Z1(21)
	memcpy(b + sizeof *m - 32, &z, 32);
#undef Z4
#undef Z1
	m->hdrs = hdrs;
	m->hdrs_cap = cap;
	m->max_forwards = -1;
	m->content_length = -1;
}

/* Steps of a parse return 0 to go on, an esip_err that ends the parse
 * (recorded with fail()), or one of these. */
enum {
	STEP_NEED_MORE = 1, /* the input ends inside the message */
	STEP_FRAMING = 2    /* a header made framing impossible (m->err set) */
};

/*
 * RFC 3261 7.5: CRLFs before the start line are ignored; then the start
 * line.  *pp: in, the input start; out, the first header line.
 */
PATH_INLINE int start_line_step(pstate *ps, const char **pp, const esip_parse_limits *lim,
				path_fns P)
{
	const char *p = *pp, *end = ps->end, *eol;
	int rc;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	ps->m->buf = p;
	*pp = p;
	eol = P.eol(p, end, NULL);
	if (eol == end || (ps->stream && *eol == '\r' && eol + 1 == end))
		return STEP_NEED_MORE;
	if ((size_t)(eol - p) > lim->max_line_len)
		return fail(ps, ESIP_ELINE_TOO_LONG, p, "start line too long");
	if (!(P.fast && fast_start_line(ps, p, eol, P))) {
		rc = parse_start_line(ps, p, eol);
		if (rc)
			return rc;
	}
	*pp = eol + eol_len(eol, end);
	return 0;
}

/*
 * The rest of one header field whose first line ends at *eolp: its
 * continuation lines (RFC 3261 7.3.1 folding) up to the next field.  Sets
 * *eolp to the end of its last line and *next to the start of the next
 * line.  STEP_NEED_MORE when a stream may still extend it.
 */
PATH_INLINE int field_extent(pstate *ps, const char **eolp, const char **next, eol_fn scan)
{
	const char *end = ps->end, *eol = *eolp, *nx;

	for (;;) {
		if (eol == end) {
			if (ps->stream)
				return STEP_NEED_MORE;
			nx = end;
			break;
		}
		if (ps->stream && *eol == '\r' && eol + 1 == end)
			return STEP_NEED_MORE;
		nx = eol + eol_len(eol, end);
		if (nx == end && ps->stream)
			return STEP_NEED_MORE; /* a continuation may follow */
		if (nx < end && (*nx == ' ' || *nx == '\t')) {
			eol = scan(nx, end, NULL); /* RFC 3261 7.3.1 folding */
			continue;
		}
		break;
	}
	*eolp = eol;
	*next = nx;
	return 0;
}

/* The common case of field_extent, decided from three bytes: the line
 * ends well before the input does and the next line is not a
 * continuation.  Sets *next. */
PATH_INLINE bool line_unfolded(const char *eol, const char *end, const char **next)
{
	const char *nx;

	if (end - eol < 3)
		return false;
	nx = eol + 1 + (eol[0] == '\r' && eol[1] == '\n');
	*next = nx;
	return *nx != ' ' && *nx != '\t';
}

/*
 * header-name HCOLON value, [line, eol) with its colon: appends the field
 * to m->hdrs and parses the up-front ones.  A malformed line is noted and
 * skipped; STEP_FRAMING if the value makes framing impossible.
 */
PATH_INLINE int field_append(pstate *ps, esip_hdr *h, const char *line, const char *name_end,
			     const char *colon, const char *eol, esip_hdr_id id, path_fns P)
{
	const char *v = colon + 1, *ve = eol;

	h->name = mkstr(line, name_end);
	/* HCOLON = *( SP / HTAB ) ":" SWS, mostly one SP; LWS is trimmed
	 * from both ends of the value (LWS octets are all <= SP: the
	 * others that are take the scans, which stop at once) */
	if (v < eol && *v == ' ')
		v++;
	if (v < eol && (unsigned char)*v <= ' ')
		v = skip_lws(v, eol);
	if (ve > v && (unsigned char)ve[-1] <= ' ')
		ve = rtrim_lws(v, ve);
	h->value = mkstr(v, ve);
	h->id = (uint16_t)id;
	if (key_hdr[id] && key_header(ps, h, P) < 0)
		return STEP_FRAMING;
	return 0;
}

PATH_INLINE int field_store(pstate *ps, const char *line, const char *colon, const char *eol,
			    path_fns P)
{
	const char *name_end;
	esip_hdr_id id;

	if (!colon) {
		note_err(ps, ESIP_EBAD_HEADER, line, "header line without colon");
		return 0;
	}
	name_end = colon;
	while (name_end > line && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	id = esip__hname_lookup(line, (size_t)(name_end - line), (size_t)(ps->end - line));
	/* a known name is a token by construction; check the others */
	if (id == ESIP_HDR_OTHER &&
	    (name_end == line || scan_token(line, name_end) != name_end)) {
		note_err(ps, ESIP_EBAD_HEADER, line, "malformed header name");
		return 0;
	}
	return field_append(ps, &ps->m->hdrs[ps->m->nhdrs++], line, name_end, colon, eol, id, P);
}

/* A header field of any form (folded, over a limit, malformed, at the
 * end of the input), field_store after its extent and the limits: 0,
 * STEP_NEED_MORE, STEP_FRAMING or an error.  Not inlined into the paths:
 * it scans with the scalar scanner and parses with the reference
 * parsers, which give the same results as every path's own. */
static int field_general(pstate *ps, const char *line, const char *eol, const char *colon,
			 const char **next, size_t max_line, uint32_t max_headers)
{
	static const path_fns ref = {esip__eol_scalar,
				     {esip__span_scalar, esip__find_scalar, esip__host_scalar, esip__param_scalar},
				     false};

	if (!line_unfolded(eol, ps->end, next) && field_extent(ps, &eol, next, ref.eol))
		return STEP_NEED_MORE;
	if ((size_t)(eol - line) > max_line)
		return fail(ps, ESIP_ELINE_TOO_LONG, line, "header line too long");
	if (ps->m->nhdrs >= max_headers)
		return fail(ps, ESIP_ETOO_MANY_HEADERS, line, "too many header fields");
	return field_store(ps, line, colon, eol, ref);
}

/* SP and HTAB: 1 (a name that ends in white space, a folded line); CR and
 * LF: 2 (a line end) -- one load a test on the line walk. */
static const uint8_t wsp[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 2, ['\n'] = 2};

/*
 * The header fields, up to and including the empty line.  *pp: in, the
 * first header line; out, where the scan stopped.  *hend: the first byte
 * after the header section.
 */
PATH_INLINE int header_lines_step(pstate *ps, const char **pp, const char **hend,
				  const esip_parse_limits *lim, path_fns P)
{
	esip_msg *m = ps->m;
	const char *p = *pp, *end = ps->end;
	const uint32_t max_headers = lim->max_headers < m->hdrs_cap ? lim->max_headers : m->hdrs_cap;
	const size_t max_line = lim->max_line_len;
	/* the next header slot, kept here and written back to m->nhdrs
	 * before anything else may look at it */
	esip_hdr *h = m->hdrs + m->nhdrs, *const h_end = m->hdrs + max_headers;
	int rc;

	for (;;) {
		const char *line = p, *eol, *colon, *next;

		if (p == end || wsp[(unsigned char)*p] & 2) {
			m->nhdrs = (uint32_t)(h - m->hdrs);
			if (p == end) {
				/* datagram without the empty line: accept the
				 * header section as ended by the datagram
				 * (robustness) */
				if (ps->stream)
					break;
				*hend = p;
				return 0;
			}
			if (ps->stream && *p == '\r' && p + 1 == end)
				break;
			*hend = p + eol_len(p, end);
			return 0;
		}
		/* the colon is found by the same scan (it cannot be folded
		 * away: HCOLON = *( SP / HTAB ) ":" SWS) */
		eol = P.eol(line, end, &colon);
		/* the common line, the general path's tests in one: it ends
		 * before the input does and is not folded (field_extent's
		 * answer from three bytes), it is within the limits, and its
		 * name is a token that ends at the colon */
		if (__builtin_expect(end - eol >= 3 && (uintptr_t)colon > (uintptr_t)line &&
					     (size_t)(eol - line) <= max_line && h < h_end,
				     1)) {
			/* CRLF, or a bare CR or LF (eol_len); one 16-bit compare */
			next = eol + 1 +
			       (((unsigned char)eol[0] | (unsigned)(unsigned char)eol[1] << 8) ==
				('\r' | '\n' << 8));
			if (__builtin_expect(!((wsp[(unsigned char)*next] |
						wsp[(unsigned char)colon[-1]]) &
					       1),
					     1)) {
				esip_hdr_id id = esip__hname_lookup(line, (size_t)(colon - line),
								    (size_t)(end - line));
				if (id != ESIP_HDR_OTHER || scan_token(line, colon) == colon) {
					if (field_append(ps, h++, line, colon, colon, eol, id, P)) {
						m->nhdrs = (uint32_t)(h - m->hdrs);
						return STEP_FRAMING;
					}
					p = next;
					continue;
				}
			}
		}
		m->nhdrs = (uint32_t)(h - m->hdrs);
		rc = field_general(ps, line, eol, colon, &next, max_line, max_headers);
		if (rc == STEP_NEED_MORE)
			break;
		if (rc)
			return rc;
		h = m->hdrs + m->nhdrs;
		p = next;
	}
	*pp = p;
	return STEP_NEED_MORE;
}

/* The body after the header section ending at hend (RFC 3261 18.3):
 * 0 once the message is framed. */
static int body_step(pstate *ps, const char *hend, size_t len, const esip_parse_limits *lim)
{
	esip_msg *m = ps->m;
	const char *buf = ps->base;
	size_t avail = (size_t)(buf + len - hend);

	if (m->content_length >= 0) {
		size_t cl = (size_t)m->content_length;
		if ((size_t)(hend - buf) + cl > lim->max_msg_size)
			return fail(ps, ESIP_EBODY_TOO_BIG, hend, "body exceeds the size limit");
		if (cl > avail) {
			if (ps->stream)
				return STEP_NEED_MORE;
			/* RFC 4475 3.1.2.2: the datagram is framed, the body is short */
			m->body = mkstr(hend, buf + len);
			m->len = (size_t)(buf + len - m->buf);
			m->flags |= ESIP_MSGF_FRAMED;
			return fail(ps, ESIP_EBODY_TRUNCATED, hend,
				    "Content-Length larger than the body");
		}
		m->body = mkstr(hend, hend + cl);
		if (cl < avail && !ps->stream)
			m->flags |= ESIP_MSGF_TRAILING; /* RFC 3261 18.3: discard */
	} else {
		if (ps->stream)
			return fail(ps, ESIP_ENO_CONTENT_LENGTH, hend,
				    "Content-Length is mandatory on streams");
		/* datagram without Content-Length: the body is the rest */
		m->flags |= ESIP_MSGF_NO_CLEN;
		m->body = mkstr(hend, buf + len);
	}
	m->len = (size_t)(m->body.p + m->body.len - m->buf);
	m->flags |= ESIP_MSGF_FRAMED;
	return 0;
}

/* A header made framing impossible: a datagram is framed by the datagram
 * itself, so a UAS may still answer 400. */
static int framing_error(pstate *ps, size_t len)
{
	esip_msg *m = ps->m;

	if (!ps->stream) {
		m->body = mkstr(ps->base + len, ps->base + len);
		m->len = (size_t)(ps->base + len - m->buf);
		m->flags |= ESIP_MSGF_FRAMED;
	}
	return m->err;
}

/* The input ends inside the message, at p. */
static int need_more(pstate *ps, const char *p, size_t len, const esip_parse_limits *lim)
{
	esip_msg *m = ps->m;

	if (len > lim->max_msg_size)
		return fail(ps, ESIP_EMSG_TOO_BIG, ps->base + lim->max_msg_size,
			    "message exceeds the size limit");
	if (!ps->stream)
		return fail(ps, ESIP_EBAD_START_LINE, p, "truncated start line");
	/* incomplete: errors seen so far are reported once it is whole */
	m->err = 0;
	m->err_off = 0;
	m->err_reason = NULL;
	return ESIP_ENEEDMORE;
}

PATH_INLINE int parse(esip_msg *m, const char *buf, size_t len, unsigned flags,
		      const esip_parse_limits *lim, path_fns P)
{
	static const esip_parse_limits defaults = ESIP_PARSE_LIMITS_INIT;
	pstate ps;
	const char *p = buf, *hend = NULL;
	int rc;

	msg_reset(m);
	if (!lim)
		lim = &defaults;
	ps.m = m;
	ps.base = buf;
	ps.stream = (flags & ESIP_PARSE_STREAM) != 0;
	ps.single_seen = 0;
	if (!buf)
		return fail(&ps, ESIP_EINVAL, buf, "no input");
	if (!ps.stream && len > lim->max_msg_size)
		return fail(&ps, ESIP_EMSG_TOO_BIG, buf, "datagram exceeds the size limit");
	/* never look further than the size limit (plus leading CRLFs, which
	 * are bounded by the same clamp) */
	ps.end = buf + (len > lim->max_msg_size ? lim->max_msg_size : len);

	rc = start_line_step(&ps, &p, lim, P);
	if (!rc)
		rc = header_lines_step(&ps, &p, &hend, lim, P);
	if (!rc)
		rc = body_step(&ps, hend, len, lim);
	if (!rc)
		return m->err ? m->err : (int)(m->body.p + m->body.len - buf);
	if (rc == STEP_NEED_MORE)
		return need_more(&ps, p, len, lim);
	if (rc == STEP_FRAMING)
		return framing_error(&ps, len);
	return rc;
}

/* One parse function per path, each with its scanners inlined. */
typedef int (*parse_fn)(esip_msg *m, const char *buf, size_t len, unsigned flags,
			const esip_parse_limits *lim);

static int parse_ref(esip_msg *m, const char *buf, size_t len, unsigned flags,
		     const esip_parse_limits *lim)
{
	return parse(m, buf, len, flags, lim,
		     (path_fns){esip__eol_scalar, {esip__span_scalar, esip__find_scalar, esip__host_scalar, esip__param_scalar}, false});
}

static int parse_scalar(esip_msg *m, const char *buf, size_t len, unsigned flags,
			const esip_parse_limits *lim)
{
	return parse(m, buf, len, flags, lim,
		     (path_fns){esip__eol_scalar, {esip__span_scalar, esip__find_scalar, esip__host_scalar, esip__param_scalar}, true});
}

#if ESIP_X86
__attribute__((target("sse2"))) static int
parse_sse2(esip_msg *m, const char *buf, size_t len, unsigned flags,
	   const esip_parse_limits *lim)
{
	return parse(m, buf, len, flags, lim,
		     (path_fns){esip__eol_sse2, {esip__span_scalar, esip__find_sse2, esip__host_scalar, esip__param_scalar}, true});
}

__attribute__((target("avx2"))) static int
parse_avx2(esip_msg *m, const char *buf, size_t len, unsigned flags,
	   const esip_parse_limits *lim)
{
	return parse(m, buf, len, flags, lim,
		     (path_fns){esip__eol_avx2, {esip__span_avx2, esip__find_avx2, esip__host_avx2, esip__param_avx2}, true});
}
#endif

static const parse_fn parse_path[ESIP__PATH__COUNT] = {
	[ESIP__PATH_SCALAR] = parse_scalar,
#if ESIP_X86
	[ESIP__PATH_SSE2] = parse_sse2,
	[ESIP__PATH_AVX2] = parse_avx2,
#endif
	[ESIP__PATH_REF] = parse_ref,
};

int esip_msg_parse(esip_msg *m, const char *buf, size_t len, unsigned flags,
		   const esip_parse_limits *lim)
{
	return parse_path[esip__scan_best()](m, buf, len, flags, lim);
}

int esip__msg_parse_path(esip_msg *m, const char *buf, size_t len, unsigned flags,
			 const esip_parse_limits *lim, esip__scan_path path)
{
	if (path == ESIP__PATH_AUTO)
		path = esip__scan_best();
	if (!esip__scan_path_ok(path) || !parse_path[path]) {
		msg_reset(m);
		m->err = ESIP_EINVAL;
		m->err_reason = "scan path not available";
		return ESIP_EINVAL;
	}
	return parse_path[path](m, buf, len, flags, lim);
}
