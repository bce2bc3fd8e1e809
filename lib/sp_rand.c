/* sp_rand: seeded PRNG over GSL; see sp_rand.h. */
#include "sp_rand.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

struct sp_rand {
	gsl_rng *g;
};

sp_rand *
sp_rand_new(unsigned long seed)
{
	sp_rand *r = malloc(sizeof *r);

	if (!r)
		return NULL;
	if (!(r->g = gsl_rng_alloc(gsl_rng_mt19937))) {
		free(r);
		return NULL;
	}
	gsl_rng_set(r->g, seed);
	return r;
}

void
sp_rand_free(sp_rand *r)
{
	if (!r)
		return;
	gsl_rng_free(r->g);
	free(r);
}

void
sp_rand_seed(sp_rand *r, unsigned long seed)
{
	gsl_rng_set(r->g, seed);
}

double
sp_rand_uniform(sp_rand *r)
{
	return gsl_rng_uniform(r->g);
}

double
sp_rand_uniform_pos(sp_rand *r)
{
	return gsl_rng_uniform_pos(r->g);
}

size_t
sp_rand_index(sp_rand *r, size_t n)
{
	if (n <= 1)
		return 0;
	if (n <= gsl_rng_max(r->g) - gsl_rng_min(r->g))
		return (size_t)gsl_rng_uniform_int(r->g, n);
	return (size_t)(gsl_rng_uniform(r->g) * (double)n) % n;
}

double
sp_rand_normal(sp_rand *r, double sigma)
{
	return gsl_ran_gaussian_ziggurat(r->g, sigma);
}

void
sp_rand_shuffle(sp_rand *r, void *base, size_t n, size_t size)
{
	gsl_ran_shuffle(r->g, base, n, size);
}

void *
sp_rand_gsl(sp_rand *r)
{
	return r->g;
}
