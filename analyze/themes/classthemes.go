package themes

import (
	"slices"
	"sort"
	"strings"
)

// Granularities of the themes formed from cause classes.
const (
	LevelClass = "class" // one theme per cause class
	LevelGroup = "group" // one theme per group of classes (classGroups)
)

// otherCauses is the partition key of factors without a class and of
// classes too small for a theme of their own.
const otherCauses = "other causes"

// classGroups groups the cause classes as the top level of Li et al.'s
// ISSRE 2022 taxonomy does: software bugs there include configuration and
// code-change faults. Their network faults fall on both sides (a software
// or configuration fault of the network under software bugs, the physical
// network under hardware failures); the classifier already files physical
// network failures (a fiber cut, a failed line card) under hardware, so the
// network class stays a group of its own rather than joining hardware.
var classGroups = map[string]string{
	ClassCodeBug:    groupSoftware,
	ClassConfig:     groupSoftware,
	ClassDeployment: groupSoftware,
	ClassCapacity:   ClassCapacity,
	ClassHardware:   ClassHardware,
	ClassNetwork:    ClassNetwork,
	ClassDependency: ClassDependency,
	ClassData:       ClassData,
	ClassSecurity:   ClassSecurity,
	ClassProcess:    ClassProcess,
}

const groupSoftware = "software changes and defects"

// GroupOf returns the group of a cause class (the class itself when it
// forms a group alone; "" for unclassified).
func GroupOf(class string) string { return classGroups[class] }

// classPartition forms one cluster per cause class (or group of classes,
// opts.ClassLevel) of the documents; keys holds each document's class. A
// class or group with fewer than opts.ClassMinShare of the documents (or
// fewer than 2) joins the other-causes cluster with the unclassified ones.
// Centroids are the normalized means of the members.
//
// The other-causes factors are then split by the kind of factor their words
// describe (factorKinds: detection, deploys, retries, deadline pressure,
// ...), when masks are given (each feature's kinds): most factors
// without a cause mechanism are about the response and the organization
// around the failure, and a lead reads "gaps in detection and alerting"
// where one bucket of other causes said nothing. A kind with fewer than
// opts.KindMinShare of the documents (or fewer than 3) stays with the
// other causes.
func classPartition(docs []sparse, dim int, keys []string, masks kindMasks, opts Options) clustering {
	part := make([]string, len(docs))
	count := map[string]int{}
	for i, k := range keys {
		p := otherCauses
		if k != ClassUnclassified && k != "" {
			p = k
			if opts.ClassLevel == LevelGroup {
				p = classGroups[k]
			}
		}
		part[i] = p
		count[p]++
	}
	minN := max(2, int(opts.ClassMinShare*float64(len(docs))+0.999999))
	for i, p := range part {
		if count[p] < minN {
			part[i] = otherCauses
		}
	}
	if masks != nil {
		kinds := map[string]int{}
		for i, p := range part {
			if p != otherCauses {
				continue
			}
			if k := docFactorKind(docs[i], masks); k != "" {
				part[i] = kindPartition + k
				kinds[part[i]]++
			}
		}
		minKind := max(3, int(opts.KindMinShare*float64(len(docs))+0.999999))
		for i, p := range part {
			if n, ok := kinds[p]; ok && n < minKind {
				part[i] = otherCauses
			}
		}
	}
	var names []string
	index := map[string]int{}
	for _, p := range part {
		if _, ok := index[p]; !ok {
			index[p] = 0
			names = append(names, p)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		index[n] = i
	}
	c := clustering{k: len(names), assign: make([]int, len(docs)), centroids: make([][]float32, len(names)), parts: names}
	for i := range c.centroids {
		c.centroids[i] = make([]float32, dim)
	}
	for i, d := range docs {
		a := index[part[i]]
		c.assign[i] = a
		for j, id := range d.idx {
			c.centroids[a][id] += d.val[j]
		}
	}
	for _, ctr := range c.centroids {
		normalize(ctr)
	}
	for i, d := range docs {
		c.objective += float64(d.dotDense(c.centroids[c.assign[i]]))
	}
	return c
}

// kindPartition prefixes the partition key of the other-causes factors of
// one factor kind.
const kindPartition = "kind: "

// kindMasks holds, for every feature of a space, the factor kinds
// (factorKinds, bit i for kind i) one of whose cues its surface form starts
// with; cause families ("@...") are not words and match none. Computed once
// per clustering, so that a document's kind costs one pass over its terms.
type kindMasks []uint16

func newKindMasks(surface []string) kindMasks {
	m := make(kindMasks, len(surface))
	for id, term := range surface {
		term = strings.ToLower(term)
		if strings.HasPrefix(term, "@") {
			continue
		}
		for k, kind := range factorKinds {
			for _, c := range kind.cues {
				if strings.HasPrefix(term, c) {
					m[id] |= 1 << k
					break
				}
			}
		}
	}
	return m
}

// docFactorKind is the factor kind (factorKinds) whose cues weigh most in
// one document (the sum of the weights of its terms that match a cue of the
// kind), "" when no cue is found; ties go to the kind listed first.
func docFactorKind(d sparse, masks kindMasks) string {
	var w [16]float32
	for j, id := range d.idx {
		for m, k := masks[id], 0; m != 0; m, k = m>>1, k+1 {
			if m&1 != 0 {
				w[k] += d.val[j]
			}
		}
	}
	best, bestW := "", float32(0)
	for k := range factorKinds {
		if w[k] > bestW {
			best, bestW = factorKinds[k].phrase, w[k]
		}
	}
	return best
}

// groupPhrase names a group theme.
var groupPhrase = map[string]string{
	groupSoftware:   "software changes and defects",
	ClassCapacity:   "load beyond capacity",
	ClassDependency: "a third party failed",
	ClassData:       "bad data",
	ClassSecurity:   "credentials or certificates failed",
	ClassProcess:    "an operational step went wrong",
}

// nameThemes sets each theme's cause class and its label: the mechanism
// phrase most of the members of its main class share ("configuration
// changed without validation"); for themes formed from groups of classes,
// the group's name and its most common mechanism ("software changes and
// defects, mostly configuration changed without validation"). When several
// themes would carry the same label, each adds its most characteristic
// terms. A theme whose members mostly have no class is "other causes" with
// its top terms when formed from the classes; when formed from the words,
// the kind of factor its terms describe ("gaps in detection and alerting",
// factorKinds), else "factors about" its top terms.
func nameThemes(clusters []*draft, causes map[string]Cause, fromClasses, groups bool) {
	for _, d := range clusters {
		classN := map[string]int{}
		for _, m := range d.members {
			classN[causes[m].Class]++
		}
		cls := keysByCount(classN)
		main := cls[0]
		if main == ClassUnclassified && len(cls) > 1 && classN[cls[1]]*3 >= len(d.members) {
			main = cls[1]
		}
		d.theme.Class = main
		d.theme.ClassShare = float64(classN[main]) / float64(len(d.members))
		if main == ClassUnclassified || d.theme.ClassShare < 0.25 {
			switch {
			case fromClasses:
				// The kind of factor that formed it from the other causes
				// (classPartition), else other causes with only terms that
				// name something; none: the class alone.
				if d.kind != "" {
					d.theme.Label = d.kind
					break
				}
				// Classes too small for a theme of their own: named by
				// the largest when it holds a quarter of the theme, else
				// by those holding a tenth each (up to three).
				if small := smallClasses(cls, classN, len(d.members)); len(small) > 0 {
					if classN[small[0]]*4 >= len(d.members) {
						if phrase := mainCue(d.members, causes, small[0]); phrase != "" {
							d.theme.Label = otherCauses + ", mostly " + phrase
							break
						}
					}
					d.theme.Label = otherCauses + ": " + strings.Join(small[:min(3, len(small))], ", ")
					break
				}
				top := slices.DeleteFunc(slices.Clone(d.theme.TopTerms), func(t string) bool { return !naming(t) })
				d.theme.Label = otherCauses
				if len(top) > 0 {
					d.theme.Label += ": " + strings.Join(top[:min(3, len(top))], ", ")
				}
			case d.kind != "":
				// A theme of the words with no common cause class whose
				// members mostly describe one kind of factor.
				d.theme.Label = d.kind
			case len(d.theme.TopTerms) > 0:
				// Else named by the kind of factor its top terms
				// describe, else by them.
				if p := factorKindPhrase(d.theme.TopTerms); p != "" {
					d.theme.Label = p
					break
				}
				top := namingTerms(d.theme.TopTerms)
				d.theme.Label = "factors about " + strings.Join(top[:min(2, len(top))], " and ")
			}
			continue
		}
		if !fromClasses && d.kind != "" && d.kindShare > d.theme.ClassShare {
			// A theme of the words about one kind of factor more than
			// one mechanism: untested changes whose bugs showed in
			// production ("gaps in testing", not "a software bug"),
			// clients' retries that overloaded a service ("retries that
			// amplified the load", not "load beyond capacity").
			d.theme.Label = d.kind
			continue
		}
		phrase := mainCue(d.members, causes, main)
		if phrase == "" {
			phrase = main
		}
		d.theme.Label = phrase
		if g := classGroups[main]; fromClasses && groups && g != "" && g != main {
			d.theme.Label = groupPhrase[g] + ", mostly " + phrase
		}
	}
	byLabel := map[string][]*draft{}
	for _, d := range clusters {
		byLabel[d.theme.Label] = append(byLabel[d.theme.Label], d)
	}
	for _, ds := range byLabel {
		if len(ds) < 2 {
			continue
		}
		for _, d := range ds {
			if top := distinctTerms(d.theme.Label, d.theme.TopTerms, 2); len(top) > 0 {
				d.theme.Label += ": " + strings.Join(top, ", ")
			}
		}
	}
}

// smallClasses are the cause classes other than unclassified holding at
// least a tenth of n members each, most first (cls is by count).
func smallClasses(cls []string, classN map[string]int, n int) []string {
	var out []string
	for _, c := range cls {
		if c != ClassUnclassified && c != "" && classN[c]*10 >= n {
			out = append(out, c)
		}
	}
	return out
}

// mainCue is the mechanism phrase most of the members of class share ("" when
// none has one).
func mainCue(members []string, causes map[string]Cause, class string) string {
	cueN := map[string]int{}
	for _, m := range members {
		if c := causes[m]; c.Class == class && c.Cue != "" {
			cueN[c.Cue]++
		}
	}
	return keysByCount(cueN)[0]
}

// keysByCount returns the keys of m, most counted first (ties by key); it
// returns [""] for an empty map.
func keysByCount(m map[string]int) []string {
	if len(m) == 0 {
		return []string{""}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// distinctTerms returns up to n of terms, in order, leaving out those whose
// every word is already a word of label ("load beyond capacity" is not told
// apart by "capacity") and those that name nothing (namingTerms). When fewer
// than n are left, the naming terms are taken as they come.
func distinctTerms(label string, terms []string, n int) []string {
	terms = namingTerms(terms)
	words := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(label)) {
		words[strings.Trim(w, ",:;")] = true
	}
	var out []string
	for _, t := range terms {
		fresh, repeats := false, false
		for _, w := range strings.Fields(strings.ToLower(t)) {
			if !words[w] {
				fresh = true
			}
			for _, o := range out {
				repeats = repeats || slices.Contains(strings.Fields(strings.ToLower(o)), w)
			}
		}
		// A term that repeats a word of one taken before adds little
		// ("every client, client tried").
		if fresh && !repeats {
			out = append(out, t)
		}
		if len(out) == n {
			return out
		}
	}
	for _, t := range terms {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// namingTerms returns terms without the single words that name nothing a
// reader could recognize a theme by: quantifiers and pronouns ("enough",
// "everyone"), degree and time adverbs ("recently"), bare judgements
// ("wrong", "tight") and light verbs ("go", "showed"); a phrase ("looked
// normal", "hard deadline") is kept unless it opens with a pronoun or a
// quantifier ("nothing turned"), a name followed by such a word is the name
// ("dashboards showed" is "dashboards"). A theme's top terms
// weigh words by how much they tell its factors apart, and such words can
// do that in a batch of similar prose ("not enough workers") while saying
// nothing in a label ("load beyond capacity: overload, enough"). Only labels
// use it; the features and the clustering keep every term. When every term
// is such a word, terms is returned as it is.
func namingTerms(terms []string) []string {
	var out []string
	for _, t := range terms {
		if !naming(t) {
			continue
		}
		// A name followed by a light verb or an adverb says it with the
		// name alone ("dashboards showed", "errors well").
		if ws := strings.Fields(t); len(ws) == 2 && !nonNaming[strings.ToLower(ws[0])] && nonNaming[strings.ToLower(ws[1])] {
			t = ws[0]
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return terms
	}
	return out
}

// naming reports whether a term can name a theme: a word not in
// nonNaming, or a phrase that does not open with a pronoun or quantifier
// ("looked normal" names a symptom, "nothing turned" nothing).
func naming(term string) bool {
	ws := strings.Fields(strings.ToLower(term))
	switch {
	case len(ws) == 0:
		return false
	case len(ws) == 1:
		return !nonNaming[ws[0]]
	}
	return !pronouns[ws[0]]
}

// pronouns are the words of nonNaming that stand for a thing or a person:
// a phrase that opens with one names nothing.
var pronouns = map[string]bool{"enough": true, "everyone": true, "everybody": true, "everything": true, "someone": true,
	"somebody": true, "something": true, "anyone": true, "anybody": true, "anything": true, "nobody": true, "nothing": true, "none": true}

var nonNaming = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`enough everyone everybody everything someone somebody something anyone anybody
		anything nobody nothing none little much many more most less least few several some any each every all other
		last first next same own only just even also already still yet recently soon later earlier early often never
		always sometimes usually again ever very really quite too almost immediately suddenly quickly slowly
		eventually finally repeatedly
		wrong right bad good big small hard easy tight loose normal usual new old real true high low broken mixed fine
		go goes went gone get gets got make makes made take takes took show shows showed shown look looks looked seem
		seemed seems involved kept keep put come came said thing things way lot well hid hide hides`) {
		m[w] = true
	}
	return m
}()
