/*
 * print.c - a parsed message back to bytes.  Folded header values are
 * unfolded (each CRLF + white space becomes one SP, RFC 3261 7.3.1) and
 * Content-Length is rewritten as the real body length, so the output is
 * always well framed.
 */
#include "parse_int.h"
#include "scan.h"

static void put_unfolded(esip_buf *b, esip_str v)
{
	const char *p = v.p, *end = str_end(v);

	while (p < end) {
		const char *e = find_eol(p, end);
		esip_buf_put(b, p, (size_t)(e - p));
		if (e == end)
			break;
		p = skip_lws(e, end);
		esip_buf_putc(b, ' ');
	}
}

long esip_msg_print(const esip_msg *m, char *out, size_t cap)
{
	esip_buf b;
	uint32_t i;

	esip_buf_init_fixed(&b, out, cap);
	if (m->kind == ESIP_MSG_REQUEST) {
		esip_buf_putstr(&b, m->method);
		esip_buf_putc(&b, ' ');
		esip_buf_putstr(&b, m->ruri_raw);
		esip_buf_putc(&b, ' ');
		esip_buf_putstr(&b, m->version);
	} else if (m->kind == ESIP_MSG_RESPONSE) {
		esip_buf_putstr(&b, m->version);
		esip_buf_putc(&b, ' ');
		esip_buf_put_u32(&b, m->status);
		esip_buf_putc(&b, ' ');
		esip_buf_putstr(&b, m->reason);
	} else {
		return ESIP_EINVAL;
	}
	esip_buf_puts(&b, "\r\n");
	for (i = 0; i < m->nhdrs; i++) {
		const esip_hdr *h = &m->hdrs[i];
		if (h->id == ESIP_HDR_CONTENT_LENGTH)
			continue;
		esip_buf_putstr(&b, h->name);
		esip_buf_puts(&b, ": ");
		put_unfolded(&b, h->value);
		esip_buf_puts(&b, "\r\n");
	}
	esip_buf_puts(&b, "Content-Length: ");
	esip_buf_put_u32(&b, (uint32_t)m->body.len);
	esip_buf_puts(&b, "\r\n\r\n");
	esip_buf_putstr(&b, m->body);
	if (b.err)
		return b.err;
	return (long)b.len;
}
