/* test_policy: policy names, knobs and the peers built from them. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sp_policy.h"

int
main(void)
{
	sp_policy_opts o = { SP_POLICY_KPA, NAN, 0, 1, 100, 60 };
	sp_peer p;
	sp_error err;
	double tl = 0;
	int k;
	const char *peers[] = { "keda", "kpa", "crane", "awspred", "ahpa" };

	CHECK(strcmp(sp_policy_names[SP_POLICY_REPLAY], "replay") == 0 &&
	    strcmp(sp_policy_names[SP_POLICY_AHPA], "ahpa") == 0 && sp_policy_names[SP_POLICY_N] == NULL, "names");
	CHECK(!sp_policy_is_peer(SP_POLICY_HPA) && sp_policy_is_peer(SP_POLICY_KEDA) &&
	    sp_policy_is_peer(SP_POLICY_AHPA), "peers");
	CHECK(sp_policy_default_target(SP_POLICY_HPA) == 80 && sp_policy_default_target(SP_POLICY_KPA) == 70 &&
	    sp_policy_default_target(SP_POLICY_CRANE) == 80 && isnan(sp_policy_default_target(SP_POLICY_KEDA)),
	    "default knobs");
	CHECK(sp_policy_peer_new(&o, 80, &p, &tl, &err) == 0, "kpa: %s", err.msg);
	CHECK_CLOSE(tl, 56, 1e-12, "70 % of w* 80");
	sp_peer_free(&p);
	for (k = SP_POLICY_KEDA; k < SP_POLICY_N; k++) {
		o.kind = (sp_policy_kind)k;
		o.target = 50;
		CHECK(sp_policy_peer_new(&o, 80, &p, &tl, &err) == 0, "%s: %s", sp_policy_names[k], err.msg);
		CHECK(strcmp(sp_peer_name(&p), peers[k - SP_POLICY_KEDA]) == 0, "peer %s", sp_peer_name(&p));
		CHECK_CLOSE(tl, k == SP_POLICY_KEDA ? 50 : 40, 1e-12, "target load");
		sp_peer_free(&p);
	}
	o.kind = SP_POLICY_KEDA;
	o.target = NAN;
	CHECK(sp_policy_peer_new(&o, 80, &p, &tl, &err) == SP_EUSAGE && strstr(err.msg, "--target"), "keda needs it");
	o.kind = SP_POLICY_HPA;
	CHECK(sp_policy_peer_new(&o, 80, &p, &tl, &err) == SP_EUSAGE, "hpa is not a peer");
	o.kind = SP_POLICY_KPA;
	CHECK(sp_policy_peer_new(&o, 0, &p, &tl, &err) == SP_EUSAGE, "w* 0");
	return check_summary();
}
