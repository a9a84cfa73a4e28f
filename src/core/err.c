/* err.c - esip_strerror()/esip_errname() from the one ESIP_ERRORS list. */
#include <esip/core.h>

const char *esip_strerror(int err)
{
	switch (err) {
#define ESIP_ERR_MSG_(name, value, msg) \
	case (value):                   \
		return (msg);
		ESIP_ERRORS(ESIP_ERR_MSG_)
#undef ESIP_ERR_MSG_
	}
	return "unknown error";
}

const char *esip_errname(int err)
{
	switch (err) {
#define ESIP_ERR_NAME_(name, value, msg) \
	case (value):                    \
		return #name;
		ESIP_ERRORS(ESIP_ERR_NAME_)
#undef ESIP_ERR_NAME_
	}
	return "UNKNOWN";
}
