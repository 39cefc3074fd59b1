/* evaluation.c -- placeholder until implemented. */
#include "indicators.h"

void api_indicator_evaluation(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_indicator_report(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
