/* For the unit tests of printers that must print what json-c prints: the
 * two documents' texts compared under every flag json-c has. Include after
 * cmocka.h and json-c/json.h. */
#ifndef RS_TESTS_JSON_TEXT_CHECK_H
#define RS_TESTS_JSON_TEXT_CHECK_H

#include <stdlib.h>
#include <string.h>

static void assert_same_json_text(json_object *mine, json_object *theirs)
{
	static const int flags[] = {
		JSON_C_TO_STRING_PLAIN,
		JSON_C_TO_STRING_SPACED,
		JSON_C_TO_STRING_PRETTY,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB,
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
	};
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		char *expected = strdup(json_object_to_json_string_ext(theirs, flags[f]));
		const char *got = json_object_to_json_string_ext(mine, flags[f]);
		assert_non_null(got);
		if (strcmp(got, expected))
			fail_msg("flags %d:\nexpected %s\ngot      %s", flags[f], expected, got);
		free(expected);
	}
}

#endif
