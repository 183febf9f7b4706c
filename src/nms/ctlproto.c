#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "outbuf.h"
#include "escape.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define FIELDS_MAX	10	/* the most a line has (unknown), plus one */

/* The fixed words, in the order of their enums. */
static const char *const code_words[] = {
	"bad-request", "unknown", "timeout", "busy", "denied", "unavailable"
};
static const char *const verify_words[] = {
	"-", "verified", "verified-swapped", "pinned", "unchecked", "absent",
	"wrong-hmac", "wrong-key"
};
static const char *const state_words[] = { "parked", "taken", "absent" };
static const char *const reason_words[] = {
	"unlisted", "wrong-hmac", "wrong-key", "no-hmac", "no-preamble",
	"bad-preamble", "timeout", "unverified"
};
static const char *const kind_words[] = {
	"ok", "error", "device", "unknown", "end"
};
/* How many fields each kind has, its own word included. */
static const size_t kind_fields[] = { 7, 2, 9, 9, 1 };

struct field {
	const char	*s;
	size_t		 len;
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Split at single spaces into at most max fields, the last one taking
 * the rest of the line (an error's text).
 */
static int
split(const char *line, size_t len, struct field *f, size_t max, size_t *n,
    char *err, size_t errlen)
{
	size_t i, start = 0;

	*n = 0;
	if (len == 0)
		return fail(err, errlen, "empty line");
	if (len >= CTL_LINE_MAX)
		return fail(err, errlen, "line longer than %d bytes",
		    CTL_LINE_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return fail(err, errlen, "control byte 0x%02x in the "
			    "line", (unsigned char)line[i]);
	for (i = 0; i <= len; i++) {
		if (i < len && (line[i] != ' ' || *n + 1 == max))
			continue;
		if (i == start)
			return fail(err, errlen, "empty field (two spaces, or "
			    "one at an end)");
		f[(*n)++] = (struct field){ line + start, i - start };
		start = i + 1;
	}
	return 0;
}

static int
is_absent(const struct field *f)
{
	return f->len == 1 && f->s[0] == '-';
}

/* One of the fixed words, by its index in words. */
static int
get_word(const struct field *f, const char *const *words, size_t n, int *v,
    const char *what, char *err, size_t errlen)
{
	size_t i;

	*v = -1;
	for (i = 0; i < n; i++)
		if (strlen(words[i]) == f->len &&
		    memcmp(words[i], f->s, f->len) == 0) {
			*v = (int)i;
			return 0;
		}
	return fail(err, errlen, "%s: unknown word \"%.*s\"", what,
	    f->len > 32 ? 32 : (int)f->len, f->s);
}

/* Digits only: strtonum(3) alone would take a sign or leading blanks. */
static int
get_number(const struct field *f, long long min, long long max,
    int absent_ok, long long *v, const char *what, char *err, size_t errlen)
{
	char buf[24];
	const char *errstr;
	size_t i;

	if (absent_ok && is_absent(f)) {
		*v = -1;
		return 0;
	}
	for (i = 0; i < f->len; i++)
		if (f->s[i] < '0' || f->s[i] > '9')
			break;
	if (i != f->len || f->len >= sizeof(buf))
		goto bad;
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	*v = strtonum(buf, min, max, &errstr);
	if (errstr == NULL)
		return 0;
bad:
	return fail(err, errlen, "%s is not a number from %lld to %lld", what,
	    min, max);
}

static int
get_name(const struct field *f, int absent_ok, char *out, size_t outsz,
    const char *what, char *err, size_t errlen)
{
	const char *why;

	if (is_absent(f)) {
		out[0] = '\0';
		return absent_ok ? 0 : fail(err, errlen, "%s is absent", what);
	}
	if (unescape_word(f->s, f->len, 0, out, outsz, &why) == -1)
		return fail(err, errlen, "%s: %s", what, why);
	return 0;
}

static int
get_id(const struct field *f, int absent_ok, char *out, char *err,
    size_t errlen)
{
	const char *why;

	if (get_name(f, absent_ok, out, PREAMBLE_ID_MAX + 1, "DEVICE-ID", err,
	    errlen) == -1)
		return -1;
	if (out[0] != '\0' && preamble_id_ok(out, &why) == -1)
		return fail(err, errlen, "DEVICE-ID: %s", why);
	return 0;
}

/* KEYTYPE KEY: both absent, or "TYPE BASE64" as a preamble's HOST-KEY. */
static int
get_key(const struct field *t, const struct field *k, char *out,
    char *err, size_t errlen)
{
	const char *why;
	size_t len = t->len + 1 + k->len;

	out[0] = '\0';
	if (is_absent(t) && is_absent(k))
		return 0;
	if (is_absent(t) || is_absent(k))
		return fail(err, errlen, "KEYTYPE and KEY: one of them is "
		    "absent");
	if (len > PREAMBLE_KEY_MAX)
		return fail(err, errlen, "KEYTYPE KEY: host key is too long");
	memcpy(out, t->s, t->len);
	out[t->len] = ' ';
	memcpy(out + t->len + 1, k->s, k->len);
	out[len] = '\0';
	if (preamble_key_ok(out, len, &why) == -1) {
		out[0] = '\0';
		return fail(err, errlen, "KEYTYPE KEY: %s", why);
	}
	return 0;
}

/* "UID:PID", or absent. */
static int
get_taker(const struct field *f, long long *uid, long long *pid, char *err,
    size_t errlen)
{
	const char *colon;
	struct field u, p;

	*uid = *pid = -1;
	if (is_absent(f))
		return 0;
	if ((colon = memchr(f->s, ':', f->len)) == NULL)
		return fail(err, errlen, "TAKER is not UID:PID");
	u = (struct field){ f->s, (size_t)(colon - f->s) };
	p = (struct field){ colon + 1, f->len - u.len - 1 };
	if (get_number(&u, 0, 4294967294LL, 0, uid, "TAKER's UID", err,
	    errlen) == -1 || get_number(&p, 1, 2147483647LL, 0, pid,
	    "TAKER's PID", err, errlen) == -1)
		return -1;
	return 0;
}

static int
parse_ok(const struct field *f, struct ctl_reply *r, char *err,
    size_t errlen)
{
	long long port;
	int v;

	if (get_id(&f[1], 0, r->device_id, err, errlen) == -1 ||
	    get_name(&f[2], 0, r->addr, sizeof(r->addr), "ADDR", err,
	    errlen) == -1 ||
	    get_number(&f[3], 1, 65535, 0, &port, "PORT", err, errlen) == -1 ||
	    get_word(&f[4], verify_words, NITEMS(verify_words), &v, "VERIFY",
	    err, errlen) == -1 ||
	    get_key(&f[5], &f[6], r->host_key, err, errlen) == -1)
		return -1;
	r->port = (int)port;
	r->verify = v;
	/* A call is handed over only once it passed. */
	if (v == CTL_V_NONE || v == CTL_V_WRONG_HMAC || v == CTL_V_WRONG_KEY)
		return fail(err, errlen, "VERIFY: %s in an ok reply",
		    verify_words[v]);
	return 0;
}

static int
parse_error(const struct field *f, size_t n, struct ctl_reply *r, char *err,
    size_t errlen)
{
	const char *why;
	int v;

	if (get_word(&f[1], code_words, NITEMS(code_words), &v, "CODE", err,
	    errlen) == -1)
		return -1;
	r->code = v;
	if (n == 3 && unescape_word(f[2].s, f[2].len, ESCAPE_SPACE, r->text,
	    sizeof(r->text), &why) == -1)
		return fail(err, errlen, "TEXT: %s", why);
	return 0;
}

static int
parse_device(const struct field *f, struct ctl_reply *r, char *err,
    size_t errlen)
{
	long long port;
	int v, st;

	if (get_id(&f[1], 0, r->device_id, err, errlen) == -1 ||
	    get_word(&f[2], state_words, NITEMS(state_words), &st, "STATE",
	    err, errlen) == -1 ||
	    get_number(&f[3], 0, LLONG_MAX, 1, &r->since, "SINCE", err,
	    errlen) == -1 ||
	    get_name(&f[4], 1, r->addr, sizeof(r->addr), "ADDR", err,
	    errlen) == -1 ||
	    get_number(&f[5], 1, 65535, 1, &port, "PORT", err, errlen) == -1 ||
	    get_word(&f[6], verify_words, NITEMS(verify_words), &v, "VERIFY",
	    err, errlen) == -1 ||
	    get_number(&f[7], 0, LLONG_MAX, 0, &r->calls, "CALLS", err,
	    errlen) == -1 ||
	    get_taker(&f[8], &r->taker_uid, &r->taker_pid, err, errlen) == -1)
		return -1;
	r->state = st;
	r->verify = v;
	r->port = port == -1 ? 0 : (int)port;
	if ((r->addr[0] == '\0') != (r->port == 0))
		return fail(err, errlen, "ADDR and PORT: one of them is absent");
	if (r->since == -1 && st != CTL_S_ABSENT)
		return fail(err, errlen, "SINCE is absent, but the device is "
		    "%s", state_words[st]);
	if ((r->taker_uid != -1) != (st == CTL_S_TAKEN))
		return fail(err, errlen, "TAKER is given if, and only if, the "
		    "device is taken");
	return 0;
}

static int
parse_unknown(const struct field *f, struct ctl_reply *r, char *err,
    size_t errlen)
{
	int v;

	if (get_id(&f[1], 1, r->device_id, err, errlen) == -1 ||
	    get_name(&f[2], 0, r->addr, sizeof(r->addr), "ADDR", err,
	    errlen) == -1 ||
	    get_word(&f[3], reason_words, NITEMS(reason_words), &v, "REASON",
	    err, errlen) == -1 ||
	    get_number(&f[4], 0, LLONG_MAX, 0, &r->first, "FIRST", err,
	    errlen) == -1 ||
	    get_number(&f[5], 0, LLONG_MAX, 0, &r->last, "LAST", err,
	    errlen) == -1 ||
	    get_number(&f[6], 1, LLONG_MAX, 0, &r->calls, "COUNT", err,
	    errlen) == -1 ||
	    get_key(&f[7], &f[8], r->host_key, err, errlen) == -1)
		return -1;
	r->reason = v;
	if (r->first > r->last)
		return fail(err, errlen, "FIRST is after LAST");
	return 0;
}

int
ctl_reply_parse(const char *line, size_t len, struct ctl_reply *r,
    char *err, size_t errlen)
{
	struct field f[FIELDS_MAX];
	size_t n;
	int kind, ret;

	memset(r, 0, sizeof(*r));
	r->since = r->first = r->last = r->calls = -1;
	r->taker_uid = r->taker_pid = -1;
	err[0] = '\0';
	/* An error's text runs to the end of the line: split it off whole. */
	if (split(line, len, f, len >= 6 && memcmp(line, "error ", 6) == 0 ?
	    3 : FIELDS_MAX, &n, err, errlen) == -1 ||
	    get_word(&f[0], kind_words, NITEMS(kind_words), &kind, "reply",
	    err, errlen) == -1)
		goto bad;
	r->kind = kind;
	if (n != kind_fields[kind] && !(kind == CTL_ERROR && n == 3)) {
		fail(err, errlen, "%s: %zu fields instead of %zu", kind_words[kind],
		    n, kind_fields[kind]);
		goto bad;
	}
	switch (kind) {
	case CTL_OK:
		ret = parse_ok(f, r, err, errlen);
		break;
	case CTL_ERROR:
		ret = parse_error(f, n, r, err, errlen);
		break;
	case CTL_DEVICE:
		ret = parse_device(f, r, err, errlen);
		break;
	case CTL_UNKNOWN:
		ret = parse_unknown(f, r, err, errlen);
		break;
	default:
		ret = 0;
		break;
	}
	if (ret == 0)
		return 0;
bad:
	/* Nothing half-read is left for a careless caller. */
	memset(r, 0, sizeof(*r));
	return -1;
}

int
ctl_request_parse(const char *line, size_t len, struct ctl_request *rq,
    char *err, size_t errlen)
{
	struct field f[4];
	size_t n;

	memset(rq, 0, sizeof(*rq));
	err[0] = '\0';
	if (split(line, len, f, NITEMS(f), &n, err, errlen) == -1)
		return -1;
	if (f[0].len == 4 && memcmp(f[0].s, "list", 4) == 0) {
		rq->op = CTL_LIST;
		if (n != 1)
			return fail(err, errlen, "list takes no argument");
		return 0;
	}
	if (f[0].len != 4 || memcmp(f[0].s, "take", 4) != 0)
		return fail(err, errlen, "unknown request \"%.*s\" (take or "
		    "list)", f[0].len > 32 ? 32 : (int)f[0].len, f[0].s);
	rq->op = CTL_TAKE;
	if (n != 3)
		return fail(err, errlen, "take DEVICE-ID TIMEOUT-MS");
	if (get_id(&f[1], 0, rq->device_id, err, errlen) == -1 ||
	    get_number(&f[2], 0, CTL_TIMEOUT_MAX_MS, 0, &rq->timeout_ms,
	    "TIMEOUT-MS", err, errlen) == -1) {
		memset(rq, 0, sizeof(*rq));
		return -1;
	}
	return 0;
}

int
ctl_greeting_parse(const char *line, size_t len, int *version, char *err,
    size_t errlen)
{
	struct field f[3];
	long long v;
	size_t n;

	*version = 0;
	err[0] = '\0';
	if (split(line, len, f, NITEMS(f), &n, err, errlen) == -1 ||
	    n != 2 || f[0].len != strlen(CTL_NAME) ||
	    memcmp(f[0].s, CTL_NAME, f[0].len) != 0)
		return fail(err, errlen, "not the greeting of %s", CTL_NAME);
	if (get_number(&f[1], 1, 1000000, 0, &v, "the protocol version", err,
	    errlen) == -1)
		return -1;
	*version = (int)v;
	return 0;
}

/* Appends one field, with the space before it if it is not the first. */
static void
put(struct outbuf *o, const char *s)
{
	if (o->len > 0)
		outbuf_put(o, " ", 1);
	outbuf_puts(o, s);
}

static void
put_name(struct outbuf *o, const char *s)
{
	char buf[ESCAPE_SIZE(PREAMBLE_KEY_MAX)];

	if (s[0] == '\0')
		put(o, "-");
	else if (escape_word(s, 0, buf, sizeof(buf)) == -1)
		o->full = 1;
	else
		put(o, buf);
}

static void
put_number(struct outbuf *o, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	put(o, v < 0 ? "-" : buf);
}

/* KEYTYPE KEY: the key's one space separates the two fields. */
static void
put_key(struct outbuf *o, const char *key)
{
	put(o, key[0] == '\0' ? "- -" : key);
}

static const char *
word(const char *const *words, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? words[v] : "?";
}

/*
 * Ends the line, then reads it back: a writer must never send a line that
 * its readers refuse, and this keeps the rules in the parsers alone.
 */
static int
finish(struct outbuf *o, int reply)
{
	struct ctl_request rq;
	struct ctl_reply r;
	char err[128];
	size_t len = o->len;

	if (o->full || o->size - o->len < 2)
		return -1;
	if ((reply ? ctl_reply_parse(o->buf, len, &r, err, sizeof(err)) :
	    ctl_request_parse(o->buf, len, &rq, err, sizeof(err))) == -1)
		return -1;
	o->buf[len] = '\n';
	o->buf[len + 1] = '\0';
	return (int)len + 1;
}

int
ctl_reply_format(const struct ctl_reply *r, char *buf, size_t bufsz)
{
	struct outbuf o = { buf, bufsz, 0, 0 };
	char text[CTL_TEXT_MAX + 1], etext[ESCAPE_SIZE(CTL_TEXT_MAX)], t[48];

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	put(&o, word(kind_words, NITEMS(kind_words), (int)r->kind));
	switch (r->kind) {
	case CTL_OK:
		put_name(&o, r->device_id);
		put_name(&o, r->addr);
		put_number(&o, r->port);
		put(&o, word(verify_words, NITEMS(verify_words),
		    (int)r->verify));
		put_key(&o, r->host_key);
		break;
	case CTL_ERROR:
		put(&o, word(code_words, NITEMS(code_words), (int)r->code));
		/* For people: a long text is cut rather than refused. */
		strlcpy(text, r->text, sizeof(text));
		if (text[0] != '\0') {
			if (escape_word(text, ESCAPE_SPACE, etext,
			    sizeof(etext)) == -1)
				return -1;
			put(&o, etext);
		}
		break;
	case CTL_DEVICE:
		put_name(&o, r->device_id);
		put(&o, word(state_words, NITEMS(state_words), (int)r->state));
		put_number(&o, r->since);
		put_name(&o, r->addr);
		put_number(&o, r->port > 0 ? r->port : -1);
		put(&o, word(verify_words, NITEMS(verify_words),
		    (int)r->verify));
		put_number(&o, r->calls);
		if (r->taker_uid < 0)
			put(&o, "-");
		else {
			snprintf(t, sizeof(t), "%lld:%lld", r->taker_uid,
			    r->taker_pid);
			put(&o, t);
		}
		break;
	case CTL_UNKNOWN:
		put_name(&o, r->device_id);
		put_name(&o, r->addr);
		put(&o, word(reason_words, NITEMS(reason_words),
		    (int)r->reason));
		put_number(&o, r->first);
		put_number(&o, r->last);
		put_number(&o, r->calls);
		put_key(&o, r->host_key);
		break;
	case CTL_END:
		break;
	}
	return finish(&o, 1);
}

int
ctl_request_format(const struct ctl_request *rq, char *buf, size_t bufsz)
{
	struct outbuf o = { buf, bufsz, 0, 0 };

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	if (rq->op == CTL_LIST)
		put(&o, "list");
	else {
		put(&o, "take");
		put_name(&o, rq->device_id);
		put_number(&o, rq->timeout_ms);
	}
	return finish(&o, 0);
}

int
ctl_greeting_format(char *buf, size_t bufsz)
{
	int n = snprintf(buf, bufsz, "%s %d\n", CTL_NAME, CTL_VERSION);

	return n < 0 || (size_t)n >= bufsz ? -1 : n;
}

/* The words of the protocol, for logs and tables. */
const char *
ctl_code_name(enum ctl_code c)
{
	return word(code_words, NITEMS(code_words), (int)c);
}

const char *
ctl_verify_name(enum ctl_verify v)
{
	return word(verify_words, NITEMS(verify_words), (int)v);
}

const char *
ctl_state_name(enum ctl_state st)
{
	return word(state_words, NITEMS(state_words), (int)st);
}

const char *
ctl_reason_name(enum ctl_reason r)
{
	return word(reason_words, NITEMS(reason_words), (int)r);
}
