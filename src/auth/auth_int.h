/*
 * auth_int.h - what the files of src/auth share: values as written
 * (quoted-strings) hashed, copied or compared after unq(), and plain
 * values written back as quoted-strings (RFC 7616 3.4.5).
 */
#ifndef ESIP_AUTH_INT_H
#define ESIP_AUTH_INT_H

#include <esip/auth.h>

/* Strips the quotes of a quoted-string as written; *quoted says whether
 * quoted-pairs remain to be undone.  A token comes back as is. */
esip_str esip__auth_unquote(esip_str v, bool *quoted);
/* Feeds unq(v) (as_written) or v (plain) to update(ctx, ...) in runs,
 * or to a digest. */
void esip__auth_feed_fn(void (*update)(void *ctx, const void *p, size_t n), void *ctx,
			esip_str v, bool as_written);
void esip__auth_feed(esip_digest *d, esip_str v, bool as_written);
/* Copies unq(v) to out; returns its length or ESIP_ELIMIT (over cap). */
long esip__auth_unq_copy(esip_str v, char *out, size_t cap);
/* unq(a) == plain b, byte-exact. */
bool esip__auth_unq_eq(esip_str a, esip_str b);
/* Writes plain v as a quoted-string: '"' and '\' become quoted-pairs
 * (the callers refuse control characters beforehand). */
void esip__auth_put_quoted(esip_buf *b, esip_str v);
/* True if s has a control character other than HT (CR, LF, NUL ...),
 * which we do not write into a quoted-string. */
bool esip__auth_unquotable(esip_str s);
/* A hex digit's value, -1 for another character. */
int esip__auth_hexval(char c);
/* nc-value (RFC 7616 3.4): 8 lowercase hex digits and a NUL. */
void esip__auth_nc_hex(uint32_t nc, char out[9]);
/* The first Digest line of header id in m whose realm is realm (as
 * written in a header, or plain), with its scheme and parameters in *a;
 * NULL if none. */
const esip_hdr *esip__auth_find(const esip_msg *m, esip_hdr_id id, esip_str realm, bool as_written,
				esip_auth *a);

#endif
