#include "ctorch.h"
const char *ct_version(void) { return CT_VERSION_STRING; }
