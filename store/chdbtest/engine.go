//go:build chdb

package chdbtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	chdb "github.com/chdb-io/chdb-go/chdb-purego"
)

// Engine is an in-process ClickHouse (libchdb). The library allows one
// engine per process.
type Engine struct {
	conn chdb.ChdbConn
}

// OpenEngine starts the engine with its data under dir, in UTC, reading
// the server config file configFile when it is not "".
func OpenEngine(dir, configFile string) (*Engine, error) {
	args := []string{"--path=" + dir}
	if configFile != "" {
		args = append(args, "--config-file="+configFile)
	}
	conn, err := chdb.NewConnection(len(args), args)
	if err != nil {
		return nil, fmt.Errorf("chdb: open %s: %w", dir, err)
	}
	e := &Engine{conn: conn}
	if err := e.Exec("SET session_timezone = 'UTC'"); err != nil {
		conn.Close()
		return nil, err
	}
	return e, nil
}

// Close stops the engine.
func (e *Engine) Close() { e.conn.Close() }

// Exec runs a statement that returns no rows.
func (e *Engine) Exec(sql string) error {
	res, err := e.conn.Query(sql, "Native")
	if err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	defer res.Free()
	if err := res.Error(); err != nil {
		return fmt.Errorf("chdb: %w", err)
	}
	return nil
}

// Version is the engine's ClickHouse version.
func (e *Engine) Version() (string, error) { return e.String("SELECT version()") }

// String runs a read of one String value.
func (e *Engine) String(sql string) (string, error) {
	res, err := e.Query(sql)
	if err != nil {
		return "", err
	}
	if len(res.values) != 1 || len(res.values[0]) != 1 {
		return "", fmt.Errorf("chdb: %s: not one value", sql)
	}
	v, ok := res.values[0][0].(string)
	if !ok {
		return "", fmt.Errorf("chdb: %s: a %T, not a string", sql, res.values[0][0])
	}
	return v, nil
}

// engineResult is a query's rows as driver values.
type engineResult struct {
	columns []string
	values  [][]any
}

// Query runs a read and decodes its Native output with the driver's own
// column types, so values compare with the reference server's as the
// application would scan them.
func (e *Engine) Query(sql string) (*engineResult, error) {
	res, err := e.conn.Query(sql, "Native")
	if err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	defer res.Free()
	if err := res.Error(); err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	buf := append([]byte(nil), res.Buf()...)
	r := chproto.NewReader(bytes.NewReader(buf))
	out := &engineResult{}
	for {
		b := proto.Block{ServerContext: &column.ServerContext{Timezone: time.UTC}}
		if err := b.Decode(r, 0); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("chdb: decode result of %s: %w", sql, err)
		}
		if out.columns == nil {
			out.columns = b.ColumnsNames()
		}
		rows := 0
		if len(b.Columns) > 0 {
			rows = b.Columns[0].Rows()
		}
		for i := 0; i < rows; i++ {
			row := make([]any, len(b.Columns))
			for j, c := range b.Columns {
				row[j] = c.Row(i, false)
			}
			out.values = append(out.values, row)
		}
	}
}

// Result returns the rows of a read canonically, as Result.
func (e *Engine) Result(sql string) (*Result, error) {
	er, err := e.Query(sql)
	if err != nil {
		return nil, err
	}
	res := newResult(sql, er.columns)
	for _, row := range er.values {
		res.Rows = append(res.Rows, CanonicalRow(row))
	}
	return res, nil
}
