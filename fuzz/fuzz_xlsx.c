/* fuzz_xlsx.c -- libFuzzer target for the XLSX reader (ZIP, the workbook,
 * shared strings, the sheet's XML, limits): see fuzz_table.inc. */
#define FORMAT "xlsx"
#include "fuzz_table.inc"
