/* fuzz_csv.c -- libFuzzer target for the CSV reader (encodings, quoting,
 * line numbers, limits): see fuzz_table.inc. */
#define FORMAT "csv"
#include "fuzz_table.inc"
