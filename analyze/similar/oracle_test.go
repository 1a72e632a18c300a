package similar

// The direct computation the inverted lists (Index.match) and the streamed
// search (Search.Offer) must equal: the tests' oracle.

// dotProduct merges the two sorted vectors of a and b, summing the
// products of the terms they share in term order: the same sums, in the same
// order, as the inverted lists' (so scores are identical run to run and
// between Index and Search).
func dotProduct(a, b *entry) float64 {
	x, y := a.vec, b.vec
	var dot float64
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i].term < y[j].term:
			i++
		case x[i].term > y[j].term:
			j++
		default:
			dot += x[i].w * y[j].w
			i++
			j++
		}
	}
	return dot
}

// cosine is the cosine of the factor vectors of a and b.
func cosine(a, b *entry) float64 {
	if a.norm == 0 || b.norm == 0 {
		return 0
	}
	return dotProduct(a, b) / (a.norm * b.norm)
}
