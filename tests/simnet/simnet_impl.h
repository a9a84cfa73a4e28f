/*
 * simnet_impl.h - simnet's internal state, shared by simnet.c (nodes,
 * links, connections, sending, the run loop) and simnet_log.c (the log,
 * its queries and dumps).  Not for tests: they use simnet.h.
 */
#ifndef ESIP_SIMNET_IMPL_H
#define ESIP_SIMNET_IMPL_H

#include "simnet.h"

typedef struct sn_linkslot {
	bool set;
	simnet_link l;
} sn_linkslot;

typedef struct sn_node {
	char *name;
	esip_addr addr;
	simnet_node_ops ops;
	void *ud;
	sn_linkslot *links; /* indexed by the receiving node, nlinks long */
	int nlinks;
	uint32_t *conns;    /* open connections this node is an end of */
	size_t nconns, capconns;
} sn_node;

typedef struct sn_conn {
	int a, b;           /* opener, acceptor */
	esip_tp tp;
	bool open;
	uint64_t last[2];   /* latest delivery time scheduled a->b, b->a */
} sn_conn;

typedef struct sn_ev {
	uint64_t time;
	uint64_t seq;
	unsigned char *bytes;
	size_t len;
	size_t log;         /* log index, SIZE_MAX if not logged */
	int from, to;
	uint32_t conn;
	esip_tp tp;
} sn_ev;

/* What the run loop did last, formatted only when a run fails. */
typedef struct sn_last {
	int kind;           /* 0 none, 1 delivery, 2 timers */
	int from, to;
	size_t log;
	uint64_t time;
} sn_last;

struct simnet {
	uint64_t now;
	uint64_t rng[4];

	sn_node *nodes;
	int nnodes, capnodes;
	int *timed;         /* ids of the nodes with timers, ascending */
	int ntimed;
	int *addr_tab;      /* node id + 1, 0 = empty; addr_cap slots */
	size_t addr_cap;

	simnet_link deflink;

	sn_conn *conns;
	uint32_t nconns, capconns;

	sn_ev *heap;
	size_t nheap, capheap;
	uint64_t seq;

	simnet_log_entry *log;
	size_t nlog, caplog, logcap;

	uint64_t event_limit;
	bool running;
	simnet_fail_fn fail_fn;
	void *fail_ud;
	int err;
	char errmsg[256];
	sn_last last;

	simnet_stats st;
};

/* Appends a log entry for a copy (the first line is taken from bytes);
 * returns its index, or SIZE_MAX when the log is at its cap. */
size_t simnet__log_add(simnet *net, int from, int to, const esip_dest *dest, uint32_t conn,
		       const void *bytes, size_t len, simnet_fate fate, bool dup);

#endif /* ESIP_SIMNET_IMPL_H */
