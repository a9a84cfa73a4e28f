/*
 * esip-parse - check SIP messages with the esip parser.
 *
 *   esip-parse [--json] [--supported TAG,...] FILE...    ("-" = stdin)
 *
 * Each file is parsed as one datagram.  For each one it prints `key: value`
 * lines (or one JSON object per file with --json): file, verdict, error,
 * kind, method, request-uri, status, reason, call-id, cseq, from-tag,
 * to-tag, via-branch, via-count, content-length, body-length, headers,
 * validate.  Missing values are printed empty.  `validate` is the response
 * a UAS must send (RFC 3261 8.2), `ok`, or `drop` for a response a UAC
 * must discard.  Exit status: 0 if every file parsed, 1 if any was
 * rejected, 2 on usage or I/O errors.
 */
#include <esip/dialog.h>
#include <esip/parser.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 1024
#define MAX_FILE (16u << 20)

static const char *usage_text =
	"usage: esip-parse [--json] [--supported TAG,...] FILE...\n"
	"  Parses each FILE (\"-\" for stdin) as one SIP datagram and prints its\n"
	"  key fields, the parse verdict and what a UAS must answer.\n"
	"  --json          one JSON object per file (a JSON array)\n"
	"  --supported L   option tags the UAS supports, for the Require check\n"
	"                  (default: the esip UA's: replaces,norefersub,tdialog)\n"
	"  validate answers as the esip UA would (esip_ua_caps): its methods\n"
	"  (others 405, unknown ones 501; methods are case-sensitive), the\n"
	"  bodies it understands (415), its option tags (420).\n";

typedef struct out {
	bool json;
	bool first_field;
} out;

static void put_json_str(const char *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c); /* UTF-8 passes through; other octets as is */
	}
	putchar('"');
}

static void field(out *o, const char *key, const char *p, size_t n)
{
	size_t i;

	if (o->json) {
		printf("%s\n    \"%s\": ", o->first_field ? "" : ",", key);
		o->first_field = false;
		put_json_str(p ? p : "", p ? n : 0);
		return;
	}
	printf("%s: ", key);
	for (i = 0; p && i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		/* one line per key: folded line breaks and controls become SP */
		putchar(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	putchar('\n');
}

static void field_str(out *o, const char *key, esip_str s) { field(o, key, s.p, s.len); }
static void field_c(out *o, const char *key, const char *s)
{
	field(o, key, s, s ? strlen(s) : 0);
}

static void field_num(out *o, const char *key, long long v, bool present)
{
	char b[32];

	if (!present) {
		field(o, key, "", 0);
		return;
	}
	snprintf(b, sizeof b, "%lld", v);
	field_c(o, key, b);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		size_t got;
		if (n == cap) {
			char *nb;
			if (cap >= MAX_FILE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (!got) {
			if (ferror(fp))
				goto fail;
			break;
		}
	}
	if (fp != stdin)
		fclose(fp);
	*len = n;
	return buf ? buf : malloc(1);
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return NULL;
}

/* Prints one file's report; returns 0 if it parsed, 1 if rejected. */
static int report(out *o, const char *path, const char *buf, size_t len,
		  const esip_uas_caps *caps)
{
	static esip_hdr hdrs[MAX_HEADERS];
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
	esip_msg m;
	char tmp[512];
	int rc;

	lim.max_headers = MAX_HEADERS;
	lim.max_msg_size = len > lim.max_msg_size ? (uint32_t)(len < MAX_FILE ? len : MAX_FILE)
						   : lim.max_msg_size;
	esip_msg_init(&m, hdrs, MAX_HEADERS);
	rc = esip_msg_parse(&m, buf, len, ESIP_PARSE_DATAGRAM, &lim);

	if (o->json)
		printf("  {");
	o->first_field = true;
	field_c(o, "file", path);
	field_c(o, "verdict", rc > 0 ? "ok" : "error");
	if (rc < 0) {
		snprintf(tmp, sizeof tmp, "%s at offset %zu: %s", esip_errname(rc),
			 m.err_off, m.err_reason ? m.err_reason : esip_strerror(rc));
		field_c(o, "error", tmp);
	} else {
		field_c(o, "error", "");
	}
	field_c(o, "kind", m.kind == ESIP_MSG_REQUEST ? "request"
			   : m.kind == ESIP_MSG_RESPONSE ? "response" : "");
	field_str(o, "method", m.method);
	field_str(o, "request-uri", m.ruri_raw);
	field_num(o, "status", m.status, m.kind == ESIP_MSG_RESPONSE && m.status);
	field_str(o, "reason", m.reason);
	field_str(o, "call-id", m.call_id);
	if (m.cseq_method.p) {
		snprintf(tmp, sizeof tmp, "%u %.*s", m.cseq, ESIP_STR_FMT(m.cseq_method));
		field_c(o, "cseq", tmp);
	} else {
		field_c(o, "cseq", "");
	}
	field_str(o, "from-tag", m.from.tag);
	field_str(o, "to-tag", m.to.tag);
	field_str(o, "via-branch", m.via.branch);
	field_num(o, "via-count", m.via_count, true);
	field_num(o, "content-length", m.content_length, m.content_length >= 0);
	field_num(o, "body-length", (long long)m.body.len, m.body.p != NULL);
	field_num(o, "headers", m.nhdrs, true);

	if (m.kind == ESIP_MSG_REQUEST) {
		esip_validation v;
		if (esip_msg_validate_request(&m, caps, &v)) {
			snprintf(tmp, sizeof tmp, "%u %s (%s)", v.status, v.reason,
				 v.detail ? v.detail : "");
			if (v.status == 420 && v.n_unsupported) {
				unsigned i;
				size_t l = strlen(tmp);
				snprintf(tmp + l, sizeof tmp - l, " Unsupported:");
				for (i = 0; i < v.n_unsupported; i++) {
					l = strlen(tmp);
					snprintf(tmp + l, sizeof tmp - l, "%s %.*s",
						 i ? "," : "", ESIP_STR_FMT(v.unsupported[i]));
				}
			}
			field_c(o, "validate", tmp);
		} else {
			field_c(o, "validate", "ok");
		}
	} else {
		/* a response, or input without a usable start line */
		field_c(o, "validate",
			m.kind == ESIP_MSG_RESPONSE && !esip_msg_response_must_drop(&m)
				? "ok" : "drop");
	}
	if (o->json)
		printf("\n  }");
	return rc > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *ext_store[64];
	char *ext_copy = NULL;
	/* what the esip UA handles, understands and supports (RFC 3261 8.2) */
	esip_uas_caps caps = *esip_ua_caps();
	out o = {false, true};
	int i, rejected = 0, nfiles = 0, first = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "--supported") && i + 1 < argc) {
			char *tok, *save = NULL;
			size_t n = 0;
			free(ext_copy);
			ext_copy = strdup(argv[++i]);
			for (tok = strtok_r(ext_copy, ",", &save); tok && n < 64;
			     tok = strtok_r(NULL, ",", &save))
				ext_store[n++] = tok;
			caps.extensions = ext_store;
			caps.n_extensions = n;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fputs(usage_text, stderr);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (!nfiles) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (o.json)
		printf("[\n");
	for (i = 1; i < argc; i++) {
		size_t len;
		char *buf;
		if (!strcmp(argv[i], "--supported")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		buf = read_all(argv[i], &len);
		if (!buf) {
			fprintf(stderr, "esip-parse: %s: %s\n", argv[i], strerror(errno));
			free(ext_copy);
			return 2;
		}
		if (!first)
			printf(o.json ? ",\n" : "\n");
		first = 0;
		rejected |= report(&o, argv[i], buf, len, &caps);
		free(buf);
	}
	if (o.json)
		printf("\n]\n");
	free(ext_copy);
	return rejected ? 1 : 0;
}
