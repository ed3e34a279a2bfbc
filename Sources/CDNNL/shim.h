// oneDNN's C API (Debian: libdnnl-dev), the convolution library PyTorch itself uses on CPUs.
#include <oneapi/dnnl/dnnl.h>

// Debian builds oneDNN on OpenMP (libgomp). The engine runs each block of samples on one of its
// own threads, so each call is told to stay on that thread: this sets the calling thread's
// OpenMP default to one thread, which an application embedding the engine would inherit there.
void omp_set_num_threads(int count);

// The execution-argument indices, which Swift cannot import through the header's macro aliases.
enum {
    CDNNL_ARG_SRC = DNNL_ARG_SRC_0,
    CDNNL_ARG_DST = DNNL_ARG_DST_0,
    CDNNL_ARG_WEIGHTS = DNNL_ARG_WEIGHTS_0,
    CDNNL_ARG_BIAS = DNNL_ARG_BIAS,
    CDNNL_ARG_SCRATCHPAD = DNNL_ARG_SCRATCHPAD,
    CDNNL_ARG_DIFF_SRC = DNNL_ARG_DIFF_SRC_0,
    CDNNL_ARG_DIFF_DST = DNNL_ARG_DIFF_DST_0,
};
