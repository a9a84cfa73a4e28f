/* Check suites of the core layer. */
#include "testutil.h"

Suite *suite_str(void);
Suite *suite_err_alloc_rand(void);
Suite *suite_timerwheel(void);
Suite *suite_hash(void);
Suite *suite_grow(void);
Suite *suite_digest(void);

int main(void)
{
	Suite *s[] = {suite_str(), suite_err_alloc_rand(), suite_timerwheel(), suite_hash(),
		      suite_grow(), suite_digest()};
	return test_run(s, (int)(sizeof s / sizeof s[0]));
}
