// echo is the smallest ABI v1 command module: it reads the request from
// stdin and writes {"output":{"bytes":N}}, N being the request's length.
// It measures what a call costs without a language runtime to start.
//
// Build (Debian packages clang, lld, wasi-libc):
//
//	clang --target=wasm32-wasi -O2 -s -o echo.wasm echo.c
#include <stdio.h>

int main(void) {
	char buf[4096];
	size_t total = 0;
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		total += n;
	}
	printf("{\"output\":{\"bytes\":%zu}}\n", total);
	return 0;
}
