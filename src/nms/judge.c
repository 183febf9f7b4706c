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
	case CALL_HMAC_PINNED:
		return "pinned";
	case CALL_HMAC_ABSENT:
		break;
	}
	return "absent";
}

/* As judge_verdict(), without the kind of failure. */
int
judge_call(const struct judge_rules *r, const struct preamble *p,
    enum call_hmac *hmac, char *why, size_t whylen)
{
	enum judge_fail fail;

	return judge_verdict(r, p, hmac, &fail, why, whylen);
}

/*
 * May this call go on?  0 yes (*hmac says how it was verified); -1 no,
 * *fail says which rule it broke and why says so for people.  A pinned
 * host key is the device's proof on its own: with one, the HMAC is not
 * needed, and a call with any other key fails.
 */
int
judge_verdict(const struct judge_rules *r, const struct preamble *p,
    enum call_hmac *hmac, enum judge_fail *fail, char *why, size_t whylen)
{
	const char *w;

	*hmac = CALL_HMAC_ABSENT;
	*fail = JUDGE_F_NONE;
	why[0] = '\0';
	if (!p->present) {
		if (r->secret != NULL) {
			snprintf(why, whylen, "no preamble, but a secret is "
			    "configured: HOST-KEY and HMAC are required");
			*fail = JUDGE_F_NO_PREAMBLE;
			return -1;
		}
		if (r->require_preamble) {
			snprintf(why, whylen, "no preamble, and "
			    "--require-preamble is set");
			*fail = JUDGE_F_NO_PREAMBLE;
			return -1;
		}
		return 0;
	}
	if (r->device_id != NULL && strcmp(p->device_id, r->device_id) != 0) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" is not the expected "
		    "\"%s\"", p->device_id, r->device_id);
		*fail = JUDGE_F_OTHER_ID;
		return -1;
	}
	if (r->host_key != NULL) {
		if (p->lines == 5 && strcmp(p->host_key, r->host_key) == 0) {
			*hmac = CALL_HMAC_PINNED;
			goto name;
		}
		snprintf(why, whylen, p->lines == 5 ? "HOST-KEY is not the "
		    "pinned host key" : "no HOST-KEY, but a host key is "
		    "pinned");
		*fail = JUDGE_F_WRONG_KEY;
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
		*fail = JUDGE_F_NO_HMAC;
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
		*fail = JUDGE_F_WRONG_HMAC;
		return -1;
	}
name:
	/* Checked after the HMAC: the name is then the device's own. */
	if (r->knownhosts_name && knownhosts_name_ok(p->device_id,
	    &w) == -1) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" cannot be recorded in "
		    "known_hosts: %s", p->device_id, w);
		*hmac = CALL_HMAC_ABSENT;
		*fail = JUDGE_F_BAD_NAME;
		return -1;
	}
	return 0;
}
