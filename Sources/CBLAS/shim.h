// OpenBLAS's CBLAS interface (Debian: libopenblas-dev) and its threading controls.
#include <cblas.h>
