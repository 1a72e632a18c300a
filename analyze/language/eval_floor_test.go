package language

// Floors for the real-data evaluation: set to the measured values reported
// in EVALUATION.md, so that a change that makes the checker worse fails.
const (
	minRealPrecision = 1.0
	minRealRecall    = 0.8
)
