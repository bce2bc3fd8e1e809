#!/bin/sh
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for
# FUZZ_SECONDS (default 60), starting from the seed inputs in tests/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
out=$top/build/fuzz
mkdir -p "$out"
flags="-std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I$top/lib"
srcs=$(ls "$top"/lib/*.c)
for t in csv model; do
	clang $flags -o "$out/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" $srcs -I/usr/include/libsvm \
		$(pkg-config --cflags --libs gsl libcurl jansson yaml-0.1 openblas) -lcsv -lsvm -lpthread -lm
	mkdir -p "$out/corpus_$t"
done
cp "$top"/tests/cli/data/*.csv "$out/corpus_csv/" 2>/dev/null || true
cp "$top"/tests/fuzz/seeds/model/* "$out/corpus_model/"
for t in csv model; do
	echo "== fuzz_$t for ${secs}s"
	"$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 "$out/corpus_$t"
done
