#include "config.h"

#include <stdio.h>
#include <string.h>
#include <vis.h>

#include "announce.h"
#include "hostkey.h"
#include "secret.h"

/*
 * The key sshd will offer that the NMS most likely wants: an ed25519 key
 * if sshd has one, else the first of its keys whose .pub can be read.
 */
static int
sshd_hostkey(const struct sshdcfg *sc, char *out, size_t outsz, char *err,
    size_t errlen)
{
	char path[SSHDCFG_PATH + 8], key[PREAMBLE_KEY_MAX + 1], e[512];
	int i, found = 0;

	if (sc == NULL || sc->nhostkeys == 0) {
		snprintf(err, errlen, "sshd names no host key; use --host-key");
		return -1;
	}
	for (i = 0; i < sc->nhostkeys; i++) {
		snprintf(path, sizeof(path), "%s.pub", sc->hostkey[i]);
		if (hostkey_load(path, key, sizeof(key), e, sizeof(e)) == -1) {
			if (!found && i == 0)
				snprintf(err, errlen, "%s", e);
			continue;
		}
		if (!found || strncmp(key, "ssh-ed25519 ", 12) == 0)
			strlcpy(out, key, outsz);
		found = 1;
		if (strncmp(key, "ssh-ed25519 ", 12) == 0)
			break;
	}
	if (!found) {
		strlcat(err, "; no public key of sshd's host keys can be read "
		    "(use --host-key)", errlen);
		return -1;
	}
	return 0;
}

int
announce_build(const struct config *cfg, const struct sshdcfg *sc,
    struct announce *an, char *err, size_t errlen)
{
	char hmac[PREAMBLE_HMAC_HEX + 1];
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

	if (cfg->host_key_file != NULL ?
	    hostkey_load(cfg->host_key_file, an->host_key,
	    sizeof(an->host_key), err, errlen) == -1 :
	    sshd_hostkey(sc, an->host_key, sizeof(an->host_key), err,
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
		strvisx(vis, line, n, VIS_OCTAL | VIS_TAB);
		fprintf(fp, "%s\n", vis);
	}
}
