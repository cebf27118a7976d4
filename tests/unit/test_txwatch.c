// SPDX-License-Identifier: GPL-2.0-only
/*
 * run's judgement of tx_ping's transmit (txwatch.h): failing when the uplink
 * lost every probe tx_ping redirected since the last reading, flowing again
 * when one got through, and never a verdict from a reading that has nothing
 * to compare with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "txwatch.h"

static void test_first_reading_is_a_baseline(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	/* losses before nsping looked say nothing about now */
	assert_int_equal(nsp_txwatch_feed(&w, 7, 100, true, 100), NSP_TX_UNCHANGED);
	assert_false(w.failing);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 100, true, 100), NSP_TX_UNCHANGED);
}

static void test_every_redirect_lost_is_failing(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	assert_int_equal(nsp_txwatch_feed(&w, 7, 10, true, 0), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 12, true, 2), NSP_TX_FAILING);
	assert_true(w.failing);
	assert_int_equal(w.failed, 2);
	/* said once; the count goes on */
	assert_int_equal(nsp_txwatch_feed(&w, 7, 15, true, 5), NSP_TX_UNCHANGED);
	assert_int_equal(w.failed, 5);
	/* no probe at all: still failing */
	assert_int_equal(nsp_txwatch_feed(&w, 7, 15, true, 5), NSP_TX_UNCHANGED);
	assert_true(w.failing);
	/* one got through: flowing again */
	assert_int_equal(nsp_txwatch_feed(&w, 7, 17, true, 6), NSP_TX_FLOWING);
	assert_false(w.failing);
	assert_int_equal(w.failed, 0);
}

/*
 * The reading in which the uplink began to refuse saw some probes through and
 * some lost: not yet failing, and not lossless either, so that run dates the
 * failure from the reading before it (heal.c's tx_clean_ns) and the probes
 * lost in between are excused too.
 */
static void test_the_reading_where_losses_begin_is_not_lossless(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	assert_int_equal(nsp_txwatch_feed(&w, 7, 10, true, 0), NSP_TX_UNCHANGED);
	assert_true(w.lossless);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 20, true, 0), NSP_TX_UNCHANGED);
	assert_true(w.lossless);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 30, true, 4), NSP_TX_UNCHANGED);
	assert_false(w.lossless);
	assert_false(w.failing);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 40, true, 14), NSP_TX_FAILING);
	assert_false(w.lossless);
}

/* Some lost, some not: a lossy uplink, not a refusing one. */
static void test_partial_loss_is_not_failing(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	assert_int_equal(nsp_txwatch_feed(&w, 7, 10, true, 0), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 14, true, 1), NSP_TX_UNCHANGED);
	assert_false(w.failing);
	/* losses without a redirect of ours are someone else's frames */
	assert_int_equal(nsp_txwatch_feed(&w, 7, 14, true, 9), NSP_TX_UNCHANGED);
	assert_false(w.failing);
}

/* A repair re-attached tx_ping, or the uplink came back: a baseline again. */
static void test_new_program_or_uplink_counts_afresh(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	assert_int_equal(nsp_txwatch_feed(&w, 7, 100, true, 50), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 8, 3, true, 53), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 8, 4, true, 54), NSP_TX_FAILING);
	/* the uplink's counters went back (a new device): a baseline, not a wrap */
	assert_int_equal(nsp_txwatch_feed(&w, 8, 5, true, 1), NSP_TX_UNCHANGED);
	assert_true(w.failing);
	assert_int_equal(nsp_txwatch_feed(&w, 8, 6, true, 1), NSP_TX_FLOWING);
}

/* Detached, or statistics gone: nothing to judge, and failing ends. */
static void test_nothing_to_judge_ends_failing(void **state)
{
	struct nsp_txwatch w = {0};

	(void)state;
	assert_int_equal(nsp_txwatch_feed(&w, 0, 0, true, 0), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 0, true, 0), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 9, true, 9), NSP_TX_FAILING);
	assert_int_equal(nsp_txwatch_feed(&w, 0, 0, true, 0), NSP_TX_FLOWING);
	assert_false(w.failing);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 0, false, 0), NSP_TX_UNCHANGED);
	assert_int_equal(nsp_txwatch_feed(&w, 7, 5, false, 5), NSP_TX_UNCHANGED);
	assert_false(w.failing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_reading_is_a_baseline),
		cmocka_unit_test(test_every_redirect_lost_is_failing),
		cmocka_unit_test(test_the_reading_where_losses_begin_is_not_lossless),
		cmocka_unit_test(test_partial_loss_is_not_failing),
		cmocka_unit_test(test_new_program_or_uplink_counts_afresh),
		cmocka_unit_test(test_nothing_to_judge_ends_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
