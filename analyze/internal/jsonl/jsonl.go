// Package jsonl reads the labeled JSON Lines files of the evaluate commands:
// one JSON object a line, blank lines skipped, errors naming the file, the
// line and the field.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Object is one line's object.
type Object struct {
	name string
	line int
	raw  map[string]json.RawMessage
}

// Line is the object's line in the file (from 1).
func (o Object) Line() int { return o.line }

// Has reports whether the object has field with a value other than null.
func (o Object) Has(field string) bool {
	v, ok := o.raw[field]
	return ok && string(v) != "null"
}

// Errorf is an error at the object's line and field.
func (o Object) Errorf(field, format string, args ...any) error {
	return fmt.Errorf("%s:%d: field %s: %s", o.name, o.line, field, fmt.Sprintf(format, args...))
}

// String returns a string field; a required one must be there and not be
// blank, an optional one missing or null is "".
func (o Object) String(field string, required bool) (string, error) {
	if !o.Has(field) {
		if required {
			return "", o.Errorf(field, "missing")
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(o.raw[field], &s); err != nil {
		return "", o.Errorf(field, "must be a string")
	}
	if required && strings.TrimSpace(s) == "" {
		return "", o.Errorf(field, "empty")
	}
	return s, nil
}

// Bool returns a boolean field, nil when it is missing or null.
func (o Object) Bool(field string) (*bool, error) {
	if !o.Has(field) {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(o.raw[field], &b); err != nil {
		return nil, o.Errorf(field, "must be true or false, got %s", o.raw[field])
	}
	return &b, nil
}

// Each calls fn with every object of r, in order, and stops at the first
// error (a line that is not a JSON object, or fn's). name is the file's
// name in errors.
func Each(r io.Reader, name string, fn func(Object) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark, as some editors write
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			// encoding/json would replace the bytes without a word: the
			// texts scored would not be the ones written.
			return fmt.Errorf("%s:%d: not valid UTF-8 (save the file as UTF-8)", name, line)
		}
		o := Object{name: name, line: line}
		if err := json.Unmarshal(b, &o.raw); err != nil {
			return fmt.Errorf("%s:%d: not a JSON object: %w", name, line, err)
		}
		if key := repeatedKey(b); key != "" {
			// encoding/json keeps the last value without a word: a label
			// given twice would be scored as whichever came last.
			return o.Errorf(key, "given more than once in the object")
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// repeatedKey returns a key the JSON object b (already known to be one)
// has more than once at its top level, or "".
func repeatedKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		if seen[key] {
			return key
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// IDs are the ids read so far, with their lines.
type IDs map[string]int

// Read returns the object's "id" (required), or an error naming the line
// that already had it.
func (ids IDs) Read(o Object) (string, error) {
	id, err := o.String("id", true)
	if err != nil {
		return "", err
	}
	if prev, dup := ids[id]; dup {
		return "", o.Errorf("id", "%q already on line %d", id, prev)
	}
	ids[id] = o.line
	return id, nil
}
