/*
 * decompress - native baseline for thaw's decompression benchmark (bench/suites/decompress.bench.ts).
 *
 * Runs liblzo2's lzo1x_decompress_safe or liblz4's LZ4_decompress_safe over every chunk of a kernel hibernation
 * stream (kernel/power/swap.c: load_image_lzo()), each chunk into the same UNC_SIZE buffer as a kernel decompression thread does,
 * and times whole passes over the stream.
 *
 *   usage: decompress lzo|lz4 CHUNKS PASSES [THREADS]
 *
 * With THREADS > 1, each pass splits the chunks between that many threads (chunk i to thread i mod THREADS), each
 * with its own buffer, as the kernel's decompression threads do; the time is that of the whole pass.
 *
 * CHUNKS is the file the benchmark writes, a sequence of records:
 *
 *   ╒═════════ chunk record (little-endian) ═════════╕
 *   │ cmp_len   u32: compressed bytes                │ +0
 *   │ unc_len   u32: what they decompress to         │ +4
 *   │ data      cmp_len bytes                        │ +8
 *   └────────────────────────────────────────────────┘
 *
 * Prints one JSON line: {"algo", "library" (name and version), "threads", "chunks", "bytes" (uncompressed, one pass),
 * "seconds": [wall time of each pass], "cpu_seconds": [CPU time of each pass], "busiest_thread_cpu_seconds": [CPU
 * time of the thread that worked longest in each pass], "chunk_min_seconds": [on 1 thread, the shortest wall time of
 * each chunk over the passes; empty on more]}. Exits 1 if a chunk fails or decompresses to another length than
 * recorded.
 *
 * Built by the benchmark with gcc -O2 -pthread and -DHAVE_LZO -llzo2 and/or -DHAVE_LZ4 -llz4, as the installed
 * headers allow.
 */
#define _POSIX_C_SOURCE 199309L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#ifdef HAVE_LZ4
#include <lz4.h>
#endif

#define UNC_SIZE 131072

struct chunk {
	const unsigned char *data;
	uint32_t cmp_len;
	uint32_t unc_len;
};

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? n : 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/* decompress_one - One chunk into @out; returns its length or -1. */
static long decompress_one(int lz4, const struct chunk *c, unsigned char *out)
{
	if (lz4) {
#ifdef HAVE_LZ4
		int n = LZ4_decompress_safe((const char *)c->data, (char *)out, (int)c->cmp_len, UNC_SIZE);

		return n < 0 ? -1 : n;
#endif
	} else {
#ifdef HAVE_LZO
		lzo_uint n = UNC_SIZE;

		if (lzo1x_decompress_safe(c->data, c->cmp_len, out, &n, NULL) != LZO_E_OK)
			return -1;
		return (long)n;
#endif
	}
	return -1;
}

struct share {
	int lz4;
	const struct chunk *chunks;
	size_t count, first, step, total;
	double cpu;
	unsigned char out[UNC_SIZE + 64];
};

/*
 * decompress_share - Thread body: every step-th chunk from first on; the bytes produced go to total, the thread's
 * CPU time to cpu.
 */
static void *decompress_share(void *arg)
{
	struct share *s = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);

	s->total = 0;
	for (size_t i = s->first; i < s->count; i += s->step)
		s->total += (size_t)decompress_one(s->lz4, &s->chunks[i], s->out);
	s->cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/* library - Name and version of the library that decodes @lz4 or LZO. */
static const char *library(int lz4)
{
	static char name[64];

	if (lz4) {
#ifdef HAVE_LZ4
		snprintf(name, sizeof(name), "liblz4 %s", LZ4_versionString());
#endif
	} else {
#ifdef HAVE_LZO
		snprintf(name, sizeof(name), "liblzo2 %s", lzo_version_string());
#endif
	}
	return name;
}

int main(int argc, char **argv)
{
	static unsigned char out[UNC_SIZE + 64];
	struct share *shares;
	pthread_t *tids;
	struct chunk *chunks;
	unsigned char *file;
	size_t size, pos = 0, count = 0, cap = 1024, bytes = 0;
	double *wall, *cpu, *busiest, *chunk_min;
	int lz4, passes, threads, p;

	if (argc < 4 || argc > 5 || (strcmp(argv[1], "lzo") && strcmp(argv[1], "lz4"))) {
		fprintf(stderr, "usage: %s lzo|lz4 CHUNKS PASSES [THREADS]\n", argv[0]);
		return 2;
	}
	lz4 = !strcmp(argv[1], "lz4");
#ifndef HAVE_LZ4
	if (lz4) {
		fprintf(stderr, "built without liblz4\n");
		return 2;
	}
#endif
#ifndef HAVE_LZO
	if (!lz4) {
		fprintf(stderr, "built without liblzo2\n");
		return 2;
	}
#else
	if (lzo_init() != LZO_E_OK)
		return 2;
#endif
	passes = atoi(argv[3]);
	threads = argc == 5 ? atoi(argv[4]) : 1;
	file = read_file(argv[2], &size);
	chunks = malloc(cap * sizeof(*chunks));
	if (!file || !chunks || passes < 1 || threads < 1) {
		fprintf(stderr, "cannot read %s\n", argv[2]);
		return 2;
	}
	while (pos + 8 <= size) {
		struct chunk c;

		memcpy(&c.cmp_len, file + pos, 4);
		memcpy(&c.unc_len, file + pos + 4, 4);
		c.data = file + pos + 8;
		pos += 8 + (size_t)c.cmp_len;
		if (pos > size || c.unc_len > UNC_SIZE)
			return 2;
		if (count == cap) {
			cap *= 2;
			chunks = realloc(chunks, cap * sizeof(*chunks));
			if (!chunks)
				return 2;
		}
		chunks[count++] = c;
		bytes += c.unc_len;
	}

	for (size_t i = 0; i < count; i++) {
		if (decompress_one(lz4, &chunks[i], out) != (long)chunks[i].unc_len) {
			fprintf(stderr, "chunk %zu: decompression failed\n", i);
			return 1;
		}
	}

	wall = malloc(passes * sizeof(*wall));
	cpu = malloc(passes * sizeof(*cpu));
	busiest = malloc(passes * sizeof(*busiest));
	chunk_min = malloc(count * sizeof(*chunk_min));
	shares = calloc(threads, sizeof(*shares));
	tids = calloc(threads, sizeof(*tids));
	if (!wall || !cpu || !busiest || !chunk_min || !shares || !tids)
		return 2;
	for (size_t i = 0; i < count; i++)
		chunk_min[i] = 1e9;
	for (int t = 0; t < threads; t++) {
		shares[t].lz4 = lz4;
		shares[t].chunks = chunks;
		shares[t].count = count;
		shares[t].first = t;
		shares[t].step = threads;
	}
	for (p = 0; p < passes; p++) {
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		size_t total = 0;

		busiest[p] = 0;
		if (threads == 1) {
			for (size_t i = 0; i < count; i++) {
				double t0 = now(CLOCK_MONOTONIC), t;

				total += (size_t)decompress_one(lz4, &chunks[i], out);
				t = now(CLOCK_MONOTONIC) - t0;
				if (t < chunk_min[i])
					chunk_min[i] = t;
			}
			busiest[p] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		} else {
			for (int t = 0; t < threads; t++)
				if (pthread_create(&tids[t], NULL, decompress_share, &shares[t]))
					return 2;
			for (int t = 0; t < threads; t++) {
				pthread_join(tids[t], NULL);
				total += shares[t].total;
				if (shares[t].cpu > busiest[p])
					busiest[p] = shares[t].cpu;
			}
		}
		if (total != bytes)
			return 1;
		wall[p] = now(CLOCK_MONOTONIC) - w0;
		cpu[p] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	printf("{\"algo\":\"%s\",\"library\":\"%s\",\"threads\":%d,\"chunks\":%zu,\"bytes\":%zu,\"seconds\":[",
	       argv[1], library(lz4), threads, count, bytes);
	for (p = 0; p < passes; p++)
		printf("%s%.6f", p ? "," : "", wall[p]);
	printf("],\"cpu_seconds\":[");
	for (p = 0; p < passes; p++)
		printf("%s%.6f", p ? "," : "", cpu[p]);
	printf("],\"busiest_thread_cpu_seconds\":[");
	for (p = 0; p < passes; p++)
		printf("%s%.6f", p ? "," : "", busiest[p]);
	printf("],\"chunk_min_seconds\":[");
	for (size_t i = 0; threads == 1 && i < count; i++)
		printf("%s%.9f", i ? "," : "", chunk_min[i]);
	printf("]}\n");
	return 0;
}
