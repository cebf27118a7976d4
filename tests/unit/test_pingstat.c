// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-target statistics: sequences of probe outcomes with the state and the
 * state change expected after every step, counters, loss and the RTT
 * figures against values worked out by hand.
 *
 * A sequence is a string, one letter a probe:
 *	A answered (SYN-ACK)    C closed (RST)    U unreachable
 *	X time exceeded         T timeout
 * the states after each step:  ? unknown   U up   D down
 * and the steps that report a change:  ! changed   . unchanged
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pingstat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static enum nsp_outcome outcome_of(char c)
{
	switch (c) {
	case 'A':
		return NSP_OUT_ANSWERED;
	case 'C':
		return NSP_OUT_CLOSED;
	case 'U':
		return NSP_OUT_UNREACHABLE;
	case 'X':
		return NSP_OUT_TIME_EXCEEDED;
	case 'T':
		return NSP_OUT_TIMEOUT;
	}
	fail_msg("bad outcome letter '%c' in the table", c);
	return NSP_OUT_TIMEOUT;
}

static char state_letter(enum nsp_target_state st)
{
	return st == NSP_TARGET_UP ? 'U' : st == NSP_TARGET_DOWN ? 'D' : '?';
}

struct seq_case {
	const char *name;
	uint32_t down_after, up_after;
	const char *outcomes;
	const char *states;
	const char *changes;
};

static const struct seq_case seq_cases[] = {
	{"down after 3 timeouts", 3, 1, "AATTT", "UUUUD", "!...!"},
	{"two timeouts are not enough", 3, 1, "AATT", "UUUU", "!..."},
	{"up after 2 answers", 3, 2, "TTTAA", "??DDU", "..!.!"},
	{"one answer of 2 leaves unknown", 3, 2, "A", "?", "."},
	{"unknown to up on the up_after-th answer", 3, 2, "AA", "?U", ".!"},
	{"unknown to down on the down_after-th miss", 2, 1, "TT", "?D", ".!"},
	{"closed counts as a miss", 2, 1, "ACC", "UUD", "!.!"},
	{"unreachable counts as a miss", 2, 1, "AUU", "UUD", "!.!"},
	{"time exceeded counts as a miss", 2, 1, "AXX", "UUD", "!.!"},
	{"mixed misses make one run", 4, 1, "ACUXT", "UUUUD", "!...!"},
	{"an answer resets the miss run", 3, 1, "ATTATTT", "UUUUUUD", "!.....!"},
	{"a miss resets the answer run", 3, 2, "TTTATAA", "??DDDDU", "..!...!"},
	{"flapping below the thresholds never changes", 2, 1, "ATATATA", "UUUUUUU", "!......"},
	{"down_after 1 and up_after 1 follow every probe", 1, 1, "ATAT", "UDUD", "!!!!"},
	{"staying down reports once", 2, 1, "TTTTT", "?DDDD", ".!..."},
	{"staying up reports once", 3, 1, "AAAAA", "UUUUU", "!...."},
	{"recovery needs up_after answers again", 2, 3, "AAATTAAA", "??UUDDDU", "..!.!..!"},
	{"defaults 3 and 2", 3, 2, "AATTTAA", "?UUUDDU", ".!..!.!"},
};

static void run_seq_case(const struct seq_case *c)
{
	struct nsp_target_stats s;
	size_t n = strlen(c->outcomes);

	if (strlen(c->states) != n || strlen(c->changes) != n)
		fail_msg("case \"%s\": the table's strings differ in length", c->name);
	memset(&s, 0, sizeof(s));
	if (s.state != NSP_TARGET_UNKNOWN)
		fail_msg("case \"%s\": a zeroed target is not unknown", c->name);
	for (size_t i = 0; i < n; i++) {
		bool changed = nsp_stats_record(&s, outcome_of(c->outcomes[i]), 1000, c->down_after,
						c->up_after);

		if (state_letter(s.state) != c->states[i])
			fail_msg("case \"%s\": after step %zu (%c of \"%s\") the state is %c (%s), "
				 "expected %c",
				 c->name, i + 1, c->outcomes[i], c->outcomes, state_letter(s.state),
				 nsp_target_state_name(s.state), c->states[i]);
		if (changed != (c->changes[i] == '!'))
			fail_msg("case \"%s\": step %zu (%c of \"%s\") %s a change, expected %s",
				 c->name, i + 1, c->outcomes[i], c->outcomes,
				 changed ? "reported" : "did not report",
				 c->changes[i] == '!' ? "one" : "none");
	}
}

static void test_hysteresis(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(seq_cases); i++)
		run_seq_case(&seq_cases[i]);
}

struct count_case {
	const char *name;
	const char *outcomes;
	uint64_t received, closed, unreachable, timeouts;
	double loss_pct;
};

static const struct count_case count_cases[] = {
	{"nothing yet", "", 0, 0, 0, 0, 0.0},
	{"all answered", "AAAA", 4, 0, 0, 0, 0.0},
	{"all timed out", "TTT", 0, 0, 0, 3, 100.0},
	{"one of four lost", "AATA", 3, 0, 0, 1, 25.0},
	{"every kind", "AATCUX", 2, 1, 2, 1, 400.0 / 6},
	{"closed is a loss", "AC", 1, 1, 0, 0, 50.0},
	{"two of three lost", "ATT", 1, 0, 0, 2, 200.0 / 3},
};

static void test_counters(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(count_cases); i++) {
		const struct count_case *c = &count_cases[i];
		struct nsp_target_stats s;
		double loss;

		memset(&s, 0, sizeof(s));
		for (const char *o = c->outcomes; *o; o++) {
			s.sent++; /* the worker counts sends */
			nsp_stats_record(&s, outcome_of(*o), 500, 3, 2);
		}
		if (s.received != c->received || s.closed != c->closed ||
		    s.unreachable != c->unreachable || s.timeouts != c->timeouts)
			fail_msg("case \"%s\": received/closed/unreachable/timeouts "
				 "%llu/%llu/%llu/%llu"
				 ", expected %llu/%llu/%llu/%llu",
				 c->name, (unsigned long long)s.received,
				 (unsigned long long)s.closed, (unsigned long long)s.unreachable,
				 (unsigned long long)s.timeouts, (unsigned long long)c->received,
				 (unsigned long long)c->closed, (unsigned long long)c->unreachable,
				 (unsigned long long)c->timeouts);
		if (s.sent != strlen(c->outcomes) || s.late || s.duplicate || s.path_down)
			fail_msg("case \"%s\": nsp_stats_record touched a counter the worker owns",
				 c->name);
		loss = nsp_stats_loss_pct(&s);
		if (fabs(loss - c->loss_pct) > 1e-9)
			fail_msg("case \"%s\": loss %.6f%%, expected %.6f%%", c->name, loss,
				 c->loss_pct);
	}
}

/* Loss counts the probes whose outcome is known, not those still in flight. */
static void test_loss_in_flight(void **state)
{
	struct nsp_target_stats s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.sent = 3;
	nsp_stats_record(&s, NSP_OUT_ANSWERED, 100, 3, 2);
	nsp_stats_record(&s, NSP_OUT_TIMEOUT, 0, 3, 2);
	assert_true(fabs(nsp_stats_loss_pct(&s) - 50.0) < 1e-9);

	/* One probe out, no outcome yet: no loss to speak of. */
	memset(&s, 0, sizeof(s));
	s.sent = 1;
	assert_true(nsp_stats_loss_pct(&s) == 0.0);
}

/*
 * RTTs.  rtts[i] goes with outcomes[i]; a miss carries a huge RTT that must
 * be ignored.  Expected values by hand: avg rounded to the nearest us,
 * mdev = sqrt(E[x^2] - E[x]^2) rounded.
 */
struct rtt_case {
	const char *name;
	const char *outcomes;
	uint64_t rtts[8];
	uint64_t min, avg, max, mdev, last;
};

#define MISS 999999999ULL

static const struct rtt_case rtt_cases[] = {
	{"no answers", "TT", {MISS, MISS}, 0, 0, 0, 0, 0},
	{"one answer", "A", {1234}, 1234, 1234, 1234, 0, 1234},
	/* E[x^2] = 140000/3, E[x]^2 = 40000: sqrt(6666.67) = 81.65 */
	{"100 200 300", "AAA", {100, 200, 300}, 100, 200, 300, 82, 300},
	{"300 100 200: min is not the first", "AAA", {300, 100, 200}, 100, 200, 300, 82, 200},
	/* 100 and 300: mean 200, deviations +-100 */
	{"misses do not count", "ATAC", {100, MISS, 300, MISS}, 100, 200, 300, 100, 300},
	{"an answer after misses sets min", "TTA", {MISS, MISS, 700}, 700, 700, 700, 0, 700},
	{"a zero RTT is a real minimum", "AA", {0, 50}, 0, 25, 50, 25, 50},
	{"10 20", "AA", {10, 20}, 10, 15, 20, 5, 20},
	/* mean 1.5 -> 2; sqrt(2.5 - 2.25) = 0.5 -> 1 */
	{"halves round up", "AA", {1, 2}, 1, 2, 2, 1, 2},
	{"identical RTTs", "AAA", {500, 500, 500}, 500, 500, 500, 0, 500},
	/* 1, 1, 4: mean 2, E[x^2] = 6, var 2, sqrt 1.414 */
	{"1 1 4", "AAA", {1, 1, 4}, 1, 2, 4, 1, 4},
	{"seconds", "AA", {999000, 1001000}, 999000, 1000000, 1001000, 1000, 1001000},
	/* 2 4 4 4 5 5 7 9: the textbook set, mean 5, sd 2 */
	{"textbook", "AAAAAAAA", {2, 4, 4, 4, 5, 5, 7, 9}, 2, 5, 9, 2, 9},
};

static void test_rtt(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rtt_cases); i++) {
		const struct rtt_case *c = &rtt_cases[i];
		struct nsp_target_stats s;
		uint64_t got[5], want[5] = {c->min, c->avg, c->max, c->mdev, c->last};
		static const char *const what[5] = {"min", "avg", "max", "mdev", "last"};

		memset(&s, 0, sizeof(s));
		for (size_t k = 0; c->outcomes[k]; k++)
			nsp_stats_record(&s, outcome_of(c->outcomes[k]), c->rtts[k], 3, 2);
		got[0] = s.rtt_min_us;
		got[1] = nsp_stats_avg_us(&s);
		got[2] = s.rtt_max_us;
		got[3] = nsp_stats_mdev_us(&s);
		got[4] = s.rtt_last_us;
		for (size_t k = 0; k < 5; k++)
			if (got[k] != want[k])
				fail_msg("case \"%s\": rtt %s %llu us, expected %llu us", c->name,
					 what[k], (unsigned long long)got[k],
					 (unsigned long long)want[k]);
	}
}

/*
 * A million RTTs of 1 s +- 1 us: sum(x^2) - n*mean^2 cancels out to 0 in
 * doubles, a running mean and M2 (Welford) keep the 1 us.
 */
static void test_mdev_stable(void **state)
{
	struct nsp_target_stats s = {0};

	(void)state;
	for (int i = 0; i < 1000000; i++) {
		s.sent++;
		nsp_stats_record(&s, NSP_OUT_ANSWERED, i % 2 ? 1000001 : 999999, 3, 1);
	}
	assert_int_equal(nsp_stats_avg_us(&s), 1000000);
	assert_int_equal(nsp_stats_mdev_us(&s), 1);
}

/*
 * The histogram: each answer in the one bucket whose bound it does not pass
 * ("le", less or equal), none above the last bound (only in received), the
 * sum exact; misses in none. Time exceeded is an unreachable too, counted apart.
 */
static void test_buckets(void **state)
{
	static const struct {
		uint64_t rtt_us;
		int bucket; /* -1: above the last bound */
	} cases[] = {
		{0, 0},	       {10, 0},	       {11, 1},	       {25, 1},
		{26, 2},       {99, 3},	       {100, 3},       {101, 4},
		{1000, 6},     {1001, 7},      {999999, 15},   {1000000, 15},
		{1000001, 16}, {10000000, 18}, {10000001, -1}, {60000000, -1},
	};
	struct nsp_target_stats s = {0};
	uint64_t want[NSP_RTT_BUCKETS] = {0}, sum = 0;

	(void)state;
	for (size_t i = 1; i < NSP_RTT_BUCKETS; i++)
		assert_true(nsp_rtt_bucket_le_us[i] > nsp_rtt_bucket_le_us[i - 1]);
	assert_int_equal(nsp_rtt_bucket_le_us[0], 10);
	assert_int_equal(nsp_rtt_bucket_le_us[NSP_RTT_BUCKETS - 1], 10000000);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nsp_target_stats one = {0};

		nsp_stats_record(&one, NSP_OUT_ANSWERED, cases[i].rtt_us, 3, 1);
		for (int b = 0; b < NSP_RTT_BUCKETS; b++)
			if (one.rtt_bucket[b] != (b == cases[i].bucket))
				fail_msg("RTT %llu us: bucket %d holds %llu",
					 (unsigned long long)cases[i].rtt_us, b,
					 (unsigned long long)one.rtt_bucket[b]);
		nsp_stats_record(&s, NSP_OUT_ANSWERED, cases[i].rtt_us, 3, 1);
		if (cases[i].bucket >= 0)
			want[cases[i].bucket]++;
		sum += cases[i].rtt_us;
	}
	nsp_stats_record(&s, NSP_OUT_TIMEOUT, 5, 3, 1);
	nsp_stats_record(&s, NSP_OUT_CLOSED, 5, 3, 1);
	nsp_stats_record(&s, NSP_OUT_TIME_EXCEEDED, 5, 3, 1);
	nsp_stats_record(&s, NSP_OUT_UNREACHABLE, 5, 3, 1);
	assert_memory_equal(s.rtt_bucket, want, sizeof(want));
	assert_int_equal(s.rtt_sum_us, sum);
	assert_int_equal(s.received, ARRAY_SIZE(cases));
	assert_int_equal(s.unreachable, 2);
	assert_int_equal(s.time_exceeded, 1);
	assert_int_equal(s.sent_late, 0); /* the worker's to count */
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(nsp_target_state_name(NSP_TARGET_UNKNOWN), "unknown");
	assert_string_equal(nsp_target_state_name(NSP_TARGET_UP), "up");
	assert_string_equal(nsp_target_state_name(NSP_TARGET_DOWN), "down");
	assert_string_equal(nsp_outcome_name(NSP_OUT_ANSWERED), "answered");
	assert_string_equal(nsp_outcome_name(NSP_OUT_CLOSED), "closed");
	assert_string_equal(nsp_outcome_name(NSP_OUT_UNREACHABLE), "unreachable");
	assert_string_equal(nsp_outcome_name(NSP_OUT_TIME_EXCEEDED), "time-exceeded");
	assert_string_equal(nsp_outcome_name(NSP_OUT_TIMEOUT), "timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hysteresis),     cmocka_unit_test(test_counters),
		cmocka_unit_test(test_loss_in_flight), cmocka_unit_test(test_rtt),
		cmocka_unit_test(test_names),	       cmocka_unit_test(test_mdev_stable),
		cmocka_unit_test(test_buckets),
	};

	return cmocka_run_group_tests_name("pingstat", tests, NULL, NULL);
}
