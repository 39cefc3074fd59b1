/* fuzz_features.c -- libFuzzer target for the GeoJSON FeatureCollection
 * reader (table/features.c: the header from the properties, a row per
 * feature, the limits): see fuzz_table.inc. */
#define FORMAT "geojson"
#include "fuzz_table.inc"
