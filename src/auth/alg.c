/*
 * alg.c - the Digest algorithm names of the RFC 7616 6.1 registry that
 * RFC 8760 2.7 brings to SIP, the hash behind each, and their strength.
 */
#include <esip/auth.h>

static const struct {
	const char *name;
	esip_digest_alg digest;
	bool sess;
} algs[ESIP_AUTH_ALG__COUNT] = {
	[ESIP_AUTH_ALG_UNKNOWN] = {NULL, ESIP_DIGEST_MD5, false},
#define ESIP_AUTH_ALG_ROW_(id, name, digest, sess) [ESIP_AUTH_##id] = {name, digest, sess},
	ESIP_AUTH_ALGS(ESIP_AUTH_ALG_ROW_)
#undef ESIP_AUTH_ALG_ROW_
};

const char *esip_auth_alg_name(esip_auth_alg alg)
{
	return (unsigned)alg < ESIP_AUTH_ALG__COUNT ? algs[alg].name : NULL;
}

esip_auth_alg esip_auth_alg_lookup(esip_str name)
{
	int i;

	/* RFC 7616 3.3: the algorithm token; registry names compare
	 * case-insensitively in practice ("md5" is sent by old UAs) */
	for (i = 1; i < ESIP_AUTH_ALG__COUNT; i++)
		if (esip_str_ieq_cstr(name, algs[i].name))
			return (esip_auth_alg)i;
	return ESIP_AUTH_ALG_UNKNOWN;
}

esip_digest_alg esip_auth_alg_digest(esip_auth_alg alg)
{
	return (unsigned)alg < ESIP_AUTH_ALG__COUNT ? algs[alg].digest : ESIP_DIGEST_MD5;
}

bool esip_auth_alg_sess(esip_auth_alg alg)
{
	return (unsigned)alg < ESIP_AUTH_ALG__COUNT && algs[alg].sess;
}

int esip_auth_alg_strength(esip_auth_alg alg)
{
	if (alg == ESIP_AUTH_ALG_UNKNOWN || (unsigned)alg >= ESIP_AUTH_ALG__COUNT)
		return 0;
	switch (algs[alg].digest) {
	case ESIP_DIGEST_MD5:
		return 1;
	case ESIP_DIGEST_SHA256:
		return 2;
	case ESIP_DIGEST_SHA512_256:
		return 3;
	}
	return 0;
}
