#include "ref_list.h"

#include "json_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXTRAS_MAX 16
#define LEVELS 16 /* items deeper than this are printed piece by piece */

/* The text of an item at one level, cut where its values go: the start of
 * the first item and of the others, then pieces around the address's hex
 * digits, the type's text and the extra field's. */
struct item_template {
	char *text; /* first, next and the pieces, back to back */
	const char *first, *next, *piece[4];
	size_t first_len, next_len, piece_len[4];
};

/* Escaped texts, quotes included, made for the flags of the first print. */
struct rs_ref_names {
	rs_ref_type_name_fn *type_name;
	const void *arg;
	size_t n_types;
	char **types;
	const char *extra_key;
	char *extra_key_text;
	const char *extras[EXTRAS_MAX]; /* the values met, by pointer */
	char *extra_texts[EXTRAS_MAX];
	int n_extras;
	char *scratch; /* past EXTRAS_MAX values: the last one's text */
	int flags;
	bool flags_set;
	struct item_template templates[LEVELS]; /* made on first use, for flags */
	size_t *type_lens;                      /* of the texts in types */
};

struct ref_list {
	struct rs_ref_names *names;
	size_t n;
	rs_ref_item_fn *item;
	max_align_t arg[]; /* the caller's arg, copied */
};

static void texts_free(struct rs_ref_names *names)
{
	for (size_t t = 0; t < names->n_types; t++) {
		free(names->types[t]);
		names->types[t] = NULL;
	}
	for (int k = 0; k < names->n_extras; k++)
		free(names->extra_texts[k]);
	names->n_extras = 0;
	for (int k = 0; k < LEVELS; k++) {
		free(names->templates[k].text);
		names->templates[k] = (struct item_template){0};
	}
	free(names->scratch);
	names->scratch = NULL;
	free(names->extra_key_text);
	names->extra_key_text = NULL;
}

struct rs_ref_names *rs_ref_names_new(size_t n_types, rs_ref_type_name_fn *type_name, const void *arg,
				      const char *extra_key)
{
	struct rs_ref_names *names = calloc(1, sizeof(*names));
	if (!names || !(names->types = calloc(n_types + 1, sizeof(*names->types))) ||
	    !(names->type_lens = calloc(n_types + 1, sizeof(*names->type_lens)))) {
		if (names)
			free(names->types);
		free(names);
		return NULL;
	}
	names->type_name = type_name;
	names->arg = arg;
	names->n_types = n_types;
	names->extra_key = extra_key;
	return names;
}

void rs_ref_names_free(struct rs_ref_names *names)
{
	if (!names)
		return;
	texts_free(names);
	free(names->types);
	free(names->type_lens);
	free(names);
}

static const char *type_text(struct rs_ref_names *names, uint32_t type)
{
	if (type >= names->n_types)
		return NULL;
	if (!names->types[type] &&
	    (names->types[type] = rs_json_text_escaped(names->type_name(names->arg, type), names->flags)))
		names->type_lens[type] = strlen(names->types[type]);
	return names->types[type];
}

/* Extra values are few (finalizer kinds): kept by pointer. */
static const char *extra_text(struct rs_ref_names *names, const char *value)
{
	if (!value)
		return "null";
	for (int k = 0; k < names->n_extras; k++)
		if (names->extras[k] == value)
			return names->extra_texts[k];
	char *text = rs_json_text_escaped(value, names->flags);
	if (text && names->n_extras < EXTRAS_MAX) {
		names->extras[names->n_extras] = value;
		names->extra_texts[names->n_extras++] = text;
	} else {
		free(names->scratch);
		names->scratch = text;
	}
	return text;
}

static int item_print(struct rs_ref_names *names, const struct rs_ref_item *it, struct printbuf *pb, int level,
		      int flags)
{
	char address[32];
	const char *type = type_text(names, it->type);
	const char *extra = names->extra_key ? extra_text(names, it->extra) : "";
	if (!type || !extra)
		return -1;
	snprintf(address, sizeof(address), "\"0x%" PRIx64 "\"", it->address);
	printbuf_strappend(pb, "{");
	rs_json_text_field(pb, "\"address\"", address, true, level + 1, flags);
	rs_json_text_field(pb, "\"type\"", type, false, level + 1, flags);
	if (names->extra_key)
		rs_json_text_field(pb, names->extra_key_text, extra, false, level + 1, flags);
	rs_json_text_end(pb, true, level, flags, "}");
	return 0;
}

/* Markers for the values in a template: json-c escapes control characters
 * in strings, so they occur in no text it makes. */
static const char *const VALUE_MARKS[] = {"\x01", "\x02", "\x03"};

static bool template_make(struct rs_ref_names *names, struct item_template *t, int level, int flags)
{
	struct printbuf *pb = printbuf_new();
	if (!pb)
		return false;
	rs_json_text_member_start(pb, false, level, flags);
	size_t first_len = (size_t)pb->bpos;
	rs_json_text_member_start(pb, true, level, flags);
	size_t next_len = (size_t)pb->bpos - first_len;
	printbuf_strappend(pb, "{");
	rs_json_text_field(pb, "\"address\"", "\"0x\x01\"", true, level + 1, flags);
	rs_json_text_field(pb, "\"type\"", VALUE_MARKS[1], false, level + 1, flags);
	if (names->extra_key)
		rs_json_text_field(pb, names->extra_key_text, VALUE_MARKS[2], false, level + 1, flags);
	rs_json_text_end(pb, true, level, flags, "}");
	bool ok = pb->bpos >= 0 && (t->text = malloc((size_t)pb->bpos + 1));
	if (ok) {
		memcpy(t->text, pb->buf, (size_t)pb->bpos + 1);
		t->first = t->text;
		t->first_len = first_len;
		t->next = t->text + first_len;
		t->next_len = next_len;
		const char *at = t->next + next_len;
		int n = names->extra_key ? 3 : 2;
		for (int k = 0; k < n; k++) {
			const char *mark = strchr(at, VALUE_MARKS[k][0]);
			t->piece[k] = at;
			t->piece_len[k] = (size_t)(mark - at);
			at = mark + 1;
		}
		t->piece[n] = at;
		t->piece_len[n] = strlen(at);
	}
	printbuf_free(pb);
	return ok;
}

static char *append(char *out, const char *text, size_t len)
{
	memcpy(out, text, len);
	return out + len;
}

/* An item from its level's template, in one append when it fits. */
static int item_print_fast(struct rs_ref_names *names, const struct item_template *t, const struct rs_ref_item *it,
			   bool first, struct printbuf *pb)
{
	static const char hex[] = "0123456789abcdef";
	const char *type = type_text(names, it->type);
	const char *extra = names->extra_key ? extra_text(names, it->extra) : "";
	if (!type || !extra)
		return -1;
	size_t type_len = names->type_lens[it->type], extra_len = strlen(extra);
	char digits[16], buf[1024];
	int n_digits = 0;
	uint64_t a = it->address;
	do
		digits[15 - n_digits++] = hex[a & 15];
	while ((a >>= 4) && n_digits < 16);
	size_t need = t->next_len + t->first_len + t->piece_len[0] + t->piece_len[1] + t->piece_len[2] +
		      t->piece_len[3] + 16 + type_len + extra_len;
	if (need > sizeof(buf))
		return 1;
	char *out = first ? append(buf, t->first, t->first_len) : append(buf, t->next, t->next_len);
	out = append(out, t->piece[0], t->piece_len[0]);
	out = append(out, digits + 16 - n_digits, (size_t)n_digits);
	out = append(out, t->piece[1], t->piece_len[1]);
	out = append(out, type, type_len);
	out = append(out, t->piece[2], t->piece_len[2]);
	if (names->extra_key) {
		out = append(out, extra, extra_len);
		out = append(out, t->piece[3], t->piece_len[3]);
	}
	printbuf_memappend(pb, buf, (int)(out - buf));
	return 0;
}

bool rs_ref_names_for_flags(struct rs_ref_names *names, int flags)
{
	if (names->flags_set && names->flags == flags)
		return true;
	texts_free(names);
	names->flags = flags;
	names->flags_set = true;
	return !names->extra_key || (names->extra_key_text = rs_json_text_escaped(names->extra_key, flags));
}

const char *rs_ref_names_type(struct rs_ref_names *names, uint32_t type)
{
	return type_text(names, type);
}

int rs_ref_list_print(struct rs_ref_names *names, size_t n, rs_ref_item_fn *item, const void *arg,
		      struct printbuf *pb, int level, int flags)
{
	if (!rs_ref_names_for_flags(names, flags))
		return -1;
	struct item_template *t = level + 1 < LEVELS ? &names->templates[level + 1] : NULL;
	if (t && !t->text && !template_make(names, t, level + 1, flags))
		return -1;
	printbuf_strappend(pb, "[");
	for (size_t i = 0; i < n; i++) {
		struct rs_ref_item it = {0};
		item(arg, i, &it);
		int done = t ? item_print_fast(names, t, &it, i == 0, pb) : 1;
		if (done > 0) {
			rs_json_text_member_start(pb, i > 0, level + 1, flags);
			done = item_print(names, &it, pb, level + 1, flags);
		}
		if (done < 0)
			return -1;
	}
	rs_json_text_array_end(pb, n > 0, level, flags);
	return 0;
}

static int ref_list_print(json_object *array, struct printbuf *pb, int level, int flags)
{
	struct ref_list *l = json_object_get_userdata(array);
	return rs_ref_list_print(l->names, l->n, l->item, l->arg, pb, level, flags);
}

static void ref_list_free(json_object *array, void *userdata)
{
	(void)array;
	free(userdata);
}

json_object *rs_ref_list_new(struct rs_ref_names *names, size_t n, rs_ref_item_fn *item, const void *arg,
			     size_t arg_size)
{
	struct ref_list *l = malloc(sizeof(*l) + arg_size);
	json_object *array = json_object_new_array();
	if (!l || !array) {
		free(l);
		json_object_put(array);
		return NULL;
	}
	*l = (struct ref_list){names, n, item};
	memcpy(l->arg, arg, arg_size);
	json_object_set_serializer(array, ref_list_print, l, ref_list_free);
	return array;
}
