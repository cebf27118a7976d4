// SPDX-License-Identifier: GPL-2.0-only
/*
 * build/nsping is linked fully statically (the Makefile says why).  A static
 * glibc cannot load the NSS modules that name lookups need, and nsping never
 * looks up a name: every address in the configuration is a dotted quad and
 * every protocol a number.  Three libnl helpers that nsping does not call
 * (nl_addr_info, nl_str2ip_proto, nl_ip_proto2str) still reference glibc's
 * NSS functions.  The link routes those references here (--wrap), so a call
 * that should never happen fails cleanly instead of trying to dlopen a
 * module.  (GNU ld then left glibc's NSS code out of the binary; ld.lld still
 * links it in, unused.)  The default build links musl, which loads no modules
 * but whose getaddrinfo() would read /etc/hosts or ask a DNS server: the same
 * routing keeps that out too.
 */
#include <errno.h>
#include <netdb.h>
#include <stddef.h>

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);
struct protoent *__wrap_getprotobyname(const char *name);
struct protoent *__wrap_getprotobynumber(int proto);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	(void)node, (void)service, (void)hints, (void)res;
	errno = ENOSYS;
	return EAI_SYSTEM;
}

struct protoent *__wrap_getprotobyname(const char *name)
{
	(void)name;
	return NULL;
}

struct protoent *__wrap_getprotobynumber(int proto)
{
	(void)proto;
	return NULL;
}
