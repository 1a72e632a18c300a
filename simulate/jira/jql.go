package jira

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The JQL subset the simulator understands:
//
//	query   := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
//	expr    := and {OR and}
//	and     := unary {AND unary}
//	unary   := NOT unary | "(" expr ")" | clause
//	clause  := field op value
//
// Fields: project, issuetype (type), labels, issueLinkType, key (issuekey),
// status, statusCategory, updated (updatedDate), created (createdDate).
// Operators: = != IN "NOT IN" for the text fields; = != > >= < <= for the
// dates. Dates are "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd",
// "yyyy/MM/dd" in the searching user's time zone, or a relative period such
// as "-5d", "-4w 2d", "-90m". Anything else is rejected as Jira rejects it:
// 400 with errorMessages.

// jqlError is a JQL error with Jira's wording.
type jqlError struct{ msg string }

func (e *jqlError) Error() string { return e.msg }

func jqlErrorf(format string, args ...any) error { return &jqlError{fmt.Sprintf(format, args...)} }

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tString
	tOp // = != > >= < <=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int // 1-based character position
}

func (t token) is(word string) bool { return t.kind == tWord && strings.EqualFold(t.text, word) }

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of query"
	}
	return "'" + t.text + "'"
}

func lexJQL(s string) ([]token, error) {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			out = append(out, token{tLParen, "(", i + 1})
			i++
		case r == ')':
			out = append(out, token{tRParen, ")", i + 1})
			i++
		case r == ',':
			out = append(out, token{tComma, ",", i + 1})
			i++
		case r == '=':
			out = append(out, token{tOp, "=", i + 1})
			i++
		case r == '!' || r == '<' || r == '>':
			if i+1 < len(rs) && rs[i+1] == '=' {
				out = append(out, token{tOp, string(r) + "=", i + 1})
				i += 2
				continue
			}
			if r == '!' {
				if i+1 < len(rs) && rs[i+1] == '~' {
					return nil, jqlErrorf("The operator '!~' is not supported by the simulator (line 1, character %d).", i+1)
				}
				return nil, jqlErrorf("Error in the JQL Query: The character '!' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0021' instead. (line 1, character %d)", i+1)
			}
			out = append(out, token{tOp, string(r), i + 1})
			i++
		case r == '~':
			return nil, jqlErrorf("The operator '~' is not supported by the simulator (line 1, character %d).", i+1)
		case r == '"' || r == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(rs) {
				c := rs[i]
				if c == '\\' && i+1 < len(rs) {
					b.WriteRune(rs[i+1])
					i += 2
					continue
				}
				if c == r {
					closed = true
					i++
					break
				}
				b.WriteRune(c)
				i++
			}
			if !closed {
				return nil, jqlErrorf("Error in the JQL Query: The quoted string %s has not been completed. (line 1, character %d)", string(rs[start:]), start+1)
			}
			out = append(out, token{tString, b.String(), start + 1})
		case isWordRune(r):
			start := i
			for i < len(rs) && isWordRune(rs[i]) {
				i++
			}
			out = append(out, token{tWord, string(rs[start:i]), start + 1})
		default:
			return nil, jqlErrorf("Error in the JQL Query: The character '%c' is a reserved JQL character. You must enclose it in a string or use the escape '\\u%04x' instead. (line 1, character %d)", r, r, i+1)
		}
	}
	out = append(out, token{kind: tEOF, pos: len(rs) + 1})
	return out, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' || r == ':' || r == '@' || r == '/'
}

// query is a parsed JQL query.
type query struct {
	where node // nil: no restriction
	order []orderKey
}

type orderKey struct {
	field string // "updated", "created", "key"
	desc  bool
}

type node interface{ isNode() }

type andNode struct{ a, b node }
type orNode struct{ a, b node }
type notNode struct{ x node }
type clauseNode struct {
	field  string // canonical field name
	op     string // "=", "!=", "in", "not in", ">", ">=", "<", "<="
	values []string
	at     time.Time // date clauses: the resolved instant
}

func (andNode) isNode()    {}
func (orNode) isNode()     {}
func (notNode) isNode()    {}
func (clauseNode) isNode() {}

var fieldAliases = map[string]string{
	"project":        "project",
	"issuetype":      "issuetype",
	"type":           "issuetype",
	"labels":         "labels",
	"issuelinktype":  "issueLinkType",
	"key":            "key",
	"issuekey":       "key",
	"status":         "status",
	"statuscategory": "statusCategory",
	"updated":        "updated",
	"updateddate":    "updated",
	"created":        "created",
	"createddate":    "created",
}

func isDateField(f string) bool { return f == "updated" || f == "created" }

type jqlParser struct {
	toks []token
	i    int
	loc  *time.Location // the searching user's time zone
	now  time.Time
}

// parseJQL parses s; dates are resolved in loc, relative periods against now.
func parseJQL(s string, loc *time.Location, now time.Time) (*query, error) {
	toks, err := lexJQL(s)
	if err != nil {
		return nil, err
	}
	p := &jqlParser{toks: toks, loc: loc, now: now}
	q := &query{}
	if !p.peek().is("order") && p.peek().kind != tEOF {
		q.where, err = p.expr()
		if err != nil {
			return nil, err
		}
	}
	if p.peek().is("order") {
		p.next()
		if !p.peek().is("by") {
			return nil, jqlErrorf("Error in the JQL Query: Expecting 'by' but got %s. (line 1, character %d)", p.peek().describe(), p.peek().pos)
		}
		p.next()
		for {
			t := p.next()
			if t.kind != tWord && t.kind != tString {
				return nil, jqlErrorf("Error in the JQL Query: Expecting a field name but got %s. (line 1, character %d)", t.describe(), t.pos)
			}
			f, ok := fieldAliases[strings.ToLower(t.text)]
			if !ok {
				return nil, jqlErrorf("Field '%s' does not exist or you do not have permission to view it.", t.text)
			}
			if f != "updated" && f != "created" && f != "key" {
				return nil, jqlErrorf("Field '%s' is not supported in ORDER BY by the simulator.", t.text)
			}
			k := orderKey{field: f}
			if p.peek().is("asc") {
				p.next()
			} else if p.peek().is("desc") {
				p.next()
				k.desc = true
			}
			q.order = append(q.order, k)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, jqlErrorf("Error in the JQL Query: Expecting either 'OR' or 'AND' but got %s. (line 1, character %d)", t.describe(), t.pos)
	}
	if q.where == nil {
		return nil, jqlErrorf("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
	}
	if len(q.order) > 7 {
		return nil, jqlErrorf("The ORDER BY clause can contain a maximum of 7 fields.")
	}
	return q, nil
}

func (p *jqlParser) peek() token { return p.toks[p.i] }

func (p *jqlParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *jqlParser) expr() (node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().is("or") {
		p.next()
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		n = orNode{n, m}
	}
	return n, nil
}

func (p *jqlParser) and() (node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek().is("and") {
		p.next()
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		n = andNode{n, m}
	}
	return n, nil
}

func (p *jqlParser) unary() (node, error) {
	t := p.peek()
	switch {
	case t.is("not"):
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case t.kind == tLParen:
		p.next()
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, jqlErrorf("Error in the JQL Query: Expecting ')' but got %s. (line 1, character %d)", c.describe(), c.pos)
		}
		return x, nil
	}
	return p.clause()
}

func (p *jqlParser) clause() (node, error) {
	ft := p.next()
	if ft.kind != tWord && ft.kind != tString {
		return nil, jqlErrorf("Error in the JQL Query: Expecting a field name but got %s. (line 1, character %d)", ft.describe(), ft.pos)
	}
	if p.peek().kind == tLParen {
		return nil, jqlErrorf("Error in the JQL Query: Expecting a field name but got a function '%s()'. (line 1, character %d)", ft.text, ft.pos)
	}
	field, ok := fieldAliases[strings.ToLower(ft.text)]
	if !ok {
		if strings.HasPrefix(strings.ToLower(ft.text), "cf[") || strings.HasPrefix(strings.ToLower(ft.text), "customfield_") {
			return nil, jqlErrorf("Field '%s' is not supported by the simulator.", ft.text)
		}
		return nil, jqlErrorf("Field '%s' does not exist or you do not have permission to view it.", ft.text)
	}
	ot := p.next()
	var op string
	switch {
	case ot.kind == tOp:
		op = ot.text
	case ot.is("in"):
		op = "in"
	case ot.is("not") && p.peek().is("in"):
		p.next()
		op = "not in"
	case ot.is("is"), ot.is("was"), ot.is("changed"):
		return nil, jqlErrorf("The operator '%s' is not supported by the simulator.", strings.ToUpper(ot.text))
	default:
		return nil, jqlErrorf("Error in the JQL Query: Expecting operator but got %s. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character %d)", ot.describe(), ot.pos)
	}
	c := clauseNode{field: field, op: op}
	if isDateField(field) {
		if op == "in" || op == "not in" {
			return nil, jqlErrorf("The operator '%s' is not supported by the simulator for the '%s' field.", strings.ToUpper(op), field)
		}
		vt := p.next()
		if vt.kind != tWord && vt.kind != tString {
			return nil, jqlErrorf("Error in the JQL Query: Expecting either a value, list or function but got %s. (line 1, character %d)", vt.describe(), vt.pos)
		}
		text := vt.text
		// An unquoted period such as -4w 2d spans two words.
		for vt.kind == tWord && p.peek().kind == tWord && periodRe(p.peek().text) {
			text += " " + p.next().text
		}
		at, err := parseJQLDate(text, p.loc, p.now)
		if err != nil {
			return nil, jqlErrorf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", text, field)
		}
		c.values, c.at = []string{text}, at
		return c, nil
	}
	switch op {
	case "=", "!=":
		vt := p.next()
		if vt.kind != tWord && vt.kind != tString {
			return nil, jqlErrorf("Error in the JQL Query: Expecting either a value, list or function but got %s. (line 1, character %d)", vt.describe(), vt.pos)
		}
		if p.peek().kind == tLParen {
			return nil, jqlErrorf("Error in the JQL Query: functions such as '%s()' are not supported by the simulator. (line 1, character %d)", vt.text, vt.pos)
		}
		if vt.kind == tWord && (vt.is("empty") || vt.is("null")) {
			return nil, jqlErrorf("The value '%s' is not supported by the simulator.", vt.text)
		}
		c.values = []string{vt.text}
	case "in", "not in":
		if t := p.next(); t.kind != tLParen {
			return nil, jqlErrorf("Error in the JQL Query: Expecting '(' but got %s. (line 1, character %d)", t.describe(), t.pos)
		}
		for {
			vt := p.next()
			if vt.kind != tWord && vt.kind != tString {
				return nil, jqlErrorf("Error in the JQL Query: Expecting a value but got %s. (line 1, character %d)", vt.describe(), vt.pos)
			}
			c.values = append(c.values, vt.text)
			sep := p.next()
			if sep.kind == tRParen {
				break
			}
			if sep.kind != tComma {
				return nil, jqlErrorf("Error in the JQL Query: Expecting ',' or ')' but got %s. (line 1, character %d)", sep.describe(), sep.pos)
			}
		}
	default:
		return nil, jqlErrorf("The operator '%s' is not supported by the '%s' field.", op, field)
	}
	return c, nil
}

// periodRe reports whether s is one JQL period term like "-4w", "2d", "90m".
func periodRe(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if len(s) < 2 {
		return false
	}
	if _, err := strconv.Atoi(s[:len(s)-1]); err != nil {
		return false
	}
	switch s[len(s)-1] {
	case 'w', 'd', 'h', 'm':
		return true
	}
	return false
}

// parseJQLDate resolves a JQL date value. Absolute values are wall-clock
// times in loc, as Jira reads them in the searching user's time zone. A wall
// time that a daylight-saving change repeats resolves to the earlier instant
// and one that it skips moves forward by the gap (java.time's rules).
func parseJQLDate(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		wall, err := time.ParseInLocation(layout, s, time.UTC)
		if err == nil {
			return wallToInstant(wall, loc), nil
		}
	}
	// A period relative to now: terms like -4w 2d; the sign of the first
	// term applies to the whole period.
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return time.Time{}, fmt.Errorf("empty date")
	}
	sign := time.Duration(1)
	if strings.HasPrefix(fields[0], "-") {
		sign = -1
	}
	var total time.Duration
	for _, f := range fields {
		if !periodRe(f) {
			return time.Time{}, fmt.Errorf("bad period %q", f)
		}
		f = strings.TrimPrefix(strings.TrimPrefix(f, "-"), "+")
		n, _ := strconv.Atoi(f[:len(f)-1])
		unit := map[byte]time.Duration{'w': 7 * 24 * time.Hour, 'd': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}[f[len(f)-1]]
		total += time.Duration(n) * unit
	}
	return now.Add(sign * total), nil
}

// wallToInstant interprets the wall-clock reading of wall (whose location is
// ignored) in loc with java.time's rules for daylight-saving changes.
func wallToInstant(wall time.Time, loc *time.Location) time.Time {
	y, mo, d := wall.Date()
	h, mi, sec := wall.Clock()
	naive := time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
	// Candidate instants: the wall time read with each offset in force
	// around it. Valid candidates are those whose offset is in force at the
	// candidate instant itself.
	var valid []time.Time
	seen := map[int]bool{}
	for _, probe := range []time.Duration{-36 * time.Hour, -12 * time.Hour, 0, 12 * time.Hour, 36 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		cand := naive.Add(-time.Duration(off) * time.Second)
		if _, o := cand.In(loc).Zone(); o == off {
			valid = append(valid, cand)
		}
	}
	if len(valid) > 0 {
		best := valid[0]
		for _, v := range valid[1:] {
			if v.Before(best) {
				best = v
			}
		}
		return best
	}
	// In a gap: read the wall time with the offset before the gap, which
	// moves it forward by the gap's length.
	_, before := naive.Add(-36 * time.Hour).In(loc).Zone()
	return naive.Add(-time.Duration(before) * time.Second)
}
