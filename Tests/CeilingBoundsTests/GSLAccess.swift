@preconcurrency import CGSL

// GSL's own beta distribution functions, used only to cross-check `IncompleteBeta` in the
// parameter range where they are reliable.
func gslBetaLower(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_beta_P(x, a, b) }
func gslBetaUpper(_ x: Double, _ a: Double, _ b: Double) -> Double { gsl_cdf_beta_Q(x, a, b) }
