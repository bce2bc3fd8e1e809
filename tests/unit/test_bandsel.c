/* test_bandsel: the choice between two bands by recent calibration
 * (sp_bandsel), values worked out by hand from the rule in sp_bandsel.h,
 * and the state file: a run resumed from it chooses as one run does; a
 * state of other options or with inconsistent means is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_bandsel.h"

static int
put(void *ctx, sp_state_writer *w, sp_error *err)
{
	return sp_bandsel_write_state(ctx, w, err);
}

static int
get(void *ctx, sp_state *s, sp_error *err)
{
	return sp_bandsel_read_state(ctx, s, err);
}

/* Write text as a state file at path. */
static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

int
main(void)
{
	sp_bandsel_opts o;
	sp_bandsel *s, *r;
	sp_bandsel_scores sc;
	sp_error err;
	char dir[] = "/tmp/sp-test-bandsel.XXXXXX", path[300];
	int i;

	sp_bandsel_defaults(&o);
	CHECK(o.memory == 86400 && o.min_errors == 12, "defaults");
	o.memory = 0;
	CHECK(!sp_bandsel_new(&o, &err) && err.code == SP_EUSAGE, "memory 0 refused");
	o.memory = 400, o.min_errors = -1;
	CHECK(!sp_bandsel_new(&o, &err) && err.code == SP_EUSAGE, "min_errors -1 refused");

	/* memory 400 s at 100 s steps: the past weighs 0.75; the alternative
	 * after 2 of its errors */
	o.memory = 400, o.min_errors = 2;
	s = sp_bandsel_new(&o, &err);
	CHECK(s != NULL, "new");
	if (!s)
		return check_summary();
	CHECK(isinf(sp_bandsel_last(s)) && sp_bandsel_last(s) < 0, "no origin yet");
	CHECK(sp_bandsel_origin(s, 0, 100, 10, 12, NAN) == 0, "t 0: base (no alternative)");
	/* t 100: base's 12 against 14: error 2, its first */
	CHECK(sp_bandsel_origin(s, 100, 200, 14, 13, 14) == 0, "t 100: base");
	sp_bandsel_get_scores(s, &sc);
	CHECK(sc.nbase == 1 && sc.nalt == 0 && sc.base == 2 && isnan(sc.alt), "t 100: base 2 (1), alt none");
	/* t 200: base 13 vs 14: 0.75 x 2 + 0.25 x 1 = 1.75; alt 14 vs 14: 0 (its first) */
	CHECK(sp_bandsel_origin(s, 200, 300, 14, 20, 15) == 0, "t 200: base (1 error of the alternative, 2 wanted)");
	sp_bandsel_get_scores(s, &sc);
	CHECK(sc.nbase == 2 && sc.nalt == 1 && sc.base == 1.75 && sc.alt == 0, "t 200: 1.75 (2), 0 (1)");

	/* the same run continued from a state written here */
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/sel.state", dir);
	CHECK(sp_state_save(path, "bandselect", 1, put, s, &err) == 0, "save: %s", err.msg);
	r = sp_bandsel_new(&o, &err);
	CHECK(r && sp_state_resume(path, "bandselect", 1, get, r, &err) == 1, "resume: %s", err.msg);
	CHECK(r && sp_bandsel_last(r) == 200, "resumed at 200");

	for (i = 0; i < 2; i++) {
		sp_bandsel *x = i ? r : s;
		const char *run = i ? "resumed" : "one run";
		if (!x)
			continue;
		/* t 300: base 20 vs 15: 0.75 x 1.75 + 0.25 x 5 = 2.5625; alt 15 vs 15: 0, its 2nd */
		CHECK(sp_bandsel_origin(x, 300, 400, 15, 30, 16) == 1, "%s: t 300: the alternative", run);
		sp_bandsel_get_scores(x, &sc);
		CHECK(sc.nbase == 3 && sc.nalt == 2 && sc.base == 2.5625 && sc.alt == 0 && sc.alt_used,
		    "%s: t 300: 2.5625, 0", run);
		/* t 500: a gap (400 was due): nothing scored; no alternative band here */
		CHECK(sp_bandsel_origin(x, 500, 600, 26, 30, NAN) == 0, "%s: t 500: base (no alternative band)", run);
		sp_bandsel_get_scores(x, &sc);
		CHECK(sc.nbase == 3 && sc.nalt == 2, "%s: t 500: nothing scored after the gap", run);
		/* t 600: base 30 vs 26: 0.75 x 2.5625 + 0.25 x 4 = 2.921875 */
		CHECK(sp_bandsel_origin(x, 600, 700, 26, 26, 40) == 1, "%s: t 600: the alternative", run);
		sp_bandsel_get_scores(x, &sc);
		CHECK(sc.base == 2.921875 && sc.nbase == 4 && sc.alt == 0 && sc.nalt == 2, "%s: t 600", run);
		/* t 700: alt 40 vs 26: 0.25 x 14 = 3.5 > base 0.75 x 2.921875 = 2.19140625 */
		CHECK(sp_bandsel_origin(x, 700, 800, 26, 26, 26) == 0, "%s: t 700: back to the base", run);
		sp_bandsel_get_scores(x, &sc);
		CHECK(sc.alt == 3.5 && sc.base == 2.19140625, "%s: t 700: 2.19140625, 3.5", run);
	}
	sp_bandsel_free(r);
	sp_bandsel_free(s);

	/* a tie keeps the base; a step longer than the memory keeps the last error */
	o.memory = 50, o.min_errors = 0;
	s = sp_bandsel_new(&o, &err);
	CHECK(sp_bandsel_origin(s, 0, 100, 5, 7, 3) == 0, "no error yet: base (NaN means)");
	CHECK(sp_bandsel_origin(s, 100, 200, 5, 9, 1) == 0, "tie at 2: base");
	CHECK(sp_bandsel_origin(s, 200, 300, 6, 9, 1) == 0, "base |6 - 9| = 3 below alt |6 - 1| = 5: base");
	sp_bandsel_get_scores(s, &sc);
	CHECK(sc.base == 3 && sc.alt == 5, "weight 0 on the past: the last errors (3, 5)");
	sp_bandsel_free(s);

	/* states refused: other options, inconsistent means, truncated */
	o.memory = 400, o.min_errors = 2;
	r = sp_bandsel_new(&o, &err);
	o.memory = 86400;
	s = sp_bandsel_new(&o, &err);
	CHECK(sp_state_resume(path, "bandselect", 1, get, s, &err) < 0 && strstr(err.msg, "memory 400, not 86400"),
	    "other memory: %s", err.msg);
	write_file(path, "scalepipe-state bandselect 1\nmemory 400\nmin_errors 2\nfed 1\nlast 0 100 1 2\n"
	    "errors 0 1\nmeans 3 1\nalt_used 0\nend\n");
	CHECK(sp_state_resume(path, "bandselect", 1, get, r, &err) < 0 && strstr(err.msg, ":7: means: inconsistent"),
	    "means without errors: %s", err.msg);
	write_file(path, "scalepipe-state bandselect 1\nmemory 400\nmin_errors 2\nfed 1\nlast 100 100 1 2\n");
	CHECK(sp_state_resume(path, "bandselect", 1, get, r, &err) < 0 && strstr(err.msg, ":5: last: inconsistent"),
	    "target not after the origin: %s", err.msg);
	write_file(path, "scalepipe-state bandselect 1\nmemory 400\nmin_errors 2\nfed 0\nlast -inf -inf nan nan\n"
	    "errors 0 0\nmeans nan nan\n");
	CHECK(sp_state_resume(path, "bandselect", 1, get, r, &err) < 0, "truncated (no alt_used, no end)");
	write_file(path, "scalepipe-state bandselect 1\nmemory 400\nmin_errors 2\nfed 0\nlast -inf -inf nan nan\n"
	    "errors 0 0\nmeans nan nan\nalt_used 0\nend\n");
	CHECK(sp_state_resume(path, "bandselect", 1, get, r, &err) == 1, "a state before any origin: %s", err.msg);
	sp_bandsel_free(r);
	sp_bandsel_free(s);
	unlink(path);
	rmdir(dir);
	return check_summary();
}
