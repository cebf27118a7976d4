// SPDX-License-Identifier: GPL-2.0-only
/*
 * Start-up prefault of the executable's read-only segments.
 *
 * A no-op `apply` lasts about 3 ms, most of it the kernel starting the
 * process. nsping is one static binary with 1.2 MB of code and 0.4 MB of
 * read-only data, and each first touch of one of their 64 KB fault-around
 * windows is a page fault. On a paravirtualised VM a fault is a trap to the
 * hypervisor and costs about 12 us, while MADV_POPULATE_READ maps the same
 * page-cache pages from inside the kernel with no trap. The C library's
 * start-up has taken its faults before any constructor runs; the rest of a
 * no-op run took 5-7 more, and this saves about 0.15-0.2 ms per run there
 * (docs/DESIGN.md, "Start-up cost"). On bare metal both are cheap.
 *
 * Only the segments that are never written: their pages are the page
 * cache's, shared with every other nsping, so populating them costs no
 * memory. Writable data is left alone (copy-on-write per page, no gain).
 */
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

static int populate_read_only(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		/* best effort: an old kernel's EINVAL leaves the pages to fault */
		madvise((void *)start, end - start, MADV_POPULATE_READ);
	}
	return 1; /* the executable comes first; shared objects are not ours */
}

void nsp_prefault_image(void)
{
	dl_iterate_phdr(populate_read_only, NULL);
}
