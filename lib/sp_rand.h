/* sp_rand: the seeded random numbers of every stochastic tool.
 *
 * A thin wrapper over GSL's gsl_rng with a fixed generator (mt19937), so a
 * given --seed gives the same stream on every libc and machine.  One
 * sp_rand per thread; they are independent objects.
 */
#ifndef SP_RAND_H
#define SP_RAND_H

#include <stddef.h>
#include <stdint.h>

typedef struct sp_rand sp_rand;

sp_rand *sp_rand_new(unsigned long seed);      /* NULL on allocation failure */
void sp_rand_free(sp_rand *r);
void sp_rand_seed(sp_rand *r, unsigned long seed);
double sp_rand_uniform(sp_rand *r);           /* [0, 1) */
double sp_rand_uniform_pos(sp_rand *r);       /* (0, 1) */
size_t sp_rand_index(sp_rand *r, size_t n);   /* uniform in [0, n), unbiased; n >= 1 */
double sp_rand_normal(sp_rand *r, double sigma);  /* N(0, sigma^2) */
/* Fisher-Yates shuffle of n elements of `size` bytes. */
void sp_rand_shuffle(sp_rand *r, void *base, size_t n, size_t size);
/* The underlying gsl_rng *, for GSL's other distributions. */
void *sp_rand_gsl(sp_rand *r);

#endif
