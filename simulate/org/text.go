package org

import (
	"strconv"
	"strings"
)

// slotCtx holds the values a text template can refer to.
type slotCtx struct {
	svc, svc2, dep, db, region, region2, domain, comp, flag, team, month string
	name, first                                                          string // a person, for blaming sentences only
	n, n2, pct, mins                                                     int
}

// expand fills a template: "[a|b|c]" picks one alternative (not nested),
// "{slot}" inserts a slot value.
func expand(r *rng, tmpl string, c slotCtx) string {
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		switch ch {
		case '[':
			j := strings.IndexByte(tmpl[i:], ']')
			if j < 0 {
				b.WriteString(tmpl[i:])
				return b.String()
			}
			alts := strings.Split(tmpl[i+1:i+j], "|")
			expandSlots(&b, alts[r.IntN(len(alts))], c)
			i += j
		case '{':
			j := strings.IndexByte(tmpl[i:], '}')
			if j < 0 {
				b.WriteString(tmpl[i:])
				return b.String()
			}
			writeSlot(&b, tmpl[i+1:i+j], c)
			i += j
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

func expandSlots(b *strings.Builder, s string, c slotCtx) {
	for i := 0; i < len(s); i++ {
		if s[i] == '{' {
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				writeSlot(b, s[i+1:i+j], c)
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
}

func writeSlot(b *strings.Builder, slot string, c slotCtx) {
	switch slot {
	case "svc":
		b.WriteString(c.svc)
	case "svc2":
		b.WriteString(c.svc2)
	case "dep":
		b.WriteString(c.dep)
	case "db":
		b.WriteString(c.db)
	case "region":
		b.WriteString(c.region)
	case "region2":
		b.WriteString(c.region2)
	case "domain":
		b.WriteString(c.domain)
	case "comp":
		b.WriteString(c.comp)
	case "flag":
		b.WriteString(c.flag)
	case "team":
		b.WriteString(c.team)
	case "month":
		b.WriteString(c.month)
	case "name":
		b.WriteString(c.name)
	case "first":
		b.WriteString(c.first)
	case "n":
		b.WriteString(strconv.Itoa(c.n))
	case "n2":
		b.WriteString(strconv.Itoa(c.n2))
	case "pct":
		b.WriteString(strconv.Itoa(c.pct))
	case "mins":
		b.WriteString(strconv.Itoa(c.mins))
	default:
		b.WriteByte('{')
		b.WriteString(slot)
		b.WriteByte('}')
	}
}

// capitalize upper-cases the first byte (templates are ASCII).
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
