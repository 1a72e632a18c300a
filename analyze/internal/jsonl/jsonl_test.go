package jsonl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEach(t *testing.T) {
	in := "{\"id\":\"a\",\"ok\":true,\"n\":null}\n\n  \n{\"id\":\"\",\"ok\":\"yes\",\"x\":1}\n"
	var lines []int
	err := Each(strings.NewReader(in), "f.jsonl", func(o Object) error {
		lines = append(lines, o.Line())
		if o.Line() == 1 {
			id, err := o.String("id", true)
			require.NoError(t, err)
			require.Equal(t, "a", id)
			ok, err := o.Bool("ok")
			require.NoError(t, err)
			require.True(t, *ok)
			require.False(t, o.Has("n"), "null is no value")
			n, err := o.String("n", false)
			require.NoError(t, err)
			require.Empty(t, n)
			_, err = o.String("n", true)
			require.EqualError(t, err, "f.jsonl:1: field n: missing")
			b, err := o.Bool("missing")
			require.NoError(t, err)
			require.Nil(t, b)
			return nil
		}
		_, err := o.String("id", true)
		require.EqualError(t, err, "f.jsonl:4: field id: empty")
		_, err = o.String("x", false)
		require.EqualError(t, err, "f.jsonl:4: field x: must be a string")
		_, err = o.Bool("ok")
		require.EqualError(t, err, `f.jsonl:4: field ok: must be true or false, got "yes"`)
		return o.Errorf("id", "stop here")
	})
	require.EqualError(t, err, "f.jsonl:4: field id: stop here")
	require.Equal(t, []int{1, 4}, lines)

	err = Each(strings.NewReader("{}\n[1]\n"), "g.jsonl", func(Object) error { return nil })
	require.ErrorContains(t, err, "g.jsonl:2: not a JSON object")
}

// TestEachRefusesARepeatedKey: a key given twice (two labels for one
// record) is an error naming the line and the key; it kept the last value.
// Keys inside nested values are not the object's own.
func TestEachRefusesARepeatedKey(t *testing.T) {
	in := "{\"id\":\"a\",\"meta\":{\"x\":1},\"x\":{\"x\":2}}\n{\"id\":\"b\",\"category\":\"bug\",\"text\":\"t\",\"category\":\"config\"}\n"
	n := 0
	err := Each(strings.NewReader(in), "f.jsonl", func(Object) error { n++; return nil })
	require.EqualError(t, err, "f.jsonl:2: field category: given more than once in the object")
	require.Equal(t, 1, n)
}

func TestIDs(t *testing.T) {
	ids := IDs{}
	var got []string
	err := Each(strings.NewReader("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"a\"}\n"), "f.jsonl", func(o Object) error {
		id, err := ids.Read(o)
		got = append(got, id)
		return err
	})
	require.EqualError(t, err, `f.jsonl:3: field id: "a" already on line 1`)
	require.Equal(t, []string{"a", "b", ""}, got)
}

// TestEachReadsABOMAndRefusesInvalidUTF8: a file saved with a byte order
// mark is read (it failed with "invalid character 'ï'"), and bytes that are
// not UTF-8 are an error naming the line (they were replaced silently).
func TestEachReadsABOMAndRefusesInvalidUTF8(t *testing.T) {
	var ids []string
	err := Each(strings.NewReader("\xef\xbb\xbf{\"id\": \"a\"}\n{\"id\": \"b\"}\n"), "f.jsonl", func(o Object) error {
		id, err := o.String("id", true)
		ids = append(ids, id)
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, ids)

	err = Each(strings.NewReader("{\"id\": \"a\"}\n{\"id\": \"caf\xe9\"}\n"), "f.jsonl", func(Object) error { return nil })
	require.EqualError(t, err, "f.jsonl:2: not valid UTF-8 (save the file as UTF-8)")
}
