/* Unit tests: struct layouts from DWARF (symbols/dwarf_types.c).
 *
 * The type definitions below are compiled twice: into this test, where
 * offsetof and sizeof give the truth, and (as text) into a small shared object
 * built with `cc -g` at test time, whose DWARF the library reads. The shared
 * object has two units: the first only declares some of the structs, so the
 * index must skip declarations and find the definitions in the second. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbols/dwarf_types.h"

/* ---- the types, here and in the generated source -------------------------- */

#define TYPE_DEFS                                                                          \
	typedef struct inner {                                                             \
		char c;                                                                    \
		long l;                                                                    \
		short s;                                                                   \
	} inner_t;                                                                         \
	struct outer {                                                                     \
		int a;                                                                     \
		inner_t in;                                                                \
		struct inner in2;                                                          \
		union {                                                                    \
			int u_int;                                                         \
			double u_dbl;                                                      \
			struct {                                                           \
				char deep_c;                                               \
				int deep_i;                                                \
			};                                                                 \
		};                                                                         \
		struct {                                                                   \
			char s1;                                                           \
			long s2;                                                           \
		};                                                                         \
		inner_t arr[3];                                                            \
		const volatile inner_t cv;                                                 \
		struct outer *next;                                                        \
		struct {                                                                   \
			void *head;                                                        \
			long count;                                                        \
		} named;                                                                   \
		char tail;                                                                 \
	};                                                                                 \
	typedef struct outer outer_t;                                                      \
	typedef outer_t outer_alias_t;                                                     \
	union top_union {                                                                  \
		char bytes[24];                                                            \
		struct inner in;                                                           \
		long l;                                                                    \
	};                                                                                 \
	typedef struct {                                                                   \
		int x;                                                                     \
		char name[13];                                                             \
		double d;                                                                  \
	} anon_typedef_t;                                                                  \
	struct split {                                                                     \
		int x;                                                                     \
		char pad[20];                                                              \
		long y;                                                                    \
	};                                                                                 \
	typedef struct split split_t;                                                      \
	struct bits {                                                                      \
		int a;                                                                     \
		unsigned f1 : 3;                                                           \
		unsigned f2 : 5;                                                           \
		long after;                                                                \
	};

TYPE_DEFS

#define STR_(x) #x
#define STR(x) STR_(x)

/* First unit: declarations only (and a use, so that they are emitted). */
static const char unit_a[] =
	"struct split; typedef struct split split_t; struct decl_only;\n"
	"struct split *a_split; split_t *a_split_t; struct decl_only *a_decl;\n"
	"int a_func(void) { return a_split != 0; }\n";

/* Second unit: the definitions, each used. */
static const char unit_b[] =
	STR(TYPE_DEFS) "\n"
	"outer_alias_t b_outer; union top_union b_union; anon_typedef_t b_anon;\n"
	"split_t b_split; struct bits b_bits; inner_t b_inner;\n";

/* ---- fixture -------------------------------------------------------------- */

static const char *const NAMES[] = {
	"inner",      "inner_t",  "outer",      "outer_t", "outer_alias_t", "top_union",
	"anon_typedef_t", "split", "split_t",   "bits",    "decl_only",     "missing_struct",
};
#define N_NAMES (sizeof(NAMES) / sizeof(NAMES[0]))

struct fixture {
	char dir[64];
	int fd;
	Dwarf *dwarf;
	struct rs_dwarf_types *types;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Builds the shared object with the given -g option and indexes NAMES. */
static int setup_with(void **state, const char *gflag)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->fd = -1;
	*state = fx;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/refscope-dwarf-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	char a[128], b[128], so[128], cmd[1024];
	snprintf(a, sizeof(a), "%s/a.c", fx->dir);
	snprintf(b, sizeof(b), "%s/b.c", fx->dir);
	snprintf(so, sizeof(so), "%s/types.so", fx->dir);
	if (write_text(a, unit_a) || write_text(b, unit_b))
		return -1;
	const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	snprintf(cmd, sizeof(cmd), "%s %s -O0 -std=gnu11 -shared -fPIC -o %s %s %s", cc, gflag, so, a, b);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	fx->fd = open(so, O_RDONLY | O_CLOEXEC);
	if (fx->fd < 0)
		return -1;
	fx->dwarf = dwarf_begin(fx->fd, DWARF_C_READ);
	if (!fx->dwarf)
		return -1;
	fx->types = rs_dwarf_types_index(fx->dwarf, NAMES, N_NAMES);
	return fx->types ? 0 : -1;
}

static int setup_default(void **state)
{
	return setup_with(state, "-g");
}

static int setup_dwarf4(void **state)
{
	return setup_with(state, "-gdwarf-4");
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	rs_dwarf_types_free(fx->types);
	if (fx->dwarf)
		dwarf_end(fx->dwarf);
	if (fx->fd >= 0)
		close(fx->fd);
	int rc = fx->dir[0] ? nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) : 0;
	free(fx);
	return rc;
}

#define OFF(fx, type, path) rs_dwarf_member_offset((fx)->types, type, path)
#define SIZE(fx, type) rs_dwarf_type_size((fx)->types, type)

/* ---- tests ---------------------------------------------------------------- */

static void test_plain_members(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(OFF(fx, "inner", "c"), offsetof(struct inner, c));
	assert_int_equal(OFF(fx, "inner", "l"), offsetof(struct inner, l));
	assert_int_equal(OFF(fx, "inner", "s"), offsetof(struct inner, s));
	assert_int_equal(OFF(fx, "outer", "a"), offsetof(struct outer, a));
	assert_int_equal(OFF(fx, "outer", "in"), offsetof(struct outer, in));
	assert_int_equal(OFF(fx, "outer", "in2"), offsetof(struct outer, in2));
	assert_int_equal(OFF(fx, "outer", "arr"), offsetof(struct outer, arr));
	assert_int_equal(OFF(fx, "outer", "cv"), offsetof(struct outer, cv));
	assert_int_equal(OFF(fx, "outer", "next"), offsetof(struct outer, next));
	assert_int_equal(OFF(fx, "outer", "named"), offsetof(struct outer, named));
	assert_int_equal(OFF(fx, "outer", "tail"), offsetof(struct outer, tail));
	assert_int_equal(OFF(fx, "anon_typedef_t", "name"), offsetof(anon_typedef_t, name));
	assert_int_equal(OFF(fx, "anon_typedef_t", "d"), offsetof(anon_typedef_t, d));
	assert_int_equal(OFF(fx, "bits", "after"), offsetof(struct bits, after));
	/* Union members all sit at 0. */
	assert_int_equal(OFF(fx, "top_union", "l"), 0);
	assert_int_equal(OFF(fx, "top_union", "in"), 0);
}

static void test_typedefs(void **state)
{
	struct fixture *fx = *state;
	/* A typedef, and a typedef of a typedef, resolve to the struct. */
	assert_int_equal(OFF(fx, "inner_t", "l"), offsetof(inner_t, l));
	assert_int_equal(OFF(fx, "outer_t", "tail"), offsetof(outer_t, tail));
	assert_int_equal(OFF(fx, "outer_alias_t", "tail"), offsetof(outer_alias_t, tail));
	assert_int_equal(OFF(fx, "outer_alias_t", "named.count"), offsetof(outer_alias_t, named.count));
}

static void test_dotted_paths(void **state)
{
	struct fixture *fx = *state;
	/* Through a typedef'd member, a plain struct member, a const volatile one
	 * and a named member of anonymous struct type. */
	assert_int_equal(OFF(fx, "outer", "in.l"), offsetof(struct outer, in.l));
	assert_int_equal(OFF(fx, "outer", "in.s"), offsetof(struct outer, in.s));
	assert_int_equal(OFF(fx, "outer", "in2.s"), offsetof(struct outer, in2.s));
	assert_int_equal(OFF(fx, "outer", "cv.l"), offsetof(struct outer, cv.l));
	assert_int_equal(OFF(fx, "outer", "named.head"), offsetof(struct outer, named.head));
	assert_int_equal(OFF(fx, "outer", "named.count"), offsetof(struct outer, named.count));
	assert_int_equal(OFF(fx, "top_union", "in.s"), offsetof(union top_union, in.s));
}

static void test_anonymous_members(void **state)
{
	struct fixture *fx = *state;
	/* Members of anonymous unions and structs are found through them. */
	assert_int_equal(OFF(fx, "outer", "u_int"), offsetof(struct outer, u_int));
	assert_int_equal(OFF(fx, "outer", "u_dbl"), offsetof(struct outer, u_dbl));
	assert_int_equal(OFF(fx, "outer", "deep_c"), offsetof(struct outer, deep_c));
	assert_int_equal(OFF(fx, "outer", "deep_i"), offsetof(struct outer, deep_i));
	assert_int_equal(OFF(fx, "outer", "s1"), offsetof(struct outer, s1));
	assert_int_equal(OFF(fx, "outer", "s2"), offsetof(struct outer, s2));
	assert_int_equal(OFF(fx, "outer_alias_t", "deep_i"), offsetof(struct outer, deep_i));
}

static void test_sizes(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(SIZE(fx, "inner"), sizeof(struct inner));
	assert_int_equal(SIZE(fx, "inner_t"), sizeof(inner_t));
	assert_int_equal(SIZE(fx, "outer"), sizeof(struct outer));
	assert_int_equal(SIZE(fx, "outer_alias_t"), sizeof(outer_alias_t));
	assert_int_equal(SIZE(fx, "top_union"), sizeof(union top_union));
	assert_int_equal(SIZE(fx, "anon_typedef_t"), sizeof(anon_typedef_t));
	assert_int_equal(SIZE(fx, "bits"), sizeof(struct bits));
}

static void test_declarations_skipped(void **state)
{
	struct fixture *fx = *state;
	/* The first unit only declares struct split (and split_t on top of the
	 * declaration); the definition in the second unit is the one used. */
	assert_int_equal(OFF(fx, "split", "y"), offsetof(struct split, y));
	assert_int_equal(OFF(fx, "split_t", "y"), offsetof(split_t, y));
	assert_int_equal(SIZE(fx, "split"), sizeof(struct split));
	assert_int_equal(SIZE(fx, "split_t"), sizeof(split_t));
	/* A struct that is only ever declared has no layout. */
	assert_int_equal(OFF(fx, "decl_only", "x"), -1);
	assert_int_equal(SIZE(fx, "decl_only"), -1);
}

static void test_missing(void **state)
{
	struct fixture *fx = *state;
	/* A struct the DWARF does not have, and a name that was not indexed. */
	assert_int_equal(OFF(fx, "missing_struct", "a"), -1);
	assert_int_equal(SIZE(fx, "missing_struct"), -1);
	assert_int_equal(OFF(fx, "not_indexed", "a"), -1);
	assert_int_equal(SIZE(fx, "not_indexed"), -1);
	/* Members that are not there. */
	assert_int_equal(OFF(fx, "outer", "nope"), -1);
	assert_int_equal(OFF(fx, "outer", "s"), -1);    /* only s1 and s2 */
	assert_int_equal(OFF(fx, "outer", "tai"), -1);  /* a prefix of tail */
	assert_int_equal(OFF(fx, "outer", "tails"), -1);
	assert_int_equal(OFF(fx, "outer", ""), -1);
	assert_int_equal(OFF(fx, "outer", "in.nope"), -1);
	assert_int_equal(OFF(fx, "outer", "in."), -1);
	assert_int_equal(OFF(fx, "outer", "in.l.x"), -1);  /* l is a long */
	assert_int_equal(OFF(fx, "outer", "next.a"), -1);  /* next is a pointer */
	assert_int_equal(OFF(fx, "outer", "arr.c"), -1);   /* arr is an array */
	assert_int_equal(OFF(fx, "top_union", "nope"), -1);
}

static void test_index_empty(void **state)
{
	struct fixture *fx = *state;
	/* No names at all. */
	struct rs_dwarf_types *none = rs_dwarf_types_index(fx->dwarf, NULL, 0);
	assert_non_null(none);
	assert_int_equal(rs_dwarf_member_offset(none, "outer", "a"), -1);
	assert_int_equal(rs_dwarf_type_size(none, "outer"), -1);
	rs_dwarf_types_free(none);
	rs_dwarf_types_free(NULL);

	/* A second index over the same DWARF agrees with the first. */
	static const char *const one[] = {"outer_t"};
	struct rs_dwarf_types *t = rs_dwarf_types_index(fx->dwarf, one, 1);
	assert_non_null(t);
	assert_int_equal(rs_dwarf_member_offset(t, "outer_t", "deep_i"), offsetof(struct outer, deep_i));
	assert_int_equal(rs_dwarf_member_offset(t, "outer", "a"), -1); /* not asked for */
	rs_dwarf_types_free(t);
}

/* The byte holding the first bit of a bit-field, found by setting it. */
#define BITFIELD_BYTE(type, member)                                                      \
	({                                                                                 \
		union {                                                                    \
			type v;                                                            \
			unsigned char b[sizeof(type)];                                     \
		} u_;                                                                      \
		memset(&u_, 0, sizeof(u_));                                                \
		u_.v.member = 1;                                                           \
		int at_ = -1;                                                              \
		for (size_t i_ = 0; i_ < sizeof(type) && at_ < 0; i_++)                    \
			if (u_.b[i_])                                                      \
				at_ = (int)i_;                                             \
		at_;                                                               \
	})

/* Regression tests for bugs found and fixed in the library: a read running
 * from saved into filtered memory, the truncation total, DWARF 5 bit-fields. */
static void test_fixed_bugs(void **state)
{
	struct fixture *fx = *state;
	/* DWARF 5 gives bit-fields DW_AT_data_bit_offset and no
	 * DW_AT_data_member_location: they must not come back as offset 0. */
	assert_int_equal(OFF(fx, "bits", "f1"), BITFIELD_BYTE(struct bits, f1));
	assert_int_equal(OFF(fx, "bits", "f2"), BITFIELD_BYTE(struct bits, f2));
}

#define ALL_TESTS                                                                          \
	cmocka_unit_test(test_plain_members), cmocka_unit_test(test_typedefs),               \
	cmocka_unit_test(test_dotted_paths), cmocka_unit_test(test_anonymous_members),       \
	cmocka_unit_test(test_sizes), cmocka_unit_test(test_declarations_skipped),           \
	cmocka_unit_test(test_missing), cmocka_unit_test(test_index_empty),                  \
	cmocka_unit_test(test_fixed_bugs)

int main(void)
{
	/* The shared object is built once per group; every test gets it as state. */
	const struct CMUnitTest tests[] = {ALL_TESTS};
	int failed = cmocka_run_group_tests_name("dwarf_types (cc -g)", tests, setup_default, teardown);
	failed += cmocka_run_group_tests_name("dwarf_types (cc -gdwarf-4)", tests, setup_dwarf4, teardown);
	return failed;
}
