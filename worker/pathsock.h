/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sockets of one probe path, opened in the calling thread's netns: a raw
 * TCP socket that sends the probes (IP_HDRINCL) and reads SYN-ACKs and RSTs,
 * a raw ICMP socket for the errors that quote a probe, and a UDP socket used
 * only to ask the kernel for the source address and the link state. Classic
 * BPF filters keep every other packet of the namespace out of the queues.
 */
#ifndef NSPING_PATHSOCK_H
#define NSPING_PATHSOCK_H

#include <stdint.h>

struct nsp_path_socks {
	int tcp;
	int icmp;
	int udp;
};

#define NSP_PATH_SOCKS_NONE ((struct nsp_path_socks){.tcp = -1, .icmp = -1, .udp = -1})

/*
 * Opens the three sockets; replies must come from port and go to a port in
 * sport_min..sport_max. Returns 0 or -errno (nothing left open).
 */
int nsp_path_socks_open(uint16_t port, uint16_t sport_min, uint16_t sport_max,
			struct nsp_path_socks *ret_socks);
void nsp_path_socks_close(struct nsp_path_socks *socks);
/*
 * The source address the netns's routing picks towards target (network
 * order) for the probe port: connects the UDP socket there and reads its
 * name back. 0 or -errno (no route).
 */
int nsp_path_source_address(const struct nsp_path_socks *socks, uint32_t target, uint16_t port,
			    uint32_t *ret_src);

#endif
