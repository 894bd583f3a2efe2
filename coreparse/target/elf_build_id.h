#ifndef RS_TARGET_ELF_BUILD_ID_H
#define RS_TARGET_ELF_BUILD_ID_H

#include <gelf.h>
#include <stddef.h>

/* Finds the GNU build-id note through the program headers (sections may be
 * absent: the image can be the first page of a mapping copied from a core).
 * Returns its length, 0 when there is none; *id points into elf's data. */
size_t elf_build_id(Elf *elf, const unsigned char **id);

#endif
