#include "heap.h"

#include <inttypes.h>

#define ADDRESS_BITS 48
#define REFCNT_MAX (((int64_t)1 << 47) - 1)
#define REFCNT_MIN (-((int64_t)1 << 47))

_Static_assert(sizeof(struct rs_object) == 24, "an rs_object is 24 bytes");

bool rs_object_init(struct rs_object *o, const struct rs_layout *layout, struct rs_diag *diag, uint64_t address,
		    uint64_t refcnt_word, uint32_t type, uint16_t interp, uint8_t generation)
{
	if (address >> ADDRESS_BITS)
		return false;
	int64_t refcnt = (int64_t)refcnt_word;
	uint8_t flags = 0;
	/* From 3.12 an immortal object's count is its low 32 bits, with the top one set. */
	if (layout->immortal_refcounts && (int32_t)(uint32_t)refcnt_word < 0) {
		flags |= RS_IMMORTAL;
		refcnt = (int64_t)(uint32_t)refcnt_word;
	}
	if (refcnt > REFCNT_MAX || refcnt < REFCNT_MIN) {
		flags |= RS_REFCNT_CLAMPED;
		int64_t kept = refcnt > REFCNT_MAX ? REFCNT_MAX : REFCNT_MIN;
		rs_diag_add(diag, "object at 0x%" PRIx64 " has a reference count of %" PRId64 ", past 2^47: "
			    "corrupt, kept as %" PRId64, address, refcnt, kept);
		refcnt = kept;
	}
	*o = (struct rs_object){.address = address, .interp = interp, .refcnt = refcnt, .generation = generation,
				.flags = flags, .type = type, .size = 0};
	return true;
}
