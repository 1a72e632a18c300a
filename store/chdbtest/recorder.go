package chdbtest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Kind is what a recorded statement does.
type Kind string

// Statement kinds.
const (
	KindExec   Kind = "exec"   // DDL and mutations
	KindInsert Kind = "insert" // a batch, as INSERT ... VALUES
	KindQuery  Kind = "query"  // a read, with the reference engine's result
)

// Statement is one statement as sent, with its arguments bound as literals.
type Statement struct {
	Kind Kind
	SQL  string
	// Want is the reference engine's result of SQL at the moment it ran
	// (queries only).
	Want *Result
}

// Result is a query result: each row's values written canonically (Go
// values of the driver's types, times in UTC), and the order the statement
// fixes: none, the whole row, or the columns Keys (the ORDER BY of the
// outermost query names them), within whose equal values rows may come in
// any order.
type Result struct {
	Rows    [][]string
	Ordered bool
	Keys    []int // columns of the ORDER BY; nil when unknown (the whole row is the order)
}

// Equal reports whether r and o hold the same rows, in the order r's
// statement fixes; it returns a description of the first difference.
func (r *Result) Equal(o *Result) (bool, string) {
	if len(r.Rows) != len(o.Rows) {
		return false, fmt.Sprintf("%d rows, want %d", len(o.Rows), len(r.Rows))
	}
	key := func(row []string) string {
		if !r.Ordered {
			return ""
		}
		if r.Keys == nil {
			return joinRow(row)
		}
		ks := make([]string, 0, len(r.Keys))
		for _, k := range r.Keys {
			if k < len(row) {
				ks = append(ks, row[k])
			}
		}
		return joinRow(ks)
	}
	// Runs of rows with equal order keys compare as multisets.
	for start := 0; start < len(r.Rows); {
		end := start + 1
		for end < len(r.Rows) && key(r.Rows[end]) == key(r.Rows[start]) {
			end++
		}
		want, got := make([]string, 0, end-start), make([]string, 0, end-start)
		for i := start; i < end; i++ {
			want = append(want, joinRow(r.Rows[i]))
			got = append(got, joinRow(o.Rows[i]))
		}
		want, got = sortedCopy(want), sortedCopy(got)
		for i := range want {
			if want[i] != got[i] {
				return false, fmt.Sprintf("rows %d..%d: got %s, want %s", start, end-1, got[i], want[i])
			}
		}
		start = end
	}
	return true, ""
}

func joinRow(cells []string) string { return "(" + strings.Join(cells, ", ") + ")" }

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// Recorder records every statement sent through the connections it wraps,
// with the reference engine's result of each read.
type Recorder struct {
	mu    sync.Mutex
	stmts []Statement
	err   error
}

// Statements returns the statements recorded so far, and the first error
// met while recording (an argument type it cannot write as a literal).
func (r *Recorder) Statements() ([]Statement, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Statement(nil), r.stmts...), r.err
}

func (r *Recorder) add(s Statement) {
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// Wrap returns a connection that forwards to c and records what it sends;
// it fits store.Options.WrapConn.
func (r *Recorder) Wrap(c driver.Conn) driver.Conn { return &recConn{Conn: c, r: r} }

type recConn struct {
	driver.Conn
	r *Recorder
}

var reMutation = regexp.MustCompile(`(?is)^\s*ALTER\s+TABLE\s+\S+\s+(?:ON\s+CLUSTER\s+\S+\s+)?(?:DELETE|UPDATE)\b`)

func (c *recConn) Exec(ctx context.Context, query string, args ...any) error {
	lit, lerr := Bind(query, args...)
	if err := c.Conn.Exec(ctx, query, args...); err != nil {
		return err
	}
	if lerr != nil {
		c.r.fail(lerr)
		return nil
	}
	c.r.add(Statement{Kind: KindExec, SQL: lit})
	if reMutation.MatchString(lit) {
		if err := waitMutations(ctx, func(q string) (uint64, error) {
			var n uint64
			err := c.Conn.QueryRow(ctx, q).Scan(&n)
			return n, err
		}); err != nil {
			c.r.fail(err)
		}
	}
	return nil
}

// waitMutations waits until the engine has no unfinished mutation, so reads
// after a mutation see its result on both engines.
func waitMutations(ctx context.Context, count func(string) (uint64, error)) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := count("SELECT count() FROM system.mutations WHERE is_done = 0")
		if err != nil {
			return fmt.Errorf("wait for mutations: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for mutations: %d still running after 60s", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *recConn) record(ctx context.Context, query string, args []any) {
	lit, err := Bind(query, args...)
	if err != nil {
		c.r.fail(err)
		return
	}
	want, err := referenceResult(ctx, c.Conn, lit)
	if err != nil {
		c.r.fail(fmt.Errorf("reference result of %s: %w", lit, err))
		return
	}
	c.r.add(Statement{Kind: KindQuery, SQL: lit, Want: want})
}

func (c *recConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	c.record(ctx, query, args)
	return c.Conn.Query(ctx, query, args...)
}

func (c *recConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	c.record(ctx, query, args)
	return c.Conn.QueryRow(ctx, query, args...)
}

func (c *recConn) Select(ctx context.Context, dest any, query string, args ...any) error {
	c.record(ctx, query, args)
	return c.Conn.Select(ctx, dest, query, args...)
}

func (c *recConn) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := c.Conn.PrepareBatch(ctx, query, opts...)
	if err != nil {
		return nil, err
	}
	return &recBatch{Batch: b, r: c.r, query: strings.TrimSpace(query)}, nil
}

type recBatch struct {
	driver.Batch
	r     *Recorder
	query string
	rows  []string
}

func (b *recBatch) Append(v ...any) error {
	if err := b.Batch.Append(v...); err != nil {
		return err
	}
	vals := make([]string, len(v))
	for i, x := range v {
		s, err := Literal(x)
		if err != nil {
			b.r.fail(fmt.Errorf("%s: %w", b.query, err))
			return nil
		}
		vals[i] = s
	}
	b.rows = append(b.rows, "("+strings.Join(vals, ", ")+")")
	return nil
}

func (b *recBatch) Send() error {
	if err := b.Batch.Send(); err != nil {
		return err
	}
	if len(b.rows) > 0 {
		b.r.add(Statement{Kind: KindInsert, SQL: b.query + " VALUES " + strings.Join(b.rows, ", ")})
	}
	return nil
}

// referenceResult runs a bound statement on the reference connection and
// returns its rows canonically.
func referenceResult(ctx context.Context, conn driver.Conn, sql string) (*Result, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cts := rows.ColumnTypes()
	res := newResult(sql, rows.Columns())
	for rows.Next() {
		dest := make([]any, len(cts))
		for i, ct := range cts {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		vals := make([]any, len(dest))
		for i, d := range dest {
			vals[i] = reflect.ValueOf(d).Elem().Interface()
		}
		res.Rows = append(res.Rows, CanonicalRow(vals))
	}
	return res, rows.Err()
}

// newResult is an empty Result of a statement whose columns are named
// columns.
func newResult(sql string, columns []string) *Result {
	res := &Result{Ordered: FixesOrder(sql)}
	if res.Ordered {
		res.Keys = orderKeys(sql, columns)
	}
	return res
}

var reOrderEnd = regexp.MustCompile(`(?i)\s(?:LIMIT|SETTINGS|FORMAT)\s`)

// orderKeys maps the items of the outermost ORDER BY to result columns by
// name ("ORDER BY analysis, metric DESC"); nil when an item is not a plain
// column of the result.
func orderKeys(sql string, columns []string) []int {
	locs := reOrderBy.FindAllStringIndex(sql, -1)
	clause := sql[locs[len(locs)-1][1]:]
	if m := reOrderEnd.FindStringIndex(clause); m != nil {
		clause = clause[:m[0]]
	}
	var keys []int
	for _, item := range strings.Split(clause, ",") {
		f := strings.Fields(item)
		if len(f) == 0 || len(f) > 2 || (len(f) == 2 && !strings.EqualFold(f[1], "ASC") && !strings.EqualFold(f[1], "DESC")) {
			return nil
		}
		k := -1
		for i, c := range columns {
			if c == f[0] {
				k = i
				break
			}
		}
		if k < 0 {
			return nil
		}
		keys = append(keys, k)
	}
	return keys
}

var reOrderBy = regexp.MustCompile(`(?i)\bORDER\s+BY\b`)

// FixesOrder reports whether a statement fixes the order of its rows: its
// outermost query has an ORDER BY (one after the last closing parenthesis
// of a subquery).
func FixesOrder(sql string) bool {
	locs := reOrderBy.FindAllStringIndex(sql, -1)
	if len(locs) == 0 {
		return false
	}
	return locs[len(locs)-1][0] > strings.LastIndex(sql, ")") || depthAt(sql, locs[len(locs)-1][0]) == 0
}

// depthAt is the parenthesis depth at sql[i], outside string literals.
func depthAt(sql string, i int) int {
	d := 0
	inStr := false
	for k := 0; k < i && k < len(sql); k++ {
		switch c := sql[k]; {
		case c == '\\' && inStr:
			k++
		case c == '\'':
			inStr = !inStr
		case c == '(' && !inStr:
			d++
		case c == ')' && !inStr:
			d--
		}
	}
	return d
}

// CanonicalRow writes a row of driver values canonically: pointers
// dereferenced (nil as NULL), times in UTC, each value with its Go type, so
// a value of another type (UInt64 for UInt32) is a difference.
func CanonicalRow(vals []any) []string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = canonical(v)
	}
	return parts
}

func canonical(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "NULL"
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "NULL"
	}
	switch x := rv.Interface().(type) {
	case time.Time:
		return "time(" + x.UTC().Format(time.RFC3339Nano) + ")"
	case float64:
		return "float64(" + strconv.FormatFloat(x, 'g', -1, 64) + ")"
	case float32:
		return "float32(" + strconv.FormatFloat(float64(x), 'g', -1, 32) + ")"
	}
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = canonical(rv.Index(i).Interface())
		}
		return rv.Type().String() + "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("%T(%v)", rv.Interface(), rv.Interface())
}

// Bind replaces the positional "?" placeholders of query (outside string
// literals and quoted identifiers) by the arguments written as literals.
func Bind(query string, args ...any) (string, error) {
	if len(args) == 0 {
		return query, nil
	}
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(query) {
				b.WriteByte(c)
				i++
				c = query[i]
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '`' || c == '"':
			quote = c
		case c == '?':
			if n >= len(args) {
				return "", fmt.Errorf("bind %q: more placeholders than %d arguments", query, len(args))
			}
			lit, err := Literal(args[n])
			if err != nil {
				return "", fmt.Errorf("bind %q: argument %d: %w", query, n+1, err)
			}
			n++
			b.WriteString(lit)
			continue
		}
		b.WriteByte(c)
	}
	if n != len(args) {
		return "", fmt.Errorf("bind %q: %d placeholders for %d arguments", query, n, len(args))
	}
	return b.String(), nil
}

var stringEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// Literal writes a Go value as a ClickHouse SQL literal that both engines
// read the same way: strings quoted and escaped, times as UTC
// 'YYYY-MM-DD hh:mm:ss' (DateTime and Date columns parse it), slices as
// arrays, clickhouse.GroupSet as a tuple, nil pointers as NULL, infinities
// and NaN as inf, -inf and nan.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return "'" + stringEscaper.Replace(x) + "'", nil
	case []byte:
		return "'" + stringEscaper.Replace(string(x)) + "'", nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02 15:04:05") + "'", nil
	case clickhouse.GroupSet:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			s, err := Literal(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, ", ") + ")", nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "NULL", nil
		}
		return Literal(rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		switch f := rv.Float(); {
		case math.IsNaN(f):
			return "nan", nil
		case math.IsInf(f, 1):
			return "inf", nil
		case math.IsInf(f, -1):
			return "-inf", nil
		default:
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
	case reflect.String:
		return Literal(rv.String())
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			s, err := Literal(rv.Index(i).Interface())
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return "", fmt.Errorf("no literal for a %T", v)
}
