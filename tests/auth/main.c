/* Check suites of the auth layer. */
#include "atest.h"

int main(void)
{
	Suite *s[] = {suite_auth_parse(), suite_auth_vectors(), suite_auth_client(),
		      suite_auth_server()};
	return test_run(s, (int)(sizeof s / sizeof s[0]));
}
