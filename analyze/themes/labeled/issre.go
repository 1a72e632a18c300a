package labeled

import (
	"strings"

	"github.com/aftermath-sre/aftermath/analyze/themes"
)

// issreFine maps the second-level labels of Li et al. (ISSRE 2022) that name
// a mechanism other than their first level's default class.
var issreFine = map[string]string{
	"software bugs/config":        themes.ClassConfig,
	"software bugs/code change":   themes.ClassDeployment,
	"software bugs/payload flood": themes.ClassCapacity,
	"software bugs/network":       themes.ClassNetwork,
	"software bugs/space":         themes.ClassCapacity,
}

// issreCategory maps the first-level labels to a cause class.
var issreCategory = map[string]string{
	"software bugs":                 themes.ClassCodeBug,
	"hardware failures":             themes.ClassHardware,
	"insufficient resource":         themes.ClassCapacity,
	"excessive flow":                themes.ClassCapacity,
	"third-party failures":          themes.ClassDependency,
	"component removal":             themes.ClassProcess,
	"unknown":                       themes.ClassUnclassified,
	"others":                        themes.ClassUnclassified,
	"internal causes (unspecified)": themes.ClassUnclassified,
}

// ISSREClass maps an ISSRE'22 root-cause label (category and, when given,
// category_fine) to Aftermath's cause class; ok is false for labels outside
// the published scheme. The mapping is documented in EVALUATION.md.
func ISSREClass(category, fine string) (string, bool) {
	if c, ok := issreFine[strings.ToLower(fine)]; ok {
		return c, true
	}
	c, ok := issreCategory[strings.ToLower(category)]
	return c, ok
}

// Accuracy is the agreement of the cause classes with mapped labels.
type Accuracy struct {
	N, Correct int
	// Confusion counts "mapped label -> class" pairs.
	Confusion map[string]int
}

// Accuracy is Correct/N (0 when N is 0).
func (a Accuracy) Accuracy() float64 {
	if a.N == 0 {
		return 0
	}
	return float64(a.Correct) / float64(a.N)
}

// ClassAccuracy classifies every record with an ISSRE'22 label and counts
// agreement with its mapped class; records whose label has no mapping are
// left out.
func ClassAccuracy(recs []Record) Accuracy {
	cl := themes.NewClassifier()
	acc := Accuracy{Confusion: map[string]int{}}
	for _, r := range recs {
		want, ok := ISSREClass(r.Labels["category"], r.Labels["category_fine"])
		if !ok {
			continue
		}
		got := cl.Classify(r.Text).Class
		acc.N++
		if got == want {
			acc.Correct++
		}
		acc.Confusion[want+" -> "+got]++
	}
	return acc
}
