// Only the GSL headers ceiling uses. gsl_randist.h and gsl_matrix.h are left out on purpose:
// they pull in gsl_cblas.h, whose CBLAS_TRANSPOSE clashes with OpenBLAS's cblas.h.
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_statistics_double.h>
