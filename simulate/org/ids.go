package org

import "strconv"

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// idSpace is 36^6: ids are a prefix letter plus six base-36 digits.
const idSpace = 36 * 36 * 36 * 36 * 36 * 36

// idGen issues unique PagerDuty-style ids ("PABC123"): an affine permutation of
// a counter modulo 36^6, so ids look random yet never collide.
type idGen struct {
	prefix byte
	mul    uint64 // coprime to 36
	add    uint64
	n      uint64
}

func newIDGen(prefix byte, r *rng) *idGen {
	// Coprime to 36 means neither even nor divisible by 3.
	m := uint64(r.Int64N(idSpace/2))*2 + 1
	for m%3 == 0 {
		m += 2
	}
	return &idGen{prefix: prefix, mul: m % idSpace, add: uint64(r.Int64N(idSpace))}
}

func (g *idGen) next() string {
	v := (g.n*g.mul + g.add) % idSpace
	g.n++
	var b [7]byte
	b[0] = g.prefix
	for i := 6; i >= 1; i-- {
		b[i] = idAlphabet[v%36]
		v /= 36
	}
	return string(b[:])
}

// hexID returns n random lowercase hex digits.
func hexID(r *rng, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }
