/* Words of the registry and the control protocol: escaped and read back. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "tap.h"

static const char *
esc(const char *in, int flags)
{
	static char out[ESCAPE_SIZE(300)];

	return escape_word(in, flags, out, sizeof(out)) == -1 ? NULL : out;
}

static const char *
unesc(const char *in, int flags)
{
	static char out[300];
	const char *why;

	return unescape_word(in, strlen(in), flags, out, sizeof(out),
	    &why) == -1 ? NULL : out;
}

int
main(void)
{
	char all[256], out[ESCAPE_SIZE(255)], back[256], small[8];
	struct {
		char	buf[8];
		char	after[8];
	} guard;
	const char *why;
	int i, n, clean = 1;

	is_str(esc("rtr-17", 0), "rtr-17", "a plain word is written as is");
	is_str(esc("rtr 17", 0), "rtr\\04017", "a space is \\040");
	is_str(esc("a\\b", 0), "a\\134b", "a backslash is \\134");
	is_str(esc("\"a\"", 0), "\\042a\\042", "a double quote is \\042");
	is_str(esc("caf\xc3\xa9", 0), "caf\\303\\251",
	    "bytes outside ASCII are octal");
	is_str(esc("-", 0), "\\055", "\"-\" alone is escaped: it means absent");
	is_str(esc("a-b", 0), "a-b", "... but not inside a word");
	is_str(esc("#a#b", 0), "\\043a#b",
	    "a leading '#' is escaped: it would start a comment");
	is_str(esc("#", 0), "\\043", "'#' alone");
	is_str(esc("# -", ESCAPE_SPACE), "# -", "free text keeps both");
	ok(escape_word("#ab", 0, small, 6) == -1, "no room after the \\043");
	is_int(escape_word("#ab", 0, small, 7), 6, "just enough room");
	ok(esc("", 0) == NULL, "the empty word has no written form");
	is_str(esc("no such\tdevice\n", ESCAPE_SPACE), "no such\\011device\\012",
	    "free text keeps spaces, escapes tab and LF");
	is_str(esc("x\r\x7f", ESCAPE_SPACE), "x\\015\\177", "CR and DEL too");
	ok(escape_word("rtr 17", 0, small, sizeof(small)) == -1,
	    "too small a buffer is an error, not a truncation");
	is_int(escape_word("rtr-1", 0, small, 6), 5, "exactly enough room");
	for (i = 1; i <= 8; i++) {
		memset(&guard, 'Z', sizeof(guard));
		if (escape_word("rtr 17 and more", 0, guard.buf, (size_t)i) !=
		    -1 || guard.after[0] != 'Z')
			clean = 0;
	}
	ok(clean, "a word that does not fit leaves the bytes after the "
	    "buffer alone");

	/* Each byte's written form, inside a word, as the header says. */
	clean = 1;
	for (i = 1; i < 256; i++) {
		char word[4] = { 'a', (char)i, 'a', '\0' }, want[8];

		if (i > 0x20 && i < 0x7f && i != '\\' && i != '"')
			snprintf(want, sizeof(want), "a%ca", i);
		else
			snprintf(want, sizeof(want), "a\\%03oa", i);
		if (escape_word(word, 0, out, sizeof(out)) == -1 ||
		    strcmp(out, want) != 0) {
			if (clean)
				printf("# byte %d: \"%s\", want \"%s\"\n", i,
				    out, want);
			clean = 0;
		}
	}
	ok(clean, "every byte from 1 to 255: as is from '!' to '~' but "
	    "backslash and double quote, \\ooo otherwise");

	/* Every byte but NUL survives, and the written form is clean. */
	clean = 1;
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	n = escape_word(all, 0, out, sizeof(out));
	ok(n > 0, "all 255 bytes escape");
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
			clean = 0;
	ok(clean, "the written form is printable ASCII without spaces");
	is_int(unescape_word(out, (size_t)n, 0, back, sizeof(back), &why), 255,
	    "and reads back to 255 bytes");
	ok(memcmp(back, all, 256) == 0, "byte for byte");

	is_str(unesc("rtr\\04017", 0), "rtr 17", "\\040 reads as a space");
	is_str(unesc("caf\xc3\xa9", 0), "caf\xc3\xa9",
	    "raw UTF-8 is read literally");
	is_str(unesc("\\377", 0), "\xff", "\\377 is the top");
	ok(unesc("a\\400", 0) == NULL, "\\400 is refused");
	ok(unesc("a\\000b", 0) == NULL, "\\000 is refused: no NUL inside");
	ok(unesc("a\\9", 0) == NULL, "\\9 is refused");
	ok(unesc("a\\04", 0) == NULL, "two digits are refused");
	ok(unesc("a\\", 0) == NULL, "a trailing backslash is refused");
	ok(unesc("a\\\\", 0) == NULL, "\\\\ is not a form (\\134 is)");
	ok(unesc("a b", 0) == NULL, "a raw space is refused in a word");
	is_str(unesc("a b", ESCAPE_SPACE), "a b", "... but not in free text");
	ok(unesc("a\tb", ESCAPE_SPACE) == NULL, "a raw tab is refused");
	ok(unesc("a\x7f", ESCAPE_SPACE) == NULL, "a raw DEL is refused");
	ok(unesc("", 0) == NULL, "the empty word is refused");
	ok(unescape_word("abcdefgh", 8, 0, small, sizeof(small), &why) == -1,
	    "a result that does not fit is refused");
	is_str(why, "too long", "... saying so");
	strlcpy(back, "x\\040y", sizeof(back));
	is_int(unescape_word(back, strlen(back), 0, back, sizeof(back), &why),
	    3, "in place");
	is_str(back, "x y", "... reads right");
	return done_testing();
}
