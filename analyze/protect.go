package analyze

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// PanicError is a panic caught in an analysis step: the run fails with it
// instead of the process crashing.
type PanicError struct {
	Step  string // the analysis, "load" or "write"
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.Step, e.Value) }

// protect runs f and returns a panic in it as a *PanicError, logged with its
// stack. Goroutines an analysis starts must use it too: a panic cannot be
// recovered from another goroutine.
func protect(log *slog.Logger, step string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("analysis panicked; the run fails and the previous results stay", "step", step, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = &PanicError{Step: step, Value: v}
		}
	}()
	return f()
}
