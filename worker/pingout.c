// SPDX-License-Identifier: GPL-2.0-only
/* Text and JSON lines output of the worker; see pingout.h. */
#include "addr.h"
#include "json.h"
#include "pingout.h"

const char *nsp_result_name(enum nsp_result r)
{
	static const char *const names[] = {
		[NSP_RES_ANSWERED] = "answered",       [NSP_RES_CLOSED] = "closed",
		[NSP_RES_UNREACHABLE] = "unreachable", [NSP_RES_TIME_EXCEEDED] = "time_exceeded",
		[NSP_RES_TIMEOUT] = "timeout",	       [NSP_RES_LATE] = "late",
		[NSP_RES_DUPLICATE] = "duplicate",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *nsp_rtt_source_name(enum nsp_rtt_source s)
{
	return s == NSP_RTT_KERNEL ? "kernel" : s == NSP_RTT_USER_TX ? "user_tx" : "user";
}

static void ms(FILE *f, uint64_t us)
{
	fprintf(f, "%llu.%03llu", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
}

static void text_probe(FILE *f, const struct nsp_probe_event *ev, const struct nsp_target_stats *s)
{
	char ip[NSP_IPV4_STRLEN], from[NSP_IPV4_STRLEN];

	fprintf(f, "%s %s : [%llu], ", ev->instance, nsp_ipv4_format(ev->target, ip),
		(unsigned long long)ev->seq);
	switch (ev->result) {
	case NSP_RES_ANSWERED:
		fputs("syn-ack, ", f);
		ms(f, ev->rtt_us);
		fputs(" ms (", f);
		ms(f, nsp_stats_avg_us(s));
		fprintf(f, " avg, %.0f%% loss)%s\n", nsp_stats_loss_pct(s),
			ev->gateway_magic ? " magic" : "");
		return;
	case NSP_RES_CLOSED:
		fprintf(f, "rst: port closed (%.0f%% loss)\n", nsp_stats_loss_pct(s));
		return;
	case NSP_RES_UNREACHABLE:
	case NSP_RES_TIME_EXCEEDED:
		fprintf(f, "%s from %s, icmp type %u code %u (%.0f%% loss)\n",
			ev->result == NSP_RES_UNREACHABLE ? "unreachable" : "time exceeded",
			nsp_ipv4_format(ev->from, from), ev->icmp_type, ev->icmp_code,
			nsp_stats_loss_pct(s));
		return;
	case NSP_RES_TIMEOUT:
		fprintf(f, "timed out (%.0f%% loss)\n", nsp_stats_loss_pct(s));
		return;
	case NSP_RES_LATE:
	case NSP_RES_DUPLICATE:
		fprintf(f, "%s syn-ack, ", ev->result == NSP_RES_LATE ? "late" : "duplicate");
		ms(f, ev->rtt_us);
		fputs(" ms\n", f);
		return;
	}
}

/* Opens a JSON line: {"type":TYPE,"instance":..,"target":.. */
static void json_head(struct nsp_json *j, FILE *f, const char *type, const char *instance,
		      const uint32_t *target)
{
	char ip[NSP_IPV4_STRLEN];

	nsp_json_init(j, f);
	nsp_json_begin_object(j, NULL);
	nsp_json_string(j, "type", type);
	nsp_json_string(j, "instance", instance);
	if (target)
		nsp_json_string(j, "target", nsp_ipv4_format(*target, ip));
}

static void json_probe(FILE *f, const struct nsp_probe_event *ev)
{
	char ip[NSP_IPV4_STRLEN];
	struct nsp_json j;

	json_head(&j, f, "probe", ev->instance, &ev->target);
	nsp_json_uint(&j, "seq", ev->seq);
	nsp_json_string(&j, "result", nsp_result_name(ev->result));
	switch (ev->result) {
	case NSP_RES_ANSWERED:
		nsp_json_uint(&j, "rtt_us", ev->rtt_us);
		nsp_json_string(&j, "rtt_source", nsp_rtt_source_name(ev->rtt_source));
		nsp_json_bool(&j, "gateway_magic", ev->gateway_magic);
		break;
	case NSP_RES_LATE:
	case NSP_RES_DUPLICATE:
		nsp_json_uint(&j, "rtt_us", ev->rtt_us);
		break;
	case NSP_RES_UNREACHABLE:
	case NSP_RES_TIME_EXCEEDED:
		nsp_json_string(&j, "from", nsp_ipv4_format(ev->from, ip));
		nsp_json_uint(&j, "icmp_type", ev->icmp_type);
		nsp_json_uint(&j, "icmp_code", ev->icmp_code);
		break;
	default:
		break;
	}
	nsp_json_end_object(&j);
}

void nsp_out_probe(FILE *f, bool json, const struct nsp_probe_event *ev,
		   const struct nsp_target_stats *stats)
{
	if (json)
		json_probe(f, ev);
	else
		text_probe(f, ev, stats);
}

void nsp_out_state(FILE *f, bool json, const char *instance, uint32_t target,
		   enum nsp_target_state state)
{
	char ip[NSP_IPV4_STRLEN];
	struct nsp_json j;

	if (!json) {
		fprintf(f, "%s %s is %s\n", instance, nsp_ipv4_format(target, ip),
			nsp_target_state_name(state));
		return;
	}
	json_head(&j, f, "state", instance, &target);
	nsp_json_string(&j, "state", nsp_target_state_name(state));
	nsp_json_end_object(&j);
}

void nsp_out_path(FILE *f, bool json, const char *instance, bool up, enum nsp_path_cause cause,
		  const char *reason)
{
	bool named = !up && cause != NSP_CAUSE_NONE;
	struct nsp_json j;

	if (!json) {
		fprintf(f, "%s: path %s%s%s%s%s%s\n", instance, up ? "up" : "down",
			named ? " (" : "", named ? nsp_path_cause_name(cause) : "",
			named ? ")" : "", reason ? ": " : "", reason ? reason : "");
		return;
	}
	json_head(&j, f, "path", instance, NULL);
	nsp_json_string(&j, "state", up ? "up" : "down");
	if (named)
		nsp_json_string(&j, "cause", nsp_path_cause_name(cause));
	if (reason)
		nsp_json_string(&j, "reason", reason);
	nsp_json_end_object(&j);
}

/* SPEC.md: a target is up or down; one never answered yet is down. */
static const char *summary_state(const struct nsp_target_stats *s)
{
	return s->state == NSP_TARGET_UP ? "up" : "down";
}

void nsp_out_summary(FILE *f, bool json, const struct nsp_target_view *t)
{
	const struct nsp_target_stats *s = t->stats;
	char ip[NSP_IPV4_STRLEN];
	struct nsp_json j;

	nsp_ipv4_format(t->target, ip);
	if (!json) {
		fprintf(f, "%s %s : xmt/rcv/%%loss = %llu/%llu/%.0f%%", t->instance, ip,
			(unsigned long long)s->sent, (unsigned long long)s->received,
			nsp_stats_loss_pct(s));
		if (s->received) {
			fputs(", min/avg/max/mdev = ", f);
			ms(f, s->rtt_min_us);
			fputc('/', f);
			ms(f, nsp_stats_avg_us(s));
			fputc('/', f);
			ms(f, s->rtt_max_us);
			fputc('/', f);
			ms(f, nsp_stats_mdev_us(s));
			fputs(" ms", f);
		}
		fprintf(f, ", %s%s\n", summary_state(s), t->path_up ? "" : ", path down");
		return;
	}
	json_head(&j, f, "summary", t->instance, &t->target);
	nsp_json_uint(&j, "sent", s->sent);
	nsp_json_uint(&j, "received", s->received);
	nsp_json_double(&j, "loss_pct", nsp_stats_loss_pct(s));
	nsp_json_uint(&j, "rtt_min_us", s->rtt_min_us);
	nsp_json_uint(&j, "rtt_avg_us", nsp_stats_avg_us(s));
	nsp_json_uint(&j, "rtt_max_us", s->rtt_max_us);
	nsp_json_uint(&j, "rtt_mdev_us", nsp_stats_mdev_us(s));
	nsp_json_uint(&j, "rtt_last_us", s->rtt_last_us);
	nsp_json_uint(&j, "closed", s->closed);
	nsp_json_uint(&j, "unreachable", s->unreachable);
	nsp_json_uint(&j, "timeouts", s->timeouts);
	nsp_json_uint(&j, "late", s->late);
	nsp_json_uint(&j, "duplicate", s->duplicate);
	nsp_json_uint(&j, "path_down", s->path_down);
	nsp_json_string(&j, "state", summary_state(s));
	nsp_json_string(&j, "path", t->path_up ? "up" : "down");
	nsp_json_end_object(&j);
}
