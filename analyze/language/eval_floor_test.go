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
	minVagueRecall         = 0.43 // report batch: 7 of 16 (0.4375)
	maxSpecificFlagged     = 0.16 // report batch: 5 of 33 (0.152)
	minSeenVagueRecall     = 0.73 // first round's report halves: 44 of 60 (0.733)
	maxSeenSpecificFlagged = 0.06 // first round's report halves: 6 of 100 (7 with Version .4)
)
