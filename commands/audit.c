/* audit --rules FILE: limits a heap must keep, for CI jobs. Each rule
 * measures one thing (total bytes, a type's bytes or count, garbage,
 * refcheck suspects, the share of the heap one object retains) and holds
 * or breaks; refscope exits 3 when one breaks.
 *
 * The rules file has one rule per line, '#' starting a comment:
 *
 *     MEASURE [SELECTOR] OP LIMIT
 *
 * OP is <=, <, >=, > or ==; LIMIT a number, with B, KiB, MiB, GiB (or kB,
 * MB, GB) for bytes and % for shares. SELECTOR is a glob (fnmatch) over
 * type names: tp_name, or module.qualname for classes. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

enum measure {
	M_TOTAL_BYTES,
	M_TOTAL_OBJECTS,
	M_TYPE_BYTES,
	M_TYPE_COUNT,
	M_GARBAGE_OBJECTS,
	M_GARBAGE_BYTES,
	M_GARBAGE_FINALIZER_GROUPS,
	M_SUSPECTS,
	M_RETAINED_SHARE,
	M_COUNT
};

enum selector_use { SELECTOR_NONE, SELECTOR_REQUIRED, SELECTOR_OPTIONAL };
enum unit { UNIT_COUNT, UNIT_BYTES, UNIT_PERCENT };

static const struct {
	const char *name;
	enum selector_use selector;
	enum unit unit;
	const char *what;
} measures[M_COUNT] = {
	{"total-bytes", SELECTOR_NONE, UNIT_BYTES, "bytes of every object reached (summary)"},
	{"total-objects", SELECTOR_NONE, UNIT_COUNT, "objects reached (summary)"},
	{"type-bytes", SELECTOR_REQUIRED, UNIT_BYTES, "bytes of the instances of the types GLOB names"},
	{"type-count", SELECTOR_REQUIRED, UNIT_COUNT, "instances of the types GLOB names"},
	{"garbage-objects", SELECTOR_NONE, UNIT_COUNT, "objects gc.collect() would free"},
	{"garbage-bytes", SELECTOR_NONE, UNIT_BYTES, "their bytes"},
	{"garbage-finalizer-groups", SELECTOR_NONE, UNIT_COUNT, "garbage groups with a finalizer"},
	{"suspects", SELECTOR_OPTIONAL, UNIT_COUNT, "refcheck suspects (of the types GLOB names)"},
	{"retained-share", SELECTOR_NONE, UNIT_PERCENT, "percent of the heap the largest single object retains"},
};

enum op { OP_LE, OP_LT, OP_GE, OP_GT, OP_EQ };
static const char *const op_names[] = {"<=", "<", ">=", ">", "=="};

struct rule {
	char *text;
	int line;
	enum measure measure;
	char *selector; /* NULL: none */
	enum op op;
	double limit;
	double value;
};

struct rules {
	struct rule *list;
	size_t n, capacity;
};

static void rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->list[i].text);
		free(r->list[i].selector);
	}
	free(r->list);
}

static bool parse_limit(const char *word, enum unit unit, double *out)
{
	static const struct {
		const char *suffix;
		double factor;
	} byte_units[] = {{"B", 1}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
			  {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}};
	char *end;
	errno = 0;
	double value = strtod(word, &end);
	if (end == word || errno || !isfinite(value) || value < 0)
		return false;
	if (*end == '\0') {
		*out = value;
		return true;
	}
	if (unit == UNIT_PERCENT && strcmp(end, "%") == 0) {
		*out = value;
		return true;
	}
	for (size_t i = 0; unit == UNIT_BYTES && i < sizeof(byte_units) / sizeof(byte_units[0]); i++)
		if (strcmp(end, byte_units[i].suffix) == 0) {
			*out = value * byte_units[i].factor;
			return true;
		}
	return false;
}

static rs_error *rule_error(const char *path, int line, const char *what, const char *word)
{
	return rs_error_new(RS_ERR_USAGE, "%s:%d: %s '%s'", path, line, what, word);
}

/* One line's rule into r (a blank or comment line adds none). */
static rs_error *rule_parse(const char *path, int line, char *text, struct rules *r)
{
	char *hash = strchr(text, '#');
	if (hash)
		*hash = '\0';
	char *words[5];
	size_t n = 0;
	for (char *w = strtok(text, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
		if (n == 4)
			return rule_error(path, line, "too many words in the rule, at", w);
		words[n++] = w;
	}
	if (n == 0)
		return NULL;
	enum measure m = M_COUNT;
	for (int i = 0; i < M_COUNT; i++)
		if (strcmp(words[0], measures[i].name) == 0)
			m = (enum measure)i;
	if (m == M_COUNT)
		return rule_error(path, line, "unknown measure (refscope --help names them)", words[0]);
	size_t with_selector = measures[m].selector == SELECTOR_REQUIRED ||
			       (measures[m].selector == SELECTOR_OPTIONAL && n == 4);
	if (n != 3 + with_selector)
		return rule_error(path, line, measures[m].selector == SELECTOR_REQUIRED ?
				  "the measure needs: MEASURE GLOB OP LIMIT, in" : "the measure needs: MEASURE OP LIMIT, in",
				  words[0]);
	struct rule rule = {.line = line, .measure = m};
	const char *op = words[1 + with_selector];
	size_t k = 0;
	while (k < 5 && strcmp(op, op_names[k]) != 0)
		k++;
	if (k == 5)
		return rule_error(path, line, "unknown comparison (<=, <, >=, > or ==)", op);
	rule.op = (enum op)k;
	if (!parse_limit(words[2 + with_selector], measures[m].unit, &rule.limit))
		return rule_error(path, line, measures[m].unit == UNIT_BYTES ? "a limit in bytes (B, KiB, MiB, GiB, kB, "
				  "MB, GB) is needed, not" : measures[m].unit == UNIT_PERCENT ? "a percentage is needed, not"
				  : "a count is needed, not", words[2 + with_selector]);
	if (r->n == r->capacity) {
		size_t cap = r->capacity ? 2 * r->capacity : 16;
		struct rule *list = realloc(r->list, cap * sizeof(*list));
		if (!list)
			return rs_error_nomem();
		r->list = list;
		r->capacity = cap;
	}
	size_t len = 0;
	char *joined = NULL;
	FILE *f = open_memstream(&joined, &len);
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", words[i]);
	if (!f || fclose(f) != 0)
		return rs_error_nomem();
	rule.text = joined;
	rule.selector = with_selector ? strdup(words[1]) : NULL;
	if (with_selector && !rule.selector) {
		free(joined);
		return rs_error_nomem();
	}
	r->list[r->n++] = rule;
	return NULL;
}

static rs_error *rules_read(const char *path, struct rules *r)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rs_error_new(RS_ERR_USAGE, "cannot read the rules file %s: %s", path, strerror(errno));
	char *line = NULL;
	size_t size = 0;
	rs_error *err = NULL;
	for (int number = 1; !err && getline(&line, &size, f) >= 0; number++)
		err = rule_parse(path, number, line, r);
	free(line);
	fclose(f);
	if (!err && r->n == 0)
		err = rs_error_new(RS_ERR_USAGE, "the rules file %s holds no rule", path);
	return err;
}

/* Per type, whether GLOB names it: its tp_name or its module.qualname. */
static bool *types_matching(struct rs_command_context *ctx, const char *glob)
{
	size_t n = rs_heap_type_count(ctx->heap);
	bool *match = calloc(n + 1, sizeof(*match));
	for (size_t t = 0; match && t < n; t++) {
		char qualified[512];
		match[t] = fnmatch(glob, rs_heap_type(ctx->heap, (uint32_t)t)->name, 0) == 0 ||
			   (rs_heap_type_qualified_name(ctx->target, ctx->heap, (uint32_t)t, qualified, sizeof(qualified)) &&
			    fnmatch(glob, qualified, 0) == 0);
	}
	return match;
}

static rs_error *measure_types(struct rs_command_context *ctx, struct rule *rule)
{
	bool *match = types_matching(ctx, rule->selector);
	if (!match)
		return rs_error_nomem();
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	double value = 0;
	for (size_t i = 0; i < rs_heap_reached_count(ctx->heap); i++)
		if (match[objects[i].type])
			value += rule->measure == M_TYPE_BYTES ? objects[i].size : 1;
	free(match);
	rule->value = value;
	return NULL;
}

static rs_error *measure_totals(struct rs_command_context *ctx, struct rule *rule)
{
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	size_t n = rs_heap_reached_count(ctx->heap);
	double bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += objects[i].size;
	rule->value = rule->measure == M_TOTAL_BYTES ? bytes : (double)n;
	return NULL;
}

static rs_error *measure_garbage(struct rs_command_context *ctx, struct rule *rule)
{
	struct rs_garbage g;
	rs_error *err = rs_heap_garbage(ctx->target, ctx->heap, &g);
	if (err)
		return err;
	if (rule->measure == M_GARBAGE_OBJECTS)
		rule->value = (double)g.objects;
	else if (rule->measure == M_GARBAGE_BYTES)
		rule->value = (double)g.bytes;
	else {
		size_t with_finalizer = 0;
		for (size_t k = 0; k < g.groups.count; k++)
			for (uint64_t m = g.groups.start[k]; m < g.groups.start[k + 1]; m++)
				if (g.finalizer[g.groups.members[m]] != RS_FINALIZER_NONE) {
					with_finalizer++;
					break;
				}
		rule->value = (double)with_finalizer;
	}
	rs_garbage_free(&g);
	return NULL;
}

static rs_error *measure_suspects(struct rs_command_context *ctx, struct rule *rule)
{
	struct rs_refcount_suspect *suspects;
	size_t n;
	rs_error *err = rs_refcount_suspects(ctx, &suspects, &n);
	if (err)
		return err;
	bool *match = rule->selector ? types_matching(ctx, rule->selector) : NULL;
	if (rule->selector && !match) {
		free(suspects);
		return rs_error_nomem();
	}
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += !match || match[objects[suspects[i].object].type];
	free(match);
	free(suspects);
	rule->value = (double)count;
	return NULL;
}

/* The largest retained size of one live object, as a share of the heap. */
static rs_error *measure_retained_share(struct rs_command_context *ctx, struct rule *rule)
{
	const struct rs_dominators *d;
	rs_error *err = rs_dominators_of_session(ctx, &d);
	if (err)
		return err;
	uint64_t largest = 0;
	for (size_t i = 0; i < d->count; i++)
		if (d->idom[i] != RS_DOMINATOR_GARBAGE && d->idom[i] != RS_NO_OBJECT && d->retained[i] > largest)
			largest = d->retained[i];
	rule->value = d->total ? 100.0 * (double)largest / (double)d->total : 0;
	return NULL;
}

static rs_error *rule_measure(struct rs_command_context *ctx, struct rule *rule)
{
	switch (rule->measure) {
	case M_TOTAL_BYTES:
	case M_TOTAL_OBJECTS:
		return measure_totals(ctx, rule);
	case M_TYPE_BYTES:
	case M_TYPE_COUNT:
		return measure_types(ctx, rule);
	case M_GARBAGE_OBJECTS:
	case M_GARBAGE_BYTES:
	case M_GARBAGE_FINALIZER_GROUPS:
		return measure_garbage(ctx, rule);
	case M_SUSPECTS:
		return measure_suspects(ctx, rule);
	default:
		return measure_retained_share(ctx, rule);
	}
}

static bool rule_holds(const struct rule *r)
{
	switch (r->op) {
	case OP_LE:
		return r->value <= r->limit;
	case OP_LT:
		return r->value < r->limit;
	case OP_GE:
		return r->value >= r->limit;
	case OP_GT:
		return r->value > r->limit;
	default:
		return r->value == r->limit;
	}
}

static json_object *number_doc(double value, enum unit unit)
{
	if (unit == UNIT_PERCENT) {
		char text[32];
		snprintf(text, sizeof(text), "%.3f", value);
		return json_object_new_double_s(round(value * 1000) / 1000, text);
	}
	return json_object_new_int64((int64_t)llround(value));
}

static rs_error *audit_build(struct rs_command_context *ctx, json_object **out)
{
	if (!ctx->opts.rules)
		return rs_error_new(RS_ERR_USAGE, "audit needs --rules FILE");
	struct rules rules = {NULL, 0, 0};
	rs_error *err = rules_read(ctx->opts.rules, &rules);
	if (!err)
		err = rs_heap_graph_build(ctx->target, ctx->heap);
	for (size_t i = 0; !err && i < rules.n; i++)
		err = rule_measure(ctx, &rules.list[i]);
	if (err) {
		rules_free(&rules);
		return err;
	}
	json_object *doc = json_object_new_object(), *list = json_object_new_array();
	size_t broken = 0;
	for (size_t i = 0; i < rules.n; i++) {
		const struct rule *r = &rules.list[i];
		bool holds = rule_holds(r);
		broken += !holds;
		json_object *row = json_object_new_object();
		json_object_object_add(row, "rule", json_object_new_string(r->text));
		json_object_object_add(row, "line", json_object_new_int(r->line));
		json_object_object_add(row, "measure", json_object_new_string(measures[r->measure].name));
		json_object_object_add(row, "selector", r->selector ? json_object_new_string(r->selector) : NULL);
		json_object_object_add(row, "op", json_object_new_string(op_names[r->op]));
		json_object_object_add(row, "limit", number_doc(r->limit, measures[r->measure].unit));
		json_object_object_add(row, "value", number_doc(r->value, measures[r->measure].unit));
		json_object_object_add(row, "holds", json_object_new_boolean(holds));
		json_object_array_add(list, row);
	}
	json_object_object_add(doc, "rules_file", json_object_new_string(ctx->opts.rules));
	json_object_object_add(doc, "rules", list);
	json_object_object_add(doc, "broken", json_object_new_int64((int64_t)broken));
	ctx->verdict = broken ? RS_VERDICT_BROKEN : 0;
	rules_free(&rules);
	*out = doc;
	return NULL;
}

static void value_format(json_object *row, const char *key, char *buf, size_t size)
{
	json_object *v;
	json_object_object_get_ex(row, key, &v);
	const char *measure = rs_json_str(row, "measure");
	enum unit unit = UNIT_COUNT;
	for (int i = 0; i < M_COUNT; i++)
		if (strcmp(measure, measures[i].name) == 0)
			unit = measures[i].unit;
	if (unit == UNIT_PERCENT)
		snprintf(buf, size, "%.2f%%", json_object_get_double(v));
	else if (unit == UNIT_BYTES)
		rs_format_bytes((uint64_t)json_object_get_int64(v), buf, size);
	else
		snprintf(buf, size, "%" PRId64, json_object_get_int64(v));
}

static void audit_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *rules;
	json_object_object_get_ex(doc, "rules", &rules);
	size_t n = json_object_array_length(rules);
	static const char *const headers[] = {"verdict", "value", "limit", "rule"};
	struct rs_table *table = rs_table_new(4, headers, "lrrl");
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rules, i);
		char value[32], limit[40], rule[600];
		value_format(row, "value", value, sizeof(value));
		char bound[32];
		value_format(row, "limit", bound, sizeof(bound));
		snprintf(limit, sizeof(limit), "%s %s", rs_json_str(row, "op"), bound);
		snprintf(rule, sizeof(rule), "%s (line %" PRId64 ")", rs_json_str(row, "rule"), rs_json_int(row, "line"));
		const char *cells[] = {rs_json_bool(row, "holds") ? "holds" : "BROKEN", value, limit, rule};
		rs_table_row(table, cells);
	}
	rs_table_print(table, out, "");
	rs_table_free(table);
	int64_t broken = rs_json_int(doc, "broken");
	if (broken)
		fprintf(out, "%" PRId64 " of %zu rules broken\n", broken, n);
	else
		fprintf(out, "all %zu rules hold\n", n);
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_audit = {
	.name = "audit",
	.summary = "--rules FILE: check the heap against limits (exit 3 when one is broken)",
	.needs_heap = true,
	.build = audit_build,
	.render = audit_render,
};
