/*
 * invariant.h - executable contracts, the one definition for every layer.
 * Not installed.
 *
 *   ESIP_ASSERT(x)  a contract that holds unless the code is wrong (a
 *                   caller broke a documented precondition, an internal
 *                   structure is inconsistent).  Checked in every build
 *                   without NDEBUG (debug and debugoptimized, the test and
 *                   fuzz builds); compiled out with NDEBUG.
 *   ALWAYS(x)       SQLite-style: a condition believed always true that
 *   NEVER(x)        the code still handles when it is not.  Without NDEBUG
 *                   a violation aborts, so tests and fuzzers find it; with
 *                   NDEBUG the expression is just x and the defensive
 *                   branch runs:  if (NEVER(!e)) return;
 *
 * Comments stay the explanation; these make the prose ones executable.
 */
#ifndef ESIP_INVARIANT_H
#define ESIP_INVARIANT_H

#include <assert.h>

#ifdef NDEBUG
#define ESIP_ASSERT(x) ((void)0)
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#else
#define ESIP_ASSERT(x) assert(x)
#define ALWAYS(x) ((x) ? 1 : (assert(!"ALWAYS(" #x ")"), 0))
#define NEVER(x) ((x) ? (assert(!"NEVER(" #x ")"), 1) : 0)
#endif

#endif /* ESIP_INVARIANT_H */
