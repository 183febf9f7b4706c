#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lockdown.h"

#define WS	" \t\r\n"

/*
 * The keywords a Match block must not set, and the one value that only
 * repeats the lock-down (NULL: none does).  ForceCommand, DisableForwarding,
 * PermitTTY, PermitTunnel and PermitUserRC are the lock-down's own -o
 * options; the others grant a forwarding that it promises is refused, and
 * only DisableForwarding keeps them off.
 */
static const struct {
	const char	*name;
	const char	*same;
} locked[] = {
	{ "ForceCommand",		NULL },
	{ "DisableForwarding",		"yes" },
	{ "PermitTTY",			"no" },
	{ "PermitTunnel",		"no" },
	{ "PermitUserRC",		"no" },
	{ "AllowAgentForwarding",	"no" },
	{ "AllowStreamLocalForwarding",	"no" },
	{ "AllowTcpForwarding",		"no" },
	{ "X11Forwarding",		"no" },
	{ "PermitListen",		"none" },
	{ "PermitOpen",			"none" },
};

void
lockdown_init(struct lockdown_scan *s, const char *text, size_t len,
    int in_match)
{
	memset(s, 0, sizeof(*s));
	s->p = text;
	s->end = text + len;
	s->in_match = in_match;
}

void
lockdown_free(struct lockdown_scan *s)
{
	free(s->words);
	free(s->argv);
	memset(s, 0, sizeof(*s));
}

/*
 * The next word where sshd looks for the keyword: it ends at white space,
 * at one '=' (white space around it skipped too) or at the quote closing a
 * '"' met on the way, which is dropped.  NULL for a quote left open, which
 * makes sshd skip the line.
 */
static char *
cut(char **sp)
{
	char *w = *sp, *d;
	int eq;

	if (w == NULL)
		return NULL;
	if ((d = strpbrk(w, WS "\"=")) == NULL) {
		*sp = NULL;
		return w;
	}
	if (*d == '"') {
		memmove(d, d + 1, strlen(d + 1) + 1);
		if ((d = strchr(d, '"')) == NULL)
			return NULL;
		*d = '\0';
		*sp = d + 1 + strspn(d + 1, WS);
		return w;
	}
	eq = *d == '=';
	*d = '\0';
	d += 1 + strspn(d + 1, WS);
	if (!eq && *d == '=')
		d += 1 + strspn(d + 1, WS);
	*sp = d;
	return w;
}

/*
 * The arguments after the keyword, as sshd splits them: words apart by
 * blanks, '"' and '\'' quoting, a backslash escaping a quote, a backslash
 * or an unquoted space, and a '#' starting a word ends the line.  In place:
 * a word never grows.  -1 for a quote left open.
 */
static int
split(char *s, char **argv, size_t *argc)
{
	char *out, c;
	int quote;

	*argc = 0;
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || *s == '#')
			return 0;
		argv[(*argc)++] = out = s;
		for (quote = 0; *s != '\0'; s++) {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\'' ||
			    s[1] == '\\' || (quote == 0 && s[1] == ' ')))
				*out++ = *++s;
			else if (quote == 0 && (*s == ' ' || *s == '\t'))
				break;
			else if (quote == 0 && (*s == '"' || *s == '\''))
				quote = *s;
			else if (quote != 0 && *s == quote)
				quote = 0;
			else
				*out++ = *s;
		}
		if (quote != 0)
			return -1;
		c = *s;
		*out = '\0';
		if (c == '\0')
			return 0;
		s++;
	}
}

/* Copy the next line into s->words, trimmed as sshd trims it. */
static int
next_line(struct lockdown_scan *s, struct lockdown_item *it, char **line)
{
	const char *p = s->p, *nl;
	size_t len, cap;
	char *w;

	nl = memchr(p, '\n', s->end - p);
	len = (nl != NULL ? nl : s->end) - p;
	s->p = nl != NULL ? nl + 1 : s->end;
	it->line = ++s->line;
	/* sshd would read the line only up to the NUL. */
	if (memchr(p, '\0', len) != NULL) {
		it->why = "NUL byte in the line";
		return -1;
	}
	cap = len / 2 + 2;	/* the most words a line can hold */
	free(s->words);
	free(s->argv);
	s->words = malloc(len + 1);
	s->argv = reallocarray(NULL, cap, sizeof(*s->argv));
	if (s->words == NULL || s->argv == NULL) {
		it->why = "out of memory";
		return -1;
	}
	memcpy(s->words, p, len);
	w = s->words;
	while (len > 0 && strchr(WS "\f", w[len - 1]) != NULL)
		len--;
	w[len] = '\0';
	*line = w + strspn(w, " \t\r");
	return 0;
}

static int
keyword_is(const char *kw, const char *name)
{
	return strcasecmp(kw, name) == 0;
}

/* The index of kw in locked[], or -1. */
static int
locked_find(const char *kw)
{
	size_t i;

	for (i = 0; i < sizeof(locked) / sizeof(locked[0]); i++)
		if (keyword_is(kw, locked[i].name))
			return (int)i;
	return -1;
}

enum lockdown_what
lockdown_next(struct lockdown_scan *s, struct lockdown_item *it)
{
	char *line, *kw;
	int include, k;
	size_t n;

	memset(it, 0, sizeof(*it));
	while (s->p < s->end) {
		if (next_line(s, it, &line) == -1)
			return LOCKDOWN_BAD;
		kw = cut(&line);
		if (kw != NULL && *kw == '\0')
			kw = cut(&line);
		/* A comment, or a line sshd skips or refuses (no argument). */
		if (kw == NULL || *kw == '\0' || *kw == '#' || line == NULL ||
		    *line == '\0')
			continue;
		if (keyword_is(kw, "Match")) {
			/* Until the end of this text: another Match only
			 * starts another block. */
			s->in_match = 1;
			continue;
		}
		include = keyword_is(kw, "Include");
		k = locked_find(kw);
		if (!include && (k == -1 || !s->in_match))
			continue;
		if (split(line, s->argv, &n) == -1) {
			it->why = "a quote is not closed";
			return LOCKDOWN_BAD;
		}
		if (include) {
			it->in_match = s->in_match;
			it->argv = s->argv;
			it->argc = n;
			return LOCKDOWN_INCLUDE;
		}
		/* sshd reads yes and no in any case; "none" otherwise
		 * spelt is an error to sshd -T. */
		if (locked[k].same != NULL && n == 1 &&
		    strcasecmp(s->argv[0], locked[k].same) == 0)
			continue;
		it->keyword = locked[k].name;
		return LOCKDOWN_OVERRIDE;
	}
	return LOCKDOWN_END;
}
