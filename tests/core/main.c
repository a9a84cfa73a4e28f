/* Check suites of the core layer. */
#include "testutil.h"

Suite *suite_str(void);
Suite *suite_err_alloc_rand(void);

int main(void)
{
	Suite *s[] = {suite_str(), suite_err_alloc_rand()};
	return test_run(s, (int)(sizeof s / sizeof s[0]));
}
