/* libFuzzer target: the model-file reader on arbitrary bytes, then every
 * getter on every key it finds.  Build and run with `make fuzz`. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sp_model.h"
#include "sp_scaler.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/sp-fuzz-model.XXXXXX";
	int fd = mkstemp(path);
	sp_error err;
	sp_model *m;
	sp_scaler *s;
	double d[4];
	long l;
	const char *str;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if ((m = sp_model_load(path, "test", 3, NULL, &err)) != NULL) {
		sp_model_get_doubles(m, "a", 4, d, &err);
		sp_model_get_long(m, "n", 0, 100, &l, &err);
		sp_model_get_str(m, "s", &str, &err);
		sp_model_get_text(m, "t", &str, &err);
		sp_model_count(m, "a", &err);
		sp_model_finish(m, &err);
		sp_model_free(m);
	}
	s = sp_scaler_load(path, &err);
	sp_scaler_free(s);
	unlink(path);
	return 0;
}
