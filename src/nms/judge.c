#include "config.h"

#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "knownhosts.h"

const char *
call_hmac_name(enum call_hmac h)
{
	switch (h) {
	case CALL_HMAC_VERIFIED:
		return "verified";
	case CALL_HMAC_SWAPPED:
		return "verified-swapped";
	case CALL_HMAC_UNCHECKED:
		return "unchecked";
	case CALL_HMAC_ABSENT:
		break;
	}
	return "absent";
}

/*
 * May this call go on?  0 yes (*hmac says how it was verified); -1 no,
 * and why says why.
 */
int
judge_call(const struct judge_rules *r, const struct preamble *p,
    enum call_hmac *hmac, char *why, size_t whylen)
{
	const char *w;

	*hmac = CALL_HMAC_ABSENT;
	why[0] = '\0';
	if (!p->present) {
		if (r->secret != NULL) {
			snprintf(why, whylen, "no preamble, but a secret is "
			    "configured: HOST-KEY and HMAC are required");
			return -1;
		}
		if (r->require_preamble) {
			snprintf(why, whylen, "no preamble, and "
			    "--require-preamble is set");
			return -1;
		}
		return 0;
	}
	if (r->device_id != NULL && strcmp(p->device_id, r->device_id) != 0) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" is not the expected "
		    "\"%s\"", p->device_id, r->device_id);
		return -1;
	}
	if (r->secret == NULL) {
		if (p->lines == 5)
			*hmac = CALL_HMAC_UNCHECKED;
		return 0;
	}
	if (p->lines != 5) {
		snprintf(why, whylen, "no HOST-KEY and HMAC, but a secret is "
		    "configured");
		return -1;
	}
	switch (preamble_verify(p, r->secret, r->secretlen, r->allow_swapped)) {
	case 0:
		*hmac = CALL_HMAC_VERIFIED;
		break;
	case 1:
		*hmac = CALL_HMAC_SWAPPED;
		break;
	default:
		snprintf(why, whylen, "HMAC does not match the host key "
		    "(wrong secret, or an altered host key)");
		return -1;
	}
	/* Checked after the HMAC: the name is then the device's own. */
	if (r->knownhosts_name && knownhosts_name_ok(p->device_id,
	    &w) == -1) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" cannot be recorded in "
		    "known_hosts: %s", p->device_id, w);
		*hmac = CALL_HMAC_ABSENT;
		return -1;
	}
	return 0;
}
