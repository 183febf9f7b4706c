#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hostkey.h"
#include "preamble.h"
#include "registry.h"

#define BLANKS	" \t"

/* A line being read: its number, and where to say what is wrong. */
struct line {
	size_t	 no;
	char	*err;
	size_t	 errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(const struct line *l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "line %zu: %s", l->no, msg);
	return -1;
}

/* The id as the file would write it: printable, whatever it holds. */
static const char *
shown(const char *id, char *buf, size_t bufsz)
{
	if (escape_word(id, 0, buf, bufsz) == -1)
		strlcpy(buf, "?", bufsz);
	return buf;
}

/*
 * "name=value" at *s: value is NUL-terminated in place, *s moves past it.
 * A quoted value runs to the next '"', which must end the word.
 */
static int
option(const struct line *l, char **s, char **name, char **value)
{
	char *eq, *end;

	*name = *s;
	*value = NULL;
	eq = *s + strcspn(*s, "=" BLANKS);
	if (*eq != '=') {
		*eq = '\0';
		return fail(l, "\"%.64s\" is not an option (secret-file=PATH "
		    "or host-key=\"TYPE BASE64\")", *name);
	}
	*eq = '\0';
	*value = eq + 1;
	if (**value == '"') {
		(*value)++;
		if ((end = strchr(*value, '"')) == NULL)
			return fail(l, "%s: no closing '\"'", *name);
		if (end[1] != '\0' && strchr(BLANKS, end[1]) == NULL)
			return fail(l, "%s: a blank must follow the closing "
			    "'\"'", *name);
	} else
		end = *value + strcspn(*value, BLANKS);
	*s = *end != '\0' ? end + 1 : end;
	*end = '\0';
	if (**value == '\0')
		return fail(l, "%s is empty", *name);
	return 0;
}

static int
set_secret_file(const struct line *l, struct registry_device *d, char *v)
{
	if (d->secret_file != NULL)
		return fail(l, "secret-file is given twice");
	if (v[0] != '/')
		return fail(l, "secret-file \"%.64s\" is not an absolute path",
		    v);
	if (strlen(v) >= PATH_MAX)
		return fail(l, "secret-file is longer than %d bytes",
		    PATH_MAX - 1);
	d->secret_file = v;
	return 0;
}

/* "TYPE BASE64 [COMMENT]" as a .pub file has it; kept as "TYPE BASE64". */
static int
set_host_key(const struct line *l, struct registry_device *d, char *v)
{
	char key[PREAMBLE_KEY_MAX + 1];
	const char *why;

	if (d->host_key != NULL)
		return fail(l, "host-key is given twice");
	if (hostkey_parse(v, key, sizeof(key), &why) == -1)
		return fail(l, "host-key: %s", why);
	/* Never longer than v: a prefix of it, less blanks and comment. */
	memcpy(v, key, strlen(key) + 1);
	d->host_key = v;
	return 0;
}

/* One line, NUL-terminated without its LF; 1 if it lists a device. */
static int
parse_line(const struct line *l, char *s, size_t len,
    struct registry_device *d)
{
	char *id, *name, *value;
	const char *why;
	size_t i;

	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || ((unsigned char)s[i] < 0x20 &&
		    s[i] != '\t') || s[i] == 0x7f)
			return fail(l, "control byte 0x%02x", (unsigned char)s[i]);
	s += strspn(s, BLANKS);
	if (*s == '\0' || *s == '#')
		return 0;

	memset(d, 0, sizeof(*d));
	d->line = l->no;
	id = s;
	s += strcspn(s, BLANKS);
	if (*s != '\0')
		*s++ = '\0';
	if (id[0] == '"')
		return fail(l, "a device id is not quoted: write a space in "
		    "it as \\040");
	/* In place: the id only gets shorter. */
	if (unescape_word(id, strlen(id), 0, id, strlen(id) + 1, &why) == -1)
		return fail(l, "device id: %s", why);
	if (preamble_id_ok(id, &why) == -1)
		return fail(l, "%s", why);
	d->id = id;

	for (;;) {
		s += strspn(s, BLANKS);
		if (*s == '\0')
			break;
		if (option(l, &s, &name, &value) == -1)
			return -1;
		if (strcmp(name, "secret-file") == 0) {
			if (set_secret_file(l, d, value) == -1)
				return -1;
		} else if (strcmp(name, "host-key") == 0) {
			if (set_host_key(l, d, value) == -1)
				return -1;
		} else
			return fail(l, "unknown option \"%.64s\" (secret-file= "
			    "or host-key=)", name);
	}
	return 1;
}

static int
by_id_then_line(const void *a, const void *b)
{
	const struct registry_device *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorted: duplicates sit side by side.  Report the one met first. */
static int
check_duplicates(const struct registry *reg, char *err, size_t errlen)
{
	char buf[ESCAPE_SIZE(PREAMBLE_ID_MAX)];
	const struct registry_device *dup = NULL;
	struct line l = { 0, err, errlen };
	size_t i;

	for (i = 1; i < reg->n; i++)
		if (strcmp(reg->dev[i - 1].id, reg->dev[i].id) == 0 &&
		    (dup == NULL || reg->dev[i].line < dup->line))
			dup = &reg->dev[i];
	if (dup == NULL)
		return 0;
	l.no = dup->line;
	return fail(&l, "duplicate device id \"%s\" (first on line %zu)",
	    shown(dup->id, buf, sizeof(buf)), dup[-1].line);
}

int
registry_parse(const char *buf, size_t len, struct registry *reg, char *err,
    size_t errlen)
{
	struct registry_device *dev;
	struct line l = { 0, err, errlen };
	size_t cap = 0, off, llen;
	char *s, *nl;
	int r;

	memset(reg, 0, sizeof(*reg));
	err[0] = '\0';
	if ((reg->text = malloc(len + 1)) == NULL)
		goto nomem;
	memcpy(reg->text, buf, len);
	reg->text[len] = '\0';

	for (off = 0; off < len; off += llen + 1) {
		s = reg->text + off;
		l.no++;
		nl = memchr(s, '\n', len - off);
		llen = nl != NULL ? (size_t)(nl - s) : len - off;
		if (llen > REGISTRY_LINE_MAX) {
			fail(&l, "longer than %d bytes", REGISTRY_LINE_MAX);
			goto err;
		}
		s[llen] = '\0';
		if (reg->n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((dev = reallocarray(reg->dev, cap,
			    sizeof(*dev))) == NULL)
				goto nomem;
			reg->dev = dev;
		}
		if ((r = parse_line(&l, s, llen, &reg->dev[reg->n])) == -1)
			goto err;
		if (r == 1 && ++reg->n > REGISTRY_DEVICES_MAX) {
			fail(&l, "more than %d devices", REGISTRY_DEVICES_MAX);
			goto err;
		}
	}
	/* A line number breaks ties, so that the order is always the same. */
	if (reg->n > 0)
		qsort(reg->dev, reg->n, sizeof(*reg->dev), by_id_then_line);
	if (check_duplicates(reg, err, errlen) == -1)
		goto err;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
err:
	registry_free(reg);
	return -1;
}

static int
by_id(const void *key, const void *elem)
{
	const struct registry_device *d = elem;

	return strcmp(key, d->id);
}

const struct registry_device *
registry_find(const struct registry *reg, const char *id)
{
	if (reg->n == 0)
		return NULL;
	return bsearch(id, reg->dev, reg->n, sizeof(*reg->dev), by_id);
}

void
registry_free(struct registry *reg)
{
	free(reg->dev);
	free(reg->text);
	memset(reg, 0, sizeof(*reg));
}
