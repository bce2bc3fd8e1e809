/* sp_policy: policy names, knobs and the peers behind sp_peer; see sp_policy.h. */
#include "sp_policy.h"

#include <math.h>
#include <string.h>

#include "sp_ahpa.h"
#include "sp_awspred.h"
#include "sp_crane.h"
#include "sp_keda.h"
#include "sp_kpa.h"

const char *const sp_policy_names[] = { "replay", "hpa", "threshold", "forecast", "burst", "scalepipe",
	"keda", "kpa",
	"crane", "aws", "ahpa", NULL };

int
sp_policy_is_peer(sp_policy_kind k)
{
	return k >= SP_POLICY_KEDA && k < SP_POLICY_N;
}

double
sp_policy_default_target(sp_policy_kind k)
{
	switch (k) {
	case SP_POLICY_HPA: return 80;
	case SP_POLICY_KPA: return 70;
	case SP_POLICY_CRANE:
	case SP_POLICY_AWS:
	case SP_POLICY_AHPA: return 80;
	default: return NAN;
	}
}

int
sp_policy_peer_new(const sp_policy_opts *o, double wstar, sp_peer *out, double *target_load, sp_error *err)
{
	double pct = isfinite(o->target) ? o->target : sp_policy_default_target(o->kind);
	double tl;

	memset(out, 0, sizeof *out);
	if (!sp_policy_is_peer(o->kind))
		return sp_error_set(err, SP_EUSAGE, "policy %s is not a peer", sp_policy_names[o->kind]);
	if (!(wstar > 0))
		return sp_error_set(err, SP_EUSAGE, "a peer needs w* > 0");
	if (o->kind == SP_POLICY_KEDA) {
		sp_keda_opts ko;
		sp_keda *k;
		if (!isfinite(o->target))
			return sp_error_set(err, SP_EUSAGE, "--policy keda needs --target (the trigger's threshold)");
		sp_keda_defaults(&ko);
		ko.threshold = o->target;
		ko.value = o->keda_value;
		ko.min = o->min;
		ko.max = o->max;
		if (!(k = sp_keda_new(&ko, err)))
			return err ? err->code : SP_EUSAGE;
		*out = sp_keda_peer(k);
		*target_load = o->target;
		return 0;
	}
	if (!(pct > 0))
		return sp_error_set(err, SP_EUSAGE, "--target must be > 0");
	tl = wstar * pct / 100;
	*target_load = tl;
	switch (o->kind) {
	case SP_POLICY_KPA: {
		sp_kpa_opts ko;
		sp_kpa *k;
		sp_kpa_defaults(&ko);
		ko.min = o->min;
		ko.max = o->max;
		if (!(k = sp_kpa_new(&ko, err)))
			return err ? err->code : SP_EUSAGE;
		*out = sp_kpa_peer(k);
		return 0;
	}
	case SP_POLICY_CRANE: {
		sp_crane_opts co;
		sp_crane *c;
		sp_crane_defaults(&co);
		co.hpa.min = o->min > 1 ? o->min : 1;
		co.hpa.max = o->max;
		if (!(c = sp_crane_new(&co, err)))
			return err ? err->code : SP_EUSAGE;
		*out = sp_crane_peer(c);
		return 0;
	}
	case SP_POLICY_AWS: {
		sp_awspred_opts ao;
		sp_awspred *a;
		sp_awspred_defaults(&ao);
		ao.min = o->min;
		ao.max = o->max;
		if (!(a = sp_awspred_new(&ao, err)))
			return err ? err->code : SP_EUSAGE;
		*out = sp_awspred_peer(a);
		return 0;
	}
	default: {
		sp_ahpa_opts ao;
		sp_ahpa *a;
		sp_ahpa_defaults(&ao);
		ao.min = o->min;
		ao.max = o->max;
		ao.startup = o->startup;
		if (!(a = sp_ahpa_new(&ao, err)))
			return err ? err->code : SP_EUSAGE;
		*out = sp_ahpa_peer(a);
		return 0;
	}
	}
}

int
sp_policy_peer_row(sp_peer *p, double t, double prev_t, double prev_load, int current, int ready,
    double target_load, int *replicas, const char **reason, sp_error *err)
{
	int rc;

	if ((rc = sp_peer_observe(p, t, isnan(prev_t) ? NAN : prev_load, err)) < 0)
		return rc;
	if ((rc = sp_peer_decide(p, t, current, ready, target_load, replicas, err)) < 0)
		return rc;
	*reason = sp_peer_reason(p);
	return 0;
}
