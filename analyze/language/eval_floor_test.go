package language

// Floors for the real-data evaluation on the report half of the labeled
// sets (testdata/LABELING.md), set to the values measured and reported in
// EVALUATION.md, so that a change that makes the checker worse fails. The
// issue's targets (blame precision >= 0.9 and recall >= 0.8; vague recall >=
// 0.8 with <= 5% of specific items flagged) are met for blame and not yet for
// vague action items: those floors are below the targets, on purpose, and
// EVALUATION.md says so.
const (
	minBlamePrecision  = 1.0  // 6 of 6 flagged
	minBlameRecall     = 0.85 // 6 of 7
	minVagueRecall     = 0.74 // 37 of 50
	maxSpecificFlagged = 0.13 // 11 of 86
)
