// Reads doubles as hex floats, one per line; prints ct_format_float of each.
#include <stdio.h>
#include <stdlib.h>
#include "ctorch.h"

int main(void) {
  char line[128], out[64];
  while (fgets(line, sizeof line, stdin)) {
    double v = strtod(line, NULL);
    if (ct_format_float(v, out, sizeof out) != CT_OK) printf("error: %s\n", ct_last_error());
    else printf("%s\n", out);
    printf("@@END@@\n");
  }
  return 0;
}
