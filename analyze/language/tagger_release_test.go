package language

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// inFreshProcess runs the test named name again in a child process of the
// test binary, where no other test has decoded the model, and fails with its
// output when it fails; it reports true in the child, which then runs the
// test's body.
func inFreshProcess(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv("AFTERMATH_TAGGER_CHILD") == name {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "AFTERMATH_TAGGER_CHILD="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in a fresh process: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s did not run in the fresh process:\n%s", name, out)
	}
	return false
}

// The model is shared by live taggers and freed once none is left; a later
// tagger decodes it again and tags as before.
func TestTaggerModelIsSharedThenReleased(t *testing.T) {
	if !inFreshProcess(t, "TestTaggerModelIsSharedThenReleased") {
		return
	}
	a, b := newTagger(), newTagger()
	first := a.tag("The engineer restarted the cache", false)
	if len(first) == 0 {
		t.Fatal("no tokens")
	}
	if b.tag("Add an alert", true) == nil {
		t.Fatal("no tokens")
	}
	if a.model() != b.model() {
		t.Fatal("two live taggers decoded two models")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	a, b = nil, nil
	released := false
	for range 5 {
		runtime.GC()
		modelCache.mu.Lock()
		released = modelCache.p.Value() == nil
		modelCache.mu.Unlock()
		if released {
			break
		}
	}
	if !released {
		t.Fatal("the model is still held after every tagger is gone")
	}
	again := newTagger().tag("The engineer restarted the cache", false)
	if len(again) != len(first) {
		t.Fatalf("after reloading: %d tokens, want %d", len(again), len(first))
	}
	for i := range again {
		if again[i] != first[i] {
			t.Fatalf("token %d: %+v, want %+v", i, again[i], first[i])
		}
	}
}

// A checker that never tags decodes nothing, and the package-level checks
// keep the model once they have used it.
func TestTaggerDecodesOnFirstTagAndPackageChecksKeepIt(t *testing.T) {
	if !inFreshProcess(t, "TestTaggerDecodesOnFirstTagAndPackageChecksKeepIt") {
		return
	}
	held := func() bool {
		runtime.GC()
		modelCache.mu.Lock()
		defer modelCache.mu.Unlock()
		return modelCache.p.Value() != nil
	}
	c := NewChecker(BlameOptions{})
	if held() {
		t.Fatal("NewChecker decoded the model before it was needed")
	}
	runtime.KeepAlive(c)
	CheckActionItem("Investigate the flaky failover test", true, true)
	for range 3 {
		if !held() {
			t.Fatal("the package-level checks let the model go between calls")
		}
	}
}
