/*
 * metrics.c -- per-route request counters and latency histograms, kept
 * beside the route table and shown at /metrics in Prometheus text format.
 * Counters are per process (each instance is scraped on its own).
 */
#include "http.h"

#include <string.h>

static const int codes[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 503 };
#define NCODES ((int)(sizeof codes / sizeof codes[0]))
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define NB ((int)(sizeof bounds / sizeof bounds[0]))
#define MAXROUTES 256

struct rstat {
	uint64_t by_code[NCODES + 1];   /* last: other */
	uint64_t buckets[NB + 1];       /* last: +Inf */
	uint64_t usec_sum;
};

static struct rstat stats[MAXROUTES + 1];   /* last: unmatched / rejected */

void metrics_record(int ri, int status, double sec)
{
	struct rstat *s = &stats[(ri < 0 || ri >= MAXROUTES) ? MAXROUTES : ri];
	int ci = NCODES;
	for (int i = 0; i < NCODES; i++)
		if (codes[i] == status)
			ci = i;
	__atomic_add_fetch(&s->by_code[ci], 1, __ATOMIC_RELAXED);
	int b = NB;
	for (int i = 0; i < NB; i++)
		if (sec <= bounds[i]) {
			b = i;
			break;
		}
	__atomic_add_fetch(&s->buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->usec_sum, (uint64_t)(sec * 1e6), __ATOMIC_RELAXED);
}

void api_metrics(req_t *r)
{
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "# HELP zoneops_http_requests_total HTTP requests by route and status.\n"
	             "# TYPE zoneops_http_requests_total counter\n");
	for (int i = 0; i <= nroutes && i <= MAXROUTES; i++) {
		int si = i == nroutes ? MAXROUTES : i;
		const char *m = i == nroutes ? "" : routes[i].method;
		const char *p = i == nroutes ? "unmatched" : routes[i].path;
		for (int c = 0; c <= NCODES; c++) {
			uint64_t v = __atomic_load_n(&stats[si].by_code[c], __ATOMIC_RELAXED);
			if (v)
				buf_printf(&b, "zoneops_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s%d\"} %llu\n",
				           m, p, c == NCODES ? "other" : "", c == NCODES ? 0 : codes[c], (unsigned long long)v);
		}
	}
	buf_puts(&b, "# HELP zoneops_http_request_duration_seconds Time from request start to reply, by route.\n"
	             "# TYPE zoneops_http_request_duration_seconds histogram\n");
	for (int i = 0; i <= nroutes && i <= MAXROUTES; i++) {
		int si = i == nroutes ? MAXROUTES : i;
		const char *m = i == nroutes ? "" : routes[i].method;
		const char *p = i == nroutes ? "unmatched" : routes[i].path;
		uint64_t cum = 0;
		for (int k = 0; k <= NB; k++)
			cum += __atomic_load_n(&stats[si].buckets[k], __ATOMIC_RELAXED);
		if (cum == 0)
			continue;
		uint64_t run = 0;
		for (int k = 0; k < NB; k++) {
			run += __atomic_load_n(&stats[si].buckets[k], __ATOMIC_RELAXED);
			buf_printf(&b, "zoneops_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
			           m, p, bounds[k], (unsigned long long)run);
		}
		buf_printf(&b, "zoneops_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
		           m, p, (unsigned long long)cum);
		buf_printf(&b, "zoneops_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
		           (double)__atomic_load_n(&stats[si].usec_sum, __ATOMIC_RELAXED) / 1e6);
		buf_printf(&b, "zoneops_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", m, p,
		           (unsigned long long)cum);
	}
	char *s = arena_strndup(r->arena, b.data ? b.data : "", b.len);
	size_t n = b.len;
	buf_free(&b);
	reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", s, n);
}
