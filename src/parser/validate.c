/*
 * validate.c - what RFC 3261 8.2 requires of a UAS for a parsed request,
 * and whether a received response must be dropped (8.1.3.3, 18.1.2).
 * Kept apart from parsing: the parser says what the bytes are, this says
 * what a UAS must answer.
 */
#include "parse_int.h"
#include "scan.h"

static int verdict(esip_validation *out, uint16_t status, const char *reason,
		   const char *detail)
{
	out->status = status;
	out->reason = reason;
	out->detail = detail;
	return status;
}

/* A From/To/Contact address whose URI does not parse. */
static bool addr_uri_bad(const esip_nameaddr *na)
{
	esip_uri u;

	return esip_uri_parse(na->uri, &u) != 0;
}

static bool contacts_bad(const esip_msg *m)
{
	esip_list_iter it;
	esip_str v;

	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	while (esip_list_next(&it, &v) == 1) {
		esip_nameaddr na;
		if (v.len == 1 && v.p[0] == '*')
			continue; /* REGISTER's "Contact: *" (RFC 3261 10.2.2) */
		if (esip_nameaddr_parse(v, &na) || addr_uri_bad(&na))
			return true;
	}
	return false;
}

static bool supported(const esip_uas_caps *caps, esip_str tag)
{
	size_t i;

	for (i = 0; caps && i < caps->n_extensions; i++)
		if (esip_str_ieq_cstr(tag, caps->extensions[i]))
			return true;
	return false;
}

/* Values of header id over all its lines (1 = exactly one). */
static unsigned values(const esip_msg *m, esip_hdr_id id)
{
	esip_list_iter it;
	esip_str v;
	unsigned n = 0;

	esip_list_iter_init(&it, m, id);
	while (esip_list_next(&it, &v) == 1)
		n++;
	return n;
}

/* The first value of header id (a header that is not a list). */
static esip_str first_value(const esip_msg *m, esip_hdr_id id)
{
	const esip_hdr *h = esip_msg_hdr(m, id);

	return h ? h->value : ESIP_STR_NULL;
}

/* RFC 3261 10.3 step 6: "Contact: *" removes every binding, so it must
 * be the only Contact value and the request must say Expires: 0 (no
 * Contact parameter can say otherwise); anything else is a 400.  The
 * reason, or NULL. */
static const char *register_contact_bad(const esip_msg *m)
{
	esip_list_iter it;
	esip_str v;
	unsigned n = 0;
	bool star = false;
	uint32_t secs;

	if (m->method_id != ESIP_METHOD_REGISTER)
		return NULL;
	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	while (esip_list_next(&it, &v) == 1) {
		n++;
		if (v.len == 1 && v.p[0] == '*')
			star = true;
	}
	if (!star)
		return NULL;
	if (n != 1)
		return "Contact: * with other Contact values";
	if (esip_msg_expires(m, &secs) < 0 || secs != 0)
		return "Contact: * without Expires: 0";
	return NULL;
}

/* The rules of the headers that name dialogs and transfers: RFC 3515
 * 2.4.2 (a REFER has exactly one Refer-To), RFC 3891 3 (one Replaces,
 * only in an INVITE, with exactly one to-tag and one from-tag), RFC 4538
 * 4 (one well-formed Target-Dialog).  The reason, or NULL. */
static const char *transfer_headers_bad(const esip_msg *m)
{
	unsigned n;

	if (m->method_id == ESIP_METHOD_REFER) {
		esip_nameaddr na;
		/* a Refer-To value is one name-addr; a comma outside <> makes
		 * two (RFC 3515 2.1) */
		n = esip_msg_hdr_count(m, ESIP_HDR_REFER_TO);
		if (n != 1)
			return n ? "more than one Refer-To" : "REFER without Refer-To";
		if (esip_refer_to_parse(first_value(m, ESIP_HDR_REFER_TO), &na) < 0)
			return "malformed Refer-To";
		n = esip_msg_hdr_count(m, ESIP_HDR_REFERRED_BY);
		if (n > 1 || (n && esip_referred_by_parse(first_value(m, ESIP_HDR_REFERRED_BY),
							  &na) < 0))
			return "malformed Referred-By";
	}
	n = esip_msg_hdr_count(m, ESIP_HDR_REPLACES);
	if (n) {
		esip_replaces r;
		if (m->method_id != ESIP_METHOD_INVITE)
			return "Replaces in a request other than INVITE";
		if (n > 1 || values(m, ESIP_HDR_REPLACES) > 1)
			return "more than one Replaces";
		if (esip_replaces_parse(first_value(m, ESIP_HDR_REPLACES), &r) < 0)
			return "malformed Replaces (it needs one to-tag and one from-tag)";
	}
	n = esip_msg_hdr_count(m, ESIP_HDR_TARGET_DIALOG);
	if (n) {
		esip_target_dialog td;
		if (n > 1 || esip_target_dialog_parse(first_value(m, ESIP_HDR_TARGET_DIALOG), &td) < 0)
			return "malformed or repeated Target-Dialog";
	}
	return NULL;
}

int esip_msg_validate_request(const esip_msg *m, const esip_uas_caps *caps,
			      esip_validation *out)
{
	const char *why;
	esip_list_iter it;
	esip_str tag;

	memset(out, 0, sizeof *out);
	if (m->kind != ESIP_MSG_REQUEST)
		return verdict(out, 400, "Bad Request", "not a request");
	/* RFC 3261 8.2 / 21.5.6, RFC 4475 3.1.2.16 */
	if (m->flags & ESIP_MSGF_VERSION_BAD)
		return verdict(out, 505, "Version Not Supported", "SIP-Version is not 2.0");
	if (m->err)
		return verdict(out, 400, "Bad Request", m->err_reason);
	/* RFC 3261 8.1.1: To, From, CSeq, Call-ID and Via are mandatory;
	 * Max-Forwards too, but RFC 2543 peers omit it (RFC 4475 3.4.1). */
	if (!m->via_count)
		return verdict(out, 400, "Bad Request", "missing Via");
	if (!m->from.uri.p)
		return verdict(out, 400, "Bad Request", "missing From");
	if (!m->to.uri.p)
		return verdict(out, 400, "Bad Request", "missing To");
	if (!m->call_id.p)
		return verdict(out, 400, "Bad Request", "missing Call-ID");
	if (!m->cseq_method.p)
		return verdict(out, 400, "Bad Request", "missing CSeq");
	/* RFC 4475 3.3.8: repeated single-value headers */
	if (m->dup_mask)
		return verdict(out, 400, "Bad Request", "repeated single-value header");
	/* RFC 3261 8.1.1.5: the CSeq method matches the request method
	 * (RFC 4475 3.1.2.17, 3.1.2.18) */
	if (!esip_str_eq(m->cseq_method, m->method))
		return verdict(out, 400, "Bad Request", "CSeq method differs from the method");
	if (addr_uri_bad(&m->from))
		return verdict(out, 400, "Bad Request", "malformed From URI");
	if (addr_uri_bad(&m->to))
		return verdict(out, 400, "Bad Request", "malformed To URI");
	if (contacts_bad(m))
		return verdict(out, 400, "Bad Request", "malformed Contact");

	/* 8.2.1 method inspection */
	if (caps && caps->methods) {
		size_t i;
		bool ok = false;
		for (i = 0; i < caps->n_methods && !ok; i++)
			ok = caps->methods[i] == m->method_id &&
			     m->method_id != ESIP_METHOD_OTHER;
		if (!ok) {
			if (m->method_id == ESIP_METHOD_OTHER)
				return verdict(out, 501, "Not Implemented", "unknown method");
			return verdict(out, 405, "Method Not Allowed", "method not allowed");
		}
	}

	/* 8.2.2.1: Request-URI scheme */
	if (m->ruri.scheme_id != ESIP_SCHEME_SIP && m->ruri.scheme_id != ESIP_SCHEME_SIPS)
		return verdict(out, 416, "Unsupported URI Scheme", "Request-URI scheme");

	/* RFC 3515 2.4.2, RFC 3891 3, RFC 4538 4, RFC 3261 10.3 */
	if ((why = transfer_headers_bad(m)) || (why = register_contact_bad(m)))
		return verdict(out, 400, "Bad Request", why);

	/* 8.2.2.3: Require (ignored in CANCEL and ACK) */
	if (m->method_id != ESIP_METHOD_ACK && m->method_id != ESIP_METHOD_CANCEL) {
		int rc;
		esip_list_iter_init(&it, m, ESIP_HDR_REQUIRE);
		while ((rc = esip_list_next(&it, &tag)) == 1) {
			if (scan_token(tag.p, tag.p + tag.len) != tag.p + tag.len)
				return verdict(out, 400, "Bad Request", "malformed Require");
			if (supported(caps, tag))
				continue;
			if (out->n_unsupported < ESIP_MAX_UNSUPPORTED)
				out->unsupported[out->n_unsupported++] = tag;
		}
		if (out->n_unsupported)
			return verdict(out, 420, "Bad Extension", "unsupported Require option");
	}

	/* 8.2.3: a body of a type we do not understand (RFC 4475 3.3.6) */
	if (caps && caps->content_types && m->body.len) {
		esip_str type = m->content_type;
		const char *semi = type.p ? memchr(type.p, ';', type.len) : NULL;
		size_t i;
		bool ok = false;
		if (semi)
			type = esip_str_trim(mkstr(type.p, semi));
		for (i = 0; i < caps->n_content_types && !ok; i++)
			ok = esip_str_ieq_cstr(type, caps->content_types[i]);
		if (!ok)
			return verdict(out, 415, "Unsupported Media Type",
				       "body of an unsupported Content-Type");
	}
	return 0;
}

bool esip_msg_response_must_drop(const esip_msg *m)
{
	if (m->kind != ESIP_MSG_RESPONSE || m->err)
		return true;
	if (m->flags & ESIP_MSGF_VERSION_BAD)
		return true;
	/* RFC 3261 8.1.3.3: a UAC discards a response with more than one Via
	 * value (it was meant for a proxy; RFC 4475 3.3.10); the mandatory
	 * headers must be there exactly once (8.1.1) */
	return m->via_count != 1 || !m->from.uri.p || !m->to.uri.p ||
	       !m->call_id.p || !m->cseq_method.p || m->dup_mask;
}
