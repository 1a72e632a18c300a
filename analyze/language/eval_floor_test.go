package language

// Floors for the real-data evaluation (testdata/LABELING.md), set just under
// the values measured and reported in EVALUATION.md, so that a change that
// makes the checker worse fails. Blame: the report half of the blame labels.
// Vague action items: the report batch (action_labels_4.tsv, scored once,
// blind, with the model fitted on the earlier batches), and the first round's
// report halves, now seen and part of the tuning data, as a regression guard.
// The targets (blame precision >= 0.9 and recall >= 0.8; vague recall
// >= 0.8 with <= 5% of specific items flagged) are not all met: floors below
// a target are on purpose, and EVALUATION.md says so.
const (
	minBlamePrecision      = 1.0  // 6 of 6 flagged
	minBlameRecall         = 0.85 // 6 of 7
	minVagueRecall         = 0.0  // TODO(measure)
	maxSpecificFlagged     = 1.0  // TODO(measure)
	minSeenVagueRecall     = 0.0  // TODO(measure)
	maxSeenSpecificFlagged = 1.0  // TODO(measure)
)
