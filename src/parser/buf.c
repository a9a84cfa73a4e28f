/* buf.c - esip_buf, the output buffer of the printer and the builder.
 * Errors are sticky: after the first failure puts do nothing and the
 * caller checks esip_buf_error() once at the end. */
#include <esip/parser.h>

#include <string.h>

/* First capacity of a growable buffer: a short header line. */
#define BUF_FIRST_CAP 64

void esip_buf_init_fixed(esip_buf *b, char *mem, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->p = mem;
	b->cap = cap;
	b->max = cap;
}

int esip_buf_init_dyn(esip_buf *b, const esip_allocator *a, size_t initial, size_t max)
{
	memset(b, 0, sizeof *b);
	b->alloc = a ? a : esip_allocator_default();
	b->growable = true;
	b->max = max;
	if (initial > max)
		initial = max;
	if (initial) {
		b->p = esip_malloc(b->alloc, initial);
		if (!b->p) {
			b->err = ESIP_ENOMEM;
			return ESIP_ENOMEM;
		}
		b->cap = initial;
	}
	return 0;
}

void esip_buf_free(esip_buf *b)
{
	if (b->growable)
		esip_free(b->alloc, b->p);
	b->p = NULL;
	b->cap = b->len = 0;
}

void esip_buf_reset(esip_buf *b)
{
	b->len = 0;
	b->err = 0;
}

static bool reserve(esip_buf *b, size_t n)
{
	size_t need;

	if (b->err)
		return false;
	if (n <= b->cap - b->len)
		return true;
	need = b->len + n;
	if (!b->growable || need < b->len || need > b->max) {
		b->err = ESIP_ENOSPC;
		return false;
	}
	if (esip_grow(b->alloc, &b->p, &b->cap, need, 1, BUF_FIRST_CAP, b->max) < 0) {
		b->err = ESIP_ENOMEM;
		return false;
	}
	return true;
}

void esip_buf_put(esip_buf *b, const void *data, size_t n)
{
	if (!n || !reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void esip_buf_puts(esip_buf *b, const char *s) { esip_buf_put(b, s, strlen(s)); }

void esip_buf_putstr(esip_buf *b, esip_str s)
{
	if (s.p)
		esip_buf_put(b, s.p, s.len);
}

void esip_buf_putc(esip_buf *b, char c) { esip_buf_put(b, &c, 1); }

void esip_buf_put_u32(esip_buf *b, uint32_t v)
{
	char tmp[10];
	size_t n = sizeof tmp;

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	esip_buf_put(b, tmp + n, sizeof tmp - n);
}
