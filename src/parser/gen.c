/*
 * gen.c - branch, tag and Call-ID generators.
 *
 * RFC 3261 8.1.1.7: a branch is unique across space and time and starts
 * with the magic cookie "z9hG4bK"; 19.3: tags and Call-IDs are globally
 * unique and cryptographically random with at least 32 bits of
 * randomness.  Every token here is drawn from the caller's esip_rand
 * (getrandom(2) output) as lowercase hex: 20 characters are 80 bits, 16
 * are 64, 24 are 96.  Hex digits are tokens and words, so the results fit
 * every grammar they go into (RFC 3261 25.1 token, word).
 *
 * Why hex and not all 62 alphanumerics: some peers find header fields by
 * searching for their names anywhere in the message.  SIPp took a To tag
 * "MdLenYyzxRCSeqnL" for a CSeq header and aborted the call - about once
 * in 10^5 responses under load.  No header name ("CSeq", "Call-ID",
 * "Via", "From", "To" ...) can be spelled with [0-9a-f].
 */
#include <esip/parser.h>

#include <string.h>

#define BRANCH_COOKIE "z9hG4bK"
#define BRANCH_RANDOM 20
#define TAG_RANDOM 16
#define CALL_ID_RANDOM 24

/*
 * out = prefix + n random alphanumerics + suffix (after '@' if present) +
 * NUL.  Returns the length, or ESIP_ENOSPC (nothing written but an empty
 * string when cap > 0) or ESIP_ESYS (out left empty).
 */
static int gen_token(esip_rand *r, const char *prefix, size_t plen, size_t n, esip_str host,
		     char *out, size_t cap)
{
	size_t hlen = host.len ? 1 + host.len : 0;
	size_t len = plen + n + hlen;
	int rc;

	if (!out || cap <= len || len > INT32_MAX) {
		if (out && cap)
			out[0] = '\0';
		return ESIP_ENOSPC;
	}
	memcpy(out, prefix, plen);
	rc = esip_rand_hex(r, out + plen, n);
	if (rc) {
		out[0] = '\0';
		return rc;
	}
	if (hlen) {
		out[plen + n] = '@';
		memcpy(out + plen + n + 1, host.p, host.len);
	}
	out[len] = '\0';
	return (int)len;
}

int esip_gen_branch(esip_rand *r, char *out, size_t cap)
{
	return gen_token(r, BRANCH_COOKIE, sizeof BRANCH_COOKIE - 1, BRANCH_RANDOM, ESIP_STR_NULL,
			 out, cap);
}

int esip_gen_tag(esip_rand *r, char *out, size_t cap)
{
	return gen_token(r, "", 0, TAG_RANDOM, ESIP_STR_NULL, out, cap);
}

/* callid = word [ "@" word ] (RFC 3261 25.1): an empty host would leave
 * "@" with nothing after it, so it counts as absent. */
int esip_gen_call_id(esip_rand *r, esip_str host, char *out, size_t cap)
{
	return gen_token(r, "", 0, CALL_ID_RANDOM, host, out, cap);
}
