// A growable string for building reprs. Allocation failure is sticky: later appends are
// ignored and the caller checks `failed` once at the end.
#include <stdlib.h>
#include <string.h>
#include "print/print_impl.h"

void ct__sb_init(ct__strbuf *sb, size_t reserve) {
  sb->len = 0;
  sb->cap = reserve < 64 ? 64 : reserve;
  sb->data = malloc(sb->cap);
  sb->failed = sb->data == NULL;
  if (sb->data) sb->data[0] = '\0';
}

void ct__sb_free(ct__strbuf *sb) {
  free(sb->data);
  sb->data = NULL;
  sb->len = sb->cap = 0;
}

// Makes room for n more characters plus the terminating NUL.
static bool reserve(ct__strbuf *sb, size_t n) {
  if (sb->failed) return false;
  if (sb->len + n + 1 <= sb->cap) return true;
  size_t cap = sb->cap;
  while (sb->len + n + 1 > cap) cap *= 2;
  char *grown = realloc(sb->data, cap);
  if (!grown) {
    sb->failed = true;
    return false;
  }
  sb->data = grown;
  sb->cap = cap;
  return true;
}

void ct__sb_append(ct__strbuf *sb, const char *s, size_t n) {
  if (!reserve(sb, n)) return;
  memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
}

void ct__sb_puts(ct__strbuf *sb, const char *s) { ct__sb_append(sb, s, strlen(s)); }

void ct__sb_repeat(ct__strbuf *sb, char c, size_t n) {
  if (!reserve(sb, n)) return;
  memset(sb->data + sb->len, c, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
}

size_t ct__sb_last_line_len(const ct__strbuf *sb) {
  size_t i = sb->len;
  while (i > 0 && sb->data[i - 1] != '\n') i--;
  return sb->len - i;
}
