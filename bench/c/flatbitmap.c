/*
 * flatbitmap - The C -O2 baseline of the bitmap lab: a flat bitmap of u64 words, random set and random test of a
 * batch of PFNs, timed the way the lab times thaw's bulk calls (one pass over a u32 PFN array per sample).
 *
 * usage: flatbitmap PFNS BATCH SAMPLES SEED
 * Prints one JSON object per line: {"op":"set"|"test","pfns":N,"batch":B,"samples":S,"medianNs":..,"minNs":..}
 * where the times are nanoseconds per PFN.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t state;

static uint32_t xorshift32(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *op, uint64_t pfns, uint64_t batch, int samples, double *t)
{
	qsort(t, samples, sizeof(*t), cmp_double);
	printf("{\"op\":\"%s\",\"pfns\":%llu,\"batch\":%llu,\"samples\":%d,\"medianNs\":%.4f,\"minNs\":%.4f}\n", op,
	       (unsigned long long)pfns, (unsigned long long)batch, samples, t[samples / 2] / (double)batch,
	       t[0] / (double)batch);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PFNS BATCH SAMPLES SEED\n", argv[0]);
		return 2;
	}
	uint64_t pfns = strtoull(argv[1], NULL, 10);
	uint64_t batch = strtoull(argv[2], NULL, 10);
	int samples = atoi(argv[3]);
	state = (uint32_t)strtoul(argv[4], NULL, 10) | 1;
	if (pfns == 0 || batch == 0 || samples < 1 || samples > 1000)
		return 2;

	uint64_t *words = calloc((pfns + 63) / 64, sizeof(uint64_t));
	uint32_t *batch_pfns = malloc(batch * sizeof(uint32_t));
	double *t = malloc(samples * sizeof(double));
	if (!words || !batch_pfns || !t)
		return 1;
	for (uint64_t i = 0; i < batch; i++)
		batch_pfns[i] = (uint32_t)(((uint64_t)xorshift32() * pfns) >> 32);

	/* One untimed pass first: the lab measures steady state, after the pages of the map have been touched. */
	for (int s = -1; s < samples; s++) {
		double t0 = now_ns();
		for (uint64_t i = 0; i < batch; i++) {
			uint32_t p = batch_pfns[i];
			words[p >> 6] |= (uint64_t)1 << (p & 63);
		}
		if (s < 0)
			continue;
		t[s] = now_ns() - t0;
		__asm__ volatile("" : : "r"(words) : "memory");
	}
	report("set", pfns, batch, samples, t);

	volatile uint64_t sink = 0;
	for (int s = 0; s < samples; s++) {
		uint64_t hits = 0;
		double t0 = now_ns();
		for (uint64_t i = 0; i < batch; i++) {
			uint32_t p = batch_pfns[i];
			hits += (words[p >> 6] >> (p & 63)) & 1;
		}
		t[s] = now_ns() - t0;
		sink += hits;
	}
	report("test", pfns, batch, samples, t);
	free(words);
	free(batch_pfns);
	free(t);
	return sink == 0;
}
