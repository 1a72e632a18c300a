package chtest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeZooKeeper listens like ZooKeeper starting up: for the first
// `closing` connections it accepts and closes at once (the port is open, the
// server does not serve yet), then it answers "srvr" as a serving ZooKeeper
// does. It counts the connections it accepted.
func fakeZooKeeper(t *testing.T, closing int32, serve bool) (addr string, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n := accepted.Add(1)
			if n <= closing || !serve {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4)
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				if _, err := c.Read(buf); err != nil || string(buf) != "srvr" {
					return
				}
				_, _ = c.Write([]byte("Zookeeper version: 3.8.0-fake, built on 2026-01-01\nMode: standalone\n"))
			}()
		}
	}()
	return l.Addr().String(), accepted
}

func TestWaitZooKeeperWaitsUntilItServes(t *testing.T) {
	addr, accepted := fakeZooKeeper(t, 3, true)
	if err := waitZooKeeper(context.Background(), addr, 10*time.Second); err != nil {
		t.Fatalf("waitZooKeeper: %v", err)
	}
	// An open port alone is not enough: the three connections closed at
	// the handshake were retried.
	if n := accepted.Load(); n != 4 {
		t.Fatalf("returned after %d connections, want 4 (3 closed, then one served)", n)
	}
}

func TestWaitZooKeeperTimesOutWhenItNeverServes(t *testing.T) {
	addr, _ := fakeZooKeeper(t, 0, false)
	start := time.Now()
	err := waitZooKeeper(context.Background(), addr, 700*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not serving after") {
		t.Fatalf("waitZooKeeper = %v, want a timeout naming that it was not serving", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %s for a 700ms timeout", d)
	}
}

func TestWaitZooKeeperHonoursCancellation(t *testing.T) {
	addr, _ := fakeZooKeeper(t, 0, false)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := waitZooKeeper(ctx, addr, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitZooKeeper = %v, want the context's error", err)
	}
}
