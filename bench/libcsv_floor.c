/* The floor for fansync's reader: libcsv alone, in C, with the same options
 * (spaces kept, all newlines reported) and no work per field. Built and run
 * by bench/run only; it is not part of fansync. */
#include <csv.h>
#include <stdio.h>

static long fields, records;
static int no_space(unsigned char c) { (void)c; return 0; }
static void on_field(void *s, size_t n, void *d) { (void)s; (void)n; (void)d; fields++; }
static void on_record(int c, void *d) { (void)d; if (c != -1) records++; }

int main(int argc, char **argv) {
    struct csv_parser parser;
    static char buffer[65536];
    size_t count;
    FILE *file;
    if (argc != 2 || !(file = fopen(argv[1], "rb"))) { fprintf(stderr, "usage: libcsv_floor FILE\n"); return 64; }
    csv_init(&parser, CSV_STRICT_FINI | CSV_REPALL_NL);
    csv_set_space_func(&parser, no_space);
    while ((count = fread(buffer, 1, sizeof buffer, file)) > 0) csv_parse(&parser, buffer, count, on_field, on_record, 0);
    csv_fini(&parser, on_field, on_record, 0);
    csv_free(&parser);
    printf("%ld fields\n", fields);
    return 0;
}
