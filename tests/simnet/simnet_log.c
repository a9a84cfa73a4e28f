/*
 * simnet_log.c - the datagram log: one entry per copy, appended at send
 * time and completed at delivery; queries for assertions and a dump for
 * failing tests.  Entries are kept up to a cap so that a runaway test
 * cannot exhaust memory (what is past the cap is still carried, only not
 * remembered).
 */
#include "simnet_impl.h"

#include <stdlib.h>
#include <string.h>

void simnet_set_log_cap(simnet *net, size_t cap) { net->logcap = cap; }
size_t simnet_log_count(const simnet *net) { return net->nlog; }

const simnet_log_entry *simnet_log_get(const simnet *net, size_t i)
{
	return i < net->nlog ? &net->log[i] : NULL;
}

const char *simnet_fate_name(simnet_fate f)
{
	static const char *const names[] = {
		[SIMNET_IN_FLIGHT] = "in-flight", [SIMNET_DELIVERED] = "delivered",
		[SIMNET_LOST] = "lost", [SIMNET_UNREACHABLE] = "unreachable",
		[SIMNET_REFUSED] = "refused", [SIMNET_BROKEN] = "broken",
	};

	return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

size_t simnet__log_add(simnet *net, int from, int to, const esip_dest *dest, uint32_t conn,
		       const void *bytes, size_t len, simnet_fate fate, bool dup)
{
	simnet_log_entry *e;
	const unsigned char *b = bytes;
	size_t n = 0, max = len < SIMNET_FIRST_LINE - 1 ? len : SIMNET_FIRST_LINE - 1;

	if (net->nlog >= net->logcap) {
		net->st.log_dropped++;
		return SIZE_MAX;
	}
	if (net->nlog == net->caplog) {
		size_t cap = net->caplog ? net->caplog * 2 : 1024;
		simnet_log_entry *p;
		if (cap > net->logcap)
			cap = net->logcap;
		p = realloc(net->log, cap * sizeof *p);
		if (!p) {
			net->st.log_dropped++;
			return SIZE_MAX;
		}
		net->log = p;
		net->caplog = cap;
	}
	e = &net->log[net->nlog];
	e->sent = net->now;
	e->delivered = SIMNET_NEVER;
	e->from = from;
	e->to = to;
	e->tp = dest->tp;
	e->conn = conn;
	e->fate = fate;
	e->dup = dup;
	e->reordered = false;
	e->len = len;
	e->dst = dest->addr;
	while (n < max && b[n] != '\r' && b[n] != '\n')
		n++;
	if (n)
		memcpy(e->first_line, b, n); /* bytes may be NULL when len is 0 */
	e->first_line[n] = 0;
	e->first_len = n;
	return net->nlog++;
}

static bool entry_match(const simnet_log_entry *e, int from, int to, const char *prefix,
			size_t plen)
{
	return (from == SIMNET_ANY || e->from == from) && (to == SIMNET_ANY || e->to == to) &&
	       plen <= e->first_len && (!plen || !memcmp(e->first_line, prefix, plen));
}

size_t simnet_count(const simnet *net, int from, int to, const char *prefix)
{
	size_t i, n = 0, plen = prefix ? strlen(prefix) : 0;

	for (i = 0; i < net->nlog; i++)
		n += net->log[i].fate == SIMNET_DELIVERED &&
		     entry_match(&net->log[i], from, to, prefix, plen);
	return n;
}

size_t simnet_log_times(const simnet *net, int from, int to, const char *prefix,
			uint64_t *out, size_t max)
{
	size_t i, n = 0, plen = prefix ? strlen(prefix) : 0;

	for (i = 0; i < net->nlog; i++) {
		const simnet_log_entry *e = &net->log[i];
		if (e->dup || !entry_match(e, from, to, prefix, plen))
			continue;
		if (n < max && out)
			out[n] = e->sent;
		n++;
	}
	return n;
}

size_t simnet_count_sent(const simnet *net, int from, int to, const char *prefix)
{
	return simnet_log_times(net, from, to, prefix, NULL, 0);
}

static void dump_entry(const simnet *net, FILE *f, size_t i)
{
	const simnet_log_entry *e = &net->log[i];
	char deliv[24], to[ESIP_ADDR_STRLEN], line[SIMNET_FIRST_LINE];
	size_t k;

	if (e->fate == SIMNET_DELIVERED)
		snprintf(deliv, sizeof deliv, "%llu", (unsigned long long)e->delivered);
	else
		snprintf(deliv, sizeof deliv, "%s", simnet_fate_name(e->fate));
	if (e->to >= 0)
		snprintf(to, sizeof to, "%s", net->nodes[e->to].name);
	else if (esip_addr_str(&e->dst, to, sizeof to) < 0)
		snprintf(to, sizeof to, "?");
	for (k = 0; k < e->first_len; k++) {
		unsigned char c = (unsigned char)e->first_line[k];
		line[k] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	line[k] = 0;
	fprintf(f, "%6zu %9llu %11s  %-10s -> %-10s %-4s", i, (unsigned long long)e->sent, deliv,
		net->nodes[e->from].name, to, esip_tp_name(e->tp));
	if (e->conn)
		fprintf(f, " c%-3lu", (unsigned long)e->conn);
	else
		fprintf(f, "     ");
	fprintf(f, " %6zu  %s%s%s\n", e->len, e->dup ? "[dup] " : "",
		e->reordered ? "[late] " : "", line);
}

void simnet_log_dump_tail(const simnet *net, FILE *f, size_t n)
{
	size_t i = net->nlog > n ? net->nlog - n : 0;

	fprintf(f, "%6s %9s %11s  %-10s    %-10s %-4s %4s %6s  %s\n", "#", "sent", "delivered",
		"from", "to", "tp", "conn", "len", "first line");
	for (; i < net->nlog; i++)
		dump_entry(net, f, i);
	if (net->st.log_dropped)
		fprintf(f, "(%llu more datagrams not logged: log cap %zu)\n",
			(unsigned long long)net->st.log_dropped, net->logcap);
}

void simnet_log_dump(const simnet *net, FILE *f) { simnet_log_dump_tail(net, f, SIZE_MAX); }

void simnet_get_stats(const simnet *net, simnet_stats *out) { *out = net->st; }
