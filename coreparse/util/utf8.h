/* UTF-8 checks for text read from the target's memory as C strings (type
 * names, slot names): the JSON document is UTF-8, and a corrupt or racing
 * heap can hold any bytes where a name should be. */
#ifndef RS_UTIL_UTF8_H
#define RS_UTIL_UTF8_H

#include <stdbool.h>

/* Whether the NUL-terminated name is text: well-formed UTF-8 (no overlong
 * forms, surrogates or code points past U+10FFFF) without control bytes.
 * When the name was cut short (truncated), a last character cut in half is
 * dropped from it, in place, and the rest is judged. */
bool rs_utf8_valid(char *name, bool truncated);

/* After text that was valid UTF-8 was cut at a byte count (snprintf into a
 * full buffer): drops a last character cut in half, in place. */
void rs_utf8_trim(char *text);

#endif
