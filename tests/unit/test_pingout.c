// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the ping worker prints, byte for byte: every text line kind and
 * every JSON line kind for fixed inputs (each JSON line also goes through a
 * small strict JSON parser here: one object, one line). The Prometheus
 * exposition is test_metrics.c's.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pingout.h"
#include "pingstat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture statistics, built through nsp_stats_record() ---- */

enum fixture {
	S_MIX,	  /* 100 200 timeout 300: 4 sent, 3 received, up, 1 late, 2 duplicates */
	S_MISSES, /* closed, unreachable, one in flight: 3 sent, down */
	S_ONE,	  /* one answer of 1234 us: up */
	S_NONE,	  /* nothing sent yet: unknown; 5 slots skipped while the path was down */
	S_THIRD,  /* 400, timeout, timeout: 1 of 3 answered, up */
	S_BIG,	  /* counters past 2^32 and past 10^9 */
	N_FIXTURES
};

static struct nsp_target_stats fx[N_FIXTURES];

static void feed(struct nsp_target_stats *s, const char *outcomes, const uint64_t *rtts)
{
	static const struct {
		char c;
		enum nsp_outcome out;
	} map[] = {{'A', NSP_OUT_ANSWERED},
		   {'C', NSP_OUT_CLOSED},
		   {'U', NSP_OUT_UNREACHABLE},
		   {'X', NSP_OUT_TIME_EXCEEDED},
		   {'T', NSP_OUT_TIMEOUT}};

	for (size_t i = 0; outcomes[i]; i++)
		for (size_t k = 0; k < ARRAY_SIZE(map); k++)
			if (map[k].c == outcomes[i]) {
				s->sent++;
				nsp_stats_record(s, map[k].out, rtts ? rtts[i] : 0, 2, 1);
			}
}

static void fixtures_init(void)
{
	static const uint64_t mix[] = {100, 200, 0, 300}, one[] = {1234}, third[] = {400, 0, 0};

	memset(fx, 0, sizeof(fx));
	/* down_after 2 would take T T down; S_MIX has a single timeout. */
	feed(&fx[S_MIX], "AATA", mix);
	fx[S_MIX].late = 1;
	fx[S_MIX].duplicate = 2;

	feed(&fx[S_MISSES], "CU", NULL);
	fx[S_MISSES].sent++; /* one still in flight */

	feed(&fx[S_ONE], "A", one);

	fx[S_NONE].path_down = 5;

	{
		struct nsp_target_stats *s = &fx[S_THIRD];

		s->sent++;
		nsp_stats_record(s, NSP_OUT_ANSWERED, third[0], 3, 1);
		s->sent++;
		nsp_stats_record(s, NSP_OUT_TIMEOUT, 0, 3, 1);
		s->sent++;
		nsp_stats_record(s, NSP_OUT_TIMEOUT, 0, 3, 1);
	}

	fx[S_BIG] = fx[S_MIX];
	fx[S_BIG].sent = 1234567891ULL;
	fx[S_BIG].received = 1234567890ULL;
	fx[S_BIG].timeouts = 1;
	fx[S_BIG].late = 4294967297ULL;
	fx[S_BIG].duplicate = 5000000000ULL;
	/* every RTT 200 us: mean 200, no deviation */
	fx[S_BIG].rtt_mean_us = 200.0;
	fx[S_BIG].rtt_m2_us2 = 0.0;

	assert_int_equal(fx[S_MIX].state, NSP_TARGET_UP);
	assert_int_equal(fx[S_MISSES].state, NSP_TARGET_DOWN);
	assert_int_equal(fx[S_ONE].state, NSP_TARGET_UP);
	assert_int_equal(fx[S_NONE].state, NSP_TARGET_UNKNOWN);
	assert_int_equal(fx[S_THIRD].state, NSP_TARGET_UP);
}

static uint32_t ip4(const char *s)
{
	return inet_addr(s);
}

/* ---- a strict little JSON parser: enough to say "one object, valid" ---- */

struct jfield {
	char key[32];
	char type; /* s n t f z(null) o a */
	char val[160];
};

struct jdoc {
	struct jfield f[40];
	size_t n;
	char err[120];
};

static bool j_value(const char **p, char *type, char *val, size_t cap, struct jdoc *d, int depth);

static bool j_string(const char **p, char *out, size_t cap, struct jdoc *d)
{
	const char *s = *p;
	size_t o = 0;

	if (*s != '"')
		return snprintf(d->err, sizeof(d->err), "expected '\"' at \"%.10s\"", s), false;
	for (s++; *s != '"'; s++) {
		char c = *s;

		if ((unsigned char)c < 0x20)
			return snprintf(d->err, sizeof(d->err), "raw control byte in a string"),
			       false;
		if (c == '\\') {
			s++;
			switch (*s) {
			case '"':
			case '\\':
			case '/':
				c = *s;
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				for (int k = 1; k <= 4; k++)
					if (!isxdigit((unsigned char)s[k]))
						return snprintf(d->err, sizeof(d->err),
								"bad \\u escape"),
						       false;
				c = (char)strtol((char[]){s[3], s[4], 0}, NULL, 16);
				s += 4;
				break;
			default:
				return snprintf(d->err, sizeof(d->err), "bad escape \\%c", *s),
				       false;
			}
		}
		if (o + 1 < cap)
			out[o++] = c;
	}
	if (cap)
		out[o] = '\0';
	*p = s + 1;
	return true;
}

static bool j_number(const char **p, char *out, size_t cap, struct jdoc *d)
{
	const char *s = *p, *start = s;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return snprintf(d->err, sizeof(d->err), "bad number at \"%.10s\"", start), false;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return snprintf(d->err, sizeof(d->err), "bad fraction"), false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return snprintf(d->err, sizeof(d->err), "bad exponent"), false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	snprintf(out, cap, "%.*s", (int)(s - start), start);
	*p = s;
	return true;
}

/* Object or array; members of the top level object go into d. */
static bool j_container(const char **p, char close, struct jdoc *d, int depth)
{
	const char *s = *p + 1;

	if (*s == close) {
		*p = s + 1;
		return true;
	}
	for (;;) {
		char key[32] = "", type, val[160];

		if (close == '}') {
			if (!j_string(&s, key, sizeof(key), d))
				return false;
			if (*s++ != ':')
				return snprintf(d->err, sizeof(d->err), "expected ':' after \"%s\"",
						key),
				       false;
		}
		if (!j_value(&s, &type, val, sizeof(val), d, depth + 1))
			return false;
		if (close == '}' && depth == 0) {
			for (size_t i = 0; i < d->n; i++)
				if (strcmp(d->f[i].key, key) == 0)
					return snprintf(d->err, sizeof(d->err),
							"duplicate key \"%s\"", key),
					       false;
			if (d->n == ARRAY_SIZE(d->f))
				return snprintf(d->err, sizeof(d->err), "too many keys"), false;
			snprintf(d->f[d->n].key, sizeof(d->f[d->n].key), "%s", key);
			d->f[d->n].type = type;
			snprintf(d->f[d->n].val, sizeof(d->f[d->n].val), "%s", val);
			d->n++;
		}
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == close) {
			*p = s + 1;
			return true;
		}
		return snprintf(d->err, sizeof(d->err), "expected ',' or '%c' at \"%.10s\"", close,
				s),
		       false;
	}
}

static bool j_value(const char **p, char *type, char *val, size_t cap, struct jdoc *d, int depth)
{
	const char *s = *p;

	val[0] = '\0';
	if (depth > 8)
		return snprintf(d->err, sizeof(d->err), "too deep"), false;
	switch (*s) {
	case '{':
		*type = 'o';
		return j_container(p, '}', d, depth);
	case '[':
		*type = 'a';
		return j_container(p, ']', d, depth);
	case '"':
		*type = 's';
		return j_string(p, val, cap, d);
	}
	if (strncmp(s, "true", 4) == 0 || strncmp(s, "false", 5) == 0 ||
	    strncmp(s, "null", 4) == 0) {
		*type = *s == 't' ? 't' : *s == 'f' ? 'f' : 'z';
		*p = s + (*s == 'f' ? 5 : 4);
		return true;
	}
	*type = 'n';
	return j_number(p, val, cap, d);
}

/* The whole text is exactly one JSON object and a newline. */
static bool json_line(const char *text, struct jdoc *d)
{
	const char *p = text;
	char type, val[8];

	memset(d, 0, sizeof(*d));
	if (*p != '{')
		return snprintf(d->err, sizeof(d->err), "does not start with '{'"), false;
	if (!j_value(&p, &type, val, sizeof(val), d, 0))
		return false;
	if (strcmp(p, "\n") != 0)
		return snprintf(d->err, sizeof(d->err), "after the object: \"%.20s\"", p), false;
	return true;
}

static const struct jfield *jget(const struct jdoc *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->f[i].key, key) == 0)
			return &d->f[i];
	return NULL;
}

/* The parser itself, so that a pass below means something. */
static void test_json_parser(void **state)
{
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{"{}\n", true},
		{"{\"a\":1,\"b\":\"x\\\"y\",\"c\":[1,{\"d\":null}],\"e\":-0.5e3,\"f\":true}\n",
		 true},
		{"{\"a\":1}", false},
		{"{\"a\":1}\n{\"b\":2}\n", false},
		{"{\"a\":1,\"a\":2}\n", false},
		{"{\"a\":01}\n", false},
		{"{\"a\":nan}\n", false},
		{"{\"a\":1.}\n", false},
		{"{\"a\":\"x\ty\"}\n", false},
		{"{\"a\":1,}\n", false},
		{"{a:1}\n", false},
		{"[1]\n", false},
	};
	struct jdoc d;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (json_line(cases[i].text, &d) != cases[i].ok)
			fail_msg("parser case %zu (%s): %s", i, cases[i].text,
				 cases[i].ok ? d.err : "accepted");
	assert_true(json_line("{\"a\":\"x\\\"y\",\"n\":2}\n", &d));
	assert_string_equal(jget(&d, "a")->val, "x\"y");
	assert_int_equal(jget(&d, "n")->type, 'n');
}

/* ---- text and JSON lines ---- */

enum kind { K_PROBE, K_STATE, K_PATH, K_SUMMARY };

struct out_case {
	const char *name;
	enum kind kind;
	const char *target;
	enum fixture stats;	     /* K_PROBE, K_SUMMARY */
	struct nsp_probe_event ev;   /* K_PROBE: instance, target and from set from the case */
	const char *from;	     /* K_PROBE */
	enum nsp_target_state state; /* K_STATE */
	bool up;		     /* K_PATH: the path; K_SUMMARY: path_up */
	const char *reason;	     /* K_PATH */
	enum nsp_path_cause cause;   /* K_PATH */
	const char *text;
	const char *json;
};

/* A probe result for 10.99.0.1 printed with the statistics st. */
#define PROBE(st, sq, res, ...)                                                                    \
	.kind = K_PROBE, .target = "10.99.0.1", .stats = (st),                                     \
	.ev = {.seq = (sq), .result = (res), __VA_ARGS__}

#define J_PROBE "{\"type\":\"probe\",\"instance\":\"gwping\",\"target\":\"10.99.0.1\",\"seq\":3,"

static const struct out_case out_cases[] = {
	{"probe answered, gateway magic",
	 PROBE(S_MIX, 3, NSP_RES_ANSWERED, .rtt_us = 1234, .rtt_source = NSP_RTT_KERNEL,
	       .gateway_magic = true),
	 .text = "gwping 10.99.0.1 : [3], syn-ack, 1.234 ms (0.200 avg, 25% loss) magic\n",
	 .json = J_PROBE "\"result\":\"answered\",\"rtt_us\":1234,\"rtt_source\":\"kernel\","
			 "\"gateway_magic\":true}\n"},
	{"probe answered, user tx stamp",
	 PROBE(S_MIX, 3, NSP_RES_ANSWERED, .rtt_us = 250, .rtt_source = NSP_RTT_USER_TX),
	 .text = "gwping 10.99.0.1 : [3], syn-ack, 0.250 ms (0.200 avg, 25% loss)\n",
	 .json = J_PROBE "\"result\":\"answered\",\"rtt_us\":250,\"rtt_source\":\"user_tx\","
			 "\"gateway_magic\":false}\n"},
	{"probe answered, user stamps, over a second",
	 PROBE(S_MIX, 3, NSP_RES_ANSWERED, .rtt_us = 1000005, .rtt_source = NSP_RTT_USER),
	 .text = "gwping 10.99.0.1 : [3], syn-ack, 1000.005 ms (0.200 avg, 25% loss)\n",
	 .json = J_PROBE "\"result\":\"answered\",\"rtt_us\":1000005,\"rtt_source\":\"user\","
			 "\"gateway_magic\":false}\n"},
	{"probe closed", PROBE(S_MIX, 3, NSP_RES_CLOSED),
	 .text = "gwping 10.99.0.1 : [3], rst: port closed (25% loss)\n",
	 .json = J_PROBE "\"result\":\"closed\"}\n"},
	{"probe unreachable", PROBE(S_MIX, 3, NSP_RES_UNREACHABLE, .icmp_type = 3, .icmp_code = 1),
	 .from = "10.99.0.254",
	 .text = "gwping 10.99.0.1 : [3], unreachable from 10.99.0.254, icmp type 3 code 1 (25% "
		 "loss)\n",
	 .json = J_PROBE "\"result\":\"unreachable\",\"from\":\"10.99.0.254\",\"icmp_type\":3,"
			 "\"icmp_code\":1}\n"},
	{"probe time exceeded",
	 PROBE(S_MIX, 3, NSP_RES_TIME_EXCEEDED, .icmp_type = 11, .icmp_code = 0),
	 .from = "192.0.2.9",
	 .text = "gwping 10.99.0.1 : [3], time exceeded from 192.0.2.9, icmp type 11 code 0 (25% "
		 "loss)\n",
	 .json = J_PROBE "\"result\":\"time_exceeded\",\"from\":\"192.0.2.9\",\"icmp_type\":11,"
			 "\"icmp_code\":0}\n"},
	{"probe timeout", PROBE(S_MIX, 3, NSP_RES_TIMEOUT),
	 .text = "gwping 10.99.0.1 : [3], timed out (25% loss)\n",
	 .json = J_PROBE "\"result\":\"timeout\"}\n"},
	{"probe timeout, loss rounds", PROBE(S_THIRD, 3, NSP_RES_TIMEOUT),
	 .text = "gwping 10.99.0.1 : [3], timed out (67% loss)\n",
	 .json = J_PROBE "\"result\":\"timeout\"}\n"},
	{"probe late", PROBE(S_MIX, 3, NSP_RES_LATE, .rtt_us = 1500000),
	 .text = "gwping 10.99.0.1 : [3], late syn-ack, 1500.000 ms\n",
	 .json = J_PROBE "\"result\":\"late\",\"rtt_us\":1500000}\n"},
	{"probe duplicate", PROBE(S_MIX, 3, NSP_RES_DUPLICATE, .rtt_us = 300),
	 .text = "gwping 10.99.0.1 : [3], duplicate syn-ack, 0.300 ms\n",
	 .json = J_PROBE "\"result\":\"duplicate\",\"rtt_us\":300}\n"},
	{"probe with the largest seq", PROBE(S_MIX, 18446744073709551615ULL, NSP_RES_TIMEOUT),
	 .text = "gwping 10.99.0.1 : [18446744073709551615], timed out (25% loss)\n",
	 .json = "{\"type\":\"probe\",\"instance\":\"gwping\",\"target\":\"10.99.0.1\","
		 "\"seq\":18446744073709551615,\"result\":\"timeout\"}\n"},

	{"state up", .kind = K_STATE, .target = "10.99.0.1", .state = NSP_TARGET_UP,
	 .text = "gwping 10.99.0.1 is up\n",
	 .json = "{\"type\":\"state\",\"instance\":\"gwping\",\"target\":\"10.99.0.1\","
		 "\"state\":\"up\"}\n"},
	{"state down", .kind = K_STATE, .target = "10.98.0.2", .state = NSP_TARGET_DOWN,
	 .text = "gwping 10.98.0.2 is down\n",
	 .json = "{\"type\":\"state\",\"instance\":\"gwping\",\"target\":\"10.98.0.2\","
		 "\"state\":\"down\"}\n"},

	{"path up", .kind = K_PATH, .up = true, .text = "gwping: path up\n",
	 .json = "{\"type\":\"path\",\"instance\":\"gwping\",\"state\":\"up\"}\n"},
	{"path down with a reason", .kind = K_PATH, .up = false,
	 .reason = "netns \"ns-ping\": No such file\tor directory",
	 .text = "gwping: path down: netns \"ns-ping\": No such file\tor directory\n",
	 .json = "{\"type\":\"path\",\"instance\":\"gwping\",\"state\":\"down\","
		 "\"reason\":\"netns \\\"ns-ping\\\": No such file\\tor directory\"}\n"},
	{"path down without a reason", .kind = K_PATH, .up = false, .text = "gwping: path down\n",
	 .json = "{\"type\":\"path\",\"instance\":\"gwping\",\"state\":\"down\"}\n"},
	{"path down with its cause", .kind = K_PATH, .up = false,
	 .cause = NSP_CAUSE_RECEIVE_PATH_MISSING,
	 .reason = "datapath: foreign program id 7 \"xdp_pass\" (native) is attached to eth0",
	 .text = "gwping: path down (receive_path_missing): datapath: foreign program id 7 "
		 "\"xdp_pass\" (native) is attached to eth0\n",
	 .json = "{\"type\":\"path\",\"instance\":\"gwping\",\"state\":\"down\","
		 "\"cause\":\"receive_path_missing\",\"reason\":\"datapath: foreign program id 7 "
		 "\\\"xdp_pass\\\" (native) is attached to eth0\"}\n"},
	/* a cause left over from before is not said of a path that is up */
	{"path up says no cause", .kind = K_PATH, .up = true, .cause = NSP_CAUSE_NETNS_GONE,
	 .text = "gwping: path up\n",
	 .json = "{\"type\":\"path\",\"instance\":\"gwping\",\"state\":\"up\"}\n"},

	{"summary answered", .kind = K_SUMMARY, .target = "10.99.0.1", .stats = S_MIX, .up = true,
	 .text = "gwping 10.99.0.1 : xmt/rcv/%loss = 4/3/25%, min/avg/max/mdev = "
		 "0.100/0.200/0.300/0.082 ms, up\n",
	 .json = "{\"type\":\"summary\",\"instance\":\"gwping\",\"target\":\"10.99.0.1\","
		 "\"sent\":4,\"received\":3,\"loss_pct\":25.000,\"rtt_min_us\":100,"
		 "\"rtt_avg_us\":200,\"rtt_max_us\":300,\"rtt_mdev_us\":82,\"rtt_last_us\":300,"
		 "\"closed\":0,\"unreachable\":0,\"timeouts\":1,\"late\":1,\"duplicate\":2,"
		 "\"path_down\":0,\"state\":\"up\",\"path\":\"up\"}\n"},
	{"summary never answered", .kind = K_SUMMARY, .target = "10.99.0.3", .stats = S_MISSES,
	 .up = true, .text = "gwping 10.99.0.3 : xmt/rcv/%loss = 3/0/100%, down\n",
	 .json = "{\"type\":\"summary\",\"instance\":\"gwping\",\"target\":\"10.99.0.3\","
		 "\"sent\":3,\"received\":0,\"loss_pct\":100.000,\"rtt_min_us\":0,"
		 "\"rtt_avg_us\":0,\"rtt_max_us\":0,\"rtt_mdev_us\":0,\"rtt_last_us\":0,"
		 "\"closed\":1,\"unreachable\":1,\"timeouts\":0,\"late\":0,\"duplicate\":0,"
		 "\"path_down\":0,\"state\":\"down\",\"path\":\"up\"}\n"},
	{"summary unknown is down, path down", .kind = K_SUMMARY, .target = "10.98.0.2",
	 .stats = S_NONE, .up = false,
	 .text = "gwping 10.98.0.2 : xmt/rcv/%loss = 0/0/0%, down, path down\n",
	 .json = "{\"type\":\"summary\",\"instance\":\"gwping\",\"target\":\"10.98.0.2\","
		 "\"sent\":0,\"received\":0,\"loss_pct\":0.000,\"rtt_min_us\":0,"
		 "\"rtt_avg_us\":0,\"rtt_max_us\":0,\"rtt_mdev_us\":0,\"rtt_last_us\":0,"
		 "\"closed\":0,\"unreachable\":0,\"timeouts\":0,\"late\":0,\"duplicate\":0,"
		 "\"path_down\":5,\"state\":\"down\",\"path\":\"down\"}\n"},
	{"summary with a fractional loss", .kind = K_SUMMARY, .target = "10.99.0.1",
	 .stats = S_THIRD, .up = true,
	 .text = "gwping 10.99.0.1 : xmt/rcv/%loss = 3/1/67%, min/avg/max/mdev = "
		 "0.400/0.400/0.400/0.000 ms, up\n",
	 .json = "{\"type\":\"summary\",\"instance\":\"gwping\",\"target\":\"10.99.0.1\","
		 "\"sent\":3,\"received\":1,\"loss_pct\":66.667,\"rtt_min_us\":400,"
		 "\"rtt_avg_us\":400,\"rtt_max_us\":400,\"rtt_mdev_us\":0,\"rtt_last_us\":400,"
		 "\"closed\":0,\"unreachable\":0,\"timeouts\":2,\"late\":0,\"duplicate\":0,"
		 "\"path_down\":0,\"state\":\"up\",\"path\":\"up\"}\n"},
};

static char *emit(const struct out_case *c, bool json)
{
	struct nsp_probe_event ev = c->ev;
	struct nsp_target_view view = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	switch (c->kind) {
	case K_PROBE:
		ev.instance = "gwping";
		ev.target = ip4(c->target);
		ev.from = c->from ? ip4(c->from) : 0;
		nsp_out_probe(f, json, &ev, &fx[c->stats]);
		break;
	case K_STATE:
		nsp_out_state(f, json, "gwping", ip4(c->target), c->state);
		break;
	case K_PATH:
		nsp_out_path(f, json, "gwping", c->up, c->cause, c->reason);
		break;
	case K_SUMMARY:
		view = (struct nsp_target_view){.instance = "gwping",
						.target = ip4(c->target),
						.stats = &fx[c->stats],
						.path_up = c->up};
		nsp_out_summary(f, json, &view);
		break;
	}
	fclose(f);
	return buf;
}

/* The members README.md ("JSON") names for a summary, and their JSON types. */
static const struct {
	const char *key;
	char type;
} summary_fields[] = {
	{"type", 's'},	     {"target", 's'},	  {"sent", 'n'},
	{"received", 'n'},   {"loss_pct", 'n'},	  {"rtt_min_us", 'n'},
	{"rtt_avg_us", 'n'}, {"rtt_max_us", 'n'}, {"state", 's'},
};

static void check_json_line(const struct out_case *c, const char *out)
{
	static const char *const types[] = {"probe", "state", "path", "summary"};
	const struct jfield *f;
	struct jdoc d;

	if (!json_line(out, &d))
		fail_msg("case \"%s\": not one JSON object on one line: %s\n%s", c->name, d.err,
			 out);
	f = jget(&d, "type");
	if (!f || f->type != 's' || strcmp(f->val, types[c->kind]) != 0)
		fail_msg("case \"%s\": \"type\" is not \"%s\"", c->name, types[c->kind]);
	f = jget(&d, "instance");
	if (!f || f->type != 's' || strcmp(f->val, "gwping") != 0)
		fail_msg("case \"%s\": \"instance\" is not \"gwping\"", c->name);
	if (c->kind == K_PATH && c->reason &&
	    (!(f = jget(&d, "reason")) || strcmp(f->val, c->reason) != 0))
		fail_msg("case \"%s\": \"reason\" does not read back as written", c->name);
	if (c->kind != K_SUMMARY)
		return;

	for (size_t i = 0; i < ARRAY_SIZE(summary_fields); i++) {
		f = jget(&d, summary_fields[i].key);
		if (!f || f->type != summary_fields[i].type)
			fail_msg("case \"%s\": summary member \"%s\" missing or not of type %c",
				 c->name, summary_fields[i].key, summary_fields[i].type);
	}
	f = jget(&d, "state");
	if (!f || (strcmp(f->val, "up") != 0 && strcmp(f->val, "down") != 0))
		fail_msg("case \"%s\": summary state \"%s\" is neither up nor down", c->name,
			 f ? f->val : "");
	if (strtoull(jget(&d, "sent")->val, NULL, 10) != fx[c->stats].sent ||
	    strtoull(jget(&d, "received")->val, NULL, 10) != fx[c->stats].received)
		fail_msg("case \"%s\": sent/received do not match the counters", c->name);
}

static void test_lines(void **state)
{
	(void)state;
	fixtures_init();
	for (size_t i = 0; i < ARRAY_SIZE(out_cases); i++) {
		const struct out_case *c = &out_cases[i];
		char *text = emit(c, false), *json = emit(c, true);

		if (strcmp(text, c->text) != 0)
			fail_msg("case \"%s\" (text):\n got  \"%s\"\n want \"%s\"", c->name, text,
				 c->text);
		if (strcmp(json, c->json) != 0)
			fail_msg("case \"%s\" (json):\n got  %s\n want %s", c->name, json, c->json);
		check_json_line(c, json);
		free(text);
		free(json);
	}
}

static void test_names(void **state)
{
	static const char *const results[] = {
		[NSP_RES_ANSWERED] = "answered",       [NSP_RES_CLOSED] = "closed",
		[NSP_RES_UNREACHABLE] = "unreachable", [NSP_RES_TIME_EXCEEDED] = "time_exceeded",
		[NSP_RES_TIMEOUT] = "timeout",	       [NSP_RES_LATE] = "late",
		[NSP_RES_DUPLICATE] = "duplicate",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(results); i++)
		assert_string_equal(nsp_result_name((enum nsp_result)i), results[i]);
	assert_string_equal(nsp_result_name((enum nsp_result)99), "?");
	assert_string_equal(nsp_rtt_source_name(NSP_RTT_KERNEL), "kernel");
	assert_string_equal(nsp_rtt_source_name(NSP_RTT_USER_TX), "user_tx");
	assert_string_equal(nsp_rtt_source_name(NSP_RTT_USER), "user");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parser),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("pingout", tests, NULL, NULL);
}
