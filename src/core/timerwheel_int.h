/*
 * timerwheel_int.h - internals of the timer wheel that tests may use.
 * Not installed; nothing outside src/core and tests/core includes it.
 */
#ifndef ESIP_TIMERWHEEL_INT_H
#define ESIP_TIMERWHEEL_INT_H

#include <esip/core.h>

/* Why esip__timerwheel_check() failed (0: the wheel is consistent). */
enum {
	ESIP__TW_OK = 0,
	ESIP__TW_BAD_LINK = 1,     /* a list's next/prev pointers disagree */
	ESIP__TW_BAD_SLOT = 2,     /* a timer is not in the slot its expiry maps to */
	ESIP__TW_BAD_EXPIRE = 3,   /* an armed timer expires before the wheel's time */
	ESIP__TW_BAD_BITMAP = 4,   /* an occupancy bit disagrees with its list */
	ESIP__TW_BAD_ORDER = 5,    /* a slot marked sorted is not, or marked but empty */
	ESIP__TW_BAD_COUNT = 6,    /* count differs from the timers in the lists */
	ESIP__TW_BAD_MIN = 7,      /* a slot's cached minimum is wrong */
};

/*
 * Walks every slot and returns one of the codes above.  Cost: the number
 * of slots plus the number of armed timers.  Valid between runs and inside
 * timer callbacks.
 */
int esip__timerwheel_check(const esip_timerwheel *w);

/* The flat slot index (level * ESIP_TW_SLOTS + slot) a timer expiring at
 * expire (>= now) belongs in when the wheel's time is now. */
unsigned esip__timerwheel_slot(uint64_t now, uint64_t expire);

#endif
