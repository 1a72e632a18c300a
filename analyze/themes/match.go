package themes

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// matchThemes gives every cluster an id, carrying previous ids over, fills
// res.Themes and res.Assignments, and returns the changes against prev.
func matchThemes(clusters []*draft, prev []Theme, itemIDs []string, opts Options, res *Result) []Change {
	// Deterministic order: previous themes by id, clusters by size then
	// first member.
	prev = append([]Theme(nil), prev...)
	sort.Slice(prev, func(i, j int) bool { return prev[i].ID < prev[j].ID })
	sort.Slice(clusters, func(i, j int) bool {
		if len(clusters[i].members) != len(clusters[j].members) {
			return len(clusters[i].members) > len(clusters[j].members)
		}
		return clusters[i].members[0] < clusters[j].members[0]
	})

	score := make([][]float64, len(prev))
	var present map[string]int
	if len(opts.PrevAssignments) > 0 {
		present = map[string]int{}
		for _, id := range itemIDs {
			if p, ok := opts.PrevAssignments[id]; ok {
				present[p]++
			}
		}
	}
	for i, p := range prev {
		score[i] = make([]float64, len(clusters))
		for j, c := range clusters {
			s := cosineMaps(p.Centroid, c.theme.Centroid)
			if present != nil {
				var inter, seenBefore int
				for _, m := range c.members {
					if q, ok := opts.PrevAssignments[m]; ok {
						seenBefore++
						if q == p.ID {
							inter++
						}
					}
				}
				if den := present[p.ID] + seenBefore; den > 0 {
					if dice := 2 * float64(inter) / float64(den); dice > s {
						s = dice
					}
				}
			}
			score[i][j] = s
		}
	}

	thr := opts.MatchThreshold
	bestPrev := make([]int, len(clusters)) // b(j)
	for j := range clusters {
		bestPrev[j] = -1
		best := thr
		for i := range prev {
			if score[i][j] >= best && (bestPrev[j] < 0 || score[i][j] > score[bestPrev[j]][j]) {
				bestPrev[j], best = i, score[i][j]
			}
		}
	}
	bestCluster := make([]int, len(prev)) // f(i)
	for i := range prev {
		bestCluster[i] = -1
		best := thr
		for j := range clusters {
			if score[i][j] >= best && (bestCluster[i] < 0 || score[i][j] > score[i][bestCluster[i]]) {
				bestCluster[i], best = j, score[i][j]
			}
		}
	}

	taken := map[string]bool{}
	for _, p := range prev {
		taken[p.ID] = true
	}
	ids := make([]string, len(clusters))
	// Keepers: for each previous theme, its most similar claiming cluster.
	claims := make([][]int, len(prev))
	for j, i := range bestPrev {
		if i >= 0 {
			claims[i] = append(claims[i], j)
		}
	}
	for i, js := range claims {
		if len(js) == 0 {
			continue
		}
		keeper := js[0]
		for _, j := range js[1:] {
			if score[i][j] > score[i][keeper] {
				keeper = j
			}
		}
		ids[keeper] = prev[i].ID
	}
	for j := range clusters {
		if ids[j] == "" {
			ids[j] = newID(clusters[j].theme.TopTerms, taken)
			taken[ids[j]] = true
		}
	}

	var changes []Change
	for i, js := range claims {
		if len(js) < 2 {
			continue
		}
		ch := Change{Kind: ChangeSplit, From: prev[i].ID, ThemeIDs: []string{prev[i].ID}}
		for _, j := range js {
			if ids[j] != prev[i].ID {
				ch.ThemeIDs = append(ch.ThemeIDs, ids[j])
			}
		}
		changes = append(changes, ch)
	}
	merges := map[int][]string{}
	for i := range prev {
		if len(claims[i]) > 0 {
			continue
		}
		if j := bestCluster[i]; j >= 0 {
			merges[j] = append(merges[j], prev[i].ID)
			continue
		}
		changes = append(changes, Change{Kind: ChangeRetired, ThemeIDs: []string{prev[i].ID}})
	}
	for j := range clusters {
		if ms, ok := merges[j]; ok {
			from := ms
			if i := bestPrev[j]; i >= 0 && ids[j] == prev[i].ID {
				from = append([]string{prev[i].ID}, ms...)
			}
			changes = append(changes, Change{Kind: ChangeMerge, ThemeIDs: from, Into: ids[j]})
		}
		if bestPrev[j] < 0 && len(merges[j]) == 0 {
			changes = append(changes, Change{Kind: ChangeNew, ThemeIDs: []string{ids[j]}})
		}
	}
	sort.SliceStable(changes, func(a, b int) bool {
		return changeOrder(changes[a].Kind) < changeOrder(changes[b].Kind)
	})

	for j, c := range clusters {
		th := c.theme
		th.ID = ids[j]
		res.Themes = append(res.Themes, th)
		for _, m := range c.members {
			res.Assignments[m] = th.ID
		}
	}
	return changes
}

func changeOrder(kind string) int {
	switch kind {
	case ChangeSplit:
		return 0
	case ChangeMerge:
		return 1
	case ChangeNew:
		return 2
	default:
		return 3
	}
}

// newID derives a theme id from its top terms: the same terms give the same
// id; a collision with an id in use gets a numeric suffix.
func newID(top []string, taken map[string]bool) string {
	h := fnv.New32a()
	h.Write([]byte(strings.Join(top, "|")))
	base := fmt.Sprintf("th-%08x", h.Sum32())
	id := base
	for n := 2; taken[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	return id
}
