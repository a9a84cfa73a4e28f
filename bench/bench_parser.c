/*
 * bench_parser.c - esip parser throughput (a benchmark, never a test).
 *
 *   bench-parser [-t SECONDS] [FILE...]     (default: bench/corpus/ *.sip)
 *
 * Parses every message of the corpus in a loop as UDP datagrams, extracts
 * the transaction-key fields (method or status, Request-URI host, top Via
 * branch, From and To tags, Call-ID, CSeq number and method,
 * Content-Length, body length) into a checksum, and prints ns per message,
 * messages per second, MB/s and heap calls per message.  Heap calls are
 * counted by interposing malloc/calloc/realloc/free in this binary during
 * the timed loop (esip_msg_parse makes none: the figure must be 0).
 */
#include <esip/parser.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- heap call counter -------------------------------------------- */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting;
static unsigned long heap_calls;

void *malloc(size_t n)
{
	heap_calls += counting;
	return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
	heap_calls += counting;
	return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
	heap_calls += counting;
	return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }

/* ---- corpus --------------------------------------------------------- */
typedef struct item {
	char *buf;
	size_t len;
	char name[256];
} item;

static item items[256];
static int nitems;

static void load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (!fp || nitems == 256) {
		perror(path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	items[nitems].buf = malloc((size_t)n + 1);
	if (!items[nitems].buf || fread(items[nitems].buf, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(2);
	}
	items[nitems].len = (size_t)n;
	snprintf(items[nitems].name, sizeof items[nitems].name, "%s", path);
	nitems++;
	fclose(fp);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const item *)a)->name, ((const item *)b)->name);
}

static void load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d))) {
		char p[1024];
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".sip"))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		load(p);
	}
	closedir(d);
	qsort(items, (size_t)nitems, sizeof items[0], cmp_name);
}

static uint64_t mix(uint64_t h, esip_str s)
{
	h ^= s.len + (s.len ? (unsigned char)s.p[0] + ((uint64_t)(unsigned char)s.p[s.len - 1] << 8) : 0);
	return h * 0x100000001b3ull;
}

/* One pass over the corpus: parse + extract; returns the checksum. */
static uint64_t pass(esip_msg *m, uint64_t h)
{
	int i;

	for (i = 0; i < nitems; i++) {
		if (esip_msg_parse(m, items[i].buf, items[i].len, ESIP_PARSE_DATAGRAM, NULL) <= 0) {
			fprintf(stderr, "%s: rejected: %s\n", items[i].name, m->err_reason);
			exit(1);
		}
		h = mix(h, m->kind == ESIP_MSG_REQUEST ? m->method : m->reason);
		h ^= m->status;
		h = mix(h, m->ruri.host);
		h = mix(h, m->via.branch);
		h = mix(h, m->from.tag);
		h = mix(h, m->to.tag);
		h = mix(h, m->call_id);
		h ^= m->cseq;
		h = mix(h, m->cseq_method);
		h ^= (uint64_t)m->content_length << 20;
		h ^= (uint64_t)m->body.len << 40;
	}
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	static esip_hdr hdrs[128];
	esip_msg m;
	double secs = 2.0, t0, t;
	unsigned long passes = 0, batch = 1, msgs;
	uint64_t h = 0;
	size_t bytes = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			secs = atof(argv[++i]);
		else
			load(argv[i]);
	}
	if (!nitems)
		load_dir(ESIP_BENCH_CORPUS);
	for (i = 0; i < nitems; i++)
		bytes += items[i].len;
	esip_msg_init(&m, hdrs, 128);

	/* warm up and calibrate: double the batch until it takes 50 ms */
	for (;;) {
		unsigned long k;
		t0 = now();
		for (k = 0; k < batch; k++)
			h = pass(&m, h);
		if (now() - t0 > 0.05)
			break;
		batch *= 2;
	}
	counting = 1;
	t0 = now();
	do {
		unsigned long k;
		for (k = 0; k < batch; k++)
			h = pass(&m, h);
		passes += batch;
		t = now() - t0;
	} while (t < secs);
	counting = 0;
	msgs = passes * (unsigned long)nitems;
	printf("corpus: %d messages, %zu bytes (mean %zu)\n", nitems, bytes,
	       bytes / (size_t)nitems);
	printf("parsed: %lu messages in %.2f s (checksum %016llx)\n", msgs, t,
	       (unsigned long long)h);
	printf("ns/msg: %.1f\nmsgs/s: %.0f\nMB/s: %.0f\nheap calls/msg: %.3f\n",
	       t * 1e9 / (double)msgs, (double)msgs / t,
	       (double)bytes * (double)passes / t / 1e6, (double)heap_calls / (double)msgs);
	return 0;
}
