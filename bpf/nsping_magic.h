/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nsping probe constants and the MAGIC arithmetic, shared by the BPF
 * programs, the ping worker and the test gateway.  Only <linux/types.h>
 * types, so it compiles for -target bpf and for user space alike.
 *
 * The probe is a TCP SYN to port NSP_DEFAULT_PORT whose timestamps option
 * carries MAGIC in TSval, in network byte order like every TCP field:
 *
 *	MAGIC 0x4E535047 ("NSPG") -> TSval bytes on the wire: 4E 53 50 47
 *
 * The trap.  The gateway's data path does not read TSval with ntohl(): it
 * loads the four option bytes as a host-order u32 on a little-endian CPU
 * (0x4750534E for the bytes above) and works on that value:
 *
 *	raw == MAGIC's raw value      -> a probe: raw -= 1, fix the TCP
 *	                                 checksum, forward it;
 *	raw == that decrement         -> MAGIC_PASS: hand the packet to the
 *	                                 kernel stack, which answers it.
 *
 * So the decrement lands on the FIRST byte on the wire, not the last:
 *
 *	4E 53 50 47  --gateway-->  4D 53 50 47  (ntohl: 0x4D535047)
 *
 * and not on 4E 53 50 46 (ntohl(TSval) - 1 = 0x4E535046), which is what a
 * reader who thinks in network order expects.  When the first wire byte is
 * 00 the borrow runs towards the later bytes (00 00 00 01 -> FF FF FF 00).
 * Never compare ntohl(TSval) with MAGIC - 1; compare raw values with the
 * helpers below, which are right on either CPU endianness.
 *
 * "raw" below always means the u32 that memcpy() of the four TSval bytes
 * yields on the CPU running the code; only equality is meaningful on it.
 */
#ifndef NSPING_MAGIC_H
#define NSPING_MAGIC_H

#include <linux/types.h>

#define NSP_DEFAULT_PORT  10086
#define NSP_DEFAULT_MAGIC 0x4E535047U /* "NSPG" */
/*
 * The worker's source ports, so the replies' destination ports: above
 * Linux's ephemeral range (32768..60999), so that rx_ping never takes a
 * reply to one of the node's own connections.
 */
#define NSP_DEFAULT_SPORT_MIN 61000
#define NSP_DEFAULT_SPORT_MAX 65535

/* TCP timestamps option: kind, length, then TSval and TSecr (RFC 7323). */
#define NSP_TCPOPT_TIMESTAMP  8
#define NSP_TCPOLEN_TIMESTAMP 10

#ifndef NSP_INLINE
#define NSP_INLINE static inline __attribute__((always_inline))
#endif

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__)
#error "nsping_magic.h needs the compiler's __BYTE_ORDER__"
#endif

/* Byte order, usable from BPF C and user-space C; constant-folded at -O2. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NSP_HTONS(x)   ((__u16)__builtin_bswap16((__u16)(x)))
#define NSP_HTONL(x)   ((__u32)__builtin_bswap32((__u32)(x)))
#define NSP_TO_LE32(x) ((__u32)(x))
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NSP_HTONS(x)   ((__u16)(x))
#define NSP_HTONL(x)   ((__u32)(x))
#define NSP_TO_LE32(x) ((__u32)__builtin_bswap32((__u32)(x)))
#else
#error "unsupported byte order"
#endif

NSP_INLINE __be16 nsp_htons(__u16 x)
{
	return (__be16)NSP_HTONS(x);
}

NSP_INLINE __u16 nsp_ntohs(__be16 x)
{
	return NSP_HTONS(x);
}

NSP_INLINE __be32 nsp_htonl(__u32 x)
{
	return (__be32)NSP_HTONL(x);
}

NSP_INLINE __u32 nsp_ntohl(__be32 x)
{
	return NSP_HTONL(x);
}

NSP_INLINE __u32 nsp_le32_to_cpu(__le32 x)
{
	return NSP_TO_LE32(x);
}

NSP_INLINE __le32 nsp_cpu_to_le32(__u32 x)
{
	return (__le32)NSP_TO_LE32(x);
}

/* The raw TSval of a probe that carries magic: the bytes are htonl(magic). */
NSP_INLINE __u32 nsp_magic_raw(__u32 magic)
{
	return (__u32)nsp_htonl(magic);
}

/*
 * What the gateway leaves in the TSval bytes after its decrement: it reads
 * them as a little-endian u32 and subtracts one.  Takes and returns raw.
 */
NSP_INLINE __u32 nsp_magic_gw_decrement(__u32 raw)
{
	return (__u32)nsp_cpu_to_le32(nsp_le32_to_cpu((__le32)raw) - 1);
}

/* MAGIC_PASS: the raw TSval that the gateway hands to its kernel stack. */
NSP_INLINE __u32 nsp_magic_pass_raw(__u32 magic)
{
	return nsp_magic_gw_decrement(nsp_magic_raw(magic));
}

/* A probe as the worker sends it (the gateway will decrement and forward). */
NSP_INLINE int nsp_magic_is_probe(__u32 raw, __u32 magic)
{
	return raw == nsp_magic_raw(magic);
}

/* A probe the gateway decremented: its kernel stack answers this one. */
NSP_INLINE int nsp_magic_is_answered_probe(__u32 raw, __u32 magic)
{
	return raw == nsp_magic_pass_raw(magic);
}

/*
 * Incremental TCP checksum update for the gateway's rewrite of TSval
 * (RFC 1624, eqn. 3).  csum_raw is the memcpy-loaded checksum field; the
 * result is the new raw field.  One's complement sums do not care about
 * byte order as long as every word is loaded the same way, so raw values
 * work on either endianness, provided the four bytes start at an even
 * offset from the TCP header (the usual NOP,NOP,TS or SACK_PERM,TS layouts;
 * Linux puts TSval at offset 24 or 28).
 */
NSP_INLINE __u16 nsp_csum_replace_raw32(__u16 csum_raw, __u32 old_raw, __u32 new_raw)
{
	__u32 sum = (__u16)~csum_raw;

	sum += (__u16)~old_raw;
	sum += (__u16) ~(old_raw >> 16);
	sum += (__u16)new_raw;
	sum += (__u16)(new_raw >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* NSPING_MAGIC_H */
