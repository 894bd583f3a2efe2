#include "symbol_table.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>

static uint8_t binding_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

static int by_start(const void *a, const void *b)
{
	const struct rs_symbol_entry *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

/* Like libdw: a symbol names an address when it is defined, named, and not a
 * section, file or TLS symbol. Those that are not still cover addresses. */
static bool names_addresses(const char *name, const GElf_Sym *sym)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);
	return name[0] && type != STT_SECTION && type != STT_FILE && type != STT_TLS;
}

bool rs_symbol_table_build(struct Dwfl_Module *mod, struct rs_symbol_table *table)
{
	table->entries = NULL;
	table->count = 0;
	int n = dwfl_module_getsymtab(mod);
	if (n <= 1)
		return true;
	table->entries = malloc((size_t)n * sizeof(*table->entries));
	if (!table->entries)
		return false;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr address;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &address, NULL, NULL, NULL);
		if (!name || sym.st_shndx == SHN_UNDEF || sym.st_size == 0)
			continue;
		table->entries[table->count++] = (struct rs_symbol_entry){
			.start = address,
			.end = address + sym.st_size,
			.name = names_addresses(name, &sym) ? name : NULL,
			.binding = binding_rank(sym.st_info),
		};
	}
	qsort(table->entries, table->count, sizeof(*table->entries), by_start);
	uint64_t end_max = 0;
	for (size_t i = 0; i < table->count; i++) {
		if (table->entries[i].end > end_max)
			end_max = table->entries[i].end;
		table->entries[i].end_max = end_max;
	}
	return true;
}

void rs_symbol_table_free(struct rs_symbol_table *table)
{
	free(table->entries);
	table->entries = NULL;
	table->count = 0;
}

static bool better(const struct rs_symbol_entry *candidate, const struct rs_symbol_entry *best)
{
	if (!best)
		return true;
	if (candidate->start != best->start)
		return candidate->start > best->start;
	if (candidate->end != best->end)
		return candidate->end < best->end;
	return candidate->binding > best->binding;
}

enum rs_symbol_answer rs_symbol_table_lookup(const struct rs_symbol_table *table, uint64_t address,
					     const char **name, uint64_t *offset)
{
	/* The first entry starting past the address. */
	size_t lo = 0, hi = table->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table->entries[mid].start <= address)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct rs_symbol_entry *best = NULL;
	bool covered = false;
	/* Back while some entry at or before i may still reach the address. */
	for (size_t i = lo; i-- > 0 && table->entries[i].end_max > address;) {
		const struct rs_symbol_entry *e = &table->entries[i];
		if (e->end <= address)
			continue;
		covered = true;
		if (e->name && better(e, best))
			best = e;
	}
	if (best) {
		*name = best->name;
		*offset = address - best->start;
		return RS_SYMBOL_FOUND;
	}
	return covered ? RS_SYMBOL_NONE : RS_SYMBOL_UNSIZED;
}
