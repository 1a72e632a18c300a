package language

// Floors for the real-data evaluation on the report halves of the labeled
// sets (testdata/LABELING.md), set to the values measured and reported in
// EVALUATION.md, so that a change that makes the checker worse fails. The
// issue's targets (blame precision >= 0.9 and recall >= 0.8; vague recall >=
// 0.8 with <= 5% of specific items flagged) are met for blame and not for
// vague action items: those floors are below the targets, on purpose, and
// EVALUATION.md says so. The vague floors hold both action-label batches'
// report halves, scored once, blind, with the fitted model (model.go).
const (
	minBlamePrecision  = 1.0  // 6 of 6 flagged
	minBlameRecall     = 0.85 // 6 of 7
	minVagueRecall     = 0.73 // 44 of 60
	maxSpecificFlagged = 0.19 // 19 of 100
)
