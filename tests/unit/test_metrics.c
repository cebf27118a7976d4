// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus exposition, byte for byte for a hand-built set of targets
 * (two instances, three targets), and the rules a scraper relies on: every
 * family with one HELP and one TYPE before its samples, no series twice, no
 * label that Prometheus sets itself (instance, job), histograms cumulative
 * and ending in +Inf = _count, counters exact past 2^53's float digits,
 * RTTs in the right buckets. Then the hand-over to the formatter thread and
 * the file it writes.
 *
 * `test_metrics --exposition` prints the texts of the fixtures instead, for
 * `promtool check metrics` (tests/metrics/run.sh).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"
#include "pingout.h"
#include "pingstat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixtures, built through nsp_stats_record() as the worker does ---- */

enum fixture {
	S_MIX,	  /* 100 200 timeout 300 us: 4 sent, 3 answered, up; 1 late, 2 duplicates */
	S_MISSES, /* closed, unreachable, time exceeded, one in flight: 4 sent, down */
	S_ONE,	  /* one answer of 1234 us; 5 rounds skipped (path down), 3 sent late */
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
	static const uint64_t mix[] = {100, 200, 0, 300}, one[] = {1234};

	memset(fx, 0, sizeof(fx));
	feed(&fx[S_MIX], "AATA", mix);
	fx[S_MIX].late = 1;
	fx[S_MIX].duplicate = 2;

	feed(&fx[S_MISSES], "CUX", NULL);
	fx[S_MISSES].sent++; /* one still in flight */

	feed(&fx[S_ONE], "A", one);
	fx[S_ONE].path_down = 5;
	fx[S_ONE].sent_late = 3;

	fx[S_BIG] = fx[S_MIX];
	fx[S_BIG].sent = 1234567891ULL;
	fx[S_BIG].received = 1234567890ULL;
	fx[S_BIG].timeouts = 1;
	fx[S_BIG].late = 4294967297ULL;
	fx[S_BIG].duplicate = 5000000000ULL;
	memset(fx[S_BIG].rtt_bucket, 0, sizeof(fx[S_BIG].rtt_bucket));
	fx[S_BIG].rtt_bucket[3] = 1234567890ULL;
	fx[S_BIG].rtt_sum_us = 123456789012345678ULL; /* 2^56 < it: past a double's digits */
	fx[S_BIG].sent_late = 9007199254740993ULL;    /* 2^53 + 1 */

	assert_int_equal(fx[S_MIX].state, NSP_TARGET_UP);
	assert_int_equal(fx[S_MISSES].state, NSP_TARGET_DOWN);
	assert_int_equal(fx[S_ONE].state, NSP_TARGET_UP);
}

/* Two instances: gw1 with two targets, gw2 (path down, 7 repairs) with one. */
static void views(struct nsp_target_view v[3])
{
	v[0] = (struct nsp_target_view){"gw1", inet_addr("10.99.0.1"), &fx[S_MIX], true,
					0,     NSP_CAUSE_NONE};
	v[1] = (struct nsp_target_view){"gw1", inet_addr("10.99.0.3"), &fx[S_MISSES], true,
					0,     NSP_CAUSE_NONE};
	v[2] = (struct nsp_target_view){"gw2", inet_addr("10.98.0.1"),	      &fx[S_ONE], false,
					7,     NSP_CAUSE_RECEIVE_PATH_MISSING};
}

/* The text of n views, NUL-terminated. Not inlined: GCC 12 then takes it for a dangling local. */
static __attribute__((noinline)) char *exposition(const struct nsp_target_view *v, size_t n)
{
	struct nsp_metrics_data d = {0};
	struct nsp_metrics_text text = {0};
	char *out;

	assert_int_equal(nsp_metrics_collect(&d, v, n), 0);
	assert_int_equal(nsp_metrics_format(&d, &text), 0);
	nsp_metrics_data_free(&d);
	out = malloc(text.len + 1);
	assert_non_null(out);
	memcpy(out, text.p, text.len);
	out[text.len] = '\0';
	free(text.p);
	return out;
}

/* ---- the golden text ---- */

/* clang-format off */
#define L1 "nsping_instance=\"gw1\",target=\"10.99.0.1\""
#define L2 "nsping_instance=\"gw1\",target=\"10.99.0.3\""
#define L3 "nsping_instance=\"gw2\",target=\"10.98.0.1\""
#define FAMILY(m, type, help) "# HELP " m " " help "\n# TYPE " m " " type "\n"
#define S(m, l, v) m "{" l "} " v "\n"
#define R(l, a, c, u, x, t)						\
	S("nsping_probes_total", l ",result=\"answered\"", a)		\
	S("nsping_probes_total", l ",result=\"closed\"", c)		\
	S("nsping_probes_total", l ",result=\"unreachable\"", u)	\
	S("nsping_probes_total", l ",result=\"time_exceeded\"", x)	\
	S("nsping_probes_total", l ",result=\"timeout\"", t)
#define B(l, le, v) S("nsping_rtt_seconds_bucket", l ",le=\"" le "\"", v)
/* the cumulative counts up to 1 ms, from 2.5 ms on (all the same here), sum, count */
#define H(l, b10, b25, b50, b100, b250, b500, b1m, rest, sum, count)			\
	B(l, "1e-05", b10) B(l, "2.5e-05", b25) B(l, "5e-05", b50) B(l, "0.0001", b100)	\
	B(l, "0.00025", b250) B(l, "0.0005", b500) B(l, "0.001", b1m)			\
	B(l, "0.0025", rest) B(l, "0.005", rest) B(l, "0.01", rest)			\
	B(l, "0.025", rest) B(l, "0.05", rest) B(l, "0.1", rest) B(l, "0.25", rest)	\
	B(l, "0.5", rest) B(l, "1", rest) B(l, "2.5", rest) B(l, "5", rest)		\
	B(l, "10", rest) B(l, "+Inf", count)						\
	S("nsping_rtt_seconds_sum", l, sum) S("nsping_rtt_seconds_count", l, count)

static const char golden[] =
	FAMILY("nsping_build_info", "gauge", "Always 1; the version of nsping.")
	"nsping_build_info{version=\"" NSPING_VERSION "\"} 1\n"
	FAMILY("nsping_probes_sent_total", "counter", "Probes sent to the target.")
	S("nsping_probes_sent_total", L1, "4")
	S("nsping_probes_sent_total", L2, "4")
	S("nsping_probes_sent_total", L3, "1")
	FAMILY("nsping_probes_total", "counter",
	       "Probes that ended, by result: answered (SYN-ACK), closed (RST), unreachable and "
	       "time_exceeded (ICMP errors), timeout (no answer within timeout_ms).")
	R(L1, "3", "0", "0", "0", "1")
	R(L2, "0", "1", "1", "1", "0")
	R(L3, "1", "0", "0", "0", "0")
	FAMILY("nsping_replies_late_total", "counter",
	       "SYN-ACKs that came after their probe's timeout.")
	S("nsping_replies_late_total", L1, "1")
	S("nsping_replies_late_total", L2, "0")
	S("nsping_replies_late_total", L3, "0")
	FAMILY("nsping_replies_duplicate_total", "counter", "Second and later SYN-ACKs to one probe.")
	S("nsping_replies_duplicate_total", L1, "2")
	S("nsping_replies_duplicate_total", L2, "0")
	S("nsping_replies_duplicate_total", L3, "0")
	FAMILY("nsping_probes_path_down_total", "counter",
	       "Probe rounds not counted because the instance's path was down.")
	S("nsping_probes_path_down_total", L1, "0")
	S("nsping_probes_path_down_total", L2, "0")
	S("nsping_probes_path_down_total", L3, "5")
	FAMILY("nsping_rtt_seconds", "histogram",
	       "Round-trip time of the answered probes, from kernel timestamps.")
	H(L1, "0", "0", "0", "1", "2", "3", "3", "3", "0.0006", "3")
	H(L2, "0", "0", "0", "0", "0", "0", "0", "0", "0", "0")
	H(L3, "0", "0", "0", "0", "0", "0", "0", "1", "0.001234", "1")
	FAMILY("nsping_probe_success", "gauge",
	       "1 if the target's last probe that ended was answered, else 0.")
	S("nsping_probe_success", L1, "1")
	S("nsping_probe_success", L2, "0")
	S("nsping_probe_success", L3, "1")
	FAMILY("nsping_target_up", "gauge",
	       "1 if the target is up (down_after misses, up_after answers), else 0.")
	S("nsping_target_up", L1, "1")
	S("nsping_target_up", L2, "0")
	S("nsping_target_up", L3, "1")
	FAMILY("nsping_path_up", "gauge", "1 if the probe path of the instance works, else 0.")
	S("nsping_path_up", "nsping_instance=\"gw1\"", "1")
	S("nsping_path_up", "nsping_instance=\"gw2\"", "0")
	FAMILY("nsping_path_cause", "gauge",
	       "Always 1; the label cause says why the instance's path is down (none while it is "
	       "up).")
	S("nsping_path_cause", "nsping_instance=\"gw1\",cause=\"none\"", "1")
	S("nsping_path_cause", "nsping_instance=\"gw2\",cause=\"receive_path_missing\"", "1")
	FAMILY("nsping_repairs_total", "counter",
	       "Repairs of the instance's datapath by nsping run (drift put back).")
	S("nsping_repairs_total", "nsping_instance=\"gw1\"", "0")
	S("nsping_repairs_total", "nsping_instance=\"gw2\"", "7")
	FAMILY("nsping_probes_sent_late_total", "counter",
	       "Probes sent more than 10 ms after their time (the worker was held up).")
	S("nsping_probes_sent_late_total", "nsping_instance=\"gw1\"", "0")
	S("nsping_probes_sent_late_total", "nsping_instance=\"gw2\"", "3");
/* clang-format on */

/* ---- the exposition format's rules, line by line ---- */

struct expo {
	size_t samples;
	size_t families;
};

/* The family a sample belongs to: its name, less _bucket/_sum/_count for a histogram. */
static bool in_family(const char *sample, const char *family, const char *type)
{
	size_t n = strlen(family);
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};

	if (strncmp(sample, family, n) != 0)
		return false;
	if (sample[n] == '\0')
		return strcmp(type, "histogram") != 0;
	if (strcmp(type, "histogram") != 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (strcmp(sample + n, suffixes[i]) == 0)
			return true;
	return false;
}

/* Label names of "{a="x",b="y"}" (values without quotes or escapes here), in order. */
static size_t label_names(const char *labels, char names[][32], size_t max)
{
	size_t n = 0;

	while (*labels == '{' || *labels == ',') {
		const char *eq = strchr(labels, '='), *end;

		if (!eq || n == max)
			break;
		snprintf(names[n++], sizeof(names[0]), "%.*s", (int)(eq - labels - 1), labels + 1);
		end = strchr(eq + 2, '"');
		if (!end)
			break;
		labels = end + 1;
	}
	return n;
}

/*
 * Checks every rule; fails naming the line. Histograms: per series (the
 * labels less le), buckets in increasing le, counts not decreasing, +Inf
 * last and equal to _count.
 */
static struct expo check_exposition(const char *what, const char *text)
{
	static char seen[4096][160];
	char family[64] = "", type[16] = "", hist_series[160] = "";
	double last_le = -1, last_count = -1, inf = -1;
	struct expo e = {0};
	size_t n_seen = 0;

	if (*text && text[strlen(text) - 1] != '\n')
		fail_msg("%s: the exposition does not end in a newline", what);
	for (const char *line = text, *nl; *line; line = nl + 1) {
		char l[256], name[64], kw[8], fam[64], rest[200], names[8][32];
		const char *brace, *space;
		double value;
		char *end;
		size_t n_names;

		nl = strchr(line, '\n');
		snprintf(l, sizeof(l), "%.*s", (int)(nl - line), line);
		if (sscanf(l, "# %7s %63s %199[^\n]", kw, fam, rest) == 3) {
			if (!strcmp(kw, "HELP")) {
				if (!strcmp(fam, family))
					fail_msg("%s: HELP for %s twice", what, fam);
				snprintf(family, sizeof(family), "%s", fam);
				type[0] = '\0';
				e.families++;
			} else if (!strcmp(kw, "TYPE")) {
				if (strcmp(fam, family) || type[0])
					fail_msg("%s: TYPE for %s not right after its HELP", what,
						 fam);
				if (strcmp(rest, "counter") && strcmp(rest, "gauge") &&
				    strcmp(rest, "histogram"))
					fail_msg("%s: TYPE %s for %s", what, rest, fam);
				snprintf(type, sizeof(type), "%.15s", rest);
			} else {
				fail_msg("%s: stray comment \"%s\"", what, l);
			}
			continue;
		}
		if (l[0] == '#')
			fail_msg("%s: stray comment \"%s\"", what, l);
		space = strrchr(l, ' ');
		brace = strchr(l, '{');
		if (!space || !brace || brace > space || space[-1] != '}')
			fail_msg("%s: not NAME{LABELS} VALUE: \"%s\"", what, l);
		value = strtod(space + 1, &end);
		if (*end || end == space + 1)
			fail_msg("%s: the value in \"%s\" is not a number", what, l);
		snprintf(name, sizeof(name), "%.*s", (int)(brace - l), l);
		if (!type[0] || !in_family(name, family, type))
			fail_msg("%s: sample \"%s\" outside its family's lines (in %s)", what, l,
				 family);
		n_names = label_names(brace, names, ARRAY_SIZE(names));
		for (size_t i = 0; i < n_names; i++)
			if (!strcmp(names[i], "instance") || !strcmp(names[i], "job"))
				fail_msg("%s: label %s, which Prometheus sets itself: \"%s\"", what,
					 names[i], l);
		for (size_t i = 0; i < n_seen; i++)
			if (!strncmp(seen[i], l, (size_t)(space - l)) && seen[i][space - l] == '\0')
				fail_msg("%s: series \"%s\" twice", what, l);
		if (n_seen < ARRAY_SIZE(seen))
			snprintf(seen[n_seen++], sizeof(seen[0]), "%.*s", (int)(space - l), l);
		if (!strcmp(type, "histogram")) {
			const char *le = strstr(brace, ",le=\"");
			char series[160];

			snprintf(series, sizeof(series), "%.*s",
				 (int)(le ? le - brace : space - brace), brace);
			if (le) {
				bool is_inf = !strncmp(le + 5, "+Inf\"", 5);
				double bound = is_inf ? 1e300 : strtod(le + 5, NULL);

				if (strcmp(series, hist_series)) {
					snprintf(hist_series, sizeof(hist_series), "%s", series);
					last_le = -1, last_count = -1, inf = -1;
				}
				if (bound <= last_le || value < last_count)
					fail_msg("%s: bucket out of order or decreasing: \"%s\"",
						 what, l);
				last_le = bound, last_count = value;
				if (is_inf)
					inf = value;
			} else if (strstr(name, "_count") && value != inf) {
				fail_msg("%s: _count is not the +Inf bucket: \"%s\"", what, l);
			}
		}
		e.samples++;
	}
	return e;
}

/* ---- tests ---- */

static void assert_text(const char *what, const char *got, const char *want)
{
	size_t i = 0;

	if (!strcmp(got, want))
		return;
	while (got[i] && got[i] == want[i])
		i++;
	fail_msg("%s differs at byte %zu:\n got  ...%.100s\n want ...%.100s", what, i, got + i,
		 want + i);
}

static void test_golden(void **state)
{
	struct nsp_target_view v[3];
	struct expo e;
	char *out;

	(void)state;
	fixtures_init();
	views(v);
	out = exposition(v, 3);
	assert_text("the exposition", out, golden);
	e = check_exposition("three targets", out);
	/* build_info; 3 targets x (sent, 5 results, late, dup, path_down, 22 rtt, success, up);
	   2 instances x 4 */
	assert_int_equal(e.samples, 1 + 3 * (1 + 5 + 3 + 22 + 2) + 2 * 4);
	assert_int_equal(e.families, 13);
	free(out);

	/* No targets at all: every family's HELP and TYPE, build_info, still valid. */
	out = exposition(v, 0);
	e = check_exposition("no targets", out);
	assert_int_equal(e.samples, 1);
	assert_int_equal(e.families, 13);
	free(out);
}

static void test_build_info(void **state)
{
	struct nsp_target_view v[3];
	char *out;

	(void)state;
	fixtures_init();
	views(v);
	out = exposition(v, 1);
	assert_non_null(strstr(out, "# TYPE nsping_build_info gauge\n"
				    "nsping_build_info{version=\"" NSPING_VERSION "\"} 1\n"));
	/* the Makefile's VERSION, not a stand-in */
	assert_string_not_equal(NSPING_VERSION, "unknown");
	free(out);
}

/*
 * Prometheus attaches instance and job to every series it scrapes; a label of
 * that name in the text comes out renamed exported_instance. check_exposition
 * parses every label name of every sample; this case also looks at the raw text.
 */
static void test_no_prometheus_labels(void **state)
{
	struct nsp_target_view v[3];
	char *out;

	(void)state;
	fixtures_init();
	views(v);
	out = exposition(v, 3);
	check_exposition("labels", out);
	assert_null(strstr(out, "{instance="));
	assert_null(strstr(out, ",instance="));
	assert_null(strstr(out, "{job="));
	assert_null(strstr(out, ",job="));
	free(out);
}

/* RTTs into buckets: le is "less or equal", the sum exact in microseconds. */
struct hist_case {
	const char *name;
	uint64_t rtts[8];
	size_t n;
	const char *want[4]; /* "LE COUNT" of some buckets, cumulative */
	const char *sum, *count;
};

static const struct hist_case hist_cases[] = {
	{"nothing answered", {0}, 0, {"1e-05 0", "10 0", "+Inf 0"}, "0", "0"},
	{"on the bounds",
	 {10, 25, 100},
	 3,
	 {"1e-05 1", "2.5e-05 2", "5e-05 2", "0.0001 3"},
	 "0.000135",
	 "3"},
	{"just above",
	 {11, 26, 101},
	 3,
	 {"1e-05 0", "2.5e-05 1", "5e-05 2", "0.0001 2"},
	 "0.000138",
	 "3"},
	{"a veth and a rack",
	 {42, 57, 180, 700},
	 4,
	 {"5e-05 1", "0.0001 2", "0.00025 3", "0.001 4"},
	 "0.000979",
	 "4"},
	{"zero", {0}, 1, {"1e-05 1", "+Inf 1"}, "0", "1"},
	{"seconds",
	 {1000000, 1000001, 9999999, 10000000},
	 4,
	 {"1 1", "2.5 2", "5 2", "10 4"},
	 "22",
	 "4"},
	{"past the last bound", {10000001, 60000000}, 2, {"10 0", "+Inf 2"}, "70.000001", "2"},
};

static void test_histogram(void **state)
{
	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(hist_cases); c++) {
		const struct hist_case *hc = &hist_cases[c];
		struct nsp_target_stats s = {0};
		struct nsp_target_view v = {"gw1", inet_addr("10.99.0.1"), &s, true,
					    0,	   NSP_CAUSE_NONE};
		char *out, line[160];

		for (size_t i = 0; i < hc->n; i++) {
			s.sent++;
			nsp_stats_record(&s, NSP_OUT_ANSWERED, hc->rtts[i], 3, 1);
		}
		out = exposition(&v, 1);
		check_exposition(hc->name, out);
		for (size_t i = 0; i < ARRAY_SIZE(hc->want) && hc->want[i]; i++) {
			char le[16];
			unsigned long long count;

			sscanf(hc->want[i], "%15s %llu", le, &count);
			snprintf(line, sizeof(line),
				 "\nnsping_rtt_seconds_bucket{" L1 ",le=\"%s\"} %llu\n", le, count);
			if (!strstr(out, line))
				fail_msg("case \"%s\": no line \"%s\"", hc->name, line + 1);
		}
		snprintf(line, sizeof(line), "\nnsping_rtt_seconds_sum{" L1 "} %s\n", hc->sum);
		if (!strstr(out, line))
			fail_msg("case \"%s\": no line \"%s\"", hc->name, line + 1);
		snprintf(line, sizeof(line), "\nnsping_rtt_seconds_count{" L1 "} %s\n", hc->count);
		if (!strstr(out, line))
			fail_msg("case \"%s\": no line \"%s\"", hc->name, line + 1);
		free(out);
	}
}

/*
 * Counters are integers and come out exactly (a float64 holds every integer
 * only up to 2^53), however long the worker runs.
 */
static void test_big_counters(void **state)
{
	static const char *const want[] = {
		"nsping_probes_sent_total{" L1 "} 1234567891\n",
		"nsping_probes_total{" L1 ",result=\"answered\"} 1234567890\n",
		"nsping_probes_total{" L1 ",result=\"timeout\"} 1\n",
		"nsping_replies_late_total{" L1 "} 4294967297\n",
		"nsping_replies_duplicate_total{" L1 "} 5000000000\n",
		"nsping_rtt_seconds_bucket{" L1 ",le=\"0.0001\"} 1234567890\n",
		"nsping_rtt_seconds_sum{" L1 "} 123456789012.345678\n",
		"nsping_probes_sent_late_total{nsping_instance=\"gw1\"} 9007199254740993\n",
	};
	struct nsp_target_view v = {"gw1", inet_addr("10.99.0.1"), NULL, true, 0, NSP_CAUSE_NONE};
	char *out;

	(void)state;
	fixtures_init();
	v.stats = &fx[S_BIG];
	out = exposition(&v, 1);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(out, want[i]))
			fail_msg("not exact, or missing: %s", want[i]);
	free(out);
}

/* The copy owns everything: the worker may change or free its targets after. */
static void test_collect(void **state)
{
	struct nsp_target_view v[3];
	struct nsp_metrics_data d = {0};
	char gw1[] = "gw1";

	(void)state;
	fixtures_init();
	views(v);
	v[0].instance = v[1].instance = gw1;
	assert_int_equal(nsp_metrics_collect(&d, v, 3), 0);
	assert_int_equal(d.n_instances, 2);
	assert_string_equal(d.instances[0].name, "gw1");
	assert_string_equal(d.instances[1].name, "gw2");
	assert_int_equal(d.instances[1].repairs, 7);
	assert_false(d.instances[1].path_up);
	assert_int_equal(d.targets[2].instance, 1);
	gw1[0] = 'x';
	fx[S_MIX].sent = 99;
	assert_string_equal(d.instances[0].name, "gw1");
	assert_int_equal(d.targets[0].stats.sent, 4);
	/* an instance seen again after another one keeps its index, whatever the pointer */
	gw1[0] = 'g';
	v[2].instance = "gw1";
	v[1].instance = "gw2";
	assert_int_equal(nsp_metrics_collect(&d, v, 3), 0);
	assert_int_equal(d.n_instances, 2);
	assert_int_equal(d.targets[2].instance, 0);
	/* fewer targets: the buffer is reused */
	assert_int_equal(nsp_metrics_collect(&d, v, 1), 0);
	assert_int_equal(d.n_targets, 1);
	assert_int_equal(d.n_instances, 1);
	nsp_metrics_data_free(&d);
}

/*
 * Formatting into a text formats over what it held, in its memory: a shorter
 * text after a longer one is exact (nothing of the longer is left) and moves
 * nothing; a longer one grows it.
 */
static void test_format_reuses_the_text(void **state)
{
	struct nsp_target_view v[3];
	struct nsp_metrics_data d = {0};
	struct nsp_metrics_text text = {0};
	char *three, *one;
	char *p;

	(void)state;
	fixtures_init();
	views(v);
	three = exposition(v, 3);
	one = exposition(v, 1);
	assert_int_equal(nsp_metrics_collect(&d, v, 3), 0);
	assert_int_equal(nsp_metrics_format(&d, &text), 0);
	assert_int_equal(text.len, strlen(three));
	assert_true(text.cap >= text.len);
	p = text.p;
	assert_int_equal(nsp_metrics_collect(&d, v, 1), 0);
	assert_int_equal(nsp_metrics_format(&d, &text), 0);
	assert_ptr_equal(text.p, p);
	assert_int_equal(text.len, strlen(one));
	assert_memory_equal(text.p, one, text.len);
	free(text.p);
	text.p = malloc(16); /* a small one: it grows (under ASan, a write past it fails) */
	assert_non_null(text.p);
	text.cap = 16;
	assert_int_equal(nsp_metrics_collect(&d, v, 3), 0);
	assert_int_equal(nsp_metrics_format(&d, &text), 0);
	assert_int_equal(text.len, strlen(three));
	assert_true(text.cap >= text.len);
	assert_memory_equal(text.p, three, text.len);
	nsp_metrics_data_free(&d);
	free(text.p);
	free(three);
	free(one);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n >= 0);
	return buf;
}

/*
 * The threads: what the loop hands over is formatted and written by the
 * formatter; the last hand-over before nsp_metrics_free() is in the file
 * when it returns (the worker's final summary and file agree).
 */
static void test_file_writer(void **state)
{
	char dir[] = "/tmp/nsping-test-metrics.XXXXXX", path[64];
	struct nsp_target_view v[3];
	struct nsp_metrics m = {.listen_fd = -1};
	char *out, *want;

	(void)state;
	fixtures_init();
	views(v);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nsping.prom", dir);
	assert_false(nsp_metrics_wanted(&m));
	assert_int_equal(nsp_metrics_start(&m), 0);
	assert_null(m.srv);
	m.file = path;

	/* before the threads: written by the caller */
	nsp_metrics_update(&m, v, 1);
	out = slurp(path);
	want = exposition(v, 1);
	assert_text("the file before start", out, want);
	free(out);
	free(want);

	assert_int_equal(nsp_metrics_start(&m), 0);
	assert_non_null(m.srv);
	for (int i = 0; i < 100; i++) {
		fx[S_MIX].sent = (uint64_t)i;
		nsp_metrics_update(&m, v, 3);
	}
	nsp_metrics_free(&m);
	assert_null(m.srv);
	out = slurp(path);
	want = exposition(v, 3);
	assert_text("the file after the last update", out, want);
	assert_non_null(strstr(out, "nsping_probes_sent_total{" L1 "} 99\n"));
	free(out);
	free(want);
	nsp_metrics_free(&m); /* twice is harmless */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* `--exposition`: the texts promtool checks, separated by a line "---". */
static int print_expositions(void)
{
	struct nsp_target_view v[3];
	struct nsp_metrics_data d = {0};
	const size_t counts[] = {3, 0};
	int rc = 0;

	fixtures_init();
	views(v);
	for (size_t i = 0; i <= ARRAY_SIZE(counts); i++) {
		struct nsp_target_view big = {"gw1", inet_addr("10.99.0.1"), &fx[S_BIG], true,
					      0,     NSP_CAUSE_NONE};
		struct nsp_metrics_text text = {0};

		if (i == ARRAY_SIZE(counts) ? nsp_metrics_collect(&d, &big, 1)
					    : nsp_metrics_collect(&d, v, counts[i]))
			return 1;
		if (nsp_metrics_format(&d, &text))
			return 1;
		if (i)
			fputs("---\n", stdout);
		rc |= fwrite(text.p, 1, text.len, stdout) != text.len;
		free(text.p);
	}
	nsp_metrics_data_free(&d);
	return rc;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_build_info),
		cmocka_unit_test(test_no_prometheus_labels),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_big_counters),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_format_reuses_the_text),
		cmocka_unit_test(test_file_writer),
	};

	if (argc == 2 && !strcmp(argv[1], "--exposition"))
		return print_expositions();
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
