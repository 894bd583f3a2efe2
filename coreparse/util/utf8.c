#include "utf8.h"

#include <string.h>

bool rs_utf8_valid(char *name, bool truncated)
{
	unsigned char *p = (unsigned char *)name;
	while (*p) {
		unsigned char *start = p;
		unsigned c = *p++, n, cp;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 0; i < n; i++, p++) {
			if (*p == 0 && truncated) {
				*start = 0;
				return true;
			}
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
			return false;
		if (n == 3 && (cp < 0x10000 || cp > 0x10ffff))
			return false;
	}
	return true;
}

void rs_utf8_trim(char *text)
{
	size_t end = strlen(text), continuation = 0;
	while (end > 0 && continuation < 3 && ((unsigned char)text[end - 1] & 0xc0) == 0x80) {
		end--;
		continuation++;
	}
	if (end == 0)
		return;
	unsigned char lead = (unsigned char)text[end - 1];
	size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
	if (need > continuation)
		text[end - 1] = '\0';
}
