// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath programs under BPF_PROG_RUN, table-driven (frames.h).
 *
 * For every case and program this asserts the verdict, that the frame is
 * untouched, and which counter moved.  The redirect target is not part of
 * BPF_PROG_RUN's answer, so every XDP case runs a second time with
 * BPF_F_TEST_XDP_LIVE_FRAMES, where XDP_REDIRECT really transmits: the
 * rodata ifindexes name veth devices whose far ends carry a test-only sink
 * program (sink.bpf.c), and the test checks which sink got the frame, and
 * that it got it unchanged.  The tc programs get the same table through the
 * skb BPF_PROG_RUN, and their targets a live check: frames sent into tc
 * ingress with a packet socket, received by the same sinks.  The sink on the
 * netns side tells an XDP arrival (redirect into the veth) from a tc-ingress
 * arrival (bpf_redirect_peer()).
 *
 * Topology, all in namespaces created here (unshare(2), so they have no
 * name to leak and vanish with the process, even if it crashes):
 *
 *   netns A: up0 ==veth== up1 [sink]       up0 plays the uplink
 *            vh  ==veth==+                  vh plays the host-side veth
 *   netns B:             +== vn [sink]      vn plays the netns-side veth
 *
 * Needs root.  Never touches the namespace it was started in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nsping_monitor.h" /* the skeletons name its types */
#include "rx_ping.skel.h"
#include "tx_ping.skel.h"
#include "rx_ping_tc.skel.h"
#include "tx_ping_tc.skel.h"
#include "sink.skel.h"
#include "frames.h"

#define T_INSTANCE "bpftest"
#define T_BUILD_ID 0x6e7370696e67ULL

/* Where a frame ends: passed on (none), redirected to a veth or the uplink, or dropped. */
enum target { TGT_NONE = 0, TGT_VETH, TGT_UPLINK, TGT_DROP };

static const char *const target_names[] = {"none", "veth", "uplink", "dropped"};

/* One program instance under test. */
struct prog_ref {
	const char *name;
	int prog_fd;
	int counters_fd;
	int is_tc;
	int ingress_ifindex; /* where its frames come from (live runs) */
};

struct tcase {
	char *name;
	const struct prog_ref *prog;
	const struct frame_case *fc;
	__u32 reason;	    /* counter that must move by one */
	enum target target; /* where the frame must go */
};

static struct {
	ino_t runner_ns;
	int ns_a, ns_b;
	int if_up0, if_up1, if_vh, if_vn; /* if_vn is an index in netns B */
	int ncpus;
	struct sink_bpf *sink_up, *sink_vn;
	struct rx_ping_bpf *rx, *rx_unset, *rx_no_uplink;
	struct tx_ping_bpf *tx, *tx_unset;
	struct rx_ping_tc_bpf *rxtc, *rxtc_unset;
	struct tx_ping_tc_bpf *txtc, *txtc_unset;
	struct prog_ref p_rx, p_rx_unset, p_rx_no_uplink, p_tx, p_tx_unset;
	struct prog_ref p_rxtc, p_rxtc_unset, p_txtc, p_txtc_unset;
} env;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_bpf_xdp_prog: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static ino_t current_netns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		die("stat /proc/self/ns/net: %s", strerror(errno));
	return st.st_ino;
}

/* Everything that changes a link runs behind this check. */
static void assert_not_runner_netns(void)
{
	if (current_netns() == env.runner_ns)
		die("refusing to touch the namespace the test was started in");
}

static void enter_ns(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		die("setns: %s", strerror(errno));
	assert_not_runner_netns();
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_not_runner_netns();
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		die("command failed (%d): %s", rc, cmd);
}

/* No IPv6 on the test links: no DAD or router solicitations on the wires. */
static void quiet_ipv6(void)
{
	static const char *const knobs[] = {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
					    "/proc/sys/net/ipv6/conf/default/disable_ipv6"};
	size_t i;

	assert_not_runner_netns();
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		FILE *f = fopen(knobs[i], "w");

		if (!f)
			continue; /* no IPv6 in this kernel */
		fputs("1\n", f);
		fclose(f);
	}
}

static int ifindex_of(const char *name)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx)
		die("if_nametoindex %s: %s", name, strerror(errno));
	return (int)idx;
}

static struct sink_bpf *load_sink(void)
{
	struct sink_bpf *s = sink_bpf__open();

	if (!s)
		die("open sink: %s", strerror(errno));
	memcpy(s->rodata->test_src_mac, t_src_mac, 6);
	if (sink_bpf__load(s))
		die("load sink: %s", strerror(errno));
	return s;
}

static void attach_xdp(int ifindex, int prog_fd)
{
	int err;

	assert_not_runner_netns();
	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("attach XDP sink to ifindex %d: %s", ifindex, strerror(-err));
}

static void tc_ingress(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err;

	assert_not_runner_netns();
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		die("clsact on ifindex %d: %s", ifindex, strerror(-err));
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		die("tc attach on ifindex %d: %s", ifindex, strerror(-err));
}

static void tc_clear(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	assert_not_runner_netns();
	bpf_tc_hook_destroy(&hook);
}

#define SET_RODATA(skel, uplink, veth)                                                             \
	do {                                                                                       \
		snprintf((char *)(skel)->rodata->instance, sizeof((skel)->rodata->instance), "%s", \
			 T_INSTANCE);                                                              \
		(skel)->rodata->uplink_ifindex = (uplink);                                         \
		(skel)->data_uplink->uplink_now = (uplink);                                        \
		(skel)->rodata->veth_ifindex = (veth);                                             \
		(skel)->rodata->build_id = T_BUILD_ID;                                             \
		(skel)->rodata->port = T_PORT;                                                     \
		(skel)->rodata->addr = nsp_htonl(T_ADDR);                                          \
		(skel)->rodata->sport_min = T_SPORT_MIN;                                           \
		(skel)->rodata->sport_max = T_SPORT_MAX;                                           \
		memcpy((skel)->rodata->uplink_mac, t_uplink_mac, 6);                               \
	} while (0)

#define LOAD_PROG(type, skel, uplink, veth, extra)                                                 \
	do {                                                                                       \
		(skel) = type##__open();                                                           \
		if (!(skel))                                                                       \
			die("open " #type ": %s", strerror(errno));                                \
		SET_RODATA(skel, uplink, veth);                                                    \
		extra;                                                                             \
		if (type##__load(skel))                                                            \
			die("load " #type ": %s", strerror(errno));                                \
	} while (0)

static void set_ref(struct prog_ref *r, const char *name, const struct bpf_program *prog,
		    const struct bpf_map *counters, int is_tc, int ingress)
{
	r->name = name;
	r->prog_fd = bpf_program__fd(prog);
	r->counters_fd = bpf_map__fd(counters);
	r->is_tc = is_tc;
	r->ingress_ifindex = ingress;
}

static void setup_env(void)
{
	if (geteuid() != 0)
		die("must run as root: it creates network namespaces and loads BPF programs");
	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0)
		die("libbpf_num_possible_cpus: %d", env.ncpus);

	/* netns A, then B; the runner's namespace is left at once */
	env.runner_ns = current_netns();
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	assert_not_runner_netns();
	env.ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	env.ns_b = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (env.ns_a < 0 || env.ns_b < 0)
		die("open netns: %s", strerror(errno));
	quiet_ipv6();
	enter_ns(env.ns_a);
	quiet_ipv6();

	sh("ip link set lo up");
	sh("ip link add up0 type veth peer name up1");
	sh("ip link add vh type veth peer name vn netns /proc/%d/fd/%d", (int)getpid(), env.ns_b);
	sh("ip link set up0 up && ip link set up1 up && ip link set vh up");
	env.if_up0 = ifindex_of("up0");
	env.if_up1 = ifindex_of("up1");
	env.if_vh = ifindex_of("vh");

	env.sink_up = load_sink();
	env.sink_vn = load_sink();
	attach_xdp(env.if_up1, bpf_program__fd(env.sink_up->progs.sink_xdp));

	enter_ns(env.ns_b);
	sh("ip link set lo up && ip link set vn up");
	env.if_vn = ifindex_of("vn");
	attach_xdp(env.if_vn, bpf_program__fd(env.sink_vn->progs.sink_xdp));
	tc_ingress(env.if_vn, bpf_program__fd(env.sink_vn->progs.sink_tc));
	enter_ns(env.ns_a);

	LOAD_PROG(rx_ping_bpf, env.rx, env.if_up0, env.if_vh, (void)0);
	LOAD_PROG(rx_ping_bpf, env.rx_unset, env.if_up0, 0, (void)0);
	LOAD_PROG(rx_ping_bpf, env.rx_no_uplink, 0, env.if_vh, (void)0);
	LOAD_PROG(tx_ping_bpf, env.tx, env.if_up0, env.if_vh, (void)0);
	LOAD_PROG(tx_ping_bpf, env.tx_unset, 0, env.if_vh, (void)0);
	LOAD_PROG(rx_ping_tc_bpf, env.rxtc, env.if_up0, env.if_vh,
		  env.rxtc->rodata->peer_ifindex = env.if_vn);
	LOAD_PROG(rx_ping_tc_bpf, env.rxtc_unset, env.if_up0, 0, (void)0);
	LOAD_PROG(tx_ping_tc_bpf, env.txtc, env.if_up0, env.if_vh,
		  env.txtc->rodata->peer_ifindex = env.if_vn);
	LOAD_PROG(tx_ping_tc_bpf, env.txtc_unset, 0, env.if_vh, (void)0);

	set_ref(&env.p_rx, "rx_ping", env.rx->progs.rx_ping, env.rx->maps.nsp_counters, 0,
		env.if_up0);
	set_ref(&env.p_rx_unset, "rx_ping(unset)", env.rx_unset->progs.rx_ping,
		env.rx_unset->maps.nsp_counters, 0, env.if_up0);
	set_ref(&env.p_rx_no_uplink, "rx_ping(no uplink)", env.rx_no_uplink->progs.rx_ping,
		env.rx_no_uplink->maps.nsp_counters, 0, env.if_up0);
	set_ref(&env.p_tx, "tx_ping", env.tx->progs.tx_ping, env.tx->maps.nsp_counters, 0,
		env.if_vh);
	set_ref(&env.p_tx_unset, "tx_ping(unset)", env.tx_unset->progs.tx_ping,
		env.tx_unset->maps.nsp_counters, 0, env.if_vh);
	set_ref(&env.p_rxtc, "rx_ping_tc", env.rxtc->progs.rx_ping_tc, env.rxtc->maps.nsp_counters,
		1, env.if_up0);
	set_ref(&env.p_rxtc_unset, "rx_ping_tc(unset)", env.rxtc_unset->progs.rx_ping_tc,
		env.rxtc_unset->maps.nsp_counters, 1, env.if_up0);
	set_ref(&env.p_txtc, "tx_ping_tc", env.txtc->progs.tx_ping_tc, env.txtc->maps.nsp_counters,
		1, env.if_vh);
	set_ref(&env.p_txtc_unset, "tx_ping_tc(unset)", env.txtc_unset->progs.tx_ping_tc,
		env.txtc_unset->maps.nsp_counters, 1, env.if_vh);
}

/* ---- checks ---------------------------------------------------------- */

#define EXPECT(name, cond, ...)                                                                    \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			print_error("FAILED %s: ", (name));                                        \
			print_error(__VA_ARGS__);                                                  \
			print_error("\n");                                                         \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static void read_counters(int fd, __u64 out[NSP_CNT_MAX])
{
	__u64 *vals = calloc((size_t)env.ncpus, sizeof(*vals));
	__u32 idx;
	int cpu;

	assert_non_null(vals);
	for (idx = 0; idx < NSP_CNT_MAX; idx++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &idx, vals), 0);
		out[idx] = 0;
		for (cpu = 0; cpu < env.ncpus; cpu++)
			out[idx] += vals[cpu];
	}
	free(vals);
}

/* Exactly one run, counted in exactly the slot 'reason'. */
static void check_counters(const char *name, const __u64 before[NSP_CNT_MAX],
			   const __u64 after[NSP_CNT_MAX], __u32 reason)
{
	unsigned int i;

	for (i = 0; i < NSP_CNT_MAX; i++) {
		__u64 want = i == reason ? 1 : 0;

		EXPECT(name, after[i] - before[i] == want,
		       "counter %s moved by %llu, want %llu (expected reason %s)",
		       nsp_counter_name(i), (unsigned long long)(after[i] - before[i]),
		       (unsigned long long)want, nsp_counter_name(reason));
	}
}

static __u64 rd(const volatile __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void reset_sink(struct sink_bpf *s)
{
	__atomic_store_n(&s->bss->xdp_packets, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->bss->tc_packets, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->bss->last_len, 0, __ATOMIC_SEQ_CST);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * The sinks run in the veth's NAPI poll, normally before BPF_PROG_RUN or
 * sendto() returns; poll for up to a second, then leave time for a stray
 * second copy or a frame that went to the wrong place.
 */
static void wait_sinks(enum target want)
{
	int i;

	for (i = 0; i < 1000; i++) {
		__u64 up = rd(&env.sink_up->bss->xdp_packets);
		__u64 vn = rd(&env.sink_vn->bss->xdp_packets) + rd(&env.sink_vn->bss->tc_packets);

		if ((want == TGT_UPLINK && up) || (want == TGT_VETH && vn))
			break;
		if ((want == TGT_NONE || want == TGT_DROP) && i >= 20)
			break;
		sleep_ms(1);
	}
	sleep_ms(10);
}

/*
 * Which sink received the frame, through which hook, and was it intact.
 * via_tc: the frame must reach vn at tc ingress (bpf_redirect_peer()),
 * not through its XDP (a transmit on vh).
 */
static void check_sinks(const char *name, enum target want, int via_tc, const __u8 *f, size_t len)
{
	__u64 up = rd(&env.sink_up->bss->xdp_packets);
	__u64 vn_xdp = rd(&env.sink_vn->bss->xdp_packets);
	__u64 vn_tc = rd(&env.sink_vn->bss->tc_packets);
	struct sink_bpf *got = NULL;
	size_t n;

	EXPECT(name, up == (want == TGT_UPLINK),
	       "uplink's far end received %llu frame(s), want target %s", (unsigned long long)up,
	       target_names[want]);
	EXPECT(name, vn_xdp == (want == TGT_VETH && !via_tc),
	       "netns veth received %llu frame(s) through XDP, want target %s%s",
	       (unsigned long long)vn_xdp, target_names[want], via_tc ? " via tc ingress" : "");
	EXPECT(name, vn_tc == (want == TGT_VETH && via_tc),
	       "netns veth received %llu frame(s) at tc ingress, want target %s%s",
	       (unsigned long long)vn_tc, target_names[want], via_tc ? " via tc ingress" : "");
	if (want == TGT_UPLINK)
		got = env.sink_up;
	else if (want == TGT_VETH)
		got = env.sink_vn;
	if (!got)
		return;
	n = len < sizeof(got->bss->last) ? len : sizeof(got->bss->last);
	EXPECT(name, got->bss->last_len == len, "received %u bytes, sent %zu", got->bss->last_len,
	       len);
	EXPECT(name, memcmp((const void *)got->bss->last, f, n) == 0,
	       "received frame differs from the one sent");
}

static int expected_retval(const struct prog_ref *p, enum target t)
{
	/* tc passes with TC_ACT_UNSPEC, so the filters after ours still run */
	if (p->is_tc)
		return t == TGT_NONE   ? TC_ACT_UNSPEC
		       : t == TGT_DROP ? TC_ACT_SHOT
				       : TC_ACT_REDIRECT;
	return t == TGT_NONE ? XDP_PASS : t == TGT_DROP ? XDP_DROP : XDP_REDIRECT;
}

static const char *retval_name(const struct prog_ref *p, int rv)
{
	static const char *const xdp[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					  "XDP_REDIRECT"};

	if (p->is_tc)
		return rv == TC_ACT_UNSPEC     ? "TC_ACT_UNSPEC"
		       : rv == TC_ACT_OK       ? "TC_ACT_OK"
		       : rv == TC_ACT_REDIRECT ? "TC_ACT_REDIRECT"
		       : rv == TC_ACT_SHOT     ? "TC_ACT_SHOT"
					       : "TC_ACT_?";
	return rv >= 0 && rv < (int)(sizeof(xdp) / sizeof(xdp[0])) ? xdp[rv] : "XDP_?";
}

/*
 * Frames that BPF_PROG_RUN refuses (EINVAL) before the program runs: any
 * shorter than an Ethernet header, and for the skb flavour an outer IPv4 or
 * IPv6 ethertype without room for the network header.  The classifier's
 * answer for them is covered in user space by test_bpf_parse.
 */
static int prog_run_refuses(const struct prog_ref *p, const __u8 *f, size_t len)
{
	__u16 proto;

	if (len < ETH_HLEN)
		return 1;
	if (!p->is_tc)
		return 0;
	proto = (__u16)(f[12] << 8 | f[13]);
	return (proto == ETH_P_IP && len < ETH_HLEN + 20) ||
	       (proto == ETH_P_IPV6 && len < ETH_HLEN + 40);
}

/* BPF_PROG_RUN once: verdict, untouched frame, counters. */
static void run_plain(const char *name, const struct prog_ref *p, const __u8 *f, size_t len,
		      __u32 reason, enum target want)
{
	__u8 out[T_FRAME_MAX + 512];
	__u64 before[NSP_CNT_MAX], after[NSP_CNT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err;

	read_counters(p->counters_fd, before);
	err = bpf_prog_test_run_opts(p->prog_fd, &opts);
	read_counters(p->counters_fd, after);
	if (prog_run_refuses(p, f, len)) {
		EXPECT(name, err == -EINVAL, "BPF_PROG_RUN of %s took a %zu-byte frame: %d",
		       p->name, len, err);
		check_counters(name, before, after, NSP_CNT_MAX);
		return;
	}
	EXPECT(name, err == 0, "%s: BPF_PROG_RUN: %s", p->name, strerror(-err));
	EXPECT(name, (int)opts.retval == expected_retval(p, want), "%s returned %s (%u), want %s",
	       p->name, retval_name(p, (int)opts.retval), opts.retval,
	       retval_name(p, expected_retval(p, want)));
	EXPECT(name, opts.data_size_out == len && memcmp(out, f, len) == 0,
	       "%s changed the frame (%u bytes out, %zu in)", p->name, opts.data_size_out, len);
	check_counters(name, before, after, reason);
}

/* BPF_PROG_RUN with live frames: where XDP_REDIRECT really sends it. */
static void run_live(const char *name, const struct prog_ref *p, const __u8 *f, size_t len,
		     __u32 reason, enum target want)
{
	/* BPF_PROG_RUN wants data_end to match the frame it is given */
	struct xdp_md ctx = {.data_end = (__u32)len, .ingress_ifindex = (__u32)p->ingress_ifindex};
	__u64 before[NSP_CNT_MAX], after[NSP_CNT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .repeat = 1);
	int err;

	reset_sink(env.sink_up);
	reset_sink(env.sink_vn);
	read_counters(p->counters_fd, before);
	err = bpf_prog_test_run_opts(p->prog_fd, &opts);
	EXPECT(name, err == 0, "%s: live BPF_PROG_RUN: %s", p->name, strerror(-err));
	wait_sinks(want);
	read_counters(p->counters_fd, after);
	check_counters(name, before, after, reason);
	check_sinks(name, want, 0, f, len);
}

static void test_case(void **state)
{
	const struct tcase *tc = *state;
	__u8 f[T_FRAME_MAX];
	size_t len = build_frame(&tc->fc->spec, f);

	run_plain(tc->name, tc->prog, f, len, tc->reason, tc->target);
	if (!tc->prog->is_tc && len >= ETH_HLEN)
		run_live(tc->name, tc->prog, f, len, tc->reason, tc->target);
}

/*
 * tx_ping redirects to uplink_now, read at every frame: run rewrites it in
 * place when the uplink comes back under a new ifindex (reconciler/xdp.c).
 * Written through the map as run does, the same program sends the next
 * frame to the new target (here the host veth), then back to the uplink.
 */
static void test_tx_follows_uplink_now(void **state)
{
	const struct frame_case *fc = NULL;
	__u32 zero = 0, vh = (__u32)env.if_vh, up = (__u32)env.if_up0;
	int map = bpf_map__fd(env.tx->maps.data_uplink);
	__u8 f[T_FRAME_MAX];
	size_t len = 0;

	(void)state;
	for (size_t i = 0; !fc && i < N_FRAME_CASES; i++) {
		const struct frame_case *c = &frame_cases[i];

		if (c->spec.kind == FK_IPV4 && c->spec.cut == CUT_NONE &&
		    tx_sends(&c->spec, len = build_frame(&c->spec, f)))
			fc = c;
	}
	assert_non_null(fc);
	assert_int_equal(bpf_map_update_elem(map, &zero, &vh, BPF_ANY), 0);
	run_live("tx_ping, uplink_now = the host veth", &env.p_tx, f, len, NSP_CNT_REDIRECTED,
		 TGT_VETH);
	assert_int_equal(bpf_map_update_elem(map, &zero, &up, BPF_ANY), 0);
	run_live("tx_ping, uplink_now = the uplink again", &env.p_tx, f, len, NSP_CNT_REDIRECTED,
		 TGT_UPLINK);
}

/* Every prefix of the matching frames, down to 0 bytes, is passed. */
static void test_prefixes(void **state)
{
	const struct prog_ref *p = *state;
	__u8 f[T_FRAME_MAX];
	char name[160];
	size_t i, len, cut;

	for (i = 0; i < N_FRAME_CASES; i++) {
		if (frame_cases[i].reason != NSP_CNT_REDIRECTED)
			continue;
		len = build_frame(&frame_cases[i].spec, f);
		for (cut = 0; cut < len; cut++) {
			snprintf(name, sizeof(name), "%s: \"%s\" cut at %zu of %zu", p->name,
				 frame_cases[i].name, cut, len);
			run_plain(name, p, f, cut, NSP_CNT_PASS_TRUNCATED, TGT_NONE);
		}
	}
}

/* ---- tc, live ---------------------------------------------------------- */

static void send_frame(int ns_fd, int ifindex, const __u8 *f, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = ETH_ALEN};
	ssize_t n;
	int s;

	enter_ns(ns_fd);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	enter_ns(env.ns_a);
	assert_true(s >= 0);
	memcpy(sll.sll_addr, f, ETH_ALEN);
	n = sendto(s, f, len, 0, (const struct sockaddr *)&sll, sizeof(sll));
	close(s);
	assert_int_equal(n, (ssize_t)len);
}

struct live_tc_case {
	const char *name;
	const struct prog_ref *prog;
	const int *attach_ifindex; /* tc ingress of this device, in netns A */
	const int *from_ns, *from_ifindex;
	struct frame_spec spec;
	__u32 reason;
	enum target target;
	int via_tc;
};

/* clang-format off */
static const struct live_tc_case live_tc_cases[] = {
	{ .name = "tx_ping_tc live: netns frame leaves by the uplink",
	  .prog = &env.p_txtc, .attach_ifindex = &env.if_vh,
	  .from_ns = &env.ns_b, .from_ifindex = &env.if_vn,
	  .spec = { 0 }, .reason = NSP_CNT_REDIRECTED, .target = TGT_UPLINK },
	{ .name = "tx_ping_tc live: netns ARP goes nowhere",
	  .prog = &env.p_txtc, .attach_ifindex = &env.if_vh,
	  .from_ns = &env.ns_b, .from_ifindex = &env.if_vn,
	  .spec = { .kind = FK_ARP }, .reason = NSP_CNT_DROP_NOT_IPV4, .target = TGT_DROP },
	{ .name = "tx_ping_tc live: netns IPv6 goes nowhere",
	  .prog = &env.p_txtc, .attach_ifindex = &env.if_vh,
	  .from_ns = &env.ns_b, .from_ifindex = &env.if_vn,
	  .spec = { .kind = FK_IPV6 }, .reason = NSP_CNT_DROP_NOT_IPV4, .target = TGT_DROP },
	{ .name = "tx_ping_tc(unset) live: netns frame stays on the host veth",
	  .prog = &env.p_txtc_unset, .attach_ifindex = &env.if_vh,
	  .from_ns = &env.ns_b, .from_ifindex = &env.if_vn,
	  .spec = { 0 }, .reason = NSP_CNT_PASS_UNCONFIGURED, .target = TGT_NONE },
	{ .name = "rx_ping_tc live: reply enters the netns by the peer",
	  .prog = &env.p_rxtc, .attach_ifindex = &env.if_up0,
	  .from_ns = &env.ns_a, .from_ifindex = &env.if_up1,
	  .spec = { 0 }, .reason = NSP_CNT_REDIRECTED, .target = TGT_VETH, .via_tc = 1 },
	{ .name = "rx_ping_tc live: other port stays on the node",
	  .prog = &env.p_rxtc, .attach_ifindex = &env.if_up0,
	  .from_ns = &env.ns_a, .from_ifindex = &env.if_up1,
	  .spec = { .sport = 80 }, .reason = NSP_CNT_PASS_WRONG_PORT, .target = TGT_NONE },
	{ .name = "rx_ping_tc(unset) live: reply stays on the node",
	  .prog = &env.p_rxtc_unset, .attach_ifindex = &env.if_up0,
	  .from_ns = &env.ns_a, .from_ifindex = &env.if_up1,
	  .spec = { 0 }, .reason = NSP_CNT_PASS_UNCONFIGURED, .target = TGT_NONE },
};
/* clang-format on */

static void test_tc_live(void **state)
{
	const struct live_tc_case *c = *state;
	__u64 before[NSP_CNT_MAX], after[NSP_CNT_MAX];
	__u8 f[T_FRAME_MAX];
	size_t len = build_frame(&c->spec, f);

	tc_ingress(*c->attach_ifindex, c->prog->prog_fd);
	reset_sink(env.sink_up);
	reset_sink(env.sink_vn);
	read_counters(c->prog->counters_fd, before);
	send_frame(*c->from_ns, *c->from_ifindex, f, len);
	wait_sinks(c->target);
	/* the program runs in the backlog's softirq: wait for its count too */
	for (int i = 0; i < 1000; i++) {
		read_counters(c->prog->counters_fd, after);
		if (after[c->reason] != before[c->reason])
			break;
		sleep_ms(1);
	}
	tc_clear(*c->attach_ifindex);
	check_counters(c->name, before, after, c->reason);
	check_sinks(c->name, c->target, c->via_tc, f, len);
}

/* ---- monitor ------------------------------------------------------------ */

/*
 * The events of nsping monitor (bpf/nsping_monitor.h): none while the
 * control is off, one per decision on probe traffic while it is on, with
 * the verdict the frame counted under, to every monitor's ring; the rate
 * limit and a full ring drop and count. The control is written through the
 * skeleton's mmap of its section, the way a write of the map changes it
 * for a running program: no reload.
 */
struct mon_ref {
	const struct prog_ref *p;
	struct nsp_monitor_ctl *ctl;
	struct nsp_monitor_state *state;
	struct bpf_map *events;
	__u8 program; /* enum nsp_mon_program */
	int rx;	      /* judges its frames: only probe traffic is told */
	__u32 unset;  /* the verdict of a frame it would redirect: unset target */
};

#define MON_MAX_EVENTS 64

static struct {
	struct nsp_event ev[MON_MAX_EVENTS];
	size_t n;
} seen;

static int on_mon_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (seen.n < MON_MAX_EVENTS && size >= sizeof(struct nsp_event))
		memcpy(&seen.ev[seen.n], data, sizeof(struct nsp_event));
	seen.n++;
	return 0;
}

/* A monitor's ring in slot of ref's events map, and a reader of it. */
static struct ring_buffer *mon_ring(const struct mon_ref *m, __u32 slot, __u32 bytes, int *ret_fd)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "test_ring", 0, 0, bytes, NULL);
	struct ring_buffer *rb;

	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(m->events), &slot, &fd, BPF_ANY), 0);
	rb = ring_buffer__new(fd, on_mon_event, NULL, NULL);
	assert_non_null(rb);
	*ret_fd = fd;
	return rb;
}

static void mon_unring(const struct mon_ref *m, __u32 slot, struct ring_buffer *rb, int fd)
{
	bpf_map_delete_elem(bpf_map__fd(m->events), &slot);
	ring_buffer__free(rb);
	close(fd);
}

static void mon_set(const struct mon_ref *m, int enabled, __u32 rate)
{
	nsp_monitor_set_rate(m->ctl, rate);
	__atomic_store_n(&m->ctl->enabled, enabled, __ATOMIC_SEQ_CST);
	memset(m->state, 0, sizeof(*m->state));
}

/* One BPF_PROG_RUN of frame f, repeat times; false when BPF_PROG_RUN refuses the frame. */
static int mon_run(const struct prog_ref *p, const __u8 *f, size_t len, __u32 repeat)
{
	__u8 out[T_FRAME_MAX + 512];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (prog_run_refuses(p, f, len))
		return 0;
	assert_int_equal(bpf_prog_test_run_opts(p->prog_fd, &opts), 0);
	return 1;
}

static struct mon_ref mon_refs[8];
static size_t n_mon_refs;

static void add_mon_ref(const struct prog_ref *p, struct nsp_monitor_ctl *ctl,
			struct nsp_monitor_state *state, struct bpf_map *events, __u8 program,
			int rx, int unset)
{
	mon_refs[n_mon_refs++] =
		(struct mon_ref){p,
				 ctl,
				 state,
				 events,
				 program,
				 rx,
				 unset ? NSP_CNT_PASS_UNCONFIGURED : NSP_CNT_REDIRECTED};
}

#define ADD_MON_REF(skel, ref, program, rx, unset)                                                 \
	add_mon_ref(&(ref), &(skel)->data_monitor->nsp_monitor,                                    \
		    &(skel)->data_monstate->nsp_monitor_state, (skel)->maps.nsp_events, (program), \
		    (rx), (unset))

static void setup_mon_refs(void)
{
	ADD_MON_REF(env.rx, env.p_rx, NSP_MON_RX_PING, 1, 0);
	ADD_MON_REF(env.rx_unset, env.p_rx_unset, NSP_MON_RX_PING, 1, 1);
	ADD_MON_REF(env.tx, env.p_tx, NSP_MON_TX_PING, 0, 0);
	ADD_MON_REF(env.tx_unset, env.p_tx_unset, NSP_MON_TX_PING, 0, 1);
	ADD_MON_REF(env.rxtc, env.p_rxtc, NSP_MON_RX_PING_TC, 1, 0);
	ADD_MON_REF(env.rxtc_unset, env.p_rxtc_unset, NSP_MON_RX_PING_TC, 1, 1);
	ADD_MON_REF(env.txtc, env.p_txtc, NSP_MON_TX_PING_TC, 0, 0);
	ADD_MON_REF(env.txtc_unset, env.p_txtc_unset, NSP_MON_TX_PING_TC, 0, 1);
}

/* The verdict a program gives frame case fc (the table's; the send side's, by tx_sends()). */
static __u32 mon_verdict(const struct mon_ref *m, const struct frame_case *fc)
{
	__u8 f[T_FRAME_MAX];

	if (!m->rx && !tx_sends(&fc->spec, build_frame(&fc->spec, f)))
		return NSP_CNT_DROP_NOT_IPV4;
	if (!m->rx || fc->reason == NSP_CNT_REDIRECTED)
		return m->unset;
	return fc->reason;
}

/* With the control off, no frame of the table makes an event, and the state stays still. */
static void test_mon_off(void **state)
{
	const struct mon_ref *m = *state;
	struct ring_buffer *rb;
	__u8 f[T_FRAME_MAX];
	int fd;

	mon_set(m, 0, NSP_MON_DEFAULT_RATE);
	rb = mon_ring(m, 0, NSP_MON_RING_BYTES, &fd);
	seen.n = 0;
	for (size_t i = 0; i < N_FRAME_CASES; i++)
		mon_run(m->p, f, build_frame(&frame_cases[i].spec, f), 1);
	ring_buffer__consume(rb);
	mon_unring(m, 0, rb, fd);
	EXPECT(m->p->name, seen.n == 0, "%zu events with the monitor off", seen.n);
	EXPECT(m->p->name, !m->state->events && !m->state->rate_limited && !m->state->ring_full,
	       "the state moved with the monitor off");
}

/*
 * With the control on, each frame of the table makes at most one event,
 * with the verdict it counted under, the program, its length; a frame the
 * program would redirect (or its unset twin passes) makes one, the node's
 * business traffic (not IPv4, a bad IP header, neither TCP nor ICMP, TCP
 * from another port) none. The send side tells every frame.
 */
static void test_mon_on(void **state)
{
	const struct mon_ref *m = *state;
	struct ring_buffer *rb;
	__u8 f[T_FRAME_MAX];
	char name[160];
	size_t len;
	int fd;

	mon_set(m, 1, NSP_MON_MAX_RATE);
	rb = mon_ring(m, 0, NSP_MON_RING_BYTES, &fd);
	for (size_t i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *fc = &frame_cases[i];
		__u32 verdict = mon_verdict(m, fc);
		const struct nsp_event *ev = &seen.ev[0];

		snprintf(name, sizeof(name), "%s monitor: %s", m->p->name, fc->name);
		seen.n = 0;
		len = build_frame(&fc->spec, f);
		if (!mon_run(m->p, f, len, 1))
			continue;
		ring_buffer__consume(rb);
		EXPECT(name, seen.n <= 1, "%zu events for one frame", seen.n);
		if (!m->rx || fc->reason == NSP_CNT_REDIRECTED)
			EXPECT(name, seen.n == 1, "no event for a frame of probe traffic");
		if ((1u << verdict) & NSP_MON_NOT_PROBE_VERDICTS)
			EXPECT(name, seen.n == 0, "an event for the node's traffic (%s)",
			       nsp_counter_name(ev->verdict));
		if (!seen.n)
			continue;
		EXPECT(name, ev->verdict == verdict, "verdict %s, want %s",
		       nsp_counter_name(ev->verdict), nsp_counter_name(verdict));
		EXPECT(name, ev->program == m->program, "program %u, want %u", ev->program,
		       m->program);
		EXPECT(name, ev->len == len, "len %u, want %zu", ev->len, len);
		EXPECT(name, ev->time_ns != 0, "no time");
		if (fc->reason == NSP_CNT_REDIRECTED && fc->spec.kind == FK_IPV4 &&
		    fc->spec.protocol != 1) {
			EXPECT(name, ev->daddr == nsp_htonl(T_ADDR), "daddr %08x",
			       nsp_ntohl(ev->daddr));
			EXPECT(name, ev->sport == nsp_htons(T_PORT), "sport %u",
			       nsp_ntohs(ev->sport));
			EXPECT(name, ev->ip_proto == 6 && ev->eth_proto == nsp_htons(ETH_P_IP),
			       "ip_proto %u eth_proto %04x", ev->ip_proto,
			       nsp_ntohs(ev->eth_proto));
		}
		if (fc->reason == NSP_CNT_REDIRECTED && fc->spec.protocol == 1)
			EXPECT(name,
			       ev->quoted_daddr != 0 && ev->dport == nsp_htons(T_PORT) &&
				       ev->icmp_type == fc->spec.icmp_type,
			       "ICMP quoting a probe: quoted %08x dport %u type %u",
			       nsp_ntohl(ev->quoted_daddr), nsp_ntohs(ev->dport), ev->icmp_type);
	}
	mon_unring(m, 0, rb, fd);
	mon_set(m, 0, NSP_MON_DEFAULT_RATE);
}

/* Two monitors: each ring gets every event. */
static void test_mon_two_rings(void **state)
{
	const struct mon_ref *m = *state;
	struct frame_spec spec = {0};
	struct ring_buffer *a, *b;
	__u8 f[T_FRAME_MAX];
	size_t len = build_frame(&spec, f), n_a;
	int fa, fb;

	mon_set(m, 1, NSP_MON_DEFAULT_RATE);
	a = mon_ring(m, 0, NSP_MON_RING_BYTES, &fa);
	b = mon_ring(m, 5, NSP_MON_RING_BYTES, &fb);
	mon_run(m->p, f, len, 3);
	seen.n = 0;
	ring_buffer__consume(a);
	n_a = seen.n;
	seen.n = 0;
	ring_buffer__consume(b);
	mon_unring(m, 0, a, fa);
	mon_unring(m, 5, b, fb);
	EXPECT(m->p->name, n_a == 3 && seen.n == 3, "rings got %zu and %zu events, want 3 each",
	       n_a, seen.n);
	EXPECT(m->p->name, m->state->events == 6, "state counts %llu events, want 6",
	       (unsigned long long)m->state->events);
	mon_set(m, 0, NSP_MON_DEFAULT_RATE);
}

/*
 * The rate limit: 10 a second admits a burst of 10 (GCRA, burst one second
 * less an interval), the rest of 200 frames in one BPF_PROG_RUN (well
 * under a tenth of a second) is dropped and counted. The frames still get
 * their verdicts.
 */
static void test_mon_rate_limit(void **state)
{
	const struct mon_ref *m = *state;
	struct frame_spec spec = {0};
	struct ring_buffer *rb;
	__u8 f[T_FRAME_MAX];
	size_t len = build_frame(&spec, f);
	__u64 before[NSP_CNT_MAX], after[NSP_CNT_MAX];
	int fd;

	mon_set(m, 1, 10);
	rb = mon_ring(m, 0, NSP_MON_RING_BYTES, &fd);
	seen.n = 0;
	read_counters(m->p->counters_fd, before);
	mon_run(m->p, f, len, 200);
	read_counters(m->p->counters_fd, after);
	ring_buffer__consume(rb);
	mon_unring(m, 0, rb, fd);
	EXPECT(m->p->name, seen.n >= 10 && seen.n <= 11, "%zu events at 10/s, want the burst of 10",
	       seen.n);
	EXPECT(m->p->name, m->state->events == seen.n && m->state->rate_limited == 200 - seen.n,
	       "state: %llu events, %llu rate-limited; %zu read",
	       (unsigned long long)m->state->events, (unsigned long long)m->state->rate_limited,
	       seen.n);
	EXPECT(m->p->name, after[m->unset] - before[m->unset] == 200,
	       "%s counted %llu of 200 frames", nsp_counter_name(m->unset),
	       (unsigned long long)(after[m->unset] - before[m->unset]));
	mon_set(m, 0, NSP_MON_DEFAULT_RATE);
}

/* A ring nobody reads fills up: what does not fit is counted, not lost silently. */
static void test_mon_ring_full(void **state)
{
	const struct mon_ref *m = *state;
	struct frame_spec spec = {0};
	struct ring_buffer *rb;
	__u8 f[T_FRAME_MAX];
	size_t len = build_frame(&spec, f);
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	mon_set(m, 1, NSP_MON_MAX_RATE);
	rb = mon_ring(m, 0, (__u32)page, &fd);
	mon_run(m->p, f, len, 500);
	seen.n = 0;
	ring_buffer__consume(rb);
	mon_unring(m, 0, rb, fd);
	EXPECT(m->p->name, seen.n > 0 && seen.n < 500, "%zu of 500 events in a %ld-byte ring",
	       seen.n, page);
	EXPECT(m->p->name,
	       m->state->events == seen.n && m->state->ring_full == 500 - seen.n &&
		       !m->state->rate_limited,
	       "state: %llu events, %llu ring full, %llu rate-limited; %zu read",
	       (unsigned long long)m->state->events, (unsigned long long)m->state->ring_full,
	       (unsigned long long)m->state->rate_limited, seen.n);
	mon_set(m, 0, NSP_MON_DEFAULT_RATE);
}

/* ---- the tables ------------------------------------------------------- */

static struct CMUnitTest *group;
static size_t group_len;

static void add(char *name, CMUnitTestFunction fn, void *state)
{
	group = realloc(group, (group_len + 1) * sizeof(*group));
	if (!group)
		die("out of memory");
	group[group_len++] = (struct CMUnitTest){
		.name = name,
		.test_func = fn,
		.initial_state = state,
	};
}

static char *fmt_name(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s: %s", a, b) < 0)
		die("out of memory");
	return s;
}

static void add_case(const struct prog_ref *p, const struct frame_case *fc, __u32 reason,
		     enum target t)
{
	struct tcase *tc = calloc(1, sizeof(*tc));

	if (!tc)
		die("out of memory");
	tc->name = fmt_name(p->name, fc->name);
	tc->prog = p;
	tc->fc = fc;
	tc->reason = reason;
	tc->target = t;
	add(tc->name, test_case, tc);
}

/* The receive side: the full table, configured and with the target unset. */
static void add_rx_cases(const struct prog_ref *p, const struct prog_ref *unset)
{
	size_t i;

	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *fc = &frame_cases[i];
		int match = fc->reason == NSP_CNT_REDIRECTED;

		add_case(p, fc, fc->reason, match ? TGT_VETH : TGT_NONE);
	}
	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *fc = &frame_cases[i];
		int match = fc->reason == NSP_CNT_REDIRECTED;

		add_case(unset, fc, match ? NSP_CNT_PASS_UNCONFIGURED : fc->reason, TGT_NONE);
	}
}

/* An rx_ping that does not know its uplink (uplink_now 0) passes the replies it matches. */
static void add_rx_no_uplink_cases(const struct prog_ref *p)
{
	for (size_t i = 0; i < N_FRAME_CASES; i++)
		if (frame_cases[i].reason == NSP_CNT_REDIRECTED)
			add_case(p, &frame_cases[i], NSP_CNT_PASS_UNCONFIGURED, TGT_NONE);
}

/*
 * The send side redirects the IPv4 it gets and drops the rest, with its
 * target set or not (parse.h, nsp_classify_tx); a sample of the table with
 * every frame it drops in it.
 */
static void add_tx_cases(const struct prog_ref *p, const struct prog_ref *unset)
{
	__u8 f[T_FRAME_MAX];
	size_t i;

	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *fc = &frame_cases[i];

		if (fc->spec.cut == CUT_IN_ETH)
			continue;
		if (!tx_sends(&fc->spec, build_frame(&fc->spec, f))) {
			add_case(p, fc, NSP_CNT_DROP_NOT_IPV4, TGT_DROP);
			add_case(unset, fc, NSP_CNT_DROP_NOT_IPV4, TGT_DROP);
			continue;
		}
		if (i % 4 && fc->spec.kind == FK_IPV4 && fc->spec.cut == CUT_NONE)
			continue;
		add_case(p, fc, NSP_CNT_REDIRECTED, TGT_UPLINK);
		add_case(unset, fc, NSP_CNT_PASS_UNCONFIGURED, TGT_NONE);
	}
}

/* The monitor tests, every kind for every program. */
static void add_mon_tests(void)
{
	static const struct {
		const char *what;
		CMUnitTestFunction fn;
	} kinds[] = {
		{"monitor off: no event", test_mon_off},
		{"monitor on: an event per decision on probe traffic", test_mon_on},
		{"monitor: two rings, each every event", test_mon_two_rings},
		{"monitor: the rate limit drops and counts", test_mon_rate_limit},
		{"monitor: a full ring drops and counts", test_mon_ring_full},
	};

	setup_mon_refs();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t i = 0; i < n_mon_refs; i++)
			add(fmt_name(mon_refs[i].p->name, kinds[k].what), kinds[k].fn,
			    &mon_refs[i]);
}

/* Runs the group, then frees its cases (add_case()'s; the others are static). */
static int run_group(const char *name)
{
	int failed = _cmocka_run_group_tests(name, group, group_len, NULL, NULL);

	for (size_t i = 0; i < group_len; i++) {
		struct tcase *tc = (void *)group[i].initial_state;

		if (group[i].initial_state >= (void *)mon_refs &&
		    group[i].initial_state < (void *)(mon_refs + 8))
			free((char *)group[i].name);
		if (group[i].test_func != test_case)
			continue;
		free(tc->name);
		free(tc);
	}
	group_len = 0;
	return failed;
}

int main(void)
{
	int failed = 0;
	size_t i;

	setup_env();

	add_rx_cases(&env.p_rx, &env.p_rx_unset);
	add_rx_no_uplink_cases(&env.p_rx_no_uplink);
	failed += run_group("rx_ping (XDP)");

	add_tx_cases(&env.p_tx, &env.p_tx_unset);
	add("tx_ping: the redirect follows uplink_now", test_tx_follows_uplink_now, NULL);
	failed += run_group("tx_ping (XDP)");

	add_rx_cases(&env.p_rxtc, &env.p_rxtc_unset);
	failed += run_group("rx_ping_tc (tc, BPF_PROG_RUN)");

	add_tx_cases(&env.p_txtc, &env.p_txtc_unset);
	failed += run_group("tx_ping_tc (tc, BPF_PROG_RUN)");

	add("rx_ping: every prefix of the matching frames", test_prefixes, &env.p_rx);
	add("rx_ping_tc: every prefix of the matching frames", test_prefixes, &env.p_rxtc);
	failed += run_group("truncation");

	for (i = 0; i < sizeof(live_tc_cases) / sizeof(live_tc_cases[0]); i++)
		add((char *)live_tc_cases[i].name, test_tc_live, (void *)&live_tc_cases[i]);
	failed += run_group("tc live");

	add_mon_tests();
	failed += run_group("monitor");

	free(group);
	return failed ? 1 : 0;
}
