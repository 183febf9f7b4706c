#include "config.h"

#include <stdio.h>
#include <string.h>
#include <vis.h>

#include "announce.h"
#include "hostkey.h"
#include "secret.h"

int
announce_build(const struct config *cfg, const struct sshdcfg *sc,
    struct announce *an, char *err, size_t errlen)
{
	char hmac[PREAMBLE_HMAC_HEX + 1], path[SSHDCFG_PATH + 8];
	const char *keyfile = cfg->host_key_file, *priv;
	struct secret secret;
	int ret = -1;

	memset(an, 0, sizeof(*an));
	if (cfg->preamble == PREAMBLE_NONE)
		return 0;
	if (cfg->secret_file == NULL) {
		if (preamble_build(an->bytes, sizeof(an->bytes), &an->len,
		    cfg->preamble, cfg->device_id, NULL, NULL) == -1) {
			snprintf(err, errlen, "cannot build the preamble");
			return -1;
		}
		return 0;
	}

	if (keyfile == NULL) {
		if (sc == NULL || (priv = sshdcfg_pick_hostkey(sc)) == NULL) {
			snprintf(err, errlen, "sshd names no host key; "
			    "use --host-key");
			return -1;
		}
		snprintf(path, sizeof(path), "%s.pub", priv);
		keyfile = path;
	}
	if (hostkey_load(keyfile, an->host_key, sizeof(an->host_key), err,
	    errlen) == -1)
		return -1;
	if (secret_load(cfg->secret_file, &secret, err, errlen) == -1)
		goto err0;
	if (preamble_hmac(secret.buf, secret.len, an->host_key,
	    strlen(an->host_key), hmac) == -1) {
		snprintf(err, errlen, "HMAC-SHA1 failed");
		goto err1;
	}
	if (preamble_build(an->bytes, sizeof(an->bytes), &an->len,
	    cfg->preamble, cfg->device_id, an->host_key, hmac) == -1) {
		snprintf(err, errlen, "cannot build the preamble");
		goto err1;
	}
	ret = 0;
err1:
	secret_wipe(&secret);
	explicit_bzero(hmac, sizeof(hmac));
err0:
	return ret;
}

/* The preamble as readable lines; the HMAC masked unless asked for. */
void
announce_print(const struct announce *an, int show_hmac, FILE *fp)
{
	const char *p = an->bytes, *end = an->bytes + an->len, *nl;
	char line[PREAMBLE_LINE_MAX + 1], vis[4 * sizeof(line) + 1];
	size_t n;

	if (an->len == 0) {
		fprintf(fp, "(no preamble: plain RFC 8071 call home)\n");
		return;
	}
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end - 1;
		n = nl - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		if (!show_hmac && n > 6 && strncmp(line, "HMAC: ", 6) == 0)
			memset(line + 6, '*', n - 6);
		strvisx(vis, line, n, VIS_SAFE | VIS_OCTAL);
		fprintf(fp, "%s\n", vis);
	}
}
