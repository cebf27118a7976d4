/* SPDX-License-Identifier: GPL-2.0-only */
/* The text of an errno value, with its number when the C library has no text. */
#ifndef NSPING_ERRTEXT_H
#define NSPING_ERRTEXT_H

const char *nsp_strerror(int err);

#endif
