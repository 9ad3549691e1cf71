// The digits example's data: 8x8 grey-level images of handwritten digits with their
// labels, read from scikit-learn's digits.csv.gz (one image per line: 64 pixel values 0-16
// in row-major order, then the label 0-9, comma-separated; plain text reads as well).
#ifndef CTORCH_EXAMPLES_DIGITS_DATA_H
#define CTORCH_EXAMPLES_DIGITS_DATA_H
#include <stdint.h>
#include <zlib.h>

#define DIGITS_PIXELS 64

typedef struct digits {
  int64_t count;
  float *pixels;   ///< count x 64, divided by 16 (0 to 1)
  int64_t *labels; ///< count
} digits;

/// Frees the images; the set is empty afterwards.
void digits_free(digits *d);
/// Appends the images of a digits stream; `name` is used in messages. Blank lines are
/// skipped (as numpy.loadtxt does). 0, or -1 after a message on stderr naming the line of
/// the first bad row (wrong number of values, a value that is not a number, a pixel outside
/// 0-16, a label that is not a whole number 0-9), a read error, or no images at all.
int digits_read(digits *d, gzFile f, const char *name);
/// digits_read of the file at `path` (gzip-compressed or plain).
int digits_load(digits *d, const char *path);

#endif
