// SPDX-License-Identifier: GPL-2.0-only
/* Opening and configuring a path's sockets; see pathsock.h. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pathsock.h"

#define RCVBUF_BYTES (4 << 20)
#define ACCEPT	     0x40000
#define TCP_ACK_FLAG 0x10

static int attach_filter(int fd, struct sock_filter *code, unsigned short len)
{
	struct sock_fprog prog = {.len = len, .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/*
 * Raw sockets see the packet from its IPv4 header on. Keeps unfragmented
 * TCP segments from port, with ACK set, to a destination port in range.
 */
static int attach_tcp_filter(int fd, uint16_t port, uint16_t sport_min, uint16_t sport_max)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0), /* a fragment */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		    /* X = ihl * 4 */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),		    /* source port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 6),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13), /* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TCP_ACK_FLAG, 0, 4),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* destination port */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, sport_min, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, sport_max, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, ACCEPT),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	return attach_filter(fd, code, sizeof(code) / sizeof(code[0]));
}

/*
 * Keeps ICMP destination unreachable and time exceeded that quote a TCP
 * segment to port. The quoted header starts 8 bytes into the ICMP message.
 */
static int attach_icmp_filter(int fd, uint16_t port)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = outer ihl * 4 */
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),	/* ICMP type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 0, 10),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8 + 9), /* quoted protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8), /* quoted version and ihl */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 2),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 8 + 2), /* quoted destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ACCEPT),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	return attach_filter(fd, code, sizeof(code) / sizeof(code[0]));
}

/*
 * Software timestamps: on receive, and on transmit through the error queue
 * (the looped-back probe says which probe the stamp belongs to).
 */
static int enable_timestamps(int fd, bool tx)
{
	int flags = SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE;

	if (tx)
		flags |= SOF_TIMESTAMPING_TX_SOFTWARE;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0)
		return -errno;
	return 0;
}

static int raw_socket(int proto)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int size = RCVBUF_BYTES;

	if (fd < 0)
		return -errno;
	/* A bigger queue for thousands of targets; the kernel caps it at rmem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

int nsp_path_socks_open(uint16_t port, uint16_t sport_min, uint16_t sport_max,
			struct nsp_path_socks *ret_socks)
{
	struct nsp_path_socks s = NSP_PATH_SOCKS_NONE;
	int one = 1, err;

	s.tcp = raw_socket(IPPROTO_TCP);
	if (s.tcp < 0)
		return s.tcp;
	s.icmp = raw_socket(IPPROTO_ICMP);
	if (s.icmp < 0) {
		err = s.icmp;
		goto fail;
	}
	s.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s.udp < 0) {
		err = -errno;
		goto fail;
	}
	if (setsockopt(s.tcp, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	err = attach_tcp_filter(s.tcp, port, sport_min, sport_max);
	if (!err)
		err = attach_icmp_filter(s.icmp, port);
	if (!err)
		err = enable_timestamps(s.tcp, true);
	if (!err)
		err = enable_timestamps(s.icmp, false);
	if (err)
		goto fail;
	*ret_socks = s;
	return 0;
fail:
	nsp_path_socks_close(&s);
	return err;
}

void nsp_path_socks_close(struct nsp_path_socks *socks)
{
	if (socks->tcp >= 0)
		close(socks->tcp);
	if (socks->icmp >= 0)
		close(socks->icmp);
	if (socks->udp >= 0)
		close(socks->udp);
	*socks = NSP_PATH_SOCKS_NONE;
}

int nsp_path_source_address(const struct nsp_path_socks *socks, uint32_t target, uint16_t port,
			    uint32_t *ret_src)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr.s_addr = target, .sin_port = htons(port)};
	socklen_t len = sizeof(sin);

	if (connect(socks->udp, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(socks->udp, (struct sockaddr *)&sin, &len) < 0)
		return -errno;
	*ret_src = sin.sin_addr.s_addr;
	return 0;
}
