package jira

import (
	"encoding/json"
	"errors"
	"fmt"
)

// A search page is split into its issues without decoding them, so that one
// issue encoding/json refuses (nested past its depth limit of 10,000, say)
// costs that issue and not the page: json.Unmarshal checks the whole input
// before it decodes any of it, json.RawMessage included. The scanner below
// only finds where values begin and end; each issue is then decoded on its
// own, and the envelope's scalars with encoding/json.

// errSplit marks a body whose structure cannot be followed (cut short,
// mismatched brackets); it is a malformed response.
var errSplit = errors.New("not a JSON object")

// splitSearchPage reads the envelope of a search/jql page and keeps each
// issue as raw JSON.
func splitSearchPage(raw []byte) (searchPage, error) {
	var p searchPage
	err := members(raw, func(name string, v []byte) error {
		switch name {
		case "issues":
			if string(v) == "null" {
				return nil
			}
			return elements(v, func(e []byte) error {
				p.Issues = append(p.Issues, json.RawMessage(e))
				return nil
			})
		case "nextPageToken":
			if string(v) == "null" {
				return nil
			}
			return json.Unmarshal(v, &p.NextPageToken)
		case "isLast":
			return json.Unmarshal(v, &p.IsLast)
		}
		return nil
	})
	if err != nil {
		return searchPage{}, err
	}
	return p, nil
}

// issueIdentity finds the key and id of an issue that does not decode as a
// whole, for the log line and the skip; empty when they cannot be found.
func issueIdentity(raw []byte) (key, id string) {
	_ = members(raw, func(name string, v []byte) error {
		switch name {
		case "key":
			_ = json.Unmarshal(v, &key)
		case "id":
			_ = json.Unmarshal(v, &id)
		}
		return nil
	})
	return key, id
}

// members calls fn with each member of the JSON object b (surrounding
// white space allowed), in order. Values are passed undecoded.
func members(b []byte, fn func(name string, value []byte) error) error {
	s := scanner{b: b}
	s.space()
	if !s.eat('{') {
		return fmt.Errorf("%w at offset %d", errSplit, s.i)
	}
	s.space()
	if !s.eat('}') {
		for {
			s.space()
			ks, ke, err := s.value()
			if err != nil {
				return err
			}
			if b[ks] != '"' {
				return fmt.Errorf("%w: member name expected at offset %d", errSplit, ks)
			}
			var name string
			if err := json.Unmarshal(b[ks:ke], &name); err != nil {
				return fmt.Errorf("%w: member name at offset %d: %v", errSplit, ks, err)
			}
			s.space()
			if !s.eat(':') {
				return fmt.Errorf("%w: ':' expected at offset %d", errSplit, s.i)
			}
			s.space()
			vs, ve, err := s.value()
			if err != nil {
				return err
			}
			if err := fn(name, b[vs:ve]); err != nil {
				return fmt.Errorf("member %q: %w", name, err)
			}
			s.space()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				break
			}
			return fmt.Errorf("%w: ',' or '}' expected at offset %d", errSplit, s.i)
		}
	}
	s.space()
	if s.i != len(b) {
		return fmt.Errorf("%w: data after the object at offset %d", errSplit, s.i)
	}
	return nil
}

// elements calls fn with each element of the JSON array b, undecoded.
func elements(b []byte, fn func(value []byte) error) error {
	s := scanner{b: b}
	s.space()
	if !s.eat('[') {
		return fmt.Errorf("%w: array expected", errSplit)
	}
	s.space()
	if s.eat(']') {
		return nil
	}
	for {
		s.space()
		vs, ve, err := s.value()
		if err != nil {
			return err
		}
		if err := fn(b[vs:ve]); err != nil {
			return err
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return nil
		}
		return fmt.Errorf("%w: ',' or ']' expected at offset %d", errSplit, s.i)
	}
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// value skips one JSON value and returns its extent. Nesting is followed
// with an explicit stack, so depth costs memory, not recursion. Inside
// containers only brackets and strings are tracked: the value's own
// syntax is checked when it is decoded.
func (s *scanner) value() (start, end int, err error) {
	start = s.i
	if s.i >= len(s.b) {
		return 0, 0, fmt.Errorf("%w: value expected at offset %d (body cut short?)", errSplit, s.i)
	}
	switch c := s.b[s.i]; {
	case c == '"':
		if err := s.str(); err != nil {
			return 0, 0, err
		}
		return start, s.i, nil
	case c == '{' || c == '[':
		var stack []byte
		for s.i < len(s.b) {
			switch c := s.b[s.i]; c {
			case '"':
				if err := s.str(); err != nil {
					return 0, 0, err
				}
				continue
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				open := byte('{')
				if c == ']' {
					open = '['
				}
				if len(stack) == 0 || stack[len(stack)-1] != open {
					return 0, 0, fmt.Errorf("%w: unexpected %q at offset %d", errSplit, c, s.i)
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					s.i++
					return start, s.i, nil
				}
			}
			s.i++
		}
		return 0, 0, fmt.Errorf("%w: unterminated value from offset %d (body cut short?)", errSplit, start)
	default:
		// A number or a literal: up to the next delimiter.
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
				if s.i == start {
					return 0, 0, fmt.Errorf("%w: value expected at offset %d", errSplit, s.i)
				}
				return start, s.i, nil
			}
			s.i++
		}
		return start, s.i, nil
	}
}

// str skips a string starting at the opening quote.
func (s *scanner) str() error {
	start := s.i
	s.i++
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return nil
		}
		s.i++
	}
	return fmt.Errorf("%w: unterminated string from offset %d (body cut short?)", errSplit, start)
}
