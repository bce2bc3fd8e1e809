/* sp_forecaster_registry: the kinds of model file sp_forecaster_open knows,
 * and sp_forecaster_open itself (declared in sp_forecaster.h).
 *
 * Apart from sp_forecaster.c so that a program that builds its forecasters
 * in memory (arfit: sp_fc_ar only) does not link every backend: the LSTM
 * brings in sp_nn and with it OpenBLAS, whose CBLAS would then also serve
 * GSL's Cholesky in sp_ar (other rounding in the last bits of arfit's fits).
 */
#include "sp_forecaster.h"

#include <stdio.h>
#include <string.h>

#include "sp_fc_ar.h"
#include "sp_fc_gb.h"
#include "sp_fc_lstm.h"
#include "sp_fc_season.h"
#include "sp_model.h"

/* The registry: one line per kind, in the order messages list them. */
static const sp_forecaster_ops *const registry[] = {
	&sp_fc_lstm_ops,
	&sp_fc_ar_ops,
	&sp_fc_gb_ops,
	&sp_fc_season_ops,
};
enum { NKINDS = sizeof registry / sizeof registry[0] };

/* "lstm and ar", "lstm, ar and x" */
static void
kind_list(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < NKINDS && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i == NKINDS - 1 ? " and " : ", ",
		    registry[i]->kind);
}

sp_forecaster *
sp_forecaster_open(const char *path, const sp_forecaster_opts *o, sp_error *err)
{
	static const sp_forecaster_opts none = { 0 };
	sp_forecaster_info info;
	char kind[64], kinds[256];
	void *st;

	if (sp_model_peek(path, kind, sizeof kind, NULL, err) < 0)
		return NULL;
	for (int i = 0; i < NKINDS; i++) {
		if (strcmp(kind, registry[i]->kind) != 0)
			continue;
		memset(&info, 0, sizeof info);
		if (!(st = registry[i]->open(path, o ? o : &none, &info, err)))
			return NULL;
		if (!info.path)
			info.path = path;
		return sp_forecaster_new(registry[i], st, &info, err);
	}
	kind_list(kinds, sizeof kinds);
	sp_error_set(err, SP_EMODEL, "%s: model kind '%s' is not supported (forecast applies %s models)", path,
	    kind, kinds);
	return NULL;
}
