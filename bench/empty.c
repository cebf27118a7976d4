// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench's floor: a process that does nothing, linked as build/nsping is
 * (static, musl), so that "nsping's time above the floor" is nsping's own
 * work. /bin/true, dynamic and on glibc, costs more to start than nsping's
 * whole no-op (musl/README.md).
 */
int main(void)
{
	return 0;
}
