package config

import (
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a config file. Parse and Validate return all of
// them joined with errors.Join, sorted by line.
type Error struct {
	File string // config file name as given to Parse; "" for a Config built in code
	Line int    // 1-based line, 0 when the key is not in the file (a default)
	Path string // dotted key path, e.g. "jira.fields.due_date" or "slos[3].service"
	Msg  string
}

// Error formats as "file:line: path: message", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// problems collects *Error values with key paths relative to a section.
type problems []*Error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// nest adds the *Error values joined in err with their paths under prefix.
func (p *problems) nest(prefix string, err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	for _, err := range errs {
		var e *Error
		if !errors.As(err, &e) {
			p.add(prefix, "%v", err)
			continue
		}
		c := *e
		c.Path = joinPath(prefix, c.Path)
		*p = append(*p, &c)
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// sortByLine orders problems by line; those without a line come last.
func (p problems) sortByLine() {
	slices.SortStableFunc(p, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			return cmp.Compare(b.Line, a.Line) // the one with a line first
		}
		return cmp.Compare(a.Line, b.Line)
	})
}

func joinPath(prefix, key string) string {
	switch {
	case prefix == "":
		return key
	case key == "" || key[0] == '[':
		return prefix + key
	default:
		return prefix + "." + key
	}
}

// parentPath returns "slos[1]" for "slos[1].service" and "slos" for "slos[1]".
func parentPath(path string) string {
	return path[:max(strings.LastIndexAny(path, ".["), 0)]
}

// under reports whether path is at or below one of the given paths.
func under(path string, roots map[string]bool) bool {
	for p := path; p != ""; p = parentPath(p) {
		if roots[p] {
			return true
		}
	}
	return false
}

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	secretType          = reflect.TypeFor[Secret]()
	defaulterType       = reflect.TypeFor[interface{ setDefaults() }]()
)

// decoder decodes a yaml.Node tree into a struct strictly, collecting every
// problem with its line and key path instead of stopping at the first.
type decoder struct {
	errs  problems
	lines map[string]int // key path -> line where the file sets it
	depth int
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{Line: n.Line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// describe names what a node is, for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return strconv.Quote(n.Value)
	}
}

// decode sets v from n. A null node keeps v (the default).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > 64 {
		d.fail(n, path, "nested too deeply")
		return
	}
	if n.Kind == yaml.AliasNode {
		d.decode(n.Alias, v, path)
		return
	}
	if n.ShortTag() == "!!null" {
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshalerType) {
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "must be a string, got %s", describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "must be a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "must be true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			d.fail(n, path, "must be an integer, got %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		if tag := n.ShortTag(); (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
			d.fail(n, path, "must be a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "internal error: unsupported type %s", v.Type())
	}
}

// pairs returns a mapping's key/value pairs with YAML merge keys (<<)
// expanded: merged pairs first, explicit keys winning. Repeated keys are
// reported.
func (d *decoder) pairs(n *yaml.Node, path string) [][2]*yaml.Node {
	var merged, explicit [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			for _, m := range mergeSources(val) {
				if m.Kind != yaml.MappingNode {
					d.fail(val, path, "merge (<<) must refer to a mapping, got %s", describe(m))
					continue
				}
				merged = append(merged, d.pairs(m, path)...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "keys must be strings, got %s", describe(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(k, joinPath(path, k.Value), "duplicate key (first set at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		explicit = append(explicit, [2]*yaml.Node{k, val})
	}
	var out [][2]*yaml.Node
	for _, kv := range merged {
		if _, ok := seen[kv[0].Value]; !ok {
			seen[kv[0].Value] = kv[0].Line
			out = append(out, kv)
		}
	}
	return append(out, explicit...)
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, c := range n.Content {
			out = append(out, mergeSources(c)...)
		}
		return out
	}
	if n.Kind == yaml.AliasNode {
		return mergeSources(n.Alias)
	}
	return []*yaml.Node{n}
}

type field struct {
	index  int
	clears string // yaml key of a sibling zeroed when this key is set and it is not
}

func structFields(t reflect.Type) (map[string]field, []string) {
	fields := map[string]field{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = field{index: i, clears: f.Tag.Get("clears")}
		if f.Type != secretType {
			names = append(names, name)
		}
	}
	return fields, names
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	fields, names := structFields(v.Type())
	set := map[string]bool{}
	for _, kv := range d.pairs(n, path) {
		k, val := kv[0], kv[1]
		kp := joinPath(path, k.Value)
		f, ok := fields[k.Value]
		switch {
		case !ok:
			d.fail(k, kp, "unknown key%s", suggest(k.Value, names))
			continue
		case v.Field(f.index).Type() == secretType:
			d.fail(k, kp, "secrets are never inline; use %[1]s_env or %[1]s_file", k.Value)
			continue
		}
		set[k.Value] = true
		d.lines[kp] = k.Line
		d.decode(val, v.Field(f.index), kp)
	}
	for key := range set {
		if c := fields[key].clears; c != "" && !set[c] {
			v.Field(fields[c].index).SetZero()
		}
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, kv := range d.pairs(n, path) {
		k, val := kv[0], kv[1]
		kp := joinPath(path, k.Value)
		d.lines[kp] = k.Line
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, kp)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
	}
	v.Set(m)
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list, got %s", describe(n))
		return
	}
	if len(n.Content) == 0 {
		v.SetZero() // an empty list is nil, as in Default
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.lines[ip] = item.Line
		if e := s.Index(i).Addr(); e.Type().Implements(defaulterType) {
			e.Interface().(interface{ setDefaults() }).setDefaults()
		}
		d.decode(item, s.Index(i), ip)
	}
	v.Set(s)
}

// line returns the line of path, or of its nearest ancestor set in the file.
func (d *decoder) line(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	return 0
}

// suggest returns ` (did you mean "x"?)` for the closest known key: one a
// few typos away, or one the unknown key is a prefix of ("listen").
func suggest(key string, names []string) string {
	norm := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	best, bestDist := "", 1+min(3, max(1, len(norm)/3))
	for _, name := range names {
		d := editDistance(norm, name)
		if len(norm) >= 4 && strings.HasPrefix(name, norm) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost 1.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error into an *Error with its line.
func syntaxError(err error) *Error {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Line: line, Msg: m[2]}
	}
	return &Error{Msg: strings.TrimPrefix(msg, "yaml: ")}
}
